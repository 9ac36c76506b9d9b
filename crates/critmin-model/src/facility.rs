//! Facilities at every stage, the compositions of their ores and products,
//! and magnet recipes.

use crate::{CountryCode, Idx, Month, PerElement, Source, Stage, Status};
use serde::Serialize;

/// The element make-up of an ore or a product, as fractions of REO that sum
/// to 1 (the dataset writes percentages summing to 100 ± 0.5, normalised on
/// load). Mines produce in their ore's proportions: that is the balance
/// problem.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Composition {
    /// Identifier, e.g. `mountain_pass_bastnaesite`.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Fraction of REO per element, summing to 1.
    pub shares: PerElement,
    /// Where the split comes from.
    pub source: Idx<Source>,
}

/// A magnet grade's rare-earth content.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MagnetRecipe {
    /// Grade name, e.g. `ndfeb_ev` (high-coercivity, Dy-bearing).
    pub grade: String,
    /// Kilograms of rare-earth **metal** per tonne of magnet.
    pub metal_kg_per_t: PerElement,
    /// Where the recipe comes from.
    pub source: Idx<Source>,
}

impl MagnetRecipe {
    /// Tonnes of REO-equivalent of each element in one tonne of magnet.
    pub fn reo_t_per_t(&self) -> PerElement {
        let mut out = PerElement::ZERO;
        for (e, kg) in self.metal_kg_per_t.iter() {
            out[e] = kg / 1000.0 * e.oxide_per_metal();
        }
        out
    }
}

/// Where a separation or cracking plant may take its feed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedRef {
    /// Concentrate from one facility (a mine or a cracking plant).
    Facility(Idx<Facility>),
    /// Concentrate from any mining-stage facility in a country.
    Country(CountryCode),
    /// Concentrate from anywhere.
    Any,
}

/// What a facility does, with the data only its stage has.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Process {
    /// A mine (with its concentrator): produces mixed concentrate in its ore's
    /// composition.
    Mine {
        /// Deposit name, e.g. `Mountain Pass carbonatite`.
        deposit: String,
        /// The ore's element composition.
        ore: Idx<Composition>,
        /// Ore grade, % TREO, if known.
        grade_pct: Option<f64>,
    },
    /// A cracking/leaching plant at the mining stage: turns concentrate into a
    /// mixed rare-earth compound without separating it (Kalgoorlie).
    Cracking {
        /// Where its concentrate comes from.
        feed: Vec<FeedRef>,
        /// Fraction of REO recovered, 0..1.
        recovery: f64,
    },
    /// Solvent-extraction separation into individual oxides.
    Separation {
        /// Where its concentrate comes from.
        feed: Vec<FeedRef>,
        /// Fraction of each element's REO recovered as oxide, 0..1.
        recovery: f64,
        /// The elements it separates; the rest of the feed leaves as residue.
        elements: crate::ElementSet,
    },
    /// Reduction of oxides to metal or alloy.
    MetalAlloy {
        /// Typical product mix (by REO content), e.g. NdPr 75:25.
        product: Idx<Composition>,
        /// Fraction of REO recovered as metal, 0..1.
        recovery: f64,
    },
    /// NdFeB magnet making.
    Magnet {
        /// The grade it makes.
        grade: Idx<MagnetRecipe>,
    },
}

/// A plant or mine.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Facility {
    /// Identifier, e.g. `mountain_pass_mine`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Operating company.
    pub operator: String,
    /// Where it is.
    pub country: CountryCode,
    /// Its stage; the unit of `capacity_t_per_yr` follows from it
    /// ([`Stage::capacity_unit`]).
    pub stage: Stage,
    /// Nameplate capacity per year in the stage's unit.
    pub capacity_t_per_yr: f64,
    /// Share of capacity used in the base year, 0..1.
    pub utilisation: f64,
    /// Life-cycle status.
    pub status: Status,
    /// First month of production; `None` if it started before the base year.
    pub start: Option<Month>,
    /// First month without production; `None` if open-ended.
    pub end: Option<Month>,
    /// Stage-specific process data.
    pub process: Process,
    /// Unit operating cost, USD per tonne of output, if known.
    pub unit_cost_usd_per_t: Option<f64>,
    /// Waste, tonnes per tonne of REO processed, if known.
    pub waste_t_per_t_reo: Option<f64>,
    /// Direct jobs, if known.
    pub direct_jobs: Option<u32>,
    /// Where the figures come from.
    pub source: Idx<Source>,
}

impl Facility {
    /// Whether the facility produces in `month`: its start has passed, its
    /// end has not, and it is not closed without a date.
    pub fn active_in(&self, month: Month) -> bool {
        let started = self.start.is_none_or(|s| s <= month);
        let ended = match self.end {
            Some(e) => month >= e,
            None => self.status == Status::Closed,
        };
        let pending =
            self.start.is_none() && matches!(self.status, Status::Planned | Status::Construction);
        started && !ended && !pending
    }

    /// Expected output per year in the stage's unit: capacity × utilisation.
    pub fn output_t_per_yr(&self) -> f64 {
        self.capacity_t_per_yr * self.utilisation
    }

    /// Whether this is a mine (not a cracking plant).
    pub fn is_mine(&self) -> bool {
        matches!(self.process, Process::Mine { .. })
    }

    /// The feed list of a separation or cracking plant.
    pub fn feed(&self) -> &[FeedRef] {
        match &self.process {
            Process::Cracking { feed, .. } | Process::Separation { feed, .. } => feed,
            _ => &[],
        }
    }
}
