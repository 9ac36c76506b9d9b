//! [`Network`]: a model and a scenario compiled into flat arrays the monthly
//! step can walk without lookups — countries and goods as dense indices,
//! facilities with their active months, demand with its yearly growth
//! factors, stockpiles with their release rules, events by month.
//!
//! All element quantities inside the engine are tonnes of REO-equivalent
//! (metal converted by oxide stoichiometry); magnets are tonnes of magnet.

use crate::scenario::{EventKind, FormSet, Importers, ReleaseRule, Scenario, SharingRule};
use critmin_model::Overlay;
use critmin_model::goods::{self, engine_qty, good_index};
use critmin_model::prices::good_base_prices_usd_per_t;
use critmin_model::{
    CountryCode, Element, ElementSet, Facility, FeedRef, Form, Funding, GoodsLayout, Idx, Model,
    Month, N_ELEMENTS, PerElement, Process, Project, Sector, Stage, Status, feed_mix,
    good_elements,
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

// Goods traded between countries, as dense indices in the model's shared
// layout (oxide of element `e` is `e`, metal `N_ELEMENTS + e`, magnets of
// grade `g` `2·N_ELEMENTS + g`); the engine numbers the concentrate of pool
// `p` after the grades.
pub(crate) use critmin_model::goods::{MAGNET0, METAL0};

/// A dense country index in a [`Network`]: position in
/// [`Network::countries`] (the dataset's country order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountryIx(pub u16);

impl CountryIx {
    /// The index as a `usize`, for indexing per-country arrays.
    #[inline]
    pub const fn get(self) -> usize {
        self.0 as usize
    }

    /// The index of array position `i` (datasets hold at most
    /// `critmin_model::limits` countries, far below `u16::MAX`).
    #[inline]
    pub const fn new(i: usize) -> CountryIx {
        CountryIx(i as u16)
    }
}

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
    pub sector: Sector,
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

/// How one demand row answers price (`docs/simulation.md`, "Demand that
/// answers price"): its short-run elasticity and its substitution rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct NodeResponse {
    /// Short-run price elasticity: demand = base × (1 − substituted) ×
    /// index^(−elasticity).
    pub elasticity: f64,
    /// Ceiling of the substituted share.
    pub sub_max: f64,
    /// Growth of the substituted share per month while triggered.
    pub sub_rate_month: f64,
    /// Share of the gap to the current index the smoothed index closes
    /// each month: 1 / (1 + lag months).
    pub smoothing: f64,
    /// Smoothed index at and above which substitution grows.
    pub trigger: f64,
    /// Fall of the substituted share per month below the trigger.
    pub reversal_month: f64,
}

impl NodeResponse {
    /// A node that does not answer price.
    pub const NONE: NodeResponse = NodeResponse {
        elasticity: 0.0,
        sub_max: 0.0,
        sub_rate_month: 0.0,
        smoothing: 1.0,
        trigger: f64::INFINITY,
        reversal_month: 0.0,
    };

    /// Whether the node answers price at all.
    pub fn responds(&self) -> bool {
        self.elasticity > 0.0 || self.sub_max > 0.0
    }
}

/// How one facility answers price (`docs/simulation.md`, "Supply that
/// answers price"), from its `supply_response.csv` row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FacSupply {
    /// The (element, form slot) world price cells of what it makes; the
    /// dearest drives it.
    pub cells: Vec<(Element, usize)>,
    /// Share of the gap the restart price closes each month.
    pub restart_smoothing: f64,
    /// Share of the gap the build price closes each month.
    pub build_smoothing: f64,
    /// Build price at and above which capacity grows.
    pub trigger: f64,
    /// Capacity growth per month while triggered (a factor's share).
    pub growth_month: f64,
    /// Ceiling of the capacity factor it may build.
    pub max_factor: f64,
    /// Most months it may start early, and be deferred (not yet running).
    pub accelerate_max: i32,
    pub defer_max: i32,
    /// Build price below which it is deferred.
    pub defer_index: f64,
}

/// How a country's buyers at one stage hold precautionary stock
/// (compiled from a `precautionary.csv` row).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PrecautionParams {
    /// Share of the gap the smoothed price closes each month.
    pub smoothing: f64,
    /// Price over its smoothed value (a ratio, 1 + the row's rise) at and
    /// above which stock is built.
    pub trigger_ratio: f64,
    pub max_months: f64,
    pub build_months_per_month: f64,
    pub release_months_per_month: f64,
}

/// A sourcing ban: demand of some sectors in some importers may not take
/// some exporters' material (`EventKind::SourcingBan`).
#[derive(Debug, Clone)]
pub(crate) struct Sourcing {
    /// The months, exporters, importers, elements and forms it covers (as
    /// a restriction's; its share and quota are unused).
    pub trade: Restriction,
    pub sectors: Vec<Sector>,
}

/// Leakage of restricted flows through a third country
/// (`EventKind::Leakage`).
#[derive(Debug, Clone)]
pub(crate) struct Leak {
    /// The months, exporters, importers, elements and forms it covers.
    pub trade: Restriction,
    /// Share of the blocked flow that leaks.
    pub share: f64,
    /// Months in transit (≥ 1).
    pub lag: usize,
    /// Extra price, share of the baseline price.
    pub premium: f64,
}

/// An import tariff (`EventKind::Tariff`).
#[derive(Debug, Clone)]
pub struct Tariff {
    /// The months, exporters (origins), importers (levying countries),
    /// elements and forms it covers.
    pub(crate) trade: Restriction,
    /// Ad valorem rate, a share of the value.
    pub(crate) rate: f64,
    /// Its scenario line, for reports.
    pub line: usize,
    /// Its origins and levying countries (`"CN → US"`), for reports.
    pub label: String,
}

