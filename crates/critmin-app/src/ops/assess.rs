//! `assess`: the main job — validate the dataset, compute the metrics, the
//! scorecard and the criticality scores, run the scenario library and the
//! risk model, solve the fund's portfolio and the stockpiles, and build the
//! report (`report.html`, `metrics.json`, `summary.json`, CSV tables).

use crate::inputs::{DatasetRef, ScenarioRef, load_dataset};
use crate::ops::metrics::ProjectionRequest;
use crate::ops::optimize::{PortfolioRequest, StockpileRequest, solve_portfolio, solve_stockpile};
use crate::output::OutputFile;
use crate::provenance::{Envelope, Provenance};
use crate::{AppError, Context};
use critmin_metrics::targets::Scorecard;
use critmin_metrics::{DEFAULT_GROUPS, GroupMetric, metrics, scorecard, stage_summary};
use critmin_model::{Model, Stage};
use critmin_report::optimization::{
    PortfolioMeasures, PortfolioRow, SampledPortfolioRow, StockCheck, StockpileRow,
    optimization_section,
};
use critmin_report::{AssessInputs, Section, assess_report, metrics_json};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Instant;

/// The later year the report compares with: the scorecard's goal year.
pub const COMPARE_YEAR: i32 = 2030;

/// The assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AssessRequest {
    /// The dataset.
    pub dataset: DatasetRef,
    /// How later years are projected.
    pub projection: ProjectionRequest,
    /// Futures in the risk section (0 leaves it out).
    pub risk_runs: usize,
    /// The risk section's seed (and the intelligence section's).
    pub seed: u64,
    /// The intelligence section's events.
    pub intel: IntelRef,
}

/// Where the intelligence section's events come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntelRef {
    /// No intelligence section.
    None,
    /// The built-in sample feed and rules, evaluated at
    /// [`critmin_data::INTEL_SAMPLE_NOW`] in a store in memory.
    Sample,
    /// A store, read as it is (its alerts as raised; nothing evaluated or
    /// written).
    Store(std::path::PathBuf),
}

impl Default for AssessRequest {
    fn default() -> Self {
        AssessRequest {
            dataset: DatasetRef::Builtin,
            projection: ProjectionRequest::default(),
            risk_runs: 1000,
            seed: 1,
            intel: IntelRef::Sample,
        }
    }
}

/// One library scenario's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioOutcome {
    /// File name.
    pub file: String,
    /// Scenario name.
    pub name: String,
    /// Unmet share of rare-earth demand per country (0..1).
    pub unmet_share_by_country: Vec<(String, f64)>,
    /// Highest Dy price index.
    pub peak_dy_price_index: f64,
}

/// The risk section's headline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskOutcome {
    /// Futures.
    pub runs: usize,
    /// Months per future.
    pub horizon_months: u32,
    /// Mean unmet share per country, and the same with no risk drawn.
    pub unmet_share: Vec<(String, f64, f64)>,
}

/// The backtest section's headline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestOutcome {
    /// The replay.
    pub scenario: String,
    /// Series compared.
    pub series: usize,
    /// Of them, those within a factor of 2 on average (mean |ln ratio| ≤ ln 2).
    pub within_factor_2: usize,
    /// Mean |ln ratio| summed over the series.
    pub mean_abs_log_ratio_sum: f64,
}

/// One budget's portfolio.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PortfolioOutcome {
    /// Budget, USD million.
    pub budget_musd: f64,
    /// Projects funded and their first month of output.
    pub selected: Vec<(String, String)>,
    /// Expected allied unmet demand, USD million/yr.
    pub objective_musd: f64,
    /// The same with nothing funded.
    pub baseline_musd: f64,
    /// The simulator's value (mean over scenarios).
    pub simulated_musd: f64,
}

