//! `critmin backtest` end to end: observations at twice the simulated
//! values give a log-ratio bias of −ln 2, a peak ratio of ½ and no peak
//! month error; an unknown series is refused with its file and line.

use std::process::Command;

fn critmin(args: &[&str], cwd: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_critmin"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run critmin")
}

fn json(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn observations_at_twice_the_run_give_the_errors_the_arithmetic_says() {
    let dir = tempfile::tempdir().unwrap();
    let months = [
        "2026-02", "2026-04", "2026-06", "2026-09", "2026-12", "2027-06",
    ];
    // First pass: any positive values, to read the simulated series.
    let mut csv = String::from("series,month,value,unit\n");
    for m in months {
        csv.push_str(&format!("price:Dy:oxide:JP,{m},1,USD/kg\n"));
    }
    std::fs::write(dir.path().join("probe.csv"), &csv).unwrap();
    let probe = json(&critmin(
        &[
            "backtest",
            "china-total-ban-12m",
            "--observed",
            "probe.csv",
            "--format",
            "json",
        ],
        dir.path(),
    ));
    let sim: Vec<f64> = probe["series"][0]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["simulated"].as_f64().unwrap())
        .collect();
    assert_eq!(sim.len(), months.len());
    // Second pass: observed = 2 × simulated.
    let mut csv = String::from("series,month,value\n");
    for (m, v) in months.iter().zip(&sim) {
        csv.push_str(&format!("price:Dy:oxide:JP,{m},{}\n", 2.0 * v));
    }
    std::fs::write(dir.path().join("observed.csv"), &csv).unwrap();
    let r = json(&critmin(
        &[
            "backtest",
            "china-total-ban-12m",
            "--observed",
            "observed.csv",
            "--format",
            "json",
        ],
        dir.path(),
    ));
    let f = &r["series"][0];
    let ln2 = 2f64.ln();
    assert!(
        (f["log_ratio_bias"].as_f64().unwrap() + ln2).abs() < 1e-9,
        "{f}"
    );
    assert!((f["log_ratio_mean_abs"].as_f64().unwrap() - ln2).abs() < 1e-9);
    assert!((f["peak_ratio"].as_f64().unwrap() - 0.5).abs() < 1e-9);
    assert_eq!(f["peak_month_error"].as_i64(), Some(0));
    assert_eq!(
        f["turning_points_matched"], f["turning_points_observed"],
        "a scaled copy has the same turning points"
    );
    assert!(
        r["provenance"]["observed"]["content_hash"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
}

#[test]
fn an_unknown_series_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.csv"),
        "series,month,value\nprice:Nd:oxide:JP,2026-03,50\nimports:JP,2026-03,5\n",
    )
    .unwrap();
    let o = critmin(
        &["backtest", "china-total-ban-12m", "--observed", "bad.csv"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.csv:3: series:"), "{err}");
}

#[test]
fn out_writes_the_report_section_and_the_json() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("o.csv"),
        "series,month,value,period\nprice:Dy:oxide:outside:CN,2026-06,600,month\nexports:CN,2026-07,60000,year\n",
    )
    .unwrap();
    let o = critmin(
        &[
            "backtest",
            "china-total-ban-12m",
            "--observed",
            "o.csv",
            "--out",
            "bt",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(dir.path().join("bt/report.html")).unwrap();
    assert!(html.contains("Backtest: china-total-ban-12m") && html.contains("<svg"));
    let csv = std::fs::read_to_string(dir.path().join("bt/backtest.csv")).unwrap();
    assert!(csv.starts_with("series,unit,month,period,observed,simulated"));
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("bt/backtest.json")).unwrap())
            .unwrap();
    assert_eq!(j["series"][0]["monthly"].as_array().unwrap().len(), 24);
}

#[test]
fn the_2010_replay_backtests_against_its_observations() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let o = critmin(
        &[
            "backtest",
            "data/history-2010/replay-2010-2013.toml",
            "--observed",
            "data/history-2010/observed-2009-2014.csv",
            "--format",
            "json",
        ],
        &root,
    );
    let r = json(&o);
    let series = r["series"].as_array().unwrap();
    // Every priced oxide, China's exports and Japan's imports from China.
    assert!(series.len() >= 9, "{} series", series.len());
    for f in series {
        let e = f["log_ratio_mean_abs"].as_f64().unwrap();
        assert!(e.is_finite() && e >= 0.0, "{f}");
        assert_eq!(
            f["monthly"].as_array().unwrap().len(),
            48,
            "a value every month of 2010-2013"
        );
    }
    assert_eq!(r["start"], "2010-01");
}

#[test]
fn the_history_replay_runs_by_name_on_its_own_built_in_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let sim = json(&critmin(
        &["simulate", "replay-2010-2013", "--format", "json"],
        dir.path(),
    ));
    assert_eq!(
        sim["provenance"]["dataset"]["source"],
        "built-in:history-2010"
    );
    assert_eq!(sim["start"], "2010-01");
    let list = json(&critmin(
        &["scenarios", "list", "--format", "json"],
        dir.path(),
    ));
    assert!(
        list["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "replay-2010-2013"),
        "{list}"
    );
    // Exported alone it could not find its dataset, so the export leaves
    // it out.
    let out = dir.path().join("lib");
    let o = critmin(&["scenarios", "export", out.to_str().unwrap()], dir.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("baseline.toml").exists());
    assert!(!out.join("replay-2010-2013.toml").exists());
}
