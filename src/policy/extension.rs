//! The `metadata.clawaudit` extension of a WPC payload (spec 20 §2): the token constraints
//! and approval gates a policy imposes on a run. It lives inside the payload, so the policy
//! hash covers it. Parsing is strict: unknown keys, wrong types and out-of-range values make
//! the extension invalid (`POLICY_EXTENSION_INVALID`), never silently ignored.

use crate::json::{Object, Value};

/// Most gates one policy may declare.
pub const MAX_GATES: usize = 64;
/// Largest quorum a gate may ask for.
pub const MAX_MIN_APPROVERS: u64 = 64;
/// Upper bound on any CST lifetime, whatever the policy says (spec 20 §5 step 5).
pub const CST_TTL_CAP_SECONDS: i64 = 3600;
/// Names reserved for the rotation simulator; accepted here without validation.
const RESERVED_KEYS: [&str; 2] = ["target_secrets", "phases"];

/// Constraints on the run's scoped token.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenConstraints {
    pub cst_ttl_seconds_max: Option<u64>,
    pub require_policy_hash_pinning: bool,
    pub require_job_binding: bool,
}

/// One approval gate: what a plan for `gate_id` needs before it may be carried out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalGate {
    pub gate_id: String,
    pub min_approvers: u64,
    pub independent_of_requester: bool,
    pub approver_group: Option<String>,
    /// Validated here, enforced by the rotation simulator.
    pub approval_ttl_seconds: Option<u64>,
}

/// The parsed extension.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extension {
    pub token_constraints: TokenConstraints,
    pub approval_gates: Vec<ApprovalGate>,
}

impl Extension {
    pub fn gate(&self, gate_id: &str) -> Option<&ApprovalGate> {
        self.approval_gates.iter().find(|g| g.gate_id == gate_id)
    }
}

/// The longest CST lifetime allowed: min(3600, `cst_ttl_seconds_max`).
pub fn max_token_ttl_seconds(extension: Option<&Extension>) -> i64 {
    let from_policy = extension
        .and_then(|e| e.token_constraints.cst_ttl_seconds_max)
        .map(|s| i64::try_from(s).unwrap_or(i64::MAX));
    from_policy.map_or(CST_TTL_CAP_SECONDS, |s| s.min(CST_TTL_CAP_SECONDS))
}

/// Read `payload.metadata.clawaudit`. `Ok(None)` when the policy has no extension.
pub fn parse_extension(payload: &Value) -> Result<Option<Extension>, String> {
    let Some(raw) = payload.get("metadata").and_then(|m| m.get("clawaudit")) else {
        return Ok(None);
    };
    let obj = raw.as_object().ok_or("metadata.clawaudit must be an object")?;
    only_keys(
        obj,
        &[
            "extension_version",
            "token_constraints",
            "approval_gates",
            RESERVED_KEYS[0],
            RESERVED_KEYS[1],
        ],
        "metadata.clawaudit",
    )?;
    match obj.get("extension_version").and_then(Value::as_str) {
        Some("1") => {}
        Some(other) => {
            return Err(format!(
                "metadata.clawaudit.extension_version \"{}\" is not supported (expected \"1\")",
                super::short(other)
            ))
        }
        None => return Err("metadata.clawaudit.extension_version must be the string \"1\"".into()),
    }
    let token_constraints = match obj.get("token_constraints") {
        None => TokenConstraints::default(),
        Some(v) => parse_token_constraints(v)?,
    };
    let approval_gates = match obj.get("approval_gates") {
        None => Vec::new(),
        Some(v) => parse_gates(v)?,
    };
    Ok(Some(Extension {
        token_constraints,
        approval_gates,
    }))
}

fn parse_token_constraints(v: &Value) -> Result<TokenConstraints, String> {
    const WHERE: &str = "metadata.clawaudit.token_constraints";
    let obj = v.as_object().ok_or(format!("{WHERE} must be an object"))?;
    only_keys(
        obj,
        &[
            "cst_ttl_seconds_max",
            "require_policy_hash_pinning",
            "require_job_binding",
        ],
        WHERE,
    )?;
    Ok(TokenConstraints {
        cst_ttl_seconds_max: positive_int(obj, "cst_ttl_seconds_max", WHERE)?,
        require_policy_hash_pinning: flag(obj, "require_policy_hash_pinning", WHERE)?,
        require_job_binding: flag(obj, "require_job_binding", WHERE)?,
    })
}

