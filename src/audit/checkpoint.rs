//! `checkpoint.json` (spec 20 §3): the sealer's signed statement of the Merkle root, the
//! subject and the policy and token bindings. Unlike Clawsig envelopes, every time an auditor
//! relies on is inside the signed payload: an envelope-level `expires_at` would be unsigned
//! and is refused. The payload hash is JCS and the signed message is domain-separated.

use super::merkle::{self, Hash};
use crate::clawsig::envelope::{decode_signature, describe, signature_failure, REQUIRED_KEYS};
use crate::clawsig::producer::Signer;
use crate::context::VerifyContext;
use crate::crypto::{self, b64, b64u_encode, did};
use crate::json::{Object, Value};
use crate::policy::CheckpointView;
use crate::reason::ReasonCode;
use crate::report::{Failure, Findings, Location};
use crate::signed_jcs::{jcs_hash, parse_jcs_header, sign_jcs};
use crate::timeutil::{format_rfc3339, parse_rfc3339, Millis};

pub const ENVELOPE_TYPE: &str = "audit_checkpoint";
pub const CHECKPOINT_VERSION: &str = "1";
/// Prefix of the signed message: a checkpoint signature can never be replayed as another
/// Clawsig signature over the same hash string.
pub const DOMAIN: &str = "clawaudit/checkpoint/v1\n";
/// How far in the future `created_at` may be, relative to `--at`.
pub const FUTURE_SKEW_MS: Millis = 300_000;

/// The verified (as far as possible) checkpoint payload.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckpointPayload {
    pub bundle_id: String,
    pub created_at: Millis,
    pub expires_at: Option<Millis>,
    pub sealer_did: String,
    pub job_id: String,
    pub run_id: Option<String>,
    pub agent_did: Option<String>,
    pub tree_size: u64,
    pub root: Hash,
    pub policy_hash_b64u: Option<String>,
    pub token_scope_hash_b64u: Option<String>,
}

impl CheckpointPayload {
    /// What the policy, token and approval checks need.
    pub fn view(&self) -> CheckpointView {
        CheckpointView {
            job_id: self.job_id.clone(),
            run_id: self.run_id.clone(),
            agent_did: self.agent_did.clone(),
            created_at: self.created_at,
            policy_hash: self.policy_hash_b64u.clone(),
            token_scope_hash: self.token_scope_hash_b64u.clone(),
        }
    }
}

/// `UTF-8("clawaudit/checkpoint/v1\n" + payload_hash_b64u)`.
pub fn signed_message(payload_hash_b64u: &str) -> Vec<u8> {
    format!("{DOMAIN}{payload_hash_b64u}").into_bytes()
}

/// What a sealer puts in a checkpoint payload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckpointFields {
    pub bundle_id: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub job_id: String,
    pub run_id: Option<String>,
    pub agent_did: Option<String>,
    pub tree_size: u64,
    pub root: Hash,
    pub policy_hash_b64u: Option<String>,
    pub token_scope_hash_b64u: Option<String>,
}

/// The payload object, in the spec's key order (the hash is JCS, so order is cosmetic).
pub fn payload_value(fields: &CheckpointFields, sealer_did: &str) -> Value {
    let mut subject = Object::new();
    subject.insert("job_id", Value::from(fields.job_id.as_str()));
    if let Some(r) = &fields.run_id {
        subject.insert("run_id", Value::from(r.as_str()));
    }
    if let Some(a) = &fields.agent_did {
        subject.insert("agent_did", Value::from(a.as_str()));
    }
    let mut tree = Object::new();
    tree.insert("algorithm", Value::from(merkle::ALGORITHM));
    tree.insert("size", Value::from(fields.tree_size));
    tree.insert("root_b64u", Value::from(b64u_encode(&fields.root)));
    let mut bindings = Object::new();
    if let Some(h) = &fields.policy_hash_b64u {
        bindings.insert("policy_hash_b64u", Value::from(h.as_str()));
    }
    if let Some(h) = &fields.token_scope_hash_b64u {
        bindings.insert("token_scope_hash_b64u", Value::from(h.as_str()));
    }
    let mut p = Object::new();
    p.insert("checkpoint_version", Value::from(CHECKPOINT_VERSION));
    p.insert("bundle_id", Value::from(fields.bundle_id.as_str()));
    p.insert("created_at", Value::from(fields.created_at.as_str()));
    if let Some(e) = &fields.expires_at {
        p.insert("expires_at", Value::from(e.as_str()));
    }
    p.insert("sealer_did", Value::from(sealer_did));
    p.insert("subject", Value::Object(subject));
    p.insert("tree", Value::Object(tree));
    p.insert("bindings", Value::Object(bindings));
    Value::Object(p)
}

