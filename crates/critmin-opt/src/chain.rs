//! The static chain model: one year of the world outside China as a linear
//! program, with China's exports capped by a disruption. Both optimisers
//! build on it — the portfolio MILP adds binary build decisions for the
//! pipeline's projects, and plan evaluation fixes them.
//!
//! Within the target year, quantities are annual flows in the engine's
//! units (t REO-equivalent per element for oxides and metals, t magnet for
//! magnets, as in `critmin-sim`):
//!
//! ```text
//! mine ─z─► (cracking plant ─►) separation plant ─► oxide pool ─► metal plants ─► metal pool ─► magnet plants ─► magnet pool
//!   ore composition fixed           separated set,      ▲ China's exports (capped)   ▲                            ▲
//!   (the balance problem)           recovery, capacity   └─ final oxide demand        └─ final metal demand       └─ final magnet demand
//! ```
//!
//! - **Mines** produce in their ore's fixed proportions, up to capacity (a
//!   disruption drives prices up and every plant outside China runs at
//!   nameplate, as the simulator's supply response does at high prices).
//! - **Feed**: a plant takes concentrate only from sources its feed list
//!   admits. An arc is dropped where a Chinese plant ranks the source
//!   higher (a facility id beats `country:XX` beats `*`): in the simulator
//!   that Chinese plant takes the concentrate first, and a ban on China's
//!   exports does not stop China importing (Myanmar's clays, for example,
//!   stay Chinese feed).
//! - **Separation** turns feed into the oxides of its separated set at its
//!   recovery, up to its capacity of separated oxide.
//! - **Metal plants** make each element of their product mix up to
//!   capacity × the element's share (as the simulator does), losing
//!   `1 − recovery` of the oxide.
//! - **Magnet plants** make magnets of their grade up to capacity, taking
//!   every element of the recipe at once.
//! - **China** sells what its plants make (run at capacity; its metal
//!   plants take oxide and its magnet plants metal first) to its own
//!   buyers and abroad. With no restriction on a good, the world market
//!   rations China's buyers as it rations everyone else's (served at least
//!   the allied fill rate), as the simulator's markets do. A restriction
//!   caps exports at a share of *normal* exports — those of the same year
//!   with no disruption and nothing funded — and China's buyers keep the
//!   rest. Chinese concentrate is not exported.
//! - **Demand** outside China is split into the allied group and the rest of
//!   the world; the market serves both the same fraction of each good
//!   (pro-rata rationing, as the simulator's markets do within a tier).
//!   Allied strategic stockpiles are drawn for allied demand of their own
//!   good on top.
//!
//! The objective is the value of allied unmet demand at baseline prices
//! (USD per year). The model is an optimistic bound on what the allied chain
//! can deliver: routing is chosen to minimise the shortfall, there is no
//! ramp-up, and working inventories are not counted.

use crate::OptError;
use critmin_metrics::flows::{active_months, capacity_years, facility_flows, feed_mix};
use critmin_model::{
    ALLIED, CountryCode, Element, ElementSet, Facility, FeedRef, Form, Funding, Good, Idx, Model,
    Month, N_ELEMENTS, PerElement, Process, Stockpile, good_elements,
};
use good_lp::{
    Constraint, Expression, ProblemVariables, Solution, SolverModel, Variable, constraint, highs,
    variable,
};
use std::collections::BTreeMap;

/// Index of the oxide of an element among goods.
pub const OXIDE0: usize = 0;
/// Index of the metal of an element among goods.
pub const METAL0: usize = N_ELEMENTS;
/// Index of the first magnet grade among goods.
pub const MAGNET0: usize = 2 * N_ELEMENTS;

/// Price floor for elements without a baseline price, USD per t REO-eq,
/// so that their shortfall still counts (the cheapest listed oxides, La
/// and Ce, trade at USD 1/kg).
pub const PRICE_FLOOR_USD_PER_T: f64 = 1000.0;

/// Whether `c` is China, the exporter disruptions cap.
pub fn is_china(c: CountryCode) -> bool {
    c.as_str() == "CN"
}

/// How much of the target year a facility runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Online {
    /// A fixed fraction of the year, 0..1 (its dates, or a fixed plan).
    Fixed(f64),
    /// Decided by the optimiser: the pipeline project with this index.
    Project(usize),
}

/// A facility's capacity in the target year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cap {
    /// The facility.
    pub facility: Idx<Facility>,
    /// Annual capacity in engine units (t REO of concentrate or separated
    /// oxide, t REO-eq of metal, t magnet).
    pub full_t: f64,
    /// How much of the year it runs.
    pub online: Online,
}

/// A source of mixed concentrate outside China: a mine or a cracking plant.
#[derive(Debug, Clone)]
pub struct SourceNode {
    /// Capacity (t REO of concentrate per year).
    pub cap: Cap,
    /// Composition of what it delivers (fractions of REO).
    pub comp: PerElement,
    /// Recovery if it is a cracking plant.
    pub cracking: Option<f64>,
}

/// A separation plant outside China.
#[derive(Debug, Clone)]
pub struct SepNode {
    /// Capacity (t REO of separated oxide per year).
    pub cap: Cap,
    /// Elements it separates.
    pub elements: ElementSet,
    /// Recovery.
    pub recovery: f64,
}

