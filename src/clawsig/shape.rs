//! The Clawsig shapes of §5 that more than one artifact embeds (the export manifest and
//! `model_identity.v1`), written with the shared `schema_rules`.

use super::envelope::REQUIRED_KEYS;
use crate::json::{Object, Value};
use crate::schema_rules::{self as rules, RuleResult};

/// The envelope fields of a Clawsig envelope schema that also allows `expires_at`.
// Evaluated at compile time: an index out of range fails the build, never a run.
#[allow(clippy::indexing_slicing)]
pub const ENVELOPE_KEYS_WITH_EXPIRY: [&str; 10] = {
    let mut keys = [""; 10];
    let mut i = 0;
    while i < REQUIRED_KEYS.len() {
        keys[i] = REQUIRED_KEYS[i];
        i += 1;
    }
    keys[9] = "expires_at";
    keys
};

/// The header of a signed Clawsig envelope of `envelope_type`, up to `issued_at`: closed over
/// `allowed` with the nine required keys, then the constants and value patterns in schema order.
pub fn signed_envelope(obj: &Object, allowed: &[&str], envelope_type: &str, at: &str) -> RuleResult {
    rules::closed_keys(obj, allowed, &REQUIRED_KEYS, at)?;
    rules::constant(obj, "envelope_version", "1", at)?;
    rules::constant(obj, "envelope_type", envelope_type, at)?;
    rules::b64u(obj, "payload_hash_b64u", 8, at)?;
    rules::opt_one_of(obj, "hash_algorithm", &["SHA-256", "BLAKE3"], at)?;
    rules::b64u(obj, "signature_b64u", 8, at)?;
    rules::opt_one_of(obj, "algorithm", &["Ed25519"], at)?;
    rules::did(obj, "signer_did", at)?;
    rules::date_time(obj, "issued_at", at)
}

/// A proof-bundle envelope inside an export or aggregate bundle: only closed and typed here;
/// the nested proof-bundle verifier checks the rest.
pub fn proof_bundle_envelope(obj: &Object, at: &str) -> RuleResult {
    rules::closed_keys(obj, &ENVELOPE_KEYS_WITH_EXPIRY, &REQUIRED_KEYS, at)?;
    rules::constant(obj, "envelope_version", "1", at)?;
    rules::constant(obj, "envelope_type", "proof_bundle", at)?;
    rules::opt_object(obj, "payload", at)?;
    Ok(())
}

/// The export manifest (`export_bundle_manifest.v1`), shared by export and aggregate bundles.
pub fn manifest(value: &Value, max_entries: usize, at: &str) -> RuleResult {
    let obj = value.as_object().ok_or_else(|| format!("{at} must be an object"))?;
    rules::closed_keys_optional(obj, &["manifest_version", "generated_at", "entries"], &[], at)?;
    rules::constant(obj, "manifest_version", "1", at)?;
    rules::date_time(obj, "generated_at", at)?;
    let entries = rules::array(obj, "entries", 1, max_entries, at)?;
    for (i, entry) in entries.iter().enumerate() {
        let here = format!("{at}.entries[{i}]");
        let e = entry.as_object().ok_or_else(|| format!("{here} must be an object"))?;
        let keys = ["path", "sha256_b64u", "content_type", "size_bytes"];
        rules::closed_keys(e, &keys, &keys, &here)?;
        rules::string(e, "path", 1, &here)?;
        rules::b64u(e, "sha256_b64u", 8, &here)?;
        rules::string(e, "content_type", 1, &here)?;
        rules::number_min(e, "size_bytes", 0.0, &here)?;
    }
    Ok(())
}

/// `model_identity.v1`: the top level is closed and typed; nested artifact commitments are
/// only required to be objects.
pub fn model_identity(value: &Value, at: &str) -> RuleResult {
    let obj = value.as_object().ok_or_else(|| format!("{at} must be an object"))?;
    rules::closed_keys_optional(
        obj,
        &[
            "model_identity_version",
            "tier",
            "model",
            "gateway_observed",
            "artifacts",
            "metadata",
        ],
        &["gateway_observed", "artifacts", "metadata"],
        at,
    )?;
    rules::constant(obj, "model_identity_version", "1", at)?;
    rules::opt_one_of(
        obj,
        "tier",
        &[
            "closed_opaque",
            "closed_provider_manifest",
            "openweights_hashable",
            "tee_measured",
        ],
        at,
    )?;
    if let Some(model) = rules::opt_object(obj, "model", at)? {
        let here = format!("{at}.model");
        rules::closed_keys_optional(
            model,
            &[
                "provider",
                "name",
                "family",
                "endpoint",
                "region",
                "deployment_id",
                "revision",
            ],
            &["family", "endpoint", "region", "deployment_id", "revision"],
            &here,
        )?;
        rules::string(model, "provider", 1, &here)?;
        rules::string(model, "name", 1, &here)?;
        for k in ["family", "endpoint", "region", "deployment_id", "revision"] {
            rules::string(model, k, 0, &here)?;
        }
    }
    if let Some(observed) = rules::opt_object(obj, "gateway_observed", at)? {
        let here = format!("{at}.gateway_observed");
        rules::closed_keys_optional(
            observed,
            &[
                "gateway_id",
                "observed_at",
                "request_id",
                "provider_response_fingerprint",
                "transport",
            ],
            &["request_id", "provider_response_fingerprint", "transport"],
            &here,
        )?;
        rules::did(observed, "gateway_id", &here)?;
        rules::date_time(observed, "observed_at", &here)?;
        rules::opt_object(observed, "transport", &here)?;
    }
    rules::opt_object(obj, "artifacts", at)?;
    rules::opt_object(obj, "metadata", at)?;
    Ok(())
}
