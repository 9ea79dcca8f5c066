//! Batched Ed25519 verification over many independent (key, message, signature) jobs, with
//! every verdict equal to `verify_strict`'s.
//!
//! A job enters a batch equation only as a [`BatchItem`]: 64 bytes passing `verify_strict`'s
//! byte checks (canonical R not of small order, canonical S), R decoding to a point with no
//! torsion component (tested for all jobs at once, see below), and a key with no torsion component, used by at least
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
//!
//! The R values of all batched jobs are subgroup-tested together (`subgroup`'s aggregate
//! test, from 256 of them): "all torsion-free" is decided by 128 random subset sums drawn from
//! a transcript of every R, wrong with probability at most 2^-128 (q·2^-128 for a forger
//! making q transcript evaluations, the batch equation's own bound); when it fails, each R
//! gets its exact test. So a job's verdict differs from `verify_strict`'s only if one of the
//! two 2^-128 events happens.

use std::collections::HashMap;

use rayon::prelude::*;

use super::batch_equation::{admit, batch_holds, BatchItem, Candidate, TorsionFreeKey};
use super::ed25519::{verify_strict, PublicKey};

/// Below this many jobs the batch runs on the calling thread.
const PARALLEL_THRESHOLD: usize = 64;
/// Largest chunk handed to one batch equation.
const MAX_CHUNK: usize = 1024;
/// A key signs at least this many jobs to be batched. A batched job costs an R decompression,
/// its R's subgroup test (about half a `verify_strict` alone, ~7 µs within the aggregate test
/// of 1000) and its share of the equation, plus the key's own subgroup test spread over its
/// jobs: for a key used once that is no cheaper than `verify_strict`, from two uses on it is.
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
    let (from_batches, from_strict) = if parallel {
        rayon::join(
            || verify_batched(jobs, &batched, true),
            || verify_each(jobs, &strict, true),
        )
    } else {
        (verify_batched(jobs, &batched, false), verify_each(jobs, &strict, false))
    };
    for index in from_batches.into_iter().chain(from_strict) {
        if let Some(slot) = results.get_mut(index) {
            *slot = true;
        }
    }
    results
}

/// The indices among `indices` whose job `verify_strict` accepts.
fn verify_each(jobs: &[JobRef<'_>], indices: &[usize], parallel: bool) -> Vec<usize> {
    let verify_one = |i: &usize| {
        jobs.get(*i)
            .is_some_and(|job| verify_strict(job.key, job.message, job.signature).is_ok())
    };
    if parallel {
        indices.par_iter().copied().filter(verify_one).collect()
    } else {
        indices.iter().copied().filter(verify_one).collect()
    }
}

/// The indices of the planned jobs that verify: each becomes a [`Candidate`] (R decoded), the
/// candidates are subgroup-tested together ([`admit`]), the admitted ones go through batch
/// equations in chunks, and every job that is not admitted, or is in a chunk whose equation
/// fails, gets `verify_strict`'s answer.
fn verify_batched<'a>(jobs: &[JobRef<'a>], planned: &[(usize, TorsionFreeKey<'a>)], parallel: bool) -> Vec<usize> {
    let candidate = |&(i, key): &(usize, TorsionFreeKey<'a>)| -> Option<Candidate<'a>> {
        let job = jobs.get(i)?;
        let signature: &[u8; 64] = job.signature.try_into().ok()?;
        Candidate::new(key, job.message, signature)
    };
    let candidates: Vec<Option<Candidate<'a>>> = if parallel {
        planned.par_iter().map(candidate).collect()
    } else {
        planned.iter().map(candidate).collect()
    };
    let mut strict = Vec::new();
    let planned_indices = planned.iter().map(|&(i, _)| i);
    let (decoded, decoded_indices) = keep_some(planned_indices, candidates, &mut strict);
    let admitted = admit(&decoded);
    let (items, item_indices) = keep_some(decoded_indices.into_iter(), admitted, &mut strict);
    let threads = if parallel { rayon::current_num_threads() } else { 1 };
    let chunk = chunk_len(items.len(), threads);
    let chunk_verdict = |(chunk, indices): (&[BatchItem<'_>], &[usize])| {
        if batch_holds(chunk) {
            indices.to_vec()
        } else {
            // Some signature in the chunk is bad: find out which, one by one.
            verify_each(jobs, indices, false)
        }
    };
    let mut verified: Vec<usize> = if parallel {
        items
            .par_chunks(chunk)
            .zip(item_indices.par_chunks(chunk))
            .flat_map_iter(chunk_verdict)
            .collect()
    } else {
        items
            .chunks(chunk)
            .zip(item_indices.chunks(chunk))
            .flat_map(chunk_verdict)
            .collect()
    };
    verified.extend(verify_each(jobs, &strict, parallel));
    verified
}

/// The `Some` values with their job indices, in order; the indices of the `None`s go to
/// `rejected`.
fn keep_some<T>(
    indices: impl Iterator<Item = usize>,
    values: Vec<Option<T>>,
    rejected: &mut Vec<usize>,
) -> (Vec<T>, Vec<usize>) {
    let mut kept = Vec::with_capacity(values.len());
    let mut kept_indices = Vec::with_capacity(values.len());
    for (i, value) in indices.zip(values) {
        match value {
            Some(v) => {
                kept.push(v);
                kept_indices.push(i);
            }
            None => rejected.push(i),
        }
    }
    (kept, kept_indices)
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
