//! The joint fund's portfolio: which of the pipeline's projects seeking
//! finance to fund, and when, so that expected allied unmet demand in a
//! target year — valued at baseline prices, over equally weighted
//! disruption scenarios — is smallest. A mixed-integer program solved
//! exactly by HiGHS.
//!
//! Decisions: for each candidate project and each fund year, a binary "the
//! financing decision falls in this year" (at January, or later if the
//! project's earliest start demands it; the project produces from
//! `decision + lead time`, pro rata in the target year). At most one per
//! project; `--include` forces one, `--exclude` none.
//!
//! Budget: capex is paid evenly over the lead time, month by month, and
//! must fall inside the fund's years. The budget is released evenly over
//! those years and unspent money carries forward: by the end of fund year
//! `k` (1-based) spending may not exceed `B × k / n`. More budget relaxes
//! every constraint, so the optimum never worsens as `B` grows, and zero
//! budget funds nothing.
//!
//! Objective: the mean over scenarios of the value of allied unmet demand
//! in the target year (the static chain model of [`crate::chain`], one copy
//! per scenario, sharing the build decisions), plus a tie-break of USD 1 per
//! USD million of capex and a hair per month of delay, so that a project
//! that changes nothing is not bought and ties go to the earlier start.
//!
//! The marginal value of one more million dollars is measured by solving
//! again at `B + 1`: an exact MILP difference, not an LP dual (the dual of
//! the relaxation would price fractional projects).

use crate::OptError;
use crate::chain::{
    Cap, ChainYear, Disruption, Online, YearOutcome, add_year, outcome, year_fraction,
};
use crate::plan::{Plan, apply};
use critmin_metrics::Projection;
use critmin_metrics::targets::{TARGETS, target_values};
use critmin_model::{CountryCode, Element, Funding, Idx, Model, Month, Stage, ValueAdded};
use critmin_sim::Overlay;
use good_lp::{
    Expression, ProblemVariables, Solution, SolverModel, Variable, constraint, highs, variable,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

/// Tie-break weight per USD million of capex, in the objective's unit (USD
/// million): USD 1 per USD million.
const CAPEX_TIE_BREAK: f64 = 1e-6;
/// Tie-break per month an option starts after the project's first option.
const DELAY_TIE_BREAK: f64 = 1e-9;

/// What to optimise.
#[derive(Debug, Clone, PartialEq)]
pub struct PortfolioRequest {
    /// Total budget over the fund's years, USD million.
    pub budget_musd: f64,
    /// First and last fund year (inclusive).
    pub years: (i32, i32),
    /// The year whose unmet demand is minimised.
    pub target_year: i32,
    /// Disruption scenarios (each already folded).
    pub scenarios: Vec<Disruption>,
    /// Their weights (empty: equal). Sampled futures that fold to the same
    /// year are passed once, weighted by their count.
    pub weights: Vec<f64>,
    /// Projects that must be funded.
    pub include: Vec<String>,
    /// Projects that must not be funded.
    pub exclude: Vec<String>,
    /// Partners' shares of every funded project's capex (empty: not split).
    pub partner_shares: Vec<(String, f64)>,
}

/// One way to fund a project: when the decision is taken, when it produces
/// and what it costs each fund year.
#[derive(Debug, Clone, PartialEq)]
pub struct FundOption {
    /// Financing decision.
    pub decision: Month,
    /// First month of output.
    pub start: Month,
    /// Capex paid in each fund year, USD million.
    pub spend_by_year_musd: Vec<f64>,
    /// Fraction of the target year it produces, 0..1.
    pub year_fraction: f64,
}

/// A project the fund may finance.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Index in the model's projects.
    pub project: usize,
    /// Its id.
    pub id: String,
    /// Capex, USD million.
    pub capex_musd: f64,
    /// Ways to fund it, earliest first.
    pub options: Vec<FundOption>,
    /// Must be funded.
    pub required: bool,
}

/// A built portfolio problem: candidates with their options, and one chain
/// model per scenario.
#[derive(Debug, Clone)]
pub struct Portfolio {
    /// The request.
    pub request: PortfolioRequest,
    /// Candidate projects.
    pub candidates: Vec<Candidate>,
    chains: Vec<ChainYear>,
    /// Projects seeking finance that are neither in nor sponsored by the
    /// allied group, which the fund does not finance.
    pub outside: Vec<String>,
}

/// A project chosen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selected {
    /// Project id.
    pub project: String,
    /// Facility it builds.
    pub facility: String,
    /// Where.
    pub country: CountryCode,
    /// Stage.
    pub stage: Stage,
    /// First month of output.
    pub start: Month,
    /// Financing decision.
    pub decision: Month,
    /// Capex, USD million.
    pub capex_musd: f64,
}

/// Spending in one fund year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearSpend {
    /// Year.
    pub year: i32,
    /// Spent, USD million.
    pub spend_musd: f64,
    /// Cumulative ceiling at the end of the year, USD million.
    pub cumulative_limit_musd: f64,
    /// Spent by each partner, USD million.
    pub by_partner_musd: BTreeMap<String, f64>,
}

