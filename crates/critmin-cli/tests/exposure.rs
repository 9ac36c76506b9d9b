//! End-to-end: `critmin metrics` and `critmin targets` on the baseline,
//! checking the JSON shapes the issue promises and the exit statuses.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn critmin(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_critmin"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run critmin")
}

fn json(args: &[&str]) -> Value {
    let tmp = tempfile::tempdir().unwrap();
    let out = critmin(args, tmp.path());
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

fn has(obj: &Value, keys: &[&str]) {
    for k in keys {
        assert!(obj.get(k).is_some(), "missing `{k}` in {obj}");
    }
}

fn fraction(v: &Value) {
    if let Some(x) = v.as_f64() {
        assert!((0.0..=1.0 + 1e-9).contains(&x), "not a fraction: {v}");
    } else {
        assert!(v.is_null(), "not a number or null: {v}");
    }
}

#[test]
fn metrics_json_has_stages_and_groups() {
    let v = json(&["metrics", "--format", "json", "--year", "2026"]);
    let stages = v["stages"].as_array().unwrap();
    assert!(stages.len() > 20);
    for s in stages {
        has(
            s,
            &[
                "element",
                "stage",
                "year",
                "world_output_t",
                "world_capacity_t",
                "china_share",
                "hhi",
                "allied_share",
            ],
        );
        fraction(&s["china_share"]);
        fraction(&s["allied_share"]);
        assert_eq!(s["year"], 2026);
    }
    let groups = v["groups"].as_array().unwrap();
    for g in groups {
        has(
            g,
            &[
                "group",
                "element",
                "year",
                "demand_t",
                "import_reliance",
                "self_sufficiency",
                "cover_months",
            ],
        );
        fraction(&g["import_reliance"]);
        fraction(&g["self_sufficiency"]);
    }
    for want in ["US", "JP", "us_jp", "allied"] {
        assert!(groups.iter().any(|g| g["group"] == want), "{want}");
    }
}

#[test]
fn metrics_csv_and_table() {
    let tmp = tempfile::tempdir().unwrap();
    let out = critmin(
        &[
            "metrics", "--format", "csv", "--part", "groups", "--group", "quad",
        ],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("group,element,year,demand_t,import_reliance"),
        "{text}"
    );
    assert!(text.lines().skip(1).all(|l| l.starts_with("quad,")));
    let out = critmin(&["metrics"], tmp.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("separation") && text.contains("us_jp"),
        "{text}"
    );
}

#[test]
fn targets_json_has_the_three_targets_per_year() {
    let v = json(&["targets", "--format", "json"]);
    let t = v["targets"].as_array().unwrap();
    for id in ["processing_coverage", "import_dependency", "reserve_months"] {
        let rows: Vec<&Value> = t.iter().filter(|x| x["id"] == id).collect();
        assert!(rows.len() >= 12, "{id}: {}", rows.len());
        assert!(rows.iter().any(|x| x["year"] == 2035));
        for r in rows {
            has(
                r,
                &["id", "year", "value", "goal_low", "goal_high", "status"],
            );
            let s = r["status"].as_str().unwrap();
            assert!(["on_track", "at_risk", "off_track"].contains(&s), "{s}");
            if id != "reserve_months" {
                fraction(&r["value"]);
            }
        }
    }
    assert!(!v["gaps"].as_array().unwrap().is_empty());
}

#[test]
fn bad_arguments_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        &["metrics", "--group", "atlantis"][..],
        &["metrics", "--year", "1990"],
        &["targets", "--path", "no_such_path"],
        &["metrics", "--elements", "Xx"],
    ] {
        let out = critmin(args, tmp.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error: "), "{args:?}: {err}");
    }
}
