//! The 17 rare earth elements, their light/heavy class and the oxide chemistry
//! that converts between tonnes of oxide (REO) and tonnes of metal.
//!
//! Elements are a closed `enum` with a dense index so that per-element
//! quantities can live in fixed arrays ([`PerElement`]) — the simulator's
//! monthly step depends on that being cheap.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Index, IndexMut};

/// Number of rare earth elements (the 15 lanthanides plus Sc and Y).
pub const N_ELEMENTS: usize = 17;

/// Atomic weight of oxygen, g/mol.
const O_WEIGHT: f64 = 15.999;

/// A rare earth element.
///
/// The order is by atomic number (Sc 21, Y 39, then La 57 … Lu 71), which is
/// also the index order of [`PerElement`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum Element {
    Sc,
    Y,
    La,
    Ce,
    Pr,
    Nd,
    Pm,
    Sm,
    Eu,
    Gd,
    Tb,
    Dy,
    Ho,
    Er,
    Tm,
    Yb,
    Lu,
}

/// Light or heavy rare earth.
///
/// critmin follows the usual industry split: La–Eu are light; Gd–Lu and Y are
/// heavy. Sc is grouped with the heavies, as in China's April 2025 controls on
/// "medium and heavy" rare earths, which list it with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementClass {
    /// Light rare earths: La, Ce, Pr, Nd, Pm, Sm, Eu.
    Light,
    /// Heavy rare earths (incl. Y and Sc): Gd, Tb, Dy, Ho, Er, Tm, Yb, Lu, Y, Sc.
    Heavy,
}

/// Static facts about one element.
struct Info {
    symbol: &'static str,
    name: &'static str,
    atomic_number: u8,
    atomic_weight: f64,
    /// Oxide formula as traded, e.g. `Nd2O3`.
    oxide: &'static str,
    /// Metal atoms per formula unit of the traded oxide.
    oxide_metal_atoms: u8,
    /// Oxygen atoms per formula unit of the traded oxide.
    oxide_oxygen_atoms: u8,
    class: ElementClass,
}

use ElementClass::{Heavy, Light};

