//! Intelligence on the supply chain: the event model (kinds, status,
//! Admiralty grades, TLP 2.0 markings), feed parsing with item-level
//! diagnostics, the gazetteer and entity linking, and the translation of
//! events into scenario fragments for the simulator.
//!
//! This crate owns what an event *is* and what it *means* for the model.
//! It does no I/O — callers read the bytes, store the events
//! (`critmin-store`) and run the simulations (`critmin-app`) — and it must
//! not depend on the store, the simulator or any front end.

pub mod alert;
pub mod event;
pub mod export;
pub mod link;

pub use event::{
    Admiralty, Day, EntityKind, Event, Facts, Kind, Link, Severity, SourceRef, Status, Tlp,
};
pub use link::{Alias, Gazetteer, company_id, parse_aliases};
pub mod feed;
pub mod impact;
pub mod prepare;
pub use feed::{Format, Item};
pub use prepare::{Defaults, Filter};
