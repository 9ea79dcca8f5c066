//! Proof-bundle checks beyond the conformance vectors: every reason code the verifier emits
//! and every strictness rule of spec 00 / §8, each on a bundle re-signed so that exactly the
//! intended check fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use clawaudit::clawsig::gateway_receipts::verify_gateway_receipt;
use clawaudit::clawsig::producer::{sign_envelope, Signer};
use clawaudit::clawsig::proof_bundle::{verify_proof_bundle, ProofBundleOptions};
use clawaudit::clawsig::tiers::ProofTier;
use clawaudit::context::VerifyContext;
use clawaudit::crypto::{b64u_encode, did_key_from_public, sha256_b64u};
use clawaudit::json::{self, jss, Value};
use clawaudit::reason::ReasonCode;
use clawaudit::report::{Kind, Status};
use clawaudit::timeutil::parse_rfc3339;
use clawaudit::trust::{Trust, TrustEntry};
use clawaudit::vectors::builders::event_hash;
use clawaudit::verify::{verify_subject, Subject};
use serde_json::json;

const RUN: &str = "run_strict_001";
const T0: &str = "2026-02-12T00:00:00.000Z";
const T1: &str = "2026-02-12T00:00:01.000Z";
const T2: &str = "2026-02-12T00:00:02.000Z";

fn agent() -> Signer {
    clawaudit::vectors::testkit::label_signer("agent")
}
fn gateway() -> Signer {
    clawaudit::vectors::testkit::label_signer("gateway")
}
fn v(j: serde_json::Value) -> Value {
    Value::from_serde(&j)
}

fn events(n: usize) -> (Vec<Value>, Vec<String>) {
    let mut out = Vec::new();
    let mut hashes: Vec<String> = Vec::new();
    for i in 0..n {
        let id = format!("evt_{i:04}");
        let ph = sha256_b64u(id.as_bytes());
        let prev = hashes.last().cloned();
        let h = event_hash(&id, RUN, "llm_call", T0, &ph, prev.as_deref());
        out.push(v(
            json!({"event_id": id, "run_id": RUN, "event_type": "llm_call", "timestamp": T0,
            "payload_hash_b64u": ph, "prev_hash_b64u": prev, "event_hash_b64u": h}),
        ));
        hashes.push(h);
    }
    (out, hashes)
}

fn receipt_payload(i: usize, binding: serde_json::Value) -> serde_json::Value {
    json!({"receipt_version": "1", "receipt_id": format!("rcpt_{i}"), "gateway_id": "gw", "provider": "anthropic",
        "model": "claude-test", "request_hash_b64u": sha256_b64u(b"req"), "response_hash_b64u": sha256_b64u(b"resp"),
        "tokens_input": 10, "tokens_output": 20, "latency_ms": 5, "timestamp": T0, "binding": binding})
}

fn receipt(signer: &Signer, payload: serde_json::Value) -> Value {
    sign_envelope(signer, "gateway_receipt", v(payload), T1, None)
}

fn bound(i: usize, event: &str) -> Value {
    receipt(
        &gateway(),
        receipt_payload(
            i,
            json!({"run_id": RUN, "event_hash_b64u": event, "nonce": format!("nonce_{i}")}),
        ),
    )
}

/// A valid payload: 2 events and one bound receipt.
fn base_payload() -> Value {
    let (evs, hashes) = events(2);
    let mut p = v(json!({"bundle_version": "1", "bundle_id": "bundle_strict", "agent_did": agent().did()}));
    let o = p.as_object_mut().unwrap();
    o.insert("event_chain", Value::Array(evs));
    o.insert("receipts", Value::Array(vec![bound(0, &hashes[0])]));
    p
}

fn hashes_of(p: &Value) -> Vec<String> {
    p.get("event_chain")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.get("event_hash_b64u").unwrap().as_str().unwrap().to_string())
        .collect()
}

fn set(p: &mut Value, key: &str, val: Value) {
    p.as_object_mut().unwrap().insert(key, val);
}

fn sign(p: Value) -> Value {
    sign_envelope(&agent(), "proof_bundle", p, T2, None)
}

fn at() -> i64 {
    parse_rfc3339("2026-02-17T22:38:41.556Z").unwrap()
}

fn trust() -> Trust {
    let mut t = Trust::empty();
    t.gateways.push(TrustEntry {
        did: gateway().did().to_string(),
        name: None,
    });
    t
}