/// The three scorecard values in the target year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScorecardValues {
    /// Year.
    pub year: i32,
    /// Allied processing coverage of US+JP magnet-REE demand, 0..1.
    pub processing_coverage: Option<f64>,
    /// US+JP import dependency, 0..1.
    pub import_dependency: Option<f64>,
    /// US+JP reserves, months.
    pub reserve_months: Option<f64>,
}

/// What more capacity at one stage is worth (see
/// [`Portfolio::stage_relief`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageRelief {
    /// Stage: `mining` (with cracking), `separation`, `metal_alloy`,
    /// `magnet`.
    pub stage: String,
    /// Allied capacity at the stage in the target year with the
    /// portfolio (each plant times the share of the year it runs).
    pub allied_capacity: f64,
    /// Its unit.
    pub capacity_unit: &'static str,
    /// The capacity added to test it, same unit.
    pub added: f64,
    /// The fall in expected allied unmet value, USD million/yr.
    pub unmet_fall_musd: f64,
    /// The expected fall in allied unmet demand per element, t REO-eq/yr
    /// (elements that fall by more than 0.05 t).
    pub relieved_t: BTreeMap<String, f64>,
    /// The pipeline's capex per unit of capacity at the stage, USD per
    /// unit/yr (none without a project at the stage).
    pub capex_usd_per_unit: Option<f64>,
    /// `unmet_fall_musd` per USD million of that capex: the marginal
    /// value of budget spent at this stage, USD million/yr per USD million.
    pub value_per_musd: Option<f64>,
}

/// What the seed measures of a portfolio: jobs, waste and who pays.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measures {
    /// Direct operating jobs of the funded plants where the dataset gives
    /// them (`facilities.csv` `direct_jobs`).
    pub direct_jobs: u32,
    /// Funded projects whose jobs the dataset does not give.
    pub jobs_unknown: Vec<String>,
    /// Waste generated in the target year by the funded plants where the
    /// dataset gives a rate (`waste_t_per_t_reo` × capacity × utilisation
    /// × the share of the year they run), t/yr.
    pub waste_t_per_yr: f64,
    /// Capex by partner, USD million: by the request's partner shares, or
    /// else each project's split evenly among its sponsors.
    pub capex_by_partner_musd: BTreeMap<String, f64>,
    /// The funded plants' target-year output valued at what each stage adds
    /// at Chinese prices (`processing_costs.csv`), USD million/yr.
    pub value_added_musd_per_yr: f64,
    /// What the same output costs above Chinese supply, low and high (the
    /// value added × the stage's premium), USD million/yr.
    pub cost_premium_musd_per_yr: [f64; 2],
    /// The premium by partner, split as capex is, `[low, high]`, USD
    /// million/yr.
    pub cost_premium_by_partner_musd_per_yr: BTreeMap<String, [f64; 2]>,
    /// Funded projects whose stage has no `processing_costs.csv` row.
    pub premium_unknown: Vec<String>,
    /// Operating cost of the funded plants whose unit cost the dataset gives
    /// (`facilities.csv` `unit_cost_usd_per_t` × target-year output), USD
    /// million/yr.
    pub opex_musd_per_yr: f64,
    /// The same by partner, split as capex is, USD million/yr.
    pub opex_by_partner_musd_per_yr: BTreeMap<String, f64>,
    /// Funded projects whose unit operating cost the dataset does not give.
    pub opex_unknown: Vec<String>,
}

/// One point of the cost–protection frontier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrontierPoint {
    /// Budget, USD million.
    pub budget_musd: f64,
    /// What the optimum spends, USD million.
    pub spend_musd: f64,
    /// Its expected allied unmet value, USD million/yr.
    pub objective: f64,
    /// Projects it funds.
    pub projects: Vec<String>,
}

/// The solved portfolio.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PortfolioResult {
    /// Budget, USD million.
    pub budget_musd: f64,
    /// Fund years (inclusive).
    pub years: (i32, i32),
    /// Target year.
    pub target_year: i32,
    /// Projects chosen.
    pub selected: Vec<Selected>,
    /// Total capex of the chosen projects, USD million.
    pub spend_musd: f64,
    /// Spending by year and partner.
    pub spend_by_year: Vec<YearSpend>,
    /// Expected value of allied unmet demand in the target year at the
    /// optimum, USD million per year (baseline prices).
    pub objective: f64,
    /// The same with nothing funded.
    pub baseline_objective: f64,
    /// Unit of `objective` and `baseline_objective`.
    pub objective_unit: &'static str,
    /// Per scenario, with the plan.
    pub scenarios: Vec<YearOutcome>,
    /// Per scenario, with nothing funded.
    pub baseline_scenarios: Vec<YearOutcome>,
    /// Objective reduction from one more USD million of budget (re-solved
    /// at `budget + 1`), USD million of unmet demand per year.
    pub marginal_value_per_musd: Option<f64>,
    /// Jobs, waste and capex by partner.
    pub measures: Measures,
    /// Scorecard in the target year without the plan.
    pub scorecard_before: ScorecardValues,
    /// Scorecard in the target year with the plan.
    pub scorecard_after: ScorecardValues,
    /// Binary decisions in the MILP.
    pub binaries: usize,
    /// Seconds HiGHS took for the main solve.
    pub solve_seconds: f64,
    /// What the static model left out of the scenarios.
    pub notes: Vec<String>,
}

