//! From the simulator's scenarios to the static model's year, and back.
//!
//! A scenario runs month by month from its own start; the optimisers look
//! at one target year. [`fold`] compresses a scenario into a year-long
//! [`Disruption`]: each event counts with the share of a year it is in
//! force (at most twelve of its months inside the scenario's horizon), so a
//! twelve-month ban on every Chinese export becomes "China exports nothing
//! this year" and a 60 % quota for two years becomes "60 % this year".
//! Restrictions aimed at some importers count in proportion to those
//! importers' share of demand outside China. Facility outages scale the
//! facility's capacity the same way. Events the static model has no
//! counterpart for (demand shocks, project delays, manual releases,
//! restrictions by exporters other than China) are listed in
//! [`Disruption::notes`].
//!
//! [`target_year_scenario`] goes the other way: it writes a folded
//! disruption as a simulator scenario whose events cover the target year
//! (after a year without events, so that inventories start at their
//! working levels), which is how a plan's claim is checked by simulation.

use crate::chain::{ChainYear, Disruption, MAGNET0, METAL0, OXIDE0, is_china};
use critmin_model::{Element, ElementSet, Facility, Form, Idx, Model, Month, N_ELEMENTS};
use critmin_sim::scenario::{FormSet, Importers};
use critmin_sim::{Event, EventKind, Scenario};

/// Months of `[from, to]` inside `[start, end]`, as a fraction of a year
/// (at most 1).
fn year_weight(from: Month, to: Month, start: Month, end: Month) -> f64 {
    let a = from.max(start);
    let b = to.min(end);
    if b < a {
        return 0.0;
    }
    (f64::from(b.since(a) + 1) / 12.0).min(1.0)
}

/// The form of good `g`.
fn good_form(g: usize) -> Form {
    if g < METAL0 {
        Form::Oxide
    } else if g < MAGNET0 {
        Form::Metal
    } else {
        Form::Magnet
    }
}

/// The elements good `g` contains.
fn good_elements(chain: &ChainYear, g: usize) -> ElementSet {
    if g < MAGNET0 {
        Element::from_index(g % N_ELEMENTS).map_or(ElementSet::EMPTY, ElementSet::one)
    } else {
        chain
            .grade_reo
            .get(g - MAGNET0)
            .map_or(ElementSet::EMPTY, |r| r.support())
    }
}

/// t REO-eq per engine unit of good `g` (magnets: their grade's content).
fn reo_per_unit(chain: &ChainYear, g: usize) -> f64 {
    if g < MAGNET0 {
        1.0
    } else {
        chain.grade_reo.get(g - MAGNET0).map_or(0.0, |r| r.total())
    }
}

/// The share of facility `f`'s capacity in `year` left when it first runs
/// in month `first` (a delayed committed plant), as the capacity-weighted
/// months it still runs; `None` when it did not run in `year` anyway or the
/// delay costs it nothing there.
fn delayed_share(model: &Model, f: Idx<Facility>, first: Month, year: i32) -> Option<f64> {
    let fac = model.at(f);
    let (mut before, mut after) = (0.0, 0.0);
    for m in (1..=12).filter_map(|m| Month::new(year, m)) {
        if fac.active_in(m) {
            let k = model.capacity_factor(f, m);
            before += k;
            if m >= first {
                after += k;
            }
        }
    }
    (before > 0.0 && after < before).then(|| after / before)
}

