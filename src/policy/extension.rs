//! The `metadata.clawaudit` extension of a WPC payload (spec 20 §2): the token constraints
//! and approval gates a policy imposes on a run. It lives inside the payload, so the policy
//! hash covers it. Parsing is strict: unknown keys, wrong types and out-of-range values make
//! the extension invalid (`POLICY_EXTENSION_INVALID`), never silently ignored.
//!
//! The rotation rules of spec 30 §2 (`target_secrets`, `phases`, `rotation_rules`,
//! `token_constraints.require_secret_scope`) are parsed here too, so `policy sign`, `verify`
//! and the rotation judge read one policy the same way.

use crate::json::Value;
use crate::schema_rules::{array, boolean, konst, text, uint, Obj, Path, RuleResult, SchemaViolation};

/// Most gates one policy may declare.
pub const MAX_GATES: usize = 64;
/// Largest quorum a gate may ask for.
pub const MAX_MIN_APPROVERS: u64 = 64;
/// Upper bound on any CST lifetime, whatever the policy says (spec 20 §5 step 5).
pub const CST_TTL_CAP_SECONDS: i64 = 3600;
/// Most rotation phases one policy may declare.
pub const MAX_PHASES: usize = 16;
/// Most tools one phase may allow, and most target secrets.
pub const MAX_LIST: usize = 64;

/// Constraints on the run's scoped token.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenConstraints {
    pub cst_ttl_seconds_max: Option<u64>,
    pub require_policy_hash_pinning: bool,
    pub require_job_binding: bool,
    /// Spec 30 §2: every secret operation needs `secret:<op>:<secret>` in the phase token's scope.
    pub require_secret_scope: bool,
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
    /// The rotation rules (spec 30 §2); `None` when the policy declares no `phases`.
    pub rotation: Option<RotationPolicy>,
}

/// What a rotation phase may do to secrets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecretOps {
    pub read: bool,
    pub write: bool,
    pub revoke: bool,
}

/// One phase of a rotation, in the policy's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase {
    pub name: String,
    pub tools_allow: Vec<String>,
    pub secrets: SecretOps,
    /// The `approval_gates` entry that must be satisfied when the phase starts.
    pub gate: Option<String>,
}

/// `rotation_rules`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RotationRules {
    pub overlap_seconds_min: u64,
    pub no_overlap_secrets: Vec<String>,
    pub canary_required: bool,
}

/// The rotation part of the extension.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RotationPolicy {
    pub target_secrets: Vec<String>,
    pub phases: Vec<Phase>,
    pub rules: RotationRules,
}

impl RotationPolicy {
    pub fn phase(&self, name: &str) -> Option<(usize, &Phase)> {
        self.phases.iter().enumerate().find(|(_, p)| p.name == name)
    }
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
        "target_secrets",
        "phases",
        "rotation_rules",
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
    let rotation = parse_rotation(&o, &approval_gates)?;
    Ok(Some(Extension {
        token_constraints,
        approval_gates,
        rotation,
    }))
}

/// The rotation keys: all three with `phases`, none without it (rules that no phase uses
/// would be a policy that says more than it enforces).
fn parse_rotation(o: &Obj<'_, '_>, gates: &[ApprovalGate]) -> RuleResult<Option<RotationPolicy>> {
    let Some(phases_value) = o.get("phases") else {
        if let Some(key) = ["target_secrets", "rotation_rules"]
            .into_iter()
            .find(|k| o.get(k).is_some())
        {
            return Err(SchemaViolation::new(
                o.at(key),
                "is a rotation rule, but the policy declares no phases",
            ));
        }
        return Ok(None);
    };
    let target_secrets = o.require("target_secrets", |v, at| unique_texts(v, 1, at))?;
    let phases = parse_phases(phases_value, &o.at("phases"), gates)?;
    let rules = o.require("rotation_rules", |v, at| parse_rotation_rules(v, at, &target_secrets))?;
    Ok(Some(RotationPolicy {
        target_secrets,
        phases,
        rules,
    }))
}

fn parse_phases(v: &Value, at: &Path<'_>, gates: &[ApprovalGate]) -> RuleResult<Vec<Phase>> {
    let items = array(v, 1, MAX_PHASES, at)?;
    let mut phases: Vec<Phase> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let here = at.index(i);
        let o = Obj::new(item, here)?;
        o.closed_optional(&["name", "tools_allow", "secrets", "gate"], &[])?;
        let name = o.require("name", bounded_text)?;
        if phases.iter().any(|p| p.name == name) {
            return Err(SchemaViolation::new(
                o.at("name"),
                format!("\"{}\" is declared twice", super::short(name)),
            ));
        }
        let tools_allow = o.require("tools_allow", |v, at| unique_texts(v, 1, at))?;
        let secrets = o.require("secrets", parse_secret_ops)?;
        let gate = o.require("gate", |v, at| match v {
            Value::Null => Ok(None),
            other => bounded_text(other, at).map(Some),
        })?;
        if let Some(g) = gate.filter(|g| !gates.iter().any(|d| d.gate_id == *g)) {
            return Err(SchemaViolation::new(
                o.at("gate"),
                format!(
                    "names gate \"{}\", which approval_gates does not declare",
                    super::short(g)
                ),
            ));
        }
        if secrets.write && secrets.revoke {
            // Decision (spec 30 is silent): irreversible actions are a separate gate, and a
            // plan has either the stage or the revoke shape, never both.
            return Err(SchemaViolation::new(
                o.at("secrets"),
                "allows both write and revoke; revoking is a separate phase with its own gate",
            ));
        }
        phases.push(Phase {
            name: name.to_string(),
            tools_allow,
            secrets,
            gate: gate.map(str::to_string),
        });
    }
    Ok(phases)
}

