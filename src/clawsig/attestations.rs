//! Attestation references (§3.6): non-fatal; each valid one (signature, allowlisted
//! attester, subject = agent, not expired at `ctx.at`) lifts the proof tier to sandbox.

use super::signatures::SignatureCache;
use crate::context::VerifyContext;
use crate::crypto::b64;
use crate::json::{jcs, Value};
use crate::schema_rules::{Obj, Path, RuleResult};
use crate::timeutil::Millis;

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

/// An attestation reference as the checks read it (the payload schema required these).
struct Attestation<'v> {
    attester_did: &'v str,
    subject_did: &'v str,
    signature_b64u: &'v str,
    expires_at: Option<Millis>,
}

fn read_attestation<'v>(a: &'v Value, at: &Path<'_>) -> RuleResult<Attestation<'v>> {
    let o = Obj::new(a, at)?;
    Ok(Attestation {
        attester_did: o.text("attester_did")?,
        subject_did: o.text("subject_did")?,
        signature_b64u: o.text("signature_b64u")?,
        expires_at: o.opt_time("expires_at")?,
    })
}

/// Why each attestation did or did not count: `(verified, note)` per entry.
pub fn verify_attestations(
    payload: &Value,
    agent_did: &str,
    ctx: &VerifyContext,
    cache: &mut SignatureCache,
) -> Vec<(bool, String)> {
    let items_at = Path::Text("payload.attestations");
    let mut out = Vec::new();
    for (i, a) in payload
        .get("attestations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let note = |s: &str| format!("attestations[{i}] {s}");
        let verdict = (|| {
            let v = read_attestation(a, &items_at.index(i)).map_err(|e| e.to_string())?;
            let did = v.attester_did;
            let key = cache
                .key(did)
                .map_err(|_| note("has an attester_did that is not a usable did:key"))?;
            let sig = b64::b64u_decode(v.signature_b64u).map_err(|_| note("has a non-canonical signature_b64u"))?;
            let msg = signing_message(a).ok_or_else(|| note("is not an object"))?;
            if sig.len() != 64 || !cache.verifies(did, &key, &msg, &sig) {
                return Err(note("has a signature that does not verify"));
            }
            if !ctx.trust.is_attester(did) {
                return Err(note(&format!(
                    "is signed by {did}, which is not an allowlisted attester"
                )));
            }
            if v.subject_did != agent_did {
                return Err(note("is about a different subject than the bundle's agent"));
            }
            if v.expires_at.is_some_and(|t| t <= ctx.at) {
                return Err(note("has expired or has an invalid expires_at"));
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
