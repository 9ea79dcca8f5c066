//! The rotation judge's entry point (spec 30 §4): the per-artifact checks (`seq: null`: the
//! policy, the scenario, each plan, each approval on its own, in that order), then the
//! timeline replayed event by event ([`super::replay`]), then the outcome.
//!
//! Signed artifacts are verified by the code `verify` uses (`policy::wpc`, `policy::cst`,
//! `policy::approvals`, `clawsig::gateway_receipts`, the receipt bindings of `audit::verify`).

use std::collections::HashMap;

use super::env::Env;
use super::fixture::{parse_scenario, Event, EventLines, FixtureError, FixtureFiles, Scenario};
use super::model::{Judgement, Outcome, StepRecord, ToolCallFact, Violation};
use super::plan::parse_change_set;
use super::replay::Replay;
use crate::audit::manifest::{POLICY_PATH, ROTATION_EVENTS_PATH, ROTATION_SCENARIO_PATH, TOKEN_PATH};
use crate::context::VerifyContext;
use crate::json::{self, Value};
use crate::policy::approvals::{check_each_approval, check_plan_in_run};
use crate::policy::extension::RotationPolicy;
use crate::policy::wpc::{self, PolicyInfo};
use crate::policy::CheckpointView;
use crate::reason::ReasonCode;
use crate::report::{CheckStatus, Findings, Location};
use crate::timeutil::parse_rfc3339;

/// What the judge is given besides the files.
pub struct RunInput<'a> {
    pub files: &'a FixtureFiles,
    pub ctx: &'a VerifyContext,
    /// The sealed bundle's checkpoint; `None` for a fixture folder (the subject is then the
    /// scenario's job and agent, and "sealed at" is the last event's time).
    pub checkpoint: Option<&'a CheckpointView>,
    /// Simulated facts (spec 30 §6): phases whose token's `exp` is taken to be the phase
    /// start plus one second. Never signed; no signature finding comes from them.
    pub expire_token: &'a [String],
    /// The events to judge instead of the file's (a what-if run); `None` reads the file.
    pub events: Option<Vec<Event>>,
}

/// The judge's result: the judgement, the per-artifact checks (with their passes, for a
/// report), and the policy as read.
pub struct RunResult {
    pub judgement: Judgement,
    pub artifact_checks: Findings,
    pub policy: Option<PolicyInfo>,
    /// The judged tool calls, in timeline order, for [`judge_run_for_policy`] (empty
    /// otherwise).
    pub tool_calls: Vec<ToolCallFact>,
}

/// Judge a rotation run. `sink` receives one record per event (with its state snapshot)
/// when given; without it no snapshot is built. Never panics; deterministic.
pub fn judge_run(input: RunInput<'_>, sink: Option<&mut dyn FnMut(StepRecord)>) -> RunResult {
    judge(input, sink, false)
}

/// Judge a rotation run as [`judge_run`] does, keeping what the evaluation of the WPC's
/// statements needs of every judged tool call (`RunResult::tool_calls`; O(tool calls), see
/// `Replay::collect_tool_calls`).
pub fn judge_run_for_policy(input: RunInput<'_>) -> RunResult {
    judge(input, None, true)
}

/// [`judge_run`] with a sink, also keeping the tool calls when `collect` (as
/// [`judge_run_for_policy`]).
pub fn judge_run_with(input: RunInput<'_>, sink: Option<&mut dyn FnMut(StepRecord)>, collect: bool) -> RunResult {
    judge(input, sink, collect)
}

fn judge(input: RunInput<'_>, sink: Option<&mut dyn FnMut(StepRecord)>, collect: bool) -> RunResult {
    let mut f = Findings::new();
    let mut judgement = empty_judgement();
    let (policy, scenario) = read_policy_and_scenario(&input, &mut f);
    let ready = match (&policy, &scenario) {
        (Some(p), Some(s)) => rotation_of(p, &mut f).map(|r| (p, r, s)),
        _ => None,
    };
    judgement.policy_hash_b64u = policy.as_ref().map(|p| p.hash_b64u.clone());
    judgement.job_id = scenario.as_ref().map(|s| s.job_id.clone());
    let Some((policy_info, rotation, scenario)) = ready else {
        return finish_unjudged(judgement, f, policy);
    };
    let Some(view) = run_view(&input, scenario, policy_info, &mut f) else {
        return finish_unjudged(judgement, f, policy);
    };
    let env = read_plans_and_approvals(&input, policy_info, rotation, scenario, view, &mut f);
    let unreadable = f
        .checks
        .iter()
        .any(|c| c.status == CheckStatus::Fail && c.reason_code == ReasonCode::RotationFixtureInvalid);
    if unreadable {
        return finish_unjudged(judgement, f, policy);
    }
    record_artifact_failures(&f, &mut judgement);
    let events: Box<dyn Iterator<Item = Result<Event, FixtureError>> + '_> = match input.events {
        Some(list) => Box::new(list.into_iter().map(Ok)),
        None => match EventLines::new(
            input.files.get(ROTATION_EVENTS_PATH).unwrap_or_default(),
            &input.ctx.limits.json,
        ) {
            Ok(lines) => Box::new(lines),
            Err(e) => Box::new(std::iter::once(Err(e))),
        },
    };
    let mut replay = Replay::new(&env);
    if collect {
        replay.collect_tool_calls();
    }
    replay.run(events, &mut judgement, sink);
    let tool_calls = replay.take_tool_calls();
    replay.finish(&mut judgement);
    RunResult {
        judgement,
        artifact_checks: f,
        policy,
        tool_calls,
    }
}

