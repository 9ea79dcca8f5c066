//! All signatures of one bundle, verified together before the ordered checks run.
//!
//! The ordered checks (which must reproduce the reference's first-failure order) ask this
//! cache "does this signature verify?"; the answer was computed in one batch up front. A
//! question the pre-pass did not anticipate is answered by a single strict verification,
//! so the cache changes speed, never results. did:key strings are parsed once each.

use std::collections::HashMap;

use crate::crypto::{b64, parse_did_key, verify_strict, DidKeyError, PublicKey, SignatureBatch};

type JobKey = (String, Vec<u8>, Vec<u8>);

#[derive(Default)]
pub struct SignatureCache {
    keys: HashMap<String, Result<PublicKey, DidKeyError>>,
    batch: SignatureBatch,
    queued: Vec<JobKey>,
    results: HashMap<JobKey, bool>,
}

impl SignatureCache {
    pub fn new() -> Self {
        SignatureCache::default()
    }

    /// The key of a did:key, parsed once per distinct DID string.
    pub fn key(&mut self, did: &str) -> Result<PublicKey, DidKeyError> {
        if let Some(k) = self.keys.get(did) {
            return k.clone();
        }
        let k = parse_did_key(did);
        self.keys.insert(did.to_string(), k.clone());
        k
    }

    /// Queue a base64url signature for the batch; inputs that cannot be a valid job
    /// (unusable key, non-canonical encoding) are left to the ordered checks to report.
    pub fn queue_b64u(&mut self, did: &str, message: &[u8], signature_b64u: &str) {
        if let Ok(sig) = b64::b64u_decode(signature_b64u) {
            self.queue(did, message, sig);
        }
    }

    pub fn queue(&mut self, did: &str, message: &[u8], signature: Vec<u8>) {
        let Ok(key) = self.key(did) else { return };
        self.batch.push(key, message.to_vec(), signature.clone());
        self.queued.push((did.to_string(), message.to_vec(), signature));
    }

    /// Verify everything queued so far in one batch.
    pub fn run(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let outcomes = std::mem::take(&mut self.batch).verify();
        for (job, ok) in std::mem::take(&mut self.queued).into_iter().zip(outcomes) {
            self.results.insert(job, ok);
        }
    }

    /// Whether `signature` by `did` over `message` verifies strictly.
    pub fn verifies(&mut self, did: &str, key: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
        let job = (did.to_string(), message.to_vec(), signature.to_vec());
        if let Some(ok) = self.results.get(&job) {
            return *ok;
        }
        let ok = verify_strict(key, message, signature).is_ok();
        self.results.insert(job, ok);
        ok
    }
}
