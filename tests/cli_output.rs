//! Output people and machines rely on: `--quiet`, `--color`, `-` as stdin, the JSON Lines
//! header and summary, a JSON error object on exit 2, `explain`, completions, the man page
//! and `--version`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

const AT: &str = "2026-03-02T00:00:00Z";

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testvectors")
}

fn good() -> PathBuf {
    vectors().join("clawsig/valid/proof-bundle-minimal.json")
}

fn clawaudit() -> Command {
    Command::cargo_bin("clawaudit").unwrap()
}

fn verify() -> Command {
    let mut c = clawaudit();
    c.args(["verify", "--at", AT, "--trust"])
        .arg(vectors().join("trust/clawsig-config.json"));
    c
}

#[test]
fn quiet_prints_only_fails_and_the_summary() {
    let bad = vectors().join("clawsig/invalid");
    let out = verify().arg("--quiet").arg(good()).arg(&bad).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(!text.contains("PASS proof-bundle"), "{text}");
    assert!(text.contains("FAIL "), "{text}");
    assert!(text.lines().last().unwrap().contains(" passed, "), "{text}");
}

#[test]
fn color_is_chosen_by_the_flag_and_no_color_only_when_set_and_not_empty() {
    let red_or_green = predicate::str::contains("\x1b[32mPASS\x1b[0m");
    verify()
        .args(["--color", "always"])
        .arg(good())
        .assert()
        .stdout(red_or_green.clone());
    verify()
        .args(["--color", "never"])
        .arg(good())
        .assert()
        .stdout(predicate::str::contains("\x1b[").not());
    // Not a terminal: auto never colours, NO_COLOR or not.
    verify()
        .env("NO_COLOR", "")
        .arg(good())
        .assert()
        .stdout(predicate::str::contains("\x1b[").not());
}

#[test]
fn a_dash_reads_one_subject_from_standard_input() {
    verify()
        .arg("-")
        .write_stdin(std::fs::read(good()).unwrap())
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("PASS proof-bundle - OK"));
    // A sealed bundle too, recognised by its ZIP signature.
    clawaudit()
        .args(["verify", "--at", "2026-02-18T00:01:00Z", "--trust"])
        .arg(vectors().join("audit/trust.json"))
        .arg("-")
        .write_stdin(std::fs::read(vectors().join("audit/valid/every-kind.audit.zip")).unwrap())
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("PASS audit-bundle - OK"));
    // Oversized on stdin: the real size is counted.
    verify()
        .args(["--max-input-bytes", "10", "--format", "jsonl", "-"])
        .write_stdin(vec![b' '; 5000])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "input is 5000 bytes, more than the limit of 10 bytes",
        ));
    verify()
        .arg("-")
        .arg(good())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("must be the only subject"));
}

