//! Import tariffs against hand computation. The chain: AA mines and
//! separates 100 t Nd REO a month and buys 30 t; CC mines and separates
//! 20 t and buys nothing; BB buys 70 t. No inventory, so what a market
//! leaves is written off each month and every month starts alike. Nd oxide
//! is USD 50/kg in the base year and nothing is short, so every index
//! stays 1.
//!
//! Without a tariff BB is served pro rata to what the sellers have left:
//! 70 × 70/90 t from AA and 70 × 20/90 t from CC. With BB's tariff on AA,
//! CC's idle stock goes to BB first: 20 t from CC, 50 t from AA.

use critmin_model::{Element, Form, Model};
use critmin_sim::{MonthlyRecorder, Network, Overlay, RunSummary, simulate_with};

mod common;

fn chain() -> Model {
    let mut m = common::chain(&[("AA", 360.0), ("BB", 840.0), ("CC", 0.0)], 1.0);
    common::add_producer(&mut m, "CC", 240.0);
    common::price_nd_oxide(&mut m, 50.0);
    m
}

const TARIFF: &str = "\n[[event]]\nkind = \"tariff\"\nfrom = \"2025-01\"\nexporter = \"AA\"\nimporters = [\"BB\"]\nelements = [\"Nd\"]\nrate = 0.25\n";

/// The run's summary and BB's Nd oxide demand by month.
fn run(m: &Model, events: &str) -> (RunSummary, Vec<f64>) {
    let text = format!("name = \"tariff\"\nstart = \"2025-01\"\nhorizon_months = 6\n{events}");
    let s = critmin_format::scenario::parse("t.toml", text.as_bytes(), m)
        .unwrap_or_else(|d| panic!("{d:?}"));
    let net = Network::build(m, &s, &Overlay::default()).unwrap();
    let mut rec = MonthlyRecorder::default();
    let summary = simulate_with(&net, &mut rec);
    assert!(summary.max_balance_error_ratio <= 1.0, "mass balance");
    let bb = rec
        .rows
        .iter()
        .filter(|r| r.country.as_str() == "BB" && r.element == Element::Nd && r.form == Form::Oxide)
        .map(|r| {
            assert!(
                (r.served_t - r.demand_t).abs() < 1e-9,
                "BB is served in full"
            );
            r.demand_t
        })
        .collect();
    (summary, bb)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

#[test]
fn a_tariff_turns_the_importer_to_untariffed_sellers_and_levies_the_rest() {
    let (s, bb) = run(&chain(), TARIFF);
    assert!(bb.iter().all(|&d| close(d, 70.0)), "{bb:?}");
    let t = &s.tariffs[0];
    assert_eq!((t.line, t.routes.as_str(), t.rate), (6, "AA → BB", 0.25));
    // 50 t a month from AA for six months, levied at 25 % of USD 50,000/t.
    assert!(close(t.tariffed_t, 300.0), "{t:?}");
    assert!(close(t.paid_usd, 0.25 * 300.0 * 50_000.0), "{t:?}");
    // CC's idle 20 − 70 × 20/90 t a month replaced AA's.
    assert!(
        close(t.diverted_t, 6.0 * (20.0 - 70.0 * 20.0 / 90.0)),
        "{t:?}"
    );
    // Nobody is short, so the tariff changes no quantity served.
    let (none, _) = run(&chain(), "");
    for (a, b) in s.by_country.iter().zip(&none.by_country) {
        assert!(close(a.unmet_t, b.unmet_t) && close(a.demand_t, b.demand_t));
    }
}

#[test]
fn buyers_answer_the_landed_price_the_levy_adds() {
    // Demand answering price at ε = 0.5: BB's buyers see the index (1) ×
    // the month before's markup, 1 + 25 % × its tariffed share of what it
    // bought. Each month it asks d = 70 × markup^(−0.5), takes CC's 20 t
    // and d − 20 t from AA.
    let mut m = chain();
    m.demand_response.push(common::short_run_only(0.5));
    let (s, bb) = run(&m, TARIFF);
    let mut markup = 1.0f64;
    let (mut tariffed, mut diverted) = (0.0, 0.0);
    for (t, &got) in bb.iter().enumerate() {
        let d = 70.0 * markup.powf(-0.5);
        assert!(close(got, d), "month {t}: BB asks {got} t, by hand {d}");
        tariffed += d - 20.0;
        diverted += 20.0 - d * 20.0 / 90.0;
        markup = 1.0 + 0.25 * (d - 20.0) / d;
    }
    let t = &s.tariffs[0];
    assert!(close(t.tariffed_t, tariffed), "{t:?} vs {tariffed}");
    assert!(close(t.paid_usd, 0.25 * tariffed * 50_000.0), "{t:?}");
    assert!(close(t.diverted_t, diverted), "{t:?} vs {diverted}");
    assert!(bb[5] < 70.0 * 1.17f64.powf(-0.5));
}

#[test]
fn a_tariff_on_concentrate_or_out_of_range_is_refused_with_its_line() {
    let m = chain();
    for (extra, why) in [
        (
            "forms = [\"concentrate\", \"oxide\"]",
            "concentrate has no market price",
        ),
        ("rate = 11", "rate"),
    ] {
        let body = TARIFF.replace("rate = 0.25\n", "");
        let body = if extra.starts_with("rate") {
            format!("{body}{extra}\n")
        } else {
            format!("{body}rate = 0.25\n{extra}\n")
        };
        let text = format!("name = \"t\"\nstart = \"2025-01\"\nhorizon_months = 6\n{body}");
        let err = critmin_format::scenario::parse("t.toml", text.as_bytes(), &m).unwrap_err();
        let msg: Vec<String> = err.iter().map(ToString::to_string).collect();
        assert!(
            msg.iter()
                .any(|d| d.contains(why) && d.starts_with("t.toml:")),
            "{msg:?}"
        );
    }
    // Tariffs are events only: a risk may not name one.
    let risk = "name = \"r\"\nstart = \"2025-01\"\nhorizon_months = 12\n\n[[risk]]\nname = \"x\"\nkind = \"tariff\"\nonset_probability_per_year = 0.1\nduration_months = 3\nexporter = \"AA\"\nrate = 0.1\n";
    let err = critmin_format::scenario::parse("r.toml", risk.as_bytes(), &m).unwrap_err();
    assert!(
        err.iter()
            .any(|d| d.to_string().contains("not a risk kind")),
        "{err:?}"
    );
}