fn ctx() -> VerifyContext {
    VerifyContext::new(at(), trust())
}

fn strict() -> ProofBundleOptions<'static> {
    ProofBundleOptions {
        strict_receipts: true,
        urm: None,
        ttl_skew_ms: 0,
    }
}

fn code_with(bundle: &Value, ctx: &VerifyContext, opts: &ProofBundleOptions) -> ReasonCode {
    let out = verify_proof_bundle(bundle, ctx, opts);
    assert_eq!(out.failure.is_none(), out.findings.first_failure().is_none());
    out.failure.map_or(ReasonCode::Ok, |f| f.code)
}

fn code(bundle: &Value) -> ReasonCode {
    code_with(bundle, &ctx(), &strict())
}

fn with_receipts(mut p: Value, receipts: Vec<Value>) -> Value {
    set(&mut p, "receipts", Value::Array(receipts));
    p
}

#[test]
fn valid_bundle_passes_with_gateway_tier() {
    let out = verify_proof_bundle(&sign(base_payload()), &ctx(), &strict());
    assert!(out.failure.is_none(), "{:?}", out.failure);
    assert_eq!(out.proof_tier, ProofTier::Gateway);
    assert_eq!(out.trust_tier, "verified");
    assert_eq!(out.summary.counts.receipts_verified, 1);
    assert_eq!(out.summary.run_id.as_deref(), Some(RUN));
    assert_eq!(out.summary.gateway_receipts[0].nonce.as_deref(), Some("nonce_0"));
}

#[test]
fn bare_payload_is_malformed_envelope() {
    assert_eq!(code(&base_payload()), ReasonCode::MalformedEnvelope);
}

#[test]
fn small_order_and_undecodable_signer_keys_fail() {
    // The identity point (small order) with R = identity, S = 0 "verifies" anything in WebCrypto.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let did = did_key_from_public(&identity);
    let mut p = base_payload();
    set(&mut p, "agent_did", Value::from(did.as_str()));
    set(&mut p, "receipts", Value::Array(vec![]));
    p.as_object_mut().unwrap().remove("receipts");
    let mut env = sign(p.clone());
    let o = env.as_object_mut().unwrap();
    o.insert("signer_did", Value::from(did.as_str()));
    let mut sig = [0u8; 64];
    sig[0] = 1;
    o.insert("signature_b64u", Value::from(b64u_encode(&sig)));
    assert_eq!(code(&env), ReasonCode::SignatureInvalid);

    let bad = "did:key:z6MkWRONGWRONGWRONG";
    set(&mut p, "agent_did", Value::from(bad));
    let mut env = sign(p);
    env.as_object_mut().unwrap().insert("signer_did", Value::from(bad));
    assert_eq!(code(&env), ReasonCode::InvalidDidFormat);
}

#[test]
fn signer_must_be_the_agent() {
    let env = sign_envelope(
        &clawaudit::vectors::testkit::label_signer("other"),
        "proof_bundle",
        base_payload(),
        T2,
        None,
    );
    assert_eq!(code(&env), ReasonCode::InvalidDidFormat);
}

#[test]
fn duplicate_receipt_id_or_nonce_is_replay() {
    let p = base_payload();
    let h = hashes_of(&p);
    let same = bound(0, &h[0]);
    assert_eq!(
        code(&sign(with_receipts(p.clone(), vec![same.clone(), same]))),
        ReasonCode::ReceiptReplay
    );
    let other = receipt(
        &gateway(),
        receipt_payload(1, json!({"run_id": RUN, "event_hash_b64u": h[1], "nonce": "nonce_0"})),
    );
    assert_eq!(
        code(&sign(with_receipts(p.clone(), vec![bound(0, &h[0]), other]))),
        ReasonCode::ReceiptReplay
    );
    // Same receipt_id, different payload: the reference's code wins.
    let mut changed = receipt_payload(0, json!({"run_id": RUN, "event_hash_b64u": h[1], "nonce": "nonce_9"}));
    changed["tokens_input"] = json!(11);
    let r2 = receipt(&gateway(), changed);
    assert_eq!(
        code(&sign(with_receipts(p, vec![bound(0, &h[0]), r2]))),
        ReasonCode::CausalReceiptReplayDetected
    );
}

