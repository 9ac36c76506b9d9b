//! `simulate`: one scenario month by month, optionally with a plan laid
//! over the dataset.

use crate::inputs::{DatasetRef, PlanRef, ScenarioRef, load_plan, load_scenario_and_dataset};
use crate::output::OutputFile;
use crate::provenance::{Envelope, Provenance};
use crate::{AppError, Context};
use critmin_model::{CountryCode, Month};
use critmin_sim::{
    MonthlyRecorder, MonthlyRow, Network, Overlay, RunSummary, Scenario, simulate_with,
};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Run one scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimulateRequest {
    /// The scenario.
    pub scenario: ScenarioRef,
    /// The dataset; `None` runs on the scenario's own `dataset`, else the
    /// built-in baseline.
    pub dataset: Option<DatasetRef>,
    /// Countries or groups whose monthly series to keep (empty: every
    /// country with demand).
    pub countries: Vec<String>,
    /// A plan (funded projects, stockpile purchases) laid over the dataset.
    pub plan: Option<PlanRef>,
    /// Whether to keep the monthly series at all.
    pub monthly: bool,
}

impl Default for SimulateRequest {
    fn default() -> Self {
        SimulateRequest {
            scenario: ScenarioRef::Builtin("baseline".into()),
            dataset: None,
            countries: Vec::new(),
            plan: None,
            monthly: true,
        }
    }
}

/// A scenario's run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulateResponse {
    /// The scenario's name.
    pub scenario: String,
    /// First month.
    pub start: Month,
    /// Months run.
    pub horizon_months: u32,
    /// Demand growth path.
    pub demand_path: String,
    /// Totals by element and country, and the largest mass-balance error.
    pub summary: RunSummary,
    /// Monthly series of the countries asked for.
    pub monthly: Vec<MonthlyRow>,
}

/// Loads a scenario (with its dataset) and runs it.
pub fn simulate(
    req: &SimulateRequest,
    ctx: &Context,
) -> Result<Envelope<SimulateResponse>, AppError> {
    let data = req.dataset.clone().unwrap_or_default();
    let (ds, sc) = load_scenario_and_dataset(&req.scenario, &data, req.dataset.is_some())?;
    let model = &ds.model;
    let countries = resolve_countries(model, &req.countries, "--countries")?;
    let mut prov = Provenance::new(ds.id.clone(), ctx.invocation.clone());
    let overlay = match &req.plan {
        Some(p) => {
            let (o, id) = load_plan(p, model)?;
            prov.plan = Some(id);
            o
        }
        None => Overlay::default(),
    };
    prov.scenario = Some(sc.id.clone());
    let warnings = ignored_risks(&sc.scenario, "simulate")
        .into_iter()
        .collect::<Vec<_>>();
    ctx.cancel.check()?;
    let t0 = std::time::Instant::now();
    let net = Network::build(model, &sc.scenario, &overlay)?;
    let mut rec = MonthlyRecorder {
        countries,
        rows: Vec::new(),
    };
    let summary = simulate_with(&net, &mut rec);
    let s = &sc.scenario;
    let r = SimulateResponse {
        scenario: s.name.clone(),
        start: s.start,
        horizon_months: s.horizon_months,
        demand_path: s.demand_path.clone(),
        summary,
        monthly: if req.monthly { rec.rows } else { Vec::new() },
    };
    let mut env = Envelope::new(prov, r);
    env.warnings = warnings;
    env.timings
        .insert("simulate_seconds".into(), t0.elapsed().as_secs_f64());
    Ok(env)
}

/// The warning for a scenario whose risks an operation does not draw.
pub(crate) fn ignored_risks(s: &Scenario, op: &str) -> Option<String> {
    let unc = !s.uncertainty.is_empty();
    if s.risks.is_empty() && !unc {
        return None;
    }
    Some(format!(
        "`{}` has {} [[risk]] entr{}{}: `{op}` runs only the scenario's own events and ignores them (`critmin montecarlo` draws them)",
        s.name,
        s.risks.len(),
        if s.risks.len() == 1 { "y" } else { "ies" },
        if unc {
            " and an [uncertainty] table"
        } else {
            ""
        }
    ))
}

/// Countries and groups named on a request, as country codes.
pub(crate) fn resolve_countries(
    model: &critmin_model::Model,
    names: &[String],
    field: &str,
) -> Result<Vec<CountryCode>, AppError> {
    let mut out = Vec::new();
    for c in names {
        match model.resolve_region(c) {
            Some(v) => out.extend(v),
            None => {
                return Err(AppError::bad(
                    field,
                    format!("`{c}` is neither a country of the dataset nor a group"),
                ));
            }
        }
    }
    Ok(out)
}

/// The monthly series as CSV (`monthly.csv`).
pub fn monthly_csv(rows: &[MonthlyRow]) -> String {
    let mut out = String::from(
        "month,country,element,form,wanted_t,lost_to_price_t,demand_t,served_t,unmet_t,from_stockpile_t,price_index,stockpile_t,buyer_stock_t\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{:.6},{:.6},{:.6},{:.6},{:.6},{:.6},{:.4},{:.6},{:.6}",
            r.month,
            r.country,
            r.element,
            r.form,
            r.wanted_t,
            r.lost_to_price_t,
            r.demand_t,
            r.served_t,
            r.unmet_t,
            r.from_stockpile_t,
            r.price_index,
            r.stockpile_t,
            r.buyer_stock_t
        );
    }
    out
}

/// The files `simulate --out DIR` writes: `summary.json` (the response
/// without its monthly series) and `monthly.csv`.
pub fn files(env: &Envelope<SimulateResponse>) -> Result<Vec<OutputFile>, AppError> {
    let mut summary = env.clone();
    let monthly = std::mem::take(&mut summary.result.monthly);
    Ok(vec![
        OutputFile::text("summary.json", crate::to_json(&summary)?),
        OutputFile::text("monthly.csv", monthly_csv(&monthly)),
    ])
}
