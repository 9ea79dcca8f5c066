//! What-if (spec 30 §6): every `--inject` fault on the runbook's run, and its matrix in full.
//! The expected outcomes and codes are worked out by hand from the rules of spec 30 §4.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly is the point

use clawaudit::context::VerifyContext;
use clawaudit::reason::ReasonCode as R;
use clawaudit::rotation::fixture::FixtureFiles;
use clawaudit::rotation::model::{Judgement, Outcome, StepRecord};
use clawaudit::rotation::output::matrix;
use clawaudit::rotation::whatif::{judge_with_faults, run_matrix, Fault};
use clawaudit::timeutil::parse_rfc3339;
use clawaudit::vectors::rotation_sample::{self as sample, RotationRun, SECRET};

fn setup() -> (FixtureFiles, VerifyContext) {
    let run = RotationRun::sample();
    let ctx = VerifyContext::new(parse_rfc3339(sample::VERIFY_AT).unwrap(), run.trust());
    (FixtureFiles::new(run.files().unwrap()), ctx)
}

fn inject(faults: &[&str]) -> (Judgement, Vec<StepRecord>) {
    let (files, ctx) = setup();
    let faults: Vec<Fault> = faults.iter().map(|f| Fault::parse(f).unwrap()).collect();
    let mut steps = Vec::new();
    let mut sink = |s: StepRecord| steps.push(s);
    let j = judge_with_faults(&files, &ctx, &faults, Some(&mut sink)).unwrap();
    (j, steps)
}

/// The first violation's code and seq.
type First = Option<(R, Option<u64>)>;

fn first(j: &Judgement) -> First {
    j.first_violation().map(|v| (v.code, v.seq))
}

#[test]
fn each_fault_changes_the_run_as_spec_30_says() {
    let cases: [(&str, First); 6] = [
        ("health_fail@10", Some((R::RotationCanarySkipped, Some(12)))),
        (
            "drop_approval@apr_stage_bob",
            Some((R::RotationGateNotSatisfied, Some(7))),
        ),
        ("expire_token@discover", Some((R::RotationOutsideTokenWindow, Some(2)))),
        // Recorded 9 and 10 are gone; the model call (recorded 11) is now 9, billing-worker's deploy 10.
        (
            "skip_canary@secret://prod/payments/stripe_api_key",
            Some((R::RotationCanarySkipped, Some(10))),
        ),
        (
            "revoke_early@secret://prod/payments/stripe_api_key",
            Some((R::RotationTokenScopeMissing, Some(10))),
        ),
        (
            "reuse_token@revoke_old_secret",
            Some((R::RotationTokenReused, Some(18))),
        ),
    ];
    for (fault, want) in cases {
        let (j, _) = inject(&[fault]);
        assert_eq!(first(&j), want, "{fault}: {:#?}", j.violations);
        assert_eq!(j.outcome, Outcome::Violated, "{fault}");
    }
}

#[test]
fn moved_and_removed_events_are_renumbered_and_keep_their_recorded_seq() {
    let (j, steps) = inject(&[&format!("skip_canary@{SECRET}")]);
    assert_eq!(j.events, 20);
    let seqs: Vec<u64> = steps.iter().map(|s| s.seq).collect();
    assert_eq!(seqs, (1..=20).collect::<Vec<_>>());
    // Recorded seqs 9 and 10 (the canary's deploy and check) are gone.
    assert_eq!(steps[8].recorded_seq, 11);
    let (_, steps) = inject(&[&format!("revoke_early@{SECRET}")]);
    // The revoke (recorded 19) now follows the first deploy (recorded 9), in the stage phase.
    assert_eq!((steps[9].seq, steps[9].recorded_seq), (10, 19));
    assert_eq!(steps[9].phase.as_deref(), Some("stage_new_secret"));
    assert_eq!(steps[9].at, steps[8].at);
    assert_eq!(steps[10].recorded_seq, 10);
}

