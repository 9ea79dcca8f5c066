//! The batch equation of ed25519-dalek's `verify_batch`, over signatures whose R and key are
//! known to lie in the prime-order subgroup, with the terms of a repeated key merged into one.
//!
//! dalek checks `[-Σ z_i s_i]B + Σ [z_i]R_i + Σ [z_i k_i]A_i = 0` with `z_i` drawn from a
//! Merlin transcript of the `k_i` and `s_i`. When many signatures share a key (all gateway
//! receipts of a bundle), `Σ [z_i k_i]A = [Σ z_i k_i]A` shrinks the multiscalar product from
//! 2n + 1 points to n + 1 + (number of distinct keys). The scalars are reduced mod L, so the
//! two sides are the same point because `[L]A = 0`. Only [`BatchItem`]s enter the equation, and
//! one exists only for a canonical signature whose R and key have no torsion component
//! (checked by [`TorsionFreeKey::new`] and [`BatchItem::new`]); why that makes the equation
//! agree with `verify_strict` is in `batch`'s module comment.

use std::collections::HashMap;

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use merlin::Transcript;
use rand_core::RngCore;
use sha2::{Digest, Sha512};

use super::ed25519::{is_torsion_free, signature_precheck, split_signature, PublicKey};
use super::subgroup::{torsion_free_flags, ZeroRng};

fn gen_u128<R: RngCore>(rng: &mut R) -> u128 {
    let mut buf = [0u8; 16];
    rng.fill_bytes(&mut buf);
    u128::from_le_bytes(buf)
}

/// A public key whose point has no torsion component (`[L]A = 0`).
#[derive(Clone, Copy, Debug)]
pub struct TorsionFreeKey<'a> {
    key: &'a PublicKey,
    point: EdwardsPoint,
}

impl<'a> TorsionFreeKey<'a> {
    /// `None` when the key has a torsion component (one subgroup test, about half a
    /// `verify_strict`).
    pub fn new(key: &'a PublicKey) -> Option<Self> {
        let point = key.point();
        is_torsion_free(&point).then_some(TorsionFreeKey { key, point })
    }

    pub fn key(&self) -> &'a PublicKey {
        self.key
    }
}

/// A signature whose R has not been subgroup-tested yet: `verify_strict`'s byte-level checks
/// pass (canonical R not of small order, canonical S), R decodes, and the key has no torsion
/// component. [`admit`] makes batch items of the candidates whose R has none either.
#[derive(Clone, Copy, Debug)]
pub struct Candidate<'a> {
    key: TorsionFreeKey<'a>,
    message: &'a [u8],
    /// The signature's R and S halves, as bytes.
    r_bytes: [u8; 32],
    s_bytes: [u8; 32],
    r: EdwardsPoint,
    s: Scalar,
}

impl<'a> Candidate<'a> {
    /// `None` when a check fails; `verify_strict` must then decide the signature. Costs one R
    /// decompression.
    pub fn new(key: TorsionFreeKey<'a>, message: &'a [u8], signature: &'a [u8; 64]) -> Option<Self> {
        if !signature_precheck(signature) {
            return None;
        }
        let (r_bytes, s_bytes) = split_signature(signature);
        let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes))?;
        let r = CompressedEdwardsY(r_bytes).decompress()?;
        Some(Candidate {
            key,
            message,
            r_bytes,
            s_bytes,
            r,
            s,
        })
    }
}

/// One signature that may enter the batch equation: a [`Candidate`] whose R has no torsion
/// component.
#[derive(Clone, Copy, Debug)]
pub struct BatchItem<'a>(Candidate<'a>);

impl<'a> BatchItem<'a> {
    /// A candidate and its own exact subgroup test (for one signature; many go through
    /// [`admit`]).
    pub fn new(key: TorsionFreeKey<'a>, message: &'a [u8], signature: &'a [u8; 64]) -> Option<Self> {
        let candidate = Candidate::new(key, message, signature)?;
        is_torsion_free(&candidate.r).then_some(BatchItem(candidate))
    }
}

/// The candidates, in order, as batch items, or `None` where R has a torsion component
/// (`verify_strict` must decide those). Each answer is the exact subgroup test's; for many
/// candidates they are reached through `subgroup`'s aggregate test.
pub fn admit<'a>(candidates: &[Candidate<'a>]) -> Vec<Option<BatchItem<'a>>> {
    let points: Vec<EdwardsPoint> = candidates.iter().map(|c| c.r).collect();
    let encodings: Vec<[u8; 32]> = candidates.iter().map(|c| c.r_bytes).collect();
    candidates
        .iter()
        .zip(torsion_free_flags(&points, &encodings))
        .map(|(candidate, free)| free.then_some(BatchItem(*candidate)))
        .collect()
}

