//! `metrics` and `targets`: concentration, exposure and criticality for a
//! year, and the partnership scorecard.

use crate::inputs::{DatasetRef, load_dataset};
use crate::provenance::{Envelope, Provenance};
use crate::{AppError, Context};
use critmin_metrics::targets::Scorecard;
use critmin_metrics::{DEFAULT_GROUPS, DEFAULT_PATH, Metrics, Projection, Scope};
use serde::{Deserialize, Serialize};

/// How the dataset is projected to a later year: shared by metrics,
/// targets and assess.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProjectionRequest {
    /// Demand growth path (a path of the dataset's growth.csv).
    pub path: String,
    /// Count pipeline projects still seeking finance as if built on time.
    pub with_pipeline: bool,
}

impl Default for ProjectionRequest {
    fn default() -> Self {
        ProjectionRequest {
            path: DEFAULT_PATH.to_string(),
            with_pipeline: false,
        }
    }
}

impl ProjectionRequest {
    pub(crate) fn projection(&self) -> Projection {
        Projection {
            path: self.path.clone(),
            with_pipeline: self.with_pipeline,
        }
    }
}

/// Which tables of the metrics to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Concentration by stage.
    Stages,
    /// Exposure by country or group.
    Groups,
    /// Supply-risk scores.
    Criticality,
    /// All three.
    #[default]
    All,
}

impl Part {
    /// Whether `self` includes `p`.
    pub fn includes(self, p: Part) -> bool {
        self == Part::All || self == p
    }
}

/// Metrics for a year.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricsRequest {
    /// The dataset.
    pub dataset: DatasetRef,
    /// How the year is projected.
    pub projection: ProjectionRequest,
    /// The year (default: the dataset's base year).
    pub year: Option<i32>,
    /// Country codes or groups (default: US, JP, us_jp, allied).
    pub groups: Vec<String>,
    /// Elements or totals to keep (`all`, `magnet`, `light`, `heavy`, a
    /// symbol); empty keeps everything.
    pub elements: Vec<String>,
    /// Which tables.
    pub part: Part,
}

/// Computes the metrics for a year.
pub fn metrics(req: &MetricsRequest, ctx: &Context) -> Result<Envelope<Metrics>, AppError> {
    let ds = load_dataset(&req.dataset)?;
    let m = &ds.model;
    let year = crate::ops::check_year(m, req.year, "--year")?;
    let groups: Vec<&str> = if req.groups.is_empty() {
        DEFAULT_GROUPS.to_vec()
    } else {
        req.groups.iter().map(String::as_str).collect()
    };
    let mut keep: Vec<String> = Vec::new();
    for e in &req.elements {
        match Scope::parse(e) {
            Some(s) => keep.push(s.label()),
            None => {
                return Err(AppError::bad(
                    "--elements",
                    format!("`{e}` is neither an element symbol nor all, magnet, light, heavy"),
                ));
            }
        }
    }
    let mut r = critmin_metrics::metrics(m, &req.projection.projection(), year, &groups)?;
    if !keep.is_empty() {
        r.stages.retain(|s| keep.contains(&s.element));
        r.groups.retain(|g| keep.contains(&g.element));
        r.criticality
            .retain(|c| keep.contains(&c.element.to_string()));
    }
    if !req.part.includes(Part::Stages) {
        r.stages.clear();
    }
    if !req.part.includes(Part::Groups) {
        r.groups.clear();
    }
    if !req.part.includes(Part::Criticality) {
        r.criticality.clear();
    }
    Ok(Envelope::new(
        Provenance::new(ds.id, ctx.invocation.clone()),
        r,
    ))
}

/// The scorecard.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TargetsRequest {
    /// The dataset.
    pub dataset: DatasetRef,
    /// How the years are projected.
    pub projection: ProjectionRequest,
}

/// The scorecard of a dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetsResponse {
    /// The dataset's name.
    pub dataset: String,
    /// Every target per year, its status, and the gaps.
    #[serde(flatten)]
    pub card: Scorecard,
}

/// Computes the partnership scorecard to 2035.
pub fn targets(req: &TargetsRequest, ctx: &Context) -> Result<Envelope<TargetsResponse>, AppError> {
    let ds = load_dataset(&req.dataset)?;
    let card = critmin_metrics::scorecard(&ds.model, &req.projection.projection())?;
    let r = TargetsResponse {
        dataset: ds.model.name.clone(),
        card,
    };
    Ok(Envelope::new(
        Provenance::new(ds.id, ctx.invocation.clone()),
        r,
    ))
}
