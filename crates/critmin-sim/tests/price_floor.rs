//! A price floor on a separation plant's output, against hand
//! computation, on the one-country chain of `common` (AA mines and
//! separates 100 t Nd REO a month and buys 100 t) with Nd oxide at
//! USD 50/kg in the base year.

use critmin_model::Model;
use critmin_sim::{Network, Overlay, RunSummary, simulate};

mod common;
use common::EPS;

fn chain() -> Model {
    let mut m = common::chain(&[("AA", 1200.0)], 1.0);
    common::price_nd_oxide(&mut m, 50.0);
    m
}

fn run(m: &Model, events: &str) -> RunSummary {
    let text = format!("name = \"floor\"\nstart = \"2025-01\"\nhorizon_months = 6\n{events}");
    let s = critmin_format::scenario::parse("f.toml", text.as_bytes(), m)
        .unwrap_or_else(|d| panic!("{d:?}"));
    simulate(&Network::build(m, &s, &Overlay::default()).unwrap())
}

const FLOOR: &str = "\n[[event]]\nkind = \"price_floor\"\nfrom = \"2025-02\"\nto = \"2025-04\"\nfacility = \"sep\"\nelements = [\"Nd\"]\nfloor_usd_per_kg = FLOOR\npayer = \"US DoD\"\n";

#[test]
fn a_floor_pays_the_gap_to_the_market_price_on_what_the_plant_made() {
    // No shortage: the index stays 1, the market price USD 50/kg, and for
    // the three months in force the plant makes 100 t a month: 3 × 100 t ×
    // (110 − 50) USD/kg = USD 18m.
    let s = run(&chain(), &FLOOR.replace("FLOOR", "110"));
    let f = &s.price_floors[0];
    assert_eq!(
        (f.facility.as_str(), f.payer.as_str(), f.months_paid),
        ("sep", "US DoD", 3)
    );
    assert!((f.covered_t - 300.0).abs() < 1e-9, "{f:?}");
    assert!((f.payout_usd - 18.0e6).abs() < 1e-3, "{f:?}");
}

#[test]
fn a_floor_pays_nothing_while_the_market_price_is_above_it() {
    // The mine at 60 %: the index heads for (60/100)^(−1/ε) from 1, half
    // the gap a month in log space; it is above 200/50 = 4 from February,
    // so a USD 200/kg floor pays only for January's 60 t, which it does
    // not cover (in force from February): nothing.
    let outage = "\n[[event]]\nkind = \"facility_outage\"\nfrom = \"2025-01\"\nfacility = \"mine\"\nremaining_share = 0.6\n";
    let s = run(
        &chain(),
        &format!("{outage}{}", FLOOR.replace("FLOOR", "200")),
    );
    let f = &s.price_floors[0];
    let target = 0.6f64.powf(-1.0 / EPS);
    let index = |t: i32| target.powf(1.0 - 0.5f64.powi(t + 1));
    assert!(index(0) < 4.0 && index(1) > 4.0);
    assert_eq!((f.months_paid, f.payout_usd), (0, 0.0), "{f:?}");
    assert!((f.covered_t - 180.0).abs() < 1e-9, "{f:?}");
    // At USD 250/kg it pays in February, by hand: (250 000 − 50 000 ×
    // index) USD/t on 60 t, while the index is below 5.
    let s = run(
        &chain(),
        &format!("{outage}{}", FLOOR.replace("FLOOR", "250")),
    );
    let want: f64 = (1..=3)
        .map(|t| (250_000.0 - 50_000.0 * index(t)).max(0.0) * 60.0)
        .sum();
    let f = &s.price_floors[0];
    assert!(
        (f.payout_usd - want).abs() < 1e-6 * want.max(1.0),
        "{} vs {want}",
        f.payout_usd
    );
    assert!(f.months_paid >= 1);
}

#[test]
fn a_floor_needs_a_separation_plant() {
    let m = chain();
    let text = format!(
        "name = \"f\"\nstart = \"2025-01\"\nhorizon_months = 6\n{}",
        FLOOR.replace("FLOOR", "110").replace("\"sep\"", "\"mine\"")
    );
    let err = critmin_format::scenario::parse("f.toml", text.as_bytes(), &m).unwrap_err();
    assert!(
        err.iter()
            .any(|d| d.to_string().contains("not a separation plant")),
        "{err:?}"
    );
}
