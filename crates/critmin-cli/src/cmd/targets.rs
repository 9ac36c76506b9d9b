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
            out.line("")?;
            for h in &card.headlines {
                out.line(&headline_text(h))?;
            }
            out.line("\nThe same measured other ways (coverage and import dependency of the magnet rare earths)\n")?;
            out.write(&measures_table(card, &[card.base_year, 2030, 2035]))?;
            out.line("\nJobs, investment and waste of the allied facilities (where the dataset gives figures)\n")?;
            out.write(&impacts_table(card, &[card.base_year, 2030, 2035]))?;
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

/// A headline target's status in its goal year and until when it holds.
pub(crate) fn headline_text(h: &critmin_metrics::targets::Headline) -> String {
    match (h.on_track_until, h.off_track_from) {
        (Some(_), Some(from)) => format!(
            "{}: on track in {}, off track from {}",
            h.id, h.goal_year, from
        ),
        (Some(until), None) => format!(
            "{}: on track in {} and every year to {}",
            h.id, h.goal_year, until
        ),
        _ => format!("{}: {} in {}", h.id, h.status.as_str(), h.goal_year),
    }
}

/// The coverage and dependency measures in `years`.
pub(crate) fn measures_table(card: &Scorecard, years: &[i32]) -> String {
    let mut t = TextTable::new(
        &["measure", "demand of", "basis", "year", "value"],
        &[false, false, false, true, true],
    );
    for m in card.measures.iter().filter(|m| years.contains(&m.year)) {
        t.row(vec![
            m.id.to_string(),
            m.group.to_string(),
            m.basis.to_string(),
            m.year.to_string(),
            m.value.map_or("—".into(), pct),
        ]);
    }
    t.render()
}

/// Jobs, investment and waste in `years`.
pub(crate) fn impacts_table(card: &Scorecard, years: &[i32]) -> String {
    let mut t = TextTable::new(
        &[
            "year",
            "direct jobs",
            "facilities with jobs",
            "investment USD m",
            "waste t",
            "facilities with waste",
        ],
        &[true, true, false, true, true, false],
    );
    for i in card.impacts.iter().filter(|i| years.contains(&i.year)) {
        t.row(vec![
            i.year.to_string(),
            i.direct_jobs.to_string(),
            format!("{} of {}", i.facilities_with_jobs, i.facilities),
            format!("{:.0}", i.investment_musd),
            tonnes(i.waste_t),
            format!("{} of {}", i.facilities_with_waste, i.facilities),
        ]);
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
