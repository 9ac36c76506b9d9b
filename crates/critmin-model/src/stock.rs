//! Working inventories held along the chain and strategic stockpiles.

use crate::{CountryCode, ElementSet, Facility, Good, Idx, Source, Stage};
use serde::Serialize;

/// Working inventory held at a stage, as months of that stage's throughput.
/// The simulator starts each stage's stock at this level and draws on it
/// in a disruption.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryPolicy {
    /// The stage whose output is held.
    pub stage: Stage,
    /// The country, or `None` for the default of every country.
    pub country: Option<CountryCode>,
    /// Months of throughput held.
    pub months: f64,
    /// Where the figure comes from.
    pub source: Idx<Source>,
}

/// A strategic stockpile: what a holder keeps of one good.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stockpile {
    /// The holder, e.g. `us_nds` (US National Defense Stockpile) or `jogmec`.
    pub holder: String,
    /// The holder's country.
    pub country: CountryCode,
    /// What is held.
    pub good: Good,
    /// Tonnes held, in the good's unit.
    pub tonnes: f64,
    /// Where the figure comes from.
    pub source: Idx<Source>,
}

/// A strategic stock of concentrate: a holder's tonnes of one mine's ore
/// concentrate (`stockpiles.csv` rows with `form = concentrate`), in the
/// mine's fixed element proportions. It reaches demand only through
/// separation plants that toll it for the holder (a scenario's or plan's
/// `[[policy.tolling]]`), so a concentrate stock with no tolling
/// arrangement sits unused.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConcentrateStock {
    /// The holder.
    pub holder: String,
    /// The holder's country.
    pub country: CountryCode,
    /// The mine whose concentrate is held (a mining-stage facility).
    pub mine: Idx<Facility>,
    /// Tonnes of REO contained.
    pub reo_t: f64,
    /// Where the figure comes from.
    pub source: Idx<Source>,
}

/// A concentrate's price (`concentrate_prices.csv`): what a tonne of REO
/// contained in one mine's concentrate sells for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConcentratePrice {
    /// The mine.
    pub mine: Idx<Facility>,
    /// USD per kg of REO contained.
    pub usd_per_kg_reo: f64,
    /// Year the price refers to.
    pub year: i32,
    /// Where it comes from.
    pub source: Idx<Source>,
}

/// A holder's stated target, in months of consumption.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StockpileTarget {
    /// The holder.
    pub holder: String,
    /// The holder's country.
    pub country: CountryCode,
    /// The elements the target covers.
    pub elements: ElementSet,
    /// Months of the country's consumption to hold.
    pub months: f64,
    /// Where the target comes from.
    pub source: Idx<Source>,
}
