//! Property tests of the engine on random small datasets and scenarios:
//! mass balance per element per month (within the engine's tolerance,
//! relative to the month's throughput — also at huge compounded
//! capacities), capacities respected, no flow
//! through a restriction beyond its cap, priority tiers respected within a
//! country and good, and identical output for identical input.
//!
//! Case counts are modest by default; `PROPTEST_CASES` raises them.

use critmin_model::{
    CapacityTrend, Composition, ConcentrateStock, Confidence, Country, CountryCode, DemandResponse,
    DemandRow, Element, ElementSet, Facility, FeedRef, Form, Funding, Good, Group, GrowthPath,
    GrowthRule, Idx, InventoryPolicy, MagnetRecipe, Model, Month, PerElement, Precaution, Process,
    Project, Sector, Source, Stage, Status, Stockpile, SupplyResponse, TollStages, Tolling,
};
use critmin_sim::scenario::{Event, EventKind, FormSet, Importers, SharingAgreement, SharingRule};
use critmin_sim::{
    MonthStats, MonthlyRecorder, Network, Overlay, Recorder, Scenario, simulate_with,
};
use proptest::prelude::*;

mod common;

/// A small deterministic generator (xorshift), so that one `u64` seed
/// describes a whole dataset and scenario.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

const CODES: [&str; 4] = ["AA", "BB", "CC", "DD"];
const ELEMENTS: [Element; 5] = [
    Element::La,
    Element::Ce,
    Element::Nd,
    Element::Dy,
    Element::Tb,
];

fn code(i: usize) -> CountryCode {
    CountryCode::parse(CODES[i]).unwrap()
}

