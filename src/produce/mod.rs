//! Producing artifacts: everything `clawaudit keygen|policy|token|approve|receipt|seal|prove`
//! writes, as functions from bytes and values to bytes and values. The CLI reads the inputs
//! and the clock and writes the outputs; the vector generator calls the same functions.
//!
//! Signing primitives that belong to one format stay with that format (Clawsig envelopes in
//! `clawsig::producer`, WPC and CST signing in `policy`, the checkpoint in `audit`); this
//! module composes them.

pub mod approval;
pub mod keys;
pub mod prove;
pub mod receipt;
pub mod seal;
pub mod token;
