//! Batch verification gives every signature `verify_strict`'s verdict, also for signatures
//! crafted so that a cofactorless batch equation accepts them at random: R = [r]B + T with T of
//! order 2, 4 or 8 (`verify_strict` refuses them, a batch without subgroup tests accepted them
//! whenever the transcript coefficient killed T), and keys A' = A + T.
//!
//! Each case runs on local rayon pools of 1 and 2 threads (different chunkings), and the set of
//! refused jobs must equal the one `verify_strict` gives job by job.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use clawaudit::crypto::{verify_strict, PublicKey, SignatureBatch};
use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rayon::{ThreadPool, ThreadPoolBuilder};
use sha2::{Digest, Sha512};

struct Job {
    key: PublicKey,
    message: Vec<u8>,
    signature: [u8; 64],
    /// `verify_strict`'s verdict.
    strict: bool,
}

impl Job {
    fn new(key: PublicKey, message: Vec<u8>, signature: [u8; 64]) -> Job {
        let strict = verify_strict(&key, &message, &signature).is_ok();
        Job {
            key,
            message,
            signature,
            strict,
        }
    }
}

/// splitmix64: reproducible choices without a rand dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn public(point: &EdwardsPoint) -> PublicKey {
    PublicKey::from_bytes(point.compress().as_bytes()).expect("not of small order")
}

fn order(t: &EdwardsPoint) -> usize {
    let mut p = *t;
    let mut n = 1;
    while !p.is_identity() {
        p += t;
        n += 1;
    }
    n
}

/// A signature by secret scalar `a` under `key_point` (= aB, or aB + torsion), nonce
/// `r` = H(label), with `torsion` added to R: k = H(R || A || M), s = r + k a.
fn crafted(a: &Scalar, key_point: &EdwardsPoint, torsion: &EdwardsPoint, message: &[u8], label: &[u8]) -> Job {
    let r = Scalar::hash_from_bytes::<Sha512>(label);
    let big_r = (r * ED25519_BASEPOINT_POINT + torsion).compress();
    let key = key_point.compress();
    let mut h = Sha512::new();
    h.update(big_r.as_bytes());
    h.update(key.as_bytes());
    h.update(message);
    let k = Scalar::from_hash(h);
    let s = r + k * a;
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(big_r.as_bytes());
    sig[32..].copy_from_slice(s.as_bytes());
    Job::new(public(key_point), message.to_vec(), sig)
}

struct World {
    signer: SigningKey,
    /// Honest signatures: mostly by `signer`, some by two other keys, every 97th by a key of
    /// its own (verified strictly, not batched).
    honest: Vec<Job>,
    pools: Vec<ThreadPool>,
}

impl World {
    fn new(n: usize) -> World {
        let signer = SigningKey::from_bytes(&[7; 32]);
        let others = [SigningKey::from_bytes(&[8; 32]), SigningKey::from_bytes(&[9; 32])];
        let honest = (0..n)
            .map(|i| {
                let own;
                let sk = match i % 10 {
                    _ if i % 97 == 96 => {
                        own = SigningKey::from_bytes(&Sha512::digest(i.to_le_bytes())[..32].try_into().unwrap());
                        &own
                    }
                    8 => &others[0],
                    9 => &others[1],
                    _ => &signer,
                };
                let message = format!("honest receipt {i}").into_bytes();
                let sig = sk.sign(&message).to_bytes();
                let job = Job::new(public(&sk.verifying_key().to_edwards()), message, sig);
                assert!(job.strict);
                job
            })
            .collect();
        let pools = [1, 2]
            .into_iter()
            .map(|threads| ThreadPoolBuilder::new().num_threads(threads).build().unwrap())
            .collect();
        World { signer, honest, pools }
    }

    fn a(&self) -> (Scalar, EdwardsPoint) {
        (self.signer.to_scalar(), self.signer.verifying_key().to_edwards())
    }