/// A concentrate route: from a mine, optionally through a cracking plant,
/// to a separation plant.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// Source (a mine) index.
    pub mine: usize,
    /// Cracking plant (a source index), if any.
    pub via: Option<usize>,
    /// Separation plant index.
    pub sep: usize,
}

/// A metal plant outside China.
#[derive(Debug, Clone)]
pub struct MetalNode {
    /// Capacity in t REO-eq of metal per year.
    pub cap: Cap,
    /// Product mix by REO share (sums to 1): element `e` up to `cap × mix[e]`.
    pub mix: PerElement,
    /// Recovery from oxide.
    pub recovery: f64,
}

/// A magnet plant outside China.
#[derive(Debug, Clone)]
pub struct MagnetNode {
    /// Capacity in t magnet per year.
    pub cap: Cap,
    /// Recipe index.
    pub grade: usize,
}

/// What a scenario does to the target year.
#[derive(Debug, Clone, PartialEq)]
pub struct Disruption {
    /// Name (the scenario's).
    pub name: String,
    /// Allowed share of China's normal exports per good, 0..1.
    pub china_share: Vec<f64>,
    /// Remaining capacity share per facility with an outage.
    pub outages: Vec<(Idx<Facility>, f64)>,
    /// Capacity multipliers per facility, applied on top of outages (the
    /// portfolio's stage relief: what more capacity at one stage is
    /// worth); empty in a scenario's fold.
    pub capacity_scale: Vec<(Idx<Facility>, f64)>,
    /// A sampled future's mine output factors (the risk model's
    /// `mine_output`), capacity multipliers like `capacity_scale`.
    pub mine_scale: Vec<(Idx<Facility>, f64)>,
    /// A sampled future's multiplier on demand growth (the risk model's
    /// `demand_growth`: each row's growth factor is raised to this power);
    /// 1 as the path is written.
    pub demand_growth: f64,
    /// Demand growth path.
    pub path: String,
    /// Parts of the scenario the static model leaves out, in words.
    pub notes: Vec<String>,
}

impl Disruption {
    /// No disruption: China exports its normal surplus.
    pub fn none(n_goods: usize, path: &str) -> Disruption {
        Disruption {
            name: "no disruption".into(),
            china_share: vec![1.0; n_goods],
            outages: Vec::new(),
            capacity_scale: Vec::new(),
            mine_scale: Vec::new(),
            demand_growth: 1.0,
            path: path.to_string(),
            notes: Vec::new(),
        }
    }

    /// China exports nothing for the whole year.
    pub fn china_ban(n_goods: usize, path: &str) -> Disruption {
        Disruption {
            name: "china-total-ban-year".into(),
            china_share: vec![0.0; n_goods],
            outages: Vec::new(),
            capacity_scale: Vec::new(),
            mine_scale: Vec::new(),
            demand_growth: 1.0,
            path: path.to_string(),
            notes: Vec::new(),
        }
    }

    /// The share of facility `f`'s capacity available: the deepest of its
    /// outages, times its capacity multipliers.
    fn outage(&self, f: Idx<Facility>) -> f64 {
        let out = self
            .outages
            .iter()
            .filter(|(i, _)| *i == f)
            .map(|(_, s)| *s)
            .fold(1.0, f64::min);
        self.capacity_scale
            .iter()
            .chain(&self.mine_scale)
            .filter(|(i, _)| *i == f)
            .fold(out, |a, (_, k)| a * k)
    }

    /// Whether two disruptions do the same to the year (names and notes
    /// aside): identical folded futures share one copy of the chain.
    pub fn same_effect(&self, other: &Disruption) -> bool {
        self.china_share == other.china_share
            && self.outages == other.outages
            && self.capacity_scale == other.capacity_scale
            && self.mine_scale == other.mine_scale
            && self.demand_growth == other.demand_growth
            && self.path == other.path
    }
}

/// One year of the chain outside China, ready to be written as an LP.
#[derive(Debug, Clone)]
pub struct ChainYear {
    /// The year.
    pub year: i32,
    /// Demand path.
    pub path: String,
    /// Mines and cracking plants.
    pub sources: Vec<SourceNode>,
    /// Separation plants.
    pub seps: Vec<SepNode>,
    /// Concentrate routes.
    pub routes: Vec<Route>,
    /// Metal plants.
    pub metals: Vec<MetalNode>,
    /// Magnet plants.
    pub magnets: Vec<MagnetNode>,
    /// REO-eq per t magnet of each grade.
    pub grade_reo: Vec<PerElement>,
    /// Grade names.
    pub grade_names: Vec<String>,
    /// Allied demand per good, engine units per year.
    pub demand_allied: Vec<f64>,
    /// Demand of the rest of the world outside China per good.
    pub demand_other: Vec<f64>,
    /// Demand per country and good (outside China).
    pub demand_by_country: BTreeMap<CountryCode, Vec<f64>>,
    /// Allied strategic stockpiles per good (the dataset's).
    pub stock_allied: Vec<f64>,
    /// China's output of each good per year left after its own plants'
    /// use (its metal plants take oxide, its magnet plants metal), for its
    /// own final buyers and for export.
    pub china_avail: Vec<f64>,
    /// China's own final demand per good per year.
    pub demand_china: Vec<f64>,
    /// China's normal exports per good per year: what it exports with no
    /// disruption when the world market rations China's buyers and
    /// everyone else alike (see [`add_year`]). Disruptions cap exports at
    /// a share of this.
    pub china_exports: Vec<f64>,
    /// Value of one engine unit of each good, USD (baseline prices).
    pub weight_usd: Vec<f64>,
    /// Allied countries.
    pub allied: Vec<CountryCode>,
}

