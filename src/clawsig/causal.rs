//! Causal binding rules over gateway-receipt bindings (§3.10, enforce mode), the receipt
//! replay rule, and anchoring of side-effect and approval receipts (§3.5).

use std::collections::{HashMap, HashSet};

use super::side_receipts::{anchor_span, SideKind};
use crate::json::{Object, Value};
use crate::reason::ReasonCode;
use crate::report::Failure;
use crate::timeutil::{parse_rfc3339, Millis};

const CAUSAL_KEYS: [&str; 9] = [
    "span_id",
    "spanId",
    "parent_span_id",
    "parentSpanId",
    "tool_span_id",
    "toolSpanId",
    "phase",
    "attribution_confidence",
    "attributionConfidence",
];

const PHASES: [&str; 7] = [
    "setup",
    "planning",
    "reasoning",
    "execution",
    "observation",
    "reflection",
    "teardown",
];

fn allowed_next(phase: &str) -> &'static [&'static str] {
    match phase {
        "setup" => &["setup", "planning"],
        "planning" => &["planning", "reasoning", "execution"],
        "reasoning" => &["reasoning", "execution", "observation"],
        "execution" => &["execution", "observation", "reflection", "teardown"],
        "observation" => &["observation", "reflection", "teardown"],
        "reflection" => &["reflection", "teardown"],
        "teardown" => &["teardown"],
        _ => &[],
    }
}

/// One normalized causal binding.
#[derive(Clone, Debug, PartialEq)]
pub struct CausalEntry {
    pub receipt: usize,
    pub span_id: Option<String>,
    pub parent_span_id: Option<String>,
    pub tool_span_id: Option<String>,
    pub phase: Option<String>,
    pub confidence: Option<f64>,
    pub timestamp: Option<String>,
    pub issued_at: Option<String>,
}

fn fail(code: ReasonCode, i: usize, why: String) -> Failure {
    Failure::new("causal", code, format!("receipts[{i}] {why}"))
        .at_path(format!("payload.receipts[{i}].payload.binding"))
}

fn id_alias(b: &Object, snake: &str, camel: &str, i: usize) -> Result<Option<String>, Failure> {
    let norm = |k: &str| -> Result<Option<String>, Failure> {
        match b.get(k) {
            None => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
            Some(_) => Err(fail(
                ReasonCode::CausalBindingNormalizationFailed,
                i,
                format!("has a binding.{k} that is not a non-empty string"),
            )),
        }
    };
    let (a, c) = (norm(snake)?, norm(camel)?);
    match (a, c) {
        (Some(a), Some(c)) if a != c => Err(fail(
            ReasonCode::CausalBindingFieldConflict,
            i,
            format!("has binding.{snake} and binding.{camel} with different values"),
        )),
        (a, c) => Ok(a.or(c)),
    }
}

/// Normalization (`CAUSAL_BINDING_FIELD_CONFLICT`, `CAUSAL_BINDING_NORMALIZATION_FAILED`).
pub fn normalize(receipts: &[&Value]) -> Result<Vec<CausalEntry>, Failure> {
    let mut out = Vec::new();
    for (i, r) in receipts.iter().enumerate() {
        let Some(p) = r.get("payload") else { continue };
        let Some(b) = p.get("binding").and_then(Value::as_object) else {
            continue;
        };
        if !CAUSAL_KEYS.iter().any(|k| b.contains_key(k)) {
            continue;
        }
        let span_id = id_alias(b, "span_id", "spanId", i)?;
        let parent_span_id = id_alias(b, "parent_span_id", "parentSpanId", i)?;
        let tool_span_id = id_alias(b, "tool_span_id", "toolSpanId", i)?;
        let conf = |k: &str| -> Result<Option<f64>, Failure> {
            match b.get(k) {
                None => Ok(None),
                Some(Value::Number(n)) if n.is_finite() => Ok(Some(*n)),
                Some(_) => Err(fail(
                    ReasonCode::CausalBindingNormalizationFailed,
                    i,
                    format!("has a binding.{k} that is not a finite number"),
                )),
            }
        };
        let (a, c) = (conf("attribution_confidence")?, conf("attributionConfidence")?);
        if let (Some(a), Some(c)) = (a, c) {
            if a != c {
                return Err(fail(
                    ReasonCode::CausalBindingFieldConflict,
                    i,
                    "has attribution_confidence and attributionConfidence with different values".into(),
                ));
            }
        }
        let phase = match b.get("phase") {
            None => None,
            Some(Value::String(s)) => Some(s.trim().to_string()),
            Some(_) => {
                return Err(fail(
                    ReasonCode::CausalBindingNormalizationFailed,
                    i,
                    "has a binding.phase that is not a string".into(),
                ))
            }
        };
        out.push(CausalEntry {
            receipt: i,
            span_id,
            parent_span_id,
            tool_span_id,
            phase,
            confidence: a.or(c),
            timestamp: p.get("timestamp").and_then(Value::as_str).map(str::to_string),
            issued_at: r.get("issued_at").and_then(Value::as_str).map(str::to_string),
        });
    }
    Ok(out)
}

