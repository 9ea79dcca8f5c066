//! JSON renderers: one document (`json`) or one subject per line (`jsonl`).

use crate::report::{Report, SubjectReport};

/// The whole report as one pretty-printed JSON document.
pub fn render(report: &Report) -> String {
    // Serializing plain data structures with string keys cannot fail.
    let mut out = serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    out.push('\n');
    out
}

/// One compact JSON object per subject, one per line.
pub fn render_lines(report: &Report) -> String {
    let mut out = String::new();
    for subject in &report.subjects {
        out.push_str(&subject_line(subject));
        out.push('\n');
    }
    out
}

fn subject_line(subject: &SubjectReport) -> String {
    serde_json::to_string(subject).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
