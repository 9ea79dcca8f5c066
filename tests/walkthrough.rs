//! The README walk-through (examples/walkthrough/walkthrough.sh) runs end to end with this
//! build's binary and gives the results the README shows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::process::Command;

#[test]
fn readme_walkthrough_runs_as_documented() {
    let work = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/walkthrough/walkthrough.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg(work.path().join("w"))
        .env("CLAWAUDIT", env!("CARGO_BIN_EXE_clawaudit"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "walkthrough failed:\n{stdout}\n{stderr}");
    for expected in [
        "PASS audit-bundle run-42.audit.zip OK: The audit bundle verified",
        "FAIL audit-bundle tampered.audit.zip HASH_MISMATCH: artifacts/plans/stage_new_secret.json has",
        "failing check: manifest.files at artifacts/plans/stage_new_secret.json\n",
        "  hint: Recomputed hash differs from the claimed hash. The detail shows",
        "exit code 1",
        "PASS inclusion-proof appr-alice.proof.json OK",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}\n{stderr}"
        );
    }
}
