//! JUnit XML (spec 40 §2): a `testsuites` root, one `testsuite` per subject (name = its
//! path), one `testcase` per check (`classname` = the subject's kind, `name` = the check id).
//! A failing check has `<failure message="CODE" type="CODE">detail</failure>`, a skipped
//! check `<skipped message="detail"/>`; a warn check passes, with its code and detail in
//! `<system-out>`. Files of walked directories that were not verified are not test cases.
//!
//! Everything is escaped for XML; characters XML 1.0 cannot carry at all (control
//! characters other than tab, newline and carriage return, lone surrogates cannot occur in
//! Rust strings, U+FFFE and U+FFFF) become U+FFFD, so the document always parses.

use crate::report::{Check, CheckStatus, Report, SubjectReport};

pub fn render(report: &Report) -> String {
    let count = |s: &SubjectReport, st: CheckStatus| s.checks.iter().filter(|c| c.status == st).count();
    let tests: usize = report.subjects.iter().map(|s| s.checks.len()).sum();
    let failures: usize = report.subjects.iter().map(|s| count(s, CheckStatus::Fail)).sum();
    let skipped: usize = report.subjects.iter().map(|s| count(s, CheckStatus::Skip)).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"clawaudit\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" timestamp=\"{}\">\n",
        escape(&report.at)
    ));
    for s in &report.subjects {
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n",
            escape(&s.path),
            s.checks.len(),
            count(s, CheckStatus::Fail),
            count(s, CheckStatus::Skip)
        ));
        out.push_str(&format!(
            "    <properties><property name=\"status\" value=\"{}\"/><property name=\"reason_code\" value=\"{}\"/><property name=\"reason\" value=\"{}\"/></properties>\n",
            s.status.as_str(),
            s.reason_code.as_str(),
            escape(&s.reason)
        ));
        for c in &s.checks {
            out.push_str(&testcase(s, c));
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn testcase(s: &SubjectReport, c: &Check) -> String {
    let open = format!(
        "    <testcase classname=\"{}\" name=\"{}\"",
        s.kind.as_str(),
        escape(&c.id)
    );
    let at = c.artifact().map(|a| format!(" [{}]", escape(&a))).unwrap_or_default();
    match c.status {
        CheckStatus::Pass => format!("{open}/>\n"),
        CheckStatus::Fail => format!(
            "{open}>\n      <failure message=\"{code}\" type=\"{code}\">{}{at}</failure>\n    </testcase>\n",
            escape(&c.detail),
            code = c.reason_code.as_str()
        ),
        CheckStatus::Skip => format!(
            "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>\n",
            escape(&c.detail)
        ),
        CheckStatus::Warn => format!(
            "{open}>\n      <system-out>warning {}: {}{at}</system-out>\n    </testcase>\n",
            c.reason_code.as_str(),
            escape(&c.detail)
        ),
    }
}

/// Text for XML character data and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Kept in attribute values as written (attribute normalisation would turn them
            // into spaces otherwise).
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}
