//! `clawaudit policy sign|hash`

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::produce::load_key_file;
use super::produce::{read_json, time_or_now, write_json};
use super::{usage_error, EXIT_PASS};
use clawaudit::policy::wpc::{policy_hash_of_file, sign_policy};

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Sign a WPC payload (v1 or v2) as a work_policy_contract envelope.
    Sign(PolicySignArgs),
    /// Print a WPC's policy hash, sha256_b64u(JCS(payload)), and nothing else.
    Hash(PolicyHashArgs),
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  clawaudit policy sign wpc-payload.json --key issuer.key.json -o wpc.json\n  \
clawaudit policy sign wpc-payload.json --key issuer.key.json --issued-at 2026-03-01T09:00:00Z -o wpc.json\n\n\
The payload is checked against the WPC v1/v2 schema and its metadata.clawaudit extension \
(e.g. min_approvers < 1 is refused); its issuer_did must be the key's DID."
)]
pub struct PolicySignArgs {
    /// The WPC payload (JSON).
    pub payload: PathBuf,
    /// Key file of the policy issuer.
    #[arg(long)]
    pub key: PathBuf,
    /// The envelope's issued_at (RFC 3339). Default: now.
    #[arg(long, allow_hyphen_values = true)]
    pub issued_at: Option<String>,
    /// Where to write the signed envelope.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  clawaudit policy hash wpc.json\n  \
clawaudit verify run.audit.zip --trust trust.json --expect-policy=$(clawaudit policy hash wpc.json)")]
pub struct PolicyHashArgs {
    /// A signed WPC envelope (its payload_hash_b64u must match) or a bare WPC payload.
    pub file: PathBuf,
}

pub fn run(cmd: PolicyCommand) -> u8 {
    let result = match cmd {
        PolicyCommand::Sign(args) => sign(args),
        PolicyCommand::Hash(args) => read_json(&args.file, "policy").and_then(|v| {
            let hash = policy_hash_of_file(&v)?;
            println!("{hash}");
            Ok(())
        }),
    };
    match result {
        Ok(()) => EXIT_PASS,
        Err(e) => usage_error(e),
    }
}

fn sign(args: PolicySignArgs) -> Result<(), String> {
    let payload = read_json(&args.payload, "WPC payload")?;
    let signer = load_key_file(&args.key)?;
    let issued_at = time_or_now(args.issued_at.as_deref(), "--issued-at")?;
    let envelope = sign_policy(&signer, payload, &issued_at)?;
    write_json(&args.out, &envelope)
}
