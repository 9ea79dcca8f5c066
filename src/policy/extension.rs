//! The `metadata.clawaudit` extension of a WPC payload (spec 20 §2): the token constraints
//! and approval gates a policy imposes on a run. It lives inside the payload, so the policy
//! hash covers it. Parsing is strict: unknown keys, wrong types and out-of-range values make
//! the extension invalid (`POLICY_EXTENSION_INVALID`), never silently ignored.

use crate::json::Value;
use crate::schema_rules::{array, boolean, konst, text, uint, Obj, Path, RuleResult, SchemaViolation};

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
pub fn parse_extension(payload: &Value) -> RuleResult<Option<Extension>> {
    let Some(raw) = payload.get("metadata").and_then(|m| m.get("clawaudit")) else {
        return Ok(None);
    };
    let o = Obj::new(raw, "metadata.clawaudit")?;
    o.closed(&[
        "extension_version",
        "token_constraints",
        "approval_gates",
        RESERVED_KEYS[0],
        RESERVED_KEYS[1],
    ])?;
    o.require("extension_version", |v, at| konst(v, "1", at))?;
    let token_constraints = match o.child("token_constraints")? {
        None => TokenConstraints::default(),
        Some(t) => parse_token_constraints(&t)?,
    };
    let approval_gates = match o.get("approval_gates") {
        None => Vec::new(),
        Some(v) => parse_gates(v, &o.at("approval_gates"))?,
    };
    Ok(Some(Extension {
        token_constraints,
        approval_gates,
    }))
}

fn parse_token_constraints(o: &Obj<'_, '_>) -> RuleResult<TokenConstraints> {
    o.closed(&[
        "cst_ttl_seconds_max",
        "require_policy_hash_pinning",
        "require_job_binding",
    ])?;
    Ok(TokenConstraints {
        cst_ttl_seconds_max: o.member("cst_ttl_seconds_max", |v, at| uint(v, 1, at))?,
        require_policy_hash_pinning: flag(o, "require_policy_hash_pinning")?,
        require_job_binding: flag(o, "require_job_binding")?,
    })
}

fn parse_gates(v: &Value, at: &Path<'_>) -> RuleResult<Vec<ApprovalGate>> {
    let items = array(v, 0, MAX_GATES, at)?;
    let mut gates: Vec<ApprovalGate> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let o = Obj::new(item, at.index(i))?;
        o.closed(&[
            "gate_id",
            "min_approvers",
            "independent_of_requester",
            "approver_group",
            "approval_ttl_seconds",
        ])?;
        let gate_id = o.require("gate_id", bounded_text)?;
        if gates.iter().any(|g| g.gate_id == gate_id) {
            return Err(SchemaViolation::new(
                o.at("gate_id"),
                format!("\"{}\" is declared twice", super::short(gate_id)),
            ));
        }
        let min_approvers = o.require("min_approvers", |v, at| match v.as_i64() {
            Some(n) if n < 1 => Err(SchemaViolation::new(
                at,
                format!("is {n}; a gate needs at least 1 approver"),
            )),
            Some(n) if n as u64 > MAX_MIN_APPROVERS => Err(SchemaViolation::new(
                at,
                format!("is {n}, at most {MAX_MIN_APPROVERS} is supported"),
            )),
            Some(n) => Ok(n as u64),
            None => uint(v, 1, at),
        })?;
        gates.push(ApprovalGate {
            gate_id: gate_id.to_string(),
            min_approvers,
            independent_of_requester: flag(&o, "independent_of_requester")?,
            approver_group: o.member("approver_group", bounded_text)?.map(str::to_string),
            approval_ttl_seconds: o.member("approval_ttl_seconds", |v, at| uint(v, 1, at))?,
        });
    }
    Ok(gates)
}

/// An optional boolean, false when absent.
fn flag(o: &Obj<'_, '_>, key: &str) -> RuleResult<bool> {
    Ok(o.member(key, |v, at| boolean(v, at))?.unwrap_or(false))
}

/// A non-blank string of at most 128 characters.
fn bounded_text<'v>(v: &'v Value, at: &Path<'_>) -> RuleResult<&'v str> {
    match text(v, 1, 128, at)? {
        s if s.trim().is_empty() => Err(SchemaViolation::new(at, "must not be blank")),
        s => Ok(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_str;

    fn ext(text: &str) -> RuleResult<Option<Extension>> {
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
        assert!(e.unwrap_err().to_string().contains("at least 1"));
    }
}
