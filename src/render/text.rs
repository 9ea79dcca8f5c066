//! Human text: one line per subject, then the failing check indented beneath it.

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
        }
        for warn in s.checks.iter().filter(|c| c.status == CheckStatus::Warn) {
            out.push_str(&format!(
                "  warning: {} ({}): {}\n",
                warn.id, warn.reason_code, warn.detail
            ));
        }
    }
    let passed = report.subjects.iter().filter(|s| s.status == Status::Pass).count();
    let failed = report.subjects.len() - passed;
    out.push_str(&format!(
        "{} subject(s): {passed} passed, {failed} failed (verified at {})\n",
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
