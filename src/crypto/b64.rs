//! Canonical base64url without padding, and standard padded base64 (commit signatures).
//!
//! The `base64` engines used here reject padding where none is allowed and non-zero trailing
//! bits, so every byte string has exactly one accepted spelling (wire-format §8 W7).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum B64Error {
    #[error("not canonical base64url: {0}")]
    NotCanonical(String),
    #[error("decoded length is {actual} bytes, expected {expected}")]
    WrongLength { expected: usize, actual: usize },
}

/// Encode bytes as base64url without padding.
pub fn b64u_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decode canonical base64url (alphabet `A-Za-z0-9-_`, no padding, zero trailing bits).
pub fn b64u_decode(text: &str) -> Result<Vec<u8>, B64Error> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|e| B64Error::NotCanonical(e.to_string()))
}

/// Decode canonical base64url that must be exactly `N` bytes long.
pub fn b64u_decode_array<const N: usize>(text: &str) -> Result<[u8; N], B64Error> {
    let bytes = b64u_decode(text)?;
    let actual = bytes.len();
    bytes
        .try_into()
        .map_err(|_| B64Error::WrongLength { expected: N, actual })
}

/// Decode canonical standard base64 with padding (used by `commit_sig` signatures).
pub fn b64std_decode(text: &str) -> Result<Vec<u8>, B64Error> {
    STANDARD.decode(text).map_err(|e| B64Error::NotCanonical(e.to_string()))
}

/// Encode bytes as standard padded base64.
pub fn b64std_encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// The Clawsig syntax check for base64url fields: `^[A-Za-z0-9_-]+$` and a minimum length.
pub fn is_b64u_syntax(text: &str, min_len: usize) -> bool {
    // One table load per byte and no early exit, so the loop stays branch-free; bundles run
    // this over hundreds of kilobytes of hashes and signatures.
    text.len() >= min_len
        && !text.is_empty()
        && text.bytes().fold(true, |ok, b| {
            ok & B64U_ALPHABET.get(usize::from(b)).copied().unwrap_or(false)
        })
}

/// `B64U_ALPHABET[b]`: whether byte `b` is in `A-Za-z0-9-_`.
// Evaluated at compile time: an index out of range fails the build, never a run.
#[allow(clippy::indexing_slicing)]
static B64U_ALPHABET: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
        b += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_known_value() {
        // RFC 4648 §10 test vector "foobar" in the URL-safe alphabet without padding.
        assert_eq!(b64u_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(b64u_encode(b"fo"), "Zm8");
        assert_eq!(b64u_decode("Zm8").unwrap(), b"fo");
        assert_eq!(b64u_encode(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn rejects_padding_and_trailing_bits() {
        assert!(b64u_decode("Zm8=").is_err());
        // "Zm9" encodes "fo" with non-zero trailing bits: the canonical form is "Zm8".
        assert!(b64u_decode("Zm9").is_err());
        assert!(b64u_decode("Z").is_err());
        assert!(b64u_decode("Zm+v").is_err());
        assert!(b64u_decode("Zm/v").is_err());
    }

    #[test]
    fn fixed_length_decoding() {
        assert_eq!(b64u_decode_array::<2>("Zm8").unwrap(), *b"fo");
        assert_eq!(
            b64u_decode_array::<3>("Zm8"),
            Err(B64Error::WrongLength { expected: 3, actual: 2 })
        );
    }

    #[test]
    fn standard_base64_requires_padding() {
        assert_eq!(b64std_decode("Zm8=").unwrap(), b"fo");
        assert!(b64std_decode("Zm8").is_err());
        assert!(b64std_decode("Zm9=").is_err());
    }

    #[test]
    fn syntax_check() {
        assert!(is_b64u_syntax("abcdEFGH-_09", 8));
        assert!(!is_b64u_syntax("abc", 8));
        assert!(!is_b64u_syntax("abcdefg=", 8));
        assert!(!is_b64u_syntax("", 0));
        // Every byte value, alone and after a valid prefix.
        for b in 0..=255u8 {
            let expected = b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
            let text = String::from_utf8_lossy(&[b]).into_owned();
            if text.len() == 1 {
                assert_eq!(is_b64u_syntax(&text, 1), expected, "{b}");
                assert_eq!(is_b64u_syntax(&format!("abcdefgh{text}"), 8), expected, "{b}");
            }
        }
        assert!(!is_b64u_syntax("abcdefgh\u{e9}", 8));
    }
}
