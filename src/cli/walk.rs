//! Turning `verify PATH...` arguments into files, failing closed: a directory walk that could
//! not read something, or met a link it must not follow, is an error (exit 2) naming the
//! path, never a silent skip.
//!
//! Below a directory, files named `*.json`, `*.zip` or `*.jwt` (any case) are candidate
//! subjects (a `*.jwt` is a scoped token, verified on its own as every artifact clawaudit
//! produces is), except `X-urm.json` (a URM document, read with the `X-bundle.json` beside it, and listed as
//! skipped when there is none). Every other file is listed as skipped ("not a subject"). A symbolic link is followed when it resolves inside
//! the directory given on the command line; one that points outside it, dangles or loops is
//! an error. A link to a directory inside the tree is listed as skipped: that directory is
//! walked at its own path already. A path given directly is always a subject.

use std::path::{Path, PathBuf};

/// A file below a directory argument that is not verified, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedFile {
    pub path: PathBuf,
    pub why: String,
}

/// What the arguments name.
#[derive(Debug, Default)]
pub struct Walk {
    /// Candidate subjects, in argument order; below a directory, sorted by path.
    pub files: Vec<Candidate>,
    pub skipped: Vec<SkippedFile>,
}

/// One file to verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    /// Found by walking a directory (not named on the command line).
    pub walked: bool,
}

/// Whether a file name is one of a subject's (`.json`, `.zip`, `.jwt`, any case), not a URM
/// document.
pub fn is_subject_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    (lower.ends_with(".json") || lower.ends_with(".zip") || lower.ends_with(".jwt")) && !lower.ends_with("-urm.json")
}

/// `X` of a URM document's name `X-urm.json` (the suffix in any case).
fn urm_stem(name: &str) -> Option<&str> {
    let cut = name.len().checked_sub("-urm.json".len())?;
    let suffix = name.get(cut..)?;
    suffix
        .eq_ignore_ascii_case("-urm.json")
        .then(|| name.get(..cut))
        .flatten()
}

pub fn collect(paths: &[PathBuf]) -> Result<Walk, String> {
    let mut walk = Walk::default();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.is_dir() {
            walk_dir(path, &mut walk)?;
        } else {
            walk.files.push(Candidate {
                path: path.clone(),
                walked: false,
            });
        }
    }
    Ok(walk)
}

fn walk_dir(root: &Path, walk: &mut Walk) -> Result<(), String> {
    let real_root = std::fs::canonicalize(root).map_err(|e| format!("{}: {e}", root.display()))?;
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for item in walkdir::WalkDir::new(root).follow_links(false) {
        let item = item.map_err(|e| {
            let at = e
                .path()
                .map_or_else(|| root.display().to_string(), |p| p.display().to_string());
            match e.io_error() {
                Some(io) => format!("{at}: {io}"),
                None => format!("{at}: {e}"),
            }
        })?;
        let path = item.path().to_path_buf();
        let ft = item.file_type();
        if ft.is_dir() {
            continue;
        }
        let name = item.file_name().to_string_lossy().into_owned();
        if ft.is_symlink() {
            let target = std::fs::canonicalize(&path)
                .map_err(|e| format!("{}: a symbolic link that cannot be resolved: {e}", path.display()))?;
            if !target.starts_with(&real_root) {
                return Err(format!(
                    "{}: a symbolic link to {}, outside {}; refusing to follow it",
                    path.display(),
                    target.display(),
                    root.display()
                ));
            }
            let target_meta = std::fs::metadata(&target).map_err(|e| format!("{}: {e}", path.display()))?;
            if target_meta.is_dir() {
                skipped.push(SkippedFile {
                    path,
                    why: format!(
                        "a link to the directory {}, which is walked at its own path",
                        target.display()
                    ),
                });
                continue;
            }
            if !target_meta.is_file() {
                return Err(format!("{}: a symbolic link to a special file", path.display()));
            }
        } else if !ft.is_file() {
            skipped.push(SkippedFile {
                path,
                why: "not a regular file".into(),
            });
            continue;
        }
        if is_subject_name(&name) {
            files.push(path);
        } else if let Some(stem) = urm_stem(&name) {
            // A URM document is read with the proof bundle beside it; one without that
            // bundle is read by nothing.
            if !path.with_file_name(format!("{stem}-bundle.json")).is_file() {
                skipped.push(SkippedFile {
                    path,
                    why: format!("a URM document without its {stem}-bundle.json"),
                });
            }
        } else {
            skipped.push(SkippedFile {
                path,
                why: "not a subject".into(),
            });
        }
    }
    files.sort();
    walk.files
        .extend(files.into_iter().map(|path| Candidate { path, walked: true }));
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    walk.skipped.extend(skipped);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_names_ignore_case_and_leave_urm_documents_out() {
        for yes in ["a.json", "B.JSON", "c.Zip", "run.audit.ZIP", "cst.jwt", "T.JWT"] {
            assert!(is_subject_name(yes), "{yes}");
        }
        for no in [
            "a-urm.json",
            "A-URM.JSON",
            "README.md",
            "key",
            "x.json.bak",
            "x.jwt.txt",
        ] {
            assert!(!is_subject_name(no), "{no}");
        }
    }
}
