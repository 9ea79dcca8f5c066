//! Tool receipts v1/v2 inside a proof bundle (§3.5): agent binding, chain binding, and for
//! envelopes expiry, payload hash, primary signature and co-signatures; then selective
//! disclosure for v2 payloads. Tool-receipt signers have no trust anchor in the protocol, so
//! a valid signature here proves integrity only; tool receipts never raise a tier.

use super::disclosure::verify_disclosure;
use super::envelope;
use super::event_chain::VerifiedChain;
use super::gateway_receipts::key_failure;
use super::payload::{classify_tool_receipt, ToolReceiptForm};
use super::signatures::SignatureCache;
use crate::crypto::{b64, sha256_b64u};
use crate::json::{jss, Value};
use crate::reason::ReasonCode;
use crate::report::Failure;
use crate::schema_rules::Path;
use crate::timeutil::{parse_rfc3339, Millis};

fn fail(check: &'static str, code: ReasonCode, i: usize, why: String) -> Failure {
    Failure::new(check, code, format!("tool_receipts[{i}] {why}")).at_path(format!("payload.tool_receipts[{i}]"))
}

fn is_envelope(form: ToolReceiptForm) -> bool {
    matches!(form, ToolReceiptForm::EnvelopeV1 | ToolReceiptForm::EnvelopeV2)
}

/// Queue the primary and co-signatures of every tool-receipt envelope.
pub fn queue_signatures(payload: &Value, cache: &mut SignatureCache) {
    let Some(items) = payload.get("tool_receipts").and_then(Value::as_array) else {
        return;
    };
    for t in items {
        let Some(hash) = t.get("payload_hash_b64u").and_then(Value::as_str) else {
            continue;
        };
        if let (Some(did), Some(sig)) = (
            t.get("signer_did").and_then(Value::as_str),
            t.get("signature_b64u").and_then(Value::as_str),
        ) {
            cache.queue_b64u(did, hash.as_bytes(), sig);
        }
        for c in t.get("co_signatures").and_then(Value::as_array).into_iter().flatten() {
            if let (Some(did), Some(sig)) = (
                c.get("signer_did").and_then(Value::as_str),
                c.get("signature_b64u").and_then(Value::as_str),
            ) {
                cache.queue_b64u(did, hash.as_bytes(), sig);
            }
        }
    }
}

/// Verify every tool receipt; the first failure is fatal.
pub fn verify_tool_receipts(
    payload: &Value,
    agent_did: &str,
    chain: Option<&VerifiedChain<'_>>,
    at: Millis,
    skew_ms: Millis,
    cache: &mut SignatureCache,
) -> Result<usize, Failure> {
    let Some(items) = payload.get("tool_receipts").and_then(Value::as_array) else {
        return Ok(0);
    };
    for (i, t) in items.iter().enumerate() {
        let path = format!("payload.tool_receipts[{i}]");
        let form = classify_tool_receipt(t, &Path::Text(&path)).map_err(|e| {
            let code = if t.get("receipt_version").is_some() && t.get("envelope_version").is_none() {
                ReasonCode::UnknownVersion
            } else {
                ReasonCode::SchemaValidationFailed
            };
            e.into_failure("tool_receipt.schema", code, "proof bundle")
        })?;
        let body = if is_envelope(form) {
            t.get("payload").unwrap_or(&Value::Null)
        } else {
            t
        };
        if body.get("agent_did").and_then(Value::as_str) != Some(agent_did) {
            return Err(fail(
                "tool_receipt.agent",
                ReasonCode::ProofBundleAgentMismatch,
                i,
                "names a different agent_did from the proof bundle".into(),
            ));
        }
        check_binding(body, chain, i)?;
        if is_envelope(form) {
            check_envelope(t, form, at, skew_ms, cache, i)?;
        }
        if matches!(form, ToolReceiptForm::EnvelopeV2 | ToolReceiptForm::PayloadV2) {
            for (d, h) in [
                ("args_disclosure", "args_hash_b64u"),
                ("result_disclosure", "result_hash_b64u"),
            ] {
                if let Some(disclosure) = body.get(d) {
                    let committed = body.get(h).and_then(Value::as_str).unwrap_or("");
                    verify_disclosure(disclosure, committed, &format!("tool_receipts[{i}].{d}"))
                        .map_err(|f| f.at_path(path.clone()))?;
                }
            }
        }
    }
    Ok(items.len())
}