/// Number of goods for a model: oxides, metals, magnet grades.
pub fn n_goods(model: &Model) -> usize {
    MAGNET0 + model.recipes.len()
}

/// The good index of a dataset good.
pub fn good_index(g: Good) -> usize {
    match g {
        Good::Oxide { element } => OXIDE0 + element.index(),
        Good::Metal { element } => METAL0 + element.index(),
        Good::Magnet { grade } => MAGNET0 + grade.get(),
    }
}

/// Engine units (t REO-eq, t magnet) of `t` tonnes of a good.
pub fn engine_qty(g: Good, t: f64) -> f64 {
    match g {
        Good::Metal { element } => t * element.oxide_per_metal(),
        _ => t,
    }
}

/// Baseline value of one engine unit of each good, USD.
pub fn good_prices(model: &Model) -> Vec<f64> {
    let mut w = vec![0.0; n_goods(model)];
    let price = |e: Element, form: Form| {
        model
            .prices
            .iter()
            .filter(|p| p.element == e && p.form == form)
            .max_by_key(|p| p.year)
            .map(|p| p.usd_per_kg * 1000.0)
    };
    for e in Element::ALL {
        let oxide = price(e, Form::Oxide)
            .unwrap_or(PRICE_FLOOR_USD_PER_T)
            .max(PRICE_FLOOR_USD_PER_T);
        let metal = price(e, Form::Metal).map_or(oxide * 1.2, |m| m * e.metal_per_oxide());
        w[OXIDE0 + e.index()] = oxide;
        w[METAL0 + e.index()] = metal.max(PRICE_FLOOR_USD_PER_T);
    }
    for (g, r) in model.recipes.iter().enumerate() {
        w[MAGNET0 + g] = r
            .reo_t_per_t()
            .iter()
            .map(|(e, q)| q * w[METAL0 + e.index()])
            .sum();
    }
    w
}

/// REO-eq per element of one engine unit of good `g`.
pub fn good_reo(grade_reo: &[PerElement], g: usize) -> PerElement {
    let mut out = PerElement::ZERO;
    if g < MAGNET0 {
        if let Some(e) = Element::from_index(g % N_ELEMENTS) {
            out[e] = 1.0;
        }
    } else if let Some(r) = grade_reo.get(g - MAGNET0) {
        out = *r;
    }
    out
}

/// Feed class with which `feed` admits source `s` (0 names it, 1 names its
/// country, 2 takes any mine), or `None`.
fn feed_class(model: &Model, feed: &[FeedRef], s: Idx<Facility>) -> Option<u8> {
    let f = model.at(s);
    feed.iter()
        .filter_map(|r| match r {
            FeedRef::Facility(i) if *i == s => Some(0),
            FeedRef::Country(c) if f.is_mine() && f.country == *c => Some(1),
            FeedRef::Any if f.is_mine() => Some(2),
            _ => None,
        })
        .min()
}

/// The seeking project that builds facility `f`, if any.
pub fn seeking_project(model: &Model, f: Idx<Facility>) -> Option<usize> {
    model
        .projects
        .iter()
        .position(|p| p.facility == f && p.funding == Funding::Seeking)
}

/// Months of `year` from month `online` on, as a fraction of the year.
pub fn year_fraction(online: Month, year: i32) -> f64 {
    let Some(jan) = Month::january(year) else {
        return 0.0;
    };
    let before = online.since(jan).clamp(0, 12);
    f64::from(12 - before) / 12.0
}

/// A facility's capacity in `year`: capacity trends (the facility's
/// country and stage) count as the metrics count them, month by month over
/// the year; a seeking project's facility is online only if funded.
fn cap_of(model: &Model, year: i32, i: Idx<Facility>, full_t: f64) -> Cap {
    match seeking_project(model, i) {
        Some(p) => Cap {
            facility: i,
            full_t: full_t * Month::new(year, 7).map_or(1.0, |m| model.capacity_factor(i, m)),
            online: Online::Project(p),
        },
        None => Cap {
            facility: i,
            full_t,
            online: Online::Fixed(capacity_years(model, i, year)),
        },
    }
}

/// Sources and plants outside China, with the facility behind each source
/// and separation plant.
struct Plants {
    sources: Vec<SourceNode>,
    source_fac: Vec<Idx<Facility>>,
    seps: Vec<SepNode>,
    sep_fac: Vec<Idx<Facility>>,
    metals: Vec<MetalNode>,
    magnets: Vec<MagnetNode>,
}

