//! JSON renderers: one document (`json`) or one subject per line (`jsonl`), in the wire
//! schema `report_version "1"`. The schema is its own set of structs, filled from the report
//! model, so the model can grow without changing a byte of this output.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::report::{Check, Facts, HashSubject, Report, Skipped, SubjectReport, Tally};

/// The version of the JSON schema below.
pub const REPORT_VERSION: &str = "1";

/// `report_version "1"`: the whole run.
#[derive(Serialize)]
struct ReportV1<'a> {
    report_version: &'static str,
    status: &'static str,
    at: &'a str,
    subjects: Vec<SubjectV1<'a>>,
    /// Files of walked directories that were not verified; absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    skipped: Vec<SkippedV1<'a>>,
}

#[derive(Serialize)]
struct SkippedV1<'a> {
    path: &'a str,
    why: &'a str,
}

/// One subject.
#[derive(Serialize)]
struct SubjectV1<'a> {
    path: &'a str,
    kind: &'static str,
    status: &'static str,
    reason_code: &'static str,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    proof_tier: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trust_tier: Option<&'a str>,
    /// Stable keys in sorted order.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    facts: BTreeMap<&'static str, serde_json::Value>,
    checks: Vec<CheckV1<'a>>,
}

/// One check.
#[derive(Serialize)]
struct CheckV1<'a> {
    id: &'a str,
    status: &'static str,
    reason_code: &'static str,
    detail: &'a str,
    /// The location as text: a ZIP entry, a JSON path, or `entry#seq=N`.
    #[serde(skip_serializing_if = "Option::is_none")]
    artifact: Option<std::borrow::Cow<'a, str>>,
}

fn check_v1(c: &Check) -> CheckV1<'_> {
    CheckV1 {
        id: &c.id,
        status: c.status.as_str(),
        reason_code: c.reason_code.as_str(),
        detail: &c.detail,
        artifact: c.artifact(),
    }
}

/// The facts version 1 carries: ids, times and counts, the Merkle root and the WPC hash.
fn facts_v1(f: &Facts) -> BTreeMap<&'static str, serde_json::Value> {
    let mut out = BTreeMap::new();
    let texts = [
        ("bundle_id", &f.bundle_id),
        ("job_id", &f.job_id),
        ("run_id", &f.run_id),
        ("agent_did", &f.agent_did),
        ("sealer_did", &f.sealer_did),
        ("aggregate_id", &f.aggregate_id),
        ("export_id", &f.export_id),
        ("entry_path", &f.entry_path),
        ("message", &f.commit_message),
        ("created_at", &f.created_at),
    ];
    for (key, value) in texts {
        if let Some(v) = value {
            out.insert(key, serde_json::Value::from(v.as_str()));
        }
    }
    let c = &f.counts;
    let counts = [
        ("events", c.events),
        ("gateway_receipts", c.gateway_receipts),
        ("gateway_receipts_verified", c.gateway_receipts_verified),
        ("tool_receipts", c.tool_receipts),
        ("attestations_verified", c.attestations_verified),
        ("member_count", c.members),
        ("tree_size", c.tree_size),
    ];
    for (key, value) in counts {
        if let Some(n) = value {
            out.insert(key, serde_json::Value::from(n));
        }
    }
    for (key, subject) in [
        ("root_b64u", HashSubject::MerkleRoot),
        ("policy_hash_b64u", HashSubject::Policy),
    ] {
        if let Some(h) = f.hash(subject) {
            out.insert(key, serde_json::Value::from(h.value_b64u.as_str()));
        }
    }
    out
}

fn subject_v1(s: &SubjectReport) -> SubjectV1<'_> {
    SubjectV1 {
        path: &s.path,
        kind: s.kind.as_str(),
        status: s.status.as_str(),
        reason_code: s.reason_code.as_str(),
        reason: &s.reason,
        proof_tier: s.proof_tier.as_deref(),
        trust_tier: s.trust_tier.as_deref(),
        facts: facts_v1(&s.facts),
        checks: s.checks.iter().map(check_v1).collect(),
    }
}

/// The whole report as one pretty-printed JSON document.
pub fn render(report: &Report) -> String {
    let doc = ReportV1 {
        report_version: REPORT_VERSION,
        status: report.status.as_str(),
        at: &report.at,
        subjects: report.subjects.iter().map(subject_v1).collect(),
        skipped: skipped_v1(&report.skipped),
    };
    // Serializing plain data structures with string keys cannot fail.
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    out.push('\n');
    out
}

/// JSON Lines: a header line (`report_version`, `at`, the tool and its version), one compact
/// subject object per line, and a summary line (`{"summary":{…}}`, with the skipped files).
/// A streaming run writes the same three parts as it goes: `lines_header`, `subject_line`
/// for each subject, `lines_summary`.
pub fn render_lines(report: &Report) -> String {
    let mut out = lines_header(&report.at);
    for subject in &report.subjects {
        out.push_str(&subject_line(subject));
        out.push('\n');
    }
    out.push_str(&lines_summary(&Tally::of(&report.subjects), &report.skipped));
    out
}

/// The first line of `jsonl` output.
pub fn lines_header(at: &str) -> String {
    line(&HeaderV1 {
        report_version: REPORT_VERSION,
        at,
        tool: "clawaudit",
        tool_version: env!("CARGO_PKG_VERSION"),
    })
}

/// The last line of `jsonl` output.
pub fn lines_summary(tally: &Tally, skipped: &[Skipped]) -> String {
    line(&SummaryLineV1 {
        summary: SummaryV1 {
            status: tally.status().as_str(),
            subjects: tally.subjects,
            passed: tally.passed,
            failed: tally.failed(),
            skipped: skipped_v1(skipped),
        },
    })
}

/// The first line of `jsonl` output.
#[derive(Serialize)]
struct HeaderV1<'a> {
    report_version: &'static str,
    at: &'a str,
    tool: &'static str,
    tool_version: &'static str,
}

/// The last line of `jsonl` output.
#[derive(Serialize)]
struct SummaryLineV1<'a> {
    summary: SummaryV1<'a>,
}

#[derive(Serialize)]
struct SummaryV1<'a> {
    status: &'static str,
    subjects: usize,
    passed: usize,
    failed: usize,
    skipped: Vec<SkippedV1<'a>>,
}

/// What `json` and `jsonl` output carry when nothing was judged (exit 2): the error, so
/// that a pipeline never parses an empty document.
pub fn render_error(message: &str) -> String {
    #[derive(Serialize)]
    struct ErrorV1<'a> {
        report_version: &'static str,
        status: &'static str,
        error: &'a str,
    }
    line(&ErrorV1 {
        report_version: REPORT_VERSION,
        status: "ERROR",
        error: message,
    })
}

fn line(value: &impl Serialize) -> String {
    let mut out = serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    out.push('\n');
    out
}

fn skipped_v1(skipped: &[Skipped]) -> Vec<SkippedV1<'_>> {
    skipped
        .iter()
        .map(|s| SkippedV1 {
            path: &s.path,
            why: &s.why,
        })
        .collect()
}

/// One subject as a compact JSON object.
pub fn subject_line(subject: &SubjectReport) -> String {
    serde_json::to_string(&subject_v1(subject)).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// One subject as a pretty-printed JSON object (the audit site shows it).
pub fn subject_pretty(subject: &SubjectReport) -> String {
    serde_json::to_string_pretty(&subject_v1(subject)).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
