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

#[cfg(test)]
mod tests {
    use super::super::evidence::EvidenceRequest;
    use super::super::parse::parse_policy;
    use super::super::request::Request;
    use super::*;
    use crate::json::parse_str;

    #[test]
    fn decisions_become_checks_and_the_tier_a_warning() {
        let p = parse_policy(
            &parse_str(
                r#"{"policy_version":"1","policy_id":"p","issuer_did":"did:key:z",
                    "allowed_providers":["anthropic"],"minimum_model_identity_tier":"tee_measured"}"#,
            )
            .unwrap(),
        )
        .unwrap();
        let chain = Chain::resolve(&p, &[]);
        let item = |provider: &str, i: usize| EvidenceRequest {
            item: format!("gateway receipt r{i}"),
            location: Location::entry(format!("artifacts/receipts/r{i}.json")),
            request: Request::new("model:invoke", provider).with("Model:Provider", provider),
        };
        let mut f = Findings::new();
        judge_requests(&chain, "policy P", &[item("anthropic", 1), item("openai", 2)], &mut f);
        let got: Vec<_> = f
            .checks
            .iter()
            .map(|c| (c.id.as_str(), c.status, c.reason_code))
            .collect();
        assert_eq!(
            got,
            vec![
                (UNCHECKED_ID, CheckStatus::Warn, ReasonCode::PolicyRuleUnchecked),
                (CHECK_ID, CheckStatus::Pass, ReasonCode::Ok),
                (CHECK_ID, CheckStatus::Fail, ReasonCode::PolicyDenied),
            ]
        );
        assert!(f.checks[0].detail.contains("tee_measured"));
        assert_eq!(
            f.checks[2].detail,
            "gateway receipt r2: model:invoke on \"openai\" (Model:Provider=openai) under the policy P: DENY: no statement allows"
        );
        assert_eq!(f.checks[2].location, Location::entry("artifacts/receipts/r2.json"));

        // Many requests are decided in parallel and recorded in order.
        let many: Vec<_> = (0..200)
            .map(|i| item(if i % 3 == 0 { "openai" } else { "anthropic" }, i))
            .collect();
        let mut f = Findings::new();
        judge_requests(&chain, "policy P", &many, &mut f);
        for (i, c) in f.checks.iter().skip(1).enumerate() {
            assert_eq!(c.status == CheckStatus::Fail, i % 3 == 0, "{i}");
            assert!(c.detail.starts_with(&format!("gateway receipt r{i}:")));
        }
    }
}
