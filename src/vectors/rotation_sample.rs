//! A recorded credential-rotation run built from fixed seeds: the runbook's example of
//! spec 30 (one secret `secret://prod/payments/stripe_api_key`, three consumers with a
//! canary, two gates with two-person approval, a model call with its receipt in every
//! phase). Every part is a public field, so a test or a vector changes exactly one thing and
//! [`RotationRun::files`] signs the rest again around it.

use crate::clawsig::producer::{sign_envelope, Signer};
use crate::crypto::sha256_b64u;
use crate::json::{jss, Value};
use crate::policy::approvals::{build_approval, ApprovalRequest, Decision};
use crate::policy::{cst, wpc};
use crate::produce::seal::json_bytes;
use crate::trust::Trust;
use crate::vectors::audit_sample::SampleKeys;

pub const SECRET: &str = "secret://prod/payments/stripe_api_key";
pub const JOB_ID: &str = "job-rotate-stripe-2026-03-02";
pub const POLICY_ISSUED_AT: &str = "2026-03-01T12:00:00Z";
/// A verification time after the whole run.
pub const VERIFY_AT: &str = "2026-03-02T12:00:00Z";

fn v(j: serde_json::Value) -> Value {
    Value::from_serde(&j)
}

/// One approval file, `artifacts/approvals/<id>.json`.
#[derive(Clone, Debug)]
pub struct RunApproval {
    pub id: String,
    pub signer: Signer,
    pub subject: String,
    /// The plan approved, by name (`artifacts/plans/<plan>.json`).
    pub plan: String,
    pub decision: Decision,
    pub timestamp: String,
}

/// One gateway receipt, `artifacts/receipts/<id>.json`, bound to a phase token.
#[derive(Clone, Debug)]
pub struct RunReceipt {
    pub id: String,
    pub nonce: String,
    pub timestamp: String,
    /// The phase token (by name) whose scope hash the receipt binds.
    pub token: String,
}

/// Every part of a recorded run.
#[derive(Clone, Debug)]
pub struct RotationRun {
    pub keys: SampleKeys,
    pub policy_payload: Value,
    pub scenario: Value,
    /// The timeline, one object per line, in order.
    pub events: Vec<Value>,
    /// `(name, claims)`: each minted at `artifacts/rotation/tokens/<name>.jwt` (pin and scope
    /// hash filled in).
    pub tokens: Vec<(String, Value)>,
    /// `(name, plan)` at `artifacts/plans/<name>.json`.
    pub plans: Vec<(String, Value)>,
    pub approvals: Vec<RunApproval>,
    pub receipts: Vec<RunReceipt>,
}

/// The runbook's policy (spec 30 §2, verbatim rules) issued by `issuer`.
pub fn policy_payload(issuer: &Signer) -> Value {
    v(serde_json::json!({
        "policy_version": "1",
        "policy_id": "pol_rotate_stripe",
        "issuer_did": issuer.did(),
        "allowed_providers": ["anthropic"],
        "metadata": {"clawaudit": {
            "extension_version": "1",
            "token_constraints": {"cst_ttl_seconds_max": 900, "require_policy_hash_pinning": true,
                                  "require_job_binding": true, "require_secret_scope": true},
            "approval_gates": [
                {"gate_id": "stage_new_secret", "min_approvers": 2, "independent_of_requester": true,
                 "approver_group": "change-board", "approval_ttl_seconds": 900},
                {"gate_id": "revoke_old_secret", "min_approvers": 2, "independent_of_requester": true,
                 "approver_group": "change-board", "approval_ttl_seconds": 900}],
            "target_secrets": [SECRET],
            "phases": [
                {"name": "discover", "tools_allow": ["read_config", "list_consumers", "health_check"],
                 "secrets": {"read": true, "write": false, "revoke": false}, "gate": null},
                {"name": "stage_new_secret", "tools_allow": ["create_secret_version", "deploy_config", "health_check"],
                 "secrets": {"read": true, "write": true, "revoke": false}, "gate": "stage_new_secret"},
                {"name": "revoke_old_secret", "tools_allow": ["revoke_credential", "invalidate_sessions", "health_check"],
                 "secrets": {"read": false, "write": false, "revoke": true}, "gate": "revoke_old_secret"}],
            "rotation_rules": {"overlap_seconds_min": 3600, "no_overlap_secrets": [], "canary_required": true}
        }}
    }))
}

/// `2026-03-02T<hh:mm>:00Z`.
pub fn at(hh_mm: &str) -> String {
    format!("2026-03-02T{hh_mm}:00Z")
}

