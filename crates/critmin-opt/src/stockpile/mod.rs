//! Stockpile sizing: how many tonnes of each good each partner's holder
//! should add, at least cost, so that the partner's unmet demand under the
//! scenarios stays below a share and/or its stock covers a number of
//! months of consumption. A linear program solved by HiGHS.
//!
//! The shortfall a stockpile must cover comes from the simulator: each
//! scenario is run as written, and for each partner, month and good the
//! demand left unserved by the market (before any stockpile is released)
//! is recorded — oxides and metals per element; magnets per grade, the
//! month's unmet fraction of the partner's magnet demand applied to each
//! grade's demand. A holding `H` of a good can then release, in each month,
//! at most the month's shortfall and at most the holder's release rule's
//! monthly share of `H` (the simulator's rule: 10 % of the initial holding
//! a month unless the scenario says otherwise), and in all at most `H`.
//!
//! ```text
//! minimise   Σ_g price_g · (1 + holding_rate · holding_years) · H_g
//! subject to release_{s,g,t} ≤ shortfall_{s,g,t}
//!            release_{s,g,t} ≤ r · (H0_g + H_g),   Σ_t release_{s,g,t} ≤ H0_g + H_g
//!            Σ_g reo_{g,e} Σ_t (shortfall − release) ≤ S · demand_{s,e}      (each scenario, element)
//!            stock reaching each form's (and grade's) demand ≥ M months of it   (`forms`)
//! ```
//!
//! Magnets cost their finished price ([`stock_prices`]). Every plan sized
//! on scenarios carries the release it claims under each ([`ScenarioClaim`]),
//! which [`check_plan`] sets beside the simulated one. Partners in one
//! sharing agreement release into a common pool, shared pro rata to
//! their shortfall ([`pool`]); the others each cover themselves.
//! Per-partner minimums (`min_months`, e.g. JOGMEC's 60 days) are cover
//! goals on the partner's own holdings.

use crate::OptError;
use crate::chain::{
    MAGNET0, METAL0, OXIDE0, engine_qty, good_index, good_prices, good_reo, n_goods,
};
use crate::plan::Plan;
use critmin_model::{
    ConcentrateStock, CountryCode, Element, ElementSet, Facility, Form, Good, Idx, Model,
    N_ELEMENTS, PerElement, Process, Stage, Status, Stockpile, TollStages, Tolling, good_elements,
};
use critmin_sim::{MonthStats, Network, Overlay, Recorder, Scenario, simulate_with};
use good_lp::{
    Expression, ProblemVariables, Solution, SolverModel, Variable, constraint, highs, variable,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

/// What to size.
#[derive(Debug, Clone, PartialEq)]
pub struct StockpileRequest {
    /// Partner countries (each with one holder).
    pub partners: Vec<CountryCode>,
    /// Elements to hold and to meet the goals for.
    pub elements: ElementSet,
    /// Months of the partner's consumption (in the cover year) each element
    /// must be covered for.
    pub target_months: Option<f64>,
    /// Largest share of each element's demand over a scenario left unmet.
    pub max_unmet_share: Option<f64>,
    /// Scenarios (as written; run by the simulator).
    pub scenarios: Vec<Scenario>,
    /// Year whose consumption months of cover are counted against.
    pub cover_year: i32,
    /// Growth path for the cover year's consumption.
    pub path: String,
    /// Holding cost, % of the purchase value per year.
    pub holding_cost_pct_per_yr: f64,
    /// Years the stock is held.
    pub holding_years: f64,
    /// Toll: the plants of each partner's converter countries (its own and
    /// `toll_in`) convert its upstream stock — concentrate, oxide, metal —
    /// for it out of their spare capacity in an emergency, the goals and
    /// claims count on it, concentrate is offered, and the plan carries the
    /// tolling arrangements so that the check simulates them (off by
    /// default: see [`Conversion::credited`]).
    pub credit_conversion: bool,
    /// Countries whose plants toll for every partner besides its own (with
    /// `credit_conversion`).
    pub toll_in: Vec<CountryCode>,
    /// Per-partner minimum months of cover of its own holdings (e.g.
    /// JOGMEC's 60 days: `JP = 2`); a partner's goal is the larger of
    /// this and `target_months`.
    pub min_months: Vec<(CountryCode, f64)>,
    /// Years over which the purchases are made, when their own price
    /// impact is to be paid for ([`impact`]); `None`: bought at baseline
    /// prices.
    pub purchase_years: Option<f64>,
}

impl StockpileRequest {
    /// The months of cover partner `c` must hold, if any goal asks it.
    pub fn months_for(&self, c: CountryCode) -> Option<f64> {
        let own = self
            .min_months
            .iter()
            .filter(|(p, _)| *p == c)
            .map(|(_, m)| *m)
            .fold(None, |a: Option<f64>, m| Some(a.map_or(m, |a| a.max(m))));
        match (self.target_months, own) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

/// One holding of the optimal stockpile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Holding {
    /// Holder.
    pub holder: String,
    /// Country.
    pub country: CountryCode,
    /// Form (`oxide`, `metal`, `magnet`, `concentrate`).
    pub form: Form,
    /// Element (oxide, metal), grade (magnet) or mine (concentrate).
    pub element: String,
    /// Tonnes to buy, in the form's unit.
    pub tonnes: f64,
    /// Tonnes held before (the dataset's), in the form's unit.
    pub existing_tonnes: f64,
    /// Purchase and holding cost, USD million.
    pub cost_musd: f64,
}

/// Cover and outcome per partner and element.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cover {
    /// Holder.
    pub holder: String,
    /// Country.
    pub country: CountryCode,
    /// Element (serialised as its symbol).
    pub element: Element,
    /// Held after purchases, t REO-eq.
    pub held_t: f64,
    /// Months of the cover year's consumption.
    pub cover_months: Option<f64>,
    /// Largest unmet share over the scenarios, as the LP sees it.
    pub worst_unmet_share: Option<f64>,
    /// Which goals bind: `cover`, `unmet_share`, or empty.
    pub binding: Vec<String>,
}

/// The solved stockpile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StockpileResult {
    /// Purchases (non-zero ones).
    pub holdings: Vec<Holding>,
    /// Cover per partner and element.
    pub cover: Vec<Cover>,
    /// Total cost, USD million.
    pub cost_musd: f64,
    /// The goals asked for.
    pub target_months: Option<f64>,
    /// The goals asked for.
    pub max_unmet_share: Option<f64>,
    /// Cover year.
    pub cover_year: i32,
    /// Scenarios used.
    pub scenarios: Vec<String>,
    /// Seconds for the simulations that measure the shortfall.
    pub simulate_seconds: f64,
    /// Seconds HiGHS took.
    pub solve_seconds: f64,
    /// The element (with its partner) whose goal costs most, if any binds.
    pub binding_element: Option<String>,
    /// Each partner's emergency conversion capacity, as the scenarios
    /// measured it (zero without scenarios).
    pub conversion: Vec<Conversion>,
    /// What the plan claims to remove, per scenario and partner.
    pub claims: Vec<ScenarioClaim>,
    /// The tolling arrangements the plan relies on (with
    /// `credit_conversion`; empty otherwise).
    pub tolling: Vec<Tolling>,
    /// Whether any scenario pools two or more partners' releases (a
    /// sharing agreement), so the plan was sized on pooled release.
    pub pooled: bool,
    /// What the purchases do to prices (with `purchase_years`; empty
    /// otherwise); `cost_musd` and each holding's cost include the premium.
    pub price_impact: Vec<impact::PriceImpact>,
}

