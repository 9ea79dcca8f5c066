//! Human approvals, the plans they approve, and approval-gate quorum: check step 6 of
//! sealed-bundle verification (spec 20 §2, §5), and the approval builder.
//!
//! A plan (`artifacts/plans/<gate_id>.json`) says what a gate approves; its hash is
//! `sha256_b64u(JCS(plan))`. An approval is a `human_approval_receipt` envelope whose payload
//! follows `poh/human_approval_receipt.v1.json`, is hashed with JCS, and additionally carries
//! `policy_hash_b64u`, `plan_hash_b64u`, `binding{job_id, gate_id}` and
//! `scope_hash_b64u = sha256_b64u(JCS({gate_id, job_id, plan_hash_b64u, policy_hash_b64u}))`.

use std::collections::{HashMap, HashSet};

use crate::clawsig::envelope::REQUIRED_KEYS;
use crate::clawsig::producer::Signer;
use crate::context::VerifyContext;
use crate::crypto::sha256_b64u;
use crate::json::{Object, Value};
use crate::reason::ReasonCode;
use crate::report::{Findings, Location};
use crate::signed_jcs::{jcs_hash, parse_jcs_header, sign_jcs};
use crate::timeutil::{format_rfc3339, parse_rfc3339};
use crate::trust::ApproverEntry;

use super::wpc::PolicyInfo;
use super::{short, CheckpointView};
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

/// What one approval turned out to be, for the gate phase.
#[derive(Clone, Debug)]
struct JudgedApproval {
    path: String,
    /// Passed every individual check.
    valid: bool,
    /// Signature verified and the signer is a trusted approver (enough for a deny to bind).
    authentic: bool,
    signer_did: String,
    entry: Option<ApproverEntry>,
    approval_type: String,
    agent_did: String,
    plan_hash: String,
}