/// Epoch seconds of `at(hh_mm)`.
pub fn secs(hh_mm: &str) -> i64 {
    crate::timeutil::parse_rfc3339(&at(hh_mm)).map_or(0, |ms| ms.div_euclid(1000))
}

/// A `tool_call` event's effect.
pub fn deploy(consumer: &str, version: &str) -> serde_json::Value {
    serde_json::json!({"kind": "deploy", "consumer": consumer, "secret": SECRET, "version": version})
}

pub fn health(consumer: &str, version: &str, ok: bool) -> serde_json::Value {
    serde_json::json!({"kind": "health_check", "consumer": consumer, "secret": SECRET, "version": version, "ok": ok})
}

/// The timeline of the runbook: discover, stage with a canary and health-gated rollout,
/// revoke after the overlap (seqs filled in by position).
fn sample_events() -> Vec<Value> {
    use serde_json::json;
    let s = SECRET;
    let steps: Vec<(&str, serde_json::Value)> = vec![
        (
            "09:00",
            json!({"type": "phase_start", "phase": "discover", "token": "discover"}),
        ),
        (
            "09:01",
            json!({"type": "tool_call", "tool": "list_consumers", "effect": {"kind": "read", "secret": s}}),
        ),
        ("09:02", json!({"type": "model_call", "receipt": "rcpt_discover"})),
        (
            "09:03",
            json!({"type": "tool_call", "tool": "health_check", "effect": health("payments-api", "v7", true)}),
        ),
        (
            "09:04",
            json!({"type": "plan_proposed", "gate": "stage_new_secret", "plan": "stage_new_secret"}),
        ),
        ("09:06", json!({"type": "phase_end", "phase": "discover"})),
        (
            "09:20",
            json!({"type": "phase_start", "phase": "stage_new_secret", "token": "stage"}),
        ),
        (
            "09:21",
            json!({"type": "tool_call", "tool": "create_secret_version",
                          "effect": {"kind": "secret_version_created", "secret": s, "version": "v8"}}),
        ),
        (
            "09:22",
            json!({"type": "tool_call", "tool": "deploy_config", "effect": deploy("payments-api", "v8")}),
        ),
        (
            "09:23",
            json!({"type": "tool_call", "tool": "health_check", "effect": health("payments-api", "v8", true)}),
        ),
        ("09:24", json!({"type": "model_call", "receipt": "rcpt_stage"})),
        (
            "09:25",
            json!({"type": "tool_call", "tool": "deploy_config", "effect": deploy("billing-worker", "v8")}),
        ),
        (
            "09:26",
            json!({"type": "tool_call", "tool": "health_check", "effect": health("billing-worker", "v8", true)}),
        ),
        (
            "09:27",
            json!({"type": "tool_call", "tool": "deploy_config", "effect": deploy("webhook-relay", "v8")}),
        ),
        (
            "09:28",
            json!({"type": "tool_call", "tool": "health_check", "effect": health("webhook-relay", "v8", true)}),
        ),
        (
            "09:29",
            json!({"type": "plan_proposed", "gate": "revoke_old_secret", "plan": "revoke_old_secret"}),
        ),
        ("09:30", json!({"type": "phase_end", "phase": "stage_new_secret"})),
        (
            "10:30",
            json!({"type": "phase_start", "phase": "revoke_old_secret", "token": "revoke"}),
        ),
        (
            "10:31",
            json!({"type": "tool_call", "tool": "revoke_credential", "effect": {"kind": "revoke", "secret": s, "version": "v7"}}),
        ),
        (
            "10:32",
            json!({"type": "tool_call", "tool": "invalidate_sessions", "effect": {"kind": "invalidate_sessions", "secret": s}}),
        ),
        ("10:33", json!({"type": "model_call", "receipt": "rcpt_revoke"})),
        ("10:35", json!({"type": "phase_end", "phase": "revoke_old_secret"})),
    ];
    steps
        .into_iter()
        .enumerate()
        .map(|(i, (t, body))| {
            let mut o = serde_json::Map::new();
            o.insert("seq".into(), json!(i + 1));
            o.insert("at".into(), json!(at(t)));
            if let serde_json::Value::Object(b) = body {
                o.extend(b);
            }
            v(serde_json::Value::Object(o))
        })
        .collect()
}

