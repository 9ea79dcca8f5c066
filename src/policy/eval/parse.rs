//! A WPC payload read for evaluation: v2 statements compiled, v1 fields turned into the
//! statements they mean. This reads only what evaluation needs, with its own bounds; whether
//! the payload follows the schema is `wpc::validate_payload`'s business (the checks of
//! `verify` run both). The one liberty taken: a condition operator the schema does not know
//! is kept, and never holds (docs/policy-evaluation.md), so a simulator can show it.

use super::condition::Condition;
use super::request::keys;
use super::statement::{Effect, Policy, PolicyVersion, Statement};
use crate::json::Value;
use crate::policy::glob::Glob;
use crate::policy::short;

/// Most statements a policy may have (the WPC v2 schema's bound).
pub const MAX_STATEMENTS: usize = 64;
/// Most action globs per statement.
pub const MAX_ACTIONS: usize = 64;
/// Most resource globs per statement.
pub const MAX_RESOURCES: usize = 256;
/// Most operator objects per statement (the schema knows 9).
pub const MAX_OPERATORS: usize = 16;
/// Most keys per operator object.
pub const MAX_CONDITION_KEYS: usize = 16;
/// Most parents followed through `inherits`.
pub const MAX_INHERITANCE_DEPTH: usize = 8;
/// Longest sid, policy id or context key.
const MAX_NAME_CHARS: usize = 128;
/// Longest WPC v1 allowlist.
const MAX_V1_LIST: usize = 256;

type Parsed<T> = Result<T, String>;

/// The WPC payload of a file: a signed envelope's `payload`, or the file itself.
pub fn payload_of(value: &Value) -> &Value {
    match value.get("payload") {
        Some(p) if value.get("envelope_type").is_some() => p,
        _ => value,
    }
}

/// Read `payload` (a WPC v1 or v2 payload) for evaluation.
pub fn parse_policy(payload: &Value) -> Parsed<Policy> {
    let obj = payload.as_object().ok_or("the WPC payload is not a JSON object")?;
    let policy_id = name(obj.get("policy_id"), "policy_id")?;
    match obj.get("policy_version").and_then(Value::as_str) {
        Some("1") => Ok(Policy {
            policy_id,
            version: PolicyVersion::V1,
            inherits: None,
            statements: v1_statements(payload)?,
            unchecked: v1_unchecked(payload),
        }),
        Some("2") => Ok(Policy {
            policy_id,
            version: PolicyVersion::V2,
            inherits: obj.get("inherits").map(|v| name(Some(v), "inherits")).transpose()?,
            statements: v2_statements(obj.get("statements"))?,
            unchecked: Vec::new(),
        }),
        Some(other) => Err(format!(
            "policy_version \"{}\" cannot be evaluated (supported: \"1\", \"2\")",
            short(other)
        )),
        None => Err("the WPC payload has no policy_version string".to_string()),
    }
}

fn name(v: Option<&Value>, what: &str) -> Parsed<String> {
    match v.and_then(Value::as_str) {
        Some(s) if !s.is_empty() && s.chars().count() <= MAX_NAME_CHARS => Ok(s.to_string()),
        Some(_) => Err(format!("{what} must have 1 to {MAX_NAME_CHARS} characters")),
        None => Err(format!("{what} must be a string")),
    }
}

/// An array of strings, `min..=max` long.
fn strings<'v>(v: Option<&'v Value>, min: usize, max: usize, at: &str) -> Parsed<Vec<&'v str>> {
    let items = v.and_then(Value::as_array).ok_or(format!("{at} must be an array"))?;
    if items.len() < min || items.len() > max {
        return Err(format!("{at} has {} items, {min} to {max} are allowed", items.len()));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, s)| s.as_str().ok_or(format!("{at}[{i}] must be a string")))
        .collect()
}

fn globs(patterns: &[&str], at: &str) -> Parsed<Vec<Glob>> {
    patterns
        .iter()
        .enumerate()
        .map(|(i, p)| Glob::new(p).map_err(|e| format!("{at}[{i}]: {e}")))
        .collect()
}

fn v2_statements(v: Option<&Value>) -> Parsed<Vec<Statement>> {
    let items = v.and_then(Value::as_array).ok_or("statements must be an array")?;
    if items.is_empty() || items.len() > MAX_STATEMENTS {
        return Err(format!(
            "statements has {} items, 1 to {MAX_STATEMENTS} are allowed",
            items.len()
        ));
    }
    let mut out: Vec<Statement> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let s = v2_statement(item, &format!("statements[{i}]"))?;
        if out.iter().any(|o| o.sid == s.sid) {
            return Err(format!(
                "statements[{i}].sid \"{}\" is used twice; sids must be unique",
                short(&s.sid)
            ));
        }
        out.push(s);
    }
    Ok(out)
}

