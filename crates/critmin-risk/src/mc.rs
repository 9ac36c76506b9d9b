//! The Monte Carlo engine: draws a scenario's risks and uncertain inputs
//! into futures, runs each on the one simulator (`critmin-sim`) in
//! parallel, keeps a few numbers per future (never the monthly series), and
//! summarises them.
//!
//! Reproducibility: future `i` draws from `Rng::for_run(seed, i)`, threads
//! take contiguous blocks of futures, and outcomes are put back in future
//! order before any statistic is computed, so the result is identical for a
//! seed whatever the thread count.

use crate::rng::Rng;
use crate::sample::{sample, sample_events};
use crate::stats::{Distribution, distribution, exceedance};
use critmin_model::{CountryCode, Element, Model, N_ELEMENTS};
use critmin_sim::{
    CountryIx, Event, EventKind, FormIx, MonthStats, Network, NormalFlows, Overlay, Recorder,
    Scenario, normal_flows,
};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Why a Monte Carlo run cannot start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum McError {
    /// The network could not be built.
    #[error("{0}")]
    Network(#[from] critmin_sim::NetworkError),
    /// Zero futures asked for.
    #[error("the number of runs must be at least 1")]
    NoRuns,
    /// The caller's cancellation flag was raised while the futures ran.
    #[error("cancelled")]
    Cancelled,
}

/// Settings of a Monte Carlo run.
#[derive(Debug, Clone, PartialEq)]
pub struct McConfig {
    /// Number of futures.
    pub runs: usize,
    /// Seed.
    pub seed: u64,
    /// Worker threads (1 or more).
    pub threads: usize,
    /// Override of the scenario's horizon, months.
    pub horizon_months: Option<u32>,
    /// Countries and elements whose unmet demand gets exceedance curves.
    pub focus_countries: Vec<CountryCode>,
    /// Elements of the curves.
    pub focus_elements: Vec<Element>,
}

/// What one future leaves behind (a few numbers, not its months).
#[derive(Debug, Clone, Default)]
struct Outcome {
    el_unmet: [f64; N_ELEMENTS],
    el_demand: [f64; N_ELEMENTS],
    el_peak: [f64; N_ELEMENTS],
    /// Per reported country.
    c_unmet: Vec<f64>,
    c_demand: Vec<f64>,
    c_peak: Vec<f64>,
    c_min_cover: Vec<f64>,
    /// Per (focus country, focus element).
    focus_unmet: Vec<f64>,
    focus_demand: Vec<f64>,
    /// Per price floor: what it paid over the future, USD.
    floor_payout: Vec<f64>,
    /// Per tariff: what its importers paid over the future, USD.
    tariff_paid: Vec<f64>,
    months: usize,
}

/// Accumulates one future's [`Outcome`] month by month.
struct OutcomeRecorder<'a> {
    countries: &'a [CountryIx],
    focus: &'a [(CountryIx, Element)],
    out: Outcome,
}

impl Recorder for OutcomeRecorder<'_> {
    fn month(&mut self, _net: &Network, _t: usize, s: &MonthStats) {
        self.out.months += 1;
        for cell in s.active() {
            let (i, e) = (cell.index, cell.element.index());
            self.out.el_demand[e] += s.demand[i];
            self.out.el_unmet[e] += (s.demand[i] - s.served[i]).max(0.0);
        }
        for e in Element::ALL {
            for f in FormIx::ALL {
                let p = s.world_price_of(e, f);
                self.out.el_peak[e.index()] = self.out.el_peak[e.index()].max(p);
            }
        }
        for (k, &c) in self.countries.iter().enumerate() {
            let (mut dem, mut unmet, mut stock, mut wp) = (0.0, 0.0, 0.0, 0.0);
            for cell in s.country_cells(c) {
                let i = cell.index;
                dem += s.demand[i];
                unmet += (s.demand[i] - s.served[i]).max(0.0);
                stock += s.stockpile[i];
                wp += s.price_index[i] * s.demand[i];
            }
            self.out.c_demand[k] += dem;
            self.out.c_unmet[k] += unmet;
            if dem > 0.0 {
                self.out.c_peak[k] = self.out.c_peak[k].max(wp / dem);
                self.out.c_min_cover[k] = self.out.c_min_cover[k].min(stock / dem);
            }
        }
        for (k, &(c, e)) in self.focus.iter().enumerate() {
            for cell in s.element_cells(c, e) {
                let i = cell.index;
                self.out.focus_demand[k] += s.demand[i];
                self.out.focus_unmet[k] += (s.demand[i] - s.served[i]).max(0.0);
            }
        }
        for (k, &paid) in s.floor_payout_usd.iter().enumerate() {
            if let Some(v) = self.out.floor_payout.get_mut(k) {
                *v += paid;
            }
        }
        for (k, &paid) in s.tariff_paid_usd.iter().enumerate() {
            if let Some(v) = self.out.tariff_paid.get_mut(k) {
                *v += paid;
            }
        }
    }
}