impl Plants {
    fn outside_china(model: &Model, year: i32) -> Plants {
        let cap_of = |i: Idx<Facility>, full_t: f64| cap_of(model, year, i, full_t);
        let free = |f: &Facility| !is_china(f.country);
        let mut sources = Vec::new();
        let mut source_fac = Vec::new();
        let mut seps = Vec::new();
        let mut sep_fac = Vec::new();
        let mut metals = Vec::new();
        let mut magnets = Vec::new();
        for (i, f) in model.facilities_indexed() {
            if !free(f) {
                continue;
            }
            match &f.process {
                Process::Mine { ore, .. } => {
                    source_fac.push(i);
                    sources.push(SourceNode {
                        cap: cap_of(i, f.capacity_t_per_yr),
                        comp: model.at(*ore).shares,
                        cracking: None,
                    });
                }
                Process::Cracking { recovery, .. } => {
                    source_fac.push(i);
                    sources.push(SourceNode {
                        cap: cap_of(i, f.capacity_t_per_yr),
                        comp: feed_mix(model, f),
                        cracking: Some(*recovery),
                    });
                }
                Process::Separation {
                    recovery, elements, ..
                } => {
                    sep_fac.push(i);
                    seps.push(SepNode {
                        cap: cap_of(i, f.capacity_t_per_yr),
                        elements: *elements,
                        recovery: *recovery,
                    });
                }
                Process::MetalAlloy { product, recovery } => {
                    let mix = model.at(*product).shares;
                    let metal_per_reo: f64 = mix.iter().map(|(e, s)| s * e.metal_per_oxide()).sum();
                    let reo = if metal_per_reo > 0.0 {
                        f.capacity_t_per_yr / metal_per_reo
                    } else {
                        0.0
                    };
                    metals.push(MetalNode {
                        cap: cap_of(i, reo),
                        mix,
                        recovery: *recovery,
                    });
                }
                Process::Magnet { grade } => magnets.push(MagnetNode {
                    cap: cap_of(i, f.capacity_t_per_yr),
                    grade: grade.get(),
                }),
            }
        }

        Plants {
            sources,
            source_fac,
            seps,
            sep_fac,
            metals,
            magnets,
        }
    }

    /// Concentrate routes from sources (directly, or through a cracking
    /// plant) to separation plants, each kept only where the plant takes
    /// the source at a class no Chinese taker outranks.
    fn routes(&self, model: &Model, year: i32) -> Vec<Route> {
        let Plants {
            sources,
            source_fac,
            sep_fac,
            ..
        } = self;
        let chinese_takers: Vec<&[FeedRef]> = model
            .facilities
            .iter()
            .filter(|f| is_china(f.country) && active_months(f, year) > 0)
            .map(|f| f.feed())
            .filter(|feed| !feed.is_empty())
            .collect();
        let china_class = |s: Idx<Facility>| -> Option<u8> {
            chinese_takers
                .iter()
                .filter_map(|feed| feed_class(model, feed, s))
                .min()
        };
        let keeps = |feed: &[FeedRef], s: Idx<Facility>| -> bool {
            match feed_class(model, feed, s) {
                None => false,
                Some(c) => china_class(s).is_none_or(|cc| c <= cc),
            }
        };
        let mut routes = Vec::new();
        for (k, &pf) in sep_fac.iter().enumerate() {
            let feed = model.at(pf).feed();
            for (m, &sf) in source_fac.iter().enumerate() {
                if sources[m].cracking.is_some() {
                    // Through a cracking plant: its own feed from mines.
                    if !keeps(feed, sf) {
                        continue;
                    }
                    let cfeed = model.at(sf).feed();
                    for (m2, &mf) in source_fac.iter().enumerate() {
                        if sources[m2].cracking.is_none() && keeps(cfeed, mf) {
                            routes.push(Route {
                                mine: m2,
                                via: Some(m),
                                sep: k,
                            });
                        }
                    }
                } else if keeps(feed, sf) {
                    routes.push(Route {
                        mine: m,
                        via: None,
                        sep: k,
                    });
                }
            }
        }

        routes
    }
}

/// Final demand per good in a year, by who buys it (engine units).
struct YearDemand {
    allied: Vec<f64>,
    other: Vec<f64>,
    china: Vec<f64>,
    by_country: BTreeMap<CountryCode, Vec<f64>>,
}

impl YearDemand {
    fn new(
        model: &Model,
        year: i32,
        growth: Option<&critmin_model::GrowthPath>,
        growth_scale: f64,
        allied: &[CountryCode],
    ) -> YearDemand {
        let ng = n_goods(model);
        let mut demand_allied = vec![0.0; ng];
        let mut demand_other = vec![0.0; ng];
        let mut demand_china = vec![0.0; ng];
        let mut demand_by_country: BTreeMap<CountryCode, Vec<f64>> = BTreeMap::new();
        for row in &model.demand {
            let elements = good_elements(row.good, &model.recipes);
            let factor = growth.map_or(1.0, |p| {
                p.factor(model.base_year, year, row.sector, elements)
            });
            let factor = if growth_scale == 1.0 {
                factor
            } else {
                factor.max(1e-12).powf(growth_scale)
            };
            let q = engine_qty(row.good, row.t_per_yr * factor);
            let g = good_index(row.good);
            if is_china(row.country) {
                demand_china[g] += q;
                continue;
            }
            demand_by_country
                .entry(row.country)
                .or_insert_with(|| vec![0.0; ng])[g] += q;
            if allied.contains(&row.country) {
                demand_allied[g] += q;
            } else {
                demand_other[g] += q;
            }
        }

        YearDemand {
            allied: demand_allied,
            other: demand_other,
            china: demand_china,
            by_country: demand_by_country,
        }
    }
}

