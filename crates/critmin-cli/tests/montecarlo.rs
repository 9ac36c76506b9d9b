//! End-to-end tests of `critmin montecarlo` and `critmin bench`.

use std::path::Path;
use std::process::{Command, Output};

fn critmin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_critmin"))
        .args(args)
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
fn json_is_byte_identical_for_one_and_two_threads() {
    let s = scenario("risk-baseline.toml");
    let run = |threads: &str| {
        let out = critmin(&[
            "montecarlo",
            &s,
            "--runs",
            "24",
            "--seed",
            "42",
            "--horizon",
            "18",
            "--threads",
            threads,
            "--format",
            "json",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    // Byte-identical but for the command line the provenance records and
    // the wall-clock timings beside the result.
    let without_command = |bytes: Vec<u8>| {
        let mut doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert!(doc["timings"].is_object(), "{doc}");
        doc["timings"].take();
        let cmd = doc["provenance"]["command"].take();
        assert!(
            cmd.as_str().is_some_and(|c| c.contains("--threads")),
            "{cmd}"
        );
        serde_json::to_string_pretty(&doc).unwrap()
    };
    let one = without_command(run("1"));
    let two = without_command(run("2"));
    assert_eq!(one, two, "JSON differs between --threads 1 and --threads 2");
    let doc: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(doc["runs"], 24);
    assert_eq!(doc["seed"], 42);
    for e in doc["summary"]["by_element"].as_array().unwrap() {
        for k in [
            "element",
            "unmet_mean_t",
            "unmet_p95_t",
            "unmet_cvar95_t",
            "prob_shortfall",
            "unmet_mean_se_t",
            "peak_price_index_mean",
        ] {
            assert!(e.get(k).is_some(), "{k} missing in {e}");
        }
    }
    for c in doc["summary"]["by_country"].as_array().unwrap() {
        for k in [
            "country",
            "unmet_mean_t",
            "unmet_p95_t",
            "unmet_cvar95_t",
            "prob_shortfall",
            "worst_cover_months_mean",
        ] {
            assert!(c.get(k).is_some(), "{k} missing in {c}");
        }
    }
    // A different seed gives a different answer.
    let other = critmin(&[
        "montecarlo",
        &s,
        "--runs",
        "24",
        "--seed",
        "43",
        "--horizon",
        "18",
        "--format",
        "json",
    ]);
    let mut other: serde_json::Value = serde_json::from_slice(&other.stdout).unwrap();
    other["provenance"]["command"].take();
    other["timings"].take();
    assert_ne!(serde_json::to_string_pretty(&other).unwrap(), one);
}

#[test]
fn a_bad_risk_entry_is_reported_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.toml");
    std::fs::write(
        &path,
        "name = \"bad\"\nstart = \"2026-01\"\nhorizon_months = 12\n\n[[risk]]\nkind = \"facility_outage\"\nfacility = \"mt_weld\"\nonset_probability_per_year = 1.5\nduration_months = { dist = \"triangular\", min = 3, mode = 1, max = 2 }\n",
    )
    .unwrap();
    let out = critmin(&["montecarlo", path.to_str().unwrap(), "--runs", "5"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml:8: risk[1].onset_probability_per_year: 1.5 is outside 0..=1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.toml:9: risk[1].duration_months: need min ≤ mode ≤ max"),
        "{stderr}"
    );
}

#[test]
fn zero_runs_is_a_usage_error() {
    let out = critmin(&["montecarlo", &scenario("risk-baseline.toml"), "--runs", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bench_reports_throughput_and_cores() {
    let out = critmin(&["bench", "--runs", "4", "--horizon", "6", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["cores"].as_u64().unwrap() >= 1);
    assert!(doc["rows"][0]["future_months_per_second"].as_f64().unwrap() > 0.0);
}