/// A phase token's claims: a 900 s window from `from`, scoped to `ops` on the secret.
pub fn token_claims(keys: &SampleKeys, from: &str, ops: &[&str], jti: &str) -> Value {
    let mut scope: Vec<String> = vec!["llm:call".to_string()];
    scope.extend(ops.iter().map(|op| format!("secret:{op}:{SECRET}")));
    v(serde_json::json!({
        "token_version": "1", "sub": "agent:rotation", "aud": ["clawproxy"], "scope": scope,
        "iat": secs(from), "exp": secs(from) + 900, "mission_id": JOB_ID, "agent_did": keys.agent.did(),
        "jti": jti
    }))
}

impl RotationRun {
    /// The valid runbook run; its outcome is `complete`.
    pub fn sample() -> RotationRun {
        let keys = SampleKeys::new();
        let requester = keys.requester.did().to_string();
        let plan = |gate: &str, summary: &str, change_set: serde_json::Value| {
            v(
                serde_json::json!({"plan_version": "1", "gate_id": gate, "job_id": JOB_ID, "requested_by": requester,
                "summary": summary, "change_set": change_set, "backout": {"action": "revert consumers to v7"}}),
            )
        };
        let approval = |id: &str, signer: &Signer, subject: &str, plan: &str, t: &str| RunApproval {
            id: id.to_string(),
            signer: signer.clone(),
            subject: subject.to_string(),
            plan: plan.to_string(),
            decision: Decision::Approve,
            timestamp: at(t),
        };
        let receipt = |id: &str, t: &str, token: &str| RunReceipt {
            id: id.to_string(),
            nonce: format!("nonce_{id}"),
            timestamp: at(t),
            token: token.to_string(),
        };
        RotationRun {
            policy_payload: policy_payload(&keys.policy_issuer),
            scenario: v(serde_json::json!({
                "scenario_version": "1", "job_id": JOB_ID, "agent_did": keys.agent.did(),
                "secrets": [{"id": SECRET, "supports_versions": true, "current_version": "v7"}],
                "consumers": [{"id": "payments-api", "secret": SECRET, "version": "v7"},
                              {"id": "billing-worker", "secret": SECRET, "version": "v7"},
                              {"id": "webhook-relay", "secret": SECRET, "version": "v7"}]})),
            events: sample_events(),
            tokens: vec![
                (
                    "discover".to_string(),
                    token_claims(&keys, "09:00", &["read"], "jti-discover"),
                ),
                (
                    "stage".to_string(),
                    token_claims(&keys, "09:20", &["read", "write"], "jti-stage"),
                ),
                (
                    "revoke".to_string(),
                    token_claims(&keys, "10:30", &["revoke"], "jti-revoke"),
                ),
            ],
            plans: vec![
                (
                    "stage_new_secret".to_string(),
                    plan(
                        "stage_new_secret",
                        "Stage v8 of the Stripe API key, canary payments-api first",
                        serde_json::json!({"secrets": [{"secret": SECRET, "from_version": "v7",
                            "consumers": ["payments-api", "billing-worker", "webhook-relay"], "canary": ["payments-api"]}]}),
                    ),
                ),
                (
                    "revoke_old_secret".to_string(),
                    plan(
                        "revoke_old_secret",
                        "Revoke v7 of the Stripe API key and invalidate its sessions",
                        serde_json::json!({"secrets": [{"secret": SECRET, "revoke_version": "v7", "invalidate_sessions": true}]}),
                    ),
                ),
            ],
            approvals: vec![
                approval(
                    "apr_stage_alice",
                    &keys.alice,
                    "alice@example.com",
                    "stage_new_secret",
                    "09:10",
                ),
                approval(
                    "apr_stage_bob",
                    &keys.bob,
                    "bob@example.com",
                    "stage_new_secret",
                    "09:12",
                ),
                approval(
                    "apr_revoke_alice",
                    &keys.alice,
                    "alice@example.com",
                    "revoke_old_secret",
                    "10:20",
                ),
                approval(
                    "apr_revoke_bob",
                    &keys.bob,
                    "bob@example.com",
                    "revoke_old_secret",
                    "10:22",
                ),
            ],
            receipts: vec![
                receipt("rcpt_discover", "09:02", "discover"),
                receipt("rcpt_stage", "09:24", "stage"),
                receipt("rcpt_revoke", "10:33", "revoke"),
            ],
            keys,
        }
    }

    /// The trust that accepts every signer of the run in its role.
    pub fn trust(&self) -> Trust {
        self.keys.trust()
    }

    /// The timeline as `events.ndjson` bytes (LF after every line).
    pub fn events_bytes(&self) -> Vec<u8> {
        let mut out = String::new();
        for e in &self.events {
            out.push_str(&jss::to_string(e));
            out.push('\n');
        }
        out.into_bytes()
    }

