//! All signatures of one bundle, verified together before the ordered checks run.
//!
//! The ordered checks (which must reproduce the reference's first-failure order) ask this
//! cache "does this signature verify?"; the answer was computed in one batch up front
//! (`crypto::batch::verify_refs`, whose answer for each signature is `verify_strict`'s, up to
//! a forgery probability of about 2^-128 per transcript evaluation, whatever the other
//! signatures of the batch). A question the pre-pass did not anticipate is answered by a
//! single `verify_strict`, so the cache changes speed, not results. did:key strings are parsed
//! once each.

use std::collections::HashMap;

use crate::crypto::batch::{verify_refs, JobRef};
use crate::crypto::{b64, parse_did_key, verify_strict, DidKeyError, PublicKey};

/// One queued or answered signature. Its DID, key and message live in shared tables, so
/// queueing a signature allocates nothing of its own.
#[derive(Debug)]
struct Job {
    /// Index into `SignatureCache::signers`.
    signer: usize,
    /// Range of the message in `SignatureCache::messages`.
    message: std::ops::Range<usize>,
    signature: [u8; 64],
    verified: Option<bool>,
}

#[derive(Default)]
pub struct SignatureCache {
    /// DID → index into `signers`.
    dids: HashMap<String, usize>,
    /// Per distinct DID: the DID and its key (or why it has none).
    signers: Vec<(String, Result<PublicKey, DidKeyError>)>,
    jobs: Vec<Job>,
    /// All queued messages, back to back.
    messages: Vec<u8>,
    /// Where the next question is expected: the ordered checks ask in queueing order.
    cursor: usize,
    /// Signature bytes → newest job with them, built on the first question asked out of
    /// order; `same_signature` chains to older jobs with the same bytes.
    by_signature: Option<HashMap<[u8; 64], usize>>,
    same_signature: Vec<Option<usize>>,
}

impl SignatureCache {
    pub fn new() -> Self {
        SignatureCache::default()
    }

    fn signer(&mut self, did: &str) -> usize {
        if let Some(&i) = self.dids.get(did) {
            return i;
        }
        let i = self.signers.len();
        self.signers.push((did.to_string(), parse_did_key(did)));
        self.dids.insert(did.to_string(), i);
        i
    }

    /// The key of a did:key, parsed once per distinct DID string.
    pub fn key(&mut self, did: &str) -> Result<PublicKey, DidKeyError> {
        let i = self.signer(did);
        match self.signers.get(i) {
            Some((_, key)) => key.clone(),
            None => parse_did_key(did),
        }
    }

    /// Queue a base64url signature for the batch; inputs that cannot be a valid job
    /// (unusable key, non-canonical encoding, not 64 bytes) are left to the ordered checks,
    /// whose single verification refuses them.
    pub fn queue_b64u(&mut self, did: &str, message: &[u8], signature_b64u: &str) {
        if let Ok(sig) = b64::b64u_decode_array::<64>(signature_b64u) {
            self.queue_array(did, message, sig);
        }
    }

    pub fn queue(&mut self, did: &str, message: &[u8], signature: Vec<u8>) {
        if let Ok(sig) = <[u8; 64]>::try_from(signature.as_slice()) {
            self.queue_array(did, message, sig);
        }
    }

    fn queue_array(&mut self, did: &str, message: &[u8], signature: [u8; 64]) {
        let signer = self.signer(did);
        if self.signers.get(signer).is_some_and(|(_, key)| key.is_ok()) {
            self.insert(signer, message, signature, None);
        }
    }

    fn insert(&mut self, signer: usize, message: &[u8], signature: [u8; 64], verified: Option<bool>) {
        let start = self.messages.len();
        self.messages.extend_from_slice(message);
        let index = self.jobs.len();
        self.jobs.push(Job {
            signer,
            message: start..self.messages.len(),
            signature,
            verified,
        });
        self.same_signature.push(None);
        if let Some(map) = &mut self.by_signature {
            Self::index_job(map, &mut self.same_signature, signature, index);
        }
    }

