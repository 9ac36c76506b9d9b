//! Scenarios: what happens when (events) and how the partners respond
//! (policies). The types are plain data in `critmin-model`, re-exported
//! here under the paths the simulator's users know; reading them from TOML
//! is `critmin-format`'s (`critmin_format::scenario::parse`, documented in
//! `docs/scenarios.md`), which this crate does not depend on.

pub use critmin_model::scenario::{
    Event, EventKind, FormSet, Importers, Policy, ReleaseRule, Scenario, SharingAgreement,
    SharingRule,
};
