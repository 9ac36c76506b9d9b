//! The monthly step. Each month, in order:
//!
//! 1. mines produce concentrate in their ore's proportions (utilisation
//!    rises toward capacity as the world price index of what they make
//!    rises);
//! 2. concentrate goes to the cracking and separation plants that name it
//!    as feed (across borders unless restricted); separation turns it into
//!    oxides, losing `1 − recovery` and the elements it does not separate;
//! 3. each oxide market clears — metal plants (ordering what keeps their
//!    country's metal stock at target) and final oxide demand — then metal
//!    plants convert;
//! 4. each metal market clears — magnet plants (ordering to keep magnet
//!    stock at target) and final metal demand — then magnet plants make
//!    what the scarcest element allows and return the rest;
//! 5. each magnet market clears against final demand;
//! 6. in every market, stockpiles release under their rules after the
//!    market has cleared, shared under the agreements;
//! 7. concentrate and oxide stock above twice its working target is written
//!    off as surplus (the balance problem's La and Ce);
//! 8. price indices move toward their scarcity targets.
//!
//! Mass balance per element and month:
//! `produced + released = consumed + Δinventory + losses`.

use crate::alloc::{Allocation, Allocator, Buyer, Cap, Market};
use crate::network::{
    CountryIx, MAGNET0, METAL0, Network, PoolKind, PrecautionParams, PriceParams, Restriction,
    Taker,
};
use crate::scenario::SharingRule;
use critmin_model::goods::OXIDE0;
use critmin_model::{CountryCode, Element, ElementSet, Form, Month, N_ELEMENTS, PerElement, Stage};

/// Forms tracked in the statistics: oxide, metal, magnet.
pub const FORMS: [Form; 3] = [Form::Oxide, Form::Metal, Form::Magnet];

/// Order-up-to adjustment: share of the gap to target inventory produced
/// each month.
const RESTOCK: f64 = 0.5;
/// Smoothing of the draw estimate that sets production.
const DRAW_SMOOTHING: f64 = 0.5;

/// Relative part of the mass-balance tolerance: a month's balance error for
/// an element may be this fraction of the element's throughput that month
/// ([`Balance::throughput_t`]). Float rounding grows with the quantities
/// added, so at the dataset's largest capacities compounded by decades of
/// growth an absolute bound cannot hold; 1e-9 leaves ~10⁶ ulps of room.
pub const BALANCE_REL_TOLERANCE: f64 = 1e-9;

/// Absolute floor of the mass-balance tolerance, t REO-eq: months with
/// almost no throughput still get a gram of room.
pub const BALANCE_ABS_TOLERANCE_T: f64 = 1e-6;

mod toll;

/// Per-element mass balance of one month, t REO-eq.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Balance {
    /// Mined.
    pub produced: PerElement,
    /// Released from stockpiles.
    pub released: PerElement,
    /// Consumed by final demand.
    pub consumed: PerElement,
    /// Inventory at the start of the month.
    pub inventory_start: PerElement,
    /// Inventory at the end of the month.
    pub inventory_end: PerElement,
    /// Bought into stockpiles.
    pub stockpiled: PerElement,
    /// Process losses and surplus written off.
    pub losses: PerElement,
}

impl Balance {
    /// `produced + released + drawn − consumed − built − stockpiled − losses`
    /// for element `e` (zero when mass is conserved).
    pub fn error(&self, e: Element) -> f64 {
        self.produced[e] + self.released[e]
            - self.consumed[e]
            - (self.inventory_end[e] - self.inventory_start[e])
            - self.stockpiled[e]
            - self.losses[e]
    }

    /// Everything that moved or sat in stock for element `e` this month,
    /// t REO-eq: the sum of every term of the balance (all non-negative).
    /// The balance's rounding error scales with this.
    pub fn throughput_t(&self, e: Element) -> f64 {
        self.produced[e]
            + self.released[e]
            + self.consumed[e]
            + self.inventory_start[e]
            + self.inventory_end[e]
            + self.stockpiled[e]
            + self.losses[e]
    }

    /// The balance tolerance for element `e`, t REO-eq:
    /// [`BALANCE_ABS_TOLERANCE_T`] + [`BALANCE_REL_TOLERANCE`] × throughput.
    pub fn tolerance_t(&self, e: Element) -> f64 {
        BALANCE_ABS_TOLERANCE_T + BALANCE_REL_TOLERANCE * self.throughput_t(e)
    }

    /// The error for `e` as a fraction of its tolerance: at most 1 when
    /// mass is conserved within the engine's promise.
    pub fn error_ratio(&self, e: Element) -> f64 {
        self.error(e).abs() / self.tolerance_t(e)
    }

    /// Whether every element balances within its tolerance.
    pub fn holds(&self) -> bool {
        Element::ALL.iter().all(|&e| self.error_ratio(e) <= 1.0)
    }
}

/// What happened in one month, by country, element and form (index with
/// [`MonthStats::at`]). Quantities are t REO-eq.
#[derive(Debug, Clone, Default)]
pub struct MonthStats {
    /// The month.
    pub month: Option<Month>,
    n_countries: usize,
    /// Final demand at the going price: what buyers ask for this month.
    pub demand: Vec<f64>,
    /// Final demand served (from the market and from stockpiles).
    pub served: Vec<f64>,
    /// Final demand as the dataset states it (grown, shocked), before any
    /// answer to price: `wanted − demand` is demand lost to price
    /// (substitution and the short-run response).
    pub wanted: Vec<f64>,
    /// `wanted` less what substitution has taken: the demand at the
    /// baseline price, which the price index measures scarcity against.
    pub base_demand: Vec<f64>,
    /// Of `served`, what came from stockpiles.
    pub from_stockpile: Vec<f64>,
    /// Production lines' orders (metal and magnet plants).
    pub production_demand: Vec<f64>,
    /// Production lines' orders filled.
    pub production_served: Vec<f64>,
    /// Price index at the end of the month.
    pub price_index: Vec<f64>,
    /// Stockpile held at the end of the month (by holder country).
    pub stockpile: Vec<f64>,
    /// Final buyers' own precautionary stock at the end of the month.
    pub buyer_stock: Vec<f64>,
    /// Per price floor: oxide of the covered elements made this month
    /// while in force, t REO-eq.
    pub floor_covered_t: Vec<f64>,
    /// Per price floor: what it paid this month, USD.
    pub floor_payout_usd: Vec<f64>,
    /// Per tariff: tonnes that crossed its routes this month, t REO-eq.
    pub tariff_t: Vec<f64>,
    /// Per tariff: what its importers paid on them, USD.
    pub tariff_paid_usd: Vec<f64>,
    /// Per tariff: tonnes diverted off its routes to untariffed sellers.
    pub tariff_diverted_t: Vec<f64>,
    /// Per tolling arrangement: what it made this month for its holder by
    /// stage (separation, metal, magnet), t REO-eq.
    pub tolled: Vec<[f64; 3]>,
    /// Released from stockpiles this month (by holder country).
    pub released: Vec<f64>,
    /// Extra cost of the month's purchases at scarcity prices, USD, by country.
    pub cost_impact_usd: Vec<f64>,
    /// World price index per element and form (demand-weighted).
    pub world_price: Vec<f64>,
    /// The mass balance.
    pub balance: Balance,
    /// Cross-border flows `(good, exporter, importer, tonnes)` if recorded.
    pub flows: Vec<(u32, u16, u16, f64)>,
    /// Flows through restricted routes this month `(good, exporter, importer, tonnes, cap)`.
    pub restricted_flows: Vec<(u32, u16, u16, f64, f64)>,
    /// Capacity use per facility this month: (facility index, output,
    /// capacity), t REO-eq (magnet plants: t magnet).
    pub facility_use: Vec<(usize, f64, f64)>,
    /// Every buyer of every market, after the market cleared and before
    /// stockpiles released (only when the network is audited).
    pub audit: Vec<BuyerAudit>,
    /// The cells (indices into the per-cell vectors) that can ever hold
    /// demand or production orders; every other cell stays zero (stockpile
    /// cells aside).
    pub active_cells: Vec<u32>,
}

impl MonthStats {
    /// Zeroes the month's figures. Only cells that can be written are
    /// touched (`written`: demand, production and stockpile cells); the
    /// others were zeroed when the vectors were created and stay zero.
    fn reset(&mut self, n_countries: usize, written: &[u32]) {
        let n = n_countries * N_ELEMENTS * FORMS.len();
        self.n_countries = n_countries;
        let vectors = [
            &mut self.demand,
            &mut self.served,
            &mut self.wanted,
            &mut self.base_demand,
            &mut self.from_stockpile,
            &mut self.production_demand,
            &mut self.production_served,
            &mut self.stockpile,
            &mut self.buyer_stock,
            &mut self.released,
        ];
        for v in vectors {
            if v.len() == n {
                for &i in written {
                    v[i as usize] = 0.0;
                }
            } else {
                v.clear();
                v.resize(n, 0.0);
            }
        }
        self.cost_impact_usd.clear();
        self.cost_impact_usd.resize(n_countries, 0.0);
        self.balance = Balance::default();
        self.flows.clear();
        self.restricted_flows.clear();
        self.facility_use.clear();
        self.audit.clear();
    }

    /// Index of (country, element, form) in the per-cell vectors, from
    /// plain indices (kept for callers that hold them; prefer
    /// [`MonthStats::index`] and the cell iterators).
    #[inline]
    pub fn at(&self, country: usize, e: Element, form: usize) -> usize {
        (country * N_ELEMENTS + e.index()) * FORMS.len() + form
    }

    /// Index of a (country, element, form) cell in the per-cell vectors.
    #[inline]
    pub fn index(&self, country: CountryIx, e: Element, form: FormIx) -> usize {
        self.at(country.get(), e, form.get())
    }

    /// The cell at `index` in the per-cell vectors.
    #[inline]
    pub fn cell(&self, index: usize) -> Cell {
        Cell::at(index)
    }

    /// Every cell, in index order (country, then element, then form).
    pub fn cells(&self) -> impl Iterator<Item = Cell> + '_ {
        (0..self.n_countries * N_ELEMENTS * FORMS.len()).map(Cell::at)
    }

    /// The cells that can ever hold demand or production orders
    /// ([`MonthStats::active_cells`]), in index order.
    pub fn active(&self) -> impl Iterator<Item = Cell> + '_ {
        self.active_cells.iter().map(|&i| Cell::at(i as usize))
    }

    /// One country's cells, by element then form.
    pub fn country_cells(&self, country: CountryIx) -> impl Iterator<Item = Cell> + use<> {
        let first = country.get() * N_ELEMENTS * FORMS.len();
        (first..first + N_ELEMENTS * FORMS.len()).map(Cell::at)
    }

    /// One country's cells of one element, by form.
    pub fn element_cells(
        &self,
        country: CountryIx,
        e: Element,
    ) -> impl Iterator<Item = Cell> + use<> {
        let first = self.at(country.get(), e, 0);
        (first..first + FORMS.len()).map(Cell::at)
    }

    /// The world price index of element `e` in form `form`.
    #[inline]
    pub fn world_price_of(&self, e: Element, form: FormIx) -> f64 {
        self.world_price[e.index() * FORMS.len() + form.get()]
    }

    /// Number of countries.
    pub fn n_countries(&self) -> usize {
        self.n_countries
    }
}

/// A form slot of the monthly statistics: an index into [`FORMS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FormIx(u8);

impl FormIx {
    /// Oxide.
    pub const OXIDE: FormIx = FormIx(0);
    /// Metal.
    pub const METAL: FormIx = FormIx(1);
    /// Magnet (by element content).
    pub const MAGNET: FormIx = FormIx(2);
    /// Every slot, in [`FORMS`] order.
    pub const ALL: [FormIx; 3] = [FormIx::OXIDE, FormIx::METAL, FormIx::MAGNET];

    /// The slot as an index into [`FORMS`].
    #[inline]
    pub const fn get(self) -> usize {
        self.0 as usize
    }

    /// The form.
    pub const fn form(self) -> Form {
        FORMS[self.0 as usize]
    }
}

/// One cell of [`MonthStats`]: a country, an element and a form, with its
/// index in the per-cell vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    /// The country.
    pub country: CountryIx,
    /// The element.
    pub element: Element,
    /// The form slot.
    pub form: FormIx,
    /// Index in the per-cell vectors (`demand`, `served`, …).
    pub index: usize,
}

impl Cell {
    /// Decodes a per-cell index.
    #[inline]
    fn at(index: usize) -> Cell {
        let nf = FORMS.len();
        Cell {
            country: CountryIx::new(index / (N_ELEMENTS * nf)),
            element: Element::ALL[(index / nf) % N_ELEMENTS],
            form: FormIx((index % nf) as u8),
            index,
        }
    }
}

/// One buyer's order and what the market gave it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuyerAudit {
    /// Market good index.
    pub good: usize,
    /// Buyer's country index.
    pub country: usize,
    /// Buyer's tier.
    pub tier: usize,
    /// Quantity ordered.
    pub demand: f64,
    /// Quantity served by the market.
    pub served: f64,
    /// Whether a sourcing ban in force limits the sellers it may buy from
    /// (it may then be short while lower tiers of its country are served).
    pub segment: bool,
    /// Which clearing of the month it was in (a good's market can clear
    /// more than once a month — concentrate in several passes — and
    /// priority holds within each).
    pub clearing: u32,
}

/// What a price floor paid over a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FloorSummary {
    /// The separation plant.
    pub facility: String,
    /// Who pays.
    pub payer: String,
    /// Oxide of the covered elements the plant made while the floor was in
    /// force, t REO-eq.
    pub covered_t: f64,
    /// Paid: Σ over months of max(0, floor − market price) × covered, USD.
    pub payout_usd: f64,
    /// Months in which it paid.
    pub months_paid: usize,
}

/// What a tariff levied over a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TariffSummary {
    /// Its scenario line.
    pub line: usize,
    /// Origins → levying countries (`"CN → US"`).
    pub routes: String,
    /// Ad valorem rate, a share of the value.
    pub rate: f64,
    /// Tonnes that crossed its routes while in force, t REO-eq.
    pub tariffed_t: f64,
    /// What its importers paid: Σ rate × tonnes × baseline price × the
    /// exporter's price index, USD.
    pub paid_usd: f64,
    /// Tonnes re-routed off its routes to untariffed sellers, t REO-eq.
    pub diverted_t: f64,
}

/// What a tolling arrangement made for its holder over a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TollSummary {
    /// The holder and its converter countries (`"us_nds: US, JP"`).
    pub arrangement: String,
    /// Oxide separated from the holder's concentrate, t REO-eq.
    pub separated_t: f64,
    /// Metal made from its oxide, t REO-eq.
    pub metal_t: f64,
    /// Magnets made from its metal, t REO-eq.
    pub magnet_t: f64,
}

/// Receives every month's statistics as the run goes.
pub trait Recorder {
    /// Called once per month, in order.
    fn month(&mut self, net: &Network, t: usize, stats: &MonthStats);
}

/// Totals of a run.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RunSummary {
    /// By element.
    pub by_element: Vec<ElementSummary>,
    /// By country.
    pub by_country: Vec<CountrySummary>,
    /// Price floors: what each paid over the run.
    pub price_floors: Vec<FloorSummary>,
    /// Tariffs: what each levied and diverted over the run.
    pub tariffs: Vec<TariffSummary>,
    /// Tolling arrangements: what each made for its holder.
    pub tolling: Vec<TollSummary>,
    /// Largest per-element, per-month mass-balance error, t.
    pub max_balance_error_t: f64,
    /// Largest per-element, per-month mass-balance error as a fraction of
    /// that month's tolerance ([`Balance::tolerance_t`]): at most 1 when
    /// the engine keeps its promise. Not serialised (outputs report the
    /// error in tonnes).
    #[serde(skip)]
    pub max_balance_error_ratio: f64,
}

/// Totals for one element over the run, t REO-eq.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ElementSummary {
    /// The element (serialised as its symbol).
    pub element: Element,
    /// Final demand at the going price (what buyers asked for).
    pub demand_t: f64,
    /// Served.
    pub served_t: f64,
    /// Unmet: wanted at the going price and not served (rationed).
    pub unmet_t: f64,
    /// Demand lost to price: what the dataset states less what buyers
    /// asked for at the going price (substitution and the short-run
    /// response), not counted in `demand_t` or `unmet_t`.
    pub lost_to_price_t: f64,
    /// Highest world price index of any form in any month.
    pub peak_price_index: f64,
}

/// Totals for one country over the run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CountrySummary {
    /// Country code.
    pub country: CountryCode,
    /// Final demand, t REO-eq.
    pub demand_t: f64,
    /// Unmet, t REO-eq.
    pub unmet_t: f64,
    /// Unmet ÷ demand.
    pub unmet_share: f64,
    /// Demand lost to price, t REO-eq (see [`ElementSummary`]).
    pub lost_to_price_t: f64,
    /// Released from this country's stockpiles, t REO-eq.
    pub stockpile_released_t: f64,
    /// Extra cost of purchases at scarcity prices, USD.
    pub cost_impact_usd: f64,
}

