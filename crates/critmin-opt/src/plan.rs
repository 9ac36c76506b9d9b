//! Plan files: the decisions an optimiser took — projects the fund
//! finances, with the month each starts producing, and stockpile
//! purchases — that `critmin simulate --plan` lays over the dataset, so
//! anyone can check an optimiser's claim by simulation.
//!
//! The [`Plan`] type is plain data in `critmin-model` and the file format
//! (reader and writer) is `critmin-format`'s, so reading a plan needs no
//! solver; both are re-exported here. This module keeps what needs the
//! model arithmetic: [`apply`] folds an overlay into a copy of the model
//! (funded projects become committed with the plan's start month,
//! purchases become stockpile rows) so that the static metrics — the
//! scorecard — can be computed "after".

pub use critmin_format::plan::{PlanSpec, to_toml};
use critmin_model::{Diagnostic, Funding, Idx, Model, Source, Status, Stockpile};
pub use critmin_model::{Overlay, Plan};

/// Parses a plan file (bytes or text), resolving ids against `model`:
/// every problem is returned at once.
pub fn parse(
    file: &str,
    text: impl AsRef<[u8]>,
    model: &Model,
) -> Result<(Plan, Overlay), Vec<Diagnostic>> {
    critmin_format::plan::parse(file, text.as_ref(), model)
}

/// A copy of `model` with `overlay` applied: funded projects are committed
/// and their facilities start in the plan's month; purchases are added to
/// the stockpiles (citing the first source, as a plan has none of its own).
pub fn apply(model: &Model, overlay: &Overlay) -> Model {
    let mut m = model.clone();
    for &(p, start) in &overlay.funded {
        let Some(project) = m.projects.get_mut(p.get()) else {
            continue;
        };
        project.funding = Funding::Committed;
        let f = project.facility;
        if let Some(fac) = m.facilities.get_mut(f.get()) {
            fac.start = Some(start);
            if fac.status == Status::Closed {
                fac.status = Status::Planned;
            }
        }
    }
    let source: Idx<Source> = Idx::new(0);
    for s in &overlay.stockpiles {
        m.stockpiles.push(Stockpile {
            source,
            ..s.clone()
        });
    }
    m
}