impl PortfolioResult {
    /// The decision as a plan file's content.
    pub fn plan(&self) -> Plan {
        Plan {
            name: format!(
                "portfolio at USD {:.0} million, {}–{}, target {}",
                self.budget_musd, self.years.0, self.years.1, self.target_year
            ),
            fund: self
                .selected
                .iter()
                .map(|s| (s.project.clone(), s.start))
                .collect(),
            ..Plan::default()
        }
    }
}

/// Capex spread evenly over the months from `decision` to `start`, summed
/// per fund year; `None` if any falls outside the fund's years.
fn spend_profile(
    capex_musd: f64,
    decision: Month,
    lead: u32,
    years: (i32, i32),
) -> Option<Vec<f64>> {
    let n = (years.1 - years.0 + 1) as usize;
    let mut out = vec![0.0; n];
    let months = lead.max(1);
    let per = capex_musd / f64::from(months);
    for k in 0..months {
        let y = decision.plus(k as i32).year();
        if y < years.0 || y > years.1 {
            return None;
        }
        out[(y - years.0) as usize] += per;
    }
    Some(out)
}

impl Portfolio {
    /// Validates the request and builds the problem.
    pub fn new(model: &Model, request: PortfolioRequest) -> Result<Portfolio, OptError> {
        let r = &request;
        if !r.budget_musd.is_finite() || r.budget_musd < 0.0 {
            return Err(OptError::Invalid(format!(
                "the budget must be a number of USD million ≥ 0, not {}",
                r.budget_musd
            )));
        }
        if r.years.0 > r.years.1 {
            return Err(OptError::Invalid(format!(
                "the fund's years {}..{} are empty",
                r.years.0,
                r.years.1 + 1
            )));
        }
        if r.years.1 - r.years.0 > 50 {
            return Err(OptError::Invalid(
                "the fund may last at most 50 years".into(),
            ));
        }
        if r.target_year < r.years.0 || r.target_year > r.years.0 + 60 {
            return Err(OptError::Invalid(format!(
                "the target year {} must be within the fund's years or after them (from {})",
                r.target_year, r.years.0
            )));
        }
        if r.scenarios.is_empty() {
            return Err(OptError::Invalid("at least one scenario is needed".into()));
        }
        if !r.weights.is_empty()
            && (r.weights.len() != r.scenarios.len()
                || r.weights.iter().any(|w| !w.is_finite() || *w <= 0.0))
        {
            return Err(OptError::Invalid(format!(
                "{} scenario weights for {} scenarios: give one positive weight per scenario, or none",
                r.weights.len(),
                r.scenarios.len()
            )));
        }
        let known = || {
            model
                .projects
                .iter()
                .map(|p| p.id.clone())
                .collect::<Vec<_>>()
        };
        let find = |id: &str| -> Result<usize, OptError> {
            model
                .projects
                .iter()
                .position(|p| p.id == id)
                .ok_or_else(|| OptError::UnknownProject {
                    id: id.to_string(),
                    known: known(),
                })
        };
        for id in r.include.iter().chain(&r.exclude) {
            find(id)?;
        }
        if let Some(id) = r.include.iter().find(|id| r.exclude.contains(id)) {
            return Err(OptError::Invalid(format!(
                "project `{id}` is both included and excluded"
            )));
        }
        for id in &r.include {
            let p = &model.projects[find(id)?];
            if p.funding == Funding::Committed {
                return Err(OptError::Invalid(format!(
                    "project `{id}` is already committed (financed without the fund); only projects seeking finance can be included"
                )));
            }
            let capex = p.capex_usd / 1e6;
            if capex > r.budget_musd + 1e-9 {
                return Err(OptError::Invalid(format!(
                    "project `{id}` alone costs USD {capex:.0} million, more than the budget of USD {:.0} million",
                    r.budget_musd
                )));
            }
        }
        let mut total = 0.0;
        for (s, _) in &r.partner_shares {
            let ok =
                critmin_model::CountryCode::parse(s).is_some_and(|c| model.country(c).is_some());
            if !ok {
                return Err(OptError::Invalid(format!(
                    "partner `{s}` is not a country of the dataset"
                )));
            }
        }
        for (s, v) in &r.partner_shares {
            if !v.is_finite() || *v < 0.0 {
                return Err(OptError::Invalid(format!(
                    "partner {s}'s share must be between 0 and 1, not {v}"
                )));
            }
            total += v;
        }
        if !r.partner_shares.is_empty() && (total - 1.0).abs() > 1e-6 {
            return Err(OptError::Invalid(format!(
                "partner shares must add up to 1, not {total}"
            )));
        }

        let allied = critmin_metrics::allied(model);
        let in_partnership = |p: &critmin_model::Project| {
            allied.contains(model.at(p.facility).country)
                || p.sponsors.iter().any(|c| allied.contains(*c))
        };
        for id in &r.include {
            let p = &model.projects[find(id)?];
            if !in_partnership(p) {
                return Err(OptError::Invalid(format!(
                    "project `{id}` is neither in nor sponsored by the allied group: the fund does not finance it"
                )));
            }
        }
        let mut candidates = Vec::new();
        let mut outside = Vec::new();
        for (i, p) in model.projects.iter().enumerate() {
            if p.funding != Funding::Seeking || r.exclude.contains(&p.id) {
                continue;
            }
            if !in_partnership(p) {
                outside.push(p.id.clone());
                continue;
            }
            let required = r.include.contains(&p.id);
            let capex = p.capex_usd / 1e6;
            let lead = p.lead_time_months as i32;
            let mut options: Vec<FundOption> = Vec::new();
            for y in r.years.0..=r.years.1 {
                let Some(jan) = Month::january(y) else {
                    continue;
                };
                let decision = jan.max(p.earliest_start.plus(-lead));
                if options.iter().any(|o| o.decision == decision) {
                    continue;
                }
                let start = decision.plus(lead);
                let frac = year_fraction(start, r.target_year);
                // Options that produce nothing in the target year are kept
                // only for projects that must be funded.
                if frac <= 0.0 && !(required && options.is_empty()) {
                    continue;
                }
                let Some(spend) = spend_profile(capex, decision, p.lead_time_months, r.years)
                else {
                    continue;
                };
                options.push(FundOption {
                    decision,
                    start,
                    spend_by_year_musd: spend,
                    year_fraction: frac,
                });
            }
            if required && options.is_empty() {
                return Err(OptError::Invalid(format!(
                    "project `{}` cannot be paid for within the fund's years {}..{} (lead time {} months, earliest start {})",
                    p.id,
                    r.years.0,
                    r.years.1 + 1,
                    p.lead_time_months,
                    p.earliest_start
                )));
            }
            candidates.push(Candidate {
                project: i,
                id: p.id.clone(),
                capex_musd: capex,
                options,
                required,
            });
        }
        let mut chains = Vec::new();
        for d in &r.scenarios {
            chains.push(ChainYear::for_disruption(model, r.target_year, d)?);
        }
        Ok(Portfolio {
            request,
            candidates,
            chains,
            outside,
        })
    }

