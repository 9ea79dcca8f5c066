//! A complete, valid sealed bundle built from fixed seeds: one artifact of every kind, the
//! keys that signed them and the trust that accepts them. Tests and the test-vector
//! generator start from it and change one thing at a time.

use super::builders::llm_call_chain;
use crate::clawsig::producer::{sign_envelope, Signer};
use crate::crypto::sha256_b64u;
use crate::json::{Object, Value};
use crate::policy::approvals::{build_approval, ApprovalRequest, Decision};
use crate::policy::{cst, wpc};
use crate::trust::{ApproverEntry, Trust, TrustEntry, TrustSource};

use crate::produce::seal::{json_bytes, seal_entries, SealOptions};

pub const JOB_ID: &str = "job_rotate_db_secret";
pub const RUN_ID: &str = "run_sample_001";
pub const GATE_ID: &str = "stage_new_secret";
pub const CREATED_AT: &str = "2026-02-18T00:00:00Z";
/// A verification time at which the sample passes.
pub const VERIFY_AT: &str = "2026-02-18T00:01:00Z";
pub const POLICY_ISSUED_AT: &str = "2026-02-17T20:00:00Z";
/// Token window: 23:50:00 to 00:05:00 (900 s).
pub const TOKEN_IAT: i64 = 1_771_372_200;
pub const TOKEN_EXP: i64 = TOKEN_IAT + 900;
pub const APPROVED_AT: &str = "2026-02-17T23:45:00Z";
pub const RECEIPT_AT: &str = "2026-02-17T23:55:00Z";

/// The keys of the sample, all from fixed labels.
#[derive(Clone, Debug)]
pub struct SampleKeys {
    pub sealer: Signer,
    pub policy_issuer: Signer,
    pub token_issuer: Signer,
    pub alice: Signer,
    pub bob: Signer,
    pub gateway: Signer,
    pub agent: Signer,
    pub requester: Signer,
}

impl SampleKeys {
    pub fn new() -> SampleKeys {
        SampleKeys {
            sealer: crate::vectors::testkit::label_signer("audit sample sealer"),
            policy_issuer: crate::vectors::testkit::label_signer("audit sample policy issuer"),
            token_issuer: crate::vectors::testkit::label_signer("audit sample token issuer"),
            alice: crate::vectors::testkit::label_signer("audit sample approver alice"),
            bob: crate::vectors::testkit::label_signer("audit sample approver bob"),
            gateway: crate::vectors::testkit::label_signer("audit sample gateway"),
            agent: crate::vectors::testkit::label_signer("audit sample agent"),
            requester: crate::vectors::testkit::label_signer("audit sample requester"),
        }
    }

    /// Trust that accepts every signer of the sample in its role.
    pub fn trust(&self) -> Trust {
        let entry = |s: &Signer| TrustEntry {
            did: s.did().to_string(),
            name: None,
        };
        let approver = |s: &Signer, subject: &str| ApproverEntry {
            did: s.did().to_string(),
            subject: Some(subject.to_string()),
            groups: vec!["change-board".to_string()],
            name: None,
        };
        Trust {
            sealers: vec![entry(&self.sealer)],
            policy_issuers: vec![entry(&self.policy_issuer)],
            token_issuers: vec![entry(&self.token_issuer)],
            approvers: vec![
                approver(&self.alice, "alice@example.com"),
                approver(&self.bob, "bob@example.com"),
            ],
            gateways: vec![entry(&self.gateway)],
            attesters: vec![],
            source: TrustSource::TrustFile,
            ..Trust::default()
        }
    }
}

impl Default for SampleKeys {
    fn default() -> Self {
        SampleKeys::new()
    }
}

fn v(j: serde_json::Value) -> Value {
    Value::from_serde(&j)
}

/// The WPC payload with the clawaudit extension (pinning, job binding, one two-person gate).
pub fn policy_payload(keys: &SampleKeys) -> Value {
    v(serde_json::json!({
        "policy_version": "1",
        "policy_id": "pol_rotate_db_secret",
        "issuer_did": keys.policy_issuer.did(),
        "allowed_providers": ["anthropic"],
        "metadata": {"clawaudit": {
            "extension_version": "1",
            "token_constraints": {"cst_ttl_seconds_max": 900, "require_policy_hash_pinning": true, "require_job_binding": true},
            "approval_gates": [{"gate_id": GATE_ID, "min_approvers": 2, "independent_of_requester": true,
                                "approver_group": "change-board", "approval_ttl_seconds": 900}]
        }}
    }))
}

/// The plan gate `GATE_ID` approves.
pub fn plan(keys: &SampleKeys) -> Value {
    v(serde_json::json!({
        "plan_version": "1", "gate_id": GATE_ID, "job_id": JOB_ID, "requested_by": keys.requester.did(),
        "summary": "Stage a new database secret version",
        "change_set": {"secret": "db/main", "action": "stage_new_version"},
        "backout": {"action": "disable_new_version"}
    }))
}

/// A gateway receipt payload of the sample (fixed model, hashes and time) with `binding`.
pub fn receipt_payload(id: &str, binding: Object) -> Value {
    let mut p = v(serde_json::json!({
        "receipt_version": "1", "receipt_id": id, "gateway_id": "gw_sample", "provider": "anthropic",
        "model": "claude-test", "request_hash_b64u": sha256_b64u(format!("request {id}").as_bytes()),
        "response_hash_b64u": sha256_b64u(format!("response {id}").as_bytes()),
        "tokens_input": 10, "tokens_output": 20, "latency_ms": 5, "timestamp": RECEIPT_AT
    }));
    if let Some(o) = p.as_object_mut() {
        o.insert("binding", Value::Object(binding));
    }
    p
}

