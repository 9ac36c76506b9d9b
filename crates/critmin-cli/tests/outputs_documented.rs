//! Every field critmin emits is documented: this test runs each JSON
//! output and each CSV table, collects every field (JSON as dotted paths,
//! arrays as `[]`; CSV as header names) and checks that `docs/outputs.md`
//! lists it under that output's heading. A new field without a line in the
//! documentation fails here.
//!
//! The documentation's shape: a heading `### id` per output (`envelope`
//! for the fields every JSON output shares; `csv:NAME` for the CSV table
//! NAME.csv), then a table whose first column is the field in backticks.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// Fields documented per heading id.
fn documented() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(root().join("docs/outputs.md")).expect("docs/outputs.md");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("### ") {
            let id = h.trim().trim_matches('`').to_string();
            out.entry(id.clone()).or_default();
            current = Some(id);
        } else if let (Some(id), Some(rest)) = (&current, line.strip_prefix("| `")) {
            if let Some((field, _)) = rest.split_once('`') {
                out.get_mut(id).unwrap().insert(field.to_string());
            }
        }
    }
    out
}

fn paths(v: &Value, at: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                out.insert(p.clone());
                paths(x, &p, out);
            }
        }
        Value::Array(a) => {
            for x in a {
                paths(x, &format!("{at}[]"), out);
            }
        }
        _ => {}
    }
}

