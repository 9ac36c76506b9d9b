//! The Monte Carlo engine against known answers, on a one-country chain
//! with no inventory: a mine (100 t Nd REO a month) feeds a separation
//! plant that serves 100 t a month of Nd oxide demand. Any outage of the
//! mine is a shortfall in that month; a demand shock of factor `k` leaves
//! `(k − 1) × 100` t unmet each month.

use critmin_model::{
    Composition, Confidence, Country, CountryCode, DemandRow, Element, ElementSet, Facility,
    FeedRef, Good, Idx, InventoryPolicy, Model, Month, PerElement, Process, Sector, Source, Stage,
    Status,
};
use critmin_risk::{McConfig, MonteCarlo};
use critmin_sim::risk::{Dist, Risk, RiskTemplate};
use critmin_sim::scenario::{Event, EventKind};
use critmin_sim::{Overlay, Scenario};

fn tiny() -> Model {
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
    m.countries.push(Country {
        code: aa,
        name: "A".into(),
    });
    let mut shares = PerElement::ZERO;
    shares[Element::Nd] = 1.0;
    m.compositions.push(Composition {
        id: "nd".into(),
        name: "Nd".into(),
        shares,
        source: src,
    });
    let fac = |id: &str, stage: Stage, process: Process| Facility {
        id: id.into(),
        name: id.into(),
        operator: String::new(),
        country: aa,
        stage,
        capacity_t_per_yr: 1200.0,
        utilisation: 1.0,
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
        Process::Mine {
            deposit: String::new(),
            ore: Idx::new(0),
            grade_pct: None,
        },
    ));
    m.facilities.push(fac(
        "sep",
        Stage::Separation,
        Process::Separation {
            feed: vec![FeedRef::Facility(Idx::new(0))],
            recovery: 1.0,
            elements: ElementSet::ALL,
        },
    ));
    m.demand.push(DemandRow {
        country: aa,
        sector: Sector::Other,
        good: Good::Oxide {
            element: Element::Nd,
        },
        t_per_yr: 1200.0,
        source: src,
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
            months: 0.0,
            source: src,
        });
    }
    m
}

fn run(model: &Model, scenario: &Scenario, runs: usize, threads: usize) -> critmin_risk::McResult {
    let cfg = McConfig {
        runs,
        seed: 11,
        threads,
        horizon_months: None,
        focus_countries: vec![],
        focus_elements: vec![],
    };
    let mc = MonteCarlo::new(model, scenario, &Overlay::default(), &cfg).unwrap();
    mc.run(&cfg, &|_| {}).unwrap()
}

/// The Nd statistics of a run (the tiny chain's one element).
fn nd(r: &critmin_risk::McResult) -> &critmin_risk::ElementStats {
    r.summary
        .by_element
        .iter()
        .find(|e| e.element == critmin_model::Element::Nd)
        .unwrap()
}

/// The structural/risk split of the Nd statistics.
fn nd_split(r: &critmin_risk::McResult) -> critmin_risk::StructuralSplit {
    nd(r).split
}

#[test]
fn onset_probability_gives_the_shortfall_probability() {
    let m = tiny();
    let months = 12;
    let p = 0.05;
    let mut s = Scenario::baseline(&m, Month::new(2025, 1).unwrap(), months);
    s.risks.push(Risk {
        name: "outage".into(),
        group: None,
        onset_per_month: p,
        duration_months: Dist::Fixed(1.0),
        template: RiskTemplate::FacilityOutage {
            facility: Idx::new(0),
            remaining_share: Dist::Fixed(0.0),
        },
        line: 0,
    });
    let n = 4000;
    let r = run(&m, &s, n, 2);
    let nd = nd(&r);
    let expect = 1.0 - (1.0f64 - p).powi(months as i32);
    let se = (expect * (1.0 - expect) / n as f64).sqrt();
    assert!(
        (nd.stats.prob_shortfall - expect).abs() < 4.0 * se,
        "P(shortfall) {} vs 1 − (1 − p)^months = {expect} (se {se})",
        nd.stats.prob_shortfall
    );
    // The reported standard error is the binomial one.
    assert!((nd.stats.prob_shortfall_se - se).abs() < 0.2 * se);
    // The reference future draws no outage: nothing unmet.
    assert!(nd.reference_unmet_t < 1e-6, "{}", nd.reference_unmet_t);
}

