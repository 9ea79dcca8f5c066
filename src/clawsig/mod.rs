//! Clawsig protocol artifacts (wire-format spec 10), one module per artifact.

pub mod envelope;
pub mod log_proof;
pub mod producer;
