//! The `change_set` of the plans a rotation's gates approve (spec 30 §3): what the two-person
//! rule covers. A stage gate's plan lists, per secret, the version rotated from, the consumers
//! to move and the canaries among them; a revoke gate's plan, per secret, the version to
//! revoke and whether to invalidate sessions.

use crate::json::Value;
use crate::policy::extension::RotationRules;
use crate::schema_rules::{array, boolean, text, Obj, Path, RuleResult, SchemaViolation};

use super::fixture::Scenario;

/// One secret of a stage plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageSecret {
    pub secret: String,
    pub from_version: String,
    pub consumers: Vec<String>,
    pub canary: Vec<String>,
}

/// One secret of a revoke plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokeSecret {
    pub secret: String,
    pub revoke_version: String,
    pub invalidate_sessions: bool,
}

/// What a gate's plan approves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeSet {
    Stage(Vec<StageSecret>),
    Revoke(Vec<RevokeSecret>),
    /// The gate of a phase that neither writes nor revokes: its change_set is free-form.
    Other,
}

impl ChangeSet {
    pub fn stage(&self, secret: &str) -> Option<&StageSecret> {
        match self {
            ChangeSet::Stage(items) => items.iter().find(|s| s.secret == secret),
            _ => None,
        }
    }

    pub fn revoke(&self, secret: &str) -> Option<&RevokeSecret> {
        match self {
            ChangeSet::Revoke(items) => items.iter().find(|s| s.secret == secret),
            _ => None,
        }
    }
}

/// Which shape a gate's plan must have: that of the phase the gate opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanShape {
    Stage,
    Revoke,
    Other,
}

/// Read `plan.change_set` in `shape`. Every secret and consumer must be the scenario's, each
/// consumer one of that secret's, lists without repeats, `canary ⊆ consumers`, and a canary
/// when the policy requires one.
pub fn parse_change_set(
    plan: &Value,
    shape: PlanShape,
    scenario: &Scenario,
    rules: &RotationRules,
) -> RuleResult<ChangeSet> {
    let Some(cs) = plan.get("change_set") else {
        return Err(SchemaViolation::new("plan", "has no 'change_set' field"));
    };
    if shape == PlanShape::Other {
        return Ok(ChangeSet::Other);
    }
    let o = Obj::new(cs, "plan.change_set")?;
    o.closed_optional(&["secrets"], &[])?;
    let at = o.at("secrets");
    let items = array(
        o.get("secrets").unwrap_or(&Value::Null),
        1,
        super::fixture::MAX_SECRETS,
        at,
    )?;
    let mut seen: Vec<&str> = Vec::with_capacity(items.len());
    let mut stage = Vec::new();
    let mut revoke = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let here = at.index(i);
        let s = Obj::new(item, here)?;
        let secret = s.require("secret", |v, at| text(v, 1, 256, at))?;
        let Some((_, known)) = scenario.secret(secret) else {
            return Err(SchemaViolation::new(
                s.at("secret"),
                format!(
                    "names \"{}\", which is not a secret of the scenario",
                    crate::schema_rules::short(secret)
                ),
            ));
        };
        if seen.contains(&secret) {
            return Err(SchemaViolation::new(s.at("secret"), "lists the secret twice"));
        }
        seen.push(secret);
        match shape {
            PlanShape::Stage => stage.push(parse_stage_secret(&s, &known.id, scenario, rules)?),
            _ => revoke.push(parse_revoke_secret(&s, &known.id)?),
        }
    }
    Ok(match shape {
        PlanShape::Stage => ChangeSet::Stage(stage),
        _ => ChangeSet::Revoke(revoke),
    })
}

fn parse_stage_secret(
    s: &Obj<'_, '_>,
    secret: &str,
    scenario: &Scenario,
    rules: &RotationRules,
) -> RuleResult<StageSecret> {
    s.closed_optional(&["secret", "from_version", "consumers", "canary"], &[])?;
    let from_version = s.require("from_version", |v, at| text(v, 1, 256, at))?.to_string();
    let consumers = s.require("consumers", |v, at| consumer_list(v, at, secret, scenario))?;
    let canary = s.require("canary", |v, at| consumer_list(v, at, secret, scenario))?;
    if let Some(c) = canary.iter().find(|c| !consumers.contains(c)) {
        return Err(SchemaViolation::new(
            s.at("canary"),
            format!(
                "names \"{}\", which is not one of the plan's consumers",
                crate::schema_rules::short(c)
            ),
        ));
    }
    if rules.canary_required && canary.is_empty() {
        return Err(SchemaViolation::new(
            s.at("canary"),
            "is empty, but the policy requires a canary (canary_required)",
        ));
    }
    Ok(StageSecret {
        secret: secret.to_string(),
        from_version,
        consumers,
        canary,
    })
}

fn parse_revoke_secret(s: &Obj<'_, '_>, secret: &str) -> RuleResult<RevokeSecret> {
    s.closed_optional(&["secret", "revoke_version", "invalidate_sessions"], &[])?;
    Ok(RevokeSecret {
        secret: secret.to_string(),
        revoke_version: s.require("revoke_version", |v, at| text(v, 1, 256, at))?.to_string(),
        invalidate_sessions: s.require("invalidate_sessions", |v, at| boolean(v, at))?,
    })
}

/// Distinct consumer ids of the scenario, each a consumer of `secret`.
fn consumer_list(v: &Value, at: &Path<'_>, secret: &str, scenario: &Scenario) -> RuleResult<Vec<String>> {
    let items = array(v, 0, super::fixture::MAX_CONSUMERS, at)?;
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let id = text(item, 1, 256, at.index(i))?;
        match scenario.consumer(id) {
            None => {
                return Err(SchemaViolation::new(
                    at.index(i),
                    format!(
                        "names \"{}\", which is not a consumer of the scenario",
                        crate::schema_rules::short(id)
                    ),
                ))
            }
            Some((_, c)) if c.secret != secret => {
                return Err(SchemaViolation::new(
                    at.index(i),
                    format!(
                        "names \"{}\", a consumer of another secret",
                        crate::schema_rules::short(id)
                    ),
                ))
            }
            Some(_) => {}
        }
        if out.iter().any(|o| o == id) {
            return Err(SchemaViolation::new(at.index(i), "repeats a consumer"));
        }
        out.push(id.to_string());
    }
    Ok(out)
}