/// A plan as read from the bundle.
#[derive(Clone, Debug)]
struct PlanView<'a> {
    path: &'a str,
    value: &'a Value,
    hash: String,
    gate_id: Option<&'a str>,
    job_id: Option<&'a str>,
    requested_by: Option<&'a str>,
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
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
) {
    let mut plan_order: Vec<&(String, Value)> = plans.iter().collect();
    plan_order.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let plan_views: Vec<PlanView> = plan_order
        .iter()
        .map(|(path, value)| PlanView {
            path,
            value,
            hash: plan_hash(value),
            gate_id: text(value, "gate_id"),
            job_id: text(value, "job_id"),
            requested_by: text(value, "requested_by"),
        })
        .collect();
    let plan_by_hash: HashMap<&str, &PlanView> = plan_views.iter().map(|p| (p.hash.as_str(), p)).collect();
    let policy_hash = policy
        .map(|p| p.hash_b64u.as_str())
        .or(checkpoint.policy_hash.as_deref());

    let mut approval_order: Vec<&(String, Value)> = approvals.iter().collect();
    approval_order.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut seen_ids: HashSet<&str> = HashSet::new();
    let mut judged: Vec<JudgedApproval> = Vec::with_capacity(approval_order.len());
    for (path, value) in approval_order {
        if let Some(j) = check_one_approval(
            path,
            value,
            &plan_by_hash,
            policy_hash,
            checkpoint,
            ctx,
            &mut seen_ids,
            f,
        ) {
            judged.push(j);
        }
    }

    let mut by_plan: HashMap<&str, Vec<&JudgedApproval>> = HashMap::new();
    for j in &judged {
        by_plan.entry(j.plan_hash.as_str()).or_default().push(j);
    }
    for plan in &plan_views {
        let applying = by_plan.get(plan.hash.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        check_gate(plan, applying, policy, checkpoint, ctx, f);
    }
}

#[allow(clippy::too_many_arguments)]
fn check_one_approval<'v>(
    path: &str,
    value: &'v Value,
    plans: &HashMap<&str, &PlanView>,
    policy_hash: Option<&str>,
    checkpoint: &CheckpointView,
    ctx: &VerifyContext,
    seen_ids: &mut HashSet<&'v str>,
    f: &mut Findings,
) -> Option<JudgedApproval> {
    let label = format!("approval {path}");
    let env = parse_jcs_header(value, ENVELOPE_TYPE, &label, &Location::entry(path), f)?;
    // The approval is valid when none of the checks below fails.
    let first_check = f.checks.len();
    let fail = |f: &mut Findings, id: &str, code: ReasonCode, detail: String| {
        f.fail_in_entry(id, code, path, detail);
    };

    // Schema: envelope (SHA-256 only; the nine keys and an optional expires_at), payload.
    if env.hash_algorithm != "SHA-256" {
        fail(
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
        fail(
            f,
            "approval.schema",
            ReasonCode::SchemaValidationFailed,
            format!(
                "the {label} has an envelope field \"{}\" its schema does not allow",
                short(extra)
            ),
        );
    } else if let Err(why) = validate_approval_payload(env.payload) {
        fail(
            f,
            "approval.schema",
            ReasonCode::SchemaValidationFailed,
            format!("the {label}'s payload does not follow the approval schema: {why}"),
        );
    } else {
        f.pass_in_entry(
            "approval.schema",
            path,
            format!("the {label} follows the approval schema"),
        );
    }
    env.payload.as_object()?;
    let p = env.payload;

    let hash = jcs_hash(p);
    if hash != env.payload_hash_b64u {
        fail(
            f,
            "approval.hash",
            ReasonCode::HashMismatch,
            format!(
                "the {label}'s payload hashes (JCS) to {hash}, but payload_hash_b64u says {}",
                env.payload_hash_b64u
            ),
        );
    }
    let signature_ok = match env.verify_signature(&label) {
        Ok(()) => true,
        Err(failure) => {
            f.record(&failure.in_entry(path));
            false
        }
    };
    let entry = ctx.trust.approver(env.signer_did).cloned();
    match &entry {
        Some(_) => f.pass_in_entry(
            "approval.trust",
            path,
            format!("the {label}'s signer is a trusted approver"),
        ),
        None => fail(
            f,
            "approval.trust",
            ReasonCode::SignerNotTrusted,
            format!(
                "the {label} is signed by {}, which is not a trusted approver",
                env.signer_did
            ),
        ),
    }
    let subject = text(p, "approver_subject").unwrap_or("");
    if let Some(e) = &entry {
        if subject != e.identity() {
            fail(
                f,
                "approval.subject",
                ReasonCode::ApprovalSubjectMismatch,
                format!(
                    "the {label} names approver_subject \"{}\", but its signer's trust entry is \"{}\"",
                    short(subject),
                    short(e.identity())
                ),
            );
        }
    }

    let claimed_policy = text(p, "policy_hash_b64u").unwrap_or("");
    match policy_hash {
        Some(h) if h == claimed_policy => {}
        Some(h) => fail(
            f,
            "approval.policy",
            ReasonCode::PolicyHashMismatch,
            format!(
                "the {label} approves under policy {}, but the bundle's policy is {h}",
                short(claimed_policy)
            ),
        ),
        None => fail(
            f,
            "approval.policy",
            ReasonCode::PolicyHashMismatch,
            format!(
                "the {label} approves under policy {}, but the bundle has no policy",
                short(claimed_policy)
            ),
        ),
    }

    let plan_hash_claim = text(p, "plan_hash_b64u").unwrap_or("");
    let binding_gate = p
        .get("binding")
        .and_then(|b| b.get("gate_id"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let binding_job = p
        .get("binding")
        .and_then(|b| b.get("job_id"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let plan = plans.get(plan_hash_claim);
    match plan {
        None => fail(
            f,
            "approval.plan",
            ReasonCode::ApprovalPlanUnknown,
            format!(
                "the {label} approves plan {}, which is not in the bundle",
                short(plan_hash_claim)
            ),
        ),
        Some(plan) => {
            let scope = approval_scope_hash(binding_gate, binding_job, plan_hash_claim, claimed_policy);
            let claimed_scope = text(p, "scope_hash_b64u").unwrap_or("");
            if scope != claimed_scope {
                fail(
                    f,
                    "approval.scope",
                    ReasonCode::ApprovalScopeMismatch,
                    format!(
                        "the {label}'s scope (gate, job, plan, policy) hashes to {scope}, but scope_hash_b64u says {}",
                        short(claimed_scope)
                    ),
                );
            } else if plan.gate_id != Some(binding_gate) || plan.job_id != Some(binding_job) {
                fail(
                    f,
                    "approval.scope",
                    ReasonCode::ApprovalScopeMismatch,
                    format!(
                        "the {label} is bound to gate \"{}\" and job \"{}\", but its plan {} is for gate {} and job {}",
                        short(binding_gate),
                        short(binding_job),
                        plan.path,
                        crate::clawsig::envelope::describe(plan.value.get("gate_id")),
                        crate::clawsig::envelope::describe(plan.value.get("job_id"))
                    ),
                );
            }
        }
    }

    let binding_run = p.get("binding").and_then(|b| b.get("run_id")).and_then(Value::as_str);
    if binding_job != checkpoint.job_id {
        fail(
            f,
            "approval.job",
            ReasonCode::ApprovalJobMismatch,
            format!(
                "the {label} is for job \"{}\", but the bundle's job is \"{}\"",
                short(binding_job),
                short(&checkpoint.job_id)
            ),
        );
    } else if let (Some(run), Some(subject_run)) = (binding_run, checkpoint.run_id.as_deref()) {
        if run != subject_run {
            fail(
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

    let receipt_id = text(p, "receipt_id").unwrap_or("");
    if !seen_ids.insert(receipt_id) {
        fail(
            f,
            "approval.replay",
            ReasonCode::ApprovalReplay,
            format!(
                "the {label} repeats receipt_id \"{}\" of an earlier approval",
                short(receipt_id)
            ),
        );
    }

    if let Some(ts) = text(p, "timestamp").and_then(parse_rfc3339) {
        if ts > checkpoint.created_at {
            fail(
                f,
                "approval.time",
                ReasonCode::CausalClockContradiction,
                format!(
                    "the {label} was given at {}, after the checkpoint was created ({})",
                    format_rfc3339(ts),
                    format_rfc3339(checkpoint.created_at)
                ),
            );
        }
    }

    let valid = !f
        .checks
        .get(first_check..)
        .unwrap_or_default()
        .iter()
        .any(|c| c.status == crate::report::CheckStatus::Fail);
    if valid {
        f.pass_in_entry(
            "approval.binding",
            path,
            format!(
                "the {label} ({}) is bound to gate \"{}\" of job \"{}\" under this policy",
                text(p, "approval_type").unwrap_or(""),
                short(binding_gate),
                short(binding_job)
            ),
        );
    }
    Some(JudgedApproval {
        path: path.to_string(),
        valid,
        authentic: signature_ok && entry.is_some(),
        signer_did: env.signer_did.to_string(),
        entry,
        approval_type: text(p, "approval_type").unwrap_or("").to_string(),
        agent_did: text(p, "agent_did").unwrap_or("").to_string(),
        plan_hash: plan_hash_claim.to_string(),
    })
}

fn check_gate(
    plan: &PlanView,
    applying: &[&JudgedApproval],
    policy: Option<&PolicyInfo>,
    checkpoint: &CheckpointView,
    ctx: &VerifyContext,
    f: &mut Findings,
) {
    let path = plan.path;
    let label = format!("plan {path}");
    if let Err(why) = validate_plan(plan.value) {
        f.fail_in_entry(
            "gate.plan",
            ReasonCode::SchemaValidationFailed,
            path,
            format!("the {label} does not follow the plan format: {why}"),
        );
        return;
    }
    let gate_id = plan.gate_id.unwrap_or("");
    if plan.job_id != Some(checkpoint.job_id.as_str()) {
        f.fail_in_entry(
            "gate.plan",
            ReasonCode::ApprovalJobMismatch,
            path,
            format!(
                "the {label} is for job {}, but the bundle's job is \"{}\"",
                crate::clawsig::envelope::describe(plan.value.get("job_id")),
                short(&checkpoint.job_id)
            ),
        );
    }

    let gate = match policy {
        None => {
            f.fail_in_entry(
                "gate.exists",
                ReasonCode::ApprovalGateUnknown,
                path,
                format!(
                    "the {label} is for gate \"{}\", but the bundle has no policy",
                    short(gate_id)
                ),
            );
            return;
        }
        Some(p) if p.extension_error.is_some() => {
            f.fail_in_entry(
                "gate.exists",
                ReasonCode::PolicyExtensionInvalid,
                path,
                format!(
                    "the {label}'s gate \"{}\" cannot be judged: the policy's clawaudit extension is invalid ({})",
                    short(gate_id),
                    p.extension_error.as_deref().unwrap_or("")
                ),
            );
            return;
        }
        Some(p) => match p.extension.as_ref().and_then(|e| e.gate(gate_id)) {
            Some(g) => g,
            None => {
                f.fail_in_entry(
                    "gate.exists",
                    ReasonCode::ApprovalGateUnknown,
                    path,
                    format!(
                        "the {label} is for gate \"{}\", which the policy does not declare",
                        short(gate_id)
                    ),
                );
                return;
            }
        },
    };
    if gate.min_approvers < 1 {
        // The extension parser refuses this already; kept so the rule holds on its own.
        f.fail_in_entry(
            "gate.exists",
            ReasonCode::PolicyExtensionInvalid,
            path,
            format!(
                "gate \"{}\" asks for min_approvers {}, at least 1 is required",
                short(gate_id),
                gate.min_approvers
            ),
        );
        return;
    }
    f.pass_in_entry(
        "gate.exists",
        path,
        format!("the {label} is for gate \"{}\" of the policy", short(gate_id)),
    );

    let denials: Vec<&str> = applying
        .iter()
        .filter(|a| a.authentic && a.approval_type == "explicit_deny")
        .map(|a| a.path.as_str())
        .collect();
    if !denials.is_empty() {
        f.fail_in_entry(
            "gate.deny",
            ReasonCode::ApprovalDenied,
            path,
            format!(
                "gate \"{}\" was denied by a trusted approver ({}); a deny always wins",
                short(gate_id),
                denials.join(", ")
            ),
        );
        return;
    }

    // Identities that may not approve an independent gate: the requester and the agent.
    let requester = plan.requested_by.unwrap_or("");
    let requester_subject = ctx.trust.approver(requester).map(|e| e.identity().to_string());

    let mut counted: Vec<String> = Vec::new();
    let mut not_counted: Vec<String> = Vec::new();
    for a in applying {
        let why: Option<String> = if !a.valid {
            Some("it did not verify".into())
        } else if a.approval_type != "explicit_approve" {
            Some(format!("it is {}, not explicit_approve", a.approval_type))
        } else if let Some(entry) = &a.entry {
            let identity = entry.identity();
            let agents: Vec<&str> = [Some(a.agent_did.as_str()), checkpoint.agent_did.as_deref()]
                .into_iter()
                .flatten()
                .filter(|d| !d.is_empty())
                .collect();
            let agent_subjects: Vec<String> = agents
                .iter()
                .filter_map(|d| ctx.trust.approver(d).map(|e| e.identity().to_string()))
                .collect();
            if gate.approver_group.as_ref().is_some_and(|g| !entry.groups.contains(g)) {
                Some(format!(
                    "{} is not in group \"{}\"",
                    short(identity),
                    short(gate.approver_group.as_deref().unwrap_or(""))
                ))
            } else if gate.independent_of_requester
                && (a.signer_did == requester || requester_subject.as_deref() == Some(identity))
            {
                Some(format!("{} is the requester", short(identity)))
            } else if gate.independent_of_requester
                && (agents.contains(&a.signer_did.as_str()) || agent_subjects.iter().any(|s| s == identity))
            {
                Some(format!("{} is the agent", short(identity)))
            } else if counted.iter().any(|c| c == identity) {
                Some(format!("{} already counted", short(identity)))
            } else {
                counted.push(identity.to_string());
                None
            }
        } else {
            Some("its signer is not a trusted approver".into())
        };
        if let Some(why) = why {
            not_counted.push(format!("{} ({why})", a.path));
        }
    }

    let mut detail = format!(
        "gate \"{}\": {} of {} distinct approvers",
        short(gate_id),
        counted.len(),
        gate.min_approvers
    );
    if !counted.is_empty() {
        detail.push_str(&format!(
            " ({})",
            counted.iter().map(|c| short(c)).collect::<Vec<_>>().join(", ")
        ));
    }
    if gate.independent_of_requester {
        detail.push_str(", requester excluded");
    }
    if let Some(g) = &gate.approver_group {
        detail.push_str(&format!(", group \"{}\"", short(g)));
    }
    if !not_counted.is_empty() {
        detail.push_str(&format!("; not counted: {}", not_counted.join("; ")));
    }
    if counted.len() as u64 >= gate.min_approvers {
        f.pass_in_entry("gate.quorum", path, detail);
    } else {
        f.fail_in_entry("gate.quorum", ReasonCode::ApprovalQuorumNotMet, path, detail);
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
    validate_plan(req.plan)?;
    if parse_rfc3339(req.timestamp).is_none() {
        return Err(format!(
            "timestamp \"{}\" is not an RFC 3339 date-time",
            short(req.timestamp)
        ));
    }
    let gate_id = text(req.plan, "gate_id").unwrap_or("");
    let job_id = text(req.plan, "job_id").unwrap_or("");
    let plan_hash_b64u = plan_hash(req.plan);
    let scope = approval_scope_hash(gate_id, job_id, &plan_hash_b64u, req.policy_hash_b64u);
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
    binding.insert("job_id", Value::from(job_id));
    binding.insert("gate_id", Value::from(gate_id));
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
        let p = policy();
        let mut f = Findings::new();
        check_approvals(approvals, plans, Some(&p), &ct::checkpoint(None), c, &mut f);
        f
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
}
