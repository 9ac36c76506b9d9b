//! Export-control instruments against hand computation, on a two-country
//! chain with no inventory: AA mines and separates 100 t Nd REO a month
//! and buys 50 t of it; BB buys the other 50 t, which AA exports to it.
//! The scenarios are read from TOML, as a user writes them.

use critmin_model::{CountryCode, DemandRow, Element, Form, Good, Idx, Model, Sector};
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
fn an_evenly_paced_quota_ships_what_is_left_over_the_months_left() {
    // 180 t a year from July, paced evenly: 180 t over the six months to
    // December is 30 t a month; from January 180 t over twelve months is
    // 15 t a month. Before July nothing is capped.
    let m = two_countries();
    let got = bb_served(
        &m,
        r#"
name = "paced quota"
start = "2025-01"
horizon_months = 15

[[event]]
kind = "export_quota"
from = "2025-07"
exporter = "AA"
tonnes_per_year = 180
pacing = "even"
"#,
    );
    let mut want = vec![50.0; 6];
    want.extend([30.0; 6]);
    want.extend([15.0; 3]);
    assert_series(&got, &want);
}

#[test]
fn a_quota_pacing_must_be_known() {
    let m = two_countries();
    let text = "name = \"q\"\nstart = \"2025-01\"\nhorizon_months = 12\n\n[[event]]\nkind = \"export_quota\"\nfrom = \"2025-01\"\nexporter = \"AA\"\ntonnes_per_year = 100\npacing = \"monthly\"\n";
    let err = critmin_format::scenario::parse("q.toml", text.as_bytes(), &m).unwrap_err();
    assert!(
        err.iter().any(|d| {
            let s = d.to_string();
            s.contains("q.toml:10") && s.contains("pacing") && s.contains("first_come, even")
        }),
        "{err:?}"
    );
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

/// Checks that `series` starts from 1 and closes half its log gap to
/// `target` each month: `target^(1 − ½^(t+1))` at month t.
fn assert_heads_for(series: &[f64], target: f64, who: &str) {
    for (t, p) in series.iter().enumerate() {
        let want = target.powf(1.0 - 0.5f64.powi(t as i32 + 1));
        assert!(
            (p - want).abs() < 1e-9 * want,
            "month {t}: {who}'s index {p}, by hand {want}"
        );
    }
}

#[test]
fn an_export_cap_opens_a_price_wedge_between_exporter_and_importer() {
    // AA keeps its 50 t and can sell only 40 % of BB's normal 50 t: BB gets
    // 20 t, is rationed, and bids its index toward (20/50)^(−1/ε). AA is
    // left with 30 t its cap kept from BB: its market is walled off, and
    // its index falls toward the price at which its own buyers would take
    // 80 t, (80/50)^(−1/ε), above the floor. Both start from the free
    // price of 1 and close half the gap in log space each month.
    let m = two_countries();
    let (aa, bb) = indices_under_cap(&m, 0.4, 12);
    let inside = 1.6f64.powf(-1.0 / EPS);
    assert!(inside > common::MIN_INDEX);
    assert_heads_for(&aa, inside, "exporter");
    assert_heads_for(&bb, 0.4f64.powf(-1.0 / EPS), "importer");
}

#[test]
fn an_export_stop_drives_the_exporters_price_to_its_floor() {
    // Nothing may leave AA: BB gets nothing (its index heads for the
    // ceiling of 100) and AA is left with BB's 50 t, at which its own
    // buyers would need an index of 2^(−1/ε) = 0.0625, below the floor.
    let m = two_countries();
    let (aa, bb) = indices_under_cap(&m, 0.0, 12);
    assert_heads_for(&aa, common::MIN_INDEX, "exporter");
    assert_heads_for(&bb, 100.0, "importer");
}

#[test]
fn countries_that_trade_freely_share_one_price_that_clears_their_combined_demand() {
    // AA wants 50 t a month and BB 100 t of AA's 100 t. AA's buyers are
    // served from home first (50 t), BB gets the other 50 t: together 100
    // t of 150 t, so both indices head for (100/150)^(−1/ε), not only
    // BB's.
    let m = common::chain(&[("AA", 600.0), ("BB", 1200.0)], 1.0);
    let (aa, bb) = indices_under_cap(&m, 1.0, 12);
    let target = (100.0f64 / 150.0).powf(-1.0 / EPS);
    assert_heads_for(&aa, target, "AA");
    assert_heads_for(&bb, target, "BB");
}

#[test]
fn a_tighter_restriction_never_lowers_the_importers_price_nor_raises_the_exporters() {
    let m = two_countries();
    let mut last: Option<(Vec<f64>, Vec<f64>)> = None;
    for share in [1.0, 0.9, 0.7, 0.5, 0.3, 0.1, 0.0] {
        let (aa, bb) = indices_under_cap(&m, share, 18);
        if share == 1.0 {
            assert!(aa.iter().chain(&bb).all(|p| (p - 1.0).abs() < 1e-12));
        }
        if let Some((prev_aa, prev_bb)) = &last {
            for t in 0..bb.len() {
                assert!(
                    bb[t] >= prev_bb[t] - 1e-12,
                    "share {share}, month {t}: importer's index {} below {} at a looser cap",
                    bb[t],
                    prev_bb[t]
                );
                assert!(
                    aa[t] <= prev_aa[t] + 1e-12,
                    "share {share}, month {t}: exporter's index {} above {} at a looser cap",
                    aa[t],
                    prev_aa[t]
                );
            }
        }
        last = Some((aa, bb));
    }
}

/// AA buys 30 t a month, BB 50 t for `other` and 20 t for `defence`; AA
/// mines 100 t. With `cc_mine`, CC mines and separates 20 t a month and
/// buys nothing.
fn with_defence(cc_mine: bool) -> Model {
    let mut m = common::chain(&[("AA", 360.0), ("BB", 600.0), ("CC", 0.0)], 1.0);
    let bb = CountryCode::parse("BB").unwrap();
    m.demand.push(DemandRow {
        country: bb,
        sector: Sector::Defence,
        good: Good::Oxide {
            element: Element::Nd,
        },
        t_per_yr: 240.0,
        source: Idx::new(0),
    });
    if cc_mine {
        // CC mines and separates its own 240 t a year too.
        common::add_producer(&mut m, "CC", 240.0);
    }
    m
}

fn sourcing_toml(kind: &str) -> String {
    format!(
        "name = \"s\"\nstart = \"2025-01\"\nhorizon_months = 6\n\n[[event]]\nfrom = \"2025-01\"\nexporter = \"AA\"\nimporters = [\"BB\"]\n{kind}\n"
    )
}

#[test]
fn a_sourcing_ban_leaves_the_segment_only_the_other_sellers() {
    // Without the ban AA's 100 t serve everyone's 100 t. With it, BB's
    // defence buyers may not take AA's material: with no other seller they
    // get nothing (BB gets its 50 t of other demand); with CC's 20 t they
    // get CC's 20 t first, and the rest is served from AA as before.
    let ban = sourcing_toml("kind = \"sourcing_ban\"\nsector = [\"defence\"]");
    let none = "name = \"n\"\nstart = \"2025-01\"\nhorizon_months = 6\n";
    assert_series(&bb_served(&with_defence(false), none), &[70.0; 6]);
    assert_series(&bb_served(&with_defence(false), &ban), &[50.0; 6]);
    assert_series(&bb_served(&with_defence(true), &ban), &[70.0; 6]);
}

#[test]
fn licensing_that_denies_a_sector_bans_its_sourcing_and_licenses_the_rest() {
    // Half of AA's normal 70 t to BB is licensed (35 t); defence is denied
    // outright, so the licensed 35 t all go to BB's other buyers.
    let lic = sourcing_toml(
        "kind = \"licensing\"\napproval_share = 0.5\ndelay_months = 0\ndenied_sectors = [\"defence\"]",
    );
    assert_series(&bb_served(&with_defence(false), &lic), &[35.0; 6]);
}

#[test]
fn a_sourcing_ban_must_name_its_sectors() {
    let m = with_defence(false);
    for (kind, why) in [
        ("kind = \"sourcing_ban\"", "sector"),
        (
            "kind = \"sourcing_ban\"\nsector = \"*\"",
            "name the sectors",
        ),
    ] {
        let err = critmin_format::scenario::parse("s.toml", sourcing_toml(kind).as_bytes(), &m)
            .unwrap_err();
        assert!(
            err.iter().any(|d| d.to_string().contains(why)),
            "{kind}: {err:?}"
        );
    }
}

#[test]
fn leaked_flows_arrive_after_their_lag_and_shrink_as_the_shortage_does() {
    // AA may send BB 40 % of its normal 50 t (20 t) from January and is
    // left with 30 t. Half of what the cap keeps from BB's unserved buyers
    // leaks through a third country and arrives two months later. Month t:
    // BB gets 20 t + what left two months earlier (q[t−2]); what leaks now
    // is half of min(AA's 30 t, BB's unmet 50 − served).
    let m = two_countries();
    let got = bb_served(
        &m,
        r#"
name = "leak"
start = "2025-01"
horizon_months = 12

[[event]]
kind = "export_restriction"
from = "2025-01"
exporter = "AA"
allowed_share = 0.4

[[event]]
kind = "leakage"
from = "2025-01"
exporter = "AA"
share = 0.5
lag_months = 2
premium = 0.3
"#,
    );
    let mut q = [0.0f64; 12];
    let mut want = [0.0f64; 12];
    for t in 0..12 {
        let arrived = if t >= 2 { q[t - 2] } else { 0.0 };
        want[t] = 20.0 + arrived;
        q[t] = 0.5 * (30.0f64).min(50.0 - want[t]);
    }
    assert_series(&got, &want);
}

#[test]
fn inside_a_walled_off_exporter_demand_rises_as_its_price_falls_and_takes_the_blocked_supply() {
    // As the wedge test, with demand in both countries answering price at
    // ε = 0.5 (no substitution). AA's index heads for the price at which
    // its buyers take its 50 t and the 30 t the cap keeps from BB:
    // (80/50)^(−1/0.5) = 0.390625; each month its buyers ask for
    // 50 × (last month's index)^(−0.5), more than 50 t.
    let mut m = two_countries();
    m.demand_response.push(common::short_run_only(0.5));
    let toml = "name = \"cap\"\nstart = \"2025-01\"\nhorizon_months = 12\n\n[[event]]\nkind = \"export_restriction\"\nfrom = \"2025-01\"\nexporter = \"AA\"\nallowed_share = 0.4\n";
    let s = critmin_format::scenario::parse("w.toml", toml.as_bytes(), &m).unwrap();
    let net = Network::build(&m, &s, &Overlay::default()).unwrap();
    let aa: Vec<_> = common::nd_oxide_rows(&net)
        .into_iter()
        .filter(|r| r.country.as_str() == "AA")
        .collect();
    let target = 1.6f64.powf(-2.0);
    let mut last = 1.0f64;
    for (t, r) in aa.iter().enumerate() {
        let want_demand = 50.0 * last.powf(-0.5);
        assert!(
            (r.demand_t - want_demand).abs() < 1e-9 * want_demand,
            "month {t}: AA asks {} t, by hand {want_demand}",
            r.demand_t
        );
        assert!(
            (r.served_t - r.demand_t).abs() < 1e-9,
            "month {t}: AA rationed"
        );
        let want_p = target.powf(1.0 - 0.5f64.powi(t as i32 + 1));
        assert!(
            (r.price_index - want_p).abs() < 1e-9,
            "month {t}: AA's index {} by hand {want_p}",
            r.price_index
        );
        last = r.price_index;
    }
    // By the end AA's buyers take nearly all of its 100 t but BB's 20 t.
    assert!(aa.last().unwrap().demand_t > 79.0);
}

#[test]
fn an_offtake_delivers_its_share_of_a_plants_output_outside_the_market() {
    // AA's separation plant makes 100 t a month. With 30 % of it contracted
    // to BB, BB gets 30 t a month even while AA's exports are banned (the
    // delivery is not a market sale); AA's buyers take 50 t of the 70 t
    // left. Without the offtake the ban leaves BB nothing.
    let m = two_countries();
    let ban = "name = \"ban\"\nstart = \"2025-01\"\nhorizon_months = 6\n\n[[event]]\nkind = \"export_restriction\"\nfrom = \"2025-01\"\nexporter = \"AA\"\nallowed_share = 0\n";
    assert_series(&bb_served(&m, ban), &[0.0; 6]);
    let offtake = format!(
        "{ban}\n[[event]]\nkind = \"offtake\"\nfrom = \"2025-01\"\nfacility = \"sep\"\nbuyer = \"BB\"\nshare = 0.3\n"
    );
    assert_series(&bb_served(&m, &offtake), &[30.0; 6]);
}

#[test]
fn an_offtake_needs_a_plant_and_a_country_of_the_dataset() {
    let m = two_countries();
    for (facility, buyer, why) in [
        ("mine", "BB", "offtake takes a separation"),
        ("sep", "ZZ", "not a country of the dataset"),
    ] {
        let text = format!(
            "name = \"o\"\nstart = \"2025-01\"\nhorizon_months = 6\n\n[[event]]\nkind = \"offtake\"\nfacility = \"{facility}\"\nbuyer = \"{buyer}\"\nshare = 0.5\n"
        );
        let err = critmin_format::scenario::parse("o.toml", text.as_bytes(), &m).unwrap_err();
        assert!(err.iter().any(|d| d.to_string().contains(why)), "{err:?}");
    }
}