#[test]
fn an_expired_token_is_simulated_not_resigned() {
    let (j, _) = inject(&["expire_token@stage_new_secret"]);
    // No signature finding: the token still verifies; its events after 09:20:01 are outside.
    assert!(!j.violations.iter().any(|v| v.code == R::SignatureInvalid));
    assert_eq!(first(&j), Some((R::RotationOutsideTokenWindow, Some(8))));
    assert!(j.phases[1].token_valid);
}

#[test]
fn faults_that_do_not_apply_are_refused() {
    let (files, ctx) = setup();
    for bad in [
        "health_fail@2",
        "health_fail@99",
        "drop_approval@nobody",
        "expire_token@nophase",
        "skip_canary@secret://x",
        "reuse_token@discover",
    ] {
        let f = Fault::parse(bad).unwrap();
        assert!(judge_with_faults(&files, &ctx, &[f], None).is_err(), "{bad}");
    }
    for bad in ["nope@1", "health_fail", "health_fail@x", "drop_approval@"] {
        assert!(Fault::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(Fault::parse("reuse_token@stage").unwrap().text(), "reuse_token@stage");
}

#[test]
fn the_matrix_of_the_runbook_run_in_full() {
    let (files, ctx) = setup();
    let rows = run_matrix(&files, &ctx);
    let got: Vec<(String, Outcome, Option<R>)> = rows
        .iter()
        .map(|r| (r.fault.clone(), r.outcome, r.first_violation_code))
        .collect();
    let s = SECRET;
    let v = Outcome::Violated;
    let want: Vec<(String, Outcome, Option<R>)> = vec![
        // A failed check of the old version in discover breaks no rule: not caught.
        ("health_fail@4".into(), Outcome::Complete, None),
        ("health_fail@10".into(), v, Some(R::RotationCanarySkipped)),
        ("health_fail@13".into(), v, Some(R::RotationNoRollback)),
        ("health_fail@15".into(), v, Some(R::RotationNoRollback)),
        (
            "drop_approval@apr_revoke_alice".into(),
            v,
            Some(R::RotationGateNotSatisfied),
        ),
        (
            "drop_approval@apr_revoke_bob".into(),
            v,
            Some(R::RotationGateNotSatisfied),
        ),
        (
            "drop_approval@apr_stage_alice".into(),
            v,
            Some(R::RotationGateNotSatisfied),
        ),
        (
            "drop_approval@apr_stage_bob".into(),
            v,
            Some(R::RotationGateNotSatisfied),
        ),
        ("expire_token@discover".into(), v, Some(R::RotationOutsideTokenWindow)),
        (
            "expire_token@stage_new_secret".into(),
            v,
            Some(R::RotationOutsideTokenWindow),
        ),
        (
            "expire_token@revoke_old_secret".into(),
            v,
            Some(R::RotationOutsideTokenWindow),
        ),
        (format!("skip_canary@{s}"), v, Some(R::RotationCanarySkipped)),
        (format!("revoke_early@{s}"), v, Some(R::RotationTokenScopeMissing)),
        ("reuse_token@stage_new_secret".into(), v, Some(R::RotationTokenReused)),
        ("reuse_token@revoke_old_secret".into(), v, Some(R::RotationTokenReused)),
    ];
    assert_eq!(got, want);
    let m = matrix(&rows);
    assert_eq!(m["caught"], 14);
    assert_eq!(m["total"], 15);
    assert_eq!(
        m["by_fault"]["health_fail"],
        serde_json::json!({"caught": 3, "total": 4})
    );
    assert_eq!(
        m["by_fault"]["reuse_token"],
        serde_json::json!({"caught": 2, "total": 2})
    );
    assert_eq!(
        m["faults"][0],
        serde_json::json!({"fault": "health_fail@4", "outcome": "complete", "first_violation_code": null, "caught": false})
    );
}
