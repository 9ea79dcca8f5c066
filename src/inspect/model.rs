//! The pieces of an inspection every artifact kind shares: a part that could or could not be
//! read, a computed hash with the claims about it, an envelope's header, and a signer.

use crate::clawsig::envelope::describe;
use crate::json::Value;
use crate::report::HashRecipe;
use crate::signed_jcs::jcs_hash;

/// An artifact inside a subject: what could be read of it, or why nothing could.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part<T> {
    Read(T),
    Unreadable(String),
}

/// A hash computed here, and every place in the subject that states a value for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComputedHash {
    /// What was hashed ("the WPC envelope's payload").
    pub of: String,
    pub recipe: HashRecipe,
    pub value_b64u: String,
    pub claims: Vec<HashClaim>,
}

/// A value an artifact states for a hash, and whether it equals the computed one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashClaim {
    /// Where it is stated ("payload_hash_b64u", "checkpoint.json bindings.policy_hash_b64u").
    pub by: String,
    /// The stated value (a JSON value that is not a string is described, not quoted).
    pub value: String,
    pub agrees: bool,
}

impl ComputedHash {
    pub fn new(of: impl Into<String>, recipe: HashRecipe, value_b64u: String) -> ComputedHash {
        ComputedHash {
            of: of.into(),
            recipe,
            value_b64u,
            claims: Vec::new(),
        }
    }

    /// Add the claim `by` when the artifact states one.
    pub fn claim(&mut self, by: impl Into<String>, stated: Option<&Value>) {
        if let Some(v) = stated {
            let (value, agrees) = match v.as_str() {
                Some(s) => (s.to_string(), s == self.value_b64u),
                None => (describe(Some(v)), false),
            };
            self.claims.push(HashClaim {
                by: by.into(),
                value,
                agrees,
            });
        }
    }

    pub(super) fn with_claim(mut self, by: impl Into<String>, stated: Option<&Value>) -> ComputedHash {
        self.claim(by, stated);
        self
    }
}

/// The header fields of a signed envelope, read as they are (none is required), and its
/// payload hash recomputed with the recipe of its envelope type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvelopeFacts {
    pub envelope_version: Option<String>,
    pub envelope_type: Option<String>,
    pub signer_did: Option<String>,
    pub issued_at: Option<String>,
    pub expires_at: Option<String>,
    pub algorithm: Option<String>,
    pub hash_algorithm: Option<String>,
    /// `None` without a payload, or where the payload hash is shown as another hash (the
    /// WPC's payload hash is the policy hash).
    pub payload_hash: Option<ComputedHash>,
}

/// Which recipe an envelope type hashes its payload with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PayloadRecipe {
    /// Clawsig envelopes (proof bundles, gateway receipts).
    Jss,
    /// Ours (`signed_jcs`): checkpoints, WPCs, approvals.
    Jcs,
}

impl EnvelopeFacts {
    /// Read `v`'s header fields. `jss_payload_hash` is the payload's JSS hash when the
    /// caller computed it already (a proof bundle computes it with its receipts').
    pub(super) fn read(v: &Value, recipe: PayloadRecipe, jss_payload_hash: Option<String>) -> EnvelopeFacts {
        let payload_hash = v.get("payload").map(|payload| {
            let (recipe, value) = match recipe {
                PayloadRecipe::Jcs => (HashRecipe::JcsSha256, jcs_hash(payload)),
                PayloadRecipe::Jss => (
                    HashRecipe::JssSha256,
                    jss_payload_hash.unwrap_or_else(|| crate::clawsig::bundle_digests::jss_hashes(payload).payload),
                ),
            };
            ComputedHash::new("the envelope's payload", recipe, value)
                .with_claim("payload_hash_b64u", v.get("payload_hash_b64u"))
        });
        EnvelopeFacts {
            envelope_version: text(v, "envelope_version"),
            envelope_type: text(v, "envelope_type"),
            signer_did: text(v, "signer_did"),
            issued_at: text(v, "issued_at"),
            expires_at: text(v, "expires_at"),
            algorithm: text(v, "algorithm"),
            hash_algorithm: text(v, "hash_algorithm"),
            payload_hash,
        }
    }
}

/// One signer: the artifacts it signed and the trust roles it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignerFact {
    /// `None` for a token issuer whose kid matches no key of the trust file.
    pub did: Option<String>,
    /// The CST header's kid, for a token issuer.
    pub kid: Option<String>,
    pub signed: Vec<Signed>,
    /// Empty when the DID is not in the trust file (or none was given).
    pub roles: Vec<TrustRole>,
}

/// One artifact a signer signed, and in what capacity the artifact names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    pub artifact: String,
    /// "sealer", "policy issuer", "token issuer", "approver", "gateway", "agent", "attester".
    pub capacity: &'static str,
}

/// A role the trust file gives a DID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustRole {
    /// "sealer", "policy issuer", "token issuer", "approver", "gateway", "attester",
    /// "execution attester", "derivation attester", "audit-result attester", "log signer".
    pub role: &'static str,
    pub name: Option<String>,
    /// An approver's subject and groups.
    pub subject: Option<String>,
    pub groups: Vec<String>,
}

/// A string field, when it is one.
pub(super) fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// A string at a path of keys.
pub(super) fn text_at(v: &Value, keys: &[&str]) -> Option<String> {
    let mut at = v;
    for k in keys {
        at = at.get(k)?;
    }
    at.as_str().map(str::to_string)
}
