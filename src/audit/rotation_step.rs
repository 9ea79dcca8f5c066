//! Spec 20 §5 step 8a: a sealed bundle with `artifacts/rotation/events.ndjson` is a rotation
//! run, judged by the rotation judge (spec 30 §4) under the bundle's checkpoint.
//!
//! In a rotation run the judge performs steps 4 to 7 itself, in its own order (the policy,
//! the scenario, each plan, each approval on its own; then, event by event, each phase token
//! at its `phase_start` and each receipt at its `model_call`), with the verifier's own checks:
//! gate quorum needs the phase start's time, and a receipt's token is its phase's. So
//! `verify` and `simulate rotation` report the same first code for the same run.

use super::container::Container;
use super::manifest::ROTATION_EVENTS_PATH;
use crate::context::VerifyContext;
use crate::policy::eval::evidence::RotationEvent;
use crate::policy::wpc::PolicyInfo;
use crate::policy::CheckpointView;
use crate::reason::ReasonCode;
use crate::report::{CheckStatus, Findings, Location, RotationFact};
use crate::rotation::fixture::FixtureFiles;
use crate::rotation::judge::{judge_run_with, RunInput, RunResult};
use crate::rotation::model::{Outcome, StepRecord};

/// Whether the bundle is a rotation run.
pub fn is_rotation_run(container: &Container) -> bool {
    container.get(ROTATION_EVENTS_PATH).is_some()
}

/// The judged run: its per-artifact checks (steps 4–7's place) first, then, after the
/// proof bundle, `record_events`.
pub struct RotationStep {
    pub result: RunResult,
}

/// Judge the rotation run in `container` (its `artifacts/…` entries) under the checkpoint.
pub fn judge_bundle(
    container: &Container,
    ctx: &VerifyContext,
    view: &CheckpointView,
    f: &mut Findings,
) -> RotationStep {
    // `verify` keeps each tool call for the policy evaluation of step 8b.
    let result = judge_container(container, ctx, view, None, true);
    f.checks.extend(result.artifact_checks.checks.iter().cloned());
    RotationStep { result }
}

/// The judge over the bundle's `artifacts/…` entries, with `sink` receiving one record per
/// event (the report's timeline), exactly as `verify` judges them.
pub fn judge_container(
    container: &Container,
    ctx: &VerifyContext,
    view: &CheckpointView,
    sink: Option<&mut dyn FnMut(StepRecord)>,
    collect_tool_calls: bool,
) -> RunResult {
    let files = FixtureFiles::new(
        container
            .names()
            .filter(|n| n.starts_with("artifacts/"))
            .filter_map(|n| container.get(n).map(|b| (n.to_string(), b.to_vec()))),
    );
    judge_run_with(
        RunInput {
            files: &files,
            ctx,
            checkpoint: Some(view),
            expire_token: &[],
            events: None,
        },
        sink,
        collect_tool_calls,
    )
}

impl RotationStep {
    pub fn policy(&self) -> Option<&PolicyInfo> {
        self.result.policy.as_ref()
    }

    /// The judged tool calls as the requests' evidence for step 8b (`tool:execute` on the
    /// tool, `secret:<op>` on the secret), each located at its event of
    /// `artifacts/rotation/events.ndjson`.
    pub fn policy_events(&self) -> Vec<RotationEvent<'_>> {
        self.result
            .tool_calls
            .iter()
            .map(|t| RotationEvent {
                entry: ROTATION_EVENTS_PATH,
                seq: t.seq,
                time: t.at,
                tool_name: Some(t.tool.as_str()),
                secret: t.secret.as_ref().map(|(op, id)| (op.as_str(), id.as_str())),
                gate_satisfied: t.gate_satisfied,
            })
            .collect()
    }

    /// Step 8a proper: every event finding (typed event locations), the warnings, and the
    /// outcome: `violated` fails with the first violation; otherwise `rotation.outcome`
    /// passes (`complete`) or warns.
    pub fn record_events(&self, f: &mut Findings) -> RotationFact {
        let j = &self.result.judgement;
        for v in j
            .violations
            .iter()
            .filter(|v| v.seq.is_some() || v.code == ReasonCode::RotationFixtureInvalid)
        {
            let location = match v.seq {
                Some(seq) => Location::Event {
                    entry: ROTATION_EVENTS_PATH.to_string(),
                    seq,
                },
                None => Location::entry(ROTATION_EVENTS_PATH),
            };
            let already = v.seq.is_none() && f.checks.iter().any(|c| c.detail == v.detail);
            if !already {
                f.fail_at("rotation.event", v.code, &location, v.detail.clone());
            }
        }
        for (path, detail) in &j.warnings {
            f.push(
                "rotation.receipts",
                CheckStatus::Warn,
                ReasonCode::RotationReceiptUnreferenced,
                Location::entry(path.clone()),
                detail.clone(),
            );
        }
        let detail = format!(
            "the rotation run's outcome is {} ({} events judged, {} violations)",
            j.outcome.as_str(),
            j.events,
            j.violations_total
        );
        match j.outcome {
            Outcome::Violated => {}
            Outcome::Complete => f.pass_in_entry("rotation.outcome", ROTATION_EVENTS_PATH, detail),
            _ => f.push(
                "rotation.outcome",
                CheckStatus::Warn,
                // A warn check carries its own code (spec 40 §2), never OK.
                ReasonCode::RotationNotComplete,
                Location::entry(ROTATION_EVENTS_PATH),
                detail,
            ),
        }
        RotationFact {
            outcome: j.outcome.as_str().to_string(),
            first_violation_code: j.first_violation().map(|v| v.code),
            first_violation_seq: j.first_violation().and_then(|v| v.seq),
            events: j.events,
            violations: j.violations_total,
        }
    }
}