#[test]
fn jsonl_has_a_header_subjects_and_a_summary() {
    let out = verify().args(["--format", "jsonl"]).arg(good()).output().unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["report_version"], "1");
    assert_eq!(lines[0]["at"], "2026-03-02T00:00:00.000Z");
    assert_eq!(lines[0]["tool_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(lines[1]["kind"], "proof-bundle");
    assert_eq!(lines[1]["status"], "PASS");
    assert_eq!(
        lines[2],
        serde_json::json!({"summary":{"status":"PASS","subjects":1,"passed":1,"failed":0,"skipped":[]}})
    );
}

#[test]
fn exit_2_in_a_json_format_prints_a_json_error_object() {
    for format in ["json", "jsonl"] {
        let out = verify()
            .args(["--format", format, "/nonexistent/clawaudit-test.json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["status"], "ERROR");
        assert!(v["error"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/clawaudit-test.json"));
    }
    // Text keeps standard output empty.
    verify()
        .arg("/nonexistent/clawaudit-test.json")
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty());
}

#[test]
fn explain_prints_the_table_entry_and_lists_every_code() {
    clawaudit()
        .args(["explain", "merkle_root_mismatch"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(format!(
            "MERKLE_ROOT_MISMATCH: {}\n",
            clawaudit::reason::ReasonCode::MerkleRootMismatch.explanation().title
        )))
        .stdout(predicate::str::contains("Likely causes:").and(predicate::str::contains("What to do:")));
    let list = clawaudit().args(["explain", "--list"]).output().unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert_eq!(text.lines().count(), clawaudit::reason::ReasonCode::ALL.len());
    assert!(text.lines().any(|l| l.starts_with("FLAG_NOT_APPLICABLE ")));
    clawaudit()
        .args(["explain", "NOT_A_CODE"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("explain --list"));
}

#[test]
fn completions_and_the_man_page_come_from_the_clap_definitions() {
    for (shell, marker) in [
        ("bash", "_clawaudit()"),
        ("zsh", "#compdef clawaudit"),
        ("fish", "complete -c clawaudit"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        clawaudit()
            .args(["completions", shell])
            .assert()
            .code(0)
            .stdout(predicate::str::contains(marker).and(predicate::str::contains("verify")));
    }
    clawaudit()
        .arg("man")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(".TH clawaudit 1").and(predicate::str::contains("verify")));
}

#[test]
fn version_names_the_package_version() {
    let out = clawaudit().arg("--version").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(&format!("clawaudit {}", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    // Built from a git checkout (as every test run here is), the commit is named.
    if Path::new(env!("CARGO_MANIFEST_DIR")).join(".git").exists() {
        assert!(text.contains("(commit "), "{text}");
    }
}

#[test]
fn seal_and_prove_take_out_like_every_producer() {
    for cmd in ["seal", "prove"] {
        let out = clawaudit().args([cmd, "--help"]).output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("-o, --out <"), "{cmd}: {help}");
    }
}

#[test]
fn a_fail_sentence_is_printed_once_and_many_subjects_name_their_failures() {
    let t = tempfile::tempdir().unwrap();
    let bad = vectors().join("clawsig/invalid");
    let mut bads: Vec<_> = std::fs::read_dir(&bad).unwrap().map(|e| e.unwrap().path()).collect();
    bads.sort();
    let bad_one = bads
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap()
        .clone();
    // 21 subjects: 20 good copies and one failing file.
    for i in 0..20 {
        std::fs::copy(good(), t.path().join(format!("good-{i:02}.json"))).unwrap();
    }
    let failing = t.path().join("z-bad.json");
    std::fs::copy(&bad_one, &failing).unwrap();
    let out = verify().arg(t.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    let summary = text.lines().last().unwrap();
    assert!(
        summary.starts_with("21 subject(s): 20 passed, 1 failed (verified at 2026-03-02T00:00:00.000Z); failed: "),
        "{summary}"
    );
    assert!(
        summary.ends_with(&format!("failed: {}", failing.display())),
        "{summary}"
    );
    // The FAIL's sentence appears on its subject line only.
    let fail_line = text.lines().find(|l| l.starts_with("FAIL ")).unwrap();
    let sentence = fail_line.split_once(": ").unwrap().1.trim_end_matches('.');
    let sentence = sentence.split(" [").next().unwrap();
    assert_eq!(text.matches(sentence).count(), 1, "{text}");
}

#[test]
fn the_licence_files_are_there_for_what_cargo_toml_declares() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("license = \"MIT OR Apache-2.0\""));
    let mit = std::fs::read_to_string(root.join("LICENSE-MIT")).unwrap();
    assert!(mit.contains("Permission is hereby granted, free of charge"));
    let apache = std::fs::read_to_string(root.join("LICENSE-APACHE")).unwrap();
    assert!(apache.contains("Apache License") && apache.contains("Version 2.0, January 2004"));
}

/// Run `clawaudit verify` on a terminal (util-linux `script` gives it a pty), with NO_COLOR
/// set to `no_color` or unset.
fn on_a_terminal(no_color: Option<&str>) -> String {
    let cmd = format!(
        "{} verify --at {AT} --trust {} {}",
        env!("CARGO_BIN_EXE_clawaudit"),
        vectors().join("trust/clawsig-config.json").display(),
        good().display()
    );
    let mut c = std::process::Command::new("script");
    c.args(["-qec", &cmd, "/dev/null"]).env_remove("NO_COLOR");
    if let Some(v) = no_color {
        c.env("NO_COLOR", v);
    }
    let out = c.output().expect("script (util-linux) gives the command a terminal");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn on_a_terminal_colour_is_on_unless_no_color_is_set_and_not_empty() {
    let green = "\x1b[32mPASS\x1b[0m";
    assert!(on_a_terminal(None).contains(green));
    assert!(on_a_terminal(Some("")).contains(green), "an empty NO_COLOR is ignored");
    assert!(!on_a_terminal(Some("1")).contains("\x1b["));
}
