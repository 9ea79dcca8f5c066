//! Tool receipts v1/v2 inside a proof bundle (§3.5): agent binding, chain binding, and for
//! envelopes expiry, payload hash, primary signature and co-signatures; then selective
//! disclosure for v2 payloads. Tool-receipt signers have no trust anchor in the protocol, so
//! a valid signature here proves integrity only; tool receipts never raise a tier.

use super::disclosure::verify_disclosure;
use super::envelope;
use super::event_chain::VerifiedChain;
use super::gateway_receipts::key_failure;
use super::payload::{classify_tool_receipt, ToolReceiptForm, MAX_CO_SIGNATURES};
use super::signatures::SignatureCache;
use crate::crypto::{b64, sha256_b64u};
use crate::json::{jss, Value};
use crate::reason::ReasonCode;
use crate::report::Failure;
use crate::schema_rules::{schema_failure, Obj, Path, RuleResult};
use crate::timeutil::Millis;

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

/// A tool receipt as the checks after its schema read it.
struct ToolReceipt<'v> {
    form: ToolReceiptForm,
    /// The receipt's payload: the envelope's, or the receipt itself.
    body: &'v Value,
    /// The envelope fields, for the envelope forms.
    envelope: Option<ToolEnvelope<'v>>,
    /// The v2 selective disclosures and the hashes they must open: `(field, disclosure,
    /// committed hash)`.
    disclosures: Vec<(&'static str, &'v Value, &'v str)>,
}

struct ToolEnvelope<'v> {
    expires_at: Option<Millis>,
    hash_algorithm: &'v str,
    payload_hash_b64u: &'v str,
    signer_did: &'v str,
    signature_b64u: &'v str,
    /// `(signer_did, signature_b64u)` of each co-signature.
    co_signatures: Vec<(&'v str, &'v str)>,
}

/// The view of a receipt whose schema passed as `form` (every read is one of its rules).
fn read_receipt<'v>(t: &'v Value, form: ToolReceiptForm, at: &Path<'_>) -> RuleResult<ToolReceipt<'v>> {
    let o = Obj::new(t, at)?;
    let (body, envelope) = if is_envelope(form) {
        let envelope = ToolEnvelope {
            expires_at: o.opt_time("expires_at")?,
            hash_algorithm: o.text("hash_algorithm")?,
            payload_hash_b64u: o.text("payload_hash_b64u")?,
            signer_did: o.text("signer_did")?,
            signature_b64u: o.text("signature_b64u")?,
            co_signatures: co_signatures(&o)?,
        };
        (o.require("payload", |v, _| Ok(v))?, Some(envelope))
    } else {
        (t, None)
    };
    let mut disclosures = Vec::new();
    if matches!(form, ToolReceiptForm::EnvelopeV2 | ToolReceiptForm::PayloadV2) {
        let body_at = at.key("payload");
        let b = if is_envelope(form) { Obj::new(body, body_at)? } else { o };
        for (d, h) in [
            ("args_disclosure", "args_hash_b64u"),
            ("result_disclosure", "result_hash_b64u"),
        ] {
            if let Some(disclosure) = b.get(d) {
                disclosures.push((d, disclosure, b.text(h)?));
            }
        }
    }
    Ok(ToolReceipt {
        form,
        body,
        envelope,
        disclosures,
    })
}

