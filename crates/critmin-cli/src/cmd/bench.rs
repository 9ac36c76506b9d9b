//! `critmin bench [--runs N]`: the Monte Carlo benchmark on the built-in
//! `risk-baseline` scenario (or another).

use super::Result;
use crate::output::Out;
use clap::Args;
use critmin_app::ops::montecarlo::BenchRequest;
use critmin_app::{Context, ScenarioRef};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub(crate) struct BenchArgs {
    /// Futures per timing.
    #[arg(long, default_value_t = BenchRequest::default().runs)]
    runs: usize,
    /// Months per future.
    #[arg(long, default_value_t = BenchRequest::default().horizon_months)]
    horizon: u32,
    /// Scenario file or built-in name (default: risk-baseline).
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn bench(args: &BenchArgs, ctx: &Context, out: &mut Out) -> Result {
    let mut req = BenchRequest {
        runs: args.runs,
        horizon_months: args.horizon,
        ..Default::default()
    };
    if let Some(s) = &args.scenario {
        req.scenario = ScenarioRef::from_arg(s);
    }
    let env = critmin_app::ops::montecarlo::bench(&req, ctx)?;
    if args.json {
        return super::print_json(&env, out);
    }
    let r = &env.result;
    let name = env
        .provenance
        .scenario
        .as_ref()
        .map_or("?", |s| s.name.as_str());
    out.line(&format!(
        "critmin bench — {name} on {} logical cores",
        r.cores
    ))?;
    out.line(&format!(
        "setup (network, normal flows): {:.3} s",
        r.setup_seconds
    ))?;
    for row in &r.rows {
        out.line(&format!(
            "{:>2} thread(s): {} futures × {} months in {:.2} s = {:.0} future-months/s ({:.2} ms per future)",
            row.threads,
            row.runs,
            row.horizon_months,
            row.seconds,
            row.future_months_per_second,
            row.seconds * 1e3 / row.runs as f64
        ))?;
    }
    if let Some(m) = r.peak_memory_mib {
        out.line(&format!("peak memory: {m:.0} MiB"))?;
    }
    Ok(())
}