    /// Whether a choice (an option index or `None` per candidate) respects
    /// the budget schedule and the include list.
    pub fn feasible(&self, choice: &[Option<usize>]) -> bool {
        let r = &self.request;
        let n = (r.years.1 - r.years.0 + 1) as usize;
        let mut cum = 0.0;
        for k in 0..n {
            for (c, ch) in self.candidates.iter().zip(choice) {
                if let Some(o) = ch.and_then(|o| c.options.get(o)) {
                    cum += o.spend_by_year_musd[k];
                }
            }
            if cum > r.budget_musd * (k + 1) as f64 / n as f64 + 1e-6 {
                return false;
            }
        }
        self.candidates
            .iter()
            .zip(choice)
            .all(|(c, ch)| !c.required || ch.is_some())
    }

    /// The scenarios' weights, summing to 1.
    pub fn weights(&self) -> Vec<f64> {
        let r = &self.request;
        if r.weights.is_empty() {
            return vec![1.0 / r.scenarios.len() as f64; r.scenarios.len()];
        }
        let total: f64 = r.weights.iter().sum();
        r.weights.iter().map(|w| w / total).collect()
    }

    fn tie_break(&self, c: &Candidate, o: usize) -> f64 {
        CAPEX_TIE_BREAK * c.capex_musd
            + DELAY_TIE_BREAK * f64::from(c.options[o].start.since(c.options[0].start))
    }

    /// The objective (with its tie-breaks) of a fixed choice, by LP; `None`
    /// if the choice is over budget.
    pub fn evaluate(&self, choice: &[Option<usize>]) -> Result<Option<f64>, OptError> {
        if choice.len() != self.candidates.len() || !self.feasible(choice) {
            return Ok(None);
        }
        let frac = self.fractions(choice);
        let (value, _) = self.solve_fixed(&frac)?;
        let tb: f64 = self
            .candidates
            .iter()
            .zip(choice)
            .filter_map(|(c, ch)| ch.map(|o| self.tie_break(c, o)))
            .sum();
        Ok(Some(value + tb))
    }

    /// Expected unmet value (USD million) and per-scenario outcomes with
    /// fixed online fractions per project index (projects not listed do
    /// not produce).
    fn solve_fixed(
        &self,
        frac: &BTreeMap<usize, f64>,
    ) -> Result<(f64, Vec<YearOutcome>), OptError> {
        self.solve_fixed_on(frac, &self.request.scenarios)
    }

