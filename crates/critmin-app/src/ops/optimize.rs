//! `optimize portfolio` and `optimize stockpile`: the fund's projects
//! (MILP) and the partners' stockpiles (LP), each solved by HiGHS and then
//! checked by the simulator.

use crate::inputs::{
    Dataset, DatasetRef, LoadedScenario, ScenarioRef, load_dataset, parse_scenario, read_scenario,
};
use crate::ops::futures::{self, Sampling};
use crate::provenance::{Envelope, Provenance};
use crate::{AppError, Context};
use critmin_model::{CountryCode, ElementSet, Model};
use critmin_opt::chain::YearOutcome;
use critmin_opt::chain::{ChainYear, Disruption, n_goods};
use critmin_opt::disruption::{SimulatedYear, fold, simulate_year};
use critmin_opt::portfolio::{
    FrontierPoint, Measures, ScorecardValues, Selected, StageRelief, YearSpend,
};
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
    /// Choose on this many futures sampled from `risk` (sample-average
    /// approximation) instead of `scenarios`.
    pub futures: Option<usize>,
    /// The risk model the futures come from (none: `risk-baseline`).
    pub risk: Option<ScenarioRef>,
    /// Seed of the futures (`critmin montecarlo`'s futures for this seed).
    pub seed: u64,
    /// Futures not used to choose the portfolio that it is evaluated on.
    pub out_of_sample: usize,
    /// Budgets of the cost–protection frontier, USD million (empty: 0,
    /// ¼, ½, ¾, 1, 1¼ and 1½ times the budget).
    pub frontier_budgets_musd: Vec<f64>,
    /// Relative capacity added at each stage to find the binding one.
    pub stage_relief: f64,
    /// At most this many scenarios (the heaviest sampled futures) are
    /// checked by simulation.
    pub max_simulated: usize,
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
            futures: None,
            risk: None,
            seed: 1,
            out_of_sample: 200,
            frontier_budgets_musd: Vec::new(),
            stage_relief: 0.1,
            max_simulated: 24,
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
    /// Direct jobs, waste and capex by partner of the funded projects.
    pub measures: Measures,
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
    /// Each scenario's weight in the objective (sampled futures: the share
    /// of futures that fold to it).
    pub scenario_weights: Vec<f64>,
    /// How the portfolio was chosen on sampled futures and how it does on
    /// others (with `futures`).
    pub sampling: Option<Sampling>,
    /// What more capacity at each stage would be worth with the portfolio.
    pub stage_relief: Vec<StageRelief>,
    /// The binding stage: where the same relative increase in allied
    /// capacity lowers expected unmet demand most (none if no stage
    /// relieves anything).
    pub binding_stage: Option<String>,
    /// The cost–protection frontier over budgets.
    pub frontier: Vec<FrontierPoint>,
    /// Whether the next frontier budget above this one protects more.
    pub budget_binds: bool,
    /// The fall in the objective per USD million from this budget to the
    /// next frontier budget above it (USD million/yr per USD million).
    pub marginal_value_next_per_musd: Option<f64>,
    /// The static model's verified error: the weighted mean absolute gap
    /// between its claim and the like-for-like simulation over the checked
    /// scenarios, USD million/yr.
    pub verified_error_musd: Option<f64>,
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
    let risk = match (req.futures, &req.risk) {
        (None, Some(_)) => {
            return Err(AppError::bad(
                "--risk",
                "a risk model is only read with --futures N",
            ));
        }
        (None, None) => None,
        (Some(_), r) => {
            let r = r
                .clone()
                .unwrap_or_else(|| ScenarioRef::Builtin("risk-baseline".into()));
            let st = read_scenario(&r)?;
            let sc = parse_scenario(&st, &ds.model)?;
            prov.scenarios.push(sc.id.clone());
            prov.seed = Some(req.seed);
            Some(sc)
        }
    };
    let (r, timings) = solve_portfolio(&ds.model, req, &scenarios, risk.as_ref(), ctx)?;
    let mut env = Envelope::new(prov, r);
    env.warnings = warnings;
    env.timings = timings;
    Ok(env)
}