/// Builds the [`RunSummary`] as months arrive.
#[derive(Debug, Default)]
pub(crate) struct SummaryRecorder {
    demand: PerElement,
    served: PerElement,
    wanted: PerElement,
    peak: PerElement,
    c_demand: Vec<f64>,
    c_wanted: Vec<f64>,
    c_unmet: Vec<f64>,
    c_released: Vec<f64>,
    c_cost: Vec<f64>,
    /// Per price floor: covered t, payout USD, months paid.
    floors: Vec<(f64, f64, usize)>,
    /// Per tariff: tariffed t, paid USD, diverted t.
    tariffs: Vec<(f64, f64, f64)>,
    /// Per tolling arrangement: made by stage, t REO-eq.
    tolled: Vec<[f64; 3]>,
    max_err: f64,
    max_err_ratio: f64,
}

impl Recorder for SummaryRecorder {
    fn month(&mut self, net: &Network, _t: usize, s: &MonthStats) {
        let nc = net.countries.len();
        if self.c_demand.is_empty() {
            self.c_demand = vec![0.0; nc];
            self.c_wanted = vec![0.0; nc];
            self.c_unmet = vec![0.0; nc];
            self.c_released = vec![0.0; nc];
            self.c_cost = vec![0.0; nc];
            self.peak = PerElement([1.0; N_ELEMENTS]);
        }
        for cell in s.active() {
            let (i, c, e) = (cell.index, cell.country.get(), cell.element);
            self.demand[e] += s.demand[i];
            self.served[e] += s.served[i];
            self.wanted[e] += s.wanted[i];
            self.c_demand[c] += s.demand[i];
            self.c_wanted[c] += s.wanted[i];
            self.c_unmet[c] += s.demand[i] - s.served[i];
        }
        for cell in s.cells() {
            let released = s.released[cell.index];
            if released != 0.0 {
                self.c_released[cell.country.get()] += released;
            }
        }
        for c in 0..nc {
            self.c_cost[c] += s.cost_impact_usd[c];
        }
        if self.floors.len() < s.floor_payout_usd.len() {
            self.floors.resize(s.floor_payout_usd.len(), (0.0, 0.0, 0));
        }
        for (k, (&paid, &covered)) in s
            .floor_payout_usd
            .iter()
            .zip(&s.floor_covered_t)
            .enumerate()
        {
            let f = &mut self.floors[k];
            f.0 += covered;
            f.1 += paid;
            f.2 += usize::from(paid > 0.0);
        }
        if self.tariffs.len() < s.tariff_t.len() {
            self.tariffs.resize(s.tariff_t.len(), (0.0, 0.0, 0.0));
        }
        for (k, x) in self.tariffs.iter_mut().enumerate() {
            x.0 += s.tariff_t.get(k).copied().unwrap_or(0.0);
            x.1 += s.tariff_paid_usd.get(k).copied().unwrap_or(0.0);
            x.2 += s.tariff_diverted_t.get(k).copied().unwrap_or(0.0);
        }
        if self.tolled.len() < s.tolled.len() {
            self.tolled.resize(s.tolled.len(), [0.0; 3]);
        }
        for (x, m) in self.tolled.iter_mut().zip(&s.tolled) {
            for (a, b) in x.iter_mut().zip(m) {
                *a += b;
            }
        }
        for e in Element::ALL {
            for f in FormIx::ALL {
                self.peak[e] = self.peak[e].max(s.world_price_of(e, f));
            }
            self.max_err = self.max_err.max(s.balance.error(e).abs());
            self.max_err_ratio = self.max_err_ratio.max(s.balance.error_ratio(e));
        }
    }
}

impl SummaryRecorder {
    pub(crate) fn finish(&self, net: &Network) -> RunSummary {
        let by_element = Element::ALL
            .iter()
            .filter(|e| self.demand[**e] > 0.0)
            .map(|&e| ElementSummary {
                element: e,
                demand_t: self.demand[e],
                served_t: self.served[e],
                unmet_t: (self.demand[e] - self.served[e]).max(0.0),
                lost_to_price_t: (self.wanted[e] - self.demand[e]).max(0.0),
                peak_price_index: self.peak[e],
            })
            .collect();
        let by_country = (0..net.countries.len())
            .filter(|&c| self.c_demand.get(c).copied().unwrap_or(0.0) > 0.0)
            .map(|c| CountrySummary {
                country: net.countries[c],
                demand_t: self.c_demand[c],
                unmet_t: self.c_unmet[c].max(0.0),
                unmet_share: (self.c_unmet[c] / self.c_demand[c]).max(0.0),
                lost_to_price_t: (self.c_wanted[c] - self.c_demand[c]).max(0.0),
                stockpile_released_t: self.c_released[c],
                cost_impact_usd: self.c_cost[c],
            })
            .collect();
        let price_floors = net
            .floors
            .iter()
            .enumerate()
            .map(|(k, fl)| {
                let (covered_t, payout_usd, months_paid) =
                    self.floors.get(k).copied().unwrap_or((0.0, 0.0, 0));
                FloorSummary {
                    facility: fl.facility_id.clone(),
                    payer: fl.payer.clone(),
                    covered_t,
                    payout_usd,
                    months_paid,
                }
            })
            .collect();
        let tariffs = net
            .tariffs
            .iter()
            .enumerate()
            .map(|(k, tf)| {
                let (tariffed_t, paid_usd, diverted_t) =
                    self.tariffs.get(k).copied().unwrap_or((0.0, 0.0, 0.0));
                TariffSummary {
                    line: tf.line,
                    routes: tf.label.clone(),
                    rate: tf.rate,
                    tariffed_t,
                    paid_usd,
                    diverted_t,
                }
            })
            .collect();
        let tolling = net
            .tolls
            .iter()
            .enumerate()
            .map(|(k, t)| {
                let [separated_t, metal_t, magnet_t] =
                    self.tolled.get(k).copied().unwrap_or([0.0; 3]);
                TollSummary {
                    arrangement: t.label.clone(),
                    separated_t,
                    metal_t,
                    magnet_t,
                }
            })
            .collect();
        RunSummary {
            by_element,
            by_country,
            price_floors,
            tariffs,
            tolling,
            max_balance_error_t: self.max_err,
            max_balance_error_ratio: self.max_err_ratio,
        }
    }
}

/// Normal (baseline) cross-border flows per month, against which export
/// restrictions are measured: per month, `(good, exporter, importer)` keys
/// sorted for binary search, with their tonnes.
#[derive(Debug, Clone, Default)]
pub struct NormalFlows {
    pub(crate) months: Vec<Vec<(u64, f64)>>,
}

impl NormalFlows {
    fn key(good: usize, exporter: usize, importer: usize) -> u64 {
        ((good as u64) << 32) | ((exporter as u64) << 16) | importer as u64
    }

    /// Normal flow of `good` from `exporter` to `importer` in month `t`.
    pub fn get(&self, t: usize, good: usize, exporter: usize, importer: usize) -> f64 {
        let Some(m) = self.months.get(t) else {
            return 0.0;
        };
        let k = NormalFlows::key(good, exporter, importer);
        m.binary_search_by_key(&k, |(key, _)| *key)
            .map_or(0.0, |i| m[i].1)
    }
}

/// The normal flows of `net`: a run of it without events, restrictions,
/// outages, shocks, manual releases or sourcing bans.
pub fn normal_flows(net: &Network) -> NormalFlows {
    let mut base = net.clone();
    base.restrictions.clear();
    base.outages.clear();
    base.shocks.clear();
    base.manual_releases.clear();
    base.sourcing.clear();
    base.leaks.clear();
    base.tariffs.clear();
    let mut flows = NormalFlows::default();
    Engine::new(&base, None, true).run(&mut flows);
    flows
}

impl Recorder for NormalFlows {
    fn month(&mut self, _net: &Network, _t: usize, s: &MonthStats) {
        let mut m: Vec<(u64, f64)> = s
            .flows
            .iter()
            .map(|&(g, x, c, q)| (NormalFlows::key(g as usize, x as usize, c as usize), q))
            .collect();
        m.sort_by_key(|(k, _)| *k);
        // Sum repeated keys.
        let mut out: Vec<(u64, f64)> = Vec::with_capacity(m.len());
        for (k, q) in m {
            match out.last_mut() {
                Some(last) if last.0 == k => last.1 += q,
                _ => out.push((k, q)),
            }
        }
        self.months.push(out);
    }
}

/// Runs the network through its horizon, calling `recorder` every month,
/// and returns the run's totals. Export restrictions are measured against
/// the flows of a run of the same network without events, made first.
pub fn simulate_with(net: &Network, recorder: &mut dyn Recorder) -> RunSummary {
    let normal = if net.restrictions.is_empty() {
        NormalFlows::default()
    } else {
        normal_flows(net)
    };
    simulate_against(net, &normal, recorder)
}

/// As [`simulate_with`] with given normal flows (the Monte Carlo engine
/// computes them once for all its runs).
pub fn simulate_against(
    net: &Network,
    normal: &NormalFlows,
    recorder: &mut dyn Recorder,
) -> RunSummary {
    let mut summary = SummaryRecorder::default();
    let mut both = Both(&mut summary, recorder);
    Engine::new(net, Some(normal), false).run(&mut both);
    summary.finish(net)
}

/// Runs `net` against `normal` flows, calling only `recorder` (no
/// [`RunSummary`]): the Monte Carlo engine's inner loop.
pub fn run_months(net: &Network, normal: &NormalFlows, recorder: &mut dyn Recorder) {
    Engine::new(net, Some(normal), false).run(recorder);
}

/// Runs `net` and returns its totals only.
pub fn simulate(net: &Network) -> RunSummary {
    struct Nothing;
    impl Recorder for Nothing {
        fn month(&mut self, _: &Network, _: usize, _: &MonthStats) {}
    }
    simulate_with(net, &mut Nothing)
}

struct Both<'a>(&'a mut SummaryRecorder, &'a mut dyn Recorder);

impl Recorder for Both<'_> {
    fn month(&mut self, net: &Network, t: usize, s: &MonthStats) {
        self.0.month(net, t, s);
        self.1.month(net, t, s);
    }
}

/// A release scope: a sharing agreement (or none), the holder's country
/// (outside any agreement), and whether it releases what tolling made.
type Scope = (Option<usize>, usize, bool);

/// A buyer in the current market and whom it stands for.
#[derive(Debug, Clone, Copy)]
enum Who {
    Demand(usize),
    /// A demand group buying for its own precautionary stock.
    Hoard(usize),
    /// A stockpile holder buying under a purchase rule (its index).
    Purchase(usize),
    MetalPlant(usize),
    MagnetPlant(usize),
    Cracker(usize),
    Separator(usize),
}

/// The engine's mutable state for one run.
struct Engine<'n> {
    net: &'n Network,
    normal: Option<&'n NormalFlows>,
    record_flows: bool,
    nc: usize,
    ng: usize,
    pool_inv: Vec<PerElement>,
    pool_ceiling: Vec<f64>,
    oxide_inv: Vec<f64>,
    oxide_ceiling: Vec<f64>,
    metal_inv: Vec<f64>,
    metal_target: Vec<f64>,
    metal_draw: Vec<f64>,
    magnet_inv: Vec<f64>,
    magnet_target: Vec<f64>,
    magnet_draw: Vec<f64>,
    /// Planned monthly throughput per (country, element) of metal and
    /// (country, grade) of magnets: what a month of precautionary stock is.
    metal_planned: Vec<f64>,
    magnet_planned: Vec<f64>,
    /// Precautionary stock: per metal cell and magnet cell, the smoothed
    /// price it compares with and the extra months of throughput its
    /// target holds.
    metal_pbar: Vec<f64>,
    metal_extra: Vec<f64>,
    magnet_pbar: Vec<f64>,
    magnet_extra: Vec<f64>,
    /// Per demand group: its own stock (in the good's unit), the smoothed
    /// price it compares with, the extra months of its stated demand it
    /// aims to hold, and this month's draw from the stock and order for it.
    group_stock: Vec<f64>,
    group_pbar: Vec<f64>,
    group_extra: Vec<f64>,
    group_use: Vec<f64>,
    /// Whether any country holds precautionary stock (fixed for the run).
    any_precaution: bool,
    /// Per price floor: covered oxide made this month, by element.
    floor_made: Vec<PerElement>,
    /// Tariffs (`docs/simulation.md`, "Tariffs"): those in force on the
    /// market being cleared; per cell, this month's levy (Σ rate × tonnes)
    /// and purchases, and the markup factor buyers see from last month's
    /// (empty when the run has no tariff); the cells written.
    tariff_live: Vec<usize>,
    tariff_levy: Vec<f64>,
    tariff_bought: Vec<f64>,
    tariff_factor: Vec<f64>,
    tariff_cells: Vec<u32>,
    stock_left: Vec<f64>,
    /// Per stock node: what it gave up this month (releases and tolling),
    /// so tolling keeps within its release rule.
    stock_out: Vec<f64>,
    /// Per concentrate stock: t REO left.
    conc_left: Vec<f64>,
    /// Per tolling arrangement: the first month its scope was short
    /// (`usize::MAX`: not yet), from which its plants' spare capacity ramps
    /// up.
    toll_first: Vec<usize>,
    /// Per (country, good), with tolling only: the shortfall of final
    /// demand (unmet before stockpile releases) this month and last, in
    /// the good's unit.
    unmet_now: Vec<f64>,
    unmet_prev: Vec<f64>,
    /// The month being stepped (index).
    t_now: usize,
    /// Market clearings audited so far (numbers each clearing's buyers).
    clearings: u32,
    /// Per stock node: the most it has held (initial, or more after
    /// purchases): what release rules take their monthly share of.
    stock_peak: Vec<f64>,
    /// Price index per (country, element, form).
    price: Vec<f64>,
    /// World price index per (element, form): the demand-weighted mean of
    /// the countries' indices (reported; no one trades at it).
    world_price: Vec<f64>,
    /// Price index per (element, form) of the free market: every country
    /// not walled off by capped exports trades at it.
    free_price: Vec<f64>,
    /// Per statistics cell this month: supply a restricted exporter was
    /// left with while a buyer its caps cover went unserved (t REO-eq),
    /// and the cells with any.
    blocked: Vec<f64>,
    blocked_cells: Vec<u32>,
    /// Per statistics cell: 1 + the month of the last price update in
    /// which it had its own (walled) price, 0 if never.
    own_at: Vec<u32>,
    /// 1 + the month of the last price update (0 before the first).
    price_stamp: u32,
    /// Scratch per country: unserved demand in a market pass.
    unmet_nc: Vec<f64>,
    stats: MonthStats,
    alloc: Allocator,
    out: Allocation,
    buyers: Vec<Buyer>,
    who: Vec<Who>,
    supply: Vec<f64>,
    caps: Vec<Cap>,
    cap_factor: Vec<f64>,
    // Per-month plant state.
    sep_room: Vec<f64>,
    cracker_room: Vec<f64>,
    magnet_target_t: Vec<f64>,
    magnet_got: Vec<f64>,
    drawn_metal: Vec<f64>,
    drawn_magnet: Vec<f64>,
    demand_now: Vec<f64>,
    /// Demand per group this month at the going price.
    group_now: Vec<f64>,
    /// Per group: demand as the dataset states it (before any answer to
    /// price), and less substitution (demand at the baseline price).
    group_wanted: Vec<f64>,
    group_base: Vec<f64>,
    /// Per group: base demand of its nodes that answer price, and the same
    /// weighted by their elasticities.
    group_resp_base: Vec<f64>,
    group_resp_eps: Vec<f64>,
    /// Per group this month: the price index of its good in its country
    /// (end of the month before) and its natural logarithm.
    group_price: Vec<(f64, f64)>,
    /// Per group: whether any of its nodes answers price (fixed for the run).
    group_responds: Vec<bool>,
    /// Per demand node: the smoothed price index substitution follows,
    /// and the share of its demand substituted so far.
    node_pbar: Vec<f64>,
    node_sub: Vec<f64>,
    /// Per statistics cell this month: the base demand of nodes that
    /// answer price, and the same weighted by their elasticities (the
    /// price formula's elasticity mixes them with the cell's own).
    cell_resp_base: Vec<f64>,
    cell_resp_eps: Vec<f64>,
    /// Per facility: the smoothed world prices its restart and its
    /// building follow, and the capacity factor it has built so far.
    fac_restart_p: Vec<f64>,
    fac_build_p: Vec<f64>,
    fac_built: Vec<f64>,
    /// Per facility: months its start has moved (negative: earlier) while
    /// it was not yet running.
    fac_shift: Vec<i32>,
    /// Whether any facility has a supply response (fixed for the run).
    any_supply_response: bool,
    /// Whether any demand node answers price (fixed for the run).
    any_demand_response: bool,
    /// Statistics cells (country, element, form) that can have demand or
    /// production orders: the only ones whose prices move.
    active_cells: Vec<u32>,
    /// Active cells plus the cells of stockpiles: every cell a month writes.
    written_cells: Vec<u32>,
    sep_made: Vec<f64>,
    /// Concentrate each separation plant took in the current pass, and
    /// the plants that took some.
    sep_intake: Vec<PerElement>,
    sep_intake_total: Vec<f64>,
    touched_seps: Vec<usize>,
    /// Elements each separation plant produces (from its feed blend).
    sep_elements: Vec<ElementSet>,
    cracker_made: Vec<f64>,
    metal_made: Vec<f64>,
    /// Scratch for plants' capacity per country and good.
    cap_buf: Vec<f64>,
    /// Tonnes each restricted route carried so far this month:
    /// `(good, exporter, importer, tonnes)`.
    route_used: Vec<(u32, u16, u16, f64)>,
    /// Leaked material in transit through third countries:
    /// `(arrival month, good, importer, quantity in the good's unit)`.
    transit: Vec<(usize, usize, usize, f64)>,
    /// Scratch for markets with a sourcing-ban segment: the segment's
    /// market, its result, and the rest's buyers and caps.
    seg_buyers: Vec<Buyer>,
    seg_index: Vec<usize>,
    seg_supply: Vec<f64>,
    seg_out: Allocation,
    rest_buyers: Vec<Buyer>,
    rest_caps: Vec<Cap>,
    /// Per restriction: t REO-eq its quota has let through this calendar
    /// year (quotas only), and the same at the start of this month.
    quota_used: Vec<f64>,
    quota_month_start: Vec<f64>,
    /// Per evenly paced quota: the normal flow this month over every
    /// route and good it covers, t REO-eq (what splits its monthly
    /// allowance between markets).
    quota_normal: Vec<f64>,
    /// Whether no restriction on concentrate is in force this month.
    concentrate_free: bool,
    /// Pool stocks at the start of a concentrate pass, t REO.
    pool_total: Vec<f64>,
    /// Order ratio per cracking plant (by pool index) and separation plant.
    taker_ratio: Vec<f64>,
    sep_ratio: Vec<f64>,
}