/// What China's plants make of each good in a year, home first: its plants
/// run at capacity (prices are high whenever the world is short); metal
/// plants take oxide and magnet plants metal before final buyers (as
/// production lines rank in the simulator's markets). China's own final
/// demand is served from it before anything is exported (by the caller).
fn china_supply(model: &Model, year: i32, grade_reo: &[PerElement]) -> Vec<f64> {
    let ng = n_goods(model);
    let mut oxide = PerElement::ZERO;
    let mut metal_cap = PerElement::ZERO;
    let mut metal_rec = PerElement([1.0; N_ELEMENTS]);
    let mut magnet_cap = vec![0.0; model.recipes.len()];
    for fl in facility_flows(model, year) {
        let f = model.at(fl.facility);
        if !is_china(f.country) {
            continue;
        }
        match &f.process {
            Process::Separation { .. } => oxide.add_scaled(&fl.capacity_reo_t, 1.0),
            Process::MetalAlloy { recovery, .. } => {
                metal_cap.add_scaled(&fl.capacity_reo_t, 1.0);
                for (e, q) in fl.capacity_reo_t.iter() {
                    if q > 0.0 {
                        metal_rec[e] = recovery.max(1e-9);
                    }
                }
            }
            Process::Magnet { grade } => {
                if let Some(x) = magnet_cap.get_mut(grade.get()) {
                    *x += fl.capacity_native_t;
                }
            }
            _ => {}
        }
    }
    let mut metal = PerElement::ZERO;
    for e in Element::ALL {
        metal[e] = metal_cap[e].min(oxide[e] * metal_rec[e]);
        oxide[e] -= metal[e] / metal_rec[e];
    }
    let mut need = PerElement::ZERO;
    for (g, q) in magnet_cap.iter().enumerate() {
        need.add_scaled(&grade_reo[g], *q);
    }
    let scale = Element::ALL
        .iter()
        .filter(|e| need[**e] > 0.0)
        .map(|e| metal[*e] / need[*e])
        .fold(1.0, f64::min);
    let mut china_avail = vec![0.0; ng];
    for (g, q) in magnet_cap.iter().enumerate() {
        let made = q * scale;
        metal.add_scaled(&grade_reo[g], -made);
        china_avail[MAGNET0 + g] = made;
    }
    for e in Element::ALL {
        let i = e.index();
        china_avail[METAL0 + i] = metal[e].max(0.0);
        china_avail[OXIDE0 + i] = oxide[e].max(0.0);
    }
    china_avail
}

impl ChainYear {
    /// Extracts the chain outside China in `year` on growth path `path`.
    /// Seeking projects' facilities get [`Online::Project`]; `extra_stock`
    /// adds stockpile holdings (a plan's) to the dataset's.
    pub fn new(
        model: &Model,
        year: i32,
        path: &str,
        extra_stock: &[Stockpile],
    ) -> Result<ChainYear, OptError> {
        Self::with_growth(model, year, path, 1.0, extra_stock)
    }

    /// The chain a disruption's year runs on: its path, with its demand
    /// growth multiplier.
    pub fn for_disruption(model: &Model, year: i32, d: &Disruption) -> Result<ChainYear, OptError> {
        Self::with_growth(model, year, &d.path, d.demand_growth, &[])
    }

    /// [`ChainYear::new`] with every demand row's growth factor raised to
    /// `growth_scale` (the simulator's `scale_demand_growth`).
    pub fn with_growth(
        model: &Model,
        year: i32,
        path: &str,
        growth_scale: f64,
        extra_stock: &[Stockpile],
    ) -> Result<ChainYear, OptError> {
        let growth = if model.growth_paths.is_empty() {
            None
        } else {
            Some(
                model
                    .growth_path(path)
                    .ok_or_else(|| OptError::UnknownPath {
                        name: path.to_string(),
                        known: model.growth_paths.iter().map(|p| p.name.clone()).collect(),
                    })?,
            )
        };
        let allied = model
            .group(ALLIED)
            .map(|g| g.members.clone())
            .unwrap_or_default();
        let ng = n_goods(model);
        let plants = Plants::outside_china(model, year);
        let routes = plants.routes(model, year);
        let demand = YearDemand::new(model, year, growth, growth_scale, &allied);

        // Allied strategic stockpiles.
        let mut stock_allied = vec![0.0; ng];
        for s in model.stockpiles.iter().chain(extra_stock) {
            if allied.contains(&s.country) {
                stock_allied[good_index(s.good)] += engine_qty(s.good, s.tonnes);
            }
        }

        let grade_reo: Vec<PerElement> = model.recipes.iter().map(|r| r.reo_t_per_t()).collect();
        let china_avail = china_supply(model, year, &grade_reo);
        // Home-first exports, replaced below by the normal year's.
        let china_exports = (0..ng)
            .map(|g| (china_avail[g] - demand.china[g]).max(0.0))
            .collect();

        ChainYear {
            year,
            path: path.to_string(),
            sources: plants.sources,
            seps: plants.seps,
            routes,
            metals: plants.metals,
            magnets: plants.magnets,
            grade_reo,
            grade_names: model.recipes.iter().map(|r| r.grade.clone()).collect(),
            demand_allied: demand.allied,
            demand_other: demand.other,
            demand_by_country: demand.by_country,
            stock_allied,
            china_avail,
            demand_china: demand.china,
            china_exports,
            weight_usd: good_prices(model),
            allied,
        }
        .with_normal_exports()
    }