impl StockpileResult {
    /// The purchases as a plan.
    pub fn plan(&self, model: &Model) -> Plan {
        let stockpiles = self
            .holdings
            .iter()
            .filter_map(|h| {
                let country = h.country;
                let good = match h.form {
                    Form::Oxide => Good::Oxide {
                        element: Element::from_symbol(&h.element)?,
                    },
                    Form::Metal => Good::Metal {
                        element: Element::from_symbol(&h.element)?,
                    },
                    Form::Magnet => Good::Magnet {
                        grade: model.recipe_idx(&h.element)?,
                    },
                    // Concentrate is a holding of its own kind.
                    Form::Concentrate | Form::Product => return None,
                };
                Some(Stockpile {
                    holder: h.holder.clone(),
                    country,
                    good,
                    tonnes: h.tonnes,
                    source: Idx::new(0),
                })
            })
            .collect();
        Plan {
            name: format!(
                "stockpile{}{}",
                self.target_months
                    .map_or(String::new(), |m| format!(", {m} months of cover")),
                self.max_unmet_share
                    .map_or(String::new(), |s| format!(", unmet share ≤ {s}"))
            ),
            fund: Vec::new(),
            stockpiles,
            concentrate_stocks: self
                .holdings
                .iter()
                .filter(|h| h.form == Form::Concentrate)
                .filter_map(|h| {
                    Some(ConcentrateStock {
                        holder: h.holder.clone(),
                        country: h.country,
                        mine: model.facility_idx(&h.element)?,
                        reo_t: h.tonnes,
                        source: Idx::new(0),
                    })
                })
                .collect(),
            tolling: self.tolling.clone(),
        }
    }
}

/// The holder a partner's purchases go to: its first holder in the
/// dataset's stockpiles, else in its targets, else `xx_reserve`.
pub fn holder_of(model: &Model, c: CountryCode) -> String {
    model
        .stockpiles
        .iter()
        .find(|s| s.country == c)
        .map(|s| s.holder.clone())
        .or_else(|| {
            model
                .stockpile_targets
                .iter()
                .find(|t| t.country == c)
                .map(|t| t.holder.clone())
        })
        .unwrap_or_else(|| format!("{}_reserve", c.as_str().to_ascii_lowercase()))
}

/// Per scenario and partner: monthly shortfall per good before releases,
/// and total demand per element.
#[derive(Debug, Clone, Default)]
struct Profile {
    /// `[partner][good] → per month`.
    shortfall: Vec<Vec<Vec<f64>>>,
    /// `[partner]` total demand per element over the horizon, t REO-eq.
    demand: Vec<PerElement>,
    /// `[partner][good]` final demand of the good over the horizon (engine
    /// units): the consumption an IEA-style coordinated release shares by.
    consumption: Vec<Vec<f64>>,
    /// `[partner]` unmet after releases per element (as simulated).
    unmet: Vec<PerElement>,
    /// `[partner][month]` magnets served from stockpiles, t REO-eq per element.
    magnet_released: Vec<Vec<PerElement>>,
    /// `[partner][month]` spare capacity of the partner's converter
    /// countries' separation plants (nameplate less output), t REO, of their
    /// metal plants, t REO-eq, and of their magnet plants, t magnet.
    spare_sep: Vec<Vec<f64>>,
    /// (Metal: per element, each plant's spare × its product mix.)
    spare_metal: Vec<Vec<PerElement>>,
    spare_magnet: Vec<Vec<f64>>,
}

struct ShortfallRecorder<'a> {
    partners: Vec<usize>,
    /// `[partner][grade]` monthly magnet demand, t magnet, per calendar year.
    grade_demand: &'a dyn Fn(usize, usize, i32) -> f64,
    n_goods: usize,
    grades: usize,
    /// Per model facility: the partners it converts for and its stage (0
    /// separation, 1 metal/alloy, 2 magnet).
    conversion: &'a [Vec<(usize, u8)>],
    /// Per model facility: a metal plant's product mix (by REO share).
    metal_mix: &'a [PerElement],
    out: Profile,
}

impl Recorder for ShortfallRecorder<'_> {
    fn month(&mut self, _net: &Network, _t: usize, s: &MonthStats) {
        let year = s.month.map_or(0, |m| m.year());
        if self.out.shortfall.is_empty() {
            self.out.shortfall = vec![vec![Vec::new(); self.n_goods]; self.partners.len()];
            self.out.demand = vec![PerElement::ZERO; self.partners.len()];
            self.out.consumption = vec![vec![0.0; self.n_goods]; self.partners.len()];
            self.out.unmet = vec![PerElement::ZERO; self.partners.len()];
            self.out.magnet_released = vec![Vec::new(); self.partners.len()];
            self.out.spare_sep = vec![Vec::new(); self.partners.len()];
            self.out.spare_metal = vec![Vec::new(); self.partners.len()];
            self.out.spare_magnet = vec![Vec::new(); self.partners.len()];
        }
        for k in 0..self.partners.len() {
            self.out.spare_sep[k].push(0.0);
            self.out.spare_metal[k].push(PerElement::ZERO);
            self.out.spare_magnet[k].push(0.0);
        }
        for &(f, made, cap) in &s.facility_use {
            for &(k, stage) in self.conversion.get(f).map_or(&[][..], Vec::as_slice) {
                let spare = (cap - made).max(0.0);
                let series = match stage {
                    0 => &mut self.out.spare_sep[k],
                    1 => {
                        if let (Some(x), Some(mix)) =
                            (self.out.spare_metal[k].last_mut(), self.metal_mix.get(f))
                        {
                            x.add_scaled(mix, spare);
                        }
                        continue;
                    }
                    _ => &mut self.out.spare_magnet[k],
                };
                if let Some(x) = series.last_mut() {
                    *x += spare;
                }
            }
        }
        for (k, &c) in self.partners.iter().enumerate() {
            let (mut mag_d, mut mag_u) = (0.0, 0.0);
            let mut released = PerElement::ZERO;
            for e in Element::ALL {
                for f in 0..3 {
                    let i = s.at(c, e, f);
                    let pre = (s.demand[i] - (s.served[i] - s.from_stockpile[i])).max(0.0);
                    self.out.demand[k][e] += s.demand[i];
                    self.out.unmet[k][e] += (s.demand[i] - s.served[i]).max(0.0);
                    match f {
                        0 => {
                            self.out.shortfall[k][OXIDE0 + e.index()].push(pre);
                            self.out.consumption[k][OXIDE0 + e.index()] += s.demand[i];
                        }
                        1 => {
                            self.out.shortfall[k][METAL0 + e.index()].push(pre);
                            self.out.consumption[k][METAL0 + e.index()] += s.demand[i];
                        }
                        _ => {
                            mag_d += s.demand[i];
                            mag_u += pre;
                            released[e] += s.from_stockpile[i];
                        }
                    }
                }
            }
            self.out.magnet_released[k].push(released);
            let frac = if mag_d > 0.0 { mag_u / mag_d } else { 0.0 };
            for g in 0..self.grades {
                let d = (self.grade_demand)(k, g, year);
                self.out.shortfall[k][MAGNET0 + g].push(frac * d);
                self.out.consumption[k][MAGNET0 + g] += d;
            }
        }
    }
}

