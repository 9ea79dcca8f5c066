//! `clawaudit simulate rotation FIXTURE --trust T --out OUT_DIR [--inject F]... [--matrix]
//! [--seal-key KEY] [--require-complete] [--format text|json]` (spec 30 §5, §6).
//!
//! The binary reads the fixture (a folder with `artifacts/…`, or a sealed `.audit.zip`), the
//! trust file and the key, checks every flag before judging, and writes the outputs the
//! library builds. Usage errors (an unreadable path, an unknown fault, an unwritable OUT_DIR)
//! exit 2 and write nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};

use super::{usage_error, EXIT_FAIL, EXIT_PASS};
use clawaudit::audit::container::read_container;
use clawaudit::context::{ContainerLimits, VerifyContext};
use clawaudit::produce::seal::seal_rotation_simulation;
use clawaudit::rotation::fixture::FixtureFiles;
use clawaudit::rotation::model::{Judgement, Outcome, StepRecord};
use clawaudit::rotation::output::{self, MatrixRow};
use clawaudit::rotation::whatif::{judge_with_faults, run_matrix, Fault};

#[derive(Subcommand, Debug)]
pub enum SimulateCommand {
    /// Replay a recorded credential-rotation run against its own signed policy and plans.
    #[command(
        after_help = "Writes OUT_DIR/steps.ndjson, summary.json, gate-report.json and gate-report.md (and matrix.json with\n\
--matrix, run.audit.zip with --seal-key). Faults (repeatable --inject): health_fail@SEQ, drop_approval@RECEIPT_ID,\n\
expire_token@PHASE, skip_canary@SECRET, revoke_early@SECRET, reuse_token@PHASE; injected facts are simulated, not signed.\n\n\
Exit codes: 0 complete or halted_safe (1 for halted_safe with --require-complete), 1 violated or incomplete, 2 usage errors.\n\n\
Example:\n  clawaudit simulate rotation testvectors/rotation/complete --trust testvectors/trust/rotation.json --out out/"
    )]
    Rotation(RotationArgs),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum SimFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct RotationArgs {
    /// The fixture: a directory containing artifacts/…, or a sealed .audit.zip.
    pub fixture: PathBuf,
    /// Trust file.
    #[arg(long)]
    pub trust: PathBuf,
    /// Judging time, RFC 3339 (default: now).
    #[arg(long)]
    pub at: Option<String>,
    /// Output directory (created; files of the output names are replaced, nothing else is touched).
    #[arg(long)]
    pub out: PathBuf,
    /// A fault to apply before judging (repeatable): NAME@TARGET.
    #[arg(long = "inject", value_name = "FAULT")]
    pub inject: Vec<String>,
    /// Apply every fault at every point where it applies, one at a time; writes matrix.json.
    #[arg(long)]
    pub matrix: bool,
    /// Seal the fixture and the outputs into OUT_DIR/run.audit.zip with this key.
    #[arg(long, value_name = "KEY")]
    pub seal_key: Option<PathBuf>,
    /// Exit 1 unless the outcome is complete.
    #[arg(long)]
    pub require_complete: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: SimFormat,
}

pub fn run(cmd: SimulateCommand) -> u8 {
    let SimulateCommand::Rotation(args) = cmd;
    match run_rotation(&args) {
        Ok(code) => code,
        Err(message) => usage_error(message),
    }
}

/// Read the fixture: a folder's `artifacts/…`, or a sealed bundle's entries. `Ok(Err(why))`
/// is a fixture that cannot be read as one (a hostile archive): a FAIL, not a usage error.
fn read_fixture(path: &Path) -> Result<Result<FixtureFiles, String>, String> {
    if path.is_dir() {
        return Ok(Ok(FixtureFiles::new(super::produce::read_artifacts_dir(path)?)));
    }
    let limits = ContainerLimits::default();
    let max = usize::try_from(limits.max_archive_bytes).unwrap_or(usize::MAX);
    let bytes = super::read::read_file(path, max)?;
    Ok(match read_container(&bytes, &limits) {
        Ok(c) => Ok(FixtureFiles::new(
            c.names()
                .filter(|n| n.starts_with("artifacts/"))
                .filter_map(|n| c.get(n).map(|b| (n.to_string(), b.to_vec())))
                .collect::<Vec<_>>(),
        )),
        Err(failures) => Err(failures
            .iter()
            .map(|f| format!("{}: {}", f.code, f.detail))
            .collect::<Vec<_>>()
            .join("; ")),
    })
}

