//! The producer subcommands end to end: keygen, policy sign/hash, token mint, approve,
//! receipt sign; their usage errors (exit 2, no file written); and the produced artifacts
//! passing the step 4–6 checks of the library.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use clawaudit::context::VerifyContext;
use clawaudit::crypto::sha256_b64u;
use clawaudit::json::{parse_str, Value};
use clawaudit::policy::{approvals, cst, wpc, CheckpointView};
use clawaudit::report::Findings;
use clawaudit::timeutil::parse_rfc3339;
use clawaudit::trust::{ApproverEntry, Trust, TrustEntry};

fn clawaudit() -> Command {
    Command::cargo_bin("clawaudit").unwrap()
}

/// `clawaudit <subcommand> <input> --key <key>`, for the caller to finish.
fn sign_cmd(subcommand: [&str; 2], input: &Path, key: &Path) -> Command {
    let mut cmd = clawaudit();
    cmd.args(subcommand).arg(input).arg("--key").arg(key);
    cmd
}

fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(format!("{name}.key.json"));
    let out = clawaudit().arg("keygen").arg("-o").arg(&path).assert().success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let did = stdout.trim_end().to_string();
    assert_eq!(stdout, format!("{did}\n"), "keygen prints only the DID");
    (path, did)
}

fn read(path: &Path) -> Value {
    parse_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const EXT: &str = r#"{"extension_version":"1",
  "token_constraints":{"cst_ttl_seconds_max":900,"require_policy_hash_pinning":true,"require_job_binding":true},
  "approval_gates":[{"gate_id":"stage_new_secret","min_approvers":2,"independent_of_requester":true,"approver_group":"change-board"}]}"#;

