//! Human approvals, the plans they approve, and approval-gate quorum: check step 6 of
//! sealed-bundle verification (spec 20 §2, §5), and the approval builder.
//!
//! A plan (`artifacts/plans/<gate_id>.json`) says what a gate approves; its hash is
//! `sha256_b64u(JCS(plan))`. An approval is a `human_approval_receipt` envelope whose payload
//! follows `poh/human_approval_receipt.v1.json`, is hashed with JCS, and additionally carries
//! `policy_hash_b64u`, `plan_hash_b64u`, `binding{job_id, gate_id}` and
//! `scope_hash_b64u = sha256_b64u(JCS({gate_id, job_id, plan_hash_b64u, policy_hash_b64u}))`.

use std::collections::{HashMap, HashSet};

use crate::clawsig::envelope::Envelope;
use crate::clawsig::envelope::REQUIRED_KEYS;
use crate::clawsig::producer::Signer;
use crate::context::VerifyContext;
use crate::crypto::sha256_b64u;
use crate::json::{Object, Value};
use crate::reason::ReasonCode;
use crate::report::{ApprovalFact, Binding, Findings, GateFact, HashFact, HashRecipe, HashSubject};
use crate::signed_jcs::{jcs_hash, parse_jcs_header, sign_jcs};
use crate::timeutil::{format_rfc3339, parse_rfc3339, Millis};
use crate::trust::ApproverEntry;

use super::extension::ApprovalGate;
use super::wpc::PolicyInfo;
use super::{failed_since, short, Artifact, CheckpointView};
use crate::schema_rules::{
    self as rules, closed, is_did_pattern, is_hash43, object, one_of, opt_array, opt_str, req_str, required,
    RuleResult, SchemaViolation,
};

pub const ENVELOPE_TYPE: &str = "human_approval_receipt";

/// `plan_hash_b64u = sha256_b64u(JCS(plan))`.
pub fn plan_hash(plan: &Value) -> String {
    jcs_hash(plan)
}

/// The approval scope: `sha256_b64u(JCS({gate_id, job_id, plan_hash_b64u, policy_hash_b64u}))`.
pub fn approval_scope_hash(gate_id: &str, job_id: &str, plan_hash_b64u: &str, policy_hash_b64u: &str) -> String {
    let mut o = Object::new();
    o.insert("gate_id", Value::from(gate_id));
    o.insert("job_id", Value::from(job_id));
    o.insert("plan_hash_b64u", Value::from(plan_hash_b64u));
    o.insert("policy_hash_b64u", Value::from(policy_hash_b64u));
    jcs_hash(&Value::Object(o))
}

/// The plan format (closed): `{"plan_version":"1","gate_id","job_id","requested_by":DID,
/// "summary","change_set":{…},"backout":{…}}`.
pub fn validate_plan(plan: &Value) -> RuleResult {
    let here = "plan";
    let obj = object(plan, here)?;
    let keys = [
        "plan_version",
        "gate_id",
        "job_id",
        "requested_by",
        "summary",
        "change_set",
        "backout",
    ];
    closed(obj, &keys, here)?;
    required(obj, &keys, here)?;
    one_of(
        obj.get("plan_version").unwrap_or(&Value::Null),
        &["1"],
        "plan.plan_version",
    )?;
    req_str(obj, "gate_id", 1, 128, here)?;
    req_str(obj, "job_id", 1, 256, here)?;
    let requester = req_str(obj, "requested_by", 4, 256, here)?;
    if !is_did_pattern(requester) {
        return Err(SchemaViolation::new("plan.requested_by", "must be a DID"));
    }
    req_str(obj, "summary", 1, 1024, here)?;
    object(obj.get("change_set").unwrap_or(&Value::Null), "plan.change_set")?;
    object(obj.get("backout").unwrap_or(&Value::Null), "plan.backout")?;
    Ok(())
}

/// The approval payload: `human_approval_receipt.v1` (closed) plus our required fields.
pub fn validate_approval_payload(payload: &Value) -> RuleResult {
    let here = "approval";
    let obj = object(payload, here)?;
    closed(
        obj,
        &[
            "receipt_version",
            "receipt_id",
            "approval_type",
            "approver_subject",
            "approver_method",
            "agent_did",
            "scope_hash_b64u",
            "scope_summary",
            "policy_hash_b64u",
            "minted_capability_id",
            "minted_capability_ttl_seconds",
            "plan_hash_b64u",
            "evidence_required",
            "hash_algorithm",
            "timestamp",
            "binding",
        ],
        here,
    )?;
    required(
        obj,
        &[
            "receipt_version",
            "receipt_id",
            "approval_type",
            "approver_subject",
            "agent_did",
            "scope_hash_b64u",
            "hash_algorithm",
            "timestamp",
            // Ours, beyond the Clawsig schema:
            "policy_hash_b64u",
            "plan_hash_b64u",
            "binding",
        ],
        here,
    )?;
    one_of(
        obj.get("receipt_version").unwrap_or(&Value::Null),
        &["1"],
        "approval.receipt_version",
    )?;
    req_str(obj, "receipt_id", 1, 256, here)?;
    one_of(
        obj.get("approval_type").unwrap_or(&Value::Null),
        &["explicit_approve", "explicit_deny", "auto_approve", "timeout_deny"],
        "approval.approval_type",
    )?;
    req_str(obj, "approver_subject", 1, 256, here)?;
    rules::opt_one_of(
        obj,
        "approver_method",
        &["ui_click", "cli_confirm", "api_call", "policy_auto", "timeout"],
        here,
    )?;
    req_str(obj, "agent_did", 1, 256, here)?;
    for key in ["scope_hash_b64u", "policy_hash_b64u", "plan_hash_b64u"] {
        if !obj.get(key).and_then(Value::as_str).is_some_and(is_hash43) {
            return Err(SchemaViolation::new(
                format!("approval.{key}"),
                "must be a 43-character base64url SHA-256 hash",
            ));
        }
    }
    opt_str(obj, "scope_summary", 0, 1024, here)?;
    opt_str(obj, "minted_capability_id", 0, 256, here)?;
    if let Some(ttl) = obj.get("minted_capability_ttl_seconds") {
        if !ttl.as_f64().is_some_and(|n| n >= 0.0) {
            return Err(SchemaViolation::new(
                "approval.minted_capability_ttl_seconds",
                "must be a number ≥ 0",
            ));
        }
    }
    opt_array(obj, "evidence_required", 0, 64, here, |v, h| {
        rules::text(v, 0, 256, h).map(drop)
    })?;
    one_of(
        obj.get("hash_algorithm").unwrap_or(&Value::Null),
        &["SHA-256"],
        "approval.hash_algorithm",
    )?;
    let ts = req_str(obj, "timestamp", 1, 64, here)?;
    if parse_rfc3339(ts).is_none() {
        return Err(SchemaViolation::new(
            "approval.timestamp",
            "must be an RFC 3339 date-time",
        ));
    }
    validate_approval_binding(obj)
}

/// `approval.binding` (closed): `job_id` and `gate_id`, optional run, event, nonce and hashes.
fn validate_approval_binding(obj: &Object) -> RuleResult {
    let binding = object(obj.get("binding").unwrap_or(&Value::Null), "approval.binding")?;
    let bh = "approval.binding";
    closed(
        binding,
        &[
            "job_id",
            "gate_id",
            "run_id",
            "event_hash_b64u",
            "nonce",
            "policy_hash",
            "token_scope_hash_b64u",
        ],
        bh,
    )?;
    req_str(binding, "job_id", 1, 256, bh)?;
    req_str(binding, "gate_id", 1, 128, bh)?;
    for key in [
        "run_id",
        "event_hash_b64u",
        "nonce",
        "policy_hash",
        "token_scope_hash_b64u",
    ] {
        opt_str(binding, key, 0, 256, bh)?;
    }
    Ok(())
}

/// The fields of an approval payload that the checks after `approval.schema` read, borrowed
/// from the payload. The schema requires every `&str` field as a string; one that is absent
/// or not a string reads as "" (the schema check has then failed and is recorded), and the
/// checks compare that empty text.
#[derive(Clone, Copy, Debug)]
struct ApprovalView<'v> {
    receipt_id: &'v str,
    approval_type: &'v str,
    approver_subject: &'v str,
    approver_method: Option<&'v str>,
    agent_did: &'v str,
    scope_hash: &'v str,
    policy_hash: &'v str,
    plan_hash: &'v str,
    timestamp: &'v str,
    binding_job: &'v str,
    binding_gate: &'v str,
    binding_run: Option<&'v str>,
}

impl<'v> ApprovalView<'v> {
    fn read(payload: &'v Value) -> ApprovalView<'v> {
        let text = |key: &str| payload.get(key).and_then(Value::as_str);
        let required = |key: &str| text(key).unwrap_or("");
        let binding = |key: &str| payload.get("binding").and_then(|b| b.get(key)).and_then(Value::as_str);
        ApprovalView {
            receipt_id: required("receipt_id"),
            approval_type: required("approval_type"),
            approver_subject: required("approver_subject"),
            approver_method: text("approver_method"),
            agent_did: required("agent_did"),
            scope_hash: required("scope_hash_b64u"),
            policy_hash: required("policy_hash_b64u"),
            plan_hash: required("plan_hash_b64u"),
            timestamp: required("timestamp"),
            binding_job: binding("job_id").unwrap_or(""),
            binding_gate: binding("gate_id").unwrap_or(""),
            binding_run: binding("run_id"),
        }
    }
}

/// What one approval turned out to be, for the gate phase.
#[derive(Clone, Debug)]
struct JudgedApproval<'a> {
    path: &'a str,
    view: ApprovalView<'a>,
    /// Passed every individual check.
    valid: bool,
    /// Signature verified and the signer is a trusted approver (enough for a deny to bind).
    authentic: bool,
    signer_did: &'a str,
    entry: Option<&'a ApproverEntry>,
    /// The check that failed on the link to the plan it names (`approval.plan` or
    /// `approval.scope`), if one did.
    plan_link_failed: Option<&'static str>,
}