impl Tariff {
    /// Its ad valorem rate, a share of the value.
    pub fn rate(&self) -> f64 {
        self.rate
    }
}

/// A price floor on a separation plant's oxide output
/// (`EventKind::PriceFloor`).
#[derive(Debug, Clone)]
pub struct Floor {
    /// Months in force, indices `from..=to`.
    pub(crate) from: usize,
    pub(crate) to: usize,
    /// The facility, its id, and its country (index).
    pub facility: Idx<Facility>,
    pub facility_id: String,
    pub(crate) country: usize,
    pub(crate) elements: ElementSet,
    /// The floor, USD per t of the covered oxide blend.
    pub(crate) floor_usd_per_t: f64,
    /// Who pays.
    pub payer: String,
}

/// An offtake agreement (`EventKind::Offtake`).
#[derive(Debug, Clone)]
pub(crate) struct Offtake {
    /// Months in force, indices `from..=to`.
    pub from: usize,
    pub to: usize,
    pub facility: Idx<Facility>,
    /// The buyer's country (index).
    pub buyer: usize,
    /// Share of the plant's output delivered to the buyer.
    pub share: f64,
}

/// A stockpile purchase rule for one stock node (holder and good)
/// (`EventKind::StockpilePurchase`).
#[derive(Debug, Clone)]
pub(crate) struct Purchase {
    /// Months in force, indices `from..=to`.
    pub from: usize,
    pub to: usize,
    /// The stock node it fills.
    pub node: usize,
    /// Holding to reach and most bought a month, engine units (t REO-eq).
    pub target: f64,
    pub pace: f64,
    /// Price index above which it does not buy.
    pub max_index: f64,
}

/// A stockpile holding.
#[derive(Debug, Clone)]
pub(crate) struct StockNode {
    pub holder: usize,
    pub country: usize,
    pub good: usize,
    /// Initial quantity, engine unit.
    pub initial: f64,
    /// Whether it holds what tolling made for the holder (released to
    /// final demand only, all of it once the holder's rule triggers).
    pub tolled: bool,
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
    pub sectors: Vec<Sector>,
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
    /// An export quota instead of a share: t REO-eq per calendar year for
    /// all routes together, renewed each January.
    pub quota_t_per_year: Option<f64>,
    /// Whether the quota is paced evenly over the months left in its year.
    pub quota_even: bool,
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
    /// Floor of the index (inside an exporter whose capped exports leave
    /// it with unsold supply).
    pub min_index: f64,
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
            min_index: 1.0,
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
    /// How each demand node answers price, by node.
    pub(crate) response: Vec<NodeResponse>,
    /// How each facility answers price, by facility index (`None`: only
    /// the instant utilisation response).
    pub(crate) fac_supply: Vec<Option<FacSupply>>,
    /// Per facility, its country (index into `countries`): the market
    /// whose prices it answers.
    pub(crate) fac_country: Vec<usize>,
    /// Per facility, the first month it runs in this run (index; `usize::MAX`
    /// if it is not in the network).
    pub(crate) fac_first: Vec<usize>,
    /// Per country: how its metal and alloy makers (`[0]`), its magnet
    /// makers (`[1]`) and its final buyers (`[2]`) hold precautionary
    /// stock, if they do.
    pub(crate) precaution: Vec<[Option<PrecautionParams>; 3]>,
    /// Demand groups: demand nodes of one country, tier and good, which a
    /// market serves alike (same country, same tier), so they buy as one:
    /// `(country, tier, good)`.
    pub(crate) demand_groups: Vec<(usize, usize, usize)>,
    /// Per demand group, the sourcing ban it falls under (`u32::MAX`:
    /// none).
    pub(crate) group_segment: Vec<u32>,
    /// Sourcing bans in force in the run.
    pub(crate) sourcing: Vec<Sourcing>,
    /// Leakage of restricted flows through third countries.
    pub(crate) leaks: Vec<Leak>,
    /// Import tariffs.
    pub(crate) tariffs: Vec<Tariff>,
    /// Price floors on separation plants' output.
    pub(crate) floors: Vec<Floor>,
    /// Stockpile purchase rules, one per stock node and event.
    pub(crate) purchases: Vec<Purchase>,
    /// Offtake agreements.
    pub(crate) offtakes: Vec<Offtake>,
    /// Group of each demand node.
    pub(crate) node_group: Vec<usize>,
    /// Demand group indices per market good.
    pub(crate) groups_by_good: Vec<Vec<usize>>,
    pub(crate) stocks: Vec<StockNode>,
    pub(crate) holders: Vec<Holder>,
    /// Holders' concentrate stocks, and the tolling arrangements that
    /// convert stock for them (`docs/simulation.md`, "Tolling").
    pub(crate) conc_stocks: Vec<crate::toll::ConcNode>,
    pub(crate) tolls: Vec<crate::toll::Toll>,
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
    /// Record every month's cross-border flows in `MonthStats::flows`.
    pub(crate) record_flows: bool,
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
    /// The layout of the market goods (oxides, metals, magnet grades).
    pub(crate) fn layout(&self) -> GoodsLayout {
        GoodsLayout::new(self.grade_reo.len())
    }

    /// Number of market goods (oxides, metals, magnet grades).
    pub(crate) fn n_goods(&self) -> usize {
        self.layout().n_goods()
    }

    /// Good index of pool `p`'s concentrate.
    pub(crate) fn pool_good(&self, p: usize) -> usize {
        self.n_goods() + p
    }

    /// Elements good `g` contains.
    pub(crate) fn good_elements(&self, g: usize) -> ElementSet {
        if g < MAGNET0 {
            Element::from_index(g % N_ELEMENTS).map_or(ElementSet::EMPTY, ElementSet::one)
        } else if g < self.n_goods() {
            self.grade_elements[g - MAGNET0]
        } else {
            self.pools[g - self.n_goods()].elements
        }
    }

