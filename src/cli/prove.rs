//! `clawaudit prove RUN.audit.zip ENTRY_PATH -o proof.json`

use std::io::Read;
use std::path::PathBuf;

use clap::Args;

use super::{usage_error, EXIT_PASS};
use clawaudit::audit::container::ContainerLimits;
use clawaudit::produce::prove::build_proof;
use clawaudit::produce::seal::json_bytes;

#[derive(Args, Debug)]
#[command(
    after_help = "Example:\n  clawaudit prove run-42.audit.zip artifacts/policy/wpc.json -o wpc.proof.json\n  clawaudit verify wpc.proof.json --artifact wpc.json --trust trust.json"
)]
pub struct ProveArgs {
    /// The sealed bundle.
    pub bundle: PathBuf,
    /// The entry to prove, as listed in the manifest (e.g. artifacts/policy/wpc.json).
    pub entry: String,
    /// Output file.
    #[arg(short = 'o', long = "out", alias = "output")]
    pub output: PathBuf,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: ProveArgs) -> u8 {
    match run_inner(args) {
        Ok(()) => EXIT_PASS,
        Err(message) => usage_error(message),
    }
}

fn run_inner(args: ProveArgs) -> Result<(), String> {
    let limits = ContainerLimits::default();
    let file = std::fs::File::open(&args.bundle).map_err(|e| format!("{}: {e}", args.bundle.display()))?;
    let mut bytes = Vec::new();
    file.take(limits.max_archive_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", args.bundle.display()))?;
    let proof = build_proof(&bytes, &args.entry, &limits).map_err(|e| format!("{}: {e}", args.bundle.display()))?;
    super::produce::write_output(&args.output, &json_bytes(&proof), args.force)?;
    let index = proof
        .get("leaf_index")
        .and_then(clawaudit::json::Value::as_u64)
        .unwrap_or(0);
    println!(
        "wrote the inclusion proof of {} (leaf {index}) to {}",
        args.entry,
        args.output.display()
    );
    Ok(())
}
