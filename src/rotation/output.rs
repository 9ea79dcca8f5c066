//! The files `simulate rotation` writes (spec 30 §5, §6), built from the judge's typed
//! records: a line of `steps.ndjson` per step, `summary.json`, the go/no-go gate report (JSON
//! and Markdown) and `matrix.json`. Keys are in the order the spec lists them.

use serde_json::{json, Map, Value};

use super::model::{ConsumerSnapshot, Judgement, Outcome, StepRecord, Violation};
pub use super::whatif::MatrixRow;
use crate::reason::ReasonCode;

/// The note every what-if output carries.
pub const SIMULATED_NOTE: &str = "injected facts are simulated, not signed: this run did not happen as described";

fn violation_json(v: &Violation) -> Value {
    json!({"seq": v.seq, "code": v.code.as_str(), "detail": v.detail})
}

fn consumers_json(consumers: &[ConsumerSnapshot]) -> Value {
    let mut m = Map::new();
    for c in consumers {
        m.insert(c.consumer.clone(), json!({"version": c.version, "healthy": c.healthy}));
    }
    Value::Object(m)
}

/// One line of `steps.ndjson` (no newline).
pub fn step_line(s: &StepRecord) -> String {
    let mut secrets = Map::new();
    for x in &s.state.secrets {
        secrets.insert(
            x.secret.clone(),
            json!({"active_versions": x.active_versions, "revoked": x.revoked}),
        );
    }
    let findings: Vec<Value> = s
        .findings
        .iter()
        .map(|f| json!({"code": f.code.as_str(), "detail": f.detail}))
        .collect();
    json!({
        "seq": s.seq, "recorded_seq": s.recorded_seq, "at": s.at, "type": s.event_type, "phase": s.phase,
        "ok": s.ok(), "findings": findings,
        "state": {"secrets": secrets, "consumers": consumers_json(&s.state.consumers)},
        "rollback": {"action": s.rollback.action, "evidence": s.rollback.evidence}
    })
    .to_string()
}

/// `summary.json`; `faults` are the injected faults (`--inject` texts), if any.
pub fn summary(j: &Judgement, faults: &[String]) -> Value {
    let mut by_code = Map::new();
    for (code, n) in &j.violations_by_code {
        by_code.insert(code.as_str().to_string(), json!(n));
    }
    let phases: Vec<Value> = j
        .phases
        .iter()
        .map(|p| {
            let gate = p.gate.as_ref().map(|g| {
                let not_counted: Vec<Value> = g.not_counted.iter().map(|(id, why)| json!({"id": id, "why": why})).collect();
                json!({"gate_id": g.gate_id, "satisfied": g.satisfied, "counted": g.counted, "not_counted": not_counted})
            });
            json!({"name": p.name, "start_seq": p.start_seq, "end_seq": p.end_seq, "token": p.token, "gate": gate})
        })
        .collect();
    let secrets: Vec<Value> = j
        .secrets
        .iter()
        .map(|s| {
            json!({"secret": s.secret, "old_version": s.old_version, "new_version": s.new_version,
                        "revoked": s.revoked, "sessions_invalidated": s.sessions_invalidated})
        })
        .collect();
    let mut out = json!({
        "summary_version": "1", "job_id": j.job_id, "policy_hash_b64u": j.policy_hash_b64u,
        "outcome": j.outcome.as_str(), "first_violation": j.first_violation().map(violation_json),
        "violations": j.violations.iter().map(violation_json).collect::<Vec<_>>(),
        "violations_by_code": by_code, "phases": phases, "secrets": secrets,
        "consumers": consumers_json(&j.consumers), "events": j.events
    });
    if let (false, Some(o)) = (faults.is_empty(), out.as_object_mut()) {
        o.insert("injected".into(), json!({"faults": faults, "note": SIMULATED_NOTE}));
    }
    out
}

/// One line of a gate report: a check, whether it is required, and whether it holds.
struct GateCheck {
    name: &'static str,
    required: bool,
    holds: bool,
}

fn any_code(j: &Judgement, codes: &[ReasonCode]) -> bool {
    j.violations_by_code.iter().any(|(c, _)| codes.contains(c))
}

