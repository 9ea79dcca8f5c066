//! Signing Clawsig envelopes exactly as the reference producers do (JSS payload hash,
//! Ed25519 over the UTF-8 of the hash string), and the signing key type every producer uses.

use ed25519_dalek::{Signer as _, SigningKey};

use crate::crypto::{b64u_encode, did_key_from_public, sha256_b64u};
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
