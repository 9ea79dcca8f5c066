//! `clawaudit seal` and `clawaudit prove` from the command line: happy paths, the
//! reproducibility promise, and usage errors (exit 2).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use assert_cmd::Command;
use clawaudit::produce::keys::key_file_text;
use clawaudit::vectors::audit_sample::{self, SampleKeys};
use predicates::prelude::*;
use predicates::str::contains;

fn clawaudit() -> Command {
    Command::cargo_bin("clawaudit").unwrap()
}

/// Write the sample's artifacts below `dir/artifacts/…`, with the given mtime and mode.
fn write_artifacts(dir: &Path, mtime: SystemTime, mode: u32) {
    let keys = SampleKeys::new();
    for (path, bytes) in audit_sample::artifacts(&keys).unwrap() {
        let target = dir.join(&path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, bytes).unwrap();
        let f = std::fs::File::options().write(true).open(&target).unwrap();
        f.set_modified(mtime).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let _ = mode;
    }
}

/// `clawaudit seal <dir> --key <key>`, for the caller to finish.
fn seal_cmd(dir: &Path, key: &Path) -> Command {
    let mut cmd = clawaudit();
    cmd.arg("seal").arg(dir).arg("--key").arg(key);
    cmd
}

struct Fixture {
    tmp: tempfile::TempDir,
    key: PathBuf,
    trust: PathBuf,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let keys = SampleKeys::new();
    let key = tmp.path().join("sealer.key.json");
    std::fs::write(&key, key_file_text(&keys.sealer)).unwrap();
    let trust = tmp.path().join("trust.json");
    let e = |s: &clawaudit::clawsig::producer::Signer| serde_json::json!({"did": s.did()});
    let a = |s: &clawaudit::clawsig::producer::Signer, subject: &str| serde_json::json!({"did": s.did(), "subject": subject, "groups": ["change-board"]});
    let doc = serde_json::json!({
        "trust_version": "1",
        "sealers": [e(&keys.sealer)],
        "policy_issuers": [e(&keys.policy_issuer)],
        "token_issuers": [e(&keys.token_issuer)],
        "approvers": [a(&keys.alice, "alice@example.com"), a(&keys.bob, "bob@example.com")],
        "gateways": [e(&keys.gateway)],
    });
    std::fs::write(&trust, doc.to_string()).unwrap();
    Fixture { tmp, key, trust }
}

fn seal(fx: &Fixture, dir: &Path, out: &Path) -> assert_cmd::assert::Assert {
    let keys = SampleKeys::new();
    seal_cmd(dir, &fx.key)
        .args(["--job-id", audit_sample::JOB_ID, "--run-id", audit_sample::RUN_ID])
        .arg(format!("--agent-did={}", keys.agent.did()))
        .args(["--bundle-id=ab_sample", "--created-at", audit_sample::CREATED_AT, "-o"])
        .arg(out)
        .assert()
}

