//! The rotation timeline section of a subject page (spec 30 runs, spec 40 §1 item 5).
//!
//! This is the view the template needs, and nothing more: the rotation judge (`rotation`,
//! spec 30) fills a `RotationTimeline` from its typed steps, and the page shows it as given.
//! Nothing here judges a step: `violations` are the judge's findings, and `outcome` and
//! `recommendation` are its words. A subject without a timeline (every kind but a rotation
//! run) has `None`, and its page has no rotation section.

use serde::Serialize;

use crate::rotation::model::{ConsumerSnapshot, Judgement, StepRecord};
use crate::rotation::output::recommendation;

/// The rows a page shows at most: a longer timeline shows its first `MAX_ROWS` events and
/// says how many more there are, so that a page stays a few MB whatever the run's length.
pub const MAX_ROWS: usize = 1000;

/// The check id of an event's findings, as `verify` reports them (`Location::Event`).
pub const EVENT_CHECK_ID: &str = "rotation.event";

/// A rotation run as the page shows it: the judge's outcome and recommendation on top, then
/// one row per timeline event.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RotationTimeline {
    /// The timeline's entry in the bundle (`artifacts/rotation/timeline.json`).
    pub entry: String,
    /// The judge's outcome, as it words it ("rotated", "rolled back", ...).
    pub outcome: String,
    /// The gate report's recommendation, when there is one.
    pub recommendation: Option<String>,
    pub steps: Vec<RotationStep>,
    /// The events judged past the first [`MAX_ROWS`], not shown.
    pub more: u64,
}

/// One event of the timeline, in `seq` order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RotationStep {
    pub seq: u64,
    /// Event time, RFC 3339.
    pub at: String,
    /// The phase the event belongs to ("stage", "cutover", "revoke", ...).
    pub phase: String,
    /// What happened, in one line.
    pub what: String,
    /// Each consumer's credential version and health at this step.
    pub consumers: Vec<ConsumerState>,
    /// Whether a rollback was still possible here, in the judge's words.
    pub rollback: String,
    /// Findings of the judge at this event (`Location::Event` checks), marked in place.
    pub violations: Vec<StepFinding>,
}

/// One consumer at one step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ConsumerState {
    pub name: String,
    pub version: String,
    pub health: String,
}

/// A finding of the judge at one step: its check id, reason code and detail.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StepFinding {
    pub check_id: String,
    pub code: String,
    pub detail: String,
}

/// Builds a [`RotationTimeline`] from the judge's records as they come (the judge's `sink`),
/// keeping the first [`MAX_ROWS`] rows and counting the rest.
#[derive(Debug, Default)]
pub struct TimelineBuilder {
    steps: Vec<RotationStep>,
    more: u64,
}

impl TimelineBuilder {
    pub fn new() -> TimelineBuilder {
        TimelineBuilder::default()
    }

    /// One judged event.
    pub fn push(&mut self, record: &StepRecord) {
        if self.steps.len() < MAX_ROWS {
            self.steps.push(step(record));
        } else {
            self.more = self.more.saturating_add(1);
        }
    }

    /// The timeline of the timeline entry `entry`, with the judge's outcome and the gate
    /// report's recommendation (`rotation::output::recommendation`).
    pub fn finish(self, entry: &str, judgement: &Judgement) -> RotationTimeline {
        RotationTimeline {
            entry: entry.to_string(),
            outcome: judgement.outcome.as_str().to_string(),
            recommendation: Some(recommendation(judgement).to_string()),
            steps: self.steps,
            more: self.more,
        }
    }
}

fn step(record: &StepRecord) -> RotationStep {
    let rollback = if record.rollback.evidence.is_empty() {
        record.rollback.action.clone()
    } else {
        format!(
            "{} (evidence: {})",
            record.rollback.action,
            record.rollback.evidence.join(", ")
        )
    };
    RotationStep {
        seq: record.seq,
        at: record.at.clone(),
        phase: record.phase.clone().unwrap_or_else(|| "(no phase open)".to_string()),
        what: record.what.clone(),
        consumers: record.state.consumers.iter().map(consumer).collect(),
        rollback,
        violations: record
            .findings
            .iter()
            .map(|v| StepFinding {
                check_id: EVENT_CHECK_ID.to_string(),
                code: v.code.as_str().to_string(),
                detail: v.detail.clone(),
            })
            .collect(),
    }
}

/// Health as the judge holds it: the last health check on the consumer's current version
/// passed (`healthy`) or failed (`failing`), or there was none since it was deployed.
fn consumer(c: &ConsumerSnapshot) -> ConsumerState {
    ConsumerState {
        name: c.consumer.clone(),
        version: c.version.clone(),
        health: match c.healthy {
            Some(true) => "healthy",
            Some(false) => "failing",
            None => "unchecked",
        }
        .to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)] // a test: failing loudly is the point
    use super::*;
    use crate::rotation::model::{Outcome, Rollback, StateSnapshot};

    fn record(seq: u64) -> StepRecord {
        StepRecord {
            seq,
            recorded_seq: seq,
            at: "2026-03-02T09:00:00Z".into(),
            event_type: "tool_call",
            phase: None,
            what: "w".into(),
            findings: Vec::new(),
            state: StateSnapshot::default(),
            rollback: Rollback {
                action: "nothing to roll back".into(),
                evidence: Vec::new(),
            },
        }
    }

    fn built(n: u64) -> RotationTimeline {
        let mut b = TimelineBuilder::new();
        for seq in 1..=n {
            b.push(&record(seq));
        }
        let mut j = crate::rotation::judge::empty_judgement();
        j.outcome = Outcome::Complete;
        b.finish("artifacts/rotation/events.ndjson", &j)
    }

    #[test]
    fn a_timeline_keeps_its_first_1000_rows_and_counts_the_rest() {
        let t = built(1000);
        assert_eq!((t.steps.len(), t.more), (1000, 0));
        let t = built(1001);
        assert_eq!((t.steps.len(), t.more), (1000, 1));
        assert_eq!(t.steps[999].seq, 1000);
        assert_eq!(t.steps[0].phase, "(no phase open)");
        assert_eq!(t.steps[0].rollback, "nothing to roll back");
        // Complete with no warnings: GO (spec 30 §5).
        assert_eq!(t.recommendation.as_deref(), Some("GO"));
        assert_eq!(t.outcome, "complete");
    }
}
