//! Batched Ed25519 verification over many independent (key, message, signature) jobs, with
//! every verdict equal to `verify_strict`'s.
//!
//! A job enters a batch equation only as a [`BatchItem`]: 64 bytes passing `verify_strict`'s
//! byte checks (canonical R not of small order, canonical S), R decoding to a point with no
//! torsion component, and a key with no torsion component, used by at least
//! `BATCH_MIN_KEY_USES` jobs (each key is tested once). Every other job, and every job of a
//! chunk whose equation fails, is decided by `verify_strict` itself.
//!
//! Why a holding equation means "`verify_strict` accepts each item": with
//! `k_i = H(R_i || A_i || M_i)` and `P_i = [s_i]B - [k_i]A_i - R_i`, `verify_strict` accepts iff
//! the encoding of `[s_i]B - [k_i]A_i` equals R_i's bytes; R_i's encoding is canonical, so iff
//! `P_i = 0`. The batch equation is `Σ [z_i]P_i = 0` (cofactorless, `z_i < 2^128` from a
//! transcript of all `k_i` and `s_i`; merging a key's terms is exact as `[L]A = 0`). If every
//! `P_i = 0` it holds (exactly). B, R_i and A_i all lie in the subgroup of prime order L, so
//! `P_i = [p_i]B` and the equation is `Σ z_i p_i ≡ 0 (mod L)`: if some `p_j ≠ 0`, for the other
//! `z_i` fixed at most one of the 2^128 values of `z_j` (distinct mod L) satisfies it, so a
//! forger needs about 2^128 transcript evaluations (random-oracle bound q·2^-128). Without the
//! subgroup tests `P_j` could be a torsion point `T`, and `[z_j]T = 0` holds for every second,
//! fourth or eighth `z_j` (T of order 2, 4, 8): the batch then accepted, at random and
//! depending on the other signatures of the chunk, what `verify_strict` refuses.

use std::collections::HashMap;

use rayon::prelude::*;

use super::batch_equation::{batch_holds, BatchItem, TorsionFreeKey};
use super::ed25519::{verify_strict, PublicKey};

/// Below this many jobs the batch runs on the calling thread.
const PARALLEL_THRESHOLD: usize = 64;
/// Largest chunk handed to one batch equation.
const MAX_CHUNK: usize = 1024;
/// A key signs at least this many jobs to be batched. A batched job costs an R decompression,
/// a subgroup test (about half a `verify_strict`) and its share of the equation, plus the key's
/// own subgroup test spread over its jobs: for a key used once that is no cheaper than
/// `verify_strict`, from two uses on it is.
const BATCH_MIN_KEY_USES: usize = 2;
/// From this many keys to test on, the tests run in parallel.
const PARALLEL_KEYS: usize = 8;

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
    let (batched, strict) = plan(jobs);
    let parallel = jobs.len() >= PARALLEL_THRESHOLD;
    let verify_one = |&i: &usize| {
        jobs.get(i)
            .is_some_and(|job| verify_strict(job.key, job.message, job.signature).is_ok())
    };
    let (from_batches, from_strict): (Vec<Vec<usize>>, Vec<usize>) = if parallel {
        let chunk = chunk_len(batched.len(), rayon::current_num_threads());
        rayon::join(
            || batched.par_chunks(chunk).map(|c| verify_chunk(jobs, c)).collect(),
            || strict.par_iter().copied().filter(verify_one).collect(),
        )
    } else {
        let from_batch = if batched.is_empty() {
            Vec::new()
        } else {
            vec![verify_chunk(jobs, &batched)]
        };
        (from_batch, strict.iter().copied().filter(verify_one).collect())
    };
    for index in from_batches.into_iter().flatten().chain(from_strict) {
        if let Some(slot) = results.get_mut(index) {
            *slot = true;
        }
    }
    results
}

/// Splits the jobs into those that may be batched (64-byte signature, torsion-free key signing
/// at least `BATCH_MIN_KEY_USES` of them) with their key, and those to verify strictly.
fn plan<'a>(jobs: &[JobRef<'a>]) -> (Vec<(usize, TorsionFreeKey<'a>)>, Vec<usize>) {
    let mut uses: HashMap<&[u8; 32], (usize, &'a PublicKey)> = HashMap::new();
    for job in jobs {
        uses.entry(job.key.as_bytes()).or_insert((0, job.key)).0 += 1;
    }
    let candidates: Vec<&'a PublicKey> = uses
        .values()
        .filter(|(n, _)| *n >= BATCH_MIN_KEY_USES)
        .map(|(_, key)| *key)
        .collect();
    let tested: Vec<TorsionFreeKey<'a>> = if candidates.len() >= PARALLEL_KEYS {
        candidates
            .par_iter()
            .filter_map(|key| TorsionFreeKey::new(key))
            .collect()
    } else {
        candidates.iter().filter_map(|key| TorsionFreeKey::new(key)).collect()
    };
    let torsion_free: HashMap<&[u8; 32], TorsionFreeKey<'a>> =
        tested.into_iter().map(|key| (key.key().as_bytes(), key)).collect();
    let mut batched = Vec::new();
    let mut strict = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        match torsion_free.get(job.key.as_bytes()) {
            Some(key) if job.signature.len() == 64 => batched.push((i, *key)),
            _ => strict.push(i),
        }
    }
    (batched, strict)
}

/// Chunk length that gives every thread the same number of chunks of at most `MAX_CHUNK`
/// jobs, all about the same size (2001 jobs on 2 threads: 2 chunks of 1001 and 1000, run
/// in parallel; 3000 jobs: 4 chunks of 750, not 1024 + 1024 + 952).
fn chunk_len(jobs: usize, threads: usize) -> usize {
    let threads = threads.max(1);
    let rounds = jobs.div_ceil(threads * MAX_CHUNK).max(1);
    jobs.div_ceil(threads * rounds).max(1)
}

/// Returns the indices (into `jobs`) that verified: all of the chunk's batch items when their
/// equation holds; otherwise, and for jobs that cannot be batch items, `verify_strict`'s answer.
fn verify_chunk(jobs: &[JobRef<'_>], chunk: &[(usize, TorsionFreeKey<'_>)]) -> Vec<usize> {
    let mut items = Vec::with_capacity(chunk.len());
    let mut item_indices = Vec::with_capacity(chunk.len());
    let mut strict = Vec::new();
    for &(i, key) in chunk {
        let item = jobs.get(i).and_then(|job| {
            let signature: &[u8; 64] = job.signature.try_into().ok()?;
            BatchItem::new(key, job.message, signature)
        });
        match item {
            Some(item) => {
                items.push(item);
                item_indices.push(i);
            }
            None => strict.push(i),
        }
    }
    let verify_one = |i: &usize| {
        jobs.get(*i)
            .is_some_and(|job| verify_strict(job.key, job.message, job.signature).is_ok())
    };
    let mut verified: Vec<usize> = if items.is_empty() || batch_holds(&items) {
        item_indices
    } else {
        // Some signature in the chunk is bad: find out which, one by one.
        item_indices.into_iter().filter(verify_one).collect()
    };
    verified.extend(strict.into_iter().filter(verify_one));
    verified
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
