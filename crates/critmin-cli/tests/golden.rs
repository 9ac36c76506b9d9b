//! Golden results: the numbers the shipped scenarios, the Monte Carlo, both
//! optimisers, the metrics and the scorecard produce, pinned in files under
//! `tests/golden/` and compared at a stated tolerance.
//!
//! Every case runs the real binary (so the goldens survive any move of code
//! between crates) and compares its output with the stored file:
//! - JSON is compared as a tree. Numbers agree when
//!   `|a − b| ≤ ABS_TOL + REL_TOL · max(|a|, |b|)`; strings, booleans, keys
//!   and array lengths must match exactly. The keys in [`VOLATILE`] (timings,
//!   provenance) are not compared.
//! - Text (CSV tables, report sections) is compared line by line after
//!   [`redact`] replaces timings.
//!
//! `CRITMIN_BLESS=1 cargo test -p critmin-cli --test golden` rewrites every
//! golden from the current binary. Regenerate deliberately and say why in
//! the commit: a golden that changes is a result that changed.

use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Relative tolerance of a number.
const REL_TOL: f64 = 1e-7;
/// Absolute tolerance of a number (t, USD m, shares: all far above it).
const ABS_TOL: f64 = 1e-6;
/// Keys whose values are not compared: the envelope that travels beside a
/// result (its provenance names the version and command line, which change
/// by design; its timings are wall-clock; its warnings are tested by the
/// end-to-end tests) and any `*_seconds` timing.
const VOLATILE: &[&str] = &["provenance", "schema_version", "timings", "warnings"];

fn volatile(key: &str) -> bool {
    VOLATILE.contains(&key) || key.ends_with("_seconds")
}
/// At most this many differences are listed in a failure.
const MAX_SHOWN: usize = 40;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn blessing() -> bool {
    std::env::var_os("CRITMIN_BLESS").is_some_and(|v| v != "0" && !v.is_empty())
}

/// Runs critmin in a fresh temporary directory and returns stdout.
fn run(args: &[&str]) -> (String, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_critmin"))
        .args(args)
        .current_dir(tmp.path())
        .output()
        .expect("run critmin");
    assert!(
        out.status.success(),
        "critmin {} failed ({}):\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    (String::from_utf8(out.stdout).expect("UTF-8 output"), tmp)
}

fn scenario(name: &str) -> String {
    root().join("scenarios").join(name).display().to_string()
}

/// Compares `actual` JSON with the golden `name`, or rewrites it when
/// blessing; panics with a readable diff.
fn check_json(name: &str, actual: &str) {
    if let Some(msg) = json_mismatch(name, actual) {
        panic!("{msg}");
    }
}

/// The differences between `actual` JSON and the golden `name`, if any (none
/// when blessing, which rewrites the golden).
fn json_mismatch(name: &str, actual: &str) -> Option<String> {
    let path = golden_dir().join(name);
    let actual: Value = serde_json::from_str(actual).expect("valid JSON");
    if blessing() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut text = serde_json::to_string_pretty(&strip(&actual)).unwrap();
        text.push('\n');
        std::fs::write(&path, text).unwrap();
        return None;
    }
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "no golden {}: run with CRITMIN_BLESS=1 to create it",
                path.display()
            )
        }))
        .expect("golden is valid JSON");
    let mut diffs = Vec::new();
    compare(&expected, &actual, "$", &mut diffs);
    if !diffs.is_empty() {
        let mut msg = format!(
            "{} differs from the golden in {} place(s) (tolerance: abs {ABS_TOL:e} + rel {REL_TOL:e}):\n",
            name,
            diffs.len()
        );
        for d in diffs.iter().take(MAX_SHOWN) {
            let _ = writeln!(msg, "  {d}");
        }
        if diffs.len() > MAX_SHOWN {
            let _ = writeln!(msg, "  … and {} more", diffs.len() - MAX_SHOWN);
        }
        msg.push_str(
            "If the change is intended, regenerate with CRITMIN_BLESS=1 and say why in the commit.",
        );
        return Some(msg);
    }
    None
}