fn parse_secret_ops(v: &Value, at: &Path<'_>) -> RuleResult<SecretOps> {
    let o = Obj::new(v, at)?;
    o.closed_optional(&["read", "write", "revoke"], &[])?;
    Ok(SecretOps {
        read: o.require("read", |v, at| boolean(v, at))?,
        write: o.require("write", |v, at| boolean(v, at))?,
        revoke: o.require("revoke", |v, at| boolean(v, at))?,
    })
}

fn parse_rotation_rules(v: &Value, at: &Path<'_>, targets: &[String]) -> RuleResult<RotationRules> {
    let o = Obj::new(v, at)?;
    o.closed_optional(&["overlap_seconds_min", "no_overlap_secrets", "canary_required"], &[])?;
    let no_overlap_secrets = o.require("no_overlap_secrets", |v, at| unique_texts(v, 0, at))?;
    if let Some(s) = no_overlap_secrets.iter().find(|s| !targets.contains(s)) {
        return Err(SchemaViolation::new(
            o.at("no_overlap_secrets"),
            format!("names \"{}\", which is not in target_secrets", super::short(s)),
        ));
    }
    Ok(RotationRules {
        overlap_seconds_min: o.require("overlap_seconds_min", |v, at| uint(v, 0, at))?,
        no_overlap_secrets,
        canary_required: o.require("canary_required", |v, at| boolean(v, at))?,
    })
}

/// An array of `min..=MAX_LIST` distinct non-blank strings.
fn unique_texts(v: &Value, min: usize, at: &Path<'_>) -> RuleResult<Vec<String>> {
    let items = array(v, min, MAX_LIST, at)?;
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let s = text(item, 1, 256, at.index(i))?;
        if s.trim().is_empty() {
            return Err(SchemaViolation::new(at.index(i), "must not be blank"));
        }
        if out.iter().any(|o| o == s) {
            return Err(SchemaViolation::new(
                at.index(i),
                format!("repeats \"{}\"", super::short(s)),
            ));
        }
        out.push(s.to_string());
    }
    Ok(out)
}

