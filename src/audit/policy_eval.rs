//! Step 8b of sealed-bundle verification (issue 10): what the WPC *allows*, judged against
//! every request the evidence shows, after the proof bundle (step 8) and the rotation judge
//! (step 8a). Steps 4–7 prove that the run was bound to its policy; this step reads the
//! policy's statements (docs/policy-evaluation.md):
//!
//! - requests, in this order: the gateway receipt files (path order), the nested proof
//!   bundle's gateway, tool and side-effect receipts (array order), then the rotation events
//!   handed in by the rotation judge (`step_policy_eval_with`);
//! - parents for `inherits`: `artifacts/policy/parents/<policy_id>.json`, each signed and
//!   trusted like the WPC (`wpc::check_policy_unbound`) and named by its own `policy_id`;
//! - one `policy.eval` check per request (ALLOW pass, DENY fail `POLICY_DENIED`), a
//!   `policy.unchecked` warn per rule that cannot be checked offline.
//!
//! Items that do not parse were failed by the step that reads them; here they are left out.

use super::container::Container;
use super::manifest::{kind_for_path, POLICY_PATH};
use crate::context::VerifyContext;
use crate::json::{self, Value};
use crate::policy::eval::evidence::{self, EvidenceRequest, RotationEvent};
use crate::policy::eval::judge::{judge_requests, policy_not_evaluable, CHECK_ID};
use crate::policy::eval::{parse_policy, Chain, Policy};
use crate::policy::wpc::{self, PolicyInfo};
use crate::policy::CheckpointView;
use crate::reason::ReasonCode;
use crate::report::{Findings, Location};

/// The nested proof bundle (`verify::PROOF_BUNDLE_PATH`, which uses this module; a test
/// holds the two equal).
pub const PROOF_BUNDLE_PATH: &str = "artifacts/proof_bundle.json";

/// Where a sealed bundle keeps the parents of its WPC.
pub const PARENTS_DIR: &str = "artifacts/policy/parents/";

/// The gateway receipt files of the bundle, already parsed by step 7 (path, document, in
/// path order), or `None` to read them from the container here.
pub type ReceiptFiles<'a> = Option<&'a [(String, Value)]>;

/// Step 8b without rotation events, over the receipt files step 7 parsed.
pub fn step_policy_eval(
    container: &Container,
    ctx: &VerifyContext,
    policy: Option<&PolicyInfo>,
    view: &CheckpointView,
    receipt_files: ReceiptFiles<'_>,
    f: &mut Findings,
) {
    step_policy_eval_with(container, ctx, policy, view, receipt_files, &[], f);
}

/// Step 8b. `rotation` holds the events of a rotation run (spec 30), built by the rotation
/// judge from its timeline, whose findings are recorded before this step's.
pub fn step_policy_eval_with(
    container: &Container,
    ctx: &VerifyContext,
    policy: Option<&PolicyInfo>,
    view: &CheckpointView,
    receipt_files: ReceiptFiles<'_>,
    rotation: &[RotationEvent],
    f: &mut Findings,
) {
    let Some(info) = policy else {
        f.skip(
            CHECK_ID,
            "the bundle has no WPC, so what the run did was not evaluated against a policy",
        );
        return;
    };
    let label = format!("policy {POLICY_PATH}");
    let proof_bundle = entry_json(container, PROOF_BUNDLE_PATH, ctx);
    let proof_payload = proof_bundle.as_ref().map(|b| b.get("payload").unwrap_or(b));
    let agent = view
        .agent_did
        .as_deref()
        .or_else(|| proof_payload.and_then(|p| p.get("agent_did")).and_then(Value::as_str))
        .unwrap_or("");
    let mut requests = receipt_file_requests(container, ctx, agent, receipt_files);
    if let Some(p) = proof_payload {
        requests.extend(evidence::proof_bundle_requests(p, Some(PROOF_BUNDLE_PATH), agent));
    }
    for event in rotation {
        requests.extend(evidence::rotation_requests(event, agent));
    }
    let policy = match parse_policy(&info.payload) {
        Ok(p) => p,
        Err(why) => {
            policy_not_evaluable(&label, &why, requests.len(), &Location::entry(POLICY_PATH), f);
            return;
        }
    };
    let parents = read_parents(container, ctx, f);
    let chain = Chain::resolve(&policy, &parents);
    judge_requests(&chain, &label, &requests, f);
}

