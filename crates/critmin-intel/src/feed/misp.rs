//! MISP feeds: a directory with `manifest.json` (an object keyed by event
//! uuid) and one `<uuid>.json` per event (`{"Event": {…}}`). The caller
//! reads the manifest with [`parse_misp_manifest`], which returns the
//! uuids (each checked to be a UUID, so a hostile manifest cannot name a
//! path), then each event file with [`parse_misp`], which gives one item.
//!
//! An event maps to an item as follows:
//!
//! - `uuid` → `id`, `info` → `title` (required), `date` → `published`;
//! - `threat_level_id` (number or string) 1 high → high, 2 medium →
//!   medium, 3 low → low, 4 undefined → none (the kind's default);
//! - `analysis` (number or string) 0 initial → rumour, 1 ongoing →
//!   reported, 2 completed → confirmed: MISP grades how far the analysis
//!   has got, which is the nearest it has to how far a story is
//!   established;
//! - a `tlp:<level>` tag (any case; `clear`, `white` (read as CLEAR),
//!   `green`, `amber`, `amber+strict`, `red`) → `tlp`, the most
//!   restrictive if several; another `tlp:` tag is an error, except
//!   `tlp:unclear` and `tlp:ex:*`, which are no levels and are kept as
//!   categories; every other tag name → `categories`;
//! - `body` = the values of the `text` and `comment` attributes, the
//!   event's own then its objects', joined by newlines; `link` = the first
//!   `link` attribute; deleted attributes are passed over;
//! - critmin's own events (as [`crate::export::to_misp_feed`] writes them)
//!   carry the whole event as JSON in a `text` attribute whose comment is
//!   `critmin-event`: it restores every field (`event_id`, the sources,
//!   kind, severity, status, Admiralty grade, owner, sharing, facts), the
//!   TLP being the stricter of its own and the event's `tlp:` tag.
//!
//! The item's position is 1; a diagnostic names its field by JSON path
//! (`Event.Attribute[2].value`) at line 1, or at the line of a JSON
//! syntax error.

use super::{Item, Parsed, check_item};
use crate::event::{Day, Event, Severity, Status, Tlp};
use crate::export::{MISP_EVENT_COMMENT, item_of_event};
use critmin_model::Diagnostic;
use serde_json::Value;

/// Whether `s` is a UUID, `8-4-4-4-12` hex digits.
pub(crate) fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn json(file: &str, bytes: &[u8]) -> Result<Value, Vec<Diagnostic>> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    serde_json::from_slice(bytes).map_err(|e| {
        vec![Diagnostic::new(
            file,
            e.line().max(1),
            "(file)",
            format!("is not valid JSON: {e}"),
        )]
    })
}