/// Runs `scenario` with `overlay` and records each partner's shortfall;
/// with `probe_grades`, the magnet shortfall per grade is measured: one
/// more run per grade with an ample probe stock of that grade for every
/// partner, whose releases (over the run without it) are the grade's
/// shortfall.
fn profile_probed(
    model: &Model,
    scenario: &Scenario,
    overlay: &Overlay,
    partners: &[CountryCode],
    converters: &[Vec<CountryCode>],
) -> Result<Profile, OptError> {
    let mut base = profile(model, scenario, overlay, partners, converters)?;
    let grade_reo: Vec<PerElement> = model.recipes.iter().map(|r| r.reo_t_per_t()).collect();
    for (g, reo) in grade_reo.iter().enumerate() {
        let content = reo.total();
        if content <= 0.0 {
            continue;
        }
        let mut probe = overlay.clone();
        let mut any = false;
        for (k, c) in partners.iter().enumerate() {
            let monthly = base.shortfall[k][MAGNET0 + g]
                .iter()
                .copied()
                .fold(0.0, f64::max);
            let demand: f64 = model
                .demand
                .iter()
                .filter(|d| d.country == *c && d.good == Good::Magnet { grade: Idx::new(g) })
                .map(|d| d.t_per_yr)
                .sum();
            if demand <= 0.0 {
                continue;
            }
            any = true;
            probe.stockpiles.push(Stockpile {
                holder: format!("critmin_probe_{}", c.as_str().to_ascii_lowercase()),
                country: *c,
                good: Good::Magnet { grade: Idx::new(g) },
                // Ten years of demand: a tenth a month is far above any
                // month's shortfall.
                tonnes: 100.0 * (demand + monthly),
                source: Idx::new(0),
            });
        }
        if !any {
            continue;
        }
        let with = profile(model, scenario, &probe, partners, converters)?;
        for k in 0..partners.len() {
            let months = base.magnet_released[k].len();
            let mut series = Vec::with_capacity(months);
            for t in 0..months {
                let d: f64 = reo
                    .iter()
                    .map(|(e, _)| {
                        with.magnet_released[k].get(t).map_or(0.0, |x| x[e])
                            - base.magnet_released[k][t][e]
                    })
                    .sum();
                series.push((d / content).max(0.0));
            }
            base.shortfall[k][MAGNET0 + g] = series;
        }
    }
    Ok(base)
}

/// Runs `scenario` with `overlay` and records each partner's shortfall,
/// and the spare capacity of the plants of its `converters` countries.
fn profile(
    model: &Model,
    scenario: &Scenario,
    overlay: &Overlay,
    partners: &[CountryCode],
    converters: &[Vec<CountryCode>],
) -> Result<Profile, OptError> {
    let net = Network::build(model, scenario, overlay).map_err(|e| OptError::Simulation {
        scenario: scenario.name.clone(),
        message: e.to_string(),
    })?;
    let idx: Vec<usize> = partners
        .iter()
        .map(|c| net.countries().iter().position(|x| x == c).unwrap_or(0))
        .collect();
    let path = model.growth_path(&scenario.demand_path);
    let grade_demand = |k: usize, g: usize, year: i32| -> f64 {
        model
            .demand
            .iter()
            .filter(|d| d.country == partners[k] && d.good == Good::Magnet { grade: Idx::new(g) })
            .map(|d| {
                let els = good_elements(d.good, &model.recipes);
                d.t_per_yr / 12.0
                    * path.map_or(1.0, |p| p.factor(model.base_year, year, d.sector, els))
            })
            .sum()
    };
    let conversion: Vec<Vec<(usize, u8)>> = model
        .facilities
        .iter()
        .map(|f| {
            let stage = match f.stage {
                Stage::Separation => 0,
                Stage::MetalAlloy => 1,
                Stage::Magnet => 2,
                _ => return Vec::new(),
            };
            (0..converters.len())
                .filter(|&k| converters[k].contains(&f.country))
                .map(|k| (k, stage))
                .collect()
        })
        .collect();
    let metal_mix: Vec<PerElement> = model
        .facilities
        .iter()
        .map(|f| match f.process {
            Process::MetalAlloy { product, .. } => model.at(product).shares,
            _ => PerElement::ZERO,
        })
        .collect();
    let mut rec = ShortfallRecorder {
        partners: idx,
        grade_demand: &grade_demand,
        n_goods: n_goods(model),
        grades: model.recipes.len(),
        conversion: &conversion,
        metal_mix: &metal_mix,
        out: Profile::default(),
    };
    simulate_with(&net, &mut rec);
    Ok(rec.out)
}

/// Each partner's consumption per element in `year`, all forms, t REO-eq
/// per year.
fn consumption(model: &Model, partner: CountryCode, year: i32, path: &str) -> PerElement {
    let [oxide, metal, magnet] = consumption_by_form(model, partner, year, path);
    let mut out = oxide;
    out.add_scaled(&metal, 1.0);
    out.add_scaled(&magnet, 1.0);
    out
}

/// Partner unmet share per element in each scenario, as simulated with a
/// plan's stockpiles: `[scenario][partner] → per element`.
pub fn simulated_unmet_share(
    model: &Model,
    request: &StockpileRequest,
    overlay: &Overlay,
) -> Result<Vec<Vec<PerElement>>, OptError> {
    let mut out = Vec::new();
    for s in &request.scenarios {
        let p = profile(model, s, overlay, &request.partners, &[])?;
        out.push(
            p.unmet
                .iter()
                .zip(&p.demand)
                .map(|(u, d)| {
                    let mut share = PerElement::ZERO;
                    for e in Element::ALL {
                        if d[e] > 0.0 {
                            share[e] = u[e] / d[e];
                        }
                    }
                    share
                })
                .collect(),
        );
    }
    Ok(out)
}

