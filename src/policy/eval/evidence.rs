//! Requests taken from the evidence of a run, one function per source
//! (docs/policy-evaluation.md, "Requests from the evidence"). Every request carries
//! `Agent:DID` (the run's agent), `Context:Hour` (the UTC hour `0`…`23` of the item's own
//! timestamp; absent when the item has no readable timestamp, so conditions on it are false)
//! and `Request:HasHumanApproval` (`"false"` outside rotation runs).
//!
//! - gateway receipt → `model:invoke` on the provider, with `Model:Provider`, `Model:Name`
//!   and `Receipt:ProofTier = gateway`;
//! - tool receipt → `tool:execute` on the tool name, with `Tool:Name`;
//! - side-effect receipt → `side_effect:<effect_class>` on its target. Clawsig side-effect
//!   receipts are hash-only (`target_digest` / `target_hash_b64u`); an open receipt may name
//!   its target in plain text as `target` (a URL, a domain or a path), and only then can a
//!   policy judge it: for network egress the resource and `SideEffect:TargetDomain` are the
//!   target's host (lower case); otherwise the resource is the target as written. Without a
//!   plain target the resource is the digest and there is no `SideEffect:TargetDomain`, so an
//!   egress allowlist denies it (fail closed);
//! - rotation events (spec 30; `rotation_requests`) → `tool:execute` for the tool call and
//!   `secret:<op>` on the secret id, with `Request:HasHumanApproval` from the phase's gate.
//!
//! The functions read values already verified (or about to be judged) by the Clawsig and
//! sealed-bundle checks; they never fail: a missing field makes an empty resource or a
//! missing context key, which no allowlist matches.

use super::request::{keys, Request};
use crate::json::Value;
use crate::report::Location;
use crate::timeutil::{parse_rfc3339, Millis};

/// One request and the evidence item it was taken from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceRequest {
    /// The item in a sentence: `gateway receipt artifacts/receipts/r1.json`,
    /// `tool receipt artifacts/proof_bundle.json payload.tool_receipts[0]`, `event seq 7`.
    pub item: String,
    pub location: Location,
    pub request: Request,
}

/// The UTC hour of `ms`, `"0"`…`"23"`.
pub fn utc_hour(ms: Millis) -> String {
    (ms.div_euclid(3_600_000).rem_euclid(24)).to_string()
}

fn text<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// The context every request has: agent, hour, approval.
fn base(action: String, resource: String, agent_did: &str, time: Option<Millis>, approved: bool) -> Request {
    let mut r = Request::new(action, resource).with(keys::AGENT_DID, agent_did);
    if let Some(t) = time {
        r = r.with(keys::CONTEXT_HOUR, utc_hour(t));
    }
    r.with(
        keys::REQUEST_HAS_HUMAN_APPROVAL,
        if approved { "true" } else { "false" },
    )
}

fn timestamp(v: &Value) -> Option<Millis> {
    text(v, "timestamp").and_then(parse_rfc3339)
}

/// The payload of a signed envelope, or the value itself.
fn body(v: &Value) -> &Value {
    match v.get("payload") {
        Some(p) if v.get("envelope_version").is_some() || v.get("signer_did").is_some() => p,
        _ => v,
    }
}

/// A gateway receipt (envelope or payload) → `model:invoke` on its provider.
pub fn gateway_receipt_request(receipt: &Value, agent_did: &str) -> Request {
    let p = body(receipt);
    let provider = text(p, "provider").unwrap_or("");
    let mut r = base("model:invoke".into(), provider.into(), agent_did, timestamp(p), false)
        .with(keys::RECEIPT_PROOF_TIER, "gateway");
    if let Some(provider) = text(p, "provider") {
        r = r.with(keys::MODEL_PROVIDER, provider);
    }
    if let Some(model) = text(p, "model") {
        r = r.with(keys::MODEL_NAME, model);
    }
    r
}

/// A tool receipt (v1/v2, envelope or payload) → `tool:execute` on its tool name.
pub fn tool_receipt_request(receipt: &Value, agent_did: &str) -> Request {
    let p = body(receipt);
    let tool = text(p, "tool_name").unwrap_or("");
    let r = base("tool:execute".into(), tool.into(), agent_did, timestamp(p), false);
    match text(p, "tool_name") {
        Some(t) => r.with(keys::TOOL_NAME, t),
        None => r,
    }
}

