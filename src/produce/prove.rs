//! Building the inclusion proof of one artifact of a sealed bundle (spec 20 §6). The
//! verifying side is `audit::prove`.

use crate::audit::container::{read_container, ContainerLimits, CHECKPOINT_NAME, MANIFEST_NAME};
use crate::audit::manifest::parse_manifest;
use crate::audit::merkle;
use crate::audit::prove::PROOF_VERSION;
use crate::crypto::b64u_encode;
use crate::json::{self, Object, ParseLimits, Value};

/// Build the inclusion proof of `entry_path` from a bundle's bytes. The bundle must be a
/// readable container whose manifest reproduces the checkpoint's root (otherwise the proof
/// could never verify); trust and signatures are the verifier's business.
pub fn build_proof(bundle: &[u8], entry_path: &str, limits: &ContainerLimits) -> Result<Value, String> {
    let container = read_container(bundle, limits).map_err(|failures| {
        failures
            .first()
            .map(|f| format!("{}: {}", f.code, f.detail))
            .unwrap_or_default()
    })?;
    let parse_limits = ParseLimits::default();
    let checkpoint_bytes = container
        .get(CHECKPOINT_NAME)
        .ok_or("the bundle has no checkpoint.json")?;
    let checkpoint =
        json::parse(checkpoint_bytes, &parse_limits).map_err(|e| format!("checkpoint.json is not valid JSON: {e}"))?;
    let manifest = parse_manifest(
        container.get(MANIFEST_NAME).ok_or("the bundle has no manifest.json")?,
        &parse_limits,
    )
    .map_err(|f| f.detail)?;
    let (index, entry) = manifest
        .find(entry_path)
        .ok_or_else(|| format!("the manifest does not list {entry_path}"))?;
    let leaves = manifest.leaves();
    let root = merkle::root(&leaves).ok_or("the manifest lists no entries")?;
    let signed_root = checkpoint
        .get("payload")
        .and_then(|p| p.get("tree"))
        .and_then(|t| t.get("root_b64u"))
        .and_then(Value::as_str);
    if signed_root != Some(b64u_encode(&root).as_str()) {
        return Err("the manifest does not reproduce the checkpoint's Merkle root; no valid proof exists".into());
    }
    let path = merkle::audit_path(&leaves, index).ok_or("leaf index out of range")?;
    let mut p = Object::new();
    p.insert("proof_version", Value::from(PROOF_VERSION));
    p.insert("checkpoint", checkpoint);
    p.insert("entry", entry.value.clone());
    p.insert("leaf_index", Value::from(index as u64));
    p.insert(
        "audit_path_b64u",
        Value::Array(path.iter().map(|h| Value::from(b64u_encode(h))).collect()),
    );
    Ok(Value::Object(p))
}
