//! Decisions laid over a dataset: a [`Plan`] as an optimiser writes it
//! (project ids, stockpile purchases) and the [`Overlay`] the simulator
//! reads (the same decisions with project ids resolved to indices). Plain
//! data: the plan file format lives in `critmin-format`, folding a plan
//! into a model for the static metrics in `critmin-opt`.

use crate::{ConcentrateStock, Idx, Model, Month, Project, Stockpile, scenario::Tolling};
use serde::Serialize;

/// Decisions laid over a dataset: projects the fund finances and extra
/// stockpiles, as written by `critmin optimize --write-plan`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Overlay {
    /// Projects financed, with their first month of output.
    pub funded: Vec<(Idx<Project>, Month)>,
    /// Stockpile holdings added to the dataset's.
    pub stockpiles: Vec<Stockpile>,
    /// Concentrate holdings added to the dataset's.
    pub concentrate_stocks: Vec<ConcentrateStock>,
    /// Tolling arrangements added to the scenario's.
    pub tolling: Vec<Tolling>,
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
    /// Concentrate purchases (their `source` is unused).
    pub concentrate_stocks: Vec<ConcentrateStock>,
    /// Tolling arrangements the plan relies on.
    pub tolling: Vec<Tolling>,
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
            concentrate_stocks: self.concentrate_stocks.clone(),
            tolling: self.tolling.clone(),
        }
    }
}
