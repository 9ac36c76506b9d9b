//! Data-driven validation tests. Each directory under `fixtures/broken/`
//! holds the files that differ from `fixtures/minimal/` (and a `_delete`
//! list of files to remove); `expect.txt` lists diagnostics that must be
//! reported, each as the end of a `file:line: field: message` line.

use critmin_data::{DatasetSource, MemorySource, load};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The minimal dataset with a broken fixture's files laid over it.
fn overlay(name: &str) -> MemorySource {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for f in critmin_data::FILES {
        if let Ok(b) = std::fs::read(fixtures().join("minimal").join(f)) {
            files.push((f.to_string(), b));
        }
    }
    let dir = fixtures().join("broken").join(name);
    if let Ok(del) = std::fs::read_to_string(dir.join("_delete")) {
        let del: Vec<&str> = del.lines().map(str::trim).collect();
        files.retain(|(n, _)| !del.contains(&n.as_str()));
    }
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let n = e.file_name().to_string_lossy().to_string();
        if critmin_data::FILES.contains(&n.as_str()) {
            let b = std::fs::read(e.path()).unwrap();
            files.retain(|(f, _)| *f != n);
            files.push((n, b));
        }
    }
    MemorySource {
        prefix: format!("{name}/"),
        files,
    }
}

#[test]
fn minimal_fixture_is_valid() {
    let src = MemorySource {
        prefix: "minimal/".into(),
        ..overlay("__none__")
    };
    let m = load(&src).unwrap_or_else(|e| panic!("{e}: {:#?}", e.diagnostics()));
    assert_eq!(m.facilities.len(), 8);
    assert_eq!(
        (
            m.governance.len(),
            m.element_risk.len(),
            m.sector_values.len()
        ),
        (2, 2, 2),
        "criticality inputs"
    );
    assert_eq!(
        m.capacity_trends.len(),
        3,
        "capacity trends, consecutive rows allowed"
    );
    assert_eq!(m.group("allied").unwrap().members.len(), 4);
    assert_eq!(
        m.group("us_jp").unwrap().members.len(),
        2,
        "built-in group is added"
    );
}

#[test]
fn every_broken_fixture_reports_its_problems() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures().join("broken"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert!(
        names.len() >= 12,
        "at least twelve broken fixtures, found {}",
        names.len()
    );
    for name in names {
        let src = overlay(&name);
        let err = match load(&src) {
            Ok(_) => panic!("{name}: loaded without error"),
            Err(e) => e,
        };
        let got: Vec<String> = err.diagnostics().iter().map(ToString::to_string).collect();
        let expect =
            std::fs::read_to_string(fixtures().join("broken").join(&name).join("expect.txt"))
                .unwrap();
        for want in expect.lines().filter(|l| !l.trim().is_empty()) {
            let want = format!("{name}/{want}");
            assert!(
                got.iter().any(|g| g.starts_with(&want)),
                "{name}: expected a diagnostic starting with\n  {want}\ngot:\n  {}",
                got.join("\n  ")
            );
        }
        // Every diagnostic names a file, a line and a field.
        for g in &got {
            let parts: Vec<&str> = g.splitn(4, ": ").collect();
            assert!(
                parts.len() >= 3 && parts[0].contains(':'),
                "{name}: malformed diagnostic {g}"
            );
        }
    }
}

#[test]
fn displayed_names_come_from_the_source() {
    let src = overlay("missing_table");
    assert_eq!(
        src.display_name("facilities.csv"),
        "missing_table/facilities.csv"
    );
}