impl JudgedApproval<'_> {
    /// The link from the plan (by its hash) to this approval.
    fn plan_link(&self, plans: &HashMap<&str, &PlanView>) -> Binding {
        let from = match plans.get(self.view.plan_hash) {
            Some(plan) => format!("plan hash ({})", plan.path),
            None => format!("plan hash {} (not in the bundle)", short(self.view.plan_hash)),
        };
        Binding::new(
            from,
            format!("approval ({})", self.path),
            self.plan_link_failed.unwrap_or("approval.binding"),
            self.plan_link_failed.is_none(),
        )
    }
}

/// A plan as read from the bundle, before `validate_plan` judged it (the approvals, checked
/// first, compare against it).
#[derive(Clone, Debug)]
struct PlanView<'a> {
    path: &'a str,
    value: &'a Value,
    hash: String,
    gate_id: Option<&'a str>,
    job_id: Option<&'a str>,
}

impl<'a> PlanView<'a> {
    fn read(path: &'a str, value: &'a Value) -> PlanView<'a> {
        PlanView {
            path,
            value,
            hash: plan_hash(value),
            gate_id: text(value, "gate_id"),
            job_id: text(value, "job_id"),
        }
    }
}

/// A plan's fields, once `validate_plan` accepted it.
#[derive(Clone, Copy, Debug)]
struct PlanFields<'a> {
    gate_id: &'a str,
    job_id: &'a str,
    requested_by: &'a str,
}

impl<'a> PlanFields<'a> {
    /// The plan format, then the fields it requires.
    fn of(plan: &'a Value) -> Result<PlanFields<'a>, String> {
        validate_plan(plan)?;
        match (text(plan, "gate_id"), text(plan, "job_id"), text(plan, "requested_by")) {
            (Some(gate_id), Some(job_id), Some(requested_by)) => Ok(PlanFields {
                gate_id,
                job_id,
                requested_by,
            }),
            _ => Err("plan.gate_id, plan.job_id and plan.requested_by must be strings".into()),
        }
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// What the approvals and gates of step 6 are judged against.
struct Judging<'a> {
    ctx: &'a VerifyContext,
    /// The rest of the bundle; `None` for an approval verified on its own, whose checks
    /// against a policy, a plan and a checkpoint are recorded as not checked.
    bundle: Option<BundleSide<'a>>,
}

/// What a sealed bundle holds besides its approvals.
struct BundleSide<'a> {
    policy: Option<&'a PolicyInfo>,
    /// The policy hash approvals must name: the WPC's, else the checkpoint's binding.
    policy_hash: Option<&'a str>,
    /// The bundle's plans by their hash.
    plans: HashMap<&'a str, &'a PlanView<'a>>,
    checkpoint: &'a CheckpointView,
}

/// What step 6 found besides its checks, for the report's facts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApprovalsOutcome {
    /// Every plan's hash, in path order.
    pub plan_hashes: Vec<HashFact>,
    /// Plan hash → approval for every approval whose payload could be read (in path order),
    /// then approvals → quorum for every gate whose quorum was judged (in plan path order).
    pub bindings: Vec<Binding>,
    /// Every gate whose quorum was judged, with the approvals that apply to it.
    pub gates: Vec<GateFact>,
}

/// Step 6 of spec 20 §5: every approval on its own (in path order), then every plan's gate
/// (in path order): gate known, no trusted deny, quorum of distinct eligible approvers.
pub fn check_approvals(
    approvals: &[(String, Value)],
    plans: &[(String, Value)],
    policy: Option<&PolicyInfo>,
    checkpoint: &CheckpointView,
    ctx: &VerifyContext,
    f: &mut Findings,
) -> ApprovalsOutcome {
    judge_approvals(approvals, plans, policy, checkpoint, ctx, f, true)
}

/// Step 6 in a rotation run (spec 20 §5 step 8a, spec 30 §4): every approval on its own, in
/// path order, exactly as `check_approvals` judges it; gate quorum is left to the rotation
/// judge ([`gate_at`]), which knows when each phase began.
pub fn check_each_approval(
    approvals: &[(String, Value)],
    plans: &[(String, Value)],
    policy: Option<&PolicyInfo>,
    checkpoint: &CheckpointView,
    ctx: &VerifyContext,
    f: &mut Findings,
) -> ApprovalsOutcome {
    judge_approvals(approvals, plans, policy, checkpoint, ctx, f, false)
}

/// Every approval, then (with `quorum`) every plan's gate.
fn judge_approvals(
    approvals: &[(String, Value)],
    plans: &[(String, Value)],
    policy: Option<&PolicyInfo>,
    checkpoint: &CheckpointView,
    ctx: &VerifyContext,
    f: &mut Findings,
    quorum: bool,
) -> ApprovalsOutcome {
    let mut plan_order: Vec<&(String, Value)> = plans.iter().collect();
    plan_order.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let plan_views: Vec<PlanView> = plan_order
        .iter()
        .map(|(path, value)| PlanView::read(path, value))
        .collect();
    let side = BundleSide {
        policy,
        policy_hash: policy
            .map(|p| p.hash_b64u.as_str())
            .or(checkpoint.policy_hash.as_deref()),
        plans: plan_views.iter().map(|p| (p.hash.as_str(), p)).collect(),
        checkpoint,
    };
    let on = Judging {
        ctx,
        bundle: Some(side),
    };

    let mut approval_order: Vec<&(String, Value)> = approvals.iter().collect();
    approval_order.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut seen_ids: HashSet<&str> = HashSet::new();
    let mut judged: Vec<JudgedApproval> = Vec::with_capacity(approval_order.len());
    for (path, value) in approval_order {
        if let Some(j) = check_one_approval(&Artifact::new("approval", path), path, value, &on, &mut seen_ids, f) {
            judged.push(j);
        }
    }
    let Some(side) = &on.bundle else {
        return ApprovalsOutcome::default();
    };

    let mut out = ApprovalsOutcome {
        plan_hashes: plan_views
            .iter()
            .map(|p| HashFact {
                subject: HashSubject::Plan,
                value_b64u: p.hash.clone(),
                recipe: HashRecipe::JcsSha256,
                entry: Some(p.path.to_string()),
            })
            .collect(),
        bindings: judged.iter().map(|j| j.plan_link(&side.plans)).collect(),
        gates: Vec::new(),
    };
    if !quorum {
        return out;
    }
    let mut by_plan: HashMap<&str, Vec<&JudgedApproval>> = HashMap::new();
    for j in &judged {
        by_plan.entry(j.view.plan_hash).or_default().push(j);
    }
    for plan in &plan_views {
        let applying = by_plan.get(plan.hash.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        if let Some(quorum) = check_gate(plan, applying, side, &on, f) {
            out.bindings.push(quorum.link(plan.path));
            out.gates.push(quorum.fact(plan.path));
        }
    }
    out
}

/// An approval verified on its own (`clawaudit verify approval.json`): envelope, schema, JCS
/// hash, signature, trusted approver and subject, and its scope hash over the gate, job, plan
/// and policy it names. What needs the rest of a bundle (the policy and plan it names, the
/// bundle's job and time, other approvals, the gate's quorum) is recorded as not checked.
/// Returns what the approval says, when its payload could be read.
pub fn check_approval_alone(value: &Value, ctx: &VerifyContext, f: &mut Findings) -> Option<ApprovalInfo> {
    let on = Judging { ctx, bundle: None };
    let at = Artifact::alone("approval");
    let j = check_one_approval(&at, "", value, &on, &mut HashSet::new(), f)?;
    at.skip(
        f,
        "gate.quorum",
        format!(
            "no policy, plan or other approvals given: whether the {} counts toward gate \"{}\"'s quorum was not checked",
            at.label,
            short(j.view.binding_gate)
        ),
    );
    let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Some(ApprovalInfo {
        receipt_id: text(j.view.receipt_id),
        approval_type: text(j.view.approval_type),
        approver_did: j.signer_did.to_string(),
        agent_did: text(j.view.agent_did),
        job_id: text(j.view.binding_job),
        run_id: j.view.binding_run.map(str::to_string),
        gate_id: text(j.view.binding_gate),
    })
}

/// What one approval verified on its own says (each text as the payload has it; `None`
/// when absent or not a string).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApprovalInfo {
    pub receipt_id: Option<String>,
    pub approval_type: Option<String>,
    /// The envelope's signer.
    pub approver_did: String,
    pub agent_did: Option<String>,
    /// `binding.job_id`, `binding.run_id`, `binding.gate_id`.
    pub job_id: Option<String>,
    pub run_id: Option<String>,
    pub gate_id: Option<String>,
}

/// One approval at `at` (whose bundle path is `path`), every check in the order of spec 20 §5
/// step 6.
fn check_one_approval<'a>(
    at: &Artifact,
    path: &'a str,
    value: &'a Value,
    on: &Judging<'a>,
    seen_ids: &mut HashSet<&'a str>,
    f: &mut Findings,
) -> Option<JudgedApproval<'a>> {
    let env = parse_jcs_header(value, ENVELOPE_TYPE, &at.label, &at.location, f)?;
    // The approval is valid when none of the checks below fails.
    let first_check = f.checks.len();
    check_approval_schema(at, &env, f);
    env.payload.as_object()?;
    let view = ApprovalView::read(env.payload);
    let signature_ok = check_approval_signature(at, &env, f);
    let entry = check_approver(at, &env, &view, on.ctx, f);
    let side = on.bundle.as_ref();
    check_approval_policy(at, &view, side.map(|b| b.policy_hash), f);
    let plan_link_failed = check_approval_plan(at, &view, side.map(|b| &b.plans), f);
    check_approval_job(at, &view, side.map(|b| b.checkpoint), f);
    check_approval_replay(at, &view, side.map(|_| seen_ids), f);
    check_approval_time(at, &view, side.map(|b| b.checkpoint), f);

    let valid = !failed_since(f, first_check);
    if valid && side.is_some() {
        at.pass(
            f,
            "approval.binding",
            format!(
                "the {} ({}) is bound to gate \"{}\" of job \"{}\" under this policy",
                at.label,
                view.approval_type,
                short(view.binding_gate),
                short(view.binding_job)
            ),
        );
    }
    Some(JudgedApproval {
        path,
        view,
        valid,
        authentic: signature_ok && entry.is_some(),
        signer_did: env.signer_did,
        entry,
        plan_link_failed,
    })
}

