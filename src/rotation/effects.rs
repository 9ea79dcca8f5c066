//! The rules on a `tool_call` (spec 30 §4, rules 3 to 9, in that order): the phase token's
//! window and secret scope, the phase's tools and secret operations, the approved plans,
//! canary first, health-gated rollout and rollback, two-key overlap. Then the state advances.

use super::context::{check_window, resolve, violation, OpenPhase};
use super::env::Env;
use super::fixture::{Effect, Event, FixtureError, SecretOp};
use super::model::Violation;
use super::plan::ChangeSet;
use super::state::RunState;
use crate::reason::ReasonCode;
use crate::timeutil::Millis;

/// What the rules on an effect read besides the state: the run's environment, the running
/// phase and the change sets of the satisfied gates.
pub(crate) struct View<'r, 'a> {
    pub env: &'r Env<'a>,
    pub open: Option<&'r OpenPhase>,
    pub stage: Option<&'r ChangeSet>,
    pub revoke: Option<&'r ChangeSet>,
}

/// The view with the state, for the checks.
struct Rules<'r, 'a> {
    env: &'r Env<'a>,
    open: Option<&'r OpenPhase>,
    stage: Option<&'r ChangeSet>,
    revoke: Option<&'r ChangeSet>,
    state: &'r RunState,
}

/// Every rule on one tool call, then the effect applied to `state`.
pub(crate) fn tool_call(
    view: &View,
    state: &mut RunState,
    ev: &Event,
    tool: &str,
    effect: Option<&Effect>,
    out: &mut Vec<Violation>,
) -> Result<(), FixtureError> {
    let resolved = match effect {
        Some(e) => Some((e, resolve(state, ev, e)?)),
        None => None,
    };
    let r = Rules {
        env: view.env,
        open: view.open,
        stage: view.stage,
        revoke: view.revoke,
        state,
    };
    check_window(r.open, ev, out);
    if let Some((e, _)) = resolved {
        check_scope(&r, ev, e, out);
    }
    check_tool(&r, ev, tool, out);
    let Some((effect, (si, ci))) = resolved else {
        return Ok(());
    };
    check_target_and_op(&r, ev, effect, out);
    let is_rollback =
        matches!(effect, Effect::Deploy { version, .. } if r.state.secrets.get(si).is_some_and(|s| &s.old == version));
    // A rollback is always allowed by rules 6, 7 and 8's first clause; after a failed health
    // check it must be the failing consumer's (rule 8's second clause).
    if !is_rollback {
        check_plan(&r, ev, effect, si, out);
        check_canary(&r, ev, effect, si, out);
    }
    check_rollout(&r, ev, effect, si, ci, is_rollback, out);
    check_overlap(&r, ev, effect, si, out);
    let canary: Vec<String> = r
        .stage
        .and_then(|cs| cs.stage(effect.secret()))
        .map(|s| s.canary.clone())
        .unwrap_or_default();
    state.apply(effect, ev.seq, ev.at, &canary);
    Ok(())
}

/// Rule 3, with `require_secret_scope`: the token's scope names `secret:<op>:<S>`.
fn check_scope(r: &Rules, ev: &Event, effect: &Effect, out: &mut Vec<Violation>) {
    let (Some(op), true) = (effect.op(), r.env.require_secret_scope) else {
        return;
    };
    let Some((phase, token)) = r.open.and_then(|p| p.token.as_ref().map(|t| (p, t))) else {
        return;
    };
    let want = format!("secret:{}:{}", op.as_str(), effect.secret());
    let has = token
        .claims
        .get("scope")
        .and_then(crate::json::Value::as_array)
        .is_some_and(|items| items.iter().any(|i| i.as_str() == Some(want.as_str())));
    if !has {
        out.push(violation(
            ev.seq,
            ReasonCode::RotationTokenScopeMissing,
            format!(
                "the {} needs \"{want}\" in the scope of phase \"{}\"'s token, which lacks it",
                effect.kind(),
                phase.name
            ),
        ));
    }
}

/// Rule 4.
fn check_tool(r: &Rules, ev: &Event, tool: &str, out: &mut Vec<Violation>) {
    let Some(phase) = r.open.and_then(|p| r.env.rotation.phases.get(p.index)) else {
        return;
    };
    if !phase.tools_allow.iter().any(|t| t == tool) {
        out.push(violation(
            ev.seq,
            ReasonCode::RotationToolNotAllowed,
            format!("tool \"{tool}\" is not in tools_allow of phase \"{}\"", phase.name),
        ));
    }
}

