//! The application layer: every operation critmin offers — assess,
//! metrics, targets, simulate, montecarlo, bench, optimize portfolio and
//! stockpile, data validate/summary/export, scenarios list/show/export — as
//! one function from a request struct to a response in an [`Envelope`].
//!
//! Front ends (the CLI, the partner server, the Python package) translate
//! their own input into these requests and render the responses; none of
//! them computes a result, so all of them give the same answer with the
//! same defaults and the same checks. Requests are serde structs whose
//! `Default` holds the one copy of each default; responses are serde
//! structs; errors are [`AppError`]s that say whose fault they are. Long
//! operations report progress and can be cancelled through a [`Context`].
//! Provenance (version, dataset and scenario hashes, seed, invocation) and
//! timings travel in the envelope beside the result, never inside it.
//!
//! This crate owns orchestration only: it depends on every analysis crate
//! and on no front end (no clap, no terminal, no HTTP). Its only I/O is
//! reading the inputs a request names and, when asked, writing output
//! files atomically ([`output`]).
//!
//! ```no_run
//! use critmin_app::{Context, ops::metrics::{metrics, MetricsRequest}};
//! let env = metrics(&MetricsRequest { year: Some(2030), ..Default::default() }, &Context::default())?;
//! println!("{}", env.result.stages.len());
//! # Ok::<(), critmin_app::AppError>(())
//! ```

pub mod access;
mod context;
mod error;
pub mod inputs;
pub mod ops;
pub mod output;
pub mod provenance;

pub use context::{CancelToken, Context, Progress};
/// The store the accounts, events and alerts live in (opened by
/// [`ops::accounts::open`]).
pub use critmin_store::Store;
pub use error::AppError;
pub use inputs::{DatasetRef, PlanRef, ScenarioRef};
pub use provenance::{Envelope, Provenance, SCHEMA_VERSION};

/// Pretty JSON of any response, newline-terminated.
pub fn to_json<T: serde::Serialize>(v: &T) -> Result<String, AppError> {
    let mut s = serde_json::to_string_pretty(v).map_err(|e| AppError::Internal(e.to_string()))?;
    s.push('\n');
    Ok(s)
}
