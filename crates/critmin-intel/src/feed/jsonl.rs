//! JSON lines and CSV: one item per line or row, the fields of [`Item`]
//! by name (CSV lists `;`-separated, facts as `facts.<name>` columns).
//! Every unknown key is an error, so no input is silently ignored.

use super::{Item, Parsed, check_item};
use crate::event::{Admiralty, Day, Kind, Severity, Status, Tlp};
use critmin_model::Diagnostic;
use serde_json::{Map, Value};

/// The keys an item may have.
const KEYS: &[&str] = &[
    "id",
    "event_id",
    "also_reported_by",
    "source",
    "link",
    "published",
    "observed",
    "valid_from",
    "valid_to",
    "title",
    "body",
    "kind",
    "severity",
    "status",
    "admiralty",
    "tlp",
    "owner",
    "share_with",
    "categories",
    "facts",
];

/// The keys of `facts`.
const FACT_KEYS: &[&str] = &[
    "elements",
    "forms",
    "exporters",
    "importers",
    "allowed_share",
    "remaining_share",
    "delay_months",
    "licence_months",
];

/// Parses JSON lines: every line a JSON object (blank lines are skipped).
pub fn parse_jsonl(file: &str, bytes: &[u8]) -> Parsed {
    let mut diags = Vec::new();
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            return Err(vec![Diagnostic::new(
                file,
                line,
                "(line)",
                "is not UTF-8 text",
            )]);
        }
    };
    let mut items = Vec::new();
    for (i, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(map)) => {
                if let Some(item) = item_from_map(file, n, &map, &mut diags) {
                    items.push(item);
                }
            }
            Ok(_) => diags.push(Diagnostic::new(file, n, "(line)", "is not a JSON object")),
            Err(e) => diags.push(Diagnostic::new(
                file,
                n,
                "(line)",
                format!("is not valid JSON: {e}"),
            )),
        }
    }
    if diags.is_empty() {
        Ok(items)
    } else {
        Err(diags)
    }
}

/// Parses CSV with a header row of item keys (`facts.elements`, …).
pub fn parse_csv(file: &str, bytes: &[u8]) -> Parsed {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![csv_error(file, &e)]),
    };
    let mut diags = Vec::new();
    for h in headers.iter() {
        let known = KEYS.contains(&h)
            || h.strip_prefix("facts.")
                .is_some_and(|f| FACT_KEYS.contains(&f));
        if !known || h == "facts" {
            diags.push(Diagnostic::new(
                file,
                1,
                "(header)",
                format!(
                    "`{h}` is not an item column; columns: {}, and facts.<{}>",
                    KEYS.join(", "),
                    FACT_KEYS.join("|")
                ),
            ));
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut items = Vec::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                diags.push(csv_error(file, &e));
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let mut map = Map::new();
        let mut facts = Map::new();
        for (h, v) in headers.iter().zip(rec.iter()) {
            if v.trim().is_empty() {
                continue;
            }
            let list = |v: &str| {
                Value::Array(
                    v.split(';')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| Value::String(s.to_string()))
                        .collect(),
                )
            };
            let num = |v: &str| match v.trim().parse::<f64>() {
                Ok(x) => serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number),
                Err(_) => Value::String(v.to_string()),
            };
            match h {
                "share_with" | "categories" => {
                    map.insert(h.into(), list(v));
                }
                f if f.starts_with("facts.") => {
                    let k = &f["facts.".len()..];
                    let val = match k {
                        "elements" | "forms" | "exporters" | "importers" => list(v),
                        _ => num(v),
                    };
                    facts.insert(k.into(), val);
                }
                _ => {
                    map.insert(h.into(), Value::String(v.to_string()));
                }
            }
        }
        if !facts.is_empty() {
            map.insert("facts".into(), Value::Object(facts));
        }
        if let Some(item) = item_from_map(file, line, &map, &mut diags) {
            items.push(item);
        }
    }
    if diags.is_empty() {
        Ok(items)
    } else {
        Err(diags)
    }
}

