//! clawaudit: verify, produce and report on the proof bundles of AI-agent runs, offline.
//!
//! Data flows one way: bytes → `json` parse → typed checks (`clawsig`, `policy`, `audit`)
//! with a `VerifyContext` → `report::SubjectReport` → `render`. Library code does no I/O,
//! reads no clock and holds no CLI types: the `clawaudit` binary (`src/main.rs`, `src/cli/`)
//! reads files, key files, directories, stdin and the clock, and hands bytes and a context in.
//!
//! Layering, lowest first; a module may use the modules of its own layer and those below it,
//! never one above it (checked by `tests/layering.rs`):
//! 1. foundations: `json`, `crypto`, `timeutil`, `reason` (codes and their explanations);
//! 2. the report model and what a check receives: `report`, `trust`, `context`, and the
//!    check helpers `schema_rules`;
//! 3. Clawsig formats: `clawsig`, then `signed_jcs` (our JCS-hashed envelopes on top of it);
//! 4. our policy artifacts: `policy` (WPC, CST, approvals and gates);
//! 5. sealed audit bundles: `audit`; credential-rotation runs (spec 30) get their home
//!    `rotation` beside it, judging timelines with `policy` and `clawsig` checks;
//! 6. entry points: `verify` (one subject: detect its kind, route it; `pins` checks what
//!    the caller expects of it), `inspect` (what a subject holds, unjudged) and `produce` (every
//!    artifact the tool writes), and `render` (text and JSON today; SARIF, JUnit, Markdown
//!    and the HTML site of spec 40 belong here), which formats the report model and
//!    nothing else;
//! 7. `vectors`: the conformance-vector generator with its test kit (label-derived keys,
//!    ZIP forgery, sample builders). Nothing else in the library uses it; it is public only
//!    for `clawaudit vectors`, tests, benchmarks and examples. Fuzz targets (the `fuzz/`
//!    crate) call the library from outside, as the CLI does.

pub mod audit;
pub mod clawsig;
pub mod context;
pub mod crypto;
pub mod inspect;
pub mod json;
pub mod pins;
pub mod policy;
pub mod produce;
pub mod reason;
pub mod render;
pub mod report;
pub mod rotation;
pub mod schema_rules;
pub mod signed_jcs;
pub mod timeutil;
pub mod trust;
pub mod vectors;
pub mod verify;
