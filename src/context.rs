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
    pub container: crate::audit::container::ContainerLimits,
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
}

impl VerifyContext {
    pub fn new(at: Millis, trust: Trust) -> Self {
        VerifyContext {
            at,
            trust,
            limits: Limits::default(),
            expect_policy: None,
        }
    }
}
