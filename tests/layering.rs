//! The module layering of `src/lib.rs`, checked over the source text: every `crate::…`,
//! `super::…` and `self::…` path in non-test library code is resolved to the module file it
//! names, and then
//! - no top-level module uses one from a higher layer (the table below is the one in the
//!   crate docs),
//! - the file-level module graph has no cycle,
//! - the library holds no CLI types and does no I/O and reads no clock (that is the binary's
//!   job: `src/main.rs` and `src/cli/`).
//!
//! Run it alone with `cargo test --test layering`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly is the point

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layer of every top-level library module, lowest first (see `src/lib.rs`).
const LAYERS: &[(&str, u8)] = &[
    ("json", 1),
    ("crypto", 1),
    ("timeutil", 1),
    ("reason", 1),
    ("report", 2),
    ("trust", 2),
    ("context", 2),
    ("schema_rules", 2),
    ("clawsig", 3),
    ("signed_jcs", 3),
    ("policy", 4),
    ("audit", 5),
    ("rotation", 5),
    ("verify", 6),
    ("pins", 6),
    ("inspect", 6),
    ("produce", 6),
    ("render", 6),
    ("vectors", 7),
];

/// Text that must not appear in non-test library code: the CLI's parser, file-system and
/// environment access, the clock.
const FORBIDDEN_IN_LIBRARY: &[&str] = &[
    "clap",
    "std::fs",
    "std::env",
    "walkdir",
    "SystemTime",
    "Instant::now",
    "now_utc",
    "stdin(",
];

type ModPath = Vec<String>;

struct ModFile {
    /// The file's code without comments and test modules.
    code: String,
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn module_path(rel: &Path) -> ModPath {
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_str().unwrap().to_string())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.strip_suffix(".rs").unwrap().to_string();
    if stem != "mod" && stem != "lib" {
        parts.push(stem);
    }
    parts
}

/// Code without comments and without test modules. Test modules are written last in a file
/// (`#[cfg(test)] mod tests { … }` or `#[cfg(test)] mod x;`), so the code ends there.
fn non_test_code(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            let next = lines.peek().map(|l| l.trim_start()).unwrap_or("");
            let inline = trimmed.trim_start_matches("#[cfg(test)]").trim_start();
            let item = if inline.is_empty() { next } else { inline };
            if item.starts_with("mod ") || item.starts_with("pub(crate) mod ") {
                if item.ends_with(';') {
                    lines.next();
                    continue;
                }
                break;
            }
        }
        let code = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// Files that only exist under `cfg(test)` (declared `#[cfg(test)] mod x;`).
fn test_only_files(files: &BTreeMap<ModPath, ModFile>, raw: &BTreeMap<ModPath, String>) -> BTreeSet<ModPath> {
    let mut out = BTreeSet::new();
    for (module, text) in raw {
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            if line.trim() == "#[cfg(test)]" {
                if let Some(next) = lines.peek() {
                    if let Some(name) = next.trim().strip_prefix("mod ").and_then(|n| n.strip_suffix(';')) {
                        let mut child = module.clone();
                        child.push(name.to_string());
                        if files.contains_key(&child) {
                            out.insert(child);
                        }
                    }
                }
            }
        }
    }
    out
}

fn idents_after(code: &str, at: usize) -> Vec<String> {
    // `a::b::{c, d::e}` after the keyword: the first segments of every path in the group.
    let rest = &code[at..];
    let mut segs = Vec::new();
    let mut cur = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            cur.push(c);
        } else if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            segs.push(std::mem::take(&mut cur));
        } else {
            if !cur.is_empty() {
                segs.push(cur);
            }
            break;
        }
    }
    segs.retain(|s| !s.is_empty());
    segs
}

/// Every module path referenced from `code`, as written (`crate`, `super`, `self` heads
/// resolved against `module`), including the members of `use x::{a, b}` groups.
/// (`self` is the file's own module and `super` its parent, for `x.rs` and `x/mod.rs` alike.)
fn references(module: &ModPath, code: &str) -> Vec<ModPath> {
    let base_self: ModPath = module.clone();
    let mut out = Vec::new();
    for head in ["crate::", "super::", "self::"] {
        let mut start = 0;
        while let Some(found) = code[start..].find(head) {
            let at = start + found;
            start = at + head.len();
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let mut base: ModPath = match head {
                "crate::" => Vec::new(),
                "super::" => {
                    let mut b = base_self.clone();
                    b.pop();
                    b
                }
                _ => base_self.clone(),
            };
            let mut segs = idents_after(code, start);
            while segs.first().is_some_and(|s| s == "super") {
                segs.remove(0);
                base.pop();
            }
            let mut path = base.clone();
            path.extend(segs.iter().cloned());
            out.push(path.clone());
            // A group `{a, b::c}` right after the path.
            let consumed: usize = segs.iter().map(|s| s.len() + 2).sum();
            let after = start + consumed;
            if code[after.min(code.len())..].starts_with('{') {
                let end = code[after..].find('}').map_or(code.len(), |e| after + e);
                for item in code[after + 1..end].split(',') {
                    let item = item.trim();
                    let first: Vec<&str> = item.split("::").collect();
                    let mut p = path.clone();
                    for s in first {
                        let s = s.split_whitespace().next().unwrap_or("");
                        if s.is_empty() || s == "self" || s == "*" || s.starts_with('{') {
                            break;
                        }
                        p.push(s.to_string());
                    }
                    out.push(p);
                }
            }
        }
    }
    out
}