/// Sign any payload as a checkpoint envelope (JCS hash, domain-separated message). Vector
/// generators use this directly to sign deliberately faulty payloads.
pub fn sign_payload(signer: &Signer, payload: Value, issued_at: &str) -> Value {
    let hash = jcs_hash(&payload);
    // `sign_jcs` signs the bare hash; replace that signature with ours.
    let mut env = sign_jcs(signer, ENVELOPE_TYPE, payload, issued_at);
    if let Some(obj) = env.as_object_mut() {
        let sig = b64u_encode(&signer.sign(&signed_message(&hash)));
        obj.insert("signature_b64u", Value::from(sig));
    }
    env
}

/// Build and sign a checkpoint; `issued_at` is the payload's `created_at`.
pub fn sign_checkpoint(signer: &Signer, fields: &CheckpointFields) -> Value {
    sign_payload(signer, payload_value(fields, signer.did()), &fields.created_at)
}

const PAYLOAD_KEYS: [&str; 8] = [
    "checkpoint_version",
    "bundle_id",
    "created_at",
    "expires_at",
    "sealer_did",
    "subject",
    "tree",
    "bindings",
];

fn schema(detail: String) -> Failure {
    Failure::new("checkpoint.payload", ReasonCode::SchemaValidationFailed, detail)
}

/// A closed object: every key must be in `allowed`.
fn closed<'a>(v: Option<&'a Value>, allowed: &[&str], what: &str) -> Result<&'a Object, Failure> {
    let obj = v
        .and_then(Value::as_object)
        .ok_or_else(|| schema(format!("the checkpoint {what} is not an object")))?;
    if let Some(k) = obj.keys().find(|k| !allowed.contains(k)) {
        return Err(schema(format!(
            "the checkpoint {what} has an unknown field {}",
            describe(Some(&Value::from(k)))
        )));
    }
    Ok(obj)
}

fn req_text<'a>(obj: &'a Object, key: &str, what: &str) -> Result<&'a str, Failure> {
    match obj.get(key).and_then(Value::as_str) {
        Some(s) if !s.is_empty() && s.chars().count() <= 256 => Ok(s),
        _ => Err(schema(format!(
            "the checkpoint {what} needs '{key}' as a string of 1 to 256 characters, found {}",
            describe(obj.get(key))
        ))),
    }
}

fn opt_text<'a>(obj: &'a Object, key: &str, what: &str) -> Result<Option<&'a str>, Failure> {
    if obj.contains_key(key) {
        req_text(obj, key, what).map(Some)
    } else {
        Ok(None)
    }
}

fn time(obj: &Object, key: &str) -> Result<Option<Millis>, Failure> {
    match obj.get(key) {
        None => Ok(None),
        Some(v) => v.as_str().and_then(parse_rfc3339).map(Some).ok_or_else(|| {
            schema(format!(
                "the checkpoint payload's {key} {} is not an RFC 3339 date-time",
                describe(Some(v))
            ))
        }),
    }
}

fn hash_field(obj: &Object, key: &str) -> Result<Option<String>, Failure> {
    match obj.get(key) {
        None => Ok(None),
        Some(v) => match v.as_str() {
            Some(s) if b64::b64u_decode_array::<32>(s).is_ok() => Ok(Some(s.to_string())),
            _ => Err(schema(format!(
                "the checkpoint binding {key} {} is not a canonical base64url SHA-256",
                describe(Some(v))
            ))),
        },
    }
}