/// Every artifact of the sample as `(path, bytes)`, and the keys.
pub fn artifacts(keys: &SampleKeys) -> Result<Vec<(String, Vec<u8>)>, String> {
    let policy_env = wpc::sign_policy(&keys.policy_issuer, policy_payload(keys), POLICY_ISSUED_AT)?;
    let policy = wpc::read_policy_for_producer(&policy_env)?;
    let claims = v(serde_json::json!({
        "token_version": "1", "sub": "agent:sample", "aud": ["clawproxy"], "scope": ["llm:call"],
        "iat": TOKEN_IAT, "exp": TOKEN_EXP, "mission_id": JOB_ID, "agent_did": keys.agent.did()
    }));
    let token = cst::mint_token(&keys.token_issuer, claims, Some(&policy))?;
    let jws = cst::decode_compact(token.as_bytes())?;
    let scope_hash = cst::token_scope_hash(&jws.claims)?;

    let plan = plan(keys);
    let mut out = vec![
        ("artifacts/policy/wpc.json".to_string(), json_bytes(&policy_env)),
        ("artifacts/token/cst.jwt".to_string(), token.into_bytes()),
        (format!("artifacts/plans/{GATE_ID}.json"), json_bytes(&plan)),
    ];
    for (signer, subject, id) in [
        (&keys.alice, "alice@example.com", "apr_alice"),
        (&keys.bob, "bob@example.com", "apr_bob"),
    ] {
        let approval = build_approval(
            signer,
            &ApprovalRequest {
                plan: &plan,
                policy_hash_b64u: &policy.hash_b64u,
                approver_subject: subject,
                agent_did: keys.agent.did(),
                decision: Decision::Approve,
                timestamp: APPROVED_AT,
                receipt_id: Some(id),
                method: None,
                run_id: Some(RUN_ID),
            },
        )?;
        out.push((format!("artifacts/approvals/{id}.json"), json_bytes(&approval)));
    }

    let binding = |nonce: &str, event: Option<&str>| {
        let mut b = Object::new();
        b.insert("run_id", Value::from(RUN_ID));
        if let Some(e) = event {
            b.insert("event_hash_b64u", Value::from(e));
        }
        b.insert("nonce", Value::from(nonce));
        b.insert("policy_hash", Value::from(policy.hash_b64u.as_str()));
        b.insert("token_scope_hash_b64u", Value::from(scope_hash.as_str()));
        b
    };
    let file_receipt = sign_envelope(
        &keys.gateway,
        "gateway_receipt",
        receipt_payload("rcpt_file_1", binding("nonce_file_1", None)),
        RECEIPT_AT,
        None,
    );
    out.push((
        "artifacts/receipts/rcpt_file_1.json".to_string(),
        json_bytes(&file_receipt),
    ));

    // The proof bundle: two events and one receipt bound to the first.
    let (events, hashes) = proof_events();
    let first_event = hashes.first().cloned().unwrap_or_default();
    let bundle_receipt = sign_envelope(
        &keys.gateway,
        "gateway_receipt",
        receipt_payload("rcpt_bundle_1", binding("nonce_bundle_1", Some(&first_event))),
        RECEIPT_AT,
        None,
    );
    let proof_bundle = proof_bundle(keys, events, bundle_receipt);
    out.push(("artifacts/proof_bundle.json".to_string(), json_bytes(&proof_bundle)));

    let pulse = v(
        serde_json::json!({"trust_pulse_version": "1", "run_id": RUN_ID, "agent_did": keys.agent.did(),
        "issued_at": RECEIPT_AT, "evidence_class": "self_reported", "tier_uplift": false, "tools": [], "files": []}),
    );
    out.push(("artifacts/trust_pulse.json".to_string(), json_bytes(&pulse)));
    out.push((
        "artifacts/attachments/notes.txt".to_string(),
        b"rotation notes\n".to_vec(),
    ));
    Ok(out)
}

/// The sample proof bundle's two events (and their hashes); its receipt binds the first.
pub fn proof_events() -> (Vec<Value>, Vec<String>) {
    llm_call_chain(RUN_ID, 2, |i| {
        let id = format!("evt_{i:04}");
        let payload_hash = sha256_b64u(id.as_bytes());
        (id, RECEIPT_AT.to_string(), payload_hash)
    })
}

/// The sample proof bundle over `events` with its one `receipt`, signed by the agent.
pub fn proof_bundle(keys: &SampleKeys, events: Vec<Value>, receipt: Value) -> Value {
    let mut payload =
        v(serde_json::json!({"bundle_version": "1", "bundle_id": "pb_sample", "agent_did": keys.agent.did()}));
    if let Some(o) = payload.as_object_mut() {
        o.insert("event_chain", Value::Array(events));
        o.insert("receipts", Value::Array(vec![receipt]));
    }
    sign_envelope(&keys.agent, "proof_bundle", payload, RECEIPT_AT, None)
}

/// The seal options of the sample.
pub fn options(keys: &SampleKeys) -> SealOptions {
    SealOptions {
        job_id: JOB_ID.to_string(),
        run_id: Some(RUN_ID.to_string()),
        agent_did: Some(keys.agent.did().to_string()),
        bundle_id: Some("ab_sample".to_string()),
        created_at: CREATED_AT.to_string(),
        expires_at: None,
    }
}

/// The sealed sample bundle.
pub fn bundle(keys: &SampleKeys) -> Result<Vec<u8>, String> {
    seal_entries(&artifacts(keys)?, &keys.sealer, &options(keys))
}
