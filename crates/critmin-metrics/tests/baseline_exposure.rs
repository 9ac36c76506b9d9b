//! The exposure metrics on the built-in baseline reproduce the published
//! concentration of the chain, and the scorecard is complete.

use critmin_metrics::{Projection, metrics, scorecard};
use critmin_model::Stage;

#[test]
fn china_dominates_separation_and_magnets_as_published() {
    let m = critmin_data::baseline();
    let r = metrics(&m, &Projection::default(), m.base_year, &["us_jp"]).unwrap();
    let china = |stage: Stage| {
        r.stages
            .iter()
            .find(|s| s.stage == stage && s.element == "all")
            .map(|s| s.china_share)
            .unwrap()
    };
    // IEA: ~91-92 % of separation, ~94 % of magnets (reference figures §2).
    assert!(
        china(Stage::Separation) >= 0.85,
        "separation {}",
        china(Stage::Separation)
    );
    assert!(
        china(Stage::Magnet) >= 0.90,
        "magnet {}",
        china(Stage::Magnet)
    );
    for s in &r.stages {
        for v in [s.china_share, s.allied_share, s.allied_capacity_share] {
            assert!((0.0..=1.0 + 1e-9).contains(&v), "{s:?}");
        }
        assert!((0.0..=10_000.0 + 1e-6).contains(&s.hhi), "{s:?}");
    }
    for g in &r.groups {
        for v in [
            g.import_reliance,
            g.self_sufficiency,
            g.own_self_sufficiency,
        ]
        .into_iter()
        .flatten()
        {
            assert!((0.0..=1.0).contains(&v), "{g:?}");
        }
    }
}

#[test]
fn scorecard_covers_every_year_to_2035() {
    let m = critmin_data::baseline();
    let card = scorecard(&m, &Projection::default()).unwrap();
    for id in ["processing_coverage", "import_dependency", "reserve_months"] {
        let years: Vec<i32> = card
            .targets
            .iter()
            .filter(|t| t.id == id)
            .map(|t| t.year)
            .collect();
        assert_eq!(years, (m.base_year..=2035).collect::<Vec<_>>(), "{id}");
    }
    // Import dependency starts above 80 %, as the partnership says.
    let dep = card
        .targets
        .iter()
        .find(|t| t.id == "import_dependency" && t.year == m.base_year)
        .unwrap();
    assert!(dep.value.unwrap() > 0.8, "{dep:?}");
}
