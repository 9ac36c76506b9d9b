//! STIX 2.1 bundles (`{"type": "bundle", "id": …, "objects": […]}`): an
//! item per `report` and per critmin `x-critmin-supply-event` (as
//! [`crate::export::to_stix_bundle`] writes them).
//!
//! - An `x-critmin-supply-event` gives back the event it was written from:
//!   `event_id` = `critmin_id`, the first source as the item's `source`,
//!   `link` and `id`, the others as `also_reported_by`, every other field
//!   as written (links are not read: the gazetteer links again on ingest).
//! - A `report` gives `title` = `name` (required), `body` = `description`,
//!   `published` = the day of `published`, `categories` = `labels` and
//!   `report_types`, `link` = the `url` of the first external reference
//!   that has one, `id` = the STIX id. A report whose `object_refs` name
//!   an `x-critmin-supply-event` of the same bundle is that event's cover
//!   and is skipped, so an event is read once.
//! - `object_marking_refs` and the `marking_ref`s of `granular_markings`
//!   give the TLP, the most restrictive if several: the TLP 2.0 marking
//!   definitions OASIS publishes and the TLP 1.0 ones STIX 2.1 predefines
//!   (WHITE read as CLEAR) are known by id ([`crate::export::TLP2_MARKINGS`],
//!   [`crate::export::TLP1_MARKINGS`]); a `marking-definition` in the
//!   bundle is read by its `definition` (`{"tlp": …}`) or its TLP 2.0
//!   extension (`tlp_2_0`); a statement marking in the bundle is no TLP and
//!   is passed over; a ref to anything else is an error (an item whose
//!   sharing cannot be told is not stored). For critmin's own objects the
//!   marking and the `tlp` property are both read and the stricter kept.
//! - Objects with `revoked: true` are skipped; every other object type
//!   (identity, location, marking-definition, extension-definition,
//!   relationship, indicator, …) is skipped if it is a STIX object: a JSON
//!   object with a `type` and an `id` of the form `<type>--<UUID>`.
//!
//! Diagnostics: bad JSON at serde_json's line; a problem with an object at
//! line = the object's 1-based number in `objects`, its field named by
//! JSON path with the 0-based index (`objects[3].name` is the fourth
//! object, line 4). A file parses whole or not at all.

use super::{Item, Parsed, check_item};
use crate::event::{Day, Tlp};
use crate::export::{
    SUPPLY_EVENT_TYPE, SupplyEvent, TLP2_EXTENSION, item_of_event, tlp_of_marking_id,
};
use critmin_model::Diagnostic;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// What a marking ref stands for.
#[derive(Clone, Copy)]
enum Marking {
    Tlp(Tlp),
    /// A marking of the bundle that is no TLP (a statement).
    Other,
}

