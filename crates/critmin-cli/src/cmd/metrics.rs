//! `critmin metrics`: concentration per stage, exposure per group and
//! supply-risk scores for a year, as text tables, JSON or CSV (one tidy
//! table per part).

use super::{CliError, DataArgs, Result, print_json, write_out};
use crate::output::{Out, TextTable, opt_pct, pct, tonnes};
use clap::{Args, ValueEnum};
use critmin_app::ops::metrics::{MetricsRequest, Part as AppPart, ProjectionRequest};
use critmin_app::output::OutputFile;
use critmin_app::{AppError, Context};
use critmin_metrics::criticality::CriticalityRow;
use critmin_metrics::{GroupMetric, Metrics, StageMetric};
use critmin_report::tables;
use std::path::PathBuf;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MetricsFormat {
    Table,
    Json,
    Csv,
}

/// Which table to print.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    Stages,
    Groups,
    Criticality,
    All,
}

impl Part {
    fn app(self) -> AppPart {
        match self {
            Part::Stages => AppPart::Stages,
            Part::Groups => AppPart::Groups,
            Part::Criticality => AppPart::Criticality,
            Part::All => AppPart::All,
        }
    }
}

/// How the model is projected to a year: shared by `metrics`, `targets` and
/// `assess`.
#[derive(Args, Debug, Clone)]
pub(crate) struct ProjectionArgs {
    /// Demand growth path (from the dataset's growth.csv).
    #[arg(long, value_name = "NAME", default_value_t = ProjectionRequest::default().path)]
    pub path: String,
    /// Count pipeline projects still seeking finance as if built on time.
    #[arg(long)]
    pub with_pipeline: bool,
}

impl ProjectionArgs {
    pub(crate) fn request(&self) -> ProjectionRequest {
        ProjectionRequest {
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
    /// Output format. CSV is one table per part: with `--part all`, give
    /// `--out DIR` for one file each.
    #[arg(long, value_enum, default_value_t = MetricsFormat::Table)]
    pub format: MetricsFormat,
    /// Write stages.csv, groups.csv and criticality.csv (or the one part
    /// asked for) into this directory instead of stdout.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Totals and magnet elements: what a terminal table shows by default.
const TABLE_ELEMENTS: [&str; 8] = ["all", "magnet", "light", "heavy", "Nd", "Pr", "Dy", "Tb"];

pub(crate) fn metrics(args: &MetricsArgs, ctx: &Context, out: &mut Out) -> Result {
    if args.out.is_some() && args.format != MetricsFormat::Csv {
        return Err(CliError::App(AppError::bad(
            "--out",
            "writes CSV files: add --format csv",
        )));
    }
    if args.format == MetricsFormat::Csv && args.part == Part::All && args.out.is_none() {
        return Err(CliError::App(AppError::bad(
            "--format csv",
            "writes one table: choose --part stages, groups or criticality, or give --out DIR for one file each",
        )));
    }
    let req = MetricsRequest {
        dataset: args.data.dataset(),
        projection: args.projection.request(),
        year: args.year,
        groups: args.groups.clone(),
        elements: args.elements.clone(),
        part: args.part.app(),
    };
    let mut env = critmin_app::ops::metrics::metrics(&req, ctx)?;
    match args.format {
        MetricsFormat::Json => print_json(&env, out),
        MetricsFormat::Csv => {
            let r = &env.result;
            let mut files = Vec::new();
            if req.part.includes(AppPart::Stages) {
                files.push(tables::stages(&r.stages));
            }
            if req.part.includes(AppPart::Groups) {
                files.push(tables::groups(&r.groups));
            }
            if req.part.includes(AppPart::Criticality) {
                files.push(tables::criticality(&r.criticality));
            }
            match &args.out {
                Some(dir) => {
                    let files: Vec<OutputFile> = files
                        .iter()
                        .map(|t| OutputFile::text(t.file_name(), t.to_csv()))
                        .collect();
                    write_out(dir, &files, &args.data)
                }
                None => out.write(&files[0].to_csv()),
            }
        }
        MetricsFormat::Table => {
            if args.elements.is_empty() {
                let keep = |e: &String| TABLE_ELEMENTS.contains(&e.as_str());
                env.result.stages.retain(|s| keep(&s.element));
                env.result.groups.retain(|g| keep(&g.element));
            }
            print_tables(&env.result, args.part, out)
        }
    }
}

fn print_tables(r: &Metrics, part: Part, out: &mut Out) -> Result {
    out.line(&format!(
        "{} — {} (path {}{})",
        r.dataset,
        r.year,
        r.path,
        if r.with_pipeline {
            ", with pipeline"
        } else {
            ""
        }
    ))?;
    if matches!(part, Part::Stages | Part::All) {
        out.line("\nConcentration by stage (t REO-equivalent; shares of output)\n")?;
        out.write(&stages_table(&r.stages))?;
    }
    if matches!(part, Part::Groups | Part::All) {
        out.line("\nExposure by group (t REO-equivalent)\n")?;
        out.write(&groups_table(&r.groups))?;
    }
    if matches!(part, Part::Criticality | Part::All) {
        out.line("\nSupply risk per element for US+JP (EU JRC and USGS methods)\n")?;
        out.write(&criticality_table(&r.criticality))?;
    }
    Ok(())
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
            r.element.to_string(),
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
