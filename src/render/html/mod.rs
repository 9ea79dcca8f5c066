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
    let mut pages = vec![Page {
        path: "index.html".to_string(),
        content: render(
            "index.html",
            context! { run => &run, rows => index_rows(report, &slugs), skipped => &report.skipped.iter().map(|s| (&s.path, &s.why)).collect::<Vec<_>>() },
        )?,
    }];
    let empty = SubjectExtras::default();
    // Pages are independent: render them on the thread pool, collected in subject order.
    let subject_pages: Vec<Result<Page, String>> = report
        .subjects
        .par_iter()
        .zip(slugs.par_iter())
        .enumerate()
        .map(|(i, (subject, slug))| {
            let extras = input.extras.get(i).unwrap_or(&empty);
            let page = view::subject_page(subject, extras);
            Ok(Page {
                path: format!("subjects/{slug}.html"),
                content: render("subject.html", context! { run => &run, s => &page })?,
            })
        })
        .collect();
    for page in subject_pages {
        pages.push(page?);
    }
    pages.push(Page {
        path: "report.json".to_string(),
        content: crate::render::json::render(report),
    });
    Ok(pages)
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
