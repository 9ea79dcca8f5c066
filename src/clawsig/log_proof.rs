//! Clawsig log inclusion proofs (`log_inclusion_proof.v1`, wire-format §5.4).
//!
//! The clawlogs tree hashes `SHA-256(left ‖ right)` with no domain separation, pairs the last
//! node of an odd level with itself, and signs only the root string. We check proofs in the
//! reference order with its codes, then harden them (§8 W4): leaves and path entries must be
//! exactly 32 bytes, a right child may never equal its left sibling (that is the phantom
//! duplicate-last-leaf forgery), the last node of an odd level must be paired with itself,
//! sizes are capped, and the root signer can be pinned through `trust.log_signers`.
//! Even then such a proof is weak evidence, and every verification says so in a warn check.

use crate::context::VerifyContext;
use crate::crypto::{b64, sha256, verify_strict};
use crate::json::{Object, Value};
use crate::reason::ReasonCode;
use crate::report::{Failure, Findings, Kind, SubjectReport};
use crate::timeutil::parse_rfc3339;

use super::envelope::{describe, signer_key};

/// No honest tree is taller than this (tree sizes are below 2^53).
pub const MAX_AUDIT_PATH: usize = 64;

const KEYS: [&str; 9] = [
    "proof_version",
    "log_id",
    "tree_size",
    "leaf_hash_b64u",
    "root_hash_b64u",
    "audit_path",
    "root_published_at",
    "root_signature",
    "metadata",
];
/// Every key but the last (`metadata`) is required.
const REQUIRED: &[&str] = KEYS.split_at(KEYS.len() - 1).0;

const WEAK_EVIDENCE: &str = "Clawsig log proofs are weak evidence: only the root string is signed, so tree_size, \
log_id and root_published_at are unauthenticated, and an internal node presented as a leaf cannot be told apart \
from a real leaf";

fn schema(detail: String) -> Failure {
    Failure::new("log_proof.schema", ReasonCode::SchemaValidationFailed, detail)
}

fn invalid(check: &'static str, detail: String) -> Failure {
    Failure::new(check, ReasonCode::InclusionProofInvalid, detail)
}

/// The closed schema of `log_inclusion_proof.v1`, written out by hand.
fn check_schema(obj: &Object) -> Result<(), Failure> {
    if let Some(extra) = obj.keys().find(|k| !KEYS.contains(k)) {
        return Err(schema(format!(
            "the log inclusion proof has an unknown field '{extra}'"
        )));
    }
    if let Some(missing) = REQUIRED.iter().find(|k| !obj.contains_key(k)) {
        return Err(schema(format!("the log inclusion proof has no '{missing}' field")));
    }
    if obj.get("proof_version").and_then(Value::as_str) != Some("1") {
        return Err(schema(format!(
            "the log inclusion proof has proof_version {}, expected \"1\"",
            describe(obj.get("proof_version"))
        )));
    }
    if !obj.get("log_id").and_then(Value::as_str).is_some_and(|s| !s.is_empty()) {
        return Err(schema(
            "the log inclusion proof's log_id must be a non-empty string".into(),
        ));
    }
    if !obj.get("tree_size").and_then(Value::as_f64).is_some_and(|n| n >= 0.0) {
        return Err(schema(
            "the log inclusion proof's tree_size must be a number ≥ 0".into(),
        ));
    }
    for key in ["leaf_hash_b64u", "root_hash_b64u"] {
        if !obj
            .get(key)
            .and_then(Value::as_str)
            .is_some_and(|s| b64::is_b64u_syntax(s, 8))
        {
            return Err(schema(format!(
                "the log inclusion proof's {key} must be a base64url string of at least 8 characters"
            )));
        }
    }
    let path = obj
        .get("audit_path")
        .and_then(Value::as_array)
        .ok_or_else(|| schema("the log inclusion proof's audit_path must be an array".into()))?;
    // Refuse hostile lengths before looking at the entries (no honest path is this long).
    if path.len() > MAX_AUDIT_PATH {
        return Err(invalid(
            "log_proof.path_length",
            format!(
                "the log inclusion proof's audit_path has {} entries, more than the {MAX_AUDIT_PATH} any tree can need",
                path.len()
            ),
        ));
    }
    if !path
        .iter()
        .all(|p| p.as_str().is_some_and(|s| b64::is_b64u_syntax(s, 8)))
    {
        return Err(schema(
            "every audit_path entry must be a base64url string of at least 8 characters".into(),
        ));
    }
    if obj
        .get("root_published_at")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)
        .is_none()
    {
        return Err(schema(format!(
            "the log inclusion proof's root_published_at {} is not an RFC 3339 date-time",
            describe(obj.get("root_published_at"))
        )));
    }
    let sig = obj
        .get("root_signature")
        .and_then(Value::as_object)
        .ok_or_else(|| schema("the log inclusion proof's root_signature must be an object".into()))?;
    if let Some(extra) = sig.keys().find(|k| *k != "signer_did" && *k != "sig_b64u") {
        return Err(schema(format!("root_signature has an unknown field '{extra}'")));
    }
    if !sig
        .get("signer_did")
        .and_then(Value::as_str)
        .is_some_and(|s| s.starts_with("did:"))
    {
        return Err(schema(
            "root_signature.signer_did must be a string starting with 'did:'".into(),
        ));
    }
    if !sig
        .get("sig_b64u")
        .and_then(Value::as_str)
        .is_some_and(|s| b64::is_b64u_syntax(s, 8))
    {
        return Err(schema(
            "root_signature.sig_b64u must be a base64url string of at least 8 characters".into(),
        ));
    }
    if obj.get("metadata").is_some_and(|m| m.as_object().is_none()) {
        return Err(schema("the log inclusion proof's metadata must be an object".into()));
    }
    Ok(())
}

