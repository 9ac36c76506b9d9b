//! The scenario library on the built-in baseline: every scenario parses and
//! conserves mass; the baseline has (near) zero unmet demand; a twelve-month
//! Chinese ban leaves large unmet Dy and Tb demand in Japan and the United
//! States; a US–Japan sharing agreement helps the worse-off partner.

use critmin_model::{CountryCode, Model, Month};
use critmin_sim::{
    MonthStats, MonthlyRecorder, Network, Overlay, Recorder, RunSummary, Scenario, simulate_with,
};
use std::path::Path;

fn library() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}

fn load(name: &str, model: &Model) -> Scenario {
    let path = library().join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    critmin_format::scenario::parse(name, text.as_bytes(), model)
        .unwrap_or_else(|d| panic!("{name}: {d:?}"))
}

fn run(name: &str) -> (RunSummary, MonthlyRecorder) {
    let model = critmin_data::baseline();
    let s = load(name, &model);
    let net = Network::build(&model, &s, &Overlay::default()).unwrap();
    let mut rec = MonthlyRecorder::default();
    let summary = simulate_with(&net, &mut rec);
    (summary, rec)
}

/// Unmet ÷ demand of `element` in `country` over the run.
fn unmet_share(rec: &MonthlyRecorder, country: &str, element: &str) -> f64 {
    let c = CountryCode::parse(country).unwrap();
    let (mut d, mut u) = (0.0, 0.0);
    for r in rec
        .rows
        .iter()
        .filter(|r| r.country == c && r.element.symbol() == element)
    {
        d += r.demand_t;
        u += r.unmet_t;
    }
    u / d
}

#[test]
fn every_library_scenario_parses_and_conserves_mass() {
    let mut n = 0;
    for e in std::fs::read_dir(library()).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if !name.ends_with(".toml") {
            continue;
        }
        let (summary, _) = run(&name);
        assert!(
            summary.max_balance_error_t < 1e-6,
            "{name}: {}",
            summary.max_balance_error_t
        );
        n += 1;
    }
    assert!(n >= 7, "the library has {n} scenarios");
}

#[test]
fn baseline_has_near_zero_unmet_demand() {
    let (summary, _) = run("baseline.toml");
    for e in &summary.by_element {
        assert!(
            e.unmet_t <= 1e-3 * e.demand_t,
            "{}: {} of {} t unmet",
            e.element,
            e.unmet_t,
            e.demand_t
        );
        assert!(
            e.peak_price_index < 1.05,
            "{}: price index {}",
            e.element,
            e.peak_price_index
        );
    }
}

#[test]
fn a_total_ban_leaves_large_unmet_heavy_ree_demand_in_japan_and_the_us() {
    let (_, rec) = run("china-total-ban-12m.toml");
    for country in ["JP", "US"] {
        for element in ["Dy", "Tb"] {
            let share = unmet_share(&rec, country, element);
            // Over 24 months of which 12 are banned.
            assert!(share > 0.10, "{country} {element}: only {share:.3} unmet");
        }
    }
}

/// Country `c`'s unmet share over a run.
fn country_unmet_share(s: &RunSummary, c: &str) -> f64 {
    let c = CountryCode::parse(c).unwrap();
    s.by_country
        .iter()
        .find(|x| x.country == c)
        .unwrap()
        .unmet_share
}

#[test]
fn sharing_helps_the_worse_off_partner() {
    let share = country_unmet_share;
    let (alone, _) = run("china-total-ban-12m.toml");
    let (shared, _) = run("china-total-ban-12m-shared.toml");
    let worse = if share(&alone, "US") > share(&alone, "JP") {
        "US"
    } else {
        "JP"
    };
    assert!(
        share(&shared, worse) < share(&alone, worse),
        "{worse}: {:.4} with the agreement vs {:.4} without",
        share(&shared, worse),
        share(&alone, worse)
    );
}

#[test]
fn the_2010_embargo_hits_japan_harder_than_the_us() {
    // Over the two months China ships nothing to Japan. (Over the whole
    // run the 40 % cut on everyone dominates, and Japan's buyers, who
    // built precautionary stock as prices rose before the embargo, come
    // out less short than the US.)
    let (_, rec) = run("embargo-japan-2010.toml");
    let embargo = [Month::new(2025, 10).unwrap(), Month::new(2025, 11).unwrap()];
    let share = |c: &str| {
        let c = CountryCode::parse(c).unwrap();
        let (mut d, mut u) = (0.0, 0.0);
        for r in rec
            .rows
            .iter()
            .filter(|r| r.country == c && embargo.contains(&r.month))
        {
            d += r.demand_t;
            u += r.unmet_t;
        }
        u / d
    };
    assert!(
        share("JP") > share("US"),
        "JP {} vs US {}",
        share("JP"),
        share("US")
    );
}

