//! Rotation runs under a v2 WPC whose statements require human approval for secret writes
//! (issue 10 × issue 8): `testvectors/rotation/policy-denied-unapproved-write` and its twin
//! `policy-allowed-approved-write`.
//!
//! The policy is the runbook's (same extension) as a v2 WPC with four statements: model
//! calls to anthropic, every tool, `secret:read` on `secret://prod/payments/*`, and
//! `secret:write`/`secret:revoke` there only `when Bool Request:HasHumanApproval=true`. Its
//! rotation rules add an ungated phase `rollout` between staging and revoking, which the
//! extension lets deploy (`tools_allow: deploy_config, health_check`, `secrets.write:
//! true`).
//!
//! Why the fault is only the policy's: a write in a gated phase whose gate is not satisfied
//! is already `ROTATION_GATE_NOT_SATISFIED` at that phase's start, which comes first. A
//! write in an ungated phase breaks no rotation rule when that phase allows writes and the
//! write is on the stage plan approved earlier (the stage change set stays in force), so the
//! judge's outcome is `complete`. But nobody approved the phase the write happens in: its
//! requests carry `Request:HasHumanApproval = "false"`, and the statements deny them.
//!
//! - The fault ends the stage phase after the canary (seq 11) and rolls out to
//!   billing-worker and webhook-relay in `rollout`: the first denied request is the
//!   `secret:write` of the deploy to billing-worker, seq 14 (11 + the two inserted
//!   boundary events + 1).
//! - The twin ends the stage phase after the last health check (seq 15): every write lies
//!   in the gated stage phase, `rollout` only proposes the revoke plan; every request is
//!   allowed.

use super::rotation_sample::{at, token_claims, RotationRun};
use crate::json::Value;

/// The seq of the fault's first denied request (hand count, see the module text).
pub const DENIED_SEQ: u64 = 14;

fn j(v: serde_json::Value) -> Value {
    Value::from_serde(&v)
}

/// The runbook's policy as a v2 WPC with the statements above and the `rollout` phase.
pub fn v2_policy(run: &RotationRun) -> Result<Value, String> {
    let v1: serde_json::Value =
        serde_json::from_str(&crate::json::jcs::to_string(&run.policy_payload)).map_err(|e| e.to_string())?;
    let mut metadata = v1.get("metadata").cloned().ok_or("the sample policy has no metadata")?;
    let phases = metadata
        .pointer_mut("/clawaudit/phases")
        .and_then(|p| p.as_array_mut())
        .ok_or("the sample policy has no phases")?;
    phases.insert(
        2,
        serde_json::json!({"name": "rollout", "tools_allow": ["deploy_config", "health_check"],
                           "secrets": {"read": true, "write": true, "revoke": false}, "gate": null}),
    );
    let approved = serde_json::json!({"Bool": {"Request:HasHumanApproval": "true"}});
    Ok(j(serde_json::json!({
        "policy_version": "2",
        "policy_id": "pol_rotate_stripe_v2",
        "issuer_did": run.keys.policy_issuer.did(),
        "statements": [
            {"sid": "AllowAnthropic", "effect": "Allow", "actions": ["model:invoke"], "resources": ["*"],
             "conditions": {"StringEquals": {"Model:Provider": "anthropic"}}},
            {"sid": "AllowRotationTools", "effect": "Allow", "actions": ["tool:execute"], "resources": ["*"]},
            {"sid": "AllowPaymentsSecretRead", "effect": "Allow", "actions": ["secret:read"],
             "resources": ["secret://prod/payments/*"]},
            {"sid": "AllowApprovedPaymentsSecretChange", "effect": "Allow",
             "actions": ["secret:write", "secret:revoke"], "resources": ["secret://prod/payments/*"],
             "conditions": approved}
        ],
        "metadata": metadata
    })))
}