#[test]
fn seal_verify_prove_round_trip() {
    let fx = fixture();
    let dir = fx.tmp.path().join("run");
    write_artifacts(&dir, SystemTime::now(), 0o644);
    let out = fx.tmp.path().join("run.audit.zip");
    seal(&fx, &dir, &out).success().stdout(contains("sealed 9 artifacts"));
    let bytes = std::fs::read(&out).unwrap();
    // The CLI seals exactly what the library seals.
    assert_eq!(bytes, audit_sample::bundle(&SampleKeys::new()).unwrap());

    clawaudit()
        .arg("verify")
        .arg(&out)
        .arg("--trust")
        .arg(&fx.trust)
        .args(["--at", audit_sample::VERIFY_AT])
        .assert()
        .code(0)
        .stdout(contains("PASS"));

    let proof = fx.tmp.path().join("wpc.proof.json");
    clawaudit()
        .arg("prove")
        .arg(&out)
        .arg("artifacts/policy/wpc.json")
        .arg("-o")
        .arg(&proof)
        .assert()
        .success();
    let wpc = dir.join("artifacts/policy/wpc.json");
    clawaudit()
        .arg("verify")
        .arg(&proof)
        .arg("--artifact")
        .arg(&wpc)
        .arg("--trust")
        .arg(&fx.trust)
        .args(["--at", audit_sample::VERIFY_AT])
        .assert()
        .code(0);
    // Another file as the artifact: HASH_MISMATCH, exit 1.
    clawaudit()
        .arg("verify")
        .arg(&proof)
        .arg("--artifact")
        .arg(dir.join("artifacts/attachments/notes.txt"))
        .arg("--trust")
        .arg(&fx.trust)
        .args(["--at", audit_sample::VERIFY_AT, "--format", "json"])
        .assert()
        .code(1)
        .stdout(contains("\"HASH_MISMATCH\""));
    // Without trust, the sealer is not trusted: FAIL, never PASS.
    clawaudit()
        .arg("verify")
        .arg(&out)
        .args(["--at", audit_sample::VERIFY_AT, "--format", "json"])
        .assert()
        .code(1)
        .stdout(contains("\"SIGNER_NOT_TRUSTED\""));
}

#[test]
fn sealing_is_reproducible_across_mtimes_modes_and_locations() {
    let fx = fixture();
    let a = fx.tmp.path().join("first/place");
    let b = fx.tmp.path().join("second");
    write_artifacts(&a, SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000), 0o600);
    write_artifacts(&b, SystemTime::now(), 0o755);
    let (out_a, out_b) = (fx.tmp.path().join("a.zip"), fx.tmp.path().join("b.zip"));
    seal(&fx, &a, &out_a).success();
    seal(&fx, &b, &out_b).success();
    assert_eq!(std::fs::read(&out_a).unwrap(), std::fs::read(&out_b).unwrap());
}

#[test]
fn hostile_archive_is_exit_1() {
    let fx = fixture();
    let zip = fx.tmp.path().join("evil.zip");
    std::fs::write(&zip, b"PK\x03\x04 this is not really a zip").unwrap();
    clawaudit()
        .arg("verify")
        .arg(&zip)
        .arg("--trust")
        .arg(&fx.trust)
        .args(["--format", "json"])
        .assert()
        .code(1)
        .stdout(contains("\"CONTAINER_INVALID\""));
}

