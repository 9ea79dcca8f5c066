//! The report model: what a verification found, independent of how it is rendered.
//!
//! A `SubjectReport` is one verified file; `Report` is one run over many. Renderers
//! (`crate::render`) only format this model; they never decide anything. The model is free
//! to grow: the JSON wire format is a separate, versioned struct (`render::json`), so adding
//! a typed fact here never changes `report_version "1"` output.

pub mod facts;

pub use facts::{ApprovalFact, Binding, Counts, Facts, GateFact, HashFact, HashRecipe, HashSubject, RotationFact};

use crate::reason::ReasonCode;

/// Verdict for a subject or a whole run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Pass,
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckStatus {
    Pass,
    Fail,
    Skip,
    Warn,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Fail => "fail",
            CheckStatus::Skip => "skip",
            CheckStatus::Warn => "warn",
        }
    }
}

/// Where a check looked.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Location {
    /// The subject as a whole.
    #[default]
    Subject,
    /// An entry of a sealed bundle (ZIP), by its path: `artifacts/policy/wpc.json`.
    Entry(String),
    /// A place inside a JSON document, as a path: `payload.receipts[3]`. `entry` names the
    /// sealed-bundle entry the document is, when it is one (a nested proof bundle).
    Json { entry: Option<String>, path: String },
    /// An event of a rotation timeline, by its `seq`, in the timeline entry `entry`.
    Event { entry: String, seq: u64 },
}

impl Location {
    pub fn entry(path: impl Into<String>) -> Location {
        Location::Entry(path.into())
    }

    pub fn json(path: impl Into<String>) -> Location {
        Location::Json {
            entry: None,
            path: path.into(),
        }
    }

    /// The sealed-bundle entry this location is in, if any.
    pub fn entry_path(&self) -> Option<&str> {
        match self {
            Location::Entry(e) | Location::Event { entry: e, .. } => Some(e),
            Location::Json { entry, .. } => entry.as_deref(),
            Location::Subject => None,
        }
    }

    /// The location as one short text (`None` for the subject as a whole): the entry path,
    /// the JSON path, or `entry#seq=N` for an event. Report version 1 calls it `artifact`.
    pub fn text(&self) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        match self {
            Location::Subject => None,
            Location::Entry(e) => Some(Cow::Borrowed(e)),
            Location::Json { path, .. } => Some(Cow::Borrowed(path)),
            Location::Event { entry, seq } => Some(Cow::Owned(format!("{entry}#seq={seq}"))),
        }
    }

    pub fn is_subject(&self) -> bool {
        *self == Location::Subject
    }
}

/// One check: a stable id (`envelope.signature`), its status, its code, a plain detail and
/// where it looked.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub id: String,
    pub status: CheckStatus,
    pub reason_code: ReasonCode,
    pub detail: String,
    pub location: Location,
}

impl Check {
    /// The location as text, as report version 1 shows it.
    pub fn artifact(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.location.text()
    }
}

/// The kinds of subject clawaudit verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    ProofBundle,
    CommitSig,
    ExportBundle,
    AggregateBundle,
    LogInclusionProof,
    AuditBundle,
    InclusionProof,
    /// A signed gateway receipt (`envelope_type "gateway_receipt"`) on its own.
    GatewayReceipt,
    /// A human approval (`envelope_type "human_approval_receipt"`) on its own.
    Approval,
    /// A signed Work Policy Contract (`envelope_type "work_policy_contract"`) on its own.
    Policy,
    /// A scoped token: a compact JWS file.
    Token,
    /// A plan a gate approves (`plan_version`): format and hash only.
    Plan,
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
            Kind::GatewayReceipt => "gateway-receipt",
            Kind::Approval => "approval",
            Kind::Policy => "policy",
            Kind::Token => "token",
            Kind::Plan => "plan",
            Kind::Unknown => "unknown",
        }
    }

    /// Every kind a subject can be verified as (all but `Unknown`).
    pub const ALL: [Kind; 12] = [
        Kind::ProofBundle,
        Kind::CommitSig,
        Kind::ExportBundle,
        Kind::AggregateBundle,
        Kind::LogInclusionProof,
        Kind::AuditBundle,
        Kind::InclusionProof,
        Kind::GatewayReceipt,
        Kind::Approval,
        Kind::Policy,
        Kind::Token,
        Kind::Plan,
    ];

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Collects checks in order; the first failing check decides the verdict. Every check
/// function writes here, or returns a `Failure` where the reference order stops at the
/// first failure (`Findings::record` takes it).
#[derive(Clone, Debug, Default)]
pub struct Findings {
    pub checks: Vec<Check>,
}

