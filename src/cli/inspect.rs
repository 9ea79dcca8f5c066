//! `clawaudit inspect PATH`: what a sealed bundle or proof bundle holds, every hash with its
//! recipe, every signer with its trust roles; no verdict. Exit 0 when the file was read as a
//! known kind, 2 otherwise.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::read::{read_subject, read_trust};
use super::{usage_error, EXIT_PASS};
use clawaudit::context::Limits;
use clawaudit::inspect::inspect;
use clawaudit::render::inspect::{render_json, render_json_error, render_text};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  clawaudit inspect run-42.audit.zip --trust trust.json\n  clawaudit inspect bundle.json --format json"
)]
pub struct InspectArgs {
    /// A sealed audit bundle (ZIP) or a proof bundle (JSON).
    pub path: PathBuf,
    /// Trust roots, to show the roles each signer holds: a clawaudit trust.json or a Clawsig
    /// verifier config.
    #[arg(long)]
    pub trust: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: InspectFormat,
    /// Largest input file accepted, in bytes (a sealed bundle may be as large as the archive
    /// limit), as for verify.
    #[arg(long, default_value_t = 64 * 1024 * 1024)]
    pub max_input_bytes: usize,
}

pub fn run(args: InspectArgs) -> u8 {
    match run_inner(&args) {
        Ok(out) => {
            print!("{out}");
            EXIT_PASS
        }
        Err(message) => {
            // JSON output carries the error on standard output too: never an empty document.
            if args.format == InspectFormat::Json {
                print!("{}", render_json_error(&message));
            }
            usage_error(message)
        }
    }
}

fn run_inner(args: &InspectArgs) -> Result<String, String> {
    let trust = args.trust.as_deref().map(read_trust).transpose()?;
    let subject = read_subject(&args.path, None, args.max_input_bytes)?;
    let mut limits = Limits::default();
    limits.json.max_bytes = args.max_input_bytes;
    let inspection = inspect(&subject, trust.as_ref(), &limits).map_err(|e| format!("{}: {e}", subject.path))?;
    Ok(match args.format {
        InspectFormat::Text => render_text(&inspection),
        InspectFormat::Json => render_json(&inspection),
    })
}