fn csv_error(file: &str, e: &csv::Error) -> Diagnostic {
    let line = e.position().map_or(1, |p| p.line() as usize);
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not UTF-8 text".to_string(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("has {len} fields; the header has {expected_len}"),
        _ => e.to_string(),
    };
    Diagnostic::new(file, line, "(row)", message)
}

/// An item from a JSON object, every key checked by name: unknown keys,
/// wrong types and values out of their vocabularies are reported at
/// `file:line` with the key.
pub(crate) fn item_from_map(
    file: &str,
    line: usize,
    map: &Map<String, Value>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Item> {
    let before = diags.len();
    let mut item = Item {
        position: line,
        ..Item::default()
    };
    let mut bad = |field: &str, message: String| {
        diags.push(Diagnostic::new(file, line, field, message));
    };
    for (k, v) in map {
        let text = || -> Option<String> {
            match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Null => None,
                _ => None,
            }
        };
        let strings = || -> Option<Vec<String>> {
            match v {
                Value::Array(a) => a.iter().map(|x| x.as_str().map(str::to_string)).collect(),
                Value::String(s) => Some(vec![s.clone()]),
                _ => None,
            }
        };
        let vocab = |parsed: Option<()>, what: &str| {
            parsed.ok_or_else(|| format!("`{}` is not {what}", v.as_str().unwrap_or("?")))
        };
        let r: Result<(), String> = match k.as_str() {
            "id" => text()
                .map(|s| item.id = Some(s))
                .ok_or_else(|| "must be a string".into()),
            "event_id" => text()
                .map(|s| item.event_id = Some(s))
                .ok_or_else(|| "must be a string".into()),
            "also_reported_by" => serde_json::from_value(v.clone())
                .map(|s| item.also = s)
                .map_err(|e| format!("must be a list of {{name, link, item}} objects: {e}")),
            "source" => text()
                .map(|s| item.source = Some(s))
                .ok_or_else(|| "must be a string".into()),
            "link" => text()
                .map(|s| item.link = Some(s))
                .ok_or_else(|| "must be a string".into()),
            "title" => text()
                .map(|s| item.title = s)
                .ok_or_else(|| "must be a string".into()),
            "body" => text()
                .map(|s| item.body = s)
                .ok_or_else(|| "must be a string".into()),
            "owner" => text()
                .map(|s| item.owner = Some(s))
                .ok_or_else(|| "must be a string".into()),
            "published" | "observed" | "valid_from" | "valid_to" => {
                match text().as_deref().map(Day::parse) {
                    Some(Some(d)) => {
                        match k.as_str() {
                            "published" => item.published = Some(d),
                            "observed" => item.observed = Some(d),
                            "valid_from" => item.valid_from = Some(d),
                            _ => item.valid_to = Some(d),
                        }
                        Ok(())
                    }
                    _ => Err(format!(
                        "`{}` is not a date (YYYY-MM-DD)",
                        v.as_str().unwrap_or("?")
                    )),
                }
            }
            "kind" => vocab(
                text()
                    .as_deref()
                    .and_then(Kind::parse)
                    .map(|x| item.kind = Some(x)),
                &format!("a kind: {}", Kind::NAMES),
            ),
            "severity" => vocab(
                text()
                    .as_deref()
                    .and_then(Severity::parse)
                    .map(|x| item.severity = Some(x)),
                &format!("a severity: {}", Severity::NAMES),
            ),
            "status" => vocab(
                text()
                    .as_deref()
                    .and_then(Status::parse)
                    .map(|x| item.status = Some(x)),
                &format!("a status: {}", Status::NAMES),
            ),
            "admiralty" => vocab(
                text()
                    .as_deref()
                    .and_then(Admiralty::parse)
                    .map(|x| item.admiralty = Some(x)),
                "an Admiralty grade (A–F and 1–6, e.g. B2)",
            ),
            "tlp" => vocab(
                text()
                    .as_deref()
                    .and_then(Tlp::parse)
                    .map(|x| item.tlp = Some(x)),
                &format!("a TLP marking: {}", Tlp::NAMES),
            ),
            "share_with" => strings()
                .map(|s| item.share_with = s)
                .ok_or_else(|| "must be a list of organisation names".into()),
            "categories" => strings()
                .map(|s| item.categories = s)
                .ok_or_else(|| "must be a list of strings".into()),
            "facts" => read_facts(v, &mut bad).map(|f| item.facts = f),
            other => Err(format!(
                "`{other}` is not an item key; keys: {}",
                KEYS.join(", ")
            )),
        };
        if let Err(m) = r {
            let field = if KEYS.contains(&k.as_str()) {
                k.clone()
            } else {
                "(key)".to_string()
            };
            bad(&field, m);
        }
    }
    check_item(file, &item, diags);
    (diags.len() == before).then_some(item)
}