#[rustfmt::skip]
const INFO: [Info; N_ELEMENTS] = [
    Info { symbol: "Sc", name: "Scandium", atomic_number: 21, atomic_weight: 44.956, oxide: "Sc2O3", oxide_metal_atoms: 2, oxide_oxygen_atoms: 3, class: Heavy },
    Info { symbol: "Y", name: "Yttrium", atomic_number: 39, atomic_weight: 88.906, oxide: "Y2O3", oxide_metal_atoms: 2, oxide_oxygen_atoms: 3, class: Heavy },
    Info { symbol: "La", name: "Lanthanum", atomic_number: 57, atomic_weight: 138.905, oxide: "La2O3", oxide_metal_atoms: 2, oxide_oxygen_atoms: 3, class: Light },
    Info { symbol: "Ce", name: "Cerium", atomic_number: 58, atomic_weight: 140.116, oxide: "CeO2", oxide_metal_atoms: 1, oxide_oxygen_atoms: 2, class: Light },
    Info { symbol: "Pr", name: "Praseodymium", atomic_number: 59, atomic_weight: 140.908, oxide: "Pr6O11", oxide_metal_atoms: 6, oxide_oxygen_atoms: 11, class: Light },
    Info { symbol: "Nd", name: "Neodymium", atomic_number: 60, atomic_weight: 144.242, oxide: "Nd2O3", oxide_metal_atoms: 2, oxide_oxygen_atoms: 3, class: Light },
    Info { symbol: "Pm", name: "Promethium", atomic_number: 61, atomic_weight: 145.0, oxide: "Pm2O3", oxide_metal_atoms: 2, oxide_oxygen_atoms: 3, class: Light },
    Info { symbol: "Sm", name: "Samarium", atomic_number: 62, atomic_weight: 150.36, oxide: "Sm2O3", oxide_metal_atoms: 2, oxide_oxygen_atoms: 3, class: Light },
    Info { symbol: "Eu", name: "Europium", atomic_number: 63, atomic_weight: 151.964, oxide: "Eu2O3", oxide_metal_atoms: 2, oxide_oxygen_atoms: 3, class: Light },
    Info { symbol: "Gd", name: "Gadolinium", atomic_number: 64, atomic_weight: 157.25, oxide: "Gd2O3", oxide_metal_atoms: 2, oxide_oxygen_atoms: 3, class: Heavy },
    Info { symbol: "Tb", name: "Terbium", atomic_number: 65, atomic_weight: 158.925, oxide: "Tb4O7", oxide_metal_atoms: 4, oxide_oxygen_atoms: 7, class: Heavy },
    Info { symbol: "Dy", name: "Dysprosium", atomic_number: 66, atomic_weight: 162.5, oxide: "Dy2O3", oxide_metal_atoms: 2, oxide_oxygen_atoms: 3, class: Heavy },
    Info { symbol: "Ho", name: "Holmium", atomic_number: 67, atomic_weight: 164.93, oxide: "Ho2O3", oxide_metal_atoms: 2, oxide_oxygen_atoms: 3, class: Heavy },
    Info { symbol: "Er", name: "Erbium", atomic_number: 68, atomic_weight: 167.259, oxide: "Er2O3", oxide_metal_atoms: 2, oxide_oxygen_atoms: 3, class: Heavy },
    Info { symbol: "Tm", name: "Thulium", atomic_number: 69, atomic_weight: 168.934, oxide: "Tm2O3", oxide_metal_atoms: 2, oxide_oxygen_atoms: 3, class: Heavy },
    Info { symbol: "Yb", name: "Ytterbium", atomic_number: 70, atomic_weight: 173.045, oxide: "Yb2O3", oxide_metal_atoms: 2, oxide_oxygen_atoms: 3, class: Heavy },
    Info { symbol: "Lu", name: "Lutetium", atomic_number: 71, atomic_weight: 174.967, oxide: "Lu2O3", oxide_metal_atoms: 2, oxide_oxygen_atoms: 3, class: Heavy },
];

impl Element {
    /// All 17 elements in index order.
    pub const ALL: [Element; N_ELEMENTS] = [
        Element::Sc,
        Element::Y,
        Element::La,
        Element::Ce,
        Element::Pr,
        Element::Nd,
        Element::Pm,
        Element::Sm,
        Element::Eu,
        Element::Gd,
        Element::Tb,
        Element::Dy,
        Element::Ho,
        Element::Er,
        Element::Tm,
        Element::Yb,
        Element::Lu,
    ];

    /// The four elements of NdFeB magnets whose supply the partnership tracks
    /// most closely.
    pub const MAGNET: [Element; 4] = [Element::Nd, Element::Pr, Element::Dy, Element::Tb];

    /// Dense index, 0..17.
    #[inline]
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The element with dense index `i`, if `i < 17`.
    pub fn from_index(i: usize) -> Option<Element> {
        Element::ALL.get(i).copied()
    }

