//! What valid scenario and plan files mean: the shipped library reads and
//! resolves, events and risks read their shared keys the same way, and the
//! defaults a file leaves out are the documented ones.

use critmin_format::{KindSpec, scenario};
use critmin_model::{EventKind, Model, Policy, RiskTemplate, Scenario, Sector};

fn model() -> Model {
    critmin_data::baseline()
}

fn parse(text: &str) -> Scenario {
    scenario::parse("s.toml", text.as_bytes(), &model()).unwrap_or_else(|d| panic!("{d:#?}"))
}

const HEAD: &str = "name = \"t\"\nstart = \"2026-01\"\nhorizon_months = 12\n";

#[test]
fn every_shipped_scenario_reads_and_resolves() {
    let m = model();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let bytes = std::fs::read(e.path()).unwrap();
        let name = e.file_name().to_string_lossy().to_string();
        let spec = scenario::parse_bytes(&name, &bytes).unwrap_or_else(|d| panic!("{d:#?}"));
        let s = spec.resolve(&m).unwrap_or_else(|d| panic!("{d:#?}"));
        assert_eq!(s.name, name.trim_end_matches(".toml"));
        n += 1;
    }
    assert!(n >= 8, "{n} shipped scenarios");
}

/// `"*"` anywhere in a sector list means every sector, in an event and in
/// a risk alike (the two readers used to disagree).
#[test]
fn a_star_in_sectors_means_all_in_events_and_risks() {
    let s = parse(&format!(
        "{HEAD}\n[[event]]\nkind = \"demand_shock\"\nfrom = \"2026-02\"\nsector = [\"defence\", \"*\"]\nfactor = 2\n\n[[risk]]\nkind = \"demand_shock\"\nonset_probability_per_month = 0.1\nsector = [\"defence\", \"*\"]\nfactor = 2\n\n[[event]]\nkind = \"demand_shock\"\nfrom = \"2026-02\"\nsector = [\"defence\", \"wind\"]\nfactor = 2\n\n[[risk]]\nkind = \"demand_shock\"\nonset_probability_per_month = 0.1\nsector = [\"defence\", \"wind\"]\nfactor = 2\n"
    ));
    let event_sectors: Vec<Vec<Sector>> = s
        .events
        .iter()
        .map(|e| match &e.kind {
            EventKind::DemandShock { sectors, .. } => sectors.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    let risk_sectors: Vec<Vec<Sector>> = s
        .risks
        .iter()
        .map(|r| match &r.template {
            RiskTemplate::DemandShock { sectors, .. } => sectors.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        event_sectors,
        [vec![], vec![Sector::Defence, Sector::Wind]],
        "empty = all sectors"
    );
    assert_eq!(risk_sectors, event_sectors);
}

/// An event and a risk template with the same keys read to the same spec,
/// a fixed number standing for its distribution.
#[test]
fn events_and_risk_templates_share_one_kind_parser() {
    let keys = "exporter = [\"CN\"]\nimporters = [\"JP\", \"US\"]\nelements = \"heavy\"\nforms = [\"oxide\", \"magnet\"]\nallowed_share = 0.25\n";
    let text = format!(
        "{HEAD}\n[[event]]\nkind = \"export_restriction\"\nfrom = \"2026-02\"\n{keys}\n[[risk]]\nkind = \"export_restriction\"\nonset_probability_per_month = 0.1\n{keys}"
    );
    let spec = scenario::parse_bytes("s.toml", text.as_bytes()).unwrap();
    let (
        KindSpec::ExportRestriction {
            exporters: e1,
            importers: i1,
            elements: l1,
            forms: f1,
            allowed_share: a1,
        },
        KindSpec::ExportRestriction {
            exporters: e2,
            importers: i2,
            elements: l2,
            forms: f2,
            allowed_share: a2,
        },
    ) = (&spec.events[0].kind, &spec.risks[0].template)
    else {
        panic!("{spec:#?}")
    };
    assert_eq!(
        (&e1.value, i1.as_ref().map(|a| &a.value), l1, f1),
        (&e2.value, i2.as_ref().map(|a| &a.value), l2, f2)
    );
    assert_eq!(critmin_model::Dist::Fixed(*a1), *a2);
}

/// A release rule that restates one default keeps the others: it used to
/// drop the default trigger and never release.
#[test]
fn a_release_rule_keeps_the_defaults_it_does_not_restate() {
    let s = parse(&format!(
        "{HEAD}\n[[policy.stockpile]]\nholder = \"jogmec\"\nmax_release_share_per_month = 0.1\n\n[[policy.stockpile]]\nholder = \"us_nds\"\ntrigger_price_index = 2.0\n"
    ));
    assert_eq!(s.policy.rule_for("jogmec"), Policy::default_rule("jogmec"));
    let us = s.policy.rule_for("us_nds");
    assert_eq!(us.trigger_price_index, Some(2.0));
    assert_eq!(
        (us.trigger_unmet_share, us.max_release_share_per_month),
        (Some(0.02), 0.10)
    );
}

#[test]
fn dataset_of_reads_the_key_before_the_model() {
    assert_eq!(
        critmin_format::dataset_of(b"dataset = \"../mydata\"\nname = 1"),
        Some("../mydata".to_string())
    );
    assert_eq!(critmin_format::dataset_of(b"dataset = \"builtin\""), None);
    assert_eq!(critmin_format::dataset_of(b"dataset = \"\xff\""), None);
}

/// Reading is linear in the file's size: a file of many events reads about
/// as fast per event as a small one (line numbers used to be found by
/// rescanning the text, quadratic in its size).
#[test]
fn reading_a_large_scenario_is_linear() {
    let event = "[[event]]\nkind = \"facility_outage\"\nfrom = \"2026-02\"\nfacility = \"mountain_pass_mine\"\n\n";
    let time = |n: usize| {
        let text = format!("{HEAD}{}", event.repeat(n));
        let t = std::time::Instant::now();
        let spec = scenario::parse_bytes("s.toml", text.as_bytes()).unwrap();
        assert_eq!(spec.events.len(), n);
        t.elapsed().as_secs_f64()
    };
    let small = time(2_000).max(1e-4);
    let large = time(16_000);
    // 8× the events: linear is ~8×, quadratic ~64×; allow a noisy machine.
    assert!(
        large < 30.0 * small,
        "2k events {small:.4}s, 16k {large:.4}s"
    );
}
