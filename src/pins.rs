//! Pins (`--expect-job`, `--expect-agent`, `--expect-sealer`, `--expect-run`): what a CI gate
//! or an auditor already knows the evidence must be about. Each is a check on the subject's
//! typed facts after verification, with its own reason code; a pin the subject has no fact
//! for fails too (it could not be confirmed).

pub use crate::context::Pins;
use crate::reason::ReasonCode;
use crate::report::{CheckStatus, Kind, Location, SubjectReport};

/// One pin: its flag, check id, code, the kinds it applies to and how to read the fact.
struct Pin {
    flag: &'static str,
    check: &'static str,
    code: ReasonCode,
    what: &'static str,
    kinds: &'static [Kind],
    expected: fn(&Pins) -> Option<&str>,
    actual: fn(&SubjectReport) -> Option<&str>,
}

const PINS: [Pin; 4] = [
    Pin {
        flag: "--expect-job",
        check: "pin.job",
        code: ReasonCode::JobPinMismatch,
        what: "job",
        kinds: &[Kind::AuditBundle],
        expected: |p| p.job.as_deref(),
        actual: |r| r.facts.job_id.as_deref(),
    },
    Pin {
        flag: "--expect-agent",
        check: "pin.agent",
        code: ReasonCode::AgentPinMismatch,
        what: "agent",
        kinds: &[Kind::AuditBundle, Kind::ProofBundle],
        expected: |p| p.agent.as_deref(),
        actual: |r| r.facts.agent_did.as_deref(),
    },
    Pin {
        flag: "--expect-sealer",
        check: "pin.sealer",
        code: ReasonCode::SealerPinMismatch,
        what: "sealer",
        kinds: &[Kind::AuditBundle],
        expected: |p| p.sealer.as_deref(),
        actual: |r| r.facts.sealer_did.as_deref(),
    },
    Pin {
        flag: "--expect-run",
        check: "pin.run",
        code: ReasonCode::RunPinMismatch,
        what: "run",
        kinds: &[Kind::AuditBundle, Kind::ProofBundle],
        expected: |p| p.run.as_deref(),
        actual: |r| r.facts.run_id.as_deref(),
    },
];

impl Pins {
    pub fn is_empty(&self) -> bool {
        *self == Pins::default()
    }

    /// Each pin given: its flag and the kinds it applies to.
    pub fn given(&self) -> Vec<(&'static str, &'static [Kind])> {
        PINS.iter()
            .filter(|p| (p.expected)(self).is_some())
            .map(|p| (p.flag, p.kinds))
            .collect()
    }
}

/// Add a `pin.*` check to `report` for every pin that applies to its kind, and derive the
/// verdict again. Pins that do not apply to the kind are left to `verify::note_flags_not_applied`.
pub fn apply(report: &mut SubjectReport, pins: &Pins) {
    let mut added = false;
    for pin in &PINS {
        let Some(expected) = (pin.expected)(pins) else { continue };
        if !pin.kinds.contains(&report.kind) {
            continue;
        }
        let (status, code, detail) = match (pin.actual)(report) {
            Some(actual) if actual == expected => (
                CheckStatus::Pass,
                ReasonCode::Ok,
                format!("the {} is {expected}, as {} asks", pin.what, pin.flag),
            ),
            Some(actual) => (
                CheckStatus::Fail,
                pin.code,
                format!("the {} is {actual}, but {} asks for {expected}", pin.what, pin.flag),
            ),
            None => (
                CheckStatus::Fail,
                pin.code,
                format!(
                    "{} asks for {expected}, but the {} names no {}",
                    pin.flag,
                    report.kind.as_str(),
                    pin.what
                ),
            ),
        };
        report.checks.push(crate::report::Check {
            id: pin.check.to_string(),
            status,
            reason_code: code,
            detail,
            location: Location::Subject,
        });
        added = true;
    }
    if added {
        report.derive_verdict();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Findings, Status};

    fn audit(job: &str, run: Option<&str>) -> SubjectReport {
        let mut f = Findings::new();
        f.pass("checkpoint.signature", "fine");
        let mut r = SubjectReport::from_findings("b.zip", Kind::AuditBundle, f);
        r.facts.job_id = Some(job.into());
        r.facts.run_id = run.map(String::from);
        r.facts.sealer_did = Some("did:key:z6Mkseal".into());
        r
    }

    #[test]
    fn a_matching_pin_passes_and_a_wrong_or_missing_one_fails_with_its_code() {
        let mut r = audit("job-1", Some("run-1"));
        apply(
            &mut r,
            &Pins {
                job: Some("job-1".into()),
                run: Some("run-1".into()),
                ..Pins::default()
            },
        );
        assert_eq!(r.status, Status::Pass);
        assert_eq!(r.checks.iter().filter(|c| c.id.starts_with("pin.")).count(), 2);

        let mut r = audit("job-1", Some("run-1"));
        apply(
            &mut r,
            &Pins {
                sealer: Some("did:key:z6Mkother".into()),
                ..Pins::default()
            },
        );
        assert_eq!(r.reason_code, ReasonCode::SealerPinMismatch);
        assert!(
            r.reason.contains("but --expect-sealer asks for did:key:z6Mkother"),
            "{}",
            r.reason
        );

        let mut r = audit("job-1", None);
        apply(
            &mut r,
            &Pins {
                run: Some("run-9".into()),
                ..Pins::default()
            },
        );
        assert_eq!(r.reason_code, ReasonCode::RunPinMismatch);
        assert!(r.reason.contains("names no run"), "{}", r.reason);

        // The first failing check decides: a pin after an earlier failure does not hide it.
        let mut f = Findings::new();
        f.fail("manifest.files", ReasonCode::HashMismatch, "differs");
        let mut r = SubjectReport::from_findings("b.zip", Kind::AuditBundle, f);
        apply(
            &mut r,
            &Pins {
                job: Some("j".into()),
                ..Pins::default()
            },
        );
        assert_eq!(r.reason_code, ReasonCode::HashMismatch);
    }

    #[test]
    fn pins_that_do_not_apply_to_the_kind_add_nothing() {
        let mut f = Findings::new();
        f.pass("commit_sig", "fine");
        let mut r = SubjectReport::from_findings("c.json", Kind::CommitSig, f);
        apply(
            &mut r,
            &Pins {
                job: Some("j".into()),
                agent: Some("a".into()),
                ..Pins::default()
            },
        );
        assert_eq!(r.status, Status::Pass);
        assert!(r.checks.iter().all(|c| !c.id.starts_with("pin.")));
    }
}