/// Schema: the envelope (SHA-256 only; the nine keys and an optional expires_at), the payload.
fn check_approval_schema(at: &Artifact, env: &Envelope, f: &mut Findings) {
    let label = &at.label;
    if env.hash_algorithm != "SHA-256" {
        at.fail(
            f,
            "approval.schema",
            ReasonCode::UnknownHashAlgorithm,
            format!(
                "the {label} uses hash_algorithm {}, approvals require SHA-256",
                env.hash_algorithm
            ),
        );
    } else if let Some(extra) = env
        .raw
        .keys()
        .find(|k| !REQUIRED_KEYS.contains(k) && *k != "expires_at")
    {
        at.fail(
            f,
            "approval.schema",
            ReasonCode::SchemaValidationFailed,
            format!(
                "the {label} has an envelope field \"{}\" its schema does not allow",
                short(extra)
            ),
        );
    } else if let Err(why) = validate_approval_payload(env.payload) {
        at.fail(
            f,
            "approval.schema",
            ReasonCode::SchemaValidationFailed,
            format!("the {label}'s payload does not follow the approval schema: {why}"),
        );
    } else {
        at.pass(f, "approval.schema", format!("the {label} follows the approval schema"));
    }
}

/// The JCS payload hash, then the signature; returns whether the signature verified.
fn check_approval_signature(at: &Artifact, env: &Envelope, f: &mut Findings) -> bool {
    let hash = jcs_hash(env.payload);
    if hash != env.payload_hash_b64u {
        at.fail(
            f,
            "approval.hash",
            ReasonCode::HashMismatch,
            format!(
                "the {}'s payload hashes (JCS) to {hash}, but payload_hash_b64u says {}",
                at.label, env.payload_hash_b64u
            ),
        );
    }
    match env.verify_signature(&at.label) {
        Ok(()) => true,
        Err(failure) => {
            at.record(f, failure);
            false
        }
    }
}

/// The signer is a trusted approver, and the approval names that approver's subject.
/// Returns the signer's trust entry.
fn check_approver<'a>(
    at: &Artifact,
    env: &Envelope,
    view: &ApprovalView,
    ctx: &'a VerifyContext,
    f: &mut Findings,
) -> Option<&'a ApproverEntry> {
    let label = &at.label;
    let entry = ctx.trust.approver(env.signer_did);
    match entry {
        Some(_) => at.pass(
            f,
            "approval.trust",
            format!("the {label}'s signer is a trusted approver"),
        ),
        None => at.fail(
            f,
            "approval.trust",
            ReasonCode::SignerNotTrusted,
            format!(
                "the {label} is signed by {}, which is not a trusted approver",
                env.signer_did
            ),
        ),
    }
    if let Some(e) = entry {
        if view.approver_subject != e.identity() {
            at.fail(
                f,
                "approval.subject",
                ReasonCode::ApprovalSubjectMismatch,
                format!(
                    "the {label} names approver_subject \"{}\", but its signer's trust entry is \"{}\"",
                    short(view.approver_subject),
                    short(e.identity())
                ),
            );
        }
    }
    entry
}

/// The approval is given under the bundle's policy (`bundle_policy`: the bundle's policy hash,
/// if it has one; `None` for an approval on its own).
fn check_approval_policy(at: &Artifact, view: &ApprovalView, bundle_policy: Option<Option<&str>>, f: &mut Findings) {
    let label = &at.label;
    let claimed = view.policy_hash;
    let Some(policy_hash) = bundle_policy else {
        at.skip(
            f,
            "approval.policy",
            format!(
                "no policy given: the {label}'s policy binding (policy_hash_b64u {}) was not checked",
                short(claimed)
            ),
        );
        return;
    };
    match policy_hash {
        Some(h) if h == claimed => {}
        Some(h) => at.fail(
            f,
            "approval.policy",
            ReasonCode::PolicyHashMismatch,
            format!(
                "the {label} approves under policy {}, but the bundle's policy is {h}",
                short(claimed)
            ),
        ),
        None => at.fail(
            f,
            "approval.policy",
            ReasonCode::PolicyHashMismatch,
            format!(
                "the {label} approves under policy {}, but the bundle has no policy",
                short(claimed)
            ),
        ),
    }
}

/// The plan hash names a plan of the bundle, and the scope hash covers the approval's gate and
/// job, that plan and the policy, with the gate and job the plan's own. Returns the check that
/// failed, if one did. With no plans (an approval on its own) the plan binding is not checked,
/// and the scope hash is judged over what the approval names.
fn check_approval_plan(
    at: &Artifact,
    view: &ApprovalView,
    plans: Option<&HashMap<&str, &PlanView>>,
    f: &mut Findings,
) -> Option<&'static str> {
    let label = &at.label;
    let Some(plans) = plans else {
        at.skip(
            f,
            "approval.plan",
            format!(
                "no plan given: the {label}'s plan binding (plan_hash_b64u {}, and the plan's own gate and job) was not checked",
                short(view.plan_hash)
            ),
        );
        return match check_approval_scope(at, view, f) {
            true => {
                at.pass(
                    f,
                    "approval.scope",
                    format!(
                        "the {label}'s scope hash covers gate \"{}\", job \"{}\", plan {} and policy {}",
                        short(view.binding_gate),
                        short(view.binding_job),
                        short(view.plan_hash),
                        short(view.policy_hash)
                    ),
                );
                None
            }
            false => Some("approval.scope"),
        };
    };
    let Some(plan) = plans.get(view.plan_hash) else {
        at.fail(
            f,
            "approval.plan",
            ReasonCode::ApprovalPlanUnknown,
            format!(
                "the {label} approves plan {}, which is not in the bundle",
                short(view.plan_hash)
            ),
        );
        return Some("approval.plan");
    };
    if !check_approval_scope(at, view, f) {
        Some("approval.scope")
    } else if plan.gate_id != Some(view.binding_gate) || plan.job_id != Some(view.binding_job) {
        at.fail(
            f,
            "approval.scope",
            ReasonCode::ApprovalScopeMismatch,
            format!(
                "the {label} is bound to gate \"{}\" and job \"{}\", but its plan {} is for gate {} and job {}",
                short(view.binding_gate),
                short(view.binding_job),
                plan.path,
                crate::clawsig::envelope::describe(plan.value.get("gate_id")),
                crate::clawsig::envelope::describe(plan.value.get("job_id"))
            ),
        );
        Some("approval.scope")
    } else {
        None
    }
}

/// The scope hash is the hash of the gate, job, plan and policy the approval names
/// (`approval.scope`, recorded when it is not). Returns whether it is.
fn check_approval_scope(at: &Artifact, view: &ApprovalView, f: &mut Findings) -> bool {
    let scope = approval_scope_hash(view.binding_gate, view.binding_job, view.plan_hash, view.policy_hash);
    if scope == view.scope_hash {
        return true;
    }
    at.fail(
        f,
        "approval.scope",
        ReasonCode::ApprovalScopeMismatch,
        format!(
            "the {}'s scope (gate, job, plan, policy) hashes to {scope}, but scope_hash_b64u says {}",
            at.label,
            short(view.scope_hash)
        ),
    );
    false
}

/// The approval is for the bundle's job, and for its run when both name one (`None`: an
/// approval on its own, whose job is not checked).
fn check_approval_job(at: &Artifact, view: &ApprovalView, checkpoint: Option<&CheckpointView>, f: &mut Findings) {
    let label = &at.label;
    let Some(checkpoint) = checkpoint else {
        let run = view
            .binding_run
            .map(|r| format!(", run \"{}\"", short(r)))
            .unwrap_or_default();
        at.skip(
            f,
            "approval.job",
            format!(
                "no checkpoint given: the {label}'s job binding (job \"{}\"{run}) was not compared with a bundle's subject",
                short(view.binding_job)
            ),
        );
        return;
    };
    if view.binding_job != checkpoint.job_id {
        at.fail(
            f,
            "approval.job",
            ReasonCode::ApprovalJobMismatch,
            format!(
                "the {label} is for job \"{}\", but the bundle's job is \"{}\"",
                short(view.binding_job),
                short(&checkpoint.job_id)
            ),
        );
    } else if let (Some(run), Some(subject_run)) = (view.binding_run, checkpoint.run_id.as_deref()) {
        if run != subject_run {
            at.fail(
                f,
                "approval.job",
                ReasonCode::ApprovalJobMismatch,
                format!(
                    "the {label} is for run \"{}\", but the bundle's run is \"{}\"",
                    short(run),
                    short(subject_run)
                ),
            );
        }
    }
}

/// No earlier approval (in path order) has the same receipt_id (`None`: an approval on its
/// own, which has no other approvals to repeat).
fn check_approval_replay<'a>(
    at: &Artifact,
    view: &ApprovalView<'a>,
    seen_ids: Option<&mut HashSet<&'a str>>,
    f: &mut Findings,
) {
    let Some(seen_ids) = seen_ids else {
        at.skip(
            f,
            "approval.replay",
            format!(
                "no other approvals given: whether the {}'s receipt_id \"{}\" repeats another's was not checked",
                at.label,
                short(view.receipt_id)
            ),
        );
        return;
    };
    if !seen_ids.insert(view.receipt_id) {
        at.fail(
            f,
            "approval.replay",
            ReasonCode::ApprovalReplay,
            format!(
                "the {} repeats receipt_id \"{}\" of an earlier approval",
                at.label,
                short(view.receipt_id)
            ),
        );
    }
}

