//! The crate graph matches the layering ARCHITECTURE.md documents: each
//! crate depends (outside its tests) only on the critmin crates listed for
//! it here, and only `critmin-opt` links a solver. The lists are the
//! architecture's "dependencies point down" rule written as data; change
//! them only together with ARCHITECTURE.md.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Each crate and the critmin crates it may depend on.
const LAYERS: &[(&str, &[&str])] = &[
    ("critmin-model", &[]),
    ("critmin-data", &["critmin-model"]),
    ("critmin-format", &["critmin-model"]),
    ("critmin-metrics", &["critmin-model"]),
    ("critmin-sim", &["critmin-model"]),
    ("critmin-risk", &["critmin-model", "critmin-sim"]),
    (
        "critmin-opt",
        &[
            "critmin-model",
            "critmin-format",
            "critmin-metrics",
            "critmin-sim",
        ],
    ),
    ("critmin-report", &["critmin-model", "critmin-metrics"]),
    ("critmin-intel", &["critmin-model"]),
    ("critmin-store", &["critmin-intel"]),
    (
        "critmin-app",
        &[
            "critmin-model",
            "critmin-data",
            "critmin-format",
            "critmin-metrics",
            "critmin-sim",
            "critmin-risk",
            "critmin-opt",
            "critmin-report",
            "critmin-intel",
            "critmin-store",
        ],
    ),
    (
        "critmin-server",
        &["critmin-app", "critmin-intel", "critmin-report"],
    ),
    (
        "critmin-cli",
        &[
            "critmin-app",
            "critmin-server",
            "critmin-intel",
            "critmin-model",
            "critmin-metrics",
            "critmin-risk",
            "critmin-report",
        ],
    ),
];

/// Crates that link a solver.
const SOLVER_CRATES: &[&str] = &["good_lp", "highs", "highs-sys"];

#[test]
fn the_crate_graph_matches_the_documented_layering() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let allowed: BTreeMap<&str, BTreeSet<&str>> = LAYERS
        .iter()
        .map(|(k, v)| (*k, v.iter().copied().collect()))
        .collect();
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for p in meta["packages"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        if !name.starts_with("critmin-") {
            continue;
        }
        seen.insert(name.to_string());
        let Some(ok) = allowed.get(name) else {
            problems.push(format!("{name} is not in the documented layering"));
            continue;
        };
        for d in p["dependencies"].as_array().unwrap() {
            let dep = d["name"].as_str().unwrap();
            let normal = d["kind"].is_null();
            if !normal {
                continue;
            }
            if dep.starts_with("critmin-") && !ok.contains(dep) {
                problems.push(format!("{name} depends on {dep}, which its layer may not"));
            }
            if SOLVER_CRATES.contains(&dep) && name != "critmin-opt" {
                problems.push(format!(
                    "{name} links the solver ({dep}); only critmin-opt may"
                ));
            }
        }
    }
    for (k, _) in LAYERS {
        if !seen.contains(*k) {
            problems.push(format!("{k} is documented but not in the workspace"));
        }
    }
    // ARCHITECTURE.md names every crate in its code map.
    let arch = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../ARCHITECTURE.md"
    ))
    .unwrap();
    for (k, _) in LAYERS {
        if !arch.contains(&format!("**`{k}`**")) {
            problems.push(format!("ARCHITECTURE.md's code map does not describe {k}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
