//! Our own signed envelopes whose `payload_hash_b64u` is `sha256_b64u(JCS(payload))`: the
//! audit checkpoint, the WPC and the human approval receipt. They share the header rules
//! (version "1", one fixed type that is not in the Clawsig allowlist, no header-level expiry
//! check), the hash and the way producers build them.

use crate::clawsig::envelope::{parse_header, Envelope, HeaderRules};
use crate::clawsig::producer::{envelope_with_hash, Signer};
use crate::crypto::sha256_b64u;
use crate::json::{jcs, Value};
use crate::report::{Findings, Location};

/// `sha256_b64u(JCS(payload))`.
pub fn jcs_hash(payload: &Value) -> String {
    sha256_b64u(jcs::to_string(payload).as_bytes())
}

/// A version-"1" envelope of `envelope_type` over `payload`, hashed with `jcs_hash` and signed
/// over that hash string, without `expires_at`.
pub fn sign_jcs(signer: &Signer, envelope_type: &str, payload: Value, issued_at: &str) -> Value {
    let hash = jcs_hash(&payload);
    envelope_with_hash(signer, "1", envelope_type, payload, hash, issued_at, None)
}

/// The header checks for one of these envelopes. A failure is recorded at `at` and
/// yields `None`.
pub fn parse_jcs_header<'v>(
    value: &'v Value,
    envelope_type: &str,
    label: &str,
    at: &Location,
    f: &mut Findings,
) -> Option<Envelope<'v>> {
    let rules = HeaderRules {
        versions: &["1"],
        expected_type: envelope_type,
        type_in_allowlist: false,
        expiry: None,
    };
    match parse_header(value, &rules, label) {
        Ok(env) => Some(env),
        Err(failure) => {
            f.record(&failure.located(at.clone()));
            None
        }
    }
}
