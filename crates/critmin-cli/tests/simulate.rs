//! End-to-end tests of `critmin simulate` with the real binary.

use std::path::Path;
use std::process::{Command, Output};

fn critmin(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_critmin"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run critmin")
}

fn scenario(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn json_has_the_documented_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let out = critmin(
        &[
            "simulate",
            &scenario("china-total-ban-12m.toml"),
            "--format",
            "json",
            "--countries",
            "us_jp",
        ],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for e in doc["summary"]["by_element"].as_array().unwrap() {
        for k in [
            "element",
            "demand_t",
            "served_t",
            "unmet_t",
            "peak_price_index",
        ] {
            assert!(e.get(k).is_some(), "{k} missing in {e}");
        }
    }
    for c in doc["summary"]["by_country"].as_array().unwrap() {
        for k in ["country", "demand_t", "unmet_t", "stockpile_released_t"] {
            assert!(c.get(k).is_some(), "{k} missing in {c}");
        }
    }
    let monthly = doc["monthly"].as_array().unwrap();
    assert!(!monthly.is_empty());
    for r in monthly.iter().take(50) {
        for k in [
            "month",
            "country",
            "element",
            "form",
            "demand_t",
            "served_t",
            "unmet_t",
            "price_index",
            "stockpile_t",
        ] {
            assert!(r.get(k).is_some(), "{k} missing in {r}");
        }
        assert!(r["country"] == "US" || r["country"] == "JP");
    }
}

#[test]
fn out_writes_the_monthly_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let out = critmin(
        &["simulate", &scenario("baseline.toml"), "--out", "run"],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(tmp.path().join("run/monthly.csv")).unwrap();
    assert!(csv.starts_with(
        "month,country,element,form,wanted_t,lost_to_price_t,demand_t,served_t,unmet_t"
    ));
    assert!(csv.lines().count() > 100);
    assert!(tmp.path().join("run/summary.json").is_file());
}

#[test]
fn a_bad_scenario_reports_file_line_and_key() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("bad.toml"),
        r#"name = "bad"
start = "2026-13"
horizon_months = 12
colour = "red"

[[event]]
kind = "facility_outage"
facility = "no_such_plant"
from = "2026-01"

[[event]]
kind = "export_ban"
from = "2026-01"
"#,
    )
    .unwrap();
    let out = critmin(&["simulate", "bad.toml"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for want in [
        "bad.toml:2: start: `2026-13` is not a month",
        "bad.toml:4: colour: unknown key",
        "bad.toml:8: event[1].facility: unknown facility `no_such_plant`",
        "bad.toml:12: event[2].kind: `export_ban` is not an event kind",
    ] {
        assert!(stderr.contains(want), "wanted `{want}` in\n{stderr}");
    }
    assert!(!stderr.contains("panicked"));
}

#[test]
fn a_toml_syntax_error_is_reported_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("broken.toml"), "name = \"x\"\nstart = \n").unwrap();
    let out = critmin(&["simulate", "broken.toml"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.toml:2:"));
}