impl<'n> Engine<'n> {
    fn new(net: &'n Network, normal: Option<&'n NormalFlows>, record_flows: bool) -> Engine<'n> {
        let nc = net.countries.len();
        let ng = net.grade_reo.len();
        let h = net.horizon as f64;
        let frac = |first: usize, last: usize| (last.saturating_sub(first)) as f64 / h;
        let active0 = |first: usize, last: usize| first == 0 && last > 0;

        let mut pool_inv = vec![PerElement::ZERO; net.pools.len()];
        let mut pool_ceiling = vec![0.0; net.pools.len()];
        for (p, pool) in net.pools.iter().enumerate() {
            if active0(pool.first, pool.last) {
                pool_inv[p] = pool.mix.scaled(pool.inv_target);
            }
            pool_ceiling[p] = 2.0 * pool.inv_target;
        }
        // Oxide stock and ceilings from planned separation output.
        let mut oxide_inv = vec![0.0; nc * N_ELEMENTS];
        let mut oxide_ceiling = vec![0.0; nc * N_ELEMENTS];
        for (s, sep) in net.seps.iter().enumerate() {
            let months = net.inventory_months(Stage::Separation, sep.country);
            let mix = sep_output_mix(net, s);
            for e in Element::ALL {
                let planned = sep.cap_month * sep.util * mix[e];
                if sep.last > 0 {
                    oxide_ceiling[sep.country * N_ELEMENTS + e.index()] += 2.0 * months * planned;
                }
                if active0(sep.first, sep.last) {
                    oxide_inv[sep.country * N_ELEMENTS + e.index()] += months * planned;
                }
            }
        }
        let mut metal_inv = vec![0.0; nc * N_ELEMENTS];
        let mut metal_target = vec![0.0; nc * N_ELEMENTS];
        let mut metal_draw = vec![0.0; nc * N_ELEMENTS];
        let mut metal_planned = vec![0.0; nc * N_ELEMENTS];
        for m in &net.metals {
            let months = net.inventory_months(Stage::MetalAlloy, m.country);
            for e in Element::ALL {
                let planned = m.cap_month * m.util * m.mix[e] * m.recovery;
                let i = m.country * N_ELEMENTS + e.index();
                metal_target[i] += months * planned * frac(m.first, m.last);
                metal_planned[i] += planned * frac(m.first, m.last);
                if active0(m.first, m.last) {
                    metal_inv[i] += months * planned;
                    metal_draw[i] += planned;
                }
            }
        }
        let mut magnet_inv = vec![0.0; nc * ng];
        let mut magnet_target = vec![0.0; nc * ng];
        let mut magnet_draw = vec![0.0; nc * ng];
        let mut magnet_planned = vec![0.0; nc * ng];
        for m in &net.magnets {
            let months = net.inventory_months(Stage::Magnet, m.country);
            let planned = m.cap_month * m.util;
            let i = m.country * ng + m.grade;
            magnet_target[i] += months * planned * frac(m.first, m.last);
            magnet_planned[i] += planned * frac(m.first, m.last);
            if active0(m.first, m.last) {
                magnet_inv[i] += months * planned;
                magnet_draw[i] += planned;
            }
        }
        let stock_left: Vec<f64> = net.stocks.iter().map(|s| s.initial).collect();
        let stock_peak = stock_left.clone();
        let cells = active_cells(net);
        Engine {
            net,
            normal,
            record_flows: record_flows || net.record_flows,
            nc,
            ng,
            pool_inv,
            pool_ceiling,
            oxide_inv,
            oxide_ceiling,
            metal_inv,
            metal_target,
            metal_draw,
            magnet_inv,
            magnet_target,
            magnet_draw,
            metal_pbar: vec![1.0; metal_planned.len()],
            metal_extra: vec![0.0; metal_planned.len()],
            magnet_pbar: vec![1.0; magnet_planned.len()],
            magnet_extra: vec![0.0; magnet_planned.len()],
            metal_planned,
            magnet_planned,
            any_precaution: net.precaution.iter().flatten().any(Option::is_some),
            floor_made: vec![PerElement::ZERO; net.floors.len()],
            tariff_live: Vec::new(),
            tariff_levy: tariff_cells(net, nc),
            tariff_bought: tariff_cells(net, nc),
            tariff_factor: if net.tariffs.is_empty() {
                Vec::new()
            } else {
                vec![1.0; nc * N_ELEMENTS * FORMS.len()]
            },
            tariff_cells: Vec::new(),
            group_stock: vec![0.0; net.demand_groups.len()],
            group_pbar: vec![1.0; net.demand_groups.len()],
            group_extra: vec![0.0; net.demand_groups.len()],
            group_use: vec![0.0; net.demand_groups.len()],
            stock_left,
            stock_out: vec![0.0; net.stocks.len()],
            conc_left: net.conc_stocks.iter().map(|c| c.initial).collect(),
            toll_first: vec![usize::MAX; net.tolls.len()],
            unmet_now: toll::unmet_cells(nc, net.n_goods(), !net.tolls.is_empty()),
            unmet_prev: toll::unmet_cells(nc, net.n_goods(), !net.tolls.is_empty()),
            stock_peak,
            t_now: 0,
            clearings: 0,
            price: vec![1.0; nc * N_ELEMENTS * FORMS.len()],
            world_price: vec![1.0; N_ELEMENTS * FORMS.len()],
            free_price: vec![1.0; N_ELEMENTS * FORMS.len()],
            blocked: vec![0.0; nc * N_ELEMENTS * FORMS.len()],
            blocked_cells: Vec::new(),
            own_at: vec![0; nc * N_ELEMENTS * FORMS.len()],
            price_stamp: 0,
            unmet_nc: vec![0.0; nc],
            stats: MonthStats {
                active_cells: cells.clone(),
                ..MonthStats::default()
            },
            alloc: Allocator::new(),
            out: Allocation::default(),
            buyers: Vec::new(),
            who: Vec::new(),
            supply: vec![0.0; nc],
            caps: Vec::new(),
            cap_factor: Vec::new(),
            sep_room: vec![0.0; net.seps.len()],
            cracker_room: vec![0.0; net.pools.len()],
            magnet_target_t: vec![0.0; net.magnets.len()],
            magnet_got: vec![0.0; net.magnets.len() * N_ELEMENTS],
            drawn_metal: vec![0.0; nc * N_ELEMENTS],
            drawn_magnet: vec![0.0; nc * ng],
            demand_now: vec![0.0; net.demand.len()],
            group_now: vec![0.0; net.demand_groups.len()],
            group_wanted: vec![0.0; net.demand_groups.len()],
            group_base: vec![0.0; net.demand_groups.len()],
            group_resp_base: vec![0.0; net.demand_groups.len()],
            group_resp_eps: vec![0.0; net.demand_groups.len()],
            group_price: vec![(1.0, 0.0); net.demand_groups.len()],
            group_responds: {
                let mut v = vec![false; net.demand_groups.len()];
                for (k, &gi) in net.node_group.iter().enumerate() {
                    v[gi] |= net.response[k].responds();
                }
                v
            },
            node_pbar: vec![1.0; net.demand.len()],
            node_sub: vec![0.0; net.demand.len()],
            cell_resp_base: vec![0.0; nc * N_ELEMENTS * FORMS.len()],
            cell_resp_eps: vec![0.0; nc * N_ELEMENTS * FORMS.len()],
            fac_restart_p: vec![1.0; net.fac_supply.len()],
            fac_build_p: vec![1.0; net.fac_supply.len()],
            fac_built: vec![1.0; net.fac_supply.len()],
            fac_shift: vec![0; net.fac_supply.len()],
            any_supply_response: net.fac_supply.iter().any(Option::is_some),
            any_demand_response: net.response.iter().any(|r| r.responds()),
            written_cells: {
                let mut w = cells.clone();
                for node in &net.stocks {
                    let f = if node.good < METAL0 {
                        0
                    } else if node.good < MAGNET0 {
                        1
                    } else {
                        2
                    };
                    for &(e, _) in &net.good_content[node.good] {
                        w.push(((node.country * N_ELEMENTS + e.index()) * FORMS.len() + f) as u32);
                    }
                }
                w.sort_unstable();
                w.dedup();
                w
            },
            active_cells: cells,
            sep_made: vec![0.0; net.seps.len()],
            sep_intake: vec![PerElement::ZERO; net.seps.len()],
            sep_intake_total: vec![0.0; net.seps.len()],
            touched_seps: Vec::new(),
            sep_elements: (0..net.seps.len())
                .map(|s| sep_output_elements(net, s))
                .collect(),
            cracker_made: vec![0.0; net.pools.len()],
            metal_made: vec![0.0; net.metals.len()],
            cap_buf: Vec::new(),
            route_used: Vec::new(),
            transit: Vec::new(),
            seg_buyers: Vec::new(),
            seg_index: Vec::new(),
            seg_supply: vec![0.0; nc],
            seg_out: Allocation::default(),
            rest_buyers: Vec::new(),
            rest_caps: Vec::new(),
            quota_used: vec![0.0; net.restrictions.len()],
            quota_month_start: vec![0.0; net.restrictions.len()],
            quota_normal: vec![0.0; net.restrictions.len()],
            concentrate_free: true,
            pool_total: vec![0.0; net.pools.len()],
            taker_ratio: vec![0.0; net.pools.len()],
            sep_ratio: vec![0.0; net.seps.len()],
        }
    }

    fn run(mut self, rec: &mut dyn Recorder) {
        for t in 0..self.net.horizon {
            self.step(t);
            rec.month(self.net, t, &self.stats);
        }
    }

    fn inventory_total(&self) -> PerElement {
        let mut inv = PerElement::ZERO;
        for p in &self.pool_inv {
            inv.add_scaled(p, 1.0);
        }
        for c in 0..self.nc {
            for e in Element::ALL {
                let i = c * N_ELEMENTS + e.index();
                inv[e] += self.oxide_inv[i] + self.metal_inv[i];
            }
            for g in 0..self.ng {
                inv.add_scaled(&self.net.grade_reo[g], self.magnet_inv[c * self.ng + g]);
            }
        }
        // Leaked material in transit.
        for &(_, good, _, q) in &self.transit {
            self.net.reo_of(good, q, &mut inv);
        }
        // Final buyers' own stocks.
        for (k, &(_, _, g)) in self.net.demand_groups.iter().enumerate() {
            if self.group_stock[k] > 0.0 {
                self.net.reo_of(g, self.group_stock[k], &mut inv);
            }
        }
        inv
    }

    /// Capacity factor of a facility this month: its capacity trend's
    /// growth since the base year times the share an outage leaves.
    fn capacity_factor(&self, fac: critmin_model::Idx<critmin_model::Facility>) -> f64 {
        self.cap_factor.get(fac.get()).copied().unwrap_or(1.0)
    }

    /// Growth factor of a facility's capacity this month: its trend and
    /// what prices have built (no outage).
    fn growth_factor(&self, fac: critmin_model::Idx<critmin_model::Facility>, t: usize) -> f64 {
        let built = self.fac_built.get(fac.get()).copied().unwrap_or(1.0);
        match self.net.fac_curve.get(fac.get()) {
            Some(&k) if k != u32::MAX => self.net.cap_curves[k as usize][t] * built,
            _ => built,
        }
    }

    /// Supply answers last month's prices in its own market
    /// (`docs/simulation.md`, "Supply that answers price"): each facility
    /// with a response row smooths the dearest index of what it makes twice — briefly for
    /// restarting idle capacity, over years for building — and builds
    /// capacity while the slow one is at or above its trigger.
    fn answer_supply_prices(&mut self, t: usize) {
        if !self.any_supply_response {
            return;
        }
        let net = self.net;
        for (f, s) in net.fac_supply.iter().enumerate() {
            let Some(s) = s else { continue };
            let c = net.fac_country[f];
            let p = s
                .cells
                .iter()
                .map(|&(e, slot)| self.market_price(c, e, slot))
                .fold(1.0, f64::max);
            self.fac_restart_p[f] += s.restart_smoothing * (p - self.fac_restart_p[f]);
            self.fac_build_p[f] += s.build_smoothing * (p - self.fac_build_p[f]);
            if self.fac_build_p[f] >= s.trigger {
                self.fac_built[f] = (self.fac_built[f] * (1.0 + s.growth_month)).min(s.max_factor);
            }
            // Not yet running: brought forward while the build price is at
            // its trigger (never into the past), deferred while it is low.
            let first = net.fac_first[f];
            if (s.accelerate_max > 0 || s.defer_max > 0) && first != usize::MAX {
                let start = first as i64 + i64::from(self.fac_shift[f]);
                if start > t as i64 {
                    if self.fac_build_p[f] >= s.trigger
                        && self.fac_shift[f] > -s.accelerate_max
                        && start - 1 > t as i64
                    {
                        self.fac_shift[f] -= 1;
                    } else if self.fac_build_p[f] < s.defer_index && self.fac_shift[f] < s.defer_max
                    {
                        self.fac_shift[f] += 1;
                    }
                }
            }
        }
    }

    /// Whether facility `fac`, in the network from month `first` to
    /// before `last`, runs in month `t` (its start moved by acceleration
    /// or deferral).
    #[inline]
    fn runs(
        &self,
        fac: critmin_model::Idx<critmin_model::Facility>,
        first: usize,
        last: usize,
        t: usize,
    ) -> bool {
        let shift = self.fac_shift.get(fac.get()).copied().unwrap_or(0);
        let start = (first as i64 + i64::from(shift)).max(0);
        start <= t as i64 && t < last
    }

    /// Buyers' precautionary stock answers last month's prices
    /// (`docs/simulation.md`, "Precautionary stocks"): per country, metal
    /// element and magnet grade, while the price of what the stage buys
    /// (oxide for metal, metal for magnets) in the country's market stands
    /// at or above its trigger over its smoothed value, the stock target
    /// gains months of throughput, up to a ceiling; while it is below its
    /// smoothed value it loses them.
    fn answer_precaution(&mut self) {
        if !self.any_precaution {
            return;
        }
        let net = self.net;
        let ng = self.ng;
        for c in 0..self.nc {
            let [metal, magnet, _] = net.precaution[c];
            if let Some(r) = metal {
                for e in Element::ALL {
                    let i = c * N_ELEMENTS + e.index();
                    if self.metal_planned[i] > 0.0 {
                        // Metal makers buy oxide.
                        let p = self.market_price(c, e, 0);
                        precaution_step(&r, p, &mut self.metal_pbar[i], &mut self.metal_extra[i]);
                    }
                }
            }
            if let Some(r) = magnet {
                for g in 0..ng {
                    let i = c * ng + g;
                    if self.magnet_planned[i] > 0.0 {
                        // Magnet makers buy metal.
                        let p = self.blend_price(c, net.grade_reo[g].iter(), 1);
                        precaution_step(&r, p, &mut self.magnet_pbar[i], &mut self.magnet_extra[i]);
                    }
                }
            }
        }
        // Final buyers, at the price of the good they buy.
        for (k, &(c, _, g)) in net.demand_groups.iter().enumerate() {
            if let Some(r) = net.precaution[c][2] {
                let p = self.node_price(c, g);
                precaution_step(&r, p, &mut self.group_pbar[k], &mut self.group_extra[k]);
            }
        }
    }

    /// The price index of a blend (`content`: elements and their weights)
    /// in form slot `slot` in country `c`'s market: its elements' indices
    /// weighted by the content, tariff markups included (what buyers in
    /// `c` pay).
    fn blend_price(
        &self,
        c: usize,
        content: impl Iterator<Item = (Element, f64)>,
        slot: usize,
    ) -> f64 {
        weighted_index(content, |e| self.market_price(c, e, slot))
    }

    /// [`Engine::blend_price`] without tariff markups: what sellers in
    /// `c` get.
    fn blend_raw_price(
        &self,
        c: usize,
        content: impl Iterator<Item = (Element, f64)>,
        slot: usize,
    ) -> f64 {
        weighted_index(content, |e| self.raw_market_price(c, e, slot))
    }

    /// Share of spare capacity a facility uses: with a supply response
    /// row, as its smoothed restart price says; without one, as its
    /// market's oxide price of the dearest element in `elements` says at
    /// once.
    fn utilisation_response(
        &self,
        fac: critmin_model::Idx<critmin_model::Facility>,
        elements: ElementSet,
    ) -> f64 {
        if self
            .net
            .fac_supply
            .get(fac.get())
            .is_some_and(Option::is_some)
        {
            let p = self.fac_restart_p[fac.get()];
            elements
                .iter()
                .map(|e| {
                    let full = self.net.price_params(e, 0).full_supply_response_index;
                    ((p - 1.0) / (full - 1.0)).clamp(0.0, 1.0)
                })
                .fold(0.0, f64::max)
        } else {
            let c = self.net.fac_country.get(fac.get()).copied().unwrap_or(0);
            self.response(c, elements)
        }
    }

    /// Supply response: share of spare capacity used at country `c`'s
    /// oxide price of the dearest element in `elements`.
    fn response(&self, c: usize, elements: ElementSet) -> f64 {
        elements
            .iter()
            .map(|e| {
                let full = self.net.price_params(e, 0).full_supply_response_index;
                let p = self.market_price(c, e, 0);
                ((p - 1.0) / (full - 1.0)).clamp(0.0, 1.0)
            })
            .fold(0.0, f64::max)
    }

    /// The index of element `e` in form slot `slot` in country `c`'s
    /// market at the last price update: its own if exports walled it off,
    /// else the free market's.
    /// A tariff its country levies raises it by the markup of the month
    /// before (`docs/simulation.md`, "Tariffs").
    fn market_price(&self, c: usize, e: Element, slot: usize) -> f64 {
        let p = self.raw_market_price(c, e, slot);
        if self.tariff_factor.is_empty() {
            p
        } else {
            p * self.tariff_factor[self.stats.at(c, e, slot)]
        }
    }

    /// The index of element `e` in form slot `slot` in country `c`'s
    /// market, without tariff markups: what its sellers get.
    fn raw_market_price(&self, c: usize, e: Element, slot: usize) -> f64 {
        let i = self.stats.at(c, e, slot);
        if self.price_stamp > 0 && self.own_at[i] == self.price_stamp {
            self.price[i]
        } else {
            self.free_price[e.index() * FORMS.len() + slot]
        }
    }

    fn step(&mut self, t: usize) {
        let net = self.net;
        let nc = self.nc;
        self.stats.reset(nc, &self.written_cells);
        self.t_now = t;
        self.stats.month = Some(net.start.plus(t as i32));
        self.route_used.clear();
        if !net.tariffs.is_empty() {
            let n = net.tariffs.len();
            for v in [
                &mut self.stats.tariff_t,
                &mut self.stats.tariff_paid_usd,
                &mut self.stats.tariff_diverted_t,
            ] {
                v.clear();
                v.resize(n, 0.0);
            }
        }
        // Quotas start afresh each January (and when they come into force).
        let january = self.stats.month.is_some_and(|m| m.month() == 1);
        for (q, r) in net.restrictions.iter().enumerate() {
            if r.quota_t_per_year.is_some() && (january || t == r.from) {
                self.quota_used[q] = 0.0;
            }
            self.quota_month_start[q] = self.quota_used[q];
            if r.quota_even && r.from <= t && t <= r.to {
                self.quota_normal[q] = self.quota_normal_flow(t, r);
            }
        }
        if self.net.balance_check {
            self.stats.balance.inventory_start = self.inventory_total();
        }
        if self.tolling() {
            self.stats.tolled.clear();
            self.stats.tolled.resize(net.tolls.len(), [0.0; 3]);
            self.toll_start(t);
        }

        // Capacity factors by facility: growth trend × outage share × what
        // prices have built.
        self.answer_supply_prices(t);
        self.cap_factor.clear();
        let builds = self.any_supply_response;
        if !net.cap_curves.is_empty() || !net.outages.is_empty() || builds {
            self.cap_factor.resize(net.fac_curve.len(), 1.0);
            // Overlapping outages: the deepest cut holds.
            for &(a, b, fac, share) in &net.outages {
                if a <= t && t <= b && fac.get() < self.cap_factor.len() {
                    self.cap_factor[fac.get()] = self.cap_factor[fac.get()].min(share);
                }
            }
            for (f, &k) in net.fac_curve.iter().enumerate() {
                if k != u32::MAX {
                    self.cap_factor[f] *= net.cap_curves[k as usize][t];
                }
            }
            if builds {
                for (f, x) in self.cap_factor.iter_mut().enumerate() {
                    *x *= self.fac_built[f];
                }
            }
        }
        // Demand this month.
        let yi = (net.start.plus(t as i32).year() - net.first_year).max(0) as usize;
        for (k, d) in net.demand.iter().enumerate() {
            let mut q = d.base_month * d.year_factor.get(yi).copied().unwrap_or(1.0);
            for sh in &net.shocks {
                if sh.first <= t
                    && t <= sh.last
                    && (sh.countries.is_empty() || sh.countries.contains(&d.country))
                    && (sh.sectors.is_empty() || sh.sectors.contains(&d.sector))
                    && sh.elements.intersects(d.elements)
                {
                    q *= sh.factor;
                }
            }
            self.demand_now[k] = q;
        }
        self.answer_prices();
        self.answer_precaution();
        if !self.transit.is_empty() {
            self.arrive(t);
        }

        self.mine(t);
        self.concentrate(t);
        self.oxide_markets(t);
        self.metal_markets(t);
        self.magnet_markets(t);
        self.write_off_surplus();
        self.update_prices(t);
        if !net.floors.is_empty() {
            self.pay_floors(t);
        }
        if !net.tariffs.is_empty() {
            self.tariff_markups();
        }
        self.finish_stats();
    }

    /// Demand answers last month's prices (`docs/simulation.md`, "Demand
    /// that answers price"): each node's substituted share moves with its
    /// smoothed price index, and what is left responds to the index with
    /// the node's short-run elasticity. `demand_now` holds the demand as
    /// stated on entry; the groups get it at the going price.
    fn answer_prices(&mut self) {
        let net = self.net;
        if !self.any_demand_response {
            // Demand as stated is demand at every price.
            self.group_now.iter_mut().for_each(|v| *v = 0.0);
            for (k, &gi) in net.node_group.iter().enumerate() {
                self.group_now[gi] += self.demand_now[k];
            }
            self.group_wanted.copy_from_slice(&self.group_now);
            self.group_base.copy_from_slice(&self.group_now);
            return;
        }
        for x in [
            &mut self.group_now,
            &mut self.group_wanted,
            &mut self.group_base,
            &mut self.group_resp_base,
            &mut self.group_resp_eps,
        ] {
            x.iter_mut().for_each(|v| *v = 0.0);
        }
        for &i in &self.active_cells {
            self.cell_resp_base[i as usize] = 0.0;
            self.cell_resp_eps[i as usize] = 0.0;
        }
        // Each answering group's price and its logarithm, once: its nodes
        // share them.
        for (gi, &(c, _, g)) in net.demand_groups.iter().enumerate() {
            if self.group_responds[gi] {
                let p = self.node_price(c, g);
                self.group_price[gi] = (p, if p == 1.0 { 0.0 } else { p.ln() });
            }
        }
        for (k, &gi) in net.node_group.iter().enumerate() {
            let wanted = self.demand_now[k];
            let r = net.response[k];
            if !r.responds() {
                self.group_now[gi] += wanted;
                self.group_wanted[gi] += wanted;
                self.group_base[gi] += wanted;
                continue;
            }
            let (p, ln_p) = self.group_price[gi];
            self.node_pbar[k] += r.smoothing * (p - self.node_pbar[k]);
            if self.node_pbar[k] >= r.trigger {
                self.node_sub[k] = (self.node_sub[k] + r.sub_rate_month).min(r.sub_max);
            } else if self.node_sub[k] > 0.0 {
                self.node_sub[k] = (self.node_sub[k] - r.reversal_month).max(0.0);
            }
            let base = wanted * (1.0 - self.node_sub[k]);
            // base × p^(−ε), above the baseline price and below it (inside
            // a walled-off exporter).
            let now = if ln_p != 0.0 && r.elasticity > 0.0 {
                base * (-r.elasticity * ln_p).exp()
            } else {
                base
            };
            self.demand_now[k] = now;
            self.group_now[gi] += now;
            self.group_wanted[gi] += wanted;
            self.group_base[gi] += base;
            self.group_resp_base[gi] += base;
            self.group_resp_eps[gi] += base * r.elasticity;
        }
    }

    /// The price index a buyer of good `g` in country `c` sees: its
    /// elements' indices in its market weighted by the good's content.
    fn node_price(&self, c: usize, g: usize) -> f64 {
        let slot = crate::network::good_slot(g);
        self.blend_price(c, self.net.good_content[g].iter().copied(), slot)
    }

    fn mine(&mut self, t: usize) {
        let net = self.net;
        for (p, pool) in net.pools.iter().enumerate() {
            if !(self.runs(pool.facility, pool.first, pool.last, t)) {
                continue;
            }
            if let PoolKind::Mine { comp } = &pool.kind {
                let util = pool.util
                    + (1.0 - pool.util) * self.utilisation_response(pool.facility, pool.elements);
                let out = pool.cap_month * util * self.capacity_factor(pool.facility);
                self.pool_inv[p].add_scaled(comp, out);
                self.stats.balance.produced.add_scaled(comp, out);
                let cap = pool.cap_month * self.growth_factor(pool.facility, t);
                self.stats
                    .facility_use
                    .push((pool.facility.get(), out, cap));
            }
        }
    }

    fn concentrate(&mut self, t: usize) {
        let net = self.net;
        self.concentrate_free = !net
            .restrictions
            .iter()
            .any(|r| r.from <= t && t <= r.to && r.forms.contains(Form::Concentrate));
        for (s, sep) in net.seps.iter().enumerate() {
            self.sep_room[s] = if self.runs(sep.facility, sep.first, sep.last, t) {
                let util = sep.util
                    + (1.0 - sep.util)
                        * self.utilisation_response(sep.facility, self.sep_elements[s]);
                sep.cap_month * util * self.capacity_factor(sep.facility)
            } else {
                0.0
            };
        }
        for &p in &net.crackers {
            let pool = &net.pools[p];
            self.cracker_room[p] = if self.runs(pool.facility, pool.first, pool.last, t) {
                pool.cap_month
                    * (pool.util
                        + (1.0 - pool.util)
                            * self.utilisation_response(pool.facility, pool.elements))
                    * self.capacity_factor(pool.facility)
            } else {
                0.0
            };
        }
        self.sep_made.iter_mut().for_each(|x| *x = 0.0);
        self.cracker_made.iter_mut().for_each(|x| *x = 0.0);
        // Cracking plants draw on mine pools first, then separation plants
        // on every pool; each plant spreads its order over its feed pools in
        // proportion to their stock (so its blend follows its feed), and a
        // second pass re-spreads what a pool could not supply. A plant's
        // order to pool p is `ratio × stock(p)`, with the ratio set from the
        // stocks at the start of the pass.
        let np = net.pools.len();
        for phase in 0..2 {
            for _pass in 0..2 {
                for p in 0..np {
                    self.pool_total[p] = self.pool_inv[p].total();
                }
                let mut any = false;
                if phase == 0 {
                    for &q in &net.crackers {
                        self.taker_ratio[q] = 0.0;
                        if self.cracker_room[q] <= 1e-9 * (1.0 + net.pools[q].cap_month) {
                            continue;
                        }
                        let rec = match net.pools[q].kind {
                            PoolKind::Cracking { recovery } => recovery.max(1e-9),
                            PoolKind::Mine { .. } => 1.0,
                        };
                        let w: f64 = net.feeds_of_cracker[q]
                            .iter()
                            .map(|&p| self.pool_total[p])
                            .sum();
                        if w > 1e-12 {
                            self.taker_ratio[q] = self.cracker_room[q] / rec / w;
                            any = true;
                        }
                    }
                } else {
                    for (s, sep) in net.seps.iter().enumerate() {
                        self.sep_ratio[s] = 0.0;
                        if self.sep_room[s] <= 1e-9 * (1.0 + sep.cap_month) {
                            continue;
                        }
                        let all = sep.elements == ElementSet::ALL;
                        let kept: f64 = net.feeds_of_sep[s]
                            .iter()
                            .map(|&p| {
                                if all {
                                    self.pool_total[p]
                                } else {
                                    self.pool_inv[p].total_of(sep.elements)
                                }
                            })
                            .sum();
                        if kept > 1e-12 {
                            // Feed needed for the room left, at this blend.
                            self.sep_ratio[s] = self.sep_room[s] / (sep.recovery.max(1e-9) * kept);
                            any = true;
                        }
                    }
                }
                if !any {
                    break;
                }
                let pools = if phase == 0 {
                    &net.cracker_feed_pools
                } else {
                    &net.sep_feed_pools
                };
                for &p in pools {
                    let stock = self.pool_total[p];
                    if stock <= 1e-12 {
                        continue;
                    }
                    self.buyers.clear();
                    self.who.clear();
                    for &(taker, class) in &net.takers[p] {
                        let (who, country, ratio) = match (phase, taker) {
                            (0, Taker::Cracking(q)) => {
                                (Who::Cracker(q), net.pools[q].country, self.taker_ratio[q])
                            }
                            (1, Taker::Separation(s)) => {
                                (Who::Separator(s), net.seps[s].country, self.sep_ratio[s])
                            }
                            _ => continue,
                        };
                        let request = ratio * stock;
                        if request > 1e-12 {
                            self.buyers.push(Buyer {
                                country,
                                tier: class as usize,
                                demand: request,
                            });
                            self.who.push(who);
                        }
                    }
                    if !self.buyers.is_empty() {
                        self.clear_pool(t, p);
                    }
                }
                self.separate_intake();
            }
        }
        if self.tolling() {
            self.toll_separation(t);
        }
        for (s, sep) in net.seps.iter().enumerate() {
            if self.runs(sep.facility, sep.first, sep.last, t) {
                self.stats.facility_use.push((
                    sep.facility.get(),
                    self.sep_made[s],
                    sep.cap_month * self.capacity_factor(sep.facility),
                ));
            }
        }
        for &q in &net.crackers {
            let pool = &net.pools[q];
            if self.runs(pool.facility, pool.first, pool.last, t) {
                self.stats.facility_use.push((
                    pool.facility.get(),
                    self.cracker_made[q],
                    pool.cap_month * self.capacity_factor(pool.facility),
                ));
            }
        }
    }

    /// Separates what each separation plant took in this pass: oxides of the
    /// elements it separates × recovery; the rest is a loss.
    fn separate_intake(&mut self) {
        let net = self.net;
        for k in 0..self.touched_seps.len() {
            let s = self.touched_seps[k];
            let sep = &net.seps[s];
            let intake = self.sep_intake[s];
            let mut made = 0.0;
            for (e, q) in intake.iter() {
                if q <= 0.0 {
                    continue;
                }
                if sep.elements.contains(e) {
                    let o = q * sep.recovery;
                    for (k, fl) in net.floors.iter().enumerate() {
                        if fl.facility == sep.facility && fl.elements.contains(e) {
                            self.floor_made[k][e] += o;
                        }
                    }
                    let kept = if net.offtakes.is_empty() {
                        o
                    } else {
                        self.offtake(sep.facility, sep.country, OXIDE0 + e.index(), o)
                    };
                    self.oxide_inv[sep.country * N_ELEMENTS + e.index()] += kept;
                    self.stats.balance.losses[e] += q - o;
                    made += o;
                } else {
                    self.stats.balance.losses[e] += q;
                }
            }
            self.sep_room[s] -= made;
            self.sep_made[s] += made;
            self.sep_intake[s] = PerElement::ZERO;
            self.sep_intake_total[s] = 0.0;
        }
        self.touched_seps.clear();
    }

    /// Clears pool `p`'s concentrate among the current buyers (plants'
    /// orders for it).
    fn clear_pool(&mut self, t: usize, p: usize) {
        let net = self.net;
        let total = self.pool_inv[p].total();
        if total <= 1e-12 {
            return;
        }
        let good = net.pool_good(p);
        let seller = net.pools[p].country;
        if self.concentrate_free && !self.record_flows {
            // No restriction on concentrate this month: one seller, a
            // direct split.
            crate::alloc::serve_single(
                total,
                net.home[seller],
                &self.buyers,
                3,
                &net.home,
                &mut self.out.served,
            );
            if net.audit {
                self.clearings += 1;
                for (b, &served) in self.buyers.iter().zip(&self.out.served) {
                    self.stats.audit.push(BuyerAudit {
                        good,
                        country: b.country,
                        tier: b.tier,
                        demand: b.demand,
                        served,
                        segment: false,
                        clearing: self.clearings,
                    });
                }
            }
        } else {
            self.supply.iter_mut().for_each(|x| *x = 0.0);
            self.supply[seller] = total;
            self.clear_market(t, good, 3, false);
        }
        let content = self.pool_inv[p];
        let mut taken_total = 0.0;
        for k in 0..self.buyers.len() {
            let x = self.out.served[k].min(total - taken_total).max(0.0);
            if x <= 0.0 {
                continue;
            }
            taken_total += x;
            let frac = x / total;
            match self.who[k] {
                Who::Cracker(q) => {
                    let rec = match net.pools[q].kind {
                        PoolKind::Cracking { recovery } => recovery,
                        PoolKind::Mine { .. } => 1.0,
                    };
                    self.pool_inv[q].add_scaled(&content, frac * rec);
                    self.stats
                        .balance
                        .losses
                        .add_scaled(&content, frac * (1.0 - rec));
                    self.cracker_room[q] -= x * rec;
                    self.cracker_made[q] += x * rec;
                }
                Who::Separator(s) => {
                    // Separated at the end of the pass, all pools at once.
                    if self.sep_intake_total[s] == 0.0 {
                        self.touched_seps.push(s);
                    }
                    self.sep_intake[s].add_scaled(&content, frac);
                    self.sep_intake_total[s] += x;
                }
                _ => {}
            }
        }
        let left = (total - taken_total).max(0.0);
        self.pool_inv[p] = content.scaled(left / total);
    }

    /// Clears the market for `good` with the current buyers and supply,
    /// applying restriction caps, into `self.out`.
    /// Clears the market of `good` among the buyers and supply set up for
    /// it: route caps from the restrictions in force, the allocation, then
    /// the month's records (audit, flows, use of capped routes).
    fn clear_market(&mut self, t: usize, good: usize, n_tiers: usize, _final_market: bool) {
        let net = self.net;
        self.restriction_caps(t, good);
        let taxed = !net.tariffs.is_empty() && good < net.n_goods() && self.live_tariffs(t, good);
        let want_flows = self.record_flows || !self.caps.is_empty() || taxed;
        if !net.sourcing.is_empty() && self.segment_buyers(t) {
            self.clear_with_segment(n_tiers, want_flows);
        } else {
            let market = Market {
                home: &net.home,
                supply: &self.supply,
                buyers: &self.buyers,
                caps: &self.caps,
                n_tiers,
            };
            self.alloc.allocate(&market, want_flows, &mut self.out);
        }
        if taxed {
            self.divert_and_levy(good);
        }
        self.record_market(good);
        self.count_quotas(t, good);
        if !self.caps.is_empty() && good < net.n_goods() {
            if !net.leaks.is_empty() {
                self.leak(t, good);
            }
            self.record_blocked(t, good);
        }
    }

    /// Finds the tariffs in force on `good` (into `tariff_live`); whether
    /// there are any.
    fn live_tariffs(&mut self, t: usize, good: usize) -> bool {
        let net = self.net;
        let (form, elements) = (net.good_form(good), net.good_elements(good));
        self.tariff_live.clear();
        for (k, tf) in net.tariffs.iter().enumerate() {
            let r = &tf.trade;
            if r.from <= t && t <= r.to && r.forms.contains(form) && r.elements.intersects(elements)
            {
                self.tariff_live.push(k);
            }
        }
        !self.tariff_live.is_empty()
    }

    /// The tariff rate on the route `x → c` of the market being cleared:
    /// the sum of the rates of the tariffs in force that cover it.
    fn tariff_rate(&self, x: usize, c: usize) -> f64 {
        self.tariff_live
            .iter()
            .map(|&k| &self.net.tariffs[k])
            .filter(|tf| covers(&tf.trade, x, c))
            .map(|tf| tf.rate)
            .sum()
    }

    /// Tariffs on the market just cleared (`docs/simulation.md`,
    /// "Tariffs"): its flows diverted to untariffed sellers where they
    /// can be, then the levy on what still crosses a tariffed route, and
    /// each levying country's purchases, from which next month's markup
    /// comes.
    fn divert_and_levy(&mut self, good: usize) {
        let net = self.net;
        let mut flows = std::mem::take(&mut self.out.flows);
        let caps = &self.caps;
        let capped = |x: usize, c: usize| caps.iter().any(|k| k.exporter == x && k.importer == c);
        let mut drawn = std::mem::take(&mut self.out.drawn);
        let swaps = crate::tariff::divert(
            &mut flows,
            &self.supply,
            &mut drawn,
            &crate::tariff::Routes {
                rate: &|x, c| self.tariff_rate(x, c),
                capped: &capped,
                home: &net.home,
            },
        );
        self.out.drawn = drawn;
        // Engine units (t REO-eq, or t magnet) to t REO-eq.
        let total = net.good_content_total[good];
        for (x, i, s) in swaps {
            if let Some(&k) = self
                .tariff_live
                .iter()
                .find(|&&k| covers(&net.tariffs[k].trade, x, i))
            {
                self.stats.tariff_diverted_t[k] += s * total;
            }
        }
        let slot = crate::network::good_slot(good);
        let content = &net.good_content[good];
        if total > 0.0 {
            for (b, &served) in self.buyers.iter().zip(&self.out.served) {
                if served > 0.0 {
                    for &(e, q) in content {
                        let i = self.stats.at(b.country, e, slot);
                        touch_cell(
                            &mut self.tariff_cells,
                            &self.tariff_bought,
                            &self.tariff_levy,
                            i,
                        );
                        self.tariff_bought[i] += served * q / total;
                    }
                }
            }
        }
        for f in &flows {
            let mut levied = 0.0;
            // the exporter's price, once per flow that any tariff covers
            let mut price = None;
            for &k in &self.tariff_live {
                let tf = &net.tariffs[k];
                if !covers(&tf.trade, f.exporter, f.importer) {
                    continue;
                }
                let price = *price.get_or_insert_with(|| {
                    self.blend_raw_price(f.exporter, content.iter().copied(), slot)
                });
                self.stats.tariff_t[k] += f.tonnes * total;
                self.stats.tariff_paid_usd[k] +=
                    tf.rate * f.tonnes * net.base_price_usd_per_t[good] * price;
                levied += tf.rate;
            }
            if levied > 0.0 && total > 0.0 {
                for &(e, q) in content {
                    let i = self.stats.at(f.importer, e, slot);
                    touch_cell(
                        &mut self.tariff_cells,
                        &self.tariff_bought,
                        &self.tariff_levy,
                        i,
                    );
                    self.tariff_levy[i] += levied * f.tonnes * q / total;
                }
            }
        }
        self.out.flows = flows;
    }

    /// The month's tariff markups (`docs/simulation.md`, "Tariffs"): in
    /// each cell where a levying country bought, 1 + the levy ÷ its
    /// purchases, which its buyers and producers see next month.
    fn tariff_markups(&mut self) {
        for x in self.tariff_factor.iter_mut() {
            *x = 1.0;
        }
        for &i in &self.tariff_cells {
            let i = i as usize;
            if self.tariff_bought[i] > 0.0 {
                self.tariff_factor[i] = 1.0 + self.tariff_levy[i] / self.tariff_bought[i];
            }
            self.tariff_levy[i] = 0.0;
            self.tariff_bought[i] = 0.0;
        }
        self.tariff_cells.clear();
    }

    /// Finds this market's buyers under a sourcing ban in force (into
    /// `seg_index`), and the sellers their bans exclude (their supply is
    /// zeroed in `seg_supply`); whether there are any.
    fn segment_buyers(&mut self, t: usize) -> bool {
        let net = self.net;
        self.seg_index.clear();
        self.seg_supply.clear();
        self.seg_supply.extend_from_slice(&self.supply);
        for (k, w) in self.who.iter().enumerate() {
            let Who::Demand(d) = *w else { continue };
            let s = net.group_segment[d];
            if s == u32::MAX {
                continue;
            }
            let r = &net.sourcing[s as usize].trade;
            if r.from <= t && t <= r.to {
                self.seg_index.push(k);
                for &x in &r.exporters {
                    self.seg_supply[x] = 0.0;
                }
            }
        }
        !self.seg_index.is_empty()
    }

    /// Clears a market with a sourcing-ban segment in two passes
    /// (`docs/simulation.md`, "Sourcing bans"): first the segment, from the
    /// sellers its bans allow, under the month's caps; then everyone else,
    /// from what is left, under what is left of the caps. The segment's
    /// unserved demand stays unserved: the first pass took all the allowed
    /// sellers could give it.
    fn clear_with_segment(&mut self, n_tiers: usize, want_flows: bool) {
        let net = self.net;
        self.seg_buyers.clear();
        self.seg_buyers
            .extend(self.seg_index.iter().map(|&k| self.buyers[k]));
        let seg = Market {
            home: &net.home,
            supply: &self.seg_supply,
            buyers: &self.seg_buyers,
            caps: &self.caps,
            n_tiers,
        };
        self.alloc.allocate(&seg, true, &mut self.seg_out);
        // What the rest may take: stock less the segment's draw, caps less
        // the segment's flows, the segment's buyers asking nothing.
        for (c, s) in self.seg_supply.iter_mut().enumerate() {
            *s = (self.supply[c] - self.seg_out.drawn.get(c).copied().unwrap_or(0.0)).max(0.0);
        }
        self.rest_caps.clear();
        self.rest_caps.extend_from_slice(&self.caps);
        for f in &self.seg_out.flows {
            if let Some(k) = self
                .rest_caps
                .iter_mut()
                .find(|k| k.exporter == f.exporter && k.importer == f.importer)
            {
                k.max = (k.max - f.tonnes).max(0.0);
            }
        }
        self.rest_buyers.clear();
        self.rest_buyers.extend_from_slice(&self.buyers);
        for &k in &self.seg_index {
            self.rest_buyers[k].demand = 0.0;
        }
        let rest = Market {
            home: &net.home,
            supply: &self.seg_supply,
            buyers: &self.rest_buyers,
            caps: &self.rest_caps,
            n_tiers,
        };
        self.alloc.allocate(&rest, want_flows, &mut self.out);
        for (j, &k) in self.seg_index.iter().enumerate() {
            self.out.served[k] = self.seg_out.served[j];
        }
        for (c, d) in self.out.drawn.iter_mut().enumerate() {
            *d += self.seg_out.drawn.get(c).copied().unwrap_or(0.0);
        }
        self.out.flows.extend_from_slice(&self.seg_out.flows);
    }

    /// Leakage (`docs/simulation.md`, "Leakage"): of what each capped
    /// route's exporter is left with while buyers in its importer go
    /// unserved, a leakage's share leaves now, through a third country,
    /// and arrives in the importer's stock `lag` months later; the buyers
    /// pay its premium.
    fn leak(&mut self, t: usize, good: usize) {
        let net = self.net;
        let form = net.good_form(good);
        let elements = net.good_elements(good);
        self.unmet_nc.iter_mut().for_each(|v| *v = 0.0);
        for (b, &served) in self.buyers.iter().zip(&self.out.served) {
            self.unmet_nc[b.country] += (b.demand - served).max(0.0);
        }
        for l in &net.leaks {
            let r = &l.trade;
            if t < r.from || t > r.to || !r.forms.contains(form) || !r.elements.intersects(elements)
            {
                continue;
            }
            for k in 0..self.caps.len() {
                let (x, c) = (self.caps[k].exporter, self.caps[k].importer);
                if !r.exporters.contains(&x)
                    || r.importers.as_ref().is_some_and(|v| !v.contains(&c))
                {
                    continue;
                }
                let left = (self.supply[x] - self.out.drawn[x]).max(0.0);
                let blocked = left.min(self.unmet_nc[c]);
                let q = l.share * blocked;
                if q <= 1e-12 {
                    continue;
                }
                self.unmet_nc[c] -= blocked;
                self.out.drawn[x] += q;
                self.transit.push((t + l.lag, good, c, q));
                if self.record_flows {
                    self.stats.flows.push((good as u32, x as u16, c as u16, q));
                }
                self.stats.cost_impact_usd[c] += l.premium * q * net.base_price_usd_per_t[good];
            }
        }
    }

    /// Price floors (`docs/simulation.md`, "Price floors"): each floor in
    /// force pays its plant the gap between the floor and this month's
    /// market price of the covered oxide it made (its elements' prices in
    /// the plant's market, weighted by what it made).
    fn pay_floors(&mut self, t: usize) {
        let net = self.net;
        let n = net.floors.len();
        self.stats.floor_covered_t.clear();
        self.stats.floor_covered_t.resize(n, 0.0);
        self.stats.floor_payout_usd.clear();
        self.stats.floor_payout_usd.resize(n, 0.0);
        for (k, fl) in net.floors.iter().enumerate() {
            let made = std::mem::replace(&mut self.floor_made[k], PerElement::ZERO);
            let total = made.total();
            if t < fl.from || t > fl.to || total <= 0.0 {
                continue;
            }
            let value: f64 = made
                .iter()
                .map(|(e, q)| {
                    q * net.base_price_usd_per_t[OXIDE0 + e.index()]
                        * self.market_price(fl.country, e, 0)
                })
                .sum();
            let price = value / total;
            self.stats.floor_covered_t[k] = total;
            self.stats.floor_payout_usd[k] = (fl.floor_usd_per_t - price).max(0.0) * total;
        }
    }

    /// Offtake agreements (`docs/simulation.md`, "Offtake"): of `qty` of
    /// good `good` that facility `fac` in country `owner` just made, each
    /// agreement in force delivers its share to its buyer's stock of the
    /// good; returns what stays with the owner.
    fn offtake(
        &mut self,
        fac: critmin_model::Idx<critmin_model::Facility>,
        owner: usize,
        good: usize,
        qty: f64,
    ) -> f64 {
        let net = self.net;
        let t = self.t_now;
        let mut kept = qty;
        for o in &net.offtakes {
            if o.facility != fac || t < o.from || t > o.to {
                continue;
            }
            let q = (o.share * qty).min(kept);
            if q <= 0.0 {
                continue;
            }
            kept -= q;
            let c = o.buyer;
            if good < METAL0 {
                self.oxide_inv[c * N_ELEMENTS + (good - OXIDE0)] += q;
            } else if good < MAGNET0 {
                self.metal_inv[c * N_ELEMENTS + (good - METAL0)] += q;
            } else {
                self.magnet_inv[c * self.ng + (good - MAGNET0)] += q;
            }
            if self.record_flows && c != owner {
                self.stats
                    .flows
                    .push((good as u32, owner as u16, c as u16, q));
            }
        }
        kept
    }

    /// Leaked material arriving this month joins its importer's stock.
    fn arrive(&mut self, t: usize) {
        let ng = self.ng;
        let mut k = 0;
        while k < self.transit.len() {
            let (arrival, good, c, q) = self.transit[k];
            if arrival != t {
                k += 1;
                continue;
            }
            if good < METAL0 {
                self.oxide_inv[c * N_ELEMENTS + (good - OXIDE0)] += q;
            } else if good < MAGNET0 {
                self.metal_inv[c * N_ELEMENTS + (good - METAL0)] += q;
            } else {
                self.magnet_inv[c * ng + (good - MAGNET0)] += q;
            }
            self.transit.swap_remove(k);
        }
    }

    /// Records, per restricted exporter of this market pass, the supply
    /// its binding caps leave it with beyond its working stock: what its
    /// own market must absorb. A cap binds when its route carried all it
    /// allowed and it allowed less than the route's normal flow or left
    /// the importer's buyers unserved. Such an exporter's market is walled
    /// off this month (its price answers its own balance, `update_prices`).
    fn record_blocked(&mut self, t: usize, good: usize) {
        let net = self.net;
        self.unmet_nc.iter_mut().for_each(|v| *v = 0.0);
        for (b, &served) in self.buyers.iter().zip(&self.out.served) {
            self.unmet_nc[b.country] += (b.demand - served).max(0.0);
        }
        let slot = crate::network::good_slot(good);
        for k in 0..self.caps.len() {
            let x = self.caps[k].exporter;
            // Each exporter once, at its first cap.
            if self.caps[..k].iter().any(|c| c.exporter == x) {
                continue;
            }
            let binds = self.caps.iter().filter(|c| c.exporter == x).any(|c| {
                let carried: f64 = self
                    .out
                    .flows
                    .iter()
                    .filter(|f| f.exporter == x && f.importer == c.importer)
                    .map(|f| f.tonnes)
                    .sum();
                let normal = self.normal.map_or(0.0, |n| n.get(t, good, x, c.importer));
                let tol = 1e-9 * (1.0 + c.max);
                carried >= c.max - tol && (c.max < normal - tol || self.unmet_nc[c.importer] > tol)
            });
            if !binds {
                continue;
            }
            let left = (self.supply[x] - self.out.drawn[x]).max(0.0);
            let unsold = (left - self.working_stock(x, good)).max(0.0);
            if unsold <= 1e-9 {
                continue;
            }
            for &(e, q) in &net.good_content[good] {
                let i = self.stats.at(x, e, slot);
                if self.blocked[i] == 0.0 {
                    self.blocked_cells.push(i as u32);
                }
                self.blocked[i] += unsold * q;
            }
        }
    }

    /// The stock of market good `good` country `c` keeps as working
    /// inventory (its target, precautionary months included), in the
    /// good's unit.
    fn working_stock(&self, c: usize, good: usize) -> f64 {
        if good < METAL0 {
            // Oxide stock is written off above twice its target.
            self.oxide_ceiling[c * N_ELEMENTS + (good - OXIDE0)] / 2.0
        } else if good < MAGNET0 {
            let i = c * N_ELEMENTS + (good - METAL0);
            self.metal_target[i] + self.metal_extra[i] * self.metal_planned[i]
        } else {
            let i = c * self.ng + (good - MAGNET0);
            self.magnet_target[i] + self.magnet_extra[i] * self.magnet_planned[i]
        }
    }

    /// The caps on routes from restricted exporters to this market's buyers
    /// this month: each restriction's share of the route's normal flow,
    /// less what the route already carried this month; the tightest cap
    /// wins.
    fn restriction_caps(&mut self, t: usize, good: usize) {
        let net = self.net;
        self.caps.clear();
        let form = net.good_form(good);
        let elements = net.good_elements(good);
        // Countries with buyers in this market (a route to anyone else
        // carries nothing, so needs no cap).
        let mut buyer_mask = 0u64;
        let mut buyer_countries = [0usize; 64];
        let mut nb = 0;
        for b in &self.buyers {
            if b.country < 64 && buyer_mask & (1 << b.country) == 0 {
                buyer_mask |= 1 << b.country;
                buyer_countries[nb] = b.country;
                nb += 1;
            }
        }
        for (q, r) in net.restrictions.iter().enumerate() {
            if t < r.from || t > r.to || !r.forms.contains(form) || !r.elements.intersects(elements)
            {
                continue;
            }
            if let Some(quota) = r.quota_t_per_year {
                self.quota_caps(t, good, q, quota, &buyer_countries[..nb]);
                continue;
            }
            for (x, c) in covered_routes(r, &self.supply, &buyer_countries[..nb]) {
                let normal = self.normal.map_or(0.0, |n| n.get(t, good, x, c));
                // A month's cap, less what the route already carried this
                // month (concentrate clears in several passes).
                let used = self
                    .route_used
                    .iter()
                    .find(|u| u.0 == good as u32 && u.1 == x as u16 && u.2 == c as u16)
                    .map_or(0.0, |u| u.3);
                tighten(&mut self.caps, x, c, (r.share * normal - used).max(0.0));
            }
        }
    }

    /// Caps of the routes under export quota `q` in the market for `good`
    /// this pass: what is left of the year's quota (in the good's unit),
    /// split between the quota's routes to this market's buyers in
    /// proportion to their normal flows (equally if none had any).
    fn quota_caps(&mut self, t: usize, good: usize, q: usize, quota: f64, buyers: &[usize]) {
        let net = self.net;
        let r = &net.restrictions[q];
        // Concentrate is counted in t REO as it stands.
        let per_unit = net
            .good_content_total
            .get(good)
            .copied()
            .unwrap_or(1.0)
            .max(1e-12);
        let normal = |x: usize, c: usize| self.normal.map_or(0.0, |n| n.get(t, good, x, c));
        let left = if r.quota_even {
            // What is left at the start of the month, spread over the
            // months left in the quota's calendar year; this market's share
            // of it is its share of the quota's normal flow this month,
            // less what it used so far this month, and never more than the
            // month has left.
            let month = net.start.plus(t as i32).month();
            let months_left = f64::from(13u32.saturating_sub(month).max(1));
            let start = self.quota_month_start[q];
            let allowance = (quota - start) / months_left;
            let month_left = allowance - (self.quota_used[q] - start);
            let here: f64 = covered_routes(r, &self.supply, buyers)
                .map(|(x, c)| normal(x, c))
                .sum::<f64>()
                * per_unit;
            let share = if self.quota_normal[q] > 0.0 {
                (here / self.quota_normal[q]).min(1.0)
            } else {
                1.0
            };
            let used_here: f64 = self
                .route_used
                .iter()
                .filter(|u| {
                    u.0 == good as u32
                        && r.exporters.contains(&(u.1 as usize))
                        && r.importers
                            .as_ref()
                            .is_none_or(|v| v.contains(&(u.2 as usize)))
                })
                .map(|u| u.3)
                .sum::<f64>()
                * per_unit;
            (allowance * share - used_here).min(month_left).max(0.0)
        } else {
            (quota - self.quota_used[q]).max(0.0)
        } / per_unit;
        let (mut total, mut n) = (0.0, 0usize);
        for (x, c) in covered_routes(r, &self.supply, buyers) {
            total += normal(x, c);
            n += 1;
        }
        for (x, c) in covered_routes(r, &self.supply, buyers) {
            let share = if total > 0.0 {
                normal(x, c) / total
            } else {
                1.0 / n as f64
            };
            tighten(&mut self.caps, x, c, left * share);
        }
    }

    /// The normal flow in month `t`, t REO-eq, over every good and route
    /// restriction `r` covers.
    fn quota_normal_flow(&self, t: usize, r: &Restriction) -> f64 {
        let net = self.net;
        let Some(month) = self.normal.and_then(|n| n.months.get(t)) else {
            return 0.0;
        };
        month
            .iter()
            .filter_map(|&(key, tonnes)| {
                let good = (key >> 32) as usize;
                let x = ((key >> 16) & 0xffff) as usize;
                let c = (key & 0xffff) as usize;
                let covered = x != c
                    && r.exporters.contains(&x)
                    && r.importers.as_ref().is_none_or(|v| v.contains(&c))
                    && r.forms.contains(net.good_form(good))
                    && r.elements.intersects(net.good_elements(good));
                covered.then(|| tonnes * net.good_content_total.get(good).copied().unwrap_or(1.0))
            })
            .sum()
    }

    /// Counts this market pass's flows against the export quotas that
    /// cover them.
    fn count_quotas(&mut self, t: usize, good: usize) {
        let net = self.net;
        let form = net.good_form(good);
        let elements = net.good_elements(good);
        let per_unit = net.good_content_total.get(good).copied().unwrap_or(1.0);
        for (q, r) in net.restrictions.iter().enumerate() {
            if r.quota_t_per_year.is_none()
                || t < r.from
                || t > r.to
                || !r.forms.contains(form)
                || !r.elements.intersects(elements)
            {
                continue;
            }
            for f in &self.out.flows {
                if f.tonnes > 0.0
                    && r.exporters.contains(&f.exporter)
                    && f.importer != f.exporter
                    && r.importers.as_ref().is_none_or(|v| v.contains(&f.importer))
                {
                    self.quota_used[q] += f.tonnes * per_unit;
                }
            }
        }
    }

    /// Records a cleared market: every buyer (when audited), the
    /// cross-border flows (when recorded), and the use of each capped route
    /// (so that later passes this month see what is left of its cap).
    fn record_market(&mut self, good: usize) {
        let net = self.net;
        if net.audit {
            self.clearings += 1;
            for (k, (b, &served)) in self.buyers.iter().zip(&self.out.served).enumerate() {
                self.stats.audit.push(BuyerAudit {
                    good,
                    country: b.country,
                    tier: b.tier,
                    demand: b.demand,
                    served,
                    segment: !net.sourcing.is_empty() && self.seg_index.contains(&k),
                    clearing: self.clearings,
                });
            }
        }
        if self.record_flows {
            for f in &self.out.flows {
                if f.tonnes > 0.0 {
                    self.stats.flows.push((
                        good as u32,
                        f.exporter as u16,
                        f.importer as u16,
                        f.tonnes,
                    ));
                }
            }
        }
        if !self.caps.is_empty() {
            for f in &self.out.flows {
                if let Some(k) = self
                    .caps
                    .iter()
                    .find(|k| k.exporter == f.exporter && k.importer == f.importer)
                {
                    let key = (good as u32, f.exporter as u16, f.importer as u16);
                    let used = match self.route_used.iter_mut().find(|u| (u.0, u.1, u.2) == key) {
                        Some(u) => {
                            let before = u.3;
                            u.3 += f.tonnes;
                            before
                        }
                        None => {
                            self.route_used.push((key.0, key.1, key.2, f.tonnes));
                            0.0
                        }
                    };
                    // The whole month's cap: what this call could carry plus
                    // what earlier calls carried.
                    self.stats
                        .restricted_flows
                        .push((key.0, key.1, key.2, f.tonnes, k.max + used));
                }
            }
        }
    }

    /// The oxide markets, element by element: metal plants' orders and
    /// final demand against every country's oxide stock, then stockpile
    /// releases, then the metal made.
    fn oxide_markets(&mut self, t: usize) {
        let net = self.net;
        let nc = self.nc;
        self.metal_made.iter_mut().for_each(|x| *x = 0.0);
        // Metal plants' orders per element: what keeps their country's
        // metal stock at target, shared by capacity.
        let mut cap_by_ce = std::mem::take(&mut self.cap_buf);
        cap_by_ce.clear();
        cap_by_ce.resize(nc * N_ELEMENTS, 0.0);
        for m in &net.metals {
            if self.runs(m.facility, m.first, m.last, t) {
                for (e, s) in m.mix.iter() {
                    cap_by_ce[m.country * N_ELEMENTS + e.index()] +=
                        m.cap_month * s * self.capacity_factor(m.facility);
                }
            }
        }
        for e in Element::ALL {
            self.oxide_market(t, e, &cap_by_ce);
        }
        if self.tolling() {
            self.toll_metal(t);
        }
        for (k, m) in net.metals.iter().enumerate() {
            if self.runs(m.facility, m.first, m.last, t) {
                self.stats.facility_use.push((
                    m.facility.get(),
                    self.metal_made[k],
                    m.cap_month * self.capacity_factor(m.facility),
                ));
            }
        }
        self.cap_buf = cap_by_ce;
    }

    /// The oxide market of element `e`: each running metal plant orders
    /// its share (by capacity, `cap_by_ce` per country and element) of what
    /// keeps its country's metal stock at target.
    fn oxide_market(&mut self, t: usize, e: Element, cap_by_ce: &[f64]) {
        let net = self.net;
        let nc = self.nc;
        let g = OXIDE0 + e.index();
        self.buyers.clear();
        self.who.clear();
        for &k in &net.metals_by_element[e.index()] {
            let m = &net.metals[k];
            if !(self.runs(m.facility, m.first, m.last, t)) {
                continue;
            }
            let i = m.country * N_ELEMENTS + e.index();
            let target = self.metal_target[i] + self.metal_extra[i] * self.metal_planned[i];
            let want = (self.metal_draw[i] + RESTOCK * (target - self.metal_inv[i])).max(0.0);
            let cap = m.cap_month * m.mix[e] * self.capacity_factor(m.facility);
            let share = if cap_by_ce[i] > 0.0 {
                cap / cap_by_ce[i]
            } else {
                0.0
            };
            let make = (want * share).min(cap);
            let order = make / m.recovery.max(1e-9);
            if order > 1e-12 {
                self.buyers.push(Buyer {
                    country: m.country,
                    tier: net.production_tier,
                    demand: order,
                });
                self.who.push(Who::MetalPlant(k));
            }
        }
        self.push_demand(g);
        if !self.net.purchases.is_empty() {
            self.push_purchases(t, g);
        }
        if self.buyers.is_empty() {
            self.record_final_buyers(g);
            return;
        }
        for c in 0..nc {
            self.supply[c] = self.oxide_inv[c * N_ELEMENTS + e.index()];
        }
        self.clear_market(t, g, net.n_tiers + 1, true);
        for c in 0..nc {
            self.oxide_inv[c * N_ELEMENTS + e.index()] -= self.out.drawn[c];
        }
        self.stockpile_pass(t, g);
        for k in 0..self.buyers.len() {
            let x = self.out.served[k];
            if let Who::MetalPlant(p) = self.who[k] {
                let m = &net.metals[p];
                let made = x * m.recovery;
                let kept = if net.offtakes.is_empty() {
                    made
                } else {
                    self.offtake(m.facility, m.country, METAL0 + e.index(), made)
                };
                self.metal_inv[m.country * N_ELEMENTS + e.index()] += kept;
                self.metal_made[p] += x * m.recovery;
                self.stats.balance.losses[e] += x * (1.0 - m.recovery);
                self.record_production(m.country, e, 0, self.buyers[k].demand, x);
            }
        }
        self.record_final_buyers(g);
    }

    /// The metal markets, element by element: magnet plants' production
    /// targets set their orders, each market clears (then stockpiles
    /// release), and the magnets the metal bought allows are made.
    fn metal_markets(&mut self, t: usize) {
        let nc = self.nc;
        self.magnet_targets(t);
        self.magnet_got.iter_mut().for_each(|x| *x = 0.0);
        self.drawn_metal.iter_mut().for_each(|x| *x = 0.0);
        for e in Element::ALL {
            self.metal_market(t, e);
        }
        self.make_magnets(t);
        for i in 0..nc * N_ELEMENTS {
            self.metal_draw[i] = DRAW_SMOOTHING * self.metal_draw[i]
                + (1.0 - DRAW_SMOOTHING) * self.drawn_metal[i].max(0.0);
        }
    }

    /// Magnet plants' production targets this month: what keeps their
    /// country's magnet stock of their grade at target, shared by capacity.
    fn magnet_targets(&mut self, t: usize) {
        let net = self.net;
        let nc = self.nc;
        let ng = self.ng;
        let mut cap_by_cg = std::mem::take(&mut self.cap_buf);
        cap_by_cg.clear();
        cap_by_cg.resize(nc * ng, 0.0);
        for m in &net.magnets {
            if self.runs(m.facility, m.first, m.last, t) {
                cap_by_cg[m.country * ng + m.grade] +=
                    m.cap_month * self.capacity_factor(m.facility);
            }
        }
        for (k, m) in net.magnets.iter().enumerate() {
            self.magnet_target_t[k] = 0.0;
            if !(self.runs(m.facility, m.first, m.last, t)) {
                continue;
            }
            let i = m.country * ng + m.grade;
            let target = self.magnet_target[i] + self.magnet_extra[i] * self.magnet_planned[i];
            let want = (self.magnet_draw[i] + RESTOCK * (target - self.magnet_inv[i])).max(0.0);
            let cap = m.cap_month * self.capacity_factor(m.facility);
            let share = if cap_by_cg[i] > 0.0 {
                cap / cap_by_cg[i]
            } else {
                0.0
            };
            self.magnet_target_t[k] = (want * share).min(cap);
        }
        self.cap_buf = cap_by_cg;
    }

    /// The metal market of element `e`: magnet plants' orders for their
    /// targets' content and final demand, against every country's metal
    /// stock.
    fn metal_market(&mut self, t: usize, e: Element) {
        let net = self.net;
        let nc = self.nc;
        let g = METAL0 + e.index();
        self.buyers.clear();
        self.who.clear();
        for &k in &net.magnets_by_element[e.index()] {
            let m = &net.magnets[k];
            let need = self.magnet_target_t[k] * net.grade_reo[m.grade][e];
            if need > 1e-12 {
                self.buyers.push(Buyer {
                    country: m.country,
                    tier: net.production_tier,
                    demand: need,
                });
                self.who.push(Who::MagnetPlant(k));
            }
        }
        self.push_demand(g);
        if !self.net.purchases.is_empty() {
            self.push_purchases(t, g);
        }
        if self.buyers.is_empty() {
            self.record_final_buyers(g);
            return;
        }
        for c in 0..nc {
            self.supply[c] = self.metal_inv[c * N_ELEMENTS + e.index()];
        }
        self.clear_market(t, g, net.n_tiers + 1, true);
        for c in 0..nc {
            self.metal_inv[c * N_ELEMENTS + e.index()] -= self.out.drawn[c];
            self.drawn_metal[c * N_ELEMENTS + e.index()] += self.out.drawn[c];
        }
        self.stockpile_pass(t, g);
        for k in 0..self.buyers.len() {
            let x = self.out.served[k];
            if let Who::MagnetPlant(p) = self.who[k] {
                self.magnet_got[p * N_ELEMENTS + e.index()] += x;
                self.record_production(net.magnets[p].country, e, 1, self.buyers[k].demand, x);
            }
        }
        self.record_final_buyers(g);
    }

    /// Magnets made: what the scarcest element bought allows, up to each
    /// plant's target; the metal it does not use goes back to its country's
    /// stock.
    fn make_magnets(&mut self, t: usize) {
        let net = self.net;
        let ng = self.ng;
        let mut made_by = vec![0.0; if self.tolling() { net.magnets.len() } else { 0 }];
        for (k, m) in net.magnets.iter().enumerate() {
            if self.magnet_target_t[k] <= 0.0 {
                continue;
            }
            let content = &net.good_content[MAGNET0 + m.grade];
            let mut made = self.magnet_target_t[k];
            for &(e, q) in content {
                made = made.min(self.magnet_got[k * N_ELEMENTS + e.index()] / q);
            }
            made = made.max(0.0);
            for &(e, q) in content {
                let got = self.magnet_got[k * N_ELEMENTS + e.index()];
                let back = (got - made * q).max(0.0);
                let i = m.country * N_ELEMENTS + e.index();
                self.metal_inv[i] += back;
                self.drawn_metal[i] -= back;
            }
            let kept = if net.offtakes.is_empty() {
                made
            } else {
                self.offtake(m.facility, m.country, MAGNET0 + m.grade, made)
            };
            self.magnet_inv[m.country * ng + m.grade] += kept;
            if made_by.is_empty() {
                let cap = m.cap_month * self.growth_factor(m.facility, t);
                self.stats.facility_use.push((m.facility.get(), made, cap));
            } else {
                made_by[k] = made;
            }
        }
        if !made_by.is_empty() {
            // Tolling uses the room the plants' own orders left; their
            // capacity use counts both.
            self.toll_magnets(t, &mut made_by);
            for (k, m) in net.magnets.iter().enumerate() {
                if self.magnet_target_t[k] > 0.0 || made_by[k] > 0.0 {
                    let cap = m.cap_month * self.growth_factor(m.facility, t);
                    self.stats
                        .facility_use
                        .push((m.facility.get(), made_by[k], cap));
                }
            }
        }
    }

    fn magnet_markets(&mut self, t: usize) {
        let net = self.net;
        let nc = self.nc;
        let ng = self.ng;
        self.drawn_magnet.iter_mut().for_each(|x| *x = 0.0);
        for grade in 0..ng {
            let g = MAGNET0 + grade;
            self.buyers.clear();
            self.who.clear();
            self.push_demand(g);
            if self.buyers.is_empty() {
                self.record_final_buyers(g);
                continue;
            }
            for c in 0..nc {
                self.supply[c] = self.magnet_inv[c * ng + grade];
            }
            self.clear_market(t, g, net.n_tiers + 1, true);
            for c in 0..nc {
                self.magnet_inv[c * ng + grade] -= self.out.drawn[c];
                self.drawn_magnet[c * ng + grade] += self.out.drawn[c];
            }
            self.stockpile_pass(t, g);
            self.record_final_buyers(g);
        }
        for i in 0..nc * ng {
            self.magnet_draw[i] = DRAW_SMOOTHING * self.magnet_draw[i]
                + (1.0 - DRAW_SMOOTHING) * self.drawn_magnet[i];
        }
    }

    /// Adds the final demand for good `g` to the current buyers.
    /// Final demand for good `g` joins its market: each group asks for
    /// what its own stock does not cover, and, while its precautionary
    /// target is above its stock, for half the gap on top, as a separate
    /// buyer in a tier below all others (`docs/simulation.md`,
    /// "Precautionary stocks").
    fn push_demand(&mut self, g: usize) {
        let net = self.net;
        for &k in &net.groups_by_good[g] {
            let (country, tier, _) = net.demand_groups[k];
            let demand = self.group_now[k];
            let target = self.group_extra[k] * self.group_wanted[k];
            let stock = self.group_stock[k];
            self.group_use[k] = if stock > target {
                (stock - target).min(demand)
            } else {
                0.0
            };
            let order = demand - self.group_use[k];
            if order > 0.0 {
                self.buyers.push(Buyer {
                    country,
                    tier,
                    demand: order,
                });
                self.who.push(Who::Demand(k));
            }
            if target > stock {
                // Below every tier's consumption: buyers stock what is
                // left once everyone's use is served.
                self.buyers.push(Buyer {
                    country,
                    tier: net.n_tiers,
                    demand: RESTOCK * (target - stock),
                });
                self.who.push(Who::Hoard(k));
            }
        }
    }

    /// Stockpile holders buying good `g` under purchase rules in force join
    /// its market below every consumer: each asks for its pace, up to its
    /// target, while the price in its country is at or below its ceiling.
    fn push_purchases(&mut self, t: usize, g: usize) {
        let net = self.net;
        let slot = crate::network::good_slot(g);
        for (p, r) in net.purchases.iter().enumerate() {
            let node = &net.stocks[r.node];
            if node.good != g || t < r.from || t > r.to {
                continue;
            }
            let c = node.country;
            let dear = net.good_content[g]
                .iter()
                .any(|&(e, _)| self.market_price(c, e, slot) > r.max_index);
            let want = r.pace.min(r.target - self.stock_left[r.node]);
            if dear || want <= 1e-12 {
                continue;
            }
            self.buyers.push(Buyer {
                country: c,
                tier: net.n_tiers,
                demand: want,
            });
            self.who.push(Who::Purchase(p));
        }
    }

    /// Records the market's answer to final buyers of good `g` (after any
    /// stockpile release): what consumption got, with what the groups drew
    /// from their own stock, and what their precautionary orders got.
    fn record_final_buyers(&mut self, g: usize) {
        let net = self.net;
        for k in 0..self.buyers.len() {
            match self.who[k] {
                Who::Demand(d) => {
                    let used = self.group_use[d];
                    self.group_stock[d] -= used;
                    self.group_use[d] = 0.0;
                    let (demand, served) =
                        (self.buyers[k].demand + used, self.out.served[k] + used);
                    self.record_final(d, g, demand, served);
                }
                Who::Purchase(p) => {
                    let got = self.out.served[k];
                    let node = net.purchases[p].node;
                    self.stock_left[node] += got;
                    self.stock_peak[node] = self.stock_peak[node].max(self.stock_left[node]);
                    let c = net.stocks[node].country;
                    let f = self.form_slot(g);
                    for &(e, q) in &net.good_content[g] {
                        self.stats.balance.stockpiled[e] += got * q;
                        self.record_production(c, e, f, self.buyers[k].demand * q, got * q);
                    }
                }
                Who::Hoard(d) => {
                    let got = self.out.served[k];
                    self.group_stock[d] += got;
                    let c = net.demand_groups[d].0;
                    let f = self.form_slot(g);
                    for &(e, q) in &net.good_content[g] {
                        self.record_production(c, e, f, self.buyers[k].demand * q, got * q);
                    }
                }
                _ => {}
            }
        }
        // A group whose whole demand its stock covered asked the market
        // for nothing.
        for &d in &net.groups_by_good[g] {
            let used = self.group_use[d];
            if used > 0.0 {
                self.group_stock[d] -= used;
                self.group_use[d] = 0.0;
                self.record_final(d, g, used, used);
            }
        }
    }

    fn form_slot(&self, g: usize) -> usize {
        if g < METAL0 {
            0
        } else if g < MAGNET0 {
            1
        } else {
            2
        }
    }

    fn record_final(&mut self, d: usize, g: usize, demand: f64, served: f64) {
        let net = self.net;
        let c = net.demand_groups[d].0;
        if !self.unmet_now.is_empty() {
            self.unmet_now[c * net.n_goods() + g] += (demand - served).max(0.0);
        }
        let f = self.form_slot(g);
        let content = &net.good_content[g];
        let total = net.good_content_total[g];
        let (wanted, base) = (self.group_wanted[d], self.group_base[d]);
        let (resp_base, resp_eps) = (self.group_resp_base[d], self.group_resp_eps[d]);
        for &(e, q) in content {
            let i = self.stats.at(c, e, f);
            let got = served * q;
            self.stats.demand[i] += demand * q;
            self.stats.wanted[i] += wanted * q;
            self.stats.base_demand[i] += base * q;
            if resp_base > 0.0 {
                self.cell_resp_base[i] += resp_base * q;
                self.cell_resp_eps[i] += resp_eps * q;
            }
            self.stats.served[i] += got;
            self.stats.balance.consumed[e] += got;
            let p = self.price[i];
            if p > 1.0 && total > 0.0 {
                // The element's share of the good's content carries its
                // share of the good's value.
                self.stats.cost_impact_usd[c] +=
                    (p - 1.0) * served * net.base_price_usd_per_t[g] * (q / total);
            }
        }
    }

    fn record_production(&mut self, c: usize, e: Element, form: usize, demand: f64, served: f64) {
        let i = self.stats.at(c, e, form);
        self.stats.production_demand[i] += demand;
        self.stats.production_served[i] += served;
    }

    /// After a market clears: holders whose rules trigger release stock of
    /// good `g` to unmet buyers of their country, or of their agreement's
    /// members.
    /// Stockpile releases for good `g` after its market cleared: which
    /// holdings may release, then, scope by scope (a sharing agreement, or a
    /// holder's own country), how the pooled release is shared out.
    fn stockpile_pass(&mut self, t: usize, g: usize) {
        let net = self.net;
        // Most goods have no stockpile at all.
        if !net.stocks.iter().any(|n| n.good == g) {
            return;
        }
        let f = self.form_slot(g);
        let elements = net.good_elements(g);
        let releasable = self.releasable_stocks(t, g, f, elements);
        if releasable.is_empty() {
            return;
        }
        // Group by scope: agreement index, or the holder's own country;
        // what tolling made goes to final demand alone, so it is a scope
        // of its own.
        let mut scopes: Vec<Scope> = releasable
            .iter()
            .map(|&(s, _)| {
                let node = &net.stocks[s];
                let h = &net.holders[node.holder];
                (h.agreement, h.country, node.tolled)
            })
            .collect();
        scopes.sort();
        scopes.dedup_by(|a, b| {
            a.2 == b.2
                && (a.0.is_some() && a.0 == b.0 || a.0.is_none() && b.0.is_none() && a.1 == b.1)
        });
        for scope in scopes {
            self.release_in_scope(g, f, elements, &releasable, scope);
        }
    }

    /// What each stock node of good `g` may release this month: a holder
    /// whose rule triggers (unmet share or price index in its scope) releases
    /// its rule's share of the most it has held (initially, or after
    /// purchases), plus any manual release
    /// running this month, capped by what it has left.
    fn releasable_stocks(
        &self,
        t: usize,
        g: usize,
        f: usize,
        elements: ElementSet,
    ) -> Vec<(usize, f64)> {
        let net = self.net;
        let mut releasable: Vec<(usize, f64)> = Vec::new();
        for (s, node) in net.stocks.iter().enumerate() {
            if node.good != g || self.stock_left[s] <= 1e-12 {
                continue;
            }
            let holder = &net.holders[node.holder];
            let own = [holder.country];
            let scope: &[usize] = match holder.agreement {
                Some(a) => &net.agreements[a].members,
                None => &own,
            };
            // Unmet share in scope for this good (before release).
            let (mut dem, mut unmet) = (0.0, 0.0);
            for (k, b) in self.buyers.iter().enumerate() {
                // Buying for one's own stock is no shortage to release for.
                if scope.contains(&b.country)
                    && !matches!(self.who[k], Who::Hoard(_) | Who::Purchase(_))
                {
                    dem += b.demand;
                    unmet += (b.demand - self.out.served[k]).max(0.0);
                }
            }
            if unmet <= 1e-12 {
                continue;
            }
            let share = if dem > 0.0 { unmet / dem } else { 0.0 };
            let rule = &holder.rule;
            let by_unmet = rule.trigger_unmet_share.is_some_and(|x| share > x);
            let by_price = rule.trigger_price_index.is_some_and(|x| {
                scope
                    .iter()
                    .any(|&c| elements.iter().any(|e| self.market_price(c, e, f) > x))
            });
            let mut amount = 0.0;
            if (by_unmet || by_price) && node.tolled {
                // Made by tolling for this shortage: all of it.
                amount += self.stock_left[s];
            } else if by_unmet || by_price {
                // Of the most it has held: what it bought counts too.
                amount += rule.max_release_share_per_month * self.stock_peak[s];
            }
            for &(a, b, h, els, tpm) in &net.manual_releases {
                if a <= t && t <= b && h == node.holder && els.intersects(elements) {
                    amount += tpm;
                }
            }
            let amount = amount.min(self.stock_left[s]);
            if amount > 1e-12 {
                releasable.push((s, amount));
            }
        }
        releasable
    }

    /// Releases the pooled holdings of one scope (sharing agreement
    /// `agreement`, or holders of `country` outside any agreement) to the
    /// scope's unmet buyers by the agreement's rule, and draws it from the
    /// holders in proportion to what each could release.
    fn release_in_scope(
        &mut self,
        g: usize,
        f: usize,
        elements: ElementSet,
        releasable: &[(usize, f64)],
        (agreement, country, tolled): Scope,
    ) {
        let net = self.net;
        let members: Vec<usize> = match agreement {
            Some(a) => net.agreements[a].members.clone(),
            None => vec![country],
        };
        let rule = agreement.map(|a| net.agreements[a].rule);
        let in_scope = |s: usize| {
            let h = &net.holders[net.stocks[s].holder];
            net.stocks[s].tolled == tolled
                && match agreement {
                    Some(a) => h.agreement == Some(a),
                    None => h.agreement.is_none() && h.country == country,
                }
        };
        // Unmet buyers in scope.
        let unmet: Vec<(usize, f64)> = self
            .buyers
            .iter()
            .enumerate()
            .filter(|(k, b)| {
                members.contains(&b.country)
                    && match self.who[*k] {
                        Who::Hoard(_) | Who::Purchase(_) => false,
                        Who::Demand(_) => true,
                        _ => !tolled,
                    }
            })
            .map(|(k, b)| (k, (b.demand - self.out.served[k]).max(0.0)))
            .filter(|(_, u)| *u > 1e-12)
            .collect();
        // What each holding offers the scope: all it may release, or under
        // a coordinated release its country's consumption share of the
        // scope's shortfall.
        let mut offer: Vec<(usize, f64)> = releasable
            .iter()
            .copied()
            .filter(|(s, _)| in_scope(*s))
            .collect();
        if rule == Some(SharingRule::Coordinated) {
            let shortfall: f64 = unmet.iter().map(|(_, u)| u).sum();
            self.coordinated_offers(&members, shortfall, &mut offer);
        }
        let pool: f64 = offer.iter().map(|(_, a)| a).sum();
        if pool <= 0.0 || unmet.is_empty() {
            return;
        }
        let (given, left) = self.share_release(rule, &unmet, pool);
        let used = pool - left.max(0.0);
        for (j, (k, _)) in unmet.iter().enumerate() {
            self.out.served[*k] += given[j];
            if let Who::Demand(d) = self.who[*k] {
                let c = net.demand_groups[d].0;
                if !self.unmet_now.is_empty() {
                    // Tolling answers the shortfall before any release.
                    self.unmet_now[c * net.n_goods() + g] += given[j];
                }
                let mut q = PerElement::ZERO;
                net.reo_of(g, given[j], &mut q);
                for e in elements.iter() {
                    let i = self.stats.at(c, e, f);
                    self.stats.from_stockpile[i] += q[e];
                }
            }
        }
        // Draw from the holders in proportion to what each offered.
        for &(s, a) in &offer {
            let take = used * a / pool;
            self.stock_left[s] -= take;
            self.stock_out[s] += take;
            let holder_country = net.holders[net.stocks[s].holder].country;
            let mut q = PerElement::ZERO;
            net.reo_of(g, take, &mut q);
            for e in elements.iter() {
                let i = self.stats.at(holder_country, e, f);
                self.stats.released[i] += q[e];
                self.stats.balance.released[e] += q[e];
            }
        }
    }

    /// Cuts each holding's offer `(stock, tonnes)` to its country's quota
    /// of an IEA-style coordinated release of `shortfall` tonnes: the
    /// country's share of the members' consumption this month (every buyer
    /// of the good but stock builders), split among the country's holdings
    /// in proportion to what each may release. A country that cannot meet
    /// its quota offers what it has; no one tops it up.
    fn coordinated_offers(&self, members: &[usize], shortfall: f64, offer: &mut [(usize, f64)]) {
        let mut use_by: Vec<f64> = vec![0.0; members.len()];
        for (k, b) in self.buyers.iter().enumerate() {
            if matches!(self.who[k], Who::Hoard(_) | Who::Purchase(_)) {
                continue;
            }
            if let Some(j) = members.iter().position(|&c| c == b.country) {
                use_by[j] += b.demand;
            }
        }
        let total_use: f64 = use_by.iter().sum();
        let country_of = |s: usize| self.net.holders[self.net.stocks[s].holder].country;
        let mut can: Vec<f64> = vec![0.0; members.len()];
        for &(s, a) in offer.iter() {
            if let Some(j) = members.iter().position(|&c| c == country_of(s)) {
                can[j] += a;
            }
        }
        for (s, a) in offer.iter_mut() {
            let quota_share = match members.iter().position(|&c| c == country_of(*s)) {
                Some(j) if total_use > 0.0 && can[j] > 0.0 => {
                    let quota = shortfall * use_by[j] / total_use;
                    (quota / can[j]).min(1.0)
                }
                _ => 0.0,
            };
            *a *= quota_share;
        }
    }

    /// Shares `pool` tonnes among `unmet` buyers `(buyer, unmet)`:
    /// `pro_rata` and `coordinated` in proportion to their unmet demand, otherwise (defence
    /// first, and holders outside any agreement) tier by tier. Returns what
    /// each buyer gets and what is left of the pool.
    fn share_release(
        &self,
        rule: Option<SharingRule>,
        unmet: &[(usize, f64)],
        pool: f64,
    ) -> (Vec<f64>, f64) {
        let mut given = vec![0.0; unmet.len()];
        let mut left = pool;
        match rule {
            Some(SharingRule::ProRata | SharingRule::Coordinated) => {
                let total: f64 = unmet.iter().map(|(_, u)| u).sum();
                // (An empty sum is −0.0: no one to share with.)
                if total <= 0.0 {
                    return (given, left);
                }
                let k = (left / total).min(1.0);
                for (j, (_, u)) in unmet.iter().enumerate() {
                    given[j] = u * k;
                }
                left -= total * k;
            }
            _ => {
                for tier in 0..self.net.n_tiers {
                    let total: f64 = unmet
                        .iter()
                        .filter(|(k, _)| self.buyers[*k].tier == tier)
                        .map(|(_, u)| u)
                        .sum();
                    if total <= 0.0 || left <= 0.0 {
                        continue;
                    }
                    let k = (left / total).min(1.0);
                    for (j, (b, u)) in unmet.iter().enumerate() {
                        if self.buyers[*b].tier == tier {
                            given[j] = u * k;
                        }
                    }
                    left -= total * k;
                }
            }
        }
        (given, left)
    }

    fn write_off_surplus(&mut self) {
        for p in 0..self.pool_inv.len() {
            let total = self.pool_inv[p].total();
            let ceiling = self.pool_ceiling[p];
            if total > ceiling + 1e-9 {
                let k = ceiling / total;
                let excess = self.pool_inv[p].scaled(1.0 - k);
                self.stats.balance.losses.add_scaled(&excess, 1.0);
                self.pool_inv[p] = self.pool_inv[p].scaled(k);
            }
        }
        for i in 0..self.oxide_inv.len() {
            let excess = self.oxide_inv[i] - self.oxide_ceiling[i];
            if excess > 1e-9 {
                self.oxide_inv[i] = self.oxide_ceiling[i];
                if let Some(e) = Element::from_index(i % N_ELEMENTS) {
                    self.stats.balance.losses[e] += excess;
                }
            }
        }
    }

    /// Moves every price one month (`docs/simulation.md`, "Prices"):
    /// countries trading freely share one price per good, which heads for
    /// the index that clears their combined demand; a restricted exporter
    /// left with supply its caps kept from unserved buyers trades at its
    /// own price, which heads for the index at which its own buyers would
    /// take that supply too.
    fn update_prices(&mut self, t: usize) {
        let nf = FORMS.len();
        let nw = N_ELEMENTS * nf;
        let stamp = t as u32 + 1;
        // The free market's sums per (element, form), and where cells walled
        // last month rejoin it, the demand-weighted mean of its members'
        // last prices (a market that merges starts from the mean of its
        // parts).
        let mut zone = [ZoneSums::default(); N_ELEMENTS * 3];
        let mut rejoin = [false; N_ELEMENTS * 3];
        let mut mean = [(0.0f64, 0.0f64); N_ELEMENTS * 3];
        for &i in &self.active_cells {
            let i = i as usize;
            if self.blocked[i] == 0.0 {
                let w = i % nw;
                let sums = self.cell_sums(i);
                let was_walled = stamp > 1 && self.own_at[i] == stamp - 1;
                rejoin[w] |= was_walled;
                let last = if was_walled {
                    self.price[i]
                } else {
                    self.free_price[w]
                };
                mean[w].0 += sums.dem * last;
                mean[w].1 += sums.dem;
                zone[w].add(sums);
            }
        }
        for w in 0..nw {
            if rejoin[w] && mean[w].1 > 0.0 {
                self.free_price[w] = mean[w].0 / mean[w].1;
            }
        }
        // Walled cells first, from the free price they left if they were
        // free last month.
        for k in 0..self.blocked_cells.len() {
            let i = self.blocked_cells[k] as usize;
            let w = i % nw;
            let p = self.net.price_params(Element::ALL[w / nf], w % nf);
            let sums = self.cell_sums(i);
            let target = sums.target(&p, self.blocked[i]);
            let from = if self.own_at[i] == stamp - 1 && stamp > 1 {
                self.price[i]
            } else {
                self.free_price[w]
            };
            self.price[i] = step_index(from, target, p.adjustment_per_month);
            self.own_at[i] = stamp;
        }
        for w in 0..nw {
            let z = zone[w];
            if z.dem <= 0.0 && self.free_price[w] == 1.0 {
                continue;
            }
            let p = self.net.price_params(Element::ALL[w / nf], w % nf);
            let target = z.target(&p, 0.0);
            self.free_price[w] = step_index(self.free_price[w], target, p.adjustment_per_month);
        }
        let mut wsum = [0.0; N_ELEMENTS * 3];
        let mut wdem = [0.0; N_ELEMENTS * 3];
        for &i in &self.active_cells {
            let i = i as usize;
            let w = i % nw;
            if self.own_at[i] != stamp {
                self.price[i] = self.free_price[w];
            }
            let dem = self.stats.demand[i] + self.stats.production_demand[i];
            if dem > 0.0 {
                wsum[w] += self.price[i] * dem;
                wdem[w] += dem;
            }
        }
        for w in 0..nw {
            self.world_price[w] = if wdem[w] > 0.0 {
                wsum[w] / wdem[w]
            } else {
                self.free_price[w]
            };
        }
        for &i in &self.blocked_cells {
            self.blocked[i as usize] = 0.0;
        }
        self.blocked_cells.clear();
        self.price_stamp = stamp;
    }

    /// A statistics cell's demand, served and base demand this month, and
    /// its demand's answer to price.
    fn cell_sums(&self, i: usize) -> ZoneSums {
        let s = &self.stats;
        ZoneSums {
            dem: s.demand[i] + s.production_demand[i],
            got: s.served[i] + s.production_served[i],
            base: s.base_demand[i] + s.production_demand[i],
            resp_base: self.cell_resp_base[i],
            resp_eps: self.cell_resp_eps[i],
        }
    }

    fn finish_stats(&mut self) {
        let net = self.net;
        if self.tolling() {
            self.roll_unmet();
        }
        if self.any_precaution {
            for (k, &(c, _, g)) in net.demand_groups.iter().enumerate() {
                if self.group_stock[k] > 0.0 {
                    let f = self.form_slot(g);
                    for &(e, q) in &net.good_content[g] {
                        let i = self.stats.at(c, e, f);
                        self.stats.buyer_stock[i] += self.group_stock[k] * q;
                    }
                }
            }
        }
        self.stats.price_index.clear();
        self.stats.price_index.extend_from_slice(&self.price);
        self.stats.world_price.clear();
        self.stats.world_price.extend_from_slice(&self.world_price);
        for (s, node) in net.stocks.iter().enumerate() {
            let mut q = PerElement::ZERO;
            net.reo_of(node.good, self.stock_left[s], &mut q);
            let f = self.form_slot(node.good);
            for (e, v) in q.iter() {
                if v > 0.0 {
                    let i = self.stats.at(node.country, e, f);
                    self.stats.stockpile[i] += v;
                }
            }
        }
        if self.net.balance_check {
            self.stats.balance.inventory_end = self.inventory_total();
        } else {
            // Not measured: report a balanced month.
            let b = &mut self.stats.balance;
            for e in Element::ALL {
                b.inventory_end[e] =
                    b.produced[e] + b.released[e] - b.consumed[e] - b.stockpiled[e] - b.losses[e];
            }
        }
    }
}

