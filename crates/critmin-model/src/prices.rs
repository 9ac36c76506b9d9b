//! Base prices: the one place where the simulator and the chain LP read a
//! dataset's price table into a price per t REO-eq of each element and
//! form, and into a price per engine unit of each good.
//!
//! The dataset lists prices per kg of the traded form (oxide or metal) for
//! some elements and years; the latest year wins. A metal price is
//! converted to t REO-eq by stoichiometry. Where the dataset has no metal
//! price for an element, the oxide price times [`METAL_OVER_OXIDE_PRICE`]
//! stands in for it. A magnet grade is valued at its rare-earth content at
//! metal prices.

use crate::goods::{GoodsLayout, MAGNET0, METAL0, OXIDE0};
use crate::{Element, Form, Model};

/// Price of metal over the price of its oxide, used when the dataset has
/// no metal price for an element: metal per t REO-eq = oxide per t ×
/// this.
///
/// Source: Fastmarkets' NdPr quotes, FOB China, 2024 — metal US$66–68/kg
/// against oxide (75:25) US$53–55/kg on 18 Apr 2024 (midpoints 67/54 =
/// 1.24), metal US$62–64/kg against oxide US$50–52/kg on 20 Jun 2024
/// (63/51 = 1.24); listed in the reference pack
/// (`shared/data/reference-figures.md`, NdPr price points, confidence M).
/// The quoted ratio is per kg of product, rounded down to 1.2; the engines
/// apply it per t REO-eq, which for NdPr (0.857 t metal per t oxide) would
/// be about 1.06 — see `docs/simulation.md`, "Prices", for this known
/// approximation, kept so that results do not move.
pub const METAL_OVER_OXIDE_PRICE: f64 = 1.2;

/// USD per kg → USD per t.
const KG_PER_T: f64 = 1000.0;

/// The dataset's latest price of `element` in `form`, USD per t of that
/// form (t oxide or t metal), if it lists one.
pub fn latest_price_usd_per_t(model: &Model, element: Element, form: Form) -> Option<f64> {
    model
        .prices
        .iter()
        .filter(|p| p.element == element && p.form == form)
        .max_by_key(|p| p.year)
        .map(|p| p.usd_per_kg * KG_PER_T)
}

/// Base price of `element` in `form` (oxide or metal), USD per t REO-eq,
/// never below `floor_usd_per_t`: the oxide's latest price (else the
/// floor); the metal's latest price × t metal per t oxide, else the
/// (floored) oxide price × [`METAL_OVER_OXIDE_PRICE`]. Other forms have
/// no element price and return the floor.
///
/// The simulator values its scarcity cost with a floor of zero (an element
/// without a price costs nothing); the chain LP uses a positive floor so
/// that every shortfall counts.
pub fn base_price_usd_per_t(
    model: &Model,
    element: Element,
    form: Form,
    floor_usd_per_t: f64,
) -> f64 {
    let oxide = latest_price_usd_per_t(model, element, Form::Oxide)
        .unwrap_or(floor_usd_per_t)
        .max(floor_usd_per_t);
    match form {
        Form::Oxide => oxide,
        Form::Metal => latest_price_usd_per_t(model, element, Form::Metal)
            .map_or(oxide * METAL_OVER_OXIDE_PRICE, |m| {
                m * element.metal_per_oxide()
            })
            .max(floor_usd_per_t),
        _ => floor_usd_per_t,
    }
}

/// Base price of one engine unit of every good in [`GoodsLayout::of`]
/// `model`, USD (per t REO-eq for oxides and metals, per t magnet for
/// magnets), with element prices floored at `floor_usd_per_t` (see
/// [`base_price_usd_per_t`]). A magnet is valued at its content at metal
/// prices.
pub fn good_base_prices_usd_per_t(model: &Model, floor_usd_per_t: f64) -> Vec<f64> {
    let layout = GoodsLayout::of(model);
    let mut w = vec![0.0; layout.n_goods()];
    for e in Element::ALL {
        w[OXIDE0 + e.index()] = base_price_usd_per_t(model, e, Form::Oxide, floor_usd_per_t);
        w[METAL0 + e.index()] = base_price_usd_per_t(model, e, Form::Metal, floor_usd_per_t);
    }
    for (g, r) in model.recipes.iter().enumerate() {
        w[MAGNET0 + g] = r
            .reo_t_per_t()
            .iter()
            .map(|(e, q)| q * w[METAL0 + e.index()])
            .sum();
    }
    w
}
