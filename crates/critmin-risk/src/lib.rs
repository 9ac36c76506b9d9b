//! Monte Carlo over uncertain disruptions.
//!
//! A scenario's `[[risk]]` entries (events with random onsets, durations
//! and parameters, in correlation groups) and `[uncertainty]` inputs
//! (demand growth, mine output, project delays) are drawn into thousands of
//! futures; each runs on the one simulator of `critmin-sim`; only a few
//! numbers per future are kept, from which [`McSummary`] reports means with
//! standard errors, quantiles, CVaR95, shortfall probabilities, peak prices,
//! worst stockpile cover and exceedance curves.
//!
//! This crate owns sampling ([`rng`], [`sample`]), the parallel driver
//! ([`mc`]), the statistics ([`stats`]) and the benchmark ([`bench`]). It
//! depends on `critmin-model` and `critmin-sim` only, does no I/O and
//! draws no terminal; results are identical for a seed whatever the thread
//! count.

pub mod bench;
pub mod mc;
pub mod rng;
pub mod sample;
pub mod stats;

pub use mc::{
    CountryStats, ElementStats, Exceedance, FutureFactors, McConfig, McError, McResult, McSummary,
    MonteCarlo, OutcomeStats, StructuralSplit,
};