    /// Form of good `g` (concentrate past the market goods).
    pub(crate) fn good_form(&self, g: usize) -> Form {
        self.layout().form(g)
    }

    /// The form of any traded good `g` (concentrate past the market goods).
    pub fn good_form_of(&self, g: usize) -> Form {
        self.good_form(g)
    }

    /// Adds the REO-eq content of `qty` of any traded good `g` to `out`:
    /// market goods as [`Network::reo_of`], a pool's concentrate (goods
    /// past the market goods) by its typical mix.
    pub fn reo_of_good(&self, g: usize, qty: f64, out: &mut PerElement) {
        if g >= self.n_goods() {
            if let Some(p) = self.pools.get(g - self.n_goods()) {
                out.add_scaled(&p.mix, qty);
            }
        } else {
            self.reo_of(g, qty, out);
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

    /// Records every month's cross-border flows in `MonthStats::flows`
    /// (a backtest compares exports with them).
    pub fn set_record_flows(&mut self, on: bool) {
        self.record_flows = on;
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
    /// The price floors in force in the run.
    pub fn floors(&self) -> &[Floor] {
        &self.floors
    }

    /// The import tariffs in force in the run.
    pub fn tariffs(&self) -> &[Tariff] {
        &self.tariffs
    }

    /// Country codes, in index order.
    pub fn countries(&self) -> &[CountryCode] {
        &self.countries
    }

    /// The countries with their indices, in index order.
    pub fn countries_indexed(&self) -> impl Iterator<Item = (CountryIx, CountryCode)> + '_ {
        self.countries
            .iter()
            .enumerate()
            .map(|(i, &c)| (CountryIx::new(i), c))
    }

    /// The index of country `code`, if the network has it.
    pub fn country_ix(&self, code: CountryCode) -> Option<CountryIx> {
        self.countries
            .iter()
            .position(|&c| c == code)
            .map(CountryIx::new)
    }

    /// The code of country `c`.
    pub fn country(&self, c: CountryIx) -> CountryCode {
        self.countries[c.get()]
    }

    /// Compiles `model` and `scenario` (with `overlay`'s decisions).
    ///
    /// One step per section of the network, in dependency order: facility
    /// windows, pools, plants and their takers, tiers, demand, stockpiles,
    /// events, inventories, prices, price response, demand groups and
    /// capacity trends.
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
        let cix = CountryLookup(&countries);

        let windows = FacilityWindows::new(model, scenario, overlay, start, horizon);
        let (pools, pool_of) = build_pools(model, &windows, cix);
        let plants = build_plants(model, &windows, cix, &pools, &pool_of);
        let feeds = FeedLists::new(&plants.takers, plants.seps.len());
        let tiers = Tiers::new(scenario);
        let grade_reo = goods::grades_reo(&model.recipes);
        let grade_elements: Vec<ElementSet> = grade_reo.iter().map(PerElement::support).collect();
        let layout = GoodsLayout::of(model);
        let demand = build_demand(model, path, &tiers, cix, start, horizon);
        let agreements = build_agreements(scenario, cix);
        let (mut holders, mut stocks) =
            build_stockpiles(model, scenario, overlay, &agreements, cix);
        let purchases = build_purchases(scenario, &holders, &mut stocks, start, horizon);
        let (conc_stocks, tolls) = crate::toll::build(
            &crate::toll::Inputs {
                model,
                scenario,
                overlay,
                countries: &countries,
                agreements: &agreements,
                seps: &plants.seps,
                metals: &plants.metals,
                magnets: &plants.magnets,
            },
            &mut holders,
            &mut stocks,
        );
        let events = build_events(scenario, &holders, cix, start, horizon);
        let (inv_months, inv_default) = build_inventories(model, cix);
        // The simulator values scarcity at the dataset's prices with no
        // floor: an element without a price costs nothing.
        let base_price = good_base_prices_usd_per_t(model, 0.0);
        let price = build_price_response(model);
        let home = home_groups(countries.len(), &agreements);
        let groups = DemandGroups::new(&demand, layout.n_goods(), &events.sourcing, |g| {
            layout.form(g)
        });
        let content = GoodContent::new(layout, &grade_reo);
        let response = build_responses(model, &demand);
        let fac_supply = build_supply(model, &pools, &plants, &grade_reo);
        let fac_country = model.facilities.iter().map(|f| cix.of(f.country)).collect();
        let precaution = build_precaution(model, &countries);
        let floors: Vec<Floor> = events
            .floors
            .iter()
            .map(|(from, to, facility, elements, floor, payer)| Floor {
                from: *from,
                to: *to,
                facility: *facility,
                facility_id: model.at(*facility).id.clone(),
                country: cix.of(model.at(*facility).country),
                elements: *elements,
                floor_usd_per_t: *floor,
                payer: payer.clone(),
            })
            .collect();
        let mut fac_first = vec![usize::MAX; model.facilities.len()];
        for (f, first) in pools
            .iter()
            .map(|p| (p.facility, p.first))
            .chain(plants.seps.iter().map(|p| (p.facility, p.first)))
            .chain(plants.metals.iter().map(|p| (p.facility, p.first)))
            .chain(plants.magnets.iter().map(|p| (p.facility, p.first)))
        {
            fac_first[f.get()] = fac_first[f.get()].min(first);
        }
        let metals_by_element: Vec<Vec<usize>> = Element::ALL
            .iter()
            .map(|&e| {
                (0..plants.metals.len())
                    .filter(|&k| plants.metals[k].mix[e] > 0.0)
                    .collect()
            })
            .collect();
        let magnets_by_element: Vec<Vec<usize>> = Element::ALL
            .iter()
            .map(|&e| {
                (0..plants.magnets.len())
                    .filter(|&k| grade_reo[plants.magnets[k].grade][e] > 0.0)
                    .collect()
            })
            .collect();
        let (cap_curves, fac_curve) = capacity_curves(model, start, horizon);
        let mut net = Network {
            start,
            horizon,
            countries,
            n_tiers: tiers.n_tiers,
            production_tier: tiers.production_tier,
            grade_reo,
            grade_elements,
            pools,
            takers: plants.takers,
            crackers: plants.crackers,
            cracker_feed_pools: feeds.cracker_feed_pools,
            sep_feed_pools: feeds.sep_feed_pools,
            feeds_of_sep: feeds.feeds_of_sep,
            feeds_of_cracker: feeds.feeds_of_cracker,
            seps: plants.seps,
            metals: plants.metals,
            magnets: plants.magnets,
            metals_by_element,
            magnets_by_element,
            demand,
            demand_groups: groups.groups,
            group_segment: groups.segment,
            node_group: groups.node_group,
            groups_by_good: groups.by_good,
            good_content: content.content,
            good_content_total: content.total,
            response,
            fac_supply,
            fac_country,
            fac_first,
            precaution,
            stocks,
            holders,
            conc_stocks,
            tolls,
            agreements,
            home,
            restrictions: events.restrictions,
            sourcing: events.sourcing,
            leaks: events.leaks,
            tariffs: events.tariffs,
            floors,
            purchases,
            offtakes: events.offtakes,
            outages: events.outages,
            cap_curves,
            fac_curve,
            shocks: events.shocks,
            manual_releases: events.manual_releases,
            inv_months,
            inv_default,
            price,
            base_price_usd_per_t: base_price,
            first_year: start.year(),
            audit: false,
            record_flows: false,
            balance_check: true,
        };
        // Working inventory targets of the pools, from the inventory months
        // just compiled.
        for p in 0..net.pools.len() {
            let months = net.inventory_months(Stage::Mining, net.pools[p].country);
            net.pools[p].inv_target = months * net.pools[p].cap_month * net.pools[p].util;
        }
        Ok(net)
    }
}

/// Dense index of a country code; an unknown code (the loader rejects
/// them) falls back to the first country rather than panicking.
#[derive(Clone, Copy)]
struct CountryLookup<'a>(&'a [CountryCode]);

