//! Sealed audit bundles (spec 20): the ZIP container read safely, the manifest, the
//! RFC 6962 Merkle tree over it, the signed checkpoint, sealing, inclusion proofs and the
//! verification order of §5.

pub mod central_directory;
pub mod checkpoint;
pub mod container;
pub mod manifest;
pub mod merkle;
pub mod policy_eval;
pub mod prove;
pub mod receipts;
pub mod rotation_run;
pub mod rotation_step;
pub mod trust_pulse;
pub mod verify;

#[cfg(test)]
mod container_tests;
#[cfg(test)]
mod facts_tests;
#[cfg(test)]
mod verify_tests;
