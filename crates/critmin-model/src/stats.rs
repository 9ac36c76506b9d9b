//! Published statistics the dataset is checked against: national mine
//! production and reserves, stage shares, prices.

use crate::{CountryCode, Element, ElementSet, Form, Idx, Source, Stage};
use serde::Serialize;

/// A country's mine production and reserves as a statistical agency
/// publishes them (USGS MCS).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MineProduction {
    /// Country; `None` for the rest of the world ("Other").
    pub country: Option<CountryCode>,
    /// Year.
    pub year: i32,
    /// Mine production, t REO, if published.
    pub production_t_reo: Option<f64>,
    /// Reserves, t REO, if published.
    pub reserves_t_reo: Option<f64>,
    /// Where the figures come from.
    pub source: Idx<Source>,
}

/// What a benchmark measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BenchmarkMetric {
    /// World output of the stage, in the stage's unit (REO terms).
    WorldOutputT,
    /// A country's share of the stage's world output, 0..1.
    Share,
}

/// A published aggregate the facility data must reproduce (within a
/// tolerance the tests state), e.g. "China's share of separation: 0.91".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Benchmark {
    /// Identifier.
    pub id: String,
    /// The stage.
    pub stage: Stage,
    /// What is measured.
    pub metric: BenchmarkMetric,
    /// For shares, whose share.
    pub country: Option<CountryCode>,
    /// Year.
    pub year: i32,
    /// The published value.
    pub value: f64,
    /// Where it comes from.
    pub source: Idx<Source>,
}

/// A baseline price.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Price {
    /// Element.
    pub element: Element,
    /// Form (oxide or metal).
    pub form: Form,
    /// USD per kg of the form.
    pub usd_per_kg: f64,
    /// Year the price refers to.
    pub year: i32,
    /// Where it comes from.
    pub source: Idx<Source>,
}

/// A finished magnet's price, by grade (`magnet_prices.csv`): what a
/// stockpile pays for magnets, which cost more than their metal content.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MagnetPrice {
    /// The grade (a recipe of `recipes.csv`).
    pub grade: Idx<crate::MagnetRecipe>,
    /// USD per kg of magnet.
    pub usd_per_kg: f64,
    /// Year the price refers to.
    pub year: i32,
    /// Where it comes from.
    pub source: Idx<Source>,
}

/// What a stage adds to the value of its product at Chinese prices, and
/// how much more allied plants cost (`processing_costs.csv`): the cost
/// premium of allied processing a portfolio reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessingCost {
    /// The stage.
    pub stage: crate::Stage,
    /// What the stage adds per kg of its product at Chinese prices.
    pub value_added: ValueAdded,
    /// Where the value added comes from.
    pub source: Idx<Source>,
    /// Allied cost above Chinese supply, low and high, shares of the value
    /// added (0.4 = 40 % dearer).
    pub premium: (f64, f64),
    /// Where the premium comes from.
    pub premium_source: Idx<Source>,
}

/// What a stage adds to the value of its product.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueAdded {
    /// USD per kg of the stage's capacity unit (metal, magnet).
    UsdPerKg(f64),
    /// A share of the oxide value of the plant's element mix at baseline
    /// prices (mining: its ore; separation: its feed's mix of the elements
    /// it separates), per kg REO.
    ShareOfOxide(f64),
}

/// How final demand of some sectors for some elements answers price
/// (`demand_response.csv`, see `docs/simulation.md`): at once, with a
/// short-run elasticity; and over months, by substitution and thrifting
/// whose share grows while the smoothed price index is at or above a
/// trigger, up to a ceiling, and falls back slowly once it is below.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemandResponse {
    /// The sector (`None`: every sector, written `*`).
    pub sector: Option<crate::Sector>,
    /// The elements the row applies to (a demand row matches if its good
    /// contains any of them).
    pub elements: ElementSet,
    /// Short-run price elasticity of the quantity demanded (≥ 0): demand =
    /// base × index^(−elasticity).
    pub short_run_elasticity: f64,
    /// Most of the row's demand that can be substituted or thrifted away,
    /// 0..0.95.
    pub max_share: f64,
    /// Growth of the substituted share per year while the trigger holds,
    /// as a share of demand (0..1 per year).
    pub rate_per_yr: f64,
    /// Months over which the price is smoothed before it acts (buyers
    /// redesign only once a price has lasted), ≥ 0.
    pub lag_months: f64,
    /// Smoothed price index at and above which substitution grows, ≥ 1.
    pub trigger_index: f64,
    /// Fall of the substituted share per year once the smoothed index is
    /// below the trigger (0 = never reverses), share of demand per year.
    pub reversal_per_yr: f64,
    /// Where the values come from.
    pub source: Idx<Source>,
}

