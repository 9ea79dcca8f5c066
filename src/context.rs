//! What every check receives besides the artifact: the verification time, the trust roots
//! and the resource limits. Check code reads nothing else from the outside world.

use crate::json::ParseLimits;
use crate::timeutil::Millis;
use crate::trust::Trust;

/// Resource limits applied to inputs.
#[derive(Clone, Debug, Default)]
pub struct Limits {
    /// Strict JSON parsing limits (input bytes, nesting depth).
    pub json: ParseLimits,
    /// Limits for reading sealed-bundle ZIP archives.
    pub container: ContainerLimits,
}

/// Everything a verification depends on apart from the subject itself.
#[derive(Clone, Debug)]
pub struct VerifyContext {
    /// Verification time (`--at`).
    pub at: Millis,
    pub trust: Trust,
    pub limits: Limits,
    /// `--expect-policy`: the WPC hash an audit bundle must carry.
    pub expect_policy: Option<String>,
    /// `--expect-job`, `--expect-agent`, `--expect-sealer`, `--expect-run`.
    pub pins: Pins,
}

impl VerifyContext {
    pub fn new(at: Millis, trust: Trust) -> Self {
        VerifyContext {
            at,
            trust,
            limits: Limits::default(),
            expect_policy: None,
            pins: Pins::default(),
        }
    }
}

const MIB: u64 = 1024 * 1024;

/// Resource limits for reading an archive (spec 20 §4 defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContainerLimits {
    /// Largest archive accepted, in bytes.
    pub max_archive_bytes: u64,
    /// Most entries, `checkpoint.json` and `manifest.json` included.
    pub max_entries: usize,
    /// Largest decompressed entry.
    pub max_entry_bytes: u64,
    /// Largest sum of decompressed entries.
    pub max_total_bytes: u64,
    /// Highest decompressed:compressed ratio ...
    pub max_ratio: u64,
    /// ... for entries larger than this many decompressed bytes.
    pub ratio_min_bytes: u64,
}

impl Default for ContainerLimits {
    fn default() -> Self {
        ContainerLimits {
            max_archive_bytes: 1024 * MIB,
            max_entries: 100_000,
            max_entry_bytes: 64 * MIB,
            max_total_bytes: 4096 * MIB,
            max_ratio: 200,
            ratio_min_bytes: MIB,
        }
    }
}

/// What the caller expects a subject to be about (`--expect-job`, …; checked by `pins`);
/// `None` pins nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pins {
    pub job: Option<String>,
    pub agent: Option<String>,
    pub sealer: Option<String>,
    pub run: Option<String>,
}
