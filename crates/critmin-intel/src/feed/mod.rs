//! Feeds: the formats events arrive in, each parsed from bytes into
//! [`Item`]s with diagnostics that name the file and the line (or the
//! item's position). A file parses whole or not at all: one bad item and
//! the caller stores nothing of it (`docs/intel.md`, "Ingest").
//!
//! - `jsonl`: one JSON object per line, the fields of [`Item`] by name;
//! - `csv`: a header row with the same names (lists `;`-separated);
//! - `rss` and `atom`: a feed's entries (title, summary or content, link,
//!   id, dates, categories);
//! - `stix`: a STIX 2.1 bundle's `report` objects and critmin's own
//!   `x-critmin-supply-event` objects, with their TLP marking definitions;
//! - `misp-feed`: a MISP feed directory (`manifest.json` and one
//!   `<uuid>.json` per event).

mod jsonl;
mod misp;
mod rss;
mod stix;

pub use jsonl::{parse_csv, parse_jsonl};
pub use misp::{parse_misp, parse_misp_manifest};
pub use rss::parse_rss;
pub use stix::parse_stix;

/// Parses one file of `format`: JSON lines, CSV, RSS or Atom, a STIX
/// bundle, or one event file of a MISP feed (the feed's directory is read
/// by the caller: its `manifest.json` with [`parse_misp_manifest`], then
/// each event file).
pub fn parse(format: Format, file: &str, bytes: &[u8]) -> Parsed {
    match format {
        Format::Jsonl => parse_jsonl(file, bytes),
        Format::Csv => parse_csv(file, bytes),
        Format::Rss | Format::Atom => parse_rss(file, bytes),
        Format::Stix => parse_stix(file, bytes),
        Format::MispFeed => parse_misp(file, bytes),
    }
}

use crate::event::{Admiralty, Day, Facts, Kind, Severity, SourceRef, Status, Tlp};
use critmin_model::Diagnostic;
use serde::{Deserialize, Serialize};

/// One item of a feed, before linking: what the feed says, as far as it
/// says it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// The item's own id at its source (a GUID, a STIX or MISP uuid).
    #[serde(default)]
    pub id: Option<String>,
    /// The critmin event id it had where it was exported from (critmin's
    /// own STIX objects and JSON lines carry it, so a round trip keeps
    /// it); derived from the source and id when missing.
    #[serde(default)]
    pub event_id: Option<String>,
    /// Other sources that reported the same story.
    #[serde(default, rename = "also_reported_by")]
    pub also: Vec<SourceRef>,
    /// The source (outlet, ministry, feed name); the file's source when
    /// missing.
    #[serde(default)]
    pub source: Option<String>,
    /// Link to the item.
    #[serde(default)]
    pub link: Option<String>,
    /// Publication day (`YYYY-MM-DD`, a time after it is allowed).
    #[serde(default)]
    pub published: Option<Day>,
    /// When an analyst observed it.
    #[serde(default)]
    pub observed: Option<Day>,
    /// When the development takes effect.
    #[serde(default)]
    pub valid_from: Option<Day>,
    /// When it ends.
    #[serde(default)]
    pub valid_to: Option<Day>,
    /// Headline (required).
    #[serde(default)]
    pub title: String,
    /// Text.
    #[serde(default)]
    pub body: String,
    /// Kind (classified from the text when missing).
    #[serde(default)]
    pub kind: Option<Kind>,
    /// Severity (by kind when missing).
    #[serde(default)]
    pub severity: Option<Severity>,
    /// Status (`reported` when missing).
    #[serde(default)]
    pub status: Option<Status>,
    /// Admiralty grade (`B2`).
    #[serde(default)]
    pub admiralty: Option<Admiralty>,
    /// TLP marking (the source's default when missing).
    #[serde(default)]
    pub tlp: Option<Tlp>,
    /// Owning organisation (the ingesting one when missing).
    #[serde(default)]
    pub owner: Option<String>,
    /// Organisations an AMBER item is shared with.
    #[serde(default)]
    pub share_with: Vec<String>,
    /// The feed's categories or tags.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Structured facts for the impact assessment.
    #[serde(default)]
    pub facts: Facts,
    /// Where it was in its file: 1-based line (JSON lines, CSV) or item
    /// number (other formats). Not read from the feed.
    #[serde(skip)]
    pub position: usize,
}