/// A side-effect receipt → `side_effect:<effect_class>` on its target.
pub fn side_effect_request(receipt: &Value, agent_did: &str) -> Request {
    let class = text(receipt, "effect_class").unwrap_or("");
    let plain = text(receipt, "target");
    let egress = class == "network_egress";
    let domain = plain.filter(|_| egress).map(target_domain);
    let resource = match (plain, &domain) {
        (_, Some(d)) => d.clone(),
        (Some(t), None) => t.to_string(),
        (None, None) => text(receipt, "target_digest")
            .or_else(|| text(receipt, "target_hash_b64u"))
            .unwrap_or("")
            .to_string(),
    };
    let r = base(
        format!("side_effect:{class}"),
        resource,
        agent_did,
        timestamp(receipt),
        false,
    );
    match domain {
        Some(d) => r.with(keys::SIDE_EFFECT_TARGET_DOMAIN, d),
        None => r,
    }
}

/// The host of a URL (`https://user@API.example.com:443/x` → `api.example.com`), or of a bare
/// `domain[:port][/path]`, in lower case.
pub fn target_domain(target: &str) -> String {
    let rest = target.split_once("://").map_or(target, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    host.to_ascii_lowercase()
}

/// How one kind of receipt becomes a request.
type RequestOf = fn(&Value, &str) -> Request;

/// Every request of a proof bundle payload: its gateway receipts, tool receipts and
/// side-effect receipts, in that order and in array order. `entry` is the sealed-bundle
/// entry the proof bundle is, when it is one; `agent_did` the run's agent.
pub fn proof_bundle_requests(payload: &Value, entry: Option<&str>, agent_did: &str) -> Vec<EvidenceRequest> {
    let mut out = Vec::new();
    let sources: [(&str, &str, RequestOf); 3] = [
        ("receipts", "gateway receipt", gateway_receipt_request),
        ("tool_receipts", "tool receipt", tool_receipt_request),
        ("side_effect_receipts", "side-effect receipt", side_effect_request),
    ];
    for (array, what, request) in sources {
        let items = payload
            .get(array)
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        for (i, item) in items.iter().enumerate() {
            let path = format!("payload.{array}[{i}]");
            out.push(EvidenceRequest {
                item: match entry {
                    Some(e) => format!("{what} {e} {path}"),
                    None => format!("{what} {path}"),
                },
                location: Location::Json {
                    entry: entry.map(str::to_string),
                    path,
                },
                request: request(item, agent_did),
            });
        }
    }
    out
}

/// One event of a rotation run (spec 30), as the rotation judge reads it: the entry point
/// through which its events become requests. Built by the rotation module from its typed
/// timeline; `gate_satisfied` is whether the gate of the event's phase was met when the
/// event happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RotationEvent<'a> {
    /// The timeline entry (`artifacts/rotation/events.ndjson`).
    pub entry: &'a str,
    pub seq: u64,
    pub time: Millis,
    /// The tool the event calls, when it is a tool call.
    pub tool_name: Option<&'a str>,
    /// The secret operation (`read`, `write`, `stage`, …) and the secret id it acts on, when
    /// the event has one.
    pub secret: Option<(&'a str, &'a str)>,
    pub gate_satisfied: bool,
}

