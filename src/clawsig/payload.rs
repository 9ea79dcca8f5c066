//! Proof-bundle payload v1: the schema rules of `proof_bundle_envelope.v1.json`,
//! `proof_bundle.v1.json` and the schemas they reference (gateway receipts, receipt
//! bindings, tool receipts v1/v2 and their envelopes, co-signatures, selective disclosure,
//! side-effect, approval and delegation receipts, rate-limit claims, attestations), then the
//! structural rules the reference code adds after the schema (§3.1).
//!
//! Evidence families we do not verify (VIR, web receipts, coverage and binary-semantic
//! attestations) are refused with `UNSUPPORTED_EVIDENCE`: we never PASS what we did not check.

use std::collections::HashSet;

use super::shape;
use crate::json::{jss, ArrayCap, ElementKeys, Overflow, Value};
use crate::reason::ReasonCode;
use crate::report::Failure;
use crate::schema_rules::{b64u, first_error, Obj, Path, RuleResult, SchemaViolation};

/// Count limits of the reference core (§3.1) and the schema.
pub const MAX_EVENTS: usize = 1000;
pub const MAX_RECEIPTS: usize = 1000;
pub const MAX_ATTESTATIONS: usize = 100;
pub const MAX_SIDE_RECEIPTS: usize = 1000;
pub const MAX_RATE_LIMIT_CLAIMS: usize = 256;
/// `JSON.stringify` byte size limit of the metadata objects.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

const PAYLOAD_KEYS: [&str; 19] = [
    "bundle_version",
    "bundle_id",
    "agent_did",
    "eip8004_agent_id",
    "eip8004_registry",
    "urm",
    "event_chain",
    "vir_receipts",
    "receipts",
    "web_receipts",
    "coverage_attestations",
    "binary_semantic_evidence_attestations",
    "tool_receipts",
    "side_effect_receipts",
    "human_approval_receipts",
    "delegation_receipts",
    "rate_limit_claims",
    "attestations",
    "metadata",
];

/// Evidence arrays the schema allows but we do not verify.
const UNSUPPORTED_ARRAYS: [&str; 4] = [
    "vir_receipts",
    "web_receipts",
    "coverage_attestations",
    "binary_semantic_evidence_attestations",
];

const ANY_OF: [&str; 11] = [
    "urm",
    "event_chain",
    "receipts",
    "vir_receipts",
    "web_receipts",
    "binary_semantic_evidence_attestations",
    "tool_receipts",
    "side_effect_receipts",
    "human_approval_receipts",
    "delegation_receipts",
    "attestations",
];

/// The envelope keys, `expires_at` included (one list, shared with the other Clawsig shapes).
const ENVELOPE_KEYS: [&str; 10] = shape::ENVELOPE_KEYS_WITH_EXPIRY;

/// The envelope keys of `tool_receipt_envelope.v2.json`.
const TOOL_ENVELOPE_V2_KEYS: [&str; 11] = shape::with_key(ENVELOPE_KEYS, "co_signatures");
/// `co_signature` items a tool-receipt envelope may carry (schema `maxItems`).
pub const MAX_CO_SIGNATURES: usize = 16;

/// Legacy normalization (§3.1): `receipts` entries without `envelope_type` but with
/// `receipt_type` are diagnostic raw receipts and are ignored everywhere.
pub fn is_legacy_raw_receipt(v: &Value) -> bool {
    is_legacy_raw(ElementKeys::of(v))
}

/// `is_legacy_raw_receipt` from an element's keys (what a parse cap sees of it).
fn is_legacy_raw(e: ElementKeys<'_>) -> bool {
    e.is_object() && !e.contains_key("envelope_type") && e.contains_key("receipt_type")
}

/// The count limits of §3.1 as parse caps (`json::cap`), in the order `check_counts` checks
/// them: a document parsed under them keeps at most `max` elements of each, and the parser
/// reports the real count (for `receipts`, of the entries legacy normalization keeps).
pub const COUNT_CAPS: [ArrayCap; 7] = [
    count_cap(&["payload", "event_chain"], MAX_EVENTS),
    ArrayCap {
        path: &["payload", "receipts"],
        max: MAX_RECEIPTS,
        counts: |e| !is_legacy_raw(e),
    },
    count_cap(&["payload", "attestations"], MAX_ATTESTATIONS),
    count_cap(&["payload", "tool_receipts"], MAX_SIDE_RECEIPTS),
    count_cap(&["payload", "side_effect_receipts"], MAX_SIDE_RECEIPTS),
    count_cap(&["payload", "human_approval_receipts"], MAX_SIDE_RECEIPTS),
    count_cap(&["payload", "rate_limit_claims"], MAX_RATE_LIMIT_CLAIMS),
];