/// An entry parsed as JSON, or `None` (absent, or already failed by the step reading it).
fn entry_json(container: &Container, path: &str, ctx: &VerifyContext) -> Option<Value> {
    json::parse(container.get(path)?, &ctx.limits.json).ok()
}

/// Entries of one kind, in path order.
fn paths_of_kind<'c>(container: &'c Container, kind: &str) -> Vec<&'c str> {
    let mut paths: Vec<&str> = container.names().filter(|n| kind_for_path(n) == Some(kind)).collect();
    paths.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    paths
}

/// Below this many receipt files, reading them on one thread is faster than sharing out.
const PARALLEL_FROM: usize = 64;

/// The request of every gateway receipt file, in path order: from the documents step 7 parsed
/// when given (the same files: step 7 reads every `gateway_receipt` entry that parses, in path
/// order), else read here (in parallel when many).
fn receipt_file_requests(
    container: &Container,
    ctx: &VerifyContext,
    agent: &str,
    parsed: ReceiptFiles<'_>,
) -> Vec<EvidenceRequest> {
    if let Some(files) = parsed {
        let one = |(path, value): &(String, Value)| EvidenceRequest {
            item: format!("gateway receipt {path}"),
            location: Location::entry(path.as_str()),
            request: evidence::gateway_receipt_request(value, agent),
        };
        return if files.len() >= PARALLEL_FROM {
            use rayon::prelude::*;
            files.par_iter().map(one).collect()
        } else {
            files.iter().map(one).collect()
        };
    }
    let paths = paths_of_kind(container, "gateway_receipt");
    let one = |path: &&str| {
        let path = *path;
        let value = entry_json(container, path, ctx)?;
        Some(EvidenceRequest {
            item: format!("gateway receipt {path}"),
            location: Location::entry(path),
            request: evidence::gateway_receipt_request(&value, agent),
        })
    };
    if paths.len() >= PARALLEL_FROM {
        use rayon::prelude::*;
        paths.par_iter().filter_map(one).collect()
    } else {
        paths.iter().filter_map(one).collect()
    }
}

/// The parent policies the bundle carries, each verified like the WPC; one that fails to
/// parse for evaluation, or whose file is not named by its `policy_id`, is failed and left
/// out (so a WPC inheriting from it is denied: its parent is missing).
fn read_parents(container: &Container, ctx: &VerifyContext, f: &mut Findings) -> Vec<Policy> {
    let mut out = Vec::new();
    for path in paths_of_kind(container, "policy_parent") {
        let Some(value) = entry_json(container, path, ctx) else {
            f.fail_in_entry(
                "policy.parent",
                ReasonCode::MalformedJson,
                path,
                format!("parent policy {path} is not acceptable JSON"),
            );
            continue;
        };
        let Some(info) = wpc::check_policy_unbound(&value, ctx, "parent policy", path, f) else {
            continue;
        };
        let stem = path
            .strip_prefix(PARENTS_DIR)
            .and_then(|p| p.strip_suffix(".json"))
            .unwrap_or("");
        if stem != info.policy_id {
            f.fail_in_entry(
                "policy.parent",
                ReasonCode::SchemaValidationFailed,
                path,
                format!(
                    "parent policy {path} has policy_id \"{}\"; a parent must be stored as {PARENTS_DIR}<policy_id>.json",
                    crate::policy::short(&info.policy_id)
                ),
            );
            continue;
        }
        match parse_policy(&info.payload) {
            Ok(p) => out.push(p),
            Err(why) => f.fail_in_entry(
                "policy.parent",
                ReasonCode::PolicyDenied,
                path,
                format!("parent policy {path} cannot be evaluated: {why}"),
            ),
        }
    }
    out
}