/// `INVALID_DID_FORMAT` unless `text` is a DID; `what` names the field ("checkpoint's sealer_did").
fn valid_did(text: &str, what: &str) -> Result<(), Failure> {
    if did::is_valid_did_syntax(text) {
        return Ok(());
    }
    Err(Failure::new(
        "checkpoint.payload",
        ReasonCode::InvalidDidFormat,
        format!("the {what} {} is not a valid DID", describe(Some(&Value::from(text)))),
    ))
}

/// The payload schema (closed at every level).
pub fn parse_payload(payload: &Value) -> Result<CheckpointPayload, Failure> {
    let p = closed(Some(payload), &PAYLOAD_KEYS, "payload")?;
    let version = p.get("checkpoint_version");
    if version.and_then(Value::as_str) != Some(CHECKPOINT_VERSION) {
        return Err(Failure::new(
            "checkpoint.payload",
            ReasonCode::UnknownVersion,
            format!(
                "the checkpoint has checkpoint_version {}, only \"1\" is known",
                describe(version)
            ),
        ));
    }
    let bundle_id = req_text(p, "bundle_id", "payload")?;
    let created_at = time(p, "created_at")?.ok_or_else(|| schema("the checkpoint payload has no created_at".into()))?;
    let expires_at = time(p, "expires_at")?;
    let sealer_did = req_text(p, "sealer_did", "payload")?;
    valid_did(sealer_did, "checkpoint's sealer_did")?;
    let subject = closed(p.get("subject"), &["job_id", "run_id", "agent_did"], "subject")?;
    let job_id = req_text(subject, "job_id", "subject")?;
    let run_id = opt_text(subject, "run_id", "subject")?;
    let agent_did = opt_text(subject, "agent_did", "subject")?;
    if let Some(a) = agent_did {
        valid_did(a, "checkpoint subject's agent_did")?;
    }
    let tree = closed(p.get("tree"), &["algorithm", "size", "root_b64u"], "tree")?;
    if tree.get("algorithm").and_then(Value::as_str) != Some(merkle::ALGORITHM) {
        return Err(Failure::new(
            "checkpoint.payload",
            ReasonCode::UnknownAlgorithm,
            format!(
                "the checkpoint tree uses algorithm {}, only \"{}\" is known",
                describe(tree.get("algorithm")),
                merkle::ALGORITHM
            ),
        ));
    }
    let tree_size = tree
        .get("size")
        .and_then(Value::as_u64)
        .filter(|n| *n >= 1)
        .ok_or_else(|| {
            schema(format!(
                "the checkpoint tree size {} is not a positive integer",
                describe(tree.get("size"))
            ))
        })?;
    let root = tree
        .get("root_b64u")
        .and_then(Value::as_str)
        .and_then(|s| b64::b64u_decode_array::<32>(s).ok())
        .ok_or_else(|| {
            schema(format!(
                "the checkpoint tree root_b64u {} is not a canonical base64url SHA-256",
                describe(tree.get("root_b64u"))
            ))
        })?;
    let bindings = closed(
        p.get("bindings"),
        &["policy_hash_b64u", "token_scope_hash_b64u"],
        "bindings",
    )?;
    Ok(CheckpointPayload {
        bundle_id: bundle_id.to_string(),
        created_at,
        expires_at,
        sealer_did: sealer_did.to_string(),
        job_id: job_id.to_string(),
        run_id: run_id.map(str::to_string),
        agent_did: agent_did.map(str::to_string),
        tree_size,
        root,
        policy_hash_b64u: hash_field(bindings, "policy_hash_b64u")?,
        token_scope_hash_b64u: hash_field(bindings, "token_scope_hash_b64u")?,
    })
}