    /// [`Portfolio::solve_fixed`] under other disruptions of the same
    /// chains (the stage relief's scaled capacities): one per scenario.
    fn solve_fixed_on(
        &self,
        frac: &BTreeMap<usize, f64>,
        scenarios: &[Disruption],
    ) -> Result<(f64, Vec<YearOutcome>), OptError> {
        let mut vars = ProblemVariables::new();
        let mut cons = Vec::new();
        let mut years = Vec::new();
        let mut objective = Expression::from(0.0);
        let w = self.weights();
        for ((chain, d), w) in self.chains.iter().zip(scenarios).zip(w) {
            let online = |p: usize| Expression::from(frac.get(&p).copied().unwrap_or(0.0));
            let zero = |_: usize| Expression::from(0.0);
            let y = add_year(chain, d, &mut vars, &mut cons, &online, &zero);
            objective += y.unmet_value_usd.clone() * (1e-6 * w);
            years.push(y);
        }
        let mut model = vars.minimise(objective.clone()).using(highs);
        model.set_verbose(false);
        let sol = model
            .with_all(cons)
            .solve()
            .map_err(|e| OptError::Solver(e.to_string()))?;
        let outcomes = self
            .chains
            .iter()
            .zip(scenarios)
            .zip(&years)
            .map(|((c, d), y)| outcome(c, d, y, &sol))
            .collect();
        Ok((sol.eval(&objective), outcomes))
    }

    /// Solves the MILP at the request's budget (or `budget_musd` if given).
    fn solve_milp(&self, budget_musd: f64) -> Result<(Vec<Option<usize>>, f64, f64), OptError> {
        let r = &self.request;
        let mut vars = ProblemVariables::new();
        let x: Vec<Vec<Variable>> = self
            .candidates
            .iter()
            .map(|c| {
                c.options
                    .iter()
                    .map(|_| vars.add(variable().binary()))
                    .collect()
            })
            .collect();
        let mut cons = Vec::new();
        let index_of: BTreeMap<usize, usize> = self
            .candidates
            .iter()
            .enumerate()
            .map(|(k, c)| (c.project, k))
            .collect();
        let mut objective = Expression::from(0.0);
        let w = self.weights();
        for ((chain, d), w) in self.chains.iter().zip(&r.scenarios).zip(w) {
            let online = |p: usize| -> Expression {
                match index_of.get(&p) {
                    Some(&k) => self.candidates[k]
                        .options
                        .iter()
                        .zip(&x[k])
                        .map(|(o, v)| *v * o.year_fraction)
                        .sum(),
                    None => Expression::from(0.0),
                }
            };
            let zero = |_: usize| Expression::from(0.0);
            let y = add_year(chain, d, &mut vars, &mut cons, &online, &zero);
            objective += y.unmet_value_usd * (1e-6 * w);
        }
        for (k, c) in self.candidates.iter().enumerate() {
            let chosen: Expression = x[k].iter().copied().sum();
            if c.required {
                cons.push(constraint!(chosen == 1.0));
            } else {
                cons.push(constraint!(chosen <= 1.0));
            }
            for (o, v) in x[k].iter().enumerate() {
                objective += *v * self.tie_break(c, o);
            }
        }
        let n = (r.years.1 - r.years.0 + 1) as usize;
        for year in 0..n {
            let mut spent = Expression::from(0.0);
            for (k, c) in self.candidates.iter().enumerate() {
                for (o, v) in c.options.iter().zip(&x[k]) {
                    let upto: f64 = o.spend_by_year_musd[..=year].iter().sum();
                    if upto > 0.0 {
                        spent += *v * upto;
                    }
                }
            }
            let limit = budget_musd * (year + 1) as f64 / n as f64;
            cons.push(constraint!(spent <= limit));
        }
        let mut model = vars.minimise(objective.clone()).using(highs);
        model.set_verbose(false);
        let model = model
            .set_option("mip_rel_gap", 0.0)
            .set_option("mip_abs_gap", 1e-9)
            .with_all(cons);
        let t0 = Instant::now();
        let sol = model.solve().map_err(|e| match e {
            // Funding nothing is always feasible: without required projects
            // an "infeasible" is the solver's numerical failure, not the
            // user's request.
            good_lp::ResolutionError::Infeasible if r.include.is_empty() => OptError::Solver(
                "HiGHS reported the portfolio MILP infeasible, though funding nothing always satisfies it: a numerical failure (please report it with the dataset)".into(),
            ),
            good_lp::ResolutionError::Infeasible => OptError::Invalid(format!(
                "no portfolio within USD {budget_musd:.0} million over {}..{} contains every included project ({}): together they exceed the budget or its schedule",
                r.years.0,
                r.years.1 + 1,
                r.include.join(", ")
            )),
            e => OptError::Solver(e.to_string()),
        })?;
        let seconds = t0.elapsed().as_secs_f64();
        let choice = x
            .iter()
            .map(|xs| xs.iter().position(|v| sol.value(*v) > 0.5))
            .collect();
        Ok((choice, sol.eval(&objective), seconds))
    }

    /// The online fraction in the target year of each selected project,
    /// keyed by project index (ids not among the candidates are errors).
    fn fractions_of(&self, selected: &[Selected]) -> Result<BTreeMap<usize, f64>, OptError> {
        let mut frac = BTreeMap::new();
        for s in selected {
            let c = self
                .candidates
                .iter()
                .find(|c| c.id == s.project)
                .ok_or_else(|| OptError::UnknownProject {
                    id: s.project.clone(),
                    known: self.candidates.iter().map(|c| c.id.clone()).collect(),
                })?;
            frac.insert(c.project, year_fraction(s.start, self.request.target_year));
        }
        Ok(frac)
    }