/// The request's own checks, before anything is simulated or solved.
fn check_request(r: &StockpileRequest) -> Result<(), OptError> {
    if r.target_months.is_none() && r.max_unmet_share.is_none() && r.min_months.is_empty() {
        return Err(OptError::Invalid(
            "give --target-months, --max-unmet-share or both: without a goal the cheapest stockpile is none".into(),
        ));
    }
    if let Some(m) = r.target_months {
        if !m.is_finite() || !(0.0..=600.0).contains(&m) {
            return Err(OptError::Invalid(format!(
                "target months must be between 0 and 600, not {m}"
            )));
        }
    }
    if let Some(s) = r.max_unmet_share {
        if !s.is_finite() || !(0.0..=1.0).contains(&s) {
            return Err(OptError::Invalid(format!(
                "the unmet share must be between 0 and 1, not {s}"
            )));
        }
        if r.scenarios.is_empty() {
            return Err(OptError::Invalid(
                "--max-unmet-share needs at least one scenario".into(),
            ));
        }
    }
    if let Some(y) = r.purchase_years {
        if !y.is_finite() || !(0.25..=30.0).contains(&y) {
            return Err(OptError::Invalid(format!(
                "--purchase-years {y}: the purchase window must be between 0.25 and 30 years"
            )));
        }
    }
    for (c, m) in &r.min_months {
        if !r.partners.contains(c) {
            return Err(OptError::Invalid(format!(
                "a minimum cover is set for {c}, which is not one of the partners"
            )));
        }
        if !m.is_finite() || !(0.0..=600.0).contains(m) {
            return Err(OptError::Invalid(format!(
                "--min-months {c}={m}: a minimum cover must be between 0 and 600 months"
            )));
        }
    }
    if r.partners.is_empty() || r.elements.is_empty() {
        return Err(OptError::Invalid(
            "at least one partner and one element are needed".into(),
        ));
    }
    if !r.holding_cost_pct_per_yr.is_finite()
        || r.holding_cost_pct_per_yr < 0.0
        || !r.holding_years.is_finite()
        || r.holding_years < 0.0
    {
        return Err(OptError::Invalid(
            "holding cost and years must be ≥ 0".into(),
        ));
    }
    Ok(())
}

/// What the read-out of a solved stockpile LP needs: the request, the
/// goods' prices and compositions, the holdings before purchase, the
/// purchase variables and the constraints whose slack says what binds.
struct Solved<'a> {
    model: &'a Model,
    r: &'a StockpileRequest,
    ng: usize,
    grade_reo: Vec<PerElement>,
    prices: Vec<f64>,
    cost_factor: f64,
    holders: Vec<String>,
    /// Holdings before purchase, per partner and good (engine units).
    existing: Vec<Vec<f64>>,
    /// Purchase variable per partner and good (`None`: not allowed).
    h: Vec<Vec<Option<Variable>>>,
    /// Per partner, its concentrate slots and their purchase variables.
    conc: &'a [Vec<ConcSlot>],
    hc: Vec<Vec<Option<(Variable, f64)>>>,
    /// The price impact's premium per engine unit bought of each good,
    /// USD million (0 when it is not counted).
    premium_per_unit: Vec<f64>,
    /// Consumption per partner and element in the cover year, t REO/month.
    monthly: Vec<PerElement>,
    /// `(partner, element, held expression, months-of-cover need)`.
    cover_cons: Vec<(usize, Element, Expression, f64)>,
    /// The unmet-share goals.
    share_cons: Vec<pool::ShareCon>,
}

/// Validates, measures the shortfall, and solves.
pub fn optimise(model: &Model, r: &StockpileRequest) -> Result<StockpileResult, OptError> {
    check_request(r)?;
    let ng = n_goods(model);
    let np = r.partners.len();
    let grade_reo: Vec<PerElement> = model.recipes.iter().map(|g| g.reo_t_per_t()).collect();
    let prices = stock_prices(model);
    let cost_factor = 1.0 + r.holding_cost_pct_per_yr / 100.0 * r.holding_years;
    // The partners, then the other members of their sharing agreements.
    let countries = pool::profiled_countries(&r.partners, &r.scenarios);
    let holders: Vec<String> = countries.iter().map(|c| holder_of(model, *c)).collect();
    let all_scopes: Vec<Vec<pool::Scope>> = r
        .scenarios
        .iter()
        .map(|s| pool::scopes(s, &countries))
        .collect();
    let rate: Vec<Vec<f64>> = r
        .scenarios
        .iter()
        .map(|s| {
            holders
                .iter()
                .map(|h| s.policy.rule_for(h).max_release_share_per_month)
                .collect()
        })
        .collect();
    // Existing holdings per country and good (engine units).
    let mut existing = vec![vec![0.0; ng]; countries.len()];
    for s in &model.stockpiles {
        if let Some(k) = countries.iter().position(|c| *c == s.country) {
            existing[k][good_index(s.good)] += engine_qty(s.good, s.tonnes);
        }
    }
    let t0 = Instant::now();
    let mut profiles = Vec::new();
    // Whose plants convert for each partner: its own, and with tolling
    // the countries it tolls in.
    let converters: Vec<Vec<CountryCode>> = r
        .partners
        .iter()
        .map(|&c| converters_of(model, r, c))
        .collect();
    let lags: Vec<[f64; 3]> = converters
        .iter()
        .map(|cs| forms::restart_lags(model, cs))
        .collect();
    for s in &r.scenarios {
        let mut p = profile_probed(model, s, &Overlay::default(), &countries, &converters)?;
        forms::ramp_spare(&mut p, &lags);
        profiles.push(p);
    }
    let conversion: Vec<Conversion> = r
        .partners
        .iter()
        .enumerate()
        .map(|(k, c)| Conversion {
            credited: r.credit_conversion,
            restart_lag_months: lags[k],
            ..forms::conversion(&profiles, k, *c, magnet_reo_per_t(model, *c))
        })
        .collect();
    let conc: Vec<Vec<ConcSlot>> = r
        .partners
        .iter()
        .zip(&converters)
        .map(|(&c, cs)| concentrate_slots(model, r, c, cs))
        .collect();
    let simulate_seconds = t0.elapsed().as_secs_f64();

    let monthly: Vec<PerElement> = r
        .partners
        .iter()
        .map(|c| consumption(model, *c, r.cover_year, &r.path).scaled(1.0 / 12.0))
        .collect();
    let pooled = pool::any_pooled(&all_scopes, np);
    let inputs = LpInputs {
        model,
        r,
        n_countries: countries.len(),
        grade_reo: &grade_reo,
        existing: &existing,
        rate: &rate,
        all_scopes: &all_scopes,
        profiles: &profiles,
        conversion: &conversion,
        conc: &conc,
    };
    let t1 = Instant::now();
    let (lp, sol) = {
        let mut lp = inputs.build();
        let objective = lp.cost(&prices, cost_factor);
        let sol = solve(lp.take_problem(), objective, None)?;
        (lp, sol)
    };
    // Pooled stock serves every member alike, so many splits of it cost
    // the same: of those, take the one whose cost split is nearest each
    // partner's share of the partners' consumption.
    let (lp, sol) = if pooled {
        let least = sol.eval(lp.cost(&prices, cost_factor));
        let mut lp2 = inputs.build();
        let split = lp2.burden_split(&prices, cost_factor, &monthly, r.elements);
        let cost = lp2.cost(&prices, cost_factor);
        let sol2 = solve(lp2.take_problem(), split, Some((cost, least)))?;
        (lp2, sol2)
    } else {
        (lp, sol)
    };
    let solve_seconds = t1.elapsed().as_secs_f64();
    let Lp {
        h,
        hc,
        cover_cons,
        share_cons,
        premium,
        ..
    } = lp;
    let (price_impact, premium_per_unit) =
        read_impact(model, r, &h, &premium, &prices, cost_factor, &sol);

    let solved = Solved {
        model,
        r,
        ng,
        grade_reo,
        prices,
        cost_factor,
        holders,
        existing,
        h,
        conc: &conc,
        hc,
        premium_per_unit,
        monthly,
        cover_cons,
        share_cons,
    };
    let holdings = solved.holdings(&sol);
    let (cover, binding_cost) = solved.cover(&sol);
    let claims = solved.claims(&sol, &profiles, &all_scopes, &rate, &conversion);
    Ok(StockpileResult {
        cost_musd: holdings.iter().map(|h| h.cost_musd).sum(),
        holdings,
        cover,
        target_months: r.target_months,
        max_unmet_share: r.max_unmet_share,
        cover_year: r.cover_year,
        scenarios: r.scenarios.iter().map(|s| s.name.clone()).collect(),
        simulate_seconds,
        solve_seconds,
        binding_element: binding_cost.first().map(|(_, s)| s.clone()),
        conversion,
        claims,
        tolling: if r.credit_conversion {
            r.partners
                .iter()
                .enumerate()
                .map(|(k, _)| Tolling {
                    holder: solved.holders[k].clone(),
                    converters: converters[k].clone(),
                    stages: TollStages::ALL,
                })
                .collect()
        } else {
            Vec::new()
        },
        pooled,
        price_impact,
    })
}

