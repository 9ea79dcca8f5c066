//! `verify --policy WPC.json` for proof bundles (issue 10): the WPC is signed and trusted as
//! in a sealed bundle (`wpc::check_policy_unbound`: header, schema, hash, signature, trusted
//! policy issuer, issuer = signer, extension; parents given with `--policy-parent` likewise),
//! then every request of the bundle (gateway, tool and side-effect receipts) is judged
//! against it: one `policy.eval` check per request, the first DENY failing the bundle with
//! `POLICY_DENIED`. Nothing binds a loose policy to a proof bundle, so no binding is checked.

use crate::context::VerifyContext;
use crate::json::{self, Value};
use crate::policy::eval::evidence::proof_bundle_requests;
use crate::policy::eval::judge::{judge_requests, policy_not_evaluable};
use crate::policy::eval::{parse_policy, Chain, Policy};
use crate::policy::wpc::{check_policy_unbound, PolicyInfo};
use crate::reason::ReasonCode;
use crate::report::{Findings, Location, SubjectReport};

/// A policy file given on the command line, with the parents it may inherit from; each is
/// `(path, bytes)` as read by the caller.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GivenPolicy {
    pub wpc: (String, Vec<u8>),
    pub parents: Vec<(String, Vec<u8>)>,
}

/// Verify a given policy file: `None` when it is not JSON or not a WPC envelope (recorded).
fn verify_file(
    kind: &str,
    (path, bytes): &(String, Vec<u8>),
    ctx: &VerifyContext,
    f: &mut Findings,
) -> Option<PolicyInfo> {
    match json::parse(bytes, &ctx.limits.json) {
        Ok(value) => check_policy_unbound(&value, ctx, kind, path, f),
        Err(e) => {
            f.fail_in_entry(
                "policy.envelope",
                ReasonCode::MalformedJson,
                path,
                format!("{kind} {path} is not acceptable JSON: {e}"),
            );
            None
        }
    }
}

/// Add the policy checks and decisions to a proof bundle's report and derive its verdict
/// again. `bundle` is the proof bundle as parsed (envelope).
pub fn judge_proof_bundle(report: &mut SubjectReport, bundle: &Value, given: &GivenPolicy, ctx: &VerifyContext) {
    let mut f = Findings::new();
    let payload = bundle.get("payload").unwrap_or(bundle);
    let agent = payload.get("agent_did").and_then(Value::as_str).unwrap_or("");
    let requests = proof_bundle_requests(payload, None, agent);
    let label = format!("policy {}", given.wpc.0);
    match verify_file("policy", &given.wpc, ctx, &mut f) {
        None => policy_not_evaluable(
            &label,
            "it is not a WPC envelope",
            requests.len(),
            &Location::entry(given.wpc.0.as_str()),
            &mut f,
        ),
        Some(info) => match parse_policy(&info.payload) {
            Err(why) => policy_not_evaluable(
                &label,
                &why,
                requests.len(),
                &Location::entry(given.wpc.0.as_str()),
                &mut f,
            ),
            Ok(policy) => {
                let parents: Vec<Policy> = given
                    .parents
                    .iter()
                    .filter_map(|p| verify_file("parent policy", p, ctx, &mut f))
                    .filter_map(|info| parse_policy(&info.payload).ok())
                    .collect();
                judge_requests(&Chain::resolve(&policy, &parents), &label, &requests, &mut f);
            }
        },
    }
    report.checks.extend(f.checks);
    report.derive_verdict();
}
