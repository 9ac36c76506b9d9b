//! critmin's file formats besides the dataset: scenarios (events,
//! policies, `[[risk]]` and `[uncertainty]`) and plans, read from TOML,
//! and the observed series a backtest compares with ([`observed`], CSV).
//!
//! Reading is two steps, so a front end can check a file without a
//! dataset and a server can store what a user wrote:
//!
//! 1. `parse_bytes(file, &[u8])` checks syntax, UTF-8, types, ranges,
//!    vocabularies (elements, forms, sectors) and structure, and returns an
//!    unresolved, serialisable spec with string ids ([`ScenarioSpec`],
//!    [`PlanSpec`]) or every [`critmin_model::Diagnostic`] as `file:line: key: message`;
//! 2. `spec.resolve(&Model)` resolves the ids (countries and groups,
//!    facilities, projects, holders, grades, growth paths) into the plain
//!    data of `critmin-model` ([`critmin_model::Scenario`],
//!    [`critmin_model::Plan`] and [`critmin_model::Overlay`]), reporting
//!    every unknown id.
//!
//! [`scenario::parse`] and [`plan::parse`] do both and report the problems
//! of both steps together.
//!
//! There is one TOML reader (`read`), with line numbers from a table of
//! line starts, and one parser of event kinds ([`kind`]) for deterministic
//! events and risk templates alike. Every unknown key is an error.
//!
//! *Architecture invariant:* this crate depends on `critmin-model`, `toml`
//! and `serde` only: no solver, no simulator, no dataset reader — reading
//! a plan does not link HiGHS.
//!
//! ```
//! let model = critmin_model::Model::default();
//! let text = b"name = \"p\"\n[[fund]]\nproject = \"atlantis\"\nstart = \"2029-07\"\n";
//! let spec = critmin_format::plan::parse_bytes("p.toml", text).unwrap();
//! let diags = spec.resolve(&model).unwrap_err();
//! assert!(diags[0].to_string().starts_with("p.toml:3: fund[1].project: unknown project"));
//! ```

mod dist;
pub mod kind;
pub mod observed;
pub mod plan;
mod read;
pub mod scenario;

pub use kind::KindSpec;
pub use plan::PlanSpec;
pub use read::At;
pub use scenario::{ScenarioSpec, dataset_of};