#[test]
fn every_gateway_receipt_must_verify_bound_or_not() {
    let p = base_payload();
    let h = hashes_of(&p);
    let unbound = receipt(&gateway(), receipt_payload(1, json!({"nonce": "n1"})));
    assert_eq!(
        code(&sign(with_receipts(p.clone(), vec![bound(0, &h[0]), unbound.clone()]))),
        ReasonCode::Ok
    );

    let mut bad_sig = unbound.clone();
    let s = bad_sig.get("signature_b64u").unwrap().as_str().unwrap().to_string();
    let flipped = format!("{}{}", if s.starts_with('A') { "B" } else { "A" }, &s[1..]);
    bad_sig
        .as_object_mut()
        .unwrap()
        .insert("signature_b64u", Value::from(flipped));
    let bundle = sign(with_receipts(p.clone(), vec![bound(0, &h[0]), bad_sig]));
    assert_eq!(code(&bundle), ReasonCode::ReceiptVerificationFailed);
    // The reference core alone (no strict rule) stays VALID.
    assert_eq!(
        code_with(&bundle, &ctx(), &ProofBundleOptions::default()),
        ReasonCode::Ok
    );

    let stranger = receipt(
        &clawaudit::vectors::testkit::label_signer("stranger"),
        receipt_payload(1, json!({"nonce": "n1"})),
    );
    assert_eq!(
        code(&sign(with_receipts(p.clone(), vec![bound(0, &h[0]), stranger]))),
        ReasonCode::ReceiptVerificationFailed
    );

    // Bound receipts and no allowlist: DEPENDENCY_NOT_CONFIGURED (§3.4 CLI rule).
    let no_trust = VerifyContext::new(at(), Trust::empty());
    assert_eq!(
        code_with(&sign(p.clone()), &no_trust, &strict()),
        ReasonCode::DependencyNotConfigured
    );
    // Bound to another run with valid signatures: RECEIPT_BINDING_MISMATCH.
    let other_run = receipt(
        &gateway(),
        receipt_payload(0, json!({"run_id": "run_other", "event_hash_b64u": h[0]})),
    );
    assert_eq!(
        code(&sign(with_receipts(p, vec![other_run]))),
        ReasonCode::ReceiptBindingMismatch
    );
}

#[test]
fn duplicate_json_keys_are_malformed_json() {
    let text = jss::to_string(&sign(base_payload()));
    let dup = text.replacen(
        "{\"envelope_version\":\"1\"",
        "{\"envelope_version\":\"1\",\"envelope_version\":\"1\"",
        1,
    );
    assert_ne!(dup, text);
    let mut s = Subject::new("dup.json", dup.into_bytes());
    s.kind = Some(Kind::ProofBundle);
    let r = verify_subject(&s, &ctx());
    assert_eq!((r.status, r.reason_code), (Status::Fail, ReasonCode::MalformedJson));
}

fn non_canonical(sig: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = *sig.as_bytes().last().unwrap();
    let idx = ALPHABET.iter().position(|c| *c == last).unwrap();
    format!("{}{}", &sig[..sig.len() - 1], ALPHABET[idx | 1] as char)
}

#[test]
fn non_canonical_base64url_signatures_are_malformed() {
    let mut env = sign(base_payload());
    let s = env.get("signature_b64u").unwrap().as_str().unwrap().to_string();
    env.as_object_mut()
        .unwrap()
        .insert("signature_b64u", Value::from(non_canonical(&s)));
    assert_eq!(code(&env), ReasonCode::MalformedEnvelope);
    env.as_object_mut()
        .unwrap()
        .insert("signature_b64u", Value::from(format!("{s}==")));
    assert_eq!(code(&env), ReasonCode::MalformedEnvelope);

    // A tool-receipt envelope whose signature has non-zero trailing bits.
    let tool = tool_payload(json!({}));
    let mut t = sign_envelope(
        &clawaudit::vectors::testkit::label_signer("tool"),
        "tool_receipt",
        v(tool),
        T1,
        None,
    );
    let ts = t.get("signature_b64u").unwrap().as_str().unwrap().to_string();
    t.as_object_mut()
        .unwrap()
        .insert("signature_b64u", Value::from(non_canonical(&ts)));
    let mut p = base_payload();
    set(&mut p, "tool_receipts", Value::Array(vec![t]));
    assert_eq!(code(&sign(p)), ReasonCode::MalformedEnvelope);
}