fn parse_token_constraints(o: &Obj<'_, '_>) -> RuleResult<TokenConstraints> {
    o.closed(&[
        "cst_ttl_seconds_max",
        "require_policy_hash_pinning",
        "require_job_binding",
        "require_secret_scope",
    ])?;
    Ok(TokenConstraints {
        cst_ttl_seconds_max: o.member("cst_ttl_seconds_max", |v, at| uint(v, 1, at))?,
        require_policy_hash_pinning: flag(o, "require_policy_hash_pinning")?,
        require_job_binding: flag(o, "require_job_binding")?,
        require_secret_scope: flag(o, "require_secret_scope")?,
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
                                   "approver_group":"change-board","approval_ttl_seconds":900}]}"#,
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
        assert_eq!(e.rotation, None);
    }

    /// Spec 30 §2's example, with `{rules}` as its `rotation_rules` and `{phase3}` as the
    /// third phase's extra text.
    fn rotation_ext(phases_tail: &str, rules: &str) -> String {
        format!(
            r#"{{"extension_version":"1",
"token_constraints":{{"cst_ttl_seconds_max":900,"require_policy_hash_pinning":true,"require_job_binding":true,"require_secret_scope":true}},
"approval_gates":[{{"gate_id":"stage_new_secret","min_approvers":2,"independent_of_requester":true,"approver_group":"change-board","approval_ttl_seconds":900}},
                  {{"gate_id":"revoke_old_secret","min_approvers":2,"independent_of_requester":true,"approver_group":"change-board","approval_ttl_seconds":900}}],
"target_secrets":["secret://prod/payments/stripe_api_key"],
"phases":[
  {{"name":"discover","tools_allow":["read_config","list_consumers","health_check"],"secrets":{{"read":true,"write":false,"revoke":false}},"gate":null}},
  {{"name":"stage_new_secret","tools_allow":["create_secret_version","deploy_config","health_check"],"secrets":{{"read":true,"write":true,"revoke":false}},"gate":"stage_new_secret"}}{phases_tail}],
"rotation_rules":{rules}}}"#
        )
    }

    const REVOKE_PHASE: &str = r#",{"name":"revoke_old_secret","tools_allow":["revoke_credential","invalidate_sessions","health_check"],"secrets":{"read":false,"write":false,"revoke":true},"gate":"revoke_old_secret"}"#;
    const RULES: &str = r#"{"overlap_seconds_min":3600,"no_overlap_secrets":[],"canary_required":true}"#;

    #[test]
    fn parses_the_rotation_example_of_spec_30() {
        let e = ext(&rotation_ext(REVOKE_PHASE, RULES)).unwrap().unwrap();
        assert!(e.token_constraints.require_secret_scope);
        let r = e.rotation.unwrap();
        assert_eq!(r.target_secrets, vec!["secret://prod/payments/stripe_api_key"]);
        let names: Vec<&str> = r.phases.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["discover", "stage_new_secret", "revoke_old_secret"]);
        let stage = r.phase("stage_new_secret").unwrap();
        assert_eq!(stage.0, 1);
        assert_eq!(
            stage.1.secrets,
            SecretOps {
                read: true,
                write: true,
                revoke: false
            }
        );
        assert_eq!(stage.1.gate.as_deref(), Some("stage_new_secret"));
        assert_eq!(r.phases[0].gate, None);
        assert_eq!(r.phases[2].tools_allow.len(), 3);
        assert_eq!(r.rules.overlap_seconds_min, 3600);
        assert!(r.rules.canary_required && r.rules.no_overlap_secrets.is_empty());
    }

    #[test]
    fn refuses_invalid_rotation_rules() {
        let dup = r#",{"name":"discover","tools_allow":["x"],"secrets":{"read":true,"write":false,"revoke":false},"gate":null}"#;
        let unknown_gate =
            r#",{"name":"p3","tools_allow":["x"],"secrets":{"read":true,"write":false,"revoke":false},"gate":"nope"}"#;
        let no_tools =
            r#",{"name":"p3","tools_allow":[],"secrets":{"read":true,"write":false,"revoke":false},"gate":null}"#;
        let both = r#",{"name":"p3","tools_allow":["x"],"secrets":{"read":true,"write":true,"revoke":true},"gate":"revoke_old_secret"}"#;
        let missing_op = r#",{"name":"p3","tools_allow":["x"],"secrets":{"read":true,"write":false},"gate":null}"#;
        let no_gate_key = r#",{"name":"p3","tools_allow":["x"],"secrets":{"read":true,"write":false,"revoke":false}}"#;
        let cases = [
            (rotation_ext(dup, RULES), "declared twice"),
            (rotation_ext(unknown_gate, RULES), "approval_gates does not declare"),
            (rotation_ext(no_tools, RULES), "phases[2].tools_allow"),
            (rotation_ext(both, RULES), "both write and revoke"),
            (rotation_ext(missing_op, RULES), "'revoke'"),
            (rotation_ext(no_gate_key, RULES), "'gate'"),
            (
                rotation_ext(REVOKE_PHASE, r#"{"overlap_seconds_min":-1,"no_overlap_secrets":[],"canary_required":true}"#),
                "overlap_seconds_min",
            ),
            (
                rotation_ext(REVOKE_PHASE, r#"{"overlap_seconds_min":1,"no_overlap_secrets":["secret://other"],"canary_required":true}"#),
                "not in target_secrets",
            ),
            (
                rotation_ext(REVOKE_PHASE, r#"{"overlap_seconds_min":1,"no_overlap_secrets":[],"canary_required":true,"x":1}"#),
                "unknown field",
            ),
            (
                rotation_ext(REVOKE_PHASE, r#"{"overlap_seconds_min":1,"no_overlap_secrets":[]}"#),
                "canary_required",
            ),
            (
                r#"{"extension_version":"1","target_secrets":["s"]}"#.to_string(),
                "declares no phases",
            ),
            (
                r#"{"extension_version":"1","phases":[{"name":"p","tools_allow":["t"],"secrets":{"read":true,"write":false,"revoke":false},"gate":null}],"rotation_rules":{"overlap_seconds_min":0,"no_overlap_secrets":[],"canary_required":false}}"#.to_string(),
                "target_secrets",
            ),
            (
                r#"{"extension_version":"1","target_secrets":["s"],"phases":[],"rotation_rules":{"overlap_seconds_min":0,"no_overlap_secrets":[],"canary_required":false}}"#.to_string(),
                "phases",
            ),
            (
                r#"{"extension_version":"1","target_secrets":["s","s"],"phases":[{"name":"p","tools_allow":["t"],"secrets":{"read":true,"write":false,"revoke":false},"gate":null}],"rotation_rules":{"overlap_seconds_min":0,"no_overlap_secrets":[],"canary_required":false}}"#.to_string(),
                "repeats",
            ),
        ];
        for (text, why) in cases {
            let err = ext(&text).unwrap_err().to_string();
            assert!(err.contains(why), "{why:?} not in {err:?} for {text}");
        }
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
