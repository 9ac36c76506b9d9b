//! `critmin montecarlo SCENARIO.toml --runs N --seed S`: thousands of
//! futures of a scenario's risks.

use super::simulate::load_scenario;
use super::{CliError, Result};
use crate::output::{TextTable, pct, tonnes};
use anyhow::Context;
use clap::{Args, ValueEnum};
use critmin_model::{CountryCode, Element};
use critmin_risk::{McConfig, McResult, MonteCarlo};
use critmin_sim::Overlay;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum McFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub(crate) struct MonteCarloArgs {
    /// The scenario file with `[[risk]]` entries (see docs/montecarlo.md).
    scenario: PathBuf,
    /// Number of futures.
    #[arg(long, default_value_t = 1000)]
    runs: usize,
    /// Seed: the same seed gives the same result, whatever the threads.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Months per future (default: the scenario's horizon).
    #[arg(long)]
    horizon: Option<u32>,
    /// Dataset directory (default: the scenario's `dataset`, else the
    /// built-in baseline).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = McFormat::Table)]
    format: McFormat,
    /// Also write montecarlo.json into this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// The focus of exceedance curves: US and Japan, the magnet elements.
pub(crate) fn focus() -> (Vec<CountryCode>, Vec<Element>) {
    (
        vec![CountryCode::US, CountryCode::JP],
        Element::MAGNET.to_vec(),
    )
}

pub(crate) fn montecarlo(args: &MonteCarloArgs) -> Result {
    let (model, scenario) = load_scenario(&args.scenario, args.data.as_deref())?;
    if args.runs == 0 {
        return Err(CliError::Usage("--runs must be at least 1".into()));
    }
    if args.horizon == Some(0) {
        return Err(CliError::Usage("--horizon must be at least 1 month".into()));
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let (focus_countries, focus_elements) = focus();
    let cfg = McConfig {
        runs: args.runs,
        seed: args.seed,
        threads,
        horizon_months: args.horizon,
        focus_countries,
        focus_elements,
    };
    let mc = MonteCarlo::new(&model, &scenario, &Overlay::default(), &cfg)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(args.runs as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} futures  {elapsed} elapsed, {eta} left",
        ) {
            b.set_style(style);
        }
        Some(b)
    } else {
        None
    };
    let progress = |done: usize| {
        if let Some(b) = &bar {
            b.set_position(done as u64);
        }
    };
    let result = mc
        .run(&cfg, &progress)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let json = || serde_json::to_string_pretty(&result).map_err(anyhow::Error::from);
    match args.format {
        McFormat::Json => println!("{}", json()?),
        McFormat::Table => print!("{}", table(&result)),
    }
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let p = dir.join("montecarlo.json");
        std::fs::write(&p, json()?).with_context(|| format!("cannot write {}", p.display()))?;
        eprintln!("wrote {}", p.display());
    }
    Ok(())
}

fn table(r: &McResult) -> String {
    let mut out = format!(
        "{} — {} futures of {} months from {}, seed {}\n\n",
        r.scenario, r.runs, r.horizon_months, r.start, r.seed
    );
    let mut t = TextTable::new(
        &[
            "element",
            "unmet mean t",
            "± se",
            "P50 t",
            "P95 t",
            "P99 t",
            "CVaR95 t",
            "P(shortfall)",
            "peak price",
            "no-risk t",
        ],
        &[false, true, true, true, true, true, true, true, true, true],
    );
    for e in &r.summary.by_element {
        let s = &e.stats;
        t.row(vec![
            e.element.clone(),
            tonnes(s.unmet_mean_t),
            tonnes(s.unmet_mean_se_t),
            tonnes(s.unmet_p50_t),
            tonnes(s.unmet_p95_t),
            tonnes(s.unmet_p99_t),
            tonnes(s.unmet_cvar95_t),
            pct(s.prob_shortfall),
            format!("{:.2}", s.peak_price_index_mean),
            tonnes(e.reference_unmet_t),
        ]);
    }
    out.push_str(&t.render());
    out.push('\n');
    let mut t = TextTable::new(
        &[
            "country",
            "unmet share mean",
            "P95",
            "CVaR95",
            "P(shortfall)",
            "no-risk share",
            "worst cover (mean)",
            "worst cover (P5)",
        ],
        &[false, true, true, true, true, true, true, true],
    );
    for c in &r.summary.by_country {
        let s = &c.stats;
        t.row(vec![
            c.country.clone(),
            format!(
                "{} ± {}",
                pct(s.unmet_share_mean),
                pct(s.unmet_share_mean_se)
            ),
            pct(s.unmet_share_p95),
            pct(s.unmet_share_cvar95),
            pct(s.prob_shortfall),
            pct(c.reference_unmet_share),
            format!("{:.2} mo", c.worst_cover_months_mean),
            format!("{:.2} mo", c.worst_cover_months_p5),
        ]);
    }
    out.push_str(&t.render());
    out.push_str(
        "\nno-risk: the reference future — the scenario's own events, no risk drawn, central inputs.\n",
    );
    out
}
