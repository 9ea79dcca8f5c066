//! The static audit site of spec 40 §1: `index.html`, one page per subject and the run's
//! JSON. Pages are rendered from templates compiled into the binary (`templates/`), with
//! minijinja's HTML autoescape on for every value: everything from a bundle is hostile text
//! and never becomes markup, an attribute or a link. The only links are the site's own
//! (`subjects/<slug>.html`, made from `slug`), and a page has no script at all.
//!
//! This module formats; it decides nothing and writes no file: the CLI hands it the report
//! (and, per subject, the unjudged inspection and the subject file's digest it computed) and
//! writes the pages it returns.

mod anchors;
pub mod rotation;
mod slug;
mod view;

use minijinja::{context, Environment};
use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::inspect::Inspection;
use crate::report::{Report, Status};

pub use rotation::{ConsumerState, RotationStep, RotationTimeline, StepFinding};
pub use slug::slugs;

/// Long tables (receipts, computed hashes) show this many rows; the rest are collapsed.
pub const RECEIPT_ROWS: usize = 200;

/// What a subject page shows besides the report: what the CLI read or computed for it.
#[derive(Clone, Debug, Default)]
pub struct SubjectExtras {
    /// The unjudged inspection of a sealed bundle or proof bundle (receipts, entries,
    /// computed hashes, signers with their trust names).
    pub inspection: Option<Inspection>,
    /// The rotation judge's timeline, for a rotation run.
    pub rotation: Option<RotationTimeline>,
    /// The subject file's SHA-256 and size.
    pub subject_file: Option<SubjectFile>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectFile {
    pub sha256_hex: String,
    pub size_bytes: u64,
}

/// The run as the site shows it.
pub struct SiteInput<'a> {
    pub report: &'a Report,
    /// One per subject of `report`, in the same order (missing ones count as empty).
    pub extras: &'a [SubjectExtras],
    /// SHA-256 (hex) of the trust file the run used, when one was given.
    pub trust_sha256_hex: Option<String>,
    /// `clawaudit --version`.
    pub tool_version: &'a str,
}

/// One file of the site: its path relative to the site directory, and its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub path: String,
    pub content: String,
}

/// Page header facts every page shows.
#[derive(Serialize)]
struct RunView<'a> {
    at: &'a str,
    status: &'static str,
    trust_sha256_hex: Option<&'a str>,
    tool_version: &'a str,
    subjects: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
}

/// One row of the index table.
#[derive(Serialize)]
struct IndexRow<'a> {
    status: &'static str,
    kind: &'static str,
    path: &'a str,
    ids: Vec<(&'static str, &'a str)>,
    code: &'static str,
    reason: &'a str,
    href: String,
}

fn environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    // Autoescape by name: every template here ends in `.html`, so every value is escaped
    // for HTML text and attributes (& < > " ' /).
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // Block tags leave no blank lines behind.
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_formatter(|out, state, value| {
        if value.is_safe() {
            return minijinja::escape_formatter(out, state, value);
        }
        match value.as_str() {
            Some(text) if text.chars().any(is_bidi_control) => {
                minijinja::escape_formatter(out, state, &minijinja::Value::from(show_bidi_controls(text)))
            }
            _ => minijinja::escape_formatter(out, state, value),
        }
    });
    env.add_template("style.html", include_str!("../../../templates/style.html"))?;
    env.add_template("base.html", include_str!("../../../templates/base.html"))?;
    env.add_template("index.html", include_str!("../../../templates/index.html"))?;
    env.add_template("subject.html", include_str!("../../../templates/subject.html"))?;
    Ok(env)
}

