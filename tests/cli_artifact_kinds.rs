//! Every artifact clawaudit produces verifies on its own: a policy, a token, a plan, an
//! approval and a gateway receipt, made with the producer subcommands exactly as the README
//! walk-through makes them (examples/walkthrough), are detected by content, PASS against the
//! walk-through's trust file, and FAIL with the code and check id the sealed-bundle path gives
//! the same artifact: an untrusted signer, a changed payload byte, a bad compact token form,
//! a plan that breaks the plan format. What needs the rest of a bundle is listed as
//! "not checked".

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use clawaudit::audit::container::{read_container, ContainerLimits};
use clawaudit::crypto::{b64u_decode, b64u_encode, sha256_b64u};
use clawaudit::produce::seal::write_zip;
use serde_json::Value;

const AT: &str = "2026-03-01T12:00:00Z";

fn clawaudit() -> Command {
    Command::cargo_bin("clawaudit").unwrap()
}

/// Input templates (`@ISSUER@`, … for the DIDs), the same inputs as the README walk-through.
fn walkthrough() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/artifacts")
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn keygen(dir: &Path, name: &str) -> String {
    let path = dir.join(format!("{name}.key.json"));
    let out = clawaudit().arg("keygen").arg("-o").arg(&path).assert().success();
    String::from_utf8(out.get_output().stdout.clone())
        .unwrap()
        .trim_end()
        .to_string()
}

/// The walk-through's run directory (`run/artifacts/…`), its keys and its trust file.
struct Run {
    dir: tempfile::TempDir,
    /// `@ISSUER@` … of the walk-through templates, by placeholder name.
    dids: Vec<(&'static str, String)>,
    policy_hash: String,
}

/// Each artifact kind, its path below the run directory and its sentence noun.
const ARTIFACTS: [(&str, &str, &str); 5] = [
    ("policy", "artifacts/policy/wpc.json", "policy"),
    ("token", "artifacts/token/cst.jwt", "token"),
    ("plan", "artifacts/plans/stage_new_secret.json", "plan"),
    ("approval", "artifacts/approvals/appr-alice.json", "approval"),
    (
        "gateway-receipt",
        "artifacts/receipts/rcpt-0001.json",
        "gateway receipt",
    ),
];

impl Run {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn artifact(&self, rel: &str) -> PathBuf {
        self.path(&format!("run/{rel}"))
    }

