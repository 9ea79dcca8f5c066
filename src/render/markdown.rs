//! Markdown (spec 40 §2): the run's counts, a summary table of every subject (FAILs first),
//! and the first failing check of each FAIL with the first next step of its code, for a CI
//! job summary (`$GITHUB_STEP_SUMMARY`) or a PR comment.
//!
//! Bundle text is hostile, and GitHub renders HTML inside Markdown: `< > & |` become
//! entities, the characters that start emphasis, code, links, images and strikethrough
//! (`\ ` * _ [ ] ! ~`) and those GitHub autolinks on (`. : @`) are backslash-escaped, line
//! breaks become spaces, so a string can neither start markup, a link or an image nor break
//! the table. Only bundle text is escaped; the tool's own words, codes and kinds are not.

use crate::report::{Report, Status};

pub fn render(report: &Report) -> String {
    let passed = report.subjects.iter().filter(|s| s.status == Status::Pass).count();
    let failed = report.subjects.len() - passed;
    let mut out = format!(
        "## clawaudit: {}\n\n{} subject(s): {passed} passed, {failed} failed",
        report.status.as_str(),
        report.subjects.len()
    );
    if !report.skipped.is_empty() {
        out.push_str(&format!("; {} skipped: not a subject", report.skipped.len()));
    }
    out.push_str(&format!(" (verified at {})\n\n", escape(&report.at)));
    out.push_str("| Status | Kind | Subject | Code | Reason |\n|---|---|---|---|---|\n");
    let mut order: Vec<_> = report.subjects.iter().collect();
    order.sort_by_key(|s| s.status == Status::Pass);
    for s in &order {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            s.status.as_str(),
            s.kind.as_str(),
            escape(&s.path),
            s.reason_code.as_str(),
            escape(&s.reason)
        ));
    }
    let fails: Vec<_> = order.iter().filter_map(|s| Some((s, s.failing_check()?))).collect();
    if !fails.is_empty() {
        out.push_str("\n### Failing checks\n\n");
        for (s, c) in fails {
            let at = c.artifact().map(|a| format!(" at {}", escape(&a))).unwrap_or_default();
            let e = c.reason_code.explanation();
            out.push_str(&format!(
                "- {}: check {}{at}: {} ({}: {})",
                escape(&s.path),
                escape(&c.id),
                escape(&c.detail),
                c.reason_code.as_str(),
                escape(e.title)
            ));
            if let Some(step) = e.next_steps.first() {
                out.push_str(&format!(". Next: {}", escape(step)));
            }
            out.push('\n');
        }
    }
    out
}

/// Plain text that Markdown and HTML show as written, on one line.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '|' => out.push_str("&#124;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            // `.`, `:` and `@` stop GitHub's autolinks (`www.`, `https:`, e-mail addresses).
            c if "\\`*_[]!~.:@".contains(c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}
