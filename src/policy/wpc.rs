//! Work Policy Contracts (wire-format §4.1, spec 20 §2): schema rules of WPC v1 and v2, the
//! policy hash `sha256_b64u(JCS(payload))`, the signed WPC envelope (its `payload_hash_b64u`
//! IS the policy hash, and the signature is over the UTF-8 of that string), and check step 4
//! of sealed-bundle verification.

use crate::clawsig::envelope::{Envelope, REQUIRED_KEYS};
use crate::clawsig::producer::Signer;
use crate::context::VerifyContext;
use crate::json::Value;
use crate::reason::ReasonCode;
use crate::report::Findings;
use crate::signed_jcs::{jcs_hash, parse_jcs_header, sign_jcs};
use crate::timeutil::parse_rfc3339;

use super::extension::{parse_extension, Extension};
use super::Artifact;
use crate::schema_rules::{
    self as rules, closed, object, one_of, opt_array, opt_one_of, opt_str, req_str, required, text, Path,
    SchemaViolation,
};

pub const ENVELOPE_TYPE: &str = "work_policy_contract";

/// A policy that was read from a bundle, with what later checks need. Returned even when
/// some step-4 check failed (the failure is already recorded), so steps 5–7 can still run.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyInfo {
    /// `sha256_b64u(JCS(payload))`, recomputed.
    pub hash_b64u: String,
    pub issuer_did: String,
    pub policy_id: String,
    pub payload: Value,
    /// The parsed `metadata.clawaudit` extension, when present and valid.
    pub extension: Option<Extension>,
    /// Why the extension is invalid, when it is.
    pub extension_error: Option<String>,
}

/// `policy_hash_b64u = sha256_b64u(JCS(payload))`.
pub fn policy_hash(payload: &Value) -> String {
    jcs_hash(payload)
}

/// Check a WPC payload against the v1 or v2 schema. An unknown `policy_version` is
/// `UNKNOWN_VERSION`; anything else is `SCHEMA_VALIDATION_FAILED`.
pub fn validate_payload(payload: &Value) -> Result<(), (ReasonCode, SchemaViolation)> {
    let schema_err = |m: SchemaViolation| (ReasonCode::SchemaValidationFailed, m);
    let obj = object(payload, "the WPC payload").map_err(schema_err)?;
    match obj.get("policy_version").and_then(Value::as_str) {
        Some("1") => validate_v1(payload).map_err(schema_err),
        Some("2") => validate_v2(payload).map_err(schema_err),
        Some(other) => Err((
            ReasonCode::UnknownVersion,
            SchemaViolation::new(
                "wpc.policy_version",
                format!("is \"{}\", supported: \"1\", \"2\"", super::short(other)),
            ),
        )),
        None => Err(schema_err(SchemaViolation::new(
            "wpc.policy_version",
            "must be a string",
        ))),
    }
}

fn common(obj: &crate::json::Object, here: &str) -> rules::RuleResult {
    req_str(obj, "policy_id", 1, 128, here)?;
    let issuer = req_str(obj, "issuer_did", 4, 256, here)?;
    if !issuer.starts_with("did:") {
        return Err(SchemaViolation::new(
            format!("{here}.issuer_did"),
            "must be a string starting with \"did:\"",
        ));
    }
    if let Some(m) = obj.get("metadata") {
        object(m, &format!("{here}.metadata"))?;
    }
    Ok(())
}

fn validate_v1(payload: &Value) -> rules::RuleResult {
    let here = "wpc";
    let obj = object(payload, here)?;
    closed(
        obj,
        &[
            "policy_version",
            "policy_id",
            "issuer_did",
            "allowed_providers",
            "allowed_models",
            "minimum_model_identity_tier",
            "required_audit_packs",
            "redaction_rules",
            "receipt_privacy_mode",
            "egress_allowlist",
            "metadata",
        ],
        here,
    )?;
    required(obj, &["policy_version", "policy_id", "issuer_did"], here)?;
    common(obj, here)?;
    opt_array(obj, "allowed_providers", 0, 16, here, |v, h| {
        one_of(v, &["openai", "anthropic", "google"], h)
    })?;
    opt_array(obj, "allowed_models", 0, 256, here, |v, h| text(v, 1, 256, h).map(drop))?;
    opt_one_of(
        obj,
        "minimum_model_identity_tier",
        &[
            "closed_opaque",
            "closed_provider_manifest",
            "openweights_hashable",
            "tee_measured",
        ],
        here,
    )?;
    opt_array(obj, "required_audit_packs", 0, 64, here, |v, h| {
        let s = text(v, 8, 128, h)?;
        if crate::crypto::b64::is_b64u_syntax(s, 1) {
            Ok(())
        } else {
            Err(SchemaViolation::new(h, "must be a base64url string"))
        }
    })?;
    opt_array(obj, "redaction_rules", 0, 256, here, |v, h| {
        let rule = object(v, h)?;
        closed(rule, &["path", "action"], h)?;
        req_str(rule, "path", 1, 512, h)?;
        one_of(
            rule.get("action").unwrap_or(&Value::Null),
            &["remove", "hash", "mask"],
            &format!("{h}.action"),
        )
    })?;
    opt_one_of(obj, "receipt_privacy_mode", &["hash_only", "encrypted"], here)?;
    opt_array(obj, "egress_allowlist", 0, 256, here, |v, h| {
        text(v, 1, 256, h).map(drop)
    })
}