/// A random small model: 2–4 countries, 1–3 mines, 1–2 separation plants,
/// 1–2 metal plants, 1–3 magnet plants, demand for oxides, metals and
/// magnets in several sectors, stockpiles.
fn random_model(g: &mut Gen) -> Model {
    let nc = 2 + g.below(3);
    let mut m = Model {
        name: "random".into(),
        base_year: 2024,
        ..Model::default()
    };
    m.sources.push(Source {
        id: "s".into(),
        publication: "test".into(),
        locator: String::new(),
        year: 2024,
        citation: String::new(),
        confidence: Confidence::E,
        note: "estimate".into(),
    });
    let src: Idx<Source> = Idx::new(0);
    for (i, name) in CODES.iter().enumerate().take(nc) {
        m.countries.push(Country {
            code: code(i),
            name: (*name).into(),
        });
    }
    m.groups.push(Group {
        name: "allied".into(),
        members: (1..nc).map(code).collect(),
    });
    // Ores and a product mix.
    for k in 0..3 {
        let mut shares = PerElement::ZERO;
        for e in ELEMENTS {
            if g.chance(0.8) || e == Element::Nd {
                shares[e] = g.range(0.01, 1.0);
            }
        }
        let total = shares.total();
        m.compositions.push(Composition {
            id: format!("ore{k}"),
            name: String::new(),
            shares: shares.scaled(1.0 / total),
            source: src,
        });
    }
    let mut product = PerElement::ZERO;
    for e in ELEMENTS {
        product[e] = g.range(0.05, 1.0);
    }
    let t = product.total();
    m.compositions.push(Composition {
        id: "mix".into(),
        name: String::new(),
        shares: product.scaled(1.0 / t),
        source: src,
    });
    // Recipes.
    for k in 0..2 {
        let mut kg = PerElement::ZERO;
        kg[Element::Nd] = g.range(150.0, 300.0);
        if g.chance(0.7) {
            kg[Element::Dy] = g.range(1.0, 50.0);
        }
        if g.chance(0.4) {
            kg[Element::Tb] = g.range(1.0, 10.0);
        }
        m.recipes.push(MagnetRecipe {
            grade: format!("g{k}"),
            metal_kg_per_t: kg,
            source: src,
        });
    }
    let fac = |m: &mut Model,
               id: String,
               country: usize,
               stage: Stage,
               cap: f64,
               util: f64,
               process: Process,
               start: Option<Month>,
               status: Status| {
        m.facilities.push(Facility {
            id,
            name: String::new(),
            operator: String::new(),
            country: code(country),
            stage,
            capacity_t_per_yr: cap,
            utilisation: util,
            status,
            start,
            end: None,
            process,
            unit_cost_usd_per_t: None,
            waste_t_per_t_reo: None,
            direct_jobs: None,
            source: src,
        });
    };
    let n_mines = 1 + g.below(3);
    for k in 0..n_mines {
        let c = g.below(nc);
        let cap = g.range(500.0, 5000.0);
        let util = g.range(0.5, 1.0);
        let ore = Idx::new(g.below(3));
        fac(
            &mut m,
            format!("mine{k}"),
            c,
            Stage::Mining,
            cap,
            util,
            Process::Mine {
                deposit: String::new(),
                ore,
                grade_pct: None,
            },
            None,
            Status::Operating,
        );
    }
    let n_seps = 1 + g.below(2);
    for k in 0..n_seps {
        let c = g.below(nc);
        let feed = match g.below(3) {
            0 => vec![FeedRef::Any],
            1 => vec![FeedRef::Facility(Idx::new(g.below(n_mines)))],
            _ => vec![
                FeedRef::Country(m.facilities[g.below(n_mines)].country),
                FeedRef::Any,
            ],
        };
        let elements = if g.chance(0.8) {
            ElementSet::ALL
        } else {
            ElementSet::parse("Nd;Dy;Tb").unwrap()
        };
        let cap = g.range(500.0, 6000.0);
        fac(
            &mut m,
            format!("sep{k}"),
            c,
            Stage::Separation,
            cap,
            g.range(0.4, 1.0),
            Process::Separation {
                feed,
                recovery: g.range(0.8, 0.99),
                elements,
            },
            None,
            Status::Operating,
        );
    }
    let mix = Idx::new(3);
    for k in 0..1 + g.below(2) {
        let c = g.below(nc);
        fac(
            &mut m,
            format!("metal{k}"),
            c,
            Stage::MetalAlloy,
            g.range(200.0, 3000.0),
            g.range(0.5, 1.0),
            Process::MetalAlloy {
                product: mix,
                recovery: g.range(0.9, 1.0),
            },
            None,
            Status::Operating,
        );
    }
    let mut planned = None;
    for k in 0..1 + g.below(3) {
        let c = g.below(nc);
        let grade = Idx::new(g.below(2));
        let (start, status) = if k == 1 && g.chance(0.5) {
            (
                Some(Month::new(2025, 1 + g.below(12) as u32).unwrap()),
                Status::Planned,
            )
        } else {
            (None, Status::Operating)
        };
        if status == Status::Planned {
            planned = Some(Idx::new(m.facilities.len()));
        }
        fac(
            &mut m,
            format!("mag{k}"),
            c,
            Stage::Magnet,
            g.range(200.0, 3000.0),
            g.range(0.5, 1.0),
            Process::Magnet { grade },
            start,
            status,
        );
    }
    if let Some(f) = planned {
        m.projects.push(Project {
            id: "p".into(),
            facility: f,
            capex_usd: 1e8,
            lead_time_months: 12,
            earliest_start: Month::new(2025, 1).unwrap(),
            sponsors: vec![code(0)],
            funding: if g.chance(0.5) {
                Funding::Committed
            } else {
                Funding::Seeking
            },
            source: src,
        });
    }
    // Demand.
    let sectors = [
        Sector::Defence,
        Sector::EvMotors,
        Sector::Catalysts,
        Sector::Other,
    ];
    for c in 0..nc {
        for &s in &sectors {
            if g.chance(0.6) {
                let good = match g.below(3) {
                    0 => Good::Oxide {
                        element: ELEMENTS[g.below(ELEMENTS.len())],
                    },
                    1 => Good::Metal {
                        element: ELEMENTS[g.below(ELEMENTS.len())],
                    },
                    _ => Good::Magnet {
                        grade: Idx::new(g.below(2)),
                    },
                };
                if m.demand
                    .iter()
                    .any(|d| d.country == code(c) && d.sector == s && d.good == good)
                {
                    continue;
                }
                m.demand.push(DemandRow {
                    country: code(c),
                    sector: s,
                    good,
                    t_per_yr: g.range(10.0, 2000.0),
                    source: src,
                });
            }
        }
    }
    m.growth_paths.push(GrowthPath {
        name: "steady".into(),
        rules: vec![GrowthRule {
            sector: None,
            elements: ElementSet::ALL,
            from_year: 2025,
            to_year: 2040,
            annual_growth: g.range(0.0, 0.2),
            source: src,
        }],
    });
    for stage in [
        Stage::Mining,
        Stage::Separation,
        Stage::MetalAlloy,
        Stage::Magnet,
    ] {
        m.inventories.push(InventoryPolicy {
            stage,
            country: None,
            months: g.range(0.0, 3.0),
            source: src,
        });
    }
    for c in 0..nc {
        if g.chance(0.6) {
            let good = if g.chance(0.5) {
                Good::Oxide {
                    element: Element::Dy,
                }
            } else {
                Good::Magnet { grade: Idx::new(0) }
            };
            m.stockpiles.push(Stockpile {
                holder: format!("h{c}"),
                country: code(c),
                good,
                tonnes: g.range(1.0, 300.0),
                source: src,
            });
        }
        // Concentrate of a random mine, for tolling to separate.
        let mines: Vec<usize> = (0..m.facilities.len())
            .filter(|&i| matches!(m.facilities[i].process, Process::Mine { .. }))
            .collect();
        if g.chance(0.3) && !mines.is_empty() {
            m.concentrate_stocks.push(ConcentrateStock {
                holder: format!("h{c}"),
                country: code(c),
                mine: Idx::new(mines[g.below(mines.len())]),
                reo_t: g.range(1.0, 500.0),
                source: src,
            });
        }
    }
    // A capacity trend (growth or decline) on some country and stage.
    if g.chance(0.5) {
        let stages = [
            Stage::Mining,
            Stage::Separation,
            Stage::MetalAlloy,
            Stage::Magnet,
        ];
        m.capacity_trends.push(CapacityTrend {
            country: code(g.below(nc)),
            stage: stages[g.below(stages.len())],
            from_year: 2025,
            to_year: 2026,
            annual_growth_pct: g.range(-40.0, 80.0),
            source: src,
        });
    }
    // Supply that answers price, for one stage everywhere.
    if g.chance(0.5) {
        let stages = [
            Stage::Mining,
            Stage::Separation,
            Stage::MetalAlloy,
            Stage::Magnet,
        ];
        m.supply_response.push(SupplyResponse {
            country: None,
            stage: stages[g.below(stages.len())],
            restart_lag_months: g.range(0.0, 12.0),
            trigger_index: g.range(1.0, 3.0),
            build_lag_months: g.range(0.0, 36.0),
            growth_per_yr: g.range(0.0, 1.0),
            max_factor: g.range(1.0, 4.0),
            accelerate_months: g.below(13) as f64,
            defer_months: g.below(13) as f64,
            defer_index: g.range(0.5, 1.0),
            source: src,
        });
    }
    // Precautionary stock, at one stage everywhere.
    if g.chance(0.5) {
        let stages = [Stage::MetalAlloy, Stage::Magnet, Stage::EndUse];
        m.precaution.push(Precaution {
            country: None,
            stage: stages[g.below(stages.len())],
            smoothing_months: g.range(0.0, 12.0),
            trigger_rise: g.range(0.0, 0.5),
            max_months: g.range(0.0, 6.0),
            build_months_per_month: g.range(0.0, 2.0),
            release_months_per_month: g.range(0.0, 1.0),
            source: src,
        });
    }
    // Demand that answers price, for every sector or one element set.
    if g.chance(0.6) {
        m.demand_response.push(DemandResponse {
            sector: None,
            elements: if g.chance(0.5) {
                ElementSet::ALL
            } else {
                ElementSet::parse("magnet").unwrap()
            },
            short_run_elasticity: g.range(0.0, 1.5),
            max_share: g.range(0.0, 0.95),
            rate_per_yr: g.range(0.0, 1.0),
            lag_months: g.range(0.0, 12.0),
            trigger_index: g.range(1.0, 3.0),
            reversal_per_yr: g.range(0.0, 0.5),
            source: src,
        });
    }
    m
}

