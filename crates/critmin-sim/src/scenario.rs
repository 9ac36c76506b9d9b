//! Scenarios: what happens when (events) and how the partners respond
//! (policies). The types are plain data in `critmin-model` and the file
//! format is `critmin-format`'s (documented in `docs/scenarios.md`); this
//! module re-exports both under the paths the simulator's users know.

pub use critmin_format::scenario::dataset_of;
pub use critmin_model::scenario::{
    Event, EventKind, FormSet, Importers, Policy, ReleaseRule, Scenario, SharingAgreement,
    SharingRule,
};
use critmin_model::{Diagnostic, Model};

/// Parses a scenario file (bytes or text), resolving ids against `model`.
/// Returns every problem found, invalid UTF-8 included, as
/// `file:line: key: message`.
pub fn parse(
    file: &str,
    text: impl AsRef<[u8]>,
    model: &Model,
) -> Result<Scenario, Vec<Diagnostic>> {
    critmin_format::scenario::parse(file, text.as_ref(), model)
}