/// Step 2 of spec 20 §5, in order: envelope header (no envelope-level `expires_at`),
/// payload schema, JCS hash, signature, sealer = signer, sealer trusted, `created_at` not in
/// the future, not expired. Returns the payload whenever its schema passed, so the manifest
/// can still be checked against it.
pub fn check_checkpoint(
    value: &Value,
    ctx: &VerifyContext,
    at: &Location,
    f: &mut Findings,
) -> Option<CheckpointPayload> {
    let label = format!("checkpoint {}", at.text().unwrap_or_default());
    let env = parse_jcs_header(value, ENVELOPE_TYPE, &label, at, f)?;
    if env.raw.contains_key("expires_at") {
        f.fail_at(
            "checkpoint.envelope",
            ReasonCode::MalformedEnvelope,
            at,
            format!(
                "the {label} has an envelope-level expires_at, which is unsigned; the expiry belongs in the payload"
            ),
        );
        return None;
    }
    if let Some(k) = env.raw.keys().find(|k| !REQUIRED_KEYS.contains(k)) {
        f.fail_at(
            "checkpoint.envelope",
            ReasonCode::MalformedEnvelope,
            at,
            format!("the {label} has an unknown field {}", describe(Some(&Value::from(k)))),
        );
        return None;
    }
    f.pass_at(
        "checkpoint.envelope",
        at,
        format!("the {label}'s envelope header is well formed"),
    );
    let payload = match parse_payload(env.payload) {
        Ok(p) => p,
        Err(failure) => {
            f.record(&failure.located(at.clone()));
            return None;
        }
    };
    f.pass_at(
        "checkpoint.payload",
        at,
        format!("the {label}'s payload matches the schema"),
    );

    let computed = jcs_hash(env.payload);
    if env.hash_algorithm != "SHA-256" || computed != env.payload_hash_b64u {
        f.fail_at(
            "checkpoint.payload_hash",
            ReasonCode::HashMismatch,
            at,
            format!(
                "the {label}'s payload hashes (JCS, SHA-256) to {computed}, but payload_hash_b64u says {}",
                describe(Some(&Value::from(env.payload_hash_b64u)))
            ),
        );
    } else {
        f.pass_at(
            "checkpoint.payload_hash",
            at,
            format!("the {label}'s JCS payload hash matches"),
        );
    }

    match verify_signature(env.signer_did, env.signature_b64u, env.payload_hash_b64u, &label) {
        Ok(()) => f.pass_at("checkpoint.signature", at, format!("the {label}'s signature verifies")),
        Err(failure) => f.record(&failure.located(at.clone())),
    }

    if payload.sealer_did != env.signer_did {
        f.fail_at(
            "checkpoint.sealer",
            ReasonCode::SignerMismatch,
            at,
            format!(
                "the {label} names sealer {} but is signed by {}",
                payload.sealer_did, env.signer_did
            ),
        );
    }
    if ctx.trust.is_sealer(env.signer_did) {
        f.pass_at(
            "checkpoint.trust",
            at,
            format!("the sealer {} is trusted", env.signer_did),
        );
    } else {
        f.fail_at(
            "checkpoint.trust",
            ReasonCode::SignerNotTrusted,
            at,
            format!(
                "the {label} is signed by {}, which the trust file does not list as a sealer",
                env.signer_did
            ),
        );
    }
    check_times(&payload, ctx.at, &label, at, f);
    Some(payload)
}

fn verify_signature(signer_did: &str, signature_b64u: &str, hash: &str, label: &str) -> Result<(), Failure> {
    let key = crate::clawsig::envelope::signer_key(signer_did, label)?;
    let sig = decode_signature(signature_b64u, label)?;
    crypto::verify_strict(&key, &signed_message(hash), &sig).map_err(|e| signature_failure(label, &e.to_string()))
}

fn check_times(p: &CheckpointPayload, now: Millis, label: &str, loc: &Location, f: &mut Findings) {
    let mut ok = true;
    if p.created_at > now.saturating_add(FUTURE_SKEW_MS) {
        ok = false;
        f.fail_at(
            "checkpoint.created_at",
            ReasonCode::FutureTimestampPoisoning,
            loc,
            format!(
                "the {label} was created at {}, more than 300 s after the verification time {}",
                format_rfc3339(p.created_at),
                format_rfc3339(now)
            ),
        );
    }
    if let Some(exp) = p.expires_at.filter(|exp| now > *exp) {
        ok = false;
        f.fail_at(
            "checkpoint.expires_at",
            ReasonCode::ExpiredTtl,
            loc,
            format!(
                "the {label} expired at {} (verification time {})",
                format_rfc3339(exp),
                format_rfc3339(now)
            ),
        );
    }
    if ok {
        f.pass_at(
            "checkpoint.time",
            loc,
            format!("the {label} is valid at the verification time"),
        );
    }
}
