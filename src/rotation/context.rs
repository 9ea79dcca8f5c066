//! What the rules of one event share: the running phase, a finding, an event that names
//! nothing, the token window (rule 3) and the effect's secret and consumer.

use super::fixture::{Effect, Event, FixtureError};
use super::model::Violation;
use super::state::RunState;
use crate::policy::cst::TokenInfo;
use crate::reason::ReasonCode;
use crate::timeutil::{format_rfc3339, secs_to_ms};

/// The phase that is running.
pub(crate) struct OpenPhase {
    pub index: usize,
    pub name: String,
    /// The token, when it could be read (rule 3's window and scope need it).
    pub token: Option<TokenInfo>,
    /// The phase has a gate, and it was satisfied at the phase start.
    pub gate_satisfied: bool,
}

/// A finding of the event being judged.
pub(crate) fn violation(seq: u64, code: ReasonCode, detail: String) -> Violation {
    Violation {
        seq: Some(seq),
        code,
        detail,
    }
}

/// Rule 3: the event lies inside the running phase token's `[iat, exp]`.
pub(crate) fn check_window(open: Option<&OpenPhase>, ev: &Event, out: &mut Vec<Violation>) {
    let Some((phase, t)) = open.and_then(|p| p.token.as_ref().map(|t| (p, t))) else {
        return;
    };
    let (from, to) = (secs_to_ms(t.iat), secs_to_ms(t.exp));
    if ev.at < from || ev.at > to {
        out.push(violation(
            ev.seq,
            ReasonCode::RotationOutsideTokenWindow,
            format!(
                "{} at {} lies outside the window of phase \"{}\"'s token, {} to {}",
                ev.kind.type_name(),
                ev.at_text,
                phase.name,
                format_rfc3339(from),
                format_rfc3339(to)
            ),
        ));
    }
}

/// An event that names nothing: `ROTATION_FIXTURE_INVALID` at its line.
pub(crate) fn event_error(ev: &Event, why: String) -> FixtureError {
    FixtureError {
        file: crate::audit::manifest::ROTATION_EVENTS_PATH.to_string(),
        // Lines are numbered 1, 2, … like seqs; a what-if run keeps the recorded line.
        line: usize::try_from(ev.recorded_seq).ok(),
        seq: Some(ev.seq),
        why,
    }
}

/// The effect's secret and consumer exist in the scenario, and the consumer is one of that
/// secret's; returns their indexes.
pub(crate) fn resolve(state: &RunState, ev: &Event, effect: &Effect) -> Result<(usize, Option<usize>), FixtureError> {
    let secret = effect.secret();
    let Some(si) = state.secret_index(secret) else {
        return Err(event_error(
            ev,
            format!(
                "the {} effect names secret \"{secret}\", which is not in the scenario",
                effect.kind()
            ),
        ));
    };
    let Some(consumer) = effect.consumer() else {
        return Ok((si, None));
    };
    match state.consumer_index(consumer) {
        Some(ci) if state.consumers.get(ci).is_some_and(|c| c.secret == si) => Ok((si, Some(ci))),
        Some(_) => Err(event_error(
            ev,
            format!(
                "the {} effect names consumer \"{consumer}\", which is not a consumer of {secret}",
                effect.kind()
            ),
        )),
        None => Err(event_error(
            ev,
            format!(
                "the {} effect names consumer \"{consumer}\", which is not in the scenario",
                effect.kind()
            ),
        )),
    }
}