#[test]
fn timestamps_are_rfc3339_only() {
    let mut env = sign(base_payload());
    env.as_object_mut()
        .unwrap()
        .insert("issued_at", Value::from("Feb 12 2026"));
    assert_eq!(code(&env), ReasonCode::MalformedEnvelope);
    let mut p = base_payload();
    let mut claim = rate_claim();
    claim["window_start"] = json!("2026-02-16 00:00");
    set(&mut p, "rate_limit_claims", Value::Array(vec![v(claim)]));
    assert_eq!(code(&sign(p)), ReasonCode::SchemaValidationFailed);
}

#[test]
fn expiry_uses_the_verification_time() {
    let env = sign_envelope(
        &agent(),
        "proof_bundle",
        base_payload(),
        T2,
        Some("2026-02-13T00:00:00Z"),
    );
    assert_eq!(code(&env), ReasonCode::ExpiredTtl);
    let later = sign_envelope(
        &agent(),
        "proof_bundle",
        base_payload(),
        T2,
        Some("2027-01-01T00:00:00Z"),
    );
    assert_eq!(code(&later), ReasonCode::Ok);
}

#[test]
fn v2_bundles_and_unknown_fields_fail_the_schema() {
    let mut p = base_payload();
    set(&mut p, "bundle_version", Value::from("2"));
    assert_eq!(code(&sign(p)), ReasonCode::SchemaValidationFailed);
    let mut p = base_payload();
    set(&mut p, "schema_version", Value::from("proof_bundle.v2"));
    assert_eq!(code(&sign(p)), ReasonCode::SchemaValidationFailed);
}

#[test]
fn unverified_evidence_is_unsupported() {
    for field in ["policy_binding", "runner_attestation_receipt", "prompt_pack"] {
        let mut p = base_payload();
        set(&mut p, "metadata", v(json!({ field: {"x": 1} })));
        let out = verify_proof_bundle(&sign(p), &ctx(), &strict());
        let f = out.failure.unwrap();
        assert_eq!(f.code, ReasonCode::UnsupportedEvidence);
        assert!(f.detail.contains(field));
    }
    let mut p = base_payload();
    set(
        &mut p,
        "metadata",
        v(json!({"sentinels": {"interpose_active": true, "interpose_state": {"cldd": {}}}})),
    );
    assert_eq!(code(&sign(p)), ReasonCode::UnsupportedEvidence);
    let mut p = base_payload();
    set(&mut p, "vir_receipts", v(json!([{}])));
    assert_eq!(code(&sign(p)), ReasonCode::UnsupportedEvidence);
}

#[test]
fn structural_rules() {
    let mut p = base_payload();
    set(&mut p, "metadata", v(json!({"blob": "x".repeat(17 * 1024)})));
    assert_eq!(code(&sign(p)), ReasonCode::MalformedEnvelope);
    // Only tool receipts: the code requires urm, chain, receipts or attestations.
    let mut p = v(json!({"bundle_version": "1", "bundle_id": "b", "agent_did": agent().did()}));
    set(&mut p, "tool_receipts", Value::Array(vec![v(tool_payload(json!({})))]));
    assert_eq!(code(&sign(p)), ReasonCode::MalformedEnvelope);
    // Duplicate event_id (hashes recomputed so only the id rule fires).
    let mut p = base_payload();
    let (mut evs, _) = events(2);
    let first = evs[0].clone();
    let h0 = first.get("event_hash_b64u").unwrap().as_str().unwrap().to_string();
    let ph = sha256_b64u(b"evt_0000");
    let h1 = event_hash("evt_0000", RUN, "llm_call", T0, &ph, Some(&h0));
    evs[1] = v(
        json!({"event_id": "evt_0000", "run_id": RUN, "event_type": "llm_call", "timestamp": T0,
        "payload_hash_b64u": ph, "prev_hash_b64u": h0, "event_hash_b64u": h1}),
    );
    set(&mut p, "event_chain", Value::Array(evs));
    assert_eq!(code(&sign(p)), ReasonCode::MalformedEnvelope);
}