fn write_policy_payload(dir: &Path, issuer: &str, ext: &str) -> PathBuf {
    let path = dir.join("wpc-payload.json");
    std::fs::write(
        &path,
        format!(r#"{{"policy_version":"1","policy_id":"rotate-db","issuer_did":"{issuer}","metadata":{{"clawaudit":{ext}}}}}"#),
    )
    .unwrap();
    path
}

#[test]
fn keygen_writes_a_private_key_file_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let (path, did) = keygen(dir.path(), "k");
    assert!(did.starts_with("did:key:z6Mk"), "{did}");
    let key = read(&path);
    assert_eq!(key.get("key_version").and_then(Value::as_str), Some("1"));
    assert_eq!(key.get("did").and_then(Value::as_str), Some(did.as_str()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    clawaudit().arg("keygen").arg("-o").arg(&path).assert().code(2);
    clawaudit().arg("keygen").assert().code(2);
}

#[test]
fn policy_sign_and_hash() {
    let dir = tempfile::tempdir().unwrap();
    let (key, did) = keygen(dir.path(), "issuer");
    let ext = r#"{"extension_version":"1"}"#;
    let payload = write_policy_payload(dir.path(), &did, ext);
    let out = dir.path().join("wpc.json");
    sign_cmd(["policy", "sign"], &payload, &key)
        .arg("--issued-at=2026-03-01T09:00:00Z")
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let env = read(&out);
    assert_eq!(
        env.get("envelope_type").and_then(Value::as_str),
        Some("work_policy_contract")
    );
    assert_eq!(
        env.get("issued_at").and_then(Value::as_str),
        Some("2026-03-01T09:00:00Z")
    );
    // JCS of the payload written by hand: keys in code-unit order.
    let jcs = format!(
        r#"{{"issuer_did":"{did}","metadata":{{"clawaudit":{{"extension_version":"1"}}}},"policy_id":"rotate-db","policy_version":"1"}}"#
    );
    let expected = sha256_b64u(jcs.as_bytes());
    assert_eq!(
        env.get("payload_hash_b64u").and_then(Value::as_str),
        Some(expected.as_str())
    );
    clawaudit()
        .args(["policy", "hash"])
        .arg(&out)
        .assert()
        .success()
        .stdout(format!("{expected}\n"));
    // The bare payload hashes the same.
    clawaudit()
        .args(["policy", "hash"])
        .arg(&payload)
        .assert()
        .success()
        .stdout(format!("{expected}\n"));
}

#[test]
fn policy_sign_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (key, did) = keygen(dir.path(), "issuer");
    let out = dir.path().join("wpc.json");
    // min_approvers < 1.
    let bad = write_policy_payload(
        dir.path(),
        &did,
        r#"{"extension_version":"1","approval_gates":[{"gate_id":"g","min_approvers":0}]}"#,
    );
    sign_cmd(["policy", "sign"], &bad, &key)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    assert!(!out.exists());
    // Issuer is not the key.
    let (other_key, _) = keygen(dir.path(), "other");
    let good = write_policy_payload(dir.path(), &did, r#"{"extension_version":"1"}"#);
    sign_cmd(["policy", "sign"], &good, &other_key)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    // Bad time, missing key, unknown flag, tampered envelope for `hash`.
    sign_cmd(["policy", "sign"], &good, &key)
        .arg("--issued-at=yesterday")
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    clawaudit()
        .args(["policy", "sign"])
        .arg(&good)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    clawaudit().args(["policy", "sign", "--colour", "red"]).assert().code(2);
    assert!(!out.exists());
    clawaudit()
        .args(["policy", "hash"])
        .arg(dir.path().join("missing.json"))
        .assert()
        .code(2);
}

struct Fixture {
    dir: tempfile::TempDir,
    policy: PathBuf,
    policy_hash: String,
    token_key: PathBuf,
    token_did: String,
    issuer_did: String,
    claims: PathBuf,
}

/// 2026-03-01T11:00:00Z.
const IAT: i64 = 1_772_362_800;

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let (issuer_key, issuer_did) = keygen(dir.path(), "issuer");
    let payload = write_policy_payload(dir.path(), &issuer_did, EXT);
    let policy = dir.path().join("wpc.json");
    sign_cmd(["policy", "sign"], &payload, &issuer_key)
        .args(["--issued-at", "2026-03-01T09:00:00Z", "-o"])
        .arg(&policy)
        .assert()
        .success();
    let out = clawaudit().args(["policy", "hash"]).arg(&policy).assert().success();
    let policy_hash = String::from_utf8(out.get_output().stdout.clone())
        .unwrap()
        .trim_end()
        .to_string();
    assert_eq!(policy_hash.len(), 43);
    let (token_key, token_did) = keygen(dir.path(), "token-issuer");
    let claims = dir.path().join("claims.json");
    std::fs::write(
        &claims,
        r#"{"token_version":"1","sub":"did:key:zAgent","aud":"clawproxy","scope":["proxy:call:anthropic"],"mission_id":"job-42"}"#,
    )
    .unwrap();
    Fixture {
        dir,
        policy,
        policy_hash,
        token_key,
        token_did,
        issuer_did,
        claims,
    }
}

fn mint(fx: &Fixture, extra: &[&str], out: &Path) -> assert_cmd::assert::Assert {
    clawaudit()
        .args(["token", "mint", "--key"])
        .arg(&fx.token_key)
        .arg("--claims")
        .arg(&fx.claims)
        .arg("--policy")
        .arg(&fx.policy)
        .args(["--iat", &IAT.to_string()])
        .args(extra)
        .arg("-o")
        .arg(out)
        .assert()
}

#[test]
fn token_mint_happy_path_and_refusals() {
    let fx = fixture();
    let out = fx.dir.path().join("cst.jwt");
    mint(&fx, &["--ttl", "600"], &out).success();
    let jws = std::fs::read(&out).unwrap();
    let token = cst::decode_compact(&jws).unwrap();
    let claims = &token.claims;
    assert_eq!(
        claims.get("policy_hash_b64u").and_then(Value::as_str),
        Some(fx.policy_hash.as_str())
    );
    assert_eq!(claims.get("exp").and_then(Value::as_i64), Some(IAT + 600));
    // Scope hash by hand: aud normalised to an array, keys sorted, iat/exp excluded.
    let jcs = format!(
        r#"{{"aud":["clawproxy"],"mission_id":"job-42","policy_hash_b64u":"{}","scope":["proxy:call:anthropic"],"sub":"did:key:zAgent","token_version":"1"}}"#,
        fx.policy_hash
    );
    assert_eq!(
        claims.get("token_scope_hash_b64u").and_then(Value::as_str),
        Some(sha256_b64u(jcs.as_bytes()).as_str())
    );

    let refused = fx.dir.path().join("refused.jwt");
    // Above the policy's 900 s.
    mint(&fx, &["--ttl", "901"], &refused).code(2);
    // Pinned to another policy.
    let pinned = fx.dir.path().join("pinned.json");
    std::fs::write(
        &pinned,
        format!(
            r#"{{"token_version":"1","sub":"s","aud":"a","scope":["x"],"mission_id":"job-42","policy_hash_b64u":"{}"}}"#,
            sha256_b64u(b"another policy")
        ),
    )
    .unwrap();
    clawaudit()
        .args(["token", "mint", "--key"])
        .arg(&fx.token_key)
        .arg("--claims")
        .arg(&pinned)
        .arg("--policy")
        .arg(&fx.policy)
        .args(["--ttl", "60", "-o"])
        .arg(&refused)
        .assert()
        .code(2);
    // No exp and no --ttl; --exp with --ttl; missing --claims.
    mint(&fx, &[], &refused).code(2);
    mint(&fx, &["--ttl", "60", "--exp", "1772363400"], &refused).code(2);
    clawaudit()
        .args(["token", "mint", "--key"])
        .arg(&fx.token_key)
        .arg("-o")
        .arg(&refused)
        .assert()
        .code(2);
    assert!(!refused.exists());
}

fn write_plan(fx: &Fixture, requester: &str) -> PathBuf {
    let path = fx.dir.path().join("stage_new_secret.json");
    std::fs::write(
        &path,
        format!(
            r#"{{"plan_version":"1","gate_id":"stage_new_secret","job_id":"job-42","requested_by":"{requester}",
                 "summary":"stage the new password","change_set":{{"secret":"db/password"}},"backout":{{"action":"restore"}}}}"#
        ),
    )
    .unwrap();
    path
}

