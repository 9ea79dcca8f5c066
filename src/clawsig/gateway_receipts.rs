//! Gateway receipts (§3.4): per-receipt verification (header, schema, allowlist, payload
//! fields, hash, key, signature) and binding to the event chain.
//!
//! Inside a proof bundle a receipt failure only marks that receipt invalid (the reference's
//! core rule); the CLI strict rule in `proof_bundle` turns invalid receipts into failures.

use super::envelope::{self, HeaderRules};
use super::event_chain::VerifiedChain;
use super::payload;
use super::signatures::SignatureCache;
use crate::context::VerifyContext;
use crate::crypto::{b64, sha256_b64u, DidKeyError, PublicKey};
use crate::json::{jcs, jss, Value};
use crate::reason::ReasonCode;
use crate::report::Failure;
use crate::schema_rules::{schema_failure, Path};
use crate::timeutil::{parse_rfc3339, Millis};

const MAX_TOKENS: f64 = 10_000_000.0;
const MAX_LATENCY_MS: f64 = 3_600_000.0;

/// What one gateway receipt says and whether it verified.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GatewayReceiptInfo {
    pub receipt_id: String,
    pub signer_did: String,
    /// Every per-receipt check passed, including allowlist and signature.
    pub signature_valid: bool,
    /// Why it did not verify.
    pub failure: Option<Failure>,
    /// Bound to this bundle's chain (run id and a member event hash).
    pub bound: bool,
    /// `binding.event_hash_b64u` is a non-empty string (the CLI strict rule's "bound" count).
    pub claims_binding: bool,
    pub run_id: Option<String>,
    pub event_hash_b64u: Option<String>,
    pub nonce: Option<String>,
    pub policy_hash: Option<String>,
    pub token_scope_hash_b64u: Option<String>,
    pub span_id: Option<String>,
    pub parent_span_id: Option<String>,
    pub tool_span_id: Option<String>,
    /// `payload.timestamp`.
    pub timestamp: Option<Millis>,
    /// `envelope.issued_at`.
    pub issued_at: Option<Millis>,
    /// JCS of the payload (replay fingerprints).
    pub payload_jcs: String,
}

/// Per-receipt work that does not depend on order: the payload's JSS hash and JCS text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceiptDigests {
    pub jss_hash: String,
    pub jcs: String,
}

pub fn digests(receipt: &Value) -> ReceiptDigests {
    match receipt.get("payload") {
        Some(p) => ReceiptDigests {
            jss_hash: sha256_b64u(jss::to_string(p).as_bytes()),
            jcs: jcs::to_string(p),
        },
        None => ReceiptDigests::default(),
    }
}

fn binding_text(receipt: &Value, keys: &[&str]) -> Option<String> {
    let b = receipt.get("payload")?.get("binding")?;
    keys.iter()
        .find_map(|k| b.get(k).and_then(Value::as_str))
        .map(str::to_string)
}

/// The descriptive fields of a receipt (no verification).
pub fn describe_receipt(receipt: &Value, digests: &ReceiptDigests) -> GatewayReceiptInfo {
    describe_receipt_with_jcs(receipt, digests.jcs.clone())
}

/// `describe_receipt`, taking the payload's JCS text by value.
pub fn describe_receipt_with_jcs(receipt: &Value, payload_jcs: String) -> GatewayReceiptInfo {
    let p = receipt.get("payload");
    let text = |v: Option<&Value>, k: &str| v.and_then(|x| x.get(k)).and_then(Value::as_str).map(str::to_string);
    let event_hash = binding_text(receipt, &["event_hash_b64u"]);
    GatewayReceiptInfo {
        receipt_id: text(p, "receipt_id").unwrap_or_default(),
        signer_did: text(Some(receipt), "signer_did").unwrap_or_default(),
        signature_valid: false,
        failure: None,
        bound: false,
        claims_binding: event_hash.as_deref().is_some_and(|s| !s.is_empty()),
        run_id: binding_text(receipt, &["run_id"]),
        event_hash_b64u: event_hash,
        nonce: binding_text(receipt, &["nonce"]),
        policy_hash: binding_text(receipt, &["policy_hash"]),
        token_scope_hash_b64u: binding_text(receipt, &["token_scope_hash_b64u"]),
        span_id: binding_text(receipt, &["span_id", "spanId"]),
        parent_span_id: binding_text(receipt, &["parent_span_id", "parentSpanId"]),
        tool_span_id: binding_text(receipt, &["tool_span_id", "toolSpanId"]),
        timestamp: text(p, "timestamp").as_deref().and_then(parse_rfc3339),
        issued_at: text(Some(receipt), "issued_at").as_deref().and_then(parse_rfc3339),
        payload_jcs,
    }
}

