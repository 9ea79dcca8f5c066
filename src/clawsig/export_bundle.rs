//! Clawsig export bundles (`export_bundle.v1`, wire-format §5.1): a signed, content-addressed
//! package of one proof bundle and its execution / derivation / audit-result attestations.
//!
//! Order (the reference's, first failure wins): schema → issuer DID → dates (created ≤ issued,
//! not issued in the future, not expired; 300 s skew) → manifest (JCS hash, size, path and
//! content type of every artifact) → JCS bundle hash → issuer signature → nested proof bundle
//! (its own code) → attestations and their cross-links → (CLI) strict receipt rule.

use std::collections::HashSet;

use crate::context::VerifyContext;
use crate::crypto::{self, b64u_decode, sha256_b64u, verify_strict};
use crate::json::{jcs, Object, Value};
use crate::reason::ReasonCode;
use crate::report::{Failure, Findings, Kind, SubjectReport};
use crate::timeutil::{format_rfc3339, parse_rfc3339, Millis};

use super::attestation_envelopes::{self as attestations, AttestationKind};
use super::envelope::{self, describe};
use super::proof_bundle::{verify_proof_bundle, ProofBundleOptions};
use super::shape;
use super::tiers::ProofTier;
use crate::schema_rules::{Obj, Path, RuleResult, SchemaViolation};

/// Skew the reference allows on export and aggregate dates.
pub const TTL_SKEW_MS: Millis = 300_000;
/// Attestation envelopes per kind (the schema sets no limit; we bound the work).
pub const MAX_ATTESTATIONS_PER_KIND: usize = 1000;
/// Manifest entries: one per artifact at most.
pub const MAX_MANIFEST_ENTRIES: usize = 1 + 3 * MAX_ATTESTATIONS_PER_KIND;

const KEYS: [&str; 13] = [
    "export_version",
    "export_id",
    "created_at",
    "issuer_did",
    "manifest",
    "artifacts",
    "bundle_hash_b64u",
    "hash_algorithm",
    "signature_b64u",
    "algorithm",
    "issued_at",
    "expires_at",
    "metadata",
];

/// What verifying one export bundle produced.
#[derive(Debug)]
pub struct ExportOutcome {
    pub findings: Findings,
    pub failure: Option<Failure>,
    /// The nested proof bundle's tier, once it verified.
    pub proof_tier: Option<ProofTier>,
}

fn schema_failure(detail: String) -> Failure {
    Failure::new("export.schema", ReasonCode::SchemaValidationFailed, detail)
}

/// The closed `export_bundle.v1` shape, including the envelope shapes of the artifacts it
/// references (their deeper payload rules are checked by their own verifiers).
pub fn check_schema(o: &Obj<'_, '_>) -> RuleResult {
    o.closed_optional(&KEYS, &["expires_at", "metadata"])?
        .konst("export_version", "1")?
        .str_min("export_id", 1)?
        .date_time("created_at")?
        .did("issuer_did")?;
    if let Some(manifest) = o.get("manifest") {
        shape::manifest(manifest, MAX_MANIFEST_ENTRIES, &o.at("manifest"))?;
    }
    let artifacts = o.req_child("artifacts")?;
    let mut allowed = vec!["proof_bundle_envelope"];
    allowed.extend(AttestationKind::ALL.iter().map(|k| k.artifacts_key()));
    artifacts.closed(&allowed)?.required(&["proof_bundle_envelope"])?;
    shape::proof_bundle_envelope(&artifacts.req_child("proof_bundle_envelope")?)?;
    for kind in AttestationKind::ALL {
        artifacts.each(kind.artifacts_key(), 0, MAX_ATTESTATIONS_PER_KIND, |item, at| {
            attestations::envelope_schema(kind, item, at)
        })?;
    }
    o.b64u("bundle_hash_b64u")?
        .one_of("hash_algorithm", &["SHA-256"])?
        .b64u("signature_b64u")?
        .one_of("algorithm", &["Ed25519"])?
        .date_time("issued_at")?
        .date_time("expires_at")?
        .object("metadata")?;
    Ok(())
}

/// `sha256_b64u(JCS(artifact))` and the byte length of that JCS text.
pub fn content_address(artifact: &Value) -> (String, usize) {
    let text = jcs::to_string(artifact);
    (sha256_b64u(text.as_bytes()), text.len())
}

