//! Cross-check of the simulator's market clearing against HiGHS: on random
//! single-month markets (no carried inventory), the tonnes the allocator
//! serves per priority tier equal the lexicographic maximum an LP finds.

use critmin_opt::lexmax::lexmax_per_tier;
use critmin_sim::{Allocation, Allocator, Buyer, Cap, Market};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// A random market: 2–5 countries, up to 8 buyers in up to 3 tiers, some
/// capped routes (bans and quotas), optionally a home group of two
/// countries.
fn market() -> impl Strategy<Value = (Vec<f64>, Vec<Buyer>, Vec<Cap>, usize, bool)> {
    (2usize..6).prop_flat_map(|n| {
        let supply = prop::collection::vec(prop_oneof![1 => Just(0.0), 4 => 0.0f64..100.0], n);
        let buyers = prop::collection::vec((0..n, 0usize..3, 0.0f64..60.0), 1..9).prop_map(|v| {
            v.into_iter()
                .map(|(country, tier, demand)| Buyer {
                    country,
                    tier,
                    demand,
                })
                .collect::<Vec<_>>()
        });
        let caps = prop::collection::vec(
            (0..n, 0..n, prop_oneof![1 => Just(0.0), 2 => 0.0f64..40.0]),
            0..5,
        )
        .prop_map(|v| {
            v.into_iter()
                .filter(|(x, c, _)| x != c)
                .map(|(exporter, importer, max)| Cap {
                    exporter,
                    importer,
                    max,
                })
                .collect::<Vec<_>>()
        });
        (supply, buyers, caps, Just(3usize), any::<bool>())
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn per_tier_totals_equal_the_lp_lexicographic_maximum((supply, buyers, caps, n_tiers, grouped) in market()) {
        let n = supply.len();
        let home: Vec<usize> = (0..n).map(|c| if grouped && c < 2 { 0 } else { c }).collect();
        let mut out = Allocation::default();
        Allocator::new().allocate(&Market { supply: &supply, buyers: &buyers, caps: &caps, n_tiers, home: &home }, true, &mut out);
        let lp = lexmax_per_tier(&supply, &buyers, &caps, n_tiers).unwrap();
        for t in 0..n_tiers {
            let got: f64 = buyers.iter().zip(&out.served).filter(|(b, _)| b.tier == t).map(|(_, s)| s).sum();
            prop_assert!((got - lp[t]).abs() <= 1e-6 * (1.0 + lp[t]), "tier {}: allocator {} vs LP {}", t, got, lp[t]);
        }
        // The allocation is feasible: draws within supply, served within
        // demand, capped routes within their caps.
        for c in 0..n {
            prop_assert!(out.drawn[c] <= supply[c] + 1e-6);
        }
        for (b, s) in buyers.iter().zip(&out.served) {
            prop_assert!(*s <= b.demand + 1e-9 && *s >= -1e-9);
        }
        for cap in &caps {
            let shipped: f64 = out.flows.iter().filter(|f| f.exporter == cap.exporter && f.importer == cap.importer).map(|f| f.tonnes).sum();
            prop_assert!(shipped <= cap.max + 1e-6, "{:?} shipped {}", cap, shipped);
        }
        let served: f64 = out.served.iter().sum();
        let drawn: f64 = out.drawn.iter().sum();
        prop_assert!((served - drawn).abs() <= 1e-6 * (1.0 + served), "served {} drawn {}", served, drawn);
    }
}