#[test]
fn event_chain_linkage_and_hashes() {
    let mut p = base_payload();
    let mut evs = p.get("event_chain").unwrap().as_array().unwrap().clone();
    evs[1]
        .as_object_mut()
        .unwrap()
        .insert("prev_hash_b64u", Value::from(sha256_b64u(b"elsewhere")));
    set(&mut p, "event_chain", Value::Array(evs));
    assert_eq!(code(&sign(p)), ReasonCode::MalformedEnvelope);
    let mut p = base_payload();
    let mut evs = p.get("event_chain").unwrap().as_array().unwrap().clone();
    evs[0]
        .as_object_mut()
        .unwrap()
        .insert("event_type", Value::from("tool_call"));
    set(&mut p, "event_chain", Value::Array(evs));
    assert_eq!(code(&sign(p)), ReasonCode::HashMismatch);
    let mut env = sign(base_payload());
    env.as_object_mut()
        .unwrap()
        .insert("payload_hash_b64u", Value::from(sha256_b64u(b"other")));
    assert_eq!(code(&env), ReasonCode::HashMismatch);
}

fn rate_claim() -> serde_json::Value {
    json!({"claim_version": "1", "scope": "agent", "scope_key": "k", "window_start": "2026-02-16T00:00:00Z",
        "window_end": "2026-02-16T00:05:00Z", "max_requests": 5, "observed_requests": 3, "run_id": RUN})
}

#[test]
fn rate_limit_codes() {
    let cases = [
        (json!({"max_tokens_input": 10}), ReasonCode::RateLimitClaimInconsistent),
        (json!({"run_id": "run_other"}), ReasonCode::RateLimitClaimInconsistent),
        (
            json!({"max_tokens_output": 10, "observed_tokens_output": 11}),
            ReasonCode::RateLimitExceeded,
        ),
        (
            json!({"window_start": "2026-02-17T00:00:00Z"}),
            ReasonCode::RateLimitWindowInvalid,
        ),
        (json!({}), ReasonCode::Ok),
    ];
    for (patch, expected) in cases {
        let mut claim = rate_claim();
        for (k, val) in patch.as_object().unwrap() {
            claim[k] = val.clone();
        }
        let mut p = base_payload();
        set(&mut p, "rate_limit_claims", Value::Array(vec![v(claim)]));
        assert_eq!(code(&sign(p)), expected, "{patch}");
    }
}

fn urm_doc(run: &str) -> Value {
    v(
        json!({"urm_version": "1", "urm_id": "urm_1", "run_id": run, "agent_did": agent().did(), "issued_at": T0,
        "harness": {"id": "script", "version": "1"}, "inputs": [], "outputs": []}),
    )
}

#[test]
fn urm_codes() {
    let doc = urm_doc(RUN);
    let bytes = jss::to_string(&doc).into_bytes();
    let mut p = base_payload();
    set(
        &mut p,
        "urm",
        v(json!({"urm_version": "1", "urm_id": "urm_1", "resource_type": "urm",
        "resource_hash_b64u": sha256_b64u(&bytes)})),
    );
    let env = sign(p.clone());
    assert_eq!(code(&env), ReasonCode::UrmMissing);
    let with = |b: &[u8]| {
        code_with(
            &env,
            &ctx(),
            &ProofBundleOptions {
                strict_receipts: true,
                urm: Some(b),
                ttl_skew_ms: 0,
            },
        )
    };
    assert_eq!(with(&bytes), ReasonCode::Ok);
    let other_run = jss::to_string(&urm_doc("run_other")).into_bytes();
    assert_eq!(with(&other_run), ReasonCode::UrmMismatch);
    let spaced = jss::to_string(&doc).replace("\"harness\"", "\"harness\" ").into_bytes();
    assert_eq!(
        with(&spaced),
        ReasonCode::Ok,
        "the hash is over JSS, not the file bytes"
    );
    let mut changed = doc.clone();
    changed.as_object_mut().unwrap().insert("metadata", v(json!({"a": 1})));
    assert_eq!(with(jss::to_string(&changed).as_bytes()), ReasonCode::HashMismatch);
    assert_eq!(with(b"{\"urm_version\":\"1\"}"), ReasonCode::SchemaValidationFailed);
}

fn tool_payload(binding: serde_json::Value) -> serde_json::Value {
    let mut t = json!({"receipt_version": "1", "receipt_id": "tr_1", "tool_name": "bash", "args_hash_b64u": "YXJncw",
        "result_hash_b64u": "cmVzdWx0", "hash_algorithm": "SHA-256", "agent_did": agent().did(), "timestamp": T0,
        "latency_ms": 3});
    if binding.as_object().is_some_and(|b| !b.is_empty()) {
        t["binding"] = binding;
    }
    t
}

