//! From events to a scenario the simulator runs: each event of a kind the
//! simulator has an instrument for becomes a scenario fragment — TOML in
//! the scenario format (`docs/scenarios.md`), so an analyst can read,
//! edit and rerun exactly what was assessed — and the events in force are
//! assembled into one current-situation scenario (`docs/intel.md`,
//! "Impact").
//!
//! | Event | Fragment |
//! |---|---|
//! | export control | `export_restriction` on the exporters, elements and forms (`licensing` when the facts give a licence time) |
//! | licensing | `licensing`: approvals after `licence_months`, at `allowed_share` |
//! | facility outage | `facility_outage` of each linked facility at `remaining_share` |
//! | project milestone with `delay_months` | `project_delay` of each linked project |
//! | anything else | none (the note says why) |
//!
//! What the facts leave out is filled in and said in the notes: the linked
//! elements (all, when none is linked), the linked producing countries
//! outside the allied group as exporters, every importer, all forms, half
//! of normal exports allowed (the 2025 licensing regime cut China's
//! magnet exports by about half in its first months), two months to a
//! licence (MOFCOM's 45 working days), a ban lasting twelve months and an
//! outage three unless the event gives an end.

use crate::event::{EntityKind, Event, Kind, Status};
use critmin_model::{ALLIED, Model, Month};
use std::fmt::Write as _;

/// One event's fragment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Fragment {
    /// The event.
    pub event: String,
    /// The scenario entries, TOML (empty when the simulator has no
    /// instrument for the event).
    pub toml: String,
    /// What was assumed or left out, in words.
    pub notes: Vec<String>,
}

/// Default share of normal exports a control allows.
pub const DEFAULT_ALLOWED_SHARE: f64 = 0.5;
/// Default months to a licence.
pub const DEFAULT_LICENCE_MONTHS: u32 = 2;
/// Default months a control lasts without an end date.
pub const DEFAULT_CONTROL_MONTHS: i32 = 12;
/// Default months an outage lasts without an end date.
pub const DEFAULT_OUTAGE_MONTHS: i32 = 3;

/// Whether `e` is in force in month `m`: not resolved, begun (its
/// `valid_from`, else its publication) and not ended.
pub fn in_force(e: &Event, m: Month) -> bool {
    if e.status == Status::Resolved {
        return false;
    }
    let from = e.valid_from.or(e.published).map(|d| d.month_of());
    let to = e.valid_to.map(|d| d.month_of());
    from.is_none_or(|f| f <= m) && to.is_none_or(|t| m <= t)
}

/// The fragment of `e` for a run starting in `start`.
pub fn fragment(e: &Event, model: &Model, start: Month) -> Fragment {
    let mut notes = Vec::new();
    let mut toml = String::new();
    let from = e
        .valid_from
        .or(e.published)
        .map(|d| d.month_of())
        .unwrap_or(start)
        .max(start);
    let to_or = |months: i32, notes: &mut Vec<String>| match e.valid_to {
        Some(d) => d.month_of().max(from),
        None => {
            notes.push(format!("no end date: assumed to last {months} months"));
            from.plus(months - 1)
        }
    };
    let licence = e.facts.licence_months;
    match e.kind {
        Kind::ExportControl | Kind::Licensing => {
            let exporters = exporters(e, model, &mut notes);
            if exporters.is_empty() {
                notes.push("no exporting country named or linked: no fragment".into());
                return done(e, toml, notes);
            }
            let elements = elements(e, &mut notes);
            let forms = if e.facts.forms.is_empty() {
                notes.push("forms not given: all of concentrate, oxide, metal and magnets".into());
                vec!["concentrate", "oxide", "metal", "magnet"]
                    .into_iter()
                    .map(str::to_string)
                    .collect()
            } else {
                e.facts.forms.clone()
            };
            let share = e.facts.allowed_share.unwrap_or_else(|| {
                notes.push(format!(
                    "allowed share not given: {DEFAULT_ALLOWED_SHARE} of normal exports"
                ));
                DEFAULT_ALLOWED_SHARE
            });
            let to = to_or(DEFAULT_CONTROL_MONTHS, &mut notes);
            let importers = if e.facts.importers.is_empty() {
                "\"*\"".to_string()
            } else {
                list(&e.facts.importers)
            };
            let licensing = e.kind == Kind::Licensing || licence.is_some();
            let _ = writeln!(toml, "[[event]]  # {}: {}", e.id, one_line(&e.title));
            if licensing {
                let months = licence.map_or_else(
                    || {
                        notes.push(format!(
                            "licence time not given: {DEFAULT_LICENCE_MONTHS} months"
                        ));
                        DEFAULT_LICENCE_MONTHS
                    },
                    |m| m.round().max(0.0) as u32,
                );
                let _ = writeln!(toml, "kind = \"licensing\"");
                let _ = writeln!(toml, "approval_share = {share}");
                let _ = writeln!(toml, "delay_months = {months}");
            } else {
                let _ = writeln!(toml, "kind = \"export_restriction\"");
                let _ = writeln!(toml, "allowed_share = {share}");
            }
            let _ = writeln!(toml, "from = \"{from}\"");
            let _ = writeln!(toml, "to = \"{to}\"");
            let _ = writeln!(toml, "exporter = {}", list(&exporters));
            let _ = writeln!(toml, "importers = {importers}");
            let _ = writeln!(toml, "elements = {}", list(&elements));
            let _ = writeln!(toml, "forms = {}", list(&forms));
        }
        Kind::FacilityOutage => {
            let facilities = e.linked(EntityKind::Facility);
            if facilities.is_empty() {
                notes.push("no facility linked: no fragment".into());
                return done(e, toml, notes);
            }
            let share = e.facts.remaining_share.unwrap_or_else(|| {
                notes.push("remaining share not given: the facility stops (0)".into());
                0.0
            });
            let to = to_or(DEFAULT_OUTAGE_MONTHS, &mut notes);
            for f in facilities {
                let _ = writeln!(toml, "[[event]]  # {}: {}", e.id, one_line(&e.title));
                let _ = writeln!(toml, "kind = \"facility_outage\"");
                let _ = writeln!(toml, "facility = \"{f}\"");
                let _ = writeln!(toml, "from = \"{from}\"");
                let _ = writeln!(toml, "to = \"{to}\"");
                let _ = writeln!(toml, "remaining_share = {share}");
            }
        }
        Kind::ProjectMilestone => {
            let projects = e.linked(EntityKind::Project);
            match (e.facts.delay_months, projects.is_empty()) {
                (Some(m), false) => {
                    for p in projects {
                        let _ = writeln!(toml, "[[event]]  # {}: {}", e.id, one_line(&e.title));
                        let _ = writeln!(toml, "kind = \"project_delay\"");
                        let _ = writeln!(toml, "project = \"{p}\"");
                        let _ = writeln!(toml, "months = {m}");
                    }
                }
                (None, _) => notes.push(
                    "a milestone without delay_months changes nothing the simulator models".into(),
                ),
                (Some(_), true) => notes.push("no project linked: no fragment".into()),
            }
        }
        k => notes.push(format!(
            "the simulator has no instrument for a {k} event: it is listed, not simulated"
        )),
    }
    done(e, toml, notes)
}

