//! End-to-end tests of what a new user trips over: closed pipes, built-in
//! scenarios by name, exporting the built-in data, warnings for ignored
//! input, bounds on the command line, safe output directories, and the
//! schema version and provenance on every JSON output.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn critmin(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_critmin"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run critmin")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn ok(o: &Output) {
    assert!(o.status.success(), "status {}: {}", o.status, stderr(o));
}

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}

#[test]
fn a_closed_pipe_ends_quietly_with_status_0() {
    for args in [
        vec!["metrics"],
        vec!["simulate", "china-total-ban-12m", "--format", "csv"],
        vec!["scenarios", "show", "risk-baseline"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_critmin"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read one byte, then close the pipe, as `head -c1` does.
        let mut stdout = child.stdout.take().unwrap();
        let mut one = [0u8; 1];
        stdout.read_exact(&mut one).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("panicked"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn built_in_scenarios_run_by_name_from_an_empty_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let out = critmin(&["simulate", "china-total-ban-12m"], tmp.path());
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("china-total-ban-12m"));
    let out = critmin(
        &[
            "montecarlo",
            "risk-baseline",
            "--runs",
            "8",
            "--horizon",
            "6",
        ],
        tmp.path(),
    );
    ok(&out);
    // The same run from the file and by name: the same result.
    let by_name = critmin(
        &["simulate", "lynas-malaysia-outage.toml", "--format", "json"],
        tmp.path(),
    );
    let file = scenarios_dir().join("lynas-malaysia-outage.toml");
    let by_file = critmin(
        &["simulate", file.to_str().unwrap(), "--format", "json"],
        tmp.path(),
    );
    ok(&by_name);
    ok(&by_file);
    let strip = |o: &Output| {
        let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["provenance"].take();
        v["timings"].take();
        v
    };
    assert_eq!(strip(&by_name), strip(&by_file));
}

#[test]
fn an_unknown_scenario_exits_2_with_a_suggestion() {
    let tmp = tempfile::tempdir().unwrap();
    let out = critmin(&["simulate", "china-total-ban"], tmp.path());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let e = stderr(&out);
    assert!(e.contains("did you mean `china-total-ban-12m`"), "{e}");
    let out = critmin(&["simulate", "no/such/file.toml"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("critmin scenarios list"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn scenarios_list_show_and_export() {
    let tmp = tempfile::tempdir().unwrap();
    let out = critmin(&["scenarios", "list"], tmp.path());
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    for name in ["baseline", "china-total-ban-12m", "risk-baseline"] {
        assert!(text.contains(name), "{text}");
    }
    let out = critmin(&["scenarios", "show", "mountain-pass-outage"], tmp.path());
    ok(&out);
    let shipped = std::fs::read(scenarios_dir().join("mountain-pass-outage.toml")).unwrap();
    assert_eq!(out.stdout, shipped);
    let out = critmin(&["scenarios", "export", "lib"], tmp.path());
    ok(&out);
    let mut names: Vec<String> = std::fs::read_dir(tmp.path().join("lib"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    let mut shipped: Vec<String> = std::fs::read_dir(scenarios_dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    shipped.sort();
    assert_eq!(names, shipped);
    // Exporting again into the now non-empty directory is refused.
    let out = critmin(&["scenarios", "export", "lib"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_exported_dataset_validates_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    ok(&critmin(&["data", "export", "mydata"], tmp.path()));
    let out = critmin(&["data", "validate", "--data", "mydata"], tmp.path());
    ok(&out);
    // Same content as the built-in dataset: the same hash in the provenance.
    let hash = |args: &[&str]| {
        let o = critmin(args, tmp.path());
        ok(&o);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["provenance"]["dataset"]["content_hash"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let built_in = hash(&["data", "summary", "--format", "json"]);
    let exported = hash(&["data", "summary", "--format", "json", "--data", "mydata"]);
    assert!(built_in.starts_with("sha256:"), "{built_in}");
    assert_eq!(built_in, exported);
    // A non-empty directory is refused and left alone.
    let out = critmin(&["data", "export", "mydata"], tmp.path());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn every_json_output_has_schema_version_and_provenance() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["metrics", "--format", "json"],
        vec!["targets", "--format", "json"],
        vec!["data", "summary", "--format", "json"],
        vec!["scenarios", "list", "--format", "json"],
        vec!["simulate", "baseline", "--format", "json"],
        vec![
            "montecarlo",
            "risk-baseline",
            "--runs",
            "4",
            "--horizon",
            "3",
            "--format",
            "json",
        ],
        vec![
            "optimize",
            "stockpile",
            "--target-months",
            "3",
            "--format",
            "json",
        ],
        vec!["bench", "--runs", "2", "--horizon", "2", "--json"],
    ];
    for args in cases {
        let out = critmin(&args, tmp.path());
        ok(&out);
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        assert_eq!(v["schema_version"], 1, "{args:?}");
        let p = &v["provenance"];
        assert!(p["critmin_version"].is_string(), "{args:?}: {p}");
        assert!(
            p["dataset"]["content_hash"]
                .as_str()
                .is_some_and(|h| h.len() == 7 + 64),
            "{args:?}: {p}"
        );
        assert!(
            p["command"].as_str().is_some_and(|c| c.contains(args[0])),
            "{args:?}: {p}"
        );
        if matches!(args[0], "simulate" | "montecarlo" | "bench") {
            assert!(p["scenario"]["content_hash"].is_string(), "{args:?}: {p}");
        }
        if matches!(args[0], "montecarlo" | "bench") {
            assert!(p["seed"].is_u64(), "{args:?}: {p}");
        }
    }
    // The assess report's JSON files and its footer too.
    ok(&critmin(
        &["assess", "--out", "out", "--risk-runs", "4"],
        tmp.path(),
    ));
    for f in ["metrics.json", "summary.json"] {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(tmp.path().join("out").join(f)).unwrap())
                .unwrap();
        assert_eq!(v["schema_version"], 1, "{f}");
        assert!(
            v["provenance"]["dataset"]["content_hash"].is_string(),
            "{f}"
        );
    }
    let html = std::fs::read_to_string(tmp.path().join("out/report.html")).unwrap();
    let footer = html.split("<footer>").nth(1).unwrap_or("");
    assert!(
        footer.contains("critmin ") && footer.contains("sha256:"),
        "{footer}"
    );
}

#[test]
fn ignored_input_is_warned_about() {
    let tmp = tempfile::tempdir().unwrap();
    let out = critmin(&["simulate", "risk-baseline"], tmp.path());
    ok(&out);
    assert!(
        stderr(&out).contains("warning: `risk-baseline` has 8 [[risk]] entries"),
        "{}",
        stderr(&out)
    );
    let out = critmin(
        &["montecarlo", "baseline", "--runs", "2", "--horizon", "2"],
        tmp.path(),
    );
    ok(&out);
    assert!(
        stderr(&out).contains("no [[risk]] entries"),
        "{}",
        stderr(&out)
    );
    let out = critmin(
        &[
            "optimize",
            "stockpile",
            "--max-unmet-share",
            "0.5",
            "--scenarios",
            "risk-baseline",
            "--format",
            "json",
        ],
        tmp.path(),
    );
    ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["warnings"][0]
            .as_str()
            .is_some_and(|w| w.contains("optimize stockpile")),
        "{v}"
    );
}

#[test]
fn a_scenario_before_the_base_year_is_an_error_at_its_start_line() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("old.toml"),
        "name = \"old\"\n\nstart = \"2023-06\"\nhorizon_months = 6\n",
    )
    .unwrap();
    let out = critmin(&["simulate", "old.toml"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("old.toml:3: start: 2023-06 is before the dataset's base year 2024"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn invalid_utf8_in_a_scenario_or_plan_is_located() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("bad.toml"),
        b"name = \"x\"\nstart = \"2026-01\"\ndescription = \"caf\xe9\"\n",
    )
    .unwrap();
    let out = critmin(&["simulate", "bad.toml"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("bad.toml:3: (file): byte"),
        "{}",
        stderr(&out)
    );
    let out = critmin(&["simulate", "baseline", "--plan", "bad.toml"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.toml:3:"), "{}", stderr(&out));
}

#[test]
fn command_line_numbers_are_bounded_and_negative_numbers_read() {
    let tmp = tempfile::tempdir().unwrap();
    let out = critmin(
        &[
            "montecarlo",
            "risk-baseline",
            "--runs",
            "1",
            "--horizon",
            "100000000",
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--horizon: 100000000 months is more than the maximum 600"));
    let a = critmin(
        &["optimize", "portfolio", "--budget-musd", "-5"],
        tmp.path(),
    );
    let b = critmin(&["optimize", "portfolio", "--budget-musd=-5"], tmp.path());
    assert_eq!(a.status.code(), Some(2), "{}", stderr(&a));
    assert_eq!(stderr(&a), stderr(&b));
    assert!(
        stderr(&a).contains("--budget-musd: -5 is not a budget"),
        "{}",
        stderr(&a)
    );
}

#[test]
fn metrics_csv_is_one_tidy_table_per_part() {
    let tmp = tempfile::tempdir().unwrap();
    let out = critmin(&["metrics", "--format", "csv"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--part"), "{}", stderr(&out));
    ok(&critmin(
        &["metrics", "--format", "csv", "--out", "tables"],
        tmp.path(),
    ));
    for (f, first) in [
        ("stages.csv", "element,stage,year"),
        ("groups.csv", "group,element,year"),
        ("criticality.csv", "element,year"),
    ] {
        let text = std::fs::read_to_string(tmp.path().join("tables").join(f)).unwrap();
        let header = text.lines().next().unwrap();
        assert!(header.starts_with(first), "{f}: {header}");
        // One table: every row has the header's number of fields.
        let n = header.split(',').count();
        let mut rdr = text.lines().skip(1);
        assert!(rdr.all(|l| !l.is_empty()), "{f} has a blank line");
        assert!(n > 3);
    }
}

#[test]
fn output_never_overwrites_the_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    ok(&critmin(&["data", "export", "d"], tmp.path()));
    let before = std::fs::read(tmp.path().join("d/facilities.csv")).unwrap();
    for args in [
        vec!["assess", "--data", "d", "--out", "d", "--risk-runs", "0"],
        vec!["metrics", "--data", "d", "--format", "csv", "--out", "d"],
        vec!["simulate", "baseline", "--data", "d", "--out", "d"],
    ] {
        let out = critmin(&args, tmp.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("would overwrite the input"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(
        std::fs::read(tmp.path().join("d/facilities.csv")).unwrap(),
        before
    );
    ok(&critmin(&["data", "validate", "--data", "d"], tmp.path()));
}

#[test]
fn help_describes_critmin() {
    let tmp = tempfile::tempdir().unwrap();
    let out = critmin(&["--help"], tmp.path());
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("rare-earth"), "{text}");
    for cmd in [
        "assess",
        "simulate",
        "montecarlo",
        "optimize",
        "scenarios",
        "data",
    ] {
        assert!(text.contains(cmd), "{cmd} missing from --help: {text}");
    }
}

#[test]
fn ctrl_c_cancels_a_long_monte_carlo_with_status_130_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mc");
    let mut child = Command::new(env!("CARGO_BIN_EXE_critmin"))
        .args([
            "montecarlo",
            "risk-baseline",
            "--runs",
            "5000000",
            "--threads",
            "2",
        ])
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let it get into the futures (a debug build takes well under a second
    // to load the data), then interrupt it as a terminal's Ctrl-C would.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    // Five million futures would take hours; a cancelled run ends within
    // one future per thread. Wait up to a minute before calling it hung.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code();
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("critmin did not stop within a minute of Ctrl-C");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(code, Some(130), "stderr: {err}");
    assert!(err.contains("cancelled"), "stderr: {err}");
    assert!(!out.exists(), "a cancelled run wrote {}", out.display());
}
