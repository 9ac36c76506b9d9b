//! Provenance and the [`Envelope`] every response travels in: which critmin
//! version, dataset, scenario, plan and seed produced a result, and how
//! long it took, so a partner reproduces it exactly. Timings and
//! provenance sit beside the result, never inside it: two runs of the same
//! request give results that compare equal.

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The version of every JSON document critmin writes. Raise it when a
/// field is renamed or removed or changes meaning (adding a field does not).
pub const SCHEMA_VERSION: u32 = 1;

/// One input of a result, identified by content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputId {
    /// Its name (a dataset's `name`, a scenario's `name`).
    pub name: String,
    /// Where it came from: `built-in`, `built-in:NAME.toml` or a path.
    pub source: String,
    /// `sha256:` and the hex SHA-256 of its bytes (for a dataset, of its
    /// files in the format's order, each as name, length and bytes).
    pub content_hash: String,
}

/// What produced a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// critmin's version.
    pub critmin_version: String,
    /// The dataset.
    pub dataset: InputId,
    /// The scenario, if the operation ran one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<InputId>,
    /// Further scenarios an optimiser weighed, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<InputId>,
    /// The plan laid over the dataset, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<InputId>,
    /// The observed series a backtest compared with, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<InputId>,
    /// The random seed, if the result depends on one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// How it was invoked (the command line), if the front end said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

impl Provenance {
    /// The provenance of a result computed from `dataset` alone.
    pub fn new(dataset: InputId, command: Option<String>) -> Provenance {
        Provenance {
            critmin_version: env!("CARGO_PKG_VERSION").to_string(),
            dataset,
            scenario: None,
            scenarios: Vec::new(),
            plan: None,
            observed: None,
            seed: None,
            command,
        }
    }

    /// One line for a report's footer or a terminal.
    pub fn line(&self) -> String {
        let mut s = format!(
            "critmin {} · dataset {} ({}, {})",
            self.critmin_version,
            self.dataset.name,
            self.dataset.source,
            short_hash(&self.dataset.content_hash)
        );
        if let Some(sc) = &self.scenario {
            s.push_str(&format!(
                " · scenario {} ({})",
                sc.name,
                short_hash(&sc.content_hash)
            ));
        }
        if let Some(p) = &self.plan {
            s.push_str(&format!(
                " · plan {} ({})",
                p.name,
                short_hash(&p.content_hash)
            ));
        }
        if let Some(seed) = self.seed {
            s.push_str(&format!(" · seed {seed}"));
        }
        s
    }
}

fn short_hash(h: &str) -> &str {
    let end = h.len().min("sha256:".len() + 12);
    &h[..end]
}

/// A result with its provenance, warnings and timings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Envelope<T> {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// What produced the result.
    pub provenance: Provenance,
    /// Input the operation did not use, or results to read with care; each
    /// a sentence. Front ends show them (the CLI on stderr).
    pub warnings: Vec<String>,
    /// Wall-clock seconds per step (`solve_seconds`, …): not reproducible,
    /// so kept out of the result.
    pub timings: BTreeMap<String, f64>,
    /// The result.
    #[serde(flatten)]
    pub result: T,
}

impl<T> Envelope<T> {
    /// `result` with its provenance and nothing else.
    pub fn new(provenance: Provenance, result: T) -> Envelope<T> {
        Envelope {
            schema_version: SCHEMA_VERSION,
            provenance,
            warnings: Vec::new(),
            timings: BTreeMap::new(),
            result,
        }
    }
}

/// `sha256:` + hex digest of `bytes`.
pub fn hash_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The hash of a set of files, each `(name, bytes)` in the given order.
pub fn hash_files<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> String {
    let mut h = Sha256::new();
    for (name, bytes) in files {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    hex(&h.finalize())
}

fn hex(d: &[u8]) -> String {
    let mut s = String::with_capacity(7 + 2 * d.len());
    s.push_str("sha256:");
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_sha256() {
        assert_eq!(
            hash_bytes(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // Moving a byte between two files changes the hash.
        assert_ne!(
            hash_files([("a", b"xy".as_slice()), ("b", b"".as_slice())]),
            hash_files([("a", b"x".as_slice()), ("b", b"y".as_slice())])
        );
    }
}