/// Audit-path length of a clawlogs tree: the number of halvings (rounding up) down to one node.
pub fn tree_height(tree_size: u64) -> usize {
    let (mut n, mut h) = (tree_size, 0);
    while n > 1 {
        n = n.div_ceil(2);
        h += 1;
    }
    h
}

/// `SHA-256(left ‖ right)`, the clawlogs interior node.
pub fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(left);
    buf[32..].copy_from_slice(right);
    sha256(&buf)
}

/// One level up a clawlogs tree: pairs hashed, an odd last node paired with itself.
fn next_level(level: &[[u8; 32]]) -> Vec<[u8; 32]> {
    level
        .chunks(2)
        .map(|pair| match pair {
            [l, r] => node_hash(l, r),
            [only] => node_hash(only, only),
            _ => sha256(b""),
        })
        .collect()
}

/// The clawlogs root over caller-supplied leaf hashes (duplicate-last on odd levels,
/// `SHA-256("")` for an empty tree). Used by tests and vector generation.
pub fn clawlogs_root(leaves: &[[u8; 32]]) -> [u8; 32] {
    if leaves.is_empty() {
        return sha256(b"");
    }
    let mut level = leaves.to_vec();
    while level.len() > 1 {
        level = next_level(&level);
    }
    level.first().copied().unwrap_or_else(|| sha256(b""))
}

/// The audit path for `index` in a clawlogs tree over `leaves` (None when out of range).
pub fn clawlogs_audit_path(leaves: &[[u8; 32]], index: usize) -> Option<Vec<[u8; 32]>> {
    if index >= leaves.len() {
        return None;
    }
    let (mut level, mut idx, mut path) = (leaves.to_vec(), index, Vec::new());
    while level.len() > 1 {
        let sibling = if idx % 2 == 0 { idx + 1 } else { idx - 1 };
        path.push(*level.get(sibling).unwrap_or(level.get(idx)?));
        level = next_level(&level);
        idx /= 2;
    }
    Some(path)
}

fn decode32(text: &str, what: &str) -> Result<[u8; 32], Failure> {
    b64::b64u_decode_array::<32>(text).map_err(|e| {
        invalid(
            "log_proof.encoding",
            format!("the log inclusion proof's {what} is not a canonical base64url 32-byte hash ({e})"),
        )
    })
}

/// Verify one `log_inclusion_proof.v1`. The findings always include the weak-evidence warn
/// check; the failure, if any, is the first failing check (also recorded in the findings).
pub fn verify_log_inclusion_proof(value: &Value, ctx: &VerifyContext) -> (Findings, Option<Failure>) {
    let mut findings = Findings::new();
    findings.warn("log_proof.weak_evidence", ReasonCode::Ok, WEAK_EVIDENCE);
    match check_proof(value, ctx, &mut findings) {
        Ok(()) => (findings, None),
        Err(failure) => {
            findings.record(&failure);
            (findings, Some(failure))
        }
    }
}

