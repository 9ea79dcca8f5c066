//! `clawaudit report PATH... -o SITE_DIR`: verify exactly as `verify` does (same subjects,
//! verdicts, output and exit code), then write the static audit site of spec 40 §1.
//!
//! The site directory is created when missing. An existing directory is written into only
//! when it is empty or holds a previous site (a `report.json`), so a mistyped `-o` never
//! mixes pages into unrelated files. Pages are written over the old site's (in parallel; a
//! file rewritten in place keeps its inode, which on ext4 is much cheaper than deleting a
//! thousand pages and creating them again), then every subject page the new site does not
//! have is removed, so no page of an earlier run survives.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use clap::Args;
use rayon::prelude::*;

use super::read::{read_file, MAX_TRUST_FILE_BYTES};
use super::verify::{exit_code, render_stdout, verify_run, write_ci_files, Format, VerifyArgs};
use super::{usage_error, VERSION};
use clawaudit::audit::container::Container;
use clawaudit::audit::manifest::ROTATION_EVENTS_PATH;
use clawaudit::audit::rotation_run::judge_sealed_container;
use clawaudit::inspect::{inspect_audit_container, inspect_document};
use clawaudit::render::html::rotation::TimelineBuilder;
use clawaudit::render::html::{render_site_into, Page, RotationTimeline, SiteInput, SubjectExtras, SubjectFile};
use clawaudit::report::Kind;
use clawaudit::verify::{Kept, Subject};

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  clawaudit report testvectors/audit/valid --trust testvectors/audit/trust.json --at 2026-02-18T00:01:00Z -o site\n  clawaudit report run-42.audit.zip --trust trust.json -o site --sarif clawaudit.sarif"
)]
pub struct ReportArgs {
    #[command(flatten)]
    pub verify: VerifyArgs,
    /// The directory to write the site to (index.html, subjects/<slug>.html, report.json).
    #[arg(short = 'o', long = "out", value_name = "SITE_DIR")]
    pub out: PathBuf,
}

pub fn run(args: ReportArgs) -> u8 {
    let format = args.verify.format;
    match run_inner(&args) {
        Ok(code) => code,
        Err(message) => {
            if matches!(format, Format::Json | Format::Jsonl) {
                print!("{}", clawaudit::render::json::render_error(&message));
            }
            usage_error(message)
        }
    }
}

fn run_inner(args: &ReportArgs) -> Result<u8, String> {
    prepare_dir(&args.out)?;
    let run = verify_run(&args.verify)?;
    print!("{}", render_stdout(&args.verify, &run.report));
    write_ci_files(&args.verify, &run.report)?;
    // Several trust files: each one's digest, in the order given.
    let digests = args
        .verify
        .trust
        .iter()
        .map(|path| Ok(hex(&clawaudit::crypto::sha256(&read_file(path, MAX_TRUST_FILE_BYTES)?))))
        .collect::<Result<Vec<String>, String>>()?;
    let trust_sha256_hex = (!digests.is_empty()).then(|| digests.join(", "));
    let by_path: HashMap<&str, &(Subject, Kept)> = run.subjects.iter().rev().map(|k| (k.0.path.as_str(), k)).collect();
    let extras: Vec<SubjectExtras> = run
        .report
        .subjects
        .par_iter()
        .map(|s| extras(s.kind, by_path.get(s.path.as_str()).copied(), &run.ctx))
        .collect();
    let subjects_dir = args.out.join("subjects");
    std::fs::create_dir_all(&subjects_dir).map_err(|e| format!("{}: {e}", subjects_dir.display()))?;
    // Each page is written as soon as it is rendered, from the thread pool.
    let out = &args.out;
    let written = render_site_into(
        &SiteInput {
            report: &run.report,
            extras: &extras,
            trust_sha256_hex,
            tool_version: VERSION,
        },
        &|page: Page| {
            let path = out.join(&page.path);
            std::fs::write(&path, &page.content).map_err(|e| format!("writing {}: {e}", path.display()))
        },
    )?;
    remove_stale_pages(&args.out, &written)?;
    let index = args.out.join("index.html");
    let line = format!(
        "audit site: {} ({} subject page(s))\n",
        index.display(),
        written.len().saturating_sub(2)
    );
    // Machine formats keep standard output a single document.
    if args.verify.format == Format::Text {
        print!("{line}");
    } else {
        eprint!("{line}");
    }
    let code = exit_code(&run.report);
    std::mem::forget(run);
    Ok(code)
}

/// What a subject page shows besides the report: the subject's digest, and for a sealed
/// bundle or a proof bundle the unjudged inspection (receipts, entries, computed hashes),
/// made from what verification read (`Kept`): the archive or the document is not read again.
fn extras(kind: Kind, subject: Option<&(Subject, Kept)>, ctx: &clawaudit::context::VerifyContext) -> SubjectExtras {
    let Some((subject, kept)) = subject else {
        return SubjectExtras::default();
    };
    // A subject read only in part (past the size limit) has no digest of its whole.
    let subject_file = subject.full_len.is_none().then(|| SubjectFile {
        sha256_hex: hex(&clawaudit::crypto::sha256(&subject.bytes)),
        size_bytes: subject.bytes.len() as u64,
    });
    let (inspection, rotation) = match (kind, kept) {
        (Kind::AuditBundle, Kept::Container(container)) => (
            Some(inspect_audit_container(
                &subject.path,
                container,
                Some(&ctx.trust),
                &ctx.limits,
            )),
            rotation_timeline(container, ctx),
        ),
        (Kind::ProofBundle, Kept::Document(value)) => {
            (inspect_document(&subject.path, value, Some(&ctx.trust)).ok(), None)
        }
        // Refused before its archive or document could be read: nothing to inspect.
        _ => (None, None),
    };
    SubjectExtras {
        inspection,
        rotation,
        subject_file,
    }
}

/// The rotation timeline of a sealed rotation run, judged as `verify` judges it.
fn rotation_timeline(container: &Container, ctx: &clawaudit::context::VerifyContext) -> Option<RotationTimeline> {
    let mut builder = TimelineBuilder::new();
    let result = judge_sealed_container(container, ctx, &mut |record| builder.push(&record))?;
    Some(builder.finish(ROTATION_EVENTS_PATH, &result.judgement))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Create the site directory, or make sure an existing one is empty or a previous site (and
/// remove that site's subject pages).
fn prepare_dir(dir: &Path) -> Result<(), String> {
    let shown = dir.display();
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            let empty = entries.next().is_none();
            if !empty && !dir.join("report.json").is_file() {
                return Err(format!(
                    "{shown} exists and is not an audit site (it has files but no report.json); give an empty or new directory"
                ));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| format!("{shown}: {e}"))
        }
        Err(e) => Err(format!("{shown}: {e}")),
    }
}

/// Remove what an earlier run left in `subjects/` and this one did not write (`written`: the
/// site's page paths, relative to `dir`).
fn remove_stale_pages(dir: &Path, written: &[String]) -> Result<(), String> {
    let subjects = dir.join("subjects");
    let written: std::collections::HashSet<PathBuf> = written.iter().map(|p| dir.join(p)).collect();
    let entries = std::fs::read_dir(&subjects).map_err(|e| format!("{}: {e}", subjects.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", subjects.display()))?.path();
        if written.contains(&path) {
            continue;
        }
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.map_err(|e| format!("removing the earlier site's {}: {e}", path.display()))?;
    }
    Ok(())
}
