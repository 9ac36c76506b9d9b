//! Optimisation over the critmin model with a real solver: HiGHS, through
//! `good_lp`, lives in this crate only, so nothing else compiles it.
//!
//! This crate owns building and solving LP/MILP models:
//!
//! - [`chain`]: the static model of one year of the chain outside China —
//!   mines in their ores' proportions, separation within feed and capacity,
//!   metal, magnets by recipe, China's exports capped by a disruption — the
//!   LP both optimisers build on;
//! - [`disruption`]: simulator scenarios folded into that year, and a
//!   target-year scenario to check a plan by simulation;
//! - [`portfolio`]: the fund's portfolio MILP (which projects, when, within
//!   a budget schedule);
//! - [`stockpile`]: the stockpile LP (what each partner holds, per element,
//!   at least cost);
//! - [`plan`]: plans, the decisions as an overlay the simulator reads
//!   (their file format is `critmin-format`'s, re-exported here);
//! - [`lexmax`]: the lexicographic allocation LP that checks the
//!   simulator's market clearing.
//!
//! It depends on `critmin-model`, `critmin-format` (plan files),
//! `critmin-metrics` (the scorecard after a plan) and `critmin-sim`
//! (scenarios, the shortfall a stockpile must cover); nothing depends on it
//! but the binary. The simulator never calls it in its monthly step.
//! Solver types stay inside: results are plain data.
//!
//! Definitions and the reasoning behind them are in
//! `docs/optimization.md`.

pub mod chain;
pub mod disruption;
pub mod lexmax;
pub mod plan;
pub mod portfolio;
pub mod stockpile;

pub use portfolio::{Portfolio, PortfolioRequest, PortfolioResult};
pub use stockpile::{
    Conversion, PlanCheck, ScenarioClaim, StockpileRequest, StockpileResult, check_plan,
    optimise as optimise_stockpile, stock_prices,
};

/// Why an optimisation could not be set up or solved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OptError {
    /// The request contradicts itself or the data (included and excluded,
    /// a project alone over budget, shares not adding up …).
    #[error("{0}")]
    Invalid(String),
    /// A project id not in the dataset.
    #[error("unknown project `{id}`; projects.csv has: {}", .known.join(", "))]
    UnknownProject {
        /// The id asked for.
        id: String,
        /// The dataset's project ids.
        known: Vec<String>,
    },
    /// The growth path is not in the dataset.
    #[error("unknown growth path `{name}`; the dataset has: {}", .known.join(", "))]
    UnknownPath {
        /// The name asked for.
        name: String,
        /// The dataset's paths.
        known: Vec<String>,
    },
    /// No plan meets the request's constraints.
    #[error("{0}")]
    Infeasible(String),
    /// HiGHS failed.
    #[error("the solver failed: {0}")]
    Solver(String),
    /// The simulator could not run a scenario.
    #[error("cannot simulate `{scenario}`: {message}")]
    Simulation {
        /// Scenario name.
        scenario: String,
        /// What went wrong.
        message: String,
    },
}
