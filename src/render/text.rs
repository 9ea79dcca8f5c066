//! Human text: one line per subject, then the failing check indented beneath it with the
//! first next step from the reason-code explanation table.

use crate::report::{CheckStatus, Report, Status};

/// Render for people. `color` adds ANSI colour to the status word (only on a TTY, and
/// never when `NO_COLOR` is set; the CLI decides).
pub fn render(report: &Report, color: bool) -> String {
    let mut out = String::new();
    for s in &report.subjects {
        let status = paint(s.status, color);
        let tier = s
            .proof_tier
            .as_deref()
            .map(|t| format!(" (tier {t})"))
            .unwrap_or_default();
        out.push_str(&format!(
            "{status} {} {} {}{tier}: {}\n",
            s.kind.as_str(),
            s.path,
            s.reason_code,
            s.reason
        ));
        if let Some(check) = s.failing_check() {
            let artifact = check.artifact().map(|a| format!(" at {a}")).unwrap_or_default();
            out.push_str(&format!("  failing check: {}{artifact}: {}\n", check.id, check.detail));
            let explanation = check.reason_code.explanation();
            if let Some(step) = explanation.next_steps.first() {
                out.push_str(&format!("  hint: {}. {step}\n", explanation.title));
            }
        }
        for skip in s.checks.iter().filter(|c| c.status == CheckStatus::Skip) {
            out.push_str(&format!("  not checked: {}: {}\n", skip.id, skip.detail));
        }
        for warn in s.checks.iter().filter(|c| c.status == CheckStatus::Warn) {
            out.push_str(&format!(
                "  warning: {} ({}): {}\n",
                warn.id, warn.reason_code, warn.detail
            ));
        }
    }
    for skipped in &report.skipped {
        out.push_str(&format!("SKIP {}: {}\n", skipped.path, skipped.why));
    }
    let passed = report.subjects.iter().filter(|s| s.status == Status::Pass).count();
    let failed = report.subjects.len() - passed;
    let skipped = match report.skipped.len() {
        0 => String::new(),
        n => format!("; {n} skipped: not a subject"),
    };
    out.push_str(&format!(
        "{} subject(s): {passed} passed, {failed} failed{skipped} (verified at {})\n",
        report.subjects.len(),
        report.at
    ));
    out
}

fn paint(status: Status, color: bool) -> String {
    match (status, color) {
        (Status::Pass, true) => "\x1b[32mPASS\x1b[0m".to_string(),
        (Status::Fail, true) => "\x1b[31mFAIL\x1b[0m".to_string(),
        (s, false) => s.as_str().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reason::ReasonCode;
    use crate::report::{Findings, Kind, SubjectReport};

    #[test]
    fn a_fail_is_followed_by_the_hint_of_its_code_from_the_explanation_table() {
        let mut f = Findings::new();
        f.pass("a", "fine");
        f.fail_in_entry("b", ReasonCode::MerkleRootMismatch, "manifest.json", "the root differs");
        let report = Report::new(
            "2026-01-01T00:00:00.000Z".into(),
            vec![SubjectReport::from_findings("x.zip", Kind::AuditBundle, f)],
        );
        let text = render(&report, false);
        let e = ReasonCode::MerkleRootMismatch.explanation();
        let hint = format!("  hint: {}. {}\n", e.title, e.next_steps[0]);
        assert!(
            text.contains("  failing check: b at manifest.json: the root differs\n"),
            "{text}"
        );
        assert!(text.contains(&hint), "{text}");
        // A PASS has no hint.
        let mut ok = Findings::new();
        ok.pass("a", "fine");
        let pass = Report::new(
            "t".into(),
            vec![SubjectReport::from_findings("y", Kind::ProofBundle, ok)],
        );
        assert!(!render(&pass, false).contains("hint:"));
    }
}
