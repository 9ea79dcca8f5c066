//! `clawaudit simulate rotation` end to end: outputs, exit codes, usage errors (exit 2,
//! nothing written), `--seal-key`, and, for every shipped fixture, `verify` of the sealed
//! run agreeing with the simulation (outcome and first code).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly is the point

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use clawaudit::crypto::{b64u_encode, sha256};
use clawaudit::vectors::audit_sample::SampleKeys;

const TRUST: &str = "testvectors/rotation/trust.json";
const AT: &str = "2026-03-02T12:00:00Z";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testvectors/rotation")
        .join(name)
}

fn simulate(name: &str, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("clawaudit")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["simulate", "rotation"])
        .arg(fixture(name))
        .args(["--trust", TRUST, "--at", AT, "--out"])
        .arg(out)
        .args(extra)
        .assert()
}

fn code(a: &assert_cmd::assert::Assert) -> i32 {
    a.get_output().status.code().unwrap()
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stdout.clone()).unwrap()
}

/// The vectors' sealer key as a key file (its seed is derived from a public label).
fn sealer_key(dir: &Path) -> PathBuf {
    let keys = SampleKeys::new();
    let seed = sha256(b"clawaudit test seed:audit sample sealer");
    let text = serde_json::json!({"key_version": "1", "did": keys.sealer.did(), "secret_key_b64u": b64u_encode(&seed)});
    let path = dir.join("sealer.key.json");
    std::fs::write(&path, text.to_string()).unwrap();
    path
}

#[test]
fn a_complete_run_writes_every_output_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let a = simulate("complete", &out, &[]);
    assert_eq!(code(&a), 0);
    assert_eq!(
        stdout(&a),
        "outcome: complete (22 events, 0 violations; gate report: GO)\n"
    );
    let steps = std::fs::read_to_string(out.join("steps.ndjson")).unwrap();
    assert_eq!(steps.lines().count(), 22);
    let first: serde_json::Value = serde_json::from_str(steps.lines().next().unwrap()).unwrap();
    assert_eq!(first["type"], "phase_start");
    assert_eq!(first["rollback"]["action"], "nothing to roll back");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["outcome"], "complete");
    assert_eq!(summary["first_violation"], serde_json::Value::Null);
    assert_eq!(
        summary["phases"][1]["gate"]["counted"],
        serde_json::json!(["apr_stage_alice", "apr_stage_bob"])
    );
    let gate: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("gate-report.json")).unwrap()).unwrap();
    assert_eq!(gate["recommendation"], "GO");
    assert!(gate["note"].as_str().unwrap().contains("does not replace a human GO"));
    assert!(std::fs::read_to_string(out.join("gate-report.md"))
        .unwrap()
        .contains("**Recommendation: GO**"));
    assert!(!out.join("matrix.json").exists());
}

#[test]
fn exit_codes_follow_the_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    assert_eq!(code(&simulate("halted-safe-partial-rollout", &out, &[])), 0);
    assert_eq!(
        code(&simulate("halted-safe-partial-rollout", &out, &["--require-complete"])),
        1
    );
    assert_eq!(code(&simulate("complete", &out, &["--require-complete"])), 0);
    assert_eq!(code(&simulate("incomplete-canary-unverified", &out, &[])), 1);
    let a = simulate("no-rollback", &out, &[]);
    assert_eq!(code(&a), 1);
    assert!(
        stdout(&a).starts_with("seq   14  ROTATION_NO_ROLLBACK  "),
        "{}",
        stdout(&a)
    );
    let a = simulate("no-rollback", &out, &["--format", "json"]);
    let summary: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    assert_eq!(summary["first_violation"]["code"], "ROTATION_NO_ROLLBACK");
    assert_eq!(summary["first_violation"]["seq"], 14);
}