/// The countries whose plants convert partner `c`'s stock: its own, and
/// with tolling the request's `toll_in` — as a plan file reads them back
/// (a code that is also a group's name stands for the group).
fn converters_of(model: &Model, r: &StockpileRequest, c: CountryCode) -> Vec<CountryCode> {
    let mut cs = vec![c];
    if r.credit_conversion {
        cs.extend(r.toll_in.iter().copied());
    }
    model.as_read_back(&cs)
}

/// Concentrate held, as a claim replays it: `(t REO, oxide of each element
/// a t yields)`.
type ConcHeld = (f64, PerElement);

/// A concentrate a partner holds or may buy: the mine, its composition
/// (t of each element per t REO), the oxide a t yields at the partner's
/// converters' separation plants, what the dataset already holds (t REO)
/// and its price (USD per t REO; `None`: not for sale).
struct ConcSlot {
    mine: Idx<Facility>,
    comp: PerElement,
    yields: PerElement,
    existing: f64,
    usd_per_t: Option<f64>,
}

/// Partner `c`'s concentrate slots: with tolling, every priced mine
/// (`concentrate_prices.csv`) and every mine whose concentrate it already
/// holds; none without (its concentrate could reach no demand).
fn concentrate_slots(
    model: &Model,
    r: &StockpileRequest,
    c: CountryCode,
    converters: &[CountryCode],
) -> Vec<ConcSlot> {
    if !r.credit_conversion {
        return Vec::new();
    }
    let mut mines: Vec<Idx<Facility>> = model
        .concentrate_prices
        .iter()
        .map(|p| p.mine)
        .chain(
            model
                .concentrate_stocks
                .iter()
                .filter(|s| s.country == c)
                .map(|s| s.mine),
        )
        .collect();
    mines.sort();
    mines.dedup();
    mines
        .into_iter()
        .filter_map(|mine| {
            let Process::Mine { ore, .. } = model.at(mine).process else {
                return None;
            };
            let comp = model.at(ore).shares;
            Some(ConcSlot {
                mine,
                comp,
                yields: separation_yield(model, converters, comp),
                existing: model
                    .concentrate_stocks
                    .iter()
                    .filter(|s| s.country == c && s.mine == mine)
                    .map(|s| s.reo_t)
                    .sum(),
                usd_per_t: model.concentrate_price(mine).map(|p| p * 1000.0),
            })
        })
        .collect()
}

/// Oxide of each element one t REO of concentrate of composition `comp`
/// yields at the separation plants of `converters`: its share × the
/// capacity-weighted recovery of the plants that separate the element.
fn separation_yield(model: &Model, converters: &[CountryCode], comp: PerElement) -> PerElement {
    let mut out = PerElement::ZERO;
    for (e, share) in comp.iter() {
        let (mut cap, mut rec) = (0.0, 0.0);
        for f in model
            .facilities
            .iter()
            .filter(|f| converters.contains(&f.country))
        {
            if let Process::Separation {
                recovery, elements, ..
            } = &f.process
            {
                if elements.contains(e) && f.status != Status::Closed {
                    cap += f.capacity_t_per_yr;
                    rec += f.capacity_t_per_yr * recovery;
                }
            }
        }
        if cap > 0.0 {
            out[e] = share * rec / cap;
        }
    }
    out
}

/// What the purchases do to prices, per good bought, and the premium per
/// engine unit of each good (USD million).
fn read_impact(
    model: &Model,
    r: &StockpileRequest,
    h: &[Vec<Option<Variable>>],
    premium: &[(usize, Vec<(Variable, f64)>)],
    prices: &[f64],
    cost_factor: f64,
    sol: &impl Solution,
) -> (Vec<impact::PriceImpact>, Vec<f64>) {
    let mut per_unit = vec![0.0; n_goods(model)];
    let mut out = Vec::new();
    let Some(years) = r.purchase_years else {
        return (out, per_unit);
    };
    let market = impact::world_market(model, r.cover_year, &r.path);
    for (g, parts) in premium {
        let bought: f64 = h
            .iter()
            .filter_map(|row| row[*g])
            .map(|v| sol.value(v).max(0.0))
            .sum();
        if bought <= 1e-9 {
            continue;
        }
        let mut paid = 0.0;
        let mut marginal = 1.0;
        for (v, index) in parts {
            let x = sol.value(*v).max(0.0);
            paid += x * prices[*g] * cost_factor * (index - 1.0) / 1e6;
            if x > 1e-9 {
                marginal = *index;
            }
        }
        per_unit[*g] = paid / bought;
        let (form, good) = impact::good_name(model, *g);
        out.push(impact::PriceImpact {
            form,
            good,
            bought_t: bought,
            market_t: market[*g] * years,
            share: bought / (market[*g] * years),
            marginal_index: marginal,
            premium_musd: paid,
        });
    }
    (out, per_unit)
}

/// What the stockpile LP is built from, so that it can be built twice
/// (the least cost, then the burden split among least-cost plans).
struct LpInputs<'a> {
    model: &'a Model,
    r: &'a StockpileRequest,
    n_countries: usize,
    grade_reo: &'a [PerElement],
    existing: &'a [Vec<f64>],
    rate: &'a [Vec<f64>],
    all_scopes: &'a [Vec<pool::Scope>],
    profiles: &'a [Profile],
    conversion: &'a [Conversion],
    /// Per partner, its concentrate slots (empty without tolling).
    conc: &'a [Vec<ConcSlot>],
}

/// A built stockpile LP.
struct Lp {
    vars: ProblemVariables,
    cons: Vec<good_lp::Constraint>,
    /// Purchase variable per country and good (`None`: not allowed).
    h: Vec<Vec<Option<Variable>>>,
    /// Concentrate purchase per partner and slot, with its price (USD per
    /// t REO).
    hc: Vec<Vec<Option<(Variable, f64)>>>,
    cover_cons: Vec<(usize, Element, Expression, f64)>,
    share_cons: Vec<pool::ShareCon>,
    /// Per good bought, its purchase tranches: `(variable, index)`.
    premium: Vec<(usize, Vec<(Variable, f64)>)>,
}

