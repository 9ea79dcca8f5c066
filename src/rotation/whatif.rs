//! What-if (spec 30 §6): faults applied to the recorded facts before judging, and the matrix
//! of every fault at every point where it applies. The injected facts are simulated, never
//! re-signed: a fault removes or moves events, edits an event's fields, removes an approval
//! file, or sets a phase token's `exp` after its signature was verified (so no signature
//! finding comes from a fault). Removed or moved events are renumbered `1…n` in their new
//! order; each keeps its `recorded_seq`.

use super::fixture::{Effect, Event, EventKind, EventLines, FixtureError, FixtureFiles};
use crate::audit::manifest::ROTATION_EVENTS_PATH;
use crate::json::{self, ParseLimits, Value};

/// One fault, in the `--inject` syntax `name@target`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    HealthFail(u64),
    DropApproval(String),
    ExpireToken(String),
    SkipCanary(String),
    RevokeEarly(String),
    ReuseToken(String),
}

/// The fault names, in the order of spec 30 §6.
pub const FAULT_NAMES: [&str; 6] = [
    "health_fail",
    "drop_approval",
    "expire_token",
    "skip_canary",
    "revoke_early",
    "reuse_token",
];

impl Fault {
    /// Parse `name@target`.
    pub fn parse(text: &str) -> Result<Fault, String> {
        let (name, target) = text.split_once('@').ok_or_else(|| {
            format!(
                "fault \"{text}\" is not NAME@TARGET (names: {})",
                FAULT_NAMES.join(", ")
            )
        })?;
        if target.is_empty() {
            return Err(format!("fault \"{text}\" names no target"));
        }
        let t = target.to_string();
        Ok(match name {
            "health_fail" => Fault::HealthFail(
                target
                    .parse()
                    .map_err(|_| format!("health_fail@{target}: the target is an event seq (a positive integer)"))?,
            ),
            "drop_approval" => Fault::DropApproval(t),
            "expire_token" => Fault::ExpireToken(t),
            "skip_canary" => Fault::SkipCanary(t),
            "revoke_early" => Fault::RevokeEarly(t),
            "reuse_token" => Fault::ReuseToken(t),
            other => return Err(format!("unknown fault \"{other}\" (names: {})", FAULT_NAMES.join(", "))),
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Fault::HealthFail(_) => "health_fail",
            Fault::DropApproval(_) => "drop_approval",
            Fault::ExpireToken(_) => "expire_token",
            Fault::SkipCanary(_) => "skip_canary",
            Fault::RevokeEarly(_) => "revoke_early",
            Fault::ReuseToken(_) => "reuse_token",
        }
    }

    /// The `--inject` text.
    pub fn text(&self) -> String {
        let target = match self {
            Fault::HealthFail(seq) => seq.to_string(),
            Fault::DropApproval(t)
            | Fault::ExpireToken(t)
            | Fault::SkipCanary(t)
            | Fault::RevokeEarly(t)
            | Fault::ReuseToken(t) => t.clone(),
        };
        format!("{}@{target}", self.name())
    }
}

/// A run with faults applied: the files, the events, and the phases whose token expires.
#[derive(Clone, Debug)]
pub struct InjectedRun {
    pub files: FixtureFiles,
    pub events: Vec<Event>,
    pub expire_token: Vec<String>,
}

/// The recorded timeline, read in full (a what-if run needs it in memory to move events).
pub fn read_events(files: &FixtureFiles, limits: &ParseLimits) -> Result<Vec<Event>, FixtureError> {
    EventLines::new(files.get(ROTATION_EVENTS_PATH).unwrap_or_default(), limits)?.collect()
}

/// Apply `faults` in order. An error when a fault does not apply to this run (no health
/// check at that seq, no such approval, phase or secret).
pub fn inject(files: &FixtureFiles, events: &[Event], faults: &[Fault]) -> Result<InjectedRun, String> {
    let mut run = InjectedRun {
        files: files.clone(),
        events: events.to_vec(),
        expire_token: Vec::new(),
    };
    for fault in faults {
        apply(&mut run, fault).map_err(|why| format!("{}: {why}", fault.text()))?;
    }
    for (i, e) in run.events.iter_mut().enumerate() {
        e.seq = i as u64 + 1;
    }
    Ok(run)
}

fn apply(run: &mut InjectedRun, fault: &Fault) -> Result<(), String> {
    match fault {
        Fault::HealthFail(seq) => {
            let ev = run
                .events
                .iter_mut()
                .find(|e| e.seq == *seq)
                .ok_or("no event has that seq")?;
            match &mut ev.kind {
                EventKind::ToolCall {
                    effect: Some(Effect::HealthCheck { ok, .. }),
                    ..
                } => *ok = false,
                _ => return Err("that event is not a health check".into()),
            }
        }
        Fault::DropApproval(id) => {
            let path = approval_path(&run.files, id).ok_or("no approval has that receipt_id")?;
            run.files.remove(&path);
        }
        Fault::ExpireToken(phase) => {
            phase_start_index(&run.events, phase).ok_or("the run never starts that phase")?;
            run.expire_token.push(phase.clone());
        }
        Fault::SkipCanary(secret) => skip_canary(run, secret)?,
        Fault::RevokeEarly(secret) => revoke_early(run, secret)?,
        Fault::ReuseToken(phase) => {
            let i = phase_start_index(&run.events, phase).ok_or("the run never starts that phase")?;
            let previous = run
                .events
                .get(..i)
                .unwrap_or_default()
                .iter()
                .rev()
                .find_map(|e| match &e.kind {
                    EventKind::PhaseStart { token, .. } => Some(token.clone()),
                    _ => None,
                });
            let previous = previous.ok_or("no phase starts before it")?;
            if let Some(EventKind::PhaseStart { token, .. }) = run.events.get_mut(i).map(|e| &mut e.kind) {
                *token = previous;
            }
        }
    }
    Ok(())
}

fn phase_start_index(events: &[Event], phase: &str) -> Option<usize> {
    events
        .iter()
        .position(|e| matches!(&e.kind, EventKind::PhaseStart { phase: p, .. } if p == phase))
}

/// The approval file whose `payload.receipt_id` is `id`.
fn approval_path(files: &FixtureFiles, id: &str) -> Option<String> {
    files
        .paths_under("artifacts/approvals/")
        .into_iter()
        .find(|p| {
            let v = files.get(p).and_then(|b| json::parse(b, &ParseLimits::default()).ok());
            v.as_ref()
                .and_then(|v| v.get("payload"))
                .and_then(|p| p.get("receipt_id"))
                .and_then(Value::as_str)
                == Some(id)
        })
        .map(str::to_string)
}

/// The secret's new version: the one its `secret_version_created` names.
fn new_version(events: &[Event], secret: &str) -> Option<String> {
    events.iter().find_map(|e| match &e.kind {
        EventKind::ToolCall {
            effect: Some(Effect::SecretVersionCreated { secret: s, version }),
            ..
        } if s == secret => Some(version.clone()),
        _ => None,
    })
}

/// The canary consumers of `secret` in the stage plans of the fixture.
fn canaries(files: &FixtureFiles, secret: &str) -> Vec<String> {
    let mut out = Vec::new();
    for p in files.paths_under("artifacts/plans/") {
        let Some(plan) = files.get(p).and_then(|b| json::parse(b, &ParseLimits::default()).ok()) else {
            continue;
        };
        let items = plan
            .get("change_set")
            .and_then(|c| c.get("secrets"))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for item in items
            .iter()
            .filter(|i| i.get("secret").and_then(Value::as_str) == Some(secret))
        {
            let list = item
                .get("canary")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            out.extend(list.iter().filter_map(Value::as_str).map(str::to_string));
        }
    }
    out
}

fn skip_canary(run: &mut InjectedRun, secret: &str) -> Result<(), String> {
    let new = new_version(&run.events, secret).ok_or("the run creates no new version of that secret")?;
    let canary = canaries(&run.files, secret);
    let before = run.events.len();
    run.events.retain(|e| match &e.kind {
        EventKind::ToolCall {
            effect:
                Some(
                    Effect::Deploy {
                        consumer,
                        secret: s,
                        version,
                    }
                    | Effect::HealthCheck {
                        consumer,
                        secret: s,
                        version,
                        ..
                    },
                ),
            ..
        } => !(s == secret && *version == new && canary.contains(consumer)),
        _ => true,
    });
    if run.events.len() == before {
        return Err("the run has no canary deploy or health check of that secret's new version".into());
    }
    Ok(())
}

fn revoke_early(run: &mut InjectedRun, secret: &str) -> Result<(), String> {
    let new = new_version(&run.events, secret).ok_or("the run creates no new version of that secret")?;
    let revoke = run
        .events
        .iter()
        .position(|e| matches!(&e.kind, EventKind::ToolCall { effect: Some(Effect::Revoke { secret: s, .. }), .. } if s == secret))
        .ok_or("the run never revokes that secret")?;
    let deploy = run
        .events
        .iter()
        .position(|e| matches!(&e.kind, EventKind::ToolCall { effect: Some(Effect::Deploy { secret: s, version, .. }), .. } if s == secret && *version == new))
        .ok_or("the run never deploys that secret's new version")?;
    if revoke < deploy {
        return Err("the revoke already comes before the first deploy".into());
    }
    let mut moved = run.events.remove(revoke);
    let anchor = run.events.get(deploy).ok_or("the first deploy is gone")?;
    moved.at = anchor.at;
    moved.at_text = anchor.at_text.clone();
    run.events.insert(deploy + 1, moved);
    Ok(())
}

/// Every fault at every point where it applies to the recorded run (spec 30 §6 `--matrix`):
/// each health check, each approval, each started phase, each secret with a new version,
/// `reuse_token` for each started phase after the first.
pub fn matrix_faults(files: &FixtureFiles, events: &[Event]) -> Vec<Fault> {
    let mut out: Vec<Fault> = events
        .iter()
        .filter(|e| {
            matches!(
                &e.kind,
                EventKind::ToolCall {
                    effect: Some(Effect::HealthCheck { .. }),
                    ..
                }
            )
        })
        .map(|e| Fault::HealthFail(e.seq))
        .collect();
    for p in files.paths_under("artifacts/approvals/") {
        let id = files
            .get(p)
            .and_then(|b| json::parse(b, &ParseLimits::default()).ok())
            .and_then(|v| {
                v.get("payload")
                    .and_then(|p| p.get("receipt_id"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
        out.extend(id.map(Fault::DropApproval));
    }
    let phases: Vec<String> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::PhaseStart { phase, .. } => Some(phase.clone()),
            _ => None,
        })
        .collect();
    out.extend(phases.iter().cloned().map(Fault::ExpireToken));
    let mut secrets: Vec<String> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ToolCall {
                effect: Some(Effect::SecretVersionCreated { secret, .. }),
                ..
            } => Some(secret.clone()),
            _ => None,
        })
        .collect();
    secrets.dedup();
    out.extend(secrets.iter().cloned().map(Fault::SkipCanary));
    out.extend(secrets.iter().cloned().map(Fault::RevokeEarly));
    out.extend(phases.iter().skip(1).cloned().map(Fault::ReuseToken));
    // Keep only the faults that apply (skip_canary without canaries, revoke_early without a
    // revoke).
    out.retain(|f| inject(files, events, std::slice::from_ref(f)).is_ok());
    out
}

/// A judged what-if run: the recorded run with `faults` applied (none: the recorded run).
pub fn judge_with_faults(
    files: &FixtureFiles,
    ctx: &crate::context::VerifyContext,
    faults: &[Fault],
    sink: Option<&mut dyn FnMut(super::model::StepRecord)>,
) -> Result<super::model::Judgement, String> {
    use super::judge::{judge_run, RunInput};
    if faults.is_empty() {
        let input = RunInput {
            files,
            ctx,
            checkpoint: None,
            expire_token: &[],
            events: None,
        };
        return Ok(judge_run(input, sink).judgement);
    }
    let events = read_events(files, &ctx.limits.json)
        .map_err(|e| format!("faults cannot be applied to a timeline that cannot be read: {e}"))?;
    let run = inject(files, &events, faults)?;
    let input = RunInput {
        files: &run.files,
        ctx,
        checkpoint: None,
        expire_token: &run.expire_token,
        events: Some(run.events),
    };
    Ok(judge_run(input, sink).judgement)
}

/// The matrix: every applicable fault alone, judged. Empty when the timeline cannot be read.
pub fn run_matrix(files: &FixtureFiles, ctx: &crate::context::VerifyContext) -> Vec<MatrixRow> {
    let Ok(events) = read_events(files, &ctx.limits.json) else {
        return Vec::new();
    };
    matrix_faults(files, &events)
        .into_iter()
        .filter_map(|fault| {
            let j = judge_with_faults(files, ctx, std::slice::from_ref(&fault), None).ok()?;
            Some(MatrixRow {
                fault: fault.text(),
                name: fault.name(),
                outcome: j.outcome,
                first_violation_code: j.first_violation().map(|v| v.code),
            })
        })
        .collect()
}

/// One row of the what-if matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatrixRow {
    pub fault: String,
    pub name: &'static str,
    pub outcome: super::model::Outcome,
    pub first_violation_code: Option<crate::reason::ReasonCode>,
}

impl MatrixRow {
    /// Caught: the outcome became `violated` or `incomplete`.
    pub fn caught(&self) -> bool {
        matches!(
            self.outcome,
            super::model::Outcome::Violated | super::model::Outcome::Incomplete
        )
    }
}
