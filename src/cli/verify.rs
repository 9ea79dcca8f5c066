//! `clawaudit verify PATH...`

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use rayon::prelude::*;

use super::{usage_error, EXIT_FAIL, EXIT_PASS};
use clawaudit::context::{Pins, VerifyContext};
use clawaudit::render::text::TextOptions;
use clawaudit::report::{Kind, Report, Skipped, Status, SubjectReport, Tally};
use clawaudit::timeutil::{format_rfc3339, parse_rfc3339};
use clawaudit::trust::{Trust, TrustEntry};
use clawaudit::verify::policy::GivenPolicy;
use clawaudit::verify::{
    note_flags_not_applied, verify_subject_keeping, verify_walked, Kept, RunFlags, Subject, Verified,
};

use super::read::{read_bounded, read_file, read_subject, read_trust};
use super::walk;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Jsonl,
    /// SARIF 2.1.0 (spec 40 §2), for code-scanning uploads.
    Sarif,
    /// JUnit XML: one testsuite per subject, one testcase per check.
    Junit,
    /// A Markdown summary for a CI job summary or a PR comment.
    Markdown,
}

impl Format {
    /// Text and JSON Lines stream subject by subject; the other formats are one document.
    fn streams(self) -> bool {
        matches!(self, Format::Text | Format::Jsonl)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colour when standard output is a terminal and NO_COLOR is unset or empty.
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    ProofBundle,
    CommitSig,
    ExportBundle,
    AggregateBundle,
    LogInclusionProof,
    AuditBundle,
    InclusionProof,
    GatewayReceipt,
    Approval,
    Policy,
    Token,
    Plan,
}

impl KindArg {
    fn kind(self) -> Kind {
        match self {
            KindArg::ProofBundle => Kind::ProofBundle,
            KindArg::CommitSig => Kind::CommitSig,
            KindArg::ExportBundle => Kind::ExportBundle,
            KindArg::AggregateBundle => Kind::AggregateBundle,
            KindArg::LogInclusionProof => Kind::LogInclusionProof,
            KindArg::AuditBundle => Kind::AuditBundle,
            KindArg::InclusionProof => Kind::InclusionProof,
            KindArg::GatewayReceipt => Kind::GatewayReceipt,
            KindArg::Approval => Kind::Approval,
            KindArg::Policy => Kind::Policy,
            KindArg::Token => Kind::Token,
            KindArg::Plan => Kind::Plan,
        }
    }
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  clawaudit verify testvectors/clawsig/valid --trust testvectors/trust/clawsig.json --at 2026-03-02T00:00:00Z\n  clawaudit verify bundle.json --format json\n  clawaudit verify run-42/artifacts --trust trust.json\n\n\
Every artifact clawaudit produces also verifies on its own: a policy, a token (*.jwt, or any \
compact JWS), a plan, an approval or a gateway receipt gets the checks of its sealed-bundle \
step that apply to one artifact; what needs the rest of a bundle (a checkpoint, a policy, a \
plan, other approvals) is listed as \"not checked\". Directories are walked for *.json, *.zip \
and *.jwt: a token below a directory is a subject, as the other artifacts are."
)]
pub struct VerifyArgs {
    /// Files or directories to verify (directories are walked for *.json, *.zip and *.jwt, in
    /// any case), or `-` for one subject on standard input.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Trust roots: a clawaudit trust.json or a Clawsig verifier config. Repeatable: the
    /// files' roots are merged (an approver two files describe differently is an error).
    #[arg(long)]
    pub trust: Vec<PathBuf>,
    /// Verification time (RFC 3339). Default: now.
    #[arg(long)]
    pub at: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Nothing unverified passes: a skipped file, a warning or a flag that did not apply to
    /// a subject is a FAIL.
    #[arg(long)]
    pub strict: bool,
    /// Text output: only FAILs and the summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Colour in text output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorArg,
    /// Force the kind instead of detecting it from the content.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// URM document for a proof bundle (default: the sibling X-urm.json of X-bundle.json).
    #[arg(long)]
    pub urm: Option<PathBuf>,
    /// Artifact file to check against an inclusion proof.
    #[arg(long)]
    pub artifact: Option<PathBuf>,
    /// Largest input file accepted, in bytes.
    #[arg(long, default_value_t = 64 * 1024 * 1024)]
    pub max_input_bytes: usize,
    /// A signed WPC to evaluate a proof bundle's receipts under (signature and trust checked
    /// as in a sealed bundle); a denied request fails with POLICY_DENIED.
    #[arg(long, value_name = "WPC")]
    pub policy: Option<PathBuf>,
    /// A parent policy the --policy WPC inherits from (repeatable).
    #[arg(long = "policy-parent", value_name = "WPC", requires = "policy")]
    pub policy_parents: Vec<PathBuf>,
    /// WPC hash an audit bundle's policy (or a policy subject) must have.
    #[arg(long)]
    pub expect_policy: Option<String>,
    /// The job a sealed bundle must be about (its checkpoint's subject.job_id).
    #[arg(long, allow_hyphen_values = true)]
    pub expect_job: Option<String>,
    /// The agent DID the evidence must be about (a sealed bundle's subject, a proof bundle's agent).
    #[arg(long)]
    pub expect_agent: Option<String>,
    /// The did:key that must have sealed a sealed bundle.
    #[arg(long)]
    pub expect_sealer: Option<String>,
    /// The run the evidence must be about (a sealed bundle's subject, a proof bundle's run).
    #[arg(long, allow_hyphen_values = true)]
    pub expect_run: Option<String>,
    /// Comma-separated did:keys trusted to sign Clawsig log roots (adds to the trust file).
    #[arg(long, value_delimiter = ',')]
    pub log_signers: Vec<String>,
    /// Also write the SARIF 2.1.0 report to FILE (in the same run as the output above).
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Also write the JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write the Markdown summary to FILE.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
}