/// One month of a precautionary-stock rule for one cell: the price `p`
/// against its smoothed value `pbar` (before this month's smoothing) moves
/// the extra months of stock the target holds.
fn precaution_step(r: &PrecautionParams, p: f64, pbar: &mut f64, extra: &mut f64) {
    if p >= r.trigger_ratio * *pbar {
        *extra = (*extra + r.build_months_per_month).min(r.max_months);
    } else if p < *pbar {
        *extra = (*extra - r.release_months_per_month).max(0.0);
    }
    *pbar += r.smoothing * (p - *pbar);
}

/// One market's (or cell's) demand this month, for its price: asked
/// for, served and at the baseline price (t REO-eq), and the base demand
/// that answers price with the same weighted by its elasticities.
#[derive(Debug, Clone, Copy, Default)]
struct ZoneSums {
    dem: f64,
    got: f64,
    base: f64,
    resp_base: f64,
    resp_eps: f64,
}

impl ZoneSums {
    fn add(&mut self, o: ZoneSums) {
        self.dem += o.dem;
        self.got += o.got;
        self.base += o.base;
        self.resp_base += o.resp_base;
        self.resp_eps += o.resp_eps;
    }

    /// The elasticity of the market's demand: demand that answers price
    /// weighs in with its own elasticities, the rest with the cell's.
    fn elasticity(&self, p: &PriceParams) -> f64 {
        if self.resp_base > 0.0 && self.base > 0.0 {
            let rb = self.resp_base.min(self.base);
            (self.resp_eps + (self.base - rb) * p.demand_elasticity) / self.base
        } else {
            p.demand_elasticity
        }
    }

