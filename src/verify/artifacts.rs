//! The artifacts clawaudit produces, each verified on its own: a gateway receipt, an approval,
//! a policy, a token and a plan (`clawaudit verify wpc.json`, or below a directory of unsealed
//! artifacts).
//!
//! Each gets the checks of its sealed-bundle step (spec 20 §5, steps 4–7) that can apply to
//! one artifact, with the same codes and check ids, against the trust file. What needs the rest
//! of a bundle (a checkpoint, a policy, a plan, a token, other approvals or receipts) is never
//! passed: it is a `skip` check whose detail says what was not checked and why, which the text
//! output prints as `not checked: …`.

use crate::clawsig::gateway_receipts::{verify_gateway_receipt, GatewayReceiptInfo};
use crate::context::VerifyContext;
use crate::json::Value;
use crate::policy::{approvals, cst, wpc};
use crate::report::{Facts, Findings, HashFact, HashRecipe, HashSubject, Kind, SubjectReport};
use crate::timeutil::format_rfc3339;

fn report(path: &str, kind: Kind, f: Findings, facts: Facts) -> SubjectReport {
    let mut r = SubjectReport::from_findings(path, kind, f);
    r.facts = facts;
    r
}

fn hash_fact(subject: HashSubject, value_b64u: String, recipe: HashRecipe) -> HashFact {
    HashFact {
        subject,
        value_b64u,
        recipe,
        entry: None,
    }
}

