//! Clawsig protocol artifacts (wire-format spec 10), one module per artifact.

pub mod envelope;
pub mod producer;
pub mod sample;
