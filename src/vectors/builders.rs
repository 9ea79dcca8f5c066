//! Producers for export and aggregate bundles (and the small proof bundles and gateway
//! receipts they carry), built exactly as the reference producers build them. Used by tests
//! and by `clawaudit vectors generate`; every key comes from `Signer::from_label`.

use crate::crypto::{b64u_encode, sha256_b64u};
use crate::json::{jcs, jss, Object, Value};

use crate::clawsig::aggregate;
use crate::clawsig::attestation_envelopes::AttestationKind;
use crate::clawsig::export_bundle::{bundle_hash, expected_manifest};
use crate::clawsig::producer::{sign_envelope, Signer};

fn obj(pairs: Vec<(&str, Value)>) -> Object {
    let mut o = Object::new();
    for (k, v) in pairs {
        o.insert(k, v);
    }
    o
}

fn num(n: f64) -> Value {
    Value::Number(n)
}

/// A one-event chain for `run_id`, as `[event]`.
pub fn one_event_chain(bundle_id: &str, run_id: &str, timestamp: &str) -> Value {
    let event_id = format!("{bundle_id}_evt_001");
    let payload_hash = sha256_b64u(event_id.as_bytes());
    let (events, _) = llm_call_chain(run_id, 1, |_| {
        (event_id.clone(), timestamp.to_string(), payload_hash.clone())
    });
    Value::Array(events)
}

/// A proof-bundle payload `{bundle_version, bundle_id, agent_did, event_chain}`.
pub fn proof_payload(agent: &Signer, bundle_id: &str, run_id: &str, timestamp: &str) -> Object {
    obj(vec![
        ("bundle_version", Value::from("1")),
        ("bundle_id", Value::from(bundle_id)),
        ("agent_did", Value::from(agent.did())),
        ("event_chain", one_event_chain(bundle_id, run_id, timestamp)),
    ])
}

/// Sign a proof-bundle payload as its agent.
pub fn proof_envelope(agent: &Signer, payload: Object, issued_at: &str, expires_at: Option<&str>) -> Value {
    sign_envelope(agent, "proof_bundle", Value::Object(payload), issued_at, expires_at)
}

/// A gateway receipt bound to the payload's (single) event, optionally with a causal span.
pub fn gateway_receipt(
    gateway: &Signer,
    receipt_id: &str,
    payload: &Object,
    span: Option<(&str, &str)>,
    timestamp: &str,
) -> Value {
    let event = payload
        .get("event_chain")
        .and_then(Value::as_array)
        .and_then(|c| c.first());
    let text = |k: &str| event.and_then(|e| e.get(k)).and_then(Value::as_str).unwrap_or("");
    let mut binding = obj(vec![
        ("run_id", Value::from(text("run_id"))),
        ("event_hash_b64u", Value::from(text("event_hash_b64u"))),
        ("nonce", Value::from(format!("nonce-{receipt_id}"))),
    ]);
    if let Some((span_id, phase)) = span {
        binding.insert("span_id", Value::from(span_id));
        binding.insert("phase", Value::from(phase));
    }
    let receipt = obj(vec![
        ("receipt_version", Value::from("1")),
        ("receipt_id", Value::from(receipt_id)),
        ("gateway_id", Value::from("gw_test")),
        ("provider", Value::from("openai")),
        ("model", Value::from("gpt-test")),
        (
            "request_hash_b64u",
            Value::from(sha256_b64u(format!("req {receipt_id}").as_bytes())),
        ),
        (
            "response_hash_b64u",
            Value::from(sha256_b64u(format!("res {receipt_id}").as_bytes())),
        ),
        ("tokens_input", num(10.0)),
        ("tokens_output", num(20.0)),
        ("latency_ms", num(100.0)),
        ("timestamp", Value::from(timestamp)),
        ("binding", Value::Object(binding)),
    ]);
    sign_envelope(gateway, "gateway_receipt", Value::Object(receipt), timestamp, None)
}

