//! The Clawsig shapes of §5 that more than one artifact embeds (the SignedEnvelope header,
//! proof-bundle envelopes inside exports and aggregates, the export manifest and
//! `model_identity.v1`), written with the shared `schema_rules`.

use super::envelope::REQUIRED_KEYS;
use crate::json::Value;
use crate::schema_rules::{b64u, number_min, text, Obj, Path, RuleResult};

/// The envelope fields of a Clawsig envelope schema that also allows `expires_at`.
pub const ENVELOPE_KEYS_WITH_EXPIRY: [&str; 10] = with_key(REQUIRED_KEYS, "expires_at");

/// `keys` and then `extra`, for key lists built at compile time (`M` is one more than `N`).
// Only evaluated in constants: an index out of range fails the build, never a run.
#[allow(clippy::indexing_slicing)]
pub const fn with_key<const N: usize, const M: usize>(
    keys: [&'static str; N],
    extra: &'static str,
) -> [&'static str; M] {
    let mut out = [""; M];
    let mut i = 0;
    while i < N {
        out[i] = keys[i];
        i += 1;
    }
    out[N] = extra;
    out
}

/// The header of a signed Clawsig envelope of `envelope_type`: closed over `allowed` with the
/// nine required keys, then the constants and value patterns in schema order (`expires_at`
/// last, when `allowed` has it). The payload is the caller's.
pub fn signed_envelope(o: &Obj<'_, '_>, allowed: &[&str], version: &str, envelope_type: &str) -> RuleResult {
    o.closed(allowed)?
        .required(&REQUIRED_KEYS)?
        .konst("envelope_version", version)?
        .konst("envelope_type", envelope_type)?
        .b64u("payload_hash_b64u")?
        .one_of("hash_algorithm", &["SHA-256", "BLAKE3"])?
        .b64u("signature_b64u")?
        .one_of("algorithm", &["Ed25519"])?
        .did("signer_did")?
        .date_time("issued_at")?
        .date_time("expires_at")?;
    Ok(())
}

/// A proof-bundle envelope inside an export or aggregate bundle: only closed and typed here;
/// the nested proof-bundle verifier checks the rest.
pub fn proof_bundle_envelope(o: &Obj<'_, '_>) -> RuleResult {
    o.closed(&ENVELOPE_KEYS_WITH_EXPIRY)?
        .required(&REQUIRED_KEYS)?
        .konst("envelope_version", "1")?
        .konst("envelope_type", "proof_bundle")?
        .object("payload")?;
    Ok(())
}

/// One entry of an export manifest, as the checks after the schema read it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ManifestEntry<'v> {
    pub path: &'v str,
    pub sha256_b64u: &'v str,
    pub content_type: &'v str,
    pub size_bytes: f64,
}

/// The export manifest (`export_bundle_manifest.v1`), shared by export and aggregate bundles;
/// its entries once it passed.
pub fn manifest<'v>(value: &'v Value, max_entries: usize, at: &Path<'_>) -> RuleResult<Vec<ManifestEntry<'v>>> {
    let o = Obj::new(value, at)?;
    o.closed_optional(&["manifest_version", "generated_at", "entries"], &[])?
        .konst("manifest_version", "1")?
        .date_time("generated_at")?;
    let entries_at = o.at("entries");
    o.array("entries", 1, max_entries)?
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let keys = ["path", "sha256_b64u", "content_type", "size_bytes"];
            let e = Obj::new(entry, entries_at.index(i))?;
            e.closed_optional(&keys, &[])?;
            Ok(ManifestEntry {
                path: e.require("path", |v, at| text(v, 1, usize::MAX, at))?,
                sha256_b64u: e.require("sha256_b64u", |v, at| b64u(v, 8, at))?,
                content_type: e.require("content_type", |v, at| text(v, 1, usize::MAX, at))?,
                size_bytes: e.require("size_bytes", |v, at| number_min(v, 0.0, at))?,
            })
        })
        .collect()
}

/// `model_identity.v1`: the top level, the model and what the gateway observed are closed
/// and typed; the nested artifact commitments are only required to be objects.
pub fn model_identity(value: &Value, at: &Path<'_>) -> RuleResult {
    let o = Obj::new(value, at)?;
    o.closed_optional(
        &[
            "model_identity_version",
            "tier",
            "model",
            "gateway_observed",
            "artifacts",
            "metadata",
        ],
        &["gateway_observed", "artifacts", "metadata"],
    )?
    .konst("model_identity_version", "1")?
    .one_of(
        "tier",
        &[
            "closed_opaque",
            "closed_provider_manifest",
            "openweights_hashable",
            "tee_measured",
        ],
    )?;
    if let Some(model) = o.child("model")? {
        let optional = ["family", "endpoint", "region", "deployment_id", "revision"];
        model
            .closed_optional(
                &[
                    "provider",
                    "name",
                    "family",
                    "endpoint",
                    "region",
                    "deployment_id",
                    "revision",
                ],
                &optional,
            )?
            .str_min("provider", 1)?
            .str_min("name", 1)?;
        for k in optional {
            model.str_any(k)?;
        }
    }
    if let Some(observed) = o.child("gateway_observed")? {
        observed
            .closed_optional(
                &[
                    "gateway_id",
                    "observed_at",
                    "request_id",
                    "provider_response_fingerprint",
                    "transport",
                ],
                &["request_id", "provider_response_fingerprint", "transport"],
            )?
            .did("gateway_id")?
            .date_time("observed_at")?
            .object("transport")?;
    }
    o.object("artifacts")?.object("metadata")?;
    Ok(())
}