impl LpInputs<'_> {
    fn build(&self) -> Lp {
        let LpInputs {
            model,
            r,
            n_countries,
            grade_reo,
            existing,
            rate,
            all_scopes,
            profiles,
            conversion,
            conc,
        } = *self;
        let np = r.partners.len();
        let ng = n_goods(model);
        let mut vars = ProblemVariables::new();
        let mut cons = Vec::new();
        let h: Vec<Vec<Option<Variable>>> = (0..n_countries)
            .map(|k| {
                (0..ng)
                    .map(|g| {
                        (k < np && allowed(model, r, grade_reo, k, g))
                            .then(|| vars.add(variable().min(0.0)))
                    })
                    .collect()
            })
            .collect();
        let hc: Vec<Vec<Option<(Variable, f64)>>> = conc
            .iter()
            .map(|slots| {
                slots
                    .iter()
                    .map(|s| s.usd_per_t.map(|p| (vars.add(variable().min(0.0)), p)))
                    .collect()
            })
            .collect();
        let mut cover_cons = Vec::new();
        for k in 0..np {
            if let Some(m) = r.months_for(r.partners[k]) {
                let goal = PartnerCover {
                    model,
                    r,
                    k,
                    h: &h[k],
                    existing: &existing[k],
                    grade_reo,
                    conc: conc.get(k).map_or(&[][..], Vec::as_slice),
                    hc: hc.get(k).map_or(&[][..], Vec::as_slice),
                };
                for (e, expr, n) in goal.add(conversion[k], m, &mut vars, &mut cons) {
                    cover_cons.push((k, e, expr, n));
                }
            }
        }
        let share_cons = match r.max_unmet_share {
            Some(share) => pool::ReleaseGoal {
                share,
                n_partners: np,
                rate,
                h: &h,
                existing,
                grade_reo,
                elements: r.elements,
            }
            .add(all_scopes, profiles, &mut vars, &mut cons),
            None => Vec::new(),
        };
        let mut premium = Vec::new();
        if let Some(years) = r.purchase_years {
            let market = impact::world_market(model, r.cover_year, &r.path);
            for g in 0..ng {
                let bought: Vec<Variable> = h.iter().filter_map(|row| row[g]).collect();
                if bought.is_empty() || market[g] <= 0.0 {
                    continue;
                }
                let (eps, max_index) = impact::response(model, g);
                let mut total = Expression::from(0.0);
                let mut parts = Vec::new();
                for (width, index) in impact::tranches(market[g] * years, eps, max_index) {
                    let v = match width {
                        Some(w) => vars.add(variable().min(0.0).max(w)),
                        None => vars.add(variable().min(0.0)),
                    };
                    total += v;
                    parts.push((v, index));
                }
                let sum: Expression = bought.iter().copied().sum();
                cons.push(constraint!(total == sum));
                premium.push((g, parts));
            }
        }
        Lp {
            vars,
            cons,
            h,
            hc,
            cover_cons,
            share_cons,
            premium,
        }
    }
}

impl Lp {
    /// Purchase and holding cost of partner `k`'s purchases, USD million.
    fn partner_cost(&self, k: usize, prices: &[f64], cost_factor: f64) -> Expression {
        let mut e = Expression::from(0.0);
        for (g, v) in self.h[k].iter().enumerate() {
            if let Some(v) = v {
                e += *v * (prices[g] * cost_factor / 1e6);
            }
        }
        for (v, usd_per_t) in self.hc.get(k).into_iter().flatten().flatten() {
            e += *v * (usd_per_t * cost_factor / 1e6);
        }
        e
    }

    /// Total purchase and holding cost, USD million, with the premium the
    /// purchases' own price impact adds (when it is counted).
    fn cost(&self, prices: &[f64], cost_factor: f64) -> Expression {
        let mut e = Expression::from(0.0);
        for k in 0..self.h.len() {
            e += self.partner_cost(k, prices, cost_factor);
        }
        e + self.premium_cost(prices, cost_factor)
    }

    /// The premium over baseline prices, USD million.
    fn premium_cost(&self, prices: &[f64], cost_factor: f64) -> Expression {
        let mut e = Expression::from(0.0);
        for (g, parts) in &self.premium {
            for (v, index) in parts {
                e += *v * (prices[*g] * cost_factor * (index - 1.0) / 1e6);
            }
        }
        e
    }

    /// The burden-split objective: the sum over partners of how far each
    /// one's cost is from its share (of the partners' monthly consumption
    /// of `elements`) of the total, with the deviation variables and
    /// their constraints added to the LP.
    fn burden_split(
        &mut self,
        prices: &[f64],
        cost_factor: f64,
        monthly: &[PerElement],
        elements: ElementSet,
    ) -> Expression {
        let weights: Vec<f64> = monthly.iter().map(|m| m.total_of(elements)).collect();
        let sum: f64 = weights.iter().sum();
        let total = self.cost(prices, cost_factor);
        let mut objective = Expression::from(0.0);
        for (k, w) in weights.iter().enumerate() {
            let share = if sum > 0.0 {
                w / sum
            } else {
                1.0 / weights.len() as f64
            };
            let dev = self.vars.add(variable().min(0.0));
            let mine = self.partner_cost(k, prices, cost_factor);
            self.cons
                .push(constraint!(dev >= mine.clone() - total.clone() * share));
            self.cons
                .push(constraint!(dev >= total.clone() * share - mine));
            objective += dev;
        }
        objective
    }

    /// Takes the variables and constraints out to solve (the purchase
    /// variables stay for reading the solution).
    fn take_problem(&mut self) -> (ProblemVariables, Vec<good_lp::Constraint>) {
        (
            std::mem::replace(&mut self.vars, ProblemVariables::new()),
            std::mem::take(&mut self.cons),
        )
    }
}

/// Solves an LP by HiGHS; with `cap` `(cost, least)`, subject also to
/// `cost ≤ least` (with a relative tolerance of 1e-7).
fn solve(
    (vars, cons): (ProblemVariables, Vec<good_lp::Constraint>),
    objective: Expression,
    cap: Option<(Expression, f64)>,
) -> Result<impl Solution, OptError> {
    let mut lp = vars.minimise(objective).using(highs);
    lp.set_verbose(false);
    let mut lp = lp.with_all(cons);
    if let Some((cost, least)) = cap {
        lp = lp.with(constraint!(cost <= least * (1.0 + 1e-7) + 1e-9));
    }
    lp.solve().map_err(|e| OptError::Solver(e.to_string()))
}

/// Goods partner `k` may hold: oxides and metals of the request's
/// elements, magnets of grades containing them that the partner consumes.
fn allowed(
    model: &Model,
    r: &StockpileRequest,
    grade_reo: &[PerElement],
    k: usize,
    g: usize,
) -> bool {
    if g < MAGNET0 {
        Element::from_index(g % N_ELEMENTS).is_some_and(|e| r.elements.contains(e))
    } else {
        let c = r.partners[k];
        grade_reo[g - MAGNET0].support().intersects(r.elements)
            && model.demand.iter().any(|d| {
                d.country == c
                    && d.good
                        == Good::Magnet {
                            grade: Idx::new(g - MAGNET0),
                        }
            })
    }
}