/// With no risk and no uncertain input, every future is the reference
/// future: a fixed demand shock of 1.5 leaves 50 t a month unmet, and the
/// reference reports the same as every future.
#[test]
fn the_reference_future_is_the_scenario_without_risks() {
    let m = tiny();
    let months = 6;
    let mut s = Scenario::baseline(&m, Month::new(2025, 1).unwrap(), months);
    s.events.push(Event {
        from: s.start,
        to: s.start.plus(months as i32 - 1),
        kind: EventKind::DemandShock {
            countries: vec![],
            sectors: vec![],
            elements: ElementSet::ALL,
            factor: 1.5,
        },
        line: 0,
    });
    let r = run(&m, &s, 5, 1);
    let nd = nd(&r);
    assert!(
        (nd.reference_unmet_t - 300.0).abs() < 1e-6,
        "{}",
        nd.reference_unmet_t
    );
    assert_eq!(nd.stats.unmet_mean_t, nd.reference_unmet_t);
    // All of it is structural: no risk adds anything.
    assert_eq!(nd.split.structural_t, nd.reference_unmet_t);
    assert!(nd.split.risk_mean_t.abs() < 1e-9 && nd.split.risk_p95_t.abs() < 1e-9);
    assert_eq!(nd.split.structural_share_of_mean, Some(1.0));
    for c in &r.summary.by_country {
        assert_eq!(c.stats.unmet_share_mean, c.reference_unmet_share);
        assert!((c.reference_unmet_share - 50.0 / 150.0).abs() < 1e-9);
    }
}

#[test]
fn quantiles_of_a_uniform_shock_come_out_right() {
    let m = tiny();
    let months = 6;
    let mut s = Scenario::baseline(&m, Month::new(2025, 1).unwrap(), months);
    // A shock from the first month for the whole horizon, factor ~ U(1, 2):
    // unmet = (k − 1) × 100 t × 6 months ~ U(0, 600).
    s.risks.push(Risk {
        name: "surge".into(),
        group: None,
        onset_per_month: 1.0,
        duration_months: Dist::Fixed(f64::from(months)),
        template: RiskTemplate::DemandShock {
            countries: vec![],
            sectors: vec![],
            elements: ElementSet::ALL,
            factor: Dist::Uniform { min: 1.0, max: 2.0 },
        },
        line: 0,
    });
    let r = run(&m, &s, 3000, 2);
    let nd = &nd(&r).stats;
    let close = |got: f64, want: f64| (got - want).abs() < 20.0;
    assert!(close(nd.unmet_mean_t, 300.0), "mean {}", nd.unmet_mean_t);
    // The reference future draws no surge: all of the shortfall is risk.
    let split = &nd_split(&r);
    assert_eq!(split.structural_t, 0.0);
    assert_eq!(split.risk_mean_t, nd.unmet_mean_t);
    assert_eq!(split.structural_share_of_mean, Some(0.0));
    assert!(close(nd.unmet_p50_t, 300.0), "P50 {}", nd.unmet_p50_t);
    assert!(close(nd.unmet_p95_t, 570.0), "P95 {}", nd.unmet_p95_t);
    assert!(close(nd.unmet_p99_t, 594.0), "P99 {}", nd.unmet_p99_t);
    // CVaR95 of U(0, 600): the mean of the top 5 %, 585.
    assert!(
        close(nd.unmet_cvar95_t, 585.0),
        "CVaR95 {}",
        nd.unmet_cvar95_t
    );
    // The standard error of the mean: 600/√12/√n.
    let se = 600.0 / 12f64.sqrt() / 3000f64.sqrt();
    assert!(
        (nd.unmet_mean_se_t - se).abs() < 0.1 * se,
        "se {} vs {se}",
        nd.unmet_mean_se_t
    );
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let m = tiny();
    let mut s = Scenario::baseline(&m, Month::new(2025, 1).unwrap(), 12);
    s.risks.push(Risk {
        name: "outage".into(),
        group: None,
        onset_per_month: 0.1,
        duration_months: Dist::Triangular {
            min: 1.0,
            mode: 2.0,
            max: 5.0,
        },
        template: RiskTemplate::FacilityOutage {
            facility: Idx::new(0),
            remaining_share: Dist::Uniform { min: 0.0, max: 0.8 },
        },
        line: 0,
    });
    let one = run(&m, &s, 301, 1);
    let three = run(&m, &s, 301, 3);
    assert_eq!(one, three);
}
