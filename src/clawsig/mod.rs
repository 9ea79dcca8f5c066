//! Clawsig protocol artifacts (wire-format spec 10), one module per artifact.

pub mod attestations;
pub mod causal;
pub mod commit_sig;
pub mod disclosure;
pub mod envelope;
pub mod event_chain;
pub mod gateway_receipts;
pub mod payload;
pub mod producer;
pub mod proof_bundle;
pub mod rate_limit;
pub mod schema;
pub mod side_receipts;
pub mod signatures;
pub mod tiers;
pub mod tool_receipts;
pub mod urm;