/// True when `ed25519_dalek::verify_batch` would accept these signatures.
pub fn batch_holds(items: &[BatchItem<'_>]) -> bool {
    let mut transcript = Transcript::new(b"ed25519 batch verification");
    let hrams: Vec<[u8; 64]> = items
        .iter()
        .map(|item| {
            let mut h = Sha512::new();
            h.update(item.0.r_bytes);
            h.update(item.0.key.key.as_bytes());
            h.update(item.0.message);
            h.finalize().into()
        })
        .collect();
    for hram in &hrams {
        transcript.append_message(b"hram", hram);
    }
    for item in items {
        transcript.append_message(b"sig.s", &item.0.s_bytes);
    }
    let mut rng = transcript.build_rng().finalize(&mut ZeroRng);

    let zs: Vec<Scalar> = items.iter().map(|_| Scalar::from(gen_u128(&mut rng))).collect();
    let b_coefficient: Scalar = items.iter().zip(&zs).map(|(item, z)| z * item.0.s).sum();

    // One term per distinct key: every key is torsion-free, so merging is exact.
    let mut key_index: HashMap<&[u8; 32], usize> = HashMap::new();
    let mut key_terms: Vec<(EdwardsPoint, Scalar)> = Vec::new();
    for ((item, hram), z) in items.iter().zip(&hrams).zip(&zs) {
        let term = Scalar::from_bytes_mod_order_wide(hram) * z;
        let slot = *key_index.entry(item.0.key.key.as_bytes()).or_insert_with(|| {
            key_terms.push((item.0.key.point, Scalar::ZERO));
            key_terms.len() - 1
        });
        match key_terms.get_mut(slot) {
            Some((_, sum)) => *sum += term,
            None => return false,
        }
    }

    let scalars = std::iter::once(-b_coefficient)
        .chain(zs)
        .chain(key_terms.iter().map(|(_, s)| *s));
    let points = std::iter::once(ED25519_BASEPOINT_POINT)
        .chain(items.iter().map(|item| item.0.r))
        .chain(key_terms.iter().map(|(p, _)| *p));
    EdwardsPoint::vartime_multiscalar_mul(scalars, points).is_identity()
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::EIGHT_TORSION;
    use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

    fn dalek(keys: &[PublicKey], messages: &[Vec<u8>], sigs: &[[u8; 64]]) -> bool {
        let messages: Vec<&[u8]> = messages.iter().map(|m| m.as_slice()).collect();
        let sigs: Vec<Signature> = sigs.iter().map(Signature::from_bytes).collect();
        let keys: Vec<VerifyingKey> = keys
            .iter()
            .map(|k| VerifyingKey::from_bytes(k.as_bytes()).expect("valid key"))
            .collect();
        ed25519_dalek::verify_batch(&messages, &sigs, &keys).is_ok()
    }

    struct Case {
        keys: Vec<PublicKey>,
        messages: Vec<Vec<u8>>,
        sigs: Vec<[u8; 64]>,
    }

    impl Case {
        /// The batch items, or `None` when some signature cannot be one.
        fn items(&self) -> Option<Vec<BatchItem<'_>>> {
            self.keys
                .iter()
                .zip(&self.messages)
                .zip(&self.sigs)
                .map(|((key, message), signature)| BatchItem::new(TorsionFreeKey::new(key)?, message, signature))
                .collect()
        }

        fn holds(&self) -> bool {
            self.items().is_some_and(|items| batch_holds(&items))
        }

        fn dalek(&self) -> bool {
            dalek(&self.keys, &self.messages, &self.sigs)
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
            assert!(c.holds(), "n={n} distinct={distinct}");
            assert!(c.dalek());
            // Tamper with a message, an R byte, an S byte, a key.
            let last = n - 1;
            c.messages[last].push(b'!');
            assert!(!c.holds() && !c.dalek());
            c.messages[last].pop();
            c.sigs[0][5] ^= 0x10;
            assert!(!c.holds() && !c.dalek());
            c.sigs[0][5] ^= 0x10;
            c.sigs[last][40] ^= 0x01;
            assert!(!c.holds() && !c.dalek());
            c.sigs[last][40] ^= 0x01;
            if distinct > 1 {
                c.keys.swap(0, 1);
                assert!(!c.holds() && !c.dalek(), "n={n} distinct={distinct}");
                c.keys.swap(0, 1);
            }
            assert!(c.holds());
        }
    }

    #[test]
    fn torsion_in_r_or_key_keeps_a_signature_out_of_the_batch() {
        let c = case(3, 1);
        let key = TorsionFreeKey::new(&c.keys[0]).expect("an honest key is torsion-free");
        assert!(BatchItem::new(key, &c.messages[0], &c.sigs[0]).is_some());
        let r = CompressedEdwardsY(split_signature(&c.sigs[0]).0)
            .decompress()
            .expect("R decodes");
        for (t, torsion) in EIGHT_TORSION.iter().enumerate().skip(1) {
            let mut sig = c.sigs[0];
            sig[..32].copy_from_slice((r + torsion).compress().as_bytes());
            assert!(BatchItem::new(key, &c.messages[0], &sig).is_none(), "t = {t}");
            let mixed = (c.keys[0].point() + torsion).compress();
            let mixed = PublicKey::from_bytes(mixed.as_bytes()).expect("a mixed-order key parses");
            assert!(TorsionFreeKey::new(&mixed).is_none(), "t = {t}");
        }
    }

    #[test]
    fn undecodable_r_and_non_canonical_s_are_not_batch_items() {
        let c = case(10, 1);
        let key = TorsionFreeKey::new(&c.keys[0]).expect("torsion-free");
        // y = 2 is not the y-coordinate of a curve point.
        let mut r = [0u8; 32];
        r[0] = 2;
        assert!(CompressedEdwardsY(r).decompress().is_none());
        let mut sig = c.sigs[3];
        sig[..32].copy_from_slice(&r);
        assert!(BatchItem::new(key, &c.messages[3], &sig).is_none());
        let mut sig = c.sigs[4];
        sig[63] |= 0xf0;
        assert!(BatchItem::new(key, &c.messages[4], &sig).is_none());
        // R = identity (torsion-free but of small order) is refused by the byte checks.
        let mut sig = [0u8; 64];
        sig[0] = 1;
        assert!(BatchItem::new(key, &c.messages[4], &sig).is_none());
    }
}