/// The portfolio on a loaded dataset: chosen on `scenarios` (or on
/// futures sampled from `risk` with `req.futures`), then checked by
/// simulation, by stage, over budgets and — on sampled futures — out of
/// sample.
pub(crate) fn solve_portfolio(
    model: &Model,
    req: &PortfolioRequest,
    scenarios: &[LoadedScenario],
    risk: Option<&LoadedScenario>,
    ctx: &Context,
) -> Result<(PortfolioResponse, BTreeMap<String, f64>), AppError> {
    let t0 = Instant::now();
    check_portfolio_request(req, scenarios)?;
    let year = req.target_year;
    // With sampled futures: those to choose on, and those to check on.
    let mut sampled = match (req.futures, risk) {
        (Some(n), Some(risk)) => {
            let (n, m) = (n as u64, req.out_of_sample as u64);
            futures::sample(model, &risk.scenario, req.seed, &[0..n, n..n + m], year)?
        }
        _ => Vec::new(),
    };
    let out_sample = (sampled.len() == 2).then(|| sampled.remove(1));
    let (chosen_on, weights) = match sampled.pop() {
        Some(f) => (f.disruptions, f.counts),
        None => (disruptions(model, scenarios, year)?, Vec::new()),
    };
    let request = OptPortfolioRequest {
        budget_musd: req.budget_musd,
        years: req.years,
        target_year: year,
        scenarios: chosen_on,
        weights,
        include: req.include.clone(),
        exclude: req.exclude.clone(),
        partner_shares: req.partner_shares.clone(),
    };
    ctx.cancel.check()?;
    let p = Portfolio::new(model, request.clone())?;
    let result = p.solve(model)?;
    let scenario_weights = p.weights();
    ctx.cancel.check()?;
    let overlay = result.plan().overlay(model);
    // The check by simulation: every scenario, or the heaviest sampled
    // futures.
    let mut order: Vec<usize> = (0..request.scenarios.len()).collect();
    order.sort_by(|&a, &b| scenario_weights[b].total_cmp(&scenario_weights[a]));
    order.truncate(req.max_simulated.max(1));
    order.sort_unstable();
    let mut simulated = Vec::new();
    let (mut gap, mut gap_w) = (0.0, 0.0);
    for &i in &order {
        let d = &request.scenarios[i];
        let chain = ChainYear::for_disruption(model, year, d)?;
        let sim = simulate_year(model, &chain, d, year, &overlay)?;
        let claim = result.scenarios[i].allied_unmet_value_musd;
        gap += scenario_weights[i] * (claim - sim.allied_unmet_value_musd).abs();
        gap_w += scenario_weights[i];
        simulated.push(sim);
        ctx.cancel.check()?;
    }
    let verified_error_musd = (gap_w > 0.0).then(|| gap / gap_w);
    let mut notes = result.notes.clone();
    if order.len() < request.scenarios.len() {
        notes.push(format!(
            "the simulation checks the {} heaviest of {} distinct futures ({:.0} % of the weight)",
            order.len(),
            request.scenarios.len(),
            gap_w * 100.0
        ));
    }
    let sampling = match (out_sample, risk) {
        (Some(f), Some(risk)) => Some(out_of_sample(
            model,
            req,
            &request,
            &result,
            f,
            &risk.scenario,
        )?),
        _ => None,
    };
    ctx.cancel.check()?;
    let stage_relief = p.stage_relief(model, &result.selected, req.stage_relief)?;
    // The binding stage: where the same relative increase in capacity
    // relieves the most (what it would cost is `value_per_musd`).
    let binding_stage = stage_relief
        .iter()
        .filter(|s| s.unmet_fall_musd > 1e-6)
        .max_by(|a, b| a.unmet_fall_musd.total_cmp(&b.unmet_fall_musd))
        .map(|s| s.stage.clone());
    if let Some(b) = stage_relief
        .iter()
        .find(|s| Some(&s.stage) == binding_stage.as_ref())
    {
        if b.capex_usd_per_unit.is_none() {
            notes.push(format!(
                "the binding stage, {}, has no project in the pipeline: no budget can buy what binds",
                b.stage
            ));
        }
    }
    ctx.cancel.check()?;
    let budgets = if req.frontier_budgets_musd.is_empty() {
        [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5]
            .iter()
            .map(|k| k * req.budget_musd)
            .collect()
    } else {
        req.frontier_budgets_musd.clone()
    };
    let frontier = p.frontier(&budgets)?;
    let next = frontier
        .iter()
        .filter(|f| f.budget_musd > req.budget_musd + 1e-9)
        .min_by(|a, b| a.budget_musd.total_cmp(&b.budget_musd));
    let marginal_value_next_per_musd =
        next.map(|f| (result.objective - f.objective) / (f.budget_musd - req.budget_musd));
    let budget_binds = next.is_some_and(|f| f.objective < result.objective - 1e-3);
    let gain = result.baseline_objective - result.objective;
    if let Some(err) = verified_error_musd {
        if gain > 0.0 && gain <= err {
            notes.push(format!(
                "the claimed gain, USD {gain:.1} million/yr, is within the static model's verified error (USD {err:.1} million/yr, its mean gap to the simulation): the simulation cannot confirm it"
            ));
        }
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
            measures: r.measures,
            scorecard_before: r.scorecard_before,
            scorecard_after: r.scorecard_after,
            scenarios: r.scenarios,
            baseline_scenarios: r.baseline_scenarios,
            simulated,
            binaries: r.binaries,
            scenario_weights,
            sampling,
            stage_relief,
            binding_stage,
            frontier,
            budget_binds,
            marginal_value_next_per_musd,
            verified_error_musd,
            notes,
            plan_toml,
        },
        timings,
    ))
}

