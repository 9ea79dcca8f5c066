//! The rotation judge (spec 30 §4) on the runbook's sample run and on runs that differ from
//! it by one fault: every rule code, the outcomes, the order of findings, hostile fixtures.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly is the point

use clawaudit::context::VerifyContext;
use clawaudit::json::Value;
use clawaudit::reason::ReasonCode;
use clawaudit::rotation::fixture::FixtureFiles;
use clawaudit::rotation::model::{Judgement, Outcome, StepRecord};
use clawaudit::timeutil::parse_rfc3339;
use clawaudit::vectors::rotation_sample::{self as sample, at, deploy, health, RotationRun, SECRET};

fn ctx(run: &RotationRun) -> VerifyContext {
    VerifyContext::new(parse_rfc3339(sample::VERIFY_AT).unwrap(), run.trust())
}

fn judge_files(run: &RotationRun, files: FixtureFiles) -> (Judgement, Vec<StepRecord>) {
    sample::judge_with_steps(&files, &ctx(run))
}

fn judge(run: &RotationRun) -> Judgement {
    judge_files(run, FixtureFiles::new(run.files().unwrap())).0
}

/// The first violation's code and seq.
fn first(j: &Judgement) -> Option<(ReasonCode, Option<u64>)> {
    j.first_violation().map(|v| (v.code, v.seq))
}

fn set(run: &mut RotationRun, seq: u64, key: &str, value: serde_json::Value) {
    run.set_event(seq, key, value).unwrap();
}

/// Insert an event at `seq`, dated like the event before it.
fn insert(run: &mut RotationRun, seq: u64, body: serde_json::Value) {
    run.insert_event(seq, None, body).unwrap();
}

fn remove(run: &mut RotationRun, seq: u64) {
    run.remove_event(seq).unwrap();
}

#[test]
fn the_runbook_sample_is_complete() {
    let run = RotationRun::sample();
    let (j, steps) = judge_files(&run, FixtureFiles::new(run.files().unwrap()));
    assert_eq!(j.violations, vec![], "{:#?}", j.violations);
    assert_eq!(j.outcome, Outcome::Complete);
    assert_eq!(j.events, 22);
    assert_eq!(steps.len(), 22);
    assert!(j.warnings.is_empty(), "{:?}", j.warnings);
    let names: Vec<&str> = j.phases.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["discover", "stage_new_secret", "revoke_old_secret"]);
    let stage_gate = j.phases[1].gate.as_ref().unwrap();
    assert!(stage_gate.satisfied);
    assert_eq!(stage_gate.counted, ["apr_stage_alice", "apr_stage_bob"]);
    assert_eq!(j.phases[1].end_seq, Some(17));
    assert_eq!(j.secrets[0].new_version.as_deref(), Some("v8"));
    assert!(j.secrets[0].revoked && j.secrets[0].sessions_invalidated);
    // The state after seq 8 (v8 created): both versions active, nothing deployed yet.
    let s8 = &steps[7];
    assert_eq!(s8.state.secrets[0].active_versions, ["v7", "v8"]);
    assert_eq!(
        s8.rollback.action,
        "stop; keep v7 active; delete or disable v8 (never deployed)"
    );
    assert_eq!(steps[0].rollback.action, "nothing to roll back");
    // After the canary's deploy and check: partly rolled out.
    assert_eq!(
        steps[9].rollback.action,
        "revert payments-api to v7; keep v8 disabled until the cause is found"
    );
    assert_eq!(steps[9].state.consumers[0].healthy, Some(true));
    assert_eq!(steps[8].state.consumers[0].healthy, None);
    assert_eq!(
        steps[14].rollback.action,
        "both versions active: revert consumers to v7 if needed, else proceed to revoke"
    );
    assert_eq!(
        steps[18].rollback.action,
        "incident: re-issue a credential and redeploy, then re-run the rotation properly"
    );
    assert_eq!(
        steps[19].rollback.action,
        "re-authenticate users and services by the documented procedure"
    );
    assert_eq!(steps[18].state.secrets[0].revoked, ["v7"]);
}

fn assert_first(run: &RotationRun, code: ReasonCode, seq: Option<u64>) -> Judgement {
    let j = judge(run);
    assert_eq!(first(&j), Some((code, seq)), "{:#?}", j.violations);
    assert_eq!(j.outcome, Outcome::Violated);
    j
}

fn approval_mut<'a>(run: &'a mut RotationRun, id: &str) -> &'a mut sample::RunApproval {
    run.approvals.iter_mut().find(|a| a.id == id).unwrap()
}