/// What a price floor pays over the futures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FloorStats {
    /// The separation plant.
    pub facility: String,
    /// Who pays.
    pub payer: String,
    /// Mean payout over the horizon, USD.
    pub payout_mean_usd: f64,
    /// Its standard error, USD.
    pub payout_mean_se_usd: f64,
    /// Median payout, USD.
    pub payout_p50_usd: f64,
    /// 95th percentile of the payout, USD.
    pub payout_p95_usd: f64,
    /// 99th percentile of the payout, USD.
    pub payout_p99_usd: f64,
    /// The payout in the reference future (no risk drawn), USD.
    pub reference_payout_usd: f64,
}

/// What a tariff's importers pay over the futures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TariffStats {
    /// Its scenario line.
    pub line: usize,
    /// Origins → levying countries.
    pub routes: String,
    /// Ad valorem rate, a share of the value.
    pub rate: f64,
    /// Mean paid over the horizon, USD.
    pub paid_mean_usd: f64,
    /// Its standard error, USD.
    pub paid_mean_se_usd: f64,
    /// Median paid, USD.
    pub paid_p50_usd: f64,
    /// 5th percentile of what was paid, USD.
    pub paid_p5_usd: f64,
    /// 95th percentile of what was paid, USD.
    pub paid_p95_usd: f64,
    /// Paid in the reference future (no risk drawn), USD.
    pub reference_paid_usd: f64,
}

/// Statistics of one element (world) or one country over all futures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeStats {
    /// Element symbol, or country code.
    pub key: String,
    /// Mean unmet demand over the horizon, t REO-eq.
    pub unmet_mean_t: f64,
    /// Standard error of that mean.
    pub unmet_mean_se_t: f64,
    /// Median unmet, t.
    pub unmet_p50_t: f64,
    /// 95th percentile, t.
    pub unmet_p95_t: f64,
    /// 99th percentile, t.
    pub unmet_p99_t: f64,
    /// Mean of the worst 5 % of futures, t.
    pub unmet_cvar95_t: f64,
    /// Unmet share of demand: mean.
    pub unmet_share_mean: f64,
    /// Its standard error.
    pub unmet_share_mean_se: f64,
    /// Unmet share: 5th percentile (a good future).
    pub unmet_share_p5: f64,
    /// Unmet share: median.
    pub unmet_share_p50: f64,
    /// Unmet share: 95th percentile.
    pub unmet_share_p95: f64,
    /// Unmet share: 99th percentile.
    pub unmet_share_p99: f64,
    /// Unmet share: CVaR95.
    pub unmet_share_cvar95: f64,
    /// Share of futures with any unmet demand (> 0.001 t).
    pub prob_shortfall: f64,
    /// Its standard error, √(p(1−p)/n).
    pub prob_shortfall_se: f64,
    /// Mean over futures of the highest price index reached.
    pub peak_price_index_mean: f64,
    /// Its standard error.
    pub peak_price_index_se: f64,
}

/// How much of a Monte Carlo statistic is structural — the shortfall the
/// chain leaves with no risk drawn (the reference future) — and how much
/// is risk: the statistic less the reference.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StructuralSplit {
    /// Unmet demand of the reference future, t REO-eq.
    pub structural_t: f64,
    /// Mean unmet demand less the structural, t REO-eq (≥ 0 unless risks
    /// can relieve the chain, e.g. a demand shock below 1).
    pub risk_mean_t: f64,
    /// 95th-percentile unmet demand less the structural, t REO-eq.
    pub risk_p95_t: f64,
    /// Structural ÷ mean unmet demand, 0..1 (`None` if nothing is unmet on
    /// average).
    pub structural_share_of_mean: Option<f64>,
}

