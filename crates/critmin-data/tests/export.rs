//! `export_baseline`: the exported directory loads into the same model as
//! the compiled-in baseline, byte for byte the same files; a directory
//! that is not empty, a file or a symbolic link is refused and left as it
//! was.

use critmin_data::{BASELINE_FILES, ExportError, baseline, export_baseline, load_dir};

#[test]
fn the_export_loads_into_the_baseline_model() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("mine");
    let written = export_baseline(&dir).unwrap();
    assert_eq!(written.len(), BASELINE_FILES.len());
    for ((name, bytes), path) in BASELINE_FILES.iter().zip(&written) {
        assert_eq!(path, &dir.join(name));
        assert_eq!(&std::fs::read(path).unwrap(), bytes, "{name}");
    }
    let model = load_dir(&dir).unwrap_or_else(|e| panic!("{e}: {:#?}", e.diagnostics()));
    // `Model` has no `PartialEq`; its serialised form holds every field.
    assert_eq!(
        serde_json::to_value(&model).unwrap(),
        serde_json::to_value(baseline()).unwrap()
    );
    // Nothing but the dataset is left in the parent (no temporary directory).
    let left: Vec<_> = std::fs::read_dir(parent.path())
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(left.len(), 1);
}

#[test]
fn an_existing_empty_directory_is_filled() {
    let dir = tempfile::tempdir().unwrap();
    export_baseline(dir.path()).unwrap();
    assert!(load_dir(dir.path()).is_ok());
}

#[test]
fn a_directory_that_is_not_empty_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("facilities.csv"), b"my edits\n").unwrap();
    let err = export_baseline(dir.path()).unwrap_err();
    assert!(
        matches!(&err, ExportError::NotEmpty { path } if path == dir.path()),
        "{err:?}"
    );
    assert_eq!(
        std::fs::read(dir.path().join("facilities.csv")).unwrap(),
        b"my edits\n"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_file_is_refused() {
    let parent = tempfile::tempdir().unwrap();
    let file = parent.path().join("data");
    std::fs::write(&file, b"x").unwrap();
    let err = export_baseline(&file).unwrap_err();
    assert!(
        matches!(err, ExportError::NotADirectory { symlink: false, .. }),
        "{err:?}"
    );
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_is_not_followed() {
    let parent = tempfile::tempdir().unwrap();
    let target = parent.path().join("elsewhere");
    std::fs::create_dir(&target).unwrap();
    let link = parent.path().join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let err = export_baseline(&link).unwrap_err();
    assert!(
        matches!(err, ExportError::NotADirectory { symlink: true, .. }),
        "{err:?}"
    );
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);
    // A symbolic link inside the target makes it non-empty: refused, so
    // nothing is ever written through it.
    let dir = parent.path().join("with_link");
    std::fs::create_dir(&dir).unwrap();
    std::os::unix::fs::symlink(&target, dir.join("facilities.csv")).unwrap();
    assert!(matches!(
        export_baseline(&dir),
        Err(ExportError::NotEmpty { .. })
    ));
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);
}

#[test]
fn a_missing_parent_is_created_as_for_every_other_output() {
    // `critmin data export a/b/c` behaves like `--out a/b/c`: the parents
    // are made, the export lands whole, and nothing temporary is left.
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("no/such/parent/out");
    export_baseline(&dir).unwrap();
    assert!(critmin_data::load_dir(&dir).is_ok());
    let siblings: Vec<_> = std::fs::read_dir(dir.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(siblings, vec!["out".to_string()]);
}
