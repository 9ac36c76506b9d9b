//! [`Network`]: a model and a scenario compiled into flat arrays the monthly
//! step can walk without lookups — countries and goods as dense indices,
//! facilities with their active months, demand with its yearly growth
//! factors, stockpiles with their release rules, events by month.
//!
//! All element quantities inside the engine are tonnes of REO-equivalent
//! (metal converted by oxide stoichiometry); magnets are tonnes of magnet.

use crate::scenario::{EventKind, FormSet, Importers, ReleaseRule, Scenario, SharingRule};
use critmin_metrics::flows::feed_mix;
use critmin_model::Overlay;
use critmin_model::{
    CountryCode, Element, ElementSet, Facility, FeedRef, Form, Funding, Good, Idx, Model, Month,
    N_ELEMENTS, PerElement, Process, Project, Stage, Status, good_elements,
};
use std::collections::HashMap;

/// Why a network cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NetworkError {
    /// The scenario's demand path is not in the dataset.
    #[error("the dataset has no growth path `{0}`")]
    UnknownPath(String),
    /// The horizon is empty.
    #[error("the horizon must be at least one month")]
    EmptyHorizon,
}

/// Goods traded between countries, as dense indices: oxide of element `e`
/// is `e`, metal `N_ELEMENTS + e`, magnets of grade `g` `2·N_ELEMENTS + g`,
/// concentrate of pool `p` after the grades.
pub(crate) const OXIDE0: usize = 0;
pub(crate) const METAL0: usize = N_ELEMENTS;
pub(crate) const MAGNET0: usize = 2 * N_ELEMENTS;

/// A source of mixed concentrate: a mine or a cracking plant.
#[derive(Debug, Clone)]
pub(crate) struct Pool {
    pub facility: Idx<Facility>,
    pub country: usize,
    /// Mine: composition of its ore. Cracking: pools it takes feed from.
    pub kind: PoolKind,
    /// Capacity, t REO per month.
    pub cap_month: f64,
    /// Base-year utilisation.
    pub util: f64,
    /// Active months `[first, last)` as indices from the start.
    pub first: usize,
    pub last: usize,
    /// Working inventory target, t REO.
    pub inv_target: f64,
    /// Elements the pool can hold (for restrictions).
    pub elements: ElementSet,
    /// Typical composition of what it holds (fractions of REO).
    pub mix: PerElement,
}

#[derive(Debug, Clone)]
pub(crate) enum PoolKind {
    Mine { comp: PerElement },
    Cracking { recovery: f64 },
}

/// A separation plant.
#[derive(Debug, Clone)]
pub(crate) struct Sep {
    pub facility: Idx<Facility>,
    pub country: usize,
    pub recovery: f64,
    pub elements: ElementSet,
    pub cap_month: f64,
    pub util: f64,
    pub first: usize,
    pub last: usize,
}

/// A metal/alloy plant.
#[derive(Debug, Clone)]
pub(crate) struct MetalPlant {
    pub facility: Idx<Facility>,
    pub country: usize,
    /// Product mix by REO share (sums to 1).
    pub mix: PerElement,
    pub recovery: f64,
    /// Capacity, t REO-eq of metal per month.
    pub cap_month: f64,
    pub util: f64,
    pub first: usize,
    pub last: usize,
}

/// A magnet plant.
#[derive(Debug, Clone)]
pub(crate) struct MagnetPlant {
    pub facility: Idx<Facility>,
    pub country: usize,
    pub grade: usize,
    /// Capacity, t magnet per month.
    pub cap_month: f64,
    pub util: f64,
    pub first: usize,
    pub last: usize,
}

/// A consumer of concentrate (cracking or separation plant) listed by a
/// pool, with its feed class (0 = names the pool, 1 = names its country,
/// 2 = takes from anywhere).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Taker {
    Cracking(usize),
    Separation(usize),
}

/// Final demand of one country, sector and good.
#[derive(Debug, Clone)]
pub(crate) struct DemandNode {
    pub country: usize,
    pub sector: critmin_model::Sector,
    /// Market tier (production lines included).
    pub tier: usize,
    /// Market good index.
    pub good: usize,
    /// Elements the good contains.
    pub elements: ElementSet,
    /// Monthly demand in the base year, in the good's engine unit.
    pub base_month: f64,
    /// Growth factor relative to the base year, per calendar year of the
    /// horizon (index = year − first year).
    pub year_factor: Vec<f64>,
}