fn token_mut<'a>(run: &'a mut RotationRun, name: &str) -> &'a mut clawaudit::json::Object {
    run.tokens
        .iter_mut()
        .find(|(n, _)| n == name)
        .unwrap()
        .1
        .as_object_mut()
        .unwrap()
}

fn scope(ops: &[&str]) -> Value {
    let mut s = vec!["llm:call".to_string()];
    s.extend(ops.iter().map(|o| format!("secret:{o}:{SECRET}")));
    Value::from_serde(&serde_json::json!(s))
}

#[test]
fn rule_1_an_event_outside_every_phase() {
    let mut run = RotationRun::sample();
    insert(
        &mut run,
        7,
        serde_json::json!({"type": "tool_call", "tool": "read_config", "effect": null}),
    );
    assert_first(&run, ReasonCode::RotationPhaseOrder, Some(7));
}

#[test]
fn rule_1_a_phase_starting_before_the_previous_ended() {
    let mut run = RotationRun::sample();
    remove(&mut run, 6);
    let j = assert_first(&run, ReasonCode::RotationPhaseOrder, Some(6));
    assert!(
        j.violations[0].detail.contains("has not ended"),
        "{}",
        j.violations[0].detail
    );
}

#[test]
fn rule_1_a_skipped_phase() {
    let mut run = RotationRun::sample();
    // discover ends, then the revoke phase starts at once.
    set(&mut run, 7, "phase", serde_json::json!("revoke_old_secret"));
    let j = judge(&run);
    assert_eq!(
        first(&j),
        Some((ReasonCode::RotationPhaseOrder, Some(7))),
        "{:#?}",
        j.violations
    );
    assert!(j.violations[0]
        .detail
        .contains("next phase in the policy's order is \"stage_new_secret\""));
}

#[test]
fn rule_2_one_approval_short() {
    let mut run = RotationRun::sample();
    run.approvals.retain(|a| a.id != "apr_stage_bob");
    let j = assert_first(&run, ReasonCode::RotationGateNotSatisfied, Some(7));
    assert!(
        j.violations[0].detail.contains("1 of 2 distinct approvers"),
        "{}",
        j.violations[0].detail
    );
    assert!(!j.phases[1].gate.as_ref().unwrap().satisfied);
}

#[test]
fn rule_2_an_approval_before_the_proposal_does_not_count() {
    let mut run = RotationRun::sample();
    approval_mut(&mut run, "apr_stage_alice").timestamp = at("09:03");
    let j = assert_first(&run, ReasonCode::RotationGateNotSatisfied, Some(7));
    let gate = j.phases[1].gate.as_ref().unwrap();
    assert_eq!(gate.counted, ["apr_stage_bob"]);
    assert_eq!(gate.not_counted.len(), 1);
    assert!(
        gate.not_counted[0].1.contains("not after the plan was proposed"),
        "{:?}",
        gate.not_counted
    );
}

#[test]
fn rule_2_an_approval_older_than_its_ttl_does_not_count() {
    let mut run = RotationRun::sample();
    // Proposed 09:04, phase start 09:20: 09:04:30 is 930 s before it, the TTL is 900 s.
    approval_mut(&mut run, "apr_stage_alice").timestamp = "2026-03-02T09:04:30Z".to_string();
    let j = assert_first(&run, ReasonCode::RotationGateNotSatisfied, Some(7));
    let why = &j.phases[1].gate.as_ref().unwrap().not_counted[0].1;
    assert!(why.contains("approval_ttl_seconds 900"), "{why}");
    // 09:05:00 is exactly 900 s before: it counts.
    approval_mut(&mut run, "apr_stage_alice").timestamp = at("09:05");
    assert_eq!(judge(&run).outcome, Outcome::Complete);
}

#[test]
fn rule_2_a_gated_phase_without_a_proposal() {
    let mut run = RotationRun::sample();
    remove(&mut run, 5);
    let j = assert_first(&run, ReasonCode::RotationGateNotSatisfied, Some(6));
    assert!(j.violations[0].detail.contains("no plan was proposed"));
}

#[test]
fn rule_2_a_trusted_deny_wins() {
    let mut run = RotationRun::sample();
    approval_mut(&mut run, "apr_stage_bob").decision = clawaudit::policy::approvals::Decision::Deny;
    assert_first(&run, ReasonCode::ApprovalDenied, Some(7));
}