fn approve(
    fx: &Fixture,
    plan: &Path,
    key: &Path,
    subject: &str,
    extra: &[&str],
    out: &Path,
) -> assert_cmd::assert::Assert {
    clawaudit()
        .args(["approve", "--plan"])
        .arg(plan)
        .arg("--policy")
        .arg(&fx.policy)
        .arg("--key")
        .arg(key)
        .arg(format!("--subject={subject}"))
        .args(["--agent-did", "did:key:zAgent", "--timestamp", "2026-03-01T11:30:00Z"])
        .args(extra)
        .arg("-o")
        .arg(out)
        .assert()
}

#[test]
fn approve_happy_path_and_usage_errors() {
    let fx = fixture();
    let (alice_key, _) = keygen(fx.dir.path(), "alice");
    let plan = write_plan(&fx, "did:key:zRequester");
    let out = fx.dir.path().join("a1.json");
    approve(
        &fx,
        &plan,
        &alice_key,
        "alice@example.com",
        &["--decision", "approve", "--receipt-id=-a1", "--method", "cli-confirm"],
        &out,
    )
    .success();
    let env = read(&out);
    let p = env.get("payload").unwrap();
    assert_eq!(
        env.get("envelope_type").and_then(Value::as_str),
        Some("human_approval_receipt")
    );
    assert_eq!(p.get("receipt_id").and_then(Value::as_str), Some("-a1"));
    assert_eq!(p.get("approval_type").and_then(Value::as_str), Some("explicit_approve"));
    assert_eq!(p.get("approver_method").and_then(Value::as_str), Some("cli_confirm"));
    assert_eq!(
        p.get("policy_hash_b64u").and_then(Value::as_str),
        Some(fx.policy_hash.as_str())
    );
    assert_eq!(
        p.get("binding").and_then(|b| b.get("gate_id")).and_then(Value::as_str),
        Some("stage_new_secret")
    );

    let refused = fx.dir.path().join("refused.json");
    approve(&fx, &plan, &alice_key, "a", &["--decision", "maybe"], &refused).code(2);
    approve(&fx, &plan, &alice_key, "a", &[], &refused).code(2);
    approve(
        &fx,
        &plan,
        &alice_key,
        "a",
        &["--decision", "deny", "--timestamp", "noon"],
        &refused,
    )
    .code(2);
    // A gate the policy does not declare.
    let other_gate = fx.dir.path().join("other.json");
    let text = std::fs::read_to_string(&plan)
        .unwrap()
        .replace("stage_new_secret", "deploy_prod");
    std::fs::write(&other_gate, text).unwrap();
    approve(&fx, &other_gate, &alice_key, "a", &["--decision", "approve"], &refused).code(2);
    // An agent that is not a DID could never be excluded from an independent gate.
    clawaudit()
        .args(["approve", "--plan"])
        .arg(&plan)
        .arg("--policy")
        .arg(&fx.policy)
        .arg("--key")
        .arg(&alice_key)
        .args(["--subject=a", "--agent-did", "not a did", "--decision", "approve", "-o"])
        .arg(&refused)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not a DID"));
    assert!(!refused.exists());
}

