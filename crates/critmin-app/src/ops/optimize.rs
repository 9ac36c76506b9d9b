//! `optimize portfolio` and `optimize stockpile`: the fund's projects
//! (MILP) and the partners' stockpiles (LP), each solved by HiGHS and then
//! checked by the simulator.

use crate::inputs::{
    Dataset, DatasetRef, LoadedScenario, ScenarioRef, load_dataset, parse_scenario, read_scenario,
};
use crate::provenance::{Envelope, Provenance};
use crate::{AppError, Context};
use critmin_model::{CountryCode, ElementSet, Model};
use critmin_opt::chain::YearOutcome;
use critmin_opt::chain::{ChainYear, Disruption, n_goods};
use critmin_opt::disruption::{SimulatedYear, fold, simulate_year};
use critmin_opt::portfolio::{ScorecardValues, Selected, YearSpend};
use critmin_opt::stockpile::{Cover, Holding, holder_of};
use critmin_opt::{Portfolio, PortfolioRequest as OptPortfolioRequest};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Instant;

/// What the fund should finance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PortfolioRequest {
    /// The dataset.
    pub dataset: DatasetRef,
    /// Total budget over the fund's years, USD million.
    pub budget_musd: f64,
    /// The fund's first and last year (inclusive).
    pub years: (i32, i32),
    /// The year whose expected allied unmet demand is minimised.
    pub target_year: i32,
    /// Scenarios, equally weighted (empty: China exports nothing for the
    /// whole target year).
    pub scenarios: Vec<ScenarioRef>,
    /// Projects that must be funded.
    pub include: Vec<String>,
    /// Projects that must not be funded.
    pub exclude: Vec<String>,
    /// Partners' shares of every project's capex (`US` 0.6, `JP` 0.4).
    pub partner_shares: Vec<(String, f64)>,
}

impl Default for PortfolioRequest {
    fn default() -> Self {
        PortfolioRequest {
            dataset: DatasetRef::Builtin,
            budget_musd: 4000.0,
            years: (2025, 2031),
            target_year: 2030,
            scenarios: Vec::new(),
            include: Vec::new(),
            exclude: Vec::new(),
            partner_shares: Vec::new(),
        }
    }
}

/// The solved portfolio and the simulator's check of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PortfolioResponse {
    /// The budget, USD million.
    pub budget_musd: f64,
    /// The projects funded, with their decision and start months.
    pub selected: Vec<Selected>,
    /// Total spend, USD million.
    pub spend_musd: f64,
    /// Expected allied unmet demand in the target year with the portfolio,
    /// USD million/yr at baseline prices.
    pub objective: f64,
    /// The same with nothing funded.
    pub baseline_objective: f64,
    /// The objective's unit.
    pub objective_unit: String,
    /// The fund's first and last year.
    pub years: [i32; 2],
    /// The target year.
    pub target_year: i32,
    /// Spend by year and partner.
    pub spend_by_year: Vec<YearSpend>,
    /// Less unmet demand per USD 1 million more budget (USD million/yr).
    pub marginal_value_per_musd: Option<f64>,
    /// The scorecard in the target year with nothing funded.
    pub scorecard_before: ScorecardValues,
    /// The scorecard with the portfolio.
    pub scorecard_after: ScorecardValues,
    /// The static model's claim per scenario.
    pub scenarios: Vec<YearOutcome>,
    /// The same with nothing funded.
    pub baseline_scenarios: Vec<YearOutcome>,
    /// The simulator's check per scenario.
    pub simulated: Vec<SimulatedYear>,
    /// Binary decisions in the MILP.
    pub binaries: usize,
    /// What limits the answer.
    pub notes: Vec<String>,
    /// The decision as a plan file (TOML) for `critmin simulate --plan`.
    #[serde(skip)]
    pub plan_toml: String,
}

/// Reads the scenario files of an optimiser request against `ds`, warning
/// about risks it does not draw.
fn scenarios_of(
    refs: &[ScenarioRef],
    ds: &Dataset,
    op: &str,
    prov: &mut Provenance,
    warnings: &mut Vec<String>,
) -> Result<Vec<LoadedScenario>, AppError> {
    let mut out = Vec::new();
    for r in refs {
        let st = read_scenario(r)?;
        let sc = parse_scenario(&st, &ds.model)?;
        warnings.extend(crate::ops::simulate::ignored_risks(&sc.scenario, op));
        prov.scenarios.push(sc.id.clone());
        out.push(sc);
    }
    Ok(out)
}

/// Folds scenarios into the target year, or the default year-long ban.
fn disruptions(
    model: &Model,
    scenarios: &[LoadedScenario],
    year: i32,
) -> Result<Vec<Disruption>, AppError> {
    if scenarios.is_empty() {
        return Ok(vec![Disruption::china_ban(n_goods(model), "steady")]);
    }
    let mut out = Vec::new();
    for s in scenarios {
        let chain = ChainYear::new(model, year, &s.scenario.demand_path, &[])?;
        out.push(fold(model, &chain, &s.scenario));
    }
    Ok(out)
}

