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
use crate::schema_rules::{self as rules, RuleResult};

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
pub fn envelope_schema(kind: AttestationKind, value: &Value, at: &str) -> RuleResult {
    let obj = value.as_object().ok_or_else(|| format!("{at} must be an object"))?;
    // The attestation envelope schemas allow no `expires_at`.
    shape::signed_envelope(obj, &envelope::REQUIRED_KEYS, kind.envelope_type(), at)?;
    let payload = obj
        .get("payload")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{at}.payload must be an object"))?;
    let at = format!("{at}.payload");
    match kind {
        AttestationKind::Execution => execution_payload(payload, &at),
        AttestationKind::Derivation => derivation_payload(payload, &at),
        AttestationKind::AuditResult => audit_result_payload(payload, &at),
    }
}

fn execution_payload(p: &Object, at: &str) -> RuleResult {
    rules::closed_keys_optional(
        p,
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
        at,
    )?;
    rules::constant(p, "attestation_version", "1", at)?;
    rules::string(p, "attestation_id", 1, at)?;
    rules::opt_one_of(p, "execution_type", &["sandbox_execution", "tee_execution"], at)?;
    rules::did(p, "agent_did", at)?;
    rules::did(p, "attester_did", at)?;
    rules::string(p, "run_id", 0, at)?;
    rules::b64u(p, "proof_bundle_hash_b64u", 8, at)?;
    if let Some(h) = rules::opt_object(p, "harness", at)? {
        let here = format!("{at}.harness");
        rules::closed_keys(h, &["id", "version", "runtime", "config_hash_b64u"], &[], &here)?;
        for k in ["id", "version", "runtime"] {
            rules::string(h, k, 0, &here)?;
        }
        rules::b64u(h, "config_hash_b64u", 1, &here)?;
    }
    let runtime = rules::opt_object(p, "runtime_metadata", at)?;
    let tee = match runtime {
        Some(r) => rules::opt_object(r, "tee", &format!("{at}.runtime_metadata"))?,
        None => None,
    };
    if p.get("execution_type").and_then(Value::as_str) == Some("tee_execution") {
        let tee = tee.ok_or_else(|| format!("{at}: a tee_execution needs runtime_metadata.tee"))?;
        let here = format!("{at}.runtime_metadata.tee");
        rules::closed_keys_optional(
            tee,
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
            &here,
        )?;
    }
    rules::date_time(p, "issued_at", at)?;
    rules::date_time(p, "expires_at", at)?;
    rules::opt_object(p, "metadata", at)?;
    Ok(())
}

fn clawlogs(p: &Object, at: &str) -> RuleResult {
    if let Some(c) = rules::opt_object(p, "clawlogs", at)? {
        let here = format!("{at}.clawlogs");
        rules::closed_keys(c, &["log_entry_hash_b64u", "inclusion_proof"], &[], &here)?;
        rules::b64u(c, "log_entry_hash_b64u", 8, &here)?;
        // The proof's own schema is checked by the log-proof verifier (same code).
        rules::opt_object(c, "inclusion_proof", &here)?;
    }
    Ok(())
}

fn execution_ref(p: &Object, at: &str) -> RuleResult {
    if let Some(e) = rules::opt_object(p, "execution", at)? {
        let here = format!("{at}.execution");
        rules::closed_keys(
            e,
            &["execution_attestation_hash_b64u", "proof_bundle_hash_b64u"],
            &[],
            &here,
        )?;
        rules::b64u(e, "execution_attestation_hash_b64u", 8, &here)?;
        rules::b64u(e, "proof_bundle_hash_b64u", 8, &here)?;
    }
    Ok(())
}

