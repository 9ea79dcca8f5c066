//! Batched Ed25519 verification over many independent (key, message, signature) jobs.
//!
//! Every job first passes the byte-level pre-checks of `verify_strict` (64 bytes, canonical S,
//! canonical R not of small order; keys are small-order-free by construction), so a batch never
//! accepts what `verify_strict` refuses for an honest signer. Chunks are verified in parallel;
//! a chunk that fails is re-checked one signature at a time to name the bad ones. The batch
//! equation is ed25519-dalek's, with a repeated key's terms merged (`batch_equation`).

use rayon::prelude::*;

use super::batch_equation::{batch_holds, BatchItem};
use super::ed25519::{signature_precheck, verify_strict, PublicKey};

/// Below this many jobs the batch runs on the calling thread.
const PARALLEL_THRESHOLD: usize = 64;
/// Largest chunk handed to one batch equation.
const MAX_CHUNK: usize = 1024;

/// One signature to check.
#[derive(Clone, Debug)]
pub struct SignatureJob {
    pub key: PublicKey,
    pub message: Vec<u8>,
    pub signature: Vec<u8>,
}

/// A job whose bytes live elsewhere (no copies needed to batch them).
#[derive(Clone, Copy, Debug)]
pub struct JobRef<'a> {
    pub key: &'a PublicKey,
    pub message: &'a [u8],
    pub signature: &'a [u8],
}

/// A set of jobs, verified together; results come back in insertion order.
#[derive(Default, Debug)]
pub struct SignatureBatch {
    jobs: Vec<SignatureJob>,
}

impl SignatureBatch {
    pub fn new() -> Self {
        SignatureBatch::default()
    }

    /// Queue a job; returns its index in the result vector.
    pub fn push(&mut self, key: PublicKey, message: Vec<u8>, signature: Vec<u8>) -> usize {
        self.jobs.push(SignatureJob {
            key,
            message,
            signature,
        });
        self.jobs.len() - 1
    }

    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// Verify every job; `result[i]` is true when job `i` verifies strictly.
    pub fn verify(&self) -> Vec<bool> {
        verify_jobs(&self.jobs)
    }
}

/// Verify jobs in batches; see the module comment.
pub fn verify_jobs(jobs: &[SignatureJob]) -> Vec<bool> {
    let refs: Vec<JobRef<'_>> = jobs
        .iter()
        .map(|j| JobRef {
            key: &j.key,
            message: &j.message,
            signature: &j.signature,
        })
        .collect();
    verify_refs(&refs)
}

/// [`verify_jobs`] over borrowed jobs.
pub fn verify_refs(jobs: &[JobRef<'_>]) -> Vec<bool> {
    let mut results = vec![false; jobs.len()];
    // Jobs that pass the pre-checks go into the batch; the rest stay false.
    let candidates: Vec<(usize, [u8; 64])> = jobs
        .iter()
        .enumerate()
        .filter_map(|(i, job)| {
            let sig: [u8; 64] = job.signature.try_into().ok()?;
            signature_precheck(&sig).then_some((i, sig))
        })
        .collect();
    if candidates.is_empty() {
        return results;
    }
    let verified: Vec<Vec<usize>> = if candidates.len() < PARALLEL_THRESHOLD {
        vec![verify_chunk(jobs, &candidates)]
    } else {
        let chunk = chunk_len(candidates.len(), rayon::current_num_threads());
        candidates.par_chunks(chunk).map(|c| verify_chunk(jobs, c)).collect()
    };
    for index in verified.into_iter().flatten() {
        if let Some(slot) = results.get_mut(index) {
            *slot = true;
        }
    }
    results
}

/// Chunk length that gives every thread the same number of chunks of at most `MAX_CHUNK`
/// jobs, all about the same size (2001 jobs on 2 threads: 2 chunks of 1001 and 1000, run
/// in parallel; 3000 jobs: 4 chunks of 750, not 1024 + 1024 + 952).
fn chunk_len(jobs: usize, threads: usize) -> usize {
    let threads = threads.max(1);
    let rounds = jobs.div_ceil(threads * MAX_CHUNK).max(1);
    jobs.div_ceil(threads * rounds).max(1)
}

/// Returns the indices (into `jobs`) that verified.
fn verify_chunk(jobs: &[JobRef<'_>], chunk: &[(usize, [u8; 64])]) -> Vec<usize> {
    let items: Vec<BatchItem<'_>> = chunk
        .iter()
        .filter_map(|(i, signature)| {
            let job = jobs.get(*i)?;
            Some(BatchItem {
                key: job.key,
                message: job.message,
                signature,
            })
        })
        .collect();
    if items.len() == chunk.len() && batch_holds(&items) {
        return chunk.iter().map(|(i, _)| *i).collect();
    }
    // Some signature in the chunk is bad: find out which, one by one.
    chunk
        .iter()
        .filter(|(i, sig)| {
            jobs.get(*i)
                .is_some_and(|job| verify_strict(job.key, job.message, sig).is_ok())
        })
        .map(|(i, _)| *i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn job(seed: u8, msg: &str) -> (SigningKey, PublicKey, Vec<u8>) {
        let sk = SigningKey::from_bytes(&[seed; 32]);
        let pk = PublicKey::from_bytes(sk.verifying_key().as_bytes()).unwrap();
        let sig = sk.sign(msg.as_bytes()).to_bytes().to_vec();
        (sk, pk, sig)
    }

    #[test]
    fn batch_agrees_with_single_verification() {
        for n in [1usize, 5, 63, 64, 200] {
            let mut batch = SignatureBatch::new();
            let mut expected = Vec::new();
            for i in 0..n {
                let msg = format!("message {i}");
                let (_, pk, mut sig) = job((i % 7) as u8 + 1, &msg);
                let good = i % 13 != 5;
                if !good {
                    sig[40] ^= 0x01;
                }
                expected.push(verify_strict(&pk, msg.as_bytes(), &sig).is_ok());
                assert_eq!(expected[i], good);
                batch.push(pk, msg.into_bytes(), sig);
            }
            assert_eq!(batch.verify(), expected, "n = {n}");
        }
    }

    #[test]
    fn chunks_are_balanced_across_threads() {
        let chunks = |jobs: usize, threads: usize| {
            let len = chunk_len(jobs, threads);
            (len, jobs.div_ceil(len))
        };
        assert_eq!(chunks(2001, 2), (1001, 2));
        assert_eq!(chunks(1001, 2), (501, 2));
        assert_eq!(chunks(3000, 2), (750, 4));
        assert_eq!(chunks(2048, 2), (1024, 2));
        assert_eq!(chunks(2049, 2), (513, 4));
        assert_eq!(chunks(1001, 1), (1001, 1));
        assert_eq!(chunks(5000, 1), (1000, 5));
        assert_eq!(chunks(64, 0), (64, 1));
    }

    #[test]
    fn small_order_r_never_enters_the_batch() {
        let (_, pk, _) = job(1, "x");
        let mut sig = vec![0u8; 64];
        sig[0] = 1; // R = identity, S = 0
        let mut batch = SignatureBatch::new();
        batch.push(pk, b"x".to_vec(), sig);
        batch.push(pk, b"x".to_vec(), vec![0u8; 63]);
        assert_eq!(batch.verify(), vec![false, false]);
    }
}
