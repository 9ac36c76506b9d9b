//! `critmin metrics`: concentration per stage and exposure per group for a
//! year, as a text table, JSON or CSV.

use super::{CliError, DataArgs, Result, load};
use crate::output::{TextTable, pct, tonnes};
use clap::{Args, ValueEnum};
use critmin_metrics::criticality::CriticalityRow;
use critmin_metrics::{
    DEFAULT_GROUPS, GroupMetric, Metrics, MetricsError, Projection, Scope, StageMetric,
};
use critmin_report::tables;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MetricsFormat {
    Table,
    Json,
    Csv,
}

/// Which table to print (CSV prints one table per run unless `all`).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    Stages,
    Groups,
    Criticality,
    All,
}

/// How the model is projected to a year: shared by `metrics`, `targets` and
/// `assess`.
#[derive(Args, Debug, Clone)]
pub(crate) struct ProjectionArgs {
    /// Demand growth path (from the dataset's growth.csv).
    #[arg(long, value_name = "NAME", default_value = critmin_metrics::DEFAULT_PATH)]
    pub path: String,
    /// Count pipeline projects still seeking finance as if built on time.
    #[arg(long)]
    pub with_pipeline: bool,
}

impl ProjectionArgs {
    pub(crate) fn projection(&self) -> Projection {
        Projection {
            path: self.path.clone(),
            with_pipeline: self.with_pipeline,
        }
    }
}

#[derive(Args, Debug)]
pub(crate) struct MetricsArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub projection: ProjectionArgs,
    /// Year (default: the dataset's base year).
    #[arg(long)]
    pub year: Option<i32>,
    /// Country code or group to report (repeatable; default US, JP, us_jp,
    /// allied).
    #[arg(long = "group", value_name = "G", value_delimiter = ',')]
    pub groups: Vec<String>,
    /// Elements or totals to keep (e.g. `all,magnet,Nd,Dy`); default:
    /// totals and the magnet elements in a table, everything otherwise.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub elements: Vec<String>,
    /// Which table(s) to print.
    #[arg(long, value_enum, default_value_t = Part::All)]
    pub part: Part,
    /// Output format.
    #[arg(long, value_enum, default_value_t = MetricsFormat::Table)]
    pub format: MetricsFormat,
}

impl From<MetricsError> for CliError {
    fn from(e: MetricsError) -> Self {
        CliError::Usage(e.to_string())
    }
}

/// Checks a year against the dataset's base year and the horizon.
pub(crate) fn check_year(base_year: i32, year: i32) -> Result<i32> {
    if year < base_year || year > 2100 {
        return Err(CliError::Usage(format!(
            "--year {year} is outside {base_year}..=2100 (the dataset's base year is {base_year})"
        )));
    }
    Ok(year)
}

pub(crate) fn metrics(args: &MetricsArgs) -> Result {
    let m = load(&args.data)?;
    let year = check_year(m.base_year, args.year.unwrap_or(m.base_year))?;
    let groups: Vec<&str> = if args.groups.is_empty() {
        DEFAULT_GROUPS.to_vec()
    } else {
        args.groups.iter().map(String::as_str).collect()
    };
    let mut keep: Vec<String> = Vec::new();
    for e in &args.elements {
        match Scope::parse(e) {
            Some(s) => keep.push(s.label()),
            None => {
                return Err(CliError::Usage(format!(
                    "--elements: `{e}` is neither an element symbol nor all, magnet, light, heavy"
                )));
            }
        }
    }
    if keep.is_empty() && args.format == MetricsFormat::Table {
        keep = ["all", "magnet", "light", "heavy", "Nd", "Pr", "Dy", "Tb"]
            .map(String::from)
            .to_vec();
    }
    let mut r = critmin_metrics::metrics(&m, &args.projection.projection(), year, &groups)?;
    if !keep.is_empty() {
        r.stages.retain(|s| keep.contains(&s.element));
        r.groups.retain(|g| keep.contains(&g.element));
        if !args.elements.is_empty() {
            r.criticality.retain(|c| keep.contains(&c.element));
        }
    }
    if !matches!(args.part, Part::Stages | Part::All) {
        r.stages.clear();
    }
    if !matches!(args.part, Part::Groups | Part::All) {
        r.groups.clear();
    }
    if !matches!(args.part, Part::Criticality | Part::All) {
        r.criticality.clear();
    }
    match args.format {
        MetricsFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&r).map_err(anyhow::Error::from)?
        ),
        MetricsFormat::Csv => {
            // One table per part; with `all`, the tables follow each other
            // separated by a blank line.
            let mut parts = Vec::new();
            if matches!(args.part, Part::Stages | Part::All) {
                parts.push(tables::stages(&r.stages).to_csv());
            }
            if matches!(args.part, Part::Groups | Part::All) {
                parts.push(tables::groups(&r.groups).to_csv());
            }
            if matches!(args.part, Part::Criticality | Part::All) {
                parts.push(tables::criticality(&r.criticality).to_csv());
            }
            print!("{}", parts.join("\n"));
        }
        MetricsFormat::Table => print_tables(&r, args.part),
    }
    Ok(())
}

