//! Monotonicity as properties, over random small chains (the shared
//! builder of `common`: AA mines and separates Nd REO; AA and BB buy
//! random tonnages), with supply that cannot answer price (the mine runs
//! full, at a random remaining share after an outage), so that each
//! property is the ceteris-paribus claim:
//! - a tighter export restriction never lowers the price outside the
//!   exporter, nor raises it inside, in any month;
//! - a higher short-run elasticity of demand never raises rationed demand,
//!   in any month.
//!
//! Where supply answers price neither need hold month by month: a tighter
//! cap lowers the exporter's price, its mines idle, and it can end up
//! shorter and dearer than under a looser cap; a more elastic demand
//! raises prices less, so idle capacity restarts less.

use critmin_model::Model;
use critmin_sim::{MonthlyRow, Network, Overlay};
use proptest::prelude::*;

mod common;

/// Nd oxide rows of `code` under `toml`.
fn rows(m: &Model, toml: &str, code: &str) -> Vec<MonthlyRow> {
    let s = critmin_format::scenario::parse("m.toml", toml.as_bytes(), m).unwrap();
    let net = Network::build(m, &s, &Overlay::default()).unwrap();
    common::nd_oxide_rows(&net)
        .into_iter()
        .filter(|r| r.country.as_str() == code)
        .collect()
}

/// The mine at `remaining` of its capacity from the first month.
fn outage(remaining: f64) -> String {
    format!(
        "\n[[event]]\nkind = \"facility_outage\"\nfrom = \"2025-01\"\nfacility = \"mine\"\nremaining_share = {remaining}\n"
    )
}

fn capped(share: f64, months: u32, remaining: f64) -> String {
    format!(
        "name = \"cap\"\nstart = \"2025-01\"\nhorizon_months = {months}\n\n[[event]]\nkind = \"export_restriction\"\nfrom = \"2025-01\"\nexporter = \"AA\"\nallowed_share = {share}\n{}",
        outage(remaining)
    )
}

proptest! {
    #![proptest_config(common::proptest_config())]

    #[test]
    fn a_tighter_restriction_never_lowers_the_price_outside_the_exporter(
        aa in 0.0f64..1500.0,
        bb in 50.0f64..1500.0,
        remaining in 0.2f64..1.0,
        loose in 0.0f64..1.0,
        tighter in 0.0f64..1.0,
        months in 6u32..24,
    ) {
        let tight = loose * tighter;
        let m = common::chain(&[("AA", aa), ("BB", bb)], 1.0);
        let (l, k) = (capped(loose, months, remaining), capped(tight, months, remaining));
        let (bb_loose, bb_tight) = (rows(&m, &l, "BB"), rows(&m, &k, "BB"));
        let (aa_loose, aa_tight) = (rows(&m, &l, "AA"), rows(&m, &k, "AA"));
        for t in 0..bb_loose.len() {
            prop_assert!(
                bb_tight[t].price_index >= bb_loose[t].price_index * (1.0 - 1e-9),
                "month {}: BB's index {} at share {} below {} at share {}",
                t, bb_tight[t].price_index, tight, bb_loose[t].price_index, loose
            );
        }
        for t in 0..aa_loose.len().min(aa_tight.len()) {
            prop_assert!(
                aa_tight[t].price_index <= aa_loose[t].price_index * (1.0 + 1e-9),
                "month {}: AA's index {} at share {} above {} at share {}",
                t, aa_tight[t].price_index, tight, aa_loose[t].price_index, loose
            );
        }
    }

    #[test]
    fn a_higher_elasticity_never_raises_rationed_demand(
        demand in 200.0f64..2400.0,
        remaining in 0.2f64..1.0,
        low in 0.01f64..2.0,
        extra in 0.0f64..2.0,
        months in 6u32..24,
    ) {
        let with = |eps: f64| {
            let mut m = common::chain(&[("AA", demand)], 1.0);
            m.demand_response.push(common::short_run_only(eps));
            let toml = format!(
                "name = \"e\"\nstart = \"2025-01\"\nhorizon_months = {months}\n{}",
                outage(remaining)
            );
            rows(&m, &toml, "AA")
        };
        let (a, b) = (with(low), with(low + extra));
        for t in 0..a.len() {
            prop_assert!(
                b[t].unmet_t <= a[t].unmet_t + 1e-9 * (1.0 + a[t].unmet_t),
                "month {}: {} t rationed at elasticity {}, {} t at {}",
                t, b[t].unmet_t, low + extra, a[t].unmet_t, low
            );
        }
    }
}
