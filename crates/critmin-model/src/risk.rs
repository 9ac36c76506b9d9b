//! Uncertainty as the Monte Carlo engine consumes it: `[[risk]]` entries
//! that draw events at random (onset probability, duration and parameters
//! as distributions, correlation groups) and `[uncertainty]` inputs
//! (demand growth, mine output, project delays). Plain data: reading them
//! belongs to `critmin-format`, sampling to `critmin-risk`.

use crate::scenario::{FormSet, Importers};
use crate::{CountryCode, ElementSet, Facility, Idx, Project, Sector};
use serde::{Deserialize, Serialize};

/// A probability distribution of one number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Dist {
    /// Always this value.
    Fixed(f64),
    /// Uniform on `[min, max]`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Triangular on `[min, max]` with mode `mode`.
    Triangular {
        /// Lower bound.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        max: f64,
    },
    /// Normal, clamped to the parameter's valid range.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Log-normal: `exp(N(ln median, sigma²))`.
    LogNormal {
        /// Median.
        median: f64,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
    /// One of `values`, with probabilities proportional to `weights`.
    Discrete {
        /// The values.
        values: Vec<f64>,
        /// Their weights (same length, ≥ 0, not all 0).
        weights: Vec<f64>,
    },
}

impl Dist {
    /// The distribution's mean (for reports and tests).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Uniform { min, max } => 0.5 * (min + max),
            Dist::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Dist::Normal { mean, .. } => *mean,
            Dist::LogNormal { median, sigma } => median * (0.5 * sigma * sigma).exp(),
            Dist::Discrete { values, weights } => {
                let w: f64 = weights.iter().sum();
                values.iter().zip(weights).map(|(v, p)| v * p).sum::<f64>() / w
            }
        }
    }
}

/// The event a risk draws, with its parameters as distributions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum RiskTemplate {
    /// An export restriction whose allowed share is drawn.
    ExportRestriction {
        /// Exporters.
        exporters: Vec<CountryCode>,
        /// Importers.
        importers: Importers,
        /// Elements covered.
        elements: ElementSet,
        /// Forms covered.
        forms: FormSet,
        /// Allowed share of normal flow, 0..1.
        allowed_share: Dist,
    },
    /// A facility outage whose remaining share is drawn.
    FacilityOutage {
        /// The facility.
        facility: Idx<Facility>,
        /// Remaining share of capacity, 0..1.
        remaining_share: Dist,
    },
    /// A demand shock whose factor is drawn.
    DemandShock {
        /// Countries (empty = all).
        countries: Vec<CountryCode>,
        /// Sectors (empty = all).
        sectors: Vec<Sector>,
        /// Elements.
        elements: ElementSet,
        /// Multiplier.
        factor: Dist,
    },
    /// A project delay (applied once, at the first onset).
    ProjectDelay {
        /// The project.
        project: Idx<Project>,
        /// Months of delay.
        months: Dist,
    },
}

/// A random event source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risk {
    /// Name (for reports).
    pub name: String,
    /// Correlation group: risks of one group share one onset process and
    /// one duration (they happen together); their parameters are drawn
    /// separately.
    pub group: Option<String>,
    /// Probability that the risk (or its group) starts in a month when it
    /// is not already in force.
    pub onset_per_month: f64,
    /// How long an occurrence lasts, months (rounded, at least 1).
    pub duration_months: Dist,
    /// What it does.
    pub template: RiskTemplate,
    /// Line in the scenario file.
    pub line: usize,
}

/// Uncertain inputs drawn once per future.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Uncertainty {
    /// Multiplier on the demand path's growth (1 = the path as written;
    /// 0 = no growth), drawn once per future.
    pub demand_growth: Option<Dist>,
    /// Multiplier on each mine's output, drawn per mine and future.
    pub mine_output: Option<Dist>,
    /// Delay of every pipeline project, months, drawn per project and
    /// future.
    pub project_delay_months: Option<Dist>,
}

impl Uncertainty {
    /// Whether nothing is uncertain.
    pub fn is_empty(&self) -> bool {
        self.demand_growth.is_none()
            && self.mine_output.is_none()
            && self.project_delay_months.is_none()
    }
}

/// Converts a yearly probability to a monthly one: `1 − (1 − p)^(1/12)`.
pub fn monthly_from_yearly(p: f64) -> f64 {
    1.0 - (1.0 - p).powf(1.0 / 12.0)
}