/// Solves the portfolio and simulates its plan in every scenario.
pub fn portfolio(
    req: &PortfolioRequest,
    ctx: &Context,
) -> Result<Envelope<PortfolioResponse>, AppError> {
    let ds = load_dataset(&req.dataset)?;
    let mut prov = Provenance::new(ds.id.clone(), ctx.invocation.clone());
    let mut warnings = Vec::new();
    let scenarios = scenarios_of(
        &req.scenarios,
        &ds,
        "optimize portfolio",
        &mut prov,
        &mut warnings,
    )?;
    let (r, timings) = solve_portfolio(&ds.model, req, &scenarios, ctx)?;
    let mut env = Envelope::new(prov, r);
    env.warnings = warnings;
    env.timings = timings;
    Ok(env)
}

/// The portfolio on a loaded dataset.
pub(crate) fn solve_portfolio(
    model: &Model,
    req: &PortfolioRequest,
    scenarios: &[LoadedScenario],
    ctx: &Context,
) -> Result<(PortfolioResponse, BTreeMap<String, f64>), AppError> {
    let t0 = Instant::now();
    if !(req.budget_musd.is_finite() && req.budget_musd >= 0.0) {
        return Err(AppError::bad(
            "--budget-musd",
            format!(
                "{} is not a budget: give USD million, 0 or more",
                req.budget_musd
            ),
        ));
    }
    let (a, b) = req.years;
    if b < a || !(1900..=2200).contains(&a) || !(1900..=2200).contains(&b) {
        return Err(AppError::bad(
            "--years",
            format!("{a}..={b} is an empty range"),
        ));
    }
    let year = req.target_year;
    let request = OptPortfolioRequest {
        budget_musd: req.budget_musd,
        years: req.years,
        target_year: year,
        scenarios: disruptions(model, scenarios, year)?,
        include: req.include.clone(),
        exclude: req.exclude.clone(),
        partner_shares: req.partner_shares.clone(),
    };
    let sims = request.scenarios.clone();
    ctx.cancel.check()?;
    let p = Portfolio::new(model, request)?;
    let result = p.solve(model)?;
    ctx.cancel.check()?;
    let overlay = result.plan().overlay(model);
    let mut simulated = Vec::new();
    for d in &sims {
        let chain = ChainYear::new(model, year, &d.path, &[])?;
        simulated.push(simulate_year(model, &chain, d, year, &overlay)?);
    }
    let mut timings = BTreeMap::new();
    timings.insert("solve_seconds".to_string(), result.solve_seconds);
    timings.insert("total_seconds".to_string(), t0.elapsed().as_secs_f64());
    let plan_toml = critmin_opt::plan::to_toml(&result.plan(), model);
    let r = result;
    Ok((
        PortfolioResponse {
            budget_musd: r.budget_musd,
            selected: r.selected,
            spend_musd: r.spend_musd,
            objective: r.objective,
            baseline_objective: r.baseline_objective,
            objective_unit: r.objective_unit.to_string(),
            years: [r.years.0, r.years.1],
            target_year: r.target_year,
            spend_by_year: r.spend_by_year,
            marginal_value_per_musd: r.marginal_value_per_musd,
            scorecard_before: r.scorecard_before,
            scorecard_after: r.scorecard_after,
            scenarios: r.scenarios,
            baseline_scenarios: r.baseline_scenarios,
            simulated,
            binaries: r.binaries,
            notes: r.notes,
            plan_toml,
        },
        timings,
    ))
}

/// What each partner should hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StockpileRequest {
    /// The dataset.
    pub dataset: DatasetRef,
    /// Months of each partner's consumption (in the cover year) to hold.
    pub target_months: Option<f64>,
    /// Largest share of each element's demand left unmet in any scenario.
    pub max_unmet_share: Option<f64>,
    /// Scenarios (needed with `max_unmet_share`).
    pub scenarios: Vec<ScenarioRef>,
    /// Partner countries.
    pub partners: Vec<String>,
    /// Elements to hold: symbols or all, light, heavy, magnet.
    pub elements: String,
    /// Year whose consumption the months of cover count.
    pub cover_year: i32,
    /// Demand growth path.
    pub path: String,
    /// Holding cost, % of the purchase value per year.
    pub holding_cost_pct_per_yr: f64,
    /// Years the stock is held.
    pub holding_years: f64,
    /// Count on spare metal and magnet plant capacity to convert upstream
    /// stock in an emergency.
    pub credit_conversion: bool,
}

