//! `data validate`, `data summary` and `data export`: check a dataset,
//! summarise it, and write the built-in one out for editing.

use crate::inputs::{DatasetRef, load_dataset};
use crate::provenance::{Envelope, Provenance};
use crate::{AppError, Context};
use critmin_metrics::{StageElementSummary, stage_summary};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Check a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ValidateRequest {
    /// The dataset.
    pub dataset: DatasetRef,
}

/// A valid dataset's size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidateResponse {
    /// The dataset's name.
    pub dataset: String,
    /// Its base year.
    pub base_year: i32,
    /// Rows of sources.csv.
    pub sources: usize,
    /// Countries.
    pub countries: usize,
    /// Facilities.
    pub facilities: usize,
    /// Demand rows.
    pub demand_rows: usize,
    /// Pipeline projects.
    pub projects: usize,
}

/// Validates a dataset: every problem comes back as `AppError::Invalid`.
pub fn validate(
    req: &ValidateRequest,
    ctx: &Context,
) -> Result<Envelope<ValidateResponse>, AppError> {
    let ds = load_dataset(&req.dataset)?;
    let m = &ds.model;
    let r = ValidateResponse {
        dataset: m.name.clone(),
        base_year: m.base_year,
        sources: m.sources.len(),
        countries: m.countries.len(),
        facilities: m.facilities.len(),
        demand_rows: m.demand.len(),
        projects: m.projects.len(),
    };
    Ok(Envelope::new(
        Provenance::new(ds.id, ctx.invocation.clone()),
        r,
    ))
}

/// World capacity, output and shares per stage and element.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SummaryRequest {
    /// The dataset.
    pub dataset: DatasetRef,
    /// The year (default: the dataset's base year).
    pub year: Option<i32>,
}

/// The summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryResponse {
    /// The dataset's name.
    pub dataset: String,
    /// The year.
    pub year: i32,
    /// One row per stage and element (and the stage's total).
    pub stages: Vec<StageElementSummary>,
}

/// Summarises a dataset for a year.
pub fn summary(req: &SummaryRequest, ctx: &Context) -> Result<Envelope<SummaryResponse>, AppError> {
    let ds = load_dataset(&req.dataset)?;
    let year = crate::ops::check_year(&ds.model, req.year, "--year")?;
    let r = SummaryResponse {
        dataset: ds.model.name.clone(),
        year,
        stages: stage_summary(&ds.model, year),
    };
    Ok(Envelope::new(
        Provenance::new(ds.id, ctx.invocation.clone()),
        r,
    ))
}

/// Write the built-in dataset into a directory to edit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExportRequest {
    /// The directory: new, or empty.
    pub dir: PathBuf,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportResponse {
    /// The directory.
    pub dir: PathBuf,
    /// The files, in the format's order.
    pub files: Vec<String>,
}

/// Writes the built-in dataset's files, exactly as compiled in, into a new
/// or empty directory (all or nothing).
pub fn export(req: &ExportRequest, ctx: &Context) -> Result<Envelope<ExportResponse>, AppError> {
    let ds = load_dataset(&DatasetRef::Builtin)?;
    let written = critmin_data::export_baseline(&req.dir).map_err(|e| match e {
        critmin_data::ExportError::NotEmpty { .. }
        | critmin_data::ExportError::NotADirectory { .. } => AppError::bad("DIR", e.to_string()),
        e => AppError::Internal(e.to_string()),
    })?;
    let r = ExportResponse {
        dir: req.dir.clone(),
        files: written
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
            .collect(),
    };
    Ok(Envelope::new(
        Provenance::new(ds.id, ctx.invocation.clone()),
        r,
    ))
}

/// Refuses a directory that exists and holds anything: an export never
/// mixes its files with a user's.
pub(crate) fn require_empty(dir: &std::path::Path) -> Result<(), AppError> {
    match std::fs::read_dir(dir) {
        Ok(mut it) => {
            if it.next().is_some() {
                return Err(AppError::bad(
                    "DIR",
                    format!(
                        "{} is not empty: export into a new or empty directory",
                        dir.display()
                    ),
                ));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(AppError::bad("DIR", format!("{}: {e}", dir.display()))),
    }
}