/// The approval was given before the checkpoint was created (`None`: an approval on its own).
fn check_approval_time(at: &Artifact, view: &ApprovalView, checkpoint: Option<&CheckpointView>, f: &mut Findings) {
    let Some(checkpoint) = checkpoint else {
        at.skip(
            f,
            "approval.time",
            format!(
                "no checkpoint given: whether the {} was given ({}) before a checkpoint was created was not checked",
                at.label,
                short(view.timestamp)
            ),
        );
        return;
    };
    if let Some(ts) = parse_rfc3339(view.timestamp) {
        if ts > checkpoint.created_at {
            at.fail(
                f,
                "approval.time",
                ReasonCode::CausalClockContradiction,
                format!(
                    "the {} was given at {}, after the checkpoint was created ({})",
                    at.label,
                    format_rfc3339(ts),
                    format_rfc3339(checkpoint.created_at)
                ),
            );
        }
    }
}

/// A plan verified on its own (`clawaudit verify plan.json`): its format (`gate.plan`, as in a
/// bundle); its hash is what approvals name. Its job, its gate in a policy and the gate's
/// approvals need the rest of a bundle and are recorded as not checked. Returns the plan hash
/// and, when the plan follows the format, its job.
pub fn check_plan_alone(plan: &Value, f: &mut Findings) -> (String, Option<String>) {
    let at = Artifact::alone("plan");
    let hash = plan_hash(plan);
    let Some(fields) = plan_format(&at, plan, f) else {
        return (hash, None);
    };
    let gate = short(fields.gate_id);
    at.pass(
        f,
        "gate.plan",
        format!("the {} follows the plan format; it hashes (JCS) to {hash}", at.label),
    );
    at.skip(
        f,
        "gate.plan",
        format!(
            "no checkpoint given: the {}'s job \"{}\" was not compared with a bundle's job",
            at.label,
            short(fields.job_id)
        ),
    );
    at.skip(
        f,
        "gate.exists",
        format!("no policy given: whether a policy declares gate \"{gate}\" was not checked"),
    );
    at.skip(
        f,
        "gate.quorum",
        format!("no approvals given: the approvals of gate \"{gate}\" and their quorum were not checked"),
    );
    (hash, Some(fields.job_id.to_string()))
}

/// The plan format (`gate.plan`, recorded when the plan breaks it), then the plan's fields.
fn plan_format<'a>(at: &Artifact, plan: &'a Value, f: &mut Findings) -> Option<PlanFields<'a>> {
    match PlanFields::of(plan) {
        Ok(fields) => Some(fields),
        Err(why) => {
            at.fail(
                f,
                "gate.plan",
                ReasonCode::SchemaValidationFailed,
                format!("the {} does not follow the plan format: {why}", at.label),
            );
            None
        }
    }
}

/// One plan's gate: the plan's format and job, the gate in the policy, no trusted deny, then
/// the quorum. Returns the quorum when it was judged.
fn check_gate<'a>(
    plan: &'a PlanView<'a>,
    applying: &[&'a JudgedApproval<'a>],
    side: &BundleSide<'a>,
    on: &Judging<'a>,
    f: &mut Findings,
) -> Option<Quorum<'a>> {
    let at = Artifact::new("plan", plan.path);
    let (fields, gate) = plan_gate(&at, plan.value, side.policy, &side.checkpoint.job_id, f)?;
    if denied(&at, fields.gate_id, applying, f) {
        return None;
    }
    let quorum = Quorum::count(fields, gate, applying, side, on);
    quorum.record(&at, f);
    Some(quorum)
}

/// A plan's format and job (`gate.plan`), then its gate in the policy (`gate.exists`).
fn plan_gate<'a, 'p>(
    at: &Artifact,
    plan: &'a Value,
    policy: Option<&'p PolicyInfo>,
    job_id: &str,
    f: &mut Findings,
) -> Option<(PlanFields<'a>, &'p ApprovalGate)> {
    let fields = plan_format(at, plan, f)?;
    if fields.job_id != job_id {
        at.fail(
            f,
            "gate.plan",
            ReasonCode::ApprovalJobMismatch,
            format!(
                "the {} is for job {}, but the bundle's job is \"{}\"",
                at.label,
                crate::clawsig::envelope::describe(plan.get("job_id")),
                short(job_id)
            ),
        );
    }
    let gate = declared_gate(at, fields.gate_id, policy, f)?;
    Some((fields, gate))
}

/// A plan of a rotation run on its own (spec 30 §4, findings with `seq: null`): the plan
/// format, its job, and its gate in the policy, with the codes and check ids of step 6. Its
/// quorum is judged by [`gate_at`] when a phase starts. Returns whether every check passed.
pub fn check_plan_in_run(
    path: &str,
    plan: &Value,
    policy: Option<&PolicyInfo>,
    job_id: &str,
    f: &mut Findings,
) -> bool {
    let first = f.checks.len();
    let at = Artifact::new("plan", path);
    plan_gate(&at, plan, policy, job_id, f).is_some() && !failed_since(f, first)
}

/// When the approvals of a gate count (spec 30 §4 rule 2): after the plan was proposed, not
/// after the phase start, and (approvals, not denials) at most `approval_ttl_seconds` before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApprovalWindow {
    /// The `plan_proposed` event's time.
    pub proposed_at: Millis,
    /// The `phase_start` event's time.
    pub phase_start: Millis,
}

/// The verdict on a gate at a phase start: whether it is satisfied, who counted, and why
/// each other approval of the plan did not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GateVerdict {
    pub satisfied: bool,
    /// Trusted explicit denials in the window, by approval path (a deny always wins).
    pub denied_by: Vec<String>,
    /// The receipt ids of the approvals that counted.
    pub counted: Vec<String>,
    /// `(receipt id, why)` for every other approval of the plan.
    pub not_counted: Vec<(String, String)>,
    /// One sentence: the quorum (as `gate.quorum` words it), or the deny.
    pub detail: String,
}

/// The quorum of the gate of the plan at `plan_path`, counted over the approvals of that plan
/// that fall in `window` (spec 30 §4 rule 2), with the spec 20 step 6 rules of
/// `check_approvals`: each approval is judged exactly as there (its findings are not
/// recorded again here; the caller recorded them with [`check_each_approval`]).
#[allow(clippy::too_many_arguments)]
pub fn gate_at(
    approvals: &[(String, Value)],
    plans: &[(String, Value)],
    policy: Option<&PolicyInfo>,
    checkpoint: &CheckpointView,
    ctx: &VerifyContext,
    plan_path: &str,
    window: ApprovalWindow,
) -> GateVerdict {
    let plan_views: Vec<PlanView> = plans.iter().map(|(p, v)| PlanView::read(p, v)).collect();
    let Some(plan) = plan_views.iter().find(|p| p.path == plan_path) else {
        return GateVerdict {
            detail: format!("{plan_path} is not in the run"),
            ..GateVerdict::default()
        };
    };
    let side = BundleSide {
        policy,
        policy_hash: policy.map(|p| p.hash_b64u.as_str()),
        plans: plan_views.iter().map(|p| (p.hash.as_str(), p)).collect(),
        checkpoint,
    };
    let on = Judging {
        ctx,
        bundle: Some(side),
    };
    let mut order: Vec<&(String, Value)> = approvals.iter().collect();
    order.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let (mut scratch, mut seen) = (Findings::new(), HashSet::new());
    let judged: Vec<JudgedApproval> = order
        .into_iter()
        .filter_map(|(path, v)| {
            check_one_approval(&Artifact::new("approval", path), path, v, &on, &mut seen, &mut scratch)
        })
        .filter(|j| j.view.plan_hash == plan.hash)
        .collect();
    let Some(side) = &on.bundle else {
        return GateVerdict::default();
    };
    let Some((fields, gate)) = plan_gate(
        &Artifact::new("plan", plan.path),
        plan.value,
        policy,
        &checkpoint.job_id,
        &mut scratch,
    ) else {
        return GateVerdict {
            detail: format!("the gate of {plan_path} cannot be judged: {}", first_detail(&scratch)),
            ..GateVerdict::default()
        };
    };
    let mut verdict = GateVerdict::default();
    let mut in_window: Vec<&JudgedApproval> = Vec::with_capacity(judged.len());
    for j in &judged {
        match outside_window(j, gate, window) {
            Some(why) if !is_deny_in_window(j, window) => {
                verdict.not_counted.push((j.view.receipt_id.to_string(), why))
            }
            _ => in_window.push(j),
        }
    }
    let mut deny = Findings::new();
    if denied(&Artifact::new("plan", plan.path), fields.gate_id, &in_window, &mut deny) {
        verdict.denied_by = in_window
            .iter()
            .filter(|a| a.authentic && a.view.approval_type == "explicit_deny")
            .map(|a| a.path.to_string())
            .collect();
        verdict.detail = first_detail(&deny);
        return verdict;
    }
    in_window.retain(|j| outside_window(j, gate, window).is_none());
    let quorum = Quorum::count(fields, gate, &in_window, side, &on);
    verdict.satisfied = quorum.met();
    for (a, why) in &quorum.votes {
        match why {
            None => verdict.counted.push(a.view.receipt_id.to_string()),
            Some(w) => verdict.not_counted.push((a.view.receipt_id.to_string(), w.clone())),
        }
    }
    let mut detail = quorum.detail();
    let outside: Vec<String> = verdict
        .not_counted
        .iter()
        .filter(|(id, _)| !quorum.votes.iter().any(|(a, _)| a.view.receipt_id == id))
        .map(|(id, why)| format!("{} ({why})", short(id)))
        .collect();
    if !outside.is_empty() {
        detail.push_str(&format!("; outside the approval window: {}", outside.join("; ")));
    }
    verdict.detail = detail;
    verdict
}

fn first_detail(f: &Findings) -> String {
    f.first_failure().map(|c| c.detail.clone()).unwrap_or_default()
}

/// A trusted deny dated after the proposal and not after the phase start (any age).
fn is_deny_in_window(j: &JudgedApproval, window: ApprovalWindow) -> bool {
    j.view.approval_type == "explicit_deny"
        && parse_rfc3339(j.view.timestamp).is_some_and(|t| t > window.proposed_at && t <= window.phase_start)
}