/// The assessment's figures and its files.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssessResponse {
    /// Dataset name.
    pub dataset: String,
    /// Base year.
    pub base_year: i32,
    /// Rows of sources.csv.
    pub sources: usize,
    /// Facilities.
    pub facilities: usize,
    /// Demand rows.
    pub demand_rows: usize,
    /// Pipeline projects.
    pub projects: usize,
    /// China's share of world output per stage in the base year (0..1).
    pub china_share: Vec<(Stage, f64)>,
    /// The scorecard.
    pub scorecard: Scorecard,
    /// US+JP exposure for the magnet rare earths in the base year.
    pub us_jp_magnet: Option<GroupMetric>,
    /// The five highest EU supply-risk scores for US+JP.
    pub top_supply_risk: Vec<(String, f64)>,
    /// The scenario library.
    pub scenarios: Vec<ScenarioOutcome>,
    /// The risk model, if run.
    pub risk: Option<RiskOutcome>,
    /// The 2010–2013 backtest.
    pub backtest: BacktestOutcome,
    /// The portfolio at USD 3, 4 and 5 billion.
    pub portfolios: Vec<PortfolioOutcome>,
    /// The least-cost stockpile for 12 and 24 months of cover: months, USD
    /// million.
    pub stockpiles: Vec<(f64, f64)>,
    /// The intelligence section's figures (`None` when left out).
    pub intelligence: Option<crate::ops::intel::ReportIntel>,
    /// The files to write (`report.html`, JSON, CSV).
    pub files: Vec<OutputFile>,
}

/// Runs the assessment.
pub fn assess(req: &AssessRequest, ctx: &Context) -> Result<Envelope<AssessResponse>, AppError> {
    let ds = load_dataset(&req.dataset)?;
    let m = &ds.model;
    let mut prov = Provenance::new(ds.id.clone(), ctx.invocation.clone());
    if req.risk_runs > 0 {
        prov.seed = Some(req.seed);
    }
    let mut timings = BTreeMap::new();
    let projection = req.projection.projection();
    let base = metrics(m, &projection, m.base_year, &DEFAULT_GROUPS)?;
    let later = if m.base_year < COMPARE_YEAR {
        Some(metrics(m, &projection, COMPARE_YEAR, &DEFAULT_GROUPS)?)
    } else {
        None
    };
    let card = scorecard(m, &projection)?;

    let t0 = Instant::now();
    let runs = crate::ops::library::run_library(m, ctx)?;
    timings.insert("library_seconds".into(), t0.elapsed().as_secs_f64());
    let scenarios = runs
        .iter()
        .map(|(run, summary)| ScenarioOutcome {
            file: run.file.clone(),
            name: run.name.clone(),
            unmet_share_by_country: run.unmet_share_by_country.clone(),
            peak_dy_price_index: summary
                .by_element
                .iter()
                .find(|e| named(&e.element, "Dy"))
                .map_or(1.0, |e| e.peak_price_index),
        })
        .collect();
    let scenario_runs: Vec<_> = runs.into_iter().map(|(r, _)| r).collect();
    let mut sections = critmin_report::simulation::simulation_sections(
        &scenario_runs,
        &crate::ops::library::COUNTRIES,
        &crate::ops::library::ELEMENTS,
    );

    let mut risk = None;
    if req.risk_runs > 0 {
        let t0 = Instant::now();
        let r = crate::ops::library::run_risk(m, req.risk_runs, req.seed, ctx)?;
        timings.insert("risk_seconds".into(), t0.elapsed().as_secs_f64());
        risk = Some(RiskOutcome {
            runs: r.runs,
            horizon_months: r.horizon_months,
            unmet_share: r
                .countries
                .iter()
                .map(|c| {
                    (
                        c.key.clone(),
                        c.share_mean,
                        c.reference_share.unwrap_or(0.0),
                    )
                })
                .collect(),
        });
        sections.push(critmin_report::risk::risk_section(
            &r,
            &crate::ops::library::COUNTRIES,
            &crate::ops::library::ELEMENTS,
        ));
    }

    let t0 = Instant::now();
    let (section, backtest) = history_backtest()?;
    sections.push(section);
    timings.insert("backtest_seconds".into(), t0.elapsed().as_secs_f64());
    ctx.cancel.check()?;

    let t0 = Instant::now();
    let (section, portfolios, stockpiles) = optimisation(m, ctx)?;
    timings.insert("optimisation_seconds".into(), t0.elapsed().as_secs_f64());
    sections.push(section);

    sections.push(critmin_report::pipeline::pipeline_section(m, COMPARE_YEAR));
    let mut intelligence = None;
    if req.intel != IntelRef::None {
        let t0 = Instant::now();
        let (section, figures) = crate::ops::intel::report_intel(&ds, &req.intel, req.seed, ctx)?;
        timings.insert("intelligence_seconds".into(), t0.elapsed().as_secs_f64());
        sections.push(section);
        intelligence = Some(figures);
    }

    let inputs = AssessInputs {
        model: m,
        base: &base,
        later: later.as_ref(),
        card: &card,
    };
    let files = report_files(m, &inputs, sections, &prov)?;
    let china_share = [
        Stage::Mining,
        Stage::Separation,
        Stage::MetalAlloy,
        Stage::Magnet,
    ]
    .into_iter()
    .filter_map(|stage| {
        base.stages
            .iter()
            .find(|r| r.stage == stage && r.element == "all")
            .map(|r| (stage, r.china_share))
    })
    .collect();
    let r = AssessResponse {
        dataset: m.name.clone(),
        base_year: m.base_year,
        sources: m.sources.len(),
        facilities: m.facilities.len(),
        demand_rows: m.demand.len(),
        projects: m.projects.len(),
        china_share,
        us_jp_magnet: base
            .groups
            .iter()
            .find(|g| g.group == "us_jp" && g.element == "magnet")
            .cloned(),
        top_supply_risk: base
            .criticality
            .iter()
            .take(5)
            .map(|r| (r.element.to_string(), r.eu_supply_risk))
            .collect(),
        scorecard: card,
        scenarios,
        risk,
        backtest,
        portfolios,
        stockpiles,
        intelligence,
        files,
    };
    let mut env = Envelope::new(prov, r);
    env.timings = timings;
    Ok(env)
}