fn check_binding(body: &Value, chain: Option<&VerifiedChain<'_>>, i: usize) -> Result<(), Failure> {
    let (Some(b), Some(chain)) = (body.get("binding"), chain) else {
        return Ok(());
    };
    if let Some(run) = b.get("run_id").and_then(Value::as_str).filter(|r| !r.is_empty()) {
        if Some(run) != chain.run_id {
            return Err(fail(
                "tool_receipt.binding",
                ReasonCode::ReceiptBindingMismatch,
                i,
                format!("is bound to run \"{run}\", not to this bundle's run"),
            ));
        }
    }
    if let Some(h) = b.get("event_hash_b64u") {
        let h = h.as_str().filter(|s| b64::is_b64u_syntax(s, 8)).ok_or_else(|| {
            fail(
                "tool_receipt.binding",
                ReasonCode::SchemaValidationFailed,
                i,
                "has a binding.event_hash_b64u that is not base64url".into(),
            )
        })?;
        if !chain.hash_set.contains(h) {
            return Err(fail(
                "tool_receipt.binding",
                ReasonCode::ReceiptBindingMismatch,
                i,
                format!("is bound to event hash {h}, which is not in this bundle's event chain"),
            ));
        }
    }
    Ok(())
}

fn check_envelope(
    t: &Value,
    form: ToolReceiptForm,
    at: Millis,
    skew_ms: Millis,
    cache: &mut SignatureCache,
    i: usize,
) -> Result<(), Failure> {
    let label = format!("tool_receipts[{i}]");
    if let Some(exp) = t.get("expires_at") {
        let exp = exp.as_str().and_then(parse_rfc3339).ok_or_else(|| {
            fail(
                "tool_receipt.expires_at",
                ReasonCode::SchemaValidationFailed,
                i,
                "has an expires_at that is not an RFC 3339 date-time".into(),
            )
        })?;
        if at > exp.saturating_add(skew_ms) {
            return Err(fail(
                "tool_receipt.expires_at",
                ReasonCode::ExpiredTtl,
                i,
                "has expired".into(),
            ));
        }
    }
    let algorithm = t.get("hash_algorithm").and_then(Value::as_str).unwrap_or("");
    if algorithm != "SHA-256" {
        return Err(fail(
            "tool_receipt.payload_hash",
            ReasonCode::UnknownHashAlgorithm,
            i,
            format!("uses hash_algorithm \"{algorithm}\", only SHA-256 is implemented"),
        ));
    }
    let claimed = t.get("payload_hash_b64u").and_then(Value::as_str).unwrap_or("");
    let computed = sha256_b64u(jss::to_string(t.get("payload").unwrap_or(&Value::Null)).as_bytes());
    if computed != claimed {
        return Err(fail(
            "tool_receipt.payload_hash",
            ReasonCode::HashMismatch,
            i,
            format!("has a payload that hashes to {computed}, but payload_hash_b64u says {claimed}"),
        ));
    }
    let signer = t.get("signer_did").and_then(Value::as_str).unwrap_or("");
    let key = cache.key(signer).map_err(|e| key_failure(&e, &label))?;
    let sig_text = t.get("signature_b64u").and_then(Value::as_str).unwrap_or("");
    let sig = envelope::decode_signature(sig_text, &label)?;
    if sig.len() != 64 || !cache.verifies(signer, &key, claimed.as_bytes(), &sig) {
        return Err(
            envelope::signature_failure(&label, "Ed25519 verification failed").at_path(format!("payload.{label}"))
        );
    }
    if form == ToolReceiptForm::EnvelopeV2 {
        for (j, c) in t
            .get("co_signatures")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let co_label = format!("{label}.co_signatures[{j}]");
            let did = c.get("signer_did").and_then(Value::as_str).unwrap_or("");
            let text = c.get("signature_b64u").and_then(Value::as_str).unwrap_or("");
            let sig = envelope::decode_signature(text, &co_label)?;
            let ok = match cache.key(did) {
                Ok(key) => sig.len() == 64 && cache.verifies(did, &key, claimed.as_bytes(), &sig),
                Err(_) => false,
            };
            if !ok {
                return Err(Failure::new(
                    "tool_receipt.co_signature",
                    ReasonCode::CoSignatureInvalid,
                    format!("the {co_label} by {did} does not verify over the receipt's payload hash"),
                )
                .at_path(format!("payload.{co_label}")));
            }
        }
    }
    Ok(())
}
