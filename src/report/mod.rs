//! The report model: what a verification found, independent of how it is rendered.
//!
//! A `SubjectReport` is one verified file; `Report` is one run over many. Renderers
//! (`text`, `json`) only format this model; they never decide anything.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::reason::ReasonCode;

/// Verdict for a subject or a whole run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Status {
    #[serde(rename = "PASS")]
    Pass,
    #[serde(rename = "FAIL")]
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
        }
    }
}

/// Outcome of one individual check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Fail,
    Skip,
    Warn,
}

/// One check: a stable id (`envelope.signature`), its status, its code and a plain detail.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Check {
    pub id: String,
    pub status: CheckStatus,
    pub reason_code: ReasonCode,
    pub detail: String,
    /// The artifact the check concerns (a ZIP entry path, a JSON pointer-like path), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact: Option<String>,
}

/// The kinds of subject clawaudit verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    ProofBundle,
    CommitSig,
    ExportBundle,
    AggregateBundle,
    LogInclusionProof,
    AuditBundle,
    InclusionProof,
    /// Content whose kind could not be recognised.
    Unknown,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ProofBundle => "proof-bundle",
            Kind::CommitSig => "commit-sig",
            Kind::ExportBundle => "export-bundle",
            Kind::AggregateBundle => "aggregate-bundle",
            Kind::LogInclusionProof => "log-inclusion-proof",
            Kind::AuditBundle => "audit-bundle",
            Kind::InclusionProof => "inclusion-proof",
            Kind::Unknown => "unknown",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        [
            Kind::ProofBundle,
            Kind::CommitSig,
            Kind::ExportBundle,
            Kind::AggregateBundle,
            Kind::LogInclusionProof,
            Kind::AuditBundle,
            Kind::InclusionProof,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

/// Collects checks in order; the first failing check decides the verdict.
#[derive(Clone, Debug, Default)]
pub struct Findings {
    pub checks: Vec<Check>,
}

impl Findings {
    pub fn new() -> Self {
        Findings::default()
    }

    fn push(&mut self, id: &str, status: CheckStatus, code: ReasonCode, detail: String, artifact: Option<String>) {
        self.checks.push(Check {
            id: id.to_string(),
            status,
            reason_code: code,
            detail,
            artifact,
        });
    }

    pub fn pass(&mut self, id: &str, detail: impl Into<String>) {
        self.push(id, CheckStatus::Pass, ReasonCode::Ok, detail.into(), None);
    }

    pub fn pass_at(&mut self, id: &str, artifact: &str, detail: impl Into<String>) {
        self.push(
            id,
            CheckStatus::Pass,
            ReasonCode::Ok,
            detail.into(),
            Some(artifact.to_string()),
        );
    }

    pub fn fail(&mut self, id: &str, code: ReasonCode, detail: impl Into<String>) {
        self.push(id, CheckStatus::Fail, code, detail.into(), None);
    }

    pub fn fail_at(&mut self, id: &str, code: ReasonCode, artifact: &str, detail: impl Into<String>) {
        self.push(id, CheckStatus::Fail, code, detail.into(), Some(artifact.to_string()));
    }

    pub fn warn(&mut self, id: &str, code: ReasonCode, detail: impl Into<String>) {
        self.push(id, CheckStatus::Warn, code, detail.into(), None);
    }

    pub fn skip(&mut self, id: &str, detail: impl Into<String>) {
        self.push(id, CheckStatus::Skip, ReasonCode::Ok, detail.into(), None);
    }

    /// Record a `Failure` as a failing check.
    pub fn record(&mut self, failure: &Failure) {
        self.push(
            failure.check,
            CheckStatus::Fail,
            failure.code,
            failure.detail.clone(),
            failure.artifact.clone(),
        );
    }

    pub fn first_failure(&self) -> Option<&Check> {
        self.checks.iter().find(|c| c.status == CheckStatus::Fail)
    }

    pub fn extend(&mut self, other: Findings) {
        self.checks.extend(other.checks);
    }
}

/// A failed check carried through `Result` by checks that stop at the first failure
/// (the Clawsig reference order).
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub check: &'static str,
    pub code: ReasonCode,
    pub detail: String,
    pub artifact: Option<String>,
}

impl Failure {
    pub fn new(check: &'static str, code: ReasonCode, detail: impl Into<String>) -> Failure {
        Failure {
            check,
            code,
            detail: detail.into(),
            artifact: None,
        }
    }

    pub fn at(mut self, artifact: impl Into<String>) -> Failure {
        self.artifact = Some(artifact.into());
        self
    }
}