    /// R with torsion `EIGHT_TORSION[t]`, by the honest main key.
    fn torsioned_r(&self, t: usize, label: &str) -> Job {
        let (a, point) = self.a();
        let job = crafted(&a, &point, &EIGHT_TORSION[t], label.as_bytes(), label.as_bytes());
        assert!(!job.strict, "verify_strict must refuse R with torsion {t}");
        job
    }

    /// Verify `jobs` as one batch on every pool; the refused indices must be `verify_strict`'s.
    /// Returns how many were accepted.
    fn check(&self, jobs: &[&Job], what: &str) -> usize {
        let expected = refused(jobs.iter().map(|j| j.strict));
        for pool in &self.pools {
            let verdicts = pool.install(|| {
                let mut batch = SignatureBatch::new();
                for job in jobs {
                    batch.push(job.key, job.message.clone(), job.signature.to_vec());
                }
                batch.verify()
            });
            assert_eq!(verdicts.len(), jobs.len());
            assert_eq!(
                refused(verdicts.into_iter()),
                expected,
                "{what}, {} threads",
                pool.current_num_threads()
            );
        }
        jobs.len() - expected.len()
    }
}

fn refused(verdicts: impl Iterator<Item = bool>) -> Vec<usize> {
    verdicts.enumerate().filter(|(_, ok)| !ok).map(|(i, _)| i).collect()
}

/// Whether ed25519-dalek's batch equation (the one this crate used without subgroup tests)
/// accepts the jobs.
fn dalek_batch_accepts(jobs: &[&Job]) -> bool {
    let messages: Vec<&[u8]> = jobs.iter().map(|j| j.message.as_slice()).collect();
    let sigs: Vec<Signature> = jobs.iter().map(|j| Signature::from_bytes(&j.signature)).collect();
    let keys: Vec<VerifyingKey> = jobs
        .iter()
        .map(|j| VerifyingKey::from_bytes(j.key.as_bytes()).unwrap())
        .collect();
    ed25519_dalek::verify_batch(&messages, &sigs, &keys).is_ok()
}

const SIZES: [usize; 10] = [1, 2, 3, 63, 64, 65, 100, 1023, 1024, 1500];

#[test]
fn torsioned_r_is_refused_at_any_position_in_any_batch() {
    let world = World::new(1500);
    // T of order 2 (t = 4), 4 (t = 2, 6) and 8 (odd t).
    let orders: Vec<usize> = EIGHT_TORSION.iter().map(order).collect();
    assert_eq!(orders, [1, 8, 4, 8, 2, 8, 4, 8]);
    for t in 1..8 {
        assert_eq!(world.check(&[&world.torsioned_r(t, &format!("alone {t}"))], "alone"), 0);
    }
    for n in SIZES {
        let honest: Vec<&Job> = world.honest.iter().take(n).collect();
        assert_eq!(world.check(&honest, &format!("{n} honest")), n);
        let positions: Vec<usize> = if n <= 3 {
            (0..=n).collect()
        } else {
            vec![0, 1, n / 2, n - 1, n]
        };
        for (round, &p) in positions.iter().enumerate() {
            let t = [4, 2, 1, 6, 7][round % 5];
            let bad = world.torsioned_r(t, &format!("size {n} position {p}"));
            let mut jobs = honest.clone();
            jobs.insert(p, &bad);
            assert_eq!(world.check(&jobs, &format!("{n} honest, T{t} at {p}")), n);
        }
        // Several at once, including T and -T (EIGHT_TORSION[8 - t]).
        let bad: Vec<Job> = [4, 4, 2, 6, 1, 7, 3, 5]
            .iter()
            .enumerate()
            .map(|(i, &t)| world.torsioned_r(t, &format!("size {n} several {i}")))
            .collect();
        let mut jobs = honest.clone();
        for (i, job) in bad.iter().enumerate() {
            jobs.insert((i * 7919) % (jobs.len() + 1), job);
        }
        assert_eq!(world.check(&jobs, &format!("{n} honest, 8 torsioned")), n);
    }
}

