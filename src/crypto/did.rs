//! `did:key` for Ed25519: `did:key:z` + base58btc(0xED 0x01 ‖ 32-byte public key).

use super::ed25519::PublicKey;

/// Why a DID could not be turned into a usable Ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DidKeyError {
    /// Not `did:key:z…`, not base58btc, or not the Ed25519 multicodec: a format problem.
    #[error("{0}")]
    Format(String),
    /// Well-formed did:key whose key bytes cannot verify anything (wrong length, not a curve
    /// point, or a small-order point that would "verify" forged signatures).
    #[error("{0}")]
    UnusableKey(String),
}

const ED25519_MULTICODEC: [u8; 2] = [0xed, 0x01];

/// The generic DID syntax check of the reference verifier: `^did:(key|web):[a-zA-Z0-9._%-]+$`.
pub fn is_valid_did_syntax(did: &str) -> bool {
    let rest = match did.strip_prefix("did:key:").or_else(|| did.strip_prefix("did:web:")) {
        Some(rest) => rest,
        None => return false,
    };
    !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'-'))
}

/// Parse a did:key into a strict Ed25519 public key.
pub fn parse_did_key(did: &str) -> Result<PublicKey, DidKeyError> {
    let encoded = did
        .strip_prefix("did:key:z")
        .ok_or_else(|| DidKeyError::Format(format!("'{}' is not a did:key (did:key:z…)", short(did))))?;
    // 34 bytes encode to at most 47 base58 characters; refuse long strings before decoding.
    if encoded.is_empty() || encoded.len() > 64 {
        return Err(DidKeyError::Format(format!(
            "'{}' has a key part of {} characters",
            short(did),
            encoded.len()
        )));
    }
    let bytes = bs58::decode(encoded)
        .into_vec()
        .map_err(|_| DidKeyError::Format(format!("'{}' is not valid base58btc", short(did))))?;
    let key_bytes = bytes.strip_prefix(&ED25519_MULTICODEC).ok_or_else(|| {
        DidKeyError::Format(format!(
            "'{}' is not an Ed25519 did:key (multicodec 0xed01)",
            short(did)
        ))
    })?;
    let raw: [u8; 32] = key_bytes.try_into().map_err(|_| {
        DidKeyError::UnusableKey(format!(
            "'{}' carries a {}-byte key, Ed25519 keys are 32 bytes",
            short(did),
            key_bytes.len()
        ))
    })?;
    PublicKey::from_bytes(&raw).map_err(|e| DidKeyError::UnusableKey(format!("'{}': {e}", short(did))))
}

/// Format a raw Ed25519 public key as did:key.
pub fn did_key_from_public(public: &[u8; 32]) -> String {
    let mut bytes = Vec::with_capacity(34);
    bytes.extend_from_slice(&ED25519_MULTICODEC);
    bytes.extend_from_slice(public);
    format!("did:key:z{}", bs58::encode(bytes).into_string())
}

/// Shorten hostile strings before they go into a message.
fn short(s: &str) -> String {
    const MAX: usize = 80;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_spec_example() {
        // Wire-format spec §1.4.
        let key = parse_did_key("did:key:z6MkneMkZqwqRiU5mJzSG3kDwzt9P8C59N4NGTfBLfSGE7c7").unwrap();
        let hex: String = key.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664");
        assert_eq!(
            did_key_from_public(key.as_bytes()),
            "did:key:z6MkneMkZqwqRiU5mJzSG3kDwzt9P8C59N4NGTfBLfSGE7c7"
        );
    }

    #[test]
    fn rejects_bad_formats() {
        for did in [
            "did:web:example.com",
            "did:key:6Mkne",
            "did:key:z",
            "did:key:z0OIl",
            "did:key:z6MkWRONGSIGNER",
        ] {
            assert!(matches!(parse_did_key(did), Err(DidKeyError::Format(_))), "{did}");
        }
        // Right multicodec, 31-byte key.
        let mut bytes = vec![0xed, 0x01];
        bytes.extend_from_slice(&[7u8; 31]);
        let did = format!("did:key:z{}", bs58::encode(bytes).into_string());
        assert!(matches!(parse_did_key(&did), Err(DidKeyError::UnusableKey(_))));
    }

    #[test]
    fn rejects_small_order_key() {
        // The identity point (01 00…00) has order 1: it "verifies" R=identity, S=0 for any message.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let did = did_key_from_public(&identity);
        assert!(matches!(parse_did_key(&did), Err(DidKeyError::UnusableKey(_))));
    }

    #[test]
    fn syntax_check_matches_reference_regex() {
        assert!(is_valid_did_syntax("did:key:z6Mk"));
        assert!(is_valid_did_syntax("did:web:example.com"));
        assert!(!is_valid_did_syntax("did:key:"));
        assert!(!is_valid_did_syntax("did:ion:abc"));
        assert!(!is_valid_did_syntax("did:key:abc def"));
    }
}