/// A random scenario over `m`: restrictions, outages, shocks, sharing.
fn random_scenario(g: &mut Gen, m: &Model) -> Scenario {
    let start = Month::new(2025, 1).unwrap();
    let mut s = Scenario::baseline(m, start, 6 + g.below(10) as u32);
    let nc = m.countries.len();
    let month = |g: &mut Gen| start.plus(g.below(12) as i32);
    for _ in 0..g.below(4) {
        let from = month(g);
        let to = from.plus(g.below(6) as i32);
        let kind = match g.below(4) {
            0 | 1 => {
                let mut forms = FormSet::default();
                for f in [Form::Concentrate, Form::Oxide, Form::Metal, Form::Magnet] {
                    if g.chance(0.6) {
                        forms = forms.with(f);
                    }
                }
                EventKind::ExportRestriction {
                    exporters: vec![code(g.below(nc))],
                    importers: if g.chance(0.5) {
                        Importers::All
                    } else {
                        Importers::Only(vec![code(g.below(nc))])
                    },
                    elements: if g.chance(0.5) {
                        ElementSet::ALL
                    } else {
                        ElementSet::one(ELEMENTS[g.below(ELEMENTS.len())])
                    },
                    forms,
                    allowed_share: if g.chance(0.5) { 0.0 } else { g.unit() },
                }
            }
            2 => EventKind::FacilityOutage {
                facility: Idx::new(g.below(m.facilities.len())),
                remaining_share: g.unit() * 0.5,
            },
            _ => EventKind::DemandShock {
                countries: vec![code(g.below(nc))],
                sectors: vec![],
                elements: ElementSet::ALL,
                factor: g.range(0.5, 3.0),
            },
        };
        s.events.push(Event {
            from,
            to,
            kind,
            line: 0,
        });
    }
    // An offtake of a plant's output by another country.
    let plants: Vec<usize> = (0..m.facilities.len())
        .filter(|&i| {
            matches!(
                m.facilities[i].stage,
                Stage::Separation | Stage::MetalAlloy | Stage::Magnet
            )
        })
        .collect();
    if g.chance(0.4) && !plants.is_empty() {
        s.events.push(Event {
            from: month(g),
            to: start.plus(s.horizon_months as i32 - 1),
            kind: EventKind::Offtake {
                facility: Idx::new(plants[g.below(plants.len())]),
                buyer: code(g.below(nc)),
                share: g.unit(),
            },
            line: 0,
        });
    }
    // A stockpile holder buying oxide or metal.
    if g.chance(0.4) && !m.stockpiles.is_empty() {
        let holder = m.stockpiles[g.below(m.stockpiles.len())].holder.clone();
        s.events.push(Event {
            from: month(g),
            to: start.plus(s.horizon_months as i32 - 1),
            kind: EventKind::StockpilePurchase {
                holder,
                elements: ElementSet::ALL,
                form: if g.chance(0.5) {
                    Form::Oxide
                } else {
                    Form::Metal
                },
                target_t: g.range(0.0, 2000.0),
                tonnes_per_month: g.range(0.0, 300.0),
                max_price_index: g.range(1.0, 5.0),
            },
            line: 0,
        });
    }
    // Leakage of what restrictions block, and a sourcing ban on a sector.
    if g.chance(0.4) {
        s.events.push(Event {
            from: start,
            to: start.plus(s.horizon_months as i32 - 1),
            kind: EventKind::Leakage {
                exporters: vec![code(g.below(nc))],
                importers: Importers::All,
                elements: ElementSet::ALL,
                forms: FormSet::TRADED,
                share: g.unit(),
                lag_months: 1 + g.below(4) as u32,
                premium: g.unit(),
            },
            line: 0,
        });
    }
    if g.chance(0.3) {
        s.events.push(Event {
            from: month(g),
            to: start.plus(s.horizon_months as i32 - 1),
            kind: EventKind::SourcingBan {
                exporters: vec![code(g.below(nc))],
                importers: Importers::All,
                sectors: vec![Sector::Defence, Sector::Other],
                elements: ElementSet::ALL,
                forms: FormSet::TRADED,
            },
            line: 0,
        });
    }
    // A tariff one country levies on another's goods.
    if g.chance(0.4) && nc >= 2 {
        let x = g.below(nc);
        s.events.push(Event {
            from: month(g),
            to: start.plus(s.horizon_months as i32 - 1),
            kind: EventKind::Tariff {
                exporters: vec![code(x)],
                importers: Importers::Only(vec![code((x + 1 + g.below(nc - 1)) % nc)]),
                elements: ElementSet::ALL,
                forms: FormSet::TRADED,
                rate: g.range(0.0, 2.0),
            },
            line: 0,
        });
    }
    // A tolling arrangement for a holder, by random converters and stages.
    let holders: Vec<String> = m
        .stockpiles
        .iter()
        .map(|x| x.holder.clone())
        .chain(m.concentrate_stocks.iter().map(|x| x.holder.clone()))
        .collect();
    if g.chance(0.5) && !holders.is_empty() {
        let converters = (0..nc).filter(|_| g.chance(0.6)).map(code).collect();
        s.policy.tolling.push(Tolling {
            holder: holders[g.below(holders.len())].clone(),
            converters,
            stages: TollStages {
                separation: g.chance(0.7),
                metal: g.chance(0.7),
                magnet: g.chance(0.7),
            },
        });
    }
    if g.chance(0.4) && nc >= 2 {
        s.policy.sharing.push(SharingAgreement {
            name: "pact".into(),
            members: vec![code(0), code(1)],
            rule: [
                SharingRule::ProRata,
                SharingRule::DefenceFirst,
                SharingRule::Coordinated,
            ][g.below(3)],
        });
    }
    s
}

