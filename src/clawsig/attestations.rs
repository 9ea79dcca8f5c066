//! Attestation references (§3.6): non-fatal; each valid one (signature, allowlisted
//! attester, subject = agent, not expired at `ctx.at`) lifts the proof tier to sandbox.

use super::signatures::SignatureCache;
use crate::context::VerifyContext;
use crate::crypto::b64;
use crate::json::{jcs, Value};
use crate::timeutil::parse_rfc3339;

/// The signed message: JCS of the attestation with an empty signature.
pub fn signing_message(a: &Value) -> Option<Vec<u8>> {
    let mut o = a.as_object()?.clone();
    o.insert("signature_b64u", Value::from(""));
    Some(jcs::to_string(&Value::Object(o)).into_bytes())
}

pub fn queue_signatures(payload: &Value, cache: &mut SignatureCache) {
    for a in payload
        .get("attestations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let did = a.get("attester_did").and_then(Value::as_str);
        let sig = a.get("signature_b64u").and_then(Value::as_str);
        if let (Some(did), Some(sig), Some(msg)) = (did, sig, signing_message(a)) {
            cache.queue_b64u(did, &msg, sig);
        }
    }
}

/// Why each attestation did or did not count: `(verified, note)` per entry.
pub fn verify_attestations(
    payload: &Value,
    agent_did: &str,
    ctx: &VerifyContext,
    cache: &mut SignatureCache,
) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    for (i, a) in payload
        .get("attestations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let did = a.get("attester_did").and_then(Value::as_str).unwrap_or("");
        let note = |s: &str| format!("attestations[{i}] {s}");
        let verdict = (|| {
            let key = cache
                .key(did)
                .map_err(|_| note("has an attester_did that is not a usable did:key"))?;
            let text = a.get("signature_b64u").and_then(Value::as_str).unwrap_or("");
            let sig = b64::b64u_decode(text).map_err(|_| note("has a non-canonical signature_b64u"))?;
            let msg = signing_message(a).ok_or_else(|| note("is not an object"))?;
            if sig.len() != 64 || !cache.verifies(did, &key, &msg, &sig) {
                return Err(note("has a signature that does not verify"));
            }
            if !ctx.trust.is_attester(did) {
                return Err(note(&format!(
                    "is signed by {did}, which is not an allowlisted attester"
                )));
            }
            if a.get("subject_did").and_then(Value::as_str) != Some(agent_did) {
                return Err(note("is about a different subject than the bundle's agent"));
            }
            if let Some(exp) = a.get("expires_at") {
                match exp.as_str().and_then(parse_rfc3339) {
                    Some(t) if t > ctx.at => {}
                    _ => return Err(note("has expired or has an invalid expires_at")),
                }
            }
            Ok(note("verified"))
        })();
        out.push(match verdict {
            Ok(n) => (true, n),
            Err(n) => (false, n),
        });
    }
    out
}
