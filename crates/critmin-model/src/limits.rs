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

/// The lowest annual growth, in percent per year, that a capacity trend
/// (`capacity_trends.csv`) or a demand growth rule (`growth.csv`) may
/// state: halving every year.
pub const MIN_GROWTH_PCT: f64 = -50.0;

/// The highest annual growth, in percent per year, that a capacity trend or
/// a demand growth rule may state: doubling every year.
pub const MAX_GROWTH_PCT: f64 = 100.0;

/// The first year a capacity trend may name.
pub const TREND_MIN_YEAR: i32 = 1900;

/// The last year a capacity trend may name: a trend beyond it is a typo.
pub const TREND_MAX_YEAR: i32 = 2100;

/// The largest any quantity may become once it is grown: a facility's
/// capacity (t/yr) times its capacity trends' factor at their peak, and a
/// demand row (t/yr) times its growth path's factor in any year the path
/// covers. Growth rates and spans are bounded one by one above, but they
/// compound: 100 %/yr over 2025–2100 multiplies a capacity by 2^76 ≈ 7.6e22,
/// which the solver cannot represent (HiGHS treats 1e20 as infinite) and
/// whose monthly mass balance float rounding breaks. Bounding the grown
/// quantity by the same [`MAX_TONNES`] as the base-year one keeps every
/// number the engine and the solver see within the range a valid dataset
/// may state in the first place; the loader checks it
/// (`docs/data-format.md`), and `crates/critmin-app/tests/limits.rs`
/// simulates and optimises datasets at these bounds.
pub const MAX_GROWN_TONNES: f64 = MAX_TONNES;
