//! End-to-end tests: run the real `critmin` binary in temporary directories.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn critmin(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_critmin"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run critmin")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../critmin-data/tests/fixtures")
}

/// Writes the minimal dataset with broken fixture `name` laid over it into
/// `dir`.
fn materialise(name: &str, dir: &Path) {
    for e in std::fs::read_dir(fixtures().join("minimal"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    let broken = fixtures().join("broken").join(name);
    for e in std::fs::read_dir(&broken).unwrap().flatten() {
        let n = e.file_name().to_string_lossy().to_string();
        if n != "expect.txt" && n != "_delete" {
            std::fs::copy(e.path(), dir.join(&n)).unwrap();
        }
    }
    if let Ok(del) = std::fs::read_to_string(broken.join("_delete")) {
        for f in del.lines().filter(|l| !l.is_empty()) {
            std::fs::remove_file(dir.join(f)).unwrap();
        }
    }
}

#[test]
fn validate_accepts_the_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    let out = critmin(&["data", "validate"], tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("valid"));
}

#[test]
fn validate_rejects_every_broken_fixture_with_status_2() {
    let mut n = 0;
    for e in std::fs::read_dir(fixtures().join("broken"))
        .unwrap()
        .flatten()
    {
        let name = e.file_name().to_string_lossy().to_string();
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("ds");
        std::fs::create_dir(&data).unwrap();
        materialise(&name, &data);
        let out = critmin(&["data", "validate", "--data", "ds"], tmp.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        let expect = std::fs::read_to_string(e.path().join("expect.txt")).unwrap();
        for want in expect.lines().filter(|l| !l.trim().is_empty()) {
            let want = format!("ds/{want}");
            assert!(
                stderr.lines().any(|l| l.starts_with(&want)),
                "{name}: wanted `{want}` in\n{stderr}"
            );
        }
        n += 1;
    }
    assert!(n >= 12);
}

#[test]
fn a_missing_directory_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = critmin(&["data", "validate", "--data", "nope"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--data nope: no such directory"),
        "{stderr}"
    );
    assert!(stderr.contains("critmin data export"), "{stderr}");
}

#[test]
fn summary_json_has_the_documented_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let out = critmin(&["data", "summary", "--format", "json"], tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let stages = doc["stages"].as_array().unwrap();
    assert!(!stages.is_empty());
    for s in stages {
        for key in [
            "stage",
            "element",
            "year",
            "world_capacity_t",
            "world_output_t",
            "shares",
        ] {
            assert!(s.get(key).is_some(), "missing {key} in {s}");
        }
        let mut sum = 0.0;
        for sh in s["shares"].as_array().unwrap() {
            let v = sh["share"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&v));
            assert_eq!(sh["country"].as_str().unwrap().len(), 2);
            sum += v;
        }
        if s["world_output_t"].as_f64().unwrap() > 0.0 {
            assert!((sum - 1.0).abs() < 1e-9, "shares sum to {sum} in {s}");
        }
    }
    for stage in ["mining", "separation", "metal_alloy", "magnet"] {
        assert!(
            stages
                .iter()
                .any(|s| s["stage"] == stage && s["element"] == "REO"),
            "{stage} REO row"
        );
    }
}

#[test]
fn assess_runs_on_the_baseline_and_writes_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = critmin(
        &["assess", "--out", "report", "--risk-runs", "40"],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(tmp.path().join("report/summary.json").is_file());
    let html = std::fs::read_to_string(tmp.path().join("report/report.html")).unwrap();
    for section in [
        "id=\"scenarios\"",
        "id=\"scenario-china-total-ban-12m\"",
        "id=\"risk\"",
        "chance unmet exceeds x",
    ] {
        assert!(html.contains(section), "report lacks {section}");
    }
}

#[test]
fn bad_arguments_exit_with_status_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = critmin(&["data", "summary", "--format", "xml"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
}