/// A stockpile holding.
#[derive(Debug, Clone)]
pub(crate) struct StockNode {
    pub holder: usize,
    pub country: usize,
    pub good: usize,
    /// Initial quantity, engine unit.
    pub initial: f64,
}

/// A stockpile holder with its release rule.
#[derive(Debug, Clone)]
pub(crate) struct Holder {
    pub name: String,
    pub country: usize,
    pub rule: ReleaseRule,
    /// The sharing agreement its country belongs to, if any.
    pub agreement: Option<usize>,
}

/// A sharing agreement, members as country indices.
#[derive(Debug, Clone)]
pub(crate) struct Agreement {
    pub members: Vec<usize>,
    pub rule: SharingRule,
}

/// A demand shock, compiled: months `first..=last`.
#[derive(Debug, Clone)]
pub(crate) struct Shock {
    pub first: usize,
    pub last: usize,
    /// Countries (empty = all).
    pub countries: Vec<usize>,
    /// Sectors (empty = all).
    pub sectors: Vec<critmin_model::Sector>,
    pub elements: ElementSet,
    pub factor: f64,
}

/// An export restriction, compiled.
#[derive(Debug, Clone)]
pub(crate) struct Restriction {
    pub from: usize,
    pub to: usize,
    pub exporters: Vec<usize>,
    /// `None` = every importer.
    pub importers: Option<Vec<usize>>,
    pub elements: ElementSet,
    pub forms: FormSet,
    pub share: f64,
}

/// How scarcity moves prices (see `docs/simulation.md`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriceParams {
    /// Short-run price elasticity of demand (> 0): the index targets
    /// `(served / demand)^(−1/ε)`.
    pub demand_elasticity: f64,
    /// Share of the gap to the target closed each month, 0..1.
    pub adjustment_per_month: f64,
    /// Ceiling of the index.
    pub max_index: f64,
    /// World index at which mines and separation plants run at full
    /// capacity (linear from their base utilisation at index 1).
    pub full_supply_response_index: f64,
}

impl Default for PriceParams {
    fn default() -> Self {
        PriceParams {
            demand_elasticity: 0.3,
            adjustment_per_month: 0.5,
            max_index: 25.0,
            full_supply_response_index: 3.0,
        }
    }
}

