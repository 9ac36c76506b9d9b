//! Optimisation over the critmin model with a real solver: HiGHS, through
//! `good_lp`, lives in this crate only, so nothing else compiles it.
//!
//! This crate owns building and solving LP/MILP models: the lexicographic
//! allocation LP that checks the simulator's market clearing
//! ([`lexmax`]). It depends on `critmin-model` and `critmin-sim`; nothing
//! depends on it but the binary. The simulator never calls it in its
//! monthly step.

pub mod lexmax;
