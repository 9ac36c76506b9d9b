//! critmin's outputs for people and spreadsheets: CSV tables ([`csv`],
//! [`tables`]); the self-contained HTML report with inline-SVG charts is
//! being added.
//!
//! This crate owns presentation only: it reads results of
//! `critmin-metrics` (and, through the public [`Report`]/[`Section`] and
//! chart API, of any later analysis) and turns them into text. It computes
//! no metric of its own, and it must not depend on the data loader, the
//! simulator, the solver, a terminal or a network: the HTML it writes opens
//! with no network at all (inline CSS and SVG, no fonts or scripts from
//! elsewhere). The only I/O is writing the report's files.

pub mod csv;
pub mod tables;
