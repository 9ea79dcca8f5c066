//! The Clawsig SignedEnvelope (wire-format §2): the header checks in the reference order,
//! the JSS payload hash and the Ed25519 signature over the UTF-8 of the hash string.
//!
//! The header is checked in two steps so callers can interleave their own checks at the
//! reference positions: `parse_header` (presence, versions, type, algorithms, DID syntax,
//! dates, base64url syntax), then `check_payload_hash` and the signature (which callers may
//! queue in a `SignatureBatch` through `signature_job`).

use crate::crypto::{self, b64, did, parse_did_key, DidKeyError, PublicKey};
use crate::json::{jss, Object, Value};
use crate::reason::ReasonCode;
use crate::report::Failure;
use crate::timeutil::{parse_rfc3339, Millis};

/// The nine keys every envelope must carry (`expires_at` is optional).
pub const REQUIRED_KEYS: [&str; 9] = [
    "envelope_version",
    "envelope_type",
    "payload",
    "payload_hash_b64u",
    "hash_algorithm",
    "signature_b64u",
    "algorithm",
    "signer_did",
    "issued_at",
];

/// The reference's envelope-type allowlist (§2.1).
pub const KNOWN_ENVELOPE_TYPES: [&str; 16] = [
    "artifact_signature",
    "message_signature",
    "gateway_receipt",
    "web_receipt",
    "proof_bundle",
    "event_chain",
    "owner_attestation",
    "commit_proof",
    "execution_attestation",
    "derivation_attestation",
    "audit_result_attestation",
    "export_bundle",
    "aggregate_bundle",
    "compiled_evidence_report",
    "scoped_token",
    "policy_bundle",
];

/// How strictly to read the header of one envelope.
#[derive(Clone, Copy, Debug)]
pub struct HeaderRules<'r> {
    /// Accepted `envelope_version` values (the reference allows only "1").
    pub versions: &'r [&'r str],
    /// The type this envelope must have.
    pub expected_type: &'r str,
    /// Whether `expected_type` must also be in the reference allowlist (false for
    /// metadata-borne and our own envelope types, which check their own constant).
    pub type_in_allowlist: bool,
    /// `Some((at, skew_ms))`: fail `EXPIRED_TTL` when `at > expires_at + skew`.
    pub expiry: Option<(Millis, Millis)>,
}

impl<'r> HeaderRules<'r> {
    pub fn clawsig(expected_type: &'r str) -> Self {
        HeaderRules {
            versions: &["1"],
            expected_type,
            type_in_allowlist: true,
            expiry: None,
        }
    }
}

/// A SignedEnvelope whose header passed `parse_header`.
#[derive(Clone, Copy, Debug)]
pub struct Envelope<'a> {
    pub raw: &'a Object,
    pub envelope_type: &'a str,
    pub payload: &'a Value,
    pub payload_hash_b64u: &'a str,
    pub hash_algorithm: &'a str,
    pub signature_b64u: &'a str,
    pub signer_did: &'a str,
    pub issued_at: Millis,
    pub expires_at: Option<Millis>,
}

/// The reference treats input as an envelope only when it has these three keys (§6.1 step 1).
pub fn is_envelope_shaped(v: &Value) -> bool {
    v.as_object().is_some_and(|o| {
        o.contains_key("envelope_version") && o.contains_key("payload") && o.contains_key("signature_b64u")
    })
}

fn fail(check: &'static str, code: ReasonCode, detail: String) -> Failure {
    Failure::new(check, code, detail)
}

/// Header checks of §2.1 / §6.1 steps 2 and 4, in order. `label` names the artifact in messages.
pub fn parse_header<'a>(v: &'a Value, rules: &HeaderRules<'_>, label: &str) -> Result<Envelope<'a>, Failure> {
    let (obj, payload) = check_keys(v, label)?;
    let envelope_type = check_version_and_type(obj, rules, label)?;
    let hash_algorithm = check_algorithms(obj, label)?;
    let signer_did = text(obj, "signer_did")
        .filter(|d| did::is_valid_did_syntax(d))
        .ok_or_else(|| {
            fail(
                "envelope.signer_did",
                ReasonCode::InvalidDidFormat,
                format!(
                    "the {label} has signer_did {}, which is not a valid DID",
                    describe(obj.get("signer_did"))
                ),
            )
        })?;
    let (issued_at, expires_at) = check_dates(obj, rules, label)?;
    let b64u8 = |k: &str| text(obj, k).filter(|t| b64::is_b64u_syntax(t, 8));
    let (Some(payload_hash_b64u), Some(signature_b64u)) = (b64u8("payload_hash_b64u"), b64u8("signature_b64u")) else {
        return Err(fail(
            "envelope.encoding",
            ReasonCode::MalformedEnvelope,
            format!("the {label} has a payload_hash_b64u or signature_b64u that is not base64url"),
        ));
    };
    Ok(Envelope {
        raw: obj,
        envelope_type,
        payload,
        payload_hash_b64u,
        hash_algorithm,
        signature_b64u,
        signer_did,
        issued_at,
        expires_at,
    })
}