    fn index_job(map: &mut HashMap<[u8; 64], usize>, chain: &mut [Option<usize>], signature: [u8; 64], index: usize) {
        if let Some(older) = map.insert(signature, index) {
            if let Some(slot) = chain.get_mut(index) {
                *slot = Some(older);
            }
        }
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
            .filter_map(|&i| {
                let job = self.jobs.get(i)?;
                let key = self.signers.get(job.signer)?.1.as_ref().ok()?;
                Some(JobRef {
                    key,
                    message: self.messages.get(job.message.clone())?,
                    signature: &job.signature,
                })
            })
            .collect();
        if refs.len() != pending.len() {
            // Unreachable: every queued job has a usable key and an in-range message.
            return;
        }
        let outcomes = verify_refs(&refs);
        for (i, ok) in pending.into_iter().zip(outcomes) {
            if let Some(job) = self.jobs.get_mut(i) {
                job.verified = Some(ok);
            }
        }
    }

    /// The answer of job `i` if it is this very question and has been answered.
    fn answer(&self, i: usize, did: &str, message: &[u8], signature: &[u8]) -> Option<bool> {
        let job = self.jobs.get(i)?;
        let same = job.signature.as_slice() == signature
            && self.messages.get(job.message.clone()) == Some(message)
            && self.signers.get(job.signer).is_some_and(|(d, _)| d == did);
        job.verified.filter(|_| same)
    }

    fn lookup(&mut self, did: &str, message: &[u8], signature: &[u8]) -> Option<bool> {
        if let Some(ok) = self.answer(self.cursor, did, message, signature) {
            self.cursor += 1;
            return Some(ok);
        }
        let sig: [u8; 64] = signature.try_into().ok()?;
        if self.by_signature.is_none() {
            let mut map = HashMap::with_capacity(self.jobs.len());
            for (i, job) in self.jobs.iter().enumerate() {
                Self::index_job(&mut map, &mut self.same_signature, job.signature, i);
            }
            self.by_signature = Some(map);
        }
        let mut next = self.by_signature.as_ref().and_then(|m| m.get(&sig).copied());
        while let Some(i) = next {
            if let Some(ok) = self.answer(i, did, message, signature) {
                self.cursor = i + 1;
                return Some(ok);
            }
            next = self.same_signature.get(i).copied().flatten();
        }
        None
    }

    /// Whether `signature` by `did` over `message` verifies strictly.
    pub fn verifies(&mut self, did: &str, key: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
        if let Some(ok) = self.lookup(did, message, signature) {
            return ok;
        }
        let ok = verify_strict(key, message, signature).is_ok();
        if let Ok(sig) = <[u8; 64]>::try_from(signature) {
            // Remember the answer, under the key the caller derived from `did`.
            let signer = self.signers.len();
            self.signers.push((did.to_string(), Ok(*key)));
            self.insert(signer, message, sig, Some(ok));
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::crypto::b64u_encode;

    #[test]
    fn answers_match_single_verification() {
        let signer = crate::vectors::testkit::label_signer("cache-test");
        let other = crate::vectors::testkit::label_signer("cache-other");
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
        // Asked again and out of order: the same answers.
        assert!(!cache.verifies(signer.did(), &key, b"m2", &bad));
        assert!(cache.verifies(signer.did(), &key, b"m1", &good));
        // Wrong length: never queued, refused.
        cache.queue(signer.did(), b"m4", vec![1u8; 63]);
        cache.run();
        assert!(!cache.verifies(signer.did(), &key, b"m4", &[1u8; 63]));
    }

    #[test]
    fn duplicate_signature_bytes_keep_their_own_answers() {
        // The same 64 bytes queued under two DIDs and two messages: only the right pair is
        // true, whether asked in queueing order or not.
        let a = crate::vectors::testkit::label_signer("dup-a");
        let b = crate::vectors::testkit::label_signer("dup-b");
        let sig = a.sign(b"msg").to_vec();
        for reversed in [false, true] {
            let mut cache = SignatureCache::new();
            cache.queue(b.did(), b"msg", sig.clone());
            cache.queue(a.did(), b"other", sig.clone());
            cache.queue(a.did(), b"msg", sig.clone());
            cache.run();
            let (ka, kb) = (cache.key(a.did()).unwrap(), cache.key(b.did()).unwrap());
            let mut questions = vec![
                (b.did(), kb, &b"msg"[..], false),
                (a.did(), ka, &b"other"[..], false),
                (a.did(), ka, &b"msg"[..], true),
            ];
            if reversed {
                questions.reverse();
            }
            for (did, key, msg, expected) in questions {
                assert_eq!(cache.verifies(did, &key, msg, &sig), expected, "{did} {reversed}");
            }
        }
    }
}