fn print_tables(r: &Metrics, part: Part) {
    println!(
        "{} — {} (path {}{})",
        r.dataset,
        r.year,
        r.path,
        if r.with_pipeline {
            ", with pipeline"
        } else {
            ""
        }
    );
    if matches!(part, Part::Stages | Part::All) {
        println!("\nConcentration by stage (t REO-equivalent; shares of output)\n");
        print!("{}", stages_table(&r.stages));
    }
    if matches!(part, Part::Groups | Part::All) {
        println!("\nExposure by group (t REO-equivalent)\n");
        print!("{}", groups_table(&r.groups));
    }
    if matches!(part, Part::Criticality | Part::All) {
        println!("\nSupply risk per element for US+JP (EU JRC and USGS methods)\n");
        print!("{}", criticality_table(&r.criticality));
    }
}

pub(crate) fn opt_pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), pct)
}

fn opt_months(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |m| format!("{m:.1}"))
}

pub(crate) fn stages_table(rows: &[StageMetric]) -> String {
    let mut t = TextTable::new(
        &[
            "stage",
            "element",
            "capacity t",
            "output t",
            "China",
            "allied",
            "HHI",
            "top countries",
        ],
        &[false, false, true, true, true, true, true, false],
    );
    for r in rows {
        let top: Vec<String> = r
            .shares
            .iter()
            .take(3)
            .map(|s| format!("{} {}", s.country, pct(s.share)))
            .collect();
        t.row(vec![
            r.stage.to_string(),
            r.element.clone(),
            tonnes(r.world_capacity_t),
            tonnes(r.world_output_t),
            pct(r.china_share),
            pct(r.allied_share),
            format!("{:.0}", r.hhi),
            top.join(", "),
        ]);
    }
    t.render()
}

pub(crate) fn groups_table(rows: &[GroupMetric]) -> String {
    let mut t = TextTable::new(
        &[
            "group",
            "element",
            "demand t",
            "import reliance",
            "self-sufficiency",
            "own",
            "stock t",
            "cover months",
        ],
        &[false, false, true, true, true, true, true, true],
    );
    for r in rows {
        t.row(vec![
            r.group.clone(),
            r.element.clone(),
            tonnes(r.demand_t),
            opt_pct(r.import_reliance),
            opt_pct(r.self_sufficiency),
            opt_pct(r.own_self_sufficiency),
            tonnes(r.stock_t),
            opt_months(r.cover_months),
        ]);
    }
    t.render()
}

pub(crate) fn criticality_table(rows: &[CriticalityRow]) -> String {
    let mut t = TextTable::new(
        &[
            "element",
            "EU supply risk",
            "stage",
            "EU econ. importance",
            "EU critical",
            "USGS DP",
            "TE",
            "EV",
            "USGS supply risk",
        ],
        &[false, true, false, true, false, true, true, true, true],
    );
    for r in rows {
        t.row(vec![
            r.element.clone(),
            format!("{:.2}", r.eu_supply_risk),
            r.eu_supply_risk_stage.to_string(),
            format!("{:.2}", r.eu_economic_importance),
            if r.eu_critical { "yes" } else { "no" }.into(),
            format!("{:.2}", r.usgs_disruption_potential),
            format!("{:.2}", r.usgs_trade_exposure),
            format!("{:.2}", r.usgs_economic_vulnerability),
            format!("{:.3}", r.usgs_supply_risk),
        ]);
    }
    t.render()
}
