//! The rare-earth supply-chain model: the 17 elements and the forms they move
//! in, the stages of the chain (mining → separation → metal/alloy → magnet →
//! end use), countries and groups, facilities with their ores and recipes,
//! demand and its growth paths, capacity growth trends, inventories,
//! stockpiles, the project pipeline, published statistics and the sources
//! behind every number.
//!
//! This crate owns the *types* and the arithmetic that is true of any
//! dataset (oxide/metal conversion, growth factors, whether a facility is
//! active in a month), and the domain arithmetic every engine shares: the
//! goods layout ([`goods`]), base prices ([`prices`]) and feed mixing
//! ([`feed_mix`]). It does no I/O and must not depend on any other
//! critmin crate, on a file format, a solver, a terminal or a network:
//! `critmin-data` reads datasets into a [`Model`]; every other crate reads a
//! `Model`.
//!
//! It also holds, as plain data, what the simulator and optimisers consume
//! besides a dataset: resolved [`Scenario`]s with their events and
//! policies, [`Risk`]s and [`Uncertainty`] for Monte Carlo, and a
//! [`Plan`] with its [`Overlay`]. `critmin-format` reads them from files.
//!
//! Units are in names: `capacity_t_per_yr` is tonnes per year in the stage's
//! unit ([`Stage::capacity_unit`]), `t_per_yr` on demand is in the good's
//! unit ([`Form::unit`]), money is USD, time is calendar [`Month`]s.

mod chain;
mod criticality;
mod demand;
mod diagnostic;
mod element;
mod facility;
mod feed;
mod geo;
pub mod goods;
mod idx;
pub mod limits;
mod model;
mod overlay;
pub mod prices;
mod project;
pub mod risk;
pub mod scenario;
mod source;
mod stats;
mod stock;
mod time;
mod trend;

pub use chain::{Form, Sector, Stage, Status};
pub use criticality::{ElementRisk, Governance, SectorValue};
pub use demand::{DemandRow, Good, GrowthPath, GrowthRule, good_elements, reo_content};
pub use diagnostic::Diagnostic;
pub use element::{Element, ElementClass, ElementSet, N_ELEMENTS, PerElement};
pub use facility::{Composition, Facility, FeedRef, MagnetRecipe, Process};
pub use feed::{feed_mix, feed_sources};
pub use geo::{ALLIED, Country, CountryCode, DEFAULT_ALLIED, EU_MEMBERS, Group, US_JP};
pub use goods::{GoodIx, GoodsLayout};
pub use idx::Idx;
pub use model::{Model, Table};
pub use overlay::{Overlay, Plan};
pub use project::{Funding, Project};
pub use risk::{Dist, Risk, RiskTemplate, Uncertainty};
pub use scenario::{
    Event, EventKind, FormSet, Importers, Policy, ReleaseRule, Scenario, SharingAgreement,
    SharingRule, TollStages, Tolling,
};
pub use source::{Confidence, Source};
pub use stats::{
    Benchmark, BenchmarkMetric, DemandResponse, MagnetPrice, MineProduction, Precaution, Price,
    PriceResponse, ProcessingCost, SupplyResponse, ValueAdded,
};
pub use stock::{ConcentratePrice, ConcentrateStock, InventoryPolicy, Stockpile, StockpileTarget};
pub use time::{MAX_YEAR, MIN_YEAR, Month, MonthParseError};
pub use trend::CapacityTrend;
