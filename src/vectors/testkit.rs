//! Keys for tests, benchmarks and the committed test vectors. Their seeds are derived from
//! public labels, so anyone can recompute them: never use them for anything real.

use crate::clawsig::producer::Signer;
use crate::crypto::sha256;

/// A deterministic test key: seed = SHA-256("clawaudit test seed:" + label).
pub fn label_signer(label: &str) -> Signer {
    Signer::from_seed(sha256(format!("clawaudit test seed:{label}").as_bytes()))
}
