//! The runbook's run with a second secret rotated alongside the first (one plan per gate
//! covering both, one canary each), for `testvectors/rotation/complete-two-secrets`.

use super::rotation_sample::{at, token_claims, RotationRun, SECRET};
use crate::json::Value;

pub const SECOND: &str = "secret://prod/payments/webhook_signing_key";

fn j(v: serde_json::Value) -> Value {
    Value::from_serde(&v)
}

/// The two-secret run; its outcome is `complete`.
pub fn two_secrets() -> Result<RotationRun, String> {
    let mut r = RotationRun::sample();
    let mut scenario: serde_json::Value =
        serde_json::from_str(&crate::json::jcs::to_string(&r.scenario)).map_err(|e| e.to_string())?;
    let push = |v: &mut serde_json::Value, at: &str, item: serde_json::Value| {
        if let Some(a) = v.pointer_mut(at).and_then(|x| x.as_array_mut()) {
            a.push(item);
        }
    };
    push(
        &mut scenario,
        "/secrets",
        serde_json::json!({"id": SECOND, "supports_versions": true, "current_version": "v3"}),
    );
    push(
        &mut scenario,
        "/consumers",
        serde_json::json!({"id": "notifier", "secret": SECOND, "version": "v3"}),
    );
    r.scenario = j(scenario);
    let mut policy: serde_json::Value =
        serde_json::from_str(&crate::json::jcs::to_string(&r.policy_payload)).map_err(|e| e.to_string())?;
    if let Some(slot) = policy.pointer_mut("/metadata/clawaudit/target_secrets") {
        *slot = serde_json::json!([SECRET, SECOND]);
    }
    r.policy_payload = j(policy);
    for (name, plan) in r.plans.iter_mut() {
        let mut p: serde_json::Value =
            serde_json::from_str(&crate::json::jcs::to_string(plan)).map_err(|e| e.to_string())?;
        let extra = if name == "stage_new_secret" {
            serde_json::json!({"secret": SECOND, "from_version": "v3", "consumers": ["notifier"], "canary": ["notifier"]})
        } else {
            serde_json::json!({"secret": SECOND, "revoke_version": "v3", "invalidate_sessions": true})
        };
        push(&mut p, "/change_set/secrets", extra);
        *plan = j(p);
    }
    let keys = r.keys.clone();
    r.tokens = vec![
        (
            "discover".to_string(),
            scoped(&keys, "09:00", &["read"], "jti-discover"),
        ),
        (
            "stage".to_string(),
            scoped(&keys, "09:20", &["read", "write"], "jti-stage"),
        ),
        ("revoke".to_string(), scoped(&keys, "10:30", &["revoke"], "jti-revoke")),
    ];
    let second = |kind: &str, extra: serde_json::Value| {
        let mut e = serde_json::json!({"kind": kind, "secret": SECOND});
        if let (Some(o), serde_json::Value::Object(x)) = (e.as_object_mut(), extra) {
            o.extend(x);
        }
        e
    };
    // After the first secret's rollout (seq 15, 09:28): the second one, canary first.
    let steps = [
        (
            "create_secret_version",
            second("secret_version_created", serde_json::json!({"version": "v4"})),
        ),
        (
            "deploy_config",
            second("deploy", serde_json::json!({"consumer": "notifier", "version": "v4"})),
        ),
        (
            "health_check",
            second(
                "health_check",
                serde_json::json!({"consumer": "notifier", "version": "v4", "ok": true}),
            ),
        ),
    ];
    for (i, (tool, effect)) in steps.into_iter().enumerate() {
        let seq = 16 + i as u64;
        r.insert_event(
            seq,
            Some(&format!("2026-03-02T09:28:{}0Z", i + 1)),
            serde_json::json!({"type": "tool_call", "tool": tool, "effect": effect}),
        )?;
    }
    // After the first secret's revoke and invalidation (seq 22, 23 now): the second's.
    r.insert_event(24, Some("2026-03-02T10:32:30Z"), serde_json::json!({"type": "tool_call", "tool": "revoke_credential", "effect": second("revoke", serde_json::json!({"version": "v3"}))}))?;
    r.insert_event(25, Some("2026-03-02T10:32:40Z"), serde_json::json!({"type": "tool_call", "tool": "invalidate_sessions", "effect": second("invalidate_sessions", serde_json::json!({}))}))?;
    let _ = at;
    Ok(r)
}

/// A phase token scoped to `ops` on both secrets.
fn scoped(keys: &super::audit_sample::SampleKeys, from: &str, ops: &[&str], jti: &str) -> Value {
    let mut claims = token_claims(keys, from, ops, jti);
    if let Some(scope) = claims
        .as_object_mut()
        .and_then(|o| o.get_mut("scope"))
        .and_then(|s| match s {
            Value::Array(a) => Some(a),
            _ => None,
        })
    {
        scope.extend(ops.iter().map(|op| Value::from(format!("secret:{op}:{SECOND}"))));
    }
    claims
}