/// Compresses scenario `s` into a year-long disruption for `chain`.
pub fn fold(model: &Model, chain: &ChainYear, s: &Scenario) -> Disruption {
    let ng = chain.n_goods();
    let mut reduction = vec![0.0; ng];
    let mut outages = Vec::new();
    let mut notes = Vec::new();
    let (start, end) = (s.start, s.end());
    // Committed plants' delays move their first month, as the simulator
    // moves it: from the facility's start (else the scenario's), delays
    // adding up.
    let mut delayed: Vec<(Idx<Facility>, Month)> = Vec::new();
    let mut seeking_lines: Vec<usize> = Vec::new();
    for ev in &s.events {
        if let EventKind::ProjectDelay { project, months } = ev.kind {
            let f = model.at(project).facility;
            if crate::chain::seeking_project(model, f).is_some() {
                if !seeking_lines.contains(&ev.line) {
                    seeking_lines.push(ev.line);
                }
                continue;
            }
            match delayed.iter_mut().find(|(i, _)| *i == f) {
                Some((_, m)) => *m = m.plus(months as i32),
                None => {
                    let base = model.at(f).start.unwrap_or(start);
                    delayed.push((f, base.plus(months as i32)));
                }
            }
        }
    }
    for &(f, first) in &delayed {
        if let Some(share) = delayed_share(model, f, first, chain.year) {
            outages.push((f, share));
        }
    }
    if !seeking_lines.is_empty() {
        let lines: Vec<String> = seeking_lines.iter().map(ToString::to_string).collect();
        notes.push(format!(
            "line {}: delays of projects the fund may finance are not in the static model (the plan sets their start)",
            lines.join(", ")
        ));
    }
    for ev in &s.events {
        if matches!(ev.kind, EventKind::ProjectDelay { .. }) {
            continue;
        }
        let w = year_weight(ev.from, ev.to, start, end);
        if w <= 0.0 {
            continue;
        }
        // A quota counts as the share of China's normal exports of the
        // goods it covers that its tonnage allows.
        let restriction = match &ev.kind {
            EventKind::ExportRestriction {
                exporters,
                importers,
                elements,
                forms,
                allowed_share,
            } => Some((exporters, importers, elements, forms, *allowed_share)),
            EventKind::ExportQuota {
                exporters,
                importers,
                elements,
                forms,
                tonnes_per_year,
                ..
            } => {
                let normal: f64 = (0..ng)
                    .filter(|&g| {
                        forms.contains(good_form(g)) && elements.intersects(good_elements(chain, g))
                    })
                    .map(|g| chain.china_exports[g] * reo_per_unit(chain, g))
                    .sum();
                let share = if normal > 0.0 {
                    (tonnes_per_year / normal).min(1.0)
                } else {
                    1.0
                };
                Some((exporters, importers, elements, forms, share))
            }
            _ => None,
        };
        match &ev.kind {
            EventKind::ExportRestriction { .. } | EventKind::ExportQuota { .. } => {
                let Some((exporters, importers, elements, forms, allowed_share)) = restriction
                else {
                    continue;
                };
                if !exporters.iter().any(|c| is_china(*c)) {
                    notes.push(format!(
                        "line {}: export restrictions by countries other than China are not in the static model",
                        ev.line
                    ));
                    continue;
                }
                for (g, r) in reduction.iter_mut().enumerate() {
                    if !forms.contains(good_form(g)) || !elements.intersects(good_elements(chain, g))
                    {
                        continue;
                    }
                    let total: f64 = chain.demand_by_country.values().map(|d| d[g]).sum();
                    let covered = match importers {
                        Importers::All => 1.0,
                        Importers::Only(list) if total > 0.0 => {
                            list.iter()
                                .filter_map(|c| chain.demand_by_country.get(c))
                                .map(|d| d[g])
                                .sum::<f64>()
                                / total
                        }
                        Importers::Only(_) => 0.0,
                    };
                    *r += (1.0 - allowed_share) * w * covered;
                }
            }
            EventKind::FacilityOutage {
                facility,
                remaining_share,
            } => {
                if is_china(model.at(*facility).country) {
                    notes.push(format!(
                        "line {}: outages of Chinese plants act through China's exports, which the static model takes from normal output",
                        ev.line
                    ));
                } else {
                    outages.push((*facility, 1.0 - (1.0 - remaining_share) * w));
                }
            }
            EventKind::DemandShock { .. } => notes.push(format!(
                "line {}: demand shocks are not in the static model",
                ev.line
            )),
            EventKind::Offtake { .. } => notes.push(format!(
                "line {}: offtake agreements are not in the static model (allied output serves allied demand as one pool)",
                ev.line
            )),
            EventKind::StockpilePurchase { .. } => notes.push(format!(
                "line {}: stockpile purchase rules are not in the static model (the stockpile optimiser chooses holdings)",
                ev.line
            )),
            EventKind::PriceFloor { .. } => notes.push(format!(
                "line {}: price floors do not change the static model's quantities",
                ev.line
            )),
            EventKind::Leakage { .. } => notes.push(format!(
                "line {}: leakage through third countries is not in the static model",
                ev.line
            )),
            EventKind::Tariff { .. } => notes.push(format!(
                "line {}: tariffs are not in the static model (it has no prices; allied output serves allied demand as one pool)",
                ev.line
            )),
            EventKind::SourcingBan { .. } => notes.push(format!(
                "line {}: sourcing bans are not in the static model (it does not tell sectors apart)",
                ev.line
            )),
            EventKind::ProjectDelay { .. } => {}
            EventKind::StockpileRelease { .. } => notes.push(format!(
                "line {}: manual releases are not needed in the static model (stockpiles are drawn as needed)",
                ev.line
            )),
        }
    }
    if !s.policy.sharing.is_empty() {
        notes.push("sharing agreements are not in the static model (allied stockpiles serve allied demand as one pool)".into());
    }
    Disruption {
        name: s.name.clone(),
        china_share: reduction
            .iter()
            .map(|r| (1.0 - r).clamp(0.0, 1.0))
            .collect(),
        outages,
        capacity_scale: Vec::new(),
        mine_scale: Vec::new(),
        demand_growth: 1.0,
        path: s.demand_path.clone(),
        notes,
    }
}

