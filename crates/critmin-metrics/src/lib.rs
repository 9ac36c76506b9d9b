//! Measures of exposure computed from a [`critmin_model::Model`] for a given
//! year: how much each facility can make and makes of each element
//! ([`flows`]), and the per-stage summary of world capacity, output and
//! country shares ([`summary`]).
//!
//! Everything here is a pure function of the model and its arguments: no
//! I/O, no randomness, no solver. This crate depends on `critmin-model`
//! only; the simulator and the reports read its results, never the
//! reverse.

pub mod flows;
pub mod summary;

pub use flows::{FacilityFlow, facility_flows};
pub use summary::{CountryShare, StageElementSummary, TOTAL_REO, stage_summary};