#[test]
fn tool_receipt_codes() {
    let tool_signer = clawaudit::vectors::testkit::label_signer("tool");
    let check = |t: Value| {
        let mut p = base_payload();
        set(&mut p, "tool_receipts", Value::Array(vec![t]));
        code(&sign(p))
    };
    assert_eq!(
        check(sign_envelope(
            &tool_signer,
            "tool_receipt",
            v(tool_payload(json!({}))),
            T1,
            None
        )),
        ReasonCode::Ok
    );
    let mut other = tool_payload(json!({}));
    other["agent_did"] = json!(clawaudit::vectors::testkit::label_signer("other").did());
    assert_eq!(
        check(sign_envelope(&tool_signer, "tool_receipt", v(other), T1, None)),
        ReasonCode::ProofBundleAgentMismatch
    );
    assert_eq!(
        check(sign_envelope(
            &tool_signer,
            "tool_receipt",
            v(tool_payload(json!({}))),
            T1,
            Some("2026-02-13T00:00:00Z")
        )),
        ReasonCode::ExpiredTtl
    );
    let mut t = sign_envelope(&tool_signer, "tool_receipt", v(tool_payload(json!({}))), T1, None);
    t.as_object_mut()
        .unwrap()
        .insert("payload_hash_b64u", Value::from(sha256_b64u(b"x")));
    assert_eq!(check(t), ReasonCode::HashMismatch);
    let mut t = sign_envelope(&tool_signer, "tool_receipt", v(tool_payload(json!({}))), T1, None);
    t.as_object_mut()
        .unwrap()
        .insert("signature_b64u", Value::from(b64u_encode(&tool_signer.sign(b"other"))));
    assert_eq!(check(t), ReasonCode::SignatureInvalid);
    let unknown_event = tool_payload(json!({"run_id": RUN, "event_hash_b64u": sha256_b64u(b"nope")}));
    assert_eq!(check(v(unknown_event)), ReasonCode::ReceiptBindingMismatch);
}

#[test]
fn side_effect_and_approval_codes() {
    let p = base_payload();
    let h = hashes_of(&p);
    let spanned = receipt(
        &gateway(),
        receipt_payload(0, json!({"run_id": RUN, "event_hash_b64u": h[0], "span_id": "s1"})),
    );
    let side = |extra: serde_json::Value, key: &str| {
        let mut r = if key == "side_effect_receipts" {
            json!({"receipt_version": "1", "receipt_id": "se_1", "effect_class": "filesystem_write", "hash_algorithm": "SHA-256",
                "agent_did": agent().did(), "timestamp": T0})
        } else {
            json!({"receipt_version": "1", "receipt_id": "ha_1", "approval_type": "explicit_approve",
                "agent_did": agent().did(), "timestamp": T0})
        };
        for (k, val) in extra.as_object().unwrap() {
            r[k] = val.clone();
        }
        let mut p = with_receipts(p.clone(), vec![spanned.clone()]);
        set(&mut p, key, Value::Array(vec![v(r)]));
        code(&sign(p))
    };
    let se = "side_effect_receipts";
    let ha = "human_approval_receipts";
    assert_eq!(side(json!({"binding": {"span_id": "s1"}}), se), ReasonCode::Ok);
    assert_eq!(side(json!({"binding": {"tool_span_id": "s1"}}), ha), ReasonCode::Ok);
    assert_eq!(side(json!({}), se), ReasonCode::CausalSideEffectOrphaned);
    assert_eq!(
        side(json!({"binding": {"span_id": "s9"}}), ha),
        ReasonCode::CausalHumanApprovalOrphaned
    );
    assert_eq!(
        side(json!({"hash_algorithm": "BLAKE3", "binding": {"span_id": "s1"}}), se),
        ReasonCode::UnknownHashAlgorithm
    );
    assert_eq!(
        side(
            json!({"agent_did": clawaudit::vectors::testkit::label_signer("x").did(), "binding": {"span_id": "s1"}}),
            ha
        ),
        ReasonCode::ProofBundleAgentMismatch
    );
}

fn causal_code(bindings: Vec<serde_json::Value>) -> ReasonCode {
    let p = base_payload();
    let h = hashes_of(&p);
    let rs = bindings
        .into_iter()
        .enumerate()
        .map(|(i, mut b)| {
            b["run_id"] = json!(RUN);
            b["event_hash_b64u"] = json!(h[0]);
            b["nonce"] = json!(format!("n{i}"));
            receipt(&gateway(), receipt_payload(i, b))
        })
        .collect();
    code(&sign(with_receipts(p, rs)))
}

