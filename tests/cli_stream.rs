//! `verify` over many files reads, verifies and prints them a chunk at a time (issue 11: flat
//! memory). Streaming must not change a byte of the output: a directory of more files than one
//! chunk holds, valid and failing ones interleaved, prints exactly what verifying each file on
//! its own prints, in path order, in text, JSON Lines and JSON; a flag that applies to no subject
//! still prints nothing (exit 2), however many subjects were verified before the run knew it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const AT: &str = "2026-03-02T00:00:00Z";
/// More than two chunks (the CLI verifies 64 subjects at a time).
const FILES: usize = 150;

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testvectors")
}

fn trust() -> PathBuf {
    vectors().join("trust/clawsig-config.json")
}

/// Three distinct subjects: two that pass and one that fails.
fn sources() -> [PathBuf; 3] {
    [
        vectors().join("clawsig/valid/proof-bundle-minimal.json"),
        vectors().join("clawsig/valid/commit-sig.json"),
        vectors().join("clawsig/invalid/bad-signature.json"),
    ]
}

fn run(args: &[&str], paths: &[PathBuf]) -> std::process::Output {
    Command::cargo_bin("clawaudit")
        .unwrap()
        .arg("verify")
        .args(["--at", AT, "--color", "never", "--trust"])
        .arg(trust())
        .args(args)
        .args(paths)
        .output()
        .unwrap()
}

/// A directory of `FILES` copies of the sources, their names sorted as a walk sorts them
/// (`d/`, its files and `d.json` interleave by path component).
fn tree() -> (tempfile::TempDir, Vec<PathBuf>) {
    let t = tempfile::tempdir().unwrap();
    let sources = sources();
    let mut files = Vec::new();
    for i in 0..FILES {
        let name = match i % 5 {
            0 => format!("{i:03}/inner.json"),
            1 => format!("{i:03}.json"),
            _ => format!("{i:03}-x.json"),
        };
        let path = t.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::copy(&sources[i % 3], &path).unwrap();
        files.push(path);
    }
    files.sort();
    (t, files)
}

fn text(o: &std::process::Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// What one file verified alone prints for itself (its lines without the summary), with its
/// path in place of the source's.
fn alone(args: &[&str], source: &Path, path: &Path, lines_of_subject: impl Fn(&str) -> String) -> String {
    let out = text(&run(args, &[source.to_path_buf()]));
    lines_of_subject(&out).replace(&source.display().to_string(), &path.display().to_string())
}

#[test]
fn a_directory_of_many_chunks_prints_what_each_file_prints_alone_in_path_order() {
    let (t, files) = tree();
    let sources = sources();
    let source_of = |i: usize| -> &PathBuf {
        let name = files[i].strip_prefix(t.path()).unwrap().to_string_lossy().into_owned();
        let n: usize = name.get(..3).unwrap().parse().unwrap();
        &sources[n % 3]
    };
    // Text: the subject lines of each file alone, in path order, then the summary.
    let without_summary = |out: &str| {
        let mut lines: Vec<&str> = out.lines().collect();
        lines.pop();
        lines.iter().map(|l| format!("{l}\n")).collect::<String>()
    };
    let mut expected = String::new();
    for (i, path) in files.iter().enumerate() {
        expected.push_str(&alone(&[], source_of(i), path, without_summary));
    }
    let failed = (0..FILES).filter(|i| source_of(*i) == &sources[2]).count();
    let first_failures: Vec<String> = (0..FILES)
        .filter(|i| source_of(*i) == &sources[2])
        .take(20)
        .map(|i| files[i].display().to_string())
        .collect();
    expected.push_str(&format!(
        "{FILES} subject(s): {} passed, {failed} failed (verified at 2026-03-02T00:00:00.000Z); failed: {} and {} more\n",
        FILES - failed,
        first_failures.join(", "),
        failed - 20
    ));
    let out = run(&[], &[t.path().to_path_buf()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out), expected);

    // JSON Lines: a header, each file's own subject line, a summary.
    let middle = |out: &str| {
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        format!("{}\n", lines[1])
    };
    let out = text(&run(&["--format", "jsonl"], &[t.path().to_path_buf()]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), FILES + 2);
    for (i, path) in files.iter().enumerate() {
        let expected = alone(&["--format", "jsonl"], source_of(i), path, middle);
        assert_eq!(format!("{}\n", lines[i + 1]), expected, "line {}", i + 1);
    }
    let summary: serde_json::Value = serde_json::from_str(lines[FILES + 1]).unwrap();
    assert_eq!(summary["summary"]["subjects"], FILES);
    assert_eq!(summary["summary"]["failed"], failed);

    // JSON: one document with every subject, in path order.
    let doc: serde_json::Value =
        serde_json::from_slice(&run(&["--format", "json"], &[t.path().to_path_buf()]).stdout).unwrap();
    let paths: Vec<&str> = doc["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    assert_eq!(paths, expected);
    assert_eq!(doc["status"], "FAIL");
}

#[test]
fn a_flag_that_applies_to_no_subject_prints_nothing_even_after_many_chunks() {
    let (t, _) = tree();
    for format in ["text", "jsonl"] {
        let out = run(
            &["--format", format, "--artifact", "Cargo.toml"],
            &[t.path().to_path_buf()],
        );
        assert_eq!(out.status.code(), Some(2), "{format}");
        let stdout = text(&out);
        assert!(
            !stdout.contains("PASS") && !stdout.contains("\"subject\""),
            "{format}: {stdout}"
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("--artifact applies to inclusion-proof subjects only"));
    }
}

#[test]
fn a_flag_that_applies_late_releases_what_was_held_in_order() {
    // 149 proof bundles, then (last in path order) one inclusion proof: --artifact applies
    // only to the last subject, so everything before it was held, and is printed in order.
    let (t, files) = tree();
    let proof = vectors().join("audit/valid/policy.proof.json");
    let last = t.path().join("zzz.json");
    std::fs::copy(&proof, &last).unwrap();
    let artifact = vectors().join("audit/valid/policy.artifact");
    let out = run(
        &["--artifact", artifact.to_str().unwrap(), "--quiet"],
        &[t.path().to_path_buf()],
    );
    let stdout = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    // The failing subjects' paths (third word), in the order of the walk: every third copy
    // is the failing bundle, then the inclusion proof, which fails on this trust file.
    let fails: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("FAIL "))
        .map(|l| l.split(' ').nth(2).unwrap())
        .collect();
    let mut expected: Vec<String> = files
        .iter()
        .filter(|f| std::fs::read(f).unwrap() == std::fs::read(&sources()[2]).unwrap())
        .map(|f| f.display().to_string())
        .collect();
    expected.push(last.display().to_string());
    assert_eq!(fails, expected);
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .starts_with(&format!("{} subject(s)", FILES + 1)),
        "{stdout}"
    );
}