impl CountryLookup<'_> {
    fn of(self, c: CountryCode) -> usize {
        self.0.iter().position(|&x| x == c).unwrap_or(0)
    }

    fn all(self, cs: &[CountryCode]) -> Vec<usize> {
        cs.iter().map(|&c| self.of(c)).collect()
    }
}

/// Which pipeline facilities exist, and from when: the months
/// `first..last` (indices) a facility runs.
struct FacilityWindows {
    start: Month,
    horizon: usize,
    first_override: HashMap<Idx<Facility>, Month>,
    excluded: Vec<Idx<Facility>>,
}

impl FacilityWindows {
    fn new(
        model: &Model,
        scenario: &Scenario,
        overlay: &Overlay,
        start: Month,
        horizon: usize,
    ) -> FacilityWindows {
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
        FacilityWindows {
            start,
            horizon,
            first_override,
            excluded,
        }
    }

    /// The months `first..last` (indices) facility `i` runs: its active
    /// months form one interval, from its (overridden) start to its end.
    fn window(&self, i: Idx<Facility>, f: &Facility) -> (usize, usize) {
        if self.excluded.contains(&i) {
            return (0, 0);
        }
        let (from, to) = match self.first_override.get(&i) {
            Some(s) => (Some(*s), f.end),
            None => {
                let pending =
                    f.start.is_none() && matches!(f.status, Status::Planned | Status::Construction);
                let closed = f.end.is_none() && f.status == Status::Closed;
                if pending || closed {
                    return (0, 0);
                }
                (f.start, f.end)
            }
        };
        let first = from.map_or(0, |m| index_of(self.start, self.horizon, m));
        let last = to.map_or(self.horizon, |m| index_of(self.start, self.horizon, m));
        if first >= last { (0, 0) } else { (first, last) }
    }
}