/// A signed gateway receipt: every Clawsig check of wire-format §3.4 (header, schema,
/// allowlist, payload fields, JSS hash, signature), as for a receipt file in a sealed bundle.
/// Its bindings to a policy, a token and a run, and replay, are not checked.
pub fn gateway_receipt(path: &str, value: &Value, ctx: &VerifyContext) -> SubjectReport {
    let mut f = Findings::new();
    let mut facts = Facts::default();
    match verify_gateway_receipt(value, ctx, "gateway receipt") {
        Ok(info) => {
            f.pass(
                "gateway_receipt.allowlist",
                format!(
                    "the gateway receipt is signed by {}, an allowlisted gateway",
                    info.signer_did
                ),
            );
            f.pass(
                "envelope.signature",
                format!(
                    "the gateway receipt's header, schema and payload fields are valid, and its payload hash (JSS) and signature by {} verify",
                    info.signer_did
                ),
            );
            skip_receipt_bindings(&info, &mut f);
            facts.receipt_id = Some(info.receipt_id);
            facts.run_id = info.run_id;
            facts.model = value
                .get("payload")
                .and_then(|p| p.get("model"))
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        Err(failure) => f.record(&failure),
    }
    report(path, Kind::GatewayReceipt, f, facts)
}

/// Step 7's checks of one receipt against the rest of a bundle, as not checked.
fn skip_receipt_bindings(info: &GatewayReceiptInfo, f: &mut Findings) {
    if let Some(bound) = &info.policy_hash {
        f.skip(
            "receipts.policy",
            format!("no policy given: the gateway receipt's binding.policy_hash {bound} was not compared with a policy's hash"),
        );
    }
    if let Some(bound) = &info.token_scope_hash_b64u {
        f.skip(
            "receipts.scope",
            format!(
                "no token given: the gateway receipt's binding.token_scope_hash_b64u {bound} was not compared with a token's scope hash"
            ),
        );
    }
    if let Some(ts) = info.timestamp {
        f.skip(
            "receipts.token_window",
            format!(
                "no token given: whether the gateway receipt's time {} is inside a token's window was not checked",
                format_rfc3339(ts)
            ),
        );
    }
    if let Some(run) = &info.run_id {
        f.skip(
            "receipts.run",
            format!("no checkpoint given: the gateway receipt's binding.run_id \"{run}\" was not compared with a bundle's run"),
        );
    }
    f.skip(
        "receipts.replay",
        format!(
            "no other receipts given: whether the gateway receipt's receipt_id {} or binding nonce repeats another's was not checked",
            info.receipt_id
        ),
    );
}

/// A human approval: envelope, schema, JCS hash, signature, trusted approver and subject, and
/// its scope hash; its policy, plan, job, time, replay and quorum are not checked.
pub fn approval(path: &str, value: &Value, ctx: &VerifyContext) -> SubjectReport {
    let mut f = Findings::new();
    let mut facts = Facts::default();
    if let Some(info) = approvals::check_approval_alone(value, ctx, &mut f) {
        facts.receipt_id = info.receipt_id;
        facts.agent_did = info.agent_did;
        facts.job_id = info.job_id;
        facts.run_id = info.run_id;
    }
    report(path, Kind::Approval, f, facts)
}

/// A signed WPC: step 4 without the checkpoint binding (`--expect-policy` applies). Its hash
/// is a fact, as in a sealed bundle.
pub fn policy(path: &str, value: &Value, ctx: &VerifyContext) -> SubjectReport {
    let mut f = Findings::new();
    let mut facts = Facts::default();
    if let Some(info) = wpc::check_policy_alone(value, ctx, &mut f) {
        facts
            .hashes
            .push(hash_fact(HashSubject::Policy, info.hash_b64u, HashRecipe::JcsSha256));
    }
    report(path, Kind::Policy, f, facts)
}

/// A scoped token (the compact JWS bytes): step 5 without a policy or a checkpoint. Its
/// recomputed scope hash, the job it names (`mission_id`) and its agent are facts.
pub fn token(path: &str, jws: &[u8], ctx: &VerifyContext) -> SubjectReport {
    let mut f = Findings::new();
    let mut facts = Facts::default();
    let outcome = cst::check_token_alone(jws, ctx, &mut f);
    if let Some(t) = outcome.token {
        facts.hashes.push(hash_fact(
            HashSubject::TokenScope,
            t.scope_hash_b64u,
            HashRecipe::TokenScope,
        ));
        facts.job_id = t.mission_id;
        facts.agent_did = t.claims.get("agent_did").and_then(Value::as_str).map(str::to_string);
    }
    facts.bindings = outcome.bindings;
    report(path, Kind::Token, f, facts)
}

/// A plan: its format, and its hash as a fact; nothing signs a plan.
pub fn plan(path: &str, value: &Value) -> SubjectReport {
    let mut f = Findings::new();
    let mut facts = Facts::default();
    let (hash, job_id) = approvals::check_plan_alone(value, &mut f);
    facts
        .hashes
        .push(hash_fact(HashSubject::Plan, hash, HashRecipe::JcsSha256));
    facts.job_id = job_id;
    report(path, Kind::Plan, f, facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::sha256_b64u;
    use crate::report::{CheckStatus, Status};
    use crate::timeutil::parse_rfc3339;
    use crate::vectors::audit_sample::{self as sample, SampleKeys};
    use crate::verify::{verify_subject, Subject};

    /// The bytes of the sample artifact at `path`.
    fn sample_bytes(keys: &SampleKeys, path: &str) -> Vec<u8> {
        sample::artifacts(keys)
            .unwrap()
            .into_iter()
            .find(|(p, _)| p == path)
            .map(|(_, b)| b)
            .unwrap()
    }

    /// Each sample artifact verified on its own, by its bundle path, against the sample trust.
    fn verify_sample(path: &str) -> SubjectReport {
        let keys = SampleKeys::new();
        let ctx = VerifyContext::new(parse_rfc3339(sample::VERIFY_AT).unwrap(), keys.trust());
        verify_subject(&Subject::new(path, sample_bytes(&keys, path)), &ctx)
    }

    fn assert_pass(r: &SubjectReport, kind: Kind) {
        assert_eq!((r.kind, r.status), (kind, Status::Pass), "{:#?}", r.checks);
        assert!(
            r.checks.iter().any(|c| c.status == CheckStatus::Skip),
            "{:#?}",
            r.checks
        );
    }

    #[test]
    fn a_policy_alone_has_its_jcs_hash_as_a_fact() {
        let keys = SampleKeys::new();
        let r = verify_sample("artifacts/policy/wpc.json");
        assert_pass(&r, Kind::Policy);
        let h = r.facts.hash(HashSubject::Policy).unwrap();
        assert_eq!(h.value_b64u, wpc::policy_hash(&sample::policy_payload(&keys)));
        assert_eq!((h.recipe, h.entry.as_deref()), (HashRecipe::JcsSha256, None));
    }

    #[test]
    fn a_token_alone_has_its_scope_hash_job_and_agent_as_facts() {
        let keys = SampleKeys::new();
        let r = verify_sample("artifacts/token/cst.jwt");
        assert_pass(&r, Kind::Token);
        let token = sample_bytes(&keys, "artifacts/token/cst.jwt");
        let claims = cst::decode_compact(&token).unwrap().claims;
        let h = r.facts.hash(HashSubject::TokenScope).unwrap();
        assert_eq!(h.value_b64u, cst::token_scope_hash(&claims).unwrap());
        assert_eq!(h.recipe, HashRecipe::TokenScope);
        assert_eq!(r.facts.job_id.as_deref(), Some(sample::JOB_ID));
        assert_eq!(r.facts.agent_did.as_deref(), Some(keys.agent.did()));
        assert!(r.facts.bindings.is_empty());
    }

    #[test]
    fn a_plan_alone_has_its_hash_as_a_fact() {
        let keys = SampleKeys::new();
        let r = verify_sample("artifacts/plans/stage_new_secret.json");
        assert_pass(&r, Kind::Plan);
        let h = r.facts.hash(HashSubject::Plan).unwrap();
        let jcs = crate::json::jcs::to_string(&sample::plan(&keys));
        assert_eq!(h.value_b64u, sha256_b64u(jcs.as_bytes()));
        assert_eq!(h.recipe, HashRecipe::JcsSha256);
        assert_eq!(r.facts.job_id.as_deref(), Some(sample::JOB_ID));
    }

    #[test]
    fn an_approval_alone_has_its_receipt_job_run_and_agent_as_facts() {
        let keys = SampleKeys::new();
        let r = verify_sample("artifacts/approvals/apr_alice.json");
        assert_pass(&r, Kind::Approval);
        assert_eq!(r.facts.receipt_id.as_deref(), Some("apr_alice"));
        assert_eq!(r.facts.job_id.as_deref(), Some(sample::JOB_ID));
        assert_eq!(r.facts.run_id.as_deref(), Some(sample::RUN_ID));
        assert_eq!(r.facts.agent_did.as_deref(), Some(keys.agent.did()));
        assert!(r.facts.hashes.is_empty(), "claimed hashes are not computed facts");
    }

    #[test]
    fn a_gateway_receipt_alone_has_its_id_model_and_run_as_facts() {
        let r = verify_sample("artifacts/receipts/rcpt_file_1.json");
        assert_pass(&r, Kind::GatewayReceipt);
        assert_eq!(r.facts.receipt_id.as_deref(), Some("rcpt_file_1"));
        assert_eq!(r.facts.model.as_deref(), Some("claude-test"));
        assert_eq!(r.facts.run_id.as_deref(), Some(sample::RUN_ID));
        let skipped: Vec<&str> = r
            .checks
            .iter()
            .filter(|c| c.status == CheckStatus::Skip)
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(
            skipped,
            [
                "receipts.policy",
                "receipts.scope",
                "receipts.token_window",
                "receipts.run",
                "receipts.replay"
            ]
        );
    }

    #[test]
    fn a_gateway_receipt_alone_fails_with_the_bundle_codes_and_has_no_facts() {
        let keys = SampleKeys::new();
        let mut trust = keys.trust();
        let receipt = |trust: crate::trust::Trust, edit: &dyn Fn(&mut String)| {
            let ctx = VerifyContext::new(parse_rfc3339(sample::VERIFY_AT).unwrap(), trust);
            let mut text = String::from_utf8(sample_bytes(&keys, "artifacts/receipts/rcpt_file_1.json")).unwrap();
            edit(&mut text);
            gateway_receipt("r.json", &crate::json::parse_str(&text).unwrap(), &ctx)
        };
        let r = receipt(trust.clone(), &|t| *t = t.replace("claude-test", "claude-tesu"));
        assert_eq!(r.reason_code, crate::reason::ReasonCode::HashMismatch);
        assert_eq!(
            r.failing_check().map(|c| c.id.as_str()),
            Some("gateway_receipt.payload_hash")
        );
        assert!(r.facts.is_empty());
        trust.gateways = vec![trust.sealers[0].clone()];
        let r = receipt(trust.clone(), &|_| {});
        assert_eq!(r.reason_code, crate::reason::ReasonCode::ClaimNotFound);
        trust.gateways.clear();
        let r = receipt(trust, &|_| {});
        assert_eq!(r.reason_code, crate::reason::ReasonCode::DependencyNotConfigured);
    }
}
