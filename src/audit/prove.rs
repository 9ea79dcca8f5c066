//! Inclusion proofs for one artifact of a sealed bundle (spec 20 §6):
//! `{"proof_version":"1","checkpoint":{…},"entry":{…},"leaf_index":i,"audit_path_b64u":[…]}`.
//!
//! A third party holding the proof (and optionally the artifact) checks the signed
//! checkpoint, then that the entry's leaf hash climbs the audit path to the signed root.

use super::checkpoint::{check_checkpoint, CheckpointPayload};
use super::manifest::{entry_from_value, ManifestEntry};
use super::merkle::{self, Hash};
use crate::clawsig::envelope::describe;
use crate::context::VerifyContext;
use crate::crypto::{b64, sha256_b64u};
use crate::json::Value;
use crate::reason::ReasonCode;
use crate::report::{Findings, Kind, Location, SubjectReport};

pub const PROOF_VERSION: &str = "1";
const PROOF_KEYS: [&str; 5] = ["proof_version", "checkpoint", "entry", "leaf_index", "audit_path_b64u"];
/// A tree of at most 2^64 leaves never needs a longer path.
const MAX_PATH_LEN: usize = 64;

/// Verify an inclusion proof (kind `inclusion-proof`), and with `artifact` the file's bytes.
pub fn verify_subject(path: &str, value: &Value, artifact: Option<&[u8]>, ctx: &VerifyContext) -> SubjectReport {
    let mut f = Findings::new();
    check_proof(value, artifact, ctx, &mut f);
    let mut report = SubjectReport::from_findings(path, Kind::InclusionProof, f);
    if let Some(e) = value.get("entry").and_then(|e| e.get("path")).and_then(Value::as_str) {
        report.facts.entry_path = Some(e.to_string());
    }
    report
}

/// The proof's three steps: its shape, the checkpoint and the audit path, the artifact.
fn check_proof(value: &Value, artifact: Option<&[u8]>, ctx: &VerifyContext, f: &mut Findings) {
    let Some(proof) = check_shape(value, f) else {
        return;
    };
    f.pass("proof.shape", "the inclusion proof is well formed");
    let checkpoint = proof.checkpoint.unwrap_or(&Value::Null);
    let Some(payload) = check_checkpoint(checkpoint, ctx, &Location::json("checkpoint"), f) else {
        return;
    };
    check_inclusion(&proof, &payload, f);
    check_artifact(&proof.entry, artifact, f);
}

/// A proof whose shape is right.
struct ProofView<'v> {
    checkpoint: Option<&'v Value>,
    index: u64,
    path_items: &'v [Value],
    entry: ManifestEntry,
}

/// Step 1: closed keys, the version, the leaf index, the audit path array and the entry.
fn check_shape<'v>(value: &'v Value, f: &mut Findings) -> Option<ProofView<'v>> {
    let Some(obj) = value.as_object() else {
        f.fail(
            "proof.shape",
            ReasonCode::SchemaValidationFailed,
            "the inclusion proof is not a JSON object",
        );
        return None;
    };
    if let Some(k) = obj.keys().find(|k| !PROOF_KEYS.contains(k)) {
        f.fail(
            "proof.shape",
            ReasonCode::SchemaValidationFailed,
            format!(
                "the inclusion proof has an unknown field {}",
                describe(Some(&Value::from(k)))
            ),
        );
        return None;
    }
    if obj.get("proof_version").and_then(Value::as_str) != Some(PROOF_VERSION) {
        f.fail(
            "proof.version",
            ReasonCode::UnknownVersion,
            format!(
                "the inclusion proof has proof_version {}, only \"1\" is known",
                describe(obj.get("proof_version"))
            ),
        );
        return None;
    }
    let index = obj.get("leaf_index").and_then(Value::as_u64);
    let path_items = obj.get("audit_path_b64u").and_then(Value::as_array);
    let (Some(index), Some(path_items)) = (index, path_items) else {
        f.fail(
            "proof.shape",
            ReasonCode::SchemaValidationFailed,
            "the inclusion proof needs a non-negative integer leaf_index and an audit_path_b64u array",
        );
        return None;
    };
    let entry = match obj.get("entry").map(|e| entry_from_value(0, e)) {
        Some(Ok(e)) => e,
        Some(Err(failure)) => {
            f.fail(
                "proof.entry",
                ReasonCode::SchemaValidationFailed,
                format!(
                    "the inclusion proof's entry is not a manifest entry: {}",
                    failure.detail
                ),
            );
            return None;
        }
        None => {
            f.fail(
                "proof.shape",
                ReasonCode::SchemaValidationFailed,
                "the inclusion proof has no entry",
            );
            return None;
        }
    };
    Some(ProofView {
        checkpoint: obj.get("checkpoint"),
        index,
        path_items,
        entry,
    })
}

/// Step 3: the entry's leaf climbs the audit path to the signed root.
fn check_inclusion(proof: &ProofView<'_>, payload: &CheckpointPayload, f: &mut Findings) {
    let (index, entry) = (proof.index, &proof.entry);
    let path = decode_path(proof.path_items);
    let label = &entry.path;
    match path {
        Some(path) if index < payload.tree_size => {
            let leaf = entry.leaf;
            if merkle::verify_inclusion(&leaf, index, payload.tree_size, &path, &payload.root) {
                f.pass_in_entry(
                    "proof.inclusion",
                    label,
                    format!(
                        "{label} is leaf {index} of the {}-leaf tree under the signed root",
                        payload.tree_size
                    ),
                );
            } else {
                f.fail_in_entry(
                    "proof.inclusion",
                    ReasonCode::InclusionProofInvalid,
                    label,
                    format!(
                        "the audit path does not lead from {label} (leaf {index} of {}) to the signed root",
                        payload.tree_size
                    ),
                );
            }
        }
        Some(_) => f.fail_in_entry(
            "proof.inclusion",
            ReasonCode::InclusionProofInvalid,
            label,
            format!("leaf_index {index} is not below the tree size {}", payload.tree_size),
        ),
        None => f.fail_in_entry(
            "proof.inclusion",
            ReasonCode::InclusionProofInvalid,
            label,
            format!("the audit path is longer than {MAX_PATH_LEN} or holds a value that is not a base64url SHA-256"),
        ),
    }
}

/// Step 4: with `--artifact`, the file's bytes match the entry's hash and size.
fn check_artifact(entry: &ManifestEntry, artifact: Option<&[u8]>, f: &mut Findings) {
    let label = &entry.path;
    match artifact {
        None => f.skip(
            "proof.artifact",
            "no --artifact given: the artifact's bytes were not compared",
        ),
        Some(bytes) => {
            let hash = sha256_b64u(bytes);
            if hash != entry.sha256_b64u || bytes.len() as u64 != entry.size_bytes {
                f.fail_in_entry(
                    "proof.artifact",
                    ReasonCode::HashMismatch,
                    label,
                    format!(
                        "the artifact file has {} bytes and hash {hash}, but the proof's entry says {} bytes and {}",
                        bytes.len(),
                        entry.size_bytes,
                        entry.sha256_b64u
                    ),
                );
            } else {
                f.pass_in_entry(
                    "proof.artifact",
                    label,
                    "the artifact file matches the entry's hash and size",
                );
            }
        }
    }
}

fn decode_path(items: &[Value]) -> Option<Vec<Hash>> {
    if items.len() > MAX_PATH_LEN {
        return None;
    }
    items
        .iter()
        .map(|v| v.as_str().and_then(|s| b64::b64u_decode_array::<32>(s).ok()))
        .collect()
}
