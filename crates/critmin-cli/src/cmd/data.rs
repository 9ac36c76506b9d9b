//! `critmin data validate|summary|export`.

use super::{DataArgs, Format, Result, print_json};
use crate::output::{Out, TextTable, pct, tonnes};
use clap::Args;
use critmin_app::Context;
use critmin_app::ops::data::{ExportRequest, SummaryRequest, ValidateRequest};
use critmin_metrics::StageElementSummary;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub(crate) struct SummaryArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Year (default: the dataset's base year).
    #[arg(long)]
    pub year: Option<i32>,
}

#[derive(Args, Debug)]
pub(crate) struct ExportArgs {
    /// The directory to write (new, or empty).
    pub dir: PathBuf,
}

pub(crate) fn validate(args: &DataArgs, ctx: &Context, out: &mut Out) -> Result {
    let env = critmin_app::ops::data::validate(
        &ValidateRequest {
            dataset: args.dataset(),
        },
        ctx,
    )?;
    let r = &env.result;
    out.line(&format!(
        "{}: valid — {} sources, {} countries, {} facilities, {} demand rows, {} projects",
        env.provenance.dataset.source,
        r.sources,
        r.countries,
        r.facilities,
        r.demand_rows,
        r.projects
    ))
}

pub(crate) fn summary(args: &SummaryArgs, ctx: &Context, out: &mut Out) -> Result {
    let env = critmin_app::ops::data::summary(
        &SummaryRequest {
            dataset: args.data.dataset(),
            year: args.year,
        },
        ctx,
    )?;
    match args.format {
        Format::Json => print_json(&env, out),
        Format::Table => out.write(&summary_table(&env.result.stages)),
    }
}

pub(crate) fn export(args: &ExportArgs, ctx: &Context, out: &mut Out) -> Result {
    let env = critmin_app::ops::data::export(
        &ExportRequest {
            dir: args.dir.clone(),
        },
        ctx,
    )?;
    out.line(&format!(
        "wrote the built-in dataset ({} files) into {}; check it with `critmin data validate --data {}`",
        env.result.files.len(),
        env.result.dir.display(),
        env.result.dir.display()
    ))
}

/// The summary as a text table: one line per stage and element.
fn summary_table(rows: &[StageElementSummary]) -> String {
    let mut t = TextTable::new(
        &[
            "stage",
            "element",
            "capacity t",
            "output t",
            "top countries (share of output)",
        ],
        &[false, false, true, true, false],
    );
    for r in rows {
        let top: Vec<String> = r
            .shares
            .iter()
            .take(4)
            .map(|s| format!("{} {}", s.country, pct(s.share)))
            .collect();
        let element = if r.element == critmin_metrics::TOTAL_REO && r.native_unit != "t REO" {
            format!(
                "REO ({} {})",
                tonnes(r.world_output_native_t),
                r.native_unit.trim_start_matches("t ")
            )
        } else {
            r.element.clone()
        };
        t.row(vec![
            r.stage.to_string(),
            element,
            tonnes(r.world_capacity_t),
            tonnes(r.world_output_t),
            top.join(", "),
        ]);
    }
    t.render()
}