/// Why an approval falls outside the window of the gate, if it does.
fn outside_window(j: &JudgedApproval, gate: &ApprovalGate, window: ApprovalWindow) -> Option<String> {
    let Some(t) = parse_rfc3339(j.view.timestamp) else {
        return Some("its timestamp is not an RFC 3339 date-time".into());
    };
    if t <= window.proposed_at {
        return Some(format!(
            "given at {}, not after the plan was proposed at {}",
            format_rfc3339(t),
            format_rfc3339(window.proposed_at)
        ));
    }
    if t > window.phase_start {
        return Some(format!(
            "given at {}, after the phase started at {}",
            format_rfc3339(t),
            format_rfc3339(window.phase_start)
        ));
    }
    let ttl_ms = gate
        .approval_ttl_seconds
        .map(|s| i64::try_from(s).unwrap_or(i64::MAX).saturating_mul(1000));
    match ttl_ms {
        Some(ttl) if window.phase_start.saturating_sub(t) > ttl => Some(format!(
            "given at {}, more than approval_ttl_seconds {} before the phase started at {}",
            format_rfc3339(t),
            gate.approval_ttl_seconds.unwrap_or_default(),
            format_rfc3339(window.phase_start)
        )),
        _ => None,
    }
}

/// The gate a plan is for, as the policy declares it (`gate.exists`).
fn declared_gate<'p>(
    at: &Artifact,
    gate_id: &str,
    policy: Option<&'p PolicyInfo>,
    f: &mut Findings,
) -> Option<&'p ApprovalGate> {
    let label = &at.label;
    let gate = match policy {
        None => {
            at.fail(
                f,
                "gate.exists",
                ReasonCode::ApprovalGateUnknown,
                format!(
                    "the {label} is for gate \"{}\", but the bundle has no policy",
                    short(gate_id)
                ),
            );
            return None;
        }
        Some(p) => match (&p.extension_error, p.extension.as_ref().and_then(|e| e.gate(gate_id))) {
            (Some(error), _) => {
                at.fail(
                    f,
                    "gate.exists",
                    ReasonCode::PolicyExtensionInvalid,
                    format!(
                        "the {label}'s gate \"{}\" cannot be judged: the policy's clawaudit extension is invalid ({error})",
                        short(gate_id),
                    ),
                );
                return None;
            }
            (None, Some(g)) => g,
            (None, None) => {
                at.fail(
                    f,
                    "gate.exists",
                    ReasonCode::ApprovalGateUnknown,
                    format!(
                        "the {label} is for gate \"{}\", which the policy does not declare",
                        short(gate_id)
                    ),
                );
                return None;
            }
        },
    };
    if gate.min_approvers < 1 {
        // The extension parser refuses this already; kept so the rule holds on its own.
        at.fail(
            f,
            "gate.exists",
            ReasonCode::PolicyExtensionInvalid,
            format!(
                "gate \"{}\" asks for min_approvers {}, at least 1 is required",
                short(gate_id),
                gate.min_approvers
            ),
        );
        return None;
    }
    at.pass(
        f,
        "gate.exists",
        format!("the {label} is for gate \"{}\" of the policy", short(gate_id)),
    );
    Some(gate)
}

/// A trusted `explicit_deny` always wins (`gate.deny`). Returns whether the gate was denied.
fn denied(at: &Artifact, gate_id: &str, applying: &[&JudgedApproval], f: &mut Findings) -> bool {
    let denials: Vec<&str> = applying
        .iter()
        .filter(|a| a.authentic && a.view.approval_type == "explicit_deny")
        .map(|a| a.path)
        .collect();
    if denials.is_empty() {
        return false;
    }
    at.fail(
        f,
        "gate.deny",
        ReasonCode::ApprovalDenied,
        format!(
            "gate \"{}\" was denied by a trusted approver ({}); a deny always wins",
            short(gate_id),
            denials.join(", ")
        ),
    );
    true
}

/// How a gate's quorum came out: the distinct identities that counted and, for every approval
/// that applies to the gate, why it did not count. The `gate.quorum` check and the gate's
/// facts are both built from it.
struct Quorum<'a> {
    gate_id: &'a str,
    gate: &'a ApprovalGate,
    /// Approver identities that counted, in approval path order.
    counted: Vec<&'a str>,
    /// Every approval that applies, with why it did not count (`None`: it counted).
    votes: Vec<(&'a JudgedApproval<'a>, Option<String>)>,
}

impl<'a> Quorum<'a> {
    /// Count the approvals that apply to the gate, in path order.
    fn count(
        plan: PlanFields<'a>,
        gate: &'a ApprovalGate,
        applying: &[&'a JudgedApproval<'a>],
        side: &BundleSide<'a>,
        on: &Judging<'a>,
    ) -> Quorum<'a> {
        // Identities that may not approve an independent gate: the requester and the agent.
        let requester = plan.requested_by;
        let requester_subject = on.ctx.trust.approver(requester).map(ApproverEntry::identity);
        let mut q = Quorum {
            gate_id: plan.gate_id,
            gate,
            counted: Vec::new(),
            votes: Vec::with_capacity(applying.len()),
        };
        for &a in applying {
            let why = q.why_not_counted(
                a,
                requester,
                requester_subject,
                side.checkpoint.agent_did.as_deref(),
                on,
            );
            q.votes.push((a, why));
        }
        q
    }

    /// Why `a` does not count, or `None` after counting it.
    fn why_not_counted(
        &mut self,
        a: &JudgedApproval<'a>,
        requester: &str,
        requester_subject: Option<&str>,
        agent_did: Option<&str>,
        on: &Judging<'a>,
    ) -> Option<String> {
        if !a.valid {
            return Some("it did not verify".into());
        }
        if a.view.approval_type != "explicit_approve" {
            return Some(format!("it is {}, not explicit_approve", a.view.approval_type));
        }
        let Some(entry) = a.entry else {
            return Some("its signer is not a trusted approver".into());
        };
        let identity = entry.identity();
        let agents: Vec<&str> = [Some(a.view.agent_did), agent_did]
            .into_iter()
            .flatten()
            .filter(|d| !d.is_empty())
            .collect();
        let agent_subjects: Vec<&str> = agents
            .iter()
            .filter_map(|d| on.ctx.trust.approver(d).map(ApproverEntry::identity))
            .collect();
        let independent = self.gate.independent_of_requester;
        if let Some(group) = self
            .gate
            .approver_group
            .as_deref()
            .filter(|g| !entry.groups.iter().any(|e| e == g))
        {
            Some(format!("{} is not in group \"{}\"", short(identity), short(group)))
        } else if independent && (a.signer_did == requester || requester_subject == Some(identity)) {
            Some(format!("{} is the requester", short(identity)))
        } else if independent && (agents.contains(&a.signer_did) || agent_subjects.contains(&identity)) {
            Some(format!("{} is the agent", short(identity)))
        } else if self.counted.contains(&identity) {
            Some(format!("{} already counted", short(identity)))
        } else {
            self.counted.push(identity);
            None
        }
    }

    fn met(&self) -> bool {
        self.counted.len() as u64 >= self.gate.min_approvers
    }

    /// "gate "g": 1 of 2 distinct approvers (a), requester excluded, group "b"; not counted: …"
    fn detail(&self) -> String {
        let mut detail = format!(
            "gate \"{}\": {} of {} distinct approvers",
            short(self.gate_id),
            self.counted.len(),
            self.gate.min_approvers
        );
        if !self.counted.is_empty() {
            detail.push_str(&format!(
                " ({})",
                self.counted.iter().map(|c| short(c)).collect::<Vec<_>>().join(", ")
            ));
        }
        if self.gate.independent_of_requester {
            detail.push_str(", requester excluded");
        }
        if let Some(g) = &self.gate.approver_group {
            detail.push_str(&format!(", group \"{}\"", short(g)));
        }
        let not_counted: Vec<String> = self
            .votes
            .iter()
            .filter_map(|(a, why)| why.as_ref().map(|why| format!("{} ({why})", a.path)))
            .collect();
        if !not_counted.is_empty() {
            detail.push_str(&format!("; not counted: {}", not_counted.join("; ")));
        }
        detail
    }

    /// The `gate.quorum` check.
    fn record(&self, at: &Artifact, f: &mut Findings) {
        if self.met() {
            at.pass(f, "gate.quorum", self.detail());
        } else {
            at.fail(f, "gate.quorum", ReasonCode::ApprovalQuorumNotMet, self.detail());
        }
    }

    /// The link from the approvals of the plan at `plan_entry` to the gate's quorum.
    fn link(&self, plan_entry: &str) -> Binding {
        Binding::new(
            format!("approvals ({plan_entry})"),
            format!("gate \"{}\" quorum", short(self.gate_id)),
            "gate.quorum",
            self.met(),
        )
    }

    /// The gate, for the plan at `plan_entry`, and every approval that applies to it.
    fn fact(&self, plan_entry: &str) -> GateFact {
        GateFact {
            gate_id: self.gate_id.to_string(),
            plan_entry: plan_entry.to_string(),
            min_approvers: self.gate.min_approvers,
            counted: self.counted.len() as u64,
            requester_excluded: self.gate.independent_of_requester,
            approver_group: self.gate.approver_group.clone(),
            approvals: self
                .votes
                .iter()
                .map(|(a, why)| ApprovalFact {
                    entry: a.path.to_string(),
                    approver_subject: a.view.approver_subject.to_string(),
                    approver_did: a.signer_did.to_string(),
                    method: a.view.approver_method.map(str::to_string),
                    decision: a.view.approval_type.to_string(),
                    timestamp: a.view.timestamp.to_string(),
                    counted: why.is_none(),
                    not_counted_because: why.clone(),
                })
                .collect(),
            quorum_met: self.met(),
        }
    }
}

/// The decision an approver records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Deny,
}

impl Decision {
    pub fn approval_type(self) -> &'static str {
        match self {
            Decision::Approve => "explicit_approve",
            Decision::Deny => "explicit_deny",
        }
    }
}

/// Everything `build_approval` needs besides the key.
#[derive(Clone, Debug)]
pub struct ApprovalRequest<'a> {
    pub plan: &'a Value,
    pub policy_hash_b64u: &'a str,
    pub approver_subject: &'a str,
    pub agent_did: &'a str,
    pub decision: Decision,
    /// RFC 3339; also the envelope's `issued_at`.
    pub timestamp: &'a str,
    /// Default: derived from the scope, signer, decision and time.
    pub receipt_id: Option<&'a str>,
    pub method: Option<&'a str>,
    pub run_id: Option<&'a str>,
}

