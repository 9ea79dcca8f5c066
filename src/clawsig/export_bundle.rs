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
use crate::timeutil::{format_rfc3339, Millis};

use super::attestation_envelopes::{self as attestations, AttestationKind};
use super::envelope::{self, describe, describe_text};
use super::proof_bundle::{verify_proof_bundle, BundleSummary, ProofBundleOptions, ProofBundleOutcome};
use super::shape::{self, ManifestEntry};
use super::tiers::ProofTier;
use crate::schema_rules::{b64u, did, schema_failure, Obj, Path, RuleResult};

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
    /// What the nested proof bundle says once the whole export verified, or the first failure.
    pub result: Result<BundleSummary, Failure>,
    /// The nested proof bundle's tier, once it verified (reported even when a later check
    /// of the export fails).
    pub proof_tier: Option<ProofTier>,
}

/// What the checks after the schema read from an export bundle.
#[derive(Debug)]
pub struct ExportView<'v> {
    pub obj: &'v Object,
    pub issuer_did: &'v str,
    pub created_at: Millis,
    pub issued_at: Millis,
    pub expires_at: Option<Millis>,
    pub manifest: Vec<ManifestEntry<'v>>,
    pub artifacts: &'v Object,
    pub proof_bundle_envelope: &'v Value,
    pub bundle_hash_b64u: &'v str,
    pub signature_b64u: &'v str,
}

/// The closed `export_bundle.v1` shape, including the envelope shapes of the artifacts it
/// references (their deeper payload rules are checked by their own verifiers); its view.
pub fn check_schema<'v>(o: &Obj<'v, '_>) -> RuleResult<ExportView<'v>> {
    o.closed_optional(&KEYS, &["expires_at", "metadata"])?
        .konst("export_version", "1")?
        .str_min("export_id", 1)?;
    let created_at = o.time("created_at")?;
    let issuer_did = o.require("issuer_did", |v, at| did(v, at))?;
    let manifest = o.require("manifest", |v, at| shape::manifest(v, MAX_MANIFEST_ENTRIES, at))?;
    let artifacts = o.req_child("artifacts")?;
    let mut allowed = vec!["proof_bundle_envelope"];
    allowed.extend(AttestationKind::ALL.iter().map(|k| k.artifacts_key()));
    artifacts.closed(&allowed)?.required(&["proof_bundle_envelope"])?;
    let proof = artifacts.req_child("proof_bundle_envelope")?;
    shape::proof_bundle_envelope(&proof)?;
    for kind in AttestationKind::ALL {
        artifacts.each(kind.artifacts_key(), 0, MAX_ATTESTATIONS_PER_KIND, |item, at| {
            attestations::envelope_schema(kind, item, at)
        })?;
    }
    let bundle_hash_b64u = o.require("bundle_hash_b64u", |v, at| b64u(v, 8, at))?;
    o.one_of("hash_algorithm", &["SHA-256"])?;
    let signature_b64u = o.require("signature_b64u", |v, at| b64u(v, 8, at))?;
    o.one_of("algorithm", &["Ed25519"])?;
    let issued_at = o.time("issued_at")?;
    let expires_at = o.opt_time("expires_at")?;
    o.object("metadata")?;
    Ok(ExportView {
        obj: o.o,
        issuer_did,
        created_at,
        issued_at,
        expires_at,
        manifest,
        artifacts: artifacts.o,
        proof_bundle_envelope: proof_value(artifacts.o),
        bundle_hash_b64u,
        signature_b64u,
    })
}