/// Rule 5: the secret is a target, and the phase allows the operation.
fn check_target_and_op(r: &Rules, ev: &Event, effect: &Effect, out: &mut Vec<Violation>) {
    let secret = effect.secret();
    if !r.env.rotation.target_secrets.iter().any(|s| s == secret) {
        out.push(violation(
            ev.seq,
            ReasonCode::RotationTargetNotAllowed,
            format!(
                "the {} concerns {secret}, which is not in the policy's target_secrets",
                effect.kind()
            ),
        ));
    }
    let (Some(op), Some(phase)) = (effect.op(), r.open.and_then(|p| r.env.rotation.phases.get(p.index))) else {
        return;
    };
    let allowed = match op {
        SecretOp::Read => phase.secrets.read,
        SecretOp::Write => phase.secrets.write,
        SecretOp::Revoke => phase.secrets.revoke,
    };
    if !allowed {
        out.push(violation(
            ev.seq,
            ReasonCode::RotationSecretOpNotAllowed,
            format!(
                "the {} is a secret {} operation, which phase \"{}\" does not allow",
                effect.kind(),
                op.as_str(),
                phase.name
            ),
        ));
    }
}

/// Rule 6: what the satisfied gates' plans approved.
fn check_plan(r: &Rules, ev: &Event, effect: &Effect, si: usize, out: &mut Vec<Violation>) {
    let Some(secret) = r.state.secrets.get(si) else {
        return;
    };
    let stage = r.stage.and_then(|cs| cs.stage(&secret.id));
    let revoke = r.revoke.and_then(|cs| cs.revoke(&secret.id));
    let why = match effect {
        Effect::SecretVersionCreated { version, .. } => match stage {
            None => Some(format!("no satisfied stage plan lists {}", secret.id)),
            Some(p) if p.from_version != secret.old => Some(format!(
                "the stage plan rotates {} from {}, but its current version is {}",
                secret.id, p.from_version, secret.old
            )),
            Some(_) if secret.new.is_some() => Some(format!(
                "{} already has a new version ({}); the plan approves one, and {version} would be another",
                secret.id,
                secret.new.as_deref().unwrap_or_default()
            )),
            Some(_) => None,
        },
        Effect::Deploy { consumer, version, .. } => match stage {
            None => Some(format!("no satisfied stage plan lists {}", secret.id)),
            Some(p) if !p.consumers.contains(consumer) => Some(format!(
                "the stage plan does not list consumer {consumer} for {}",
                secret.id
            )),
            Some(_) if secret.new.as_ref() != Some(version) => Some(format!(
                "{version} is neither {}'s old version {} nor the new version the run created",
                secret.id, secret.old
            )),
            Some(_) => None,
        },
        Effect::Revoke { version, .. } => match revoke {
            None => Some(format!("no satisfied revoke plan lists {}", secret.id)),
            Some(p) if &p.revoke_version != version => Some(format!(
                "the revoke plan revokes {} of {}, not {version}",
                p.revoke_version, secret.id
            )),
            Some(_) => None,
        },
        Effect::InvalidateSessions { .. } => match revoke {
            None => Some(format!("no satisfied revoke plan lists {}", secret.id)),
            Some(p) if !p.invalidate_sessions => Some(format!(
                "the revoke plan says invalidate_sessions: false for {}",
                secret.id
            )),
            Some(_) => None,
        },
        Effect::Read { .. } | Effect::HealthCheck { .. } => None,
    };
    if let Some(why) = why {
        out.push(violation(
            ev.seq,
            ReasonCode::RotationOffPlan,
            format!("the {} is off plan: {why}", effect.kind()),
        ));
    }
}