#[test]
fn rule_3_the_phase_token_is_a_spec_20_token() {
    let mut run = RotationRun::sample();
    token_mut(&mut run, "discover").insert("mission_id", Value::from("job-other"));
    assert_first(&run, ReasonCode::TokenJobMismatch, Some(1));
    // A token the minter refuses (901 s), signed by the issuer anyway.
    let run = RotationRun::sample();
    let mut files = run.files().unwrap();
    let policy = clawaudit::json::parse_str(std::str::from_utf8(&files[0].1).unwrap()).unwrap();
    let hash = clawaudit::policy::wpc::policy_hash_of_file(&policy).unwrap();
    let mut claims = run.tokens[0].1.clone();
    let o = claims.as_object_mut().unwrap();
    o.insert(
        "exp",
        Value::from_serde(&serde_json::json!(sample::secs("09:00") + 901)),
    );
    o.insert("policy_hash_b64u", Value::from(hash.as_str()));
    let jws = clawaudit::policy::cst::sign_compact(&run.keys.token_issuer, &claims);
    let slot = files
        .iter_mut()
        .find(|(p, _)| p == "artifacts/rotation/tokens/discover.jwt")
        .unwrap();
    slot.1 = jws.into_bytes();
    let (j, _) = judge_files(&run, FixtureFiles::new(files));
    assert_eq!(
        first(&j),
        Some((ReasonCode::TtlTooLong, Some(1))),
        "{:#?}",
        j.violations
    );
}

#[test]
fn rule_3_a_token_reused_by_a_later_phase() {
    let mut run = RotationRun::sample();
    set(&mut run, 18, "token", serde_json::json!("stage"));
    let j = assert_first(&run, ReasonCode::RotationTokenReused, Some(18));
    // Its window is the stage phase's: the revoke phase's events all lie outside it.
    assert!(j
        .violations
        .iter()
        .any(|v| v.code == ReasonCode::RotationOutsideTokenWindow && v.seq == Some(18)));
}

#[test]
fn rule_3_an_event_after_the_token_expired() {
    let mut run = RotationRun::sample();
    set(&mut run, 22, "at", serde_json::json!(at("10:46")));
    assert_first(&run, ReasonCode::RotationOutsideTokenWindow, Some(22));
}

#[test]
fn rule_3_a_secret_operation_the_token_does_not_scope() {
    let mut run = RotationRun::sample();
    token_mut(&mut run, "stage").insert("scope", scope(&["read"]));
    let j = assert_first(&run, ReasonCode::RotationTokenScopeMissing, Some(8));
    assert!(j.violations[0].detail.contains(&format!("secret:write:{SECRET}")));
}

#[test]
fn rule_4_a_tool_the_phase_does_not_allow() {
    let mut run = RotationRun::sample();
    set(&mut run, 2, "tool", serde_json::json!("deploy_config"));
    assert_first(&run, ReasonCode::RotationToolNotAllowed, Some(2));
}

#[test]
fn rule_5_a_secret_that_is_not_a_target() {
    let mut run = RotationRun::sample();
    let other = "secret://prod/other";
    run.scenario.as_object_mut().unwrap().get_mut("secrets").unwrap();
    let mut scenario: serde_json::Value =
        serde_json::from_str(&clawaudit::json::jcs::to_string(&run.scenario)).unwrap();
    scenario["secrets"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"id": other, "supports_versions": true, "current_version": "v1"}));
    run.scenario = Value::from_serde(&scenario);
    let mut s = vec![
        "llm:call".to_string(),
        format!("secret:read:{SECRET}"),
        format!("secret:read:{other}"),
    ];
    s.sort();
    token_mut(&mut run, "discover").insert("scope", Value::from_serde(&serde_json::json!(s)));
    set(
        &mut run,
        2,
        "effect",
        serde_json::json!({"kind": "read", "secret": other}),
    );
    assert_first(&run, ReasonCode::RotationTargetNotAllowed, Some(2));
}

#[test]
fn rule_5_an_operation_the_phase_does_not_allow() {
    let mut run = RotationRun::sample();
    token_mut(&mut run, "discover").insert("scope", scope(&["read", "write"]));
    set(
        &mut run,
        2,
        "effect",
        serde_json::json!({"kind": "secret_version_created", "secret": SECRET, "version": "v8"}),
    );
    let j = assert_first(&run, ReasonCode::RotationSecretOpNotAllowed, Some(2));
    // The same event is also off plan (no stage gate is satisfied yet): reported second.
    assert_eq!(j.violations[1].code, ReasonCode::RotationOffPlan);
}

#[test]
fn rule_6_a_revoke_of_another_version_than_approved() {
    let mut run = RotationRun::sample();
    set(
        &mut run,
        19,
        "effect",
        serde_json::json!({"kind": "revoke", "secret": SECRET, "version": "v8"}),
    );
    assert_first(&run, ReasonCode::RotationOffPlan, Some(19));
}

