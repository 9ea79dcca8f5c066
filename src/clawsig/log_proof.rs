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
use crate::json::Value;
use crate::reason::ReasonCode;
use crate::report::{Failure, Findings, Kind, SubjectReport};
use crate::schema_rules::{array, b64u, did, schema_failure, Obj, Path, RuleResult};

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

/// The one-line warning every Clawsig log proof carries; `clawaudit explain
/// LOG_PROOF_WEAK_EVIDENCE` says why.
const WEAK_EVIDENCE: &str = "a Clawsig log proof is weak evidence: only its root is signed";

fn invalid(check: &'static str, detail: String) -> Failure {
    Failure::new(check, ReasonCode::InclusionProofInvalid, detail)
}

/// What the checks after the schema read from a proof.
struct ProofView<'v> {
    /// A number ≥ 0 (whether it is a positive integer is the shape check's).
    tree_size: &'v Value,
    leaf_hash_b64u: &'v str,
    root_hash_b64u: &'v str,
    audit_path: Vec<&'v str>,
    signer_did: &'v str,
    sig_b64u: &'v str,
    metadata: Option<&'v Value>,
}

/// The closed schema of `log_inclusion_proof.v1`, with the path-length cap (a hostile length
/// is refused before its entries are read; no honest path is that long); its view.
fn check_schema(value: &Value) -> Result<ProofView<'_>, Failure> {
    let schema = schema_failure("log_proof.schema", "log inclusion proof");
    let o = Obj::new(value, Path::ROOT).map_err(schema)?;
    let entries = schema_up_to_path(&o).map_err(schema)?;
    if entries.len() > MAX_AUDIT_PATH {
        return Err(invalid(
            "log_proof.path_length",
            format!(
                "the log inclusion proof's audit_path has {} entries, more than the {MAX_AUDIT_PATH} any tree can need",
                entries.len()
            ),
        ));
    }
    schema_from_path(&o, entries).map_err(schema)
}

/// The schema up to `audit_path`, whose items it returns.
fn schema_up_to_path<'v>(o: &Obj<'v, '_>) -> RuleResult<&'v [Value]> {
    o.closed(&KEYS)?
        .required(REQUIRED)?
        .konst("proof_version", "1")?
        .str_min("log_id", 1)?
        .number_min("tree_size", 0.0)?
        .b64u("leaf_hash_b64u")?
        .b64u("root_hash_b64u")?;
    o.require("audit_path", |v, at| array(v, 0, usize::MAX, at))
}

/// The rest of the schema, from the `audit_path` entries on.
fn schema_from_path<'v>(o: &Obj<'v, '_>, entries: &'v [Value]) -> RuleResult<ProofView<'v>> {
    let path_at = o.at("audit_path");
    let audit_path = entries
        .iter()
        .enumerate()
        .map(|(i, entry)| b64u(entry, 8, path_at.index(i)))
        .collect::<RuleResult<Vec<&str>>>()?;
    o.date_time("root_published_at")?;
    let sig = o.req_child("root_signature")?;
    sig.closed(&["signer_did", "sig_b64u"])?;
    let signer_did = sig.require("signer_did", |v, at| did(v, at))?;
    let sig_b64u = sig.require("sig_b64u", |v, at| b64u(v, 8, at))?;
    o.object("metadata")?;
    Ok(ProofView {
        tree_size: o.require("tree_size", |v, _| Ok(v))?,
        leaf_hash_b64u: o.text("leaf_hash_b64u")?,
        root_hash_b64u: o.text("root_hash_b64u")?,
        audit_path,
        signer_did,
        sig_b64u,
        metadata: o.get("metadata"),
    })
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
    findings.warn(
        "log_proof.weak_evidence",
        ReasonCode::LogProofWeakEvidence,
        WEAK_EVIDENCE,
    );
    match check_proof(value, ctx, &mut findings) {
        Ok(()) => (findings, None),
        Err(failure) => {
            findings.record(&failure);
            (findings, Some(failure))
        }
    }
}

fn check_proof(value: &Value, ctx: &VerifyContext, findings: &mut Findings) -> Result<(), Failure> {
    let view = check_schema(value)?;
    findings.pass("log_proof.schema", "the proof has the log_inclusion_proof.v1 shape");

    let (leaf_index, tree_size) = check_shape(&view)?;
    findings.pass(
        "log_proof.shape",
        format!(
            "leaf {leaf_index} of {tree_size}, audit path of {} entries",
            view.audit_path.len()
        ),
    );

    check_root_signature(&view, ctx, findings)?;

    let computed = crate::crypto::b64u_encode(&walk_path(&view, leaf_index, tree_size)?);
    if computed != view.root_hash_b64u {
        return Err(invalid(
            "log_proof.root",
            format!(
                "the audit path resolves to {computed}, not to the signed root {}",
                view.root_hash_b64u
            ),
        ));
    }
    findings.pass("log_proof.root", "the audit path resolves to the signed root");
    Ok(())
}

