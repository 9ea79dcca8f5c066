//! clawaudit: verify, produce and report on the proof bundles of AI-agent runs, offline.
//!
//! Data flows one way: bytes → `json` parse → typed checks (`clawsig`, `audit`) with a
//! `VerifyContext` → `report::SubjectReport` → renderers. Check code does no I/O and never
//! reads the clock.

pub mod audit;
pub mod clawsig;
pub mod cli;
pub mod context;
pub mod crypto;
pub mod json;
pub mod keys;
pub mod policy;
pub mod reason;
pub mod report;
pub mod schema_rules;
pub mod signed_jcs;
pub mod timeutil;
pub mod trust;
pub mod vectors;
pub mod verify;
