//! The small chain the hand-computed tests share: country AA mines
//! 1,200 t Nd REO a year (at `mine_utilisation` of capacity) and separates
//! it with full recovery; each country of `demand` buys that many t a year
//! of Nd oxide; no inventory; the price index closes half its gap each
//! month, elasticity [`EPS`], ceiling 100; mines and separation run full
//! at an index of 3.

// Each test binary uses part of this module.
#![allow(dead_code)]

use critmin_model::{
    Composition, Confidence, Country, CountryCode, DemandRow, Element, ElementSet, Facility,
    FeedRef, Form, Good, Idx, InventoryPolicy, Model, PerElement, PriceResponse, Process, Sector,
    Source, Stage, Status,
};

/// The price formula's elasticity in every cell.
pub const EPS: f64 = 0.25;

/// The floor of every cell's index (inside an exporter whose capped
/// exports leave it with unsold supply).
pub const MIN_INDEX: f64 = 0.1;

/// The chain, with demand of `(country, t/yr)` rows.
pub fn chain(demand: &[(&str, f64)], mine_utilisation: f64) -> Model {
    let mut m = Model {
        name: "tiny".into(),
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
        note: "estimate for a test".into(),
    });
    let src: Idx<Source> = Idx::new(0);
    let aa = CountryCode::parse("AA").unwrap();
    let mut codes = vec![aa];
    for (c, _) in demand {
        let c = CountryCode::parse(c).unwrap();
        if !codes.contains(&c) {
            codes.push(c);
        }
    }
    for code in &codes {
        m.countries.push(Country {
            code: *code,
            name: code.as_str().into(),
        });
    }
    let mut shares = PerElement::ZERO;
    shares[Element::Nd] = 1.0;
    m.compositions.push(Composition {
        id: "nd".into(),
        name: "Nd".into(),
        shares,
        source: src,
    });
    let fac = |id: &str, stage: Stage, utilisation: f64, process: Process| Facility {
        id: id.into(),
        name: id.into(),
        operator: String::new(),
        country: aa,
        stage,
        capacity_t_per_yr: 1200.0,
        utilisation,
        status: Status::Operating,
        start: None,
        end: None,
        process,
        unit_cost_usd_per_t: None,
        waste_t_per_t_reo: None,
        direct_jobs: None,
        source: src,
    };
    m.facilities.push(fac(
        "mine",
        Stage::Mining,
        mine_utilisation,
        Process::Mine {
            deposit: String::new(),
            ore: Idx::new(0),
            grade_pct: None,
        },
    ));
    m.facilities.push(fac(
        "sep",
        Stage::Separation,
        1.0,
        Process::Separation {
            feed: vec![FeedRef::Facility(Idx::new(0))],
            recovery: 1.0,
            elements: ElementSet::ALL,
        },
    ));
    for (c, t) in demand {
        m.demand.push(DemandRow {
            country: CountryCode::parse(c).unwrap(),
            sector: Sector::Other,
            good: Good::Oxide {
                element: Element::Nd,
            },
            t_per_yr: *t,
            source: src,
        });
    }
    for stage in [
        Stage::Mining,
        Stage::Separation,
        Stage::MetalAlloy,
        Stage::Magnet,
    ] {
        m.inventories.push(InventoryPolicy {
            stage,
            country: None,
            months: 0.0,
            source: src,
        });
    }
    for form in [Form::Oxide, Form::Metal] {
        m.price_response.push(PriceResponse {
            elements: ElementSet::ALL,
            form,
            demand_elasticity: EPS,
            adjustment_per_month: 0.5,
            max_index: 100.0,
            min_index: MIN_INDEX,
            full_supply_response_index: 3.0,
            source: src,
        });
    }
    m
}

/// Nd oxide rows of every country, month by month, from a run of `net`;
/// the run's mass balance is checked.
pub fn nd_oxide_rows(net: &critmin_sim::Network) -> Vec<critmin_sim::MonthlyRow> {
    let mut rec = critmin_sim::MonthlyRecorder::default();
    let summary = critmin_sim::simulate_with(net, &mut rec);
    assert!(summary.max_balance_error_ratio <= 1.0, "mass balance");
    rec.rows
        .into_iter()
        .filter(|r| r.element == Element::Nd && r.form == Form::Oxide)
        .collect()
}

/// Property-test cases: `PROPTEST_CASES`, else 64.
pub fn proptest_config() -> proptest::test_runner::Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    proptest::test_runner::Config {
        cases,
        ..proptest::test_runner::Config::default()
    }
}

/// Demand of every sector answering price with short-run elasticity `eps`
/// and no substitution.
pub fn short_run_only(eps: f64) -> critmin_model::DemandResponse {
    critmin_model::DemandResponse {
        sector: None,
        elements: ElementSet::ALL,
        short_run_elasticity: eps,
        max_share: 0.0,
        rate_per_yr: 0.0,
        lag_months: 0.0,
        trigger_index: 2.0,
        reversal_per_yr: 0.0,
        source: Idx::new(0),
    }
}

/// Adds a second producer: a copy of AA's mine and separation plant in
/// country `code` (which must be one of the chain's countries), with
/// `capacity_t_per_yr` each, the plant fed by the new mine alone.
pub fn add_producer(m: &mut Model, code: &str, capacity_t_per_yr: f64) {
    let c = CountryCode::parse(code).unwrap();
    let n = m.facilities.len();
    let copies: Vec<Facility> = m.facilities[..2]
        .iter()
        .map(|f| Facility {
            id: format!("{}-{}", code.to_lowercase(), f.id),
            country: c,
            capacity_t_per_yr,
            ..f.clone()
        })
        .collect();
    m.facilities.extend(copies);
    if let Process::Separation { feed, .. } = &mut m.facilities[n + 1].process {
        *feed = vec![FeedRef::Facility(Idx::new(n))];
    }
}

/// Gives Nd oxide a 2024 baseline price, USD/kg (the tests that value
/// flows need one).
pub fn price_nd_oxide(m: &mut Model, usd_per_kg: f64) {
    m.prices.push(critmin_model::Price {
        element: Element::Nd,
        form: Form::Oxide,
        usd_per_kg,
        year: 2024,
        source: Idx::new(0),
    });
}