    /// Chemical symbol, e.g. `Nd`.
    pub fn symbol(self) -> &'static str {
        INFO[self.index()].symbol
    }

    /// English name, e.g. `Neodymium`.
    pub fn name(self) -> &'static str {
        INFO[self.index()].name
    }

    /// Atomic number.
    pub fn atomic_number(self) -> u8 {
        INFO[self.index()].atomic_number
    }

    /// Light or heavy.
    pub fn class(self) -> ElementClass {
        INFO[self.index()].class
    }

    /// The traded oxide's formula, e.g. `Nd2O3`, `CeO2`, `Pr6O11`, `Tb4O7`.
    pub fn oxide_formula(self) -> &'static str {
        INFO[self.index()].oxide
    }

    /// Mass fraction of metal in the traded oxide (t metal per t oxide),
    /// e.g. 0.857 for Nd2O3.
    pub fn metal_per_oxide(self) -> f64 {
        let i = &INFO[self.index()];
        let metal = f64::from(i.oxide_metal_atoms) * i.atomic_weight;
        metal / (metal + f64::from(i.oxide_oxygen_atoms) * O_WEIGHT)
    }

    /// Tonnes of oxide (REO) that contain one tonne of metal: the inverse of
    /// [`Element::metal_per_oxide`].
    pub fn oxide_per_metal(self) -> f64 {
        1.0 / self.metal_per_oxide()
    }

    /// Parses a chemical symbol, case-insensitively (`nd`, `Nd`, `ND`).
    pub fn from_symbol(s: &str) -> Option<Element> {
        let s = s.trim();
        Element::ALL
            .iter()
            .copied()
            .find(|e| e.symbol().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// A set of elements, stored as a 17-bit mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ElementSet(u32);

impl ElementSet {
    /// No element.
    pub const EMPTY: ElementSet = ElementSet(0);
    /// All 17 elements.
    pub const ALL: ElementSet = ElementSet((1 << N_ELEMENTS) - 1);

    /// The set of one element.
    pub const fn one(e: Element) -> ElementSet {
        ElementSet(1 << e as u32)
    }

    /// The light or the heavy elements.
    pub fn class(c: ElementClass) -> ElementSet {
        Element::ALL
            .iter()
            .filter(|e| e.class() == c)
            .fold(ElementSet::EMPTY, |s, &e| s.with(e))
    }

    /// This set plus `e`.
    #[must_use]
    pub const fn with(self, e: Element) -> ElementSet {
        ElementSet(self.0 | (1 << e as u32))
    }

    /// Whether `e` is in the set.
    #[inline]
    pub const fn contains(self, e: Element) -> bool {
        self.0 & (1 << e as u32) != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Union of two sets.
    #[must_use]
    pub const fn union(self, other: ElementSet) -> ElementSet {
        ElementSet(self.0 | other.0)
    }

    /// Whether the two sets share an element.
    pub const fn intersects(self, other: ElementSet) -> bool {
        self.0 & other.0 != 0
    }

    /// Number of elements in the set.
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The elements in index order.
    pub fn iter(self) -> impl Iterator<Item = Element> {
        Element::ALL.into_iter().filter(move |&e| self.contains(e))
    }

    /// Parses `all`, `light`, `heavy`, `magnet` or a `;`-separated list of
    /// symbols (`Nd;Pr`). Returns the offending word on failure.
    pub fn parse(s: &str) -> Result<ElementSet, String> {
        let s = s.trim();
        match s.to_ascii_lowercase().as_str() {
            "all" | "*" => return Ok(ElementSet::ALL),
            "light" => return Ok(ElementSet::class(ElementClass::Light)),
            "heavy" => return Ok(ElementSet::class(ElementClass::Heavy)),
            "magnet" => {
                return Ok(Element::MAGNET
                    .iter()
                    .fold(ElementSet::EMPTY, |a, &e| a.with(e)));
            }
            _ => {}
        }
        let mut set = ElementSet::EMPTY;
        for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            match Element::from_symbol(part) {
                Some(e) => set = set.with(e),
                None => return Err(part.to_string()),
            }
        }
        if set.is_empty() {
            return Err(s.to_string());
        }
        Ok(set)
    }
}

impl fmt::Display for ElementSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == ElementSet::ALL {
            return f.write_str("all");
        }
        let mut first = true;
        for e in self.iter() {
            if !first {
                f.write_str(";")?;
            }
            first = false;
            f.write_str(e.symbol())?;
        }
        Ok(())
    }
}

impl Serialize for ElementSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One `f64` per element, indexed by [`Element`]. The unit is the owner's to
/// state (usually tonnes of REO).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct PerElement(pub [f64; N_ELEMENTS]);

