//! `clawaudit seal DIR --key KEY --job-id J -o RUN.audit.zip`

use std::path::PathBuf;

use clap::Args;

use super::produce::read_artifacts_dir;
use super::produce::write_output;
use super::{usage_error, EXIT_PASS};
use clawaudit::produce::seal::{job_id_from_scenario, seal_checked, seal_entries, SealOptions};

#[derive(Args, Debug)]
#[command(
    after_help = "DIR holds artifacts/… exactly as they will appear in the ZIP (artifacts/policy/wpc.json, artifacts/token/cst.jwt,\n\
artifacts/plans/<gate>.json, artifacts/approvals/<id>.json, artifacts/receipts/<id>.json, artifacts/proof_bundle.json,\n\
artifacts/trust_pulse.json, artifacts/attachments/…; a rotation run: artifacts/rotation/scenario.json, events.ndjson,\n\
tokens/<name>.jwt). The same inputs, key, --bundle-id and --created-at give a byte-identical file.\n\n\
A bundle that could never verify is refused (exit 2, nothing written): one its own verifier refuses for a container,\n\
checkpoint or manifest reason, or with approvals or a token dated after --created-at. What the run itself did wrong\n\
(a quorum not met, a receipt bound to another policy) is sealed: the bundle records what happened.\n\n\
Example:\n  clawaudit seal run-42/ --key sealer.key.json --job-id job-42 --run-id run_42 --created-at 2026-02-18T00:00:00Z -o run-42.audit.zip"
)]
pub struct SealArgs {
    /// Directory containing artifacts/.
    pub dir: PathBuf,
    /// Sealer key file ({"key_version":"1","did":…,"secret_key_b64u":…}).
    #[arg(long)]
    pub key: PathBuf,
    /// Job the run belongs to (checkpoint subject.job_id). Default for a rotation fixture:
    /// the job_id of artifacts/rotation/scenario.json.
    #[arg(long)]
    pub job_id: Option<String>,
    /// Run id (checkpoint subject.run_id).
    #[arg(long)]
    pub run_id: Option<String>,
    /// Agent DID (checkpoint subject.agent_did).
    #[arg(long)]
    pub agent_did: Option<String>,
    /// Bundle id (default: derived from the job id and the Merkle root).
    #[arg(long)]
    pub bundle_id: Option<String>,
    /// Checkpoint creation time, RFC 3339 (default: now).
    #[arg(long)]
    pub created_at: Option<String>,
    /// Checkpoint expiry, RFC 3339 (signed, inside the payload).
    #[arg(long)]
    pub expires_at: Option<String>,
    /// Output file.
    #[arg(short = 'o', long = "out", alias = "output")]
    pub output: PathBuf,
    /// Seal even what could never verify (see above), and replace an existing output file.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: SealArgs) -> u8 {
    match run_inner(args) {
        Ok(()) => EXIT_PASS,
        Err(message) => usage_error(message),
    }
}

fn run_inner(args: SealArgs) -> Result<(), String> {
    let signer = super::produce::load_key_file(&args.key)?;
    let artifacts = read_artifacts_dir(&args.dir)?;
    let job_id = match args.job_id {
        Some(j) => j,
        None => job_id_from_scenario(&artifacts)?,
    };
    let options = SealOptions {
        job_id,
        run_id: args.run_id,
        agent_did: args.agent_did,
        bundle_id: args.bundle_id,
        // The CLI edge is the one place that reads the clock.
        created_at: args.created_at.unwrap_or_else(super::produce::now_rfc3339),
        expires_at: args.expires_at,
    };
    let bytes = if args.force {
        seal_entries(&artifacts, &signer, &options)?
    } else {
        seal_checked(&artifacts, &signer, &options).map_err(|reasons| {
            format!(
                "{} could never verify, so nothing was written (--force seals it anyway):\n  {}",
                args.dir.display(),
                reasons.join("\n  ")
            )
        })?
    };
    write_output(&args.output, &bytes, args.force)?;
    println!(
        "sealed {} artifacts into {} ({} bytes), sealer {}",
        artifacts.len(),
        args.output.display(),
        bytes.len(),
        signer.did()
    );
    Ok(())
}