/// The manifest an export bundle must carry: one entry per artifact, sorted by path.
pub fn expected_manifest(artifacts: &Object) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    if let Some(pb) = artifacts.get("proof_bundle_envelope") {
        let (hash, size) = content_address(pb);
        out.push(("artifacts/proof_bundle_envelope.json".to_string(), hash, size));
    }
    for kind in AttestationKind::ALL {
        let key = kind.artifacts_key();
        for (i, item) in artifacts
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let (hash, size) = content_address(item);
            out.push((format!("artifacts/{key}/{i}.json"), hash, size));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Check manifest entries against what the artifacts hash to, with the export codes.
fn check_manifest(manifest: &Value, artifacts: &Object) -> Result<usize, Failure> {
    let entries: &[Value] = manifest
        .get("entries")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let mut seen = HashSet::new();
    for e in entries {
        let path = e.get("path").and_then(Value::as_str).unwrap_or("");
        if !seen.insert(path) {
            return Err(Failure::new(
                "export.manifest",
                ReasonCode::MalformedEnvelope,
                format!("the export manifest lists {path:?} twice"),
            ));
        }
    }
    let expected = expected_manifest(artifacts);
    if entries.len() != expected.len() {
        return Err(Failure::new(
            "export.manifest",
            ReasonCode::MissingRequiredField,
            format!(
                "the export manifest has {} entries, the bundle carries {} artifacts",
                entries.len(),
                expected.len()
            ),
        ));
    }
    for (path, hash, size) in &expected {
        let actual = entries
            .iter()
            .find(|e| e.get("path").and_then(Value::as_str) == Some(path))
            .ok_or_else(|| {
                Failure::new(
                    "export.manifest",
                    ReasonCode::MissingRequiredField,
                    format!("the export manifest has no entry for {path}"),
                )
            })?;
        let wrong =
            |code: ReasonCode, detail: String| Failure::new("export.manifest", code, detail).at_path(path.as_str());
        if actual.get("sha256_b64u").and_then(Value::as_str) != Some(hash) {
            return Err(wrong(
                ReasonCode::HashMismatch,
                format!(
                    "the manifest says {path} hashes to {}, its JCS form hashes to {hash}",
                    describe(actual.get("sha256_b64u"))
                ),
            ));
        }
        if actual.get("content_type").and_then(Value::as_str) != Some("application/json") {
            return Err(wrong(
                ReasonCode::MalformedEnvelope,
                format!(
                    "the manifest gives {path} content_type {}, expected \"application/json\"",
                    describe(actual.get("content_type"))
                ),
            ));
        }
        if actual.get("size_bytes").and_then(Value::as_f64) != Some(*size as f64) {
            return Err(wrong(
                ReasonCode::HashMismatch,
                format!(
                    "the manifest gives {path} size_bytes {}, its JCS form is {size} bytes",
                    describe(actual.get("size_bytes"))
                ),
            ));
        }
    }
    Ok(expected.len())
}

/// The JCS view the export signature covers (hash, algorithm and signature fields excluded).
pub fn signable_view(obj: &Object) -> Value {
    let mut view = Object::new();
    for key in [
        "export_version",
        "export_id",
        "created_at",
        "issuer_did",
        "manifest",
        "artifacts",
        "issued_at",
        "expires_at",
        "metadata",
    ] {
        if let Some(v) = obj.get(key) {
            view.insert(key, v.clone());
        }
    }
    Value::Object(view)
}

/// `bundle_hash_b64u` as the producer must compute it.
pub fn bundle_hash(obj: &Object) -> String {
    sha256_b64u(jcs::to_string(&signable_view(obj)).as_bytes())
}

fn date(obj: &Object, key: &str) -> Option<Millis> {
    obj.get(key).and_then(Value::as_str).and_then(parse_rfc3339)
}

/// Creation, issue and expiry times against `ctx.at` (shared with aggregate bundles).
pub fn check_dates(
    created_at: Millis,
    issued_at: Millis,
    expires: &[(&str, Option<Millis>)],
    ctx: &VerifyContext,
    what: &str,
) -> Result<(), Failure> {
    if created_at > issued_at {
        return Err(Failure::new(
            "dates.created_at",
            ReasonCode::CausalClockContradiction,
            format!(
                "the {what} was created at {} but issued earlier, at {}",
                format_rfc3339(created_at),
                format_rfc3339(issued_at)
            ),
        ));
    }
    if issued_at > ctx.at.saturating_add(TTL_SKEW_MS) {
        return Err(Failure::new(
            "dates.issued_at",
            ReasonCode::FutureTimestampPoisoning,
            format!(
                "the {what} claims to be issued at {}, after the verification time {} plus 5 minutes",
                format_rfc3339(issued_at),
                format_rfc3339(ctx.at)
            ),
        ));
    }
    for (field, exp) in expires {
        if let Some(exp) = exp {
            if ctx.at > exp.saturating_add(TTL_SKEW_MS) {
                return Err(Failure::new(
                    "dates.expires_at",
                    ReasonCode::ExpiredTtl,
                    format!(
                        "the {what} expired at {} ({field}; verification time {})",
                        format_rfc3339(*exp),
                        format_rfc3339(ctx.at)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Verify an export bundle (the object itself, not the fixture wrapper). `strict` applies
/// the CLI's strict receipt rule to the nested proof bundle; aggregates verify members
/// without it, as the reference does.
pub fn verify_export_bundle(value: &Value, ctx: &VerifyContext, strict: bool) -> ExportOutcome {
    let mut out = ExportOutcome {
        findings: Findings::new(),
        failure: None,
        proof_tier: None,
    };
    if let Err(failure) = check_export(value, ctx, strict, &mut out) {
        out.findings.record(&failure);
        out.failure = Some(failure);
    }
    out
}

fn check_export(value: &Value, ctx: &VerifyContext, strict: bool, out: &mut ExportOutcome) -> Result<(), Failure> {
    let schema =
        |v: SchemaViolation| v.into_failure("export.schema", ReasonCode::SchemaValidationFailed, "export bundle");
    let o = Obj::new(value, Path::ROOT).map_err(schema)?;
    check_schema(&o).map_err(schema)?;
    let obj = o.o;
    out.findings
        .pass("export.schema", "the bundle has the export_bundle.v1 shape");

    let issuer = obj.get("issuer_did").and_then(Value::as_str).unwrap_or("");
    if !crypto::did::is_valid_did_syntax(issuer) {
        return Err(Failure::new(
            "export.issuer_did",
            ReasonCode::InvalidDidFormat,
            format!("the export bundle's issuer_did {issuer:?} is not a valid DID"),
        ));
    }
    // The schema step already required RFC 3339 for these.
    let (created, issued) = match (date(obj, "created_at"), date(obj, "issued_at")) {
        (Some(c), Some(i)) => (c, i),
        _ => {
            return Err(Failure::new(
                "export.dates",
                ReasonCode::MalformedEnvelope,
                "the export bundle's created_at or issued_at is not a date-time",
            ))
        }
    };
    check_dates(
        created,
        issued,
        &[("expires_at", date(obj, "expires_at"))],
        ctx,
        "export bundle",
    )?;
    out.findings.pass(
        "export.dates",
        "created ≤ issued, not issued in the future, not expired",
    );

    let artifacts = obj
        .get("artifacts")
        .and_then(Value::as_object)
        .ok_or_else(|| schema_failure("artifacts must be an object".into()))?;
    let count = check_manifest(obj.get("manifest").unwrap_or(&Value::Null), artifacts)?;
    out.findings.pass(
        "export.manifest",
        format!("{count} manifest entries match the artifacts (JCS hash and size)"),
    );

    let computed = bundle_hash(obj);
    let claimed = obj.get("bundle_hash_b64u").and_then(Value::as_str).unwrap_or("");
    if computed != claimed {
        return Err(Failure::new(
            "export.bundle_hash",
            ReasonCode::HashMismatch,
            format!("the export bundle hashes to {computed} (JCS), but bundle_hash_b64u says {claimed}"),
        ));
    }
    let key = envelope::signer_key(issuer, "export bundle").map_err(|mut f| {
        f.check = "export.signature";
        f
    })?;
    let sig_text = obj.get("signature_b64u").and_then(Value::as_str).unwrap_or("");
    let sig = b64u_decode(sig_text).map_err(|_| {
        Failure::new(
            "export.signature",
            ReasonCode::MalformedEnvelope,
            "the export bundle's signature_b64u is not canonical base64url",
        )
    })?;
    verify_strict(&key, claimed.as_bytes(), &sig).map_err(|e| {
        Failure::new(
            "export.signature",
            ReasonCode::SignatureInvalid,
            format!("the export bundle's signature does not verify under issuer {issuer} ({e})"),
        )
    })?;
    out.findings.pass(
        "export.signature",
        format!("bundle hash {claimed} is signed by issuer {issuer}"),
    );

    let proof_value = artifacts.get("proof_bundle_envelope").unwrap_or(&Value::Null);
    let proof_at = "artifacts.proof_bundle_envelope";
    let opts = ProofBundleOptions {
        strict_receipts: false,
        urm: None,
        ttl_skew_ms: TTL_SKEW_MS,
    };
    let nested = verify_proof_bundle(proof_value, ctx, &opts);
    if let Some(f) = nested.failure {
        let artifact = f.json_path().unwrap_or(proof_at).to_string();
        return Err(f.at_path(artifact));
    }
    out.findings.pass_at_path(
        "export.proof_bundle",
        proof_at,
        format!(
            "the nested proof bundle verified (proof tier {})",
            nested.proof_tier.as_str()
        ),
    );
    out.proof_tier = Some(nested.proof_tier);

    check_attestation_links(proof_value, artifacts, ctx, &mut out.findings)?;

    if strict {
        let strict_opts = ProofBundleOptions {
            strict_receipts: true,
            ..opts
        };
        let again = verify_proof_bundle(proof_value, ctx, &strict_opts);
        if let Some(f) = again.failure {
            let artifact = f.json_path().unwrap_or(proof_at).to_string();
            return Err(f.at_path(artifact));
        }
        out.findings.pass_at_path(
            "export.strict_receipts",
            proof_at,
            "every bound gateway receipt verified",
        );
    }
    Ok(())
}

fn cross_link(detail: String, artifact: String) -> Failure {
    Failure::new("export.attestation_link", ReasonCode::HashMismatch, detail).at_path(artifact)
}

/// Attestations, each tied to the nested proof bundle (§5.1 step 4).
fn check_attestation_links(
    proof_value: &Value,
    artifacts: &Object,
    ctx: &VerifyContext,
    findings: &mut Findings,
) -> Result<(), Failure> {
    let bundle_hash = proof_value
        .get("payload_hash_b64u")
        .and_then(Value::as_str)
        .unwrap_or("");
    let payload = proof_value.get("payload");
    let agent = payload.and_then(|p| p.get("agent_did")).and_then(Value::as_str);
    let run_id = payload
        .and_then(|p| p.get("event_chain"))
        .and_then(Value::as_array)
        .and_then(|chain| chain.first())
        .and_then(|e| e.get("run_id"))
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty());
    for kind in AttestationKind::ALL {
        let key = kind.artifacts_key();
        for (i, item) in artifacts
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let at = format!("artifacts.{key}[{i}]");
            let p = attestations::verify_attestation(kind, item, ctx, &at, findings)?;
            let text = |k: &str| p.get(k).and_then(Value::as_str);
            if kind == AttestationKind::Execution {
                if text("proof_bundle_hash_b64u") != Some(bundle_hash) {
                    return Err(cross_link(
                        format!("the execution attestation's proof_bundle_hash_b64u {} is not the proof bundle's payload hash {bundle_hash}", describe(p.get("proof_bundle_hash_b64u"))),
                        at,
                    ));
                }
                if let Some(run) = run_id {
                    if text("run_id") != Some(run) {
                        return Err(cross_link(
                            format!(
                                "the execution attestation's run_id {} is not the proof bundle's run {run}",
                                describe(p.get("run_id"))
                            ),
                            at,
                        ));
                    }
                }
                if text("agent_did") != agent {
                    return Err(cross_link(
                        format!(
                            "the execution attestation's agent_did {} is not the proof bundle's agent",
                            describe(p.get("agent_did"))
                        ),
                        at,
                    ));
                }
            } else if let Some(linked) = p
                .get("execution")
                .and_then(|e| e.get("proof_bundle_hash_b64u"))
                .and_then(Value::as_str)
                .filter(|h| !h.is_empty())
            {
                if linked != bundle_hash {
                    return Err(cross_link(
                        format!("execution.proof_bundle_hash_b64u {linked} is not the proof bundle's payload hash {bundle_hash}"),
                        at,
                    ));
                }
            }
            findings.pass_at_path(
                "export.attestation_link",
                &at,
                "the attestation is tied to this proof bundle",
            );
        }
    }
    Ok(())
}

/// Subject-level verification: accepts the fixture wrapper `{vector_version, description, bundle}`.
pub fn verify_subject(path: &str, value: &Value, ctx: &VerifyContext) -> SubjectReport {
    let bundle = value.get("bundle").unwrap_or(value);
    let outcome = verify_export_bundle(bundle, ctx, true);
    let mut report = SubjectReport::from_findings(path, Kind::ExportBundle, outcome.findings);
    if let Some(tier) = outcome.proof_tier {
        report.proof_tier = Some(tier.as_str().to_string());
    }
    if let Some(id) = bundle.get("export_id").and_then(Value::as_str) {
        report.facts.export_id = Some(id.to_string());
    }
    report
}