#[test]
fn receipt_sign_binds_policy_and_token() {
    let fx = fixture();
    let token = fx.dir.path().join("cst.jwt");
    mint(&fx, &["--ttl", "600"], &token).success();
    let (gw_key, gw_did) = keygen(fx.dir.path(), "gateway");
    let payload = fx.dir.path().join("r1-payload.json");
    std::fs::write(
        &payload,
        r#"{"receipt_version":"1","receipt_id":"r1","gateway_id":"gw","provider":"anthropic","model":"claude",
            "request_hash_b64u":"AAAAAAAAAAA","response_hash_b64u":"BBBBBBBBBBB","tokens_input":10,"tokens_output":5,
            "latency_ms":12,"timestamp":"2026-03-01T11:10:00Z","binding":{"run_id":"run-1","nonce":"n1"},"metadata":{"x":1.5}}"#,
    )
    .unwrap();
    let out = fx.dir.path().join("r1.json");
    sign_cmd(["receipt", "sign"], &payload, &gw_key)
        .arg("--policy")
        .arg(&fx.policy)
        .arg("--token")
        .arg(&token)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let env = read(&out);
    assert_eq!(env.get("signer_did").and_then(Value::as_str), Some(gw_did.as_str()));
    assert_eq!(
        env.get("issued_at").and_then(Value::as_str),
        Some("2026-03-01T11:10:00Z")
    );
    let p = env.get("payload").unwrap();
    let b = p.get("binding").unwrap();
    assert_eq!(
        b.get("policy_hash").and_then(Value::as_str),
        Some(fx.policy_hash.as_str())
    );
    assert_eq!(b.get("run_id").and_then(Value::as_str), Some("run-1"));
    let claims = cst::decode_compact(&std::fs::read(&token).unwrap()).unwrap().claims;
    assert_eq!(b.get("token_scope_hash_b64u"), claims.get("token_scope_hash_b64u"));
    assert_eq!(
        p.get("metadata").and_then(|m| m.get("x")).and_then(Value::as_f64),
        Some(1.5)
    );
    // The Clawsig payload hash is JSS: the payload in its own key order.
    let jss = clawaudit::json::jss::to_string(p);
    assert!(
        jss.starts_with(r#"{"receipt_version":"1","receipt_id":"r1","gateway_id":"gw""#),
        "{jss}"
    );
    assert_eq!(
        env.get("payload_hash_b64u").and_then(Value::as_str),
        Some(sha256_b64u(jss.as_bytes()).as_str())
    );

    let refused = fx.dir.path().join("refused.json");
    sign_cmd(["receipt", "sign"], &payload, &gw_key)
        .arg("--issued-at=-1")
        .arg("-o")
        .arg(&refused)
        .assert()
        .code(2);
    clawaudit()
        .args(["receipt", "sign"])
        .arg(&payload)
        .arg("-o")
        .arg(&refused)
        .assert()
        .code(2);
    assert!(!refused.exists());
}