const CONDITION_OPERATORS: [&str; 9] = [
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericLessThan",
    "NumericGreaterThan",
    "Bool",
    "IpAddress",
];

fn validate_v2(payload: &Value) -> rules::RuleResult {
    let here = "wpc";
    let obj = object(payload, here)?;
    closed(
        obj,
        &[
            "policy_version",
            "policy_id",
            "issuer_did",
            "inherits",
            "coverage_enforcement",
            "witnessed_web_policy",
            "statements",
            "metadata",
        ],
        here,
    )?;
    required(obj, &["policy_version", "policy_id", "issuer_did", "statements"], here)?;
    common(obj, here)?;
    opt_str(obj, "inherits", 1, 128, here)?;
    opt_one_of(obj, "coverage_enforcement", &["observe", "warn", "enforce"], here)?;
    if let Some(w) = obj.get("witnessed_web_policy") {
        validate_witnessed_web(w, &format!("{here}.witnessed_web_policy"))?;
    }
    opt_array(obj, "statements", 1, 64, here, validate_statement)
}

fn validate_witnessed_web(v: &Value, here: &str) -> rules::RuleResult {
    let obj = object(v, here)?;
    closed(obj, &["mode", "quorum", "transparency"], here)?;
    opt_one_of(obj, "mode", &["warn", "enforce"], here)?;
    if let Some(q) = obj.get("quorum") {
        let h = format!("{here}.quorum");
        let q = object(q, &h)?;
        closed(q, &["m", "n"], &h)?;
        required(q, &["m", "n"], &h)?;
        for k in ["m", "n"] {
            if !q.get(k).and_then(Value::as_f64).is_some_and(|n| n >= 1.0) {
                return Err(SchemaViolation::new(format!("{h}.{k}"), "must be a number ≥ 1"));
            }
        }
    }
    if let Some(t) = obj.get("transparency") {
        let h = format!("{here}.transparency");
        let t = object(t, &h)?;
        closed(t, &["mode", "required_after"], &h)?;
        opt_one_of(t, "mode", &["optional", "warn", "enforce"], &h)?;
        if let Some(s) = opt_str(t, "required_after", 0, 64, &h)? {
            if parse_rfc3339(s).is_none() {
                return Err(SchemaViolation::new(
                    format!("{h}.required_after"),
                    "must be an RFC 3339 date-time",
                ));
            }
        }
    }
    Ok(())
}

fn validate_statement(v: &Value, here: &Path<'_>) -> rules::RuleResult {
    let obj = object(v, here)?;
    closed(obj, &["sid", "effect", "actions", "resources", "conditions"], here)?;
    required(obj, &["sid", "effect", "actions", "resources"], here)?;
    req_str(obj, "sid", 1, 128, here)?;
    opt_one_of(obj, "effect", &["Allow", "Deny"], here)?;
    opt_array(obj, "actions", 1, 64, here, |v, h| text(v, 1, 256, h).map(drop))?;
    opt_array(obj, "resources", 1, 256, here, |v, h| text(v, 1, 512, h).map(drop))?;
    if let Some(c) = obj.get("conditions") {
        let h = format!("{here}.conditions");
        let c = object(c, &h)?;
        closed(c, &CONDITION_OPERATORS, &h)?;
        for (op, map) in c.iter() {
            let hm = format!("{h}.{op}");
            let map = object(map, &hm)?;
            if map.len() > 16 {
                return Err(SchemaViolation::new(
                    &hm,
                    format!("has {} keys, at most 16 are allowed", map.len()),
                ));
            }
            for (k, value) in map.iter() {
                text(value, 0, 512, &format!("{hm}.{}", super::short(k)))?;
            }
        }
    }
    Ok(())
}

/// The envelope keys the WPC envelope schema allows (no `expires_at`).
fn envelope_keys_allowed(key: &str) -> bool {
    REQUIRED_KEYS.contains(&key)
}

/// The fields of a WPC payload that the checks after `policy.schema` read, borrowed from the
/// payload. Both schema versions require them as strings; one that is absent or not a string
/// reads as "" (the schema check has then failed and is recorded).
#[derive(Clone, Copy, Debug)]
struct PolicyView<'v> {
    policy_id: &'v str,
    issuer_did: &'v str,
}

