//! Data-driven tests of the scenario and plan formats. Each
//! `fixtures/broken/<name>.toml` is read (as a scenario if its name starts
//! with `scenario-`, as a plan if with `plan-`) and resolved against the
//! built-in baseline; `<name>.expect` holds exactly the diagnostics it must
//! produce, one `file:line: key: message` per line.
//! `CRITMIN_BLESS=1` rewrites the `.expect` files (inspect the diff).

use std::path::{Path, PathBuf};

fn broken() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken")
}

/// The diagnostics of one fixture, one per line.
fn diagnostics(name: &str, bytes: &[u8]) -> String {
    let model = critmin_data::baseline();
    let file = format!("{name}.toml");
    let diags = if name.starts_with("scenario-") {
        critmin_format::scenario::parse(&file, bytes, &model).err()
    } else if name.starts_with("plan-") {
        critmin_format::plan::parse(&file, bytes, &model).err()
    } else {
        panic!("fixture `{name}` must start with scenario- or plan-")
    };
    let diags = diags.unwrap_or_else(|| panic!("{name}: a broken fixture was accepted"));
    diags.iter().map(|d| format!("{d}\n")).collect()
}

#[test]
fn every_broken_fixture_reports_exactly_its_diagnostics() {
    let mut names: Vec<String> = std::fs::read_dir(broken())
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().to_string();
            n.strip_suffix(".toml").map(str::to_string)
        })
        .collect();
    names.sort();
    let plans = names.iter().filter(|n| n.starts_with("plan-")).count();
    assert!(
        names.len() >= 20 && plans >= 8 && names.len() - plans >= 8,
        "at least twenty broken fixtures across both formats, found {} ({plans} plans)",
        names.len()
    );
    let bless = std::env::var_os("CRITMIN_BLESS").is_some_and(|v| v != "0" && !v.is_empty());
    let mut failures = Vec::new();
    for name in &names {
        let bytes = std::fs::read(broken().join(format!("{name}.toml"))).unwrap();
        let got = diagnostics(name, &bytes);
        let path = broken().join(format!("{name}.expect"));
        if bless {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{name}.expect is missing (CRITMIN_BLESS=1 writes it)"));
        if got != want {
            failures.push(format!("{name}:\n--- expected\n{want}--- got\n{got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
