//! Key files (spec 20 §1): `{"key_version":"1","did":"did:key:z…","secret_key_b64u":"<32-byte seed>"}`,
//! written with mode 0600 and never printed. Reading is strict: exactly these three keys,
//! version "1", a canonical 32-byte seed, and a DID that is the seed's own public key.

use crate::clawsig::producer::Signer;
use crate::crypto::{b64, b64u_encode};
use crate::json::{self, jss, Object, Value};
use crate::schema_rules::{Obj, Path, RuleResult};

/// Key files are tiny; refuse anything larger before parsing.
pub const MAX_KEY_FILE_BYTES: usize = 4096;

/// A fresh key from the operating system's random source.
pub fn generate() -> Signer {
    let key = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
    Signer::from_seed(key.to_bytes())
}

/// The key file text for `signer` (one JSON object and a newline).
pub fn key_file_text(signer: &Signer) -> String {
    let mut obj = Object::new();
    obj.insert("key_version", Value::from("1"));
    obj.insert("did", Value::from(signer.did()));
    obj.insert("secret_key_b64u", Value::from(b64u_encode(&signer.seed())));
    let mut text = jss::to_string(&Value::Object(obj));
    text.push('\n');
    text
}

/// The closed key-file shape: its `did` and `secret_key_b64u`.
fn key_file_shape(value: &Value) -> RuleResult<(&str, &str)> {
    let keys = ["key_version", "did", "secret_key_b64u"];
    let o = Obj::new(value, Path::ROOT)?;
    o.closed_optional(&keys, &[])?.konst("key_version", "1")?;
    Ok((o.text("did")?, o.text("secret_key_b64u")?))
}

/// Parse a key file's bytes.
pub fn parse_key_file(bytes: &[u8]) -> Result<Signer, String> {
    if bytes.len() > MAX_KEY_FILE_BYTES {
        return Err(format!("a key file is at most {MAX_KEY_FILE_BYTES} bytes"));
    }
    let value = json::parse(bytes, &json::ParseLimits::default()).map_err(|e| format!("not valid JSON: {e}"))?;
    let (did, secret) = key_file_shape(&value).map_err(|v| v.describe("key file"))?;
    let seed = b64::b64u_decode_array::<32>(secret)
        .map_err(|e| format!("secret_key_b64u must be a canonical base64url 32-byte seed ({e})"))?;
    let signer = Signer::from_seed(seed);
    if signer.did() != did {
        return Err(format!(
            "the key file's did does not belong to its secret key (the key is {})",
            signer.did()
        ));
    }
    Ok(signer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let s = crate::vectors::testkit::label_signer("k");
        let text = key_file_text(&s);
        let back = parse_key_file(text.as_bytes()).unwrap();
        assert_eq!(back.did(), s.did());
        assert_eq!(back.seed(), s.seed());
        assert!(text.starts_with(r#"{"key_version":"1","did":"did:key:z"#));
    }

    #[test]
    fn rfc8032_seed_gives_its_public_key() {
        // RFC 8032 §7.1 TEST 1: seed 9d61b19d… has public key d75a9801….
        let seed_hex = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
        let seed: Vec<u8> = (0..64)
            .step_by(2)
            .map(|i| u8::from_str_radix(&seed_hex[i..i + 2], 16).unwrap())
            .collect();
        let text = format!(
            r#"{{"key_version":"1","did":"{}","secret_key_b64u":"{}"}}"#,
            crate::crypto::did_key_from_public(&[
                0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e,
                0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a
            ]),
            b64u_encode(&seed)
        );
        assert!(parse_key_file(text.as_bytes()).is_ok());
    }

    #[test]
    fn strict_reading() {
        let s = crate::vectors::testkit::label_signer("k");
        let other = crate::vectors::testkit::label_signer("other");
        let seed = b64u_encode(&s.seed());
        for bad in [
            format!(
                r#"{{"key_version":"2","did":"{}","secret_key_b64u":"{seed}"}}"#,
                s.did()
            ),
            format!(
                r#"{{"key_version":"1","did":"{}","secret_key_b64u":"{seed}"}}"#,
                other.did()
            ),
            format!(
                r#"{{"key_version":"1","did":"{}","secret_key_b64u":"{seed}","x":1}}"#,
                s.did()
            ),
            format!(
                r#"{{"key_version":"1","did":"{}","secret_key_b64u":"{seed}="}}"#,
                s.did()
            ),
            format!(r#"{{"key_version":"1","did":"{}","secret_key_b64u":"AAAA"}}"#, s.did()),
            format!(r#"{{"key_version":"1","secret_key_b64u":"{seed}"}}"#),
            "[]".to_string(),
        ] {
            assert!(parse_key_file(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
