//! Policy-evaluation vectors (issue 10): the hand-derived cases of
//! testvectors/policy-eval/vectors.json cover what the issue lists and a wrong expectation is
//! caught; each sealed POLICY_DENIED bundle fails first at the policy.eval check, naming the
//! item, action, resource and deciding statements, and its twin passes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::Path;

use clawaudit::context::VerifyContext;
use clawaudit::reason::ReasonCode;
use clawaudit::report::{CheckStatus, Status};
use clawaudit::timeutil::parse_rfc3339;
use clawaudit::trust::Trust;
use clawaudit::vectors::policy_eval::{check, CASES_PATH};
use clawaudit::verify::{verify_subject, Subject};

fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/testvectors"))
}

fn read(rel: &str) -> Result<Vec<u8>, String> {
    std::fs::read(dir().join(rel)).map_err(|e| format!("{rel}: {e}"))
}

fn cases() -> serde_json::Value {
    serde_json::from_slice(&read(CASES_PATH).unwrap()).unwrap()
}

#[test]
fn the_cases_cover_the_issue_and_all_hold() {
    let doc = cases();
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 60, "{} cases", vectors.len());
    let names: Vec<&str> = vectors.iter().map(|v| v["name"].as_str().unwrap()).collect();
    for prefix in [
        "glob.absorb",
        "glob.question_not_slash",
        "glob.dot_literal",
        "glob.plus",
        "glob.parens",
        "effect.deny_wins",
        "cond.string_equals",
        "cond.string_not_equals",
        "cond.string_like",
        "cond.string_not_like",
        "cond.numeric_equals",
        "cond.numeric_less",
        "cond.numeric_greater",
        "cond.bool",
        "cond.ip",
        "cond.unknown_operator",
        "v1.providers_only",
        "v1.models_only",
        "v1.both",
        "v1.egress",
        "inherits.both_allow",
        "inherits.parent_missing",
    ] {
        assert!(names.iter().any(|n| n.starts_with(prefix)), "no case {prefix}*");
    }
    for v in vectors {
        assert!(!v["why"].as_str().unwrap().is_empty(), "{}: no why", v["name"]);
    }
    let (n, problems) = check(&read).unwrap();
    assert_eq!(n, vectors.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_wrong_expectation_is_reported() {
    let mut doc = cases();
    let v = &mut doc["vectors"][0];
    assert_eq!(v["expected"]["decision"], "ALLOW");
    v["expected"]["decision"] = "DENY".into();
    let wrong_sid = &mut doc["vectors"][1];
    wrong_sid["expected"]["statements"] = serde_json::json!(["T"]);
    let bytes = serde_json::to_vec(&doc).unwrap();
    let (n, problems) = check(&|rel: &str| {
        assert_eq!(rel, CASES_PATH);
        Ok(bytes.clone())
    })
    .unwrap();
    assert!(n >= 60);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].starts_with("glob.literal_exact: expected"),
        "{}",
        problems[0]
    );
}

fn verify_sealed(file: &str) -> clawaudit::report::SubjectReport {
    let trust = Trust::from_bytes(&read("audit/trust.json").unwrap()).unwrap();
    let ctx = VerifyContext::new(parse_rfc3339("2026-02-18T00:01:00Z").unwrap(), trust);
    let path = format!("policy-eval/sealed/{file}.audit.zip");
    verify_subject(&Subject::new(&path, read(&path).unwrap()), &ctx)
}

#[test]
fn each_sealed_fault_is_denied_at_its_item_and_its_twin_passes() {
    for (file, item, action, resource, sids) in [
        (
            "forbidden-model",
            "artifacts/receipts/rcpt_file_1.json",
            "model:invoke",
            "\"anthropic\"",
            "Model:Name=claude-test",
        ),
        (
            "forbidden-provider",
            "artifacts/receipts/rcpt_file_1.json",
            "model:invoke",
            "\"anthropic\"",
            "DENY: no statement allows",
        ),
        (
            "denied-tool",
            "payload.tool_receipts[0]",
            "tool:execute",
            "\"bash\"",
            "DENY: no statement allows",
        ),
        (
            "egress-unlisted",
            "payload.side_effect_receipts[0]",
            "side_effect:network_egress",
            "\"evil.example\"",
            "SideEffect:TargetDomain=evil.example",
        ),
    ] {
        let report = verify_sealed(file);
        assert_eq!(report.status, Status::Fail, "{file}");
        assert_eq!(
            report.reason_code,
            ReasonCode::PolicyDenied,
            "{file}: {}",
            report.reason
        );
        let first = report.failing_check().unwrap();
        assert_eq!(first.id, "policy.eval", "{file}");
        for part in [item, action, resource, sids] {
            assert!(first.detail.contains(part), "{file}: {part} not in {}", first.detail);
        }
        // Every other check of the bundle passed: the fault is the policy decision alone.
        let fails: Vec<_> = report.checks.iter().filter(|c| c.status == CheckStatus::Fail).collect();
        assert!(fails.iter().all(|c| c.id == "policy.eval"), "{file}: {fails:?}");

        let twin = verify_sealed(&format!("{file}-twin"));
        assert_eq!(twin.status, Status::Pass, "{file}-twin: {}", twin.reason);
        let decisions: Vec<_> = twin.checks.iter().filter(|c| c.id == "policy.eval").collect();
        assert!(decisions.len() >= 2, "{file}-twin: {decisions:?}");
        assert!(decisions
            .iter()
            .all(|c| c.status == CheckStatus::Pass && c.detail.contains("ALLOW by")));
    }
}

#[test]
fn the_step_names_the_proof_bundle_entry_verification_uses() {
    assert_eq!(
        clawaudit::audit::policy_eval::PROOF_BUNDLE_PATH,
        clawaudit::audit::verify::PROOF_BUNDLE_PATH
    );
}
