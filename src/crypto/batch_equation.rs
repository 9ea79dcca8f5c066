//! The batch equation of ed25519-dalek's `verify_batch`, with the terms of a repeated public
//! key merged into one.
//!
//! dalek checks `[-Σ z_i s_i]B + Σ [z_i]R_i + Σ [z_i k_i]A_i = 0` with `z_i` drawn from a
//! Merlin transcript of the `k_i` and `s_i`. When many signatures share a key (all gateway
//! receipts of a bundle), `Σ [z_i k_i]A = [Σ z_i k_i]A` shrinks the multiscalar product from
//! 2n + 1 points to n + 1 + (number of distinct keys). The scalars are reduced mod L, so the
//! two sides are the same point exactly when `[L]A = 0`; keys with a torsion component keep
//! one term per signature. Same transcript, same `z_i`, same point tested: the verdict is
//! dalek's, bit for bit, for every input.

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use merlin::Transcript;
use rand_core::RngCore;
use sha2::{Digest, Sha512};

use super::ed25519::PublicKey;

/// A key that signs at least this many signatures of a batch is checked for torsion (one
/// scalar multiplication) and, when torsion-free, merged into a single term.
const MERGE_MIN_USES: usize = 8;

/// An RNG that adds no entropy: the transcript alone determines the `z_i` (as in dalek).
struct ZeroRng;

impl RngCore for ZeroRng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }

    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }

    fn fill_bytes(&mut self, _dest: &mut [u8]) {}

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for ZeroRng {}

fn gen_u128<R: RngCore>(rng: &mut R) -> u128 {
    let mut buf = [0u8; 16];
    rng.fill_bytes(&mut buf);
    u128::from_le_bytes(buf)
}

/// One signature of a batch.
#[derive(Clone, Copy, Debug)]
pub struct BatchItem<'a> {
    pub key: &'a PublicKey,
    pub message: &'a [u8],
    pub signature: &'a [u8; 64],
}