#[test]
fn causal_codes() {
    use ReasonCode::*;
    let root = json!({"span_id": "a", "phase": "planning"});
    assert_eq!(
        causal_code(vec![
            root.clone(),
            json!({"span_id": "b", "parent_span_id": "a", "phase": "execution"})
        ]),
        Ok
    );
    assert_eq!(
        causal_code(vec![json!({"span_id": "a", "spanId": "b"})]),
        CausalBindingFieldConflict
    );
    assert_eq!(
        causal_code(vec![json!({"span_id": ""})]),
        CausalBindingNormalizationFailed
    );
    assert_eq!(
        causal_code(vec![json!({"span_id": "a", "phase": "dreaming"})]),
        CausalPhaseInvalid
    );
    assert_eq!(
        causal_code(vec![json!({"span_id": "a", "attribution_confidence": 1.5})]),
        CausalConfidenceOutOfRange
    );
    assert_eq!(
        causal_code(vec![json!({"span_id": "a", "attribution_confidence": 0.9})]),
        CausalConfidenceEvidenceInconsistent
    );
    assert_eq!(
        causal_code(vec![root.clone(), json!({"span_id": "b", "parent_span_id": "zz"})]),
        CausalReferenceDangling
    );
    assert_eq!(
        causal_code(vec![
            root.clone(),
            json!({"span_id": "b", "parent_span_id": "a", "phase": "setup"})
        ]),
        CausalPhaseTransitionInvalid
    );
    assert_eq!(
        causal_code(vec![root.clone(), json!({"span_id": "a", "phase": "reasoning"})]),
        CausalSpanReuseConflict
    );
    assert_eq!(
        causal_code(vec![
            json!({"span_id": "a", "parent_span_id": "b"}),
            json!({"span_id": "b", "parent_span_id": "a"})
        ]),
        CausalCycleDetected
    );
    assert_eq!(
        causal_code(vec![root.clone(), json!({"span_id": "c"})]),
        CausalGraphDisconnected
    );
    // Clock: a payload timestamp later than the envelope's issued_at.
    let p = base_payload();
    let h = hashes_of(&p);
    let mut late = receipt_payload(0, json!({"run_id": RUN, "event_hash_b64u": h[0], "span_id": "a"}));
    late["timestamp"] = json!("2026-02-12T00:00:09Z");
    assert_eq!(
        code(&sign(with_receipts(p, vec![receipt(&gateway(), late)]))),
        CausalClockContradiction
    );
}

#[test]
fn attestation_lifts_tier_to_sandbox() {
    let attester = clawaudit::vectors::testkit::label_signer("attester");
    let mut a = v(
        json!({"attestation_id": "att_1", "attestation_type": "third_party", "attester_did": attester.did(),
        "subject_did": agent().did(), "signature_b64u": ""}),
    );
    let msg = clawaudit::json::jcs::to_string(&a);
    a.as_object_mut().unwrap().insert(
        "signature_b64u",
        Value::from(b64u_encode(&attester.sign(msg.as_bytes()))),
    );
    let mut p = base_payload();
    set(&mut p, "attestations", Value::Array(vec![a]));
    let env = sign(p);
    let out = verify_proof_bundle(&env, &ctx(), &strict());
    assert_eq!(out.proof_tier, ProofTier::Gateway, "attester not allowlisted yet");
    let mut c = ctx();
    c.trust.attesters.push(TrustEntry {
        did: attester.did().to_string(),
        name: None,
    });
    let out = verify_proof_bundle(&env, &c, &strict());
    assert!(out.failure.is_none());
    assert_eq!(out.proof_tier, ProofTier::Sandbox);
}

