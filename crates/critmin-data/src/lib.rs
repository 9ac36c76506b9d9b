//! The critmin dataset format — a directory of CSV tables plus a
//! `dataset.toml` manifest, specified in `docs/data-format.md` — and the
//! built-in 2024 baseline compiled from `data/baseline/`.
//!
//! This crate owns reading and validating datasets into a
//! [`critmin_model::Model`]. Loading never fails early and never panics,
//! whatever the bytes: it reads every table, collects every problem as a
//! [`Diagnostic`] (`file:line: field: what is wrong`) and returns a model
//! only when there is none. It depends on `critmin-model` only, and must not
//! depend on any analysis crate, a terminal or a network; the only I/O is
//! reading a directory ([`DirSource`]), and writing the built-in baseline
//! into one for editing ([`export_baseline`]).
//!
//! ```
//! let model = critmin_data::baseline();
//! assert_eq!(model.base_year, 2024);
//! ```

mod export;
mod load;
mod manifest;
mod table;

pub use export::{ExportError, export_baseline};

use critmin_model::Model;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use critmin_model::Diagnostic;

/// The problems found while loading, in file and line order.
pub(crate) type Diagnostics = Vec<Diagnostic>;

/// Loading failed: the dataset has problems, each listed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The dataset was read but is invalid.
    #[error("the dataset `{dataset}` has {} problem(s)", .diagnostics.len())]
    Invalid {
        /// The dataset's location.
        dataset: String,
        /// Every problem, sorted by file and line.
        diagnostics: Vec<Diagnostic>,
    },
    /// The dataset directory could not be read at all.
    #[error("cannot read the dataset directory `{path}`: {message}")]
    Unreadable {
        /// The directory.
        path: PathBuf,
        /// The operating system's reason.
        message: String,
    },
}

impl LoadError {
    /// The diagnostics, if the dataset was read.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            LoadError::Invalid { diagnostics, .. } => diagnostics,
            LoadError::Unreadable { .. } => &[],
        }
    }
}

/// Where a dataset's files come from.
pub trait DatasetSource {
    /// How to name `file` in diagnostics (e.g. `data/x/facilities.csv`).
    fn display_name(&self, file: &str) -> String;
    /// The bytes of `file`, `Ok(None)` if it does not exist.
    fn read(&self, file: &str) -> std::io::Result<Option<Vec<u8>>>;
    /// How to name the dataset as a whole.
    fn describe(&self) -> String;
}

/// A dataset in a directory on disk.
#[derive(Debug, Clone)]
pub struct DirSource {
    dir: PathBuf,
}

impl DirSource {
    /// The dataset in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> DirSource {
        DirSource { dir: dir.into() }
    }
}

impl DatasetSource for DirSource {
    fn display_name(&self, file: &str) -> String {
        self.dir.join(file).display().to_string()
    }
    fn read(&self, file: &str) -> std::io::Result<Option<Vec<u8>>> {
        match std::fs::read(self.dir.join(file)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
    fn describe(&self) -> String {
        self.dir.display().to_string()
    }
}

/// A dataset held in memory: `(file name, bytes)` pairs. Used for the
/// built-in baseline and in tests.
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    /// Name shown in diagnostics before each file name.
    pub prefix: String,
    /// The files.
    pub files: Vec<(String, Vec<u8>)>,
}

impl DatasetSource for MemorySource {
    fn display_name(&self, file: &str) -> String {
        format!("{}{file}", self.prefix)
    }
    fn read(&self, file: &str) -> std::io::Result<Option<Vec<u8>>> {
        Ok(self
            .files
            .iter()
            .find(|(n, _)| n == file)
            .map(|(_, b)| b.clone()))
    }
    fn describe(&self) -> String {
        self.prefix.trim_end_matches('/').to_string()
    }
}

/// Every file of the format, in the order they are read.
pub const FILES: &[&str] = &[
    "dataset.toml",
    "sources.csv",
    "countries.csv",
    "compositions.csv",
    "recipes.csv",
    "facilities.csv",
    "capacity_trends.csv",
    "inventories.csv",
    "demand.csv",
    "growth.csv",
    "stockpiles.csv",
    "stockpile_targets.csv",
    "projects.csv",
    "mine_production.csv",
    "benchmarks.csv",
    "prices.csv",
    "magnet_prices.csv",
    "concentrate_prices.csv",
    "processing_costs.csv",
    "governance.csv",
    "criticality.csv",
    "sectors.csv",
    "price_response.csv",
    "demand_response.csv",
    "supply_response.csv",
    "precautionary.csv",
];

/// Loads and validates a dataset from any source.
pub fn load(source: &dyn DatasetSource) -> Result<Model, LoadError> {
    let mut diags = Vec::new();
    let model = load::load(source, &mut diags);
    diags.sort();
    diags.dedup();
    match model {
        Some(m) if diags.is_empty() => Ok(m),
        _ => Err(LoadError::Invalid {
            dataset: source.describe(),
            diagnostics: diags,
        }),
    }
}

/// Loads and validates the dataset in `dir`.
pub fn load_dir(dir: &Path) -> Result<Model, LoadError> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(LoadError::Unreadable {
                path: dir.to_path_buf(),
                message: "not a directory".into(),
            });
        }
        Err(e) => {
            return Err(LoadError::Unreadable {
                path: dir.to_path_buf(),
                message: e.to_string(),
            });
        }
    }
    load(&DirSource::new(dir))
}

