//! A sealed rotation run judged for a report's timeline (spec 40 §1 item 5): the archive and
//! its checkpoint read as `verify` reads them (steps 1 and 2), then the judge over the
//! bundle's artifacts exactly as step 8a runs it ([`super::rotation_step::judge_container`]),
//! with a sink for the step records.

use super::container::Container;
use super::rotation_step::{is_rotation_run, judge_container};
use super::verify::{step_checkpoint, step_container};
use crate::context::VerifyContext;
use crate::report::Findings;
use crate::rotation::judge::RunResult;
use crate::rotation::model::StepRecord;

/// The judged run of a sealed bundle given as bytes, with `sink` receiving each step, when
/// `verify` judges it as one (spec 20 §5 step 8a): a readable archive with a verified
/// checkpoint and `artifacts/rotation/events.ndjson`. `None` otherwise: the verdict then
/// says why, and there is no timeline to show.
pub fn judge_sealed(bytes: &[u8], ctx: &VerifyContext, sink: &mut dyn FnMut(StepRecord)) -> Option<RunResult> {
    // The findings of steps 1 and 2 are the verdict's, reported by `verify`; not repeated.
    let mut scratch = Findings::new();
    let container = step_container(bytes, ctx, &mut scratch)?;
    judge_sealed_container(&container, ctx, sink)
}

/// [`judge_sealed`] of an archive the caller has read already (`step_container`'s container).
pub fn judge_sealed_container(
    container: &Container,
    ctx: &VerifyContext,
    sink: &mut dyn FnMut(StepRecord),
) -> Option<RunResult> {
    if !is_rotation_run(container) {
        return None;
    }
    let mut scratch = Findings::new();
    let checkpoint = step_checkpoint(container, ctx, &mut scratch)?;
    Some(judge_container(container, ctx, &checkpoint.view(), Some(sink), false))
}