impl Findings {
    pub fn new() -> Self {
        Findings::default()
    }

    /// Add a check.
    pub fn push(&mut self, id: &str, status: CheckStatus, code: ReasonCode, location: Location, detail: String) {
        self.checks.push(Check {
            id: id.to_string(),
            status,
            reason_code: code,
            detail,
            location,
        });
    }

    pub fn pass(&mut self, id: &str, detail: impl Into<String>) {
        self.push(id, CheckStatus::Pass, ReasonCode::Ok, Location::Subject, detail.into());
    }

    /// A passing check at `at`.
    pub fn pass_at(&mut self, id: &str, at: &Location, detail: impl Into<String>) {
        self.push(id, CheckStatus::Pass, ReasonCode::Ok, at.clone(), detail.into());
    }

    /// A failing check at `at`.
    pub fn fail_at(&mut self, id: &str, code: ReasonCode, at: &Location, detail: impl Into<String>) {
        self.push(id, CheckStatus::Fail, code, at.clone(), detail.into());
    }

    /// A passing check about one sealed-bundle entry.
    pub fn pass_in_entry(&mut self, id: &str, entry: &str, detail: impl Into<String>) {
        self.push(
            id,
            CheckStatus::Pass,
            ReasonCode::Ok,
            Location::entry(entry),
            detail.into(),
        );
    }

    /// A passing check about one place in a JSON document.
    pub fn pass_at_path(&mut self, id: &str, path: &str, detail: impl Into<String>) {
        self.push(
            id,
            CheckStatus::Pass,
            ReasonCode::Ok,
            Location::json(path),
            detail.into(),
        );
    }

    pub fn fail(&mut self, id: &str, code: ReasonCode, detail: impl Into<String>) {
        self.push(id, CheckStatus::Fail, code, Location::Subject, detail.into());
    }

    /// A failing check about one sealed-bundle entry.
    pub fn fail_in_entry(&mut self, id: &str, code: ReasonCode, entry: &str, detail: impl Into<String>) {
        self.push(id, CheckStatus::Fail, code, Location::entry(entry), detail.into());
    }

    /// A failing check about one place in a JSON document.
    pub fn fail_at_path(&mut self, id: &str, code: ReasonCode, path: &str, detail: impl Into<String>) {
        self.push(id, CheckStatus::Fail, code, Location::json(path), detail.into());
    }

    pub fn warn(&mut self, id: &str, code: ReasonCode, detail: impl Into<String>) {
        self.push(id, CheckStatus::Warn, code, Location::Subject, detail.into());
    }

    pub fn skip(&mut self, id: &str, detail: impl Into<String>) {
        self.push(id, CheckStatus::Skip, ReasonCode::Ok, Location::Subject, detail.into());
    }