/// A simulator scenario in which `d` holds for the whole of `year`, after
/// twelve months without events: restrictions on China's exports of each
/// good at the folded share (concentrate at the lowest share of any good,
/// since the static model has China export none), outages at the folded
/// remaining share.
pub fn target_year_scenario(
    model: &Model,
    chain: &ChainYear,
    d: &Disruption,
    year: i32,
) -> Option<Scenario> {
    let start = Month::january(year - 1)?;
    let from = Month::january(year)?;
    let to = from.plus(11);
    let china = critmin_model::CountryCode::parse("CN")?;
    let mut events = Vec::new();
    let mut push = |elements: ElementSet, forms: FormSet, share: f64| {
        if elements.is_empty() || share >= 1.0 {
            return;
        }
        events.push(Event {
            from,
            to,
            kind: EventKind::ExportRestriction {
                exporters: vec![china],
                importers: Importers::All,
                elements,
                forms,
                allowed_share: share.clamp(0.0, 1.0),
            },
            line: 0,
        });
    };
    // Oxides and metals: one event per distinct share and form.
    for (base, form) in [
        (OXIDE0, Form::Oxide),
        (METAL0, Form::Metal),
        (MAGNET0, Form::Magnet),
    ] {
        let goods: Vec<usize> = if form == Form::Magnet {
            (MAGNET0..chain.n_goods()).collect()
        } else {
            (base..base + N_ELEMENTS).collect()
        };
        let mut shares: Vec<f64> = goods.iter().map(|&g| d.china_share[g]).collect();
        shares.sort_by(f64::total_cmp);
        shares.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
        for share in shares {
            let set = goods
                .iter()
                .filter(|&&g| (d.china_share[g] - share).abs() < 1e-12)
                .fold(ElementSet::EMPTY, |s, &g| s.union(good_elements(chain, g)));
            push(set, FormSet::default().with(form), share);
        }
    }
    let lowest = d.china_share.iter().copied().fold(1.0, f64::min);
    push(
        ElementSet::ALL,
        FormSet::default().with(Form::Concentrate),
        lowest,
    );
    for &(facility, share) in &d.outages {
        events.push(Event {
            from,
            to,
            kind: EventKind::FacilityOutage {
                facility,
                remaining_share: share.clamp(0.0, 1.0),
            },
            line: 0,
        });
    }
    Some(Scenario {
        name: format!("{} (in {year})", d.name),
        description: format!(
            "{} held for the whole of {year}, after a year without events",
            d.name
        ),
        start,
        demand_path: d.path.clone(),
        events,
        ..Scenario::baseline(model, start, 24)
    })
}