#[test]
fn rule_6_invalidating_sessions_the_plan_keeps() {
    let mut run = RotationRun::sample();
    let plan = run.plans.iter_mut().find(|(n, _)| n == "revoke_old_secret").unwrap();
    plan.1 = Value::from_serde(
        &serde_json::json!({"plan_version": "1", "gate_id": "revoke_old_secret", "job_id": sample::JOB_ID,
        "requested_by": run.keys.requester.did(), "summary": "Revoke v7", "backout": {"action": "none"},
        "change_set": {"secrets": [{"secret": SECRET, "revoke_version": "v7", "invalidate_sessions": false}]}}),
    );
    assert_first(&run, ReasonCode::RotationOffPlan, Some(20));
}

#[test]
fn rule_7_the_first_deploy_is_not_to_a_canary() {
    let mut run = RotationRun::sample();
    let plan = run.plans.iter_mut().find(|(n, _)| n == "stage_new_secret").unwrap();
    let mut p: serde_json::Value = serde_json::from_str(&clawaudit::json::jcs::to_string(&plan.1)).unwrap();
    p["change_set"]["secrets"][0]["canary"] = serde_json::json!(["billing-worker"]);
    plan.1 = Value::from_serde(&p);
    assert_first(&run, ReasonCode::RotationCanarySkipped, Some(9));
}

#[test]
fn rule_7_a_second_consumer_before_the_canary_passed() {
    let mut run = RotationRun::sample();
    // The canary is checked only after billing-worker got v8.
    set(&mut run, 10, "effect", deploy("billing-worker", "v8"));
    set(&mut run, 12, "effect", health("payments-api", "v8", true));
    let j = judge(&run);
    assert_eq!(
        first(&j),
        Some((ReasonCode::RotationCanarySkipped, Some(10))),
        "{:#?}",
        j.violations
    );
    // And the canary had not been checked: rule 8 on the same deploy, after rule 7.
    assert_eq!(j.violations[1].code, ReasonCode::RotationUnhealthyRollout);
}

#[test]
fn rule_8_a_deploy_before_the_previous_one_was_checked() {
    let mut run = RotationRun::sample();
    remove(&mut run, 13);
    let j = assert_first(&run, ReasonCode::RotationUnhealthyRollout, Some(13));
    assert!(j.violations[0].detail.contains("billing-worker"));
}

#[test]
fn rule_8_no_rollback_after_a_failed_check() {
    let mut run = RotationRun::sample();
    set(&mut run, 13, "effect", health("billing-worker", "v8", false));
    assert_first(&run, ReasonCode::RotationNoRollback, Some(14));
}

#[test]
fn rule_9_no_overlap_for_an_unversioned_secret() {
    let mut run = RotationRun::sample();
    let mut scenario: serde_json::Value =
        serde_json::from_str(&clawaudit::json::jcs::to_string(&run.scenario)).unwrap();
    scenario["secrets"][0]["supports_versions"] = serde_json::json!(false);
    run.scenario = Value::from_serde(&scenario);
    assert_first(&run, ReasonCode::RotationNoOverlap, Some(8));
}

#[test]
fn rule_9_revoke_before_every_consumer_is_verified() {
    let mut run = RotationRun::sample();
    remove(&mut run, 15);
    let j = assert_first(&run, ReasonCode::RotationRevokeBeforeRollout, Some(18));
    assert!(
        j.violations[0]
            .detail
            .contains("webhook-relay is not on the new version"),
        "{}",
        j.violations[0].detail
    );
}

#[test]
fn rule_9_revoke_before_the_overlap_is_over() {
    let mut run = RotationRun::sample();
    let mut p: serde_json::Value = serde_json::from_str(&clawaudit::json::jcs::to_string(&run.policy_payload)).unwrap();
    p["metadata"]["clawaudit"]["rotation_rules"]["overlap_seconds_min"] = serde_json::json!(7200);
    run.policy_payload = Value::from_serde(&p);
    let j = assert_first(&run, ReasonCode::RotationOverlapTooShort, Some(19));
    // 09:27 to 10:31 is 3840 s.
    assert!(j.violations[0].detail.contains("3840 s"), "{}", j.violations[0].detail);
}