#[test]
fn the_compiled_library_matches_the_scenarios_directory() {
    let mut on_disk: Vec<String> = std::fs::read_dir(library())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    on_disk.sort();
    let mut compiled: Vec<String> = critmin_sim::library::LIBRARY
        .iter()
        .chain(critmin_sim::library::RISK_LIBRARY)
        .map(|(n, _)| n.to_string())
        .collect();
    compiled.sort();
    assert_eq!(
        on_disk, compiled,
        "add new scenarios to crates/critmin-sim/src/library.rs"
    );
    for (name, text) in critmin_sim::library::LIBRARY
        .iter()
        .chain(critmin_sim::library::RISK_LIBRARY)
    {
        assert_eq!(
            *text,
            std::fs::read_to_string(library().join(name)).unwrap()
        );
    }
}

/// Capacity trends reach the simulator: Bayan Obo (run at full utilisation)
/// mines its base-year capacity × 1.06^(months since 2025-01 / 12), the
/// baseline's 6 %/yr trend for Chinese mining.
#[test]
fn china_mining_grows_by_its_trend() {
    struct Out(usize, Vec<f64>);
    impl Recorder for Out {
        fn month(&mut self, _: &Network, _: usize, s: &MonthStats) {
            let out = s
                .facility_use
                .iter()
                .find(|u| u.0 == self.0)
                .map_or(f64::NAN, |u| u.1);
            self.1.push(out);
        }
    }
    let model = critmin_data::baseline();
    let (i, f) = model
        .facilities_indexed()
        .find(|(_, f)| f.id == "cn_bayan_obo")
        .unwrap();
    assert_eq!(f.utilisation, 1.0);
    let start = Month::new(2026, 1).unwrap();
    let s = Scenario::baseline(&model, start, 36);
    let net = Network::build(&model, &s, &Overlay::default()).unwrap();
    let mut rec = Out(i.get(), Vec::new());
    simulate_with(&net, &mut rec);
    let base = f.capacity_t_per_yr / 12.0;
    for (t, &out) in rec.1.iter().enumerate() {
        let months = (12 + t).min(132) as f64;
        let want = base * 1.06f64.powf(months / 12.0);
        assert!(
            (out - want).abs() < 1e-6 * want,
            "month {t}: mined {out}, want {want}"
        );
    }
}

/// A destination ban hurts its target and (almost) no one else: under
/// `china-ban-us-12m` the US is short and Japan is not, and the other way
/// round under `china-ban-japan-12m` — the shocks a pooled stockpile answers.
#[test]
fn a_ban_on_one_partner_hurts_that_partner() {
    let share = country_unmet_share;
    for (file, target, other) in [
        ("china-ban-us-12m.toml", "US", "JP"),
        ("china-ban-japan-12m.toml", "JP", "US"),
    ] {
        let (s, _) = run(file);
        assert!(
            share(&s, target) > 0.01,
            "{file}: {target} {}",
            share(&s, target)
        );
        assert!(
            share(&s, other) < share(&s, target) / 4.0,
            "{file}: {other} {} vs {target} {}",
            share(&s, other),
            share(&s, target)
        );
    }
}

#[test]
fn the_section_301_tariff_is_paid_and_dearer_supply_never_serves_more() {
    let model = critmin_data::baseline();
    let with = load("us-section-301-magnets-2026.toml", &model);
    let mut without = with.clone();
    without.events.clear();
    let go = |s: &Scenario| {
        let net = Network::build(&model, s, &Overlay::default()).unwrap();
        simulate_with(&net, &mut MonthlyRecorder::default())
    };
    let (base, taxed) = (go(&without), go(&with));
    let [t] = taxed.tariffs.as_slice() else {
        panic!("one tariff expected, got {:?}", taxed.tariffs)
    };
    assert_eq!(t.routes, "CN → US");
    assert!(t.tariffed_t > 0.0 && t.paid_usd > 0.0, "{t:?}");
    assert!(t.diverted_t >= 0.0 && t.diverted_t < t.tariffed_t, "{t:?}");
    // 25 % of magnet and metal prices (tens to low hundreds of USD/kg REO-eq)
    let usd_per_kg = t.paid_usd / (t.tariffed_t * 1000.0);
    assert!(
        (0.25 * 10.0..0.25 * 300.0).contains(&usd_per_kg),
        "USD {usd_per_kg:.2}/kg levied"
    );
    // a tax on imports never relieves the importer's shortage
    let us = |s: &RunSummary| country_unmet_share(s, "US");
    assert!(
        us(&taxed) >= us(&base) - 1e-12,
        "{} < {}",
        us(&taxed),
        us(&base)
    );
}
