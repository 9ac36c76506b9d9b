//! Decisions laid over a dataset: a [`Plan`] as an optimiser writes it
//! (project ids, stockpile purchases) and the [`Overlay`] the simulator
//! reads (the same decisions with project ids resolved to indices). Plain
//! data: the plan file format lives in `critmin-format`, folding a plan
//! into a model for the static metrics in `critmin-opt`.

use crate::{Idx, Model, Month, Project, Stockpile};
use serde::Serialize;

/// Decisions laid over a dataset: projects the fund finances and extra
/// stockpiles, as written by `critmin optimize --write-plan`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Overlay {
    /// Projects financed, with their first month of output.
    pub funded: Vec<(Idx<Project>, Month)>,
    /// Stockpile holdings added to the dataset's.
    pub stockpiles: Vec<Stockpile>,
}

/// A plan: the decisions an optimiser took, projects named by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Plan {
    /// What the plan is (free text).
    pub name: String,
    /// Projects financed (ids of `projects.csv`) and their first month of
    /// output.
    pub fund: Vec<(String, Month)>,
    /// Stockpile purchases (their `source` is unused: a plan cites none).
    pub stockpiles: Vec<Stockpile>,
}

impl Plan {
    /// Resolves project ids into an overlay. Ids the model does not have
    /// are skipped: a plan read by `critmin-format` (which reports unknown
    /// ids) or made by an optimiser over the same model has none.
    pub fn overlay(&self, model: &Model) -> Overlay {
        Overlay {
            funded: self
                .fund
                .iter()
                .filter_map(|(id, m)| {
                    model
                        .projects
                        .iter()
                        .position(|p| &p.id == id)
                        .map(|i| (Idx::new(i), *m))
                })
                .collect(),
            stockpiles: self.stockpiles.clone(),
        }
    }
}
