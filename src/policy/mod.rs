//! Work Policy Contracts (WPC), scoped tokens (CST) and human approvals: the checks of
//! sealed-bundle verification steps 4–6 (spec 20 §5) and the builders the producer
//! subcommands and the vector generator share.
//!
//! The audit-bundle orchestrator builds a `CheckpointView` from its verified checkpoint
//! payload and calls, in order, `wpc::check_policy`, `cst::check_token` (or
//! `cst::check_token_absent`) and `approvals::check_approvals`. Besides recording checks, the
//! token and approval steps return what the report's typed facts need (`cst::TokenOutcome`,
//! `approvals::ApprovalsOutcome`: bindings with the check that judged each, plan hashes, gates
//! with their approvals), built from the same decisions as the checks.
//!
//! Each artifact also verifies on its own (`wpc::check_policy_alone`, `cst::check_token_alone`,
//! `approvals::check_approval_alone`, `approvals::check_plan_alone`): the same checks, codes
//! and check ids, except that a check needing a checkpoint, a policy, a plan or other
//! approvals is recorded as `skip`, saying what was not checked; nothing is compared with a
//! placeholder.

pub mod approvals;
pub mod cst;
pub mod eval;
pub mod extension;
pub mod glob;
pub mod wpc;

use crate::reason::ReasonCode;
use crate::report::{CheckStatus, Failure, Findings, Location};
use crate::timeutil::Millis;

/// What steps 4–6 need from the signed checkpoint payload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckpointView {
    /// `subject.job_id`.
    pub job_id: String,
    /// `subject.run_id`, when the subject names a run.
    pub run_id: Option<String>,
    /// `subject.agent_did`, when named.
    pub agent_did: Option<String>,
    /// `created_at`, milliseconds since the epoch.
    pub created_at: Millis,
    /// `bindings.policy_hash_b64u`.
    pub policy_hash: Option<String>,
    /// `bindings.token_scope_hash_b64u`.
    pub token_scope_hash: Option<String>,
}

/// Names of the binding-graph nodes (spec 40 §1 item 3) that the links of steps 5 and 7 join.
pub mod node {
    pub const WPC_HASH: &str = "WPC hash";
    pub const TOKEN_PIN: &str = "token pin";
    pub const TOKEN_SCOPE_HASH: &str = "token scope hash";
    pub const CHECKPOINT_SCOPE_BINDING: &str = "checkpoint token scope binding";
}

/// The artifact a step judges: a sealed-bundle entry (its path, and the name its details give
/// it: `approval artifacts/approvals/a1.json`), or a subject verified on its own (named by its
/// kind only: `approval`; its checks are about the subject as a whole).
pub(crate) struct Artifact {
    pub label: String,
    pub location: Location,
}

impl Artifact {
    /// `kind` names the artifact in details: `token`, `plan`.
    pub fn new(kind: &str, path: &str) -> Artifact {
        Artifact {
            label: format!("{kind} {path}"),
            location: Location::entry(path),
        }
    }

    /// An artifact verified on its own, outside any bundle.
    pub fn alone(kind: &str) -> Artifact {
        Artifact {
            label: kind.to_string(),
            location: Location::Subject,
        }
    }

    pub fn pass(&self, f: &mut Findings, id: &str, detail: String) {
        f.pass_at(id, &self.location, detail);
    }

    pub fn fail(&self, f: &mut Findings, id: &str, code: ReasonCode, detail: String) {
        f.fail_at(id, code, &self.location, detail);
    }

    /// A check that cannot apply here; `detail` says what was not checked and why.
    pub fn skip(&self, f: &mut Findings, id: &str, detail: String) {
        f.push(id, CheckStatus::Skip, ReasonCode::Ok, self.location.clone(), detail);
    }

    /// A failure of a shared check (`Envelope::verify_signature`), placed at this artifact.
    pub fn record(&self, f: &mut Findings, failure: Failure) {
        f.record(&failure.located(self.location.clone()));
    }
}

/// Whether a check recorded since `first` (an index into `f.checks`) failed.
pub(crate) fn failed_since(f: &Findings, first: usize) -> bool {
    f.checks
        .get(first..)
        .unwrap_or_default()
        .iter()
        .any(|c| c.status == CheckStatus::Fail)
}

pub(crate) use crate::schema_rules::{char_len, short};
