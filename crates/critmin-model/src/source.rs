//! Sources: the publications every number in a dataset comes from.

use serde::Serialize;
use std::fmt;

/// How far a figure can be trusted, using the codes of the reference data
/// pack (`shared/data/reference-figures.md`) plus `E` for critmin's own
/// estimates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Confidence {
    /// Seen in a primary or official text.
    H,
    /// Reputable secondary reporting that quotes the primary.
    M,
    /// Blog, aggregator or single uncorroborated secondary source.
    L,
    /// Not verified against a primary text (recalled literature).
    U,
    /// Derived by arithmetic from sourced numbers; the note shows how.
    D,
    /// Estimated by the critmin team where the sources have a gap; the note
    /// gives the reasoning.
    E,
}

impl Confidence {
    /// Parses one of `H M L U D E`.
    pub fn parse(s: &str) -> Option<Confidence> {
        Some(match s.trim().to_ascii_uppercase().as_str() {
            "H" => Confidence::H,
            "M" => Confidence::M,
            "L" => Confidence::L,
            "U" => Confidence::U,
            "D" => Confidence::D,
            "E" => Confidence::E,
            _ => return None,
        })
    }

    /// Whether a figure with this confidence is an estimate rather than a
    /// reported value (everything but `H` and `M`).
    pub fn is_estimate(self) -> bool {
        !matches!(self, Confidence::H | Confidence::M)
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// One entry of the sources table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    /// Identifier that data rows cite, e.g. `usgs-mcs2025`.
    pub id: String,
    /// Publication or publisher, e.g. `USGS Mineral Commodity Summaries 2025`.
    pub publication: String,
    /// Where in it: table, page or section.
    pub locator: String,
    /// Year of publication.
    pub year: i32,
    /// Full citation or address.
    pub citation: String,
    /// Confidence code.
    pub confidence: Confidence,
    /// How the figure was read, derived or estimated.
    pub note: String,
}