/// The backtest section: the built-in 2010–2013 replay on the built-in
/// history-2010 dataset against its observations (`docs/backtest.md`),
/// whatever dataset the rest of the report uses; the section names the
/// dataset's and the observations' hashes.
fn history_backtest() -> Result<(Section, BacktestOutcome), AppError> {
    let model = critmin_data::load(&critmin_data::history_2010_source())
        .map_err(|e| AppError::Internal(format!("the built-in history-2010 dataset: {e}")))?;
    let (file, text) = critmin_data::HISTORY_2010_REPLAY;
    let scenario = critmin_format::scenario::parse(file, text.as_bytes(), &model)
        .map_err(|d| AppError::Internal(format!("the built-in replay {file}: {d:?}")))?;
    let (obs_file, obs_bytes) = critmin_data::HISTORY_2010_OBSERVED;
    let obs = critmin_format::observed::parse(obs_file, obs_bytes)
        .map_err(|d| AppError::Internal(format!("the built-in observations: {d:?}")))?;
    let r = crate::ops::backtest::run_backtest(&model, &scenario, obs_file, &obs)?;
    let data_hash = crate::provenance::hash_files(
        critmin_data::HISTORY_2010_FILES
            .iter()
            .map(|(n, b)| (*n, *b)),
    );
    let note = format!(
        "Built-in dataset history-2010 ({}), replay {file} ({}), observations {obs_file} ({}); the observations set no parameter. Run it yourself with `critmin backtest data/history-2010/replay-2010-2013.toml --observed data/history-2010/observed-2009-2014.csv`.",
        short(&data_hash),
        short(&crate::provenance::hash_bytes(text.as_bytes())),
        short(&crate::provenance::hash_bytes(obs_bytes)),
    );
    let outcome = BacktestOutcome {
        scenario: r.scenario.clone(),
        series: r.series.len(),
        within_factor_2: r
            .series
            .iter()
            .filter(|s| s.log_ratio_mean_abs <= std::f64::consts::LN_2)
            .count(),
        mean_abs_log_ratio_sum: r.series.iter().map(|s| s.log_ratio_mean_abs).sum(),
    };
    Ok((crate::ops::backtest::section(&r, &note), outcome))
}