    /// Where a producer writes the artifact `rel` (its directory made).
    fn output(&self, rel: &str) -> PathBuf {
        let path = self.artifact(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        path
    }

    fn key(&self, name: &str) -> PathBuf {
        self.path(&format!("{name}.key.json"))
    }

    fn did(&self, placeholder: &str) -> &str {
        &self.dids.iter().find(|(p, _)| *p == placeholder).unwrap().1
    }

    /// A walk-through template with its placeholders filled (`fill` of walkthrough.sh).
    fn fill(&self, template: &str, out: &str) -> PathBuf {
        let mut text = std::fs::read_to_string(walkthrough().join(template)).unwrap();
        for (placeholder, did) in &self.dids {
            text = text.replace(&format!("@{placeholder}@"), did);
        }
        let path = self.path(out);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// A trust file like the walk-through's, with `role`'s DIDs replaced by a stranger's.
    fn trust_without(&self, placeholder: &str) -> PathBuf {
        let stranger = keygen(self.dir.path(), &format!("stranger-{placeholder}"));
        let mut text = std::fs::read_to_string(self.path("trust.json")).unwrap();
        text = text.replace(self.did(placeholder), &stranger);
        let path = self.path(&format!("trust-without-{placeholder}.json"));
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// Steps 1–4 of examples/walkthrough/walkthrough.sh: keys, trust file, policy, token, plan,
/// Alice's approval and a gateway receipt.
fn produce() -> Run {
    let dir = tempfile::tempdir().unwrap();
    let mut dids = Vec::new();
    for (placeholder, name) in [
        ("SEALER", "sealer"),
        ("ISSUER", "policy-issuer"),
        ("TOKENS", "token-issuer"),
        ("ALICE", "alice"),
        ("BOB", "bob"),
        ("GATEWAY", "gateway"),
        ("AGENT", "agent"),
    ] {
        dids.push((placeholder, keygen(dir.path(), name)));
    }
    let mut run = Run {
        dir,
        dids,
        policy_hash: String::new(),
    };
    run.fill("trust.template.json", "trust.json");
    let payload = run.fill("wpc-payload.template.json", "wpc-payload.json");
    let policy = run.output("artifacts/policy/wpc.json");
    clawaudit()
        .args(["policy", "sign"])
        .arg(&payload)
        .arg("--key")
        .arg(run.key("policy-issuer"))
        .args(["--issued-at", "2026-03-01T10:00:00Z", "-o"])
        .arg(&policy)
        .assert()
        .success();
    run.policy_hash = stdout_of(clawaudit().args(["policy", "hash"]).arg(&policy))
        .trim_end()
        .to_string();
    let claims = run.fill("claims.template.json", "claims.json");
    let token = run.output("artifacts/token/cst.jwt");
    clawaudit()
        .args(["token", "mint", "--key"])
        .arg(run.key("token-issuer"))
        .arg("--claims")
        .arg(&claims)
        .arg("--policy")
        .arg(&policy)
        .args(["--iat", "2026-03-01T11:00:00Z", "--ttl", "900", "-o"])
        .arg(&token)
        .assert()
        .success();
    let plan = run.fill("plan.template.json", "run/artifacts/plans/stage_new_secret.json");
    let approval = run.output("artifacts/approvals/appr-alice.json");
    clawaudit()
        .args(["approve", "--plan"])
        .arg(&plan)
        .arg("--policy")
        .arg(&policy)
        .arg("--key")
        .arg(run.key("alice"))
        .args(["--subject", "alice@example.com", "--agent-did", run.did("AGENT")])
        .args(["--decision", "approve", "--receipt-id", "appr-alice"])
        .args(["--timestamp", "2026-03-01T11:02:00Z", "--method", "cli-confirm", "-o"])
        .arg(&approval)
        .assert()
        .success();
    let receipt = run.output("artifacts/receipts/rcpt-0001.json");
    clawaudit()
        .args(["receipt", "sign"])
        .arg(walkthrough().join("receipt-payload.json"))
        .arg("--key")
        .arg(run.key("gateway"))
        .arg("--policy")
        .arg(&policy)
        .arg("--token")
        .arg(&token)
        .arg("-o")
        .arg(&receipt)
        .assert()
        .success();
    run
}

/// `clawaudit verify FILE --trust TRUST --at AT --format json [extra]`: the exit code and the
/// one subject.
fn verify_json(file: &Path, trust: &Path, extra: &[&str]) -> (i32, Value) {
    let out = clawaudit()
        .arg("verify")
        .arg(file)
        .arg("--trust")
        .arg(trust)
        .args(["--at", AT, "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    (out.status.code().unwrap(), doc["subjects"][0].clone())
}

/// The first failing check of a subject: (id, reason code).
fn first_failure(subject: &Value) -> (String, String) {
    let check = subject["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "fail")
        .unwrap_or_else(|| panic!("no failing check in {subject:#}"));
    (
        check["id"].as_str().unwrap().to_string(),
        check["reason_code"].as_str().unwrap().to_string(),
    )
}

/// The artifacts of `run/` sealed as in step 5 of the walk-through.
fn seal(run: &Run) -> Vec<u8> {
    let zip = run.path("run.audit.zip");
    clawaudit()
        .arg("seal")
        .arg(run.path("run"))
        .arg("--key")
        .arg(run.key("sealer"))
        .args([
            "--job-id",
            "job-42",
            "--run-id",
            "run_42",
            "--agent-did",
            run.did("AGENT"),
        ])
        .args(["--bundle-id", "bundle-42", "--created-at", "2026-03-01T11:20:00Z", "-o"])
        .arg(&zip)
        .assert()
        .success();
    std::fs::read(&zip).unwrap()
}

/// `bundle` with the entries `rels` replaced by the files of `run/` as they are now: changed
/// after sealing, as in step 6 of the walk-through.
fn with_files_of(run: &Run, bundle: &[u8], rels: &[&str]) -> Vec<u8> {
    let container = read_container(bundle, &ContainerLimits::default()).unwrap();
    let files: Vec<(String, Vec<u8>)> = container
        .names()
        .map(|name| {
            let bytes = match rels.contains(&name) {
                true => std::fs::read(run.artifact(name)).unwrap(),
                false => container.get(name).unwrap().to_vec(),
            };
            (name.to_string(), bytes)
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    write_zip(&refs).unwrap()
}

/// `bundle` verified against `trust`: the first failing check at the entry `entry` that is
/// not the manifest's (a file changed after sealing fails `manifest.files` first, then the
/// checks of its own step): (id, reason code).
fn bundle_failure(run: &Run, bundle: &[u8], trust: &Path, entry: &str) -> (String, String) {
    let zip = run.path("check.audit.zip");
    std::fs::write(&zip, bundle).unwrap();
    let (code, subject) = verify_json(&zip, trust, &[]);
    assert_eq!(code, 1, "{subject:#}");
    let check = subject["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["status"] == "fail" && c["artifact"] == entry && !c["id"].as_str().unwrap().starts_with("manifest.")
        })
        .unwrap_or_else(|| panic!("no failing check at {entry} in {subject:#}"));
    (
        check["id"].as_str().unwrap().to_string(),
        check["reason_code"].as_str().unwrap().to_string(),
    )
}

/// The first failing check of `subject` (the file `rel` of `run/` verified on its own) is the
/// one the sealed-bundle path gives that file in place of its sealed copy.
fn assert_fails_as_sealed(run: &Run, sealed: &[u8], trust: &Path, rel: &str, subject: &Value) {
    let bundle = with_files_of(run, sealed, &[rel]);
    assert_eq!(
        first_failure(subject),
        bundle_failure(run, &bundle, trust, rel),
        "{rel}"
    );
}

#[test]
fn each_produced_artifact_is_detected_and_passes_on_its_own() {
    let run = produce();
    let trust = run.path("trust.json");
    for (kind, rel, noun) in ARTIFACTS {
        let file = run.artifact(rel);
        let out = clawaudit()
            .arg("verify")
            .arg(&file)
            .arg("--trust")
            .arg(&trust)
            .args(["--at", AT])
            .assert()
            .code(0);
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        let head = format!("PASS {kind} {} OK: The {noun} verified: ", file.display());
        assert!(text.starts_with(&head), "{head:?} in:\n{text}");
        // Forcing the kind gives the same report.
        let forced = stdout_of(
            clawaudit()
                .arg("verify")
                .arg(&file)
                .arg("--trust")
                .arg(&trust)
                .args(["--at", AT, "--kind", kind]),
        );
        assert_eq!(forced, text, "{kind}");
        let (code, subject) = verify_json(&file, &trust, &[]);
        assert_eq!((code, subject["kind"].as_str()), (0, Some(kind)), "{subject:#}");
        // Nothing that needs the rest of a bundle passes: each kind lists what it did not check.
        assert!(
            subject["checks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["status"] == "skip"),
            "{subject:#}"
        );
    }
    // The policy's hash is the one `clawaudit policy hash` prints.
    let (_, policy) = verify_json(&run.artifact("artifacts/policy/wpc.json"), &trust, &[]);
    assert_eq!(policy["facts"]["policy_hash_b64u"], run.policy_hash.as_str());
}

#[test]
fn an_untrusted_signer_fails_as_in_a_sealed_bundle() {
    let run = produce();
    let sealed = seal(&run);
    // Each artifact with the trust file that lacks its signer, and the code that gives.
    for (rel, placeholder, code) in [
        ("artifacts/policy/wpc.json", "ISSUER", "SIGNER_NOT_TRUSTED"),
        ("artifacts/approvals/appr-alice.json", "ALICE", "SIGNER_NOT_TRUSTED"),
        ("artifacts/token/cst.jwt", "TOKENS", "TOKEN_UNKNOWN_KID"),
        ("artifacts/receipts/rcpt-0001.json", "GATEWAY", "CLAIM_NOT_FOUND"),
    ] {
        let trust = run.trust_without(placeholder);
        let (exit, subject) = verify_json(&run.artifact(rel), &trust, &[]);
        assert_eq!(exit, 1, "{subject:#}");
        assert_eq!(subject["reason_code"], code, "{rel}: {subject:#}");
        assert_fails_as_sealed(&run, &sealed, &trust, rel, &subject);
    }
}

/// Replace the first `from` in the file at `path` by `to` (same length: one byte changed).
fn change_byte(path: &Path, from: &str, to: &str) {
    assert_eq!(from.len(), to.len());
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_changed_payload_byte_fails_as_in_a_sealed_bundle() {
    let run = produce();
    let trust = run.path("trust.json");
    let sealed = seal(&run);
    change_byte(
        &run.artifact("artifacts/policy/wpc.json"),
        "pol_rotate_stripe_key",
        "pol_rotate_stripe_kez",
    );
    change_byte(
        &run.artifact("artifacts/approvals/appr-alice.json"),
        "alice@example.com",
        "alicf@example.com",
    );
    change_byte(
        &run.artifact("artifacts/receipts/rcpt-0001.json"),
        "claude-sonnet",
        "claude-sonneu",
    );
    // The token's claims, re-encoded with one byte of `sub` changed; header and signature kept.
    let token = run.artifact("artifacts/token/cst.jwt");
    let jws = std::fs::read_to_string(&token).unwrap();
    let parts: Vec<&str> = jws.trim_end().split('.').collect();
    let claims = String::from_utf8(b64u_decode(parts[1]).unwrap()).unwrap();
    assert!(claims.contains("agent:secret-rotator"), "{claims}");
    let edited = b64u_encode(
        claims
            .replace("agent:secret-rotator", "agent:secret-rotatos")
            .as_bytes(),
    );
    std::fs::write(&token, format!("{}.{edited}.{}\n", parts[0], parts[2])).unwrap();

    for (rel, id, code) in [
        ("artifacts/policy/wpc.json", "policy.hash", "HASH_MISMATCH"),
        ("artifacts/approvals/appr-alice.json", "approval.hash", "HASH_MISMATCH"),
        (
            "artifacts/receipts/rcpt-0001.json",
            "gateway_receipt.payload_hash",
            "HASH_MISMATCH",
        ),
        ("artifacts/token/cst.jwt", "token.signature", "SIGNATURE_INVALID"),
    ] {
        let (exit, subject) = verify_json(&run.artifact(rel), &trust, &[]);
        assert_eq!(exit, 1, "{subject:#}");
        assert_eq!(first_failure(&subject), (id.to_string(), code.to_string()), "{rel}");
        assert_fails_as_sealed(&run, &sealed, &trust, rel, &subject);
    }
}

#[test]
fn a_token_that_is_not_a_compact_jws_is_token_malformed() {
    let run = produce();
    let trust = run.path("trust.json");
    let sealed = seal(&run);
    let token = run.artifact("artifacts/token/cst.jwt");
    let jws = std::fs::read_to_string(&token).unwrap();
    let malformed = |subject: &Value| {
        assert_eq!(subject["kind"], "token", "{subject:#}");
        assert_eq!(
            first_failure(subject),
            ("token.format".to_string(), "TOKEN_MALFORMED".to_string())
        );
    };
    // Three base64url parts whose header is not JSON, in a file not named *.jwt: detected by
    // its content.
    let odd = run.path("odd.txt");
    std::fs::write(&odd, "bm90IGpzb24.e30.c2ln\n").unwrap();
    malformed(&verify_json(&odd, &trust, &[]).1);
    // A JSON file forced to be a token.
    malformed(&verify_json(&run.artifact("artifacts/policy/wpc.json"), &trust, &["--kind", "token"]).1);
    // The token without its signature: a *.jwt is a token whatever its content.
    let (head, _) = jws.trim_end().rsplit_once('.').unwrap();
    std::fs::write(&token, head).unwrap();
    let (exit, subject) = verify_json(&token, &trust, &[]);
    assert_eq!(exit, 1);
    malformed(&subject);
    assert_fails_as_sealed(&run, &sealed, &trust, "artifacts/token/cst.jwt", &subject);
}

#[test]
fn a_plan_is_hash_only() {
    let run = produce();
    let trust = run.path("trust.json");
    let sealed = seal(&run);
    let plan = run.artifact("artifacts/plans/stage_new_secret.json");
    // JCS of the plan written by hand: keys in code-unit order, no whitespace.
    let jcs = format!(
        concat!(
            r#"{{"backout":{{"action":"redeploy v7 to every consumer; v7 stays valid until revoke"}},"#,
            r#""change_set":{{"consumers":["payments-api","billing-worker"],"new_version":"v8","secret":"secret://prod/payments/stripe_api_key"}},"#,
            r#""gate_id":"stage_new_secret","job_id":"job-42","plan_version":"1","requested_by":"{}","#,
            r#""summary":"Create stripe_api_key v8 and roll it out: payments-api canary first"}}"#
        ),
        run.did("AGENT")
    );
    let expected = sha256_b64u(jcs.as_bytes());
    let (exit, subject) = verify_json(&plan, &trust, &[]);
    assert_eq!((exit, subject["kind"].as_str()), (0, Some("plan")), "{subject:#}");
    let checks = subject["checks"].as_array().unwrap();
    let passed: Vec<&Value> = checks.iter().filter(|c| c["status"] == "pass").collect();
    assert_eq!(passed.len(), 1, "{subject:#}");
    assert_eq!(passed[0]["id"], "gate.plan");
    let detail = passed[0]["detail"].as_str().unwrap();
    assert!(detail.ends_with(&format!("it hashes (JCS) to {expected}")), "{detail}");
    // The approval names the same hash.
    let approval: Value =
        serde_json::from_slice(&std::fs::read(run.artifact("artifacts/approvals/appr-alice.json")).unwrap()).unwrap();
    assert_eq!(approval["payload"]["plan_hash_b64u"], expected.as_str());
    // No trust is needed for a plan: nothing signs it.
    clawaudit()
        .arg("verify")
        .arg(&plan)
        .args(["--at", AT])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("PASS plan "));

    // A plan without its backout breaks the plan format, as in a bundle.
    let mut value: Value = serde_json::from_slice(&std::fs::read(&plan).unwrap()).unwrap();
    value.as_object_mut().unwrap().remove("backout");
    std::fs::write(&plan, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
    let (exit, subject) = verify_json(&plan, &trust, &[]);
    assert_eq!(exit, 1);
    assert_eq!(
        first_failure(&subject),
        ("gate.plan".to_string(), "SCHEMA_VALIDATION_FAILED".to_string())
    );
    assert_fails_as_sealed(&run, &sealed, &trust, "artifacts/plans/stage_new_secret.json", &subject);
}

#[test]
fn an_approval_says_what_was_not_checked() {
    let run = produce();
    let approval = run.artifact("artifacts/approvals/appr-alice.json");
    let text = stdout_of(
        clawaudit()
            .arg("verify")
            .arg(&approval)
            .arg("--trust")
            .arg(run.path("trust.json"))
            .args(["--at", AT]),
    );
    assert!(
        text.starts_with(&format!(
            "PASS approval {} OK: The approval verified: 3 checks passed.\n",
            approval.display()
        )),
        "{text}"
    );
    for line in [
        "  not checked: approval.policy: no policy given: the approval's policy binding (policy_hash_b64u ",
        "  not checked: approval.plan: no plan given: the approval's plan binding (plan_hash_b64u ",
        "  not checked: approval.job: no checkpoint given: the approval's job binding (job \"job-42\") was not compared with a bundle's subject\n",
        "  not checked: approval.replay: no other approvals given: whether the approval's receipt_id \"appr-alice\" repeats another's was not checked\n",
        "  not checked: approval.time: no checkpoint given: whether the approval was given (2026-03-01T11:02:00Z) before a checkpoint was created was not checked\n",
        "  not checked: gate.quorum: no policy, plan or other approvals given: whether the approval counts toward gate \"stage_new_secret\"'s quorum was not checked\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
}

#[test]
fn expect_policy_applies_to_a_policy_on_its_own() {
    let run = produce();
    let trust = run.path("trust.json");
    let policy = run.artifact("artifacts/policy/wpc.json");
    let (exit, subject) = verify_json(&policy, &trust, &[&format!("--expect-policy={}", run.policy_hash)]);
    assert_eq!(exit, 0, "{subject:#}");
    let expected = subject["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "policy.expected")
        .unwrap();
    assert_eq!(expected["status"], "pass");
    let other = sha256_b64u(b"another policy");
    let (exit, subject) = verify_json(&policy, &trust, &[&format!("--expect-policy={other}")]);
    assert_eq!(exit, 1);
    assert_eq!(
        first_failure(&subject),
        ("policy.expected".to_string(), "POLICY_HASH_MISMATCH".to_string())
    );
    // A token alone has no policy to compare: the flag applies to no subject given.
    clawaudit()
        .arg("verify")
        .arg(run.artifact("artifacts/token/cst.jwt"))
        .arg("--trust")
        .arg(&trust)
        .args(["--at", AT])
        .arg(format!("--expect-policy={}", run.policy_hash))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--expect-policy applies to audit-bundle and policy subjects only",
        ));
}

#[test]
fn a_directory_of_unsealed_artifacts_verifies_each_including_the_jwt_token() {
    let run = produce();
    let out = clawaudit()
        .arg("verify")
        .arg(run.path("run"))
        .arg("--trust")
        .arg(run.path("trust.json"))
        .args(["--at", AT, "--format", "json"])
        .assert()
        .code(0);
    let doc: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let mut kinds: Vec<&str> = doc["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["approval", "gateway-receipt", "plan", "policy", "token"]);
    assert!(doc.get("skipped").is_none(), "{doc:#}");
}

#[test]
fn another_unknown_envelope_type_is_still_refused_as_the_reference_does() {
    let run = produce();
    let path = run.path("other.json");
    let text = std::fs::read_to_string(run.artifact("artifacts/policy/wpc.json"))
        .unwrap()
        .replace("\"work_policy_contract\"", "\"compiled_evidence_report\"");
    std::fs::write(&path, text).unwrap();
    let (exit, subject) = verify_json(&path, &run.path("trust.json"), &[]);
    assert_eq!(exit, 1);
    assert_eq!(subject["kind"], "proof-bundle");
    assert_eq!(subject["reason_code"], "UNKNOWN_ENVELOPE_TYPE");
}