pub fn run(args: VerifyArgs) -> u8 {
    let format = args.format;
    match run_inner(args) {
        Ok(code) => code,
        Err(message) => {
            // Machine formats carry the error on standard output too: never an empty document.
            if matches!(format, Format::Json | Format::Jsonl) {
                print!("{}", clawaudit::render::json::render_error(&message));
            }
            usage_error(message)
        }
    }
}

/// `--color auto`: a terminal, and `NO_COLOR` unset or empty (no-color.org).
fn use_color(arg: ColorArg) -> bool {
    match arg {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").map_or(true, |v| v.is_empty())
        }
    }
}

fn run_inner(args: VerifyArgs) -> Result<u8, String> {
    let ctx = context(&args)?;
    let mut sink = Sink::new(&args, &ctx, true)?;
    let skipped = run_subjects(&args, &ctx, &mut sink, None)?;
    let finished = sink.finish(skipped)?;
    if let Some(report) = &finished.report {
        write_ci_files(&args, report)?;
    }
    // The process exits right after this: the report is leaked with the rest (see
    // `run_subjects`).
    let code = finished.code;
    std::mem::forget(finished);
    Ok(code)
}

/// One verification run: the report, and the subjects it judged (with their bytes) and the
/// context it used, for `report` to show more of them.
pub(super) struct Run {
    pub report: Report,
    /// Each subject with what verification read of it (`Kept::Nothing` for a file that was
    /// not a subject).
    pub subjects: Vec<(Subject, Kept)>,
    pub ctx: VerifyContext,
}

/// Verify every path the arguments name, as `verify` does, printing nothing and keeping every
/// subject (for `report`, whose pages show more of them than the report holds).
pub(super) fn verify_run(args: &VerifyArgs) -> Result<Run, String> {
    let ctx = context(args)?;
    let mut sink = Sink::new(args, &ctx, false)?;
    let mut subjects = Vec::new();
    let skipped = run_subjects(args, &ctx, &mut sink, Some(&mut subjects))?;
    let report = sink
        .finish(skipped)?
        .report
        .ok_or_else(|| "internal error: a run that keeps its reports returned none".to_string())?;
    Ok(Run { report, subjects, ctx })
}

/// 0 when every subject passed, else 1.
pub(super) fn exit_code(report: &Report) -> u8 {
    if report.status == Status::Pass {
        EXIT_PASS
    } else {
        EXIT_FAIL
    }
}

/// What standard output gets, in `--format`.
pub(super) fn render_stdout(args: &VerifyArgs, report: &Report) -> String {
    render_as(args.format, text_options(args), report)
}