/// Rule 7: the first deploy of the new version goes to a canary, and others follow only
/// after a canary passed its health check on it.
fn check_canary(r: &Rules, ev: &Event, effect: &Effect, si: usize, out: &mut Vec<Violation>) {
    let Effect::Deploy { consumer, version, .. } = effect else {
        return;
    };
    let Some(secret) = r.state.secrets.get(si) else {
        return;
    };
    if !r.env.rotation.rules.canary_required || secret.new.as_ref() != Some(version) {
        return;
    }
    let canary: &[String] = r
        .stage
        .and_then(|cs| cs.stage(&secret.id))
        .map_or(&[], |s| s.canary.as_slice());
    let first = secret.last_new_deploy_at.is_none();
    let why = if first && !canary.contains(consumer) {
        Some(format!(
            "the first deploy of {version} goes to {consumer}, which is not a canary ({})",
            canary.join(", ")
        ))
    } else if !first && !canary.contains(consumer) && !secret.canary_passed {
        Some(format!(
            "{version} reaches {consumer} before a canary passed a health check on it"
        ))
    } else {
        None
    };
    if let Some(why) = why {
        out.push(violation(
            ev.seq,
            ReasonCode::RotationCanarySkipped,
            format!("{}: {why}", secret.id),
        ));
    }
}

/// Rule 8: no deploy of the new version while the previous deploy is unchecked; after a
/// failed check, the next deploy or revoke is the rollback.
fn check_rollout(
    r: &Rules,
    ev: &Event,
    effect: &Effect,
    si: usize,
    ci: Option<usize>,
    is_rollback: bool,
    out: &mut Vec<Violation>,
) {
    let Some(secret) = r.state.secrets.get(si) else {
        return;
    };
    let name = |i: usize| r.state.consumers.get(i).map(|c| c.id.clone()).unwrap_or_default();
    if let (Effect::Deploy { version, .. }, false) = (effect, is_rollback) {
        if let Some((prev, prev_version)) = secret
            .last_deploy
            .as_ref()
            .filter(|_| secret.new.as_ref() == Some(version) && !secret.last_deploy_checked)
        {
            out.push(violation(
                ev.seq,
                ReasonCode::RotationUnhealthyRollout,
                format!(
                    "{version} of {} is deployed again before {} was health-checked on {prev_version} after its deploy",
                    secret.id,
                    name(*prev)
                ),
            ));
        }
    }
    let deploy_or_revoke = matches!(effect, Effect::Deploy { .. } | Effect::Revoke { .. });
    let answered = |failed: usize| is_rollback && ci == Some(failed);
    if let Some(failed) = secret.pending_rollback.filter(|f| deploy_or_revoke && !answered(*f)) {
        out.push(violation(
            ev.seq,
            ReasonCode::RotationNoRollback,
            format!(
                "{} failed its health check on {}, but the next {} of {} is not its rollback to {}",
                name(failed),
                secret.new.as_deref().unwrap_or_default(),
                effect.kind(),
                secret.id,
                secret.old
            ),
        ));
    }
}

/// Rule 9: two-key overlap.
fn check_overlap(r: &Rules, ev: &Event, effect: &Effect, si: usize, out: &mut Vec<Violation>) {
    let Some(secret) = r.state.secrets.get(si) else {
        return;
    };
    let rules = &r.env.rotation.rules;
    match effect {
        Effect::SecretVersionCreated { .. }
            if !secret.supports_versions && !rules.no_overlap_secrets.contains(&secret.id) =>
        {
            out.push(violation(
                ev.seq,
                ReasonCode::RotationNoOverlap,
                format!("{} does not support versions and is not in no_overlap_secrets: the old and new keys cannot overlap", secret.id),
            ));
        }
        Effect::Revoke { version, .. } if *version == secret.old => {
            let left = r.state.not_rolled_out(si);
            if !left.is_empty() {
                out.push(violation(
                    ev.seq,
                    ReasonCode::RotationRevokeBeforeRollout,
                    format!(
                        "{version} of {} is revoked while {} not on the new version with a passing health check",
                        secret.id,
                        describe_left(&left)
                    ),
                ));
            }
            if let Some(last) = secret.last_new_deploy_at {
                let min_ms = i64::try_from(rules.overlap_seconds_min)
                    .unwrap_or(i64::MAX)
                    .saturating_mul(1000);
                let waited: Millis = ev.at.saturating_sub(last);
                if waited < min_ms {
                    out.push(violation(
                        ev.seq,
                        ReasonCode::RotationOverlapTooShort,
                        format!(
                            "{version} of {} is revoked {} s after the last deploy of the new version; overlap_seconds_min is {}",
                            secret.id,
                            waited.div_euclid(1000),
                            rules.overlap_seconds_min
                        ),
                    ));
                }
            }
        }
        _ => {}
    }
}

fn describe_left(left: &[&str]) -> String {
    match left {
        [one] => format!("{one} is"),
        many => format!("{} are", many.join(", ")),
    }
}