#[test]
fn inject_says_the_facts_are_simulated_and_matrix_lists_what_was_not_caught() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let a = simulate("complete", &out, &["--inject", "drop_approval@apr_stage_bob"]);
    assert_eq!(code(&a), 1);
    let text = stdout(&a);
    assert!(
        text.starts_with("what-if run with drop_approval@apr_stage_bob: injected facts are simulated, not signed"),
        "{text}"
    );
    assert!(text.contains("seq    7  ROTATION_GATE_NOT_SATISFIED"), "{text}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary["injected"]["faults"],
        serde_json::json!(["drop_approval@apr_stage_bob"])
    );
    let a = simulate("complete", &out, &["--matrix"]);
    assert_eq!(code(&a), 0, "the exit code is the run's without faults");
    assert!(
        stdout(&a).ends_with("matrix: 14 of 15 faults caught\n  not caught: health_fail@4 (outcome complete)\n"),
        "{}",
        stdout(&a)
    );
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("matrix.json")).unwrap()).unwrap();
    assert_eq!((m["caught"].as_u64(), m["total"].as_u64()), (Some(14), Some(15)));
}

#[test]
fn usage_errors_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    for extra in [
        &["--inject", "nope@1"][..],
        &["--inject", "health_fail"],
        &["--format", "yaml"],
        &["--seal-key", "missing.key.json"],
    ] {
        let a = simulate("complete", &out, extra);
        assert_eq!(code(&a), 2, "{extra:?}");
        assert!(!out.exists(), "{extra:?} wrote {}", out.display());
    }
    let key = sealer_key(dir.path());
    let a = simulate(
        "complete",
        &out,
        &["--inject", "health_fail@10", "--seal-key", key.to_str().unwrap()],
    );
    assert_eq!(code(&a), 2);
    assert!(!out.exists());
    let a = simulate("no-such-fixture", &out, &[]);
    assert_eq!(code(&a), 2);
    assert!(!out.exists());
    // OUT_DIR under a regular file cannot be created.
    let file = dir.path().join("plain");
    std::fs::write(&file, b"x").unwrap();
    let a = simulate("complete", &file.join("out"), &[]);
    assert_eq!(code(&a), 2);
}

fn verify(bundle: &Path) -> (i32, serde_json::Value) {
    let a = Command::cargo_bin("clawaudit")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("verify")
        .arg(bundle)
        .args(["--trust", TRUST, "--at", AT, "--format", "json"])
        .assert();
    let v: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
    (code(&a), v)
}

