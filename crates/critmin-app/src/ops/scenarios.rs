//! `scenarios list|show|export`: the built-in scenario library.

use crate::inputs::{DatasetRef, builtin_scenario, builtin_scenarios, load_dataset};
use crate::output::{OutputFile, write_dir};
use crate::provenance::{Envelope, Provenance, hash_bytes};
use crate::{AppError, Context};
use critmin_model::Month;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One built-in scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioInfo {
    /// The name to run it by (`critmin simulate NAME`).
    pub name: String,
    /// Its file name in `scenarios/`.
    pub file: String,
    /// What it is.
    pub description: String,
    /// First month.
    pub start: Month,
    /// Months.
    pub horizon_months: u32,
    /// Deterministic events.
    pub events: usize,
    /// `[[risk]]` entries (for `critmin montecarlo`).
    pub risks: usize,
    /// `sha256:` of its text.
    pub content_hash: String,
}

/// The library.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListResponse {
    /// Every built-in scenario, events first, then the risk models.
    pub scenarios: Vec<ScenarioInfo>,
}

/// Lists the built-in scenarios (each parsed against the dataset it runs
/// on; the provenance names the baseline).
pub fn list(ctx: &Context) -> Result<Envelope<ListResponse>, AppError> {
    let ds = load_dataset(&DatasetRef::Builtin)?;
    let mut history = None;
    let mut scenarios = Vec::new();
    for b in builtin_scenarios() {
        let model = match b.dataset {
            DatasetRef::Builtin => &ds.model,
            ref other => &history.get_or_insert(load_dataset(other)?).model,
        };
        scenarios.push(info(b.file, b.text, model)?);
    }
    Ok(Envelope::new(
        Provenance::new(ds.id, ctx.invocation.clone()),
        ListResponse { scenarios },
    ))
}

fn info(file: &str, text: &str, model: &critmin_model::Model) -> Result<ScenarioInfo, AppError> {
    let s = critmin_format::scenario::parse(file, text.as_bytes(), model).map_err(|d| {
        AppError::Invalid {
            input: file.to_string(),
            diagnostics: d,
        }
    })?;
    Ok(ScenarioInfo {
        name: file.trim_end_matches(".toml").to_string(),
        file: file.to_string(),
        description: s.description.clone(),
        start: s.start,
        horizon_months: s.horizon_months,
        events: s.events.len(),
        risks: s.risks.len(),
        content_hash: hash_bytes(text.as_bytes()),
    })
}

/// Show one built-in scenario.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ShowRequest {
    /// Its name, with or without `.toml`.
    pub name: String,
}

/// A built-in scenario and its text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShowResponse {
    /// What it is.
    pub info: ScenarioInfo,
    /// The TOML, to read or copy and edit.
    pub text: String,
}

/// One built-in scenario with its TOML.
pub fn show(req: &ShowRequest, ctx: &Context) -> Result<Envelope<ShowResponse>, AppError> {
    let b = builtin_scenario(&req.name)?;
    let ds = load_dataset(&b.dataset)?;
    let r = ShowResponse {
        info: info(b.file, b.text, &ds.model)?,
        text: b.text.to_string(),
    };
    Ok(Envelope::new(
        Provenance::new(ds.id, ctx.invocation.clone()),
        r,
    ))
}

/// Write the library's files into a directory.
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
    /// The files.
    pub files: Vec<String>,
}

/// Writes every built-in scenario file into a new or empty directory.
pub fn export(req: &ExportRequest, ctx: &Context) -> Result<Envelope<ExportResponse>, AppError> {
    let ds = load_dataset(&DatasetRef::Builtin)?;
    crate::ops::data::require_empty(&req.dir)?;
    // The historical replay names its own dataset (`dataset = "."`): it
    // ships in data/history-2010/ beside it, not on its own.
    let files: Vec<OutputFile> = builtin_scenarios()
        .into_iter()
        .filter(|b| b.dataset == DatasetRef::Builtin)
        .map(|b| OutputFile::text(b.file, b.text))
        .collect();
    write_dir(&req.dir, &files, &[])?;
    let r = ExportResponse {
        dir: req.dir.clone(),
        files: files.into_iter().map(|f| f.name).collect(),
    };
    Ok(Envelope::new(
        Provenance::new(ds.id, ctx.invocation.clone()),
        r,
    ))
}