/// One partner's months-of-cover goal, on its own holdings (a pool's
/// release does not count towards a partner's cover).
struct PartnerCover<'a> {
    model: &'a Model,
    r: &'a StockpileRequest,
    k: usize,
    h: &'a [Option<Variable>],
    existing: &'a [f64],
    grade_reo: &'a [PerElement],
    /// Its concentrate slots and their purchase variables.
    conc: &'a [ConcSlot],
    hc: &'a [Option<(Variable, f64)>],
}

impl PartnerCover<'_> {
    fn add(
        &self,
        conversion: Conversion,
        months: f64,
        vars: &mut ProblemVariables,
        cons: &mut Vec<good_lp::Constraint>,
    ) -> Vec<(Element, Expression, f64)> {
        let (model, r) = (self.model, self.r);
        let held = |g: usize| -> Expression {
            match self.h[g] {
                Some(v) => v + self.existing[g],
                None => Expression::from(self.existing[g]),
            }
        };
        let mut by_form: [[Expression; N_ELEMENTS]; 2] =
            std::array::from_fn(|_| std::array::from_fn(|_| Expression::from(0.0)));
        for g in 0..MAGNET0 {
            if let Some(e) = Element::from_index(g % N_ELEMENTS) {
                by_form[form_of(g)][e.index()] += held(g);
            }
        }
        let magnets: Vec<Expression> = (MAGNET0..self.h.len()).map(held).collect();
        let from_concentrate = self.separated(conversion, months, vars, cons);
        let c = r.partners[self.k];
        let all = consumption_by_form(model, c, r.cover_year, &r.path);
        let inputs = CoverInputs {
            held: &by_form,
            from_concentrate: &from_concentrate,
            magnets: &magnets,
            need: &[all[0], all[1]],
            magnet_need: &magnet_consumption(model, c, r.cover_year, &r.path),
            grade_reo: self.grade_reo,
        };
        add_cover_goal(&inputs, r.elements, conversion, months, vars, cons)
    }
}

impl PartnerCover<'_> {
    /// Oxide of each element the partner's concentrate yields within the
    /// cover window: what is separated of each slot is at most what it
    /// holds, and all of it at most the window's spare separation
    /// capacity, t REO.
    fn separated(
        &self,
        conversion: Conversion,
        months: f64,
        vars: &mut ProblemVariables,
        cons: &mut Vec<good_lp::Constraint>,
    ) -> [Expression; N_ELEMENTS] {
        let mut out: [Expression; N_ELEMENTS] = std::array::from_fn(|_| Expression::from(0.0));
        if self.conc.is_empty() {
            return out;
        }
        let mut made = Expression::from(0.0);
        for (j, slot) in self.conc.iter().enumerate() {
            let held = match self.hc.get(j).copied().flatten() {
                Some((v, _)) => v + slot.existing,
                None => Expression::from(slot.existing),
            };
            let x = vars.add(variable().min(0.0));
            cons.push(constraint!(x <= held));
            made += x * slot.yields.total_of(self.r.elements);
            for (e, y) in slot.yields.iter() {
                out[e.index()] += x * y;
            }
        }
        let [separation, _, _] = conversion.usable();
        cons.push(constraint!(made <= months * separation));
        out
    }
}

/// What a stockpile pays per engine unit of each good, USD: oxides and
/// metals at baseline prices, magnets at their finished price
/// (`magnet_prices.csv`, latest year) or, without one, their metal content.
pub fn stock_prices(model: &Model) -> Vec<f64> {
    let mut w = good_prices(model);
    for (g, _) in model.recipes.iter().enumerate() {
        if let Some(p) = model
            .magnet_prices
            .iter()
            .filter(|p| p.grade.get() == g)
            .max_by_key(|p| p.year)
        {
            w[MAGNET0 + g] = p.usd_per_kg * 1000.0;
        }
    }
    w
}

/// REO-eq per t of the magnets a partner consumes (its magnet demand's
/// grades, weighted by tonnage; 0.3 without magnet demand).
fn magnet_reo_per_t(model: &Model, c: CountryCode) -> f64 {
    let (mut t, mut reo) = (0.0, 0.0);
    for d in model.demand.iter().filter(|d| d.country == c) {
        if let Good::Magnet { grade } = d.good {
            t += d.t_per_yr;
            reo += d.t_per_yr * model.recipes[grade.get()].reo_t_per_t().total();
        }
    }
    if t > 0.0 { reo / t } else { 0.3 }
}

/// The optimiser's claim for its plan under one scenario, for one partner
/// (`docs/optimization.md`, "Stock by form").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioClaim {
    /// Scenario name.
    pub scenario: String,
    /// Partner.
    pub country: CountryCode,
    /// The partner's shortfall of the plan's elements before any release,
    /// t REO-eq.
    pub shortfall_t: f64,
    /// What the optimiser claims the plan's holdings (existing and bought)
    /// release into it, t REO-eq.
    pub claimed_removed_t: f64,
}