fn check_proof(value: &Value, ctx: &VerifyContext, findings: &mut Findings) -> Result<(), Failure> {
    let obj = value
        .as_object()
        .ok_or_else(|| schema("the log inclusion proof is not a JSON object".into()))?;
    check_schema(obj)?;
    findings.pass("log_proof.schema", "the proof has the log_inclusion_proof.v1 shape");

    // The reference reads the leaf index from metadata; it is not part of the schema.
    let leaf_index = obj
        .get("metadata")
        .and_then(|m| m.get("leaf_index"))
        .and_then(Value::as_u64)
        .ok_or_else(|| {
            invalid(
                "log_proof.leaf_index",
                "the log inclusion proof has no integer metadata.leaf_index ≥ 0".into(),
            )
        })?;
    let tree_size = obj
        .get("tree_size")
        .and_then(Value::as_u64)
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            invalid(
                "log_proof.tree_size",
                format!(
                    "the log inclusion proof's tree_size {} is not a positive integer",
                    describe(obj.get("tree_size"))
                ),
            )
        })?;
    if leaf_index >= tree_size {
        return Err(invalid(
            "log_proof.leaf_index",
            format!("leaf_index {leaf_index} is outside a tree of {tree_size} leaves"),
        ));
    }
    let path: Vec<&str> = obj
        .get("audit_path")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let height = tree_height(tree_size);
    if path.len() != height {
        return Err(invalid(
            "log_proof.path_length",
            format!(
                "the audit_path has {} entries, a tree of {tree_size} leaves needs {height}",
                path.len()
            ),
        ));
    }
    findings.pass(
        "log_proof.shape",
        format!("leaf {leaf_index} of {tree_size}, audit path of {height} entries"),
    );

    let root_sig = obj.get("root_signature");
    let signer_did = root_sig
        .and_then(|s| s.get("signer_did"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if !crate::crypto::did::is_valid_did_syntax(signer_did) {
        return Err(Failure::new(
            "log_proof.root_signer",
            ReasonCode::InvalidDidFormat,
            format!("the log root signer {signer_did:?} is not a valid DID"),
        ));
    }
    let key = signer_key(signer_did, "log root").map_err(|mut f| {
        f.check = "log_proof.root_signature";
        f
    })?;
    let root_hash = obj.get("root_hash_b64u").and_then(Value::as_str).unwrap_or("");
    let sig_text = root_sig
        .and_then(|s| s.get("sig_b64u"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let signature_ok = b64::b64u_decode(sig_text)
        .ok()
        .is_some_and(|sig| verify_strict(&key, root_hash.as_bytes(), &sig).is_ok());
    if !signature_ok {
        return Err(Failure::new(
            "log_proof.root_signature",
            ReasonCode::SignatureInvalid,
            format!("root_signature.sig_b64u does not verify root_hash_b64u under {signer_did}"),
        ));
    }
    findings.pass(
        "log_proof.root_signature",
        format!("the root is signed by {signer_did}"),
    );
    if !ctx.trust.log_signers.is_empty() {
        if !ctx.trust.log_signers.iter().any(|e| e.did == signer_did) {
            return Err(Failure::new(
                "log_proof.root_signer",
                ReasonCode::SignerNotTrusted,
                format!("the log root signer {signer_did} is not one of the pinned log signers"),
            ));
        }
        findings.pass("log_proof.root_signer", "the root signer is a pinned log signer");
    }

    let leaf_text = obj.get("leaf_hash_b64u").and_then(Value::as_str).unwrap_or("");
    let mut current = decode32(leaf_text, "leaf_hash_b64u")?;
    let (mut idx, mut level_size) = (leaf_index, tree_size);
    for (step, entry) in path.iter().enumerate() {
        let sibling = decode32(entry, &format!("audit_path[{step}]"))?;
        let is_last_of_odd_level = level_size % 2 == 1 && idx == level_size - 1;
        if idx % 2 == 1 {
            // A right child equal to its left sibling only arises from duplicating the last
            // node: the phantom-leaf forgery (clawlogs never stores two identical subtrees).
            if sibling == current {
                return Err(invalid(
                    "log_proof.path",
                    format!("audit_path[{step}] repeats the node it is paired with as its left sibling: a phantom duplicate-last-leaf proof"),
                ));
            }
            current = node_hash(&sibling, &current);
        } else {
            if is_last_of_odd_level && sibling != current {
                return Err(invalid(
                    "log_proof.path",
                    format!(
                        "audit_path[{step}] should repeat the last node of an odd level of a {tree_size}-leaf tree"
                    ),
                ));
            }
            current = node_hash(&current, &sibling);
        }
        idx /= 2;
        level_size = level_size.div_ceil(2);
    }
    let computed = crate::crypto::b64u_encode(&current);
    if computed != root_hash {
        return Err(invalid(
            "log_proof.root",
            format!("the audit path resolves to {computed}, not to the signed root {root_hash}"),
        ));
    }
    findings.pass("log_proof.root", "the audit path resolves to the signed root");
    Ok(())
}

/// Subject-level verification of a log inclusion proof file. The clawlogs golden vector wraps
/// the proof as `inclusion_proof_v1`; that wrapper is accepted too.
pub fn verify_subject(path: &str, value: &Value, ctx: &VerifyContext) -> SubjectReport {
    let proof = value.get("inclusion_proof_v1").unwrap_or(value);
    let (findings, _) = verify_log_inclusion_proof(proof, ctx);
    SubjectReport::from_findings(path, Kind::LogInclusionProof, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn height_matches_the_reference() {
        // n = ceil(n/2) until 1: 1→0, 2→1, 3→2, 4→2, 5→3, 8→3, 9→4.
        for (n, h) in [(1, 0), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3), (8, 3), (9, 4)] {
            assert_eq!(tree_height(n), h, "{n}");
        }
        assert!(tree_height(1 << 53) <= MAX_AUDIT_PATH);
    }

    #[test]
    fn empty_tree_root_is_hash_of_nothing() {
        assert_eq!(clawlogs_root(&[]), sha256(b""));
        let leaf = sha256(b"x");
        assert_eq!(clawlogs_root(&[leaf]), leaf);
        assert_eq!(clawlogs_root(&[leaf, leaf]), node_hash(&leaf, &leaf));
    }
}