/// Build a signed approval envelope for a plan (JCS-hashed payload, Clawsig signature).
pub fn build_approval(signer: &Signer, req: &ApprovalRequest) -> Result<Value, String> {
    let plan = PlanFields::of(req.plan)?;
    if parse_rfc3339(req.timestamp).is_none() {
        return Err(format!(
            "timestamp \"{}\" is not an RFC 3339 date-time",
            short(req.timestamp)
        ));
    }
    let plan_hash_b64u = plan_hash(req.plan);
    let scope = approval_scope_hash(plan.gate_id, plan.job_id, &plan_hash_b64u, req.policy_hash_b64u);
    let receipt_id = match req.receipt_id {
        Some(id) => id.to_string(),
        None => {
            let seed = format!(
                "{scope}\n{}\n{}\n{}",
                signer.did(),
                req.decision.approval_type(),
                req.timestamp
            );
            format!("apr_{}", sha256_b64u(seed.as_bytes()).get(..22).unwrap_or_default())
        }
    };
    let mut p = Object::new();
    p.insert("receipt_version", Value::from("1"));
    p.insert("receipt_id", Value::from(receipt_id));
    p.insert("approval_type", Value::from(req.decision.approval_type()));
    p.insert("approver_subject", Value::from(req.approver_subject));
    if let Some(m) = req.method {
        p.insert("approver_method", Value::from(m));
    }
    p.insert("agent_did", Value::from(req.agent_did));
    p.insert("scope_hash_b64u", Value::from(scope));
    if let Some(summary) = text(req.plan, "summary") {
        p.insert("scope_summary", Value::from(summary));
    }
    p.insert("policy_hash_b64u", Value::from(req.policy_hash_b64u));
    p.insert("plan_hash_b64u", Value::from(plan_hash_b64u));
    p.insert("hash_algorithm", Value::from("SHA-256"));
    p.insert("timestamp", Value::from(req.timestamp));
    let mut binding = Object::new();
    binding.insert("job_id", Value::from(plan.job_id));
    binding.insert("gate_id", Value::from(plan.gate_id));
    if let Some(run) = req.run_id {
        binding.insert("run_id", Value::from(run));
    }
    p.insert("binding", Value::Object(binding));
    let payload = Value::Object(p);
    validate_approval_payload(&payload)?;
    Ok(sign_jcs(signer, ENVELOPE_TYPE, payload, req.timestamp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_str;
    use crate::policy::cst::tests as ct;
    use crate::policy::wpc::{self, tests as wt};
    use crate::trust::ApproverEntry;

    const TS: &str = "2026-03-01T11:30:00Z";

    fn requester() -> Signer {
        crate::vectors::testkit::label_signer("requester")
    }
    fn alice() -> Signer {
        crate::vectors::testkit::label_signer("alice")
    }
    fn alice_laptop() -> Signer {
        crate::vectors::testkit::label_signer("alice-laptop")
    }
    fn bob() -> Signer {
        crate::vectors::testkit::label_signer("bob")
    }
    fn carol() -> Signer {
        crate::vectors::testkit::label_signer("carol-outsider")
    }
    fn agent() -> Signer {
        crate::vectors::testkit::label_signer("agent")
    }

    fn entry(s: &Signer, subject: &str, groups: &[&str]) -> ApproverEntry {
        ApproverEntry {
            did: s.did().to_string(),
            subject: Some(subject.to_string()),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            name: None,
        }
    }

    fn ctx() -> VerifyContext {
        let mut c = wt::ctx();
        c.trust.approvers = vec![
            entry(&alice(), "alice@example.com", &["change-board"]),
            entry(&alice_laptop(), "alice@example.com", &["change-board"]),
            entry(&bob(), "bob@example.com", &["change-board"]),
            entry(&carol(), "carol@example.com", &["finance"]),
            entry(&requester(), "rita@example.com", &["change-board"]),
            entry(&agent(), "agent@example.com", &["change-board"]),
        ];
        c
    }

    fn policy() -> PolicyInfo {
        wpc::read_policy_for_producer(&wt::signed_policy()).unwrap()
    }

    fn plan() -> Value {
        parse_str(&format!(
            r#"{{"plan_version":"1","gate_id":"stage_new_secret","job_id":"job-42","requested_by":"{}",
                 "summary":"stage the new database password","change_set":{{"secret":"db/password","action":"stage"}},
                 "backout":{{"action":"restore previous version"}}}}"#,
            requester().did()
        ))
        .unwrap()
    }

    const PLAN_PATH: &str = "artifacts/plans/stage_new_secret.json";

    fn approval(s: &Signer, subject: &str, decision: Decision, id: &str) -> Value {
        let policy_hash = policy().hash_b64u;
        let plan = plan();
        build_approval(
            s,
            &ApprovalRequest {
                plan: &plan,
                policy_hash_b64u: &policy_hash,
                approver_subject: subject,
                agent_did: agent().did(),
                decision,
                timestamp: TS,
                receipt_id: Some(id),
                method: Some("cli_confirm"),
                run_id: None,
            },
        )
        .unwrap()
    }

    /// An approval stored at `artifacts/approvals/<id>.json`.
    fn approval_file(s: &Signer, subject: &str, decision: Decision, id: &str) -> (String, Value) {
        (
            format!("artifacts/approvals/{id}.json"),
            approval(s, subject, decision, id),
        )
    }

    fn approve_alice() -> (String, Value) {
        approval_file(&alice(), "alice@example.com", Decision::Approve, "a1")
    }
    fn approve_bob() -> (String, Value) {
        approval_file(&bob(), "bob@example.com", Decision::Approve, "b1")
    }

    fn run_with(approvals: &[(String, Value)], plans: &[(String, Value)], c: &VerifyContext) -> Findings {
        judge_with(approvals, plans, c).0
    }

    fn judge_with(
        approvals: &[(String, Value)],
        plans: &[(String, Value)],
        c: &VerifyContext,
    ) -> (Findings, ApprovalsOutcome) {
        let p = policy();
        let mut f = Findings::new();
        let out = check_approvals(approvals, plans, Some(&p), &ct::checkpoint(None), c, &mut f);
        (f, out)
    }

    /// The findings and facts of `approvals` for the test plan.
    fn judge(approvals: &[(String, Value)]) -> (Findings, ApprovalsOutcome) {
        judge_with(approvals, &[(PLAN_PATH.into(), plan())], &ctx())
    }

    fn run(approvals: &[(String, Value)]) -> Findings {
        run_with(approvals, &[(PLAN_PATH.into(), plan())], &ctx())
    }

    fn code(f: &Findings) -> Option<ReasonCode> {
        f.first_failure().map(|c| c.reason_code)
    }

    /// Modify an approval payload and re-sign it honestly (JCS hash, same signer).
    fn tamper(s: &Signer, env: &Value, edit: impl FnOnce(&mut Object)) -> Value {
        let mut payload = env.get("payload").cloned().unwrap();
        edit(payload.as_object_mut().unwrap());
        sign_jcs(s, ENVELOPE_TYPE, payload, TS)
    }

    #[test]
    fn scope_hash_matches_hand_written_jcs() {
        let expected = sha256_b64u(
            br#"{"gate_id":"g1","job_id":"job-42","plan_hash_b64u":"PPPPPPPP","policy_hash_b64u":"WWWWWWWW"}"#,
        );
        assert_eq!(approval_scope_hash("g1", "job-42", "PPPPPPPP", "WWWWWWWW"), expected);
    }

    #[test]
    fn two_distinct_approvers_meet_the_quorum() {
        let f = run(&[approve_alice(), approve_bob()]);
        assert_eq!(f.first_failure(), None, "{:#?}", f.checks);
        let quorum = f.checks.iter().find(|c| c.id == "gate.quorum").unwrap();
        assert!(quorum.detail.contains("2 of 2 distinct approvers"), "{}", quorum.detail);
        assert!(quorum.detail.contains("requester excluded"), "{}", quorum.detail);
        assert_eq!(quorum.artifact().as_deref(), Some(PLAN_PATH));
    }

    #[test]
    fn quorum_one_short() {
        let f = run(&[approve_alice()]);
        assert_eq!(code(&f), Some(ReasonCode::ApprovalQuorumNotMet));
        assert!(f.first_failure().unwrap().detail.contains("1 of 2"));
    }

    #[test]
    fn requester_approving_does_not_count() {
        let rita = approval_file(&requester(), "rita@example.com", Decision::Approve, "r1");
        let f = run(&[approve_alice(), rita]);
        assert_eq!(code(&f), Some(ReasonCode::ApprovalQuorumNotMet));
        let detail = &f.first_failure().unwrap().detail;
        assert!(
            detail.contains("artifacts/approvals/r1.json (rita@example.com is the requester)"),
            "{detail}"
        );
    }

    #[test]
    fn requester_excluded_by_subject_with_another_key() {
        // The plan is requested by alice's laptop key: alice's other key is the same person.
        let mut p = plan();
        p.as_object_mut()
            .unwrap()
            .insert("requested_by", Value::from(alice_laptop().did()));
        let policy_hash = policy().hash_b64u;
        let mk = |s: &Signer, subject: &str, id: &str| {
            build_approval(
                s,
                &ApprovalRequest {
                    plan: &p,
                    policy_hash_b64u: &policy_hash,
                    approver_subject: subject,
                    agent_did: agent().did(),
                    decision: Decision::Approve,
                    timestamp: TS,
                    receipt_id: Some(id),
                    method: None,
                    run_id: None,
                },
            )
            .unwrap()
        };
        let approvals = [
            (
                "artifacts/approvals/a1.json".to_string(),
                mk(&alice(), "alice@example.com", "a1"),
            ),
            (
                "artifacts/approvals/b1.json".to_string(),
                mk(&bob(), "bob@example.com", "b1"),
            ),
        ];
        let f = run_with(&approvals, &[(PLAN_PATH.into(), p.clone())], &ctx());
        assert_eq!(code(&f), Some(ReasonCode::ApprovalQuorumNotMet));
        assert!(f
            .first_failure()
            .unwrap()
            .detail
            .contains("alice@example.com is the requester"));
    }

    #[test]
    fn agent_approving_does_not_count() {
        let a = approval_file(&agent(), "agent@example.com", Decision::Approve, "g1");
        let f = run(&[approve_alice(), a]);
        assert_eq!(code(&f), Some(ReasonCode::ApprovalQuorumNotMet));
        assert!(f.first_failure().unwrap().detail.contains("is the agent"));
    }

    #[test]
    fn two_keys_of_one_subject_count_once() {
        let laptop = approval_file(&alice_laptop(), "alice@example.com", Decision::Approve, "a2");
        let f = run(&[approve_alice(), laptop]);
        assert_eq!(code(&f), Some(ReasonCode::ApprovalQuorumNotMet));
        let detail = &f.first_failure().unwrap().detail;
        assert!(
            detail.contains("1 of 2 distinct approvers (alice@example.com)"),
            "{detail}"
        );
        assert!(detail.contains("already counted"), "{detail}");
    }

    #[test]
    fn wrong_group_does_not_count() {
        let c = approval_file(&carol(), "carol@example.com", Decision::Approve, "c1");
        let f = run(&[approve_alice(), c]);
        assert_eq!(code(&f), Some(ReasonCode::ApprovalQuorumNotMet));
        assert!(f
            .first_failure()
            .unwrap()
            .detail
            .contains("not in group \"change-board\""));
    }

    #[test]
    fn gate_facts_list_every_approval_with_the_reason_the_detail_gives() {
        let (bob_path, bob_env) = approve_bob();
        let auto = tamper(&bob(), &bob_env, |p| {
            p.insert("approval_type", Value::from("auto_approve"));
        });
        let stranger = crate::vectors::testkit::label_signer("stranger");
        let approvals = [
            approve_alice(),
            approval_file(&alice_laptop(), "alice@example.com", Decision::Approve, "a2"),
            (bob_path, auto),
            approval_file(&carol(), "carol@example.com", Decision::Approve, "c1"),
            approval_file(&agent(), "agent@example.com", Decision::Approve, "g1"),
            approval_file(&requester(), "rita@example.com", Decision::Approve, "r1"),
            approval_file(&stranger, "stranger@example.com", Decision::Approve, "s1"),
        ];
        let (f, out) = judge(&approvals);
        let [gate] = out.gates.as_slice() else {
            panic!("one gate expected: {out:#?}")
        };
        assert_eq!(
            (
                gate.gate_id.as_str(),
                gate.plan_entry.as_str(),
                gate.min_approvers,
                gate.counted
            ),
            ("stage_new_secret", PLAN_PATH, 2, 1)
        );
        assert!(gate.requester_excluded && !gate.quorum_met);
        assert_eq!(gate.approver_group.as_deref(), Some("change-board"));
        let reasons: Vec<(&str, Option<&str>)> = gate
            .approvals
            .iter()
            .map(|a| (a.entry.as_str(), a.not_counted_because.as_deref()))
            .collect();
        assert_eq!(
            reasons,
            [
                ("artifacts/approvals/a1.json", None),
                ("artifacts/approvals/a2.json", Some("alice@example.com already counted")),
                (
                    "artifacts/approvals/b1.json",
                    Some("it is auto_approve, not explicit_approve")
                ),
                (
                    "artifacts/approvals/c1.json",
                    Some("carol@example.com is not in group \"change-board\"")
                ),
                ("artifacts/approvals/g1.json", Some("agent@example.com is the agent")),
                ("artifacts/approvals/r1.json", Some("rita@example.com is the requester")),
                ("artifacts/approvals/s1.json", Some("it did not verify")),
            ]
        );
        let a1 = gate.approvals.first().unwrap();
        assert!(a1.counted);
        assert_eq!(
            (a1.approver_subject.as_str(), a1.approver_did.as_str()),
            ("alice@example.com", alice().did())
        );
        assert_eq!(
            (a1.method.as_deref(), a1.decision.as_str(), a1.timestamp.as_str()),
            (Some("cli_confirm"), "explicit_approve", TS)
        );
        let quorum = f.checks.iter().find(|c| c.id == "gate.quorum").unwrap();
        for a in &gate.approvals {
            assert_eq!(a.counted, a.not_counted_because.is_none());
            if let Some(why) = &a.not_counted_because {
                assert!(
                    quorum.detail.contains(&format!("{} ({why})", a.entry)),
                    "{}",
                    quorum.detail
                );
            }
        }
        // The links: each approval from the plan it names, then the approvals to the quorum.
        let links: Vec<(&str, &str, bool)> = out
            .bindings
            .iter()
            .map(|b| (b.to.as_str(), b.check_id.as_str(), b.holds))
            .collect();
        assert_eq!(links.len(), approvals.len() + 1);
        assert!(links.contains(&("approval (artifacts/approvals/a2.json)", "approval.binding", true)));
        assert_eq!(
            links.last(),
            Some(&("gate \"stage_new_secret\" quorum", "gate.quorum", false))
        );
        assert_eq!(
            out.plan_hashes.first().map(|h| h.value_b64u.clone()),
            Some(plan_hash(&plan()))
        );
    }

    #[test]
    fn a_denied_gate_has_no_quorum_fact() {
        let deny = approval_file(&carol(), "carol@example.com", Decision::Deny, "c1");
        let (f, out) = judge(&[approve_alice(), approve_bob(), deny]);
        assert_eq!(code(&f), Some(ReasonCode::ApprovalDenied));
        assert!(out.gates.is_empty(), "{out:#?}");
        assert!(out.bindings.iter().all(|b| b.check_id != "gate.quorum"));
    }

    #[test]
    fn explicit_deny_wins() {
        let deny = approval_file(&carol(), "carol@example.com", Decision::Deny, "c1");
        let f = run(&[approve_alice(), approve_bob(), deny]);
        assert_eq!(code(&f), Some(ReasonCode::ApprovalDenied));
        assert!(f
            .first_failure()
            .unwrap()
            .detail
            .contains("artifacts/approvals/c1.json"));
    }

    #[test]
    fn untrusted_approver() {
        let stranger = crate::vectors::testkit::label_signer("stranger");
        let s = approval_file(&stranger, "stranger@example.com", Decision::Approve, "s1");
        let f = run(&[approve_alice(), approve_bob(), s]);
        assert_eq!(code(&f), Some(ReasonCode::SignerNotTrusted));
        assert_eq!(
            f.first_failure().unwrap().artifact().as_deref(),
            Some("artifacts/approvals/s1.json")
        );
        // The quorum is still judged (and met by the two trusted approvals).
        assert!(f
            .checks
            .iter()
            .any(|c| c.id == "gate.quorum" && c.reason_code == ReasonCode::Ok));
    }

    #[test]
    fn subject_mismatch() {
        let a = approval_file(&alice(), "mallory@example.com", Decision::Approve, "a1");
        let f = run(&[a, approve_bob()]);
        assert_eq!(code(&f), Some(ReasonCode::ApprovalSubjectMismatch));
    }

    #[test]
    fn policy_mismatch() {
        let (path, env) = approve_alice();
        let other = sha256_b64u(b"other policy");
        let bad = tamper(&alice(), &env, |p| {
            p.insert("policy_hash_b64u", Value::from(other.as_str()));
        });
        let f = run(&[(path, bad), approve_bob()]);
        assert_eq!(code(&f), Some(ReasonCode::PolicyHashMismatch));
    }

    #[test]
    fn unknown_plan() {
        let (path, env) = approve_alice();
        let bad = tamper(&alice(), &env, |p| {
            p.insert("plan_hash_b64u", Value::from(sha256_b64u(b"another plan")));
        });
        let f = run(&[(path, bad), approve_bob()]);
        assert_eq!(code(&f), Some(ReasonCode::ApprovalPlanUnknown));
    }

    #[test]
    fn scope_mismatch() {
        let (path, env) = approve_alice();
        let bad = tamper(&alice(), &env, |p| {
            p.insert("scope_hash_b64u", Value::from(sha256_b64u(b"another scope")));
        });
        let f = run(&[(path.clone(), bad), approve_bob()]);
        assert_eq!(code(&f), Some(ReasonCode::ApprovalScopeMismatch));
        // A consistent scope hash over another gate than the plan's is also a scope mismatch.
        let policy_hash = policy().hash_b64u;
        let plan_hash_b64u = plan_hash(&plan());
        let bad = tamper(&alice(), &env, |p| {
            let mut b = Object::new();
            b.insert("job_id", Value::from("job-42"));
            b.insert("gate_id", Value::from("other_gate"));
            p.insert("binding", Value::Object(b));
            p.insert(
                "scope_hash_b64u",
                Value::from(approval_scope_hash(
                    "other_gate",
                    "job-42",
                    &plan_hash_b64u,
                    &policy_hash,
                )),
            );
        });
        let f = run(&[(path, bad), approve_bob()]);
        assert_eq!(code(&f), Some(ReasonCode::ApprovalScopeMismatch));
    }

    #[test]
    fn job_mismatch() {
        // The plan and approvals are for job-43; the checkpoint's job is job-42.
        let mut p43 = plan();
        p43.as_object_mut().unwrap().insert("job_id", Value::from("job-43"));
        let policy_hash = policy().hash_b64u;
        let a = build_approval(
            &alice(),
            &ApprovalRequest {
                plan: &p43,
                policy_hash_b64u: &policy_hash,
                approver_subject: "alice@example.com",
                agent_did: agent().did(),
                decision: Decision::Approve,
                timestamp: TS,
                receipt_id: Some("a1"),
                method: None,
                run_id: None,
            },
        )
        .unwrap();
        let f = run_with(
            &[("artifacts/approvals/a1.json".into(), a)],
            &[(PLAN_PATH.into(), p43)],
            &ctx(),
        );
        assert_eq!(code(&f), Some(ReasonCode::ApprovalJobMismatch));
    }

    #[test]
    fn replay() {
        let (_, env) = approve_alice();
        let f = run(&[
            ("artifacts/approvals/a1.json".into(), env.clone()),
            ("artifacts/approvals/a1-copy.json".into(), env),
            approve_bob(),
        ]);
        assert_eq!(code(&f), Some(ReasonCode::ApprovalReplay));
        // Path order: "a1-copy" sorts before "a1.json" ('-' < '.'), so the copy is first and
        // the later path is the replay.
        assert_eq!(
            f.first_failure().unwrap().artifact().as_deref(),
            Some("artifacts/approvals/a1.json")
        );
    }

    #[test]
    fn timestamp_after_checkpoint() {
        let (path, env) = approve_alice();
        let bad = tamper(&alice(), &env, |p| {
            p.insert("timestamp", Value::from("2026-03-01T12:00:01Z"));
        });
        let f = run(&[(path, bad), approve_bob()]);
        assert_eq!(code(&f), Some(ReasonCode::CausalClockContradiction));
    }

    #[test]
    fn gate_unknown_and_extension_invalid() {
        let mut p = plan();
        p.as_object_mut().unwrap().insert("gate_id", Value::from("deploy_prod"));
        let f = run_with(&[], &[("artifacts/plans/deploy_prod.json".into(), p.clone())], &ctx());
        assert_eq!(code(&f), Some(ReasonCode::ApprovalGateUnknown));

        let mut f = Findings::new();
        check_approvals(
            &[],
            &[(PLAN_PATH.into(), plan())],
            None,
            &ct::checkpoint(None),
            &ctx(),
            &mut f,
        );
        assert_eq!(code(&f), Some(ReasonCode::ApprovalGateUnknown));

        let mut broken = policy();
        broken.extension = None;
        broken.extension_error = Some("min_approvers is 0".into());
        let mut f = Findings::new();
        check_approvals(
            &[],
            &[(PLAN_PATH.into(), plan())],
            Some(&broken),
            &ct::checkpoint(None),
            &ctx(),
            &mut f,
        );
        assert_eq!(code(&f), Some(ReasonCode::PolicyExtensionInvalid));
    }

    #[test]
    fn envelope_hash_signature_and_schema() {
        let (path, env) = approve_alice();
        // Payload changed after signing.
        let mut changed = env.clone();
        changed
            .as_object_mut()
            .and_then(|o| o.get_mut("payload"))
            .and_then(Value::as_object_mut)
            .unwrap()
            .insert("scope_summary", Value::from("something else"));
        let f = run(&[(path.clone(), changed), approve_bob()]);
        assert_eq!(code(&f), Some(ReasonCode::HashMismatch));
        // Signature by another key under alice's DID.
        let forged = approval(&carol(), "alice@example.com", Decision::Approve, "a1");
        let mut spliced = env.clone();
        spliced
            .as_object_mut()
            .unwrap()
            .insert("signature_b64u", forged.get("signature_b64u").cloned().unwrap());
        let f = run(&[(path.clone(), spliced), approve_bob()]);
        assert_eq!(code(&f), Some(ReasonCode::SignatureInvalid));
        // Unknown payload field.
        let bad = tamper(&alice(), &env, |p| {
            p.insert("colour", Value::from("red"));
        });
        let f = run(&[(path.clone(), bad), approve_bob()]);
        assert_eq!(code(&f), Some(ReasonCode::SchemaValidationFailed));
        // Our required binding missing.
        let bad = tamper(&alice(), &env, |p| {
            p.remove("binding");
        });
        let f = run(&[(path.clone(), bad), approve_bob()]);
        assert_eq!(code(&f), Some(ReasonCode::SchemaValidationFailed));
        // Wrong envelope type.
        let mut wrong = env;
        wrong
            .as_object_mut()
            .unwrap()
            .insert("envelope_type", Value::from("gateway_receipt"));
        let f = run(&[(path, wrong), approve_bob()]);
        assert_eq!(code(&f), Some(ReasonCode::UnknownEnvelopeType));
    }

    #[test]
    fn invalid_plan() {
        let mut p = plan();
        p.as_object_mut().unwrap().remove("backout");
        let f = run_with(&[], &[(PLAN_PATH.into(), p)], &ctx());
        assert_eq!(code(&f), Some(ReasonCode::SchemaValidationFailed));
    }

    #[test]
    fn builder_output_follows_the_clawsig_schema_fields() {
        let (_, env) = approve_alice();
        let payload = env.get("payload").unwrap();
        assert_eq!(validate_approval_payload(payload), Ok(()));
        assert_eq!(
            env.get("payload_hash_b64u").and_then(Value::as_str),
            Some(jcs_hash(payload).as_str())
        );
        assert_eq!(
            payload.get("approval_type").and_then(Value::as_str),
            Some("explicit_approve")
        );
        assert_eq!(text(payload, "plan_hash_b64u"), Some(plan_hash(&plan()).as_str()));
    }

    fn alone(env: &Value, c: &VerifyContext) -> (Findings, Option<ApprovalInfo>) {
        let mut f = Findings::new();
        let info = check_approval_alone(env, c, &mut f);
        (f, info)
    }

    #[test]
    fn an_approval_alone_checks_itself_and_lists_what_needs_the_bundle() {
        use crate::report::{CheckStatus, Location};
        let (_, env) = approve_alice();
        let (f, info) = alone(&env, &ctx());
        assert_eq!(f.first_failure(), None, "{:#?}", f.checks);
        let status = |id: &str| f.checks.iter().find(|c| c.id == id).map(|c| c.status);
        for id in ["approval.schema", "approval.trust", "approval.scope"] {
            assert_eq!(status(id), Some(CheckStatus::Pass), "{id}");
        }
        for id in [
            "approval.policy",
            "approval.plan",
            "approval.job",
            "approval.replay",
            "approval.time",
            "gate.quorum",
        ] {
            assert_eq!(status(id), Some(CheckStatus::Skip), "{id}");
        }
        // The bundle's summary pass claims the policy, plan and job: not made here.
        assert_eq!(status("approval.binding"), None);
        assert!(f.checks.iter().all(|c| c.location == Location::Subject));
        let plan_skip = f.checks.iter().find(|c| c.id == "approval.plan").unwrap();
        assert!(
            plan_skip
                .detail
                .starts_with("no plan given: the approval's plan binding"),
            "{}",
            plan_skip.detail
        );
        let info = info.unwrap();
        assert_eq!(info.receipt_id.as_deref(), Some("a1"));
        assert_eq!(info.job_id.as_deref(), Some("job-42"));
        assert_eq!(info.gate_id.as_deref(), Some("stage_new_secret"));
        assert_eq!(info.agent_did.as_deref(), Some(agent().did()));
        assert_eq!(info.approver_did, alice().did());
    }

    #[test]
    fn an_approval_alone_fails_with_the_bundle_codes() {
        let first =
            |env: &Value, c: &VerifyContext| alone(env, c).0.first_failure().map(|c| (c.id.clone(), c.reason_code));
        let (_, good) = approve_alice();
        // Signed by carol, who is trusted, but naming alice.
        let carol_as_alice = approval(&carol(), "alice@example.com", Decision::Approve, "c1");
        assert_eq!(
            first(&carol_as_alice, &ctx()),
            Some(("approval.subject".into(), ReasonCode::ApprovalSubjectMismatch))
        );
        let mut c = ctx();
        c.trust.approvers.clear();
        assert_eq!(
            first(&good, &c),
            Some(("approval.trust".into(), ReasonCode::SignerNotTrusted))
        );
        // A payload byte changed after signing: the JCS hash comes first, as in a bundle.
        let mut edited = good.clone();
        if let Some(p) = edited
            .as_object_mut()
            .and_then(|o| o.get_mut("payload"))
            .and_then(Value::as_object_mut)
        {
            p.insert("receipt_id", Value::from("a2"));
        }
        assert_eq!(
            first(&edited, &ctx()),
            Some(("approval.hash".into(), ReasonCode::HashMismatch))
        );
        // A scope hash over another gate: judged from what the approval itself names.
        let wrong_scope = tamper(&alice(), &good, |p| {
            p.insert(
                "scope_hash_b64u",
                Value::from(approval_scope_hash("other_gate", "job-42", "P", "W")),
            );
        });
        assert_eq!(
            first(&wrong_scope, &ctx()),
            Some(("approval.scope".into(), ReasonCode::ApprovalScopeMismatch))
        );
        // The same approval in a bundle fails the same way.
        let f = run(&[("artifacts/approvals/a1.json".into(), wrong_scope)]);
        assert_eq!(code(&f), Some(ReasonCode::ApprovalScopeMismatch));
    }

    #[test]
    fn a_plan_alone_is_its_format_and_its_hash() {
        use crate::report::CheckStatus;
        let mut f = Findings::new();
        let (hash, job) = check_plan_alone(&plan(), &mut f);
        assert_eq!(f.first_failure(), None, "{:#?}", f.checks);
        assert_eq!(hash, sha256_b64u(crate::json::jcs::to_string(&plan()).as_bytes()));
        assert_eq!(job.as_deref(), Some("job-42"));
        let pass = f.checks.iter().find(|c| c.status == CheckStatus::Pass).unwrap();
        assert_eq!(pass.id, "gate.plan");
        assert!(pass.detail.ends_with(&hash), "{}", pass.detail);
        let skipped: Vec<&str> = f
            .checks
            .iter()
            .filter(|c| c.status == CheckStatus::Skip)
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(skipped, ["gate.plan", "gate.exists", "gate.quorum"]);

        let mut bad = plan();
        bad.as_object_mut().unwrap().remove("backout");
        let mut f = Findings::new();
        let (bad_hash, job) = check_plan_alone(&bad, &mut f);
        assert_eq!(bad_hash, plan_hash(&bad));
        assert_eq!(job, None);
        let failed = f.first_failure().unwrap();
        assert_eq!(
            (failed.id.as_str(), failed.reason_code),
            ("gate.plan", ReasonCode::SchemaValidationFailed)
        );
        assert_eq!(f.checks.len(), 1);
    }
}