/// A judgement before anything was judged: `violated` until the replay says otherwise.
pub fn empty_judgement() -> Judgement {
    Judgement {
        job_id: None,
        policy_hash_b64u: None,
        outcome: Outcome::Violated,
        violations: Vec::new(),
        violations_total: 0,
        violations_by_code: Vec::new(),
        phases: Vec::new(),
        secrets: Vec::new(),
        consumers: Vec::new(),
        events: 0,
        warnings: Vec::new(),
    }
}

/// The artifact checks failed before the events could be judged: the outcome is `violated`.
fn finish_unjudged(mut judgement: Judgement, f: Findings, policy: Option<PolicyInfo>) -> RunResult {
    record_artifact_failures(&f, &mut judgement);
    judgement.outcome = Outcome::Violated;
    RunResult {
        judgement,
        artifact_checks: f,
        policy,
        tool_calls: Vec::new(),
    }
}

fn record_artifact_failures(f: &Findings, judgement: &mut Judgement) {
    for c in f.checks.iter().filter(|c| c.status == CheckStatus::Fail) {
        judgement.record(Violation {
            seq: None,
            code: c.reason_code,
            detail: c.detail.clone(),
        });
    }
}

/// `ROTATION_FIXTURE_INVALID` about a whole file.
pub(crate) fn fixture_invalid(f: &mut Findings, e: &FixtureError) {
    f.fail_at(
        "rotation.fixture",
        ReasonCode::RotationFixtureInvalid,
        &Location::entry(e.file.clone()),
        e.detail(),
    );
}

/// The required files, the policy (step 4's checks) and the scenario.
fn read_policy_and_scenario(input: &RunInput<'_>, f: &mut Findings) -> (Option<PolicyInfo>, Option<Scenario>) {
    let missing: Vec<&str> = [POLICY_PATH, ROTATION_SCENARIO_PATH, ROTATION_EVENTS_PATH]
        .into_iter()
        .filter(|p| input.files.get(p).is_none())
        .collect();
    for p in &missing {
        fixture_invalid(f, &FixtureError::file(p, "is missing; a rotation fixture requires it"));
    }
    // Spec 30 §1: a rotation run's tokens are its phase tokens, never judged otherwise.
    if input.files.get(TOKEN_PATH).is_some() {
        fixture_invalid(
            f,
            &FixtureError::file(
                TOKEN_PATH,
                "is not part of a rotation run: its tokens are the phase tokens under artifacts/rotation/tokens/",
            ),
        );
    }
    if let Some(bound) = input.checkpoint.and_then(|c| c.token_scope_hash.as_deref()) {
        fixture_invalid(
            f,
            &FixtureError::file(
                crate::audit::container::CHECKPOINT_NAME,
                format!("binds token scope hash {bound}, but a rotation run has no run-wide token to bind"),
            ),
        );
    }
    let policy = input
        .files
        .get(POLICY_PATH)
        .and_then(|bytes| match json::parse(bytes, &input.ctx.limits.json) {
            Ok(value) => match input.checkpoint {
                Some(cp) => wpc::check_policy(&value, input.ctx, cp.policy_hash.as_deref(), POLICY_PATH, f),
                None => wpc::check_policy_alone(&value, input.ctx, f),
            },
            Err(e) => {
                f.fail_in_entry(
                    "policy.envelope",
                    ReasonCode::MalformedJson,
                    POLICY_PATH,
                    format!("{POLICY_PATH} is not acceptable JSON: {e}"),
                );
                None
            }
        });
    let scenario = input.files.get(ROTATION_SCENARIO_PATH).and_then(|bytes| {
        parse_scenario(bytes, &input.ctx.limits.json)
            .map_err(|e| fixture_invalid(f, &e))
            .ok()
    });
    (policy, scenario)
}