/// The request's own checks (the optimiser checks the rest).
fn check_portfolio_request(
    req: &PortfolioRequest,
    scenarios: &[LoadedScenario],
) -> Result<(), AppError> {
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
    if let Some(n) = req.futures {
        if !scenarios.is_empty() {
            return Err(AppError::bad(
                "--futures",
                "give --futures or --scenarios, not both: the futures replace the scenarios",
            ));
        }
        if !(1..=2000).contains(&n) {
            return Err(AppError::bad(
                "--futures",
                format!("{n} futures: give 1 to 2000"),
            ));
        }
        if !(1..=100_000).contains(&req.out_of_sample) {
            return Err(AppError::bad(
                "--out-of-sample",
                format!("{} futures: give 1 to 100000", req.out_of_sample),
            ));
        }
    }
    if !(req.stage_relief.is_finite() && req.stage_relief > 0.0 && req.stage_relief <= 10.0) {
        return Err(AppError::bad(
            "stage_relief",
            format!(
                "{} is not a relative capacity increase in (0, 10]",
                req.stage_relief
            ),
        ));
    }
    if let Some(b) = req
        .frontier_budgets_musd
        .iter()
        .find(|b| !(b.is_finite() && **b >= 0.0))
    {
        return Err(AppError::bad(
            "--frontier",
            format!("{b} is not a budget: give USD million, 0 or more"),
        ));
    }
    Ok(())
}

/// The chosen portfolio evaluated on futures `f` (runs `n..n +
/// out_of_sample`), not used to choose it.
fn out_of_sample(
    model: &Model,
    req: &PortfolioRequest,
    request: &OptPortfolioRequest,
    result: &critmin_opt::portfolio::PortfolioResult,
    f: futures::Futures,
    risk: &critmin_model::Scenario,
) -> Result<Sampling, AppError> {
    let n = req.futures.unwrap_or(0);
    let oos = Portfolio::new(
        model,
        OptPortfolioRequest {
            scenarios: f.disruptions.clone(),
            weights: f.counts.clone(),
            include: Vec::new(),
            ..request.clone()
        },
    )?;
    let (_, with) = oos.value_of(&result.selected)?;
    let (_, without) = oos.value_of(&[])?;
    let (a, b, gain, se) = futures::paired_stats(&with, &without, &f.counts);
    Ok(Sampling {
        risk: risk.name.clone(),
        seed: req.seed,
        futures: n,
        distinct_futures: request.scenarios.len(),
        out_of_sample_futures: f.futures,
        distinct_out_of_sample: f.disruptions.len(),
        in_sample_objective: result.objective,
        in_sample_baseline_objective: result.baseline_objective,
        out_of_sample_objective: a,
        out_of_sample_baseline_objective: b,
        out_of_sample_gain_musd: gain,
        out_of_sample_gain_stderr_musd: se,
    })
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
    /// Toll: the partners' plants (and `toll_in`'s) convert their upstream
    /// stock for them in an emergency; the goals count on it, concentrate
    /// is offered, and the plan carries the tolling arrangements.
    pub credit_conversion: bool,
    /// Countries (or groups) whose plants toll for every partner besides
    /// its own, with `credit_conversion`.
    pub toll_in: Vec<String>,
    /// Per-partner minimum months of cover of its own holdings, e.g.
    /// `JP` 2 (JOGMEC's 60 days).
    pub min_months: Vec<(String, f64)>,
    /// Pool every partner's releases in one sharing agreement in every
    /// scenario: `pro_rata`, `defence_first` or `coordinated` (none: the scenarios'
    /// own agreements, if any, apply).
    pub pool: Option<String>,
    /// Pay for the purchases' own price impact, bought over this many
    /// years (none: at baseline prices). Default
    /// [`DEFAULT_PURCHASE_YEARS`].
    pub purchase_years: Option<f64>,
}