    /// The expected value of allied unmet demand (USD million/yr, no
    /// tie-breaks) and per-scenario outcomes with `selected` funded at
    /// their start months: how a portfolio chosen on other futures is
    /// evaluated on these.
    pub fn value_of(&self, selected: &[Selected]) -> Result<(f64, Vec<YearOutcome>), OptError> {
        self.solve_fixed(&self.fractions_of(selected)?)
    }

    /// What more capacity at each stage would be worth with `selected`
    /// funded: every allied facility of the stage gets `relief` (e.g.
    /// 0.1) more capacity in every scenario, and the expected unmet value
    /// falls by `unmet_fall_musd`; priced at the pipeline's capex per unit
    /// of capacity at that stage, that is `value_per_musd` less unmet
    /// demand per USD million of capex. The binding stage is the one
    /// where it is largest.
    pub fn stage_relief(
        &self,
        model: &Model,
        selected: &[Selected],
        relief: f64,
    ) -> Result<Vec<StageRelief>, OptError> {
        let frac = self.fractions_of(selected)?;
        let (base, base_out) = self.solve_fixed(&frac)?;
        let weights = self.weights();
        let Some(chain) = self.chains.first() else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (stage, unit, caps) in stage_caps(chain) {
            // Capex per unit of capacity: the pipeline's projects at this
            // stage, wherever they are.
            let (mut capex, mut units) = (0.0, 0.0);
            for c in &caps {
                if let Some(p) = model.projects.iter().find(|p| p.facility == c.facility) {
                    capex += p.capex_usd;
                    units += c.full_t;
                }
            }
            let capex_per_unit = (units > 0.0).then(|| capex / units);
            let allied: Vec<&Cap> = caps
                .into_iter()
                .filter(|c| chain.allied.contains(&model.at(c.facility).country))
                .collect();
            let online = |c: &Cap| match c.online {
                Online::Fixed(f) => f,
                Online::Project(p) => frac.get(&p).copied().unwrap_or(0.0),
            };
            let capacity: f64 = allied.iter().map(|c| c.full_t * online(c)).sum();
            let added = capacity * relief;
            let mut relieved_t = BTreeMap::new();
            let unmet_fall_musd = if added > 0.0 {
                let scale: Vec<(Idx<critmin_model::Facility>, f64)> =
                    allied.iter().map(|c| (c.facility, 1.0 + relief)).collect();
                let scenarios: Vec<Disruption> = self
                    .request
                    .scenarios
                    .iter()
                    .map(|d| {
                        let mut d = d.clone();
                        d.capacity_scale.extend(scale.iter().copied());
                        d
                    })
                    .collect();
                let (v, out) = self.solve_fixed_on(&frac, &scenarios)?;
                for ((b, o), w) in base_out.iter().zip(&out).zip(&weights) {
                    for (e, t) in &b.allied_unmet_by_element_t {
                        let after = o.allied_unmet_by_element_t.get(e).copied().unwrap_or(0.0);
                        *relieved_t.entry(e.clone()).or_insert(0.0) += w * (t - after);
                    }
                }
                relieved_t.retain(|_, t: &mut f64| *t > 0.05);
                (base - v).max(0.0)
            } else {
                0.0
            };
            let value_per_musd = capex_per_unit
                .filter(|_| added > 0.0)
                .map(|k| unmet_fall_musd / (added * k / 1e6));
            out.push(StageRelief {
                stage: stage.to_string(),
                allied_capacity: capacity,
                capacity_unit: unit,
                added,
                unmet_fall_musd,
                relieved_t,
                capex_usd_per_unit: capex_per_unit,
                value_per_musd,
            });
        }
        Ok(out)
    }

    /// The cost–protection frontier: the optimum at each budget, with
    /// what it spends, funds and leaves unmet (budgets that cannot pay for
    /// the included projects are left out).
    pub fn frontier(&self, budgets_musd: &[f64]) -> Result<Vec<FrontierPoint>, OptError> {
        let mut out = Vec::new();
        for &b in budgets_musd {
            // A budget too small for the included projects has no point.
            let choice = match self.solve_milp(b) {
                Ok((c, _, _)) => c,
                Err(OptError::Invalid(_)) => continue,
                Err(e) => return Err(e),
            };
            let frac = self.fractions(&choice);
            let (objective, _) = self.solve_fixed(&frac)?;
            let mut projects = Vec::new();
            let mut spend = 0.0;
            for (c, ch) in self.candidates.iter().zip(&choice) {
                if ch.is_some() {
                    projects.push(c.id.clone());
                    spend += c.capex_musd;
                }
            }
            out.push(FrontierPoint {
                budget_musd: b,
                spend_musd: spend,
                objective,
                projects,
            });
        }
        Ok(out)
    }