fn text<'a>(obj: &'a Object, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Value::as_str)
}

/// An object with the nine envelope keys; the object and its payload.
fn check_keys<'a>(v: &'a Value, label: &str) -> Result<(&'a Object, &'a Value), Failure> {
    let malformed = |detail: String| fail("envelope.keys", ReasonCode::MalformedEnvelope, detail);
    let obj = v
        .as_object()
        .ok_or_else(|| malformed(format!("the {label} is not a JSON object")))?;
    if let Some(missing) = REQUIRED_KEYS.iter().find(|k| !obj.contains_key(k)) {
        return Err(malformed(format!("the {label} has no '{missing}' field")));
    }
    let payload = obj
        .get("payload")
        .ok_or_else(|| malformed(format!("the {label} has no 'payload' field")))?;
    Ok((obj, payload))
}

/// An accepted `envelope_version`, then the expected `envelope_type`; the type.
fn check_version_and_type<'a>(obj: &'a Object, rules: &HeaderRules<'_>, label: &str) -> Result<&'a str, Failure> {
    if !text(obj, "envelope_version").is_some_and(|v| rules.versions.contains(&v)) {
        return Err(fail(
            "envelope.version",
            ReasonCode::UnknownEnvelopeVersion,
            format!(
                "the {label} has envelope_version {}, accepted: {}",
                describe(obj.get("envelope_version")),
                rules.versions.join(", ")
            ),
        ));
    }
    text(obj, "envelope_type")
        .filter(|t| (!rules.type_in_allowlist || KNOWN_ENVELOPE_TYPES.contains(t)) && *t == rules.expected_type)
        .ok_or_else(|| {
            fail(
                "envelope.type",
                ReasonCode::UnknownEnvelopeType,
                format!(
                    "the {label} has envelope_type {}, expected \"{}\"",
                    describe(obj.get("envelope_type")),
                    rules.expected_type
                ),
            )
        })
}

/// `algorithm` Ed25519, then a known `hash_algorithm`, which it returns.
fn check_algorithms<'a>(obj: &'a Object, label: &str) -> Result<&'a str, Failure> {
    if text(obj, "algorithm") != Some("Ed25519") {
        return Err(fail(
            "envelope.algorithm",
            ReasonCode::UnknownAlgorithm,
            format!(
                "the {label} has algorithm {}, only \"Ed25519\" is accepted",
                describe(obj.get("algorithm"))
            ),
        ));
    }
    text(obj, "hash_algorithm")
        .filter(|h| *h == "SHA-256" || *h == "BLAKE3")
        .ok_or_else(|| {
            fail(
                "envelope.hash_algorithm",
                ReasonCode::UnknownHashAlgorithm,
                format!(
                    "the {label} has hash_algorithm {}, only \"SHA-256\" is supported",
                    describe(obj.get("hash_algorithm"))
                ),
            )
        })
}

/// `issued_at` and the optional `expires_at` as RFC 3339, then the expiry `rules` ask for.
fn check_dates(obj: &Object, rules: &HeaderRules<'_>, label: &str) -> Result<(Millis, Option<Millis>), Failure> {
    let issued_at = text(obj, "issued_at").and_then(parse_rfc3339).ok_or_else(|| {
        fail(
            "envelope.issued_at",
            ReasonCode::MalformedEnvelope,
            format!(
                "the {label} has issued_at {}, not an RFC 3339 date-time",
                describe(obj.get("issued_at"))
            ),
        )
    })?;
    let expires_at = match obj.get("expires_at") {
        None => None,
        Some(value) => Some(value.as_str().and_then(parse_rfc3339).ok_or_else(|| {
            fail(
                "envelope.expires_at",
                ReasonCode::MalformedEnvelope,
                format!(
                    "the {label} has expires_at {}, not an RFC 3339 date-time",
                    describe(Some(value))
                ),
            )
        })?),
    };
    if let (Some(exp), Some((at, skew))) = (expires_at, rules.expiry) {
        if at > exp.saturating_add(skew) {
            return Err(fail(
                "envelope.expires_at",
                ReasonCode::ExpiredTtl,
                format!(
                    "the {label} expired at {} (verification time {})",
                    crate::timeutil::format_rfc3339(exp),
                    crate::timeutil::format_rfc3339(at)
                ),
            ));
        }
    }
    Ok((issued_at, expires_at))
}