/// `COUNT_CAPS` keeping no element: a parse under them builds none of those arrays and reports
/// every non-empty one with its real counts. For inputs so large that a valid bundle is unlikely
/// (`verify` uses it from 8 MiB on): an over-limit bundle is then refused without building even
/// the first 1000 elements, and any other document is parsed a second time, whole.
pub const COUNT_SKIM: [ArrayCap; 7] = {
    const fn skim(cap: ArrayCap) -> ArrayCap {
        ArrayCap { max: 0, ..cap }
    }
    let [a, b, c, d, e, f, g] = COUNT_CAPS;
    [skim(a), skim(b), skim(c), skim(d), skim(e), skim(f), skim(g)]
};

/// A cap counting every element.
const fn count_cap(path: &'static [&'static str], max: usize) -> ArrayCap {
    ArrayCap {
        path,
        max,
        counts: |_| true,
    }
}

/// Whether the counts a parse under `COUNT_CAPS` (or `COUNT_SKIM`) found over the caps refuse
/// the bundle by themselves: a count over its limit (`COUNT_CAPS`' maxima) (for `receipts`, an array over the cap may still be within the limit once legacy
/// raw receipts are set aside: then the document must be read whole).
pub fn refused_by_counts(overflow: &[Overflow]) -> bool {
    overflow
        .iter()
        .any(|o| COUNT_CAPS.get(o.cap).is_some_and(|c| o.counted > c.max))
}

/// The gateway receipts the verifier considers, after legacy normalization.
pub fn normalized_receipts(payload: &Value) -> Vec<&Value> {
    payload
        .get("receipts")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter(|r| !is_legacy_raw_receipt(r)).collect())
        .unwrap_or_default()
}

/// `proof_bundle_envelope.v1.json` (the payload is validated separately).
pub fn check_envelope_schema(v: &Value) -> RuleResult {
    let o = Obj::new(v, Path::ROOT)?;
    shape::signed_envelope(&o, &ENVELOPE_KEYS, "1", "proof_bundle")
}

/// `receipt_binding.v1.json`. Errors under the causal fields carry their CAUSAL_* code (§3.10).
pub fn check_receipt_binding(v: &Value, path: &Path<'_>) -> RuleResult {
    let o = Obj::new(v, path)?;
    let causal = |r: RuleResult<&Obj<'_, '_>>, code: ReasonCode| r.map(drop).map_err(|e| e.with_code(code));
    for key in [
        "span_id",
        "spanId",
        "parent_span_id",
        "parentSpanId",
        "tool_span_id",
        "toolSpanId",
    ] {
        causal(o.str_min(key, 1), ReasonCode::CausalBindingNormalizationFailed)?;
    }
    causal(
        o.one_of(
            "phase",
            &[
                "setup",
                "planning",
                "reasoning",
                "execution",
                "observation",
                "reflection",
                "teardown",
            ],
        ),
        ReasonCode::CausalPhaseInvalid,
    )?;
    for key in ["attribution_confidence", "attributionConfidence"] {
        causal(o.number(key), ReasonCode::CausalBindingNormalizationFailed)?;
    }
    o.closed(&[
        "run_id",
        "event_hash_b64u",
        "nonce",
        "policy_hash",
        "token_scope_hash_b64u",
        "span_id",
        "spanId",
        "parent_span_id",
        "parentSpanId",
        "tool_span_id",
        "toolSpanId",
        "phase",
        "attribution_confidence",
        "attributionConfidence",
    ])?
    .str_min("run_id", 1)?
    .b64u("event_hash_b64u")?
    .str_min("nonce", 1)?
    .str_min("policy_hash", 1)?
    .b64u("token_scope_hash_b64u")?;
    Ok(())
}

