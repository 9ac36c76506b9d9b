//! One module per operation; each exposes a request struct (its `Default`
//! holds the one copy of each default), a response struct and a function
//! from one to the other.

pub mod accounts;
pub mod alerts;
pub mod assess;
pub mod backtest;
pub mod data;
pub mod fetch;
pub(crate) mod futures;
pub mod intel;
pub mod jobs;
pub(crate) mod library;
pub mod metrics;
pub mod montecarlo;
pub mod optimize;
pub mod scenarios;
pub mod simulate;
pub mod taxii;
pub mod workspace;

use crate::AppError;
use critmin_model::Model;

/// The year asked for, or the base year; between the base year and 2100.
pub(crate) fn check_year(m: &Model, year: Option<i32>, field: &str) -> Result<i32, AppError> {
    let y = year.unwrap_or(m.base_year);
    if y < m.base_year || y > 2100 {
        return Err(AppError::bad(
            field,
            format!(
                "{y} is outside {}..=2100 (the dataset's base year is {})",
                m.base_year, m.base_year
            ),
        ));
    }
    Ok(y)
}
