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
    pub files: Candidates,
    pub skipped: Vec<SkippedFile>,
}

/// One file to verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    /// Found by walking a directory (not named on the command line).
    pub walked: bool,
}

/// The files to verify, stored compactly: a directory of 100 000 files costs its names'
/// bytes and eight bytes a file, not a `PathBuf` each, so that a run's memory does not grow
/// with the number of files beyond that (see the README's performance section). Each file is
/// a root (a path given on the command line) and a name relative to it, kept in one buffer.
#[derive(Debug, Default)]
pub struct Candidates {
    roots: Vec<PathBuf>,
    names: Vec<u8>,
    /// (root index, start and end of the name in `names`).
    entries: Vec<(u32, u32, u32)>,
}

impl Candidates {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The `i`th file; a file given directly is its root, with an empty name.
    pub fn get(&self, i: usize) -> Option<Candidate> {
        let &(root, start, end) = self.entries.get(i)?;
        let root = self.roots.get(root as usize)?;
        let name = self.names.get(start as usize..end as usize)?;
        if name.is_empty() {
            return Some(Candidate {
                path: root.clone(),
                walked: false,
            });
        }
        Some(Candidate {
            path: root.join(name_path(name)),
            walked: true,
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = Candidate> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    fn push_root(&mut self, root: &Path) -> Result<u32, String> {
        self.roots.push(root.to_path_buf());
        u32::try_from(self.roots.len() - 1).map_err(|_| "too many paths on the command line".to_string())
    }

    /// Store a name; its span in the buffer.
    fn store(&mut self, name: &[u8]) -> Result<(u32, u32), String> {
        let too_many = |_| "the walk found more than 4 GiB of file names".to_string();
        let start = u32::try_from(self.names.len()).map_err(too_many)?;
        self.names.extend_from_slice(name);
        let end = u32::try_from(self.names.len()).map_err(too_many)?;
        Ok((start, end))
    }

    fn push(&mut self, root: u32, span: (u32, u32)) {
        self.entries.push((root, span.0, span.1));
    }

    /// Sort the entries from `from` on as paths (by component), in place.
    fn sort_from(&mut self, from: usize) {
        let (names, entries) = (&self.names, &mut self.entries);
        let name = |&(_, start, end): &(u32, u32, u32)| names.get(start as usize..end as usize).unwrap_or_default();
        if let Some(tail) = entries.get_mut(from..) {
            tail.sort_unstable_by(|a, b| name_path(name(a)).cmp(name_path(name(b))));
        }
    }
}

#[cfg(unix)]
fn name_bytes(path: &Path) -> &[u8] {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes()
}

#[cfg(unix)]
fn name_path(bytes: &[u8]) -> &Path {
    use std::os::unix::ffi::OsStrExt;
    Path::new(std::ffi::OsStr::from_bytes(bytes))
}

// Elsewhere names are stored as UTF-8; a name that is not is refused by the walk.
#[cfg(not(unix))]
fn name_bytes(path: &Path) -> &[u8] {
    path.to_str().map_or(&[], str::as_bytes)
}

#[cfg(not(unix))]
fn name_path(bytes: &[u8]) -> &Path {
    Path::new(std::str::from_utf8(bytes).unwrap_or(""))
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
            let root = walk.files.push_root(path)?;
            walk.files.push(root, (0, 0));
        }
    }
    Ok(walk)
}

fn walk_dir(root: &Path, walk: &mut Walk) -> Result<(), String> {
    let real_root = std::fs::canonicalize(root).map_err(|e| format!("{}: {e}", root.display()))?;
    // The root's files go straight into the compact store, then are sorted there.
    let root_index = walk.files.push_root(root)?;
    let first = walk.files.len();
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
            let relative = path
                .strip_prefix(root)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let bytes = name_bytes(relative);
            if bytes.is_empty() {
                return Err(format!("{}: a file name that is not UTF-8", path.display()));
            }
            let span = walk.files.store(bytes)?;
            walk.files.push(root_index, span);
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
    // Sorted as paths (by component), as the files of the walk were before they were stored
    // compactly: a directory's files come before the files of its subdirectories only when
    // their names sort first.
    walk.files.sort_from(first);
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    walk.skipped.extend(skipped);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_come_in_path_order_by_component_not_by_string() {
        // By component, the directory `a` sorts before `a-b.json` ('-' < '.'), so its file
        // comes first; as strings, "a/b.json" would sort after "a.json" ('/' > '.').
        let t = tempfile::tempdir().unwrap();
        for name in ["a0.json", "a.json", "a/b.json", "a-b.json", "a/c/d.jwt", "a/bb.zip"] {
            let path = t.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, b"{}").unwrap();
        }
        let walk = collect(&[t.path().to_path_buf(), t.path().join("a0.json")]).unwrap();
        let got: Vec<(String, bool)> = walk
            .files
            .iter()
            .map(|c| (c.path.strip_prefix(t.path()).unwrap().display().to_string(), c.walked))
            .collect();
        let want = [
            ("a/b.json", true),
            ("a/bb.zip", true),
            ("a/c/d.jwt", true),
            ("a-b.json", true),
            ("a.json", true),
            ("a0.json", true),
            ("a0.json", false),
        ];
        let want: Vec<(String, bool)> = want.iter().map(|(p, w)| (p.to_string(), *w)).collect();
        assert_eq!(got, want);
    }

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
