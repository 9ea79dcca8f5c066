//! `verify` of a sealed rotation run (spec 20 §5 step 8a) agrees with the judge run on the
//! folder: same outcome, same first code, with typed event locations in the report.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly is the point

use clawaudit::audit::verify::verify_audit_bundle;
use clawaudit::context::VerifyContext;
use clawaudit::json::Value;
use clawaudit::produce::seal::{job_id_from_scenario, seal_entries, SealOptions};
use clawaudit::reason::ReasonCode;
use clawaudit::report::{CheckStatus, Location, Status};
use clawaudit::rotation::fixture::FixtureFiles;
use clawaudit::rotation::judge::{judge_run, last_event_at, RunInput};
use clawaudit::rotation::model::{Judgement, Outcome};
use clawaudit::timeutil::{format_rfc3339, parse_rfc3339};
use clawaudit::vectors::rotation_sample::{self as sample, RotationRun};

fn ctx(run: &RotationRun) -> VerifyContext {
    VerifyContext::new(parse_rfc3339(sample::VERIFY_AT).unwrap(), run.trust())
}

fn judge_folder(run: &RotationRun, files: &[(String, Vec<u8>)]) -> Judgement {
    let files = FixtureFiles::new(files.to_vec());
    let ctx = ctx(run);
    judge_run(
        RunInput {
            files: &files,
            ctx: &ctx,
            checkpoint: None,
            expire_token: &[],
            events: None,
        },
        None,
    )
    .judgement
}

fn seal(run: &RotationRun, files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let events = &files
        .iter()
        .find(|(p, _)| p == "artifacts/rotation/events.ndjson")
        .unwrap()
        .1;
    let options = SealOptions {
        job_id: job_id_from_scenario(files).unwrap(),
        run_id: None,
        agent_did: None,
        bundle_id: Some(format!("{}-simulation", sample::JOB_ID)),
        created_at: format_rfc3339(last_event_at(events).unwrap()),
        expires_at: None,
    };
    seal_entries(files, &run.keys.sealer, &options).unwrap()
}

fn agree(run: &RotationRun) -> (Judgement, clawaudit::report::SubjectReport) {
    let files = run.files().unwrap();
    let j = judge_folder(run, &files);
    let report = verify_audit_bundle("run.audit.zip", &seal(run, &files), &ctx(run));
    match j.first_violation() {
        None => {
            assert_eq!(
                report.status,
                Status::Pass,
                "{:#?}",
                report
                    .checks
                    .iter()
                    .filter(|c| c.status == CheckStatus::Fail)
                    .collect::<Vec<_>>()
            );
        }
        Some(v) => {
            assert_eq!(report.status, Status::Fail);
            assert_eq!(report.reason_code, v.code, "{:#?}", report.failing_check());
            let failing = report.failing_check().unwrap();
            if let Some(seq) = v.seq {
                assert_eq!(
                    failing.location,
                    Location::Event {
                        entry: "artifacts/rotation/events.ndjson".into(),
                        seq
                    }
                );
            }
        }
    }
    let fact = report.facts.rotation.clone().unwrap();
    assert_eq!(fact.outcome, j.outcome.as_str());
    assert_eq!(fact.first_violation_code, j.first_violation().map(|v| v.code));
    (j, report)
}

#[test]
fn the_sealed_sample_passes_with_its_outcome() {
    let run = RotationRun::sample();
    let (j, report) = agree(&run);
    assert_eq!(j.outcome, Outcome::Complete);
    let outcome = report.checks.iter().find(|c| c.id == "rotation.outcome").unwrap();
    assert_eq!(outcome.status, CheckStatus::Pass);
    assert!(outcome.detail.contains("complete (22 events judged, 0 violations)"));
    // The phase tokens and approvals were judged by the verifier's own checks.
    assert!(report
        .checks
        .iter()
        .any(|c| c.id == "approval.signature" || c.id == "approval.binding"));
    assert!(
        !report.checks.iter().any(|c| c.id == "gate.quorum"),
        "quorum is the judge's, at the phase start"
    );
}

fn edit_event(run: &mut RotationRun, seq: u64, key: &str, value: serde_json::Value) {
    let i = run.event_index(seq).unwrap();
    run.events[i]
        .as_object_mut()
        .unwrap()
        .insert(key, Value::from_serde(&value));
}

#[test]
fn violated_runs_fail_with_the_judges_first_code_at_its_event() {
    let mut run = RotationRun::sample();
    edit_event(&mut run, 2, "tool", serde_json::json!("deploy_config"));
    let (j, _) = agree(&run);
    assert_eq!(j.first_violation().unwrap().code, ReasonCode::RotationToolNotAllowed);

    let mut run = RotationRun::sample();
    run.approvals.retain(|a| a.id != "apr_stage_bob");
    let (j, report) = agree(&run);
    assert_eq!(j.first_violation().unwrap().code, ReasonCode::RotationGateNotSatisfied);
    // Every later finding is listed too.
    assert!(report.checks.iter().filter(|c| c.status == CheckStatus::Fail).count() >= 2);

    let mut run = RotationRun::sample();
    run.receipts.iter_mut().find(|r| r.id == "rcpt_stage").unwrap().token = "discover".into();
    agree(&run);
}

#[test]
fn a_halted_run_passes_with_a_warning() {
    let mut run = RotationRun::sample();
    run.events.truncate(13);
    run.events.push(Value::from_serde(
        &serde_json::json!({"seq": 14, "at": "2026-03-02T09:30:00Z", "type": "phase_end", "phase": "stage_new_secret"}),
    ));
    run.approvals.retain(|a| a.plan != "revoke_old_secret");
    run.receipts.retain(|r| r.token != "revoke");
    let (j, report) = agree(&run);
    assert_eq!(j.outcome, Outcome::HaltedSafe);
    let outcome = report.checks.iter().find(|c| c.id == "rotation.outcome").unwrap();
    assert_eq!(outcome.status, CheckStatus::Warn);
    // A warn carries its own code (spec 40 §2), never OK.
    assert_eq!(outcome.reason_code, clawaudit::reason::ReasonCode::RotationNotComplete);
}

#[test]
fn an_unreadable_timeline_fails_in_the_bundle_too() {
    let run = RotationRun::sample();
    let mut files = run.files().unwrap();
    let events = files
        .iter_mut()
        .find(|(p, _)| p == "artifacts/rotation/events.ndjson")
        .unwrap();
    let text = String::from_utf8(events.1.clone())
        .unwrap()
        .replacen("\"seq\":3", "\"seq\":4", 1);
    events.1 = text.into_bytes();
    let j = judge_folder(&run, &files);
    let report = verify_audit_bundle("run.audit.zip", &seal(&run, &files), &ctx(&run));
    assert_eq!(j.first_violation().unwrap().code, ReasonCode::RotationFixtureInvalid);
    assert_eq!(report.reason_code, ReasonCode::RotationFixtureInvalid);
    assert_eq!(report.facts.rotation.unwrap().outcome, "violated");
}
