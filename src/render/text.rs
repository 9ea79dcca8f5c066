//! Human text: one line per subject (its sentence printed once), then the failing check
//! indented beneath it with the first next step from the reason-code explanation table,
//! what was not checked, and warnings; skipped files; a summary line.

use crate::reason::ReasonCode;
use crate::report::{CheckStatus, Report, Skipped, Status, SubjectReport, Tally};

/// How text is printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// ANSI colour on the status word (the CLI decides: a TTY, `--color`, `NO_COLOR`).
    pub color: bool,
    /// Only FAILs and the summary.
    pub quiet: bool,
}

/// From this many subjects on, the summary names the failing ones (they are far apart in
/// the output otherwise).
pub const NAME_FAILURES_ABOVE: usize = 20;

/// Render for people.
pub fn render(report: &Report, options: TextOptions) -> String {
    let mut out = String::new();
    for s in &report.subjects {
        out.push_str(&subject(s, options));
    }
    if !options.quiet {
        out.push_str(&skipped(&report.skipped));
    }
    out.push_str(&summary(&Tally::of(&report.subjects), report.skipped.len(), &report.at));
    out
}

/// One subject's lines (nothing for a PASS when quiet). A streaming run prints these as
/// subjects finish; `render` is these, then `skipped`, then `summary`.
pub fn subject(s: &SubjectReport, options: TextOptions) -> String {
    let mut out = String::new();
    if options.quiet && s.status == Status::Pass {
        return out;
    }
    let status = paint(s.status, options.color);
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
        // The check's detail is the sentence above; name the check and where it looked.
        let artifact = check.artifact().map(|a| format!(" at {a}")).unwrap_or_default();
        out.push_str(&format!("  failing check: {}{artifact}\n", check.id));
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
    out
}

/// The `SKIP` lines of the files a walk listed but did not verify.
pub fn skipped(skipped: &[Skipped]) -> String {
    skipped
        .iter()
        .map(|s| format!("SKIP {}: {}\n", s.path, s.why))
        .collect()
}

/// The last line: counts, and the failing subjects by name when there are many subjects.
pub fn summary(tally: &Tally, skipped: usize, at: &str) -> String {
    let failed = tally.failed();
    let skipped = match skipped {
        0 => String::new(),
        n => format!("; {n} skipped: not a subject"),
    };
    let mut line = format!(
        "{} subject(s): {} passed, {failed} failed{skipped} (verified at {at})",
        tally.subjects, tally.passed
    );
    if tally.subjects > NAME_FAILURES_ABOVE && failed > 0 {
        line.push_str(&format!("; failed: {}", tally.failed_names.join(", ")));
        if failed > tally.failed_names.len() {
            line.push_str(&format!(" and {} more", failed - tally.failed_names.len()));
        }
    }
    line.push('\n');
    line
}

/// One reason code's explanation, as `clawaudit explain CODE` prints it.
pub fn explanation(code: ReasonCode) -> String {
    let e = code.explanation();
    let mut out = format!("{code}: {}\n\n{}\n", e.title, e.meaning);
    out.push_str("\nLikely causes:\n");
    for cause in e.causes {
        out.push_str(&format!("  - {cause}\n"));
    }
    out.push_str("\nWhat to do:\n");
    for (i, step) in e.next_steps.iter().enumerate() {
        out.push_str(&format!("  {}. {step}\n", i + 1));
    }
    out
}

/// Every reason code with its title, one per line.
pub fn code_list() -> String {
    let width = ReasonCode::ALL.iter().map(|c| c.as_str().len()).max().unwrap_or(0);
    ReasonCode::ALL
        .iter()
        .map(|c| format!("{:width$}  {}\n", c.as_str(), c.explanation().title))
        .collect()
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
    use crate::report::{Findings, Kind};

    #[test]
    fn quiet_keeps_fails_and_the_summary_and_many_subjects_name_their_failures() {
        let subject = |i: usize, fail: bool| {
            let mut f = Findings::new();
            if fail {
                f.fail("c", ReasonCode::HashMismatch, "differs");
            } else {
                f.pass("c", "fine");
            }
            SubjectReport::from_findings(&format!("s{i:02}.json"), Kind::ProofBundle, f)
        };
        let few = Report::new("t".into(), vec![subject(0, false), subject(1, true)]);
        let quiet = render(
            &few,
            TextOptions {
                color: false,
                quiet: true,
            },
        );
        assert!(!quiet.contains("PASS"), "{quiet}");
        assert!(quiet.contains("FAIL proof-bundle s01.json"), "{quiet}");
        assert!(
            quiet.ends_with("2 subject(s): 1 passed, 1 failed (verified at t)\n"),
            "{quiet}"
        );
        // 21 subjects, 2 failing: the summary names them.
        let many: Vec<_> = (0..21).map(|i| subject(i, i % 10 == 3)).collect();
        let text = render(&Report::new("t".into(), many), TextOptions::default());
        assert!(
            text.ends_with("21 subject(s): 19 passed, 2 failed (verified at t); failed: s03.json, s13.json\n"),
            "{text}"
        );
        // 20 subjects: no names.
        let twenty: Vec<_> = (0..20).map(|i| subject(i, i == 3)).collect();
        let text = render(&Report::new("t".into(), twenty), TextOptions::default());
        assert!(
            text.ends_with("20 subject(s): 19 passed, 1 failed (verified at t)\n"),
            "{text}"
        );
        // More failures than are named: the rest are counted.
        let all_fail: Vec<_> = (0..25).map(|i| subject(i, true)).collect();
        let text = render(&Report::new("t".into(), all_fail), TextOptions::default());
        assert!(text.contains("s19.json and 5 more\n"), "{text}");
    }

    #[test]
    fn a_fail_is_followed_by_the_hint_of_its_code_from_the_explanation_table() {
        let mut f = Findings::new();
        f.pass("a", "fine");
        f.fail_in_entry("b", ReasonCode::MerkleRootMismatch, "manifest.json", "the root differs");
        let report = Report::new(
            "2026-01-01T00:00:00.000Z".into(),
            vec![SubjectReport::from_findings("x.zip", Kind::AuditBundle, f)],
        );
        let text = render(&report, TextOptions::default());
        let e = ReasonCode::MerkleRootMismatch.explanation();
        let hint = format!("  hint: {}. {}\n", e.title, e.next_steps[0]);
        assert!(text.contains("  failing check: b at manifest.json\n"), "{text}");
        // The sentence is printed once, on the subject's line.
        assert_eq!(text.matches("he root differs").count(), 1, "{text}");
        assert!(text.contains(&hint), "{text}");
        // A PASS has no hint.
        let mut ok = Findings::new();
        ok.pass("a", "fine");
        let pass = Report::new(
            "t".into(),
            vec![SubjectReport::from_findings("y", Kind::ProofBundle, ok)],
        );
        assert!(!render(&pass, TextOptions::default()).contains("hint:"));
    }
}
