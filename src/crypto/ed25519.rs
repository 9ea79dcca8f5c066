//! Ed25519 with strict verification (ed25519-dalek `verify_strict`), the cheap byte-level
//! pre-checks of R and S that `verify_strict` also makes, and the prime-order subgroup test the
//! batch verifier needs on top of them (`verify_strict`'s cofactorless equation refuses an R or
//! key with a torsion component where a batch equation would not always notice it).

use std::sync::OnceLock;

use curve25519_dalek::constants::EIGHT_TORSION;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use ed25519_dalek::{Signature, VerifyingKey};

/// A validated Ed25519 public key: a valid curve point that is not of small order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigError {
    #[error("the signature is {0} bytes, Ed25519 signatures are 64 bytes")]
    WrongLength(usize),
    #[error("the signature's R or S component is not canonical or R is of small order")]
    NonCanonical,
    #[error("the signature does not verify")]
    Invalid,
}

impl PublicKey {
    /// Accept 32 bytes only when they decode to a curve point outside the small-order subgroup.
    pub fn from_bytes(raw: &[u8; 32]) -> Result<PublicKey, String> {
        if !is_canonical_point_encoding(raw) {
            return Err("the key is not a canonical point encoding".to_string());
        }
        let key = VerifyingKey::from_bytes(raw).map_err(|_| "the key bytes are not a point on Ed25519".to_string())?;
        if key.is_weak() {
            return Err("the key is a small-order point, which would accept forged signatures".to_string());
        }
        Ok(PublicKey(key))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    /// The key's curve point.
    pub(crate) fn point(&self) -> EdwardsPoint {
        self.0.to_edwards()
    }
}

/// True when `point` lies in the prime-order subgroup, i.e. `[L]P` is the identity (no
/// torsion component). Variable time, about half the cost of one `verify_strict`.
pub(crate) fn is_torsion_free(point: &EdwardsPoint) -> bool {
    // The scalar -1 is stored as the integer L - 1, and scalar multiplication uses that
    // integer: [L - 1]P = -P exactly when [L]P = 0. (`EdwardsPoint::is_torsion_free` gives the
    // same answer in constant time, ~20 % slower.)
    EdwardsPoint::vartime_multiscalar_mul([-Scalar::ONE], [*point]) == -point
}

/// Verify `sig` over `msg` with the strict rules: 64 bytes, canonical S, R canonical and not
/// of small order, cofactorless equation `R == [S]B - [k]A` (compared as encodings, so an R or a
/// key with a torsion component fails unless the torsion parts happen to cancel exactly).
pub fn verify_strict(key: &PublicKey, msg: &[u8], sig: &[u8]) -> Result<(), SigError> {
    let bytes: [u8; 64] = sig.try_into().map_err(|_| SigError::WrongLength(sig.len()))?;
    if !signature_precheck(&bytes) {
        return Err(SigError::NonCanonical);
    }
    key.0
        .verify_strict(msg, &Signature::from_bytes(&bytes))
        .map_err(|_| SigError::Invalid)
}

/// True when R is a canonical encoding of a point that is not of small order and S < L.
/// Pure byte comparisons: no point decompression.
pub fn signature_precheck(sig: &[u8; 64]) -> bool {
    let (r, s) = split_signature(sig);
    is_canonical_point_encoding(&r)
        && !small_order_encodings().contains(&r)
        && bool::from(Scalar::from_canonical_bytes(s).is_some())
}

/// A signature's R and S halves.
pub(crate) fn split_signature(sig: &[u8; 64]) -> ([u8; 32], [u8; 32]) {
    let mut r = [0u8; 32];
    let mut s = [0u8; 32];
    for (dest, byte) in r.iter_mut().chain(s.iter_mut()).zip(sig) {
        *dest = *byte;
    }
    (r, s)
}

/// y (the low 255 bits, little endian) must be below p = 2^255 - 19: the only encodings of
/// y >= p are ed..ff ff.. 7f (byte 0 from 0xed, bytes 1..=30 0xff, byte 31 0x7f with the sign
/// bit cleared).
fn is_canonical_point_encoding(enc: &[u8; 32]) -> bool {
    let mut bytes = enc.iter();
    let low = bytes.next().copied().unwrap_or(0);
    let at_least_p = bytes
        .enumerate()
        .all(|(i, &b)| if i == 30 { b & 0x7f == 0x7f } else { b == 0xff })
        && low >= 0xed;
    !at_least_p
}

/// The encodings of the eight small-order points, with either sign bit (for x = 0 the sign
/// bit is free, for the others flipping it names the negated point, also small order).
fn small_order_encodings() -> &'static [[u8; 32]] {
    static TABLE: OnceLock<Vec<[u8; 32]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = Vec::with_capacity(16);
        for point in EIGHT_TORSION.iter() {
            let enc = point.compress().to_bytes();
            let mut flipped = enc;
            flipped[31] ^= 0x80;
            for candidate in [enc, flipped] {
                if !table.contains(&candidate) {
                    table.push(candidate);
                }
            }
        }
        table
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn key_pair(seed: u8) -> (SigningKey, PublicKey) {
        let sk = SigningKey::from_bytes(&[seed; 32]);
        let pk = PublicKey::from_bytes(sk.verifying_key().as_bytes()).unwrap();
        (sk, pk)
    }

