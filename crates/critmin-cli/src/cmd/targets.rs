//! `critmin targets`: the partnership scorecard — each target's value per
//! year to 2035, its goal and status, and the gap to the goal by 2030.

use super::metrics::ProjectionArgs;
use super::{DataArgs, Format, Result, print_json};
use crate::output::{Out, TextTable, pct, tonnes};
use clap::Args;
use critmin_app::Context;
use critmin_app::ops::metrics::TargetsRequest;
use critmin_metrics::TARGETS;
use critmin_metrics::targets::{Gap, Scorecard, TargetValue};

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

pub(crate) fn targets(args: &TargetsArgs, ctx: &Context, out: &mut Out) -> Result {
    let req = TargetsRequest {
        dataset: args.data.dataset(),
        projection: args.projection.request(),
    };
    let env = critmin_app::ops::metrics::targets(&req, ctx)?;
    match args.format {
        Format::Json => print_json(&env, out),
        Format::Table => {
            let card = &env.result.card;
            out.line(&format!(
                "{} — partnership scorecard (path {}{})\n",
                env.result.dataset,
                card.path,
                if card.with_pipeline {
                    ", with pipeline"
                } else {
                    ""
                }
            ))?;
            out.write(&scorecard_table(card))?;
            out.line("\nGap to the goal in 2030 (t REO-eq; largest first)\n")?;
            out.write(&gaps_table(&card.gaps, 12))
        }
    }
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
            x.element.to_string(),
            tonnes(x.required_t),
            tonnes(x.available_t),
            tonnes(x.missing_t),
        ]);
    }
    t.render()
}
