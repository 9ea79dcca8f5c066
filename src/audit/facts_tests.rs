//! The typed facts a sealed-bundle verification fills in (gates with their approvals,
//! bindings with the check that judged each, hashes with their recipes), on the sample bundle
//! and on single faults of it. Expected values come from the sample's inputs, not from the
//! verifier.

use super::manifest::TOKEN_PATH;
use super::verify::verify_audit_bundle;
use crate::context::VerifyContext;
use crate::crypto::sha256_b64u;
use crate::json::{jcs, Value};
use crate::policy::wpc;
use crate::reason::ReasonCode;
use crate::report::{ApprovalFact, Binding, CheckStatus, GateFact, HashRecipe, HashSubject, Status, SubjectReport};
use crate::timeutil::parse_rfc3339;
use crate::trust::ApproverEntry;
use crate::vectors::audit_sample::{self as sample, SampleKeys};
use crate::vectors::audit_scenario::{Pin, Scenario};

const PLAN_PATH: &str = "artifacts/plans/stage_new_secret.json";
const ALICE_PATH: &str = "artifacts/approvals/apr_alice.json";
const BOB_PATH: &str = "artifacts/approvals/apr_bob.json";
const FILE_RECEIPT: &str = "artifacts/receipts/rcpt_file_1.json";
const BUNDLE_RECEIPT: &str = "artifacts/proof_bundle.json receipts[0]";

/// The sample's trust, and the plan's requester as a change-board approver.
fn ctx(keys: &SampleKeys) -> VerifyContext {
    let mut trust = keys.trust();
    trust.approvers.push(ApproverEntry {
        did: keys.requester.did().to_string(),
        subject: Some("requester@example.com".to_string()),
        groups: vec!["change-board".to_string()],
        name: None,
    });
    VerifyContext::new(parse_rfc3339(sample::VERIFY_AT).unwrap(), trust)
}

fn verify(s: &Scenario) -> SubjectReport {
    verify_audit_bundle("run.audit.zip", &s.build().unwrap(), &ctx(&s.keys))
}

fn approval(entry: &str, subject: &str, did: &str, not_counted_because: Option<&str>) -> ApprovalFact {
    ApprovalFact {
        entry: entry.to_string(),
        approver_subject: subject.to_string(),
        approver_did: did.to_string(),
        method: None,
        decision: "explicit_approve".to_string(),
        timestamp: sample::APPROVED_AT.to_string(),
        counted: not_counted_because.is_none(),
        not_counted_because: not_counted_because.map(str::to_string),
    }
}

fn binding(from: &str, to: &str, check_id: &str, holds: bool) -> Binding {
    Binding::new(from, to, check_id, holds)
}

fn find<'r>(r: &'r SubjectReport, to: &str) -> &'r Binding {
    r.facts
        .bindings
        .iter()
        .find(|b| b.to == to)
        .unwrap_or_else(|| panic!("no binding to {to}: {:#?}", r.facts.bindings))
}

/// The sample policy's one gate, read from the policy payload the sample signs.
fn sample_gate(keys: &SampleKeys) -> Value {
    sample::policy_payload(keys)
        .get("metadata")
        .and_then(|m| m.get("clawaudit"))
        .and_then(|c| c.get("approval_gates"))
        .and_then(Value::as_array)
        .and_then(|g| g.first())
        .cloned()
        .unwrap()
}

#[test]
fn the_sample_gate_fact_lists_both_approvers_as_counted() {
    let s = Scenario::sample();
    let r = verify(&s);
    assert_eq!(r.status, Status::Pass, "{}", r.reason);
    let gate = sample_gate(&s.keys);
    assert_eq!(gate.get("min_approvers").and_then(Value::as_f64), Some(2.0));
    let k = &s.keys;
    assert_eq!(
        r.facts.gates,
        vec![GateFact {
            gate_id: sample::GATE_ID.to_string(),
            plan_entry: PLAN_PATH.to_string(),
            min_approvers: 2,
            counted: 2,
            requester_excluded: true,
            approver_group: Some("change-board".to_string()),
            approvals: vec![
                approval(ALICE_PATH, "alice@example.com", k.alice.did(), None),
                approval(BOB_PATH, "bob@example.com", k.bob.did(), None),
            ],
            quorum_met: true,
        }]
    );
    // The plan names the requester, who approved nothing here.
    let plan = sample::plan(k);
    assert_eq!(
        plan.get("requested_by").and_then(Value::as_str),
        Some(k.requester.did())
    );
}