/// The compiled-in files of a dataset directory under `data/`: every table
/// the built-in datasets have, in the format's order ([`FILES`] less the
/// optional `demand_response.csv` and `supply_response.csv`).
macro_rules! dataset_files {
    ($dir:literal) => {
        dataset_files!(@ $dir;
            "dataset.toml", "sources.csv", "countries.csv", "compositions.csv",
            "recipes.csv", "facilities.csv", "capacity_trends.csv", "inventories.csv",
            "demand.csv", "growth.csv", "stockpiles.csv", "stockpile_targets.csv",
            "projects.csv", "mine_production.csv", "benchmarks.csv", "prices.csv",
            "magnet_prices.csv", "concentrate_prices.csv", "processing_costs.csv", "governance.csv", "criticality.csv", "sectors.csv", "price_response.csv",
            "demand_response.csv", "supply_response.csv", "precautionary.csv")
    };
    (@ $dir:literal; $($f:literal),+) => {
        &[$(($f, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/", $dir, "/", $f)))),+]
    };
}

/// The built-in alias table of the intelligence gazetteer
/// (`data/intel/aliases.csv`: short forms, demonyms, capitals, Japanese
/// names), compiled into the binary.
pub const INTEL_ALIASES: &str = include_str!("../../../data/intel/aliases.csv");

/// The built-in sample intelligence feed (`data/intel/sample-2025-2026.jsonl`:
/// six sourced events of 2025, China's licensing of April 2025 to the
/// suspension that ends on 2026-11-10), which `assess` shows when given no
/// store.
pub const INTEL_SAMPLE_FEED: (&str, &str) = (
    "data/intel/sample-2025-2026.jsonl",
    include_str!("../../../data/intel/sample-2025-2026.jsonl"),
);

/// The sample alert rules evaluated on the sample feed
/// (`data/intel/rules/`), one file per organisation.
pub const INTEL_SAMPLE_RULES: &[(&str, &str)] = &[
    (
        "data/intel/rules/jp.toml",
        include_str!("../../../data/intel/rules/jp.toml"),
    ),
    (
        "data/intel/rules/us.toml",
        include_str!("../../../data/intel/rules/us.toml"),
    ),
];

/// When the sample rules are evaluated on the sample feed: 26 days before
/// the suspension of China's October 2025 controls ends.
pub const INTEL_SAMPLE_NOW: &str = "2026-10-15T00:00Z";

/// The files of the built-in baseline, compiled into the binary.
pub const BASELINE_FILES: &[(&str, &[u8])] = dataset_files!("baseline");

/// The files of the historical dataset `data/history-2010/` (the chain in
/// 2009–2010, for the 2010–2013 backtest), compiled into the binary.
pub const HISTORY_2010_FILES: &[(&str, &[u8])] = dataset_files!("history-2010");

/// The 2010–2013 replay that runs on [`HISTORY_2010_FILES`].
pub const HISTORY_2010_REPLAY: (&str, &str) = (
    "replay-2010-2013.toml",
    include_str!("../../../data/history-2010/replay-2010-2013.toml"),
);

/// The observations the replay is compared with (`critmin backtest`).
pub const HISTORY_2010_OBSERVED: (&str, &[u8]) = (
    "observed-2009-2014.csv",
    include_bytes!("../../../data/history-2010/observed-2009-2014.csv"),
);

impl MemorySource {
    /// Compiled-in `files` named `prefix` in diagnostics.
    fn compiled(prefix: &str, files: &[(&str, &[u8])]) -> MemorySource {
        MemorySource {
            prefix: prefix.into(),
            files: files
                .iter()
                .map(|(n, b)| (n.to_string(), b.to_vec()))
                .collect(),
        }
    }
}

/// The historical dataset as a [`MemorySource`] named `history-2010/`.
pub fn history_2010_source() -> MemorySource {
    MemorySource::compiled("history-2010/", HISTORY_2010_FILES)
}

/// The built-in baseline as a [`MemorySource`] named `baseline/`.
pub fn baseline_source() -> MemorySource {
    MemorySource::compiled("baseline/", BASELINE_FILES)
}

/// Loads the built-in baseline, reporting its diagnostics if it is invalid
/// (a test keeps it valid).
pub fn try_baseline() -> Result<Model, LoadError> {
    load(&baseline_source())
}

/// The built-in baseline dataset, loaded once per process.
///
/// # Panics
/// If the compiled-in baseline is invalid, which the test suite rules out.
pub fn baseline() -> Model {
    static BASELINE: OnceLock<Model> = OnceLock::new();
    BASELINE
        .get_or_init(|| match try_baseline() {
            Ok(m) => m,
            Err(e) => {
                let lines: Vec<String> = e.diagnostics().iter().map(ToString::to_string).collect();
                panic!(
                    "the built-in baseline is invalid: {e}\n{}",
                    lines.join("\n")
                )
            }
        })
        .clone()
}