/// A feed format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// JSON lines.
    Jsonl,
    /// CSV with a header.
    Csv,
    /// RSS 2.0.
    Rss,
    /// Atom 1.0.
    Atom,
    /// A STIX 2.1 bundle.
    Stix,
    /// A MISP feed directory.
    MispFeed,
}

impl Format {
    /// The names `--format` takes.
    pub const NAMES: &'static str = "auto, jsonl, csv, rss, atom, stix, misp-feed";

    /// The format named `s` (`None` for `auto` or an unknown name).
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "jsonl" | "json-lines" | "ndjson" => Some(Format::Jsonl),
            "csv" => Some(Format::Csv),
            "rss" => Some(Format::Rss),
            "atom" => Some(Format::Atom),
            "stix" => Some(Format::Stix),
            "misp-feed" | "misp" => Some(Format::MispFeed),
            _ => None,
        }
    }

    /// The format of a file from its name and first bytes: `.jsonl`,
    /// `.ndjson` and `.csv` by name; XML by its root (`<rss`, `<feed`);
    /// JSON by its `"type": "bundle"` (STIX) or a MISP `"Event"`.
    pub fn detect(name: &str, bytes: &[u8]) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            return Some(Format::Jsonl);
        }
        if lower.ends_with(".csv") {
            return Some(Format::Csv);
        }
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_string();
        let t = head.trim_start_matches('\u{feff}').trim_start();
        if t.starts_with('<') {
            if t.contains("<rss") {
                return Some(Format::Rss);
            }
            if t.contains("<feed") {
                return Some(Format::Atom);
            }
            return None;
        }
        if t.starts_with('{') {
            let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
            if compact.contains("\"type\":\"bundle\"") {
                return Some(Format::Stix);
            }
            if compact.contains("\"Event\":") {
                return Some(Format::MispFeed);
            }
            // A bundle whose `type` comes after its objects (keys in
            // order): the whole document is one object.
            if let Ok(serde_json::Value::Object(o)) = serde_json::from_slice(bytes) {
                if o.get("type").and_then(|t| t.as_str()) == Some("bundle") {
                    return Some(Format::Stix);
                }
                if o.contains_key("Event") {
                    return Some(Format::MispFeed);
                }
            }
            return Some(Format::Jsonl);
        }
        None
    }
}

/// What a feed file parsed into: its items, or every problem found.
pub type Parsed = Result<Vec<Item>, Vec<Diagnostic>>;

/// The checks every item passes whatever its format: a title, a valid
/// date order, shares within 0..1.
pub(crate) fn check_item(file: &str, item: &Item, diags: &mut Vec<Diagnostic>) {
    let at = item.position.max(1);
    if item.title.trim().is_empty() {
        diags.push(Diagnostic::new(file, at, "title", "is required"));
    }
    if let (Some(a), Some(b)) = (item.valid_from, item.valid_to) {
        if b < a {
            diags.push(Diagnostic::new(
                file,
                at,
                "valid_to",
                format!("{b} is before valid_from {a}"),
            ));
        }
    }
    for (field, v) in [
        ("facts.allowed_share", item.facts.allowed_share),
        ("facts.remaining_share", item.facts.remaining_share),
    ] {
        if let Some(x) = v {
            if !(0.0..=1.0).contains(&x) || !x.is_finite() {
                diags.push(Diagnostic::new(
                    file,
                    at,
                    field,
                    format!("{x} is not a share between 0 and 1"),
                ));
            }
        }
    }
    if let Some(m) = item.facts.licence_months {
        if !(0.0..=120.0).contains(&m) || !m.is_finite() {
            diags.push(Diagnostic::new(
                file,
                at,
                "facts.licence_months",
                format!("{m} is not between 0 and 120 months"),
            ));
        }
    }
    const LONGEST: usize = 1 << 20;
    for (field, v) in [("title", &item.title), ("body", &item.body)] {
        if v.len() > LONGEST {
            diags.push(Diagnostic::new(
                file,
                at,
                field,
                format!("is {} bytes; the longest a field may be is 1 MiB", v.len()),
            ));
        }
    }
}