impl<'a> Envelope<'a> {
    /// Recompute `sha256_b64u(JSS(payload))` and compare it as a string (§2.1). BLAKE3 passes
    /// the allowlist but is not implemented by the reference either: `HASH_MISMATCH`.
    pub fn check_payload_hash(&self, label: &str) -> Result<(), Failure> {
        self.check_payload_hash_with(label, || crypto::sha256_b64u(jss::to_string(self.payload).as_bytes()))
    }

    /// `check_payload_hash` with the SHA-256 of the payload's JSS supplied by the caller
    /// (computed beforehand, e.g. in parallel); `computed` is only called for SHA-256.
    pub fn check_payload_hash_with(&self, label: &str, computed: impl FnOnce() -> String) -> Result<(), Failure> {
        if self.hash_algorithm != "SHA-256" {
            return Err(fail(
                "envelope.payload_hash",
                ReasonCode::HashMismatch,
                format!(
                    "the {label} uses hash_algorithm {}, which cannot be recomputed",
                    self.hash_algorithm
                ),
            ));
        }
        let computed = computed();
        if computed != self.payload_hash_b64u {
            return Err(fail(
                "envelope.payload_hash",
                ReasonCode::HashMismatch,
                format!(
                    "the {label}'s payload hashes to {computed}, but payload_hash_b64u says {}",
                    self.payload_hash_b64u
                ),
            ));
        }
        Ok(())
    }

    /// The signer's key (`INVALID_DID_FORMAT` for a format problem, `SIGNATURE_INVALID` for
    /// a key that cannot verify anything, e.g. a small-order point).
    pub fn signer_key(&self, label: &str) -> Result<PublicKey, Failure> {
        signer_key(self.signer_did, label)
    }

    /// Key, message and signature bytes, ready for a batch. Non-canonical base64url in the
    /// signature is `MALFORMED_ENVELOPE` (stricter than the reference).
    pub fn signature_job(&self, label: &str) -> Result<(PublicKey, Vec<u8>, Vec<u8>), Failure> {
        let key = self.signer_key(label)?;
        let sig = decode_signature(self.signature_b64u, label)?;
        Ok((key, self.payload_hash_b64u.as_bytes().to_vec(), sig))
    }

    /// Verify the signature now (single verification).
    pub fn verify_signature(&self, label: &str) -> Result<(), Failure> {
        let (key, msg, sig) = self.signature_job(label)?;
        crypto::verify_strict(&key, &msg, &sig).map_err(|e| signature_failure(label, &e.to_string()))
    }
}

/// Resolve a did:key signer with the reference's split of codes.
pub fn signer_key(did_text: &str, label: &str) -> Result<PublicKey, Failure> {
    parse_did_key(did_text).map_err(|e| match e {
        DidKeyError::Format(m) => fail(
            "envelope.signer_key",
            ReasonCode::InvalidDidFormat,
            format!("the {label}'s signer cannot be resolved to an Ed25519 key: {m}"),
        ),
        DidKeyError::UnusableKey(m) => fail(
            "envelope.signature",
            ReasonCode::SignatureInvalid,
            format!("the {label}'s signer key cannot verify signatures: {m}"),
        ),
    })
}

/// Strictly decode a base64url signature.
pub fn decode_signature(text: &str, label: &str) -> Result<Vec<u8>, Failure> {
    b64::b64u_decode(text).map_err(|_| {
        fail(
            "envelope.encoding",
            ReasonCode::MalformedEnvelope,
            format!("the {label}'s signature_b64u is not canonical base64url (padding or non-zero trailing bits)"),
        )
    })
}

/// The failure for a signature that does not verify.
pub fn signature_failure(label: &str, why: &str) -> Failure {
    fail(
        "envelope.signature",
        ReasonCode::SignatureInvalid,
        format!("the {label}'s signature does not verify ({why})"),
    )
}

/// Short, safe rendering of a JSON value for messages.
pub fn describe(v: Option<&Value>) -> String {
    match v {
        None => "(missing)".to_string(),
        Some(Value::String(s)) => describe_text(s),
        Some(Value::Number(n)) => format!("{n}"),
        Some(other) => other.type_name().to_string(),
    }
}

/// A string value as `describe` shows it: quoted, cut at 60 characters.
pub fn describe_text(s: &str) -> String {
    let mut t: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        t.push('…');
    }
    format!("\"{t}\"")
}