/// A model and scenario compiled for the engine.
#[derive(Debug, Clone)]
pub struct Network {
    pub(crate) start: Month,
    pub(crate) horizon: usize,
    pub(crate) countries: Vec<CountryCode>,
    pub(crate) n_tiers: usize,
    pub(crate) production_tier: usize,
    pub(crate) grade_reo: Vec<PerElement>,
    pub(crate) grade_elements: Vec<ElementSet>,
    pub(crate) pools: Vec<Pool>,
    /// For each pool, the plants that take from it, by feed class.
    pub(crate) takers: Vec<Vec<(Taker, u8)>>,
    pub(crate) crackers: Vec<usize>,
    /// Pools some cracking plant takes from, and pools some separation
    /// plant takes from (ascending).
    pub(crate) cracker_feed_pools: Vec<usize>,
    pub(crate) sep_feed_pools: Vec<usize>,
    /// For each separation plant, its feed pools and their feed classes.
    pub(crate) feeds_of_sep: Vec<Vec<usize>>,
    /// For each pool that is a cracking plant, its feed pools and classes
    /// (empty for mines).
    pub(crate) feeds_of_cracker: Vec<Vec<usize>>,
    pub(crate) seps: Vec<Sep>,
    pub(crate) metals: Vec<MetalPlant>,
    pub(crate) magnets: Vec<MagnetPlant>,
    /// Metal plants whose product has each element; magnet plants whose
    /// grade has each element.
    pub(crate) metals_by_element: Vec<Vec<usize>>,
    pub(crate) magnets_by_element: Vec<Vec<usize>>,
    pub(crate) demand: Vec<DemandNode>,
    /// Element content (t REO-eq per unit) of each market good.
    pub(crate) good_content: Vec<Vec<(Element, f64)>>,
    /// Total content of each good, t REO-eq per unit.
    pub(crate) good_content_total: Vec<f64>,
    /// Demand groups: demand nodes of one country, tier and good, which a
    /// market serves alike (same country, same tier), so they buy as one:
    /// `(country, tier, good)`.
    pub(crate) demand_groups: Vec<(usize, usize, usize)>,
    /// Group of each demand node.
    pub(crate) node_group: Vec<usize>,
    /// Demand group indices per market good.
    pub(crate) groups_by_good: Vec<Vec<usize>>,
    pub(crate) stocks: Vec<StockNode>,
    pub(crate) holders: Vec<Holder>,
    pub(crate) agreements: Vec<Agreement>,
    /// Home group per country: the first member of its sharing agreement,
    /// or itself. Markets serve a home group's buyers from its own stock
    /// first.
    pub(crate) home: Vec<usize>,
    pub(crate) restrictions: Vec<Restriction>,
    /// (first, last inclusive, facility, remaining share)
    pub(crate) outages: Vec<(usize, usize, Idx<Facility>, f64)>,
    /// Capacity growth curves (factor per month of the run, from the
    /// dataset's capacity trends), one per (country, stage) with a trend.
    pub(crate) cap_curves: Vec<Vec<f64>>,
    /// Curve of each facility (by facility index), `u32::MAX` for none.
    pub(crate) fac_curve: Vec<u32>,
    pub(crate) shocks: Vec<Shock>,
    /// (first, last inclusive, holder, elements, tonnes per month)
    pub(crate) manual_releases: Vec<(usize, usize, usize, ElementSet, f64)>,
    /// Working inventory months per (stage, country).
    pub(crate) inv_months: HashMap<(Stage, usize), f64>,
    pub(crate) inv_default: HashMap<Stage, f64>,
    /// Price response per (element, form slot: oxide, metal, magnet).
    pub(crate) price: Vec<PriceParams>,
    /// Baseline price, USD per t of the engine unit, per good.
    pub(crate) base_price_usd_per_t: Vec<f64>,
    pub(crate) first_year: i32,
    /// Record every buyer of every market in [`crate::MonthStats`] (for
    /// tests and debugging; slows the run).
    pub(crate) audit: bool,
    /// Measure inventories each month for the mass balance (on by
    /// default; the Monte Carlo engine turns it off, the property tests
    /// keep it on).
    pub(crate) balance_check: bool,
}

/// Month index (from `start`) of a month, clamped to `0..=horizon`.
fn index_of(start: Month, horizon: usize, m: Month) -> usize {
    m.since(start).clamp(0, horizon as i32) as usize
}

impl Network {
    /// Number of market goods (oxides, metals, magnet grades).
    pub(crate) fn n_goods(&self) -> usize {
        MAGNET0 + self.grade_reo.len()
    }

    /// Good index of pool `p`'s concentrate.
    pub(crate) fn pool_good(&self, p: usize) -> usize {
        self.n_goods() + p
    }

    /// Elements good `g` contains.
    pub(crate) fn good_elements(&self, g: usize) -> ElementSet {
        if g < METAL0 {
            Element::from_index(g - OXIDE0).map_or(ElementSet::EMPTY, ElementSet::one)
        } else if g < MAGNET0 {
            Element::from_index(g - METAL0).map_or(ElementSet::EMPTY, ElementSet::one)
        } else if g < self.n_goods() {
            self.grade_elements[g - MAGNET0]
        } else {
            self.pools[g - self.n_goods()].elements
        }
    }

    /// Form of good `g`.
    pub(crate) fn good_form(&self, g: usize) -> Form {
        if g < METAL0 {
            Form::Oxide
        } else if g < MAGNET0 {
            Form::Metal
        } else if g < self.n_goods() {
            Form::Magnet
        } else {
            Form::Concentrate
        }
    }

    /// REO-eq per engine unit of good `g`, per element.
    pub(crate) fn reo_of(&self, g: usize, qty: f64, out: &mut PerElement) {
        if g < MAGNET0 {
            if let Some(e) = Element::from_index(g % N_ELEMENTS) {
                out[e] += qty;
            }
        } else {
            out.add_scaled(&self.grade_reo[g - MAGNET0], qty);
        }
    }

    /// Working-inventory months for a stage in a country.
    pub(crate) fn inventory_months(&self, stage: Stage, country: usize) -> f64 {
        self.inv_months
            .get(&(stage, country))
            .or_else(|| self.inv_default.get(&stage))
            .copied()
            .unwrap_or(1.0)
    }