/// Parses a STIX 2.1 bundle.
pub fn parse_stix(file: &str, bytes: &[u8]) -> Parsed {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let root: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            return Err(vec![Diagnostic::new(
                file,
                e.line().max(1),
                "(file)",
                format!("is not valid JSON: {e}"),
            )]);
        }
    };
    let one = |field: &str, message: &str| Err(vec![Diagnostic::new(file, 1, field, message)]);
    let Value::Object(root) = root else {
        return one(
            "(file)",
            "is not a STIX bundle (a JSON object with \"type\": \"bundle\")",
        );
    };
    if root.get("type").and_then(Value::as_str) != Some("bundle") {
        return one("type", "must be \"bundle\" (a STIX 2.1 bundle)");
    }
    let objects: &[Value] = match root.get("objects") {
        None => &[],
        Some(Value::Array(a)) => a,
        Some(_) => return one("objects", "must be a list of STIX objects"),
    };

    let mut diags = Vec::new();
    // First pass: every object is a STIX object; the bundle's markings
    // and critmin objects by id.
    let mut valid = vec![false; objects.len()];
    let mut markings: HashMap<&str, Marking> = HashMap::new();
    let mut supply_events: HashSet<&str> = HashSet::new();
    for (i, o) in objects.iter().enumerate() {
        let at = |f: &str| format!("objects[{i}]{f}");
        let Value::Object(m) = o else {
            diags.push(Diagnostic::new(file, i + 1, at(""), "is not a JSON object"));
            continue;
        };
        let ty = match m.get("type").and_then(Value::as_str) {
            Some(t) if !t.trim().is_empty() => t,
            _ => {
                diags.push(Diagnostic::new(
                    file,
                    i + 1,
                    at(".type"),
                    "is required: a STIX object has a type",
                ));
                continue;
            }
        };
        let id = match m.get("id").and_then(Value::as_str) {
            Some(id) if is_stix_id(ty, id) => id,
            Some(id) => {
                diags.push(Diagnostic::new(
                    file,
                    i + 1,
                    at(".id"),
                    format!("`{}` is not a STIX id (`{ty}--<UUID>`)", clip(id)),
                ));
                continue;
            }
            None => {
                diags.push(Diagnostic::new(
                    file,
                    i + 1,
                    at(".id"),
                    "is required: a STIX object has an id",
                ));
                continue;
            }
        };
        valid[i] = true;
        match ty {
            "marking-definition" => {
                let level = tlp_of_marking_id(id).or_else(|| marking_level(m));
                markings.insert(id, level.map_or(Marking::Other, Marking::Tlp));
            }
            SUPPLY_EVENT_TYPE if !revoked(m) => {
                supply_events.insert(id);
            }
            _ => {}
        }
    }

    let mut items = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        let Some(m) = o.as_object().filter(|_| valid[i]) else {
            continue;
        };
        if revoked(m) {
            continue;
        }
        let before = diags.len();
        let item = match m.get("type").and_then(Value::as_str) {
            Some(SUPPLY_EVENT_TYPE) => supply_event(file, i, m, &mut diags),
            Some("report") => {
                let covers = m
                    .get("object_refs")
                    .and_then(Value::as_array)
                    .is_some_and(|refs| {
                        refs.iter()
                            .filter_map(Value::as_str)
                            .any(|r| supply_events.contains(r))
                    });
                if covers {
                    continue;
                }
                report(file, i, m, &mut diags)
            }
            _ => continue,
        };
        let tlp = marking_of(file, i, m, &markings, &mut diags);
        if let Some(mut item) = item {
            if let Some(t) = tlp {
                item.tlp = Some(item.tlp.map_or(t, |x| x.max(t)));
            }
            check_item(file, &item, &mut diags);
            if diags.len() == before {
                items.push(item);
            }
        }
    }
    if diags.is_empty() {
        Ok(items)
    } else {
        Err(diags)
    }
}

/// Whether `id` is `<ty>--<UUID>`.
fn is_stix_id(ty: &str, id: &str) -> bool {
    id.strip_prefix(ty)
        .and_then(|r| r.strip_prefix("--"))
        .is_some_and(super::misp::is_uuid)
}

fn revoked(m: &Map<String, Value>) -> bool {
    m.get("revoked").and_then(Value::as_bool) == Some(true)
}

/// At most 80 characters of `s`, for messages.
fn clip(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((n, _)) => format!("{}…", &s[..n]),
        None => s.to_string(),
    }
}

/// The TLP level a marking definition of the bundle states, if any.
fn marking_level(m: &Map<String, Value>) -> Option<Tlp> {
    let v1 = (m.get("definition_type").and_then(Value::as_str) == Some("tlp"))
        .then(|| m.get("definition")?.get("tlp")?.as_str())
        .flatten();
    let v2 = m
        .get("extensions")
        .and_then(|e| e.get(TLP2_EXTENSION))
        .and_then(|e| e.get("tlp_2_0"))
        .and_then(Value::as_str);
    v2.or(v1).and_then(Tlp::parse)
}