fn gate_checks(j: &Judgement) -> Vec<GateCheck> {
    use ReasonCode as R;
    let token_codes = [
        R::TokenMalformed,
        R::TokenUnknownKid,
        R::SignatureInvalid,
        R::SchemaValidationFailed,
        R::TtlTooLong,
        R::PolicyPinMissing,
        R::PolicyHashMismatch,
        R::TokenJobMismatch,
        R::RotationTokenReused,
        R::RotationOutsideTokenWindow,
        R::RotationTokenScopeMissing,
    ];
    let gates_ok = j.phases.iter().all(|p| p.gate.as_ref().map_or(true, |g| g.satisfied))
        && !any_code(j, &[R::RotationGateNotSatisfied, R::ApprovalDenied]);
    vec![
        GateCheck {
            name: "no violation",
            required: true,
            holds: j.violations_total == 0,
        },
        GateCheck {
            name: "every gate satisfied",
            required: true,
            holds: gates_ok,
        },
        GateCheck {
            name: "canary first",
            required: true,
            holds: !any_code(j, &[R::RotationCanarySkipped]),
        },
        GateCheck {
            name: "overlap honoured",
            required: true,
            holds: !any_code(
                j,
                &[
                    R::RotationNoOverlap,
                    R::RotationOverlapTooShort,
                    R::RotationRevokeBeforeRollout,
                ],
            ),
        },
        GateCheck {
            name: "every token valid",
            required: true,
            holds: j.phases.iter().all(|p| p.token_valid) && !any_code(j, &token_codes),
        },
        GateCheck {
            name: "every receipt referenced",
            required: false,
            holds: j.warnings.is_empty(),
        },
        GateCheck {
            name: "sessions invalidated",
            required: false,
            holds: j.secrets.iter().all(|s| !s.revoked || s.sessions_invalidated),
        },
    ]
}

/// The note every gate report carries.
pub const HUMAN_GO_NOTE: &str = "passing this report does not replace a human GO: the change board decides";

/// `GO` only for `complete` with no warnings.
pub fn recommendation(j: &Judgement) -> &'static str {
    if j.outcome == Outcome::Complete && j.warnings.is_empty() {
        "GO"
    } else {
        "NO-GO"
    }
}

/// `gate-report.json`.
pub fn gate_report(j: &Judgement, faults: &[String]) -> Value {
    let checks = gate_checks(j);
    let list = |required: bool| -> Vec<Value> {
        checks
            .iter()
            .filter(|c| c.required == required)
            .map(|c| json!({"check": c.name, "status": if c.holds { "pass" } else { "fail" }}))
            .collect()
    };
    let mut out = json!({
        "gate_report_version": "1", "job_id": j.job_id, "outcome": j.outcome.as_str(),
        "recommendation": recommendation(j), "required": list(true), "optional": list(false),
        "first_violation": j.first_violation().map(violation_json), "note": HUMAN_GO_NOTE
    });
    if let (false, Some(o)) = (faults.is_empty(), out.as_object_mut()) {
        o.insert("injected".into(), json!({"faults": faults, "note": SIMULATED_NOTE}));
    }
    out
}

/// `gate-report.md`.
pub fn gate_report_md(j: &Judgement, faults: &[String]) -> String {
    let mut md = format!(
        "# Rotation gate report: {}\n\n**Recommendation: {}** (outcome `{}`)\n\n",
        j.job_id.as_deref().unwrap_or("unknown job"),
        recommendation(j),
        j.outcome.as_str()
    );
    if !faults.is_empty() {
        md.push_str(&format!("> What-if run ({}): {SIMULATED_NOTE}.\n\n", faults.join(", ")));
    }
    md.push_str("| check | kind | status |\n|---|---|---|\n");
    for c in gate_checks(j) {
        md.push_str(&format!(
            "| {} | {} | {} |\n",
            c.name,
            if c.required { "required" } else { "optional" },
            if c.holds { "pass" } else { "FAIL" }
        ));
    }
    if let Some(v) = j.first_violation() {
        let seq = v.seq.map_or("-".to_string(), |s| s.to_string());
        md.push_str(&format!(
            "\nFirst violation: seq {seq}, `{}`: {}\n",
            v.code.as_str(),
            v.detail.replace('|', "\\|")
        ));
    }
    md.push_str(&format!("\nNote: {HUMAN_GO_NOTE}.\n"));
    md
}

/// `matrix.json`.
pub fn matrix(rows: &[MatrixRow]) -> Value {
    let faults: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({"fault": r.fault, "outcome": r.outcome.as_str(),
                        "first_violation_code": r.first_violation_code.map(|c| c.as_str()), "caught": r.caught()})
        })
        .collect();
    let mut by_fault = Map::new();
    for name in super::whatif::FAULT_NAMES {
        let of: Vec<&MatrixRow> = rows.iter().filter(|r| r.name == name).collect();
        if !of.is_empty() {
            by_fault.insert(
                name.to_string(),
                json!({"caught": of.iter().filter(|r| r.caught()).count(), "total": of.len()}),
            );
        }
    }
    json!({"faults": faults, "caught": rows.iter().filter(|r| r.caught()).count(), "total": rows.len(), "by_fault": by_fault})
}
