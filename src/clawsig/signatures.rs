//! All signatures of one bundle, verified together before the ordered checks run.
//!
//! The ordered checks (which must reproduce the reference's first-failure order) ask this
//! cache "does this signature verify?"; the answer was computed in one batch up front. A
//! question the pre-pass did not anticipate is answered by a single strict verification,
//! so the cache changes speed, never results. did:key strings are parsed once each.

use std::collections::HashMap;

use crate::crypto::batch::{verify_refs, JobRef};
use crate::crypto::{b64, parse_did_key, verify_strict, DidKeyError, PublicKey};

/// One queued or answered signature: who, over what, and (once known) whether it verifies.
#[derive(Debug)]
struct Job {
    did: String,
    key: PublicKey,
    message: Vec<u8>,
    signature: Vec<u8>,
    verified: Option<bool>,
}

#[derive(Default)]
pub struct SignatureCache {
    keys: HashMap<String, Result<PublicKey, DidKeyError>>,
    jobs: Vec<Job>,
    /// Signature bytes → indices into `jobs` (signatures are effectively unique, so lookups
    /// compare the DID and message of one entry and allocate nothing).
    by_signature: HashMap<Vec<u8>, Vec<usize>>,
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
        self.insert(did, key, message, signature, None);
    }

    fn insert(&mut self, did: &str, key: PublicKey, message: &[u8], signature: Vec<u8>, verified: Option<bool>) {
        let index = self.jobs.len();
        self.by_signature.entry(signature.clone()).or_default().push(index);
        self.jobs.push(Job {
            did: did.to_string(),
            key,
            message: message.to_vec(),
            signature,
            verified,
        });
    }

    /// Verify everything queued so far in one batch.
    pub fn run(&mut self) {
        let pending: Vec<usize> = (0..self.jobs.len())
            .filter(|&i| self.jobs.get(i).is_some_and(|j| j.verified.is_none()))
            .collect();
        if pending.is_empty() {
            return;
        }
        let refs: Vec<JobRef<'_>> = pending
            .iter()
            .filter_map(|&i| self.jobs.get(i))
            .map(|j| JobRef {
                key: &j.key,
                message: &j.message,
                signature: &j.signature,
            })
            .collect();
        let outcomes = verify_refs(&refs);
        for (i, ok) in pending.into_iter().zip(outcomes) {
            if let Some(job) = self.jobs.get_mut(i) {
                job.verified = Some(ok);
            }
        }
    }

    /// Whether `signature` by `did` over `message` verifies strictly.
    pub fn verifies(&mut self, did: &str, key: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
        let known = self
            .by_signature
            .get(signature)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.jobs.get(i))
            .find(|j| j.did == did && j.message == message)
            .and_then(|j| j.verified);
        if let Some(ok) = known {
            return ok;
        }
        let ok = verify_strict(key, message, signature).is_ok();
        self.insert(did, *key, message, signature.to_vec(), Some(ok));
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clawsig::producer::Signer;
    use crate::crypto::b64u_encode;

    #[test]
    fn answers_match_single_verification() {
        let signer = Signer::from_label("cache-test");
        let other = Signer::from_label("cache-other");
        let good = signer.sign(b"m1").to_vec();
        let mut bad = signer.sign(b"m2").to_vec();
        bad[10] ^= 1;
        let mut cache = SignatureCache::new();
        cache.queue_b64u(signer.did(), b"m1", &b64u_encode(&good));
        cache.queue(signer.did(), b"m2", bad.clone());
        cache.run();
        let key = cache.key(signer.did()).unwrap();
        let other_key = cache.key(other.did()).unwrap();
        assert!(cache.verifies(signer.did(), &key, b"m1", &good));
        assert!(!cache.verifies(signer.did(), &key, b"m2", &bad));
        // Same signature bytes, different message or signer: not the cached answer.
        assert!(!cache.verifies(signer.did(), &key, b"m2", &good));
        assert!(!cache.verifies(other.did(), &other_key, b"m1", &good));
        // Not queued: verified on the spot, and remembered.
        let late = signer.sign(b"m3").to_vec();
        assert!(cache.verifies(signer.did(), &key, b"m3", &late));
        assert!(cache.verifies(signer.did(), &key, b"m3", &late));
    }
}
