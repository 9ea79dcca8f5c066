//! The recorded rotation fixtures shipped in `testvectors/rotation/` (spec 30, issue 8 item
//! 6): the runbook's run and runs that differ from it by one fault, each with the outcome,
//! first violation code and seq written here by hand from the rules of spec 30 §4.

use super::rotation_sample::{at, deploy, health, RotationRun, SECRET};
use super::{Expected, Suite, VectorEntry};
use crate::reason::ReasonCode;
use crate::rotation::model::Outcome;

pub const TRUST_PATH: &str = "rotation/trust.json";

/// One shipped fixture.
pub struct RotationVector {
    pub name: &'static str,
    pub run: RotationRun,
    pub outcome: Outcome,
    /// The first violation's code and seq (`None` for a run that broke no rule).
    pub first: Option<(ReasonCode, Option<u64>)>,
    /// The sealed run's verdict code when it is not the judge's: a WPC statement denying a
    /// request the rotation rules allow (`verify`'s step 8b, after the judge).
    pub verify_code: Option<ReasonCode>,
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

fn edited(edit: impl FnOnce(&mut RotationRun) -> Result<(), String>) -> Result<RotationRun, String> {
    let mut run = RotationRun::sample();
    edit(&mut run)?;
    Ok(run)
}

/// Edit a JSON part through serde_json.
fn edit_value(v: &mut crate::json::Value, edit: impl FnOnce(&mut serde_json::Value)) -> Result<(), String> {
    let mut s: serde_json::Value = serde_json::from_str(&crate::json::jcs::to_string(v)).map_err(|e| e.to_string())?;
    edit(&mut s);
    *v = crate::json::Value::from_serde(&s);
    Ok(())
}

/// Set the member at JSON pointer `at` (it must exist).
fn put(v: &mut serde_json::Value, at: &str, value: serde_json::Value) {
    if let Some(slot) = v.pointer_mut(at) {
        *slot = value;
    }
}

fn plan_mut<'a>(run: &'a mut RotationRun, name: &str) -> Result<&'a mut crate::json::Value, String> {
    run.plans
        .iter_mut()
        .find(|(n, _)| n == name)
        .map(|(_, p)| p)
        .ok_or_else(|| format!("no plan {name}"))
}

fn token_mut<'a>(run: &'a mut RotationRun, name: &str) -> Result<&'a mut crate::json::Value, String> {
    run.tokens
        .iter_mut()
        .find(|(n, _)| n == name)
        .map(|(_, t)| t)
        .ok_or_else(|| format!("no token {name}"))
}

