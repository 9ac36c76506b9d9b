//! The project pipeline: facilities that are announced or candidates for
//! financing, with what they cost and how long they take.

use crate::{CountryCode, Facility, Idx, Month, Source};
use serde::Serialize;

/// Whether a project proceeds without the partnership's fund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Funding {
    /// Financed (or under construction): comes online at its facility's start
    /// month in every projection.
    Committed,
    /// Looking for finance: comes online only in a plan that funds it.
    Seeking,
}

impl Funding {
    /// Parses `committed` or `seeking`.
    pub fn parse(s: &str) -> Option<Funding> {
        match s.trim().to_ascii_lowercase().as_str() {
            "committed" => Some(Funding::Committed),
            "seeking" => Some(Funding::Seeking),
            _ => None,
        }
    }
}

/// A project of the pipeline. Its physical data (stage, capacity, feed,
/// ore) are those of its facility, which has status `planned` or
/// `construction`, or is an expansion of an operating plant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Project {
    /// Identifier, e.g. `iluka_eneabba`.
    pub id: String,
    /// The facility it builds.
    pub facility: Idx<Facility>,
    /// Capital cost, USD.
    pub capex_usd: f64,
    /// Months from a financing decision to first output.
    pub lead_time_months: u32,
    /// Earliest month it could produce.
    pub earliest_start: Month,
    /// Countries sponsoring it (governments or companies' home countries).
    pub sponsors: Vec<CountryCode>,
    /// Committed or seeking finance.
    pub funding: Funding,
    /// Where the figures come from.
    pub source: Idx<Source>,
}