/// Issue 8's "done when": for every shipped fixture, the simulation and `verify` of the same
/// run sealed agree on the outcome and the first code.
#[test]
fn every_shipped_fixture_simulates_and_verifies_alike() {
    let dir = tempfile::tempdir().unwrap();
    let key = sealer_key(dir.path());
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("testvectors/manifest.json")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for v in manifest["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["kind"] == "rotation")
    {
        let name = v["name"].as_str().unwrap();
        let out = dir.path().join(name);
        let a = simulate(name, &out, &["--seal-key", key.to_str().unwrap(), "--format", "json"]);
        let summary: serde_json::Value = serde_json::from_str(&stdout(&a)).unwrap();
        assert_eq!(summary["outcome"], v["expected"]["outcome"], "{name}");
        let (verify_code, report) = verify(&out.join("run.audit.zip"));
        let subject = &report["subjects"][0];
        let sim_code = summary["first_violation"]["code"].as_str().unwrap_or("OK");
        if v["expected"]["reason_code"] == sim_code {
            assert_eq!(subject["reason_code"], sim_code, "{name}: {subject}");
            let violated = summary["outcome"] == "violated";
            assert_eq!(verify_code, i32::from(violated), "{name}");
        } else {
            // Issue 10: a WPC statement denies what the rotation rules allow. `verify`
            // evaluates the statements after the judge; `simulate rotation` judges spec 30 only.
            assert_eq!(
                (sim_code, summary["outcome"].as_str()),
                ("OK", Some("complete")),
                "{name}"
            );
            assert_eq!(v["expected"]["reason_code"], "POLICY_DENIED", "{name}");
            assert_eq!(subject["reason_code"], "POLICY_DENIED", "{name}: {subject}");
            assert_eq!(verify_code, 1, "{name}");
        }
        // Simulation exit: 0 for complete and halted_safe, 1 otherwise.
        let sim_exit = i32::from(!matches!(summary["outcome"].as_str(), Some("complete" | "halted_safe")));
        assert_eq!(code(&a), sim_exit, "{name}");
        checked += 1;
    }
    assert_eq!(checked, 25);
}

/// Spec 30 §2: `policy sign` refuses a policy whose rotation rules are invalid (exit 2,
/// nothing written), and signs the valid runbook policy.
#[test]
fn policy_sign_refuses_invalid_rotation_rules() {
    let dir = tempfile::tempdir().unwrap();
    let keys = SampleKeys::new();
    let seed = sha256(b"clawaudit test seed:audit sample policy issuer");
    let key = dir.path().join("issuer.key.json");
    let key_text =
        serde_json::json!({"key_version": "1", "did": keys.policy_issuer.did(), "secret_key_b64u": b64u_encode(&seed)});
    std::fs::write(&key, key_text.to_string()).unwrap();
    let good = clawaudit::vectors::rotation_sample::policy_payload(&keys.policy_issuer);
    let good: serde_json::Value = serde_json::from_str(&clawaudit::json::jcs::to_string(&good)).unwrap();
    let sign = |payload: &serde_json::Value, name: &str| {
        let input = dir.path().join(format!("{name}.payload.json"));
        std::fs::write(&input, payload.to_string()).unwrap();
        let out = dir.path().join(format!("{name}.wpc.json"));
        let a = Command::cargo_bin("clawaudit")
            .unwrap()
            .args(["policy", "sign"])
            .arg(&input)
            .arg("--key")
            .arg(&key)
            .args(["--issued-at", "2026-03-01T12:00:00Z", "-o"])
            .arg(&out)
            .assert();
        (
            code(&a),
            out.exists(),
            String::from_utf8(a.get_output().stderr.clone()).unwrap(),
        )
    };
    assert_eq!(sign(&good, "good").0, 0);
    let mut bad = good.clone();
    bad["metadata"]["clawaudit"]["phases"][1]["gate"] = serde_json::json!("no_such_gate");
    let (code, written, stderr) = sign(&bad, "bad-gate");
    assert_eq!((code, written), (2, false));
    assert!(stderr.contains("approval_gates does not declare"), "{stderr}");
    let mut bad = good.clone();
    bad["metadata"]["clawaudit"]["rotation_rules"]["no_overlap_secrets"] = serde_json::json!(["secret://not/a/target"]);
    assert_eq!(sign(&bad, "bad-overlap").0, 2);
}

/// A sealed `.audit.zip` is a fixture too; an archive that cannot be read is a FAIL (exit 1).
#[test]
fn a_sealed_bundle_is_a_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let key = sealer_key(dir.path());
    let first = dir.path().join("first");
    assert_eq!(
        code(&simulate("no-rollback", &first, &["--seal-key", key.to_str().unwrap()])),
        1
    );
    let again = dir.path().join("again");
    let a = Command::cargo_bin("clawaudit")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["simulate", "rotation"])
        .arg(first.join("run.audit.zip"))
        .args(["--trust", TRUST, "--at", AT, "--out"])
        .arg(&again)
        .assert();
    assert_eq!(code(&a), 1);
    assert_eq!(
        std::fs::read(first.join("steps.ndjson")).unwrap(),
        std::fs::read(again.join("steps.ndjson")).unwrap()
    );
    let junk = dir.path().join("junk.audit.zip");
    std::fs::write(&junk, b"PK\x03\x04 not really").unwrap();
    let a = Command::cargo_bin("clawaudit")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["simulate", "rotation"])
        .arg(&junk)
        .args(["--trust", TRUST, "--at", AT, "--out"])
        .arg(dir.path().join("junk-out"))
        .assert();
    assert_eq!(code(&a), 1);
    assert!(stdout(&a).contains("ROTATION_FIXTURE_INVALID"), "{}", stdout(&a));
}

/// `clawaudit seal` takes a rotation fixture's job id from its scenario.
#[test]
fn seal_reads_the_job_id_from_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let key = sealer_key(dir.path());
    let bundle = dir.path().join("run.audit.zip");
    let a = Command::cargo_bin("clawaudit")
        .unwrap()
        .arg("seal")
        .arg(fixture("complete"))
        .arg("--key")
        .arg(&key)
        .args(["--created-at", "2026-03-02T10:35:00Z", "-o"])
        .arg(&bundle)
        .assert();
    assert_eq!(code(&a), 0, "{}", String::from_utf8_lossy(&a.get_output().stderr));
    let (exit, report) = verify(&bundle);
    assert_eq!(exit, 0, "{report}");
    let subject = &report["subjects"][0];
    assert_eq!(subject["reason_code"], "OK");
    assert!(
        subject.to_string().contains("job-rotate-stripe-2026-03-02"),
        "{subject}"
    );
}