/// The result for one subject (one file, or one archive).
#[derive(Clone, Debug, Serialize)]
pub struct SubjectReport {
    pub path: String,
    pub kind: Kind,
    pub status: Status,
    pub reason_code: ReasonCode,
    /// One plain sentence.
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof_tier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_tier: Option<String>,
    /// Facts worth showing (ids, counts, hashes), stable keys in sorted order.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub facts: BTreeMap<String, serde_json::Value>,
    pub checks: Vec<Check>,
}

impl SubjectReport {
    /// Build a subject report from findings: FAIL with the first failing check's code and
    /// detail, else PASS with `OK`.
    pub fn from_findings(path: &str, kind: Kind, findings: Findings) -> SubjectReport {
        let (status, reason_code, reason) = match findings.first_failure() {
            Some(check) => {
                let artifact = check.artifact.as_deref().map(|a| format!(" [{a}]")).unwrap_or_default();
                (
                    Status::Fail,
                    check.reason_code,
                    format!("{}{}", sentence(&check.detail), artifact),
                )
            }
            None => {
                let n = findings.checks.iter().filter(|c| c.status == CheckStatus::Pass).count();
                (
                    Status::Pass,
                    ReasonCode::Ok,
                    format!(
                        "The {} verified: {n} check{} passed.",
                        kind_noun(kind),
                        if n == 1 { "" } else { "s" }
                    ),
                )
            }
        };
        SubjectReport {
            path: path.to_string(),
            kind,
            status,
            reason_code,
            reason,
            proof_tier: None,
            trust_tier: None,
            facts: BTreeMap::new(),
            checks: findings.checks,
        }
    }

    /// The first failing check, if any.
    pub fn failing_check(&self) -> Option<&Check> {
        self.checks.iter().find(|c| c.status == CheckStatus::Fail)
    }

    pub fn fact(&mut self, key: &str, value: impl Into<serde_json::Value>) {
        self.facts.insert(key.to_string(), value.into());
    }
}

fn kind_noun(kind: Kind) -> &'static str {
    match kind {
        Kind::ProofBundle => "proof bundle",
        Kind::CommitSig => "commit signature",
        Kind::ExportBundle => "export bundle",
        Kind::AggregateBundle => "aggregate bundle",
        Kind::LogInclusionProof => "log inclusion proof",
        Kind::AuditBundle => "audit bundle",
        Kind::InclusionProof => "inclusion proof",
        Kind::Unknown => "file",
    }
}

/// Make a detail read as one sentence: a leading plain word capitalised (never an identifier
/// or a path), ending with a full stop.
fn sentence(detail: &str) -> String {
    let mut s = detail.trim().to_string();
    let first_word = s.split(' ').next().unwrap_or("");
    let plain_word = !first_word.is_empty() && first_word.chars().all(|c| c.is_ascii_lowercase());
    if plain_word {
        if let Some(first) = s.chars().next() {
            let upper: String = first.to_uppercase().collect();
            s.replace_range(..first.len_utf8(), &upper);
        }
    }
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

/// A whole run.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub report_version: &'static str,
    pub status: Status,
    /// Verification time, RFC 3339.
    pub at: String,
    pub subjects: Vec<SubjectReport>,
}

impl Report {
    pub fn new(at: String, subjects: Vec<SubjectReport>) -> Report {
        let status = if subjects.iter().all(|s| s.status == Status::Pass) {
            Status::Pass
        } else {
            Status::Fail
        };
        Report {
            report_version: "1",
            status,
            at,
            subjects,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_capitalise_plain_words_only() {
        assert_eq!(sentence("the bundle expired"), "The bundle expired.");
        assert_eq!(
            sentence("event_chain[1] does not link"),
            "event_chain[1] does not link."
        );
        assert_eq!(sentence("testvectors/x.json is bad."), "testvectors/x.json is bad.");
    }

    #[test]
    fn a_fail_reason_names_the_first_failing_check_and_its_artifact() {
        let mut f = Findings::new();
        f.pass("a", "fine");
        f.fail_at("b", ReasonCode::HashMismatch, "artifacts/x.json", "the hash differs");
        f.fail("c", ReasonCode::SignatureInvalid, "later");
        let r = SubjectReport::from_findings("p", Kind::AuditBundle, f);
        assert_eq!(r.status, Status::Fail);
        assert_eq!(r.reason_code, ReasonCode::HashMismatch);
        assert_eq!(r.reason, "The hash differs. [artifacts/x.json]");
        let ok = SubjectReport::from_findings("p", Kind::ProofBundle, {
            let mut f = Findings::new();
            f.pass("a", "fine");
            f
        });
        assert_eq!(ok.reason, "The proof bundle verified: 1 check passed.");
    }
}