/// Scales `m` to the dataset format's bounds: every capacity, demand row
/// and stockpile near `MAX_TONNES`, and every country's every stage growing
/// +100 %/yr (the format's maximum) from 2025 to 2100.
fn huge_and_compounded(m: &mut Model) {
    let near_max = 0.5 * critmin_model::limits::MAX_TONNES;
    let largest = m
        .facilities
        .iter()
        .map(|f| f.capacity_t_per_yr)
        .fold(1.0, f64::max);
    let k = near_max / largest;
    for f in &mut m.facilities {
        f.capacity_t_per_yr *= k;
    }
    for d in &mut m.demand {
        d.t_per_yr = (d.t_per_yr * k).min(near_max);
    }
    for s in &mut m.stockpiles {
        s.tonnes = (s.tonnes * k).min(near_max);
    }
    m.capacity_trends.clear();
    for c in 0..m.countries.len() {
        for stage in [
            Stage::Mining,
            Stage::Separation,
            Stage::MetalAlloy,
            Stage::Magnet,
        ] {
            m.capacity_trends.push(CapacityTrend {
                country: m.countries[c].code,
                stage,
                from_year: 2025,
                to_year: 2100,
                annual_growth_pct: 100.0,
                source: Idx::new(0),
            });
        }
    }
}

