//! The Clawsig shapes of §5 that more than one artifact embeds (the export manifest and
//! `model_identity.v1`), written with the shared `schema_rules`.

use crate::json::Value;
use crate::schema_rules::{self as rules, RuleResult};

/// The export manifest (`export_bundle_manifest.v1`), shared by export and aggregate bundles.
pub fn manifest(value: &Value, max_entries: usize, at: &str) -> RuleResult {
    let obj = value.as_object().ok_or_else(|| format!("{at} must be an object"))?;
    rules::closed_keys(
        obj,
        &["manifest_version", "generated_at", "entries"],
        &["manifest_version", "generated_at", "entries"],
        at,
    )?;
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
    rules::closed_keys(
        obj,
        &[
            "model_identity_version",
            "tier",
            "model",
            "gateway_observed",
            "artifacts",
            "metadata",
        ],
        &["model_identity_version", "tier", "model"],
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
        rules::closed_keys(
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
            &["provider", "name"],
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
        rules::closed_keys(
            observed,
            &[
                "gateway_id",
                "observed_at",
                "request_id",
                "provider_response_fingerprint",
                "transport",
            ],
            &["gateway_id", "observed_at"],
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
