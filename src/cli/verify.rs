//! `clawaudit verify PATH...`

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use rayon::prelude::*;

use super::{usage_error, EXIT_FAIL, EXIT_PASS};
use clawaudit::context::{Pins, VerifyContext};
use clawaudit::render::text::TextOptions;
use clawaudit::report::{Kind, Report, Skipped, Status};
use clawaudit::timeutil::{format_rfc3339, parse_rfc3339};
use clawaudit::trust::{Trust, TrustEntry};
use clawaudit::verify::policy::GivenPolicy;
use clawaudit::verify::{note_flags_not_applied, verify_subject_keeping, verify_walked, RunFlags, Subject, Verified};

use super::read::{read_bounded, read_file, read_subject, read_trust};
use super::walk;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Jsonl,
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
    /// Trust roots: a clawaudit trust.json or a Clawsig verifier config.
    #[arg(long)]
    pub trust: Option<PathBuf>,
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
    let subjects = load_subjects(&args, &walk, stdin)?;
    let run = |(s, walked): &(Subject, bool)| {
        if *walked {
            verify_walked(s, &ctx)
        } else {
            let (report, doc) = verify_subject_keeping(s, &ctx);
            Verified::Report(report, doc)
        }
    };
    // One subject runs on this thread: no thread pool unless the verifier itself wants one.
    let verified: Vec<Verified> = if subjects.len() > 1 {
        subjects.par_iter().map(run).collect()
    } else {
        subjects.iter().map(run).collect()
    };
    let (report, documents) = assemble(&args, &ctx, &walk, &subjects, verified)?;
    let out = match args.format {
        Format::Text => clawaudit::render::text::render(
            &report,
            TextOptions {
                color: use_color(args.color),
                quiet: args.quiet,
            },
        ),
        Format::Json => clawaudit::render::json::render(&report),
        Format::Jsonl => clawaudit::render::json::render_lines(&report),
    };
    print!("{out}");
    let code = if report.status == Status::Pass {
        EXIT_PASS
    } else {
        EXIT_FAIL
    };
    // The process exits right after this. Freeing the parsed documents (one allocation per
    // JSON string: ~1.6 ms for a 1.5 MB bundle), the input bytes and the report would only
    // delay the exit, and the OS reclaims the memory anyway, so they are deliberately leaked.
    std::mem::forget(documents);
    std::mem::forget(subjects);
    std::mem::forget(report);
    Ok(code)
}

/// The verification context from the flags: time, trust, limits, pins.
fn context(args: &VerifyArgs) -> Result<VerifyContext, String> {
    let at = match &args.at {
        Some(text) => parse_rfc3339(text).ok_or_else(|| format!("--at '{text}' is not an RFC 3339 date-time"))?,
        None => now_ms(),
    };
    let mut trust = match &args.trust {
        Some(path) => read_trust(path)?,
        None => Trust::empty(),
    };
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

/// Read every subject (and standard input); each is paired with whether a walk found it.
/// Reading is I/O and stays here; a file that cannot be read stops the run (exit 2).
fn load_subjects(args: &VerifyArgs, walk: &walk::Walk, stdin: bool) -> Result<Vec<(Subject, bool)>, String> {
    let urm_override = match &args.urm {
        Some(p) => Some(read_file(p, args.max_input_bytes)?),
        None => None,
    };
    let artifact = match &args.artifact {
        Some(p) => Some(read_file(p, args.max_input_bytes)?),
        None => None,
    };
    let kind = args.kind.map(KindArg::kind);
    let mut subjects: Vec<(Subject, bool)> = walk
        .files
        .iter()
        .map(|c| {
            let subject = load_subject(
                &c.path,
                kind,
                urm_override.as_ref(),
                artifact.as_ref(),
                args.max_input_bytes,
            )?;
            Ok((subject, c.walked))
        })
        .collect::<Result<_, String>>()?;
    if stdin {
        let mut subject = read_stdin(kind, args.max_input_bytes)?;
        subject.urm = urm_override;
        subject.artifact = artifact;
        subjects.push((subject, false));
    }
    if let Some(given) = given_policy(args)? {
        for (subject, _) in &mut subjects {
            subject.policy = Some(given.clone());
        }
    }
    Ok(subjects)
}

/// The run's report from what was verified: skipped files listed, flags that applied to no
/// subject refused (exit 2), the others noted where they did not apply, `--strict` applied.
/// The parsed documents come back separately, for the caller to leak at exit.
fn assemble(
    args: &VerifyArgs,
    ctx: &VerifyContext,
    walk: &walk::Walk,
    subjects: &[(Subject, bool)],
    verified: Vec<Verified>,
) -> Result<(Report, Vec<Option<clawaudit::json::Value>>), String> {
    let mut skipped: Vec<Skipped> = walk
        .skipped
        .iter()
        .map(|s| Skipped {
            path: s.path.display().to_string(),
            why: s.why.clone(),
        })
        .collect();
    let mut reports = Vec::with_capacity(verified.len());
    let mut documents = Vec::with_capacity(verified.len());
    for (v, (subject, _)) in verified.into_iter().zip(subjects) {
        match v {
            Verified::Report(report, doc) => {
                reports.push(report);
                documents.push(doc);
            }
            Verified::NotASubject { role } => skipped.push(Skipped {
                path: subject.path.clone(),
                why: format!("not a subject ({role})"),
            }),
        }
    }
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    let flags = RunFlags {
        artifact: args.artifact.is_some(),
        expect_policy: args.expect_policy.is_some(),
        policy: args.policy.is_some(),
        pins: ctx.pins.clone(),
    };
    for (flag, applies) in flags.each() {
        if !reports.is_empty() && !reports.iter().any(|r| applies.contains(&r.kind)) {
            return Err(format!(
                "{flag} applies to {} subjects only, and no subject given is one",
                applies.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(" and ")
            ));
        }
    }
    for report in &mut reports {
        note_flags_not_applied(report, &flags);
    }
    let mut report = Report::with_skipped(format_rfc3339(ctx.at), reports, skipped);
    if args.strict {
        report = report.strict();
    }
    Ok((report, documents))
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

fn load_subject(
    path: &Path,
    kind: Option<Kind>,
    urm_override: Option<&Vec<u8>>,
    artifact: Option<&Vec<u8>>,
    max_bytes: usize,
) -> Result<Subject, String> {
    let mut subject = read_subject(path, kind, max_bytes)?;
    subject.urm = match urm_override {
        Some(urm) => Some(urm.clone()),
        None => sibling_urm(path, max_bytes)?,
    };
    subject.artifact = artifact.cloned();
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