fn run(args: &[&str], cwd: &Path) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_critmin"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run critmin");
    assert!(
        out.status.success(),
        "critmin {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The fields of `doc` missing from the documentation of `id` (envelope
/// fields are looked up under `envelope`).
fn missing(
    id: &str,
    doc: &Value,
    docs: &BTreeMap<String, BTreeSet<String>>,
    envelope: bool,
) -> Vec<String> {
    let mut fields = BTreeSet::new();
    paths(doc, "", &mut fields);
    let own = docs.get(id);
    let env = docs.get("envelope");
    let is_env = |f: &str| {
        ["schema_version", "provenance", "warnings", "timings"]
            .iter()
            .any(|k| f == *k || f.starts_with(&format!("{k}.")) || f.starts_with(&format!("{k}[]")))
    };
    fields
        .into_iter()
        .filter(|f| {
            if envelope && is_env(f) {
                // Timings are named per operation; document each under the
                // envelope as `timings.NAME`.
                !env.is_some_and(|d| d.contains(f))
            } else {
                !own.is_some_and(|d| d.contains(f))
            }
        })
        .map(|f| format!("{id}: `{f}`"))
        .collect()
}

#[test]
fn every_json_and_csv_field_is_documented() {
    let docs = documented();
    let tmp = tempfile::tempdir().unwrap();
    let json_cases: Vec<(&str, Vec<&str>)> = vec![
        ("metrics", vec!["metrics", "--format", "json"]),
        ("targets", vec!["targets", "--format", "json"]),
        ("data-summary", vec!["data", "summary", "--format", "json"]),
        (
            "scenarios-list",
            vec!["scenarios", "list", "--format", "json"],
        ),
        (
            "simulate",
            vec![
                "simulate",
                "china-total-ban-12m-shared",
                "--format",
                "json",
                "--countries",
                "US",
            ],
        ),
        (
            "montecarlo",
            vec![
                "montecarlo",
                "risk-baseline",
                "--runs",
                "16",
                "--horizon",
                "24",
                "--format",
                "json",
            ],
        ),
        (
            "optimize-portfolio",
            vec!["optimize", "portfolio", "--format", "json"],
        ),
        (
            "optimize-stockpile",
            vec![
                "optimize",
                "stockpile",
                "--target-months",
                "6",
                "--max-unmet-share",
                "0.5",
                "--scenarios",
                "china-total-ban-12m",
                "--pool",
                "pro-rata",
                "--min-months",
                "JP=2",
                "--purchase-years",
                "2",
                "--format",
                "json",
            ],
        ),
        (
            "bench",
            vec!["bench", "--runs", "2", "--horizon", "2", "--json"],
        ),
    ];
    let mut gaps = Vec::new();
    for (id, args) in json_cases {
        let doc: Value = serde_json::from_slice(&run(&args, tmp.path())).unwrap();
        gaps.extend(missing(id, &doc, &docs, true));
    }
    // The intelligence commands, on a store of the sample feed and rules
    // (an AMBER item too, so every marking's fields show).
    let root = root();
    let feed = root.join("data/intel/sample-2025-2026.jsonl");
    let db = tmp.path().join("intel.db");
    let (feed, db) = (feed.to_str().unwrap(), db.to_str().unwrap());
    for rules in ["jp.toml", "us.toml"] {
        let f = root.join("data/intel/rules").join(rules);
        run(
            &["intel", "rules", "set", f.to_str().unwrap(), "--db", db],
            tmp.path(),
        );
    }
    let intel_cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "intel-ingest",
            vec![
                "intel",
                "ingest",
                feed,
                "--db",
                db,
                "--now",
                "2026-10-15T00:00Z",
                "--output",
                "json",
            ],
        ),
        (
            "intel-list",
            vec!["intel", "list", "--db", db, "--format", "json"],
        ),
        (
            "intel-assess",
            vec![
                "intel",
                "assess",
                "--db",
                db,
                "--runs",
                "8",
                "--horizon",
                "12",
                "--format",
                "json",
            ],
        ),
        (
            "intel-rules",
            vec!["intel", "rules", "list", "--db", db, "--format", "json"],
        ),
        (
            "intel-evaluate",
            vec![
                "intel",
                "evaluate",
                "--db",
                db,
                "--now",
                "2026-10-16T00:00Z",
                "--format",
                "json",
            ],
        ),
        (
            "intel-alerts",
            vec!["intel", "alerts", "--db", db, "--format", "json"],
        ),
        (
            "intel-export",
            vec![
                "intel", "export", "--format", "stix", "--out", "x.json", "--db", db, "--output",
                "json",
            ],
        ),
    ];
    for (id, args) in intel_cases {
        let doc: Value = serde_json::from_slice(&run(&args, tmp.path())).unwrap();
        gaps.extend(missing(id, &doc, &docs, true));
    }
    let listed: Value = serde_json::from_slice(&run(
        &["intel", "list", "--db", db, "--format", "json"],
        tmp.path(),
    ))
    .unwrap();
    let id = listed["events"][0]["id"].as_str().unwrap().to_string();
    let doc: Value =
        serde_json::from_slice(&run(&["intel", "show", &id, "--db", db], tmp.path())).unwrap();
    gaps.extend(missing("intel-show", &doc, &docs, true));
    // The assess report's JSON and CSV files, metrics CSV and simulate's.
    run(&["assess", "--out", "a", "--risk-runs", "8"], tmp.path());
    run(&["metrics", "--format", "csv", "--out", "m"], tmp.path());
    run(&["simulate", "baseline", "--out", "s"], tmp.path());
    for f in ["metrics.json", "summary.json"] {
        let doc: Value =
            serde_json::from_slice(&std::fs::read(tmp.path().join("a").join(f)).unwrap()).unwrap();
        gaps.extend(missing(&format!("assess-{f}"), &doc, &docs, true));
    }
    let doc: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("s/summary.json")).unwrap()).unwrap();
    gaps.extend(missing("simulate", &doc, &docs, true));
    let mut tables = BTreeSet::new();
    for dir in ["a", "m", "s"] {
        for e in std::fs::read_dir(tmp.path().join(dir)).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let Some(stem) = name.strip_suffix(".csv") else {
                continue;
            };
            // One heading for all per-scenario tables.
            let id = if stem.starts_with("scenario-") {
                "csv:scenario-NAME".to_string()
            } else {
                format!("csv:{stem}")
            };
            let text = std::fs::read_to_string(e.path()).unwrap();
            let header = text.lines().next().unwrap_or("");
            for col in header.split(',') {
                if !docs.get(&id).is_some_and(|d| d.contains(col)) {
                    gaps.push(format!("{id}: `{col}`"));
                }
            }
            tables.insert(id);
        }
    }
    gaps.sort();
    gaps.dedup();
    assert!(
        gaps.is_empty(),
        "{} field(s) emitted but not documented in docs/outputs.md:\n{}",
        gaps.len(),
        gaps.join("\n")
    );
    assert!(tables.len() >= 10, "only {} CSV tables seen", tables.len());
}

#[test]
fn the_documentation_check_finds_an_undocumented_field() {
    let mut docs = BTreeMap::new();
    docs.insert(
        "x".to_string(),
        ["a", "a.b", "list", "list[].c"].map(String::from).into(),
    );
    let doc = serde_json::json!({"a": {"b": 1}, "list": [{"c": 1, "d": 2}]});
    assert_eq!(missing("x", &doc, &docs, false), vec!["x: `list[].d`"]);
}