/// The `facts` object: an unknown key is reported through `bad` as
/// `facts.<key>`, a known one of the wrong type is the error returned.
fn read_facts(v: &Value, bad: &mut dyn FnMut(&str, String)) -> Result<crate::event::Facts, String> {
    let Value::Object(f) = v else {
        return Err("must be an object".into());
    };
    for fk in f.keys() {
        if !FACT_KEYS.contains(&fk.as_str()) {
            bad(
                &format!("facts.{fk}"),
                format!("unknown key; facts take: {}", FACT_KEYS.join(", ")),
            );
        }
    }
    let known: Map<String, Value> = f
        .iter()
        .filter(|(k, _)| FACT_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    serde_json::from_value(Value::Object(known)).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_parse_and_every_problem_names_its_line_and_key() {
        let good = br#"{"title":"China adds Dy, Tb to export controls","kind":"export_control","published":"2025-04-04","tlp":"green","admiralty":"A1","facts":{"elements":["Dy","Tb"],"allowed_share":0.2}}

{"title":"Lynas restarts Kalgoorlie","source":"Lynas","id":"x1"}"#;
        let items = parse_jsonl("f.jsonl", good).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].kind, Some(Kind::ExportControl));
        assert_eq!(items[0].tlp, Some(Tlp::Green));
        assert_eq!(items[0].facts.allowed_share, Some(0.2));
        assert_eq!(items[1].position, 3);
        let bad = br#"{"title":"ok"}
{"title":"x","kind":"war"}
{"title":"x","colour":"red"}
not json
{"title":"","published":"2025-02-30"}
{"title":"x","facts":{"allowed_share":1.5,"mood":"grim"}}"#;
        let d = parse_jsonl("f.jsonl", bad).unwrap_err();
        let has = |line: usize, field: &str| d.iter().any(|x| x.line == line && x.field == field);
        assert!(has(2, "kind"), "{d:?}");
        assert!(has(3, "(key)"), "{d:?}");
        assert!(has(4, "(line)"), "{d:?}");
        assert!(has(5, "title") && has(5, "published"), "{d:?}");
        assert!(
            has(6, "facts.mood") && has(6, "facts.allowed_share"),
            "{d:?}"
        );
        assert!(!has(1, "title"));
    }

    #[test]
    fn csv_rows_map_to_items_with_lists_and_facts() {
        let csv = "title,kind,published,categories,facts.elements,facts.allowed_share\n\
                   Beijing curbs Dy,export_control,2025-04-04,policy;china,Dy;Tb,0.1\n";
        let items = parse_csv("f.csv", csv.as_bytes()).unwrap();
        assert_eq!(items[0].categories, ["policy", "china"]);
        assert_eq!(items[0].facts.elements, ["Dy", "Tb"]);
        assert_eq!(items[0].position, 2);
        let d = parse_csv("f.csv", b"title,mood\nx,y\n").unwrap_err();
        assert_eq!((d[0].line, d[0].field.as_str()), (1, "(header)"));
        let d = parse_csv("f.csv", b"title,kind\nx,war\ny\n").unwrap_err();
        assert!(d.iter().any(|x| x.line == 2 && x.field == "kind"), "{d:?}");
        assert!(d.iter().any(|x| x.line == 3 && x.field == "(row)"), "{d:?}");
    }
}