/// True when `ed25519_dalek::verify_batch` would accept these signatures.
pub fn batch_holds(items: &[BatchItem<'_>]) -> bool {
    holds(items, false)
}

/// `merge_torsioned` exists for the test that shows why torsioned keys are not merged.
fn holds(items: &[BatchItem<'_>], merge_torsioned: bool) -> bool {
    let mut transcript = Transcript::new(b"ed25519 batch verification");
    let hrams: Vec<[u8; 64]> = items
        .iter()
        .map(|item| {
            let mut h = Sha512::new();
            h.update(&item.signature[..32]);
            h.update(item.key.as_bytes());
            h.update(item.message);
            h.finalize().into()
        })
        .collect();
    for hram in &hrams {
        transcript.append_message(b"hram", hram);
    }
    for item in items {
        transcript.append_message(b"sig.s", &item.signature[32..]);
    }
    let mut rng = transcript.build_rng().finalize(&mut ZeroRng);

    let mut s_values = Vec::with_capacity(items.len());
    for item in items {
        let mut s = [0u8; 32];
        s.copy_from_slice(&item.signature[32..]);
        match Option::<Scalar>::from(Scalar::from_canonical_bytes(s)) {
            Some(s) => s_values.push(s),
            None => return false,
        }
    }
    let zs: Vec<Scalar> = items.iter().map(|_| Scalar::from(gen_u128(&mut rng))).collect();
    let b_coefficient: Scalar = s_values.iter().zip(&zs).map(|(s, z)| z * s).sum();

    let mut rs = Vec::with_capacity(items.len());
    for item in items {
        let mut r = [0u8; 32];
        r.copy_from_slice(&item.signature[..32]);
        match CompressedEdwardsY(r).decompress() {
            Some(point) => rs.push(point),
            None => return false,
        }
    }

    // Key terms: merged per torsion-free key used often enough, else one per signature.
    let mut merged: Vec<([u8; 32], EdwardsPoint, Scalar)> = Vec::new();
    let mut single_scalars = Vec::new();
    let mut single_points = Vec::new();
    let mergeable = mergeable_keys(items, merge_torsioned);
    for ((item, hram), z) in items.iter().zip(&hrams).zip(&zs) {
        let term = Scalar::from_bytes_mod_order_wide(hram) * z;
        let point = item.key.inner().to_edwards();
        if mergeable.contains(item.key.as_bytes()) {
            match merged.iter_mut().find(|(bytes, _, _)| bytes == item.key.as_bytes()) {
                Some((_, _, sum)) => *sum += term,
                None => merged.push((*item.key.as_bytes(), point, term)),
            }
        } else {
            single_scalars.push(term);
            single_points.push(point);
        }
    }

    let scalars = std::iter::once(-b_coefficient)
        .chain(zs.iter().copied())
        .chain(merged.iter().map(|(_, _, s)| *s))
        .chain(single_scalars);
    let points = std::iter::once(ED25519_BASEPOINT_POINT)
        .chain(rs)
        .chain(merged.iter().map(|(_, p, _)| *p))
        .chain(single_points);
    EdwardsPoint::vartime_multiscalar_mul(scalars, points).is_identity()
}

/// The keys (by encoding) that sign at least `MERGE_MIN_USES` items and have no torsion
/// component, so that merging their terms cannot change the point.
fn mergeable_keys(items: &[BatchItem<'_>], merge_torsioned: bool) -> Vec<[u8; 32]> {
    let mut counts: Vec<([u8; 32], usize, &PublicKey)> = Vec::new();
    for item in items {
        if let Some((_, n, _)) = counts.iter_mut().find(|(bytes, _, _)| bytes == item.key.as_bytes()) {
            *n += 1;
        } else if counts.len() < 64 {
            // Bounded bookkeeping: past 64 distinct keys the rest are not merged.
            counts.push((*item.key.as_bytes(), 1, item.key));
        }
    }
    counts
        .into_iter()
        .filter(|(_, n, key)| *n >= MERGE_MIN_USES && (merge_torsioned || key.inner().to_edwards().is_torsion_free()))
        .map(|(bytes, _, _)| bytes)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::EIGHT_TORSION;
    use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

    fn dalek(items: &[BatchItem<'_>]) -> bool {
        let messages: Vec<&[u8]> = items.iter().map(|i| i.message).collect();
        let sigs: Vec<Signature> = items.iter().map(|i| Signature::from_bytes(i.signature)).collect();
        let keys: Vec<VerifyingKey> = items.iter().map(|i| *i.key.inner()).collect();
        ed25519_dalek::verify_batch(&messages, &sigs, &keys).is_ok()
    }

    struct Case {
        keys: Vec<PublicKey>,
        messages: Vec<Vec<u8>>,
        sigs: Vec<[u8; 64]>,
    }

    impl Case {
        fn items(&self) -> Vec<BatchItem<'_>> {
            self.keys
                .iter()
                .zip(&self.messages)
                .zip(&self.sigs)
                .map(|((key, message), signature)| BatchItem {
                    key,
                    message,
                    signature,
                })
                .collect()
        }
    }

    /// n signatures, key `i % distinct` of `distinct` keys.
    fn case(n: usize, distinct: usize) -> Case {
        let signers: Vec<SigningKey> = (0..distinct)
            .map(|k| SigningKey::from_bytes(&[k as u8 + 1; 32]))
            .collect();
        let mut c = Case {
            keys: Vec::new(),
            messages: Vec::new(),
            sigs: Vec::new(),
        };
        for i in 0..n {
            let sk = &signers[i % distinct];
            let msg = format!("message {i}").into_bytes();
            c.sigs.push(sk.sign(&msg).to_bytes());
            c.keys
                .push(PublicKey::from_bytes(sk.verifying_key().as_bytes()).expect("valid key"));
            c.messages.push(msg);
        }
        c
    }

    #[test]
    fn agrees_with_dalek_on_valid_and_tampered_batches() {
        for (n, distinct) in [(1, 1), (2, 1), (9, 1), (40, 2), (40, 40), (100, 3)] {
            let mut c = case(n, distinct);
            assert!(batch_holds(&c.items()), "n={n} distinct={distinct}");
            assert!(dalek(&c.items()));
            // Tamper with a message, an R byte, an S byte, a key.
            let last = n - 1;
            c.messages[last].push(b'!');
            assert!(!batch_holds(&c.items()) && !dalek(&c.items()));
            c.messages[last].pop();
            c.sigs[0][5] ^= 0x10;
            assert_eq!(batch_holds(&c.items()), dalek(&c.items()));
            assert!(!batch_holds(&c.items()));
            c.sigs[0][5] ^= 0x10;
            c.sigs[last][40] ^= 0x01;
            assert!(!batch_holds(&c.items()) && !dalek(&c.items()));
            c.sigs[last][40] ^= 0x01;
            if n > 1 {
                c.keys.swap(0, last);
                assert_eq!(batch_holds(&c.items()), dalek(&c.items()), "n={n} distinct={distinct}");
            }
        }
    }

    /// Signatures that hold for A' = A + T "up to torsion": s = r + k' a with
    /// k' = H(R || A' || M), so [s]B - R - [k']A' = -[k']T. Strict verification refuses
    /// most of them; dalek's batch accepts a batch when the torsion parts cancel.
    fn torsion_case(t: usize, n: usize, round: usize) -> (PublicKey, Vec<Vec<u8>>, Vec<[u8; 64]>) {
        let sk = SigningKey::from_bytes(&[7; 32]);
        let a = sk.to_scalar();
        let mixed = (sk.verifying_key().to_edwards() + EIGHT_TORSION[t]).compress();
        let key = PublicKey::from_bytes(mixed.as_bytes()).expect("mixed-order keys are accepted");
        let mut messages = Vec::new();
        let mut sigs = Vec::new();
        for i in 0..n {
            let m = format!("round {round} message {i}").into_bytes();
            let r = Scalar::hash_from_bytes::<Sha512>(&m);
            let big_r = (r * ED25519_BASEPOINT_POINT).compress();
            let mut h = Sha512::new();
            h.update(big_r.as_bytes());
            h.update(mixed.as_bytes());
            h.update(&m);
            let k = Scalar::from_hash(h);
            let s = r + k * a;
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(big_r.as_bytes());
            sig[32..].copy_from_slice(s.as_bytes());
            messages.push(m);
            sigs.push(sig);
        }
        (key, messages, sigs)
    }

    #[test]
    fn torsioned_keys_are_not_merged_and_keep_dalek_verdict() {
        let (mut dalek_accepts, mut naive_differs) = (0, 0);
        for t in [1usize, 2, 4] {
            for round in 0..12 {
                let n = 8 + round % 3;
                let (key, messages, sigs) = torsion_case(t, n, round);
                assert!(!key.inner().to_edwards().is_torsion_free());
                let items: Vec<BatchItem<'_>> = messages
                    .iter()
                    .zip(&sigs)
                    .map(|(message, signature)| BatchItem {
                        key: &key,
                        message,
                        signature,
                    })
                    .collect();
                let expected = dalek(&items);
                assert_eq!(batch_holds(&items), expected, "t={t} round={round}");
                dalek_accepts += usize::from(expected);
                naive_differs += usize::from(holds(&items, true) != expected);
            }
        }
        // The cases have teeth: dalek accepts some, and merging torsioned keys would change
        // some verdicts.
        assert!(dalek_accepts > 0, "{dalek_accepts}");
        assert!(naive_differs > 0, "{naive_differs}");
    }

    #[test]
    fn undecodable_r_and_non_canonical_s_fail_like_dalek() {
        let mut c = case(10, 1);
        // y = 2 is not the y-coordinate of a curve point.
        let mut r = [0u8; 32];
        r[0] = 2;
        assert!(CompressedEdwardsY(r).decompress().is_none());
        c.sigs[3][..32].copy_from_slice(&r);
        assert!(!batch_holds(&c.items()) && !dalek(&c.items()));
        let mut c = case(10, 1);
        c.sigs[4][63] |= 0xf0;
        assert!(!batch_holds(&c.items()) && !dalek(&c.items()));
    }
}