fn co_signatures<'v>(o: &Obj<'v, '_>) -> RuleResult<Vec<(&'v str, &'v str)>> {
    let at = o.at("co_signatures");
    o.array("co_signatures", 0, MAX_CO_SIGNATURES)?
        .iter()
        .enumerate()
        .map(|(j, c)| {
            let c = Obj::new(c, at.index(j))?;
            Ok((c.text("signer_did")?, c.text("signature_b64u")?))
        })
        .collect()
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
    let items_at = Path::Text("payload.tool_receipts");
    for (i, t) in items.iter().enumerate() {
        let path = items_at.index(i);
        let form = classify_tool_receipt(t, &path).map_err(|e| {
            let code = if t.get("receipt_version").is_some() && t.get("envelope_version").is_none() {
                ReasonCode::UnknownVersion
            } else {
                ReasonCode::SchemaValidationFailed
            };
            e.into_failure("tool_receipt.schema", code, "proof bundle")
        })?;
        let receipt = read_receipt(t, form, &path).map_err(schema_failure("tool_receipt.schema", "proof bundle"))?;
        if receipt.body.get("agent_did").and_then(Value::as_str) != Some(agent_did) {
            return Err(fail(
                "tool_receipt.agent",
                ReasonCode::ProofBundleAgentMismatch,
                i,
                "names a different agent_did from the proof bundle".into(),
            ));
        }
        check_binding(receipt.body, chain, i)?;
        if let Some(envelope) = &receipt.envelope {
            check_envelope(envelope, receipt.form, receipt.body, at, skew_ms, cache, i)?;
        }
        for (d, disclosure, committed) in &receipt.disclosures {
            verify_disclosure(disclosure, committed, &format!("tool_receipts[{i}].{d}"))
                .map_err(|f| f.at_path(path.to_string()))?;
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
    t: &ToolEnvelope<'_>,
    form: ToolReceiptForm,
    payload: &Value,
    at: Millis,
    skew_ms: Millis,
    cache: &mut SignatureCache,
    i: usize,
) -> Result<(), Failure> {
    let label = format!("tool_receipts[{i}]");
    if t.expires_at.is_some_and(|exp| at > exp.saturating_add(skew_ms)) {
        return Err(fail(
            "tool_receipt.expires_at",
            ReasonCode::ExpiredTtl,
            i,
            "has expired".into(),
        ));
    }
    if t.hash_algorithm != "SHA-256" {
        return Err(fail(
            "tool_receipt.payload_hash",
            ReasonCode::UnknownHashAlgorithm,
            i,
            format!(
                "uses hash_algorithm \"{}\", only SHA-256 is implemented",
                t.hash_algorithm
            ),
        ));
    }
    let claimed = t.payload_hash_b64u;
    let computed = sha256_b64u(jss::to_string(payload).as_bytes());
    if computed != claimed {
        return Err(fail(
            "tool_receipt.payload_hash",
            ReasonCode::HashMismatch,
            i,
            format!("has a payload that hashes to {computed}, but payload_hash_b64u says {claimed}"),
        ));
    }
    let signer = t.signer_did;
    let key = cache.key(signer).map_err(|e| key_failure(&e, &label))?;
    let sig = envelope::decode_signature(t.signature_b64u, &label)?;
    if sig.len() != 64 || !cache.verifies(signer, &key, claimed.as_bytes(), &sig) {
        return Err(
            envelope::signature_failure(&label, "Ed25519 verification failed").at_path(format!("payload.{label}"))
        );
    }
    if form == ToolReceiptForm::EnvelopeV2 {
        for (j, (did, sig)) in t.co_signatures.iter().enumerate() {
            check_co_signature(did, sig, claimed, cache, &format!("{label}.co_signatures[{j}]"))?;
        }
    }
    Ok(())
}

/// One co-signature over the receipt's payload hash.
fn check_co_signature(
    did: &str,
    sig_text: &str,
    claimed: &str,
    cache: &mut SignatureCache,
    co_label: &str,
) -> Result<(), Failure> {
    let sig = envelope::decode_signature(sig_text, co_label)?;
    let ok = match cache.key(did) {
        Ok(key) => sig.len() == 64 && cache.verifies(did, &key, claimed.as_bytes(), &sig),
        Err(_) => false,
    };
    if ok {
        return Ok(());
    }
    Err(Failure::new(
        "tool_receipt.co_signature",
        ReasonCode::CoSignatureInvalid,
        format!("the {co_label} by {did} does not verify over the receipt's payload hash"),
    )
    .at_path(format!("payload.{co_label}")))
}