#[test]
fn model_calls_bind_their_receipt_to_the_phase_token() {
    let mut run = RotationRun::sample();
    run.receipts.iter_mut().find(|r| r.id == "rcpt_stage").unwrap().token = "discover".into();
    assert_first(&run, ReasonCode::ReceiptScopeMismatch, Some(11));
    let mut run = RotationRun::sample();
    run.receipts
        .iter_mut()
        .find(|r| r.id == "rcpt_stage")
        .unwrap()
        .timestamp = at("09:40");
    assert_first(&run, ReasonCode::ReceiptOutsideTokenWindow, Some(11));
    let mut run = RotationRun::sample();
    set(&mut run, 21, "receipt", serde_json::json!("rcpt_revoke"));
    set(&mut run, 11, "receipt", serde_json::json!("rcpt_stage"));
    insert(
        &mut run,
        22,
        serde_json::json!({"type": "model_call", "receipt": "rcpt_revoke"}),
    );
    assert_first(&run, ReasonCode::ReceiptReplay, Some(22));
}

#[test]
fn a_receipt_no_model_call_names_is_a_warning() {
    let mut run = RotationRun::sample();
    remove(&mut run, 3);
    let j = judge(&run);
    assert_eq!(j.violations, vec![]);
    assert_eq!(j.outcome, Outcome::Complete);
    assert_eq!(j.warnings.len(), 1);
    assert_eq!(j.warnings[0].0, "artifacts/receipts/rcpt_discover.json");
}

/// The sample's events up to and including `last_seq`, then `tail` (bodies, 1 minute apart
/// from 09:30).
fn truncated(last_seq: u64, tail: &[serde_json::Value]) -> RotationRun {
    let mut run = RotationRun::sample();
    run.stop_after(last_seq as usize);
    for (i, body) in tail.iter().enumerate() {
        let seq = last_seq + i as u64 + 1;
        run.insert_event(seq, Some(&format!("2026-03-02T09:3{i}:00Z")), body.clone())
            .unwrap();
    }
    run
}

#[test]
fn halted_safe_after_a_failed_canary_and_its_rollback() {
    let mut run = truncated(
        10,
        &[
            serde_json::json!({"type": "tool_call", "tool": "deploy_config", "effect": deploy("payments-api", "v7")}),
            serde_json::json!({"type": "tool_call", "tool": "health_check", "effect": health("payments-api", "v7", true)}),
            serde_json::json!({"type": "phase_end", "phase": "stage_new_secret"}),
        ],
    );
    set(&mut run, 10, "effect", health("payments-api", "v8", false));
    let j = judge(&run);
    assert_eq!(j.violations, vec![]);
    assert_eq!(j.outcome, Outcome::HaltedSafe);
}

#[test]
fn halted_safe_after_a_partial_rollout() {
    let run = truncated(
        13,
        &[serde_json::json!({"type": "phase_end", "phase": "stage_new_secret"})],
    );
    let (j, steps) = judge_files(&run, FixtureFiles::new(run.files().unwrap()));
    assert_eq!(j.violations, vec![]);
    assert_eq!(j.outcome, Outcome::HaltedSafe);
    assert_eq!(
        steps.last().unwrap().rollback.action,
        "revert payments-api, billing-worker to v7; keep v8 disabled until the cause is found"
    );
}

#[test]
fn incomplete_when_a_consumer_is_left_unverified_or_failing() {
    let run = truncated(
        9,
        &[serde_json::json!({"type": "phase_end", "phase": "stage_new_secret"})],
    );
    let j = judge(&run);
    assert_eq!((j.violations.len(), j.outcome), (0, Outcome::Incomplete));
    // A run that ends right after a failed check breaks no rule: incomplete.
    let mut run = truncated(10, &[]);
    set(&mut run, 10, "effect", health("payments-api", "v8", false));
    let j = judge(&run);
    assert_eq!(
        (j.violations.len(), j.outcome),
        (0, Outcome::Incomplete),
        "{:#?}",
        j.violations
    );
}

#[test]
fn all_findings_are_kept_and_the_state_advances() {
    let mut run = RotationRun::sample();
    set(&mut run, 2, "tool", serde_json::json!("deploy_config"));
    remove(&mut run, 13);
    let j = judge(&run);
    let codes: Vec<(ReasonCode, Option<u64>)> = j.violations.iter().map(|v| (v.code, v.seq)).collect();
    assert_eq!(
        codes,
        [
            (ReasonCode::RotationToolNotAllowed, Some(2)),
            (ReasonCode::RotationUnhealthyRollout, Some(13)),
            (ReasonCode::RotationRevokeBeforeRollout, Some(18)),
        ]
    );
    assert_eq!(j.violations_total, 3);
    assert_eq!(j.events, 21);
}
