//! The rotation timeline section of a subject page (spec 30 runs, spec 40 §1 item 5).
//!
//! This is the view the template needs, and nothing more: the rotation judge (`rotation`,
//! spec 30) fills a `RotationTimeline` from its typed steps, and the page shows it as given.
//! Nothing here judges a step: `violations` are the judge's findings, and `outcome` and
//! `recommendation` are its words. A subject without a timeline (every kind but a rotation
//! run) has `None`, and its page has no rotation section.

use serde::Serialize;

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