impl Solved<'_> {
    /// The purchases of a solution (non-zero ones), in each form's unit.
    fn holdings(&self, sol: &impl Solution) -> Vec<Holding> {
        let Solved {
            model,
            r,
            ng,
            prices,
            cost_factor,
            holders,
            existing,
            h,
            ..
        } = self;
        let (ng, cost_factor) = (*ng, *cost_factor);
        let mut holdings = Vec::new();
        for (k, c) in r.partners.iter().enumerate() {
            for g in 0..ng {
                let Some(v) = h[k][g] else { continue };
                let x = sol.value(v);
                if x <= 1e-6 {
                    continue;
                }
                let (form, element) = impact::good_name(model, g);
                // Metal holdings in t of metal, the rest in engine units.
                let unit_per_engine = if (METAL0..MAGNET0).contains(&g) {
                    Element::from_index(g - METAL0).map_or(1.0, |e| 1.0 / e.oxide_per_metal())
                } else {
                    1.0
                };
                holdings.push(Holding {
                    holder: holders[k].clone(),
                    country: *c,
                    form,
                    element,
                    tonnes: x * unit_per_engine,
                    existing_tonnes: existing[k][g] * unit_per_engine,
                    cost_musd: x * (prices[g] * cost_factor / 1e6 + self.premium_per_unit[g]),
                });
            }
            for (j, slot) in self.conc.get(k).into_iter().flatten().enumerate() {
                let Some((v, usd_per_t)) = self.hc[k][j] else {
                    continue;
                };
                let x = sol.value(v);
                if x <= 1e-6 {
                    continue;
                }
                holdings.push(Holding {
                    holder: holders[k].clone(),
                    country: *c,
                    form: Form::Concentrate,
                    element: model.at(slot.mine).id.clone(),
                    tonnes: x,
                    existing_tonnes: slot.existing,
                    cost_musd: x * usd_per_t * cost_factor / 1e6,
                });
            }
        }
        holdings
    }

    /// Per partner, its concentrate as `(t REO, yields)`: what the dataset
    /// holds, plus what the solution buys (with `sol`).
    fn concentrate_held(
        &self,
        sol: Option<&dyn Fn(Variable) -> f64>,
    ) -> Vec<Vec<(f64, PerElement)>> {
        (0..self.r.partners.len())
            .map(|k| {
                self.conc
                    .get(k)
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .map(|(j, slot)| {
                        let bought = match (sol, self.hc[k][j]) {
                            (Some(value), Some((v, _))) => value(v).max(0.0),
                            _ => 0.0,
                        };
                        (slot.existing + bought, slot.yields)
                    })
                    .collect()
            })
            .collect()
    }

    /// What the plan claims to remove under each scenario, per partner:
    /// the release replayed with the plan's holdings (existing and bought)
    /// less the same with the existing stock alone — the check by
    /// simulation measures from the scenario with its existing stock, so
    /// the claim does too. A partner covering itself replays its own
    /// release rule ([`forms::claim`]), a pooled scope the pool's
    /// ([`pool::pooled_claims`]).
    fn claims(
        &self,
        sol: &impl Solution,
        profiles: &[Profile],
        all_scopes: &[Vec<pool::Scope>],
        rate: &[Vec<f64>],
        conversion: &[Conversion],
    ) -> Vec<ScenarioClaim> {
        let r = self.r;
        let held: Vec<Vec<f64>> = (0..self.existing.len())
            .map(|k| {
                (0..self.ng)
                    .map(|g| self.existing[k][g] + self.h[k][g].map_or(0.0, |v| sol.value(v)))
                    .collect()
            })
            .collect();
        let value = |v: Variable| sol.value(v);
        let conc_with = self.concentrate_held(Some(&value));
        let conc_base = self.concentrate_held(None);
        let with = self.replay((&held, &conc_with), profiles, all_scopes, rate, conversion);
        let base = self.replay(
            (&self.existing, &conc_base),
            profiles,
            all_scopes,
            rate,
            conversion,
        );
        let mut out = Vec::new();
        for (si, (row, base_row)) in with.into_iter().zip(base).enumerate() {
            for (k, (cl, b)) in row.into_iter().zip(base_row).enumerate() {
                let (Some(cl), Some(b)) = (cl, b) else {
                    continue;
                };
                out.push(ScenarioClaim {
                    scenario: r.scenarios[si].name.clone(),
                    country: r.partners[k],
                    shortfall_t: cl.shortfall_t,
                    claimed_removed_t: (cl.removed_t - b.removed_t).max(0.0),
                });
            }
        }
        out
    }

    /// The release rule replayed on each scenario's shortfall with
    /// holdings `held` (per profiled country and good): per scenario, each
    /// partner's claim.
    fn replay(
        &self,
        (held, conc): (&[Vec<f64>], &[Vec<ConcHeld>]),
        profiles: &[Profile],
        all_scopes: &[Vec<pool::Scope>],
        rate: &[Vec<f64>],
        conversion: &[Conversion],
    ) -> Vec<Vec<Option<forms::Claim>>> {
        let r = self.r;
        let np = r.partners.len();
        let mut by_partner: Vec<Vec<Option<forms::Claim>>> = vec![vec![None; np]; profiles.len()];
        for (si, p) in profiles.iter().enumerate() {
            for scope in &all_scopes[si] {
                if let [k] = scope[..] {
                    if k < np {
                        let held = forms::Held {
                            goods: &held[k],
                            concentrate: conc.get(k).map_or(&[][..], Vec::as_slice),
                        };
                        by_partner[si][k] = Some(forms::claim(
                            p,
                            k,
                            &held,
                            rate[si][k],
                            &self.grade_reo,
                            r.elements,
                            conversion[k],
                        ));
                    }
                    continue;
                }
                let claims =
                    pool::pooled_claims(p, scope, held, &rate[si], &self.grade_reo, r.elements);
                for (j, &k) in scope.iter().enumerate() {
                    if k < np {
                        by_partner[si][k] = Some(claims[j]);
                    }
                }
            }
        }
        by_partner
    }

    /// Cover and binding goals per partner and element, and the binding
    /// elements by what their purchases cost, costliest first.
    fn cover(&self, sol: &impl Solution) -> (Vec<Cover>, Vec<(f64, String)>) {
        let Solved {
            r,
            ng,
            grade_reo,
            prices,
            cost_factor,
            holders,
            existing,
            h,
            monthly,
            cover_cons,
            share_cons,
            ..
        } = self;
        let (ng, cost_factor) = (*ng, *cost_factor);
        let mut cover = Vec::new();
        let mut binding_cost: Vec<(f64, String)> = Vec::new();
        for (k, c) in r.partners.iter().enumerate() {
            for e in r.elements.iter() {
                let mut held_t = 0.0;
                let mut spent = 0.0;
                for g in 0..ng {
                    let q = good_reo(grade_reo, g)[e];
                    if q > 0.0 {
                        let x = h[k][g].map_or(0.0, |v| sol.value(v));
                        held_t += (x + existing[k][g]) * q;
                        spent += x * prices[g] * cost_factor / 1e6 * q;
                    }
                }
                for (j, slot) in self.conc.get(k).into_iter().flatten().enumerate() {
                    let bought = self.hc[k][j].map_or(0.0, |(v, _)| sol.value(v));
                    held_t += (slot.existing + bought) * slot.comp[e];
                }
                let mut binding = Vec::new();
                for (kk, ee, expr, need) in cover_cons.iter() {
                    if *kk == k
                        && *ee == e
                        && sol.eval(expr) <= need * (1.0 + 1e-6) + 1e-9
                        && !binding.iter().any(|b| b == "cover")
                    {
                        binding.push("cover".to_string());
                    }
                }
                let mut worst: Option<f64> = None;
                for (kk, ee, _, expr, d) in share_cons.iter() {
                    if *kk == k && *ee == e {
                        let s = sol.eval(expr).max(0.0) / d;
                        worst = Some(worst.map_or(s, |w: f64| w.max(s)));
                        if r.max_unmet_share.is_some_and(|m| s >= m - 1e-6)
                            && !binding.iter().any(|b| b == "unmet_share")
                        {
                            binding.push("unmet_share".to_string());
                        }
                    }
                }
                if !binding.is_empty() && spent > 0.0 {
                    binding_cost.push((spent, format!("{} {}", c, e.symbol())));
                }
                cover.push(Cover {
                    holder: holders[k].clone(),
                    country: *c,
                    element: e,
                    held_t,
                    cover_months: (monthly[k][e] > 0.0).then(|| held_t / monthly[k][e]),
                    worst_unmet_share: worst,
                    binding,
                });
            }
        }
        binding_cost.sort_by(|a, b| b.0.total_cmp(&a.0));
        (cover, binding_cost)
    }
}

/// The map of a [`Cover`] list by `(country, element)`, for tests and
/// reports.
pub fn cover_map(c: &[Cover]) -> BTreeMap<(CountryCode, Element), &Cover> {
    c.iter().map(|x| ((x.country, x.element), x)).collect()
}

mod check;
mod forms;
pub mod impact;
pub mod pool;
pub use check::{PlanCheck, check_plan};
pub use forms::Conversion;
use forms::{CoverInputs, add_cover_goal, consumption_by_form, form_of, magnet_consumption};