    /// Sets China's normal exports to what the no-disruption year ships
    /// (nothing funded): the world market rations China's own buyers as
    /// it rations everyone else's, so in a tight year China exports more
    /// than its surplus over a fully served home market.
    fn with_normal_exports(mut self) -> Result<ChainYear, OptError> {
        let ng = self.n_goods();
        let mut vars = ProblemVariables::new();
        let mut cons = Vec::new();
        let d = Disruption::none(ng, &self.path);
        let zero = |_: usize| Expression::from(0.0);
        let y = add_year(&self, &d, &mut vars, &mut cons, &zero, &zero);
        let mut lp = vars.minimise(y.unmet_value_usd.clone()).using(highs);
        lp.set_verbose(false);
        let sol = lp
            .with_all(cons)
            .solve()
            .map_err(|e| OptError::Solver(e.to_string()))?;
        for g in 0..ng {
            self.china_exports[g] = (self.china_avail[g] - sol.value(y.served_china[g]))
                .max(self.china_exports[g])
                .min(self.china_avail[g]);
        }
        Ok(self)
    }

    /// Number of goods.
    pub fn n_goods(&self) -> usize {
        self.demand_allied.len()
    }

    /// Allied demand per element, t REO-eq per year (every form).
    pub fn allied_demand_reo(&self) -> PerElement {
        self.reo_of(&self.demand_allied)
    }

    /// Per-good quantities converted to t REO-eq per element.
    pub fn reo_of(&self, per_good: &[f64]) -> PerElement {
        let mut out = PerElement::ZERO;
        for (g, q) in per_good.iter().enumerate() {
            out.add_scaled(&good_reo(&self.grade_reo, g), *q);
        }
        out
    }
}

/// The variables of one scenario's year, to read a solution back.
#[derive(Debug, Clone)]
pub struct YearVars {
    /// Allied demand served from the market, per good.
    pub served_allied: Vec<Variable>,
    /// Allied demand served from stockpiles, per good.
    pub stock_draw: Vec<Variable>,
    /// Rest-of-world demand served, per good.
    pub served_other: Vec<Variable>,
    /// China's exports used, per good.
    pub imports: Vec<Variable>,
    /// China's own final demand served, per good.
    pub served_china: Vec<Variable>,
    /// The value of allied unmet demand, USD (an expression of the above).
    pub unmet_value_usd: Expression,
}

/// Writes one scenario's year into an LP: adds variables to `vars` and
/// constraints to `cons`, with capacity of facility `Online::Project(p)`
/// given by `online(p)` (a fraction of the year as an expression, e.g.
/// of binary decisions). `stock_extra` adds per-good allied stock (an
/// expression, e.g. stockpile purchases).
pub fn add_year(
    chain: &ChainYear,
    d: &Disruption,
    vars: &mut ProblemVariables,
    cons: &mut Vec<Constraint>,
    online: &dyn Fn(usize) -> Expression,
    stock_extra: &dyn Fn(usize) -> Expression,
) -> YearVars {
    let ng = chain.n_goods();
    let cap = |c: &Cap| -> Expression {
        let k = c.full_t * d.outage(c.facility);
        match c.online {
            Online::Fixed(frac) => Expression::from(k * frac),
            Online::Project(p) => online(p) * k,
        }
    };

    let oxide_made = add_separation(chain, vars, cons, &cap);
    let Markets {
        served_allied,
        served_other,
        stock_draw,
        imports,
        served_china,
    } = add_markets(chain, d, vars, cons, stock_extra);
    let Conversion {
        metal_made,
        oxide_to_metal,
        magnets_made,
        metal_to_magnets,
    } = add_conversion(chain, vars, cons, &cap);

    // Pools: supply ≥ uses (surplus is left over: the balance problem's La
    // and Ce).
    for e in Element::ALL {
        let i = e.index();
        let ox = OXIDE0 + i;
        let supply = oxide_made[i].clone() + imports[ox];
        let uses = oxide_to_metal[i].clone() + served_allied[ox] + served_other[ox];
        cons.push(constraint!(supply >= uses));
        let mt = METAL0 + i;
        let supply = metal_made[i].clone() + imports[mt];
        let uses = metal_to_magnets[i].clone() + served_allied[mt] + served_other[mt];
        cons.push(constraint!(supply >= uses));
    }
    for (r, made) in magnets_made.into_iter().enumerate() {
        let g = MAGNET0 + r;
        let supply = made + imports[g];
        let uses = served_allied[g] + served_other[g];
        cons.push(constraint!(supply >= uses));
    }

    let mut unmet_value_usd = Expression::from(0.0);
    for g in 0..ng {
        let w = chain.weight_usd[g];
        unmet_value_usd +=
            (Expression::from(chain.demand_allied[g]) - served_allied[g] - stock_draw[g]) * w;
    }
    YearVars {
        served_allied,
        stock_draw,
        served_other,
        imports,
        served_china,
        unmet_value_usd,
    }
}