/// A rate-limit claim for one agent-scope window.
pub fn rate_limit_claim(scope_key: &str, max_requests: f64, observed: f64) -> Value {
    Value::Object(obj(vec![
        ("claim_version", Value::from("1")),
        ("scope", Value::from("agent")),
        ("scope_key", Value::from(scope_key)),
        ("window_start", Value::from("2026-02-17T00:00:00.000Z")),
        ("window_end", Value::from("2026-02-17T01:00:00.000Z")),
        ("max_requests", num(max_requests)),
        ("observed_requests", num(observed)),
    ]))
}

/// An execution attestation payload tied to a proof-bundle envelope.
pub fn execution_attestation(attester: &Signer, proof_envelope: &Value, issued_at: &str) -> Value {
    let payload = proof_envelope.get("payload");
    let text = |k: &str| payload.and_then(|p| p.get(k)).and_then(Value::as_str).unwrap_or("");
    let run = payload
        .and_then(|p| p.get("event_chain"))
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .and_then(|e| e.get("run_id"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let body = obj(vec![
        ("attestation_version", Value::from("1")),
        ("attestation_id", Value::from(format!("att_{}", text("bundle_id")))),
        ("execution_type", Value::from("sandbox_execution")),
        ("agent_did", Value::from(text("agent_did"))),
        ("attester_did", Value::from(attester.did())),
        ("run_id", Value::from(run)),
        (
            "proof_bundle_hash_b64u",
            Value::from(
                proof_envelope
                    .get("payload_hash_b64u")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
            ),
        ),
        ("issued_at", Value::from(issued_at)),
    ]);
    sign_envelope(
        attester,
        AttestationKind::Execution.envelope_type(),
        Value::Object(body),
        issued_at,
        None,
    )
}

/// A derivation attestation payload, optionally carrying a clawlogs inclusion proof.
pub fn derivation_attestation(attester: &Signer, proof: Option<Value>, issued_at: &str) -> Value {
    let model = || {
        Value::Object(obj(vec![
            ("model_identity_version", Value::from("1")),
            ("tier", Value::from("closed_opaque")),
            (
                "model",
                Value::Object(obj(vec![
                    ("provider", Value::from("openai")),
                    ("name", Value::from("gpt-test")),
                ])),
            ),
        ]))
    };
    let mut body = obj(vec![
        ("derivation_version", Value::from("1")),
        ("derivation_id", Value::from("drv_test_001")),
        ("issued_at", Value::from(issued_at)),
        ("input_model", model()),
        ("output_model", model()),
        ("transform", Value::Object(obj(vec![("kind", Value::from("other"))]))),
    ]);
    if let Some(p) = proof {
        body.insert("clawlogs", Value::Object(obj(vec![("inclusion_proof", p)])));
    }
    sign_envelope(
        attester,
        AttestationKind::Derivation.envelope_type(),
        Value::Object(body),
        issued_at,
        None,
    )
}

/// Dates of an export or aggregate bundle.
#[derive(Clone, Copy, Debug)]
pub struct Dates<'a> {
    pub created_at: &'a str,
    pub issued_at: &'a str,
    pub expires_at: Option<&'a str>,
}

/// Rebuild the manifest of an export bundle from its artifacts (entries sorted by path).
pub fn export_manifest(artifacts: &Object, generated_at: &str) -> Value {
    let entries = expected_manifest(artifacts)
        .into_iter()
        .map(|(path, hash, size)| {
            Value::Object(obj(vec![
                ("path", Value::from(path)),
                ("sha256_b64u", Value::from(hash)),
                ("content_type", Value::from("application/json")),
                ("size_bytes", num(size as f64)),
            ]))
        })
        .collect();
    Value::Object(obj(vec![
        ("manifest_version", Value::from("1")),
        ("generated_at", Value::from(generated_at)),
        ("entries", Value::Array(entries)),
    ]))
}

/// Recompute `bundle_hash_b64u` and re-sign an export bundle as `issuer` (after edits).
pub fn sign_export(issuer: &Signer, bundle: &mut Value) {
    let Some(o) = bundle.as_object_mut() else { return };
    let hash = bundle_hash(o);
    let sig = b64u_encode(&issuer.sign(hash.as_bytes()));
    o.insert("bundle_hash_b64u", Value::from(hash));
    o.insert("signature_b64u", Value::from(sig));
}

/// A signed export bundle around a proof-bundle envelope and attestations.
pub fn export_bundle(
    issuer: &Signer,
    export_id: &str,
    proof_envelope: Value,
    attestations: Vec<(AttestationKind, Value)>,
    dates: Dates<'_>,
) -> Value {
    let mut artifacts = obj(vec![("proof_bundle_envelope", proof_envelope)]);
    for kind in AttestationKind::ALL {
        let items: Vec<Value> = attestations
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, v)| v.clone())
            .collect();
        if !items.is_empty() {
            artifacts.insert(kind.artifacts_key(), Value::Array(items));
        }
    }
    let manifest = export_manifest(&artifacts, dates.created_at);
    let mut bundle = obj(vec![
        ("export_version", Value::from("1")),
        ("export_id", Value::from(export_id)),
        ("created_at", Value::from(dates.created_at)),
        ("issuer_did", Value::from(issuer.did())),
        ("manifest", manifest),
        ("artifacts", Value::Object(artifacts)),
        ("bundle_hash_b64u", Value::from("")),
        ("hash_algorithm", Value::from("SHA-256")),
        ("signature_b64u", Value::from("")),
        ("algorithm", Value::from("Ed25519")),
        ("issued_at", Value::from(dates.issued_at)),
    ]);
    if let Some(exp) = dates.expires_at {
        bundle.insert("expires_at", Value::from(exp));
    }
    let mut v = Value::Object(bundle);
    sign_export(issuer, &mut v);
    v
}

