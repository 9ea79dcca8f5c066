//! `clawaudit verify` on hostile files: always exit 1 with a clear reason, never 0, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::io::Write;

use assert_cmd::Command;
use predicates::prelude::*;

fn verify(path: &std::path::Path) -> assert_cmd::assert::Assert {
    Command::cargo_bin("clawaudit")
        .unwrap()
        .args(["verify", "--at", "2026-03-02T00:00:00Z", "--format", "jsonl"])
        .arg(path)
        .assert()
}

fn file_with(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    f.write_all(bytes).unwrap();
    f.flush().unwrap();
    f
}

#[test]
fn random_bytes_fail_as_malformed_json() {
    // A fixed xorshift stream: arbitrary bytes, the same on every run.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let f = file_with(&bytes);
    verify(f.path())
        .code(1)
        .stdout(predicate::str::contains("\"reason_code\":\"MALFORMED_JSON\""))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn empty_file_fails_as_malformed_json() {
    let f = file_with(b"");
    verify(f.path())
        .code(1)
        .stdout(predicate::str::contains("\"reason_code\":\"MALFORMED_JSON\""));
}

#[test]
fn deeply_nested_json_fails_without_overflowing_the_stack() {
    let mut text = "[".repeat(1_000_000);
    text.push_str(&"]".repeat(1_000_000));
    let f = file_with(text.as_bytes());
    verify(f.path())
        .code(1)
        .stdout(predicate::str::contains("\"reason_code\":\"MALFORMED_JSON\""))
        .stdout(predicate::str::contains("nest"));
}

#[test]
fn a_200_megabyte_file_fails_as_input_too_large() {
    let mut f = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    let chunk = vec![b' '; 1 << 20];
    f.write_all(b"{\"a\":\"").unwrap();
    for _ in 0..200 {
        f.write_all(&chunk).unwrap();
    }
    f.write_all(b"\"}").unwrap();
    f.flush().unwrap();
    // The real size (6 + 200 MiB + 2 bytes), not the limit plus one.
    verify(f.path())
        .code(1)
        .stdout(predicate::str::contains("\"reason_code\":\"INPUT_TOO_LARGE\""))
        .stdout(predicate::str::contains(
            "input is 209715208 bytes, more than the limit of 67108864 bytes",
        ));
}

#[test]
fn an_oversized_input_is_reported_with_its_real_size() {
    let f = file_with(&[b' '; 100]);
    Command::cargo_bin("clawaudit")
        .unwrap()
        .args(["verify", "--format", "jsonl", "--max-input-bytes", "10"])
        .arg(f.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"reason_code\":\"INPUT_TOO_LARGE\""))
        .stdout(predicate::str::contains(
            "input is 100 bytes, more than the limit of 10 bytes",
        ));
}

#[test]
fn unrecognised_json_is_fail_not_skipped() {
    let f = file_with(br#"{"hello":"world"}"#);
    verify(f.path())
        .code(1)
        .stdout(predicate::str::contains("\"reason_code\":\"UNKNOWN_ENVELOPE_TYPE\""));
}

#[test]
fn usage_errors_exit_2() {
    Command::cargo_bin("clawaudit")
        .unwrap()
        .args(["verify", "--at", "yesterday", "x.json"])
        .assert()
        .code(2);
    Command::cargo_bin("clawaudit")
        .unwrap()
        .args(["verify", "/nonexistent/path.json"])
        .assert()
        .code(2);
    Command::cargo_bin("clawaudit")
        .unwrap()
        .args(["verify", "--kind", "no-such-kind", "x.json"])
        .assert()
        .code(2);
    Command::cargo_bin("clawaudit")
        .unwrap()
        .arg("frobnicate")
        .assert()
        .code(2);
}

#[test]
fn json_report_has_the_documented_shape() {
    let f = file_with(b"");
    let out = Command::cargo_bin("clawaudit")
        .unwrap()
        .args(["verify", "--at", "2026-03-02T00:00:00Z", "--format", "json"])
        .arg(f.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["report_version"], "1");
    assert_eq!(v["status"], "FAIL");
    assert_eq!(v["at"], "2026-03-02T00:00:00.000Z");
    let s = &v["subjects"][0];
    for key in ["path", "kind", "status", "reason_code", "reason", "checks"] {
        assert!(s.get(key).is_some(), "missing {key}: {s}");
    }
    let check = &s["checks"][0];
    for key in ["id", "status", "reason_code", "detail"] {
        assert!(check.get(key).is_some(), "missing {key}: {check}");
    }
}
