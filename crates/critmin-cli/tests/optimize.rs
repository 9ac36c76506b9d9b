//! End-to-end tests of `critmin optimize` and `critmin simulate --plan`
//! through the real binary in a temporary directory.

use std::process::{Command, Output};

fn critmin(args: &[&str], dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_critmin"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn scenario(name: &str) -> String {
    format!("{}/../../scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn portfolio_json_plan_and_simulation() {
    let dir = tempfile::tempdir().unwrap();
    let out = critmin(
        &[
            "optimize",
            "portfolio",
            "--budget-musd",
            "1000",
            "--format",
            "json",
            "--partner-share",
            "US=0.6,JP=0.4",
            "--write-plan",
            "plan.toml",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "budget_musd",
        "selected",
        "spend_musd",
        "objective",
        "baseline_objective",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert!(v["spend_musd"].as_f64().unwrap() <= 1000.0);
    assert!(v["objective"].as_f64().unwrap() <= v["baseline_objective"].as_f64().unwrap());
    let plan = std::fs::read_to_string(dir.path().join("plan.toml")).unwrap();
    assert!(plan.contains("[[fund]]"), "{plan}");
    let out = critmin(
        &[
            "simulate",
            &scenario("china-total-ban-12m.toml"),
            "--plan",
            "plan.toml",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn stockpile_json_and_plan() {
    let dir = tempfile::tempdir().unwrap();
    let out = critmin(
        &[
            "optimize",
            "stockpile",
            "--target-months",
            "12",
            "--format",
            "json",
            "--write-plan",
            "stock.toml",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["cost_musd"].as_f64().unwrap() > 0.0);
    let h = &v["holdings"][0];
    for key in ["holder", "element", "tonnes"] {
        assert!(h.get(key).is_some(), "missing {key}");
    }
    for c in v["cover"].as_array().unwrap() {
        assert!(c["cover_months"].as_f64().unwrap() >= 12.0 - 1e-6);
    }
    let out = critmin(
        &[
            "simulate",
            &scenario("china-total-ban-12m.toml"),
            "--plan",
            "stock.toml",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn contradictory_requests_exit_2_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let check = |args: &[&str], expect: &str| {
        let out = critmin(args, dir.path());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(expect),
            "{args:?}: `{err}` should contain `{expect}`"
        );
    };
    check(
        &[
            "optimize",
            "portfolio",
            "--budget-musd",
            "500",
            "--include",
            "nolans",
        ],
        "project `nolans` alone costs USD 1056 million, more than the budget of USD 500 million",
    );
    check(
        &[
            "optimize",
            "portfolio",
            "--include",
            "seadrift",
            "--exclude",
            "seadrift",
        ],
        "both included and excluded",
    );
    check(
        &["optimize", "portfolio", "--exclude", "atlantis"],
        "unknown project `atlantis`",
    );
    check(
        &["optimize", "portfolio", "--years", "2030..2025"],
        "empty range",
    );
    check(
        &["optimize", "portfolio", "--partner-share", "US=0.7,JP=0.7"],
        "add up to 1",
    );
    check(&["optimize", "stockpile"], "give --target-months");
    check(
        &[
            "optimize",
            "stockpile",
            "--target-months",
            "6",
            "--purchase-years",
            "0",
        ],
        "--purchase-years 0: the purchase window must be between 0.25 and 30 years",
    );
    check(
        &[
            "optimize",
            "portfolio",
            "--futures",
            "10",
            "--scenarios",
            &scenario("baseline.toml"),
        ],
        "--futures: give --futures or --scenarios, not both",
    );
    check(
        &["optimize", "portfolio", "--risk", "risk-baseline"],
        "--risk: a risk model is only read with --futures N",
    );
    check(
        &["optimize", "portfolio", "--futures", "0"],
        "--futures: 0 futures",
    );
    check(
        &["optimize", "portfolio", "--frontier", "0,lots"],
        "--frontier: `lots` is not a number",
    );
    check(
        &[
            "optimize",
            "stockpile",
            "--target-months",
            "12",
            "--pool",
            "first-come",
        ],
        "--pool: `first-come` is not a sharing rule",
    );
    check(
        &[
            "optimize",
            "stockpile",
            "--target-months",
            "12",
            "--partners",
            "US",
            "--pool",
            "pro-rata",
        ],
        "--pool: pooling needs at least two partners",
    );
    check(
        &[
            "optimize",
            "stockpile",
            "--target-months",
            "6",
            "--min-months",
            "FR=2",
        ],
        "--min-months: `FR` is not one of the partners",
    );
    check(
        &[
            "optimize",
            "stockpile",
            "--target-months",
            "6",
            "--min-months",
            "JP=two",
        ],
        "--min-months",
    );
    check(
        &[
            "optimize",
            "stockpile",
            "--target-months",
            "6",
            "--min-months",
            "JP=-1",
        ],
        "--min-months",
    );
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[fund]]\nproject = \"atlantis\"\nstart = \"2029-07\"\n",
    )
    .unwrap();
    check(
        &["simulate", &scenario("baseline.toml"), "--plan", "bad.toml"],
        "bad.toml:2: fund[1].project: unknown project `atlantis`",
    );
}