/// `sha256:` and the first 12 hex digits.
fn short(hash: &str) -> &str {
    &hash[..hash.len().min(19)]
}

type Optimisation = (Section, Vec<PortfolioOutcome>, Vec<(f64, f64)>);

/// Futures the report's sampled portfolios are chosen on, and evaluated on.
const SAMPLED_FUTURES: usize = 24;
const OUT_OF_SAMPLE_FUTURES: usize = 96;

/// A built-in scenario (`risk-baseline`, a library scenario), parsed
/// against `model`.
fn builtin(model: &Model, name: &str) -> Result<crate::inputs::LoadedScenario, AppError> {
    let st = crate::inputs::read_scenario(&ScenarioRef::Builtin(name.into()))?;
    crate::inputs::parse_scenario(&st, model)
}

/// The scenario the report's stockpiles are simulated under: the
/// emergency they are for.
const STOCKPILE_CHECK: &str = "china-total-ban-12m";

/// The report's optimisation section: the portfolio at USD 3, 4 and 5
/// billion under the year-long ban, and the least-cost stockpile for 12
/// and 24 months of cover.
fn optimisation(model: &Model, ctx: &Context) -> Result<Optimisation, AppError> {
    let year = COMPARE_YEAR;
    let mut rows = Vec::new();
    let mut outcomes = Vec::new();
    let mut before = [None; 3];
    let budgets = [3000.0, 4000.0, 5000.0];
    for (k, budget) in budgets.into_iter().enumerate() {
        ctx.report("optimisation", k as u64, 5);
        let req = PortfolioRequest {
            budget_musd: budget,
            target_year: year,
            ..Default::default()
        };
        let (r, _) = solve_portfolio(model, &req, &[], None, ctx)?;
        let b = &r.scorecard_before;
        before = [b.processing_coverage, b.import_dependency, b.reserve_months];
        let a = &r.scorecard_after;
        let simulated = r
            .simulated
            .iter()
            .map(|s| s.allied_unmet_value_musd)
            .sum::<f64>()
            / r.simulated.len().max(1) as f64;
        outcomes.push(PortfolioOutcome {
            budget_musd: budget,
            selected: r
                .selected
                .iter()
                .map(|s| (s.project.clone(), s.start.to_string()))
                .collect(),
            objective_musd: r.objective,
            baseline_musd: r.baseline_objective,
            simulated_musd: simulated,
        });
        rows.push(PortfolioRow {
            budget_musd: budget,
            selected: r
                .selected
                .iter()
                .map(|s| (s.project.clone(), s.start.to_string(), s.capex_musd))
                .collect(),
            spend_musd: r.spend_musd,
            objective_musd: r.objective,
            baseline_musd: r.baseline_objective,
            simulated_musd: simulated,
            scorecard: [a.processing_coverage, a.import_dependency, a.reserve_months],
            measures: portfolio_measures(&r.measures),
            verified_error_musd: r.verified_error_musd,
        });
    }
    let mut sampled = Vec::new();
    let risk = builtin(model, "risk-baseline")?;
    for budget in budgets {
        ctx.cancel.check()?;
        let req = PortfolioRequest {
            budget_musd: budget,
            target_year: year,
            futures: Some(SAMPLED_FUTURES),
            out_of_sample: OUT_OF_SAMPLE_FUTURES,
            max_simulated: 4,
            ..Default::default()
        };
        let (r, _) = solve_portfolio(model, &req, &[], Some(&risk), ctx)?;
        let Some(s) = r.sampling else { continue };
        sampled.push(SampledPortfolioRow {
            budget_musd: budget,
            selected: r.selected.iter().map(|s| s.project.clone()).collect(),
            futures: (s.futures, s.out_of_sample_futures),
            out_of_sample: [
                s.out_of_sample_objective,
                s.out_of_sample_baseline_objective,
                s.out_of_sample_gain_musd,
                s.out_of_sample_gain_stderr_musd,
            ],
            binding_stage: r.binding_stage,
            budget_binds: r.budget_binds,
            marginal_next: r.marginal_value_next_per_musd,
        });
    }
    let mut stock_rows = Vec::new();
    let mut stock = Vec::new();
    let check = builtin(model, STOCKPILE_CHECK)?;
    for (k, months) in [12.0, 24.0].into_iter().enumerate() {
        ctx.report("optimisation", 3 + k as u64, 5);
        let req = StockpileRequest {
            target_months: Some(months),
            cover_year: year,
            ..Default::default()
        };
        let (res, _) = solve_stockpile(model, &req, vec![check.clone()], ctx)?;
        stock.push((months, res.cost_musd));
        stock_rows.push(StockpileRow {
            months,
            cost_musd: res.cost_musd,
            holdings: res
                .holdings
                .iter()
                .map(|h| {
                    (
                        h.holder.to_string(),
                        h.form.to_string(),
                        h.element.to_string(),
                        h.tonnes,
                    )
                })
                .collect(),
            binding_element: res.binding_element.clone(),
            checks: res
                .checks
                .iter()
                .map(|c| StockCheck {
                    country: c.country.to_string(),
                    unmet_t: (c.unmet_without_t, c.unmet_with_t),
                    claimed_t: c.claimed_removed_t,
                    agreement: c.agreement,
                    flag: c.flag.clone(),
                })
                .collect(),
            check_scenario: STOCKPILE_CHECK.into(),
        });
    }
    ctx.report("optimisation", 5, 5);
    let section = optimization_section(
        year,
        "a year-long stop of China's rare-earth exports",
        before,
        &rows,
        &sampled,
        &stock_rows,
    );
    Ok((section, outcomes, stock))
}