fn parse_gates(v: &Value) -> Result<Vec<ApprovalGate>, String> {
    let items = v
        .as_array()
        .ok_or("metadata.clawaudit.approval_gates must be an array")?;
    if items.len() > MAX_GATES {
        return Err(format!(
            "metadata.clawaudit.approval_gates has {} gates, at most {MAX_GATES} are allowed",
            items.len()
        ));
    }
    let mut gates: Vec<ApprovalGate> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let here = format!("metadata.clawaudit.approval_gates[{i}]");
        let obj = item.as_object().ok_or(format!("{here} must be an object"))?;
        only_keys(
            obj,
            &[
                "gate_id",
                "min_approvers",
                "independent_of_requester",
                "approver_group",
                "approval_ttl_seconds",
            ],
            &here,
        )?;
        let gate_id = bounded_text(obj.get("gate_id"), &format!("{here}.gate_id"))?
            .ok_or(format!("{here}.gate_id is required"))?;
        if gates.iter().any(|g| g.gate_id == gate_id) {
            return Err(format!(
                "{here}.gate_id \"{}\" is declared twice",
                super::short(&gate_id)
            ));
        }
        let min_approvers = match obj.get("min_approvers") {
            None => return Err(format!("{here}.min_approvers is required")),
            Some(v) => match v.as_i64() {
                Some(n) if n < 1 => {
                    return Err(format!("{here}.min_approvers is {n}; a gate needs at least 1 approver"))
                }
                Some(n) if n as u64 > MAX_MIN_APPROVERS => {
                    return Err(format!(
                        "{here}.min_approvers is {n}, at most {MAX_MIN_APPROVERS} is supported"
                    ))
                }
                Some(n) => n as u64,
                None => return Err(format!("{here}.min_approvers must be an integer ≥ 1")),
            },
        };
        gates.push(ApprovalGate {
            gate_id,
            min_approvers,
            independent_of_requester: flag(obj, "independent_of_requester", &here)?,
            approver_group: bounded_text(obj.get("approver_group"), &format!("{here}.approver_group"))?,
            approval_ttl_seconds: positive_int(obj, "approval_ttl_seconds", &here)?,
        });
    }
    Ok(gates)
}

fn only_keys(obj: &Object, allowed: &[&str], here: &str) -> Result<(), String> {
    match obj.keys().find(|k| !allowed.contains(k)) {
        Some(k) => Err(format!("{here} has an unknown key \"{}\"", super::short(k))),
        None => Ok(()),
    }
}

fn flag(obj: &Object, key: &str, here: &str) -> Result<bool, String> {
    match obj.get(key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(format!("{here}.{key} must be a boolean")),
    }
}

fn positive_int(obj: &Object, key: &str, here: &str) -> Result<Option<u64>, String> {
    match obj.get(key) {
        None => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => Ok(Some(n)),
            _ => Err(format!("{here}.{key} must be an integer ≥ 1")),
        },
    }
}

/// An optional non-empty string of at most 128 characters.
fn bounded_text(v: Option<&Value>, here: &str) -> Result<Option<String>, String> {
    match v {
        None => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() && super::char_len(s) <= 128 => Ok(Some(s.clone())),
        Some(_) => Err(format!("{here} must be a non-empty string of at most 128 characters")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_str;

    fn ext(text: &str) -> Result<Option<Extension>, String> {
        let payload = parse_str(&format!(r#"{{"metadata":{{"clawaudit":{text}}}}}"#)).unwrap();
        parse_extension(&payload)
    }

    #[test]
    fn parses_the_spec_example() {
        let e = ext(
            r#"{"extension_version":"1",
                "token_constraints":{"cst_ttl_seconds_max":900,"require_policy_hash_pinning":true,"require_job_binding":true},
                "approval_gates":[{"gate_id":"stage_new_secret","min_approvers":2,"independent_of_requester":true,
                                   "approver_group":"change-board","approval_ttl_seconds":900}],
                "target_secrets":["anything"],"phases":{}}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(e.token_constraints.cst_ttl_seconds_max, Some(900));
        assert!(e.token_constraints.require_policy_hash_pinning && e.token_constraints.require_job_binding);
        let g = e.gate("stage_new_secret").unwrap();
        assert_eq!(g.min_approvers, 2);
        assert_eq!(g.approver_group.as_deref(), Some("change-board"));
        assert_eq!(max_token_ttl_seconds(Some(&e)), 900);
        assert_eq!(max_token_ttl_seconds(None), 3600);
    }

    #[test]
    fn absent_extension_is_none() {
        assert_eq!(
            parse_extension(&parse_str(r#"{"metadata":{"x":1}}"#).unwrap()),
            Ok(None)
        );
        assert_eq!(parse_extension(&parse_str(r#"{"policy_id":"p"}"#).unwrap()), Ok(None));
    }

    #[test]
    fn refuses_invalid_extensions() {
        for bad in [
            r#"[]"#,
            r#"{}"#,
            r#"{"extension_version":"2"}"#,
            r#"{"extension_version":"1","colour":1}"#,
            r#"{"extension_version":"1","token_constraints":{"cst_ttl_seconds_max":0}}"#,
            r#"{"extension_version":"1","token_constraints":{"require_job_binding":"yes"}}"#,
            r#"{"extension_version":"1","approval_gates":[{"gate_id":"g","min_approvers":0}]}"#,
            r#"{"extension_version":"1","approval_gates":[{"gate_id":"g","min_approvers":-1}]}"#,
            r#"{"extension_version":"1","approval_gates":[{"gate_id":"g","min_approvers":1.5}]}"#,
            r#"{"extension_version":"1","approval_gates":[{"gate_id":"g"}]}"#,
            r#"{"extension_version":"1","approval_gates":[{"gate_id":"","min_approvers":1}]}"#,
            r#"{"extension_version":"1","approval_gates":[{"gate_id":"g","min_approvers":1},{"gate_id":"g","min_approvers":1}]}"#,
            r#"{"extension_version":"1","approval_gates":[{"gate_id":"g","min_approvers":1,"approval_ttl_seconds":0}]}"#,
        ] {
            assert!(ext(bad).is_err(), "{bad}");
        }
        let e = ext(r#"{"extension_version":"1","approval_gates":[{"gate_id":"g","min_approvers":0}]}"#);
        assert!(e.unwrap_err().contains("at least 1"));
    }
}