/// The JSON without its volatile keys, as stored.
fn strip(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !volatile(k))
                .map(|(k, v)| (k.clone(), strip(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip).collect()),
        v => v.clone(),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= ABS_TOL + REL_TOL * a.abs().max(b.abs())
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

/// Collects every difference between `e` (expected) and `a` (actual).
fn compare(e: &Value, a: &Value, at: &str, out: &mut Vec<String>) {
    match (e, a) {
        (Value::Object(me), Value::Object(ma)) => {
            for (k, ve) in me {
                if volatile(k) {
                    continue;
                }
                match ma.get(k) {
                    Some(va) => compare(ve, va, &format!("{at}.{k}"), out),
                    None => out.push(format!("{at}.{k}: missing (expected {})", short(ve))),
                }
            }
            for k in ma.keys() {
                if !volatile(k) && !me.contains_key(k) {
                    out.push(format!("{at}.{k}: unexpected new key = {}", short(&ma[k])));
                }
            }
        }
        (Value::Array(ae), Value::Array(aa)) => {
            if ae.len() != aa.len() {
                out.push(format!("{at}: {} items, expected {}", aa.len(), ae.len()));
            }
            for (i, (x, y)) in ae.iter().zip(aa).enumerate() {
                compare(x, y, &format!("{at}[{i}]"), out);
            }
        }
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            if !close(x, y) {
                out.push(format!("{at}: {y} (expected {x}, diff {:+e})", y - x));
            }
        }
        (x, y) if x == y => {}
        (x, y) => out.push(format!("{at}: {} (expected {})", short(y), short(x))),
    }
}

/// Replaces wall-clock timings in text: a number followed by ` s` (seconds)
/// becomes `[T]`.
fn redact(text: &str) -> String {
    text.lines()
        .map(|l| {
            let mut out = String::with_capacity(l.len());
            let b = l.as_bytes();
            let mut i = 0;
            while i < b.len() {
                // a number followed by " s" or "s)" (seconds)
                if b[i].is_ascii_digit() {
                    let start = i;
                    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                        i += 1;
                    }
                    let rest = &l[i..];
                    let secs = rest.starts_with(" s ")
                        || rest == " s"
                        || rest.starts_with(" s)")
                        || rest.starts_with(" s,")
                        || rest.starts_with(" s.");
                    if secs {
                        out.push_str("[T]");
                    } else {
                        out.push_str(&l[start..i]);
                    }
                    continue;
                }
                // copy the whole character, not one byte of it: a byte cast
                // to `char` would re-encode UTF-8 (→ became "â\u{86}\u{92}")
                let ch = l[i..].chars().next().expect("i is on a char boundary");
                out.push(ch);
                i += ch.len_utf8();
            }
            out
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Compares text with the golden `name` after redaction.
fn check_text(name: &str, actual: &str) {
    let path = golden_dir().join(name);
    let actual = redact(actual);
    if blessing() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no golden {}: run with CRITMIN_BLESS=1 to create it",
            path.display()
        )
    });
    if expected == actual {
        return;
    }
    let (el, al): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let mut msg = format!(
        "{name} differs from the golden ({} lines, expected {}):\n",
        al.len(),
        el.len()
    );
    let mut shown = 0;
    for i in 0..el.len().max(al.len()) {
        let (x, y) = (el.get(i), al.get(i));
        if x != y {
            let _ = writeln!(
                msg,
                "  line {}:\n    - {}\n    + {}",
                i + 1,
                x.unwrap_or(&"<none>"),
                y.unwrap_or(&"<none>")
            );
            shown += 1;
            if shown == MAX_SHOWN {
                msg.push_str("  …\n");
                break;
            }
        }
    }
    msg.push_str(
        "If the change is intended, regenerate with CRITMIN_BLESS=1 and say why in the commit.",
    );
    panic!("{msg}");
}