/// The event uuids of a MISP feed's `manifest.json`, sorted.
pub fn parse_misp_manifest(file: &str, bytes: &[u8]) -> Result<Vec<String>, Vec<Diagnostic>> {
    let Value::Object(m) = json(file, bytes)? else {
        return Err(vec![Diagnostic::new(
            file,
            1,
            "(file)",
            "is not a MISP feed manifest (a JSON object keyed by event uuid)",
        )]);
    };
    let mut diags = Vec::new();
    let mut uuids = Vec::new();
    for (k, v) in &m {
        if !is_uuid(k) {
            let shown: String = k.chars().take(80).collect();
            diags.push(Diagnostic::new(
                file,
                1,
                "(key)",
                format!("`{shown}` is not an event uuid"),
            ));
        } else if !v.is_object() {
            diags.push(Diagnostic::new(
                file,
                1,
                k.as_str(),
                "must be an object (the event's info, date, tags…)",
            ));
        } else {
            uuids.push(k.clone());
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    uuids.sort();
    Ok(uuids)
}

/// A number given as a JSON number or a string of digits.
fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Parses one event file of a MISP feed.
pub fn parse_misp(file: &str, bytes: &[u8]) -> Parsed {
    let root = json(file, bytes)?;
    let Some(ev) = root.get("Event").and_then(Value::as_object) else {
        return Err(vec![Diagnostic::new(
            file,
            1,
            "Event",
            "is required: a MISP feed event file is {\"Event\": {…}}",
        )]);
    };
    let mut diags = Vec::new();
    let mut bad = |field: &str, msg: String| diags.push(Diagnostic::new(file, 1, field, msg));
    let mut item = Item {
        position: 1,
        ..Item::default()
    };
    match ev.get("uuid") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => item.id = Some(s.clone()),
        Some(_) => bad("Event.uuid", "must be a string".into()),
    }
    match ev.get("info") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => item.title = s.clone(),
        Some(_) => bad("Event.info", "must be a string".into()),
    }
    if let Some(v) = ev.get("date").filter(|v| !v.is_null()) {
        match v.as_str().and_then(Day::parse) {
            Some(d) => item.published = Some(d),
            None => bad("Event.date", "is not a date (YYYY-MM-DD)".into()),
        }
    }
    if let Some(v) = ev.get("threat_level_id").filter(|v| !v.is_null()) {
        match int(v) {
            Some(1) => item.severity = Some(Severity::High),
            Some(2) => item.severity = Some(Severity::Medium),
            Some(3) => item.severity = Some(Severity::Low),
            Some(4) => {}
            _ => bad(
                "Event.threat_level_id",
                "must be 1 (high), 2 (medium), 3 (low) or 4 (undefined)".into(),
            ),
        }
    }
    if let Some(v) = ev.get("analysis").filter(|v| !v.is_null()) {
        match int(v) {
            Some(0) => item.status = Some(Status::Rumour),
            Some(1) => item.status = Some(Status::Reported),
            Some(2) => item.status = Some(Status::Confirmed),
            _ => bad(
                "Event.analysis",
                "must be 0 (initial), 1 (ongoing) or 2 (completed)".into(),
            ),
        }
    }
    let mut tag_tlp: Option<Tlp> = None;
    match ev.get("Tag") {
        None | Some(Value::Null) => {}
        Some(Value::Array(tags)) => {
            for (i, t) in tags.iter().enumerate() {
                let Some(name) = t.get("name").and_then(Value::as_str) else {
                    bad(
                        &format!("Event.Tag[{i}].name"),
                        "is required: a tag has a name".into(),
                    );
                    continue;
                };
                let name = name.trim();
                let lower = name.to_ascii_lowercase();
                match lower.strip_prefix("tlp:") {
                    Some(level) if level == "unclear" || level.starts_with("ex:") => {
                        item.categories.push(name.to_string());
                    }
                    Some(_) => match Tlp::parse(name) {
                        Some(t) => tag_tlp = Some(tag_tlp.map_or(t, |x| x.max(t))),
                        None => bad(
                            &format!("Event.Tag[{i}].name"),
                            format!("`{}` is not a TLP level: {}", clip(name), Tlp::NAMES),
                        ),
                    },
                    None if !name.is_empty() => item.categories.push(name.to_string()),
                    None => {}
                }
            }
        }
        Some(_) => bad("Event.Tag", "must be a list of tags".into()),
    }
    item.tlp = tag_tlp;

    let mut texts: Vec<String> = Vec::new();
    let mut own: Option<Event> = None;
    let mut attributes =
        |list: Option<&Value>, path: &str, bad: &mut dyn FnMut(&str, String)| match list {
            None | Some(Value::Null) => {}
            Some(Value::Array(a)) => {
                for (i, at) in a.iter().enumerate() {
                    let Some(at) = at.as_object() else {
                        bad(&format!("{path}[{i}]"), "must be an object".into());
                        continue;
                    };
                    if at.get("deleted").and_then(Value::as_bool) == Some(true) {
                        continue;
                    }
                    let ty = at.get("type").and_then(Value::as_str).unwrap_or("");
                    let Some(value) = at.get("value").and_then(Value::as_str) else {
                        continue;
                    };
                    let comment = at.get("comment").and_then(Value::as_str).unwrap_or("");
                    if ty == "text" && comment == MISP_EVENT_COMMENT {
                        match serde_json::from_str::<Event>(value) {
                            Ok(e) => own = Some(e),
                            Err(e) => bad(
                                &format!("{path}[{i}].value"),
                                format!("is not a critmin event: {e}"),
                            ),
                        }
                    } else if ty == "text" || ty == "comment" {
                        if !value.trim().is_empty() {
                            texts.push(value.to_string());
                        }
                    } else if ty == "link" && item.link.is_none() {
                        item.link = Some(value.to_string());
                    }
                }
            }
            Some(_) => bad(path, "must be a list of attributes".into()),
        };
    attributes(ev.get("Attribute"), "Event.Attribute", &mut bad);
    match ev.get("Object") {
        None | Some(Value::Null) => {}
        Some(Value::Array(objs)) => {
            for (j, o) in objs.iter().enumerate() {
                let Some(o) = o.as_object() else {
                    bad(&format!("Event.Object[{j}]"), "must be an object".into());
                    continue;
                };
                if o.get("deleted").and_then(Value::as_bool) == Some(true) {
                    continue;
                }
                attributes(
                    o.get("Attribute"),
                    &format!("Event.Object[{j}].Attribute"),
                    &mut bad,
                );
            }
        }
        Some(_) => bad("Event.Object", "must be a list of objects".into()),
    }
    item.body = texts.join("\n");
    if let Some(e) = own {
        let mut restored = item_of_event(e, 1);
        if let Some(t) = tag_tlp {
            restored.tlp = Some(restored.tlp.map_or(t, |x| x.max(t)));
        }
        restored.categories = std::mem::take(&mut item.categories);
        item = restored;
    }
    check_item(file, &item, &mut diags);
    if diags.is_empty() {
        Ok(vec![item])
    } else {
        Err(diags)
    }
}

