//! Clawsig protocol artifacts (wire-format spec 10), one module per artifact.

pub mod envelope;
pub mod log_proof;
pub mod producer;
pub mod attestation_envelopes;
pub mod export_bundle;
pub mod shape;
pub mod aggregate;