/// The graph rules of §3.10, in the order the spec lists them.
pub fn check_graph(entries: &[CausalEntry]) -> Result<(), Failure> {
    let times = check_entries(entries)?;
    let spans = declare_spans(entries, &times)?;
    check_references(entries, &spans, &times)?;
    check_phase_transitions(entries, &spans)?;
    check_parent_cycles(entries, &spans)?;
    check_confidence_evidence(entries)?;
    check_connected(entries, &spans)
}

/// Each entry on its own: its times, phase and confidence; the payload times, in order.
fn check_entries(entries: &[CausalEntry]) -> Result<Vec<Millis>, Failure> {
    let mut times: Vec<Millis> = Vec::with_capacity(entries.len());
    for e in entries {
        let ts = e.timestamp.as_deref().and_then(parse_rfc3339);
        let issued = e.issued_at.as_deref().and_then(parse_rfc3339);
        let (Some(ts), Some(issued)) = (ts, issued) else {
            return Err(fail(
                ReasonCode::CausalClockContradiction,
                e.receipt,
                "has a timestamp or issued_at that is not an RFC 3339 date-time".into(),
            ));
        };
        if ts > issued {
            return Err(fail(
                ReasonCode::CausalClockContradiction,
                e.receipt,
                "has a payload timestamp later than its issued_at".into(),
            ));
        }
        if let Some(p) = &e.phase {
            if !PHASES.contains(&p.as_str()) {
                return Err(fail(
                    ReasonCode::CausalPhaseInvalid,
                    e.receipt,
                    format!("has an unknown phase \"{p}\""),
                ));
            }
        }
        if let Some(c) = e.confidence {
            if !(0.0..=1.0).contains(&c) {
                return Err(fail(
                    ReasonCode::CausalConfidenceOutOfRange,
                    e.receipt,
                    format!("has attribution confidence {c}, outside [0, 1]"),
                ));
            }
        }
        times.push(ts);
    }
    Ok(times)
}

/// Span declarations: the first declaration wins, and a reuse must agree with it. Each
/// declared span's entry index.
fn declare_spans<'e>(entries: &'e [CausalEntry], times: &[Millis]) -> Result<HashMap<&'e str, usize>, Failure> {
    let mut spans: HashMap<&str, usize> = HashMap::new();
    for (k, e) in entries.iter().enumerate() {
        let Some(id) = e.span_id.as_deref() else { continue };
        if let Some((first, f)) = spans.get(id).and_then(|&first| Some((first, entries.get(first)?))) {
            if f.parent_span_id != e.parent_span_id
                || f.tool_span_id != e.tool_span_id
                || f.phase != e.phase
                || f.confidence != e.confidence
            {
                return Err(fail(
                    ReasonCode::CausalSpanReuseConflict,
                    e.receipt,
                    format!("reuses span \"{id}\" with a different parent, tool, phase or confidence"),
                ));
            }
            if times.get(first) != times.get(k) {
                return Err(fail(
                    ReasonCode::CausalClockContradiction,
                    e.receipt,
                    format!("reuses span \"{id}\" with a different timestamp"),
                ));
            }
        } else {
            spans.insert(id, k);
        }
    }
    Ok(spans)
}

/// The spans an entry descends from (its parent and tool spans).
fn lineage(e: &CausalEntry) -> impl Iterator<Item = &String> {
    [&e.parent_span_id, &e.tool_span_id].into_iter().flatten()
}

