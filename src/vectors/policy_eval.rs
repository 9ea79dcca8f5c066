//! Policy-evaluation vectors (`testvectors/policy-eval/`, issue 10):
//!
//! - `vectors.json`: the hand-derived cases of `policy_eval_cases` (policy, parents, request,
//!   expected decision, reason and deciding statements, and why). `check` evaluates each
//!   with the library and compares it with the expected answer read from the file;
//! - `sealed/*.audit.zip`: single-fault sealed bundles, each the audit sample with its WPC
//!   (or the proof bundle's receipts) changed so that one request is denied
//!   (`POLICY_DENIED`), and a valid twin that differs only in what makes it allowed. They
//!   are manifest entries, verified like every audit vector (same `at`, same trust file).
//!
//! The rotation-run secret-write vectors (a v2 `secret:write` requiring approval) are
//! rotation fixtures: `super::rotation_policy`.

use serde_json::json;

use super::audit::{AT, TRUST_PATH};
use super::audit_scenario::{ObjectEdit, Scenario};
use super::policy_eval_cases::{cases, Case};
use super::{ReadFile, Suite, VectorEntry};
use crate::crypto::sha256_b64u;
use crate::json::Value;
use crate::policy::eval::{parse_policy, Chain, Reason, Request, Verdict};
use crate::reason::ReasonCode;
use crate::report::Kind;
use crate::vectors::audit_sample;

pub const CASES_PATH: &str = "policy-eval/vectors.json";
const SEALED_DIR: &str = "policy-eval/sealed";

pub fn suite() -> Result<Suite, String> {
    let mut suite = Suite::default();
    suite.file(CASES_PATH, cases_file()?);
    for (file, code, scenario) in sealed()? {
        let bytes = scenario.build().map_err(|e| format!("{file}: {e}"))?;
        let path = format!("{SEALED_DIR}/{file}.audit.zip");
        let name = format!("policy_eval.sealed.{}", file.replace('-', "_"));
        suite.file(&path, bytes);
        suite.entries.push(VectorEntry::new(
            &name,
            Kind::AuditBundle,
            &path,
            AT,
            Some(TRUST_PATH),
            code,
        ));
    }
    Ok(suite)
}

fn case_json(c: &Case) -> serde_json::Value {
    let context: serde_json::Map<String, serde_json::Value> =
        c.context.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    json!({
        "name": c.name,
        "why": c.why,
        "policy": c.policy,
        "parents": c.parents,
        "request": {"action": c.action, "resource": c.resource, "context": context},
        "expected": {"decision": c.decision, "reason": c.reason, "statements": c.statements},
    })
}

fn cases_file() -> Result<Vec<u8>, String> {
    let all: Vec<serde_json::Value> = cases().iter().map(case_json).collect();
    let doc = json!({
        "vectors_version": "1",
        "rules": "docs/policy-evaluation.md",
        "vectors": all,
    });
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text.into_bytes())
}

fn reason_name(r: &Reason) -> &'static str {
    match r {
        Reason::Allowed => "allowed",
        Reason::DeniedByStatement => "denied_by_statement",
        Reason::NoStatementAllows { .. } => "no_statement_allows",
        Reason::ParentMissing { .. } => "parent_missing",
        Reason::InheritanceTooDeep { .. } => "inheritance_too_deep",
    }
}

/// Evaluate one vector of `vectors.json` as read from disk; `Err` says how it differs.
fn check_case(v: &serde_json::Value) -> Result<(), String> {
    let name = v.get("name").and_then(|n| n.as_str()).unwrap_or("?");
    let policy_of = |p: &serde_json::Value| parse_policy(&Value::from_serde(p)).map_err(|e| format!("{name}: {e}"));
    let policy = policy_of(v.get("policy").unwrap_or(&serde_json::Value::Null))?;
    let parents = v
        .get("parents")
        .and_then(|p| p.as_array())
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .map(policy_of)
        .collect::<Result<Vec<_>, _>>()?;
    let text = |ptr: &str| v.pointer(ptr).and_then(|x| x.as_str()).unwrap_or("");
    let mut request = Request::new(text("/request/action"), text("/request/resource"));
    for (k, val) in v
        .pointer("/request/context")
        .and_then(|c| c.as_object())
        .into_iter()
        .flatten()
    {
        request = request.with(k, val.as_str().unwrap_or(""));
    }
    let decision = Chain::resolve(&policy, &parents).decide(&request);
    let got_decision = match decision.verdict {
        Verdict::Allow => "ALLOW",
        Verdict::Deny => "DENY",
    };
    let got_statements = decision.decider_names(&policy.policy_id);
    let want_statements: Vec<String> = v
        .pointer("/expected/statements")
        .and_then(|s| s.as_array())
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect();
    let got = (got_decision, reason_name(&decision.reason), got_statements);
    let want = (text("/expected/decision"), text("/expected/reason"), want_statements);
    if got == want {
        Ok(())
    } else {
        Err(format!("{name}: expected {want:?}, got {got:?}"))
    }
}

/// Check every vector of `policy-eval/vectors.json`: the number checked and the problems.
pub fn check(read: ReadFile<'_>) -> Result<(usize, Vec<String>), String> {
    let bytes = read(CASES_PATH)?;
    let doc: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| format!("{CASES_PATH}: {e}"))?;
    let vectors = doc
        .get("vectors")
        .and_then(|v| v.as_array())
        .ok_or(format!("{CASES_PATH} has no vectors array"))?;
    let problems = vectors.iter().filter_map(|v| check_case(v).err()).collect();
    Ok((vectors.len(), problems))
}

