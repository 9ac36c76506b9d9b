//! Supply that answers price, against hand computation, on a one-country
//! chain with no inventory: a mine (1,200 t Nd REO a year) feeds a
//! separation plant that serves 100 t a month of Nd oxide demand, which
//! does not answer price. The index closes half its gap to its target each
//! month in proportion; while buyers are rationed the target is
//! `(served / 100)^(−1/ε)`, else 1.

use critmin_model::{FeedRef, Idx, Model, Month, Process, Stage, Status, SupplyResponse};
use critmin_sim::scenario::{Event, EventKind};
use critmin_sim::{MonthlyRow, Network, Overlay, Scenario, simulate_with};

mod common;
use common::EPS;

/// The one-country chain, with 100 t a month of demand and the mine at
/// `utilisation`.
fn tiny(supply: Option<SupplyResponse>, utilisation: f64) -> Model {
    let mut m = common::chain(&[("AA", 1200.0)], utilisation);
    m.supply_response.extend(supply);
    m
}

fn row(restart_lag: f64, build_lag: f64, growth_per_yr: f64, max_factor: f64) -> SupplyResponse {
    SupplyResponse {
        country: None,
        stage: Stage::Mining,
        restart_lag_months: restart_lag,
        trigger_index: 2.0,
        build_lag_months: build_lag,
        growth_per_yr,
        max_factor,
        accelerate_months: 0.0,
        defer_months: 0.0,
        defer_index: 1.0,
        source: Idx::new(0),
    }
}

/// The Nd oxide rows month by month, with the mine at `remaining` of its
/// capacity from the start.
fn run(m: &Model, months: u32, remaining: f64) -> Vec<MonthlyRow> {
    let mut s = Scenario::baseline(m, Month::new(2025, 1).unwrap(), months);
    s.events.push(Event {
        from: s.start,
        to: s.start.plus(months as i32 - 1),
        kind: EventKind::FacilityOutage {
            facility: Idx::new(0),
            remaining_share: remaining,
        },
        line: 0,
    });
    let net = Network::build(m, &s, &Overlay::default()).unwrap();
    common::nd_oxide_rows(&net)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + b.abs())
}

/// The index after a month in which `served` of 100 t were served.
fn next_index(p: f64, served: f64) -> f64 {
    let target = if served < 100.0 * (1.0 - 1e-12) {
        (served / 100.0).powf(-1.0 / EPS)
    } else {
        1.0
    };
    p * (target / p).powf(0.5)
}

#[test]
fn high_prices_build_capacity_month_by_month_up_to_its_ceiling() {
    // The mine at 60 %; while last month's index is at least 2 it grows
    // 10 % a month (no lag), up to 1.5 times its capacity.
    let m = tiny(Some(row(0.0, 0.0, 1.2, 1.5)), 1.0);
    let rows = run(&m, 24, 0.6);
    let (mut built, mut p): (f64, f64) = (1.0, 1.0);
    for (t, r) in rows.iter().enumerate() {
        if p >= 2.0 {
            built = (built * 1.1).min(1.5);
        }
        // The separation plant caps what the mine's growth can serve.
        let served = (60.0 * built).min(100.0);
        assert!(
            close(r.served_t, served),
            "month {t}: served {} vs {served}",
            r.served_t
        );
        p = next_index(p, served);
        assert!(
            close(r.price_index, p),
            "month {t}: index {} vs {p}",
            r.price_index
        );
    }
    // 60 % × 1.5 = 90 t a month at most: the ceiling holds and a 10 %
    // shortfall stays.
    assert!(close(rows.last().unwrap().served_t, 90.0));
}

#[test]
fn a_build_lag_delays_the_first_new_capacity() {
    // With a lag the build price follows the index slowly: p̄ ← p̄ + (p − p̄)/(1 + lag).
    let lag = 6.0;
    let m = tiny(Some(row(0.0, lag, 1.2, 3.0)), 1.0);
    let rows = run(&m, 24, 0.6);
    let (mut built, mut p, mut pbar): (f64, f64, f64) = (1.0, 1.0, 1.0);
    let mut first = None;
    for (t, r) in rows.iter().enumerate() {
        pbar += (p - pbar) / (1.0 + lag);
        if pbar >= 2.0 {
            built = (built * 1.1).min(3.0);
            first.get_or_insert(t);
        }
        let served = (60.0 * built).min(100.0);
        assert!(
            close(r.served_t, served),
            "month {t}: served {} vs {served}",
            r.served_t
        );
        p = next_index(p, served);
    }
    let first = first.expect("capacity was built");
    assert!(
        first >= 2,
        "building started in month {first}, before the lag allows"
    );
}