/// What the simulator says about allied demand in the target year.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SimulatedYear {
    /// Scenario name.
    pub scenario: String,
    /// Allied unmet demand in the target year, t REO-eq, simulated as the
    /// static model sees the chain: demand, capacity and stocks that do not
    /// answer price (the like-for-like check of the static model's claim).
    pub allied_unmet_t: f64,
    /// The same valued at baseline prices, USD million.
    pub allied_unmet_value_musd: f64,
    /// Per element, t REO-eq.
    pub allied_unmet_by_element_t: std::collections::BTreeMap<String, f64>,
    /// The same plan with markets answering prices as the dataset says
    /// (its demand and supply response tables).
    pub with_markets: MarketYear,
}

/// Allied demand in the target year with markets that answer prices.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MarketYear {
    /// Wanted at the going price but not served, t REO-eq.
    pub allied_rationed_t: f64,
    /// Demand as stated that prices took away (substitution, thrift and
    /// the short-run answer to price), t REO-eq.
    pub allied_lost_to_price_t: f64,
    /// Rationed plus lost to price, valued at baseline prices, USD million.
    pub allied_unserved_value_musd: f64,
}

/// Sums over the target year of allied rows: (rationed t, lost to price
/// t, unserved t by element, unserved value USD).
type YearSums = (f64, f64, std::collections::BTreeMap<String, f64>, f64);

/// Simulates `d` held over `year` (see [`target_year_scenario`]) with a
/// plan's overlay, and sums allied unmet demand in that year, valued with
/// the static model's prices: once with demand and supply held fixed, as
/// the static model holds them, and once with markets answering prices.
pub fn simulate_year(
    model: &Model,
    chain: &ChainYear,
    d: &Disruption,
    year: i32,
    overlay: &critmin_sim::Overlay,
) -> Result<SimulatedYear, crate::OptError> {
    let err = |message: String| crate::OptError::Simulation {
        scenario: d.name.clone(),
        message,
    };
    let sc = target_year_scenario(model, chain, d, year)
        .ok_or_else(|| err(format!("the year {year} is out of range")))?;
    let sums = |m: &Model| -> Result<YearSums, crate::OptError> {
        let mut net =
            critmin_sim::Network::build(m, &sc, overlay).map_err(|e| err(e.to_string()))?;
        // a sampled future's demand and mine factors, as the Monte Carlo
        // applies them
        if d.demand_growth != 1.0 {
            net.scale_demand_growth(d.demand_growth);
        }
        for &(f, k) in &d.mine_scale {
            net.scale_mine(f, k);
        }
        let mut rec = critmin_sim::MonthlyRecorder::default();
        critmin_sim::simulate_with(&net, &mut rec);
        let mut by = std::collections::BTreeMap::new();
        let (mut rationed, mut lost, mut v) = (0.0, 0.0, 0.0);
        for row in &rec.rows {
            if row.month.year() != year || !chain.allied.contains(&row.country) {
                continue;
            }
            let e = row.element;
            let w = if row.form == critmin_model::Form::Oxide {
                chain.weight_usd[OXIDE0 + e.index()]
            } else {
                chain.weight_usd[METAL0 + e.index()]
            };
            // Unserved of the demand as stated: rationed plus lost to price
            // (nothing is lost to price where demand does not answer it).
            let unserved = (row.wanted_t - row.served_t).max(0.0);
            *by.entry(row.element.to_string()).or_insert(0.0) += unserved;
            rationed += row.unmet_t;
            lost += row.lost_to_price_t;
            v += unserved * w;
        }
        Ok((rationed, lost, by, v))
    };
    let mut fixed = model.clone();
    fixed.demand_response.clear();
    fixed.supply_response.clear();
    fixed.precaution.clear();
    let (rationed, lost, by, v) = sums(&fixed)?;
    let (m_rationed, m_lost, _, m_v) = if model.demand_response.is_empty()
        && model.supply_response.is_empty()
        && model.precaution.is_empty()
    {
        (rationed, lost, by.clone(), v)
    } else {
        sums(model)?
    };
    Ok(SimulatedYear {
        scenario: d.name.clone(),
        allied_unmet_t: rationed + lost,
        allied_unmet_value_musd: v / 1e6,
        allied_unmet_by_element_t: by,
        with_markets: MarketYear {
            allied_rationed_t: m_rationed,
            allied_lost_to_price_t: m_lost,
            allied_unserved_value_musd: m_v / 1e6,
        },
    })
}