/// Pools: mines and cracking plants, with the pool index of each.
fn build_pools(
    model: &Model,
    windows: &FacilityWindows,
    cix: CountryLookup<'_>,
) -> (Vec<Pool>, HashMap<Idx<Facility>, usize>) {
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
        let (first, last) = windows.window(i, f);
        pool_of.insert(i, pools.len());
        pools.push(Pool {
            facility: i,
            country: cix.of(f.country),
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
    (pools, pool_of)
}

/// The plants downstream of the pools, and who takes from each pool.
struct Plants {
    seps: Vec<Sep>,
    metals: Vec<MetalPlant>,
    magnets: Vec<MagnetPlant>,
    takers: Vec<Vec<(Taker, u8)>>,
    crackers: Vec<usize>,
}

/// Records `who` as a taker of every pool its feed list `feed` names, with
/// the feed class (0 = names the pool, 1 = its country, 2 = anywhere);
/// a plant named twice keeps its strongest class. `me` (a cracking plant's
/// own pool) is never its own feed.
fn add_takers(
    takers: &mut [Vec<(Taker, u8)>],
    pools: &[Pool],
    pool_of: &HashMap<Idx<Facility>, usize>,
    countries: &[CountryCode],
    feed: &[FeedRef],
    who: Taker,
    me: Option<usize>,
) {
    for r in feed {
        let (list, class): (Vec<usize>, u8) = match r {
            FeedRef::Facility(i) => (pool_of.get(i).copied().into_iter().collect(), 0),
            FeedRef::Country(c) => (
                pools
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| {
                        matches!(p.kind, PoolKind::Mine { .. }) && countries[p.country] == *c
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
}

/// Plants: separation, metal and magnet plants in facility order, and the
/// takers of each pool (cracking and separation plants) in a deterministic
/// order — by feed class, then plant.
fn build_plants(
    model: &Model,
    windows: &FacilityWindows,
    cix: CountryLookup<'_>,
    pools: &[Pool],
    pool_of: &HashMap<Idx<Facility>, usize>,
) -> Plants {
    let mut seps = Vec::new();
    let mut metals = Vec::new();
    let mut magnets = Vec::new();
    let mut takers: Vec<Vec<(Taker, u8)>> = vec![Vec::new(); pools.len()];
    let mut crackers = Vec::new();
    for (i, f) in model.facilities_indexed() {
        let (first, last) = windows.window(i, f);
        let country = cix.of(f.country);
        match &f.process {
            Process::Cracking { feed, .. } => {
                let p = pool_of[&i];
                crackers.push(p);
                let who = Taker::Cracking(p);
                add_takers(&mut takers, pools, pool_of, cix.0, feed, who, Some(p));
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
                let who = Taker::Separation(k);
                add_takers(&mut takers, pools, pool_of, cix.0, feed, who, None);
            }
            Process::MetalAlloy { product, recovery } => {
                let mix = model.at(*product).shares;
                // Capacity in t metal → t REO-eq via the mix.
                let reo_cap = goods::metal_capacity_reo_t(f.capacity_t_per_yr, &mix);
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
    Plants {
        seps,
        metals,
        magnets,
        takers,
        crackers,
    }
}

/// The takers read the other way: which pools feed each plant, and which
/// pools feed any cracking or separation plant at all.
struct FeedLists {
    cracker_feed_pools: Vec<usize>,
    sep_feed_pools: Vec<usize>,
    feeds_of_sep: Vec<Vec<usize>>,
    feeds_of_cracker: Vec<Vec<usize>>,
}

impl FeedLists {
    fn new(takers: &[Vec<(Taker, u8)>], n_seps: usize) -> FeedLists {
        let n_pools = takers.len();
        let fed_by = |want: fn(&Taker) -> bool| -> Vec<usize> {
            (0..n_pools)
                .filter(|&p| takers[p].iter().any(|(t, _)| want(t)))
                .collect()
        };
        let cracker_feed_pools = fed_by(|t| matches!(t, Taker::Cracking(_)));
        let sep_feed_pools = fed_by(|t| matches!(t, Taker::Separation(_)));
        let mut feeds_of_sep = vec![Vec::new(); n_seps];
        let mut feeds_of_cracker = vec![Vec::new(); n_pools];
        for (p, list) in takers.iter().enumerate() {
            for &(t, _class) in list {
                match t {
                    Taker::Separation(s) => feeds_of_sep[s].push(p),
                    Taker::Cracking(q) => feeds_of_cracker[q].push(p),
                }
            }
        }
        FeedLists {
            cracker_feed_pools,
            sep_feed_pools,
            feeds_of_sep,
            feeds_of_cracker,
        }
    }
}

/// Market tiers: final tier 0, then production, then the other final
/// tiers.
struct Tiers<'s> {
    scenario: &'s Scenario,
    n_tiers: usize,
    production_tier: usize,
}

impl<'s> Tiers<'s> {
    fn new(scenario: &'s Scenario) -> Tiers<'s> {
        let n_final = scenario.policy.tiers.len().max(1);
        Tiers {
            scenario,
            n_tiers: n_final + 1,
            production_tier: 1.min(n_final),
        }
    }

    /// Market tier of a sector's final demand (production lines take the
    /// slot after the first final tier).
    fn of(&self, s: Sector) -> usize {
        let t = self.scenario.policy.tier_of(s);
        if t < self.production_tier { t } else { t + 1 }
    }
}

/// Demand with yearly growth factors, one node per dataset demand row.
fn build_demand(
    model: &Model,
    path: Option<&critmin_model::GrowthPath>,
    tiers: &Tiers<'_>,
    cix: CountryLookup<'_>,
    start: Month,
    horizon: usize,
) -> Vec<DemandNode> {
    let first_year = start.year();
    let last_year = start.plus(horizon as i32 - 1).year();
    let mut factors: HashMap<(Sector, ElementSet), Vec<f64>> = HashMap::new();
    model
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
                            path.map_or(1.0, |p| p.factor(model.base_year, y, d.sector, elements))
                        })
                        .collect()
                })
                .clone();
            DemandNode {
                country: cix.of(d.country),
                sector: d.sector,
                tier: tiers.of(d.sector),
                good: good_index(d.good),
                elements,
                base_month: engine_qty(d.good, d.t_per_yr) / 12.0,
                year_factor,
            }
        })
        .collect()
}

/// Sharing agreements, members as country indices.
fn build_agreements(scenario: &Scenario, cix: CountryLookup<'_>) -> Vec<Agreement> {
    scenario
        .policy
        .sharing
        .iter()
        .map(|a| Agreement {
            members: cix.all(&a.members),
            rule: a.rule,
        })
        .collect()
}

/// Stockpiles and holders: the dataset's holdings and the overlay's, one
/// holder per name (in order of first appearance) and one stock node per
/// holder and good.
fn build_stockpiles(
    model: &Model,
    scenario: &Scenario,
    overlay: &Overlay,
    agreements: &[Agreement],
    cix: CountryLookup<'_>,
) -> (Vec<Holder>, Vec<StockNode>) {
    let mut holders: Vec<Holder> = Vec::new();
    let mut stocks: Vec<StockNode> = Vec::new();
    for s in model.stockpiles.iter().chain(&overlay.stockpiles) {
        let country = cix.of(s.country);
        let h = holder_index(&mut holders, &s.holder, country, scenario, agreements);
        let good = good_index(s.good);
        match stocks.iter_mut().find(|x| x.holder == h && x.good == good) {
            Some(x) => x.initial += engine_qty(s.good, s.tonnes),
            None => stocks.push(StockNode {
                holder: h,
                country,
                good,
                initial: engine_qty(s.good, s.tonnes),
                tolled: false,
            }),
        }
    }
    (holders, stocks)
}

/// The index of holder `name` (of `country`), added with the scenario's
/// rule for it and its country's agreement if it is new.
pub(crate) fn holder_index(
    holders: &mut Vec<Holder>,
    name: &str,
    country: usize,
    scenario: &Scenario,
    agreements: &[Agreement],
) -> usize {
    if let Some(h) = holders.iter().position(|h| h.name == name) {
        return h;
    }
    holders.push(Holder {
        name: name.to_string(),
        country,
        rule: scenario.policy.rule_for(name),
        agreement: agreements.iter().position(|a| a.members.contains(&country)),
    });
    holders.len() - 1
}

/// The scenario's stockpile purchase rules, one per element bought, each
/// on its holder's stock node of the good (created empty if the holder
/// held none).
fn build_purchases(
    scenario: &Scenario,
    holders: &[Holder],
    stocks: &mut Vec<StockNode>,
    start: Month,
    horizon: usize,
) -> Vec<Purchase> {
    let mut out = Vec::new();
    for e in &scenario.events {
        let EventKind::StockpilePurchase {
            holder,
            elements,
            form,
            target_t,
            tonnes_per_month,
            max_price_index,
        } = &e.kind
        else {
            continue;
        };
        let Some(h) = holders.iter().position(|x| x.name == *holder) else {
            continue;
        };
        let (from, to) = (
            index_of(start, horizon, e.from),
            index_of(start, horizon, e.to.plus(1)),
        );
        if to == 0 || from >= horizon {
            continue;
        }
        for el in elements.iter() {
            let good = match form {
                Form::Metal => METAL0 + el.index(),
                _ => critmin_model::goods::OXIDE0 + el.index(),
            };
            let node = match stocks
                .iter()
                .position(|x| x.holder == h && x.good == good && !x.tolled)
            {
                Some(n) => n,
                None => {
                    stocks.push(StockNode {
                        holder: h,
                        country: holders[h].country,
                        good,
                        initial: 0.0,
                        tolled: false,
                    });
                    stocks.len() - 1
                }
            };
            out.push(Purchase {
                from,
                to: to - 1,
                node,
                target: *target_t,
                pace: *tonnes_per_month,
                max_index: *max_price_index,
            });
        }
    }
    out
}

/// The scenario's events compiled to month indices; events wholly outside
/// the horizon are dropped.
struct Events {
    restrictions: Vec<Restriction>,
    sourcing: Vec<Sourcing>,
    leaks: Vec<Leak>,
    tariffs: Vec<Tariff>,
    offtakes: Vec<Offtake>,
    floors: Vec<(usize, usize, Idx<Facility>, ElementSet, f64, String)>,
    outages: Vec<(usize, usize, Idx<Facility>, f64)>,
    shocks: Vec<Shock>,
    manual_releases: Vec<(usize, usize, usize, ElementSet, f64)>,
}

/// The months, routes, elements and forms a trade measure covers, as a
/// restriction that allows the whole normal flow (callers set its share or
/// quota).
fn trade(
    from: usize,
    to: usize,
    cix: CountryLookup<'_>,
    exporters: &[CountryCode],
    importers: &Importers,
    elements: ElementSet,
    forms: critmin_model::FormSet,
) -> Restriction {
    Restriction {
        from,
        to,
        exporters: cix.all(exporters),
        importers: match importers {
            Importers::All => None,
            Importers::Only(v) => Some(cix.all(v)),
        },
        elements,
        forms,
        share: 1.0,
        quota_t_per_year: None,
        quota_even: false,
    }
}

/// `"CN → US, JP"` (or `"CN → *"`): a tariff's origins and levying
/// countries, for reports.
fn tariff_label(exporters: &[CountryCode], importers: &Importers) -> String {
    let list = |v: &[CountryCode]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let to = match importers {
        Importers::All => "*".to_string(),
        Importers::Only(v) => list(v),
    };
    format!("{} → {to}", list(exporters))
}

/// The `allowed_share` at and above which an export restriction is a no-op.
const FULL_ALLOWED_SHARE: f64 = 1.0;

fn build_events(
    scenario: &Scenario,
    holders: &[Holder],
    cix: CountryLookup<'_>,
    start: Month,
    horizon: usize,
) -> Events {
    let mut ev = Events {
        restrictions: Vec::new(),
        sourcing: Vec::new(),
        leaks: Vec::new(),
        tariffs: Vec::new(),
        offtakes: Vec::new(),
        floors: Vec::new(),
        outages: Vec::new(),
        shocks: Vec::new(),
        manual_releases: Vec::new(),
    };
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
            // A restriction that allows the whole normal flow restricts
            // nothing, so it is dropped: compiled, its caps (at 1 × normal)
            // would still split the home group of two members of a sharing
            // agreement and send the market through the capped allocator,
            // and would bind wherever other events push a route above its
            // normal flow.
            EventKind::ExportRestriction { allowed_share, .. }
                if *allowed_share >= FULL_ALLOWED_SHARE => {}
            EventKind::ExportRestriction {
                exporters,
                importers,
                elements,
                forms,
                allowed_share,
            } => ev.restrictions.push(Restriction {
                share: *allowed_share,
                ..trade(from, to, cix, exporters, importers, *elements, *forms)
            }),
            EventKind::ExportQuota {
                exporters,
                importers,
                elements,
                forms,
                tonnes_per_year,
                even,
            } => ev.restrictions.push(Restriction {
                quota_t_per_year: Some(*tonnes_per_year),
                quota_even: *even,
                ..trade(from, to, cix, exporters, importers, *elements, *forms)
            }),
            EventKind::FacilityOutage {
                facility,
                remaining_share,
            } => ev.outages.push((from, to, *facility, *remaining_share)),
            EventKind::DemandShock {
                countries: cs,
                sectors,
                elements,
                factor,
            } => ev.shocks.push(Shock {
                first: from,
                last: to,
                countries: cix.all(cs),
                sectors: sectors.clone(),
                elements: *elements,
                factor: *factor,
            }),
            EventKind::ProjectDelay { .. } | EventKind::StockpilePurchase { .. } => {}
            EventKind::Offtake {
                facility,
                buyer,
                share,
            } => ev.offtakes.push(Offtake {
                from,
                to,
                facility: *facility,
                buyer: cix.of(*buyer),
                share: *share,
            }),
            EventKind::PriceFloor {
                facility,
                elements,
                floor_usd_per_kg,
                payer,
            } => ev.floors.push((
                from,
                to,
                *facility,
                *elements,
                *floor_usd_per_kg * 1000.0,
                payer.clone(),
            )),
            EventKind::Leakage {
                exporters,
                importers,
                elements,
                forms,
                share,
                lag_months,
                premium,
            } => ev.leaks.push(Leak {
                trade: trade(from, to, cix, exporters, importers, *elements, *forms),
                share: *share,
                lag: (*lag_months).max(1) as usize,
                premium: *premium,
            }),
            EventKind::Tariff {
                exporters,
                importers,
                elements,
                forms,
                rate,
            } => {
                if *rate > 0.0 {
                    ev.tariffs.push(Tariff {
                        trade: trade(from, to, cix, exporters, importers, *elements, *forms),
                        rate: *rate,
                        line: e.line,
                        label: tariff_label(exporters, importers),
                    });
                }
            }
            EventKind::SourcingBan {
                exporters,
                importers,
                sectors,
                elements,
                forms,
            } => ev.sourcing.push(Sourcing {
                trade: trade(from, to, cix, exporters, importers, *elements, *forms),
                sectors: sectors.clone(),
            }),
            EventKind::StockpileRelease {
                holder,
                elements,
                tonnes_per_month,
            } => {
                if let Some(h) = holders.iter().position(|x| x.name == *holder) {
                    ev.manual_releases
                        .push((from, to, h, *elements, *tonnes_per_month));
                }
            }
        }
    }
    ev
}

/// Working inventory months: per (stage, country), and per stage for
/// every other country.
#[allow(clippy::type_complexity)]
fn build_inventories(
    model: &Model,
    cix: CountryLookup<'_>,
) -> (HashMap<(Stage, usize), f64>, HashMap<Stage, f64>) {
    let mut inv_months = HashMap::new();
    let mut inv_default = HashMap::new();
    for p in &model.inventories {
        match p.country {
            Some(c) => {
                inv_months.insert((p.stage, cix.of(c)), p.months);
            }
            None => {
                inv_default.insert(p.stage, p.months);
            }
        }
    }
    (inv_months, inv_default)
}

/// Each demand node's response to price: the first `demand_response.csv`
/// row of its own sector, else of `*`, naming an element its good
/// contains. A node with no row does not answer price.
fn build_responses(model: &Model, demand: &[DemandNode]) -> Vec<NodeResponse> {
    demand
        .iter()
        .map(|d| {
            let rules = &model.demand_response;
            let rule = rules
                .iter()
                .find(|s| s.sector == Some(d.sector) && s.elements.intersects(d.elements))
                .or_else(|| {
                    rules
                        .iter()
                        .find(|s| s.sector.is_none() && s.elements.intersects(d.elements))
                });
            match rule {
                Some(s) => NodeResponse {
                    elasticity: s.short_run_elasticity,
                    sub_max: s.max_share,
                    sub_rate_month: s.rate_per_yr / 12.0,
                    smoothing: 1.0 / (1.0 + s.lag_months),
                    trigger: s.trigger_index,
                    reversal_month: s.reversal_per_yr / 12.0,
                },
                None => NodeResponse::NONE,
            }
        })
        .collect()
}

/// Each facility's response to price: its country's `supply_response.csv`
/// row for its stage, else the `*` row; the world price cells of what it
/// makes (mines and separation: oxides of their elements; metal plants:
/// metals of their mix; magnet plants: magnets of their grade's content).
fn build_supply(
    model: &Model,
    pools: &[Pool],
    plants: &Plants,
    grade_reo: &[PerElement],
) -> Vec<Option<FacSupply>> {
    let mut out: Vec<Option<FacSupply>> = vec![None; model.facilities.len()];
    if model.supply_response.is_empty() {
        return out;
    }
    let mut cells: Vec<Vec<(Element, usize)>> = vec![Vec::new(); model.facilities.len()];
    let mut add = |f: Idx<Facility>, set: ElementSet, slot: usize| {
        for e in set.iter() {
            if !cells[f.get()].contains(&(e, slot)) {
                cells[f.get()].push((e, slot));
            }
        }
    };
    for p in pools {
        add(p.facility, p.elements, 0);
    }
    for s in &plants.seps {
        add(s.facility, s.elements, 0);
    }
    for m in &plants.metals {
        add(m.facility, m.mix.support(), 1);
    }
    for m in &plants.magnets {
        add(m.facility, grade_reo[m.grade].support(), 2);
    }
    for (i, f) in model.facilities_indexed() {
        let rows = &model.supply_response;
        let row = rows
            .iter()
            .find(|r| r.stage == f.stage && r.country == Some(f.country))
            .or_else(|| {
                rows.iter()
                    .find(|r| r.stage == f.stage && r.country.is_none())
            });
        if let Some(r) = row {
            if cells[i.get()].is_empty() {
                continue;
            }
            out[i.get()] = Some(FacSupply {
                cells: std::mem::take(&mut cells[i.get()]),
                restart_smoothing: 1.0 / (1.0 + r.restart_lag_months),
                build_smoothing: 1.0 / (1.0 + r.build_lag_months),
                trigger: r.trigger_index,
                growth_month: r.growth_per_yr / 12.0,
                max_factor: r.max_factor,
                accelerate_max: r.accelerate_months.round() as i32,
                defer_max: r.defer_months.round() as i32,
                defer_index: r.defer_index,
            });
        }
    }
    out
}

/// Per country, the precautionary-stock rule of its metal and alloy makers
/// and of its magnet makers: its own row, else the `*` row.
fn build_precaution(
    model: &Model,
    countries: &[CountryCode],
) -> Vec<[Option<PrecautionParams>; 3]> {
    let rows = &model.precaution;
    countries
        .iter()
        .map(|&c| {
            [Stage::MetalAlloy, Stage::Magnet, Stage::EndUse].map(|stage| {
                rows.iter()
                    .find(|r| r.stage == stage && r.country == Some(c))
                    .or_else(|| {
                        rows.iter()
                            .find(|r| r.stage == stage && r.country.is_none())
                    })
                    .filter(|r| r.max_months > 0.0)
                    .map(|r| PrecautionParams {
                        smoothing: 1.0 / (1.0 + r.smoothing_months),
                        trigger_ratio: 1.0 + r.trigger_rise,
                        max_months: r.max_months,
                        build_months_per_month: r.build_months_per_month,
                        release_months_per_month: r.release_months_per_month,
                    })
            })
        })
        .collect()
}

/// The form slot (0 oxide, 1 metal, 2 magnet) of market good `g`.
pub(crate) fn good_slot(g: usize) -> usize {
    if g < METAL0 {
        0
    } else if g < MAGNET0 {
        1
    } else {
        2
    }
}

/// Price response per element and form slot (oxide, metal, magnet), from
/// the dataset (first matching row), else the defaults.
fn build_price_response(model: &Model) -> Vec<PriceParams> {
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
                    min_index: r.min_index,
                    full_supply_response_index: r.full_supply_response_index,
                };
            }
        }
    }
    price
}

