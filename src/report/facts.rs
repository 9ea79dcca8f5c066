//! Typed facts of a subject: what renderers show besides the checks. Verifiers fill them in;
//! renderers read them and never derive one themselves.

/// Ids, times, counts, hashes, bindings and approvals of one subject. Every field is
/// optional or empty: a subject kind fills in what it has.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    pub bundle_id: Option<String>,
    pub job_id: Option<String>,
    pub run_id: Option<String>,
    pub agent_did: Option<String>,
    /// The did:key that sealed an audit bundle.
    pub sealer_did: Option<String>,
    pub aggregate_id: Option<String>,
    pub export_id: Option<String>,
    /// The sealed-bundle entry an inclusion proof is about.
    pub entry_path: Option<String>,
    /// The commit message a commit signature signs.
    pub commit_message: Option<String>,
    /// When the evidence was sealed (RFC 3339).
    pub created_at: Option<String>,
    /// The `receipt_id` of a gateway receipt or an approval verified on its own.
    pub receipt_id: Option<String>,
    /// The model a gateway receipt records a call to (`payload.model`).
    pub model: Option<String>,
    pub counts: Counts,
    /// Computed hashes, each with how to recompute it.
    pub hashes: Vec<HashFact>,
    /// Links between artifacts, each with the check that judged it.
    pub bindings: Vec<Binding>,
    /// Approval gates and the approvals given for each.
    pub gates: Vec<GateFact>,
    /// A sealed rotation run's judgement (spec 20 §5 step 8a).
    pub rotation: Option<RotationFact>,
}

/// How the rotation judge found a sealed rotation run (spec 30 §4).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RotationFact {
    /// `complete`, `halted_safe`, `incomplete` or `violated`.
    pub outcome: String,
    pub first_violation_code: Option<crate::reason::ReasonCode>,
    pub first_violation_seq: Option<u64>,
    /// Events judged.
    pub events: u64,
    /// Violations counted (the report lists at most `rotation::model::MAX_RECORDED_VIOLATIONS`).
    pub violations: u64,
}

/// Counts of what a subject holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub events: Option<u64>,
    pub gateway_receipts: Option<u64>,
    pub gateway_receipts_verified: Option<u64>,
    pub tool_receipts: Option<u64>,
    pub attestations_verified: Option<u64>,
    /// Members of an aggregate bundle.
    pub members: Option<u64>,
    /// Leaves of a sealed bundle's Merkle tree.
    pub tree_size: Option<u64>,
}

/// How a hash was computed, so that a reviewer can recompute it by hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashRecipe {
    /// SHA-256 of the RFC 8785 (JCS) serialization, base64url.
    JcsSha256,
    /// SHA-256 of the JSON.stringify (JSS) serialization, base64url.
    JssSha256,
    /// SHA-256 of the raw bytes, base64url.
    BytesSha256,
    /// RFC 6962 Merkle tree head over the manifest's leaves (`0x00` leaf and `0x01` node
    /// prefixes), base64url.
    MerkleRoot,
    /// Wire-format §4.2 token scope hash over the CST's normalised claims, base64url.
    TokenScope,
}

impl HashRecipe {
    /// One line a person can follow.
    pub fn describe(self) -> &'static str {
        match self {
            HashRecipe::JcsSha256 => "base64url(SHA-256(JCS(value))), JCS = RFC 8785",
            HashRecipe::JssSha256 => "base64url(SHA-256(JSON.stringify(value)))",
            HashRecipe::BytesSha256 => "base64url(SHA-256(file bytes))",
            HashRecipe::MerkleRoot => {
                "RFC 6962 tree head: leaf = SHA-256(0x00 || leaf data), node = SHA-256(0x01 || left || right)"
            }
            HashRecipe::TokenScope => {
                "base64url(SHA-256(JCS(normalised scope claims))): aud and scope trimmed, deduplicated, sorted; iat, exp, jti, nonce left out"
            }
        }
    }
}

/// What a hash is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashSubject {
    /// The Merkle root a sealed bundle's checkpoint signs.
    MerkleRoot,
    /// The WPC payload's hash (`policy_hash_b64u`).
    Policy,
    /// A CST's scope hash.
    TokenScope,
    /// A plan's hash (`plan_hash_b64u`).
    Plan,
}

/// One computed hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashFact {
    pub subject: HashSubject,
    pub value_b64u: String,
    pub recipe: HashRecipe,
    /// The sealed-bundle entry it is computed over, when it is one.
    pub entry: Option<String>,
}

/// A link between two artifacts (`WPC hash → token pin`), judged by the check `check_id`:
/// the failing check when it does not hold, else the check whose pass covers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub from: String,
    pub to: String,
    pub check_id: String,
    pub holds: bool,
}

impl Binding {
    pub fn new(from: impl Into<String>, to: impl Into<String>, check_id: &str, holds: bool) -> Binding {
        Binding {
            from: from.into(),
            to: to.into(),
            check_id: check_id.to_string(),
            holds,
        }
    }
}

/// One approval gate and what was given for it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GateFact {
    pub gate_id: String,
    /// The plan entry the gate approves.
    pub plan_entry: String,
    pub min_approvers: u64,
    /// Distinct approver identities that counted.
    pub counted: u64,
    pub requester_excluded: bool,
    pub approver_group: Option<String>,
    pub approvals: Vec<ApprovalFact>,
    pub quorum_met: bool,
}

/// One approval of a gate, with whether it counted towards the quorum and why not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApprovalFact {
    /// The approval's entry path.
    pub entry: String,
    pub approver_subject: String,
    pub approver_did: String,
    pub method: Option<String>,
    /// `explicit_approve` or `explicit_deny`, as recorded.
    pub decision: String,
    pub timestamp: String,
    pub counted: bool,
    /// Why it did not count (empty when it did).
    pub not_counted_because: Option<String>,
}

impl Facts {
    /// The hash of `subject`, when computed.
    pub fn hash(&self, subject: HashSubject) -> Option<&HashFact> {
        self.hashes.iter().find(|h| h.subject == subject)
    }

    pub fn is_empty(&self) -> bool {
        *self == Facts::default()
    }
}
