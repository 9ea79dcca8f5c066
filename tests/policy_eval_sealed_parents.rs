//! `inherits` in sealed bundles: a parent carried as artifacts/policy/parents/<policy_id>.json
//! is verified like the WPC and must allow too (strict intersection); a missing parent denies
//! every request, naming it; an untrusted or misnamed parent fails at its entry.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use clawaudit::clawsig::producer::Signer;
use clawaudit::context::VerifyContext;
use clawaudit::json::Value;
use clawaudit::policy::wpc::sign_policy;
use clawaudit::produce::seal::{json_bytes, seal_entries};
use clawaudit::reason::ReasonCode;
use clawaudit::report::{CheckStatus, Status, SubjectReport};
use clawaudit::timeutil::parse_rfc3339;
use clawaudit::vectors::audit_sample::{self, SampleKeys};
use clawaudit::vectors::audit_scenario::Scenario;
use clawaudit::vectors::testkit::label_signer;
use clawaudit::verify::{verify_subject, Subject};

const PARENT_ID: &str = "org-parent";

fn child_payload(keys: &SampleKeys) -> Value {
    let sample = audit_sample::policy_payload(keys);
    let mut p = Value::from_serde(&serde_json::json!({
        "policy_version": "2", "policy_id": "team-child", "issuer_did": keys.policy_issuer.did(),
        "inherits": PARENT_ID,
        "statements": [{"sid": "ChildAll", "effect": "Allow", "actions": ["*"], "resources": ["**"]}]
    }));
    p.as_object_mut()
        .unwrap()
        .insert("metadata", sample.get("metadata").unwrap().clone());
    p
}

fn parent(signer: &Signer, id: &str, actions: &[&str]) -> Vec<u8> {
    let payload = Value::from_serde(&serde_json::json!({
        "policy_version": "2", "policy_id": id, "issuer_did": signer.did(),
        "statements": [{"sid": "OrgAllows", "effect": "Allow", "actions": actions, "resources": ["**"]}]
    }));
    json_bytes(&sign_policy(signer, payload, audit_sample::POLICY_ISSUED_AT).unwrap())
}

/// The sample with the child WPC, plus `extra` artifacts, sealed.
fn verify_with(extra: Vec<(String, Vec<u8>)>) -> SubjectReport {
    let keys = SampleKeys::new();
    let mut s = Scenario::sample();
    s.policy_payload = Some(child_payload(&keys));
    let mut files = s.artifacts().unwrap().files;
    files.extend(extra);
    let bytes = seal_entries(&files, &keys.sealer, &audit_sample::options(&keys)).unwrap();
    let ctx = VerifyContext::new(parse_rfc3339(audit_sample::VERIFY_AT).unwrap(), keys.trust());
    verify_subject(&Subject::new("parents.audit.zip", bytes), &ctx)
}

fn at(name: &str) -> String {
    format!("artifacts/policy/parents/{name}.json")
}

#[test]
fn a_parent_that_allows_passes_and_is_named() {
    let keys = SampleKeys::new();
    let report = verify_with(vec![(
        at(PARENT_ID),
        parent(&keys.policy_issuer, PARENT_ID, &["model:*"]),
    )]);
    assert_eq!(report.status, Status::Pass, "{}", report.reason);
    let decisions: Vec<_> = report.checks.iter().filter(|c| c.id == "policy.eval").collect();
    assert_eq!(decisions.len(), 2);
    assert!(
        decisions
            .iter()
            .all(|c| c.detail.ends_with("ALLOW by ChildAll, org-parent:OrgAllows")),
        "{decisions:?}"
    );
    assert!(report
        .checks
        .iter()
        .any(|c| c.id == "policy.signature" && c.artifact().as_deref() == Some(at(PARENT_ID).as_str())));
}

#[test]
fn a_parent_that_does_not_allow_denies() {
    let keys = SampleKeys::new();
    let report = verify_with(vec![(
        at(PARENT_ID),
        parent(&keys.policy_issuer, PARENT_ID, &["tool:*"]),
    )]);
    assert_eq!(report.reason_code, ReasonCode::PolicyDenied, "{}", report.reason);
    assert!(
        report
            .reason
            .contains("no statement of parent policy org-parent allows"),
        "{}",
        report.reason
    );
}

#[test]
fn a_missing_parent_denies_every_request() {
    let report = verify_with(Vec::new());
    assert_eq!(report.reason_code, ReasonCode::PolicyDenied, "{}", report.reason);
    assert!(report
        .reason
        .contains("the parent policy org-parent it inherits from is not in the evidence"));
    let denied = report
        .checks
        .iter()
        .filter(|c| c.id == "policy.eval" && c.status == CheckStatus::Fail)
        .count();
    assert_eq!(denied, 2);
}

#[test]
fn an_untrusted_or_misnamed_parent_fails_at_its_entry() {
    let stranger = label_signer("sealed parents stranger");
    let report = verify_with(vec![(at(PARENT_ID), parent(&stranger, PARENT_ID, &["*"]))]);
    let first = report.failing_check().unwrap();
    assert_eq!(
        (first.id.as_str(), first.reason_code),
        ("policy.trust", ReasonCode::SignerNotTrusted)
    );
    assert_eq!(first.artifact().as_deref(), Some(at(PARENT_ID).as_str()));

    let keys = SampleKeys::new();
    let report = verify_with(vec![(at("other-name"), parent(&keys.policy_issuer, PARENT_ID, &["*"]))]);
    let first = report.failing_check().unwrap();
    assert_eq!(first.id, "policy.parent", "{first:?}");
    assert!(first
        .detail
        .contains("must be stored as artifacts/policy/parents/<policy_id>.json"));
    // Left out, the parent is missing: the requests are denied too.
    assert!(report
        .checks
        .iter()
        .any(|c| c.id == "policy.eval" && c.status == CheckStatus::Fail));
}
