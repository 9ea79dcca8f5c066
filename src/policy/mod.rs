//! Work Policy Contracts (WPC), scoped tokens (CST) and human approvals: the checks of
//! sealed-bundle verification steps 4–6 (spec 20 §5) and the builders the producer
//! subcommands and the vector generator share.
//!
//! The audit-bundle orchestrator builds a `CheckpointView` from its verified checkpoint
//! payload and calls, in order, `wpc::check_policy`, `cst::check_token` (or
//! `cst::check_token_absent`) and `approvals::check_approvals`.

pub mod approvals;
pub mod cst;
pub mod extension;
pub mod wpc;

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

pub(crate) use crate::schema_rules::{char_len, short};