    /// Jobs, waste and capex by partner of the selected projects.
    fn measures(&self, model: &Model, selected: &[Selected]) -> Measures {
        let r = &self.request;
        let mut m = Measures {
            direct_jobs: 0,
            jobs_unknown: Vec::new(),
            waste_t_per_yr: 0.0,
            capex_by_partner_musd: BTreeMap::new(),
            value_added_musd_per_yr: 0.0,
            cost_premium_musd_per_yr: [0.0; 2],
            cost_premium_by_partner_musd_per_yr: BTreeMap::new(),
            premium_unknown: Vec::new(),
            opex_musd_per_yr: 0.0,
            opex_by_partner_musd_per_yr: BTreeMap::new(),
            opex_unknown: Vec::new(),
        };
        for s in selected {
            let Some(p) = model.projects.iter().find(|p| p.id == s.project) else {
                continue;
            };
            let f = model.at(p.facility);
            // who pays what: the request's partner shares, or else the
            // project's sponsors evenly
            let split: Vec<(String, f64)> = if r.partner_shares.is_empty() {
                let k = p.sponsors.len().max(1) as f64;
                p.sponsors
                    .iter()
                    .map(|c| (c.to_string(), 1.0 / k))
                    .collect()
            } else {
                r.partner_shares.clone()
            };
            match f.direct_jobs {
                Some(j) => m.direct_jobs += j,
                None => m.jobs_unknown.push(s.project.clone()),
            }
            // target-year output in the stage's unit, t/yr
            let output_t =
                f.capacity_t_per_yr * f.utilisation * year_fraction(s.start, r.target_year);
            if let Some(w) = f.waste_t_per_t_reo {
                m.waste_t_per_yr += w * output_t;
            }
            for (c, share) in &split {
                *m.capex_by_partner_musd.entry(c.clone()).or_insert(0.0) += s.capex_musd * share;
            }
            match model.processing_costs.iter().find(|c| c.stage == f.stage) {
                Some(cost) => {
                    // t × 1,000 kg/t × USD/kg ÷ 10⁶
                    let value =
                        output_t * value_added_usd_per_kg(model, f, cost.value_added) / 1000.0;
                    m.value_added_musd_per_yr += value;
                    let premium = [value * cost.premium.0, value * cost.premium.1];
                    for i in 0..2 {
                        m.cost_premium_musd_per_yr[i] += premium[i];
                    }
                    for (c, share) in &split {
                        let e = m
                            .cost_premium_by_partner_musd_per_yr
                            .entry(c.clone())
                            .or_insert([0.0; 2]);
                        for i in 0..2 {
                            e[i] += premium[i] * share;
                        }
                    }
                }
                None => m.premium_unknown.push(s.project.clone()),
            }
            match f.unit_cost_usd_per_t {
                Some(u) => {
                    let opex = output_t * u / 1.0e6;
                    m.opex_musd_per_yr += opex;
                    for (c, share) in &split {
                        *m.opex_by_partner_musd_per_yr
                            .entry(c.clone())
                            .or_insert(0.0) += opex * share;
                    }
                }
                None => m.opex_unknown.push(s.project.clone()),
            }
        }
        m
    }

    /// The online fractions of a choice, keyed by project index.
    fn fractions(&self, choice: &[Option<usize>]) -> BTreeMap<usize, f64> {
        self.candidates
            .iter()
            .zip(choice)
            .filter_map(|(c, ch)| ch.map(|o| (c.project, c.options[o].year_fraction)))
            .collect()
    }

    /// Solves the MILP: the best choice and its objective (with tie-breaks).
    pub fn optimum(&self) -> Result<(Vec<Option<usize>>, f64), OptError> {
        let (c, v, _) = self.solve_milp(self.request.budget_musd)?;
        Ok((c, v))
    }

