//! `critmin assess`: the main job.

use super::data::summary_table;
use super::{AssessArgs, Result, load};
use critmin_metrics::{StageElementSummary, stage_summary};
use critmin_model::Model;
use std::path::Path;

pub(crate) fn assess(args: &AssessArgs) -> Result {
    let m = load(&args.data)?;
    println!("critmin assess — {} (base year {})", m.name, m.base_year);
    println!(
        "dataset valid: {} sources, {} facilities, {} demand rows, {} projects\n",
        m.sources.len(),
        m.facilities.len(),
        m.demand.len(),
        m.projects.len()
    );
    let rows = stage_summary(&m, m.base_year);
    let headline: Vec<StageElementSummary> = rows
        .iter()
        .filter(|r| {
            r.element == critmin_metrics::TOTAL_REO
                || ["Nd", "Pr", "Dy", "Tb"].contains(&r.element.as_str())
        })
        .cloned()
        .collect();
    print!("{}", summary_table(&headline));
    write_outputs(&args.out, &m, &rows)?;
    println!("\nwrote {}", args.out.join("summary.json").display());
    Ok(())
}

fn write_outputs(dir: &Path, m: &Model, rows: &[StageElementSummary]) -> Result {
    use anyhow::Context;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output directory {}", dir.display()))?;
    let doc = serde_json::json!({ "dataset": m.name, "year": m.base_year, "stages": rows });
    let path = dir.join("summary.json");
    let text = serde_json::to_string_pretty(&doc).map_err(anyhow::Error::from)?;
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