fn done(e: &Event, toml: String, notes: Vec<String>) -> Fragment {
    Fragment {
        event: e.id.clone(),
        toml,
        notes,
    }
}

/// The exporters: the facts', else the linked countries outside the
/// allied group that produce at some stage.
fn exporters(e: &Event, model: &Model, notes: &mut Vec<String>) -> Vec<String> {
    if !e.facts.exporters.is_empty() {
        return e.facts.exporters.clone();
    }
    let producing = |c: &str| {
        model
            .facilities
            .iter()
            .any(|f| f.country.as_str() == c && f.capacity_t_per_yr > 0.0)
    };
    let allied: Vec<String> = model
        .resolve_region(ALLIED)
        .unwrap_or_default()
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    let out: Vec<String> = e
        .linked(EntityKind::Country)
        .into_iter()
        .filter(|c| producing(c) && !allied.iter().any(|a| a == c))
        .map(str::to_string)
        .collect();
    if !out.is_empty() {
        notes.push(format!(
            "exporters not given: the linked producing countries outside the allied group ({})",
            out.join(", ")
        ));
        return out;
    }
    // A notice of China's export-control authorities names no country.
    let text = format!("{} {}", e.title, e.body);
    if CHINESE_AUTHORITIES.iter().any(|a| text.contains(a)) {
        notes.push("exporters not given: CN, whose export-control authority issued it".into());
        return vec!["CN".into()];
    }
    out
}

/// The names of China's export-control authorities, whose notices need
/// not name China.
const CHINESE_AUTHORITIES: &[&str] = &[
    "MOFCOM",
    "Mofcom",
    "China's Ministry of Commerce",
    "商务部",
    "商務部",
];

/// The elements: the facts', else the linked ones, else all.
fn elements(e: &Event, notes: &mut Vec<String>) -> Vec<String> {
    if !e.facts.elements.is_empty() {
        return e.facts.elements.clone();
    }
    let linked: Vec<String> = e
        .linked(EntityKind::Element)
        .into_iter()
        .map(str::to_string)
        .collect();
    if linked.is_empty() {
        notes.push("no element named: every element".into());
        vec!["all".into()]
    } else {
        linked
    }
}

fn list(v: &[String]) -> String {
    let items: Vec<String> = v
        .iter()
        .map(|x| format!("\"{}\"", x.replace('"', "")))
        .collect();
    format!("[{}]", items.join(", "))
}

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(100)
        .collect()
}

/// The current-situation scenario: `start` for `horizon` months on the
/// `steady` path, with every fragment's entries, and `risks` (TOML of
/// `[[risk]]` and `[uncertainty]` entries, for a Monte Carlo band) after
/// them.
pub fn situation(
    name: &str,
    start: Month,
    horizon: u32,
    fragments: &[Fragment],
    risks: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "name = \"{name}\"");
    let _ = writeln!(
        out,
        "description = \"The events in force, assembled by critmin intel assess.\""
    );
    let _ = writeln!(out, "start = \"{start}\"");
    let _ = writeln!(out, "horizon_months = {horizon}");
    for f in fragments.iter().filter(|f| !f.toml.is_empty()) {
        out.push('\n');
        out.push_str(&f.toml);
    }
    if !risks.trim().is_empty() {
        out.push('\n');
        out.push_str(risks);
    }
    out
}
