//! What the rotation judge returns (spec 30 §4, §5), as typed data: one [`StepRecord`] per
//! event (its findings, the state after it and the rollback posture), the [`Outcome`], and
//! the facts of the run (phases with their gates, secrets, consumers). `simulate rotation`
//! writes `steps.ndjson` and `summary.json` from it, `verify` turns it into checks, and an
//! HTML report can draw a timeline from the same records.

use super::fixture::SecretOp;
use crate::reason::ReasonCode;
use crate::timeutil::Millis;

/// How a rotation run ended (spec 30 §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every consumer moved and verified, the old version revoked, sessions invalidated
    /// when the plan asked for it.
    Complete,
    /// Stopped before revoking, with every consumer untouched or on a version that passed
    /// its last health check.
    HaltedSafe,
    /// No rule was broken, but some consumer is left unverified or failing.
    Incomplete,
    /// A rule was broken, or the fixture could not be read.
    Violated,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Complete => "complete",
            Outcome::HaltedSafe => "halted_safe",
            Outcome::Incomplete => "incomplete",
            Outcome::Violated => "violated",
        }
    }
}

/// One broken rule: the event's `seq` (`None` for a finding about an artifact as a whole),
/// its code and what happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub seq: Option<u64>,
    pub code: ReasonCode,
    pub detail: String,
}

/// A secret after an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretSnapshot {
    pub secret: String,
    pub active_versions: Vec<String>,
    pub revoked: Vec<String>,
}

/// A consumer after an event: its version and whether its last health check on that version
/// passed (`None`: not checked on it since it was deployed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerSnapshot {
    pub consumer: String,
    pub version: String,
    pub healthy: Option<bool>,
}

/// The state after an event, in scenario order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateSnapshot {
    pub secrets: Vec<SecretSnapshot>,
    pub consumers: Vec<ConsumerSnapshot>,
}

/// The safe way back at a point of the run (the runbook's rollback), and the evidence it
/// rests on: event seqs and artifact paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rollback {
    pub action: String,
    pub evidence: Vec<String>,
}

/// One event as judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRecord {
    pub seq: u64,
    pub recorded_seq: u64,
    pub at: String,
    /// The event type (`phase_start`, `tool_call`, …).
    pub event_type: &'static str,
    /// The phase the event belongs to, if one is open.
    pub phase: Option<String>,
    /// What the event did, in one line ([`super::fixture::EventKind::describe`]).
    pub what: String,
    /// Every rule this event broke, in rule order.
    pub findings: Vec<Violation>,
    pub state: StateSnapshot,
    pub rollback: Rollback,
}

impl StepRecord {
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }
}

/// A gate as judged when its phase started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateFact {
    pub gate_id: String,
    pub satisfied: bool,
    /// Receipt ids of the approvals that counted.
    pub counted: Vec<String>,
    /// `(receipt id, why)` of the others.
    pub not_counted: Vec<(String, String)>,
}

/// A phase of the policy that the run started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhaseFact {
    pub name: String,
    pub start_seq: u64,
    pub end_seq: Option<u64>,
    pub token: String,
    /// Whether its token verified (rule 3, codes of spec 20 step 5).
    pub token_valid: bool,
    pub gate: Option<GateFact>,
}

/// A secret at the end of the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretFact {
    pub secret: String,
    pub old_version: String,
    pub new_version: Option<String>,
    pub revoked: bool,
    pub sessions_invalidated: bool,
}

/// Everything the judge found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Judgement {
    pub job_id: Option<String>,
    pub policy_hash_b64u: Option<String>,
    pub outcome: Outcome,
    /// Every violation (artifact findings first, then by seq and rule order), at most
    /// `MAX_RECORDED_VIOLATIONS`; `violations_total` counts them all.
    pub violations: Vec<Violation>,
    pub violations_total: u64,
    /// Counts per code, over all violations.
    pub violations_by_code: Vec<(ReasonCode, u64)>,
    pub phases: Vec<PhaseFact>,
    pub secrets: Vec<SecretFact>,
    pub consumers: Vec<ConsumerSnapshot>,
    /// Events judged.
    pub events: u64,
    /// Warnings (receipts no model_call names), as `(path, detail)`.
    pub warnings: Vec<(String, String)>,
}

/// Most violations a judgement keeps in full (all are counted).
pub const MAX_RECORDED_VIOLATIONS: usize = 10_000;

impl Judgement {
    /// The first violation: the artifact findings, then the lowest seq, ties in rule order.
    pub fn first_violation(&self) -> Option<&Violation> {
        self.violations.first()
    }

    pub(crate) fn record(&mut self, v: Violation) {
        self.violations_total = self.violations_total.saturating_add(1);
        match self.violations_by_code.iter_mut().find(|(c, _)| *c == v.code) {
            Some((_, n)) => *n = n.saturating_add(1),
            None => self.violations_by_code.push((v.code, 1)),
        }
        if self.violations.len() < MAX_RECORDED_VIOLATIONS {
            self.violations.push(v);
        }
    }
}

/// One judged `tool_call`, as the evaluation of the WPC's statements needs it (issue 10):
/// `tool:execute` on `tool`, and `secret:<op>` on the secret of its effect, with
/// `Request:HasHumanApproval` from `gate_satisfied`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolCallFact {
    pub seq: u64,
    pub at: Millis,
    pub tool: String,
    /// The effect's secret operation (spec 30 §1's table) and secret id; `None` for a call
    /// without an effect or with a `health_check`, which reads nothing secret.
    pub secret: Option<(SecretOp, String)>,
    /// Whether the call lies in a phase whose gate was satisfied at that phase's start. A
    /// phase without a gate is `false` (issue 10: "true for events of a phase whose gate was
    /// satisfied, false otherwise": no human approved anything for it), and so is a call
    /// outside every phase.
    pub gate_satisfied: bool,
}