impl<'v> PolicyView<'v> {
    fn read(payload: &'v Value) -> PolicyView<'v> {
        let text = |k: &str| payload.get(k).and_then(Value::as_str).unwrap_or("");
        PolicyView {
            policy_id: text("policy_id"),
            issuer_did: text("issuer_did"),
        }
    }
}

/// Step 4 of spec 20 §5 for the policy artifact at `artifact`: header, schema, JCS hash,
/// signature, trust, signer = issuer, the checkpoint binding and `--expect-policy`, the
/// extension. Returns the policy when its payload could be read (even if a check failed).
pub fn check_policy(
    value: &Value,
    ctx: &VerifyContext,
    checkpoint_policy_hash: Option<&str>,
    artifact: &str,
    f: &mut Findings,
) -> Option<PolicyInfo> {
    let at = Artifact::new("policy", artifact);
    judge_policy(value, ctx, &at, Bound::Checkpoint(checkpoint_policy_hash), f)
}

/// A policy verified on its own (`clawaudit verify wpc.json`): every check of step 4 but the
/// checkpoint binding, which is recorded as not checked; `--expect-policy` still applies.
pub fn check_policy_alone(value: &Value, ctx: &VerifyContext, f: &mut Findings) -> Option<PolicyInfo> {
    judge_policy(value, ctx, &Artifact::alone("policy"), Bound::NoCheckpoint, f)
}

/// A policy that no checkpoint binds, signed and trusted like a sealed bundle's WPC
/// (header, schema, hash, signature, trust, issuer, extension): a parent a sealed bundle
/// carries for `inherits` (`artifacts/policy/parents/<policy_id>.json`, bound by the
/// manifest), or the `--policy` a proof bundle is evaluated under. `kind` names it in
/// details (`parent policy`, `policy`); `artifact` is its path. `--expect-policy` names a
/// sealed bundle's WPC and does not apply here.
pub fn check_policy_unbound(
    value: &Value,
    ctx: &VerifyContext,
    kind: &str,
    artifact: &str,
    f: &mut Findings,
) -> Option<PolicyInfo> {
    let at = Artifact::new(kind, artifact);
    judge_policy(value, ctx, &at, Bound::Manifest, f)
}

/// What a policy's hash is bound to besides `--expect-policy`.
#[derive(Clone, Copy, Debug)]
enum Bound<'a> {
    /// The checkpoint's `bindings.policy_hash_b64u`, absent when it binds none.
    Checkpoint(Option<&'a str>),
    /// No checkpoint: the policy is verified on its own.
    NoCheckpoint,
    /// A policy no checkpoint binds (`check_policy_unbound`).
    Manifest,
}

fn judge_policy(
    value: &Value,
    ctx: &VerifyContext,
    at: &Artifact,
    bound: Bound,
    f: &mut Findings,
) -> Option<PolicyInfo> {
    let env = parse_jcs_header(value, ENVELOPE_TYPE, &at.label, &at.location, f)?;
    at.pass(
        f,
        "policy.envelope",
        format!("the {} is a work_policy_contract envelope", at.label),
    );
    check_policy_schema(at, &env, f);
    env.payload.as_object()?;
    let view = PolicyView::read(env.payload);
    let hash = check_policy_hash(at, &env, f);
    check_policy_signer(at, &env, &view, ctx, f);
    match bound {
        Bound::Checkpoint(bound) => check_policy_binding(at, &hash, ctx, bound, f),
        Bound::NoCheckpoint => check_policy_expected(at, &hash, ctx, f),
        Bound::Manifest => {}
    }
    let (extension, extension_error) = check_policy_extension(at, env.payload, f);
    Some(PolicyInfo {
        hash_b64u: hash,
        issuer_did: view.issuer_did.to_string(),
        policy_id: view.policy_id.to_string(),
        payload: env.payload.clone(),
        extension,
        extension_error,
    })
}

/// Schema (`policy.schema`): the envelope (closed, SHA-256 only), then the payload.
fn check_policy_schema(at: &Artifact, env: &Envelope, f: &mut Findings) {
    let label = &at.label;
    if env.hash_algorithm != "SHA-256" {
        at.fail(
            f,
            "policy.schema",
            ReasonCode::UnknownHashAlgorithm,
            format!(
                "the {label} uses hash_algorithm {}, the WPC envelope requires SHA-256",
                env.hash_algorithm
            ),
        );
    } else if let Some(extra) = env.raw.keys().find(|k| !envelope_keys_allowed(k)) {
        at.fail(
            f,
            "policy.schema",
            ReasonCode::SchemaValidationFailed,
            format!(
                "the {label} has an envelope field \"{}\" the WPC envelope schema does not allow",
                super::short(extra)
            ),
        );
    } else {
        match validate_payload(env.payload) {
            Ok(()) => at.pass(f, "policy.schema", format!("the {label}'s payload is a valid WPC")),
            Err((code, why)) => at.fail(
                f,
                "policy.schema",
                code,
                format!("the {label}'s payload does not follow the WPC schema: {why}"),
            ),
        }
    }
}

/// The policy hash, recomputed (`policy.hash`: it must be the envelope's payload hash).
fn check_policy_hash(at: &Artifact, env: &Envelope, f: &mut Findings) -> String {
    let hash = policy_hash(env.payload);
    if hash == env.payload_hash_b64u {
        at.pass(f, "policy.hash", format!("the {} hashes (JCS) to {hash}", at.label));
    } else {
        at.fail(
            f,
            "policy.hash",
            ReasonCode::HashMismatch,
            format!(
                "the {}'s payload hashes (JCS) to {hash}, but payload_hash_b64u says {}",
                at.label, env.payload_hash_b64u
            ),
        );
    }
    hash
}

/// The signature, the signer a trusted policy issuer, and the signer the payload's issuer.
fn check_policy_signer(at: &Artifact, env: &Envelope, view: &PolicyView, ctx: &VerifyContext, f: &mut Findings) {
    let label = &at.label;
    match env.verify_signature(label) {
        Ok(()) => at.pass(f, "policy.signature", format!("the {label}'s signature verifies")),
        Err(failure) => at.record(f, failure),
    }

    if ctx.trust.is_policy_issuer(env.signer_did) {
        at.pass(
            f,
            "policy.trust",
            format!("the {label}'s signer is a trusted policy issuer"),
        );
    } else {
        at.fail(
            f,
            "policy.trust",
            ReasonCode::SignerNotTrusted,
            format!(
                "the {label} is signed by {}, which is not a trusted policy issuer",
                env.signer_did
            ),
        );
    }

    if view.issuer_did == env.signer_did {
        at.pass(f, "policy.issuer", format!("the {label} is signed by its issuer"));
    } else {
        at.fail(
            f,
            "policy.issuer",
            ReasonCode::SignerMismatch,
            format!(
                "the {label} is signed by {} but names issuer_did \"{}\"",
                env.signer_did,
                super::short(view.issuer_did)
            ),
        );
    }
}

/// The clawaudit extension (`policy.extension`): the parsed extension, or why it is invalid.
fn check_policy_extension(at: &Artifact, payload: &Value, f: &mut Findings) -> (Option<Extension>, Option<String>) {
    let label = &at.label;
    match parse_extension(payload) {
        Ok(ext) => {
            at.pass(
                f,
                "policy.extension",
                match &ext {
                    Some(e) => format!(
                        "the {label}'s clawaudit extension is valid ({} approval gate(s))",
                        e.approval_gates.len()
                    ),
                    None => format!("the {label} has no clawaudit extension"),
                },
            );
            (ext, None)
        }
        Err(why) => {
            at.fail(
                f,
                "policy.extension",
                ReasonCode::PolicyExtensionInvalid,
                format!("the {label}'s clawaudit extension is invalid: {why}"),
            );
            (None, Some(why.to_string()))
        }
    }
}

/// The policy hash against the checkpoint binding and `--expect-policy`.
fn check_policy_binding(
    at: &Artifact,
    hash: &str,
    ctx: &VerifyContext,
    checkpoint_policy_hash: Option<&str>,
    f: &mut Findings,
) {
    let label = &at.label;
    let mut ok = true;
    match checkpoint_policy_hash {
        Some(bound) if bound == hash => {}
        Some(bound) => {
            ok = false;
            at.fail(
                f,
                "policy.binding",
                ReasonCode::PolicyHashMismatch,
                format!(
                    "the {label} hashes to {hash}, but the checkpoint binds policy hash {}",
                    super::short(bound)
                ),
            );
        }
        None => {
            ok = false;
            at.fail(
                f,
                "policy.binding",
                ReasonCode::PolicyHashMismatch,
                format!("the bundle carries the {label} (hash {hash}), but the checkpoint binds no policy hash"),
            );
        }
    }
    if let Some(expected) = ctx.expect_policy.as_deref() {
        if expected != hash {
            ok = false;
            at.fail(
                f,
                "policy.expected",
                ReasonCode::PolicyHashMismatch,
                format!(
                    "the {label} hashes to {hash}, but --expect-policy asks for {}",
                    super::short(expected)
                ),
            );
        }
    }
    if ok {
        at.pass(
            f,
            "policy.binding",
            format!("the {label}'s hash {hash} is the one the checkpoint binds"),
        );
    }
}

/// A policy on its own: no checkpoint binds it (not checked), and `--expect-policy`, when
/// given, must name its hash.
fn check_policy_expected(at: &Artifact, hash: &str, ctx: &VerifyContext, f: &mut Findings) {
    let label = &at.label;
    at.skip(
        f,
        "policy.binding",
        format!("no checkpoint given: whether a checkpoint binds the {label}'s hash {hash} was not checked"),
    );
    match ctx.expect_policy.as_deref() {
        Some(expected) if expected != hash => at.fail(
            f,
            "policy.expected",
            ReasonCode::PolicyHashMismatch,
            format!(
                "the {label} hashes to {hash}, but --expect-policy asks for {}",
                super::short(expected)
            ),
        ),
        Some(_) => at.pass(
            f,
            "policy.expected",
            format!("the {label}'s hash {hash} is the one --expect-policy asks for"),
        ),
        None => {}
    }
}

/// Step 4 when the bundle has no policy artifact: a checkpoint binding or `--expect-policy`
/// names a policy that is not there (`POLICY_HASH_MISMATCH`).
pub fn check_policy_absent(ctx: &VerifyContext, checkpoint_policy_hash: Option<&str>, f: &mut Findings) {
    if let Some(bound) = checkpoint_policy_hash {
        f.fail(
            "policy.binding",
            ReasonCode::PolicyHashMismatch,
            format!(
                "the checkpoint binds policy hash {}, but the bundle has no artifacts/policy/wpc.json",
                super::short(bound)
            ),
        );
    }
    if let Some(expected) = ctx.expect_policy.as_deref() {
        f.fail(
            "policy.expected",
            ReasonCode::PolicyHashMismatch,
            format!(
                "--expect-policy asks for {}, but the bundle has no policy",
                super::short(expected)
            ),
        );
    }
}

/// Build a signed WPC envelope: validates the payload and its extension, checks that the
/// signer is the payload's `issuer_did`, and uses the JCS policy hash as the payload hash.
pub fn sign_policy(signer: &Signer, payload: Value, issued_at: &str) -> Result<Value, String> {
    validate_payload(&payload).map_err(|(_, why)| why)?;
    parse_extension(&payload).map_err(|why| format!("the clawaudit extension is invalid: {why}"))?;
    let issuer = PolicyView::read(&payload).issuer_did;
    if issuer != signer.did() {
        return Err(format!(
            "the policy's issuer_did is \"{}\" but the key is {}; the verifier requires them to be equal",
            super::short(issuer),
            signer.did()
        ));
    }
    if parse_rfc3339(issued_at).is_none() {
        return Err(format!(
            "issued_at \"{}\" is not an RFC 3339 date-time",
            super::short(issued_at)
        ));
    }
    Ok(sign_jcs(signer, ENVELOPE_TYPE, payload, issued_at))
}

/// Read the policy hash of a WPC file: an envelope (whose claimed hash must match) or a bare
/// payload.
pub fn policy_hash_of_file(value: &Value) -> Result<String, String> {
    match value.get("payload") {
        Some(payload) => {
            let hash = policy_hash(payload);
            let claimed = value.get("payload_hash_b64u").and_then(Value::as_str);
            if claimed != Some(hash.as_str()) {
                return Err(format!(
                    "the envelope's payload hashes to {hash}, but its payload_hash_b64u says {}",
                    crate::clawsig::envelope::describe(value.get("payload_hash_b64u"))
                ));
            }
            Ok(hash)
        }
        None if value.get("policy_version").is_some() => Ok(policy_hash(value)),
        None => Err("the file is neither a WPC envelope nor a WPC payload".into()),
    }
}

/// The policy of a WPC file for a producer (`token mint --policy`, `approve --policy`):
/// envelope hash, schema and extension are checked; trust is the verifier's business.
pub fn read_policy_for_producer(value: &Value) -> Result<PolicyInfo, String> {
    let hash = policy_hash_of_file(value)?;
    let payload = value.get("payload").unwrap_or(value);
    validate_payload(payload).map_err(|(_, why)| why)?;
    let extension = parse_extension(payload).map_err(|why| format!("the clawaudit extension is invalid: {why}"))?;
    let view = PolicyView::read(payload);
    Ok(PolicyInfo {
        hash_b64u: hash,
        issuer_did: view.issuer_did.to_string(),
        policy_id: view.policy_id.to_string(),
        payload: payload.clone(),
        extension,
        extension_error: None,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::clawsig::producer::envelope_with_hash;
    use crate::crypto::sha256_b64u;
    use crate::json::{parse_str, Object};
    use crate::report::{CheckStatus, Location};
    use crate::trust::{Trust, TrustEntry};

    pub const AT: &str = "2026-03-01T12:00:00Z";

    pub fn issuer() -> Signer {
        crate::vectors::testkit::label_signer("policy-issuer")
    }

    pub fn extension_json() -> &'static str {
        r#"{"extension_version":"1",
            "token_constraints":{"cst_ttl_seconds_max":900,"require_policy_hash_pinning":true,"require_job_binding":true},
            "approval_gates":[{"gate_id":"stage_new_secret","min_approvers":2,"independent_of_requester":true,
                               "approver_group":"change-board","approval_ttl_seconds":900}]}"#
    }

    pub fn payload_with(did: &str, ext: &str) -> Value {
        parse_str(&format!(
            r#"{{"policy_version":"1","policy_id":"rotate-db","issuer_did":"{did}",
                 "allowed_providers":["anthropic"],"metadata":{{"clawaudit":{ext}}}}}"#
        ))
        .unwrap()
    }

    pub fn signed_policy() -> Value {
        sign_policy(&issuer(), payload_with(issuer().did(), extension_json()), AT).unwrap()
    }

    pub fn trust_with_issuer() -> Trust {
        Trust {
            policy_issuers: vec![TrustEntry {
                did: issuer().did().to_string(),
                name: None,
            }],
            ..Trust::default()
        }
    }

    pub fn ctx() -> VerifyContext {
        VerifyContext::new(parse_rfc3339(AT).unwrap(), trust_with_issuer())
    }

    fn run(value: &Value, ctx: &VerifyContext, bound: Option<&str>) -> (Findings, Option<PolicyInfo>) {
        let mut f = Findings::new();
        let info = check_policy(value, ctx, bound, "artifacts/policy/wpc.json", &mut f);
        (f, info)
    }

    fn first_code(f: &Findings) -> Option<ReasonCode> {
        f.first_failure().map(|c| c.reason_code)
    }

    /// Re-sign a (modified) payload with `signer`, keeping the JCS hash honest.
    fn resign(signer: &Signer, payload: Value) -> Value {
        sign_jcs(signer, ENVELOPE_TYPE, payload, AT)
    }

    #[test]
    fn policy_hash_is_sha256_of_jcs() {
        // Hand-written JCS of {"policy_version":"1","policy_id":"p","issuer_did":"did:key:zX"}:
        // keys sorted by code unit: issuer_did < policy_id < policy_version.
        let v = parse_str(r#"{"policy_version":"1","policy_id":"p","issuer_did":"did:key:zX"}"#).unwrap();
        let expected = sha256_b64u(br#"{"issuer_did":"did:key:zX","policy_id":"p","policy_version":"1"}"#);
        assert_eq!(policy_hash(&v), expected);
        // Wire-format §1.3 unit vector: JCS of {"b":1,"a":2}.
        assert_eq!(
            policy_hash(&parse_str(r#"{"b":1,"a":2}"#).unwrap()),
            "02JqwwqH5vemQoIzs8aCmZdoZfpVCOQmfFQVx2r3p3I"
        );
    }

    #[test]
    fn valid_policy_passes_every_check() {
        let env = signed_policy();
        let hash = policy_hash(env.get("payload").unwrap());
        let (f, info) = run(&env, &ctx(), Some(&hash));
        assert_eq!(f.first_failure(), None, "{:?}", f.checks);
        let info = info.unwrap();
        assert_eq!(info.hash_b64u, hash);
        assert_eq!(
            env.get("payload_hash_b64u").and_then(Value::as_str),
            Some(hash.as_str())
        );
        assert_eq!(
            info.extension.unwrap().gate("stage_new_secret").unwrap().min_approvers,
            2
        );
        assert!(f.checks.iter().all(|c| c.status == CheckStatus::Pass));
    }

    #[test]
    fn untrusted_issuer() {
        let env = signed_policy();
        let hash = policy_hash(env.get("payload").unwrap());
        let ctx = VerifyContext::new(0, Trust::default());
        let (f, info) = run(&env, &ctx, Some(&hash));
        assert_eq!(first_code(&f), Some(ReasonCode::SignerNotTrusted));
        assert!(info.is_some());
        let check = f.first_failure().unwrap();
        assert_eq!(check.artifact().as_deref(), Some("artifacts/policy/wpc.json"));
        assert!(check.detail.contains("artifacts/policy/wpc.json"));
    }

    #[test]
    fn signer_not_issuer() {
        // Signed by the trusted issuer key, but the payload names someone else as issuer.
        let other = crate::vectors::testkit::label_signer("someone-else");
        let env = resign(&issuer(), payload_with(other.did(), extension_json()));
        let hash = policy_hash(env.get("payload").unwrap());
        let (f, _) = run(&env, &ctx(), Some(&hash));
        assert_eq!(first_code(&f), Some(ReasonCode::SignerMismatch));
    }

    #[test]
    fn payload_hash_mismatch_and_bad_signature() {
        let mut env = signed_policy();
        let hash = policy_hash(env.get("payload").unwrap());
        // Change the payload after signing: the JCS hash no longer matches.
        if let Some(p) = env
            .as_object_mut()
            .and_then(|o| o.get_mut("payload"))
            .and_then(Value::as_object_mut)
        {
            p.insert("policy_id", Value::from("rotate-db-2"));
        }
        let (f, _) = run(&env, &ctx(), Some(&hash));
        assert_eq!(first_code(&f), Some(ReasonCode::HashMismatch));

        // Correct hash, signature by another key under the issuer's DID.
        let mut env = signed_policy();
        let forged = resign(
            &crate::vectors::testkit::label_signer("forger"),
            env.get("payload").unwrap().clone(),
        );
        let sig = forged.get("signature_b64u").unwrap().clone();
        env.as_object_mut().unwrap().insert("signature_b64u", sig);
        let (f, _) = run(&env, &ctx(), Some(&hash));
        assert_eq!(first_code(&f), Some(ReasonCode::SignatureInvalid));
    }

    #[test]
    fn jss_hash_is_not_accepted() {
        // A producer that hashed with JSS (key order of the document) instead of JCS.
        let payload = payload_with(issuer().did(), extension_json());
        let jss_hash = sha256_b64u(crate::json::jss::to_string(&payload).as_bytes());
        assert_ne!(jss_hash, policy_hash(&payload));
        let env = envelope_with_hash(&issuer(), "1", ENVELOPE_TYPE, payload, jss_hash.clone(), AT, None);
        let (f, _) = run(&env, &ctx(), Some(&jss_hash));
        assert_eq!(first_code(&f), Some(ReasonCode::HashMismatch));
    }

    #[test]
    fn binding_and_expect_policy_mismatch() {
        let env = signed_policy();
        let hash = policy_hash(env.get("payload").unwrap());
        let other = sha256_b64u(b"another policy");
        let (f, _) = run(&env, &ctx(), Some(&other));
        assert_eq!(first_code(&f), Some(ReasonCode::PolicyHashMismatch));
        let (f, _) = run(&env, &ctx(), None);
        assert_eq!(first_code(&f), Some(ReasonCode::PolicyHashMismatch));
        let mut c = ctx();
        c.expect_policy = Some(other.clone());
        let (f, _) = run(&env, &c, Some(&hash));
        assert_eq!(first_code(&f), Some(ReasonCode::PolicyHashMismatch));
        c.expect_policy = Some(hash.clone());
        let (f, _) = run(&env, &c, Some(&hash));
        assert_eq!(first_code(&f), None);

        let mut f = Findings::new();
        check_policy_absent(&ctx(), Some(&hash), &mut f);
        assert_eq!(first_code(&f), Some(ReasonCode::PolicyHashMismatch));
        let mut f = Findings::new();
        check_policy_absent(&ctx(), None, &mut f);
        assert_eq!(first_code(&f), None);
    }

    #[test]
    fn extension_invalid() {
        let ext = r#"{"extension_version":"1","approval_gates":[{"gate_id":"g","min_approvers":0}]}"#;
        let env = resign(&issuer(), payload_with(issuer().did(), ext));
        let hash = policy_hash(env.get("payload").unwrap());
        let (f, info) = run(&env, &ctx(), Some(&hash));
        assert_eq!(first_code(&f), Some(ReasonCode::PolicyExtensionInvalid));
        let info = info.unwrap();
        assert!(info.extension.is_none());
        assert!(info.extension_error.unwrap().contains("min_approvers"));
    }

    #[test]
    fn schema_violations() {
        let did = issuer().did().to_string();
        for (bad, code) in [
            (
                format!(r#"{{"policy_version":"1","policy_id":"p","issuer_did":"{did}","colour":1}}"#),
                ReasonCode::SchemaValidationFailed,
            ),
            (
                format!(r#"{{"policy_version":"1","policy_id":"","issuer_did":"{did}"}}"#),
                ReasonCode::SchemaValidationFailed,
            ),
            (
                r#"{"policy_version":"1","policy_id":"p","issuer_did":"key:x"}"#.to_string(),
                ReasonCode::SchemaValidationFailed,
            ),
            (
                format!(
                    r#"{{"policy_version":"1","policy_id":"p","issuer_did":"{did}","allowed_providers":["acme"]}}"#
                ),
                ReasonCode::SchemaValidationFailed,
            ),
            (
                format!(r#"{{"policy_version":"2","policy_id":"p","issuer_did":"{did}"}}"#),
                ReasonCode::SchemaValidationFailed,
            ),
            (
                format!(
                    r#"{{"policy_version":"2","policy_id":"p","issuer_did":"{did}","statements":[{{"sid":"s","effect":"Maybe","actions":["a"],"resources":["r"]}}]}}"#
                ),
                ReasonCode::SchemaValidationFailed,
            ),
            (
                format!(r#"{{"policy_version":"3","policy_id":"p","issuer_did":"{did}"}}"#),
                ReasonCode::UnknownVersion,
            ),
        ] {
            let payload = parse_str(&bad).unwrap();
            let env = resign(&issuer(), payload);
            let hash = policy_hash(env.get("payload").unwrap());
            let (f, _) = run(&env, &ctx(), Some(&hash));
            assert_eq!(first_code(&f), Some(code), "{bad}");
        }
        let v2 = parse_str(&format!(
            r#"{{"policy_version":"2","policy_id":"p","issuer_did":"{did}","statements":[{{"sid":"s","effect":"Allow","actions":["model:invoke"],"resources":["*"],"conditions":{{"StringEquals":{{"Model:Provider":"anthropic"}}}}}}],"witnessed_web_policy":{{"quorum":{{"m":1,"n":2}}}}}}"#
        ))
        .unwrap();
        assert_eq!(validate_payload(&v2), Ok(()));
    }

    #[test]
    fn envelope_problems() {
        let mut env = signed_policy();
        let hash = policy_hash(env.get("payload").unwrap());
        env.as_object_mut()
            .unwrap()
            .insert("expires_at", Value::from("2027-01-01T00:00:00Z"));
        let (f, _) = run(&env, &ctx(), Some(&hash));
        assert_eq!(first_code(&f), Some(ReasonCode::SchemaValidationFailed));

        let mut env = signed_policy();
        env.as_object_mut()
            .unwrap()
            .insert("envelope_type", Value::from("policy_bundle"));
        let (f, info) = run(&env, &ctx(), Some(&hash));
        assert_eq!(first_code(&f), Some(ReasonCode::UnknownEnvelopeType));
        assert!(info.is_none());

        let (f, _) = run(&Value::Object(Object::new()), &ctx(), Some(&hash));
        assert_eq!(first_code(&f), Some(ReasonCode::MalformedEnvelope));
    }

    #[test]
    fn producer_refuses_bad_input() {
        let ext = r#"{"extension_version":"1","approval_gates":[{"gate_id":"g","min_approvers":0}]}"#;
        assert!(sign_policy(&issuer(), payload_with(issuer().did(), ext), AT).is_err());
        let other = crate::vectors::testkit::label_signer("x");
        assert!(sign_policy(&other, payload_with(issuer().did(), extension_json()), AT).is_err());
        assert!(sign_policy(&issuer(), payload_with(issuer().did(), extension_json()), "yesterday").is_err());
        let env = signed_policy();
        assert_eq!(policy_hash_of_file(&env), Ok(policy_hash(env.get("payload").unwrap())));
        assert_eq!(
            policy_hash_of_file(env.get("payload").unwrap()),
            Ok(policy_hash(env.get("payload").unwrap()))
        );
    }

    #[test]
    fn a_policy_alone_skips_the_checkpoint_binding_and_honours_expect_policy() {
        let env = signed_policy();
        let hash = policy_hash(env.get("payload").unwrap());
        let alone = |c: &VerifyContext| {
            let mut f = Findings::new();
            let info = check_policy_alone(&env, c, &mut f);
            (f, info)
        };
        let (f, info) = alone(&ctx());
        assert_eq!(f.first_failure(), None, "{:?}", f.checks);
        assert_eq!(info.unwrap().hash_b64u, hash);
        let binding: Vec<_> = f.checks.iter().filter(|c| c.id == "policy.binding").collect();
        assert_eq!(binding.len(), 1);
        assert_eq!(binding[0].status, CheckStatus::Skip);
        assert!(
            binding[0].detail.starts_with("no checkpoint given"),
            "{}",
            binding[0].detail
        );
        assert!(f.checks.iter().all(|c| c.location == Location::Subject));
        assert!(!f.checks.iter().any(|c| c.id == "policy.expected"));

        let mut c = ctx();
        c.expect_policy = Some(hash.clone());
        let (f, _) = alone(&c);
        let expected = f.checks.iter().find(|c| c.id == "policy.expected").unwrap();
        assert_eq!(expected.status, CheckStatus::Pass);
        c.expect_policy = Some(sha256_b64u(b"another policy"));
        let (f, _) = alone(&c);
        let failed = f.first_failure().unwrap();
        assert_eq!(
            (failed.id.as_str(), failed.reason_code),
            ("policy.expected", ReasonCode::PolicyHashMismatch)
        );

        // The checks that apply keep their bundle codes.
        let (f, _) = alone(&VerifyContext::new(0, Trust::default()));
        assert_eq!(first_code(&f), Some(ReasonCode::SignerNotTrusted));
        let mut tampered = env.clone();
        if let Some(p) = tampered
            .as_object_mut()
            .and_then(|o| o.get_mut("payload"))
            .and_then(Value::as_object_mut)
        {
            p.insert("policy_id", Value::from("rotate-db-2"));
        }
        let mut f = Findings::new();
        check_policy_alone(&tampered, &ctx(), &mut f);
        assert_eq!(first_code(&f), Some(ReasonCode::HashMismatch));
    }
}
