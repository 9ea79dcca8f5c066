//! `verify` of a sealed rotation run evaluates the WPC's statements against the run's tool
//! calls (issue 10 × issue 8): `tool:execute` on the tool, `secret:<op>` on the secret, with
//! `Request:HasHumanApproval` from the gate of the phase the call lies in; the judge's own
//! findings come first.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly is the point

use clawaudit::audit::verify::verify_audit_bundle;
use clawaudit::context::VerifyContext;
use clawaudit::produce::seal::seal_rotation_simulation;
use clawaudit::reason::ReasonCode;
use clawaudit::report::{Check, CheckStatus, Location, Status, SubjectReport};
use clawaudit::rotation::fixture::{FixtureFiles, SecretOp};
use clawaudit::rotation::judge::{judge_run_for_policy, RunInput, RunResult};
use clawaudit::rotation::model::Outcome;
use clawaudit::timeutil::parse_rfc3339;
use clawaudit::vectors::rotation_policy::{approved_write, unapproved_write, DENIED_SEQ};
use clawaudit::vectors::rotation_sample::{self as sample, RotationRun, SECRET};

const EVENTS: &str = "artifacts/rotation/events.ndjson";

fn ctx(run: &RotationRun) -> VerifyContext {
    VerifyContext::new(parse_rfc3339(sample::VERIFY_AT).unwrap(), run.trust())
}

fn verify(run: &RotationRun) -> SubjectReport {
    let files = run.files().unwrap();
    let bundle = seal_rotation_simulation(&files, &[], &run.keys.sealer).unwrap();
    verify_audit_bundle("run.audit.zip", &bundle, &ctx(run))
}

/// The judge on the folder, keeping the tool calls.
fn judge_folder(run: &RotationRun) -> RunResult {
    let files = FixtureFiles::new(run.files().unwrap());
    judge_run_for_policy(RunInput {
        files: &files,
        ctx: &ctx(run),
        checkpoint: None,
        expire_token: &[],
        events: None,
    })
}

fn at_event(seq: u64) -> Location {
    Location::Event {
        entry: EVENTS.to_string(),
        seq,
    }
}

fn policy_checks(report: &SubjectReport) -> Vec<&Check> {
    report.checks.iter().filter(|c| c.id == "policy.eval").collect()
}

#[test]
fn an_unapproved_secret_write_under_a_v2_policy_fails_policy_denied_at_its_event() {
    let report = verify(&unapproved_write().unwrap());
    assert_eq!(report.status, Status::Fail);
    assert_eq!(report.reason_code, ReasonCode::PolicyDenied);
    let failing = report.failing_check().unwrap();
    assert_eq!(failing.id, "policy.eval");
    assert_eq!(failing.location, at_event(DENIED_SEQ));
    assert!(failing.detail.contains("event seq 14"), "{}", failing.detail);
    assert!(failing.detail.contains("secret:write"), "{}", failing.detail);
    assert!(failing.detail.contains(SECRET), "{}", failing.detail);
    // The judge found nothing: the run is complete by the rotation rules.
    assert!(report
        .checks
        .iter()
        .any(|c| c.id == "rotation.outcome" && c.status == CheckStatus::Pass));
    assert!(!report.checks.iter().any(|c| c.id == "rotation.event"));
    // Both rollout writes are denied (deploys to billing-worker at 14 and webhook-relay at 16),
    // nothing else is.
    let denied: Vec<&Location> = policy_checks(&report)
        .into_iter()
        .filter(|c| c.status == CheckStatus::Fail)
        .map(|c| &c.location)
        .collect();
    assert_eq!(denied, [&at_event(14), &at_event(16)]);
}

#[test]
fn its_twin_with_every_write_in_the_gated_phase_passes() {
    let report = verify(&approved_write().unwrap());
    let failing: Vec<&Check> = report.checks.iter().filter(|c| c.status == CheckStatus::Fail).collect();
    assert_eq!(report.status, Status::Pass, "{failing:#?}");
    // seq 14 is now the deploy to webhook-relay inside stage_new_secret: allowed, with approval.
    let at14: Vec<&Check> = policy_checks(&report)
        .into_iter()
        .filter(|c| c.location == at_event(14))
        .collect();
    assert_eq!(at14.len(), 2, "tool:execute and secret:write");
    assert!(at14[1].detail.contains("secret:write"), "{}", at14[1].detail);
    assert!(
        at14[1].detail.contains("Request:HasHumanApproval"),
        "{}",
        at14[1].detail
    );
}