    #[test]
    fn rfc8032_test_1() {
        // RFC 8032 §7.1 TEST 1 (empty message).
        let hex = |s: &str| -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        let pk: [u8; 32] = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
            .try_into()
            .unwrap();
        let sig = hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
        let key = PublicKey::from_bytes(&pk).unwrap();
        assert_eq!(verify_strict(&key, b"", &sig), Ok(()));
        assert_eq!(verify_strict(&key, b"x", &sig), Err(SigError::Invalid));
    }

    #[test]
    fn wrong_length_and_tamper() {
        let (sk, pk) = key_pair(3);
        let sig = sk.sign(b"hello").to_bytes();
        assert_eq!(verify_strict(&pk, b"hello", &sig), Ok(()));
        assert_eq!(verify_strict(&pk, b"hello", &sig[..63]), Err(SigError::WrongLength(63)));
        let mut bad = sig;
        bad[5] ^= 1;
        assert!(verify_strict(&pk, b"hello", &bad).is_err());
    }

    #[test]
    fn small_order_table_has_expected_members() {
        let table = small_order_encodings();
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(table.contains(&identity));
        let mut identity_neg_x = identity;
        identity_neg_x[31] |= 0x80;
        assert!(table.contains(&identity_neg_x));
        // 8 points; the two with x = 0 add a sign-flipped spelling each, and the two order-4
        // points (x = ±sqrt(-1), y = 0) are each other's flip: 10 or more distinct encodings.
        assert!(table.len() >= 10, "{}", table.len());
        for enc in table {
            if let Ok(vk) = VerifyingKey::from_bytes(enc) {
                assert!(vk.is_weak());
            }
        }
    }

    #[test]
    fn rejects_identity_key_and_identity_r() {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(PublicKey::from_bytes(&identity).is_err());
        // R = identity, S = 0: the signature a small-order key would accept for any message.
        let mut sig = [0u8; 64];
        sig[0] = 1;
        assert!(!signature_precheck(&sig));
        let (_, pk) = key_pair(9);
        assert_eq!(verify_strict(&pk, b"m", &sig), Err(SigError::NonCanonical));
    }

    #[test]
    fn rejects_non_canonical_s() {
        let (sk, pk) = key_pair(4);
        let mut sig = sk.sign(b"m").to_bytes();
        // Add L to S: same value mod L, but not canonical.
        let l: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut carry = 0u16;
        for i in 0..32 {
            let sum = sig[32 + i] as u16 + l[i] as u16 + carry;
            sig[32 + i] = sum as u8;
            carry = sum >> 8;
        }
        assert_eq!(verify_strict(&pk, b"m", &sig), Err(SigError::NonCanonical));
    }

    #[test]
    fn torsion_test_matches_dalek_on_every_coset() {
        let (sk, pk) = key_pair(5);
        let prime = sk.verifying_key().to_edwards();
        assert_eq!(pk.point(), prime);
        for (t, torsion) in EIGHT_TORSION.iter().enumerate() {
            for base in [prime, EdwardsPoint::mul_base(&Scalar::from(12345u64))] {
                let point = base + torsion;
                assert_eq!(is_torsion_free(&point), t == 0, "t = {t}");
                assert_eq!(is_torsion_free(&point), point.is_torsion_free());
            }
            // Small-order points themselves: only the identity is torsion-free.
            assert_eq!(is_torsion_free(torsion), t == 0);
        }
    }

    #[test]
    fn non_canonical_point_encoding() {
        let mut p_enc = [0xffu8; 32];
        p_enc[0] = 0xed;
        p_enc[31] = 0x7f;
        assert!(!is_canonical_point_encoding(&p_enc));
        p_enc[0] = 0xec;
        assert!(is_canonical_point_encoding(&p_enc));
    }
}