/// Checks every month as it arrives.
struct Checker {
    months: usize,
    /// Buyers seen by the priority check (it must not be vacuous).
    audited: usize,
    failures: Vec<String>,
    pro_rata_sharing: bool,
}

impl Recorder for Checker {
    fn month(&mut self, net: &Network, t: usize, s: &MonthStats) {
        self.months += 1;
        self.audited += s.audit.len();
        // The engine's promise: relative to the month's throughput, with
        // a tiny absolute floor (`Balance::tolerance_t`).
        for e in Element::ALL {
            let err = s.balance.error(e);
            if s.balance.error_ratio(e).is_nan() || s.balance.error_ratio(e) > 1.0 {
                self.failures.push(format!(
                    "month {t}: {e} mass balance off by {err} (tolerance {})",
                    s.balance.tolerance_t(e)
                ));
            }
        }
        for &(f, out, cap) in &s.facility_use {
            if out > cap * (1.0 + 1e-9) + 1e-9 {
                self.failures.push(format!(
                    "month {t}: facility {f} made {out} over capacity {cap}"
                ));
            }
        }
        // A restricted route's monthly total stays within its monthly cap
        // (markets may clear a good in several passes).
        let mut routes: Vec<((u32, u16, u16), f64, f64)> = Vec::new();
        for &(good, x, c, q, cap) in &s.restricted_flows {
            match routes.iter_mut().find(|r| r.0 == (good, x, c)) {
                Some(r) => {
                    r.1 += q;
                    r.2 = r.2.min(cap);
                }
                None => routes.push(((good, x, c), q, cap)),
            }
        }
        for ((good, x, c), q, cap) in routes {
            if q > cap + 1e-6 * (1.0 + cap) {
                self.failures.push(format!(
                    "month {t}: good {good} {x}->{c} shipped {q} over the month's cap {cap}"
                ));
            }
        }
        // Priority: within a market, country and good, a lower tier is
        // served only if every higher tier is fully served (sourcing-ban
        // segments aside).
        for a in &s.audit {
            // A segment is served ahead of its market (from the sellers
            // its ban allows), whatever its tier.
            if a.served <= 1e-9 || a.segment {
                continue;
            }
            for b in &s.audit {
                // A segment under a sourcing ban may buy only from some
                // sellers: its shortfall does not hold back the others.
                if b.good == a.good
                    && b.clearing == a.clearing
                    && b.country == a.country
                    && !b.segment
                    && b.tier < a.tier
                    && b.demand - b.served > 1e-6 * (1.0 + b.demand)
                {
                    self.failures.push(format!(
                        "month {t}: good {} country {}: tier {} served {} while tier {} short by {}",
                        a.good,
                        a.country,
                        a.tier,
                        a.served,
                        b.tier,
                        b.demand - b.served
                    ));
                }
            }
        }
        let _ = (net, self.pro_rata_sharing);
        // Demand at the going price is never above the demand as stated,
        // nor below what was served.
        for i in 0..s.demand.len() {
            if s.demand[i] > s.wanted[i] * (1.0 + 1e-9) + 1e-9 {
                self.failures.push(format!(
                    "month {t}: cell {i} asked for {} over the stated demand {}",
                    s.demand[i], s.wanted[i]
                ));
            }
        }
        // Served never exceeds demand.
        for i in 0..s.demand.len() {
            if s.served[i] > s.demand[i] * (1.0 + 1e-9) + 1e-9 {
                self.failures.push(format!(
                    "month {t}: cell {i} served {} over demand {}",
                    s.served[i], s.demand[i]
                ));
            }
        }
    }
}