/// The sample under [`v2_policy`], the stage phase ended after event `after` (at `hh_mm`,
/// the time of that event) and `rollout` started right after it, running to the end of
/// what was the stage phase (its `phase_end` now ends `rollout`).
fn rollout_run(after: u64, hh_mm: &str) -> Result<RotationRun, String> {
    let mut r = RotationRun::sample();
    r.policy_payload = v2_policy(&r)?;
    let old_end = r
        .events
        .iter()
        .filter(|e| e.get("type").and_then(Value::as_str) == Some("phase_end"))
        .find(|e| e.get("phase").and_then(Value::as_str) == Some("stage_new_secret"))
        .and_then(|e| e.get("seq").and_then(Value::as_u64))
        .ok_or("the sample has no phase_end of stage_new_secret")?;
    r.set_event(old_end, "phase", serde_json::json!("rollout"))?;
    let second = |s: &str| format!("{}{s}Z", at(hh_mm).trim_end_matches("00Z"));
    r.insert_event(
        after.saturating_add(1),
        Some(&second("20")),
        serde_json::json!({"type": "phase_end", "phase": "stage_new_secret"}),
    )?;
    r.insert_event(
        after.saturating_add(2),
        Some(&second("40")),
        serde_json::json!({"type": "phase_start", "phase": "rollout", "token": "rollout"}),
    )?;
    let claims = token_claims(&r.keys, hh_mm, &["read", "write"], "jti-rollout");
    r.tokens.insert(2, ("rollout".to_string(), claims));
    Ok(r)
}

/// The fault: billing-worker and webhook-relay get v8 in the ungated `rollout` phase.
pub fn unapproved_write() -> Result<RotationRun, String> {
    rollout_run(11, "09:24")
}

/// The twin: every write in the gated stage phase; `rollout` proposes the revoke plan.
pub fn approved_write() -> Result<RotationRun, String> {
    rollout_run(15, "09:28")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(r: &RotationRun) -> Vec<(u64, String)> {
        r.events
            .iter()
            .map(|e| {
                let seq = e.get("seq").and_then(Value::as_u64).unwrap();
                let t = e.get("type").and_then(Value::as_str).unwrap();
                let what = e
                    .get("phase")
                    .or_else(|| e.get("tool"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                (seq, format!("{t} {what}"))
            })
            .collect()
    }

    #[test]
    fn the_fault_deploys_to_billing_worker_at_seq_14_inside_rollout() {
        let ts = types(&unapproved_write().unwrap());
        assert_eq!(ts[11], (12, "phase_end stage_new_secret".to_string()));
        assert_eq!(ts[12], (13, "phase_start rollout".to_string()));
        assert_eq!(ts[13], (DENIED_SEQ, "tool_call deploy_config".to_string()));
        assert_eq!(ts[18], (19, "phase_end rollout".to_string()));
        assert_eq!(ts.len(), 24);
    }

    #[test]
    fn the_twin_ends_the_stage_phase_after_the_last_health_check() {
        let ts = types(&approved_write().unwrap());
        assert_eq!(ts[14], (15, "tool_call health_check".to_string()));
        assert_eq!(ts[15], (16, "phase_end stage_new_secret".to_string()));
        assert_eq!(ts[16], (17, "phase_start rollout".to_string()));
        assert_eq!(ts[17], (18, "plan_proposed ".to_string()));
        assert_eq!(ts[18], (19, "phase_end rollout".to_string()));
    }

    #[test]
    fn the_v2_policy_inserts_rollout_third_and_keeps_the_extension() {
        let p = v2_policy(&RotationRun::sample()).unwrap();
        let names: Vec<&str> = p
            .get("metadata")
            .and_then(|m| m.get("clawaudit"))
            .and_then(|c| c.get("phases"))
            .and_then(Value::as_array)
            .unwrap()
            .iter()
            .filter_map(|ph| ph.get("name").and_then(Value::as_str))
            .collect();
        assert_eq!(names, ["discover", "stage_new_secret", "rollout", "revoke_old_secret"]);
        assert_eq!(p.get("policy_version").and_then(Value::as_str), Some("2"));
    }
}