    /// Price response of element `e` in form slot `f` (0 oxide, 1 metal,
    /// 2 magnet).
    #[inline]
    pub(crate) fn price_params(&self, e: Element, f: usize) -> PriceParams {
        self.price[e.index() * 3 + f]
    }

    /// Multiplies the growth of every demand row: a year's factor `f`
    /// relative to the base year becomes `f^m` (so `m = 0` freezes demand
    /// at the base year, `m = 2` doubles the growth rate in log terms).
    pub fn scale_demand_growth(&mut self, m: f64) {
        for d in &mut self.demand {
            for f in &mut d.year_factor {
                *f = f.max(1e-12).powf(m);
            }
        }
    }

    /// The facilities of the mines, in a fixed order.
    pub fn mines(&self) -> Vec<Idx<Facility>> {
        self.pools
            .iter()
            .filter(|p| matches!(p.kind, PoolKind::Mine { .. }))
            .map(|p| p.facility)
            .collect()
    }

    /// Multiplies a mine's capacity by `factor` (mine output variability).
    pub fn scale_mine(&mut self, facility: Idx<Facility>, factor: f64) {
        for p in self.pools.iter_mut().filter(|p| p.facility == facility) {
            p.cap_month *= factor.max(0.0);
        }
    }

    /// Turns the monthly inventory count behind the mass balance on or off
    /// (off saves a few per cent of a run; the balance then reads zero).
    pub fn set_balance_check(&mut self, on: bool) {
        self.balance_check = on;
    }

    /// Records every buyer of every market in each month's statistics.
    pub fn set_audit(&mut self, on: bool) {
        self.audit = on;
    }

    /// The first simulated month.
    pub fn start(&self) -> Month {
        self.start
    }

    /// Number of months simulated.
    pub fn horizon(&self) -> usize {
        self.horizon
    }

    /// The countries, in index order.
    pub fn countries(&self) -> &[CountryCode] {
        &self.countries
    }