/// The requests of one rotation event: `tool:execute` for its tool call, `secret:<op>` on
/// the secret id for its secret operation; `Request:HasHumanApproval` is `"true"` when the
/// phase's gate was satisfied. The rotation judge's own finding at the same event is
/// recorded before these are judged (`judge::judge_requests` runs after it).
pub fn rotation_requests(event: &RotationEvent, agent_did: &str) -> Vec<EvidenceRequest> {
    let location = Location::Event {
        entry: event.entry.to_string(),
        seq: event.seq,
    };
    let mut out = Vec::new();
    let mut push = |what: &str, action: String, resource: &str, extra: Option<(&str, &str)>| {
        let mut request = base(
            action,
            resource.to_string(),
            agent_did,
            Some(event.time),
            event.gate_satisfied,
        );
        if let Some((k, v)) = extra {
            request = request.with(k, v);
        }
        out.push(EvidenceRequest {
            item: format!("{what} of event seq {} ({})", event.seq, event.entry),
            location: location.clone(),
            request,
        });
    };
    if let Some(tool) = event.tool_name {
        push("tool call", "tool:execute".into(), tool, Some((keys::TOOL_NAME, tool)));
    }
    if let Some((op, secret)) = event.secret {
        push("secret operation", format!("secret:{op}"), secret, None);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_str;

    #[test]
    fn hours_are_utc_hours_of_the_item() {
        assert_eq!(utc_hour(parse_rfc3339("2026-03-01T00:59:59Z").unwrap()), "0");
        assert_eq!(utc_hour(parse_rfc3339("2026-03-01T23:00:00Z").unwrap()), "23");
        assert_eq!(utc_hour(parse_rfc3339("2026-03-01T09:30:00+02:00").unwrap()), "7");
        assert_eq!(utc_hour(-1), "23");
    }

    #[test]
    fn gateway_and_tool_receipts() {
        let g = parse_str(
            r#"{"envelope_version":"1","signer_did":"did:key:zG","payload":{"provider":"anthropic","model":"claude-3/opus","timestamp":"2026-03-01T08:15:00Z"}}"#,
        )
        .unwrap();
        let r = gateway_receipt_request(&g, "did:key:zA");
        assert_eq!((r.action.as_str(), r.resource.as_str()), ("model:invoke", "anthropic"));
        assert_eq!(r.get(keys::MODEL_NAME), Some("claude-3/opus"));
        assert_eq!(r.get(keys::RECEIPT_PROOF_TIER), Some("gateway"));
        assert_eq!(r.get(keys::CONTEXT_HOUR), Some("8"));
        assert_eq!(r.get(keys::AGENT_DID), Some("did:key:zA"));
        assert_eq!(r.get(keys::REQUEST_HAS_HUMAN_APPROVAL), Some("false"));
        let t = parse_str(r#"{"tool_name":"bash","timestamp":"not a time"}"#).unwrap();
        let r = tool_receipt_request(&t, "did:key:zA");
        assert_eq!((r.action.as_str(), r.resource.as_str()), ("tool:execute", "bash"));
        assert_eq!(r.get(keys::TOOL_NAME), Some("bash"));
        assert_eq!(r.get(keys::CONTEXT_HOUR), None);
    }

    #[test]
    fn side_effects_name_their_target_or_their_digest() {
        let e = parse_str(r#"{"effect_class":"network_egress","target":"https://bot@API.GitHub.com:443/repos?x=1"}"#)
            .unwrap();
        let r = side_effect_request(&e, "a");
        assert_eq!(r.action, "side_effect:network_egress");
        assert_eq!(r.resource, "api.github.com");
        assert_eq!(r.get(keys::SIDE_EFFECT_TARGET_DOMAIN), Some("api.github.com"));
        let w = parse_str(r#"{"effect_class":"filesystem_write","target":"/etc/passwd"}"#).unwrap();
        let r = side_effect_request(&w, "a");
        assert_eq!(
            (r.action.as_str(), r.resource.as_str()),
            ("side_effect:filesystem_write", "/etc/passwd")
        );
        assert_eq!(r.get(keys::SIDE_EFFECT_TARGET_DOMAIN), None);
        let h = parse_str(r#"{"effect_class":"network_egress","target_digest":"abc"}"#).unwrap();
        let r = side_effect_request(&h, "a");
        assert_eq!(r.resource, "abc");
        assert_eq!(r.get(keys::SIDE_EFFECT_TARGET_DOMAIN), None);
        assert_eq!(target_domain("example.org"), "example.org");
        assert_eq!(target_domain("example.org:8080/path"), "example.org");
    }

    #[test]
    fn rotation_events_give_tool_and_secret_requests() {
        let event = RotationEvent {
            entry: "artifacts/rotation/events.ndjson",
            seq: 7,
            time: parse_rfc3339("2026-03-01T10:00:00Z").unwrap(),
            tool_name: Some("vault"),
            secret: Some(("write", "secret://prod/payments/stripe")),
            gate_satisfied: true,
        };
        let rs = rotation_requests(&event, "did:key:zA");
        assert_eq!(rs.len(), 2);
        assert_eq!(rs[1].request.action, "secret:write");
        assert_eq!(rs[1].request.resource, "secret://prod/payments/stripe");
        assert_eq!(rs[1].request.get(keys::REQUEST_HAS_HUMAN_APPROVAL), Some("true"));
        assert_eq!(
            rs[0].location,
            Location::Event {
                entry: "artifacts/rotation/events.ndjson".into(),
                seq: 7
            }
        );
    }
}