    /// The index the market heads for. Rationed buyers bid it up to where
    /// the demand at the baseline price, answering with elasticity ε,
    /// would take only what was served; with `unsold` supply its caps
    /// kept from buyers abroad, it falls to where its own buyers would
    /// take that too (not below `min_index`); otherwise it heads back to 1.
    fn target(&self, p: &PriceParams, unsold: f64) -> f64 {
        let eps = self.elasticity(p);
        if self.dem > 1e-12 && self.got < self.dem * (1.0 - 1e-12) {
            let ratio = (self.got / self.base.max(self.dem)).clamp(0.0, 1.0);
            if ratio <= 0.0 || eps <= 0.0 {
                p.max_index
            } else {
                ratio.powf(-1.0 / eps).min(p.max_index)
            }
        } else if unsold > 0.0 {
            if self.base <= 0.0 || eps <= 0.0 {
                p.min_index
            } else {
                let ratio = (self.got + unsold) / self.base;
                ratio.powf(-1.0 / eps).clamp(p.min_index, 1.0)
            }
        } else {
            1.0
        }
    }
}

/// The index after a month: it closes a share α of its gap to the target
/// in proportion (log space), so demand answering `p^(−ε)` moves by the
/// same share of its gap whatever ε is and a more elastic market is never
/// rationed more on the way. At the usual α = ½ that is √(pT), a square
/// root instead of a power in the monthly step.
fn step_index(now: f64, target: f64, alpha: f64) -> f64 {
    if target == now {
        now
    } else if alpha == 0.5 {
        (now * target).sqrt()
    } else {
        now * (target / now).powf(alpha)
    }
}