fn run_rotation(args: &RotationArgs) -> Result<u8, String> {
    // Every flag is checked before anything is judged or written.
    let faults: Vec<Fault> = args.inject.iter().map(|f| Fault::parse(f)).collect::<Result<_, _>>()?;
    if args.seal_key.is_some() && !faults.is_empty() {
        return Err("--seal-key seals the recorded run; with --inject the facts are simulated, not signed, so they cannot be sealed".into());
    }
    let trust = super::read::read_trust(&args.trust)?;
    let at = super::produce::time_or_now(args.at.as_deref(), "--at")?;
    let at =
        clawaudit::timeutil::parse_rfc3339(&at).ok_or_else(|| format!("--at \"{at}\" is not an RFC 3339 date-time"))?;
    let signer = match &args.seal_key {
        Some(k) => Some(super::produce::load_key_file(k)?),
        None => None,
    };
    let files = match read_fixture(&args.fixture)? {
        Ok(files) => files,
        Err(why) => {
            println!(
                "FAIL {}: ROTATION_FIXTURE_INVALID: the fixture cannot be read: {why}",
                args.fixture.display()
            );
            return Ok(EXIT_FAIL);
        }
    };
    std::fs::create_dir_all(&args.out).map_err(|e| format!("cannot create --out {}: {e}", args.out.display()))?;
    let ctx = VerifyContext::new(at, trust);
    let fault_texts: Vec<String> = faults.iter().map(Fault::text).collect();

    let steps_path = args.out.join("steps.ndjson");
    let steps_file =
        std::fs::File::create(&steps_path).map_err(|e| format!("cannot write {}: {e}", steps_path.display()))?;
    let mut steps = std::io::BufWriter::new(steps_file);
    let mut write_error: Option<String> = None;
    let mut sink = |s: StepRecord| {
        if write_error.is_none() {
            if let Err(e) = writeln!(steps, "{}", output::step_line(&s)) {
                write_error = Some(format!("cannot write {}: {e}", steps_path.display()));
            }
        }
    };
    let judgement = judge_with_faults(&files, &ctx, &faults, Some(&mut sink))?;
    if let Some(e) = write_error {
        return Err(e);
    }
    steps
        .flush()
        .map_err(|e| format!("cannot write {}: {e}", steps_path.display()))?;
    drop(steps);

    let summary = output::summary(&judgement, &fault_texts);
    let gate = output::gate_report(&judgement, &fault_texts);
    let gate_md = output::gate_report_md(&judgement, &fault_texts);
    let pretty = |v: &serde_json::Value| format!("{}\n", serde_json::to_string_pretty(v).unwrap_or_default());
    write(&args.out, "summary.json", pretty(&summary).as_bytes())?;
    write(&args.out, "gate-report.json", pretty(&gate).as_bytes())?;
    write(&args.out, "gate-report.md", gate_md.as_bytes())?;
    let rows = if args.matrix {
        run_matrix(&files, &ctx)
    } else {
        Vec::new()
    };
    if args.matrix {
        write(&args.out, "matrix.json", pretty(&output::matrix(&rows)).as_bytes())?;
    }
    if let Some(signer) = &signer {
        let mut attachments = Vec::new();
        for name in ["steps.ndjson", "summary.json", "gate-report.json", "gate-report.md"] {
            let bytes = std::fs::read(args.out.join(name)).map_err(|e| format!("{name}: {e}"))?;
            attachments.push((name, bytes));
        }
        let bundle = seal_rotation_simulation(&files.sorted(), &attachments, signer)?;
        write(&args.out, "run.audit.zip", &bundle)?;
    }
    match args.format {
        SimFormat::Json => println!("{}", serde_json::to_string_pretty(&summary).unwrap_or_default()),
        SimFormat::Text => print_text(&judgement, &fault_texts, args.matrix.then_some(rows.as_slice())),
    }
    Ok(exit_code(judgement.outcome, args.require_complete))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn exit_code(outcome: Outcome, require_complete: bool) -> u8 {
    match outcome {
        Outcome::Complete => EXIT_PASS,
        Outcome::HaltedSafe if !require_complete => EXIT_PASS,
        _ => EXIT_FAIL,
    }
}

fn print_text(j: &Judgement, faults: &[String], matrix: Option<&[MatrixRow]>) {
    if !faults.is_empty() {
        println!("what-if run with {}: {}", faults.join(", "), output::SIMULATED_NOTE);
    }
    for v in &j.violations {
        let seq = v.seq.map_or("-".to_string(), |s| s.to_string());
        println!("seq {seq:>4}  {}  {}", v.code, v.detail);
    }
    if j.violations_total > j.violations.len() as u64 {
        println!(
            "… and {} more violations",
            j.violations_total - j.violations.len() as u64
        );
    }
    for (_, w) in &j.warnings {
        println!("warn  {w}");
    }
    println!(
        "outcome: {} ({} events, {} violations; gate report: {})",
        j.outcome.as_str(),
        j.events,
        j.violations_total,
        output::recommendation(j)
    );
    if let Some(rows) = matrix {
        let caught = rows.iter().filter(|r| r.caught()).count();
        println!("matrix: {caught} of {} faults caught", rows.len());
        for r in rows.iter().filter(|r| !r.caught()) {
            println!("  not caught: {} (outcome {})", r.fault, r.outcome.as_str());
        }
    }
}