/// The run stopped after `n` events, ending the stage phase at 09:30.
fn stop_stage(r: &mut RotationRun, n: usize) -> Result<(), String> {
    r.stop_after(n);
    let end = json(r#"{"type":"phase_end","phase":"stage_new_secret"}"#);
    r.insert_event(n as u64 + 1, Some(&at("09:30")), end)
}

/// The outcome vectors: complete, two halted_safe, incomplete, two secrets.
fn outcome_vectors() -> Result<Vec<RotationVector>, String> {
    let v = |name, run, outcome| RotationVector {
        name,
        run,
        outcome,
        first: None,
        verify_code: None,
    };
    let rollback = edited(|r| {
        r.set_event(10, "effect", health("payments-api", "v8", false))?;
        r.stop_after(10);
        r.insert_event(
            11,
            Some(&at("09:24")),
            json(r#"{"type":"tool_call","tool":"deploy_config"}"#),
        )?;
        r.set_event(11, "effect", deploy("payments-api", "v7"))?;
        r.insert_event(
            12,
            Some(&at("09:25")),
            json(r#"{"type":"tool_call","tool":"health_check"}"#),
        )?;
        r.set_event(12, "effect", health("payments-api", "v7", true))?;
        r.insert_event(
            13,
            Some(&at("09:26")),
            json(r#"{"type":"phase_end","phase":"stage_new_secret"}"#),
        )
    })?;
    let partial = edited(|r| stop_stage(r, 13))?;
    let incomplete = edited(|r| stop_stage(r, 9))?;
    Ok(vec![
        v("complete", RotationRun::sample(), Outcome::Complete),
        v("halted-safe-failed-canary-rollback", rollback, Outcome::HaltedSafe),
        v("halted-safe-partial-rollout", partial, Outcome::HaltedSafe),
        v("incomplete-canary-unverified", incomplete, Outcome::Incomplete),
        v(
            "complete-two-secrets",
            super::rotation_two::two_secrets()?,
            Outcome::Complete,
        ),
    ])
}

/// One vector per rule code of spec 30 §4, each a single fault in the sample.
fn rule_vectors() -> Result<Vec<RotationVector>, String> {
    use ReasonCode as R;
    let v = |name, run, code, seq: u64| RotationVector {
        name,
        run,
        outcome: Outcome::Violated,
        first: Some((code, Some(seq))),
        verify_code: None,
    };
    Ok(vec![
        v(
            "phase-order-skipped-phase",
            edited(|r| r.set_event(7, "phase", serde_json::json!("revoke_old_secret")))?,
            R::RotationPhaseOrder,
            7,
        ),
        v(
            "gate-one-approval-short",
            edited(|r| {
                r.approvals.retain(|a| a.id != "apr_stage_bob");
                Ok(())
            })?,
            R::RotationGateNotSatisfied,
            7,
        ),
        v(
            "gate-denied",
            edited(|r| {
                if let Some(a) = r.approvals.iter_mut().find(|a| a.id == "apr_stage_bob") {
                    a.decision = crate::policy::approvals::Decision::Deny;
                }
                Ok(())
            })?,
            R::ApprovalDenied,
            7,
        ),
        v(
            "token-reused",
            edited(|r| r.set_event(18, "token", serde_json::json!("stage")))?,
            R::RotationTokenReused,
            18,
        ),
        v(
            "token-window-exceeded",
            edited(|r| r.set_event(22, "at", serde_json::json!(at("10:46"))))?,
            R::RotationOutsideTokenWindow,
            22,
        ),
        v(
            "token-scope-missing",
            edited(|r| {
                let scope = serde_json::json!(["llm:call", format!("secret:read:{SECRET}")]);
                edit_value(token_mut(r, "stage")?, |t| put(t, "/scope", scope))
            })?,
            R::RotationTokenScopeMissing,
            8,
        ),
        v(
            "tool-not-allowed",
            edited(|r| r.set_event(2, "tool", serde_json::json!("deploy_config")))?,
            R::RotationToolNotAllowed,
            2,
        ),
        v(
            "target-not-allowed",
            edited(|r| {
                let other = "secret://prod/payments/other_key";
                edit_value(&mut r.scenario, |s| {
                    if let Some(a) = s.pointer_mut("/secrets").and_then(|x| x.as_array_mut()) {
                        a.push(serde_json::json!({"id": other, "supports_versions": true, "current_version": "v1"}));
                    }
                })?;
                let scope = serde_json::json!([
                    "llm:call",
                    format!("secret:read:{other}"),
                    format!("secret:read:{SECRET}")
                ]);
                edit_value(token_mut(r, "discover")?, |t| put(t, "/scope", scope))?;
                r.set_event(2, "effect", serde_json::json!({"kind": "read", "secret": other}))
            })?,
            R::RotationTargetNotAllowed,
            2,
        ),
        v(
            "secret-op-not-allowed",
            edited(|r| {
                let scope = serde_json::json!([
                    "llm:call",
                    format!("secret:read:{SECRET}"),
                    format!("secret:write:{SECRET}")
                ]);
                edit_value(token_mut(r, "discover")?, |t| put(t, "/scope", scope))?;
                r.set_event(
                    2,
                    "effect",
                    serde_json::json!({"kind": "secret_version_created", "secret": SECRET, "version": "v8"}),
                )
            })?,
            R::RotationSecretOpNotAllowed,
            2,
        ),
        v(
            "off-plan-revoke-version",
            edited(|r| {
                r.set_event(
                    19,
                    "effect",
                    serde_json::json!({"kind": "revoke", "secret": SECRET, "version": "v8"}),
                )
            })?,
            R::RotationOffPlan,
            19,
        ),
        v(
            "canary-skipped",
            edited(|r| {
                edit_value(plan_mut(r, "stage_new_secret")?, |p| {
                    put(p, "/change_set/secrets/0/canary", serde_json::json!(["billing-worker"]))
                })
            })?,
            R::RotationCanarySkipped,
            9,
        ),
        v(
            "unhealthy-rollout",
            edited(|r| r.remove_event(13))?,
            R::RotationUnhealthyRollout,
            13,
        ),
        v(
            "no-rollback",
            edited(|r| r.set_event(13, "effect", health("billing-worker", "v8", false)))?,
            R::RotationNoRollback,
            14,
        ),
        v(
            "no-overlap",
            edited(|r| {
                edit_value(&mut r.scenario, |s| {
                    put(s, "/secrets/0/supports_versions", serde_json::json!(false))
                })
            })?,
            R::RotationNoOverlap,
            8,
        ),
        v(
            "revoke-before-rollout",
            edited(|r| r.remove_event(15))?,
            R::RotationRevokeBeforeRollout,
            18,
        ),
        v(
            "overlap-too-short",
            edited(|r| {
                edit_value(&mut r.policy_payload, |p| {
                    put(
                        p,
                        "/metadata/clawaudit/rotation_rules/overlap_seconds_min",
                        serde_json::json!(7200),
                    )
                })
            })?,
            R::RotationOverlapTooShort,
            19,
        ),
        v(
            "receipt-bound-to-another-phase",
            edited(|r| {
                if let Some(x) = r.receipts.iter_mut().find(|x| x.id == "rcpt_stage") {
                    x.token = "discover".into();
                }
                Ok(())
            })?,
            R::ReceiptScopeMismatch,
            11,
        ),
        v(
            "fixture-seq-gap",
            edited(|r| r.set_event(3, "seq", serde_json::json!(4)))?,
            R::RotationFixtureInvalid,
            4,
        ),
    ])
}

/// The runs under a v2 WPC (`super::rotation_policy`): the judge finds them `complete`;
/// `verify` denies the fault's unapproved secret write.
fn policy_vectors() -> Result<Vec<RotationVector>, String> {
    let v = |name, run, code| RotationVector {
        name,
        run,
        outcome: Outcome::Complete,
        first: None,
        verify_code: Some(code),
    };
    Ok(vec![
        v(
            "policy-denied-unapproved-write",
            super::rotation_policy::unapproved_write()?,
            ReasonCode::PolicyDenied,
        ),
        v(
            "policy-allowed-approved-write",
            super::rotation_policy::approved_write()?,
            ReasonCode::Ok,
        ),
    ])
}

/// Every shipped fixture.
pub fn vectors() -> Result<Vec<RotationVector>, String> {
    let mut all = outcome_vectors()?;
    all.extend(rule_vectors()?);
    all.extend(policy_vectors()?);
    Ok(all)
}

/// The trust file of the rotation fixtures.
fn trust_file() -> Result<Vec<u8>, String> {
    let keys = super::audit_sample::SampleKeys::new();
    let entry = |d: &str, name: &str| serde_json::json!({"did": d, "name": name});
    let approver =
        |d: &str, subject: &str| serde_json::json!({"did": d, "subject": subject, "groups": ["change-board"]});
    let trust = serde_json::json!({
        "trust_version": "1",
        "sealers": [entry(keys.sealer.did(), "rotation sealer")],
        "policy_issuers": [entry(keys.policy_issuer.did(), "rotation policy issuer")],
        "token_issuers": [entry(keys.token_issuer.did(), "rotation token issuer")],
        "approvers": [approver(keys.alice.did(), "alice@example.com"), approver(keys.bob.did(), "bob@example.com")],
        "gateways": [entry(keys.gateway.did(), "rotation gateway")],
    });
    let mut text = serde_json::to_string_pretty(&trust).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text.into_bytes())
}

/// The files and manifest entries of `testvectors/rotation/`.
pub fn suite() -> Result<Suite, String> {
    let mut suite = Suite::default();
    suite.file(TRUST_PATH, trust_file()?);
    for vector in vectors()? {
        let dir = format!("rotation/{}", vector.name);
        for (path, bytes) in vector.run.files()? {
            suite.file(&format!("{dir}/{path}"), bytes);
        }
        let code = vector
            .verify_code
            .unwrap_or_else(|| vector.first.map_or(ReasonCode::Ok, |(c, _)| c));
        let mut entry = VectorEntry::new(
            vector.name,
            crate::report::Kind::AuditBundle,
            &dir,
            super::rotation_sample::VERIFY_AT,
            Some(TRUST_PATH),
            code,
        );
        entry.kind = "rotation".to_string();
        entry.expected = Expected {
            outcome: Some(vector.outcome.as_str().to_string()),
            first_violation: Some(
                vector
                    .first
                    .map(|(c, seq)| serde_json::json!({"code": c.as_str(), "seq": seq})),
            ),
            ..entry.expected
        };
        suite.entries.push(entry);
    }
    Ok(suite)
}