#[test]
fn the_judges_finding_at_the_same_event_comes_first() {
    // The fault run, with the deploy at seq 14 made by a tool `rollout` does not allow:
    // ROTATION_TOOL_NOT_ALLOWED (judge) and POLICY_DENIED (statements) at the same event.
    let mut run = unapproved_write().unwrap();
    run.set_event(DENIED_SEQ, "tool", serde_json::json!("create_secret_version"))
        .unwrap();
    let report = verify(&run);
    assert_eq!(report.reason_code, ReasonCode::RotationToolNotAllowed);
    assert_eq!(report.failing_check().unwrap().location, at_event(DENIED_SEQ));
    let fails: Vec<(&str, ReasonCode)> = report
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Fail && c.location == at_event(DENIED_SEQ))
        .map(|c| (c.id.as_str(), c.reason_code))
        .collect();
    assert_eq!(
        fails,
        [
            ("rotation.event", ReasonCode::RotationToolNotAllowed),
            ("policy.eval", ReasonCode::PolicyDenied)
        ]
    );
}

#[test]
fn the_runbook_run_under_its_v1_policy_has_every_event_request_allowed() {
    let report = verify(&RotationRun::sample());
    assert_eq!(report.status, Status::Pass);
    // 11 tool calls (seqs 2 4 8 9 10 12 13 14 15 19 20): 11 tool:execute requests, and a
    // secret request for each of the 7 that are not health checks (2 8 9 12 14 19 20).
    let at_events: Vec<&Check> = policy_checks(&report)
        .into_iter()
        .filter(|c| matches!(c.location, Location::Event { .. }))
        .collect();
    assert_eq!(at_events.len(), 18);
    assert!(at_events.iter().all(|c| c.status == CheckStatus::Pass));
    // The three gateway receipts are model:invoke requests, allowed by allowed_providers.
    let receipts = policy_checks(&report)
        .into_iter()
        .filter(|c| matches!(&c.location, Location::Entry(path) if path.starts_with("artifacts/receipts/")))
        .count();
    assert_eq!(receipts, 3);
}

#[test]
fn the_judge_reports_each_tool_call_with_its_operation_and_gate() {
    let run = RotationRun::sample();
    let result = judge_folder(&run);
    assert_eq!(result.judgement.outcome, Outcome::Complete);
    let calls: Vec<(u64, &str, Option<SecretOp>, bool)> = result
        .tool_calls
        .iter()
        .map(|t| (t.seq, t.tool.as_str(), t.secret.as_ref().map(|s| s.0), t.gate_satisfied))
        .collect();
    use SecretOp::{Read, Revoke, Write};
    assert_eq!(
        calls,
        [
            // discover has no gate: no human approved it.
            (2, "list_consumers", Some(Read), false),
            (4, "health_check", None, false),
            (8, "create_secret_version", Some(Write), true),
            (9, "deploy_config", Some(Write), true),
            (10, "health_check", None, true),
            (12, "deploy_config", Some(Write), true),
            (13, "health_check", None, true),
            (14, "deploy_config", Some(Write), true),
            (15, "health_check", None, true),
            (19, "revoke_credential", Some(Revoke), true),
            (20, "invalidate_sessions", Some(Revoke), true),
        ]
    );
    assert!(result
        .tool_calls
        .iter()
        .filter(|t| t.secret.is_some())
        .all(|t| t.secret.as_ref().unwrap().1 == SECRET));
}

#[test]
fn a_gated_phase_whose_gate_failed_gives_its_calls_no_approval() {
    let mut run = RotationRun::sample();
    run.approvals.retain(|a| a.id != "apr_stage_bob");
    let result = judge_folder(&run);
    let stage: Vec<bool> = result
        .tool_calls
        .iter()
        .filter(|t| (8..=15).contains(&t.seq))
        .map(|t| t.gate_satisfied)
        .collect();
    assert_eq!(stage.len(), 7);
    assert!(stage.iter().all(|s| !s));
    assert!(result
        .tool_calls
        .iter()
        .filter(|t| t.seq >= 19)
        .all(|t| t.gate_satisfied));
}
