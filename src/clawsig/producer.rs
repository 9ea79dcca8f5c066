//! A small Clawsig producer: signs envelopes exactly as the reference producers do
//! (JSS payload hash, Ed25519 over the UTF-8 of the hash string). Used by tests, the
//! README example and `clawaudit vectors generate`; keys come from fixed seeds there.

use ed25519_dalek::{Signer as _, SigningKey};

use crate::crypto::{b64u_encode, did_key_from_public, sha256, sha256_b64u};
use crate::json::{jss, Object, Value};

/// An Ed25519 signing key with its did:key.
#[derive(Clone)]
pub struct Signer {
    key: SigningKey,
    did: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print secret material.
        f.debug_struct("Signer").field("did", &self.did).finish()
    }
}

impl Signer {
    pub fn from_seed(seed: [u8; 32]) -> Signer {
        let key = SigningKey::from_bytes(&seed);
        let did = did_key_from_public(key.verifying_key().as_bytes());
        Signer { key, did }
    }

    /// A deterministic test key: seed = SHA-256("clawaudit test seed:" + label).
    pub fn from_label(label: &str) -> Signer {
        Signer::from_seed(sha256(format!("clawaudit test seed:{label}").as_bytes()))
    }

    pub fn did(&self) -> &str {
        &self.did
    }

    pub fn public_bytes(&self) -> [u8; 32] {
        *self.key.verifying_key().as_bytes()
    }

    pub fn seed(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

/// Build a signed Clawsig envelope around `payload`, hashing it with JSS.
/// Field order follows the reference producers; it does not affect verification.
pub fn sign_envelope(
    signer: &Signer,
    envelope_type: &str,
    payload: Value,
    issued_at: &str,
    expires_at: Option<&str>,
) -> Value {
    let hash = sha256_b64u(jss::to_string(&payload).as_bytes());
    envelope_with_hash(signer, "1", envelope_type, payload, hash, issued_at, expires_at)
}

/// Envelope around a payload whose hash the caller computed (other canonicalizations, e.g. JCS).
pub fn envelope_with_hash(
    signer: &Signer,
    envelope_version: &str,
    envelope_type: &str,
    payload: Value,
    payload_hash_b64u: String,
    issued_at: &str,
    expires_at: Option<&str>,
) -> Value {
    let signature = b64u_encode(&signer.sign(payload_hash_b64u.as_bytes()));
    let mut env = Object::new();
    env.insert("envelope_version", Value::from(envelope_version));
    env.insert("envelope_type", Value::from(envelope_type));
    env.insert("payload", payload);
    env.insert("payload_hash_b64u", Value::from(payload_hash_b64u));
    env.insert("hash_algorithm", Value::from("SHA-256"));
    env.insert("signature_b64u", Value::from(signature));
    env.insert("algorithm", Value::from("Ed25519"));
    env.insert("signer_did", Value::from(signer.did()));
    env.insert("issued_at", Value::from(issued_at));
    if let Some(exp) = expires_at {
        env.insert("expires_at", Value::from(exp));
    }
    Value::Object(env)
}

/// The event hash of §3.3 over the fixed-order header.
pub fn event_hash(
    event_id: &str,
    run_id: &str,
    event_type: &str,
    timestamp: &str,
    payload_hash_b64u: &str,
    prev_hash_b64u: Option<&str>,
) -> String {
    let mut header = Object::new();
    header.insert("event_id", Value::from(event_id));
    header.insert("run_id", Value::from(run_id));
    header.insert("event_type", Value::from(event_type));
    header.insert("timestamp", Value::from(timestamp));
    header.insert("payload_hash_b64u", Value::from(payload_hash_b64u));
    header.insert("prev_hash_b64u", prev_hash_b64u.map(Value::from).unwrap_or(Value::Null));
    sha256_b64u(jss::to_string(&Value::Object(header)).as_bytes())
}

/// `count` `llm_call` events of `run_id`, each linked to the one before by its hash;
/// `describe(i)` gives event `i`'s `(event_id, timestamp, payload_hash_b64u)`. Returns the
/// events and their hashes.
pub fn llm_call_chain(
    run_id: &str,
    count: usize,
    describe: impl Fn(usize) -> (String, String, String),
) -> (Vec<Value>, Vec<String>) {
    let mut events = Vec::with_capacity(count);
    let mut hashes: Vec<String> = Vec::with_capacity(count);
    for i in 0..count {
        let (event_id, timestamp, payload_hash) = describe(i);
        let prev = hashes.last().cloned();
        let hash = event_hash(
            &event_id,
            run_id,
            "llm_call",
            &timestamp,
            &payload_hash,
            prev.as_deref(),
        );
        let mut e = Object::new();
        e.insert("event_id", Value::from(event_id));
        e.insert("run_id", Value::from(run_id));
        e.insert("event_type", Value::from("llm_call"));
        e.insert("timestamp", Value::from(timestamp));
        e.insert("payload_hash_b64u", Value::from(payload_hash));
        e.insert("prev_hash_b64u", prev.map(Value::from).unwrap_or(Value::Null));
        e.insert("event_hash_b64u", Value::from(hash.as_str()));
        events.push(Value::Object(e));
        hashes.push(hash);
    }
    (events, hashes)
}