/// The routes restriction `r` covers in a market: from each of its
/// exporters with stock to each buyer country it names (or every one but
/// the exporter).
fn covered_routes<'a>(
    r: &'a Restriction,
    supply: &'a [f64],
    buyers: &'a [usize],
) -> impl Iterator<Item = (usize, usize)> + 'a {
    r.exporters
        .iter()
        .copied()
        .filter(|&x| supply.get(x).is_some_and(|s| *s > 0.0))
        .flat_map(move |x| {
            buyers
                .iter()
                .copied()
                .filter(move |&c| c != x && r.importers.as_ref().is_none_or(|v| v.contains(&c)))
                .map(move |c| (x, c))
        })
}

/// Caps route `x → c` at `max`, or at its cap so far if that is tighter.
fn tighten(caps: &mut Vec<Cap>, x: usize, c: usize, max: f64) {
    match caps.iter_mut().find(|k| k.exporter == x && k.importer == c) {
        Some(k) => k.max = k.max.min(max),
        None => caps.push(Cap {
            exporter: x,
            importer: c,
            max,
        }),
    }
}

/// The statistics cells that can ever hold demand or production orders:
/// final demand's element content, metal plants' oxide inputs, magnet
/// plants' metal inputs.
fn active_cells(net: &Network) -> Vec<u32> {
    let nf = FORMS.len();
    let at = |c: usize, e: Element, f: usize| ((c * N_ELEMENTS + e.index()) * nf + f) as u32;
    let mut cells = Vec::new();
    for &(c, _, g) in &net.demand_groups {
        let f = if g < METAL0 {
            0
        } else if g < MAGNET0 {
            1
        } else {
            2
        };
        for &(e, _) in &net.good_content[g] {
            cells.push(at(c, e, f));
        }
    }
    for m in &net.metals {
        for (e, s) in m.mix.iter() {
            if s > 0.0 {
                cells.push(at(m.country, e, 0));
            }
        }
    }
    for m in &net.magnets {
        for (e, q) in net.grade_reo[m.grade].iter() {
            if q > 0.0 {
                cells.push(at(m.country, e, 1));
            }
        }
    }
    cells.sort_unstable();
    cells.dedup();
    cells
}

