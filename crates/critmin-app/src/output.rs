//! Output files: what an operation produces for a directory, and writing
//! them safely. A front end that writes to disk (the CLI) calls
//! [`write_dir`]; a server streams the same [`OutputFile`]s instead.
//!
//! Writing is all or nothing: the files go into a fresh temporary sibling
//! directory, which replaces the target only when every file is written,
//! so a failed run leaves the previous output (or nothing) in place. The
//! target may not be — or lie inside, or contain — a protected input (the
//! dataset being read), and a symbolic link is never followed.

use crate::AppError;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One file of an operation's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutputFile {
    /// File name, relative to the output directory (no `/`).
    pub name: String,
    /// Contents.
    #[serde(skip)]
    pub contents: Vec<u8>,
}

impl OutputFile {
    /// A text file.
    pub fn text(name: impl Into<String>, contents: impl Into<String>) -> OutputFile {
        OutputFile {
            name: name.into(),
            contents: contents.into().into_bytes(),
        }
    }
}

/// Writes `files` into `dir`, replacing what an earlier run left there.
/// `protect` lists inputs the output must not overwrite (the dataset
/// directory). Returns the paths written.
pub fn write_dir(
    dir: &Path,
    files: &[OutputFile],
    protect: &[&Path],
) -> Result<Vec<PathBuf>, AppError> {
    let target = check_target(dir, files, protect)?;
    let parent = target
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    std::fs::create_dir_all(&parent).map_err(|e| io(&parent, e))?;
    let base = target
        .file_name()
        .map_or_else(|| "out".to_string(), |n| n.to_string_lossy().to_string());
    let tmp = unique(&parent, &format!(".{base}.tmp"));
    let result = (|| {
        std::fs::create_dir(&tmp).map_err(|e| io(&tmp, e))?;
        // Keep files of an earlier run that this run does not rewrite.
        if target.is_dir() {
            for e in std::fs::read_dir(&target)
                .map_err(|e| io(&target, e))?
                .flatten()
            {
                let name = e.file_name().to_string_lossy().to_string();
                if !files.iter().any(|f| f.name == name) {
                    std::fs::copy(e.path(), tmp.join(&name)).map_err(|err| io(&e.path(), err))?;
                }
            }
        }
        for f in files {
            let p = tmp.join(&f.name);
            std::fs::write(&p, &f.contents).map_err(|e| io(&p, e))?;
        }
        let old = unique(&parent, &format!(".{base}.old"));
        let had_old = target.is_dir();
        if had_old {
            std::fs::rename(&target, &old).map_err(|e| io(&target, e))?;
        }
        if let Err(e) = std::fs::rename(&tmp, &target) {
            if had_old {
                let _ = std::fs::rename(&old, &target);
            }
            return Err(io(&target, e));
        }
        if had_old {
            let _ = std::fs::remove_dir_all(&old);
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result?;
    Ok(files.iter().map(|f| dir.join(&f.name)).collect())
}

/// Checks, before any work is done, that `dir` may receive `files`: not a
/// symbolic link, not a file, not (inside) a protected input, holding no
/// directory or link of the user's. Returns the absolute target.
pub fn check_target(
    dir: &Path,
    files: &[OutputFile],
    protect: &[&Path],
) -> Result<PathBuf, AppError> {
    let bad = |m: String| AppError::bad("--out", m);
    for f in files {
        if f.name.is_empty() || f.name.contains(['/', '\\']) || f.name.starts_with('.') {
            return Err(AppError::Internal(format!(
                "refusing to write an output file named `{}`",
                f.name
            )));
        }
    }
    if let Ok(meta) = std::fs::symlink_metadata(dir) {
        if meta.file_type().is_symlink() {
            return Err(bad(format!(
                "{} is a symbolic link: name the directory itself",
                dir.display()
            )));
        }
        if !meta.is_dir() {
            return Err(bad(format!(
                "{} exists and is not a directory",
                dir.display()
            )));
        }
    }
    let target = absolute(dir);
    for p in protect {
        let p = absolute(p);
        if target.starts_with(&p) || p.starts_with(&target) {
            return Err(bad(format!(
                "{} would overwrite the input {}: choose another output directory",
                dir.display(),
                p.display()
            )));
        }
    }
    if target.is_dir() {
        // Only replace a directory that holds nothing but files this kind
        // of run writes: never a directory of the user's own.
        for e in std::fs::read_dir(&target)
            .map_err(|e| io(&target, e))?
            .flatten()
        {
            let ft = e.file_type().map_err(|err| io(&e.path(), err))?;
            let name = e.file_name().to_string_lossy().to_string();
            if ft.is_dir() || ft.is_symlink() {
                return Err(bad(format!(
                    "{} holds {} `{name}`, which critmin did not write: choose an empty or new directory",
                    dir.display(),
                    if ft.is_dir() {
                        "a directory"
                    } else {
                        "a symbolic link"
                    }
                )));
            }
        }
    }
    Ok(target)
}

/// Writes one file atomically (a temporary sibling, then a rename),
/// refusing a symbolic link or a protected input.
pub fn write_file(path: &Path, contents: &[u8], protect: &[&Path]) -> Result<(), AppError> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(AppError::bad(
            "output",
            format!(
                "{} is a symbolic link: name the file itself",
                path.display()
            ),
        ));
    }
    let target = absolute(path);
    for p in protect {
        if target.starts_with(absolute(p)) {
            return Err(AppError::bad(
                "output",
                format!("{} would overwrite an input", path.display()),
            ));
        }
    }
    let parent = target
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let name = target
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().to_string());
    let tmp = unique(&parent, &format!(".{name}.tmp"));
    std::fs::write(&tmp, contents).map_err(|e| io(&tmp, e))?;
    std::fs::rename(&tmp, &target).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(path, e)
    })
}

