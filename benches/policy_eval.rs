//! Speed of policy evaluation (issue 10): one request against a 64-statement WPC v2 (target
//! under 5 µs), and step 8b of a sealed bundle with 1 001 gateway receipts (target under
//! 5 ms: reading each receipt file for its request and deciding it).
//!
//!   cargo bench --bench policy_eval
//!
//! Groups: `policy_eval/decide_64_statements` (a model call that only the last statement
//! allows: every statement's actions, resources and conditions are tried, as they always are
//! since every matching Deny is named), `policy_eval/explain_64_statements` (the same with
//! the full trace of `--explain`) and `policy_eval/sealed_step_1001_receipts`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a benchmark: failing loudly on bad setup is the point

use std::time::Duration;

use clawaudit::audit::container::{read_container, ContainerLimits};
use clawaudit::audit::policy_eval::step_policy_eval;
use clawaudit::context::VerifyContext;
use clawaudit::json::Value;
use clawaudit::policy::eval::{keys, parse_policy, Chain, Request};
use clawaudit::policy::wpc::read_policy_for_producer;
use clawaudit::policy::CheckpointView;
use clawaudit::report::{CheckStatus, Findings};
use clawaudit::timeutil::parse_rfc3339;
use clawaudit::vectors::audit_sample::{self, SampleKeys};
use clawaudit::vectors::audit_scenario::{Receipt, Scenario};
use criterion::{criterion_group, criterion_main, Criterion};

/// 63 statements that do not allow the request (other actions, other resources, failing
/// conditions, Denies that do not match), then the one that does.
fn policy_64() -> Value {
    let mut statements = Vec::new();
    for i in 0..63 {
        statements.push(match i % 4 {
            0 => serde_json::json!({"sid": format!("Tool{i}"), "effect": "Allow", "actions": ["tool:execute"],
                                    "resources": [format!("tool-{i}-*"), "src/**/*.ts"]}),
            1 => serde_json::json!({"sid": format!("Deny{i}"), "effect": "Deny", "actions": ["model:*"],
                                    "resources": ["*"], "conditions": {"StringLike": {"Model:Name": format!("banned-{i}-*")}}}),
            2 => serde_json::json!({"sid": format!("Night{i}"), "effect": "Allow", "actions": ["model:invoke"],
                                    "resources": ["*"], "conditions": {"NumericLessThan": {"Context:Hour": "6"},
                                    "StringEquals": {"Model:Provider": "anthropic"}}}),
            _ => serde_json::json!({"sid": format!("Egress{i}"), "effect": "Allow", "actions": ["side_effect:network_egress"],
                                    "resources": ["**"], "conditions": {"StringLike": {"SideEffect:TargetDomain": format!("*.corp{i}.example")}}}),
        });
    }
    statements.push(
        serde_json::json!({"sid": "AllowClaude", "effect": "Allow", "actions": ["model:invoke"],
        "resources": ["*"], "conditions": {"StringEquals": {"Model:Provider": "anthropic"},
        "StringLike": {"Model:Name": "claude-*"}, "Bool": {"Request:HasHumanApproval": "false"}}}),
    );
    Value::from_serde(&serde_json::json!({
        "policy_version": "2", "policy_id": "bench", "issuer_did": "did:key:z6Mkbench", "statements": statements
    }))
}

fn request() -> Request {
    Request::new("model:invoke", "anthropic")
        .with(keys::AGENT_DID, "did:key:z6MkagentBench")
        .with(keys::CONTEXT_HOUR, "14")
        .with(keys::REQUEST_HAS_HUMAN_APPROVAL, "false")
        .with(keys::RECEIPT_PROOF_TIER, "gateway")
        .with(keys::MODEL_PROVIDER, "anthropic")
        .with(keys::MODEL_NAME, "claude-3-5-sonnet-20241022")
}

fn bench_decide(c: &mut Criterion) {
    let policy = parse_policy(&policy_64()).unwrap();
    assert_eq!(policy.statements.len(), 64);
    let chain = Chain::resolve(&policy, &[]);
    let r = request();
    let d = chain.decide(&r);
    assert!(d.is_allow());
    assert_eq!(d.decider_names("bench"), vec!["AllowClaude"]);
    let mut g = c.benchmark_group("policy_eval");
    g.bench_function("decide_64_statements", |b| {
        b.iter(|| chain.decide(std::hint::black_box(&r)))
    });
    g.bench_function("explain_64_statements", |b| {
        b.iter(|| chain.explain(std::hint::black_box(&r)).len())
    });
    g.finish();
}

fn bench_sealed_step(c: &mut Criterion) {
    let mut s = Scenario::sample();
    for i in 0..1000 {
        s.receipts.push(Receipt::new(
            &format!("rcpt_bulk_{i:05}"),
            &format!("nonce_bulk_{i:05}"),
        ));
    }
    let bytes = s.build().unwrap();
    let keys = SampleKeys::new();
    let limits = ContainerLimits::default();
    let container = read_container(&bytes, &limits).unwrap();
    let ctx = VerifyContext::new(parse_rfc3339(audit_sample::VERIFY_AT).unwrap(), keys.trust());
    let env =
        clawaudit::json::parse_str(std::str::from_utf8(container.get("artifacts/policy/wpc.json").unwrap()).unwrap())
            .unwrap();
    let policy = read_policy_for_producer(&env).unwrap();
    let view = CheckpointView {
        agent_did: Some(keys.agent.did().to_string()),
        ..CheckpointView::default()
    };
    let mut f = Findings::new();
    step_policy_eval(&container, &ctx, Some(&policy), &view, None, &mut f);
    let decisions = f.checks.iter().filter(|c| c.id == "policy.eval").count();
    assert_eq!(decisions, 1002, "1 001 receipt files and the proof bundle's receipt");
    assert!(f.checks.iter().all(|c| c.status == CheckStatus::Pass));
    let mut g = c.benchmark_group("policy_eval");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    g.bench_function("sealed_step_1001_receipts", |b| {
        b.iter(|| {
            let mut f = Findings::new();
            step_policy_eval(&container, &ctx, Some(&policy), &view, None, &mut f);
            f.checks.len()
        })
    });
    // In `verify` the step gets the receipt files step 7 already parsed: its own cost.
    let mut parsed: Vec<(String, clawaudit::json::Value)> = container
        .names()
        .filter(|n| n.starts_with("artifacts/receipts/"))
        .map(|n| {
            (
                n.to_string(),
                clawaudit::json::parse(container.get(n).unwrap(), &ctx.limits.json).unwrap(),
            )
        })
        .collect();
    parsed.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut check = Findings::new();
    step_policy_eval(&container, &ctx, Some(&policy), &view, Some(&parsed), &mut check);
    assert_eq!(
        check.checks, f.checks,
        "the step gives the same checks from parsed files"
    );
    g.bench_function("sealed_step_1001_receipts_parsed_by_step_7", |b| {
        b.iter(|| {
            let mut f = Findings::new();
            step_policy_eval(&container, &ctx, Some(&policy), &view, Some(&parsed), &mut f);
            f.checks.len()
        })
    });
    // What of the step is reading the receipt files again (JSON parse), not evaluation.
    let paths: Vec<&str> = container
        .names()
        .filter(|n| n.starts_with("artifacts/receipts/"))
        .collect();
    assert_eq!(paths.len(), 1001);
    g.bench_function("parse_1001_receipt_files", |b| {
        b.iter(|| {
            paths
                .iter()
                .filter(|p| clawaudit::json::parse(container.get(p).unwrap(), &ctx.limits.json).is_ok())
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, bench_decide, bench_sealed_step);
criterion_main!(benches);
