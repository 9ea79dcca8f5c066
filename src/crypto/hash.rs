//! SHA-256 helpers.

use sha2::{Digest, Sha256};

use super::b64::b64u_encode;

/// SHA-256 of the bytes.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// `base64url_nopad(SHA-256(a ‖ b ‖ …))` over pieces given in order, without joining them.
pub fn sha256_b64u_concat<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    b64u_encode(&hasher.finalize())
}

/// `base64url_nopad(SHA-256(bytes))`: 43 characters.
pub fn sha256_b64u(bytes: &[u8]) -> String {
    b64u_encode(&sha256(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_string_digest() {
        // FIPS 180-2: SHA-256("") = e3b0c442...b855.
        assert_eq!(sha256_b64u(b""), "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
        assert_eq!(sha256_b64u(b"abc").len(), 43);
        // FIPS 180-2 "abc" = ba7816bf...15ad, fed in pieces.
        assert_eq!(
            sha256_b64u_concat([b"a".as_slice(), b"", b"bc"]),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
    }
}
