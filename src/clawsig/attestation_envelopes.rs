//! Execution, derivation and audit-result attestation envelopes (wire-format §5.2), as carried
//! by export bundles. Each is a standard SignedEnvelope signed by a key from its own allowlist
//! (empty allowlist → `DEPENDENCY_NOT_CONFIGURED`, signer not listed → `CLAIM_NOT_FOUND`);
//! derivation and audit-result payloads may embed a clawlogs inclusion proof, which must verify.

use crate::context::VerifyContext;
use crate::json::{Object, Value};
use crate::reason::ReasonCode;
use crate::report::{CheckStatus, Failure, Findings, Location};
use crate::trust::TrustEntry;

use super::envelope::{self, HeaderRules};
use super::log_proof;
use super::shape;
use crate::schema_rules::{schema_failure, text, Obj, Path, RuleResult, SchemaViolation};

/// The three attestation kinds an export bundle may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttestationKind {
    Execution,
    Derivation,
    AuditResult,
}

impl AttestationKind {
    pub fn envelope_type(self) -> &'static str {
        match self {
            AttestationKind::Execution => "execution_attestation",
            AttestationKind::Derivation => "derivation_attestation",
            AttestationKind::AuditResult => "audit_result_attestation",
        }
    }

    /// The export-bundle field holding this kind.
    pub fn artifacts_key(self) -> &'static str {
        match self {
            AttestationKind::Execution => "execution_attestation_envelopes",
            AttestationKind::Derivation => "derivation_attestation_envelopes",
            AttestationKind::AuditResult => "audit_result_attestation_envelopes",
        }
    }

    fn label(self) -> &'static str {
        match self {
            AttestationKind::Execution => "execution attestation",
            AttestationKind::Derivation => "derivation attestation",
            AttestationKind::AuditResult => "audit-result attestation",
        }
    }

    fn allowlist(self, ctx: &VerifyContext) -> &[TrustEntry] {
        match self {
            AttestationKind::Execution => &ctx.trust.execution_attesters,
            AttestationKind::Derivation => &ctx.trust.derivation_attesters,
            AttestationKind::AuditResult => &ctx.trust.audit_result_attesters,
        }
    }

    fn allowlist_name(self) -> &'static str {
        match self {
            AttestationKind::Execution => "execution_attestation_signer_dids",
            AttestationKind::Derivation => "derivation_attestation_signer_dids",
            AttestationKind::AuditResult => "audit_result_attestation_signer_dids",
        }
    }

    pub const ALL: [AttestationKind; 3] = [
        AttestationKind::Execution,
        AttestationKind::Derivation,
        AttestationKind::AuditResult,
    ];
}

/// The envelope schema of one attestation (`*_attestation_envelope.v1`), payload included.
pub fn envelope_schema(kind: AttestationKind, value: &Value, at: &Path<'_>) -> RuleResult {
    let o = Obj::new(value, at)?;
    // The attestation envelope schemas allow no `expires_at`.
    shape::signed_envelope(&o, &envelope::REQUIRED_KEYS, "1", kind.envelope_type())?;
    let p = o.req_child("payload")?;
    match kind {
        AttestationKind::Execution => execution_payload(&p),
        AttestationKind::Derivation => derivation_payload(&p),
        AttestationKind::AuditResult => audit_result_payload(&p),
    }
}

fn execution_payload(p: &Obj<'_, '_>) -> RuleResult {
    p.closed_optional(
        &[
            "attestation_version",
            "attestation_id",
            "execution_type",
            "agent_did",
            "attester_did",
            "run_id",
            "proof_bundle_hash_b64u",
            "harness",
            "runtime_metadata",
            "issued_at",
            "expires_at",
            "metadata",
        ],
        &[
            "run_id",
            "proof_bundle_hash_b64u",
            "harness",
            "runtime_metadata",
            "expires_at",
            "metadata",
        ],
    )?
    .konst("attestation_version", "1")?
    .str_min("attestation_id", 1)?
    .one_of("execution_type", &["sandbox_execution", "tee_execution"])?
    .did("agent_did")?
    .did("attester_did")?
    .str_any("run_id")?
    .b64u("proof_bundle_hash_b64u")?;
    if let Some(h) = p.child("harness")? {
        h.closed(&["id", "version", "runtime", "config_hash_b64u"])?
            .str_any("id")?
            .str_any("version")?
            .str_any("runtime")?
            .b64u_min("config_hash_b64u", 1)?;
    }
    let runtime = p.child("runtime_metadata")?;
    let tee = match &runtime {
        Some(r) => r.child("tee")?,
        None => None,
    };
    if p.get("execution_type").and_then(Value::as_str) == Some("tee_execution") {
        let tee = tee.ok_or_else(|| {
            SchemaViolation::new(p.at("runtime_metadata"), "must have a tee object for a tee_execution")
        })?;
        tee.closed_optional(
            &[
                "attestation_type",
                "root_id",
                "tcb_version",
                "evidence_ref",
                "nonce_binding_b64u",
                "measurements",
                "tcb",
                "metadata",
            ],
            &["nonce_binding_b64u", "tcb", "metadata"],
        )?;
    }
    p.date_time("issued_at")?.date_time("expires_at")?.object("metadata")?;
    Ok(())
}