/// Concentrate routes and separation plants: the oxide made per element.
fn add_separation(
    chain: &ChainYear,
    vars: &mut ProblemVariables,
    cons: &mut Vec<Constraint>,
    cap: &dyn Fn(&Cap) -> Expression,
) -> Vec<Expression> {
    let nonneg = |vars: &mut ProblemVariables| vars.add(variable().min(0.0));
    // Concentrate routes.
    let z: Vec<Variable> = chain.routes.iter().map(|_| nonneg(vars)).collect();
    for (m, src) in chain.sources.iter().enumerate() {
        let from: Expression = chain
            .routes
            .iter()
            .zip(&z)
            .filter(|(r, _)| r.mine == m)
            .map(|(_, v)| *v)
            .sum();
        let through: Expression = chain
            .routes
            .iter()
            .zip(&z)
            .filter(|(r, _)| r.via == Some(m))
            .map(|(_, v)| *v * src.cracking.unwrap_or(1.0))
            .sum();
        let c = cap(&src.cap);
        if src.cracking.is_some() {
            cons.push(constraint!(through <= c));
        } else {
            cons.push(constraint!(from <= c));
        }
    }
    // Separation: oxide made per element.
    let mut oxide_made: Vec<Expression> = vec![Expression::from(0.0); N_ELEMENTS];
    for (k, sep) in chain.seps.iter().enumerate() {
        let mut total = Expression::from(0.0);
        for e in sep.elements.iter() {
            let mut made = Expression::from(0.0);
            for (r, v) in chain.routes.iter().zip(&z).filter(|(r, _)| r.sep == k) {
                let via = r.via.and_then(|c| chain.sources[c].cracking).unwrap_or(1.0);
                let q = chain.sources[r.mine].comp[e] * via * sep.recovery;
                if q > 0.0 {
                    made += *v * q;
                }
            }
            total += made.clone();
            oxide_made[e.index()] += made;
        }
        let c = cap(&sep.cap);
        cons.push(constraint!(total <= c));
    }

    oxide_made
}

/// The market quantities of one year, per good.
struct Markets {
    served_allied: Vec<Variable>,
    served_other: Vec<Variable>,
    stock_draw: Vec<Variable>,
    imports: Vec<Variable>,
    served_china: Vec<Variable>,
}

/// Who is served what per good: China's exports and own buyers, the
/// allies (market and stockpiles) and the rest of the world, with the
/// rationing rules that share a short market.
fn add_markets(
    chain: &ChainYear,
    d: &Disruption,
    vars: &mut ProblemVariables,
    cons: &mut Vec<Constraint>,
    stock_extra: &dyn Fn(usize) -> Expression,
) -> Markets {
    let ng = chain.n_goods();
    let nonneg = |vars: &mut ProblemVariables| vars.add(variable().min(0.0));
    // Market quantities.
    let served_allied: Vec<Variable> = (0..ng).map(|_| nonneg(vars)).collect();
    let served_other: Vec<Variable> = (0..ng).map(|_| nonneg(vars)).collect();
    let stock_draw: Vec<Variable> = (0..ng).map(|_| nonneg(vars)).collect();
    let imports: Vec<Variable> = (0..ng).map(|_| nonneg(vars)).collect();
    let served_china: Vec<Variable> = (0..ng).map(|_| nonneg(vars)).collect();
    for g in 0..ng {
        // China's output left after its own plants goes to its own buyers
        // or abroad. Unrestricted, the world market rations China's buyers
        // like everyone else (they are served at least the allied fill
        // rate, which the objective makes exact); restricted, exports are
        // capped at a share of normal and China's buyers keep the rest,
        // whatever the rest of the world gets.
        let share = d.china_share.get(g).copied().unwrap_or(1.0).clamp(0.0, 1.0);
        let (dc, sc) = (chain.demand_china[g], served_china[g]);
        cons.push(constraint!(sc <= dc));
        cons.push(constraint!(imports[g] + sc <= chain.china_avail[g]));
        if share < 1.0 {
            cons.push(constraint!(imports[g] <= share * chain.china_exports[g]));
        }
        let (da, dother) = (chain.demand_allied[g], chain.demand_other[g]);
        // The rationing rules compare fill rates (served ÷ demand, 0..1),
        // never cross-multiplied quantities: at the dataset's bounds a
        // demand is up to `MAX_TONNES` per row, and a product of two of
        // them (1e17 and more) is beyond what the solver's tolerances can
        // resolve. A buyer without demand is served nothing (its `≤ 0`
        // bound below), so its rule is void and left out.
        if share >= 1.0 && dc > 0.0 {
            if da > 0.0 {
                cons.push(constraint!(
                    sc * (1.0 / dc) >= served_allied[g] * (1.0 / da)
                ));
            } else if dother > 0.0 {
                cons.push(constraint!(
                    sc * (1.0 / dc) >= served_other[g] * (1.0 / dother)
                ));
            }
        }
        let sa = served_allied[g];
        let so = served_other[g];
        let sd = stock_draw[g];
        cons.push(constraint!(sa + sd <= da));
        cons.push(constraint!(so <= dother));
        // Pro-rata rationing of the market between the allies and the rest.
        if da > 0.0 && dother > 0.0 {
            cons.push(constraint!(so * (1.0 / dother) == sa * (1.0 / da)));
        }
        let have = stock_extra(g) + chain.stock_allied[g];
        cons.push(constraint!(sd <= have));
    }

    Markets {
        served_allied,
        served_other,
        stock_draw,
        imports,
        served_china,
    }
}

