//! Tolling against hand computation, on the chain of `common`: AA mines and
//! separates 100 t Nd REO a month and stops every export from the first
//! month. BB wants 50 t of Nd oxide a month; its own separation plant (60 t
//! a month, fed from AA's mine) stands idle for want of feed; its reserve
//! holds 300 t REO of AA's concentrate, releases everything it may when
//! any demand goes unmet, and has the concentrate tolled by BB's plant.
//!
//! Month 1 BB is short 50 t and tolling has not started (it answers last
//! month's shortfall). From month 2 the plant's spare capacity ramps up
//! over BB's restart lag of one month (a = ½): 30 t (60 × ½), then 45 t
//! (60 × ¾), then the 50 t BB is short, until the concentrate runs out:
//! 30 + 45 + 4 × 50 = 275 t by month 6, the last 25 t in month 7.

use critmin_model::{
    ConcentrateStock, CountryCode, ElementSet, Facility, FeedRef, Idx, Model, Process, Stage,
    SupplyResponse,
};
use critmin_sim::{Network, Overlay, simulate};

mod common;

fn chain(restart_lag_months: f64) -> Model {
    let mut m = common::chain(&[("BB", 600.0)], 1.0);
    let bb = CountryCode::parse("BB").unwrap();
    let sep = Facility {
        id: "bb-sep".into(),
        country: bb,
        capacity_t_per_yr: 720.0,
        process: Process::Separation {
            feed: vec![FeedRef::Facility(Idx::new(0))],
            recovery: 1.0,
            elements: ElementSet::ALL,
        },
        ..m.facilities[1].clone()
    };
    m.facilities.push(sep);
    m.concentrate_stocks.push(ConcentrateStock {
        holder: "bb_reserve".into(),
        country: bb,
        mine: Idx::new(0),
        reo_t: 300.0,
        source: Idx::new(0),
    });
    // A restart lag only: no building, no change of start.
    m.supply_response.push(SupplyResponse {
        country: Some(bb),
        stage: Stage::Separation,
        restart_lag_months,
        trigger_index: 1.0e6,
        build_lag_months: 12.0,
        growth_per_yr: 0.0,
        max_factor: 1.0,
        accelerate_months: 0.0,
        defer_months: 0.0,
        defer_index: 0.0,
        source: Idx::new(0),
    });
    m
}

const SCENARIO: &str = "name = \"toll\"\nstart = \"2025-01\"\nhorizon_months = 8\n\
    [[event]]\nkind = \"export_restriction\"\nfrom = \"2025-01\"\nexporter = \"AA\"\n\
    importers = \"*\"\nelements = \"all\"\nallowed_share = 0.0\n\
    [[policy.stockpile]]\nholder = \"bb_reserve\"\ntrigger_unmet_share = 0.0\n\
    max_release_share_per_month = 1.0\n";

fn network(m: &Model, tolling: &str) -> Network {
    let text = format!("{SCENARIO}{tolling}");
    let s = critmin_format::scenario::parse("toll.toml", text.as_bytes(), m)
        .unwrap_or_else(|d| panic!("{d:?}"));
    Network::build(m, &s, &Overlay::default()).unwrap()
}

/// BB's Nd oxide served from stockpiles, month by month.
fn released(net: &Network) -> Vec<f64> {
    common::nd_oxide_rows(net)
        .into_iter()
        .filter(|r| r.country.as_str() == "BB")
        .map(|r| r.from_stockpile_t)
        .collect()
}

#[test]
fn concentrate_is_separated_for_its_holder_as_the_plant_ramps_up() {
    let m = chain(1.0);
    let net = network(&m, "[[policy.tolling]]\nholder = \"bb_reserve\"\n");
    let got = released(&net);
    let want = [0.0, 30.0, 45.0, 50.0, 50.0, 50.0, 50.0, 25.0];
    assert_eq!(got.len(), want.len());
    for (month, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() < 1e-9,
            "month {}: {got:?}, by hand {want:?}",
            month + 1
        );
    }
    let summary = simulate(&net);
    assert_eq!(summary.tolling.len(), 1);
    let t = &summary.tolling[0];
    assert_eq!(t.arrangement, "bb_reserve: BB");
    assert!((t.separated_t - 300.0).abs() < 1e-9, "{t:?}");
    assert_eq!((t.metal_t, t.magnet_t), (0.0, 0.0));
}

#[test]
fn no_lag_converts_the_shortfall_from_the_first_month_it_is_seen() {
    let m = chain(0.0);
    let net = network(&m, "[[policy.tolling]]\nholder = \"bb_reserve\"\n");
    let got = released(&net);
    let want = [0.0, 50.0, 50.0, 50.0, 50.0, 50.0, 50.0, 0.0];
    for (month, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() < 1e-9,
            "month {}: {got:?}, by hand {want:?}",
            month + 1
        );
    }
}

#[test]
fn concentrate_without_tolling_or_with_another_stage_reaches_nothing() {
    let m = chain(0.0);
    for tolling in [
        "",
        "[[policy.tolling]]\nholder = \"bb_reserve\"\nstages = [\"metal\", \"magnet\"]\n",
        // The same arrangement, converters and stage named.
        "[[policy.tolling]]\nholder = \"bb_reserve\"\nconverters = [\"BB\"]\nstages = [\"separation\"]\n",
    ] {
        let net = network(&m, tolling);
        let got: f64 = released(&net).iter().sum();
        if tolling.contains("\"separation\"") {
            assert!((got - 300.0).abs() < 1e-9, "{tolling}: {got}");
        } else {
            assert_eq!(got, 0.0, "{tolling}");
        }
    }
}

#[test]
fn bad_tolling_entries_are_refused_with_their_line() {
    let m = chain(0.0);
    for (entry, line, field, says) in [
        (
            "[[policy.tolling]]\nholder = \"nobody\"\n",
            16,
            "policy.tolling[1].holder",
            "unknown stockpile holder",
        ),
        (
            "[[policy.tolling]]\nholder = \"bb_reserve\"\nstages = [\"smelting\"]\n",
            17,
            "policy.tolling[1].stages",
            "not a tolling stage",
        ),
        (
            "[[policy.tolling]]\nholder = \"bb_reserve\"\nconverters = [\"ZZ\"]\n",
            17,
            "policy.tolling[1].converters",
            "neither a country",
        ),
        (
            "[[policy.tolling]]\nholder = \"bb_reserve\"\n[[policy.tolling]]\nholder = \"bb_reserve\"\n",
            18,
            "policy.tolling[2].holder",
            "already has a tolling arrangement",
        ),
    ] {
        let text = format!("{SCENARIO}{entry}");
        let d = critmin_format::scenario::parse("toll.toml", text.as_bytes(), &m).expect_err(entry);
        assert!(
            d.iter()
                .any(|d| d.line == line && d.field == field && d.message.contains(says)),
            "{entry}: {d:?}"
        );
    }
}
