//! Demand by country, sector and good, and the growth paths that carry it
//! forward from the base year.

use crate::{
    CountryCode, Element, ElementSet, Form, Idx, MagnetRecipe, PerElement, Sector, Source,
};
use serde::Serialize;

/// A good that is demanded, stockpiled or traded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum Good {
    /// Separated oxide of one element, t REO.
    Oxide {
        /// The element.
        element: Element,
    },
    /// Metal or alloy of one element, t metal.
    Metal {
        /// The element.
        element: Element,
    },
    /// Magnets of a grade, t magnet.
    Magnet {
        /// Index of the grade's recipe.
        grade: Idx<MagnetRecipe>,
    },
}

impl Good {
    /// The form.
    pub fn form(self) -> Form {
        match self {
            Good::Oxide { .. } => Form::Oxide,
            Good::Metal { .. } => Form::Metal,
            Good::Magnet { .. } => Form::Magnet,
        }
    }

    /// The element, for single-element goods.
    pub fn element(self) -> Option<Element> {
        match self {
            Good::Oxide { element } | Good::Metal { element } => Some(element),
            Good::Magnet { .. } => None,
        }
    }
}

/// Annual demand of one country and sector for one good in the base year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemandRow {
    /// Consuming country.
    pub country: CountryCode,
    /// End-use sector.
    pub sector: Sector,
    /// What is consumed.
    pub good: Good,
    /// Tonnes per year in the good's unit ([`Form::unit`]).
    pub t_per_yr: f64,
    /// Where the figure comes from.
    pub source: Idx<Source>,
}

/// One rule of a growth path: demand of `sector` (or every sector) for
/// `elements` grows by `annual_growth` per year from `from_year` to `to_year`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrowthRule {
    /// The sector, or `None` for all.
    pub sector: Option<Sector>,
    /// The elements the rule applies to (magnet demand uses its recipe's
    /// elements: the rule applies if any of them is in the set).
    pub elements: ElementSet,
    /// First year the growth applies to (growth from `from_year - 1`).
    pub from_year: i32,
    /// Last year the growth applies to.
    pub to_year: i32,
    /// Growth per year as a fraction (0.087 = 8.7 %/yr).
    pub annual_growth: f64,
    /// Where the rate comes from.
    pub source: Idx<Source>,
}

impl GrowthRule {
    /// How specific the rule is: a named sector beats all sectors, fewer
    /// elements beat more.
    fn specificity(&self) -> (bool, std::cmp::Reverse<usize>) {
        (
            self.sector.is_some(),
            std::cmp::Reverse(self.elements.len()),
        )
    }
}

/// A named demand path, e.g. `steady` or `accelerated`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrowthPath {
    /// Name.
    pub name: String,
    /// Its rules; for each year the most specific matching rule applies.
    pub rules: Vec<GrowthRule>,
}

impl GrowthPath {
    /// Growth rate in `year` for `sector` and a good containing `elements`:
    /// the most specific rule covering that year, or zero.
    pub fn rate(&self, year: i32, sector: Sector, elements: ElementSet) -> f64 {
        self.rules
            .iter()
            .filter(|r| {
                (r.from_year..=r.to_year).contains(&year)
                    && r.sector.is_none_or(|s| s == sector)
                    && r.elements.intersects(elements)
            })
            .max_by_key(|r| r.specificity())
            .map_or(0.0, |r| r.annual_growth)
    }

    /// Demand in `year` relative to `base_year` (1.0 at the base year).
    /// Years before the base year use the inverse of the growth.
    pub fn factor(&self, base_year: i32, year: i32, sector: Sector, elements: ElementSet) -> f64 {
        let mut f = 1.0;
        if year >= base_year {
            for y in base_year + 1..=year {
                f *= 1.0 + self.rate(y, sector, elements);
            }
        } else {
            for y in year + 1..=base_year {
                f /= 1.0 + self.rate(y, sector, elements);
            }
        }
        f
    }
}

/// Elements a good contains, for matching growth rules.
pub fn good_elements(good: Good, recipes: &[MagnetRecipe]) -> ElementSet {
    match good {
        Good::Oxide { element } | Good::Metal { element } => ElementSet::one(element),
        Good::Magnet { grade } => recipes
            .get(grade.get())
            .map_or(ElementSet::EMPTY, |r| r.metal_kg_per_t.support()),
    }
}

/// Tonnes of REO-equivalent of each element in `t` tonnes of `good`.
pub fn reo_content(good: Good, t: f64, recipes: &[MagnetRecipe]) -> PerElement {
    let mut out = PerElement::ZERO;
    match good {
        Good::Oxide { element } => out[element] = t,
        Good::Metal { element } => out[element] = t * element.oxide_per_metal(),
        Good::Magnet { grade } => {
            if let Some(r) = recipes.get(grade.get()) {
                out = r.reo_t_per_t().scaled(t);
            }
        }
    }
    out
}
