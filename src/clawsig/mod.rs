//! Clawsig protocol artifacts (wire-format spec 10), one module per artifact.

pub mod aggregate;
pub mod attestation_envelopes;
pub mod attestations;
pub mod bundle_digests;
pub mod causal;
pub mod commit_sig;
pub mod disclosure;
pub mod envelope;
pub mod event_chain;
pub mod export_bundle;
pub mod gateway_receipts;
pub mod log_proof;
pub mod payload;
pub mod producer;
pub mod proof_bundle;
pub mod rate_limit;
pub mod shape;
pub mod side_receipts;
pub mod signatures;
pub mod tiers;
pub mod tool_receipts;
pub mod urm;