fn field_failure(label: &str, why: &str) -> Failure {
    Failure::new(
        "gateway_receipt.payload",
        ReasonCode::SchemaValidationFailed,
        format!("the {label}'s payload {why}"),
    )
}

/// The reference's payload field checks beyond the schema.
fn check_payload_fields(p: &Value, label: &str) -> Result<(), Failure> {
    for (key, max) in [
        ("tokens_input", MAX_TOKENS),
        ("tokens_output", MAX_TOKENS),
        ("latency_ms", MAX_LATENCY_MS),
    ] {
        let ok = p
            .get(key)
            .and_then(Value::as_f64)
            .is_some_and(|n| n >= 0.0 && n.fract() == 0.0 && n <= max);
        if !ok {
            return Err(field_failure(
                label,
                &format!("has a {key} that is not an integer in [0, {max}]"),
            ));
        }
    }
    for key in ["receipt_id", "gateway_id", "provider", "model"] {
        if !p.get(key).and_then(Value::as_str).is_some_and(|s| !s.is_empty()) {
            return Err(field_failure(label, &format!("has no non-empty {key}")));
        }
    }
    if !p
        .get("timestamp")
        .and_then(Value::as_str)
        .is_some_and(|t| parse_rfc3339(t).is_some())
    {
        return Err(field_failure(
            label,
            "has a timestamp that is not an RFC 3339 date-time",
        ));
    }
    Ok(())
}

/// Queue this receipt's signature in the bundle batch (when it can be a valid job).
pub fn queue_signature(receipt: &Value, cache: &mut SignatureCache) {
    let did = receipt.get("signer_did").and_then(Value::as_str);
    let hash = receipt.get("payload_hash_b64u").and_then(Value::as_str);
    let sig = receipt.get("signature_b64u").and_then(Value::as_str);
    if let (Some(did), Some(hash), Some(sig)) = (did, hash, sig) {
        cache.queue_b64u(did, hash.as_bytes(), sig);
    }
}

/// The per-receipt checks of §3.4 in the reference order (after the header checks, which
/// `envelope::parse_header` performs). `digests` carries the precomputed JSS hash.
pub fn check_receipt(
    receipt: &Value,
    digests: &ReceiptDigests,
    ctx: &VerifyContext,
    cache: &mut SignatureCache,
    label: &str,
) -> Result<(), Failure> {
    let env = check_receipt_fields(receipt, &digests.jss_hash, ctx, SchemaCheck::Run, label)?;
    check_receipt_signature(&env, cache, label)
}

/// Whether `check_receipt_fields` validates the receipt's schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaCheck {
    Run,
    /// The caller already ran `payload::check_gateway_envelope` on this very value and it
    /// passed (the proof-bundle payload schema does), so running it again cannot fail.
    AlreadyPassed,
}

/// Every check of `check_receipt` before the signature, in the same order (`payload_jss_hash`
/// is `ReceiptDigests::jss_hash`). Pure, so a bundle's receipts can go through it in parallel
/// before the ordered pass.
pub fn check_receipt_fields<'a>(
    receipt: &'a Value,
    payload_jss_hash: &str,
    ctx: &VerifyContext,
    schema: SchemaCheck,
    label: &str,
) -> Result<envelope::Envelope<'a>, Failure> {
    let env = envelope::parse_header(receipt, &HeaderRules::clawsig("gateway_receipt"), label)?;
    if schema == SchemaCheck::Run {
        payload::check_gateway_envelope(receipt, &Path::ROOT)
            .map_err(schema_failure("gateway_receipt.schema", label))?;
    }
    if ctx.trust.gateways.is_empty() {
        return Err(Failure::new(
            "gateway_receipt.allowlist",
            ReasonCode::DependencyNotConfigured,
            format!("the {label} cannot be trusted: no gateway receipt signers are configured"),
        ));
    }
    if !ctx.trust.is_gateway(env.signer_did) {
        return Err(Failure::new(
            "gateway_receipt.allowlist",
            ReasonCode::ClaimNotFound,
            format!(
                "the {label} is signed by {}, which is not an allowlisted gateway",
                env.signer_did
            ),
        ));
    }
    check_payload_fields(env.payload, label)?;
    if env.hash_algorithm != "SHA-256" {
        return Err(Failure::new(
            "gateway_receipt.payload_hash",
            ReasonCode::HashMismatch,
            format!(
                "the {label} uses hash_algorithm {}, which cannot be recomputed",
                env.hash_algorithm
            ),
        ));
    }
    if payload_jss_hash != env.payload_hash_b64u {
        return Err(Failure::new(
            "gateway_receipt.payload_hash",
            ReasonCode::HashMismatch,
            format!(
                "the {label}'s payload hashes to {}, but payload_hash_b64u says {}",
                payload_jss_hash, env.payload_hash_b64u
            ),
        ));
    }
    Ok(env)
}