#[test]
fn produced_artifacts_pass_steps_4_to_6() {
    let fx = fixture();
    let token = fx.dir.path().join("cst.jwt");
    mint(&fx, &["--ttl", "600"], &token).success();
    let (alice_key, alice_did) = keygen(fx.dir.path(), "alice");
    let (bob_key, bob_did) = keygen(fx.dir.path(), "bob");
    let plan = write_plan(&fx, "did:key:zRequester");
    let a1 = fx.dir.path().join("a1.json");
    let b1 = fx.dir.path().join("b1.json");
    approve(
        &fx,
        &plan,
        &alice_key,
        "alice@example.com",
        &["--decision", "approve"],
        &a1,
    )
    .success();
    approve(&fx, &plan, &bob_key, "bob@example.com", &["--decision", "approve"], &b1).success();

    let approver = |did: &str, subject: &str| ApproverEntry {
        did: did.to_string(),
        subject: Some(subject.to_string()),
        groups: vec!["change-board".into()],
        name: None,
    };
    let trust = Trust {
        policy_issuers: vec![TrustEntry {
            did: fx.issuer_did.clone(),
            name: None,
        }],
        token_issuers: vec![TrustEntry {
            did: fx.token_did.clone(),
            name: None,
        }],
        approvers: vec![
            approver(&alice_did, "alice@example.com"),
            approver(&bob_did, "bob@example.com"),
        ],
        ..Trust::default()
    };
    let ctx = VerifyContext::new(parse_rfc3339("2026-03-02T00:00:00Z").unwrap(), trust);
    let jws = std::fs::read(&token).unwrap();
    let scope = cst::token_scope_hash(&cst::decode_compact(&jws).unwrap().claims).unwrap();
    let checkpoint = CheckpointView {
        job_id: "job-42".into(),
        run_id: None,
        agent_did: None,
        created_at: parse_rfc3339("2026-03-01T12:00:00Z").unwrap(),
        policy_hash: Some(fx.policy_hash.clone()),
        token_scope_hash: Some(scope),
    };
    let mut f = Findings::new();
    let policy = wpc::check_policy(
        &read(&fx.policy),
        &ctx,
        checkpoint.policy_hash.as_deref(),
        "artifacts/policy/wpc.json",
        &mut f,
    );
    let token_info = cst::check_token(
        &jws,
        &ctx,
        policy.as_ref(),
        &checkpoint,
        "artifacts/token/cst.jwt",
        &mut f,
    )
    .token;
    assert!(token_info.is_some());
    approvals::check_approvals(
        &[
            ("artifacts/approvals/a1.json".into(), read(&a1)),
            ("artifacts/approvals/b1.json".into(), read(&b1)),
        ],
        &[("artifacts/plans/stage_new_secret.json".into(), read(&plan))],
        policy.as_ref(),
        &checkpoint,
        &ctx,
        &mut f,
    );
    assert_eq!(f.first_failure(), None, "{:#?}", f.checks);
    let quorum = f.checks.iter().find(|c| c.id == "gate.quorum").unwrap();
    assert!(quorum.detail.contains("2 of 2 distinct approvers"), "{}", quorum.detail);
}