/// `artifacts.proof_bundle_envelope` (`null` when there is none, which the schema refuses).
fn proof_value(artifacts: &Object) -> &Value {
    artifacts.get("proof_bundle_envelope").unwrap_or(&Value::Null)
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
fn check_manifest(entries: &[ManifestEntry<'_>], artifacts: &Object) -> Result<usize, Failure> {
    let mut seen = HashSet::new();
    for e in entries {
        if !seen.insert(e.path) {
            return Err(Failure::new(
                "export.manifest",
                ReasonCode::MalformedEnvelope,
                format!("the export manifest lists {:?} twice", e.path),
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
        let actual = entries.iter().find(|e| e.path == path).ok_or_else(|| {
            Failure::new(
                "export.manifest",
                ReasonCode::MissingRequiredField,
                format!("the export manifest has no entry for {path}"),
            )
        })?;
        let wrong =
            |code: ReasonCode, detail: String| Failure::new("export.manifest", code, detail).at_path(path.as_str());
        if actual.sha256_b64u != hash {
            return Err(wrong(
                ReasonCode::HashMismatch,
                format!(
                    "the manifest says {path} hashes to {}, its JCS form hashes to {hash}",
                    describe_text(actual.sha256_b64u)
                ),
            ));
        }
        if actual.content_type != "application/json" {
            return Err(wrong(
                ReasonCode::MalformedEnvelope,
                format!(
                    "the manifest gives {path} content_type {}, expected \"application/json\"",
                    describe_text(actual.content_type)
                ),
            ));
        }
        if actual.size_bytes != *size as f64 {
            return Err(wrong(
                ReasonCode::HashMismatch,
                format!(
                    "the manifest gives {path} size_bytes {}, its JCS form is {size} bytes",
                    actual.size_bytes
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
    let mut findings = Findings::new();
    let mut proof_tier = None;
    let result = check_export(value, ctx, strict, &mut findings, &mut proof_tier);
    if let Err(failure) = &result {
        findings.record(failure);
    }
    ExportOutcome {
        findings,
        result,
        proof_tier,
    }
}

/// Where the nested proof bundle sits.
const PROOF_AT: &str = "artifacts.proof_bundle_envelope";

fn check_export(
    value: &Value,
    ctx: &VerifyContext,
    strict: bool,
    findings: &mut Findings,
    proof_tier: &mut Option<ProofTier>,
) -> Result<BundleSummary, Failure> {
    let schema = schema_failure("export.schema", "export bundle");
    let o = Obj::new(value, Path::ROOT).map_err(schema)?;
    let view = check_schema(&o).map_err(schema)?;
    findings.pass("export.schema", "the bundle has the export_bundle.v1 shape");

    check_issuer_and_dates(&view, ctx)?;
    findings.pass(
        "export.dates",
        "created ≤ issued, not issued in the future, not expired",
    );

    let count = check_manifest(&view.manifest, view.artifacts)?;
    findings.pass(
        "export.manifest",
        format!("{count} manifest entries match the artifacts (JCS hash and size)"),
    );

    check_signature(&view)?;
    findings.pass(
        "export.signature",
        format!(
            "bundle hash {} is signed by issuer {}",
            view.bundle_hash_b64u, view.issuer_did
        ),
    );

    let nested = verify_nested(view.proof_bundle_envelope, ctx, false)?;
    findings.pass_at_path(
        "export.proof_bundle",
        PROOF_AT,
        format!(
            "the nested proof bundle verified (proof tier {})",
            nested.proof_tier.as_str()
        ),
    );
    *proof_tier = Some(nested.proof_tier);

    check_attestation_links(&nested.summary, view.artifacts, ctx, findings)?;

    if strict {
        verify_nested(view.proof_bundle_envelope, ctx, true)?;
        findings.pass_at_path(
            "export.strict_receipts",
            PROOF_AT,
            "every bound gateway receipt verified",
        );
    }
    Ok(nested.summary)
}

/// The issuer DID's syntax, then creation, issue and expiry times.
fn check_issuer_and_dates(view: &ExportView<'_>, ctx: &VerifyContext) -> Result<(), Failure> {
    let issuer = view.issuer_did;
    if !crypto::did::is_valid_did_syntax(issuer) {
        return Err(Failure::new(
            "export.issuer_did",
            ReasonCode::InvalidDidFormat,
            format!("the export bundle's issuer_did {issuer:?} is not a valid DID"),
        ));
    }
    check_dates(
        view.created_at,
        view.issued_at,
        &[("expires_at", view.expires_at)],
        ctx,
        "export bundle",
    )
}

/// The JCS bundle hash, then the issuer's signature over it.
fn check_signature(view: &ExportView<'_>) -> Result<(), Failure> {
    let computed = bundle_hash(view.obj);
    let claimed = view.bundle_hash_b64u;
    if computed != claimed {
        return Err(Failure::new(
            "export.bundle_hash",
            ReasonCode::HashMismatch,
            format!("the export bundle hashes to {computed} (JCS), but bundle_hash_b64u says {claimed}"),
        ));
    }
    let issuer = view.issuer_did;
    let key = envelope::signer_key(issuer, "export bundle").map_err(|mut f| {
        f.check = "export.signature";
        f
    })?;
    let sig = b64u_decode(view.signature_b64u).map_err(|_| {
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
    })
}

/// The nested proof bundle, verified with its own codes and located under the export.
fn verify_nested(proof: &Value, ctx: &VerifyContext, strict_receipts: bool) -> Result<ProofBundleOutcome, Failure> {
    let opts = ProofBundleOptions {
        strict_receipts,
        urm: None,
        ttl_skew_ms: TTL_SKEW_MS,
    };
    let mut nested = verify_proof_bundle(proof, ctx, &opts);
    match nested.failure.take() {
        None => Ok(nested),
        Some(f) => {
            let artifact = f.json_path().unwrap_or(PROOF_AT).to_string();
            Err(f.at_path(artifact))
        }
    }
}

fn cross_link(detail: String, artifact: &str) -> Failure {
    Failure::new("export.attestation_link", ReasonCode::HashMismatch, detail).at_path(artifact)
}

/// Attestations, each tied to the nested proof bundle (§5.1 step 4).
fn check_attestation_links(
    proof: &BundleSummary,
    artifacts: &Object,
    ctx: &VerifyContext,
    findings: &mut Findings,
) -> Result<(), Failure> {
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
            check_link(kind, p, proof, &at)?;
            findings.pass_at_path(
                "export.attestation_link",
                &at,
                "the attestation is tied to this proof bundle",
            );
        }
    }
    Ok(())
}

/// An execution attestation names the proof bundle's payload hash, run and agent; the
/// others may name its payload hash through `execution`.
fn check_link(kind: AttestationKind, p: &Object, proof: &BundleSummary, at: &str) -> Result<(), Failure> {
    let bundle_hash = proof.payload_hash_b64u.as_str();
    let text = |k: &str| p.get(k).and_then(Value::as_str);
    if kind != AttestationKind::Execution {
        if let Some(linked) = p
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
        return Ok(());
    }
    if text("proof_bundle_hash_b64u") != Some(bundle_hash) {
        return Err(cross_link(
            format!(
                "the execution attestation's proof_bundle_hash_b64u {} is not the proof bundle's payload hash {bundle_hash}",
                describe(p.get("proof_bundle_hash_b64u"))
            ),
            at,
        ));
    }
    if let Some(run) = proof.run_id.as_deref() {
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
    if text("agent_did") != Some(proof.agent_did.as_str()) {
        return Err(cross_link(
            format!(
                "the execution attestation's agent_did {} is not the proof bundle's agent",
                describe(p.get("agent_did"))
            ),
            at,
        ));
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