    /// Record a `Failure` as a failing check.
    pub fn record(&mut self, failure: &Failure) {
        self.push(
            failure.check,
            CheckStatus::Fail,
            failure.code,
            failure.location.clone(),
            failure.detail.clone(),
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
    pub location: Location,
}

impl Failure {
    pub fn new(check: &'static str, code: ReasonCode, detail: impl Into<String>) -> Failure {
        Failure {
            check,
            code,
            detail: detail.into(),
            location: Location::Subject,
        }
    }

    /// The failure concerns `at`.
    pub fn located(mut self, at: Location) -> Failure {
        self.location = at;
        self
    }

    /// The failure concerns one place in a JSON document.
    pub fn at_path(mut self, path: impl Into<String>) -> Failure {
        self.location = Location::json(path);
        self
    }

    /// The failure concerns one sealed-bundle entry.
    pub fn in_entry(mut self, entry: impl Into<String>) -> Failure {
        self.location = Location::entry(entry);
        self
    }

    /// The JSON path of the failure's location, if it has one.
    pub fn json_path(&self) -> Option<&str> {
        match &self.location {
            Location::Json { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// The result for one subject (one file, or one archive).
#[derive(Clone, Debug)]
pub struct SubjectReport {
    pub path: String,
    pub kind: Kind,
    pub status: Status,
    pub reason_code: ReasonCode,
    /// One plain sentence.
    pub reason: String,
    pub proof_tier: Option<String>,
    pub trust_tier: Option<String>,
    /// Typed facts worth showing (ids, counts, hashes with recipes, bindings, approvals).
    pub facts: Facts,
    pub checks: Vec<Check>,
}

impl SubjectReport {
    /// Build a subject report from findings: FAIL with the first failing check's code and
    /// detail, else PASS with `OK`.
    pub fn from_findings(path: &str, kind: Kind, findings: Findings) -> SubjectReport {
        let (status, reason_code, reason) = verdict(kind, &findings.checks);
        SubjectReport {
            path: path.to_string(),
            kind,
            status,
            reason_code,
            reason,
            proof_tier: None,
            trust_tier: None,
            facts: Facts::default(),
            checks: findings.checks,
        }
    }

    /// The first failing check, if any.
    pub fn failing_check(&self) -> Option<&Check> {
        self.checks.iter().find(|c| c.status == CheckStatus::Fail)
    }

    /// `--strict`: every warn check fails (with its own code), and the verdict is derived
    /// again from the checks.
    pub fn strict(&mut self) {
        let mut changed = false;
        for check in self.checks.iter_mut().filter(|c| c.status == CheckStatus::Warn) {
            check.status = CheckStatus::Fail;
            check.detail = format!("--strict: {}", check.detail);
            changed = true;
        }
        if changed {
            self.derive_verdict();
        }
    }

    /// Derive status, code and sentence again from the checks (after checks were added or
    /// changed).
    pub fn derive_verdict(&mut self) {
        (self.status, self.reason_code, self.reason) = verdict(self.kind, &self.checks);
    }
}

/// Status, code and sentence from checks: FAIL with the first failing check's code and
/// detail (and where it looked), else PASS with `OK` and the number of checks passed.
fn verdict(kind: Kind, checks: &[Check]) -> (Status, ReasonCode, String) {
    {
        match checks.iter().find(|c| c.status == CheckStatus::Fail) {
            Some(check) => {
                let artifact = check.artifact().map(|a| format!(" [{a}]")).unwrap_or_default();
                (
                    Status::Fail,
                    check.reason_code,
                    format!("{}{}", sentence(&check.detail), artifact),
                )
            }
            None => {
                let n = checks.iter().filter(|c| c.status == CheckStatus::Pass).count();
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
        }
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
        Kind::GatewayReceipt => "gateway receipt",
        Kind::Approval => "approval",
        Kind::Policy => "policy",
        Kind::Token => "token",
        Kind::Plan => "plan",
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

/// A file below a directory argument that was not verified, and why (for example "not a
/// subject (a trust file)").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub why: String,
}

/// A whole run.
#[derive(Clone, Debug)]
pub struct Report {
    pub status: Status,
    /// Verification time, RFC 3339.
    pub at: String,
    pub subjects: Vec<SubjectReport>,
    /// Files of the walked directories that were listed but not verified.
    pub skipped: Vec<Skipped>,
}

impl Report {
    pub fn new(at: String, subjects: Vec<SubjectReport>) -> Report {
        Report::with_skipped(at, subjects, Vec::new())
    }

    /// `--strict`: nothing unverified passes. Every warn check of every subject fails, and
    /// every skipped file becomes a FAIL subject (`FILE_NOT_VERIFIED`).
    pub fn strict(mut self) -> Report {
        for s in &mut self.subjects {
            s.strict();
        }
        for skipped in std::mem::take(&mut self.skipped) {
            let mut f = Findings::new();
            f.fail(
                "input.skipped",
                ReasonCode::FileNotVerified,
                format!("--strict: {} was not verified: {}", skipped.path, skipped.why),
            );
            self.subjects
                .push(SubjectReport::from_findings(&skipped.path, Kind::Unknown, f));
        }
        Report::with_skipped(self.at, self.subjects, Vec::new())
    }

    /// A run that also lists the files it skipped. Skipped files do not change the verdict
    /// (`--strict` turns them into FAIL subjects before this).
    pub fn with_skipped(at: String, subjects: Vec<SubjectReport>, skipped: Vec<Skipped>) -> Report {
        let status = if subjects.iter().all(|s| s.status == Status::Pass) {
            Status::Pass
        } else {
            Status::Fail
        };
        Report {
            status,
            at,
            subjects,
            skipped,
        }
    }
}

/// What a run's summary needs of its subjects, counted as they finish: the totals and the
/// first failing paths. A streaming run keeps this instead of every report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub subjects: usize,
    pub passed: usize,
    /// The paths of the first `Tally::NAMED_FAILURES` failing subjects, in output order.
    pub failed_names: Vec<String>,
}

impl Tally {
    /// How many failing subjects a summary names at most.
    pub const NAMED_FAILURES: usize = 20;

    pub fn add(&mut self, subject: &SubjectReport) {
        self.subjects += 1;
        if subject.status == Status::Pass {
            self.passed += 1;
        } else if self.failed_names.len() < Tally::NAMED_FAILURES {
            self.failed_names.push(subject.path.clone());
        }
    }

    pub fn failed(&self) -> usize {
        self.subjects - self.passed
    }

    /// PASS when every subject passed (as `Report::with_skipped` decides).
    pub fn status(&self) -> Status {
        if self.passed == self.subjects {
            Status::Pass
        } else {
            Status::Fail
        }
    }

    pub fn of(subjects: &[SubjectReport]) -> Tally {
        let mut tally = Tally::default();
        for s in subjects {
            tally.add(s);
        }
        tally
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
        f.fail_in_entry("b", ReasonCode::HashMismatch, "artifacts/x.json", "the hash differs");
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

    #[test]
    fn every_kind_has_a_kebab_case_name_and_a_sentence() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_name(kind.as_str()), Some(kind));
            assert!(
                kind.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                kind.as_str()
            );
        }
        assert_eq!(Kind::from_name("unknown"), None);
        let names: Vec<&str> = [
            Kind::GatewayReceipt,
            Kind::Approval,
            Kind::Policy,
            Kind::Token,
            Kind::Plan,
        ]
        .iter()
        .map(|k| k.as_str())
        .collect();
        assert_eq!(names, ["gateway-receipt", "approval", "policy", "token", "plan"]);
        let pass = |kind: Kind, n: usize| {
            let mut f = Findings::new();
            for _ in 0..n {
                f.pass("a", "fine");
            }
            f.skip("b", "not here");
            SubjectReport::from_findings("p", kind, f).reason
        };
        assert_eq!(pass(Kind::Approval, 5), "The approval verified: 5 checks passed.");
        assert_eq!(
            pass(Kind::GatewayReceipt, 2),
            "The gateway receipt verified: 2 checks passed."
        );
        assert_eq!(pass(Kind::Policy, 7), "The policy verified: 7 checks passed.");
        assert_eq!(pass(Kind::Token, 1), "The token verified: 1 check passed.");
        assert_eq!(pass(Kind::Plan, 1), "The plan verified: 1 check passed.");
    }
}
