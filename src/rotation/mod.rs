//! Credential-rotation runs (spec 30): recorded fixtures, the rotation judge (a pure,
//! deterministic state machine over typed events), and the what-if faults of `simulate`.
//!
//! - [`fixture`]: the files of a run, `scenario.json` and `events.ndjson` parsed strictly;
//! - [`plan`]: the rotation `change_set` of the plans the gates approve;
//! - [`judge`]: the entry point, [`judge::judge_run`]: per-artifact checks, then the replay;
//! - `replay` (phases, gates, tokens, model calls) and `effects` (the rules on a tool's
//!   effect): the state machine, in the rule order of spec 30 §4;
//! - [`model`]: what the judge returns, public and typed, for `verify`, `simulate` and reports.
//!
//! Library code: no I/O, no clock. The CLI reads the fixture (a folder or a sealed bundle)
//! into a [`fixture::FixtureFiles`] and hands it in.

mod context;
mod effects;
mod env;
pub mod fixture;
pub mod judge;
pub mod model;
pub mod output;
pub mod plan;
mod replay;
mod state;
pub mod whatif;