/// Gateway receipt payload (`gateway_receipt.v1.json`, closed).
pub fn check_gateway_payload(v: &Value, path: &Path<'_>) -> RuleResult {
    let o = Obj::new(v, path)?;
    let keys = [
        "receipt_version",
        "receipt_id",
        "gateway_id",
        "provider",
        "model",
        "request_hash_b64u",
        "response_hash_b64u",
        "tokens_input",
        "tokens_output",
        "latency_ms",
        "timestamp",
        "binding",
        "metadata",
    ];
    o.closed(&keys)?
        .required(&keys[..11])?
        .konst("receipt_version", "1")?
        .str_min("receipt_id", 1)?
        .str_min("gateway_id", 1)?
        .str_min("provider", 1)?
        .str_min("model", 1)?
        .b64u("request_hash_b64u")?
        .b64u("response_hash_b64u")?
        .number_min("tokens_input", 0.0)?
        .number_min("tokens_output", 0.0)?
        .number_min("latency_ms", 0.0)?
        .date_time("timestamp")?
        .object("metadata")?;
    if let Some(b) = o.get("binding") {
        check_receipt_binding(b, &o.at("binding"))?;
    }
    if let Some(meta) = o.get("metadata") {
        let m = Obj::new(meta, o.at("metadata"))?;
        m.b64u("model_identity_hash_b64u")?;
        if let Some(mi) = m.get("model_identity") {
            shape::model_identity(mi, &m.at("model_identity"))?;
        }
        m.each("audit_result_refs", 0, usize::MAX, |item, p| {
            Obj::new(item, p)?
                .closed(&["resource_type", "resource_hash_b64u", "uri"])?
                .required(&["resource_hash_b64u"])?
                .str_any("resource_type")?
                .b64u("resource_hash_b64u")?
                .str_any("uri")?;
            Ok(())
        })?;
    }
    Ok(())
}

/// A gateway receipt envelope as embedded in a proof bundle.
pub fn check_gateway_envelope(v: &Value, path: &Path<'_>) -> RuleResult {
    let o = Obj::new(v, path)?;
    shape::signed_envelope(&o, &ENVELOPE_KEYS, "1", "gateway_receipt")?;
    if let Some(p) = o.get("payload") {
        check_gateway_payload(p, &o.at("payload"))?;
    }
    Ok(())
}

fn check_tool_payload_v1(v: &Value, path: &Path<'_>) -> RuleResult {
    let o = Obj::new(v, path)?;
    let keys = [
        "receipt_version",
        "receipt_id",
        "tool_name",
        "args_hash_b64u",
        "result_hash_b64u",
        "hash_algorithm",
        "agent_did",
        "timestamp",
        "latency_ms",
        "tool_version",
        "result_status",
        "binding",
    ];
    o.closed(&keys)?
        .required(&keys[..9])?
        .konst("receipt_version", "1")?
        .str_min("receipt_id", 1)?
        .str_min("tool_name", 1)?
        .str_any("tool_version")?
        .str_min("args_hash_b64u", 1)?
        .str_min("result_hash_b64u", 1)?
        .one_of("result_status", &["success", "error", "timeout"])?
        .one_of("hash_algorithm", &["SHA-256"])?
        .str_min("agent_did", 1)?
        .date_time("timestamp")?
        .number_min("latency_ms", 0.0)?;
    if let Some(b) = o.get("binding") {
        let b = Obj::new(b, o.at("binding"))?;
        for k in [
            "run_id",
            "event_hash_b64u",
            "nonce",
            "policy_hash",
            "token_scope_hash_b64u",
        ] {
            b.str_any(k)?;
        }
    }
    Ok(())
}

/// `selective_disclosure.v1.json`.
pub fn check_disclosure(v: &Value, path: &Path<'_>) -> RuleResult {
    let o = Obj::new(v, path)?;
    o.closed(&[
        "disclosure_algorithm",
        "merkle_root_b64u",
        "redacted_leaf_hashes_b64u",
        "disclosed_leaves",
    ])?
    .required(&[
        "disclosure_algorithm",
        "merkle_root_b64u",
        "redacted_leaf_hashes_b64u",
        "disclosed_leaves",
    ])?
    .konst("disclosure_algorithm", "vir_v2_typed_lexicographical")?
    .b64u("merkle_root_b64u")?
    .object("disclosed_leaves")?;
    o.each("redacted_leaf_hashes_b64u", 0, usize::MAX, |h, at| {
        b64u(h, 8, at).map(drop)
    })?;
    if let Some(leaves) = o.get("disclosed_leaves").and_then(Value::as_object) {
        let leaves_path = o.at("disclosed_leaves");
        for (name, leaf) in leaves.iter() {
            let l = Obj::new(leaf, leaves_path.key(name))?;
            l.closed(&["type", "value", "salt_b64u"])?
                .required(&["type", "value", "salt_b64u"])?
                .one_of("type", &["string", "number", "boolean", "null", "array", "object"])?
                .b64u("salt_b64u")?;
        }
    }
    Ok(())
}