    /// Every file of the fixture, `(path, bytes)`, signed around the parts.
    pub fn files(&self) -> Result<Vec<(String, Vec<u8>)>, String> {
        let policy_env = wpc::sign_policy(&self.keys.policy_issuer, self.policy_payload.clone(), POLICY_ISSUED_AT)?;
        let policy = wpc::read_policy_for_producer(&policy_env)?;
        let mut out = vec![
            ("artifacts/policy/wpc.json".to_string(), json_bytes(&policy_env)),
            (
                "artifacts/rotation/scenario.json".to_string(),
                json_bytes(&self.scenario),
            ),
            ("artifacts/rotation/events.ndjson".to_string(), self.events_bytes()),
        ];
        let mut scope_hashes = Vec::new();
        for (name, claims) in &self.tokens {
            let token = cst::mint_token(&self.keys.token_issuer, claims.clone(), Some(&policy))?;
            let jws = cst::decode_compact(token.as_bytes())?;
            scope_hashes.push((name.clone(), cst::token_scope_hash(&jws.claims)?));
            out.push((format!("artifacts/rotation/tokens/{name}.jwt"), token.into_bytes()));
        }
        for (name, plan) in &self.plans {
            out.push((format!("artifacts/plans/{name}.json"), json_bytes(plan)));
        }
        for a in &self.approvals {
            let plan = self
                .plans
                .iter()
                .find(|(n, _)| *n == a.plan)
                .map(|(_, p)| p)
                .ok_or_else(|| format!("approval {} names no plan of the run", a.id))?;
            let approval = build_approval(
                &a.signer,
                &ApprovalRequest {
                    plan,
                    policy_hash_b64u: &policy.hash_b64u,
                    approver_subject: &a.subject,
                    agent_did: self.keys.agent.did(),
                    decision: a.decision,
                    timestamp: &a.timestamp,
                    receipt_id: Some(&a.id),
                    method: Some("ui_click"),
                    run_id: None,
                },
            )?;
            out.push((format!("artifacts/approvals/{}.json", a.id), json_bytes(&approval)));
        }
        for r in &self.receipts {
            let scope = scope_hashes.iter().find(|(n, _)| *n == r.token).map(|(_, h)| h.clone());
            out.push((
                format!("artifacts/receipts/{}.json", r.id),
                json_bytes(&self.receipt(r, &policy.hash_b64u, scope)?),
            ));
        }
        Ok(out)
    }

    fn receipt(&self, r: &RunReceipt, policy_hash: &str, scope_hash: Option<String>) -> Result<Value, String> {
        let mut binding = serde_json::json!({"nonce": r.nonce, "policy_hash": policy_hash});
        if let (Some(h), Some(o)) = (scope_hash, binding.as_object_mut()) {
            o.insert("token_scope_hash_b64u".into(), serde_json::json!(h));
        }
        let payload = v(serde_json::json!({
            "receipt_version": "1", "receipt_id": r.id, "gateway_id": "gw_rotation", "provider": "anthropic",
            "model": "claude-test", "request_hash_b64u": sha256_b64u(format!("request {}", r.id).as_bytes()),
            "response_hash_b64u": sha256_b64u(format!("response {}", r.id).as_bytes()),
            "tokens_input": 10, "tokens_output": 20, "latency_ms": 5, "timestamp": r.timestamp,
            "binding": binding
        }));
        Ok(sign_envelope(
            &self.keys.gateway,
            "gateway_receipt",
            payload,
            &r.timestamp,
            None,
        ))
    }

    /// The index in `events` of the event with this seq.
    pub fn event_index(&self, seq: u64) -> Option<usize> {
        self.events
            .iter()
            .position(|e| e.get("seq").and_then(Value::as_u64) == Some(seq))
    }
}

/// Edits of the timeline, for tests and vectors: each keeps `seq` 1, 2, 3, … in order.
impl RotationRun {
    /// Set field `key` of the event with this seq.
    pub fn set_event(&mut self, seq: u64, key: &str, value: serde_json::Value) -> Result<(), String> {
        let i = self.event_index(seq).ok_or_else(|| format!("no event has seq {seq}"))?;
        let o = self
            .events
            .get_mut(i)
            .and_then(Value::as_object_mut)
            .ok_or("an event is not an object")?;
        o.insert(key, v(value));
        Ok(())
    }