/// Members sorted by their JCS hash, as an aggregate requires.
pub fn sort_members(members: &mut [Value]) {
    members.sort_by_cached_key(|m| sha256_b64u(jcs::to_string(m).as_bytes()));
}

/// The aggregate manifest for members in their current order.
pub fn aggregate_manifest(members: &[Value], generated_at: &str) -> Value {
    let entries = members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let text = jcs::to_string(m);
            Value::Object(obj(vec![
                ("path", Value::from(format!("artifacts/member_bundles/{i}.json"))),
                ("sha256_b64u", Value::from(sha256_b64u(text.as_bytes()))),
                ("content_type", Value::from("application/json")),
                ("size_bytes", num(text.len() as f64)),
            ]))
        })
        .collect();
    Value::Object(obj(vec![
        ("manifest_version", Value::from("1")),
        ("generated_at", Value::from(generated_at)),
        ("entries", Value::Array(entries)),
    ]))
}

/// An aggregate payload over `members` (sorted here), with a matching fleet summary.
pub fn aggregate_payload(
    issuer: &Signer,
    aggregate_id: &str,
    mut members: Vec<Value>,
    dates: Dates<'_>,
    tier: &str,
) -> Object {
    sort_members(&mut members);
    let (mut agents, mut runs) = (Vec::new(), Vec::new());
    for m in &members {
        let proof = m
            .get("artifacts")
            .and_then(|a| a.get("proof_bundle_envelope"))
            .unwrap_or(m);
        let p = proof.get("payload");
        if let Some(a) = p.and_then(|p| p.get("agent_did")).and_then(Value::as_str) {
            if !agents.contains(&a) {
                agents.push(a);
            }
        }
        let run = p
            .and_then(|p| p.get("event_chain"))
            .and_then(Value::as_array)
            .and_then(|c| c.first())
            .and_then(|e| e.get("run_id"))
            .and_then(Value::as_str);
        if let Some(r) = run {
            if !runs.contains(&r) {
                runs.push(r);
            }
        }
    }
    let summary = obj(vec![
        ("total_members", num(members.len() as f64)),
        ("unique_agents", num(agents.len() as f64)),
        ("total_runs", num(runs.len() as f64)),
        ("fleet_proof_tier", Value::from(tier)),
    ]);
    let manifest = aggregate_manifest(&members, dates.created_at);
    let mut payload = obj(vec![
        ("aggregate_version", Value::from("1")),
        ("aggregate_id", Value::from(aggregate_id)),
        ("created_at", Value::from(dates.created_at)),
    ]);
    if let Some(exp) = dates.expires_at {
        payload.insert("expires_at", Value::from(exp));
    }
    payload.insert("issuer_did", Value::from(issuer.did()));
    payload.insert("manifest", manifest);
    payload.insert(
        "artifacts",
        Value::Object(obj(vec![("member_bundles", Value::Array(members))])),
    );
    payload.insert(
        "metadata",
        Value::Object(obj(vec![("fleet_summary", Value::Object(summary))])),
    );
    payload
}