fn clawlogs(p: &Obj<'_, '_>) -> RuleResult {
    if let Some(c) = p.child("clawlogs")? {
        c.closed(&["log_entry_hash_b64u", "inclusion_proof"])?
            .b64u("log_entry_hash_b64u")?
            // The proof's own schema is checked by the log-proof verifier (same code).
            .object("inclusion_proof")?;
    }
    Ok(())
}

fn execution_ref(p: &Obj<'_, '_>) -> RuleResult {
    if let Some(e) = p.child("execution")? {
        e.closed(&["execution_attestation_hash_b64u", "proof_bundle_hash_b64u"])?
            .b64u("execution_attestation_hash_b64u")?
            .b64u("proof_bundle_hash_b64u")?;
    }
    Ok(())
}

fn derivation_payload(p: &Obj<'_, '_>) -> RuleResult {
    p.closed_optional(
        &[
            "derivation_version",
            "derivation_id",
            "issued_at",
            "input_model",
            "output_model",
            "transform",
            "artifacts",
            "execution",
            "clawlogs",
            "metadata",
        ],
        &["artifacts", "execution", "clawlogs", "metadata"],
    )?
    .konst("derivation_version", "1")?
    .str_min("derivation_id", 1)?
    .date_time("issued_at")?;
    for k in ["input_model", "output_model"] {
        if let Some(m) = p.get(k) {
            shape::model_identity(m, &p.at(k))?;
        }
    }
    if let Some(t) = p.child("transform")? {
        t.closed_optional(
            &["kind", "code_hash_b64u", "params_hash_b64u", "build_steps"],
            &["code_hash_b64u", "params_hash_b64u", "build_steps"],
        )?
        .str_min("kind", 1)?
        .b64u("code_hash_b64u")?
        .b64u("params_hash_b64u")?
        .each("build_steps", 0, usize::MAX, |step, at| {
            text(step, 0, usize::MAX, at).map(drop)
        })?;
    }
    p.each("artifacts", 0, usize::MAX, |a, at| {
        Obj::new(a, at)?
            .closed_optional(&["type", "hash_b64u", "uri", "content_type"], &["uri", "content_type"])?
            .str_min("type", 1)?
            .b64u("hash_b64u")?
            .str_any("uri")?
            .str_any("content_type")?;
        Ok(())
    })?;
    execution_ref(p)?;
    clawlogs(p)?;
    p.object("metadata")?;
    Ok(())
}