/// The longest prefix of `path` that is a module file.
fn resolve(path: &ModPath, files: &BTreeMap<ModPath, ModFile>) -> Option<ModPath> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| files.contains_key(p))
}

struct Graph {
    edges: BTreeMap<ModPath, BTreeSet<ModPath>>,
}

fn graph() -> Graph {
    let root = src_dir();
    let mut paths = Vec::new();
    collect(&root, &mut paths);
    let mut raw = BTreeMap::new();
    let mut files = BTreeMap::new();
    for path in paths {
        let rel = path.strip_prefix(&root).unwrap();
        // The binary: main.rs and the cli/ modules it declares.
        if rel == Path::new("main.rs") || rel.starts_with("cli") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let module = module_path(rel);
        raw.insert(module.clone(), text.clone());
        files.insert(
            module,
            ModFile {
                code: non_test_code(&text),
            },
        );
    }
    for test_file in test_only_files(&files, &raw) {
        files.remove(&test_file);
    }
    let mut edges: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for (module, file) in &files {
        let set = edges.entry(module.clone()).or_default();
        for reference in references(module, &file.code) {
            if let Some(target) = resolve(&reference, &files) {
                // A module naming its own children (`pub mod x;` is not a path) or itself is
                // not a dependency; a parent using a child's items is.
                if &target != module && !target.is_empty() {
                    set.insert(target);
                }
            }
        }
    }
    Graph { edges }
}

fn name(p: &ModPath) -> String {
    if p.is_empty() {
        "crate".into()
    } else {
        p.join("::")
    }
}

#[test]
fn no_module_uses_a_higher_layer() {
    let layers: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let g = graph();
    let mut problems = Vec::new();
    for (from, targets) in &g.edges {
        let Some(top) = from.first() else { continue };
        let Some(&from_layer) = layers.get(top.as_str()) else {
            problems.push(format!("{} is not in the layer table of tests/layering.rs", name(from)));
            continue;
        };
        for to in targets {
            let to_top = &to[0];
            let Some(&to_layer) = layers.get(to_top.as_str()) else {
                problems.push(format!("{} is not in the layer table", name(to)));
                continue;
            };
            if to_layer > from_layer {
                problems.push(format!(
                    "{} (layer {from_layer}) uses {} (layer {to_layer})",
                    name(from),
                    name(to)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "layering violations:\n{}", problems.join("\n"));
}

#[test]
fn the_module_graph_has_no_cycle() {
    let g = graph();
    // Depth-first search with colours; report one cycle per back edge.
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    let mut colour: BTreeMap<&ModPath, Colour> = g.edges.keys().map(|k| (k, Colour::White)).collect();
    let mut cycles = Vec::new();
    fn visit<'a>(
        v: &'a ModPath,
        g: &'a Graph,
        colour: &mut BTreeMap<&'a ModPath, Colour>,
        stack: &mut Vec<&'a ModPath>,
        cycles: &mut Vec<String>,
    ) {
        colour.insert(v, Colour::Grey);
        stack.push(v);
        for w in g.edges.get(v).into_iter().flatten() {
            match colour.get(w).copied().unwrap_or(Colour::Black) {
                Colour::White => visit(w, g, colour, stack, cycles),
                Colour::Grey => {
                    let from = stack.iter().position(|x| *x == w).unwrap_or(0);
                    let mut names: Vec<String> = stack[from..].iter().map(|p| name(p)).collect();
                    names.push(name(w));
                    cycles.push(names.join(" -> "));
                }
                Colour::Black => {}
            }
        }
        stack.pop();
        colour.insert(v, Colour::Black);
    }
    let keys: Vec<&ModPath> = g.edges.keys().collect();
    for k in keys {
        if colour.get(k) == Some(&Colour::White) {
            visit(k, &g, &mut colour, &mut Vec::new(), &mut cycles);
        }
    }
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_library_does_no_io_and_holds_no_cli_types() {
    let root = src_dir();
    let mut paths = Vec::new();
    collect(&root, &mut paths);
    let mut problems = Vec::new();
    for path in paths {
        let rel = path.strip_prefix(&root).unwrap();
        if rel == Path::new("main.rs") || rel.starts_with("cli") || rel.to_str().unwrap().ends_with("_tests.rs") {
            continue;
        }
        let code = non_test_code(&std::fs::read_to_string(&path).unwrap());
        for needle in FORBIDDEN_IN_LIBRARY {
            if code.contains(needle) {
                problems.push(format!("{} uses {needle}", rel.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checker_sees_references_and_cycles() {
    // The checker itself must be able to fail: a made-up pair of files that use each other.
    let a = vec!["clawsig".to_string(), "a".to_string()];
    let refs = references(&a, "use super::b::{X, Y};\nlet z = crate::audit::verify::f();\n");
    assert!(refs.contains(&vec!["clawsig".to_string(), "b".to_string(), "X".to_string()]));
    assert!(refs.contains(&vec!["audit".to_string(), "verify".to_string(), "f".to_string()]));
    let code = non_test_code("use crate::x; // crate::y\n#[cfg(test)]\nmod tests {\n use crate::z;\n}\n");
    assert!(code.contains("crate::x") && !code.contains("crate::y") && !code.contains("crate::z"));
    // And the real graph is not empty (a broken walk would pass every test above).
    let g = graph();
    assert!(g.edges.len() > 50, "only {} modules found", g.edges.len());
    assert!(g.edges[&vec!["verify".to_string()]].contains(&vec!["audit".to_string(), "verify".to_string()]));
}