/// Characters that reorder how text is displayed (Unicode bidi embeddings, overrides and
/// isolates, and the directional marks): a bundle's `file\u{202E}piz.exe` must not show as
/// something it is not, so pages show each as a visible `[U+202E]`.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Escape `text` for the content of an element (never an attribute): `&`, `<` and `>`, and
/// each bidi control shown as `[U+XXXX]`, as the formatter shows them everywhere else. With
/// no `<` left, no tag can start; with no bare `&`, no character reference.
pub(crate) fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if is_bidi_control(c) => out.push_str(&format!("[U+{:04X}]", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

fn show_bidi_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_bidi_control(c) {
            out.push_str(&format!("[U+{:04X}]", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Every page of the site, `index.html` first, then `subjects/<slug>.html` in subject order,
/// then `report.json` (the `--format json` document of the same run). Deterministic: the
/// same input gives the same bytes.
pub fn render_site(input: &SiteInput) -> Result<Vec<Page>, String> {
    let rendered = std::sync::Mutex::new(Vec::new());
    let order = render_site_into(input, &|page| {
        rendered
            .lock()
            .map_err(|_| "a page renderer panicked".to_string())?
            .push(page);
        Ok(())
    })?;
    let mut pages = rendered
        .into_inner()
        .map_err(|_| "a page renderer panicked".to_string())?;
    let position: HashMap<&str, usize> = order.iter().enumerate().map(|(i, p)| (p.as_str(), i)).collect();
    pages.sort_by_key(|p| position.get(p.path.as_str()).copied());
    Ok(pages)
}

/// [`render_site`], handing each page to `sink` as soon as it is rendered (from the thread
/// pool, in no particular order) instead of holding the site in memory: a site of a thousand
/// subjects is ~60 MB of HTML. Returns every page's path in `render_site`'s order. Stops at
/// the first error of a template or of `sink`.
pub fn render_site_into(
    input: &SiteInput,
    sink: &(dyn Fn(Page) -> Result<(), String> + Sync),
) -> Result<Vec<String>, String> {
    let env = environment().map_err(|e| format!("audit site templates: {e}"))?;
    let report = input.report;
    let passed = report.subjects.iter().filter(|s| s.status == Status::Pass).count();
    let run = RunView {
        at: &report.at,
        status: report.status.as_str(),
        trust_sha256_hex: input.trust_sha256_hex.as_deref(),
        tool_version: input.tool_version,
        subjects: report.subjects.len(),
        passed,
        failed: report.subjects.len() - passed,
        skipped: report.skipped.len(),
    };
    let slugs = slugs(report.subjects.iter().map(|s| s.path.as_str()));
    let render = |name: &str, ctx: minijinja::Value| {
        env.get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| format!("rendering {name}: {e}"))
    };
    let empty = SubjectExtras::default();
    let paths: Vec<String> = std::iter::once("index.html".to_string())
        .chain(slugs.iter().map(|slug| format!("subjects/{slug}.html")))
        .chain(std::iter::once("report.json".to_string()))
        .collect();
    // Pages are independent: rendered on the thread pool, report.json beside them.
    let subject_pages = || {
        report
            .subjects
            .par_iter()
            .zip(paths.par_iter().skip(1))
            .enumerate()
            .try_for_each(|(i, (subject, path))| {
                let extras = input.extras.get(i).unwrap_or(&empty);
                let page = view::subject_page(subject, extras);
                sink(Page {
                    path: path.clone(),
                    content: render("subject.html", context! { run => &run, s => &page })?,
                })
            })
    };
    let index_and_json = || {
        sink(Page {
            path: "index.html".to_string(),
            content: render(
                "index.html",
                context! { run => &run, rows => index_rows(report, &slugs), skipped => &report.skipped.iter().map(|s| (&s.path, &s.why)).collect::<Vec<_>>() },
            )?,
        })?;
        sink(Page {
            path: "report.json".to_string(),
            content: crate::render::json::render(report),
        })
    };
    let (subjects, rest) = rayon::join(subject_pages, index_and_json);
    subjects?;
    rest?;
    Ok(paths)
}

/// FAILs first, each group in the run's order.
fn index_rows<'a>(report: &'a Report, slugs: &[String]) -> Vec<IndexRow<'a>> {
    let mut rows: Vec<(bool, IndexRow)> = report
        .subjects
        .iter()
        .zip(slugs)
        .map(|(s, slug)| {
            let f = &s.facts;
            let ids = [
                ("bundle", &f.bundle_id),
                ("job", &f.job_id),
                ("run", &f.run_id),
                ("receipt", &f.receipt_id),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
            .collect();
            let row = IndexRow {
                status: s.status.as_str(),
                kind: s.kind.as_str(),
                path: &s.path,
                ids,
                code: s.reason_code.as_str(),
                reason: &s.reason,
                href: format!("subjects/{slug}.html"),
            };
            (s.status == Status::Pass, row)
        })
        .collect();
    // A stable sort keeps the run's order within each group.
    rows.sort_by_key(|(pass, _)| *pass);
    rows.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::escape_text;

    #[test]
    fn text_escaping_leaves_no_tag_reference_or_bidi_control() {
        // Hand-written expectations: only & < > change, quotes and slashes stay (text, not an
        // attribute), and U+202E is shown, not applied.
        assert_eq!(
            escape_text("\"</code><script>alert(1)</script>\" & &amp; 'a/b' \u{202E}x"),
            "\"&lt;/code&gt;&lt;script&gt;alert(1)&lt;/script&gt;\" &amp; &amp;amp; 'a/b' [U+202E]x"
        );
        assert_eq!(escape_text("\u{2066}\u{200F}é"), "[U+2066][U+200F]é");
    }
}