#[test]
fn the_sample_bindings_all_hold_and_name_a_passing_check() {
    let r = verify(&Scenario::sample());
    assert_eq!(r.status, Status::Pass, "{}", r.reason);
    let mut expected = vec![
        binding("manifest entries", "archive entries", "manifest.files", true),
        binding("checkpoint Merkle root", "manifest Merkle root", "manifest.tree", true),
        binding("WPC hash", "token pin", "token.pin", true),
        binding(
            "token scope hash",
            "checkpoint token scope binding",
            "token.scope_hash",
            true,
        ),
    ];
    for approval in [ALICE_PATH, BOB_PATH] {
        expected.push(binding(
            &format!("plan hash ({PLAN_PATH})"),
            &format!("approval ({approval})"),
            "approval.binding",
            true,
        ));
    }
    expected.push(binding(
        &format!("approvals ({PLAN_PATH})"),
        "gate \"stage_new_secret\" quorum",
        "gate.quorum",
        true,
    ));
    for src in [FILE_RECEIPT, BUNDLE_RECEIPT] {
        for (from, field) in [
            ("WPC hash", "binding.policy_hash"),
            ("token scope hash", "binding.token_scope_hash_b64u"),
        ] {
            expected.push(binding(
                from,
                &format!("receipt {field} ({src})"),
                "receipts.bindings",
                true,
            ));
        }
    }
    assert_eq!(r.facts.bindings, expected);
    for b in &r.facts.bindings {
        assert!(
            r.checks
                .iter()
                .any(|c| c.id == b.check_id && c.status == CheckStatus::Pass),
            "{b:?} names no passing check"
        );
    }
}

#[test]
fn plan_and_token_scope_hashes_are_recomputable_by_hand() {
    let s = Scenario::sample();
    let r = verify(&s);
    let k = &s.keys;
    let plan = r.facts.hash(HashSubject::Plan).unwrap();
    assert_eq!(
        plan.value_b64u,
        sha256_b64u(jcs::to_string(&sample::plan(k)).as_bytes())
    );
    assert_eq!(plan.recipe, HashRecipe::JcsSha256);
    assert_eq!(plan.entry.as_deref(), Some(PLAN_PATH));

    // Wire-format §4.2: sub, aud, scope, token_version and the string claims that are set,
    // keys sorted; iat and exp left out.
    let policy_hash = wpc::policy_hash(&sample::policy_payload(k));
    let scope_input = format!(
        r#"{{"agent_did":"{}","aud":["clawproxy"],"mission_id":"{}","policy_hash_b64u":"{policy_hash}","scope":["llm:call"],"sub":"agent:sample","token_version":"1"}}"#,
        k.agent.did(),
        sample::JOB_ID
    );
    let scope = r.facts.hash(HashSubject::TokenScope).unwrap();
    assert_eq!(scope.value_b64u, sha256_b64u(scope_input.as_bytes()));
    assert_eq!(scope.recipe, HashRecipe::TokenScope);
    assert_eq!(scope.entry.as_deref(), Some(TOKEN_PATH));
    assert_eq!(
        r.facts.hash(HashSubject::Policy).map(|h| h.value_b64u.as_str()),
        Some(policy_hash.as_str())
    );
}

