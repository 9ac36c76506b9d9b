//! `critmin data validate` and `critmin data summary`.

use super::{DataArgs, Format, Result, SummaryArgs, dataset_label, load};
use crate::output::{TextTable, pct, tonnes};
use critmin_metrics::{StageElementSummary, stage_summary};

pub(crate) fn validate(args: &DataArgs) -> Result {
    let m = load(args)?;
    println!(
        "{}: valid — {} sources, {} countries, {} facilities, {} demand rows, {} projects",
        dataset_label(args),
        m.sources.len(),
        m.countries.len(),
        m.facilities.len(),
        m.demand.len(),
        m.projects.len()
    );
    Ok(())
}

pub(crate) fn summary(args: &SummaryArgs) -> Result {
    let m = load(&args.data)?;
    let year = args.year.unwrap_or(m.base_year);
    let rows = stage_summary(&m, year);
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "dataset": m.name,
                "year": year,
                "stages": rows,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).map_err(anyhow::Error::from)?
            );
        }
        Format::Table => print!("{}", summary_table(&rows)),
    }
    Ok(())
}

/// The summary as a text table: one line per stage and element.
pub(crate) fn summary_table(rows: &[StageElementSummary]) -> String {
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