#[test]
fn random_batches_never_accept_torsioned_r() {
    let world = World::new(800);
    let mut rng = Rng(20_261_122);
    let (mut with_bad, mut dalek_accepted) = (0, 0);
    for round in 0..300 {
        // Every 50th batch is large enough for the aggregate subgroup test (256 R values on).
        let n = match round {
            _ if round % 50 == 0 => 256 + rng.below(545),
            _ if round % 10 == 0 => 1 + rng.below(200),
            _ => 1 + rng.below(40),
        };
        let start = rng.below(world.honest.len() - n + 1);
        let mut jobs: Vec<&Job> = world.honest[start..start + n].iter().collect();
        let bad: Vec<Job> = (0..rng.below(4))
            .map(|i| world.torsioned_r(1 + rng.below(7), &format!("round {round} bad {i}")))
            .collect();
        // A pair whose torsion parts cancel, now and then.
        let pair: Vec<Job> = if round % 3 == 0 {
            let t = 1 + rng.below(7);
            vec![
                world.torsioned_r(t, &format!("round {round} +T")),
                world.torsioned_r(8 - t, &format!("round {round} -T")),
            ]
        } else {
            Vec::new()
        };
        for job in bad.iter().chain(&pair) {
            let at = rng.below(jobs.len() + 1);
            jobs.insert(at, job);
        }
        if jobs.len() > n {
            with_bad += 1;
            // Only the torsioned signatures are refused (this batch has no other bad one)...
            assert_eq!(world.check(&jobs, &format!("round {round}")), n);
            // ...where dalek's batch equation sometimes accepts them all.
            dalek_accepted += usize::from(dalek_batch_accepts(&jobs));
        } else {
            assert_eq!(world.check(&jobs, &format!("round {round}")), n);
        }
    }
    assert!(with_bad > 200, "{with_bad}");
    // The cases have teeth: without subgroup tests, some of these batches pass whole.
    assert!(
        dalek_accepted >= 5,
        "dalek's batch accepted {dalek_accepted} of {with_bad}"
    );
}

#[test]
fn keys_with_a_torsion_component_get_verify_strict_verdicts() {
    let world = World::new(1100);
    let (a, point) = world.a();
    let (mut accepted, mut refused, mut dalek_differs) = (0, 0, 0);
    for (t, torsion) in EIGHT_TORSION.iter().enumerate().skip(1) {
        let mixed = point + torsion;
        // Honestly made under A' = aB + T: s = r + k'a, so [s]B - [k']A' - R = -[k']T, which
        // verify_strict accepts exactly when [k']T = 0. Also R with torsion T_R: accepted when
        // T_R = -[k']T.
        let jobs: Vec<Job> = (0..24)
            .map(|i| {
                let tr = if i % 3 == 0 { (i / 3) % 8 } else { 0 };
                let m = format!("mixed key {t} message {i}");
                crafted(&a, &mixed, &EIGHT_TORSION[tr], m.as_bytes(), m.as_bytes())
            })
            .collect();
        accepted += jobs.iter().filter(|j| j.strict).count();
        refused += jobs.iter().filter(|j| !j.strict).count();
        for n in [0, 1, 3, 64, 1024, 1100] {
            let mut batch: Vec<&Job> = world.honest.iter().take(n).collect();
            for (i, job) in jobs.iter().enumerate() {
                batch.insert((i * 31) % (batch.len() + 1), job);
            }
            world.check(&batch, &format!("key T{t}, {n} honest"));
        }
        // Among themselves, in groups of 4: dalek's batch equation (merging nothing) may
        // accept a group that verify_strict does not accept whole.
        for group in jobs.chunks(4) {
            let group: Vec<&Job> = group.iter().collect();
            world.check(&group, &format!("key T{t}, group"));
            dalek_differs += usize::from(dalek_batch_accepts(&group) != group.iter().all(|j| j.strict));
        }
    }
    assert!(accepted > 10 && refused > 10, "{accepted} accepted, {refused} refused");
    assert!(dalek_differs > 0);
}
