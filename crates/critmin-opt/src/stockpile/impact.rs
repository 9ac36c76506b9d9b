//! The price impact of the purchases themselves: buying a share `s` of a
//! good's world market over the purchase window leaves the other buyers
//! `1 − s` of it, and the simulator's short-run price rule
//! (docs/simulation.md, "Prices") answers with the index
//! `(1 − s)^(−1/ε)`, capped at the good's `max_index` (`price_response.csv`).
//! The LP pays for each tranche of its purchases at the index in the
//! tranche's middle, so the cost is convex in what it buys and the first
//! tonnes are the cheapest. Supply that answers price over the window is
//! not counted: the impact is an upper bound.
//!
//! The market of a good is the world's use of it in the cover year: magnets
//! by grade as demanded; metal as demanded plus what magnet makers need for
//! the magnets demanded (by recipe); oxide as demanded plus what metal
//! makers need for that metal (at 0.98 recovery, the baseline's).

use crate::chain::{MAGNET0, METAL0, OXIDE0, engine_qty, good_index, n_goods};
use critmin_model::{Element, Form, Model, good_elements};
use serde::Serialize;

/// Upper ends of the tranches, as shares of the market bought over the
/// window; beyond the last, every tonne pays the last tranche's index.
pub(super) const TRANCHES: [f64; 7] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5];

/// Metal made per t REO-eq of oxide, the baseline's recovery.
const METAL_RECOVERY: f64 = 0.98;

/// The world's use of each engine good in `year` on `path`, engine units
/// per year.
pub(super) fn world_market(model: &Model, year: i32, path: &str) -> Vec<f64> {
    let p = model.growth_path(path);
    let mut final_use = vec![0.0; n_goods(model)];
    for d in &model.demand {
        let els = good_elements(d.good, &model.recipes);
        let t = d.t_per_yr * p.map_or(1.0, |p| p.factor(model.base_year, year, d.sector, els));
        final_use[good_index(d.good)] += engine_qty(d.good, t);
    }
    let mut market = final_use.clone();
    for (r, recipe) in model.recipes.iter().enumerate() {
        let magnets = final_use[MAGNET0 + r];
        for (e, q) in recipe.reo_t_per_t().iter() {
            market[METAL0 + e.index()] += magnets * q;
        }
    }
    for e in Element::ALL {
        market[OXIDE0 + e.index()] += market[METAL0 + e.index()] / METAL_RECOVERY;
    }
    market
}

/// `(ε, max_index)` of engine good `g`: the `price_response.csv` row of its
/// form naming its element (magnets: the least elastic row of the magnet
/// form naming one of the grade's elements); 0.25 and 20 without a row.
pub(super) fn response(model: &Model, g: usize) -> (f64, f64) {
    let (form, els) = if g < METAL0 {
        (Form::Oxide, vec![Element::from_index(g - OXIDE0)])
    } else if g < MAGNET0 {
        (Form::Metal, vec![Element::from_index(g - METAL0)])
    } else {
        let r = &model.recipes[g - MAGNET0];
        (
            Form::Magnet,
            r.reo_t_per_t()
                .iter()
                .filter(|(_, q)| *q > 0.0)
                .map(|(e, _)| Some(e))
                .collect(),
        )
    };
    model
        .price_response
        .iter()
        .filter(|p| p.form == form && els.iter().flatten().any(|e| p.elements.contains(*e)))
        .map(|p| (p.demand_elasticity, p.max_index))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap_or((0.25, 20.0))
}

/// The index a buyer of share `s` of the market pays: `(1 − s)^(−1/ε)`,
/// capped at `max_index`.
pub(super) fn index_at(s: f64, eps: f64, max_index: f64) -> f64 {
    if s >= 1.0 || eps <= 0.0 {
        return max_index;
    }
    (1.0 - s).powf(-1.0 / eps).min(max_index)
}

/// Each tranche of a good's purchases: its width (engine units, `None` for
/// the unbounded last) and the index it is paid at.
pub(super) fn tranches(market: f64, eps: f64, max_index: f64) -> Vec<(Option<f64>, f64)> {
    let mut out = Vec::new();
    let mut lo = 0.0;
    for &hi in &TRANCHES {
        out.push((
            Some((hi - lo) * market),
            index_at((lo + hi) / 2.0, eps, max_index),
        ));
        lo = hi;
    }
    out.push((None, index_at(lo, eps, max_index)));
    out
}

/// What the plan's purchases of one good do to its price.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceImpact {
    /// Form: oxide, metal or magnet.
    pub form: Form,
    /// Element symbol, or the magnet grade.
    pub good: String,
    /// Bought by all partners, t REO-eq (magnets: t magnet).
    pub bought_t: f64,
    /// The world market over the purchase window, same unit.
    pub market_t: f64,
    /// `bought_t ÷ market_t`.
    pub share: f64,
    /// The price index the last tonne is bought at.
    pub marginal_index: f64,
    /// What the purchases pay above the baseline price, USD million
    /// (holding cost included).
    pub premium_musd: f64,
}

/// The form and name of engine good `g`.
pub(super) fn good_name(model: &Model, g: usize) -> (Form, String) {
    if g < METAL0 {
        (
            Form::Oxide,
            Element::from_index(g - OXIDE0).map_or(String::new(), |e| e.symbol().to_string()),
        )
    } else if g < MAGNET0 {
        (
            Form::Metal,
            Element::from_index(g - METAL0).map_or(String::new(), |e| e.symbol().to_string()),
        )
    } else {
        (Form::Magnet, model.recipes[g - MAGNET0].grade.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_follows_the_short_run_price_rule() {
        // Buying a tenth of the market leaves others 0.9 of it: at
        // ε = 0.25 the index is 0.9^−4 = 1.5242 (by hand).
        assert!((index_at(0.1, 0.25, 20.0) - 1.524_157_9).abs() < 1e-6);
        assert_eq!(index_at(0.0, 0.25, 20.0), 1.0);
        assert_eq!(index_at(0.9, 0.25, 3.0), 3.0, "capped at max_index");
        assert_eq!(index_at(1.0, 0.25, 3.0), 3.0);
    }

    #[test]
    fn tranches_cover_the_market_and_rise() {
        let t = tranches(1000.0, 0.25, 20.0);
        assert_eq!(t.len(), TRANCHES.len() + 1);
        let widths: f64 = t.iter().filter_map(|(w, _)| *w).sum();
        assert!(
            (widths - 500.0).abs() < 1e-9,
            "bounded tranches reach half the market"
        );
        assert!(t.last().unwrap().0.is_none());
        for w in t.windows(2) {
            assert!(w[1].1 >= w[0].1, "{t:?}");
        }
    }
}