proptest! {
    #![proptest_config(common::proptest_config())]

    #[test]
    fn invariants_hold_every_month(seed in 1u64..u64::MAX) {
        let mut g = Gen(seed);
        let m = random_model(&mut g);
        let s = random_scenario(&mut g, &m);
        let mut net = Network::build(&m, &s, &Overlay::default()).unwrap();
        net.set_audit(true);
        let mut c = Checker {
            months: 0,
            audited: 0, failures: Vec::new(), pro_rata_sharing: false };
        let summary = simulate_with(&net, &mut c);
        prop_assert_eq!(c.months, s.horizon_months as usize);
        prop_assert!(c.audited > 0, "the priority check saw no buyer");
        prop_assert!(c.failures.is_empty(), "seed {}: {}", seed, c.failures.join("\n"));
        prop_assert!(summary.max_balance_error_ratio <= 1.0);
    }

    /// Capacities and demand near the dataset's bounds, compounded by
    /// +100 %/yr for 65 years (factors ~10¹⁹): the absolute error in tonnes
    /// grows with the quantities, the error relative to the month's
    /// throughput stays within the engine's tolerance.
    #[test]
    fn balance_holds_at_huge_compounded_capacities(seed in 1u64..u64::MAX) {
        let mut g = Gen(seed);
        let mut m = random_model(&mut g);
        huge_and_compounded(&mut m);
        let mut s = random_scenario(&mut g, &m);
        // Run 65 years after the trends start, events moved along.
        let offset = (2090 - 2025) * 12;
        s.start = s.start.plus(offset);
        for e in &mut s.events {
            e.from = e.from.plus(offset);
            e.to = e.to.plus(offset);
        }
        let net = Network::build(&m, &s, &Overlay::default()).unwrap();
        let mut c = Checker {
            months: 0,
            audited: 0, failures: Vec::new(), pro_rata_sharing: false };
        let summary = simulate_with(&net, &mut c);
        prop_assert!(c.failures.is_empty(), "seed {}: {}", seed, c.failures.join("\n"));
        prop_assert!(summary.max_balance_error_ratio <= 1.0);
    }

    /// A restriction at `allowed_share = 1` restricts nothing, also between
    /// the members of a sharing agreement (whose home group a cap would
    /// split): the run equals the run without it, row for row.
    #[test]
    fn restriction_at_full_share_is_a_no_op(seed in 1u64..u64::MAX) {
        let mut g = Gen(seed);
        let m = random_model(&mut g);
        let mut s = random_scenario(&mut g, &m);
        if s.policy.sharing.is_empty() {
            s.policy.sharing.push(SharingAgreement {
                name: "pact".into(),
                members: vec![code(0), code(1)],
                rule: SharingRule::ProRata,
            });
        }
        let run = |s: &Scenario| {
            let net = Network::build(&m, s, &Overlay::default()).unwrap();
            let mut rec = MonthlyRecorder::default();
            let summary = simulate_with(&net, &mut rec);
            (format!("{summary:?}"), format!("{:?}", rec.rows))
        };
        let without = run(&s);
        let mut with = s.clone();
        with.events.push(Event {
            from: s.start,
            to: s.start.plus(s.horizon_months as i32 - 1),
            kind: EventKind::ExportRestriction {
                exporters: vec![code(0)],
                importers: Importers::Only(vec![code(1)]),
                elements: ElementSet::ALL,
                forms: FormSet::TRADED,
                allowed_share: 1.0,
            },
            line: 0,
        });
        prop_assert_eq!(run(&with), without);
    }

    #[test]
    fn identical_input_gives_identical_output(seed in 1u64..u64::MAX) {
        let mut g = Gen(seed);
        let m = random_model(&mut g);
        let s = random_scenario(&mut g, &m);
        let run = || {
            let net = Network::build(&m, &s, &Overlay::default()).unwrap();
            let mut rec = MonthlyRecorder::default();
            let summary = simulate_with(&net, &mut rec);
            (format!("{summary:?}"), format!("{:?}", rec.rows))
        };
        prop_assert_eq!(run(), run());
    }
}
