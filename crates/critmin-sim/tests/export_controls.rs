//! Export-control instruments against hand computation, on a two-country
//! chain with no inventory: AA mines and separates 100 t Nd REO a month
//! and buys 50 t of it; BB buys the other 50 t, which AA exports to it.
//! The scenarios are read from TOML, as a user writes them.

use critmin_model::{Element, Form, Model};
use critmin_sim::{MonthlyRecorder, Network, Overlay, simulate_with};

mod common;
use common::EPS;

/// AA and BB buy 600 t a year each; AA mines and separates 1,200 t.
fn two_countries() -> Model {
    common::chain(&[("AA", 600.0), ("BB", 600.0)], 1.0)
}

/// BB's Nd oxide served, month by month, under the scenario `toml`.
fn bb_served(m: &Model, toml: &str) -> Vec<f64> {
    let s = critmin_format::scenario::parse("t.toml", toml.as_bytes(), m)
        .unwrap_or_else(|d| panic!("{d:?}"));
    let net = Network::build(m, &s, &Overlay::default()).unwrap();
    let mut rec = MonthlyRecorder::default();
    let summary = simulate_with(&net, &mut rec);
    assert!(summary.max_balance_error_ratio <= 1.0);
    rec.rows
        .iter()
        .filter(|r| r.country.as_str() == "BB" && r.element == Element::Nd && r.form == Form::Oxide)
        .map(|r| r.served_t)
        .collect()
}

fn assert_series(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (t, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() < 1e-6,
            "month {t}: served {g}, by hand {w}\n{got:?}"
        );
    }
}

#[test]
fn a_tonnage_quota_runs_out_in_the_month_the_arithmetic_says_and_renews_in_january() {
    // 180 t a year at 50 t a month: three full months, 30 t in April,
    // nothing until the next January, when the quota starts again.
    let m = two_countries();
    let got = bb_served(
        &m,
        r#"
name = "quota"
start = "2025-01"
horizon_months = 15

[[event]]
kind = "export_quota"
from = "2025-01"
exporter = "AA"
tonnes_per_year = 180
"#,
    );
    let mut want = vec![50.0, 50.0, 50.0, 30.0];
    want.extend([0.0; 8]);
    want.extend([50.0, 50.0, 50.0]);
    assert_series(&got, &want);
}

#[test]
fn a_quota_above_the_normal_flow_does_not_bind() {
    let m = two_countries();
    let got = bb_served(
        &m,
        r#"
name = "loose quota"
start = "2025-01"
horizon_months = 12

[[event]]
kind = "export_quota"
from = "2025-01"
exporter = "AA"
tonnes_per_year = 600
"#,
    );
    assert_series(&got, &[50.0; 12]);
}

#[test]
fn a_licence_delay_shifts_flows_by_the_stated_months_then_the_approved_share_flows() {
    // Licensing from March: no licence for two months, then half of the
    // normal flow is approved.
    let m = two_countries();
    let got = bb_served(
        &m,
        r#"
name = "licensing"
start = "2025-01"
horizon_months = 12

[[event]]
kind = "licensing"
from = "2025-03"
exporter = "AA"
approval_share = 0.5
delay_months = 2
"#,
    );
    let mut want = vec![50.0, 50.0, 0.0, 0.0];
    want.extend([25.0; 8]);
    assert_series(&got, &want);
}

#[test]
fn licensing_and_quotas_are_events_only() {
    let m = two_countries();
    for kind in ["export_quota", "licensing"] {
        let text = format!(
            "name = \"r\"\nstart = \"2025-01\"\nhorizon_months = 12\n\n[[risk]]\nname = \"x\"\nkind = \"{kind}\"\nonset_probability_per_year = 0.1\nduration_months = 3\nexporter = \"AA\"\n"
        );
        let err = critmin_format::scenario::parse("r.toml", text.as_bytes(), &m).unwrap_err();
        assert!(
            err.iter()
                .any(|d| d.to_string().contains("not a risk kind")),
            "{kind}: {err:?}"
        );
    }
}

/// Both countries' Nd oxide price index, month by month, with AA's exports
/// capped at `share` of normal from the first month.
fn indices_under_cap(m: &Model, share: f64, months: u32) -> (Vec<f64>, Vec<f64>) {
    let text = format!(
        "name = \"cap\"\nstart = \"2025-01\"\nhorizon_months = {months}\n\n[[event]]\nkind = \"export_restriction\"\nfrom = \"2025-01\"\nexporter = \"AA\"\nallowed_share = {share}\n"
    );
    let s = critmin_format::scenario::parse("c.toml", text.as_bytes(), m).unwrap();
    let net = Network::build(m, &s, &Overlay::default()).unwrap();
    let mut rec = MonthlyRecorder::default();
    simulate_with(&net, &mut rec);
    let series = |code: &str| {
        rec.rows
            .iter()
            .filter(|r| {
                r.country.as_str() == code && r.element == Element::Nd && r.form == Form::Oxide
            })
            .map(|r| r.price_index)
            .collect::<Vec<f64>>()
    };
    (series("AA"), series("BB"))
}

#[test]
fn an_export_cap_opens_a_price_wedge_between_exporter_and_importer() {
    // AA keeps its 50 t and can sell only 40 % of BB's normal 50 t: BB gets
    // 20 t, is rationed, and bids its index toward (20/50)^(−1/ε); AA's own
    // buyers are served in full and its index stays at 1.
    let m = two_countries();
    let (aa, bb) = indices_under_cap(&m, 0.4, 12);
    let target = 0.4f64.powf(-1.0 / EPS);
    for t in 0..12 {
        assert!(
            (aa[t] - 1.0).abs() < 1e-12,
            "month {t}: exporter's index {}",
            aa[t]
        );
        let want = target.powf(1.0 - 0.5f64.powi(t as i32 + 1));
        assert!(
            (bb[t] - want).abs() < 1e-9 * want,
            "month {t}: importer's index {} vs {want}",
            bb[t]
        );
    }
}

#[test]
fn a_tighter_restriction_never_lowers_the_importers_price() {
    let m = two_countries();
    let mut last: Option<Vec<f64>> = None;
    for share in [1.0, 0.9, 0.7, 0.5, 0.3, 0.1, 0.0] {
        let (aa, bb) = indices_under_cap(&m, share, 18);
        assert!(
            aa.iter().all(|p| (p - 1.0).abs() < 1e-12),
            "the exporter's price moved"
        );
        if let Some(prev) = &last {
            for (t, (now, before)) in bb.iter().zip(prev).enumerate() {
                assert!(
                    *now >= before - 1e-12,
                    "share {share}, month {t}: importer's index {now} below {before} at a looser cap"
                );
            }
        }
        last = Some(bb);
    }
}