    /// Solves and reports.
    pub fn solve(&self, model: &Model) -> Result<PortfolioResult, OptError> {
        let r = &self.request;
        let (choice, _, seconds) = self.solve_milp(r.budget_musd)?;
        let frac = self.fractions(&choice);
        let (objective, scenarios) = self.solve_fixed(&frac)?;
        let (baseline_objective, baseline_scenarios) = self.solve_fixed(&BTreeMap::new())?;
        let marginal = match self.solve_milp(r.budget_musd + 1.0) {
            Ok((c2, _, _)) => {
                let f2 = self.fractions(&c2);
                Some((objective - self.solve_fixed(&f2)?.0).max(0.0))
            }
            Err(_) => None,
        };
        let mut selected = Vec::new();
        let n = (r.years.1 - r.years.0 + 1) as usize;
        let mut spend = vec![0.0; n];
        for (c, ch) in self.candidates.iter().zip(&choice) {
            let Some(o) = ch.map(|o| &c.options[o]) else {
                continue;
            };
            let p = &model.projects[c.project];
            let f = model.at(p.facility);
            selected.push(Selected {
                project: c.id.clone(),
                facility: f.id.clone(),
                country: f.country,
                stage: f.stage,
                start: o.start,
                decision: o.decision,
                capex_musd: c.capex_musd,
            });
            for (k, v) in o.spend_by_year_musd.iter().enumerate() {
                spend[k] += v;
            }
        }
        let spend_by_year = spend
            .iter()
            .enumerate()
            .map(|(k, v)| YearSpend {
                year: r.years.0 + k as i32,
                spend_musd: *v,
                cumulative_limit_musd: r.budget_musd * (k + 1) as f64 / n as f64,
                by_partner_musd: r
                    .partner_shares
                    .iter()
                    .map(|(p, s)| (p.clone(), v * s))
                    .collect(),
            })
            .collect();
        let overlay = Overlay {
            funded: selected
                .iter()
                .filter_map(|s| {
                    model
                        .projects
                        .iter()
                        .position(|p| p.id == s.project)
                        .map(|i| (Idx::new(i), s.start))
                })
                .collect(),
            ..Overlay::default()
        };
        let measures = self.measures(model, &selected);
        let path = r.scenarios.first().map_or("steady", |d| d.path.as_str());
        let scorecard_before = scorecard_at(model, path, r.target_year)?;
        let scorecard_after = scorecard_at(&apply(model, &overlay), path, r.target_year)?;
        let mut notes: Vec<String> = Vec::new();
        // Each note once, with the scenarios it comes from (sampled futures
        // repeat their risk model's notes).
        let mut by_note: Vec<(&str, Vec<&str>)> = Vec::new();
        for d in &r.scenarios {
            for n in &d.notes {
                match by_note.iter_mut().find(|(t, _)| t == n) {
                    Some((_, names)) => names.push(&d.name),
                    None => by_note.push((n, vec![&d.name])),
                }
            }
        }
        for (n, names) in by_note {
            if names.len() <= 3 {
                notes.push(format!("{}: {n}", names.join(", ")));
            } else {
                notes.push(format!(
                    "{} of {} scenarios: {n}",
                    names.len(),
                    r.scenarios.len()
                ));
            }
        }
        if !self.outside.is_empty() {
            notes.push(format!(
                "not candidates, being neither in nor sponsored by the allied group: {}",
                self.outside.join(", ")
            ));
        }
        Ok(PortfolioResult {
            budget_musd: r.budget_musd,
            years: r.years,
            target_year: r.target_year,
            spend_musd: selected.iter().map(|s| s.capex_musd).sum(),
            selected,
            spend_by_year,
            objective,
            baseline_objective,
            objective_unit: "USD million per year of allied unmet demand at baseline prices (mean over scenarios)",
            scenarios,
            baseline_scenarios,
            marginal_value_per_musd: marginal,
            measures,
            scorecard_before,
            scorecard_after,
            binaries: self.candidates.iter().map(|c| c.options.len()).sum(),
            solve_seconds: seconds,
            notes,
        })
    }
}

/// The scorecard's three values in `year` for a model.
pub fn scorecard_at(model: &Model, path: &str, year: i32) -> Result<ScorecardValues, OptError> {
    let projection = Projection {
        path: path.to_string(),
        with_pipeline: false,
    };
    let v =
        target_values(model, &projection, year).map_err(|e| OptError::Invalid(e.to_string()))?;
    debug_assert_eq!(TARGETS.len(), 3);
    Ok(ScorecardValues {
        year,
        processing_coverage: v[0],
        import_dependency: v[1],
        reserve_months: v[2],
    })
}

/// The chain's capacities outside China by stage, with the unit of the
/// chain's capacities there: `(stage, unit, caps)`.
fn stage_caps(chain: &ChainYear) -> [(Stage, &'static str, Vec<&Cap>); 4] {
    [
        (
            Stage::Mining,
            "t REO/yr",
            chain.sources.iter().map(|n| &n.cap).collect(),
        ),
        (
            Stage::Separation,
            "t REO/yr",
            chain.seps.iter().map(|n| &n.cap).collect(),
        ),
        (
            Stage::MetalAlloy,
            "t REO-eq/yr of metal",
            chain.metals.iter().map(|n| &n.cap).collect(),
        ),
        (
            Stage::Magnet,
            "t magnet/yr",
            chain.magnets.iter().map(|n| &n.cap).collect(),
        ),
    ]
}

/// What plant `f` adds per kg of its product at Chinese prices, USD/kg: a
/// stage's fixed figure, or a share of the oxide value of the plant's mix
/// at baseline prices (a mine: its ore; a separation plant: its feed's mix
/// of the elements it separates).
fn value_added_usd_per_kg(model: &Model, f: &critmin_model::Facility, v: ValueAdded) -> f64 {
    match v {
        ValueAdded::UsdPerKg(u) => u,
        ValueAdded::ShareOfOxide(share) => {
            let mut mix = critmin_model::feed_mix(model, f);
            if let critmin_model::Process::Separation { elements, .. } = &f.process {
                for e in Element::ALL {
                    if !elements.contains(e) {
                        mix[e] = 0.0;
                    }
                }
            }
            let total = mix.total();
            if total <= 0.0 {
                return 0.0;
            }
            let usd_per_t: f64 = Element::ALL
                .iter()
                .map(|&e| {
                    mix[e] / total
                        * critmin_model::prices::latest_price_usd_per_t(
                            model,
                            e,
                            critmin_model::Form::Oxide,
                        )
                        .unwrap_or(0.0)
                })
                .sum();
            share * usd_per_t / 1000.0
        }
    }
}