/// The last checks of `check_receipt`: signer key, signature encoding, signature.
pub fn check_receipt_signature(
    env: &envelope::Envelope<'_>,
    cache: &mut SignatureCache,
    label: &str,
) -> Result<(), Failure> {
    let (key, sig) = signature_inputs(env, cache.key(env.signer_did), label)?;
    if !cache.verifies(env.signer_did, &key, env.payload_hash_b64u.as_bytes(), &sig) {
        return Err(envelope::signature_failure(label, "Ed25519 verification failed"));
    }
    Ok(())
}

/// The pure first half of `check_receipt_signature`: the signer's key (`key` is
/// `parse_did_key(env.signer_did)`) and the strictly decoded signature, or the failure.
pub fn signature_inputs(
    env: &envelope::Envelope<'_>,
    key: Result<PublicKey, DidKeyError>,
    label: &str,
) -> Result<(PublicKey, Vec<u8>), Failure> {
    let key = key.map_err(|e| key_failure(&e, label))?;
    let sig = envelope::decode_signature(env.signature_b64u, label)?;
    Ok((key, sig))
}

/// Map a did:key error to the reference's codes.
pub fn key_failure(e: &DidKeyError, label: &str) -> Failure {
    match e {
        DidKeyError::Format(m) => Failure::new(
            "envelope.signer_key",
            ReasonCode::InvalidDidFormat,
            format!("the {label}'s signer cannot be resolved to an Ed25519 key: {m}"),
        ),
        DidKeyError::UnusableKey(m) => Failure::new(
            "envelope.signature",
            ReasonCode::SignatureInvalid,
            format!("the {label}'s signer key cannot verify signatures: {m}"),
        ),
    }
}

/// Binding rule of §3.4 (only when the chain verified).
pub fn is_bound(receipt: &Value, chain: Option<&VerifiedChain<'_>>) -> bool {
    let Some(chain) = chain else { return false };
    let Some(b) = receipt.get("payload").and_then(|p| p.get("binding")) else {
        return false;
    };
    if b.as_object().is_none() {
        return false;
    }
    let run_ok = b
        .get("run_id")
        .and_then(Value::as_str)
        .is_some_and(|r| !r.is_empty() && Some(r) == chain.run_id);
    let hash_ok = b
        .get("event_hash_b64u")
        .and_then(Value::as_str)
        .is_some_and(|h| b64::is_b64u_syntax(h, 8) && chain.hash_set.contains(h));
    run_ok && hash_ok
}

/// Verify one standalone gateway receipt (e.g. a file in a sealed audit bundle): every
/// §3.4 check including the allowlist (`ctx.trust.gateways`) and the signature.
pub fn verify_gateway_receipt(value: &Value, ctx: &VerifyContext, label: &str) -> Result<GatewayReceiptInfo, Failure> {
    let d = digests(value);
    let mut cache = SignatureCache::new();
    check_receipt(value, &d, ctx, &mut cache, label)?;
    let mut info = describe_receipt(value, &d);
    info.signature_valid = true;
    Ok(info)
}

/// [`verify_gateway_receipt`] over many standalone receipts (`(label, receipt)`), with each
/// answer that of the one-by-one call: the order-free work (hashes, JCS, every check before
/// the signature) runs in parallel, then every signature that got that far is verified in one
/// batch (`SignatureCache`: each did:key parsed once, answers `verify_strict`'s) and the
/// signature checks are asked in order.
pub fn verify_gateway_receipts(
    receipts: &[(&str, &Value)],
    ctx: &VerifyContext,
) -> Vec<Result<GatewayReceiptInfo, Failure>> {
    use rayon::prelude::*;
    let pre: Vec<(ReceiptDigests, Result<envelope::Envelope<'_>, Failure>)> = receipts
        .par_iter()
        .map(|&(label, value)| {
            let d = digests(value);
            let fields = check_receipt_fields(value, &d.jss_hash, ctx, SchemaCheck::Run, label);
            (d, fields)
        })
        .collect();
    let mut cache = SignatureCache::new();
    for (_, fields) in &pre {
        if let Ok(env) = fields {
            cache.queue_b64u(env.signer_did, env.payload_hash_b64u.as_bytes(), env.signature_b64u);
        }
    }
    cache.run();
    receipts
        .iter()
        .zip(pre)
        .map(|(&(label, value), (d, fields))| {
            check_receipt_signature(&fields?, &mut cache, label)?;
            let mut info = describe_receipt_with_jcs(value, d.jcs);
            info.signature_valid = true;
            Ok(info)
        })
        .collect()
}