/// Every referenced span is declared (all entries first), then no entry is earlier than a
/// span it descends from.
fn check_references(entries: &[CausalEntry], spans: &HashMap<&str, usize>, times: &[Millis]) -> Result<(), Failure> {
    for e in entries {
        for r in lineage(e) {
            if !spans.contains_key(r.as_str()) {
                return Err(fail(
                    ReasonCode::CausalReferenceDangling,
                    e.receipt,
                    format!("references span \"{r}\", which no receipt declares"),
                ));
            }
        }
    }
    for (k, e) in entries.iter().enumerate() {
        for r in lineage(e) {
            let Some(&pk) = spans.get(r.as_str()) else { continue };
            if let (Some(pt), Some(ct)) = (times.get(pk), times.get(k)) {
                if ct < pt {
                    return Err(fail(
                        ReasonCode::CausalClockContradiction,
                        e.receipt,
                        format!("is earlier than the span \"{r}\" it descends from"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A phase may only follow the phases `allowed_next` lists for its parent's phase.
fn check_phase_transitions(entries: &[CausalEntry], spans: &HashMap<&str, usize>) -> Result<(), Failure> {
    for e in entries {
        let Some(child) = e.phase.as_deref() else { continue };
        for r in lineage(e) {
            let parent_phase = spans
                .get(r.as_str())
                .and_then(|&pk| entries.get(pk))
                .and_then(|p| p.phase.as_deref());
            if let Some(pp) = parent_phase {
                if !allowed_next(pp).contains(&child) {
                    return Err(fail(
                        ReasonCode::CausalPhaseTransitionInvalid,
                        e.receipt,
                        format!("moves from phase {pp} to {child}, which is not allowed"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Parent cycles: follow parent links from each span, at most |spans| steps.
fn check_parent_cycles(entries: &[CausalEntry], spans: &HashMap<&str, usize>) -> Result<(), Failure> {
    for (id, &k) in spans {
        let mut seen: HashSet<&str> = HashSet::new();
        seen.insert(id);
        let mut cur = entries.get(k).and_then(|e| e.parent_span_id.as_deref());
        while let Some(p) = cur {
            if !seen.insert(p) {
                return Err(fail(
                    ReasonCode::CausalCycleDetected,
                    entries.get(k).map_or(0, |e| e.receipt),
                    format!("span \"{id}\" is part of a parent cycle"),
                ));
            }
            cur = spans
                .get(p)
                .and_then(|&pk| entries.get(pk))
                .and_then(|e| e.parent_span_id.as_deref());
        }
    }
    Ok(())
}

/// A confidence no higher than the lineage evidence supports.
fn check_confidence_evidence(entries: &[CausalEntry]) -> Result<(), Failure> {
    for e in entries {
        let ceiling = if e.parent_span_id.is_some() || e.tool_span_id.is_some() {
            1.0
        } else if e.span_id.is_some() {
            0.5
        } else {
            0.0
        };
        if e.confidence.is_some_and(|c| c > ceiling) {
            return Err(fail(
                ReasonCode::CausalConfidenceEvidenceInconsistent,
                e.receipt,
                format!("claims attribution confidence above {ceiling}, the most its lineage evidence supports"),
            ));
        }
    }
    Ok(())
}

fn check_connected(entries: &[CausalEntry], spans: &HashMap<&str, usize>) -> Result<(), Failure> {
    if spans.is_empty() {
        return Ok(());
    }
    let first_receipt = entries.first().map_or(0, |e| e.receipt);
    let roots: Vec<&str> = spans
        .iter()
        .filter(|(_, &k)| {
            entries
                .get(k)
                .is_some_and(|e| e.parent_span_id.is_none() && e.tool_span_id.is_none())
        })
        .map(|(id, _)| *id)
        .collect();
    if roots.is_empty() {
        return Err(fail(
            ReasonCode::CausalGraphDisconnected,
            first_receipt,
            "is part of a causal graph without a root span".into(),
        ));
    }
    // Undirected adjacency over declared spans; the graph must be one component.
    let mut adj: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in entries {
        let Some(id) = e.span_id.as_deref() else { continue };
        for r in [&e.parent_span_id, &e.tool_span_id].into_iter().flatten() {
            adj.entry(id).or_default().push(r.as_str());
            adj.entry(r.as_str()).or_default().push(id);
        }
    }
    let mut seen: HashSet<&str> = HashSet::new();
    let mut stack: Vec<&str> = roots.first().copied().into_iter().collect();
    while let Some(n) = stack.pop() {
        if seen.insert(n) {
            stack.extend(adj.get(n).into_iter().flatten().copied());
        }
    }
    if let Some((id, &k)) = spans.iter().find(|(id, _)| !seen.contains(*id)) {
        return Err(fail(
            ReasonCode::CausalGraphDisconnected,
            entries.get(k).map_or(0, |e| e.receipt),
            format!("declares span \"{id}\", which is not connected to the causal graph's root"),
        ));
    }
    Ok(())
}

/// The reference replay rule: one receipt_id with two different JCS payloads.
pub fn check_receipt_replay(ids_and_jcs: &[(&str, &str)]) -> Result<(), Failure> {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for (i, (id, jcs)) in ids_and_jcs.iter().enumerate() {
        if let Some(prev) = seen.insert(id, jcs) {
            if prev != *jcs {
                return Err(Failure::new(
                    "receipts.replay",
                    ReasonCode::CausalReceiptReplayDetected,
                    format!("receipts[{i}] reuses receipt_id \"{id}\" with a different payload"),
                )
                .at_path(format!("payload.receipts[{i}]")));
            }
        }
    }
    Ok(())
}

/// Every side-effect and approval receipt must hang from a span some gateway receipt declares.
pub fn check_anchoring(payload: &Value, declared: &HashSet<String>) -> Result<(), Failure> {
    for kind in [SideKind::SideEffect, SideKind::HumanApproval] {
        let code = match kind {
            SideKind::SideEffect => ReasonCode::CausalSideEffectOrphaned,
            SideKind::HumanApproval => ReasonCode::CausalHumanApprovalOrphaned,
        };
        let name = kind.array();
        for (i, r) in payload
            .get(name)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if !anchor_span(r).is_some_and(|s| declared.contains(s)) {
                return Err(Failure::new(
                    "causal.anchoring",
                    code,
                    format!("{name}[{i}] is not anchored to a span declared by a gateway receipt"),
                )
                .at_path(format!("payload.{name}[{i}]")));
            }
        }
    }
    Ok(())
}
