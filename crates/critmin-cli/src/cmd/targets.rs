//! `critmin targets`: the partnership scorecard — each target's value per
//! year to 2035, its goal and status, and the gap to the goal by 2030.

use super::metrics::ProjectionArgs;
use super::{DataArgs, Format, Result, load};
use crate::output::{TextTable, pct, tonnes};
use clap::Args;
use critmin_metrics::targets::{Gap, Scorecard, TargetValue};
use critmin_metrics::{TARGETS, scorecard};

#[derive(Args, Debug)]
pub(crate) struct TargetsArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub projection: ProjectionArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub(crate) fn targets(args: &TargetsArgs) -> Result {
    let m = load(&args.data)?;
    let card = scorecard(&m, &args.projection.projection())?;
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "dataset": m.name,
                "path": card.path,
                "with_pipeline": card.with_pipeline,
                "base_year": card.base_year,
                "definitions": card.definitions,
                "targets": card.targets,
                "gaps": card.gaps,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).map_err(anyhow::Error::from)?
            );
        }
        Format::Table => {
            println!(
                "{} — partnership scorecard (path {}{})\n",
                m.name,
                card.path,
                if card.with_pipeline {
                    ", with pipeline"
                } else {
                    ""
                }
            );
            print!("{}", scorecard_table(&card));
            println!("\nGap to the goal in 2030 (t REO-eq; largest first)\n");
            print!("{}", gaps_table(&card.gaps, 12));
        }
    }
    Ok(())
}

/// Formats a target value in its unit.
pub(crate) fn value_text(v: &TargetValue) -> String {
    match v.value {
        None => "—".into(),
        Some(x) if v.unit == "months" => format!("{x:.1} mo"),
        Some(x) => pct(x),
    }
}

fn goal_text(v: &TargetValue) -> String {
    if v.unit == "months" {
        format!("{}–{} mo", v.goal_low, v.goal_high)
    } else {
        format!("{}–{}", pct(v.goal_low), pct(v.goal_high))
    }
}

/// The scorecard: one row per target and year.
pub(crate) fn scorecard_table(card: &Scorecard) -> String {
    let mut t = TextTable::new(
        &["target", "year", "value", "goal", "status"],
        &[false, true, true, false, false],
    );
    for spec in TARGETS {
        for v in card.targets.iter().filter(|v| v.id == spec.id) {
            t.row(vec![
                v.id.to_string(),
                v.year.to_string(),
                value_text(v),
                format!("{} by {}", goal_text(v), v.goal_year),
                v.status.as_str().to_string(),
            ]);
        }
    }
    t.render()
}

/// The largest `n` gaps.
pub(crate) fn gaps_table(gaps: &[Gap], n: usize) -> String {
    let mut g: Vec<&Gap> = gaps.iter().filter(|g| g.missing_t > 0.0).collect();
    g.sort_by(|a, b| b.missing_t.total_cmp(&a.missing_t));
    let mut t = TextTable::new(
        &[
            "target",
            "stage",
            "element",
            "required t",
            "available t",
            "missing t",
        ],
        &[false, false, false, true, true, true],
    );
    for x in g.into_iter().take(n) {
        t.row(vec![
            x.target.to_string(),
            x.stage.to_string(),
            x.element.clone(),
            tonnes(x.required_t),
            tonnes(x.available_t),
            tonnes(x.missing_t),
        ]);
    }
    t.render()
}
