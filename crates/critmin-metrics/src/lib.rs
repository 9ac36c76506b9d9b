//! Measures of exposure computed from a [`critmin_model::Model`] for a given
//! year: how much each facility can make and makes of each element
//! ([`flows`]); the per-stage summary ([`summary`]) and concentration
//! ([`concentration`]: shares, China's share, HHI, the allied share); what a
//! group consumes, imports, can supply itself and holds in stock
//! ([`exposure`], with the feed balance in [`balance`]); the partnership
//! scorecard ([`targets`]); and supply-risk scores ([`criticality`]). How a
//! year is projected from the base year — which facilities run, what demand
//! is — lives in [`projection`]. Every definition is written out in
//! `docs/metrics.md`.
//!
//! Everything here is a pure function of the model and its arguments: no
//! I/O, no randomness, no solver (the feed balance is a small max-flow,
//! computed exactly in [`balance`]). This crate depends on `critmin-model`
//! only; the simulator and the reports read its results, never the
//! reverse.
//!
//! ```
//! let model = critmin_data::baseline();
//! let m = critmin_metrics::metrics(&model, &Default::default(), model.base_year, &["us_jp"]).unwrap();
//! assert!(m.stages.iter().all(|s| (0.0..=1.0).contains(&s.china_share)));
//! ```

pub mod balance;
pub mod concentration;
pub mod criticality;
pub mod exposure;
pub mod flows;
pub mod projection;
pub mod scope;
pub mod summary;
pub mod targets;

pub use concentration::{STAGES, StageMetric, hhi, stage_metrics};
pub use exposure::{GroupExposure, GroupMetric, group_exposure};
pub use flows::{FacilityFlow, facility_flows};
pub use projection::{DEFAULT_PATH, HORIZON_YEAR, Projection};
pub use scope::Scope;
pub use summary::{CountryShare, StageElementSummary, TOTAL_REO, stage_summary};
pub use targets::{Scorecard, Status, TARGETS, scorecard};

use critmin_model::{ALLIED, Group, Model};
use serde::Serialize;

/// Why a metric could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// The growth path is not in the dataset.
    #[error("unknown growth path `{name}`; the dataset has: {}", .known.join(", "))]
    UnknownPath {
        /// The name asked for.
        name: String,
        /// The paths the dataset defines.
        known: Vec<String>,
    },
    /// The country or group is not in the dataset.
    #[error("unknown country or group `{name}`; use a country code from countries.csv or a group from dataset.toml ({})", .known.join(", "))]
    UnknownGroup {
        /// The name asked for.
        name: String,
        /// The groups the dataset defines.
        known: Vec<String>,
    },
}

/// The groups reported when none are asked for.
pub const DEFAULT_GROUPS: [&str; 4] = ["US", "JP", "us_jp", "allied"];

/// Concentration by stage and exposure by group in one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// Dataset name.
    pub dataset: String,
    /// Year.
    pub year: i32,
    /// Growth path.
    pub path: String,
    /// Whether projects seeking finance were counted.
    pub with_pipeline: bool,
    /// One row per stage and element (or total).
    pub stages: Vec<StageMetric>,
    /// One row per group and element (or total).
    pub groups: Vec<GroupMetric>,
    /// Supply-risk scores per element for the US and Japan together
    /// (`us_jp`), highest EU supply risk first.
    pub criticality: Vec<criticality::CriticalityRow>,
}

/// The allied group (empty if the dataset somehow has none).
pub fn allied(model: &Model) -> Group {
    model.group(ALLIED).cloned().unwrap_or(Group {
        name: ALLIED.into(),
        members: Vec::new(),
    })
}

/// Metrics for `year` for the named countries or groups.
pub fn metrics(
    model: &Model,
    projection: &Projection,
    year: i32,
    groups: &[&str],
) -> Result<Metrics, MetricsError> {
    let allied = allied(model);
    let flows = projection.flows(model, year);
    let demand = projection.demand(model, year)?;
    let mut rows = Vec::new();
    for name in groups {
        let members = model
            .resolve_region(name)
            .ok_or_else(|| MetricsError::UnknownGroup {
                name: name.to_string(),
                known: model.groups.iter().map(|g| g.name.clone()).collect(),
            })?;
        let ex = group_exposure(
            model,
            name,
            &members,
            &allied.members,
            &flows,
            &demand,
            year,
        );
        rows.extend(ex.metrics());
    }
    Ok(Metrics {
        dataset: model.name.clone(),
        year,
        path: projection.path.clone(),
        with_pipeline: projection.with_pipeline,
        stages: stage_metrics(model, &flows, &allied, year),
        groups: rows,
        criticality: criticality::criticality(model, projection, year, critmin_model::US_JP)?,
    })
}