/// The leaf index (which the reference reads from metadata; it is not part of the schema),
/// the tree size, and the path length that size needs.
fn check_shape(view: &ProofView<'_>) -> Result<(u64, u64), Failure> {
    let leaf_index = view
        .metadata
        .and_then(|m| m.get("leaf_index"))
        .and_then(Value::as_u64)
        .ok_or_else(|| {
            invalid(
                "log_proof.leaf_index",
                "the log inclusion proof has no integer metadata.leaf_index ≥ 0".into(),
            )
        })?;
    let tree_size = view.tree_size.as_u64().filter(|n| *n > 0).ok_or_else(|| {
        invalid(
            "log_proof.tree_size",
            format!(
                "the log inclusion proof's tree_size {} is not a positive integer",
                describe(Some(view.tree_size))
            ),
        )
    })?;
    if leaf_index >= tree_size {
        return Err(invalid(
            "log_proof.leaf_index",
            format!("leaf_index {leaf_index} is outside a tree of {tree_size} leaves"),
        ));
    }
    let height = tree_height(tree_size);
    if view.audit_path.len() != height {
        return Err(invalid(
            "log_proof.path_length",
            format!(
                "the audit_path has {} entries, a tree of {tree_size} leaves needs {height}",
                view.audit_path.len()
            ),
        ));
    }
    Ok((leaf_index, tree_size))
}

/// The root signer's DID and key, its signature over the root string, then the pin.
fn check_root_signature(view: &ProofView<'_>, ctx: &VerifyContext, findings: &mut Findings) -> Result<(), Failure> {
    let signer_did = view.signer_did;
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
    let signature_ok = b64::b64u_decode(view.sig_b64u)
        .ok()
        .is_some_and(|sig| verify_strict(&key, view.root_hash_b64u.as_bytes(), &sig).is_ok());
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
    Ok(())
}

/// Hash from the leaf up the audit path, refusing the phantom duplicate-last-leaf forgery
/// and an odd level's last node not paired with itself; the root it reaches.
fn walk_path(view: &ProofView<'_>, leaf_index: u64, tree_size: u64) -> Result<[u8; 32], Failure> {
    let mut current = decode32(view.leaf_hash_b64u, "leaf_hash_b64u")?;
    let (mut idx, mut level_size) = (leaf_index, tree_size);
    for (step, entry) in view.audit_path.iter().enumerate() {
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
    Ok(current)
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
    fn a_hostile_path_length_is_refused_before_its_entries_are_read() {
        let proof = |path: &str| {
            crate::json::parse_str(&format!(
                r#"{{"proof_version":"1","log_id":"l","tree_size":4,"leaf_hash_b64u":"AAAAAAAA","root_hash_b64u":"AAAAAAAA",
                    "audit_path":{path},"root_published_at":"2026-02-12T00:00:00Z",
                    "root_signature":{{"signer_did":"did:key:z","sig_b64u":"AAAAAAAA"}}}}"#
            ))
            .unwrap()
        };
        let long = format!("[{}]", vec!["1"; MAX_AUDIT_PATH + 1].join(","));
        let f = check_schema(&proof(&long)).err().unwrap();
        assert_eq!(
            (f.check, f.code),
            ("log_proof.path_length", ReasonCode::InclusionProofInvalid)
        );
        let f = check_schema(&proof(r#"["AAAAAAAA",1]"#)).err().unwrap();
        assert_eq!(
            (f.check, f.code),
            ("log_proof.schema", ReasonCode::SchemaValidationFailed)
        );
        assert_eq!(f.json_path(), Some("audit_path[1]"));
        let ok = proof(r#"["AAAAAAAA","BBBBBBBB"]"#);
        let view = check_schema(&ok).ok().unwrap();
        assert_eq!(view.audit_path, ["AAAAAAAA", "BBBBBBBB"]);
        assert_eq!(view.signer_did, "did:key:z");
    }

    #[test]
    fn empty_tree_root_is_hash_of_nothing() {
        assert_eq!(clawlogs_root(&[]), sha256(b""));
        let leaf = sha256(b"x");
        assert_eq!(clawlogs_root(&[leaf]), leaf);
        assert_eq!(clawlogs_root(&[leaf, leaf]), node_hash(&leaf, &leaf));
    }
}