    /// Insert `body` as the event at `seq` (later events move up), dated `at` when given,
    /// else like the event before it.
    pub fn insert_event(&mut self, seq: u64, at: Option<&str>, body: serde_json::Value) -> Result<(), String> {
        let i = usize::try_from(seq).map_err(|e| e.to_string())?.saturating_sub(1);
        let when = match at {
            Some(t) => t.to_string(),
            None => i
                .checked_sub(1)
                .and_then(|p| self.events.get(p))
                .and_then(|e| e.get("at"))
                .and_then(Value::as_str)
                .ok_or("no event before it to take the time from")?
                .to_string(),
        };
        let mut o = serde_json::Map::new();
        o.insert("seq".into(), serde_json::json!(seq));
        o.insert("at".into(), serde_json::json!(when));
        if let serde_json::Value::Object(b) = body {
            o.extend(b);
        }
        if i > self.events.len() {
            return Err(format!("seq {seq} is past the end of the timeline"));
        }
        self.events.insert(i, v(serde_json::Value::Object(o)));
        self.renumber();
        Ok(())
    }

    pub fn remove_event(&mut self, seq: u64) -> Result<(), String> {
        let i = self.event_index(seq).ok_or_else(|| format!("no event has seq {seq}"))?;
        self.events.remove(i);
        self.renumber();
        Ok(())
    }

    fn renumber(&mut self) {
        for (i, e) in self.events.iter_mut().enumerate() {
            if let Some(o) = e.as_object_mut() {
                o.insert("seq", v(serde_json::json!(i + 1)));
            }
        }
    }

    /// Keep the first `n` events: a run that stopped there (the gate approvals and receipts
    /// of phases it never started are dropped with them).
    pub fn stop_after(&mut self, n: usize) {
        self.events.truncate(n);
        let started: Vec<String> = self
            .events
            .iter()
            .filter(|e| e.get("type").and_then(Value::as_str) == Some("phase_start"))
            .filter_map(|e| e.get("token").and_then(Value::as_str).map(str::to_string))
            .collect();
        let proposed: Vec<String> = self
            .events
            .iter()
            .filter(|e| e.get("type").and_then(Value::as_str) == Some("plan_proposed"))
            .filter_map(|e| e.get("plan").and_then(Value::as_str).map(str::to_string))
            .collect();
        let end = self
            .events
            .last()
            .and_then(|e| e.get("at"))
            .and_then(Value::as_str)
            .and_then(crate::timeutil::parse_rfc3339);
        let before_end = |a: &RunApproval| {
            end.zip(crate::timeutil::parse_rfc3339(&a.timestamp))
                .is_some_and(|(end, t)| t <= end)
        };
        self.approvals.retain(|a| proposed.contains(&a.plan) && before_end(a));
        self.receipts.retain(|r| started.contains(&r.token));
    }
}

impl RotationRun {
    /// The runbook's run with `extra` more health checks of the canary on the new version
    /// (after its first check, all at 09:23): a long, valid timeline for benchmarks.
    pub fn long_run(extra: usize) -> RotationRun {
        let mut run = RotationRun::sample();
        let check = serde_json::json!({"type": "tool_call", "tool": "health_check", "effect": health("payments-api", "v8", true)});
        let mut events = Vec::with_capacity(run.events.len() + extra);
        let (head, tail) = run.events.split_at(run.events.len().min(10));
        events.extend_from_slice(head);
        for _ in 0..extra {
            let mut o = serde_json::Map::new();
            o.insert("seq".into(), serde_json::json!(0));
            o.insert("at".into(), serde_json::json!(at("09:23")));
            if let serde_json::Value::Object(b) = &check {
                o.extend(b.clone());
            }
            events.push(v(serde_json::Value::Object(o)));
        }
        events.extend_from_slice(tail);
        run.events = events;
        run.renumber();
        run
    }
}

/// Judge `files` as a folder fixture (no checkpoint, no faults), with every step record: the
/// judgement and replay the rotation tests compare.
pub fn judge_with_steps(
    files: &crate::rotation::fixture::FixtureFiles,
    ctx: &crate::context::VerifyContext,
) -> (
    crate::rotation::model::Judgement,
    Vec<crate::rotation::model::StepRecord>,
) {
    let mut steps = Vec::new();
    let mut sink = |s: crate::rotation::model::StepRecord| steps.push(s);
    let input = crate::rotation::judge::RunInput {
        files,
        ctx,
        checkpoint: None,
        expire_token: &[],
        events: None,
    };
    let judgement = crate::rotation::judge::judge_run(input, Some(&mut sink)).judgement;
    (judgement, steps)
}
