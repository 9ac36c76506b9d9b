//! Demand that answers price, against hand computation, on a one-country
//! chain with no inventory: a mine of 100 t Nd REO a month feeds a
//! separation plant that serves 100 t a month of Nd oxide demand. An outage
//! leaves 60 t a month; the price index closes half its gap to its target
//! each month.
//!
//! While buyers are rationed the target is the price at which the demand
//! at the baseline price, answering with elasticity ε, would take only what
//! was served: `(60 / base)^(−1/ε)`. Demand in a month answers the index
//! at the end of the month before: `base × p^(−ε)`.

use critmin_model::{DemandResponse, ElementSet, Idx, Model, Month};
use critmin_sim::scenario::{Event, EventKind};
use critmin_sim::{MonthlyRow, Network, Overlay, Scenario};

mod common;
use common::EPS;

/// The one-country chain, with 100 t a month of demand.
fn tiny(response: Option<DemandResponse>) -> Model {
    let mut m = common::chain(&[("AA", 1200.0)], 1.0);
    m.demand_response.extend(response);
    m
}

fn response(eps: f64, max_share: f64, rate_per_yr: f64) -> DemandResponse {
    DemandResponse {
        sector: None,
        elements: ElementSet::ALL,
        short_run_elasticity: eps,
        max_share,
        rate_per_yr,
        lag_months: 0.0,
        trigger_index: 2.0,
        reversal_per_yr: 0.0,
        source: Idx::new(0),
    }
}

/// The Nd oxide rows of the run, month by month, with the mine at 60 %.
fn run(m: &Model, months: u32) -> Vec<MonthlyRow> {
    let mut s = Scenario::baseline(m, Month::new(2025, 1).unwrap(), months);
    s.events.push(Event {
        from: s.start,
        to: s.start.plus(months as i32 - 1),
        kind: EventKind::FacilityOutage {
            facility: Idx::new(0),
            remaining_share: 0.6,
        },
        line: 0,
    });
    let net = Network::build(m, &s, &Overlay::default()).unwrap();
    common::nd_oxide_rows(&net)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + b.abs())
}

#[test]
fn the_price_climbs_to_where_demand_takes_the_supply_and_the_lost_demand_is_reported() {
    let rows = run(&tiny(Some(response(EPS, 0.0, 0.0))), 24);
    let p_star = 0.6f64.powf(-1.0 / EPS);
    let mut p_before: f64 = 1.0;
    for (t, r) in rows.iter().enumerate() {
        // Demand answers last month's index; the index then closes half
        // its (log) gap to p*, since buyers stay (just) rationed:
        // p_t = p*^(1 − ½^(t+1)).
        let demand = 100.0 * p_before.powf(-EPS);
        let p = p_star.powf(1.0 - 0.5f64.powi(t as i32 + 1));
        assert!(close(r.wanted_t, 100.0), "month {t}: wanted {}", r.wanted_t);
        assert!(
            close(r.demand_t, demand),
            "month {t}: demand {} vs {demand}",
            r.demand_t
        );
        assert!(close(r.served_t, 60.0), "month {t}: served {}", r.served_t);
        assert!(
            close(r.unmet_t, demand - 60.0),
            "month {t}: unmet {}",
            r.unmet_t
        );
        assert!(close(r.lost_to_price_t, 100.0 - demand));
        assert!(
            close(r.price_index, p),
            "month {t}: index {} vs {p}",
            r.price_index
        );
        p_before = p;
    }
    // After two years rationing has all but gone: the 40 t a month the
    // outage took is lost to price, not rationed.
    let last = rows.last().unwrap();
    assert!(last.unmet_t < 1e-4 && (last.lost_to_price_t - 40.0).abs() < 1e-4);
}

#[test]
fn without_a_response_row_demand_does_not_answer_price() {
    let rows = run(&tiny(None), 12);
    for r in &rows {
        assert!(close(r.demand_t, 100.0) && close(r.lost_to_price_t, 0.0));
        assert!(close(r.unmet_t, 40.0));
    }
    // The index goes to the level that would clear the market, as before
    // demand could answer: (60/100)^(−1/ε).
    let p_star = 0.6f64.powf(-1.0 / EPS);
    assert!((rows.last().unwrap().price_index - p_star).abs() < 1e-2);
}

#[test]
fn substitution_builds_up_while_the_price_stays_high_and_stops_at_its_ceiling() {
    // 10 % of demand a month while last month's index is at least 2, up to
    // 30 %; no lag, no reversal.
    let rows = run(&tiny(Some(response(EPS, 0.3, 1.2))), 36);
    let mut sub: f64 = 0.0;
    let mut p_before: f64 = 1.0;
    for (t, r) in rows.iter().enumerate() {
        if p_before >= 2.0 {
            sub = (sub + 0.1).min(0.3);
        }
        let base = 100.0 * (1.0 - sub);
        let demand = base * p_before.powf(-EPS);
        assert!(
            close(r.demand_t, demand),
            "month {t}: demand {} vs {demand}",
            r.demand_t
        );
        assert!(close(r.lost_to_price_t, 100.0 - demand));
        let rationed = demand > 60.0 * (1.0 + 1e-12);
        let target = if rationed {
            (60.0 / base).powf(-1.0 / EPS)
        } else {
            1.0
        };
        let p = p_before * (target / p_before).powf(0.5);
        assert!(
            close(r.price_index, p),
            "month {t}: index {} vs {p}",
            r.price_index
        );
        p_before = p;
    }
    // With 30 % substituted, 70 t are wanted at the baseline price and the
    // index settles where 70 × p^(−ε) = 60.
    let settle = (60.0f64 / 70.0).powf(-1.0 / EPS);
    assert!((rows.last().unwrap().price_index - settle).abs() < 1e-3);
}

#[test]
fn a_higher_elasticity_never_raises_rationed_demand() {
    let mut last = f64::INFINITY;
    for eps in [0.05, 0.1, 0.25, 0.5, 1.0, 2.0] {
        let rows = run(&tiny(Some(response(eps, 0.0, 0.0))), 24);
        let rationed: f64 = rows.iter().map(|r| r.unmet_t).sum();
        assert!(
            rationed <= last + 1e-9,
            "elasticity {eps}: {rationed} t rationed, more than {last} t at a lower one"
        );
        last = rationed;
    }
}