/// The TLP of object `i`: the most restrictive of its markings.
fn marking_of(
    file: &str,
    i: usize,
    m: &Map<String, Value>,
    markings: &HashMap<&str, Marking>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Tlp> {
    let mut refs: Vec<(String, &Value)> = Vec::new();
    match m.get("object_marking_refs") {
        None => {}
        Some(Value::Array(a)) => {
            for (j, r) in a.iter().enumerate() {
                refs.push((format!("objects[{i}].object_marking_refs[{j}]"), r));
            }
        }
        Some(_) => diags.push(Diagnostic::new(
            file,
            i + 1,
            format!("objects[{i}].object_marking_refs"),
            "must be a list of marking-definition ids",
        )),
    }
    if let Some(Value::Array(g)) = m.get("granular_markings") {
        for (j, gm) in g.iter().enumerate() {
            if let Some(r) = gm.get("marking_ref") {
                refs.push((
                    format!("objects[{i}].granular_markings[{j}].marking_ref"),
                    r,
                ));
            }
        }
    }
    let mut tlp: Option<Tlp> = None;
    for (field, r) in refs {
        let Some(id) = r.as_str() else {
            diags.push(Diagnostic::new(
                file,
                i + 1,
                field,
                "must be a marking-definition id",
            ));
            continue;
        };
        let level = match tlp_of_marking_id(id) {
            Some(t) => Some(t),
            None => match markings.get(id) {
                Some(Marking::Tlp(t)) => Some(*t),
                Some(Marking::Other) => None,
                None => {
                    diags.push(Diagnostic::new(
                        file,
                        i + 1,
                        field,
                        format!(
                            "`{}` is neither a standard TLP marking (TLP 2.0 or 1.0) nor a marking-definition of this bundle",
                            clip(id)
                        ),
                    ));
                    None
                }
            },
        };
        if let Some(t) = level {
            tlp = Some(tlp.map_or(t, |x| x.max(t)));
        }
    }
    tlp
}

/// The item of critmin's own object `i`.
fn supply_event(
    file: &str,
    i: usize,
    m: &Map<String, Value>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Item> {
    let fail = |diags: &mut Vec<Diagnostic>, msg: String| {
        diags.push(Diagnostic::new(
            file,
            i + 1,
            format!("objects[{i}]"),
            format!("is not a valid {SUPPLY_EVENT_TYPE}: {msg}"),
        ));
        None
    };
    let wire: SupplyEvent = match serde_json::from_value(Value::Object(m.clone())) {
        Ok(w) => w,
        Err(e) => return fail(diags, e.to_string()),
    };
    match wire.into_event() {
        Ok(e) => Some(item_of_event(e, i + 1)),
        Err(msg) => fail(diags, msg),
    }
}

/// The item of report `i`.
fn report(
    file: &str,
    i: usize,
    m: &Map<String, Value>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Item> {
    let before = diags.len();
    let mut bad = |field: &str, msg: &str| {
        diags.push(Diagnostic::new(
            file,
            i + 1,
            format!("objects[{i}].{field}"),
            msg,
        ));
    };
    let title = match m.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::String(_)) | None => {
            bad("name", "is required: a report needs a name (its headline)");
            String::new()
        }
        Some(_) => {
            bad("name", "must be a string");
            String::new()
        }
    };
    let body = match m.get("description") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            bad("description", "must be a string");
            String::new()
        }
    };
    let published = match m.get("published") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            let d = Day::parse(s);
            if d.is_none() {
                bad("published", "is not a timestamp (2025-04-04T00:00:00Z)");
            }
            d
        }
        Some(_) => {
            bad("published", "must be a timestamp string");
            None
        }
    };
    let mut categories: Vec<String> = Vec::new();
    for key in ["labels", "report_types"] {
        match m.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Array(a)) if a.iter().all(Value::is_string) => {
                for s in a.iter().filter_map(Value::as_str) {
                    let s = s.trim();
                    if !s.is_empty() && !categories.iter().any(|c| c == s) {
                        categories.push(s.to_string());
                    }
                }
            }
            Some(_) => bad(key, "must be a list of strings"),
        }
    }
    let link = m
        .get("external_references")
        .and_then(Value::as_array)
        .and_then(|refs| refs.iter().find_map(|r| r.get("url")?.as_str()))
        .map(str::to_string);
    if diags.len() != before {
        return None;
    }
    Some(Item {
        id: m.get("id").and_then(Value::as_str).map(str::to_string),
        link,
        published,
        title,
        body,
        categories,
        position: i + 1,
        ..Item::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GREEN2: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
    const AMBER1: &str = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82";

    fn bundle(objects: &str) -> Vec<u8> {
        format!(r#"{{"type":"bundle","id":"bundle--6f4b3e2c-1d9a-4c5b-8e7f-0a1b2c3d4e5f","objects":[{objects}]}}"#)
            .into_bytes()
    }

    #[test]
    fn reports_map_to_items_with_their_markings() {
        let b = bundle(&format!(
            r#"{{"type":"identity","spec_version":"2.1","id":"identity--11111111-1111-4111-8111-111111111111","name":"ACME"}},
            {{"type":"report","spec_version":"2.1","id":"report--22222222-2222-4222-8222-222222222222",
              "name":"Dysprosium oxide prices jump","description":"Up 20%.","published":"2025-04-07T09:30:00.000Z",
              "labels":["price"],"report_types":["threat-report","price"],
              "external_references":[{{"source_name":"acme","external_id":"A-1"}},{{"source_name":"acme","url":"https://acme.example/1"}}],
              "object_refs":["identity--11111111-1111-4111-8111-111111111111"],
              "object_marking_refs":["{GREEN2}","{AMBER1}"]}}"#
        ));
        let items = parse_stix("b.json", &b).unwrap();
        assert_eq!(items.len(), 1);
        let it = &items[0];
        assert_eq!(it.title, "Dysprosium oxide prices jump");
        assert_eq!(it.body, "Up 20%.");
        assert_eq!(it.published.unwrap().to_string(), "2025-04-07");
        assert_eq!(it.categories, ["price", "threat-report"]);
        assert_eq!(it.link.as_deref(), Some("https://acme.example/1"));
        assert_eq!(
            it.id.as_deref(),
            Some("report--22222222-2222-4222-8222-222222222222")
        );
        assert_eq!(it.tlp, Some(Tlp::Amber), "the stricter of GREEN and AMBER");
        assert_eq!(it.position, 2);
    }

    #[test]
    fn bundle_markings_are_read_by_their_definition() {
        let b = bundle(
            r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--33333333-3333-4333-8333-333333333333","definition_type":"tlp","definition":{"tlp":"red"}},
            {"type":"marking-definition","spec_version":"2.1","id":"marking-definition--44444444-4444-4444-8444-444444444444","definition_type":"statement","definition":{"statement":"(c) ACME"}},
            {"type":"report","spec_version":"2.1","id":"report--55555555-5555-4555-8555-555555555555","name":"x","published":"2025-01-01T00:00:00Z","object_refs":[],
             "object_marking_refs":["marking-definition--44444444-4444-4444-8444-444444444444"],
             "granular_markings":[{"marking_ref":"marking-definition--33333333-3333-4333-8333-333333333333","selectors":["description"]}]}"#,
        );
        let items = parse_stix("b.json", &b).unwrap();
        assert_eq!(items[0].tlp, Some(Tlp::Red));
    }

    #[test]
    fn every_problem_names_its_object() {
        let b = bundle(
            r#"{"type":"identity","id":"identity--11111111-1111-4111-8111-111111111111"},
            {"id":"indicator--11111111-1111-4111-8111-111111111111"},
            {"type":"indicator"},
            {"type":"report","id":"report--22222222-2222-4222-8222-222222222222","description":"no name"},
            {"type":"report","id":"report--33333333-3333-4333-8333-333333333333","name":"x","object_marking_refs":["marking-definition--99999999-9999-4999-8999-999999999999"]},
            {"type":"note","id":"bad-id"},
            7"#,
        );
        let d = parse_stix("b.json", &b).unwrap_err();
        let has = |line: usize, field: &str| d.iter().any(|x| x.line == line && x.field == field);
        assert!(has(2, "objects[1].type"), "{d:?}");
        assert!(has(3, "objects[2].id"), "{d:?}");
        assert!(has(4, "objects[3].name"), "{d:?}");
        assert!(has(5, "objects[4].object_marking_refs[0]"), "{d:?}");
        assert!(has(6, "objects[5].id"), "{d:?}");
        assert!(has(7, "objects[6]"), "{d:?}");
        assert!(!d.iter().any(|x| x.line == 1), "{d:?}");
    }

    #[test]
    fn bad_json_and_non_bundles_are_one_diagnostic() {
        let d = parse_stix("b.json", b"{\n\"type\": \"bundle\",\n\"objects\": [\n").unwrap_err();
        assert_eq!(d.len(), 1);
        assert!(d[0].line >= 3, "{d:?}");
        let d = parse_stix("b.json", br#"{"type":"report"}"#).unwrap_err();
        assert_eq!((d[0].line, d[0].field.as_str()), (1, "type"));
        assert_eq!(
            parse_stix("b.json", br#"{"type":"bundle","id":"bundle--x"}"#).unwrap(),
            vec![]
        );
    }
}