fn clip(s: &str) -> String {
    s.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_list_valid_uuids_sorted() {
        let m = br#"{"b1b2c3d4-0000-4000-8000-000000000000":{"info":"x"},"a1b2c3d4-0000-4000-8000-000000000000":{"info":"y"}}"#;
        assert_eq!(
            parse_misp_manifest("manifest.json", m).unwrap(),
            [
                "a1b2c3d4-0000-4000-8000-000000000000",
                "b1b2c3d4-0000-4000-8000-000000000000"
            ]
        );
        let d = parse_misp_manifest("manifest.json", br#"{"../../etc/passwd":{}}"#).unwrap_err();
        assert_eq!(d[0].field, "(key)");
        assert!(parse_misp_manifest("manifest.json", b"[1,2]").is_err());
        let d = parse_misp_manifest("manifest.json", b"{\n\"a\":").unwrap_err();
        assert_eq!(d[0].line, 2);
    }

    #[test]
    fn a_third_party_event_maps_tags_levels_and_text() {
        let e = br#"{"Event":{"uuid":"5e1b3c2a-0000-4000-8000-000000000001","info":"Flood at a Jiangxi separation plant",
            "date":"2025-06-02","threat_level_id":"2","analysis":0,
            "Tag":[{"name":"TLP:GREEN"},{"name":"tlp:amber+strict"},{"name":"rare-earths"},{"name":"tlp:ex:chr"}],
            "Attribute":[{"type":"text","value":"Output halted."},{"type":"link","value":"https://x.example/1"},
                         {"type":"comment","value":"old","deleted":true},{"type":"ip-dst","value":"1.2.3.4"}],
            "Object":[{"name":"report","Attribute":[{"type":"comment","value":"Two lines affected."}]}]}}"#;
        let items = parse_misp("e.json", e).unwrap();
        let it = &items[0];
        assert_eq!(
            it.id.as_deref(),
            Some("5e1b3c2a-0000-4000-8000-000000000001")
        );
        assert_eq!(it.title, "Flood at a Jiangxi separation plant");
        assert_eq!(it.published.unwrap().to_string(), "2025-06-02");
        assert_eq!(it.severity, Some(Severity::Medium));
        assert_eq!(it.status, Some(Status::Rumour));
        assert_eq!(it.tlp, Some(Tlp::AmberStrict));
        assert_eq!(it.categories, ["rare-earths", "tlp:ex:chr"]);
        assert_eq!(it.body, "Output halted.\nTwo lines affected.");
        assert_eq!(it.link.as_deref(), Some("https://x.example/1"));
        assert_eq!(it.position, 1);
    }

    #[test]
    fn problems_name_their_json_path() {
        let e = br#"{"Event":{"info":"","date":"June","threat_level_id":9,"analysis":"x","Tag":[{"name":"tlp:purple"}],
            "Attribute":[{"type":"text","comment":"critmin-event","value":"{}"}]}}"#;
        let d = parse_misp("e.json", e).unwrap_err();
        for f in [
            "Event.date",
            "Event.threat_level_id",
            "Event.analysis",
            "Event.Tag[0].name",
            "Event.Attribute[0].value",
            "title",
        ] {
            assert!(d.iter().any(|x| x.field == f), "{f}: {d:?}");
        }
        assert!(parse_misp("e.json", br#"{"event":{}}"#).is_err());
        let none = parse_misp("e.json", br#"{"Event":{"info":"x","threat_level_id":4}}"#).unwrap();
        assert_eq!(none[0].severity, None);
    }
}