fn io(p: &Path, e: std::io::Error) -> AppError {
    AppError::Internal(format!("cannot write {}: {e}", p.display()))
}

fn absolute(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().map_or_else(|_| p.to_path_buf(), |d| d.join(p))
    };
    // Resolve what exists (symbolic links in the parents, `..`), keep the rest.
    let mut existing = abs.clone();
    let mut tail = Vec::new();
    while !existing.exists() {
        match (existing.file_name(), existing.parent()) {
            (Some(n), Some(par)) => {
                tail.push(n.to_os_string());
                existing = par.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = std::fs::canonicalize(&existing).unwrap_or(existing);
    for n in tail.into_iter().rev() {
        out.push(n);
    }
    out
}

fn unique(parent: &Path, stem: &str) -> PathBuf {
    let pid = std::process::id();
    for i in 0.. {
        let p = parent.join(format!("{stem}-{pid}-{i}"));
        if std::fs::symlink_metadata(&p).is_err() {
            return p;
        }
    }
    unreachable!("an unbounded counter always finds a free name")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replaces_and_protects() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        write_dir(&out, &[OutputFile::text("a.txt", "1")], &[]).unwrap();
        write_dir(&out, &[OutputFile::text("b.txt", "2")], &[]).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "1");
        assert_eq!(std::fs::read_to_string(out.join("b.txt")).unwrap(), "2");
        // The dataset directory, or a directory inside it, is refused.
        let data = tmp.path().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::write(data.join("x.csv"), "keep").unwrap();
        for target in [data.clone(), data.join("sub"), tmp.path().to_path_buf()] {
            let e = write_dir(&target, &[OutputFile::text("x.csv", "lost")], &[&data]).unwrap_err();
            assert!(matches!(e, AppError::BadRequest { .. }), "{e:?}");
        }
        assert_eq!(std::fs::read_to_string(data.join("x.csv")).unwrap(), "keep");
        // A directory holding a sub-directory is not ours to replace.
        std::fs::create_dir(out.join("mine")).unwrap();
        assert!(write_dir(&out, &[OutputFile::text("a.txt", "3")], &[]).is_err());
        assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "1");
        // No temporary directory is left behind.
        let left: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_are_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real");
        std::fs::create_dir(&real).unwrap();
        let out = tmp.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&real, out.join("link")).unwrap();
        assert!(write_dir(&out, &[OutputFile::text("a.txt", "1")], &[]).is_err());
        let link = tmp.path().join("outlink");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(write_dir(&link, &[OutputFile::text("a.txt", "1")], &[]).is_err());
        assert!(std::fs::read_dir(&real).unwrap().next().is_none());
    }
}