fn text_options(args: &VerifyArgs) -> TextOptions {
    TextOptions {
        color: use_color(args.color),
        quiet: args.quiet,
    }
}

fn render_as(format: Format, text: TextOptions, report: &Report) -> String {
    match format {
        Format::Text => clawaudit::render::text::render(report, text),
        Format::Json => clawaudit::render::json::render(report),
        Format::Jsonl => clawaudit::render::json::render_lines(report),
        Format::Sarif => clawaudit::render::sarif::render(report, super::VERSION),
        Format::Junit => clawaudit::render::junit::render(report),
        Format::Markdown => clawaudit::render::markdown::render(report),
    }
}

/// `--sarif`, `--junit`, `--markdown`: the same report in other formats, to files.
pub(super) fn write_ci_files(args: &VerifyArgs, report: &Report) -> Result<(), String> {
    let files = [
        (&args.sarif, Format::Sarif),
        (&args.junit, Format::Junit),
        (&args.markdown, Format::Markdown),
    ];
    for (path, format) in files {
        if let Some(path) = path {
            let text = render_as(format, TextOptions::default(), report);
            std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Read, verify and hand to `sink` every subject the arguments name, a chunk at a time; the
/// files that were not verified come back, sorted. `keep` collects the subjects (for
/// `report`); otherwise each chunk is freed when the next is done.
fn run_subjects(
    args: &VerifyArgs,
    ctx: &VerifyContext,
    sink: &mut Sink,
    mut keep: Option<&mut Vec<(Subject, Kept)>>,
) -> Result<Vec<Skipped>, String> {
    let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin && args.paths.len() > 1 {
        return Err("`-` (standard input) must be the only subject".into());
    }
    let walk = if stdin {
        walk::Walk::default()
    } else {
        walk::collect(&args.paths)?
    };
    if !stdin && walk.files.is_empty() && walk.skipped.is_empty() {
        return Err("no files to verify (directories are searched for *.json, *.zip and *.jwt)".into());
    }
    // Every file is opened once before any is verified, so that an unreadable one stops the
    // run (exit 2) before anything is printed.
    for c in walk.files.iter() {
        std::fs::File::open(&c.path).map_err(|e| format!("{}: {e}", c.path.display()))?;
    }
    let extras = Extras::load(args)?;
    let mut skipped: Vec<Skipped> = walk
        .skipped
        .iter()
        .map(|s| Skipped {
            path: s.path.display().to_string(),
            why: s.why.clone(),
        })
        .collect();
    let mut pending = walk.files.iter().peekable();
    let mut next = load_chunk(args, &extras, &mut pending)?;
    if stdin {
        let mut subject = read_stdin(args.kind.map(KindArg::kind), args.max_input_bytes)?;
        subject.urm = extras.urm.clone();
        subject.artifact = extras.artifact.clone();
        subject.policy = extras.policy.clone();
        next.push((subject, false));
    }
    loop {
        let subjects = next;
        // The next chunk is read while this one is verified (the reads are I/O, mostly
        // waiting); at most two chunks are in memory.
        let (verified, following) = if pending.peek().is_some() {
            rayon::join(
                || verify_chunk(&subjects, ctx),
                || load_chunk(args, &extras, &mut pending),
            )
        } else {
            (verify_chunk(&subjects, ctx), Ok(Vec::new()))
        };
        next = following?;
        let mut documents = Vec::with_capacity(verified.len());
        for (v, (subject, _)) in verified.into_iter().zip(&subjects) {
            match v {
                Verified::Report(report, kept) => {
                    sink.subject(report)?;
                    documents.push(kept);
                }
                Verified::NotASubject { role } => {
                    skipped.push(Skipped {
                        path: subject.path.clone(),
                        why: format!("not a subject ({role})"),
                    });
                    documents.push(Kept::Nothing);
                }
            }
        }
        sink.flush()?;
        let last = next.is_empty();
        if let Some(keep) = keep.as_deref_mut() {
            keep.extend(subjects.into_iter().map(|(s, _)| s).zip(documents));
        } else if last {
            // The process exits right after this. Freeing the last chunk's parsed documents
            // (one allocation per JSON string: ~1.6 ms for a 1.5 MB bundle) and input bytes
            // would only delay the exit, and the OS reclaims the memory anyway, so they are
            // deliberately leaked; earlier chunks are freed as the run goes, so nothing
            // accumulates.
            std::mem::forget(subjects);
            std::mem::forget(documents);
        }
        if last {
            break;
        }
    }
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(skipped)
}

/// At most this many subjects are read, parsed and verified at a time (and at most
/// `CHUNK_BYTES` of input, unless one subject alone is larger), so memory does not grow with
/// the number of files. Enough to keep both cores busy on small subjects.
const CHUNK_SUBJECTS: usize = 64;
const CHUNK_BYTES: usize = 64 * 1024 * 1024;

/// Read the next chunk of subjects from the front of `pending`, each paired with whether a
/// walk found it.
fn load_chunk(
    args: &VerifyArgs,
    extras: &Extras,
    pending: &mut std::iter::Peekable<impl Iterator<Item = walk::Candidate>>,
) -> Result<Vec<(Subject, bool)>, String> {
    let kind = args.kind.map(KindArg::kind);
    let mut chunk = Vec::new();
    let mut bytes = 0usize;
    while chunk.len() < CHUNK_SUBJECTS && (chunk.is_empty() || bytes < CHUNK_BYTES) {
        let Some(c) = pending.next() else { break };
        let subject = load_subject(&c.path, kind, extras, args.max_input_bytes)?;
        bytes = bytes.saturating_add(subject.bytes.len());
        chunk.push((subject, c.walked));
    }
    Ok(chunk)
}

/// Verify a chunk, in order; one subject runs on this thread (no thread pool unless the
/// verifier itself wants one).
fn verify_chunk(subjects: &[(Subject, bool)], ctx: &VerifyContext) -> Vec<Verified> {
    let run = |(s, walked): &(Subject, bool)| {
        if *walked {
            verify_walked(s, ctx)
        } else {
            let (report, doc) = verify_subject_keeping(s, ctx);
            Verified::Report(report, doc)
        }
    };
    if subjects.len() > 1 {
        subjects.par_iter().map(run).collect()
    } else {
        subjects.iter().map(run).collect()
    }
}

/// The documents every subject may need: `--urm`, `--artifact` and `--policy`, read once.
struct Extras {
    urm: Option<Vec<u8>>,
    artifact: Option<Vec<u8>>,
    policy: Option<std::sync::Arc<GivenPolicy>>,
}

impl Extras {
    fn load(args: &VerifyArgs) -> Result<Extras, String> {
        let read = |p: &Option<PathBuf>| p.as_ref().map(|p| read_file(p, args.max_input_bytes)).transpose();
        Ok(Extras {
            urm: read(&args.urm)?,
            artifact: read(&args.artifact)?,
            policy: given_policy(args)?,
        })
    }
}

/// Where subject reports go as they finish. Text and JSON Lines are printed as the run goes
/// (in the same order and bytes as a whole-run rendering), keeping only the summary's tally;
/// the one-document formats (JSON, SARIF, JUnit, Markdown), `--sarif`/`--junit`/`--markdown`
/// files and `report` keep the per-subject reports (never the parsed documents) until the
/// end. While a flag given on the command line has applied to no subject yet, output is held
/// back: a flag that applies to no subject at all is a usage error (exit 2), and then nothing
/// may have been printed.
struct Sink {
    format: Format,
    text: TextOptions,
    strict: bool,
    at: String,
    flags: RunFlags,
    /// Print to standard output (`verify`), or only collect (`report` prints for itself).
    print: bool,
    keep_reports: bool,
    /// Flags given that no subject so far was of a kind they apply to.
    unapplied: Vec<(&'static str, &'static [Kind])>,
    held: String,
    out: std::io::BufWriter<std::io::Stdout>,
    tally: Tally,
    reports: Vec<SubjectReport>,
}

/// The end of a run: its exit code, and its report when the sink kept one.
struct Finished {
    code: u8,
    report: Option<Report>,
}

impl Sink {
    fn new(args: &VerifyArgs, ctx: &VerifyContext, print: bool) -> Result<Sink, String> {
        let flags = RunFlags {
            artifact: args.artifact.is_some(),
            expect_policy: args.expect_policy.is_some(),
            policy: args.policy.is_some(),
            pins: ctx.pins.clone(),
        };
        let ci_files = args.sarif.is_some() || args.junit.is_some() || args.markdown.is_some();
        let mut sink = Sink {
            format: args.format,
            text: text_options(args),
            strict: args.strict,
            at: format_rfc3339(ctx.at),
            unapplied: flags.each(),
            flags,
            print,
            keep_reports: !print || ci_files || !args.format.streams(),
            held: String::new(),
            out: std::io::BufWriter::new(std::io::stdout()),
            tally: Tally::default(),
            reports: Vec::new(),
        };
        if sink.format == Format::Jsonl {
            // Written with the first output, so that an error before any subject (exit 2)
            // leaves only the error document on standard output.
            sink.held = clawaudit::render::json::lines_header(&sink.at);
        }
        Ok(sink)
    }

    fn emit(&mut self, text: &str) -> Result<(), String> {
        use std::io::Write;
        if !self.print {
            return Ok(());
        }
        if !self.unapplied.is_empty() {
            self.held.push_str(text);
            return Ok(());
        }
        let held = std::mem::take(&mut self.held);
        self.out
            .write_all(held.as_bytes())
            .and_then(|()| self.out.write_all(text.as_bytes()))
            .map_err(|e| format!("standard output: {e}"))
    }

    /// What is printed so far reaches standard output (after each chunk: the run streams).
    fn flush(&mut self) -> Result<(), String> {
        use std::io::Write;
        self.out.flush().map_err(|e| format!("standard output: {e}"))
    }

    fn subject(&mut self, mut report: SubjectReport) -> Result<(), String> {
        note_flags_not_applied(&mut report, &self.flags);
        if self.strict {
            report.strict();
        }
        self.unapplied.retain(|(_, applies)| !applies.contains(&report.kind));
        self.tally.add(&report);
        match self.format {
            Format::Text => {
                let lines = clawaudit::render::text::subject(&report, self.text);
                self.emit(&lines)?;
            }
            Format::Jsonl => {
                let mut line = clawaudit::render::json::subject_line(&report);
                line.push('\n');
                self.emit(&line)?;
            }
            _ => {}
        }
        if self.keep_reports {
            self.reports.push(report);
        }
        Ok(())
    }

    /// The end of the run: a flag that applied to no subject is refused; under `--strict`
    /// every skipped file becomes a FAIL subject; then the skipped files and the summary, or
    /// the whole document.
    fn finish(mut self, skipped: Vec<Skipped>) -> Result<Finished, String> {
        if self.tally.subjects > 0 {
            if let Some((flag, applies)) = self.unapplied.first() {
                return Err(format!(
                    "{flag} applies to {} subjects only, and no subject given is one",
                    applies.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(" and ")
                ));
            }
        }
        self.unapplied.clear();
        let skipped = if self.strict {
            for s in Report::with_skipped(self.at.clone(), Vec::new(), skipped)
                .strict()
                .subjects
            {
                self.subject(s)?;
            }
            Vec::new()
        } else {
            skipped
        };
        let report = self
            .keep_reports
            .then(|| Report::with_skipped(self.at.clone(), std::mem::take(&mut self.reports), skipped.clone()));
        let tail = match (self.format, &report) {
            (Format::Text, _) => {
                let mut tail = String::new();
                if !self.text.quiet {
                    tail.push_str(&clawaudit::render::text::skipped(&skipped));
                }
                tail.push_str(&clawaudit::render::text::summary(&self.tally, skipped.len(), &self.at));
                tail
            }
            (Format::Jsonl, _) => clawaudit::render::json::lines_summary(&self.tally, &skipped),
            (format, Some(report)) if self.print => render_as(format, self.text, report),
            _ => String::new(),
        };
        self.emit(&tail)?;
        self.flush()?;
        let code = if self.tally.status() == Status::Pass {
            EXIT_PASS
        } else {
            EXIT_FAIL
        };
        Ok(Finished { code, report })
    }
}

/// The verification context from the flags: time, trust, limits, pins.
fn context(args: &VerifyArgs) -> Result<VerifyContext, String> {
    let at = match &args.at {
        Some(text) => parse_rfc3339(text).ok_or_else(|| format!("--at '{text}' is not an RFC 3339 date-time"))?,
        None => now_ms(),
    };
    let mut trust = Trust::empty();
    for path in &args.trust {
        trust
            .merge(read_trust(path)?)
            .map_err(|e| format!("--trust {}: {e}", path.display()))?;
    }
    for did in &args.log_signers {
        clawaudit::crypto::parse_did_key(did).map_err(|e| format!("--log-signers: {e}"))?;
        trust.log_signers.push(TrustEntry {
            did: did.clone(),
            name: None,
        });
    }
    if let Some(hash) = &args.expect_policy {
        clawaudit::crypto::b64::b64u_decode_array::<32>(hash).map_err(|e| {
            format!("--expect-policy \"{hash}\" is not a policy hash (canonical base64url of 32 bytes): {e}")
        })?;
    }
    let mut ctx = VerifyContext::new(at, trust);
    ctx.limits.json.max_bytes = args.max_input_bytes;
    ctx.expect_policy = args.expect_policy.clone();
    ctx.pins = Pins {
        job: args.expect_job.clone(),
        agent: args.expect_agent.clone(),
        sealer: args.expect_sealer.clone(),
        run: args.expect_run.clone(),
    };
    Ok(ctx)
}

/// One subject from standard input, named `-`. A ZIP (by its signature) may be as large as
/// the archive limit, anything else as large as `--max-input-bytes`; past the limit the rest
/// is counted, not kept, so an oversized input is reported with its real size.
fn read_stdin(kind: Option<Kind>, max_bytes: usize) -> Result<Subject, String> {
    use std::io::Read;
    let fail = |e: std::io::Error| format!("standard input: {e}");
    let mut input = std::io::stdin().lock();
    let mut bytes = Vec::new();
    (&mut input)
        .take(max_bytes.saturating_add(1) as u64)
        .read_to_end(&mut bytes)
        .map_err(fail)?;
    let zip_like = kind == Some(Kind::AuditBundle) || (kind.is_none() && bytes.starts_with(b"PK"));
    if zip_like && bytes.len() > max_bytes {
        let archive_limit = clawaudit::audit::container::ContainerLimits::default().max_archive_bytes;
        let more = archive_limit.saturating_add(1).saturating_sub(bytes.len() as u64);
        (&mut input).take(more).read_to_end(&mut bytes).map_err(fail)?;
    }
    let rest = std::io::copy(&mut input, &mut std::io::sink()).map_err(fail)?;
    let mut subject = Subject::new("-", bytes);
    if rest > 0 {
        subject.full_len = Some((subject.bytes.len() as u64).saturating_add(rest));
    }
    subject.kind = kind;
    Ok(subject)
}

/// The CLI is the one place that reads the clock.
fn now_ms() -> i64 {
    let now = std::time::SystemTime::now();
    match now.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

fn load_subject(path: &Path, kind: Option<Kind>, extras: &Extras, max_bytes: usize) -> Result<Subject, String> {
    let mut subject = read_subject(path, kind, max_bytes)?;
    subject.urm = match &extras.urm {
        Some(urm) => Some(urm.clone()),
        None => sibling_urm(path, max_bytes)?,
    };
    subject.artifact = extras.artifact.clone();
    subject.policy = extras.policy.clone();
    Ok(subject)
}

/// `X-bundle.json` → `X-urm.json`, when it exists.
/// A file that exists but cannot be read is an error, not a missing document.
fn sibling_urm(path: &Path, max_bytes: usize) -> Result<Option<Vec<u8>>, String> {
    let Some(stem) = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix("-bundle.json"))
    else {
        return Ok(None);
    };
    let candidate = path.with_file_name(format!("{stem}-urm.json"));
    if !candidate.exists() {
        return Ok(None);
    }
    read_bounded(&candidate, max_bytes)
        .map(Some)
        .map_err(|e| format!("{}: {e}", candidate.display()))
}

/// `--policy` and `--policy-parent`, read once for every subject.
fn given_policy(args: &VerifyArgs) -> Result<Option<std::sync::Arc<GivenPolicy>>, String> {
    let Some(wpc) = &args.policy else {
        return Ok(None);
    };
    let read = |p: &PathBuf| Ok((p.display().to_string(), read_file(p, args.max_input_bytes)?));
    Ok(Some(std::sync::Arc::new(GivenPolicy {
        wpc: read(wpc)?,
        parents: args.policy_parents.iter().map(read).collect::<Result<_, String>>()?,
    })))
}
