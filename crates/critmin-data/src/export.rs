//! Writing the built-in dataset to a directory for editing
//! ([`export_baseline`]): exactly the bytes compiled in, so `critmin data
//! validate --data DIR` accepts the result unchanged.
//!
//! The files are written into a fresh temporary directory next to the
//! target and renamed into place at the end, so a failure leaves either
//! nothing or the complete dataset, never half of it. Every file is
//! created with `create_new`, which refuses an existing path and never
//! follows a symbolic link.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Exporting the built-in dataset failed; nothing was left behind.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The target exists and holds files: exporting would mix the
    /// baseline with them, or overwrite an edited dataset.
    #[error("`{}` exists and is not empty: export into a new or empty directory", .path.display())]
    NotEmpty {
        /// The target directory.
        path: PathBuf,
    },
    /// The target exists and is not a directory (a file, or a symbolic
    /// link, which is not followed).
    #[error("`{}` exists and is not a directory{}", .path.display(), if *.symlink { " (it is a symbolic link, which export does not follow)" } else { "" })]
    NotADirectory {
        /// The target.
        path: PathBuf,
        /// Whether it is a symbolic link.
        symlink: bool,
    },
    /// The operating system refused a step.
    #[error("cannot export to `{}`: {message}", .path.display())]
    Io {
        /// The path the failing step was about.
        path: PathBuf,
        /// The operating system's reason.
        message: String,
    },
}

fn io_error(path: &Path, e: std::io::Error) -> ExportError {
    ExportError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Writes the built-in dataset's files, exactly as compiled in, into `dir`
/// (created; it may exist if empty) and returns their paths in
/// [`crate::FILES`] order. A failure leaves no partial directory behind.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("critmin-doc-export-{}", std::process::id()));
/// let files = critmin_data::export_baseline(&dir).unwrap();
/// assert_eq!(files.len(), critmin_data::BASELINE_FILES.len());
/// assert!(critmin_data::load_dir(&dir).is_ok());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn export_baseline(dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
    export_files(dir, crate::BASELINE_FILES)
}

/// [`export_baseline`] for any list of `(file name, bytes)`.
pub(crate) fn export_files(
    dir: &Path,
    files: &[(&str, &[u8])],
) -> Result<Vec<PathBuf>, ExportError> {
    let existed = check_target(dir)?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = dir
        .file_name()
        .ok_or_else(|| ExportError::Io {
            path: dir.to_path_buf(),
            message: "the path names no directory".into(),
        })?
        .to_string_lossy()
        .to_string();
    // Like `mkdir -p`: a missing parent is created, not an error.
    std::fs::create_dir_all(&parent).map_err(|e| io_error(&parent, e))?;
    let tmp = temp_sibling(&parent, &name)?;
    let written = write_all(&tmp, files).and_then(|()| {
        if existed {
            // Replaced by the rename below; refused if it gained files
            // since it was checked (remove_dir only removes an empty one).
            std::fs::remove_dir(dir).map_err(|e| io_error(dir, e))?;
        }
        std::fs::rename(&tmp, dir).map_err(|e| io_error(dir, e))
    });
    if let Err(e) = written {
        // Best effort: the temporary directory holds only what we wrote.
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    Ok(files.iter().map(|(n, _)| dir.join(n)).collect())
}

/// Checks the target: absent (`false`) or an empty real directory
/// (`true`).
fn check_target(dir: &Path) -> Result<bool, ExportError> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io_error(dir, e)),
    };
    if !meta.is_dir() {
        return Err(ExportError::NotADirectory {
            path: dir.to_path_buf(),
            symlink: meta.file_type().is_symlink(),
        });
    }
    let mut entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, e))?;
    if entries.next().is_some() {
        return Err(ExportError::NotEmpty {
            path: dir.to_path_buf(),
        });
    }
    Ok(true)
}

/// Creates a new directory `.NAME.export-PID-N` in `parent`.
fn temp_sibling(parent: &Path, name: &str) -> Result<PathBuf, ExportError> {
    let pid = std::process::id();
    let mut last = None;
    for n in 0..100 {
        let tmp = parent.join(format!(".{name}.export-{pid}-{n}"));
        match std::fs::create_dir(&tmp) {
            Ok(()) => return Ok(tmp),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(io_error(&tmp, e)),
        }
    }
    Err(io_error(
        parent,
        last.unwrap_or_else(|| std::io::Error::other("no free temporary name")),
    ))
}

/// Writes every file into `tmp`, each created new.
fn write_all(tmp: &Path, files: &[(&str, &[u8])]) -> Result<(), ExportError> {
    for (name, bytes) in files {
        let path = tmp.join(name);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io_error(&path, e))?;
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| io_error(&path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parent's entries, to show that nothing was left behind.
    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_failure_half_way_leaves_nothing() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("out");
        // The second file cannot be created (its directory does not
        // exist), after the first was written.
        let files: &[(&str, &[u8])] = &[("a.csv", b"x\n"), ("missing/b.csv", b"y\n")];
        let err = export_files(&dir, files).unwrap_err();
        assert!(
            matches!(&err, ExportError::Io { path, .. } if path.ends_with("missing/b.csv")),
            "{err:?}"
        );
        assert_eq!(entries(parent.path()), Vec::<String>::new());
    }

    #[test]
    fn a_failure_keeps_an_empty_target_as_it_was() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("out");
        std::fs::create_dir(&dir).unwrap();
        let files: &[(&str, &[u8])] = &[("a.csv", b"x\n"), ("missing/b.csv", b"y\n")];
        assert!(export_files(&dir, files).is_err());
        assert_eq!(entries(parent.path()), vec!["out".to_string()]);
        assert_eq!(entries(&dir), Vec::<String>::new());
    }
}
