//! Which elements a row of a metric covers: one element, or one of the
//! totals analysts ask about (all rare earths, the magnet four, light,
//! heavy). Totals are sums of per-element t REO-equivalent.

use critmin_model::{Element, ElementClass, ElementSet};
use std::fmt;

/// One element or a named total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// A single element.
    One(Element),
    /// All 17 rare earths (`all`).
    All,
    /// The magnet rare earths Nd, Pr, Dy, Tb (`magnet`).
    Magnet,
    /// The light rare earths La–Eu (`light`).
    Light,
    /// The heavy rare earths Gd–Lu, Y and Sc (`heavy`).
    Heavy,
}

impl Scope {
    /// The four totals, in report order.
    pub const TOTALS: [Scope; 4] = [Scope::All, Scope::Magnet, Scope::Light, Scope::Heavy];

    /// The elements covered.
    pub fn set(self) -> ElementSet {
        match self {
            Scope::One(e) => ElementSet::one(e),
            Scope::All => ElementSet::ALL,
            Scope::Magnet => Element::MAGNET
                .iter()
                .fold(ElementSet::EMPTY, |s, &e| s.with(e)),
            Scope::Light => ElementSet::class(ElementClass::Light),
            Scope::Heavy => ElementSet::class(ElementClass::Heavy),
        }
    }

    /// The label used in tables and JSON: the symbol (`Nd`) or the total's
    /// name (`all`, `magnet`, `light`, `heavy`), the same words datasets use
    /// for element sets.
    pub fn label(self) -> String {
        match self {
            Scope::One(e) => e.symbol().to_string(),
            Scope::All => "all".into(),
            Scope::Magnet => "magnet".into(),
            Scope::Light => "light".into(),
            Scope::Heavy => "heavy".into(),
        }
    }

    /// Parses a label.
    pub fn parse(s: &str) -> Option<Scope> {
        match s.trim().to_ascii_lowercase().as_str() {
            "all" | "reo" => Some(Scope::All),
            "magnet" => Some(Scope::Magnet),
            "light" => Some(Scope::Light),
            "heavy" => Some(Scope::Heavy),
            _ => Element::from_symbol(s).map(Scope::One),
        }
    }

    /// The totals followed by every element, in index order.
    pub fn every() -> impl Iterator<Item = Scope> {
        Scope::TOTALS
            .into_iter()
            .chain(Element::ALL.into_iter().map(Scope::One))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}
