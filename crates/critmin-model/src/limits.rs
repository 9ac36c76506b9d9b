//! The bounds every input must respect, in one place: the dataset loader,
//! the scenario and plan readers and the command-line front ends all check
//! against these constants, so a value one reader accepts is never
//! rejected (or silently mishandled) by another.

pub use crate::time::{MAX_YEAR, MIN_YEAR};

/// The largest quantity in tonnes (a capacity in t/yr, a stock or a demand
/// in t) that any input may state: ten million tonnes, some 25 times world
/// mine output. Larger numbers are typos.
pub const MAX_TONNES: f64 = 1.0e7;

/// The longest run, in months, a scenario's `horizon_months` or any
/// front end's `--horizon` may ask for: fifty years.
pub const MAX_HORIZON_MONTHS: u32 = 600;

/// The most Monte Carlo futures one request may ask for.
pub const MAX_RUNS: usize = 10_000_000;
