//! `critmin bench [--runs N]`: the Monte Carlo benchmark on the built-in
//! `risk-baseline` scenario (or another).

use super::simulate::load_scenario;
use super::{CliError, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub(crate) struct BenchArgs {
    /// Futures per timing.
    #[arg(long, default_value_t = 2000)]
    runs: usize,
    /// Months per future.
    #[arg(long, default_value_t = 120)]
    horizon: u32,
    /// Scenario (default: the library's risk-baseline).
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn bench(args: &BenchArgs) -> Result {
    let (model, scenario) = match &args.scenario {
        Some(p) => load_scenario(p, None)?,
        None => {
            let model = super::load(&super::DataArgs { data: None })?;
            let (file, text) = critmin_sim::library::RISK_LIBRARY
                .iter()
                .find(|(n, _)| *n == "risk-baseline.toml")
                .ok_or_else(|| CliError::Usage("the library has no risk-baseline.toml".into()))?;
            let s = critmin_sim::scenario::parse(file, text, &model)
                .map_err(|d| CliError::InvalidFile((*file).to_string(), d))?;
            (model, s)
        }
    };
    if args.runs == 0 || args.horizon == 0 {
        return Err(CliError::Usage(
            "--runs and --horizon must be at least 1".into(),
        ));
    }
    let r = critmin_risk::bench::bench(&model, &scenario, args.runs, Some(args.horizon), 1)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&r).map_err(anyhow::Error::from)?
        );
        return Ok(());
    }
    println!(
        "critmin bench — {} on {} logical cores",
        scenario.name, r.cores
    );
    println!("setup (network, normal flows): {:.3} s", r.setup_seconds);
    for row in &r.rows {
        println!(
            "{:>2} thread(s): {} futures × {} months in {:.2} s = {:.0} future-months/s ({:.2} ms per future)",
            row.threads,
            row.runs,
            row.horizon_months,
            row.seconds,
            row.future_months_per_second,
            row.seconds * 1e3 / row.runs as f64
        );
    }
    if let Some(m) = r.peak_memory_mib {
        println!("peak memory: {m:.0} MiB");
    }
    Ok(())
}