impl StructuralSplit {
    fn of(stats: &OutcomeStats, reference_t: f64) -> StructuralSplit {
        StructuralSplit {
            structural_t: reference_t,
            risk_mean_t: stats.unmet_mean_t - reference_t,
            risk_p95_t: stats.unmet_p95_t - reference_t,
            structural_share_of_mean: (stats.unmet_mean_t > 0.0)
                .then(|| (reference_t / stats.unmet_mean_t).clamp(0.0, 1.0)),
        }
    }
}

/// Per-country extras.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountryStats {
    /// The common statistics (`key` is the country code).
    #[serde(flatten)]
    pub stats: OutcomeStats,
    /// Country code.
    pub country: CountryCode,
    /// Unmet demand of the reference future (no risk drawn, central
    /// inputs), t REO-eq.
    pub reference_unmet_t: f64,
    /// Its share of the reference future's demand, 0..1.
    pub reference_unmet_share: f64,
    /// The unmet statistics split into structural and risk.
    pub split: StructuralSplit,
    /// Mean over futures of the lowest months of stockpile cover (stock ÷
    /// that month's demand) seen in the future.
    pub worst_cover_months_mean: f64,
    /// 5th percentile of that lowest cover (a bad future).
    pub worst_cover_months_p5: f64,
}

/// Per-element extras.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElementStats {
    /// The common statistics (`key` is the element symbol).
    #[serde(flatten)]
    pub stats: OutcomeStats,
    /// Element (serialised as its symbol).
    pub element: Element,
    /// Unmet demand of the reference future (no risk drawn, central
    /// inputs), t REO-eq.
    pub reference_unmet_t: f64,
    /// The unmet statistics split into structural and risk.
    pub split: StructuralSplit,
}

/// An exceedance curve: `P(unmet > x)` for one country and element.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exceedance {
    /// Country.
    pub country: CountryCode,
    /// Element (serialised as its symbol).
    pub element: Element,
    /// `(unmet_t, probability)` points, increasing in `unmet_t`.
    pub points: Vec<(f64, f64)>,
    /// The same outcome's statistics.
    pub stats: Distribution,
}

/// The summary of a Monte Carlo run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McSummary {
    /// By element, all countries together.
    pub by_element: Vec<ElementStats>,
    /// By country, all elements together.
    pub by_country: Vec<CountryStats>,
    /// Exceedance curves of the focus countries and elements.
    pub exceedance: Vec<Exceedance>,
    /// Price floors' payouts.
    pub price_floors: Vec<FloorStats>,
    /// What tariffs' importers paid.
    pub tariffs: Vec<TariffStats>,
}

/// The result of a Monte Carlo run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McResult {
    /// Scenario name.
    pub scenario: String,
    /// Futures run.
    pub runs: usize,
    /// Seed.
    pub seed: u64,
    /// Months per future.
    pub horizon_months: u32,
    /// First month.
    pub start: critmin_model::Month,
    /// Statistics.
    pub summary: McSummary,
}

/// What a future draws besides its events: the multiplier on the demand
/// path's growth and each mine's output factor (the risk model's
/// `[uncertainty]`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FutureFactors {
    /// Multiplier on the growth of every demand row (its growth factor is
    /// raised to this power), if demand growth is uncertain.
    pub demand_growth: Option<f64>,
    /// Each mine's capacity multiplier, if mine output is uncertain.
    pub mine_output: Vec<(critmin_model::Idx<critmin_model::Facility>, f64)>,
}

/// A scenario made ready for many futures: the base network, the normal
/// flows restrictions are measured against, the countries reported.
pub struct MonteCarlo<'m> {
    model: &'m Model,
    scenario: Scenario,
    overlay: Overlay,
    /// The scenario as written, compiled (no risk drawn, central inputs).
    base: Network,
    normal: NormalFlows,
    countries: Vec<(CountryIx, CountryCode)>,
    focus: Vec<(CountryIx, Element)>,
    focus_keys: Vec<(CountryCode, Element)>,
    mines: Vec<critmin_model::Idx<critmin_model::Facility>>,
    project_facilities: usize,
}