/// Home group per country: the first member of its sharing agreement, or
/// itself.
fn home_groups(n_countries: usize, agreements: &[Agreement]) -> Vec<usize> {
    (0..n_countries)
        .map(|c| {
            agreements
                .iter()
                .find(|a| a.members.contains(&c))
                .and_then(|a| a.members.iter().min().copied())
                .unwrap_or(c)
        })
        .collect()
}

/// Demand nodes grouped by (country, tier, good), in order of first
/// appearance, with the groups of each good.
struct DemandGroups {
    groups: Vec<(usize, usize, usize)>,
    /// Per group, the sourcing ban its nodes fall under (`u32::MAX`: none).
    segment: Vec<u32>,
    node_group: Vec<usize>,
    by_good: Vec<Vec<usize>>,
}

impl DemandGroups {
    /// Groups nodes by country, tier and good, and apart by the first
    /// sourcing ban that covers them (a segment buys from other sellers).
    fn new(
        demand: &[DemandNode],
        n_goods: usize,
        sourcing: &[Sourcing],
        form_of: impl Fn(usize) -> Form,
    ) -> DemandGroups {
        let mut keys: Vec<(usize, usize, usize, u32)> = Vec::new();
        let mut node_group = Vec::with_capacity(demand.len());
        let mut by_good: Vec<Vec<usize>> = vec![Vec::new(); n_goods];
        for d in demand {
            let segment = sourcing
                .iter()
                .position(|r| {
                    let t = &r.trade;
                    r.sectors.contains(&d.sector)
                        && t.importers.as_ref().is_none_or(|v| v.contains(&d.country))
                        && t.forms.contains(form_of(d.good))
                        && t.elements.intersects(d.elements)
                })
                .map_or(u32::MAX, |i| i as u32);
            let key = (d.country, d.tier, d.good, segment);
            let gi = match keys.iter().position(|k| *k == key) {
                Some(i) => i,
                None => {
                    keys.push(key);
                    by_good[d.good].push(keys.len() - 1);
                    keys.len() - 1
                }
            };
            node_group.push(gi);
        }
        DemandGroups {
            groups: keys.iter().map(|k| (k.0, k.1, k.2)).collect(),
            segment: keys.iter().map(|k| k.3).collect(),
            node_group,
            by_good,
        }
    }
}

/// Element content of each market good (t REO-eq per engine unit, nonzero
/// elements only) and its total.
struct GoodContent {
    content: Vec<Vec<(Element, f64)>>,
    total: Vec<f64>,
}

impl GoodContent {
    fn new(layout: GoodsLayout, grade_reo: &[PerElement]) -> GoodContent {
        let content: Vec<Vec<(Element, f64)>> = (0..layout.n_goods())
            .map(|g| {
                goods::good_reo(grade_reo, g)
                    .iter()
                    .filter(|(_, q)| *q > 0.0)
                    .collect()
            })
            .collect();
        let total = content
            .iter()
            .map(|c| c.iter().map(|(_, q)| q).sum())
            .collect();
        GoodContent { content, total }
    }
}

/// Capacity trends: one curve (factor per month of the run) per (country,
/// stage) that has one, and the curve of each facility (`u32::MAX` for
/// none).
fn capacity_curves(model: &Model, start: Month, horizon: usize) -> (Vec<Vec<f64>>, Vec<u32>) {
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
    (cap_curves, fac_curve)
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