fn check_tool_payload_v2(v: &Value, path: &Path<'_>) -> RuleResult {
    let o = Obj::new(v, path)?;
    let keys = [
        "receipt_version",
        "receipt_id",
        "tool_name",
        "args_hash_b64u",
        "result_hash_b64u",
        "hash_algorithm",
        "agent_did",
        "timestamp",
        "latency_ms",
        "args_salt_b64u",
        "result_salt_b64u",
        "tool_version",
        "result_status",
        "binding",
        "args_disclosure",
        "result_disclosure",
    ];
    o.closed(&keys)?
        .required(&keys[..11])?
        .konst("receipt_version", "2")?
        .str_min("receipt_id", 1)?
        .str_min("tool_name", 1)?
        .str_any("tool_version")?
        .b64u("args_hash_b64u")?
        .b64u("result_hash_b64u")?
        .one_of("result_status", &["success", "error", "timeout"])?
        .one_of("hash_algorithm", &["SHA-256", "BLAKE3"])?
        .did("agent_did")?
        .date_time("timestamp")?
        .number_min("latency_ms", 0.0)?
        .b64u("args_salt_b64u")?
        .b64u("result_salt_b64u")?;
    if let Some(b) = o.get("binding") {
        check_receipt_binding(b, &o.at("binding"))?;
    }
    for k in ["args_disclosure", "result_disclosure"] {
        if let Some(d) = o.get(k) {
            check_disclosure(d, &o.at(k))?;
        }
    }
    Ok(())
}

fn check_tool_envelope_v1(v: &Value, path: &Path<'_>) -> RuleResult {
    let o = Obj::new(v, path)?;
    o.closed(&ENVELOPE_KEYS)?
        .required(&ENVELOPE_KEYS[..9])?
        .konst("envelope_version", "1")?
        .konst("envelope_type", "tool_receipt")?
        .str_min("payload_hash_b64u", 1)?
        .one_of("hash_algorithm", &["SHA-256"])?
        .str_min("signature_b64u", 1)?
        .one_of("algorithm", &["Ed25519"])?
        .str_min("signer_did", 1)?
        .date_time("issued_at")?
        .date_time("expires_at")?;
    if let Some(p) = o.get("payload") {
        check_tool_payload_v1(p, &o.at("payload"))?;
    }
    Ok(())
}

/// `co_signature.v1.json`.
pub fn check_co_signature(v: &Value, path: &Path<'_>) -> RuleResult {
    Obj::new(v, path)?
        .closed(&["signature_b64u", "algorithm", "signer_did", "issued_at", "role"])?
        .required(&["signature_b64u", "algorithm", "signer_did", "issued_at", "role"])?
        .b64u("signature_b64u")?
        .one_of("algorithm", &["Ed25519"])?
        .did("signer_did")?
        .date_time("issued_at")?
        .one_of("role", &["proxy", "approver", "auditor", "supervisor"])?;
    Ok(())
}

fn check_tool_envelope_v2(v: &Value, path: &Path<'_>) -> RuleResult {
    let o = Obj::new(v, path)?;
    shape::signed_envelope(&o, &TOOL_ENVELOPE_V2_KEYS, "2", "tool_receipt")?;
    o.each("co_signatures", 0, MAX_CO_SIGNATURES, check_co_signature)?;
    if let Some(p) = o.get("payload") {
        check_tool_payload_v2(p, &o.at("payload"))?;
    }
    Ok(())
}

/// The four tool-receipt forms, in the reference's classification order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToolReceiptForm {
    EnvelopeV2,
    EnvelopeV1,
    PayloadV2,
    PayloadV1,
}