fn audit_result_payload(p: &Obj<'_, '_>) -> RuleResult {
    p.closed_optional(
        &[
            "audit_pack",
            "audit_version",
            "audit_id",
            "issued_at",
            "expires_at",
            "model",
            "derivation_attestation_hash_b64u",
            "audit_code",
            "dataset",
            "protocol",
            "result",
            "execution",
            "clawlogs",
            "metadata",
        ],
        &[
            "audit_pack",
            "expires_at",
            "derivation_attestation_hash_b64u",
            "execution",
            "clawlogs",
            "metadata",
        ],
    )?;
    if let Some(pack) = p.child("audit_pack")? {
        pack.closed_optional(
            &["pack_id", "pack_version", "pack_hash_b64u"],
            &["pack_id", "pack_version"],
        )?
        .str_any("pack_id")?
        .str_any("pack_version")?
        .b64u("pack_hash_b64u")?;
    }
    p.konst("audit_version", "1")?
        .str_min("audit_id", 1)?
        .date_time("issued_at")?
        .date_time("expires_at")?;
    if let Some(m) = p.get("model") {
        shape::model_identity(m, &p.at("model"))?;
    }
    p.b64u("derivation_attestation_hash_b64u")?;
    if let Some(code) = p.child("audit_code")? {
        code.closed_optional(
            &["repo_uri", "commit_sha", "code_hash_b64u", "uri"],
            &["repo_uri", "commit_sha", "uri"],
        )?
        .str_min("repo_uri", 1)?
        .str_any("commit_sha")?
        .b64u("code_hash_b64u")?
        .str_any("uri")?;
    }
    if let Some(ds) = p.child("dataset")? {
        ds.closed_optional(&["dataset_id", "dataset_hash_b64u", "access", "uri"], &["uri"])?
            .str_min("dataset_id", 1)?
            .b64u("dataset_hash_b64u")?
            .one_of("access", &["public", "confidential"])?
            .str_any("uri")?;
    }
    if let Some(proto) = p.child("protocol")? {
        proto
            .closed_optional(&["name", "config_hash_b64u", "seed"], &["seed"])?
            .str_min("name", 1)?
            .b64u("config_hash_b64u")?
            .number("seed")?;
    }
    if let Some(result) = p.child("result")? {
        result
            .closed_optional(&["status", "results_hash_b64u", "summary"], &["summary"])?
            .one_of("status", &["pass", "fail", "warn"])?
            .b64u("results_hash_b64u")?
            .object("summary")?;
    }
    execution_ref(p)?;
    clawlogs(p)?;
    p.object("metadata")?;
    Ok(())
}

/// Verify one attestation envelope in the reference order: header, schema, allowlist, payload
/// hash, signature, then the embedded clawlogs proof. Returns the verified payload.
/// `artifact` names where it sits (e.g. `artifacts.derivation_attestation_envelopes[0]`).
pub fn verify_attestation<'a>(
    kind: AttestationKind,
    value: &'a Value,
    ctx: &VerifyContext,
    artifact: &str,
    findings: &mut Findings,
) -> Result<&'a Object, Failure> {
    let label = format!("{} {artifact}", kind.label());
    let env = envelope::parse_header(value, &HeaderRules::clawsig(kind.envelope_type()), &label)
        .map_err(|f| f.at_path(artifact))?;
    envelope_schema(kind, value, &Path::Text(artifact))
        .map_err(schema_failure("attestation.schema", "export bundle"))?;
    let allowlist = kind.allowlist(ctx);
    if allowlist.is_empty() {
        return Err(Failure::new(
            "attestation.allowlist",
            ReasonCode::DependencyNotConfigured,
            format!(
                "no {} signers are configured ({}), so the {label} cannot be trusted",
                kind.label(),
                kind.allowlist_name()
            ),
        )
        .at_path(artifact));
    }
    if !allowlist.iter().any(|e| e.did == env.signer_did) {
        return Err(Failure::new(
            "attestation.allowlist",
            ReasonCode::ClaimNotFound,
            format!(
                "the {label} is signed by {}, which is not an allowlisted {} signer",
                env.signer_did,
                kind.label()
            ),
        )
        .at_path(artifact));
    }
    env.check_payload_hash(&label).map_err(|f| f.at_path(artifact))?;
    env.verify_signature(&label).map_err(|f| f.at_path(artifact))?;
    findings.pass_at_path(
        "attestation.signature",
        artifact,
        format!("the {label} is signed by allowlisted {}", env.signer_did),
    );
    let payload = env.payload.as_object().ok_or_else(|| {
        Failure::new(
            "attestation.schema",
            ReasonCode::SchemaValidationFailed,
            format!("the {label}'s payload is not an object"),
        )
        .at_path(artifact)
    })?;
    if let Some(proof) = payload.get("clawlogs").and_then(|c| c.get("inclusion_proof")) {
        let (proof_findings, failure) = log_proof::verify_log_inclusion_proof(proof, ctx);
        let proof_at = format!("{artifact}.payload.clawlogs.inclusion_proof");
        // Keep the passes and the weak-evidence warning; the failure goes back to the caller.
        for mut check in proof_findings
            .checks
            .into_iter()
            .filter(|c| c.status != CheckStatus::Fail)
        {
            if check.location.is_subject() {
                check.location = Location::json(proof_at.clone());
            }
            findings.checks.push(check);
        }
        if let Some(f) = failure {
            return Err(f.at_path(proof_at));
        }
    }
    Ok(payload)
}