/// The purchase window a stockpile pays its price impact over unless told
/// otherwise, years: from 2025–26 to the partnership's 2030 reserve goal.
pub const DEFAULT_PURCHASE_YEARS: f64 = 5.0;

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
            toll_in: Vec::new(),
            min_months: Vec::new(),
            pool: None,
            purchase_years: Some(DEFAULT_PURCHASE_YEARS),
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
    /// Each partner's emergency conversion capacity (spare separation,
    /// metal and magnet plant capacity of its converter countries in its
    /// scenarios' months of shortage).
    pub conversion: Vec<critmin_opt::Conversion>,
    /// The tolling arrangements the plan relies on (with tolling; empty
    /// otherwise): the plan file carries them and the checks simulate them.
    pub tolling: Vec<critmin_model::Tolling>,
    /// Per-partner minimum months of cover (the request's).
    pub min_months: BTreeMap<String, f64>,
    /// Whether the plan was sized on pooled release (a sharing agreement
    /// of two or more partners in a scenario).
    pub pooled: bool,
    /// The value of coordination, when the plan is pooled: its cost
    /// against the partners' separate plans for the same goals.
    pub coordination: Option<critmin_opt::stockpile::pool::Coordination>,
    /// The window the purchases' price impact is paid over, years (none:
    /// bought at baseline prices).
    pub purchase_years: Option<f64>,
    /// What the purchases do to prices, per good bought (with
    /// `purchase_years`).
    pub price_impact: Vec<critmin_opt::stockpile::impact::PriceImpact>,
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
    let mut toll_in = Vec::new();
    for n in &req.toll_in {
        let cs = model.resolve_region(n.trim()).ok_or_else(|| {
            AppError::bad(
                "--toll-in",
                format!("`{n}` is neither a country of the dataset nor a group"),
            )
        })?;
        toll_in.extend(cs);
    }
    if !toll_in.is_empty() && !req.credit_conversion {
        return Err(AppError::bad(
            "--toll-in",
            "tolling abroad needs --toll: without it no plant converts the partners' stock",
        ));
    }
    let mut min_months = Vec::new();
    for (p, m) in &req.min_months {
        let c = CountryCode::parse(p.trim())
            .filter(|c| partners.contains(c))
            .ok_or_else(|| {
                AppError::bad(
                    "--min-months",
                    format!(
                        "`{p}` is not one of the partners ({})",
                        req.partners.join(",")
                    ),
                )
            })?;
        min_months.push((c, *m));
    }
    let scenarios: Vec<critmin_model::Scenario> =
        scenarios.into_iter().map(|s| s.scenario).collect();
    let scenarios = match req.pool.as_deref() {
        None => scenarios,
        Some(rule) => {
            let Some(rule) = critmin_model::SharingRule::parse(rule) else {
                return Err(AppError::bad(
                    "--pool",
                    format!(
                        "`{rule}` is not a sharing rule: {}",
                        critmin_model::SharingRule::NAMES
                    ),
                ));
            };
            if partners.len() < 2 {
                return Err(AppError::bad(
                    "--pool",
                    "pooling needs at least two partners",
                ));
            }
            critmin_opt::stockpile::pool::pooled(&scenarios, &partners, rule)
        }
    };
    let opt_req = critmin_opt::StockpileRequest {
        partners: partners.clone(),
        elements,
        target_months: req.target_months,
        max_unmet_share: req.max_unmet_share,
        min_months,
        purchase_years: req.purchase_years,
        scenarios,
        cover_year: req.cover_year,
        path: req.path.clone(),
        holding_cost_pct_per_yr: req.holding_cost_pct_per_yr,
        holding_years: req.holding_years,
        credit_conversion: req.credit_conversion,
        toll_in,
    };
    ctx.cancel.check()?;
    let res = critmin_opt::optimise_stockpile(model, &opt_req)?;
    let coordination = if res.pooled {
        // The same goals with every partner covering itself.
        ctx.cancel.check()?;
        let separate = critmin_opt::StockpileRequest {
            scenarios: critmin_opt::stockpile::pool::separate(&opt_req.scenarios, &partners),
            ..opt_req.clone()
        };
        let sep = critmin_opt::optimise_stockpile(model, &separate)?;
        let mut c = critmin_opt::stockpile::pool::Coordination::of(&res, &sep, &partners);
        ctx.cancel.check()?;
        c.separate_checks = critmin_opt::check_plan(
            model,
            &separate,
            &sep.plan(model).overlay(model),
            &sep.claims,
        )?;
        Some(c)
    } else {
        None
    };
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
            tolling: res.tolling.clone(),
            min_months: opt_req
                .min_months
                .iter()
                .map(|(c, m)| (c.to_string(), *m))
                .collect(),
            pooled: res.pooled,
            coordination,
            purchase_years: opt_req.purchase_years,
            price_impact: res.price_impact,
            plan_toml,
        },
        timings,
    ))
}