impl<'m> MonteCarlo<'m> {
    /// Prepares `scenario` on `model` (with `overlay`'s decisions).
    pub fn new(
        model: &'m Model,
        scenario: &Scenario,
        overlay: &Overlay,
        cfg: &McConfig,
    ) -> Result<MonteCarlo<'m>, McError> {
        let mut scenario = scenario.clone();
        if let Some(h) = cfg.horizon_months {
            scenario.horizon_months = h;
        }
        let mut base = Network::build(model, &scenario, overlay)?;
        base.set_balance_check(false);
        let normal = normal_flows(&base);
        let demand_countries: Vec<CountryCode> = {
            let mut v: Vec<CountryCode> = model.demand.iter().map(|d| d.country).collect();
            v.sort();
            v.dedup();
            v
        };
        let countries = demand_countries
            .iter()
            .filter_map(|c| base.country_ix(*c).map(|i| (i, *c)))
            .collect();
        let mut focus = Vec::new();
        let mut focus_keys = Vec::new();
        for c in &cfg.focus_countries {
            if let Some(i) = base.country_ix(*c) {
                for e in &cfg.focus_elements {
                    focus.push((i, *e));
                    focus_keys.push((*c, *e));
                }
            }
        }
        Ok(MonteCarlo {
            model,
            mines: base.mines(),
            base,
            scenario,
            overlay: overlay.clone(),
            normal,
            countries,
            focus,
            focus_keys,
            project_facilities: model.projects.len(),
        })
    }

    /// The scenario with its horizon as run.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Runs one compiled future and gathers its outcome.
    fn outcome_of(&self, net: &Network) -> Outcome {
        let nc = self.countries.len();
        let idx: Vec<CountryIx> = self.countries.iter().map(|(i, _)| *i).collect();
        let mut rec = OutcomeRecorder {
            countries: &idx,
            focus: &self.focus,
            out: Outcome {
                c_unmet: vec![0.0; nc],
                c_demand: vec![0.0; nc],
                c_peak: vec![1.0; nc],
                c_min_cover: vec![f64::INFINITY; nc],
                focus_unmet: vec![0.0; self.focus.len()],
                focus_demand: vec![0.0; self.focus.len()],
                floor_payout: vec![0.0; net.floors().len()],
                tariff_paid: vec![0.0; net.tariffs().len()],
                el_peak: [1.0; N_ELEMENTS],
                ..Outcome::default()
            },
        };
        critmin_sim::run_months(net, &self.normal, &mut rec);
        let mut out = rec.out;
        for v in &mut out.c_min_cover {
            if !v.is_finite() {
                *v = 0.0;
            }
        }
        out
    }

    /// The reference future: the scenario's own events only, no risk
    /// drawn, every uncertain input at its central value (factor 1, no
    /// delay). Its unmet demand is what the chain leaves short without any
    /// random disruption; the futures' excess over it is the risk.
    fn reference(&self) -> Outcome {
        self.outcome_of(&self.base)
    }

    /// Future `run`'s scenario: the scenario with the events its risks
    /// produce and its project delays, as [`MonteCarlo::run`] draws them
    /// (demand growth and mine output factors, drawn later on the built
    /// network, are not in it: [`MonteCarlo::future_inputs`] has them).
    pub fn future_scenario(&self, seed: u64, run: u64) -> Scenario {
        self.draw_scenario(seed, run).0
    }

    /// Future `run` whole, as [`MonteCarlo::run`] draws it: its scenario,
    /// and the demand-growth and mine-output factors applied to its
    /// network. The portfolio optimiser folds such futures into its
    /// target year.
    pub fn future_inputs(&self, seed: u64, run: u64) -> (Scenario, FutureFactors) {
        let (scn, mut rng) = self.draw_scenario(seed, run);
        let u = &self.scenario.uncertainty;
        let demand_growth = u
            .demand_growth
            .as_ref()
            .map(|d| sample(d, &mut rng, 0.0, 10.0));
        let mine_output = match &u.mine_output {
            Some(d) => self
                .mines
                .iter()
                .map(|&f| (f, sample(d, &mut rng, 0.0, 10.0)))
                .collect(),
            None => Vec::new(),
        };
        (
            scn,
            FutureFactors {
                demand_growth,
                mine_output,
            },
        )
    }

    /// The scenario of future `run` and its generator, positioned after
    /// the scenario's draws.
    fn draw_scenario(&self, seed: u64, run: u64) -> (Scenario, Rng) {
        let mut rng = Rng::for_run(seed, run);
        let s = &self.scenario;
        let mut scn = s.clone();
        scn.events
            .extend(sample_events(&s.risks, s.start, s.horizon_months, &mut rng));
        let u = &s.uncertainty;
        if let Some(d) = &u.project_delay_months {
            for p in 0..self.project_facilities {
                let m = sample(d, &mut rng, 0.0, 240.0).round() as u32;
                if m > 0 {
                    scn.events.push(Event {
                        from: s.start,
                        to: s.start,
                        kind: EventKind::ProjectDelay {
                            project: critmin_model::Idx::new(p),
                            months: m,
                        },
                        line: 0,
                    });
                }
            }
        }
        (scn, rng)
    }

    /// One future: draw its events and inputs, build its network, run it.
    fn future(&self, seed: u64, run: u64) -> Result<Outcome, McError> {
        let (scn, factors) = self.future_inputs(seed, run);
        let mut net = Network::build(self.model, &scn, &self.overlay)?;
        // Mass balance is a property of the engine, tested elsewhere; a
        // future does not need to measure it.
        net.set_balance_check(false);
        if let Some(m) = factors.demand_growth {
            net.scale_demand_growth(m);
        }
        for (f, k) in factors.mine_output {
            net.scale_mine(f, k);
        }
        Ok(self.outcome_of(&net))
    }

    /// Runs `cfg.runs` futures on `cfg.threads` threads; `progress` is
    /// called with the number of futures done so far (from any thread).
    pub fn run(
        &self,
        cfg: &McConfig,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<McResult, McError> {
        self.run_cancellable(cfg, progress, &AtomicBool::new(false))
    }

    /// As [`MonteCarlo::run`], but every worker checks `cancel` before each
    /// future: once it is set (from any thread) the run stops within one
    /// future per worker and returns [`McError::Cancelled`]. A run that is
    /// not cancelled gives exactly the result of [`MonteCarlo::run`].
    pub fn run_cancellable(
        &self,
        cfg: &McConfig,
        progress: &(dyn Fn(usize) + Sync),
        cancel: &AtomicBool,
    ) -> Result<McResult, McError> {
        if cfg.runs == 0 {
            return Err(McError::NoRuns);
        }
        let threads = cfg.threads.max(1).min(cfg.runs);
        let done = AtomicUsize::new(0);
        let chunk = cfg.runs.div_ceil(threads);
        let results: Vec<Result<Vec<Outcome>, McError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let done = &done;
                    scope.spawn(move || {
                        let lo = t * chunk;
                        let hi = ((t + 1) * chunk).min(cfg.runs);
                        let mut out = Vec::with_capacity(hi.saturating_sub(lo));
                        for run in lo..hi {
                            if cancel.load(Ordering::Relaxed) {
                                return Err(McError::Cancelled);
                            }
                            out.push(self.future(cfg.seed, run as u64)?);
                            progress(done.fetch_add(1, Ordering::Relaxed) + 1);
                        }
                        Ok(out)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        if cancel.load(Ordering::Relaxed) {
            return Err(McError::Cancelled);
        }
        let mut outcomes = Vec::with_capacity(cfg.runs);
        for r in results {
            outcomes.extend(r?);
        }
        Ok(McResult {
            scenario: self.scenario.name.clone(),
            runs: cfg.runs,
            seed: cfg.seed,
            horizon_months: self.scenario.horizon_months,
            start: self.scenario.start,
            summary: self.summarise(&outcomes, &self.reference()),
        })
    }

    fn summarise(&self, o: &[Outcome], r: &Outcome) -> McSummary {
        let stats =
            |key: String, unmet: Vec<f64>, demand: Vec<f64>, peak: Vec<f64>| -> OutcomeStats {
                let n = unmet.len() as f64;
                let share: Vec<f64> = unmet
                    .iter()
                    .zip(&demand)
                    .map(|(u, d)| if *d > 0.0 { u / d } else { 0.0 })
                    .collect();
                let du = distribution(&unmet);
                let ds = distribution(&share);
                let dp = distribution(&peak);
                let p = unmet.iter().filter(|u| **u > 1e-3).count() as f64 / n;
                OutcomeStats {
                    key,
                    unmet_mean_t: du.mean,
                    unmet_mean_se_t: du.se,
                    unmet_p50_t: du.p50,
                    unmet_p95_t: du.p95,
                    unmet_p99_t: du.p99,
                    unmet_cvar95_t: du.cvar95,
                    unmet_share_mean: ds.mean,
                    unmet_share_mean_se: ds.se,
                    unmet_share_p5: ds.p5,
                    unmet_share_p50: ds.p50,
                    unmet_share_p95: ds.p95,
                    unmet_share_p99: ds.p99,
                    unmet_share_cvar95: ds.cvar95,
                    prob_shortfall: p,
                    prob_shortfall_se: (p * (1.0 - p) / n).sqrt(),
                    peak_price_index_mean: dp.mean,
                    peak_price_index_se: dp.se,
                }
            };
        let by_element = Element::ALL
            .iter()
            .filter(|e| o.iter().any(|x| x.el_demand[e.index()] > 0.0))
            .map(|e| {
                let i = e.index();
                let st = stats(
                    e.symbol().to_string(),
                    o.iter().map(|x| x.el_unmet[i]).collect(),
                    o.iter().map(|x| x.el_demand[i]).collect(),
                    o.iter().map(|x| x.el_peak[i]).collect(),
                );
                ElementStats {
                    split: StructuralSplit::of(&st, r.el_unmet[i]),
                    stats: st,
                    element: *e,
                    reference_unmet_t: r.el_unmet[i],
                }
            })
            .collect();
        let by_country = self
            .countries
            .iter()
            .enumerate()
            .map(|(k, (_, code))| {
                let cover = distribution(&o.iter().map(|x| x.c_min_cover[k]).collect::<Vec<_>>());
                let mut covers: Vec<f64> = o.iter().map(|x| x.c_min_cover[k]).collect();
                covers.sort_by(f64::total_cmp);
                let st = stats(
                    code.to_string(),
                    o.iter().map(|x| x.c_unmet[k]).collect(),
                    o.iter().map(|x| x.c_demand[k]).collect(),
                    o.iter().map(|x| x.c_peak[k]).collect(),
                );
                CountryStats {
                    split: StructuralSplit::of(&st, r.c_unmet[k]),
                    stats: st,
                    country: *code,
                    reference_unmet_t: r.c_unmet[k],
                    reference_unmet_share: if r.c_demand[k] > 0.0 {
                        r.c_unmet[k] / r.c_demand[k]
                    } else {
                        0.0
                    },
                    worst_cover_months_mean: cover.mean,
                    worst_cover_months_p5: crate::stats::quantile_sorted(&covers, 0.05),
                }
            })
            .collect();
        let exceedance = self
            .focus_keys
            .iter()
            .enumerate()
            .map(|(k, (c, e))| {
                let v: Vec<f64> = o.iter().map(|x| x.focus_unmet[k]).collect();
                Exceedance {
                    country: *c,
                    element: *e,
                    points: exceedance(&v, 60),
                    stats: distribution(&v),
                }
            })
            .collect();
        let price_floors = self
            .base
            .floors()
            .iter()
            .enumerate()
            .map(|(k, fl)| {
                let d = distribution(&o.iter().map(|x| x.floor_payout[k]).collect::<Vec<_>>());
                FloorStats {
                    facility: fl.facility_id.clone(),
                    payer: fl.payer.clone(),
                    payout_mean_usd: d.mean,
                    payout_mean_se_usd: d.se,
                    payout_p50_usd: d.p50,
                    payout_p95_usd: d.p95,
                    payout_p99_usd: d.p99,
                    reference_payout_usd: r.floor_payout.get(k).copied().unwrap_or(0.0),
                }
            })
            .collect();
        let tariffs = self
            .base
            .tariffs()
            .iter()
            .enumerate()
            .map(|(k, tf)| {
                let v: Vec<f64> = o.iter().map(|x| x.tariff_paid[k]).collect();
                let d = distribution(&v);
                let mut sorted = v;
                sorted.sort_by(f64::total_cmp);
                TariffStats {
                    line: tf.line,
                    routes: tf.label.clone(),
                    rate: tf.rate(),
                    paid_mean_usd: d.mean,
                    paid_mean_se_usd: d.se,
                    paid_p50_usd: d.p50,
                    paid_p5_usd: crate::stats::quantile_sorted(&sorted, 0.05),
                    paid_p95_usd: d.p95,
                    reference_paid_usd: r.tariff_paid.get(k).copied().unwrap_or(0.0),
                }
            })
            .collect();
        McSummary {
            by_element,
            by_country,
            exceedance,
            price_floors,
            tariffs,
        }
    }
}