fn derivation_payload(p: &Object, at: &str) -> RuleResult {
    rules::closed_keys_optional(
        p,
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
        at,
    )?;
    rules::constant(p, "derivation_version", "1", at)?;
    rules::string(p, "derivation_id", 1, at)?;
    rules::date_time(p, "issued_at", at)?;
    for k in ["input_model", "output_model"] {
        if let Some(m) = p.get(k) {
            shape::model_identity(m, &format!("{at}.{k}"))?;
        }
    }
    if let Some(t) = rules::opt_object(p, "transform", at)? {
        let here = format!("{at}.transform");
        rules::closed_keys_optional(
            t,
            &["kind", "code_hash_b64u", "params_hash_b64u", "build_steps"],
            &["code_hash_b64u", "params_hash_b64u", "build_steps"],
            &here,
        )?;
        rules::string(t, "kind", 1, &here)?;
        rules::b64u(t, "code_hash_b64u", 8, &here)?;
        rules::b64u(t, "params_hash_b64u", 8, &here)?;
        let steps = rules::array(t, "build_steps", 0, usize::MAX, &here)?;
        if steps.iter().any(|s| s.as_str().is_none()) {
            return Err(format!("{here}.build_steps must hold strings"));
        }
    }
    for (i, a) in rules::array(p, "artifacts", 0, usize::MAX, at)?.iter().enumerate() {
        let here = format!("{at}.artifacts[{i}]");
        let a = a.as_object().ok_or_else(|| format!("{here} must be an object"))?;
        rules::closed_keys_optional(
            a,
            &["type", "hash_b64u", "uri", "content_type"],
            &["uri", "content_type"],
            &here,
        )?;
        rules::string(a, "type", 1, &here)?;
        rules::b64u(a, "hash_b64u", 8, &here)?;
        rules::string(a, "uri", 0, &here)?;
        rules::string(a, "content_type", 0, &here)?;
    }
    execution_ref(p, at)?;
    clawlogs(p, at)?;
    rules::opt_object(p, "metadata", at)?;
    Ok(())
}

fn audit_result_payload(p: &Object, at: &str) -> RuleResult {
    rules::closed_keys_optional(
        p,
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
        at,
    )?;
    if let Some(pack) = rules::opt_object(p, "audit_pack", at)? {
        let here = format!("{at}.audit_pack");
        rules::closed_keys_optional(
            pack,
            &["pack_id", "pack_version", "pack_hash_b64u"],
            &["pack_id", "pack_version"],
            &here,
        )?;
        rules::string(pack, "pack_id", 0, &here)?;
        rules::string(pack, "pack_version", 0, &here)?;
        rules::b64u(pack, "pack_hash_b64u", 8, &here)?;
    }
    rules::constant(p, "audit_version", "1", at)?;
    rules::string(p, "audit_id", 1, at)?;
    rules::date_time(p, "issued_at", at)?;
    rules::date_time(p, "expires_at", at)?;
    if let Some(m) = p.get("model") {
        shape::model_identity(m, &format!("{at}.model"))?;
    }
    rules::b64u(p, "derivation_attestation_hash_b64u", 8, at)?;
    if let Some(code) = rules::opt_object(p, "audit_code", at)? {
        let here = format!("{at}.audit_code");
        rules::closed_keys_optional(
            code,
            &["repo_uri", "commit_sha", "code_hash_b64u", "uri"],
            &["repo_uri", "commit_sha", "uri"],
            &here,
        )?;
        rules::string(code, "repo_uri", 1, &here)?;
        rules::string(code, "commit_sha", 0, &here)?;
        rules::b64u(code, "code_hash_b64u", 8, &here)?;
        rules::string(code, "uri", 0, &here)?;
    }
    if let Some(ds) = rules::opt_object(p, "dataset", at)? {
        let here = format!("{at}.dataset");
        rules::closed_keys_optional(
            ds,
            &["dataset_id", "dataset_hash_b64u", "access", "uri"],
            &["uri"],
            &here,
        )?;
        rules::string(ds, "dataset_id", 1, &here)?;
        rules::b64u(ds, "dataset_hash_b64u", 8, &here)?;
        rules::opt_one_of(ds, "access", &["public", "confidential"], &here)?;
        rules::string(ds, "uri", 0, &here)?;
    }
    if let Some(proto) = rules::opt_object(p, "protocol", at)? {
        let here = format!("{at}.protocol");
        rules::closed_keys_optional(proto, &["name", "config_hash_b64u", "seed"], &["seed"], &here)?;
        rules::string(proto, "name", 1, &here)?;
        rules::b64u(proto, "config_hash_b64u", 8, &here)?;
        rules::number_min(proto, "seed", f64::MIN, &here)?;
    }
    if let Some(result) = rules::opt_object(p, "result", at)? {
        let here = format!("{at}.result");
        rules::closed_keys_optional(result, &["status", "results_hash_b64u", "summary"], &["summary"], &here)?;
        rules::opt_one_of(result, "status", &["pass", "fail", "warn"], &here)?;
        rules::b64u(result, "results_hash_b64u", 8, &here)?;
        rules::opt_object(result, "summary", &here)?;
    }
    execution_ref(p, at)?;
    clawlogs(p, at)?;
    rules::opt_object(p, "metadata", at)?;
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
    envelope_schema(kind, value, artifact)
        .map_err(|m| Failure::new("attestation.schema", ReasonCode::SchemaValidationFailed, m).at_path(artifact))?;
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