impl Default for StockpileRequest {
    fn default() -> Self {
        StockpileRequest {
            dataset: DatasetRef::Builtin,
            target_months: None,
            max_unmet_share: None,
            scenarios: Vec::new(),
            partners: vec!["US".into(), "JP".into()],
            elements: "magnet".into(),
            cover_year: 2030,
            path: critmin_metrics::DEFAULT_PATH.into(),
            holding_cost_pct_per_yr: 2.0,
            holding_years: 7.0,
            credit_conversion: false,
        }
    }
}

/// The least-cost stockpile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StockpileResponse {
    /// What to buy, per holder, form and element or grade.
    pub holdings: Vec<Holding>,
    /// Purchase and holding cost, USD million.
    pub cost_musd: f64,
    /// Cover per country and element.
    pub cover: Vec<Cover>,
    /// The costliest binding element.
    pub binding_element: Option<String>,
    /// The months-of-cover goal.
    pub target_months: Option<f64>,
    /// The unmet-share goal.
    pub max_unmet_share: Option<f64>,
    /// The cover year.
    pub cover_year: i32,
    /// Scenarios of the unmet-share goal.
    pub scenarios: Vec<String>,
    /// The holder (stockpile agency) of each partner.
    pub holders: BTreeMap<String, String>,
    /// The plan simulated under each scenario, with and without it, per
    /// partner (empty without scenarios).
    pub checks: Vec<critmin_opt::PlanCheck>,
    /// Each partner's emergency conversion capacity (spare metal and
    /// magnet plant capacity in its scenarios' months of shortage).
    pub conversion: Vec<critmin_opt::Conversion>,
    /// The purchases as a plan file (TOML) for `critmin simulate --plan`.
    #[serde(skip)]
    pub plan_toml: String,
}

/// Solves the stockpile LP.
pub fn stockpile(
    req: &StockpileRequest,
    ctx: &Context,
) -> Result<Envelope<StockpileResponse>, AppError> {
    let ds = load_dataset(&req.dataset)?;
    let mut prov = Provenance::new(ds.id.clone(), ctx.invocation.clone());
    let mut warnings = Vec::new();
    let scenarios = scenarios_of(
        &req.scenarios,
        &ds,
        "optimize stockpile",
        &mut prov,
        &mut warnings,
    )?;
    let (r, timings) = solve_stockpile(&ds.model, req, scenarios, ctx)?;
    let mut env = Envelope::new(prov, r);
    env.warnings = warnings;
    env.timings = timings;
    Ok(env)
}

/// The stockpile on a loaded dataset.
pub(crate) fn solve_stockpile(
    model: &Model,
    req: &StockpileRequest,
    scenarios: Vec<LoadedScenario>,
    ctx: &Context,
) -> Result<(StockpileResponse, BTreeMap<String, f64>), AppError> {
    let mut partners = Vec::new();
    for p in &req.partners {
        let c = CountryCode::parse(p.trim())
            .filter(|c| model.country(*c).is_some())
            .ok_or_else(|| {
                AppError::bad(
                    "--partners",
                    format!("`{p}` is not a country of the dataset"),
                )
            })?;
        partners.push(c);
    }
    let elements = ElementSet::parse(&req.elements.replace(',', ";")).map_err(|bad| {
        AppError::bad("--elements", format!("`{bad}` is not a rare earth element"))
    })?;
    let opt_req = critmin_opt::StockpileRequest {
        partners: partners.clone(),
        elements,
        target_months: req.target_months,
        max_unmet_share: req.max_unmet_share,
        scenarios: scenarios.into_iter().map(|s| s.scenario).collect(),
        cover_year: req.cover_year,
        path: req.path.clone(),
        holding_cost_pct_per_yr: req.holding_cost_pct_per_yr,
        holding_years: req.holding_years,
        credit_conversion: req.credit_conversion,
    };
    ctx.cancel.check()?;
    let res = critmin_opt::optimise_stockpile(model, &opt_req)?;
    let mut timings = BTreeMap::new();
    timings.insert("simulate_seconds".to_string(), res.simulate_seconds);
    timings.insert("solve_seconds".to_string(), res.solve_seconds);
    let plan_toml = critmin_opt::plan::to_toml(&res.plan(model), model);
    let t0 = std::time::Instant::now();
    let checks = critmin_opt::check_plan(
        model,
        &opt_req,
        &res.plan(model).overlay(model),
        &res.claims,
    )?;
    timings.insert("check_seconds".to_string(), t0.elapsed().as_secs_f64());
    Ok((
        StockpileResponse {
            holdings: res.holdings,
            cost_musd: res.cost_musd,
            cover: res.cover,
            binding_element: res.binding_element,
            target_months: res.target_months,
            max_unmet_share: res.max_unmet_share,
            cover_year: res.cover_year,
            scenarios: res.scenarios,
            holders: partners
                .iter()
                .map(|c| (c.to_string(), holder_of(model, *c)))
                .collect(),
            checks,
            conversion: res.conversion,
            plan_toml,
        },
        timings,
    ))
}