/// The report and its JSON companions, each JSON with `schema_version`
/// and `provenance`.
fn report_files(
    m: &Model,
    inputs: &AssessInputs,
    extra: Vec<Section>,
    prov: &Provenance,
) -> Result<Vec<OutputFile>, AppError> {
    let mut report = assess_report(inputs);
    report.sections.extend(extra);
    report.footer = if report.footer.is_empty() {
        prov.line()
    } else {
        format!("{} — {}", report.footer, prov.line())
    };
    let mut files: Vec<OutputFile> = report
        .files()
        .into_iter()
        .map(|(n, c)| OutputFile::text(n, c))
        .collect();
    let stamp = |v| crate::to_json(&Envelope::new(prov.clone(), v));
    files.push(OutputFile::text(
        "metrics.json",
        stamp(metrics_json(inputs))?,
    ));
    let stamp = |v| crate::to_json(&Envelope::new(prov.clone(), v));
    let summary = crate::ops::data::SummaryResponse {
        dataset: m.name.clone(),
        year: m.base_year,
        stages: stage_summary(m, m.base_year),
    };
    files.push(OutputFile::text("summary.json", stamp(summary)?));
    Ok(files)
}

/// Whether an element (a symbol or a typed element) is `symbol`.
fn named(e: &impl std::fmt::Display, symbol: &str) -> bool {
    e.to_string() == symbol
}

/// The report's row of a portfolio's measures.
fn portfolio_measures(m: &critmin_opt::portfolio::Measures) -> PortfolioMeasures {
    PortfolioMeasures {
        jobs: (m.direct_jobs, m.jobs_unknown.len()),
        waste_t_per_yr: m.waste_t_per_yr,
        capex_by_partner: m
            .capex_by_partner_musd
            .iter()
            .map(|(c, v)| (c.clone(), *v))
            .collect(),
        value_added_musd_per_yr: m.value_added_musd_per_yr,
        premium_musd_per_yr: m.cost_premium_musd_per_yr,
        opex: (m.opex_musd_per_yr, m.opex_unknown.len()),
    }
}
