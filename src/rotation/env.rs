//! What the timeline is judged against, once the per-artifact checks have read the
//! policy, the scenario, the plans and the approvals.

use std::collections::HashMap;

use super::fixture::{FixtureFiles, Scenario};
use super::plan::{ChangeSet, PlanShape};
use crate::context::VerifyContext;
use crate::json::Value;
use crate::policy::extension::RotationPolicy;
use crate::policy::wpc::PolicyInfo;
use crate::policy::CheckpointView;

/// What the events are judged against, once the artifacts were read.
pub(crate) struct Env<'a> {
    pub ctx: &'a VerifyContext,
    pub files: &'a FixtureFiles,
    pub policy: &'a PolicyInfo,
    pub rotation: &'a RotationPolicy,
    pub require_secret_scope: bool,
    pub scenario: &'a Scenario,
    pub view: CheckpointView,
    pub approvals: Vec<(String, Value)>,
    pub plans: Vec<(String, Value)>,
    /// The rotation change set of every plan, by path.
    pub change_sets: HashMap<String, ChangeSet>,
    pub expire_token: &'a [String],
}

/// The change_set shape of a gate's plan: that of the phase the gate opens.
pub(crate) fn plan_shape(rotation: &RotationPolicy, gate: &str) -> PlanShape {
    match rotation.phases.iter().find(|p| p.gate.as_deref() == Some(gate)) {
        Some(p) if p.secrets.write => PlanShape::Stage,
        Some(p) if p.secrets.revoke => PlanShape::Revoke,
        _ => PlanShape::Other,
    }
}
