//! `clawaudit policy eval` (exit 0 ALLOW, 1 DENY, 2 usage; --explain) and
//! `clawaudit verify PROOF_BUNDLE --policy WPC.json` (the WPC verified as in a sealed bundle,
//! every receipt judged, POLICY_DENIED), end to end with the binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::Path;

use assert_cmd::Command;
use clawaudit::clawsig::producer::Signer;
use clawaudit::json::Value;
use clawaudit::policy::wpc::sign_policy;
use clawaudit::produce::seal::json_bytes;
use clawaudit::vectors::builders::{gateway_receipt, proof_envelope, proof_payload};
use clawaudit::vectors::testkit::label_signer;

const AT: &str = "2026-03-01T12:00:00Z";
const T: &str = "2026-03-01T11:00:00Z";

fn clawaudit() -> Command {
    Command::cargo_bin("clawaudit").unwrap()
}

fn issuer() -> Signer {
    label_signer("policy eval cli issuer")
}

fn v2_policy(statements: serde_json::Value) -> Value {
    Value::from_serde(&serde_json::json!({
        "policy_version": "2", "policy_id": "cli-pol", "issuer_did": issuer().did(), "statements": statements
    }))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

fn allow_openai() -> serde_json::Value {
    serde_json::json!([{"sid": "AllowOpenAI", "effect": "Allow", "actions": ["model:invoke"], "resources": ["*"],
                        "conditions": {"StringEquals": {"Model:Provider": "openai"}, "StringLike": {"Model:Name": "gpt-*"}}}])
}

fn eval(policy: &str, args: &[&str]) -> (i32, String) {
    let out = clawaudit()
        .args(["policy", "eval", policy])
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap() + &String::from_utf8(out.stderr).unwrap();
    (out.status.code().unwrap(), text)
}

#[test]
fn policy_eval_exit_codes_and_explain() {
    let dir = tempfile::tempdir().unwrap();
    let signed = sign_policy(&issuer(), v2_policy(allow_openai()), T).unwrap();
    let wpc = write(dir.path(), "wpc.json", &json_bytes(&signed));
    let call = |model: &str| {
        vec![
            "--action".to_string(),
            "model:invoke".into(),
            "--resource".into(),
            "openai".into(),
            "--context".into(),
            "Model:Provider=openai".into(),
            "--context".into(),
            format!("Model:Name={model}"),
        ]
    };
    let args = call("gpt-4o");
    let (code, text) = eval(&wpc, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!((code, text.as_str()), (0, "ALLOW by AllowOpenAI\n"));

    let mut args = call("o1/preview");
    args.push("--explain".into());
    let (code, text) = eval(&wpc, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 1, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "DENY: no statement allows");
    assert!(lines.contains(&"AllowOpenAI (Allow): does not match"), "{text}");
    assert!(
        lines.contains(&"  StringLike Model:Name \"gpt-*\": the request has \"o1/preview\", does not hold"),
        "{text}"
    );
    assert!(
        lines.contains(&"  action model:invoke matches \"model:invoke\""),
        "{text}"
    );

    // The bare payload works as well as the envelope.
    let bare = write(dir.path(), "bare.json", &json_bytes(&v2_policy(allow_openai())));
    let (code, _) = eval(&bare, &["--action", "tool:execute", "--resource", "bash"]);
    assert_eq!(code, 1);

    // Usage errors: exit 2.
    let (code, text) = eval(&wpc, &["--action", "a", "--resource", "r", "--context", "novalue"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("is not KEY=VALUE"));
    let (code, _) = eval(
        &dir.path().join("missing.json").display().to_string(),
        &["--action", "a", "--resource", "r"],
    );
    assert_eq!(code, 2);
    let broken = write(
        dir.path(),
        "broken.json",
        br#"{"policy_version":"2","policy_id":"p","statements":[]}"#,
    );
    let (code, text) = eval(&broken, &["--action", "a", "--resource", "r"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("cannot be evaluated"), "{text}");
}

#[test]
fn policy_eval_with_parents() {
    let dir = tempfile::tempdir().unwrap();
    let child = Value::from_serde(&serde_json::json!({
        "policy_version": "2", "policy_id": "child", "issuer_did": issuer().did(), "inherits": "org",
        "statements": [{"sid": "All", "effect": "Allow", "actions": ["*"], "resources": ["**"]}]
    }));
    let parent = Value::from_serde(&serde_json::json!({
        "policy_version": "2", "policy_id": "org", "issuer_did": issuer().did(),
        "statements": [{"sid": "Tools", "effect": "Allow", "actions": ["tool:*"], "resources": ["**"]}]
    }));
    let child = write(dir.path(), "child.json", &json_bytes(&child));
    let parent = write(dir.path(), "org.json", &json_bytes(&parent));
    let (code, text) = eval(&child, &["--action", "tool:execute", "--resource", "ls"]);
    assert_eq!(
        (code, text.trim_end()),
        (1, "DENY: the parent policy org it inherits from is not in the evidence")
    );
    let (code, text) = eval(
        &child,
        &["--action", "tool:execute", "--resource", "ls", "--parent", &parent],
    );
    assert_eq!((code, text.trim_end()), (0, "ALLOW by All, org:Tools"));
}

/// A proof bundle of one gateway receipt (openai, gpt-test), and a trust file trusting its
/// gateway and the policy issuer.
fn bundle_and_trust(dir: &Path) -> (String, String) {
    let agent = label_signer("policy eval cli agent");
    let gateway = label_signer("policy eval cli gateway");
    let mut payload = proof_payload(&agent, "pb_cli", "run_cli", T);
    let receipt = gateway_receipt(&gateway, "rcpt_cli_1", &payload, None, T);
    payload.insert("receipts", Value::Array(vec![receipt]));
    let bundle = proof_envelope(&agent, payload, T, None);
    let trust = serde_json::json!({
        "trust_version": "1",
        "policy_issuers": [{"did": issuer().did()}],
        "gateways": [{"did": gateway.did()}],
    });
    (
        write(dir, "run-bundle.json", &json_bytes(&bundle)),
        write(dir, "trust.json", trust.to_string().as_bytes()),
    )
}

fn verify(bundle: &str, trust: &str, policy: &str) -> (i32, serde_json::Value) {
    let out = clawaudit()
        .args([
            "verify", bundle, "--trust", trust, "--at", AT, "--format", "json", "--policy", policy,
        ])
        .output()
        .unwrap();
    (out.status.code().unwrap(), serde_json::from_slice(&out.stdout).unwrap())
}

fn subject(report: &serde_json::Value) -> &serde_json::Value {
    &report["subjects"][0]
}

#[test]
fn verify_proof_bundle_under_a_policy() {
    let dir = tempfile::tempdir().unwrap();
    let (bundle, trust) = bundle_and_trust(dir.path());
    let allow = write(
        dir.path(),
        "allow.json",
        &json_bytes(&sign_policy(&issuer(), v2_policy(allow_openai()), T).unwrap()),
    );
    let (code, report) = verify(&bundle, &trust, &allow);
    assert_eq!(code, 0, "{report:#}");
    let checks = subject(&report)["checks"].as_array().unwrap();
    let decision = checks.iter().find(|c| c["id"] == "policy.eval").unwrap();
    assert_eq!(decision["status"], "pass");
    assert!(decision["detail"].as_str().unwrap().contains("ALLOW by AllowOpenAI"));
    assert!(checks
        .iter()
        .any(|c| c["id"] == "policy.signature" && c["status"] == "pass"));

    let anthropic_only = serde_json::json!([{"sid": "AllowAnthropic", "effect": "Allow", "actions": ["model:invoke"],
        "resources": ["*"], "conditions": {"StringEquals": {"Model:Provider": "anthropic"}}}]);
    let deny = write(
        dir.path(),
        "deny.json",
        &json_bytes(&sign_policy(&issuer(), v2_policy(anthropic_only), T).unwrap()),
    );
    let (code, report) = verify(&bundle, &trust, &deny);
    assert_eq!(code, 1);
    let s = subject(&report);
    assert_eq!(s["reason_code"], "POLICY_DENIED", "{s:#}");
    let reason = s["reason"].as_str().unwrap();
    for part in [
        "receipt payload.receipts[0]",
        "model:invoke",
        "\"openai\"",
        "Model:Name=gpt-test",
        "no statement allows",
    ] {
        assert!(reason.contains(part), "{part} not in {reason}");
    }

    // A policy signed by an untrusted key fails as it would in a sealed bundle.
    let stranger = label_signer("policy eval cli stranger");
    let mut payload = v2_policy(allow_openai());
    payload
        .as_object_mut()
        .unwrap()
        .insert("issuer_did", Value::from(stranger.did()));
    let untrusted = write(
        dir.path(),
        "untrusted.json",
        &json_bytes(&sign_policy(&stranger, payload, T).unwrap()),
    );
    let (code, report) = verify(&bundle, &trust, &untrusted);
    assert_eq!(code, 1);
    assert_eq!(subject(&report)["reason_code"], "SIGNER_NOT_TRUSTED");

    // --policy applies to proof bundles only.
    let out = clawaudit()
        .args([
            "verify",
            "testvectors/audit/valid/every-kind.audit.zip",
            "--trust",
            "testvectors/audit/trust.json",
        ])
        .args(["--at", "2026-02-18T00:01:00Z", "--policy", &allow])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("--policy applies to proof-bundle subjects only"));
}