/// A schema check over one value at a path.
type SchemaFn = fn(&Value, &Path<'_>) -> RuleResult;

/// Classify a tool receipt: the first form whose schema it satisfies (§3.5).
pub fn classify_tool_receipt(v: &Value, path: &Path<'_>) -> RuleResult<ToolReceiptForm> {
    let forms: [(ToolReceiptForm, SchemaFn); 4] = [
        (ToolReceiptForm::EnvelopeV2, check_tool_envelope_v2),
        (ToolReceiptForm::EnvelopeV1, check_tool_envelope_v1),
        (ToolReceiptForm::PayloadV2, check_tool_payload_v2),
        (ToolReceiptForm::PayloadV1, check_tool_payload_v1),
    ];
    let mut first_violation = None;
    for (form, check) in forms {
        match check(v, path) {
            Ok(()) => return Ok(form),
            Err(e) => {
                first_violation.get_or_insert(e);
            }
        }
    }
    let first = first_violation.map(|e| e.to_string()).unwrap_or_default();
    Err(SchemaViolation::new(
        path,
        format!("matches none of the tool receipt forms (v1/v2 payload or envelope): {first}"),
    ))
}

fn check_side_effect(v: &Value, path: &Path<'_>) -> RuleResult {
    Obj::new(v, path)?
        .required(&[
            "receipt_version",
            "receipt_id",
            "effect_class",
            "hash_algorithm",
            "agent_did",
            "timestamp",
        ])?
        .konst("receipt_version", "1")?
        .str_min("receipt_id", 1)?
        .one_of(
            "effect_class",
            &["network_egress", "filesystem_write", "external_api_write"],
        )?
        .str_any("target_digest")?
        .str_any("request_digest")?
        .str_any("response_digest")?
        .one_of("hash_algorithm", &["SHA-256", "BLAKE3"])?
        .str_any("vendor_id")?
        .number_min("bytes_written", 0.0)?
        .did("agent_did")?
        .date_time("timestamp")?
        .object("binding")?;
    Ok(())
}

fn check_human_approval(v: &Value, path: &Path<'_>) -> RuleResult {
    Obj::new(v, path)?
        .required(&[
            "receipt_version",
            "receipt_id",
            "approval_type",
            "agent_did",
            "timestamp",
        ])?
        .konst("receipt_version", "1")?
        .str_min("receipt_id", 1)?
        .one_of(
            "approval_type",
            &["explicit_approve", "explicit_deny", "auto_approve", "timeout_deny"],
        )?
        .str_any("scope_hash_b64u")?
        .str_any("plan_hash_b64u")?
        .str_any("approver_subject")?
        .boolean("capability_minted")?
        .str_any("policy_hash_b64u")?
        .did("agent_did")?
        .date_time("timestamp")?
        .object("binding")?;
    Ok(())
}

fn check_delegation(v: &Value, path: &Path<'_>) -> RuleResult {
    Obj::new(v, path)?
        .required(&[
            "receipt_version",
            "receipt_id",
            "delegator_did",
            "delegate_did",
            "task_description_hash_b64u",
            "delegate_bundle_hash_b64u",
            "hash_algorithm",
            "delegated_at",
        ])?
        .konst("receipt_version", "1")?
        .str_min("receipt_id", 1)?
        .did("delegator_did")?
        .did("delegate_did")?
        .b64u("task_description_hash_b64u")?
        .b64u("delegate_bundle_hash_b64u")?
        .str_any("delegation_policy")?
        .one_of("hash_algorithm", &["SHA-256", "BLAKE3"])?
        .date_time("delegated_at")?
        .date_time("completed_at")?
        .object("binding")?;
    Ok(())
}

fn check_rate_limit_claim(v: &Value, path: &Path<'_>) -> RuleResult {
    let keys = [
        "claim_version",
        "scope",
        "scope_key",
        "window_start",
        "window_end",
        "max_requests",
        "observed_requests",
        "max_tokens_input",
        "observed_tokens_input",
        "max_tokens_output",
        "observed_tokens_output",
        "run_id",
    ];
    let o = Obj::new(v, path)?;
    o.closed(&keys)?
        .required(&keys[..7])?
        .konst("claim_version", "1")?
        .one_of("scope", &["agent", "model", "tool"])?
        .str_min("scope_key", 1)?
        .date_time("window_start")?
        .date_time("window_end")?
        .str_min("run_id", 1)?;
    for k in &keys[5..11] {
        o.number_min(k, 0.0)?;
    }
    Ok(())
}

fn check_attestation(v: &Value, path: &Path<'_>) -> RuleResult {
    let keys = [
        "attestation_id",
        "attestation_type",
        "attester_did",
        "subject_did",
        "signature_b64u",
        "expires_at",
    ];
    Obj::new(v, path)?
        .closed(&keys)?
        .required(&keys[..5])?
        .str_min("attestation_id", 1)?
        .one_of("attestation_type", &["owner", "third_party"])?
        .did("attester_did")?
        .did("subject_did")?
        .date_time("expires_at")?
        .b64u("signature_b64u")?;
    Ok(())
}

fn check_urm_reference(v: &Value, path: &Path<'_>) -> RuleResult {
    let keys = [
        "urm_version",
        "urm_id",
        "resource_type",
        "resource_hash_b64u",
        "metadata",
    ];
    Obj::new(v, path)?
        .closed(&keys)?
        .required(&keys[..4])?
        .konst("urm_version", "1")?
        .str_min("urm_id", 1)?
        .str_min("resource_type", 1)?
        .b64u("resource_hash_b64u")?
        .object("metadata")?;
    Ok(())
}

fn check_event(v: &Value, path: &Path<'_>) -> RuleResult {
    let keys = [
        "event_id",
        "run_id",
        "event_type",
        "timestamp",
        "payload_hash_b64u",
        "prev_hash_b64u",
        "event_hash_b64u",
    ];
    let o = Obj::new(v, path)?;
    o.closed(&keys)?
        .required(&keys)?
        .str_min("event_id", 1)?
        .str_min("run_id", 1)?
        .str_min("event_type", 1)?
        .date_time("timestamp")?
        .b64u("payload_hash_b64u")?
        .b64u("event_hash_b64u")?;
    if !matches!(o.get("prev_hash_b64u"), Some(Value::Null)) {
        o.b64u("prev_hash_b64u")?;
    }
    Ok(())
}

fn check_metadata(v: &Value, path: &Path<'_>) -> RuleResult {
    let o = Obj::new(v, path)?;
    if let Some(h) = o.get("harness") {
        Obj::new(h, o.at("harness"))?
            .required(&["id", "version"])?
            .str_min("id", 1)?
            .str_min("version", 1)?
            .str_any("runtime")?
            .b64u("config_hash_b64u")?;
    }
    if let Some(s) = o.get("sentinels") {
        let counters = [
            "shell_events",
            "fs_events",
            "net_events",
            "net_suspicious",
            "interpose_events",
            "interpose_gateway",
            "interpose_transcript",
            "interpose_tool_calls",
            "interpose_anomalies",
            "preload_llm_events",
            "tls_sni_events",
            "tls_sni_receipts",
            "tls_decrypt_receipts",
            "vir_receipts",
        ];
        let mut allowed = counters.to_vec();
        allowed.extend([
            "interpose_active",
            "runtime_profile",
            "runtime_hygiene",
            "egress_policy_receipt",
            "interpose_state",
        ]);
        let s = Obj::new(s, o.at("sentinels"))?;
        s.closed(&allowed)?
            .required(&["interpose_active"])?
            .boolean("interpose_active")?
            .object("runtime_profile")?
            .object("runtime_hygiene")?
            .object("egress_policy_receipt")?
            .object("interpose_state")?;
        for c in counters {
            s.number_min(c, 0.0)?;
        }
    }
    Ok(())
}

/// What the checks after the payload schema read from the payload itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayloadView<'v> {
    pub bundle_id: &'v str,
    pub agent_did: &'v str,
}