/// Elements a separation plant produces (its separated set restricted to
/// what its feed contains).
fn sep_output_elements(net: &Network, s: usize) -> ElementSet {
    let mix = sep_output_mix(net, s);
    mix.support()
}

/// Output mix of a separation plant: its feed's mix over the elements it
/// separates, normalised.
fn sep_output_mix(net: &Network, s: usize) -> PerElement {
    let sep = &net.seps[s];
    let mut mix = PerElement::ZERO;
    let mut w = 0.0;
    for (p, takers) in net.takers.iter().enumerate() {
        if takers
            .iter()
            .any(|(t, _)| matches!(t, Taker::Separation(x) if *x == s))
        {
            if let PoolKind::Mine { comp } = &net.pools[p].kind {
                let k = net.pools[p].cap_month * net.pools[p].util;
                mix.add_scaled(comp, k);
                w += k;
            }
        }
    }
    let mut out = PerElement::ZERO;
    let kept: f64 = sep.elements.iter().map(|e| mix[e]).sum();
    if w > 0.0 && kept > 0.0 {
        for e in sep.elements.iter() {
            out[e] = mix[e] / kept;
        }
    }
    out
}

/// Whether trade measure `r` covers the route `x → c` (a country's own
/// use is never covered).
fn covers(r: &crate::network::Restriction, x: usize, c: usize) -> bool {
    x != c && r.exporters.contains(&x) && r.importers.as_ref().is_none_or(|v| v.contains(&c))
}

/// A per-cell buffer for tariffs: zeroed cells when the run has any,
/// else empty.
fn tariff_cells(net: &Network, nc: usize) -> Vec<f64> {
    if net.tariffs.is_empty() {
        Vec::new()
    } else {
        vec![0.0; nc * N_ELEMENTS * FORMS.len()]
    }
}

/// The mean of `index` over `content`'s elements weighted by their
/// quantities (1 for an empty blend).
fn weighted_index(
    content: impl Iterator<Item = (Element, f64)>,
    index: impl Fn(Element) -> f64,
) -> f64 {
    let (mut w, mut p) = (0.0, 0.0);
    for (e, q) in content {
        w += q;
        p += q * index(e);
    }
    if w > 0.0 { p / w } else { 1.0 }
}

/// Lists cell `i` among those this month's tariff sums (`bought`, `levy`)
/// write, once: before either is written.
fn touch_cell(cells: &mut Vec<u32>, bought: &[f64], levy: &[f64], i: usize) {
    if bought[i] == 0.0 && levy[i] == 0.0 {
        cells.push(i as u32);
    }
}
