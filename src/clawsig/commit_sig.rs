//! Commit signatures ("Protocol M", §6.2): `{version:"m1", type:"message_signature",
//! algo:"ed25519", did, message:"commit:<7–64 hex>", createdAt, signature}`, where the
//! signature (standard padded base64, 64 bytes) is over UTF-8(JCS({...obj, signature:""})).

use crate::crypto::{b64, did, parse_did_key, verify_strict, DidKeyError};
use crate::json::{jcs, Value};
use crate::reason::ReasonCode;
use crate::report::{Failure, Findings, Kind, SubjectReport};
use crate::timeutil::parse_rfc3339;

fn fail(check: &'static str, code: ReasonCode, why: impl Into<String>) -> Failure {
    Failure::new(check, code, why)
}

fn is_commit_message(m: &str) -> bool {
    m.strip_prefix("commit:")
        .is_some_and(|h| (7..=64).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// All checks in order; the first failure is returned.
pub fn verify_commit_sig(value: &Value) -> Result<String, Failure> {
    let obj = value.as_object().ok_or_else(|| {
        fail(
            "commit_sig.shape",
            ReasonCode::MalformedEnvelope,
            "the commit signature is not a JSON object",
        )
    })?;
    let text = |k: &str| obj.get(k).and_then(Value::as_str);
    if text("version") != Some("m1") {
        return Err(fail(
            "commit_sig.version",
            ReasonCode::UnknownVersion,
            "the commit signature's version is not \"m1\"",
        ));
    }
    if text("type") != Some("message_signature") {
        return Err(fail(
            "commit_sig.type",
            ReasonCode::UnknownType,
            "the commit signature's type is not \"message_signature\"",
        ));
    }
    if text("algo") != Some("ed25519") {
        return Err(fail(
            "commit_sig.algo",
            ReasonCode::UnknownAlgo,
            "the commit signature's algo is not \"ed25519\"",
        ));
    }
    let signer = text("did").filter(|d| did::is_valid_did_syntax(d)).ok_or_else(|| {
        fail(
            "commit_sig.did",
            ReasonCode::InvalidDidFormat,
            "the commit signature's did is not a valid DID",
        )
    })?;
    let message = text("message").filter(|m| is_commit_message(m)).ok_or_else(|| {
        fail(
            "commit_sig.message",
            ReasonCode::CommitMessageInvalid,
            "the commit signature's message is not \"commit:\" followed by 7 to 64 hex digits",
        )
    })?;
    if !text("createdAt").is_some_and(|t| parse_rfc3339(t).is_some()) {
        return Err(fail(
            "commit_sig.created_at",
            ReasonCode::MalformedEnvelope,
            "the commit signature's createdAt is not an RFC 3339 date-time",
        ));
    }
    let sig_text = text("signature").ok_or_else(|| {
        fail(
            "commit_sig.signature",
            ReasonCode::MalformedEnvelope,
            "the commit signature has no signature string",
        )
    })?;
    let sig = b64::b64std_decode(sig_text).map_err(|_| {
        fail(
            "commit_sig.signature",
            ReasonCode::MalformedEnvelope,
            "the commit signature's signature is not canonical padded base64",
        )
    })?;
    if sig.len() != 64 {
        return Err(fail(
            "commit_sig.signature",
            ReasonCode::MalformedEnvelope,
            format!("the commit signature's signature is {} bytes, not 64", sig.len()),
        ));
    }
    let key = parse_did_key(signer).map_err(|e| match e {
        DidKeyError::Format(m) => fail(
            "commit_sig.did",
            ReasonCode::InvalidDidFormat,
            format!("the commit signer is not an Ed25519 did:key: {m}"),
        ),
        DidKeyError::UnusableKey(m) => fail(
            "commit_sig.signature",
            ReasonCode::SignatureInvalid,
            format!("the commit signer's key cannot verify signatures: {m}"),
        ),
    })?;
    let mut unsigned = obj.clone();
    unsigned.insert("signature", Value::from(""));
    let msg = jcs::to_string(&Value::Object(unsigned));
    verify_strict(&key, msg.as_bytes(), &sig).map_err(|_| {
        fail(
            "commit_sig.signature",
            ReasonCode::SignatureInvalid,
            format!("the commit signature over {message} by {signer} does not verify"),
        )
    })?;
    Ok(format!("{message} is signed by {signer}"))
}

/// CLI entry for kind commit-sig.
pub fn verify_subject(path: &str, value: &Value) -> SubjectReport {
    let mut f = Findings::new();
    match verify_commit_sig(value) {
        Ok(detail) => f.pass("commit_sig", detail),
        Err(e) => f.record(&e),
    }
    let mut report = SubjectReport::from_findings(path, Kind::CommitSig, f);
    if let Some(m) = value.get("message").and_then(Value::as_str) {
        report.facts.commit_message = Some(m.to_string());
    }
    report
}