/// `proof_bundle.v1.json` over the (legacy-normalized) payload; its view once it passed.
pub fn check_payload_schema(payload: &Value) -> RuleResult<PayloadView<'_>> {
    let o = Obj::new(payload, "payload")?;
    o.closed(&PAYLOAD_KEYS)?
        .required(&["bundle_version", "bundle_id", "agent_did"])?
        .konst("bundle_version", "1")?
        .str_min("bundle_id", 1)?
        .did("agent_did")?;
    if let Some(id) = o.get("eip8004_agent_id") {
        let ok = id
            .as_str()
            .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            return Err(SchemaViolation::new(
                o.at("eip8004_agent_id"),
                "must be a decimal string",
            ));
        }
    }
    if let Some(reg) = o.get("eip8004_registry") {
        if !reg.as_str().is_some_and(is_caip10) {
            return Err(SchemaViolation::new(
                o.at("eip8004_registry"),
                "must match eip155:<chain>:0x<40 hex>",
            ));
        }
    }
    if !ANY_OF.iter().any(|k| o.o.contains_key(k)) {
        return Err(SchemaViolation::new(
            o.path,
            "carries no evidence (urm, event_chain, receipts, tool/side-effect/approval receipts or attestations)",
        ));
    }
    if let Some(u) = o.get("urm") {
        check_urm_reference(u, &o.at("urm"))?;
    }
    o.each_par("event_chain", 1, usize::MAX, check_event)?;
    // Receipts: legacy raw receipts are dropped before the schema runs.
    let receipts = normalized_receipts(payload);
    // An array, with at least one item unless some of its items are legacy raw receipts.
    o.array("receipts", usize::from(receipts.is_empty()), usize::MAX)?;
    let receipts_path = o.at("receipts");
    first_error(&receipts, |i, r| check_gateway_envelope(r, &receipts_path.index(i)))?;
    let tools_path = o.at("tool_receipts");
    first_error(o.array("tool_receipts", 0, MAX_SIDE_RECEIPTS)?, |i, t| {
        classify_tool_receipt(t, &tools_path.index(i)).map(drop)
    })?;
    o.each_par("side_effect_receipts", 0, MAX_SIDE_RECEIPTS, check_side_effect)?
        .each_par("human_approval_receipts", 0, MAX_SIDE_RECEIPTS, check_human_approval)?
        .each_par("delegation_receipts", 0, MAX_SIDE_RECEIPTS, check_delegation)?
        .each("rate_limit_claims", 0, MAX_RATE_LIMIT_CLAIMS, check_rate_limit_claim)?
        .each("attestations", 1, usize::MAX, check_attestation)?;
    if let Some(m) = o.get("metadata") {
        check_metadata(m, &o.at("metadata"))?;
    }
    if let Some(k) = UNSUPPORTED_ARRAYS.iter().find(|k| o.o.contains_key(k)) {
        return Err(SchemaViolation::new(
            o.at(k),
            "is an evidence family clawaudit does not verify yet, so the bundle cannot pass",
        )
        .with_code(ReasonCode::UnsupportedEvidence));
    }
    Ok(PayloadView {
        bundle_id: o.text("bundle_id")?,
        agent_did: o.text("agent_did")?,
    })
}