impl PerElement {
    /// All zeros.
    pub const ZERO: PerElement = PerElement([0.0; N_ELEMENTS]);

    /// Sum over all elements.
    pub fn total(&self) -> f64 {
        self.0.iter().sum()
    }

    /// Sum over the elements of a set.
    pub fn total_of(&self, set: ElementSet) -> f64 {
        set.iter().map(|e| self[e]).sum()
    }

    /// This vector multiplied by a scalar.
    #[must_use]
    pub fn scaled(&self, k: f64) -> PerElement {
        let mut out = *self;
        for v in &mut out.0 {
            *v *= k;
        }
        out
    }

    /// Adds `k × other` to this vector.
    pub fn add_scaled(&mut self, other: &PerElement, k: f64) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a += k * b;
        }
    }

    /// Iterates `(element, value)` pairs in index order.
    pub fn iter(&self) -> impl Iterator<Item = (Element, f64)> + '_ {
        Element::ALL.iter().map(move |&e| (e, self[e]))
    }

    /// The set of elements with a value above zero.
    pub fn support(&self) -> ElementSet {
        self.iter()
            .filter(|&(_, v)| v > 0.0)
            .fold(ElementSet::EMPTY, |s, (e, _)| s.with(e))
    }
}

impl Index<Element> for PerElement {
    type Output = f64;
    #[inline]
    fn index(&self, e: Element) -> &f64 {
        &self.0[e.index()]
    }
}

impl IndexMut<Element> for PerElement {
    #[inline]
    fn index_mut(&mut self, e: Element) -> &mut f64 {
        &mut self.0[e.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_round_trip_and_indices_are_dense() {
        for (i, e) in Element::ALL.iter().enumerate() {
            assert_eq!(e.index(), i);
            assert_eq!(Element::from_symbol(e.symbol()), Some(*e));
            assert_eq!(Element::from_index(i), Some(*e));
        }
        assert_eq!(Element::from_symbol("nd"), Some(Element::Nd));
        assert_eq!(Element::from_symbol("Xx"), None);
    }

    #[test]
    fn oxide_factors_match_hand_computation() {
        // Nd2O3: 2 × 144.242 / (2 × 144.242 + 3 × 15.999) = 0.8574
        assert!((Element::Nd.metal_per_oxide() - 0.8574).abs() < 1e-4);
        // CeO2: 140.116 / 172.114 = 0.8141
        assert!((Element::Ce.metal_per_oxide() - 0.8141).abs() < 1e-4);
        // Tb4O7: 635.70 / 747.693 = 0.8502
        assert!((Element::Tb.metal_per_oxide() - 0.8502).abs() < 1e-4);
        for e in Element::ALL {
            let f = e.metal_per_oxide();
            assert!(f > 0.6 && f < 0.9, "{e}: {f}");
        }
    }

    #[test]
    fn classes_split_light_and_heavy() {
        let light = ElementSet::class(ElementClass::Light);
        let heavy = ElementSet::class(ElementClass::Heavy);
        assert_eq!(light.len(), 7);
        assert_eq!(heavy.len(), 10);
        assert!(!light.intersects(heavy));
        assert_eq!(light.union(heavy), ElementSet::ALL);
        assert!(heavy.contains(Element::Dy) && light.contains(Element::Nd));
    }

    #[test]
    fn element_sets_parse() {
        let check = |s: &str, expect: &str| {
            assert_eq!(
                ElementSet::parse(s).map(|x| x.to_string()),
                Ok(expect.to_string()),
                "{s}"
            );
        };
        check("Nd;Pr", "Pr;Nd");
        check("all", "all");
        check("magnet", "Pr;Nd;Tb;Dy");
        check("light", "La;Ce;Pr;Nd;Pm;Sm;Eu");
        assert_eq!(ElementSet::parse("Nd;Qq"), Err("Qq".into()));
        assert!(ElementSet::parse("").is_err());
    }
}
