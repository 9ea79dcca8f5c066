//! Small hand-written JSON Schema helpers for the closed Clawsig shapes of §5 (export bundle,
//! manifest, attestation payloads, aggregate). Each returns a plain message naming the field;
//! callers turn it into `SCHEMA_VALIDATION_FAILED` for their artifact.

use crate::crypto::b64;
use crate::json::{Object, Value};
use crate::timeutil::parse_rfc3339;

pub type ShapeResult = Result<(), String>;

/// `additionalProperties: false` plus `required`.
pub fn closed(obj: &Object, allowed: &[&str], required: &[&str], at: &str) -> ShapeResult {
    if let Some(extra) = obj.keys().find(|k| !allowed.contains(k)) {
        return Err(format!("{at} has an unknown field '{extra}'"));
    }
    if let Some(missing) = required.iter().find(|k| !obj.contains_key(k)) {
        return Err(format!("{at} has no '{missing}' field"));
    }
    Ok(())
}

/// The member must be an object (when present).
pub fn object<'a>(obj: &'a Object, key: &str, at: &str) -> Result<Option<&'a Object>, String> {
    match obj.get(key) {
        None => Ok(None),
        Some(v) => v
            .as_object()
            .map(Some)
            .ok_or_else(|| format!("{at}.{key} must be an object")),
    }
}

/// `{ "const": value }` for a string.
pub fn constant(obj: &Object, key: &str, value: &str, at: &str) -> ShapeResult {
    match obj.get(key) {
        None => Ok(()),
        Some(v) if v.as_str() == Some(value) => Ok(()),
        Some(_) => Err(format!("{at}.{key} must be \"{value}\"")),
    }
}

/// A string of at least `min` characters (when present).
pub fn string(obj: &Object, key: &str, min: usize, at: &str) -> ShapeResult {
    match obj.get(key) {
        None => Ok(()),
        Some(Value::String(s)) if s.chars().count() >= min => Ok(()),
        Some(_) if min == 0 => Err(format!("{at}.{key} must be a string")),
        Some(_) => Err(format!("{at}.{key} must be a string of at least {min} characters")),
    }
}

/// One of the listed strings (when present).
pub fn one_of(obj: &Object, key: &str, values: &[&str], at: &str) -> ShapeResult {
    match obj.get(key).map(Value::as_str) {
        None => Ok(()),
        Some(Some(s)) if values.contains(&s) => Ok(()),
        Some(_) => Err(format!("{at}.{key} must be one of {}", values.join(", "))),
    }
}

/// `^[A-Za-z0-9_-]+$` with a minimum length (when present).
pub fn b64u(obj: &Object, key: &str, min: usize, at: &str) -> ShapeResult {
    match obj.get(key) {
        None => Ok(()),
        Some(Value::String(s)) if b64::is_b64u_syntax(s, min.max(1)) => Ok(()),
        Some(_) => Err(format!(
            "{at}.{key} must be a base64url string of at least {} characters",
            min.max(1)
        )),
    }
}

/// `^did:` (when present).
pub fn did(obj: &Object, key: &str, at: &str) -> ShapeResult {
    match obj.get(key) {
        None => Ok(()),
        Some(Value::String(s)) if s.starts_with("did:") => Ok(()),
        Some(_) => Err(format!("{at}.{key} must be a string starting with 'did:'")),
    }
}

/// `format: date-time`, read strictly as RFC 3339 (when present).
pub fn date_time(obj: &Object, key: &str, at: &str) -> ShapeResult {
    match obj.get(key) {
        None => Ok(()),
        Some(Value::String(s)) if parse_rfc3339(s).is_some() => Ok(()),
        Some(_) => Err(format!("{at}.{key} must be an RFC 3339 date-time")),
    }
}

/// A number with a minimum (when present).
pub fn number_min(obj: &Object, key: &str, min: f64, at: &str) -> ShapeResult {
    match obj.get(key) {
        None => Ok(()),
        Some(Value::Number(n)) if *n >= min => Ok(()),
        Some(_) => Err(format!("{at}.{key} must be a number ≥ {min}")),
    }
}

/// An array (when present) with at most `max` items; returns its items.
pub fn array<'a>(obj: &'a Object, key: &str, min: usize, max: usize, at: &str) -> Result<&'a [Value], String> {
    match obj.get(key) {
        None => Ok(&[]),
        Some(Value::Array(items)) if items.len() >= min && items.len() <= max => Ok(items),
        Some(Value::Array(items)) => Err(format!("{at}.{key} has {} items, allowed {min} to {max}", items.len())),
        Some(_) => Err(format!("{at}.{key} must be an array")),
    }
}

/// The export manifest (`export_bundle_manifest.v1`), shared by export and aggregate bundles.
pub fn manifest(value: &Value, max_entries: usize, at: &str) -> ShapeResult {
    let obj = value.as_object().ok_or_else(|| format!("{at} must be an object"))?;
    closed(
        obj,
        &["manifest_version", "generated_at", "entries"],
        &["manifest_version", "generated_at", "entries"],
        at,
    )?;
    constant(obj, "manifest_version", "1", at)?;
    date_time(obj, "generated_at", at)?;
    let entries = array(obj, "entries", 1, max_entries, at)?;
    for (i, entry) in entries.iter().enumerate() {
        let here = format!("{at}.entries[{i}]");
        let e = entry.as_object().ok_or_else(|| format!("{here} must be an object"))?;
        let keys = ["path", "sha256_b64u", "content_type", "size_bytes"];
        closed(e, &keys, &keys, &here)?;
        string(e, "path", 1, &here)?;
        b64u(e, "sha256_b64u", 8, &here)?;
        string(e, "content_type", 1, &here)?;
        number_min(e, "size_bytes", 0.0, &here)?;
    }
    Ok(())
}

/// `model_identity.v1`: the top level is closed and typed; nested artifact commitments are
/// only required to be objects.
pub fn model_identity(value: &Value, at: &str) -> ShapeResult {
    let obj = value.as_object().ok_or_else(|| format!("{at} must be an object"))?;
    closed(
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
    constant(obj, "model_identity_version", "1", at)?;
    one_of(
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
    if let Some(model) = object(obj, "model", at)? {
        let here = format!("{at}.model");
        closed(
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
        string(model, "provider", 1, &here)?;
        string(model, "name", 1, &here)?;
        for k in ["family", "endpoint", "region", "deployment_id", "revision"] {
            string(model, k, 0, &here)?;
        }
    }
    if let Some(observed) = object(obj, "gateway_observed", at)? {
        let here = format!("{at}.gateway_observed");
        closed(
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
        did(observed, "gateway_id", &here)?;
        date_time(observed, "observed_at", &here)?;
        object(observed, "transport", &here)?;
    }
    object(obj, "artifacts", at)?;
    object(obj, "metadata", at)?;
    Ok(())
}
