//! Policy decisions as checks of a report: one `policy.eval` check per request taken from the
//! evidence, `pass` for ALLOW and `fail` with `POLICY_DENIED` for DENY (so the first denied
//! request decides the verdict, and the JSON lists every decision), a `policy.unchecked`
//! warn for each rule evaluation cannot check, and a `policy.eval` fail when the policy
//! itself cannot be evaluated (every request is then denied: fail closed).

use super::decide::Chain;
use super::evidence::EvidenceRequest;
use crate::reason::ReasonCode;
use crate::report::{CheckStatus, Findings, Location};

pub const CHECK_ID: &str = "policy.eval";
pub const UNCHECKED_ID: &str = "policy.unchecked";
/// Below this many requests, deciding on one thread is faster than sharing out.
const PARALLEL_FROM: usize = 64;

/// Judge every request with `chain` (whose first level is the run's policy, named `label`
/// in details: `policy artifacts/policy/wpc.json`).
pub fn judge_requests(chain: &Chain, label: &str, requests: &[EvidenceRequest], f: &mut Findings) {
    let Some(root) = chain.levels.first() else {
        return;
    };
    for note in chain.levels.iter().flat_map(|p| p.unchecked.iter()) {
        f.push(
            UNCHECKED_ID,
            CheckStatus::Warn,
            ReasonCode::PolicyRuleUnchecked,
            Location::Subject,
            format!("the {label}'s {note}"),
        );
    }
    let judge = |r: &EvidenceRequest| {
        let decision = chain.decide(&r.request);
        let detail = format!(
            "{}: {} on {:?}{} under the {label}: {}",
            r.item,
            r.request.action,
            r.request.resource,
            context_text(&r.request),
            decision.describe(&root.policy_id)
        );
        (decision.is_allow(), detail)
    };
    // Decided in parallel when many (each decision is independent), recorded in order.
    let judged: Vec<(bool, String)> = if requests.len() >= PARALLEL_FROM {
        use rayon::prelude::*;
        requests.par_iter().map(judge).collect()
    } else {
        requests.iter().map(judge).collect()
    };
    for (r, (allowed, detail)) in requests.iter().zip(judged) {
        if allowed {
            f.push(CHECK_ID, CheckStatus::Pass, ReasonCode::Ok, r.location.clone(), detail);
        } else {
            f.push(
                CHECK_ID,
                CheckStatus::Fail,
                ReasonCode::PolicyDenied,
                r.location.clone(),
                detail,
            );
        }
    }
    if requests.is_empty() {
        f.push(
            CHECK_ID,
            CheckStatus::Pass,
            ReasonCode::Ok,
            Location::Subject,
            format!("the evidence holds no request to evaluate under the {label}"),
        );
    }
}

/// The policy could not be read for evaluation: every request is denied, and the check says
/// why (`at` is the policy's location).
pub fn policy_not_evaluable(label: &str, why: &str, requests: usize, at: &Location, f: &mut Findings) {
    f.push(
        CHECK_ID,
        CheckStatus::Fail,
        ReasonCode::PolicyDenied,
        at.clone(),
        format!("the {label} cannot be evaluated ({why}), so none of the evidence's {requests} request(s) is allowed"),
    );
}

/// The request's context for a detail, ` (Model:Name=claude-3, …)`; the agent's DID, the same
/// for every request of a run, is left out.
fn context_text(request: &super::request::Request) -> String {
    let parts: Vec<String> = request
        .context
        .iter()
        .filter(|(k, _)| k != super::request::keys::AGENT_DID)
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}