/// The policy's rotation rules; a policy without them cannot judge a rotation run.
fn rotation_of<'p>(policy: &'p PolicyInfo, f: &mut Findings) -> Option<&'p RotationPolicy> {
    if policy.extension_error.is_some() {
        return None; // `policy.extension` has failed with POLICY_EXTENSION_INVALID.
    }
    let rotation = policy.extension.as_ref().and_then(|e| e.rotation.as_ref());
    if rotation.is_none() {
        f.fail_in_entry(
            "rotation.policy",
            ReasonCode::PolicyExtensionInvalid,
            POLICY_PATH,
            "the run is a rotation run, but the policy's clawaudit extension declares no phases: it has no rotation rules to judge it by",
        );
    }
    rotation
}

/// The subject the artifacts are judged against: the checkpoint's, which must be for the
/// scenario's job; for a folder, the scenario's job and agent, "sealed" at the last event.
fn run_view(
    input: &RunInput<'_>,
    scenario: &Scenario,
    policy: &PolicyInfo,
    f: &mut Findings,
) -> Option<CheckpointView> {
    if let Some(cp) = input.checkpoint {
        if cp.job_id != scenario.job_id {
            fixture_invalid(
                f,
                &FixtureError::file(
                    ROTATION_SCENARIO_PATH,
                    format!(
                        "is for job \"{}\", but the checkpoint's subject is job \"{}\"",
                        crate::schema_rules::short(&scenario.job_id),
                        crate::schema_rules::short(&cp.job_id)
                    ),
                ),
            );
            return None;
        }
        return Some(cp.clone());
    }
    let last_at = match &input.events {
        Some(events) => events.last().map(|e| e.at),
        None => last_event_at(input.files.get(ROTATION_EVENTS_PATH).unwrap_or_default()),
    };
    Some(CheckpointView {
        job_id: scenario.job_id.clone(),
        run_id: None,
        agent_did: Some(scenario.agent_did.clone()),
        created_at: last_at.unwrap_or(i64::MAX),
        policy_hash: Some(policy.hash_b64u.clone()),
        token_scope_hash: None,
    })
}

/// The `at` of the timeline's last line, read without parsing the rest (a malformed file
/// is reported by the replay, which reads every line).
pub fn last_event_at(bytes: &[u8]) -> Option<i64> {
    let trimmed = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let start = trimmed.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = trimmed.get(start..)?;
    if line.len() > super::fixture::MAX_EVENT_LINE_BYTES {
        return None;
    }
    let value = json::parse(line, &json::ParseLimits::default()).ok()?;
    parse_rfc3339(value.get("at")?.as_str()?)
}

/// Each plan (spec 20 shape, job, gate; then its rotation change set), then each approval on
/// its own, in path order.
fn read_plans_and_approvals<'a>(
    input: &RunInput<'a>,
    policy: &'a PolicyInfo,
    rotation: &'a RotationPolicy,
    scenario: &'a Scenario,
    view: CheckpointView,
    f: &mut Findings,
) -> Env<'a> {
    let parse_all = |prefix: &str, f: &mut Findings| -> Vec<(String, Value)> {
        input
            .files
            .paths_under(prefix)
            .into_iter()
            .filter(|p| p.ends_with(".json"))
            .filter_map(
                |p| match json::parse(input.files.get(p).unwrap_or_default(), &input.ctx.limits.json) {
                    Ok(v) => Some((p.to_string(), v)),
                    Err(e) => {
                        f.fail_in_entry(
                            "rotation.artifact",
                            ReasonCode::MalformedJson,
                            p,
                            format!("{p} is not acceptable JSON: {e}"),
                        );
                        None
                    }
                },
            )
            .collect()
    };
    let plans = parse_all("artifacts/plans/", f);
    let mut change_sets = HashMap::new();
    for (path, plan) in &plans {
        if !check_plan_in_run(path, plan, Some(policy), &view.job_id, f) {
            continue;
        }
        let gate = plan.get("gate_id").and_then(Value::as_str).unwrap_or_default();
        let shape = super::env::plan_shape(rotation, gate);
        match parse_change_set(plan, shape, scenario, &rotation.rules) {
            Ok(cs) => {
                change_sets.insert(path.clone(), cs);
            }
            Err(why) => fixture_invalid(
                f,
                &FixtureError::file(path, format!("its rotation change_set is invalid: {why}")),
            ),
        }
    }
    let approvals = parse_all("artifacts/approvals/", f);
    check_each_approval(&approvals, &plans, Some(policy), &view, input.ctx, f);
    Env {
        ctx: input.ctx,
        files: input.files,
        policy,
        rotation,
        require_secret_scope: policy
            .extension
            .as_ref()
            .is_some_and(|e| e.token_constraints.require_secret_scope),
        scenario,
        view,
        approvals,
        plans,
        change_sets,
        expire_token: input.expire_token,
    }
}