/// Every shipped scenario file, by name.
fn shipped() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_shipped_scenario_simulates_to_its_golden() {
    let names = shipped();
    assert!(names.len() >= 8, "the scenario library shrank: {names:?}");
    let mut failures = Vec::new();
    for n in names {
        let (json, _tmp) = run(&[
            "simulate",
            &scenario(&n),
            "--format",
            "json",
            "--countries",
            "US,JP",
        ]);
        failures.extend(json_mismatch(
            &format!("simulate/{}.json", n.trim_end_matches(".toml")),
            &json,
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn monte_carlo_on_risk_baseline() {
    // Two threads: the result must not depend on it, and the goldens are
    // the same whatever the machine.
    let (json, _tmp) = run(&[
        "montecarlo",
        &scenario("risk-baseline.toml"),
        "--runs",
        "48",
        "--seed",
        "7",
        "--threads",
        "2",
        "--format",
        "json",
    ]);
    check_json("montecarlo/risk-baseline.json", &json);
}

#[test]
fn optimize_portfolio_default() {
    let (json, _tmp) = run(&["optimize", "portfolio", "--format", "json"]);
    check_json("optimize/portfolio.json", &json);
}

#[test]
fn optimize_stockpile_cover_and_goal() {
    let (json, _tmp) = run(&[
        "optimize",
        "stockpile",
        "--target-months",
        "12",
        "--format",
        "json",
    ]);
    check_json("optimize/stockpile-12m.json", &json);
    let (json, _tmp) = run(&[
        "optimize",
        "stockpile",
        "--max-unmet-share",
        "0.05",
        "--scenarios",
        &scenario("china-total-ban-12m.toml"),
        "--format",
        "json",
    ]);
    check_json("optimize/stockpile-goal.json", &json);
}

#[test]
fn metrics_and_targets() {
    let (json, _tmp) = run(&["metrics", "--format", "json"]);
    check_json("metrics/base-year.json", &json);
    let (json, _tmp) = run(&[
        "metrics",
        "--year",
        "2030",
        "--with-pipeline",
        "--format",
        "json",
    ]);
    check_json("metrics/2030-pipeline.json", &json);
    let (json, _tmp) = run(&["targets", "--format", "json"]);
    check_json("targets/steady.json", &json);
    let (json, _tmp) = run(&["data", "summary", "--format", "json"]);
    check_json("data/summary.json", &json);
}

#[test]
fn metrics_csv_tables() {
    for part in ["stages", "groups", "criticality"] {
        let (csv, _tmp) = run(&["metrics", "--part", part, "--format", "csv"]);
        check_text(&format!("csv/metrics-{part}.csv"), &csv);
    }
}

/// The assess report: its CSV tables byte for byte, and the report's
/// sections (one golden per `<section>`) with timings redacted.
#[test]
fn assess_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_critmin"))
        .args(["assess", "--out", "out", "--risk-runs", "48"])
        .current_dir(tmp.path())
        .output()
        .expect("run critmin");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tmp.path().join("out");
    let mut csvs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    csvs.sort();
    assert!(!csvs.is_empty(), "assess wrote no CSV table");
    let mut produced = vec!["metrics.json".to_string()];
    for p in csvs {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        produced.push(name.clone());
        check_text(
            &format!("assess/{name}"),
            &std::fs::read_to_string(&p).unwrap(),
        );
    }
    check_json(
        "assess/metrics.json",
        &std::fs::read_to_string(dir.join("metrics.json")).unwrap(),
    );
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let sections = report_sections(&html);
    assert!(
        sections.len() >= 5,
        "the report has {} sections",
        sections.len()
    );
    for (id, body) in sections {
        produced.push(format!("section-{id}.html"));
        check_text(&format!("assess/section-{id}.html"), &body);
    }
    // A golden the report no longer produces (a section renumbered, a
    // table dropped) is stale: it would pin nothing.
    let golden = golden_dir().join("assess");
    let stale: Vec<String> = std::fs::read_dir(&golden)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| !produced.contains(n))
        .collect();
    assert!(
        stale.is_empty(),
        "stale goldens in tests/golden/assess (remove them): {stale:?}"
    );
}

/// Splits the report into its `<section id="…">` elements, one line per
/// tag so that a diff points at the place that changed.
fn report_sections(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    let mut n = 0;
    while let Some(i) = rest.find("<section") {
        let after = &rest[i..];
        let end = after
            .find("</section>")
            .map_or(after.len(), |j| j + "</section>".len());
        let body = &after[..end];
        let id = body
            .split_once("id=\"")
            .and_then(|(_, r)| r.split_once('"'))
            .map_or_else(|| format!("{n:02}"), |(id, _)| format!("{n:02}-{id}"));
        out.push((id, body.replace('>', ">\n")));
        rest = &after[end..];
        n += 1;
    }
    out
}

#[test]
fn the_comparison_finds_a_changed_number_and_tolerates_rounding() {
    let e: Value =
        serde_json::json!({"a": [1.0, 2.0], "b": {"c": "x", "d": 1000.0}, "solve_seconds": 1.0});
    let a: Value = serde_json::json!({"a": [1.0, 2.0 + 1e-12], "b": {"c": "x", "d": 1000.0}, "solve_seconds": 9.0});
    let mut d = Vec::new();
    compare(&e, &a, "$", &mut d);
    assert!(d.is_empty(), "{d:?}");
    let a: Value = serde_json::json!({"a": [1.0, 2.001], "b": {"c": "y", "e": 1}});
    compare(&e, &a, "$", &mut d);
    assert_eq!(d.len(), 4, "{d:?}");
    assert!(d[0].starts_with("$.a[1]: 2.001"), "{d:?}");
    assert_eq!(
        redact("solved in 0.25 s (1.5 s total)\n12 futures"),
        "solved in [T] s ([T] s total)\n12 futures\n"
    );
}

#[test]
fn redaction_keeps_text_and_hides_only_timings() {
    assert_eq!(
        redact("CN → US: 25 %, ran in 1.5 s, 2–3 t\nτ 4 s)"),
        "CN → US: 25 %, ran in [T] s, 2–3 t\nτ [T] s)\n"
    );
}
