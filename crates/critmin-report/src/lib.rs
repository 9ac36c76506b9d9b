//! critmin's outputs for people and spreadsheets: the self-contained HTML
//! report ([`html`]: a [`Report`] of [`Section`]s) with inline-SVG charts
//! ([`svg`]: stacked bars, line charts with bands, a scatter matrix), CSV
//! tables ([`csv`], [`tables`]) and the standard `assess` report built
//! from the metrics ([`assess`]).
//!
//! This crate owns presentation only: it reads results of
//! `critmin-metrics` (and, through the public [`Report`]/[`Section`] and
//! chart API, of any later analysis: simulation, Monte Carlo, optimisation
//! append their own sections) and turns them into text. It computes no
//! metric of its own, and it must not depend on the data loader, the
//! simulator, the solver, a terminal or a network: the HTML it writes
//! opens with no network at all (inline CSS and SVG, system fonts, no
//! script). The only I/O is [`Report::write_dir`] / [`html::write_files`].

pub mod assess;
pub mod backtest;
pub mod csv;
pub mod html;
pub mod intel;
pub mod optimization;
pub mod pipeline;
pub mod risk;
pub mod simulation;
pub mod svg;
pub mod tables;

pub use assess::{AssessInputs, LaterJson, MetricsJson, assess_report, metrics_json};
pub use csv::CsvTable;
pub use html::{Headline, Report, ReportError, Section};