fn v2_statement(v: &Value, at: &str) -> Parsed<Statement> {
    let o = v.as_object().ok_or(format!("{at} must be an object"))?;
    let sid = name(o.get("sid"), &format!("{at}.sid"))?;
    let effect = match o.get("effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        _ => return Err(format!("{at}.effect must be \"Allow\" or \"Deny\"")),
    };
    let actions_at = format!("{at}.actions");
    let actions = globs(&strings(o.get("actions"), 1, MAX_ACTIONS, &actions_at)?, &actions_at)?;
    let resources_at = format!("{at}.resources");
    let resources = globs(
        &strings(o.get("resources"), 1, MAX_RESOURCES, &resources_at)?,
        &resources_at,
    )?;
    let conditions = match o.get("conditions") {
        None => Vec::new(),
        Some(c) => conditions(c, &format!("{at}.conditions"))?,
    };
    Ok(Statement {
        sid,
        effect,
        actions,
        resources,
        conditions,
    })
}

fn conditions(v: &Value, at: &str) -> Parsed<Vec<Condition>> {
    let ops = v.as_object().ok_or(format!("{at} must be an object"))?;
    if ops.len() > MAX_OPERATORS {
        return Err(format!("{at} has {} operators, at most {MAX_OPERATORS}", ops.len()));
    }
    let mut out = Vec::new();
    for (op, map) in ops.iter() {
        let here = format!("{at}.{}", short(op));
        let map = map.as_object().ok_or(format!("{here} must be an object"))?;
        if map.len() > MAX_CONDITION_KEYS {
            return Err(format!("{here} has {} keys, at most {MAX_CONDITION_KEYS}", map.len()));
        }
        for (key, value) in map.iter() {
            let key_at = format!("{here}.{}", short(key));
            if key.chars().count() > MAX_NAME_CHARS {
                return Err(format!(
                    "{key_at}: a context key has at most {MAX_NAME_CHARS} characters"
                ));
            }
            let value = value.as_str().ok_or(format!("{key_at} must be a string"))?;
            out.push(Condition::new(op, key, vec![value.to_string()]).map_err(|e| format!("{key_at}: {e}"))?);
        }
    }
    Ok(out)
}

/// An optional v1 allowlist: `None` when absent.
fn v1_list(payload: &Value, key: &str) -> Parsed<Option<Vec<String>>> {
    match payload.get(key) {
        None => Ok(None),
        Some(v) => Ok(Some(
            strings(Some(v), 0, MAX_V1_LIST, key)?
                .into_iter()
                .map(str::to_string)
                .collect(),
        )),
    }
}

fn allow(sid: &str, actions: &[&str], conditions: Vec<Condition>) -> Parsed<Statement> {
    Ok(Statement {
        sid: sid.to_string(),
        effect: Effect::Allow,
        actions: globs(actions, sid)?,
        resources: globs(&["**"], sid)?,
        conditions,
    })
}

/// The statements a WPC v1 means (docs/policy-evaluation.md):
/// - `v1.model_invoke`: `model:invoke` when `Model:Provider` is one of `allowed_providers`
///   (every provider when the list is absent or empty, as its schema says) **and**
///   `Model:Name` matches one of `allowed_models` (every model when absent; an empty list
///   allows none). The reference's conversion ORs the two; we require both.
/// - `v1.network_egress`: `side_effect:network_egress` when `SideEffect:TargetDomain` matches
///   one of `egress_allowlist` (every domain when absent; an empty list allows none).
/// - `v1.unruled`: what v1 has no rules for is allowed: tool execution, filesystem and
///   external-API writes, and secret operations (whose rules, for rotation runs, are the
///   clawaudit extension's and are judged by the rotation judge).
pub fn v1_statements(payload: &Value) -> Parsed<Vec<Statement>> {
    let mut model = Vec::new();
    if let Some(providers) = v1_list(payload, "allowed_providers")?.filter(|p| !p.is_empty()) {
        model.push(condition("StringEquals", keys::MODEL_PROVIDER, providers)?);
    }
    if let Some(models) = v1_list(payload, "allowed_models")? {
        model.push(condition("StringLike", keys::MODEL_NAME, models)?);
    }
    let mut egress = Vec::new();
    if let Some(domains) = v1_list(payload, "egress_allowlist")? {
        egress.push(condition("StringLike", keys::SIDE_EFFECT_TARGET_DOMAIN, domains)?);
    }
    Ok(vec![
        allow("v1.model_invoke", &["model:invoke"], model)?,
        allow("v1.network_egress", &["side_effect:network_egress"], egress)?,
        allow(
            "v1.unruled",
            &[
                "tool:execute",
                "side_effect:filesystem_write",
                "side_effect:filesystem_read",
                "side_effect:external_api_write",
                "secret:*",
            ],
            Vec::new(),
        )?,
    ])
}

fn condition(op: &str, key: &str, values: Vec<String>) -> Parsed<Condition> {
    Condition::new(op, key, values).map_err(|e| format!("{key}: {e}"))
}

fn v1_unchecked(payload: &Value) -> Vec<String> {
    match payload.get("minimum_model_identity_tier").and_then(Value::as_str) {
        Some(tier) => vec![format!(
            "minimum_model_identity_tier \"{}\" cannot be checked offline: the receipts carry no model identity evidence clawaudit verifies",
            short(tier)
        )],
        None => Vec::new(),
    }
}