fn is_caip10(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("eip155:") else {
        return false;
    };
    let Some((chain, addr)) = rest.split_once(':') else {
        return false;
    };
    let Some(hex) = addr.strip_prefix("0x") else {
        return false;
    };
    !chain.is_empty()
        && chain.bytes().all(|b| b.is_ascii_digit())
        && hex.len() == 40
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

fn structural(detail: String) -> Failure {
    Failure::new("payload.structure", ReasonCode::MalformedEnvelope, detail)
}

fn len_of(payload: &Value, key: &str) -> usize {
    payload.get(key).and_then(Value::as_array).map_or(0, Vec::len)
}

fn jss_size(v: &Value) -> usize {
    jss::to_string(v).len()
}

/// §3.1 rules the reference code applies after the schema (step 5).
/// The count limits of §3.1 (`event_chain` ≤ 1000, `receipts` ≤ 1000 after legacy
/// normalization, …, as `COUNT_CAPS`), from the arrays' lengths alone; `overflow` gives the
/// counts of arrays a parse under the caps did not keep whole. The verifier checks them right
/// after the envelope header, before the payload schema, hashes and signatures (issue 11: an
/// oversized bundle costs its parse, not its verification), and again as part of
/// `check_structure`. The reference checks them after the schema, so a bundle that is both over
/// a limit and schema-invalid is `MALFORMED_ENVELOPE` here and `SCHEMA_VALIDATION_FAILED`
/// there; both FAIL.
pub fn check_counts(payload: &Value, overflow: &[Overflow]) -> Result<(), Failure> {
    for (i, cap) in COUNT_CAPS.iter().enumerate() {
        let name = cap.path.last().copied().unwrap_or_default();
        let n = match overflow.iter().find(|o| o.cap == i) {
            Some(o) => o.counted,
            None => payload.get(name).and_then(Value::as_array).map_or(0, |items| {
                items.iter().filter(|e| (cap.counts)(ElementKeys::of(e))).count()
            }),
        };
        if n > cap.max {
            return Err(structural(format!(
                "the proof bundle has {n} {name}, more than the limit of {}",
                cap.max
            )));
        }
    }
    Ok(())
}

pub fn check_structure(payload: &Value, view: &PayloadView<'_>) -> Result<(), Failure> {
    let receipts = normalized_receipts(payload);
    let has_chain = len_of(payload, "event_chain") > 0;
    let has_attestations = len_of(payload, "attestations") > 0;
    if payload.get("urm").is_none() && !has_chain && receipts.is_empty() && !has_attestations {
        return Err(structural(
            "the proof bundle payload needs a urm reference, a non-empty event_chain, receipts or attestations".into(),
        ));
    }
    check_counts(payload, &[])?;
    let mut metadata: Vec<(String, &Value)> = Vec::new();
    if let Some(m) = payload.get("metadata") {
        metadata.push(("payload.metadata".into(), m));
    }
    if let Some(m) = payload.get("urm").and_then(|u| u.get("metadata")) {
        metadata.push(("payload.urm.metadata".into(), m));
    }
    for (i, r) in receipts.iter().enumerate() {
        if let Some(m) = r.get("payload").and_then(|p| p.get("metadata")) {
            metadata.push((format!("payload.receipts[{i}].payload.metadata"), m));
        }
    }
    for (name, m) in metadata {
        let size = jss_size(m);
        if size > MAX_METADATA_BYTES {
            return Err(structural(format!(
                "{name} serializes to {size} bytes, more than the limit of {MAX_METADATA_BYTES}"
            )));
        }
    }
    if let Some(events) = payload.get("event_chain").and_then(Value::as_array) {
        let mut seen = HashSet::with_capacity(events.len());
        for e in events {
            if let Some(id) = e.get("event_id").and_then(Value::as_str) {
                if !seen.insert(id) {
                    return Err(structural(format!(
                        "the event chain has the event_id \"{id}\" more than once"
                    )));
                }
            }
        }
    }
    if !crate::crypto::did::is_valid_did_syntax(view.agent_did) {
        return Err(Failure::new(
            "payload.agent_did",
            ReasonCode::InvalidDidFormat,
            format!(
                "the proof bundle's agent_did {} is not a valid DID",
                super::envelope::describe(payload.get("agent_did"))
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_str;

    #[test]
    fn causal_binding_fields_keep_their_codes_and_paths() {
        let binding = parse_str(r#"{"run_id":"r","phase":"dreaming"}"#).unwrap();
        let at = Path::Text("payload.receipts[2].payload.binding");
        let e = check_receipt_binding(&binding, &at).unwrap_err();
        assert_eq!(e.code, Some(ReasonCode::CausalPhaseInvalid));
        assert_eq!(e.path, "payload.receipts[2].payload.binding.phase");
        let binding = parse_str(r#"{"run_id":"r","span_id":""}"#).unwrap();
        let e = check_receipt_binding(&binding, &at).unwrap_err();
        assert_eq!(e.code, Some(ReasonCode::CausalBindingNormalizationFailed));
        // Any other rule of the binding has the caller's code.
        let binding = parse_str(r#"{"run_id":"r","colour":"blue"}"#).unwrap();
        let e = check_receipt_binding(&binding, &at).unwrap_err();
        assert_eq!((e.code, e.path.as_str()), (None, "payload.receipts[2].payload.binding"));
    }

    #[test]
    fn the_payload_schema_returns_its_view_or_names_the_place() {
        let ok = parse_str(r#"{"bundle_version":"1","bundle_id":"b1","agent_did":"did:key:z","attestations":[{"attestation_id":"a","attestation_type":"owner","attester_did":"did:key:a","subject_did":"did:key:z","signature_b64u":"AAAAAAAA"}]}"#).unwrap();
        assert_eq!(
            check_payload_schema(&ok).unwrap(),
            PayloadView {
                bundle_id: "b1",
                agent_did: "did:key:z"
            }
        );
        let unsupported =
            parse_str(r#"{"bundle_version":"1","bundle_id":"b1","agent_did":"did:key:z","vir_receipts":[{}]}"#)
                .unwrap();
        let e = check_payload_schema(&unsupported).unwrap_err();
        assert_eq!(
            (e.code, e.path.as_str()),
            (Some(ReasonCode::UnsupportedEvidence), "payload.vir_receipts")
        );
        let legacy_only =
            parse_str(r#"{"bundle_version":"1","bundle_id":"b1","agent_did":"did:key:z","receipts":[]}"#).unwrap();
        let e = check_payload_schema(&legacy_only).unwrap_err();
        assert_eq!(e.to_string(), "payload.receipts must have at least 1 item");
    }
}
