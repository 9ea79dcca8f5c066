//! SARIF 2.1.0 (spec 40 §2): one run, one rule per reason code that a result carries (its
//! text from the one explanation table), one result per failing check (`error`) and per warn
//! check (`warning`). Passing and skipped checks are not results.
//!
//! The physical location is the subject file, as a URI reference relative to the working
//! directory (the path as given, percent-encoded); where a check looked inside it (a ZIP
//! entry, a JSON path, a timeline event) is a logical location, because
//! `BUNDLE.zip/artifacts/…` is not a file path. `partialFingerprints` are made of the
//! subject path, the check id and the location text (and `|n` for the n-th repeat of those
//! three), so the same finding has the same fingerprint in every run (no time, no random id).

use serde_json::{json, Value};

use crate::reason::ReasonCode;
use crate::report::{Check, CheckStatus, Location, Report, SubjectReport};

/// SARIF's version, and the schema this output is validated against in tests.
pub const SARIF_VERSION: &str = "2.1.0";
const SCHEMA_URI: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The key of our fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "clawauditCheck/v1";

/// The report as one SARIF log (pretty-printed, newline-terminated). `tool_version` is what
/// `clawaudit --version` prints.
pub fn render(report: &Report, tool_version: &str) -> String {
    let findings: Vec<(&SubjectReport, &Check)> = report
        .subjects
        .iter()
        .flat_map(|s| s.checks.iter().map(move |c| (s, c)))
        .filter(|(_, c)| matches!(c.status, CheckStatus::Fail | CheckStatus::Warn))
        .collect();
    let mut codes: Vec<ReasonCode> = Vec::new();
    for (_, c) in &findings {
        if !codes.contains(&c.reason_code) {
            codes.push(c.reason_code);
        }
    }
    // A check id can repeat at one place (one per item it judged): the n-th repeat gets `|n`.
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let results: Vec<Value> = findings
        .iter()
        .map(|(s, c)| {
            let index = codes.iter().position(|code| *code == c.reason_code).unwrap_or(0);
            let base = format!("{}|{}|{}", s.path, c.id, c.artifact().unwrap_or_default());
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            let fingerprint = if *n == 1 { base } else { format!("{base}|{n}") };
            result(s, c, index, fingerprint)
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": "clawaudit",
                "version": tool_version,
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": codes.iter().map(|c| rule(*c)).collect::<Vec<_>>(),
            }},
            "invocations": [{
                "executionSuccessful": true,
                "properties": {"verifiedAt": report.at, "status": report.status.as_str()},
            }],
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    out.push('\n');
    out
}

fn rule(code: ReasonCode) -> Value {
    let e = code.explanation();
    let mut help = format!("{}\n\nLikely causes:\n", e.meaning);
    for cause in e.causes {
        help.push_str(&format!("- {cause}\n"));
    }
    help.push_str("\nWhat to do:\n");
    for (i, step) in e.next_steps.iter().enumerate() {
        help.push_str(&format!("{}. {step}\n", i + 1));
    }
    json!({
        "id": code.as_str(),
        "shortDescription": {"text": e.title},
        "fullDescription": {"text": e.meaning},
        "help": {"text": help},
        "properties": {"explain": format!("clawaudit explain {}", code.as_str())},
    })
}

fn result(s: &SubjectReport, c: &Check, rule_index: usize, fingerprint: String) -> Value {
    let level = if c.status == CheckStatus::Fail {
        "error"
    } else {
        "warning"
    };
    let mut location = json!({
        "physicalLocation": {"artifactLocation": {"uri": uri_reference(&s.path)}},
    });
    if let (Some(text), Some(obj)) = (c.artifact(), location.as_object_mut()) {
        obj.insert(
            "logicalLocations".to_string(),
            json!([{"fullyQualifiedName": text, "kind": logical_kind(&c.location)}]),
        );
    }
    json!({
        "ruleId": c.reason_code.as_str(),
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": c.detail},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": {"checkId": c.id, "subjectKind": s.kind.as_str()},
    })
}

/// SARIF's suggested logical-location kinds: an archive entry is a resource, a JSON path an
/// object member, a timeline event an element.
fn logical_kind(at: &Location) -> &'static str {
    match at {
        Location::Entry(_) => "resource",
        Location::Json { .. } => "member",
        Location::Event { .. } => "element",
        Location::Subject => "resource",
    }
}

/// A path as a URI reference (RFC 3986): every byte but the unreserved characters and `/`
/// percent-encoded, so spaces, `#`, `?`, `:` and non-ASCII survive as data. A path that
/// starts with `/` stays an absolute-path reference.
pub fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded_uri_references() {
        assert_eq!(uri_reference("a/b c.zip"), "a/b%20c.zip");
        assert_eq!(uri_reference("x#1?:.json"), "x%231%3F%3A.json");
        assert_eq!(uri_reference("é"), "%C3%A9");
        assert_eq!(uri_reference("/abs/p"), "/abs/p");
    }
}