/// What metal and magnet plants make and take, per element and grade.
struct Conversion {
    metal_made: Vec<Expression>,
    oxide_to_metal: Vec<Expression>,
    magnets_made: Vec<Expression>,
    metal_to_magnets: Vec<Expression>,
}

/// Metal plants (oxide to metal by their mix) and magnet plants (metal to
/// magnets by their grade's recipe).
fn add_conversion(
    chain: &ChainYear,
    vars: &mut ProblemVariables,
    cons: &mut Vec<Constraint>,
    cap: &dyn Fn(&Cap) -> Expression,
) -> Conversion {
    let nonneg = |vars: &mut ProblemVariables| vars.add(variable().min(0.0));
    // Metal plants: metal made per element.
    let mut metal_made: Vec<Expression> = vec![Expression::from(0.0); N_ELEMENTS];
    let mut oxide_to_metal: Vec<Expression> = vec![Expression::from(0.0); N_ELEMENTS];
    for m in &chain.metals {
        for (e, s) in m.mix.iter() {
            if s <= 0.0 {
                continue;
            }
            let y = nonneg(vars);
            let c = cap(&m.cap) * s;
            cons.push(constraint!(y <= c));
            metal_made[e.index()] += y;
            oxide_to_metal[e.index()] += y * (1.0 / m.recovery.max(1e-9));
        }
    }
    // Magnet plants.
    let mut magnets_made: Vec<Expression> = vec![Expression::from(0.0); chain.grade_reo.len()];
    let mut metal_to_magnets: Vec<Expression> = vec![Expression::from(0.0); N_ELEMENTS];
    for j in &chain.magnets {
        let q = nonneg(vars);
        let c = cap(&j.cap);
        cons.push(constraint!(q <= c));
        magnets_made[j.grade] += q;
        for (e, k) in chain.grade_reo[j.grade].iter() {
            if k > 0.0 {
                metal_to_magnets[e.index()] += q * k;
            }
        }
    }
    Conversion {
        metal_made,
        oxide_to_metal,
        magnets_made,
        metal_to_magnets,
    }
}

/// A scenario's year as solved: allied unmet demand per good and element.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct YearOutcome {
    /// Scenario name.
    pub scenario: String,
    /// Allied demand, t REO-eq (every form).
    pub allied_demand_t: f64,
    /// Allied unmet demand, t REO-eq.
    pub allied_unmet_t: f64,
    /// Allied unmet demand valued at baseline prices, USD million.
    pub allied_unmet_value_musd: f64,
    /// Allied unmet demand per element, t REO-eq.
    pub allied_unmet_by_element_t: BTreeMap<String, f64>,
    /// Drawn from allied stockpiles, t REO-eq.
    pub stock_drawn_t: f64,
}

/// Reads one scenario's outcome from a solution.
pub fn outcome<S: good_lp::Solution>(
    chain: &ChainYear,
    d: &Disruption,
    v: &YearVars,
    sol: &S,
) -> YearOutcome {
    let ng = chain.n_goods();
    let mut unmet = vec![0.0; ng];
    let mut drawn = vec![0.0; ng];
    let mut value = 0.0;
    for g in 0..ng {
        drawn[g] = sol.value(v.stock_draw[g]).max(0.0);
        unmet[g] =
            (chain.demand_allied[g] - sol.value(v.served_allied[g]).max(0.0) - drawn[g]).max(0.0);
        value += unmet[g] * chain.weight_usd[g];
    }
    let by = chain.reo_of(&unmet);
    let allied_unmet_by_element_t = by
        .iter()
        .filter(|(e, _)| chain.allied_demand_reo()[*e] > 0.0)
        .map(|(e, q)| (e.symbol().to_string(), q))
        .collect();
    YearOutcome {
        scenario: d.name.clone(),
        allied_demand_t: chain.allied_demand_reo().total(),
        allied_unmet_t: by.total(),
        allied_unmet_value_musd: value / 1e6,
        allied_unmet_by_element_t,
        stock_drawn_t: chain.reo_of(&drawn).total(),
    }
}