    /// Compiles `model` and `scenario` (with `overlay`'s decisions).
    pub fn build(
        model: &Model,
        scenario: &Scenario,
        overlay: &Overlay,
    ) -> Result<Network, NetworkError> {
        if scenario.horizon_months == 0 {
            return Err(NetworkError::EmptyHorizon);
        }
        let path = model.growth_path(&scenario.demand_path);
        if path.is_none() && !model.growth_paths.is_empty() {
            return Err(NetworkError::UnknownPath(scenario.demand_path.clone()));
        }
        let start = scenario.start;
        let horizon = scenario.horizon_months as usize;
        let countries: Vec<CountryCode> = model.countries.iter().map(|c| c.code).collect();
        let cix = |c: CountryCode| countries.iter().position(|&x| x == c).unwrap_or(0);

        // Which pipeline facilities exist, and from when.
        let mut first_override: HashMap<Idx<Facility>, Month> = HashMap::new();
        let mut excluded: Vec<Idx<Facility>> = Vec::new();
        for (pi, p) in model.projects.iter().enumerate() {
            let pidx: Idx<Project> = Idx::new(pi);
            let funded = overlay
                .funded
                .iter()
                .find(|(i, _)| *i == pidx)
                .map(|(_, m)| *m);
            match (p.funding, funded) {
                (_, Some(m)) => {
                    first_override.insert(p.facility, m);
                }
                (Funding::Committed, None) => {}
                (Funding::Seeking, None) => excluded.push(p.facility),
            }
        }
        for e in &scenario.events {
            if let EventKind::ProjectDelay { project, months } = &e.kind {
                let p = model.at(*project);
                let f = model.at(p.facility);
                let base = first_override
                    .get(&p.facility)
                    .copied()
                    .or(f.start)
                    .unwrap_or(start);
                first_override.insert(p.facility, base.plus(*months as i32));
            }
        }
        // The months `first..last` (indices) a facility runs: its active
        // months form one interval, from its (overridden) start to its end.
        let window = |i: Idx<Facility>, f: &Facility| -> (usize, usize) {
            if excluded.contains(&i) {
                return (0, 0);
            }
            let (from, to) = match first_override.get(&i) {
                Some(s) => (Some(*s), f.end),
                None => {
                    let pending = f.start.is_none()
                        && matches!(f.status, Status::Planned | Status::Construction);
                    let closed = f.end.is_none() && f.status == Status::Closed;
                    if pending || closed {
                        return (0, 0);
                    }
                    (f.start, f.end)
                }
            };
            let first = from.map_or(0, |m| index_of(start, horizon, m));
            let last = to.map_or(horizon, |m| index_of(start, horizon, m));
            if first >= last { (0, 0) } else { (first, last) }
        };

        // Pools: mines and cracking plants.
        let mut pool_of: HashMap<Idx<Facility>, usize> = HashMap::new();
        let mut pools = Vec::new();
        for (i, f) in model.facilities_indexed() {
            let (kind, mix) = match &f.process {
                Process::Mine { ore, .. } => {
                    let comp = model.at(*ore).shares;
                    (PoolKind::Mine { comp }, comp)
                }
                Process::Cracking { recovery, .. } => (
                    PoolKind::Cracking {
                        recovery: *recovery,
                    },
                    feed_mix(model, f),
                ),
                _ => continue,
            };
            let elements = mix.support();
            let (first, last) = window(i, f);
            pool_of.insert(i, pools.len());
            pools.push(Pool {
                facility: i,
                country: cix(f.country),
                kind,
                cap_month: f.capacity_t_per_yr / 12.0,
                util: f.utilisation,
                first,
                last,
                inv_target: 0.0,
                elements,
                mix,
            });
        }
        // Plants.
        let mut seps = Vec::new();
        let mut metals = Vec::new();
        let mut magnets = Vec::new();
        let mut takers: Vec<Vec<(Taker, u8)>> = vec![Vec::new(); pools.len()];
        let mut crackers = Vec::new();
        let add_takers = |takers: &mut Vec<Vec<(Taker, u8)>>,
                          feed: &[FeedRef],
                          who: Taker,
                          me: Option<usize>| {
            for r in feed {
                let (list, class): (Vec<usize>, u8) = match r {
                    FeedRef::Facility(i) => (pool_of.get(i).copied().into_iter().collect(), 0),
                    FeedRef::Country(c) => (
                        pools
                            .iter()
                            .enumerate()
                            .filter(|(_, p)| {
                                matches!(p.kind, PoolKind::Mine { .. })
                                    && countries[p.country] == *c
                            })
                            .map(|(k, _)| k)
                            .collect(),
                        1,
                    ),
                    FeedRef::Any => (
                        pools
                            .iter()
                            .enumerate()
                            .filter(|(_, p)| matches!(p.kind, PoolKind::Mine { .. }))
                            .map(|(k, _)| k)
                            .collect(),
                        2,
                    ),
                };
                for p in list {
                    if Some(p) == me {
                        continue;
                    }
                    match takers[p].iter_mut().find(|(t, _)| same_taker(*t, who)) {
                        Some(entry) => entry.1 = entry.1.min(class),
                        None => takers[p].push((who, class)),
                    }
                }
            }
        };
        for (i, f) in model.facilities_indexed() {
            let (first, last) = window(i, f);
            let country = cix(f.country);
            match &f.process {
                Process::Cracking { feed, .. } => {
                    let p = pool_of[&i];
                    crackers.push(p);
                    add_takers(&mut takers, feed, Taker::Cracking(p), Some(p));
                }
                Process::Separation {
                    feed,
                    recovery,
                    elements,
                } => {
                    let k = seps.len();
                    seps.push(Sep {
                        facility: i,
                        country,
                        recovery: *recovery,
                        elements: *elements,
                        cap_month: f.capacity_t_per_yr / 12.0,
                        util: f.utilisation,
                        first,
                        last,
                    });
                    add_takers(&mut takers, feed, Taker::Separation(k), None);
                }
                Process::MetalAlloy { product, recovery } => {
                    let mix = model.at(*product).shares;
                    // Capacity in t metal → t REO-eq via the mix.
                    let metal_per_reo: f64 = mix.iter().map(|(e, s)| s * e.metal_per_oxide()).sum();
                    let reo_cap = if metal_per_reo > 0.0 {
                        f.capacity_t_per_yr / metal_per_reo
                    } else {
                        0.0
                    };
                    metals.push(MetalPlant {
                        facility: i,
                        country,
                        mix,
                        recovery: *recovery,
                        cap_month: reo_cap / 12.0,
                        util: f.utilisation,
                        first,
                        last,
                    });
                }
                Process::Magnet { grade } => magnets.push(MagnetPlant {
                    facility: i,
                    country,
                    grade: grade.get(),
                    cap_month: f.capacity_t_per_yr / 12.0,
                    util: f.utilisation,
                    first,
                    last,
                }),
                Process::Mine { .. } => {}
            }
        }
        // Deterministic taker order: by class, then plant.
        for t in &mut takers {
            t.sort_by_key(|(w, c)| (*c, taker_key(*w)));
        }
        crackers.sort_unstable();
        let cracker_feed_pools: Vec<usize> = (0..pools.len())
            .filter(|&p| {
                takers[p]
                    .iter()
                    .any(|(t, _)| matches!(t, Taker::Cracking(_)))
            })
            .collect();
        let sep_feed_pools: Vec<usize> = (0..pools.len())
            .filter(|&p| {
                takers[p]
                    .iter()
                    .any(|(t, _)| matches!(t, Taker::Separation(_)))
            })
            .collect();
        let mut feeds_of_sep = vec![Vec::new(); seps.len()];
        let mut feeds_of_cracker = vec![Vec::new(); pools.len()];
        for (p, list) in takers.iter().enumerate() {
            for &(t, _class) in list {
                match t {
                    Taker::Separation(s) => {
                        feeds_of_sep[s].push(p);
                    }
                    Taker::Cracking(q) => {
                        feeds_of_cracker[q].push(p);
                    }
                }
            }
        }

        // Tiers: final tier 0, then production, then the other final tiers.
        let n_final = scenario.policy.tiers.len().max(1);
        let production_tier = 1.min(n_final);
        let n_tiers = n_final + 1;
        let tier_of = |s: critmin_model::Sector| -> usize {
            let t = scenario.policy.tier_of(s);
            if t < production_tier { t } else { t + 1 }
        };

        let grade_reo: Vec<PerElement> = model.recipes.iter().map(|r| r.reo_t_per_t()).collect();
        let grade_elements: Vec<ElementSet> = grade_reo.iter().map(PerElement::support).collect();
        let good_index = |g: Good| -> usize {
            match g {
                Good::Oxide { element } => OXIDE0 + element.index(),
                Good::Metal { element } => METAL0 + element.index(),
                Good::Magnet { grade } => MAGNET0 + grade.get(),
            }
        };
        let engine_qty = |g: Good, t: f64| -> f64 {
            match g {
                Good::Metal { element } => t * element.oxide_per_metal(),
                _ => t,
            }
        };

        // Demand with yearly growth factors.
        let first_year = start.year();
        let last_year = start.plus(horizon as i32 - 1).year();
        let mut factors: HashMap<(critmin_model::Sector, ElementSet), Vec<f64>> = HashMap::new();
        let demand: Vec<DemandNode> = model
            .demand
            .iter()
            .map(|d| {
                let elements = good_elements(d.good, &model.recipes);
                // Rows share a handful of (sector, elements) pairs.
                let year_factor = factors
                    .entry((d.sector, elements))
                    .or_insert_with(|| {
                        (first_year..=last_year)
                            .map(|y| {
                                path.map_or(1.0, |p| {
                                    p.factor(model.base_year, y, d.sector, elements)
                                })
                            })
                            .collect()
                    })
                    .clone();
                DemandNode {
                    country: cix(d.country),
                    sector: d.sector,
                    tier: tier_of(d.sector),
                    good: good_index(d.good),
                    elements,
                    base_month: engine_qty(d.good, d.t_per_yr) / 12.0,
                    year_factor,
                }
            })
            .collect();

        // Stockpiles and holders.
        let mut holders: Vec<Holder> = Vec::new();
        let mut stocks = Vec::new();
        let agreements: Vec<Agreement> = scenario
            .policy
            .sharing
            .iter()
            .map(|a| Agreement {
                members: a.members.iter().map(|c| cix(*c)).collect(),
                rule: a.rule,
            })
            .collect();
        for s in model.stockpiles.iter().chain(&overlay.stockpiles) {
            let country = cix(s.country);
            let h = match holders.iter().position(|h| h.name == s.holder) {
                Some(h) => h,
                None => {
                    holders.push(Holder {
                        name: s.holder.clone(),
                        country,
                        rule: scenario.policy.rule_for(&s.holder),
                        agreement: agreements.iter().position(|a| a.members.contains(&country)),
                    });
                    holders.len() - 1
                }
            };
            let good = good_index(s.good);
            match stocks
                .iter_mut()
                .find(|x: &&mut StockNode| x.holder == h && x.good == good)
            {
                Some(x) => x.initial += engine_qty(s.good, s.tonnes),
                None => stocks.push(StockNode {
                    holder: h,
                    country,
                    good,
                    initial: engine_qty(s.good, s.tonnes),
                }),
            }
        }

        // Events.
        let mut restrictions = Vec::new();
        let mut outages = Vec::new();
        let mut shocks = Vec::new();
        let mut manual_releases = Vec::new();
        for e in &scenario.events {
            let (from, to) = (
                index_of(start, horizon, e.from),
                index_of(start, horizon, e.to.plus(1)),
            );
            if to == 0 || from >= horizon {
                continue;
            }
            let to = to - 1;
            match &e.kind {
                EventKind::ExportRestriction {
                    exporters,
                    importers,
                    elements,
                    forms,
                    allowed_share,
                } => {
                    restrictions.push(Restriction {
                        from,
                        to,
                        exporters: exporters.iter().map(|c| cix(*c)).collect(),
                        importers: match importers {
                            Importers::All => None,
                            Importers::Only(v) => Some(v.iter().map(|c| cix(*c)).collect()),
                        },
                        elements: *elements,
                        forms: *forms,
                        share: *allowed_share,
                    });
                }
                EventKind::FacilityOutage {
                    facility,
                    remaining_share,
                } => outages.push((from, to, *facility, *remaining_share)),
                EventKind::DemandShock {
                    countries: cs,
                    sectors,
                    elements,
                    factor,
                } => {
                    shocks.push(Shock {
                        first: from,
                        last: to,
                        countries: cs.iter().map(|c| cix(*c)).collect(),
                        sectors: sectors.clone(),
                        elements: *elements,
                        factor: *factor,
                    });
                }
                EventKind::ProjectDelay { .. } => {}
                EventKind::StockpileRelease {
                    holder,
                    elements,
                    tonnes_per_month,
                } => {
                    if let Some(h) = holders.iter().position(|x| x.name == *holder) {
                        manual_releases.push((from, to, h, *elements, *tonnes_per_month));
                    }
                }
            }
        }

        // Inventory months.
        let mut inv_months = HashMap::new();
        let mut inv_default = HashMap::new();
        for p in &model.inventories {
            match p.country {
                Some(c) => {
                    inv_months.insert((p.stage, cix(c)), p.months);
                }
                None => {
                    inv_default.insert(p.stage, p.months);
                }
            }
        }

        // Prices: USD per engine unit.
        let n_goods = MAGNET0 + grade_reo.len();
        let mut base_price = vec![0.0; n_goods];
        for e in Element::ALL {
            let price = |form: Form| {
                model
                    .prices
                    .iter()
                    .filter(|p| p.element == e && p.form == form)
                    .max_by_key(|p| p.year)
                    .map(|p| p.usd_per_kg * 1000.0)
            };
            let oxide = price(Form::Oxide).unwrap_or(0.0);
            // Metal per t REO-eq: metal price × metal per oxide, or oxide × 1.2.
            let metal = price(Form::Metal).map_or(oxide * 1.2, |m| m * e.metal_per_oxide());
            base_price[OXIDE0 + e.index()] = oxide;
            base_price[METAL0 + e.index()] = metal;
        }
        for (g, reo) in grade_reo.iter().enumerate() {
            // A magnet's rare-earth value: its content at metal prices.
            base_price[MAGNET0 + g] = reo
                .iter()
                .map(|(e, q)| q * base_price[METAL0 + e.index()])
                .sum();
        }

        // Price response per element and form, from the dataset (first
        // matching row), else the defaults.
        let mut price = vec![PriceParams::default(); N_ELEMENTS * 3];
        for e in Element::ALL {
            for (f, form) in [Form::Oxide, Form::Metal, Form::Magnet]
                .into_iter()
                .enumerate()
            {
                if let Some(r) = model
                    .price_response
                    .iter()
                    .find(|r| r.form == form && r.elements.contains(e))
                {
                    price[e.index() * 3 + f] = PriceParams {
                        demand_elasticity: r.demand_elasticity,
                        adjustment_per_month: r.adjustment_per_month,
                        max_index: r.max_index,
                        full_supply_response_index: r.full_supply_response_index,
                    };
                }
            }
        }
        let home: Vec<usize> = (0..countries.len())
            .map(|c| {
                agreements
                    .iter()
                    .find(|a| a.members.contains(&c))
                    .and_then(|a| a.members.iter().min().copied())
                    .unwrap_or(c)
            })
            .collect();
        let mut demand_groups: Vec<(usize, usize, usize)> = Vec::new();
        let mut node_group = Vec::with_capacity(demand.len());
        let mut groups_by_good: Vec<Vec<usize>> = vec![Vec::new(); MAGNET0 + grade_reo.len()];
        for d in &demand {
            let key = (d.country, d.tier, d.good);
            let gi = match demand_groups.iter().position(|k| *k == key) {
                Some(i) => i,
                None => {
                    demand_groups.push(key);
                    groups_by_good[d.good].push(demand_groups.len() - 1);
                    demand_groups.len() - 1
                }
            };
            node_group.push(gi);
        }
        let mut good_content: Vec<Vec<(Element, f64)>> =
            Vec::with_capacity(MAGNET0 + grade_reo.len());
        for g in 0..MAGNET0 + grade_reo.len() {
            good_content.push(if g < MAGNET0 {
                Element::from_index(g % N_ELEMENTS)
                    .map(|e| vec![(e, 1.0)])
                    .unwrap_or_default()
            } else {
                grade_reo[g - MAGNET0]
                    .iter()
                    .filter(|(_, q)| *q > 0.0)
                    .collect()
            });
        }
        let metals_by_element: Vec<Vec<usize>> = Element::ALL
            .iter()
            .map(|&e| {
                (0..metals.len())
                    .filter(|&k| metals[k].mix[e] > 0.0)
                    .collect()
            })
            .collect();
        let magnets_by_element: Vec<Vec<usize>> = Element::ALL
            .iter()
            .map(|&e| {
                (0..magnets.len())
                    .filter(|&k| grade_reo[magnets[k].grade][e] > 0.0)
                    .collect()
            })
            .collect();
        let good_content_total: Vec<f64> = good_content
            .iter()
            .map(|c| c.iter().map(|(_, q)| q).sum())
            .collect();
        // Capacity trends: one curve per (country, stage) that has one.
        let mut cap_curves: Vec<Vec<f64>> = Vec::new();
        let mut fac_curve = vec![u32::MAX; model.facilities.len()];
        let mut curve_of: HashMap<(CountryCode, Stage), u32> = HashMap::new();
        for (i, f) in model.facilities_indexed() {
            if !model
                .capacity_trends
                .iter()
                .any(|tr| tr.country == f.country && tr.stage == f.stage)
            {
                continue;
            }
            let k = *curve_of.entry((f.country, f.stage)).or_insert_with(|| {
                cap_curves.push(
                    (0..horizon)
                        .map(|t| model.capacity_factor(i, start.plus(t as i32)))
                        .collect(),
                );
                (cap_curves.len() - 1) as u32
            });
            fac_curve[i.get()] = k;
        }
        let mut net = Network {
            start,
            horizon,
            countries,
            n_tiers,
            production_tier,
            grade_reo,
            grade_elements,
            pools,
            takers,
            crackers,
            cracker_feed_pools,
            sep_feed_pools,
            feeds_of_sep,
            feeds_of_cracker,
            seps,
            metals,
            magnets,
            metals_by_element,
            magnets_by_element,
            demand,
            demand_groups,
            node_group,
            groups_by_good,
            good_content,
            good_content_total,
            stocks,
            holders,
            agreements,
            home,
            restrictions,
            outages,
            cap_curves,
            fac_curve,
            shocks,
            manual_releases,
            inv_months,
            inv_default,
            price,
            base_price_usd_per_t: base_price,
            first_year,
            audit: false,
            balance_check: true,
        };
        for p in 0..net.pools.len() {
            let months = net.inventory_months(Stage::Mining, net.pools[p].country);
            net.pools[p].inv_target = months * net.pools[p].cap_month * net.pools[p].util;
        }
        Ok(net)
    }
}

fn same_taker(a: Taker, b: Taker) -> bool {
    taker_key(a) == taker_key(b)
}

fn taker_key(t: Taker) -> (u8, usize) {
    match t {
        Taker::Cracking(p) => (0, p),
        Taker::Separation(s) => (1, s),
    }
}
