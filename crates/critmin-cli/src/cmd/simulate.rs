//! `critmin simulate SCENARIO.toml`: one scenario month by month.

use super::{CliError, Result};
use crate::output::{TextTable, pct, tonnes};
use anyhow::Context;
use clap::{Args, ValueEnum};
use critmin_model::Model;
use critmin_sim::{
    MonthlyRecorder, MonthlyRow, Network, Overlay, RunSummary, Scenario, simulate_with,
};
use std::path::{Path, PathBuf};

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SimFormat {
    Table,
    Json,
    Csv,
}

#[derive(Args, Debug)]
pub(crate) struct SimulateArgs {
    /// The scenario file (TOML; see docs/scenarios.md).
    scenario: PathBuf,
    /// Dataset directory (default: the scenario's `dataset`, else the
    /// built-in baseline).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Output format on stdout: table (summary), json (summary and monthly
    /// series), csv (monthly series).
    #[arg(long, value_enum, default_value_t = SimFormat::Table)]
    format: SimFormat,
    /// Also write summary.json and monthly.csv into this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Countries for the monthly series, comma-separated (default: all with
    /// demand).
    #[arg(long, value_delimiter = ',')]
    countries: Vec<String>,
    /// A plan to lay over the dataset: funded projects and stockpile
    /// purchases, as `critmin optimize --write-plan` writes (see
    /// docs/optimization.md).
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
}

/// Reads a plan file and resolves it against `model`.
pub(crate) fn load_plan(path: &Path, model: &Model) -> Result<Overlay> {
    let text = std::fs::read(path)
        .with_context(|| format!("cannot read the plan `{}`", path.display()))?;
    let shown = path.display().to_string();
    critmin_opt::plan::parse(&shown, &text, model)
        .map(|(_, overlay)| overlay)
        .map_err(|d| CliError::InvalidFile(shown, d))
}

/// Reads a scenario file and the dataset it runs on. `data` overrides the
/// scenario's own `dataset` key.
pub(crate) fn load_scenario(path: &Path, data: Option<&Path>) -> Result<(Model, Scenario)> {
    let text = std::fs::read(path)
        .with_context(|| format!("cannot read the scenario `{}`", path.display()))?;
    let dataset = match (data, critmin_sim::scenario::dataset_of(&text)) {
        (Some(d), _) => Some(d.to_path_buf()),
        (None, Some(d)) => Some(path.parent().unwrap_or(Path::new(".")).join(d)),
        (None, None) => None,
    };
    let model = super::load(&super::DataArgs { data: dataset })?;
    let shown = path.display().to_string();
    let scenario = critmin_sim::scenario::parse(&shown, &text, &model)
        .map_err(|d| CliError::InvalidFile(shown.clone(), d))?;
    Ok((model, scenario))
}

pub(crate) fn simulate(args: &SimulateArgs) -> Result {
    let (model, scenario) = load_scenario(&args.scenario, args.data.as_deref())?;
    let mut countries = Vec::new();
    for c in &args.countries {
        match model.resolve_region(c) {
            Some(v) => countries.extend(v),
            None => {
                return Err(CliError::Usage(format!(
                    "`{c}` is neither a country of the dataset nor a group"
                )));
            }
        }
    }
    let overlay = match &args.plan {
        Some(p) => load_plan(p, &model)?,
        None => Overlay::default(),
    };
    let net =
        Network::build(&model, &scenario, &overlay).map_err(|e| CliError::Usage(e.to_string()))?;
    let mut rec = MonthlyRecorder {
        countries,
        rows: Vec::new(),
    };
    let summary = simulate_with(&net, &mut rec);
    match args.format {
        SimFormat::Table => print!("{}", summary_table(&scenario, &summary)),
        SimFormat::Json => {
            let doc = json_doc(&scenario, &summary, &rec.rows);
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).map_err(anyhow::Error::from)?
            );
        }
        SimFormat::Csv => print!("{}", monthly_csv(&rec.rows)),
    }
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let doc = json_doc(&scenario, &summary, &[]);
        let p = dir.join("summary.json");
        std::fs::write(
            &p,
            serde_json::to_string_pretty(&doc).map_err(anyhow::Error::from)?,
        )
        .with_context(|| format!("cannot write {}", p.display()))?;
        let p = dir.join("monthly.csv");
        std::fs::write(&p, monthly_csv(&rec.rows))
            .with_context(|| format!("cannot write {}", p.display()))?;
        eprintln!(
            "wrote {} and {}",
            dir.join("summary.json").display(),
            p.display()
        );
    }
    Ok(())
}

fn json_doc(s: &Scenario, summary: &RunSummary, monthly: &[MonthlyRow]) -> serde_json::Value {
    serde_json::json!({
        "scenario": s.name,
        "start": s.start,
        "horizon_months": s.horizon_months,
        "demand_path": s.demand_path,
        "summary": summary,
        "monthly": monthly,
    })
}

/// The monthly series as CSV.
pub(crate) fn monthly_csv(rows: &[MonthlyRow]) -> String {
    let mut out = String::from(
        "month,country,element,form,demand_t,served_t,unmet_t,from_stockpile_t,price_index,stockpile_t\n",
    );
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{:.6},{:.6},{:.6},{:.6},{:.4},{:.6}\n",
            r.month,
            r.country,
            r.element,
            r.form,
            r.demand_t,
            r.served_t,
            r.unmet_t,
            r.from_stockpile_t,
            r.price_index,
            r.stockpile_t
        ));
    }
    out
}

fn summary_table(s: &Scenario, summary: &RunSummary) -> String {
    let mut out = format!(
        "{} — {} months from {} ({} demand)\n\n",
        s.name, s.horizon_months, s.start, s.demand_path
    );
    let mut t = TextTable::new(
        &[
            "element",
            "demand t",
            "served t",
            "unmet t",
            "unmet",
            "peak price",
        ],
        &[false, true, true, true, true, true],
    );
    for e in &summary.by_element {
        let share = if e.demand_t > 0.0 {
            e.unmet_t / e.demand_t
        } else {
            0.0
        };
        t.row(vec![
            e.element.clone(),
            tonnes(e.demand_t),
            tonnes(e.served_t),
            tonnes(e.unmet_t),
            pct(share),
            format!("{:.2}", e.peak_price_index),
        ]);
    }
    out.push_str(&t.render());
    out.push('\n');
    let mut t = TextTable::new(
        &[
            "country",
            "demand t",
            "unmet t",
            "unmet",
            "stockpile released t",
            "extra cost USD m",
        ],
        &[false, true, true, true, true, true],
    );
    let mut rows: Vec<_> = summary.by_country.iter().collect();
    rows.sort_by(|a, b| b.demand_t.total_cmp(&a.demand_t));
    for c in rows {
        t.row(vec![
            c.country.to_string(),
            tonnes(c.demand_t),
            tonnes(c.unmet_t),
            pct(c.unmet_share),
            tonnes(c.stockpile_released_t),
            format!("{:.1}", c.cost_impact_usd / 1e6),
        ]);
    }
    out.push_str(&t.render());
    out.push_str(&format!(
        "\nlargest mass-balance error: {:.2e} t per element-month\n",
        summary.max_balance_error_t
    ));
    out
}