fn v(j: serde_json::Value) -> Value {
    Value::from_serde(&j)
}

/// The sample's policy payload with `edit` applied (the scenario re-signs and rebinds it).
fn sample_policy_with(edit: impl FnOnce(&mut crate::json::Object)) -> Option<Value> {
    let keys = audit_sample::SampleKeys::new();
    let mut p = audit_sample::policy_payload(&keys);
    if let Some(o) = p.as_object_mut() {
        edit(o);
    }
    Some(p)
}

fn with_policy(edit: impl FnOnce(&mut crate::json::Object)) -> Scenario {
    let mut s = Scenario::sample();
    s.policy_payload = sample_policy_with(edit);
    s
}

/// The sample's policy as a v2 WPC: model calls to anthropic, the tools `git` and `ls`,
/// same extension.
fn v2_tools_policy() -> Option<Value> {
    let keys = audit_sample::SampleKeys::new();
    let v1 = audit_sample::policy_payload(&keys);
    let mut p = v(json!({
        "policy_version": "2", "policy_id": "pol_rotate_db_secret_v2", "issuer_did": keys.policy_issuer.did(),
        "statements": [
            {"sid": "AllowAnthropic", "effect": "Allow", "actions": ["model:invoke"], "resources": ["*"],
             "conditions": {"StringEquals": {"Model:Provider": "anthropic"}}},
            {"sid": "AllowGitAndLs", "effect": "Allow", "actions": ["tool:execute"], "resources": ["git", "ls"]}
        ]
    }));
    if let (Some(o), Some(m)) = (p.as_object_mut(), v1.get("metadata")) {
        o.insert("metadata", m.clone());
    }
    Some(p)
}

/// A proof-bundle edit adding one receipt to `array`.
fn add_receipt(array: &'static str, receipt: serde_json::Value) -> Option<ObjectEdit> {
    Some(Box::new(move |payload: &mut crate::json::Object| {
        payload.insert(array, Value::Array(vec![v(receipt.clone())]));
    }))
}

fn tool_receipt(tool: &str) -> serde_json::Value {
    let keys = audit_sample::SampleKeys::new();
    json!({
        "receipt_version": "1", "receipt_id": format!("tr_{tool}"), "tool_name": tool,
        "args_hash_b64u": sha256_b64u(format!("args {tool}").as_bytes()),
        "result_hash_b64u": sha256_b64u(format!("result {tool}").as_bytes()),
        "hash_algorithm": "SHA-256", "agent_did": keys.agent.did(),
        "timestamp": audit_sample::RECEIPT_AT, "latency_ms": 3
    })
}

/// The span the egress receipt anchors to (declared by the proof bundle's gateway receipt).
const MODEL_SPAN: &str = "span_model_1";

fn egress_receipt(target: &str) -> serde_json::Value {
    let keys = audit_sample::SampleKeys::new();
    json!({
        "receipt_version": "1", "receipt_id": "se_egress_1", "effect_class": "network_egress",
        "target": target, "target_digest": sha256_b64u(target.as_bytes()),
        "hash_algorithm": "SHA-256", "agent_did": keys.agent.did(),
        "timestamp": audit_sample::RECEIPT_AT, "binding": {"parent_span_id": MODEL_SPAN}
    })
}

fn tool_scenario(tool: &str) -> Scenario {
    let mut s = Scenario::sample();
    s.policy_payload = v2_tools_policy();
    s.proof_bundle_edit = add_receipt("tool_receipts", tool_receipt(tool));
    s
}

fn egress_scenario(target: &str) -> Scenario {
    let mut s = with_policy(|o| {
        o.insert("egress_allowlist", v(json!(["*.github.com"])));
    });
    s.bundle_receipt_binding_edit = Some(Box::new(|b: &mut crate::json::Object| {
        b.insert("span_id", Value::from(MODEL_SPAN));
    }));
    s.proof_bundle_edit = add_receipt("side_effect_receipts", egress_receipt(target));
    s
}

/// `(file, expected code, scenario)`: each fault and its valid twin.
fn sealed() -> Result<Vec<(&'static str, ReasonCode, Scenario)>, String> {
    let models = |list: serde_json::Value| {
        with_policy(move |o| {
            o.insert("allowed_models", v(list));
        })
    };
    let providers = |list: serde_json::Value| {
        with_policy(move |o| {
            o.insert("allowed_providers", v(list));
        })
    };
    Ok(vec![
        // The receipts are for claude-test; claude-3-* does not match it (the 3 is literal).
        (
            "forbidden-model",
            ReasonCode::PolicyDenied,
            models(json!(["claude-3-*"])),
        ),
        ("forbidden-model-twin", ReasonCode::Ok, models(json!(["claude-*"]))),
        // The receipts are from anthropic, which only openai is allowed as.
        (
            "forbidden-provider",
            ReasonCode::PolicyDenied,
            providers(json!(["openai"])),
        ),
        (
            "forbidden-provider-twin",
            ReasonCode::Ok,
            providers(json!(["openai", "anthropic"])),
        ),
        // The v2 policy allows the tools git and ls; the proof bundle ran bash.
        ("denied-tool", ReasonCode::PolicyDenied, tool_scenario("bash")),
        ("denied-tool-twin", ReasonCode::Ok, tool_scenario("git")),
        // The egress allowlist is *.github.com; the agent reached evil.example.
        (
            "egress-unlisted",
            ReasonCode::PolicyDenied,
            egress_scenario("https://evil.example/upload"),
        ),
        (
            "egress-unlisted-twin",
            ReasonCode::Ok,
            egress_scenario("https://api.github.com/repos/x/y"),
        ),
    ])
}