#[test]
fn idle_capacity_restarts_as_the_smoothed_price_rises() {
    // The mine runs at half its capacity; at an index of 3 it runs full.
    // Its restart price follows the index with a 2-month lag.
    let lag = 2.0;
    let m = tiny(Some(row(lag, 0.0, 0.0, 1.0)), 0.5);
    let rows = run(&m, 18, 1.0);
    let (mut p, mut pr): (f64, f64) = (1.0, 1.0);
    for (t, r) in rows.iter().enumerate() {
        pr += (p - pr) / (1.0 + lag);
        let util = 0.5 + 0.5 * ((pr - 1.0) / 2.0).clamp(0.0, 1.0);
        let served = 100.0 * util;
        assert!(
            close(r.served_t, served),
            "month {t}: served {} vs {served}",
            r.served_t
        );
        p = next_index(p, served);
    }
}

/// The one-country chain with a second mine under construction (240 t a
/// year, 20 t a month) due to start in November 2025 and feeding the
/// separation plant too.
fn with_project(r: SupplyResponse) -> Model {
    let mut m = tiny(Some(r), 1.0);
    let mut mine = m.facilities[0].clone();
    mine.id = "project".into();
    mine.capacity_t_per_yr = 240.0;
    mine.status = Status::Construction;
    mine.start = Some(Month::new(2025, 11).unwrap());
    let k = m.facilities.len();
    m.facilities.push(mine);
    if let Process::Separation { feed, .. } = &mut m.facilities[1].process {
        feed.push(FeedRef::Facility(Idx::new(k)));
    }
    m
}

#[test]
fn high_prices_bring_a_project_forward_and_low_ones_defer_it() {
    // The running mine at 60 %: from month 1 the index is above the
    // trigger of 2, so each month the project starts one month earlier,
    // at most 4: from November (month 10) to July (month 6), when 20 t a
    // month more are served.
    let mut r = row(0.0, 0.0, 0.0, 1.0);
    r.accelerate_months = 4.0;
    let rows = run(&with_project(r), 14, 0.6);
    for (t, row) in rows.iter().enumerate() {
        let want = if t >= 6 { 80.0 } else { 60.0 };
        assert!(
            close(row.served_t, want),
            "month {t}: served {}",
            row.served_t
        );
    }
    // No shortage: the index stays at 1, below a deferral index of 1.5,
    // so each month before its start the project slips one month, at most
    // 3: it starts in February 2026 (month 13) instead of November.
    let mut r = row(0.0, 0.0, 0.0, 1.0);
    r.defer_months = 3.0;
    r.defer_index = 1.5;
    let m = with_project(r);
    let rows = run(&m, 16, 1.0);
    // Demand is 100 t and the running mine makes 100 t: served stays 100
    // whatever the project does, so look at what the mines produce.
    let s = Scenario::baseline(&m, Month::new(2025, 1).unwrap(), 16);
    let net = Network::build(&m, &s, &Overlay::default()).unwrap();
    struct Out(Vec<f64>);
    impl critmin_sim::Recorder for Out {
        fn month(&mut self, _: &Network, _: usize, s: &critmin_sim::MonthStats) {
            self.0.push(
                s.facility_use
                    .iter()
                    .filter(|u| u.0 == 2)
                    .map(|u| u.1)
                    .sum(),
            );
        }
    }
    let mut out = Out(Vec::new());
    simulate_with(&net, &mut out);
    assert_eq!(rows.len(), 16);
    for (t, made) in out.0.iter().enumerate() {
        let want = if t >= 13 { 20.0 } else { 0.0 };
        assert!(close(*made, want), "month {t}: the project made {made}");
    }
}