#[test]
fn an_approval_by_the_requester_is_listed_as_not_counted_and_why() {
    let mut s = Scenario::sample();
    let requester = s.keys.requester.clone();
    let bob = s.approval_mut("apr_bob").unwrap();
    bob.signer = requester;
    bob.subject = "requester@example.com".into();
    let r = verify(&s);
    assert_eq!(r.reason_code, ReasonCode::ApprovalQuorumNotMet, "{}", r.reason);
    let [gate] = r.facts.gates.as_slice() else {
        panic!("one gate expected: {:#?}", r.facts.gates)
    };
    assert_eq!((gate.counted, gate.min_approvers, gate.quorum_met), (1, 2, false));
    let why = "requester@example.com is the requester";
    assert_eq!(
        gate.approvals,
        vec![
            approval(ALICE_PATH, "alice@example.com", s.keys.alice.did(), None),
            approval(BOB_PATH, "requester@example.com", s.keys.requester.did(), Some(why)),
        ]
    );
    // The fact and the check detail come from one decision.
    let quorum = r.failing_check().unwrap();
    assert_eq!(quorum.id, "gate.quorum");
    assert!(
        quorum.detail.contains(&format!("{BOB_PATH} ({why})")),
        "{}",
        quorum.detail
    );
    assert_eq!(
        find(&r, "gate \"stage_new_secret\" quorum"),
        &binding(
            &format!("approvals ({PLAN_PATH})"),
            "gate \"stage_new_secret\" quorum",
            "gate.quorum",
            false
        )
    );
}

#[test]
fn a_receipt_bound_to_another_policy_breaks_only_its_policy_link() {
    let mut s = Scenario::sample();
    let other = sha256_b64u(b"another policy");
    s.receipts.first_mut().unwrap().policy_hash = Some(other);
    let r = verify(&s);
    assert_eq!(r.reason_code, ReasonCode::ReceiptPolicyMismatch, "{}", r.reason);
    let failing = r.failing_check().unwrap();
    assert_eq!(failing.id, "receipts.policy");
    assert_eq!(failing.artifact().as_deref(), Some(FILE_RECEIPT));
    let policy_link = find(&r, &format!("receipt binding.policy_hash ({FILE_RECEIPT})"));
    assert_eq!(
        (
            policy_link.from.as_str(),
            policy_link.check_id.as_str(),
            policy_link.holds
        ),
        ("WPC hash", "receipts.policy", false)
    );
    // The same receipt's scope link and the other receipt's policy link still hold.
    assert!(find(&r, &format!("receipt binding.token_scope_hash_b64u ({FILE_RECEIPT})")).holds);
    assert!(find(&r, &format!("receipt binding.policy_hash ({BUNDLE_RECEIPT})")).holds);
    assert_eq!(r.facts.bindings.iter().filter(|b| !b.holds).count(), 1);
}

#[test]
fn broken_token_approval_and_tree_links_name_their_failing_check() {
    // Token pinned to another policy.
    let mut s = Scenario::sample();
    s.token_pin = Pin::Other(sha256_b64u(b"another policy"));
    let r = verify(&s);
    assert_eq!(r.reason_code, ReasonCode::PolicyHashMismatch, "{}", r.reason);
    assert_eq!(
        find(&r, "token pin"),
        &binding("WPC hash", "token pin", "token.pin", false)
    );

    // An approval of a plan the bundle does not hold: no plan node, the approval.plan check.
    let mut s = Scenario::sample();
    let mut other_plan = sample::plan(&s.keys);
    other_plan
        .as_object_mut()
        .unwrap()
        .insert("summary", Value::from("another plan"));
    let other_hash = sha256_b64u(jcs::to_string(&other_plan).as_bytes());
    s.approval_mut("apr_bob").unwrap().plan = Some(other_plan);
    let r = verify(&s);
    assert_eq!(r.reason_code, ReasonCode::ApprovalPlanUnknown, "{}", r.reason);
    assert_eq!(
        find(&r, &format!("approval ({BOB_PATH})")),
        &binding(
            &format!("plan hash {other_hash} (not in the bundle)"),
            &format!("approval ({BOB_PATH})"),
            "approval.plan",
            false
        )
    );
    // Bob's approval applies to no gate of the bundle: the gate lists alice only.
    let gate = r.facts.gates.first().unwrap();
    assert_eq!(gate.approvals.len(), 1);
    assert!(!gate.quorum_met);

    // A checkpoint that signs one leaf too many.
    let mut s = Scenario::sample();
    s.tree_size_delta = 1;
    let r = verify(&s);
    assert_eq!(r.reason_code, ReasonCode::MerkleSizeMismatch, "{}", r.reason);
    assert_eq!(
        find(&r, "manifest Merkle root"),
        &binding(
            "checkpoint Merkle root",
            "manifest Merkle root",
            "manifest.tree_size",
            false
        )
    );
}