#[test]
fn seal_usage_errors_exit_2() {
    let fx = fixture();
    let dir = fx.tmp.path().join("run");
    write_artifacts(&dir, SystemTime::now(), 0o644);
    let out = fx.tmp.path().join("x.zip");
    // Missing --key, missing --job-id, missing -o.
    clawaudit()
        .arg("seal")
        .arg(&dir)
        .args(["--job-id", "j", "-o"])
        .arg(&out)
        .assert()
        .code(2);
    seal_cmd(&dir, &fx.key).arg("-o").arg(&out).assert().code(2);
    seal_cmd(&dir, &fx.key).args(["--job-id", "j"]).assert().code(2);
    // Directory without artifacts/.
    seal_cmd(&fx.tmp.path().join("nowhere"), &fx.key)
        .args(["--job-id", "j", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(contains("nowhere"));
    // Bad time, expiry before creation.
    seal_cmd(&dir, &fx.key)
        .args(["--job-id", "j", "--created-at", "yesterday", "-o"])
        .arg(&out)
        .assert()
        .code(2);
    seal_cmd(&dir, &fx.key)
        .args([
            "--job-id",
            "j",
            "--created-at",
            "2026-02-18T00:00:00Z",
            "--expires-at",
            "2026-02-17T00:00:00Z",
            "-o",
        ])
        .arg(&out)
        .assert()
        .code(2);
    // A key file that is not a key file.
    seal_cmd(&dir, &fx.trust)
        .args(["--job-id", "j", "-o"])
        .arg(&out)
        .assert()
        .code(2);
    // A file that is no artifact of spec 20 §2.
    std::fs::write(dir.join("artifacts/unknown.json"), b"{}").unwrap();
    seal_cmd(&dir, &fx.key)
        .args(["--job-id", "j", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(contains("artifacts/unknown.json"));
    assert!(!out.exists());
}

#[test]
fn prove_usage_errors_exit_2() {
    let fx = fixture();
    let bundle = fx.tmp.path().join("run.audit.zip");
    std::fs::write(&bundle, audit_sample::bundle(&SampleKeys::new()).unwrap()).unwrap();
    let out = fx.tmp.path().join("p.json");
    clawaudit()
        .arg("prove")
        .arg(&bundle)
        .arg("artifacts/attachments/none.txt")
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(contains("does not list"));
    clawaudit()
        .arg("prove")
        .arg(fx.tmp.path().join("missing.zip"))
        .arg("artifacts/policy/wpc.json")
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    clawaudit()
        .arg("prove")
        .arg(&fx.trust)
        .arg("artifacts/policy/wpc.json")
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(contains("CONTAINER_INVALID"));
    clawaudit()
        .arg("prove")
        .arg(&bundle)
        .arg("artifacts/policy/wpc.json")
        .assert()
        .code(2);
    assert!(!out.exists());
}

#[test]
fn seal_refuses_what_could_never_verify_and_force_seals_it_anyway() {
    let fx = fixture();
    let dir = fx.tmp.path().join("run");
    write_artifacts(&dir, SystemTime::now(), 0o644);
    // Two attachment paths equal ignoring case: the verifier refuses that container.
    let att = dir.join("artifacts/attachments");
    std::fs::create_dir_all(&att).unwrap();
    std::fs::write(att.join("notes.txt"), "a").unwrap();
    std::fs::write(att.join("NOTES.txt"), "b").unwrap();
    let out = fx.tmp.path().join("run.audit.zip");
    seal(&fx, &dir, &out)
        .code(2)
        .stderr(contains("could never verify").and(contains("CONTAINER_PATH_UNSAFE")));
    assert!(!out.exists(), "nothing is written");
    seal_cmd(&dir, &fx.key)
        .args([
            "--job-id",
            audit_sample::JOB_ID,
            "--created-at",
            audit_sample::CREATED_AT,
            "--force",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    clawaudit()
        .args(["verify", "--at", audit_sample::VERIFY_AT, "--trust"])
        .arg(&fx.trust)
        .arg(&out)
        .assert()
        .code(1)
        .stdout(contains("CONTAINER_PATH_UNSAFE"));
}

#[test]
fn seal_refuses_approvals_dated_after_created_at() {
    let fx = fixture();
    let dir = fx.tmp.path().join("run");
    write_artifacts(&dir, SystemTime::now(), 0o644);
    let out = fx.tmp.path().join("early.audit.zip");
    // A checkpoint a day before the approvals were given.
    seal_cmd(&dir, &fx.key)
        .args([
            "--job-id",
            audit_sample::JOB_ID,
            "--created-at",
            "2026-02-17T00:00:00Z",
            "-o",
        ])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(contains("artifacts/approvals/apr_alice.json is dated").and(contains("after --created-at")));
    assert!(!out.exists());
}

#[test]
fn seal_records_what_the_run_did_wrong() {
    // One approval of a two-person gate: the quorum is not met, and that is evidence.
    let fx = fixture();
    let dir = fx.tmp.path().join("run");
    write_artifacts(&dir, SystemTime::now(), 0o644);
    std::fs::remove_file(dir.join("artifacts/approvals/apr_bob.json")).unwrap();
    let out = fx.tmp.path().join("run.audit.zip");
    seal(&fx, &dir, &out).success();
    clawaudit()
        .args(["verify", "--at", audit_sample::VERIFY_AT, "--trust"])
        .arg(&fx.trust)
        .arg(&out)
        .assert()
        .code(1)
        .stdout(contains("APPROVAL_QUORUM_NOT_MET"));
}

#[test]
fn seal_and_prove_never_overwrite_without_force() {
    let fx = fixture();
    let dir = fx.tmp.path().join("run");
    write_artifacts(&dir, SystemTime::now(), 0o644);
    let out = fx.tmp.path().join("run.audit.zip");
    std::fs::write(&out, "precious").unwrap();
    seal(&fx, &dir, &out).code(2).stderr(contains("exists; give --force"));
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
    std::fs::remove_file(&out).unwrap();
    seal(&fx, &dir, &out).success();
    let proof = fx.tmp.path().join("wpc.proof.json");
    std::fs::write(&proof, "precious").unwrap();
    let prove = |force: bool| {
        let mut c = clawaudit();
        c.arg("prove")
            .arg(&out)
            .arg("artifacts/policy/wpc.json")
            .arg("-o")
            .arg(&proof);
        if force {
            c.arg("--force");
        }
        c.assert()
    };
    prove(false).code(2).stderr(contains("exists; give --force"));
    assert_eq!(std::fs::read(&proof).unwrap(), b"precious");
    prove(true).success();
    assert!(std::fs::read_to_string(&proof).unwrap().contains("\"proof_version\""));
}

#[test]
fn pins_pass_when_they_match_and_each_fails_with_its_own_code() {
    let keys = SampleKeys::new();
    let bundle = Path::new(env!("CARGO_MANIFEST_DIR")).join("testvectors/audit/valid/every-kind.audit.zip");
    let trust = Path::new(env!("CARGO_MANIFEST_DIR")).join("testvectors/audit/trust.json");
    let run = |pins: &[(&str, &str)]| {
        let mut c = clawaudit();
        c.args([
            "verify",
            "--at",
            audit_sample::VERIFY_AT,
            "--format",
            "jsonl",
            "--trust",
        ])
        .arg(&trust)
        .arg(&bundle);
        for (flag, value) in pins {
            c.arg(format!("--{flag}={value}"));
        }
        c.assert()
    };
    let (job, run_id, agent, sealer) = (
        audit_sample::JOB_ID,
        audit_sample::RUN_ID,
        keys.agent.did().to_string(),
        keys.sealer.did().to_string(),
    );
    run(&[
        ("expect-job", job),
        ("expect-run", run_id),
        ("expect-agent", &agent),
        ("expect-sealer", &sealer),
    ])
    .code(0)
    .stdout(contains("\"id\":\"pin.job\",\"status\":\"pass\""))
    .stdout(contains("\"id\":\"pin.sealer\",\"status\":\"pass\""));
    for (flag, code) in [
        ("expect-job", "JOB_PIN_MISMATCH"),
        ("expect-run", "RUN_PIN_MISMATCH"),
        ("expect-agent", "AGENT_PIN_MISMATCH"),
        ("expect-sealer", "SEALER_PIN_MISMATCH"),
    ] {
        run(&[(flag, "something-else")])
            .code(1)
            .stdout(contains(format!("\"reason_code\":\"{code}\"")));
    }
}

#[test]
fn agent_and_run_pins_apply_to_proof_bundles_and_job_pins_do_not() {
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("testvectors");
    let bundle = vectors.join("clawsig/valid/proof-bundle-minimal.json");
    let verify = |flag: &str| {
        let mut c = clawaudit();
        c.args(["verify", "--at", "2026-03-02T00:00:00Z", "--trust"])
            .arg(vectors.join("trust/clawsig-config.json"))
            .arg(&bundle)
            .arg(flag);
        c.assert()
    };
    verify("--expect-agent=did:key:z6MkNotTheAgent")
        .code(1)
        .stdout(contains("AGENT_PIN_MISMATCH"));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    let agent = doc["payload"]["agent_did"].as_str().unwrap();
    verify(&format!("--expect-agent={agent}")).code(0);
    verify("--expect-job=job-1")
        .code(2)
        .stderr(contains("--expect-job applies to audit-bundle subjects only"));
}