#[test]
fn js_sensitive_payload_verifies() {
    let text = format!(
        r#"{{"bundle_version":"1","bundle_id":"b\u2028x\u0001","agent_did":"{}","metadata":{{"z":1,"10":"ten","2":"two","n":[1.0,1e21,1e-7,-0,9007199254740993]}},"attestations":[{{"attestation_id":"a","attestation_type":"owner","attester_did":"did:key:zX","subject_did":"did:key:zX","signature_b64u":"AAAAAAAAAAA"}}]}}"#,
        agent().did()
    );
    let payload = json::parse_str(&text).unwrap();
    let serialized = jss::to_string(&payload);
    // Hand-derived JSS: integer-like keys first, JS number formatting, U+2028 literal, \u0001.
    assert!(
        serialized.contains(r#"{"2":"two","10":"ten","z":1,"n":[1,1e+21,1e-7,0,9007199254740992]}"#),
        "{serialized}"
    );
    assert!(serialized.contains("b\u{2028}x\\u0001"));
    let env = sign(payload);
    let bytes = jss::to_string(&env).into_bytes();
    let mut s = Subject::new("js.json", bytes);
    s.kind = Some(Kind::ProofBundle);
    let r = verify_subject(&s, &ctx());
    assert_eq!(r.status, Status::Pass, "{}", r.reason);
    assert_eq!(r.proof_tier.as_deref(), Some("self"));
}

#[test]
fn truncated_vectors_never_pass_or_panic() {
    let dir = std::env::var_os("CLAWAUDIT_CLAWSIG_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/clawsig"));
    for name in [
        "proof_bundle_pass.v1.json",
        "r48-r49-v02/proof_bundle/v2_tool_receipt_cosig_valid.v1.json",
    ] {
        let bytes = std::fs::read(dir.join("fixtures/protocol-conformance").join(name)).expect("fixture present");
        for k in 0..100 {
            let cut = bytes.len() * k / 100;
            let mut s = Subject::new(name, bytes[..cut].to_vec());
            s.kind = Some(Kind::ProofBundle);
            let r = verify_subject(&s, &ctx());
            assert_eq!(r.status, Status::Fail, "{name} truncated at {cut}");
        }
    }
}

#[test]
fn standalone_gateway_receipt() {
    let r = bound(0, &sha256_b64u(b"e"));
    let info = verify_gateway_receipt(&r, &ctx(), "receipt.json").unwrap();
    assert_eq!(info.receipt_id, "rcpt_0");
    assert!(info.signature_valid);
    let no_trust = VerifyContext::new(at(), Trust::empty());
    assert_eq!(
        verify_gateway_receipt(&r, &no_trust, "r").unwrap_err().code,
        ReasonCode::DependencyNotConfigured
    );
    let stranger = receipt(
        &clawaudit::vectors::testkit::label_signer("stranger"),
        receipt_payload(0, json!({})),
    );
    assert_eq!(
        verify_gateway_receipt(&stranger, &ctx(), "r").unwrap_err().code,
        ReasonCode::ClaimNotFound
    );
    let mut big = receipt_payload(0, json!({}));
    big["tokens_input"] = json!(1.5);
    assert_eq!(
        verify_gateway_receipt(&receipt(&gateway(), big), &ctx(), "r")
            .unwrap_err()
            .code,
        ReasonCode::SchemaValidationFailed
    );
}

#[test]
fn commit_sig_codes() {
    use clawaudit::clawsig::commit_sig::verify_commit_sig;
    let signer = clawaudit::vectors::testkit::label_signer("committer");
    let make = |patch: serde_json::Value| {
        let mut o = json!({"version": "m1", "type": "message_signature", "algo": "ed25519", "did": signer.did(),
            "message": "commit:abcdef1", "createdAt": T0, "signature": ""});
        let msg = clawaudit::json::jcs::to_string(&v(o.clone()));
        o["signature"] = json!(clawaudit::crypto::b64::b64std_encode(&signer.sign(msg.as_bytes())));
        for (k, val) in patch.as_object().unwrap() {
            o[k] = val.clone();
        }
        verify_commit_sig(&v(o))
            .map(|_| ReasonCode::Ok)
            .unwrap_or_else(|f| f.code)
    };
    assert_eq!(make(json!({})), ReasonCode::Ok);
    assert_eq!(make(json!({"type": "x"})), ReasonCode::UnknownType);
    assert_eq!(make(json!({"algo": "rsa"})), ReasonCode::UnknownAlgo);
    assert_eq!(make(json!({"signature": "AAAA"})), ReasonCode::MalformedEnvelope);
    assert_eq!(make(json!({"signature": "not base64!"})), ReasonCode::MalformedEnvelope);
    assert_eq!(make(json!({"createdAt": "yesterday"})), ReasonCode::MalformedEnvelope);
    assert_eq!(make(json!({"message": "commit:abcdef2"})), ReasonCode::SignatureInvalid);
    assert_eq!(make(json!({"did": "did:key:zWRONG"})), ReasonCode::InvalidDidFormat);
}