/// Sign an aggregate payload as `signer`.
pub fn sign_aggregate(signer: &Signer, payload: Object, issued_at: &str) -> Value {
    let v = sign_envelope(signer, "aggregate_bundle", Value::Object(payload), issued_at, None);
    debug_assert!(aggregate::is_aggregate_shaped(&v));
    v
}

/// A `log_inclusion_proof.v1` for leaf `index` of a clawlogs tree over `leaves`, its root
/// signed by `log_signer` (None when `index` is out of range).
pub fn log_proof(log_signer: &Signer, leaves: &[[u8; 32]], index: usize, published_at: &str) -> Option<Value> {
    let root = b64u_encode(&crate::clawsig::log_proof::clawlogs_root(leaves));
    let path = crate::clawsig::log_proof::clawlogs_audit_path(leaves, index)?;
    let leaf = leaves.get(index)?;
    let signature = obj(vec![
        ("signer_did", Value::from(log_signer.did())),
        ("sig_b64u", Value::from(b64u_encode(&log_signer.sign(root.as_bytes())))),
    ]);
    Some(Value::Object(obj(vec![
        ("proof_version", Value::from("1")),
        ("log_id", Value::from("clawaudit-test-log")),
        ("tree_size", num(leaves.len() as f64)),
        ("leaf_hash_b64u", Value::from(b64u_encode(leaf))),
        ("root_hash_b64u", Value::from(root)),
        (
            "audit_path",
            Value::Array(path.iter().map(|h| Value::from(b64u_encode(h))).collect()),
        ),
        ("root_published_at", Value::from(published_at)),
        ("root_signature", Value::Object(signature)),
        ("metadata", Value::Object(obj(vec![("leaf_index", num(index as f64))]))),
    ])))
}

/// The event hash of §3.3 over the fixed-order header.
pub fn event_hash(
    event_id: &str,
    run_id: &str,
    event_type: &str,
    timestamp: &str,
    payload_hash_b64u: &str,
    prev_hash_b64u: Option<&str>,
) -> String {
    let mut header = Object::new();
    header.insert("event_id", Value::from(event_id));
    header.insert("run_id", Value::from(run_id));
    header.insert("event_type", Value::from(event_type));
    header.insert("timestamp", Value::from(timestamp));
    header.insert("payload_hash_b64u", Value::from(payload_hash_b64u));
    header.insert("prev_hash_b64u", prev_hash_b64u.map(Value::from).unwrap_or(Value::Null));
    sha256_b64u(jss::to_string(&Value::Object(header)).as_bytes())
}

/// `count` `llm_call` events of `run_id`, each linked to the one before by its hash;
/// `describe(i)` gives event `i`'s `(event_id, timestamp, payload_hash_b64u)`. Returns the
/// events and their hashes.
pub fn llm_call_chain(
    run_id: &str,
    count: usize,
    describe: impl Fn(usize) -> (String, String, String),
) -> (Vec<Value>, Vec<String>) {
    let mut events = Vec::with_capacity(count);
    let mut hashes: Vec<String> = Vec::with_capacity(count);
    for i in 0..count {
        let (event_id, timestamp, payload_hash) = describe(i);
        let prev = hashes.last().cloned();
        let hash = event_hash(
            &event_id,
            run_id,
            "llm_call",
            &timestamp,
            &payload_hash,
            prev.as_deref(),
        );
        let mut e = Object::new();
        e.insert("event_id", Value::from(event_id));
        e.insert("run_id", Value::from(run_id));
        e.insert("event_type", Value::from("llm_call"));
        e.insert("timestamp", Value::from(timestamp));
        e.insert("payload_hash_b64u", Value::from(payload_hash));
        e.insert("prev_hash_b64u", prev.map(Value::from).unwrap_or(Value::Null));
        e.insert("event_hash_b64u", Value::from(hash.as_str()));
        events.push(Value::Object(e));
        hashes.push(hash);
    }
    (events, hashes)
}
