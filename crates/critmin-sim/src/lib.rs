//! The monthly disruption simulator.
//!
//! A [`Scenario`] (TOML, see `docs/scenarios.md`) names events — export
//! restrictions, facility outages, demand shocks, project delays, manual
//! stockpile releases — and policies: priority tiers, stockpile release
//! rules, sharing agreements. [`simulate`] compiles the model and scenario
//! into a flat [`Network`] and steps it month by month: mines produce in
//! their ores' proportions, separation, metal and magnet plants convert
//! within capacity and feed, markets clear by priority tier across borders
//! that restrictions may cap, stockpiles release and are shared, and a
//! scarcity price index responds to shortfall. Mass is conserved per
//! element every month, and the same input always gives the same output.
//!
//! This crate owns the engine. The scenario types it consumes are plain
//! data in `critmin-model`, re-exported here ([`scenario`], [`risk`],
//! [`Overlay`]) so the simulator's users need one import path; their file
//! format is `critmin-format`'s, which this crate must not depend on (the
//! engine takes resolved scenarios, never text). It depends on
//! `critmin-model` alone, never calls a solver, and does no I/O: callers
//! read files and write results.

mod alloc;
mod engine;
pub mod library;
mod network;
mod output;
pub mod risk;
pub mod scenario;
mod tariff;
mod toll;

pub use alloc::{Allocation, Allocator, Buyer, Cap, Flow, Market};
pub use critmin_model::Overlay;
pub use engine::{
    BALANCE_ABS_TOLERANCE_T, BALANCE_REL_TOLERANCE, BuyerAudit, Cell, CountrySummary,
    ElementSummary, FORMS, FormIx, NormalFlows, TariffSummary, TollSummary, normal_flows,
    run_months, simulate_against,
};
pub use engine::{Balance, MonthStats, Recorder, RunSummary, simulate, simulate_with};
pub use network::{CountryIx, Network, NetworkError, PriceParams, Tariff};
pub use output::{MonthlyRecorder, MonthlyRow};
pub use scenario::{Event, EventKind, Policy, Scenario};
