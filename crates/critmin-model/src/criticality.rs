//! Inputs of the criticality (supply-risk) scores that the supply chain
//! itself does not give: country governance and trade restrictions,
//! per-element recycling and substitution, and the value added of the
//! sectors that use rare earths. The formulas that read them are in
//! `critmin-metrics` and `docs/metrics.md`.

use crate::{CountryCode, Element, Idx, Sector, Source};
use serde::Serialize;

/// A producing country's governance and trade-restriction inputs (EU JRC
/// method, Blengini et al. 2017).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Governance {
    /// The country.
    pub country: CountryCode,
    /// World Governance Indicators, mean of the six dimensions rescaled to
    /// 0–10 (10 = worst governance).
    pub wgi_0_10: f64,
    /// Trade-restriction factor `t_c` (1 = none; above 1 with export taxes,
    /// quotas, licensing or bans; below 1 with a trade agreement).
    pub trade_factor: f64,
    /// Where the figures come from.
    pub source: Idx<Source>,
}

/// Per-element inputs of the supply-risk formulas.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElementRisk {
    /// The element.
    pub element: Element,
    /// End-of-life recycling input rate, 0..1: the share of input to
    /// production that comes from recycled end-of-life scrap.
    pub eol_rir: f64,
    /// Substitution index for supply risk, 0..1 (1 = no substitute).
    pub si_sr: f64,
    /// Substitution index for economic importance, 0..1.
    pub si_ei: f64,
    /// USGS economic vulnerability, 0..1: how hard a price shock hits the
    /// users (spend on the element relative to their margins).
    pub economic_vulnerability: f64,
    /// Where the figures come from.
    pub source: Idx<Source>,
}

/// Value added of an end-use sector (for economic importance).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectorValue {
    /// The sector.
    pub sector: Sector,
    /// Annual value added of the manufacturing sector it maps to, USD.
    pub value_added_usd: f64,
    /// Where the figure comes from.
    pub source: Idx<Source>,
}
