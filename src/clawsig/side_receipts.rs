//! Side-effect and human-approval receipts (§3.5): unsigned payloads inside the bundle.
//! Field checks here; anchoring to gateway-receipt spans happens with the causal rules.

use crate::json::Value;
use crate::reason::ReasonCode;
use crate::report::Failure;

/// The two kinds of unsigned receipts and their enumerated field.
#[derive(Clone, Copy, Debug)]
pub enum SideKind {
    SideEffect,
    HumanApproval,
}

impl SideKind {
    pub fn array(self) -> &'static str {
        match self {
            SideKind::SideEffect => "side_effect_receipts",
            SideKind::HumanApproval => "human_approval_receipts",
        }
    }
    fn enum_field(self) -> (&'static str, &'static [&'static str]) {
        match self {
            SideKind::SideEffect => (
                "effect_class",
                &["network_egress", "filesystem_write", "external_api_write"],
            ),
            SideKind::HumanApproval => (
                "approval_type",
                &["explicit_approve", "explicit_deny", "auto_approve", "timeout_deny"],
            ),
        }
    }
}

/// Version, hash algorithm, enum and agent checks, in the reference order.
pub fn verify_side_receipts(payload: &Value, agent_did: &str, kind: SideKind) -> Result<usize, Failure> {
    let Some(items) = payload.get(kind.array()).and_then(Value::as_array) else {
        return Ok(0);
    };
    let name = kind.array();
    for (i, r) in items.iter().enumerate() {
        let fail = |code, why: &str| {
            Failure::new("side_receipt.fields", code, format!("{name}[{i}] {why}"))
                .at_path(format!("payload.{name}[{i}]"))
        };
        if let Some(v) = r.get("receipt_version") {
            if v.as_str() != Some("1") {
                return Err(fail(ReasonCode::UnknownVersion, "has an unsupported receipt_version"));
            }
        }
        if let Some(h) = r.get("hash_algorithm") {
            if h.as_str() != Some("SHA-256") {
                return Err(fail(
                    ReasonCode::UnknownHashAlgorithm,
                    "uses a hash_algorithm other than SHA-256",
                ));
            }
        }
        let (field, allowed) = kind.enum_field();
        if !r
            .get(field)
            .and_then(Value::as_str)
            .is_some_and(|s| allowed.contains(&s))
        {
            return Err(fail(
                ReasonCode::SchemaValidationFailed,
                &format!("has an unknown {field}"),
            ));
        }
        if let Some(a) = r.get("agent_did") {
            if a.as_str() != Some(agent_did) {
                return Err(fail(
                    ReasonCode::ProofBundleAgentMismatch,
                    "names a different agent_did from the proof bundle",
                ));
            }
        }
    }
    Ok(items.len())
}

/// The span a side receipt hangs from: `tool_span_id ?? parent_span_id ?? span_id`
/// (snake_case or camelCase).
pub fn anchor_span(r: &Value) -> Option<&str> {
    let b = r.get("binding")?.as_object()?;
    let pick = |a: &str, c: &str| {
        b.get(a)
            .or_else(|| b.get(c))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    pick("tool_span_id", "toolSpanId")
        .or_else(|| pick("parent_span_id", "parentSpanId"))
        .or_else(|| pick("span_id", "spanId"))
}
