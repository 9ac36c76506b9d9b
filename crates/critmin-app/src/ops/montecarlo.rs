//! `montecarlo` and `bench`: thousands of futures of a scenario's risks,
//! and the engine's throughput.

use crate::inputs::{DatasetRef, ScenarioRef, load_scenario_and_dataset};
use crate::provenance::{Envelope, Provenance};
use crate::{AppError, Context};
use critmin_model::limits::{MAX_HORIZON_MONTHS, MAX_RUNS};
use critmin_model::{CountryCode, Element};
use critmin_risk::{McConfig, McResult, MonteCarlo};
use critmin_sim::Overlay;
use serde::{Deserialize, Serialize};

/// Run many futures of a scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MonteCarloRequest {
    /// The scenario with `[[risk]]` entries.
    pub scenario: ScenarioRef,
    /// The dataset; `None`: the scenario's own, else the built-in one.
    pub dataset: Option<DatasetRef>,
    /// Futures.
    pub runs: usize,
    /// Seed: the same seed gives the same result whatever the threads.
    pub seed: u64,
    /// Months per future (default: the scenario's horizon).
    pub horizon_months: Option<u32>,
}

impl Default for MonteCarloRequest {
    fn default() -> Self {
        MonteCarloRequest {
            scenario: ScenarioRef::Builtin("risk-baseline".into()),
            dataset: None,
            runs: 1000,
            seed: 1,
            horizon_months: None,
        }
    }
}

/// The countries and elements whose exceedance curves every Monte Carlo
/// result carries: the US and Japan, the magnet rare earths.
pub fn focus() -> (Vec<CountryCode>, Vec<Element>) {
    (
        vec![CountryCode::US, CountryCode::JP],
        Element::MAGNET.to_vec(),
    )
}

/// Checks a horizon asked for on a request against the scenario format's
/// own bound.
pub(crate) fn check_horizon(h: Option<u32>, field: &str) -> Result<(), AppError> {
    match h {
        Some(0) => Err(AppError::bad(field, "must be at least 1 month")),
        Some(h) if h > MAX_HORIZON_MONTHS => Err(AppError::bad(
            field,
            format!(
                "{h} months is more than the maximum {MAX_HORIZON_MONTHS} (as for a scenario's horizon_months)"
            ),
        )),
        _ => Ok(()),
    }
}

fn check_runs(runs: usize) -> Result<(), AppError> {
    if runs == 0 {
        return Err(AppError::bad("--runs", "must be at least 1"));
    }
    if runs > MAX_RUNS {
        return Err(AppError::bad(
            "--runs",
            format!("{runs} is more than the maximum {MAX_RUNS}"),
        ));
    }
    Ok(())
}

/// Runs the futures.
pub fn montecarlo(req: &MonteCarloRequest, ctx: &Context) -> Result<Envelope<McResult>, AppError> {
    check_runs(req.runs)?;
    check_horizon(req.horizon_months, "--horizon")?;
    let data = req.dataset.clone().unwrap_or_default();
    let (ds, sc) = load_scenario_and_dataset(&req.scenario, &data, req.dataset.is_some())?;
    let mut prov = Provenance::new(ds.id.clone(), ctx.invocation.clone());
    prov.scenario = Some(sc.id.clone());
    prov.seed = Some(req.seed);
    let mut warnings = Vec::new();
    if sc.scenario.risks.is_empty() && sc.scenario.uncertainty.is_empty() {
        warnings.push(format!(
            "`{}` has no [[risk]] entries and no [uncertainty]: every future is the scenario as written (use `critmin simulate`)",
            sc.scenario.name
        ));
    }
    let t0 = std::time::Instant::now();
    let result = run_mc(&ds.model, &sc.scenario, req, ctx)?;
    let mut env = Envelope::new(prov, result);
    env.warnings = warnings;
    env.timings
        .insert("total_seconds".into(), t0.elapsed().as_secs_f64());
    Ok(env)
}

/// The Monte Carlo itself, on a loaded model and scenario.
pub(crate) fn run_mc(
    model: &critmin_model::Model,
    scenario: &critmin_sim::Scenario,
    req: &MonteCarloRequest,
    ctx: &Context,
) -> Result<McResult, AppError> {
    let (focus_countries, focus_elements) = focus();
    let cfg = McConfig {
        runs: req.runs,
        seed: req.seed,
        threads: ctx.threads(),
        horizon_months: req.horizon_months,
        focus_countries,
        focus_elements,
    };
    ctx.cancel.check()?;
    let mc = MonteCarlo::new(model, scenario, &Overlay::default(), &cfg)?;
    let total = req.runs as u64;
    let progress = |done: usize| ctx.report("montecarlo", done as u64, total);
    let r = mc.run_cancellable(&cfg, &progress, ctx.cancel.flag())?;
    ctx.cancel.check()?;
    Ok(r)
}

/// Time the Monte Carlo engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BenchRequest {
    /// The scenario (default: the built-in risk-baseline).
    pub scenario: ScenarioRef,
    /// Futures per timing.
    pub runs: usize,
    /// Months per future.
    pub horizon_months: u32,
}

impl Default for BenchRequest {
    fn default() -> Self {
        BenchRequest {
            scenario: ScenarioRef::Builtin("risk-baseline".into()),
            runs: 2000,
            horizon_months: 120,
        }
    }
}

/// Times the engine at one thread and at all cores.
pub fn bench(
    req: &BenchRequest,
    ctx: &Context,
) -> Result<Envelope<critmin_risk::bench::BenchReport>, AppError> {
    check_runs(req.runs)?;
    check_horizon(Some(req.horizon_months), "--horizon")?;
    let (ds, sc) = load_scenario_and_dataset(&req.scenario, &DatasetRef::Builtin, false)?;
    let mut prov = Provenance::new(ds.id.clone(), ctx.invocation.clone());
    prov.scenario = Some(sc.id.clone());
    prov.seed = Some(1);
    let r = critmin_risk::bench::bench(
        &ds.model,
        &sc.scenario,
        req.runs,
        Some(req.horizon_months),
        1,
    )?;
    Ok(Envelope::new(prov, r))
}