/// How the facilities of one stage in one country (or every country)
/// answer price (`supply_response.csv`, see `docs/simulation.md`): idle
/// capacity restarts as a smoothed price rises, and sustained high prices
/// build new capacity, slowly and up to a ceiling.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupplyResponse {
    /// The country (`None`: every country without a row of its own,
    /// written `*`).
    pub country: Option<CountryCode>,
    /// The stage.
    pub stage: Stage,
    /// Months over which the price utilisation follows is smoothed (idle
    /// capacity restarts with this lag), ≥ 0.
    pub restart_lag_months: f64,
    /// Smoothed index at and above which capacity is built, ≥ 1.
    pub trigger_index: f64,
    /// Months over which the price that decides building is smoothed
    /// (years, for new mines), ≥ 0.
    pub build_lag_months: f64,
    /// Growth of capacity per year while building is triggered, as a share
    /// of the facility's capacity (0..1 per year).
    pub growth_per_yr: f64,
    /// Most a facility's capacity may grow this way, as a factor (≥ 1).
    pub max_factor: f64,
    /// Most months a facility not yet running may start early: one month
    /// earlier for each month its build price is at or above the trigger.
    pub accelerate_months: f64,
    /// Most months a facility not yet running may be deferred: one month
    /// later for each month its build price is below `defer_index`.
    pub defer_months: f64,
    /// Build price below which a facility not yet running is deferred.
    pub defer_index: f64,
    /// Where the values come from.
    pub source: Idx<Source>,
}

/// How buyers hold precautionary stock (`precautionary.csv`, see
/// `docs/simulation.md`, "Precautionary stocks"): while the price of what
/// a stage buys rises fast they raise their working stock target, up to a
/// ceiling in months of throughput; once it falls they lower it again.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Precaution {
    /// The country (`None`: every country without a row of its own,
    /// written `*`).
    pub country: Option<CountryCode>,
    /// The stage whose stock it is: `metal_alloy` (metal, bought as oxide),
    /// `magnet` (magnets, bought as metal) or `end_use` (final buyers'
    /// own stock of the oxide, metal or magnets they buy).
    pub stage: Stage,
    /// Months over which the price is smoothed, ≥ 0.
    pub smoothing_months: f64,
    /// Rise of the price over its smoothed value (a share: 0.25 = 25 %
    /// above) at and above which stock is built.
    pub trigger_rise: f64,
    /// Most extra stock, in months of the stage's planned throughput.
    pub max_months: f64,
    /// Extra months of throughput added to the target each month while
    /// triggered.
    pub build_months_per_month: f64,
    /// Extra months taken off the target each month while the price is
    /// below its smoothed value.
    pub release_months_per_month: f64,
    /// Where the values come from.
    pub source: Idx<Source>,
}

/// How scarcity moves the price of some elements in one form, for the
/// simulator's price index (see `docs/simulation.md`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceResponse {
    /// The elements the row applies to.
    pub elements: ElementSet,
    /// The form (oxide, metal or magnet).
    pub form: Form,
    /// Short-run price elasticity of demand (> 0): the index targets
    /// `(served ÷ demand)^(−1/ε)`.
    pub demand_elasticity: f64,
    /// Share of the gap to that target closed each month, 0..1.
    pub adjustment_per_month: f64,
    /// Ceiling of the index.
    pub max_index: f64,
    /// Floor of the index: how far the price inside an exporter whose
    /// capped exports leave it with unsold supply may fall (1 = never
    /// below the baseline price).
    pub min_index: f64,
    /// World index at which mines and separation plants making the element
    /// run at full capacity.
    pub full_supply_response_index: f64,
    /// Where the values come from.
    pub source: Idx<Source>,
}
