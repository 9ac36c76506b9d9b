//! The goods layout shared by the simulator and the chain LP: every good
//! that is traded, stockpiled or demanded as one dense index (oxide of each
//! element, then metal of each element, then each magnet grade), and the
//! conversions between a good's own unit and tonnes of REO-equivalent.
//!
//! Both engines index their per-good arrays this way, so a result vector
//! from one can be read with the other's labels; the layout lives here once
//! so that they cannot drift apart.

use crate::{Element, Form, Good, Idx, MagnetRecipe, Model, N_ELEMENTS, PerElement};

/// Index of the first oxide among goods (oxide of element `e` is
/// `OXIDE0 + e.index()`).
pub const OXIDE0: usize = 0;
/// Index of the first metal among goods (metal of `e` is
/// `METAL0 + e.index()`).
pub const METAL0: usize = N_ELEMENTS;
/// Index of the first magnet grade among goods (grade `g` is
/// `MAGNET0 + g`).
pub const MAGNET0: usize = 2 * N_ELEMENTS;

/// A dense index of a market good in a [`GoodsLayout`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoodIx(pub u32);

impl GoodIx {
    /// The index as a `usize`, for indexing per-good arrays.
    #[inline]
    pub const fn get(self) -> usize {
        self.0 as usize
    }

    /// The index of array position `i`.
    #[inline]
    pub const fn new(i: usize) -> GoodIx {
        GoodIx(i as u32)
    }
}

/// The goods of one dataset: 17 oxides, 17 metals and one good per magnet
/// grade, in that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoodsLayout {
    n_grades: usize,
}

impl GoodsLayout {
    /// The layout for a dataset with `n_grades` magnet recipes.
    pub const fn new(n_grades: usize) -> GoodsLayout {
        GoodsLayout { n_grades }
    }

    /// The layout of `model`'s goods.
    pub fn of(model: &Model) -> GoodsLayout {
        GoodsLayout::new(model.recipes.len())
    }

    /// Number of goods: oxides, metals, magnet grades.
    #[inline]
    pub const fn n_goods(self) -> usize {
        MAGNET0 + self.n_grades
    }

    /// Number of magnet grades.
    pub const fn n_grades(self) -> usize {
        self.n_grades
    }

    /// Every good index, in order.
    pub fn indices(self) -> impl Iterator<Item = GoodIx> {
        (0..self.n_goods()).map(GoodIx::new)
    }

    /// The dense index of a dataset good (not checked against the number
    /// of grades: a dataset's goods are validated against its recipes).
    #[inline]
    pub fn index(g: Good) -> usize {
        good_index(g)
    }

    /// The good at dense index `i`, or `None` past the last grade.
    pub fn good(self, i: usize) -> Option<Good> {
        if i < METAL0 {
            Element::from_index(i - OXIDE0).map(|element| Good::Oxide { element })
        } else if i < MAGNET0 {
            Element::from_index(i - METAL0).map(|element| Good::Metal { element })
        } else if i < self.n_goods() {
            Some(Good::Magnet {
                grade: Idx::new(i - MAGNET0),
            })
        } else {
            None
        }
    }

    /// The form of the good at dense index `i`; indices past the last
    /// grade are concentrate (the simulator numbers its concentrate pools
    /// after the market goods).
    pub fn form(self, i: usize) -> Form {
        if i < METAL0 {
            Form::Oxide
        } else if i < MAGNET0 {
            Form::Metal
        } else if i < self.n_goods() {
            Form::Magnet
        } else {
            Form::Concentrate
        }
    }
}

/// The dense index of a dataset good: oxide of `e` at `OXIDE0 + e`, metal
/// at `METAL0 + e`, magnet grade `g` at `MAGNET0 + g`.
#[inline]
pub fn good_index(g: Good) -> usize {
    match g {
        Good::Oxide { element } => OXIDE0 + element.index(),
        Good::Metal { element } => METAL0 + element.index(),
        Good::Magnet { grade } => MAGNET0 + grade.get(),
    }
}

/// Tonnes of REO-equivalent (for oxides and metals) or of magnet (for
/// magnets) in `t` tonnes of `good` in its own unit: the engines' common
/// unit. Metal converts by oxide stoichiometry.
pub fn engine_qty(good: Good, t: f64) -> f64 {
    match good {
        Good::Metal { element } => t * element.oxide_per_metal(),
        _ => t,
    }
}

/// REO-equivalent per element of one engine unit of the good at dense
/// index `g`: one tonne of the element for an oxide or metal, the grade's
/// content for a magnet (`grade_reo[g]`, from
/// [`MagnetRecipe::reo_t_per_t`]), zero past the last grade.
pub fn good_reo(grade_reo: &[PerElement], g: usize) -> PerElement {
    let mut out = PerElement::ZERO;
    if g < MAGNET0 {
        if let Some(e) = Element::from_index(g % N_ELEMENTS) {
            out[e] = 1.0;
        }
    } else if let Some(r) = grade_reo.get(g - MAGNET0) {
        out = *r;
    }
    out
}

/// REO content per tonne of magnet of each of `recipes`' grades.
pub fn grades_reo(recipes: &[MagnetRecipe]) -> Vec<PerElement> {
    recipes.iter().map(MagnetRecipe::reo_t_per_t).collect()
}

/// Tonnes of metal in one tonne of REO-equivalent of a product whose mix
/// by REO share is `mix`: Σ share_e × metal-per-oxide_e. A metal plant's
/// capacity in t metal divided by this is its capacity in t REO-eq.
pub fn metal_t_per_reo_t(mix: &PerElement) -> f64 {
    mix.iter().map(|(e, s)| s * e.metal_per_oxide()).sum()
}

/// A metal/alloy plant's capacity in t REO-eq from its capacity in t metal
/// and its product mix; zero for a mix without metal.
pub fn metal_capacity_reo_t(capacity_metal_t: f64, mix: &PerElement) -> f64 {
    let metal_per_reo = metal_t_per_reo_t(mix);
    if metal_per_reo > 0.0 {
        capacity_metal_t / metal_per_reo
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_and_good_round_trip() {
        let layout = GoodsLayout::new(3);
        assert_eq!(layout.n_goods(), 2 * N_ELEMENTS + 3);
        for i in 0..layout.n_goods() {
            let g = layout.good(i).expect("a good");
            assert_eq!(GoodsLayout::index(g), i);
            assert_eq!(layout.form(i), g.form());
        }
        assert_eq!(layout.good(layout.n_goods()), None);
        assert_eq!(layout.form(layout.n_goods()), Form::Concentrate);
    }

    #[test]
    fn metal_converts_by_stoichiometry() {
        let nd = Good::Metal {
            element: Element::Nd,
        };
        assert!((engine_qty(nd, 0.857) - 0.857 * Element::Nd.oxide_per_metal()).abs() < 1e-12);
        let mut mix = PerElement::ZERO;
        mix[Element::Nd] = 1.0;
        let reo = metal_capacity_reo_t(Element::Nd.metal_per_oxide(), &mix);
        assert!((reo - 1.0).abs() < 1e-12);
        assert_eq!(metal_capacity_reo_t(5.0, &PerElement::ZERO), 0.0);
    }
}
