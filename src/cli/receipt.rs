//! `clawaudit receipt sign`: a Clawsig gateway receipt envelope (JSS payload hash), bound
//! to a policy and a token.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::produce::load_key_file;
use super::produce::{read_bytes, read_json, time_or_now, write_json};
use super::{usage_error, EXIT_PASS};
use clawaudit::json::Value;
use clawaudit::policy::cst::{decode_compact, token_scope_hash};
use clawaudit::policy::wpc::policy_hash_of_file;
use clawaudit::produce::receipt::build_receipt;
use clawaudit::timeutil::parse_rfc3339;

#[derive(Subcommand, Debug)]
pub enum ReceiptCommand {
    /// Sign a gateway receipt payload as a Clawsig gateway_receipt envelope.
    Sign(ReceiptSignArgs),
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  clawaudit receipt sign receipt-payload.json --key gateway.key.json --policy wpc.json --token cst.jwt -o receipts/r1.json\n  \
clawaudit receipt sign payload.json --key gateway.key.json --issued-at 2026-03-01T11:10:00Z -o r1.json\n\n\
Every field of the payload is kept in its order; binding.policy_hash and binding.token_scope_hash_b64u \
are filled from --policy and --token (a conflicting existing value is refused)."
)]
pub struct ReceiptSignArgs {
    /// The gateway receipt payload (gateway_receipt.v1).
    pub payload: PathBuf,
    /// Key file of the gateway.
    #[arg(long)]
    pub key: PathBuf,
    /// The signed WPC: sets binding.policy_hash.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// The CST: sets binding.token_scope_hash_b64u.
    #[arg(long)]
    pub token: Option<PathBuf>,
    /// The envelope's issued_at (RFC 3339). Default: the payload's timestamp, else now.
    #[arg(long, allow_hyphen_values = true)]
    pub issued_at: Option<String>,
    /// Where to write the envelope.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
}

pub fn run(cmd: ReceiptCommand) -> u8 {
    let ReceiptCommand::Sign(args) = cmd;
    match sign(args) {
        Ok(()) => EXIT_PASS,
        Err(e) => usage_error(e),
    }
}

fn sign(args: ReceiptSignArgs) -> Result<(), String> {
    let payload = read_json(&args.payload, "receipt payload")?;
    let signer = load_key_file(&args.key)?;
    let policy_hash = match &args.policy {
        Some(path) => Some(policy_hash_of_file(&read_json(path, "policy")?)?),
        None => None,
    };
    let scope_hash = match &args.token {
        Some(path) => {
            let token = decode_compact(&read_bytes(path, "token")?).map_err(|e| format!("{}: {e}", path.display()))?;
            Some(token_scope_hash(&token.claims)?)
        }
        None => None,
    };
    let default_time = payload
        .get("timestamp")
        .and_then(Value::as_str)
        .filter(|t| parse_rfc3339(t).is_some());
    let issued_at = time_or_now(args.issued_at.as_deref().or(default_time), "--issued-at")?;
    let envelope = build_receipt(
        &signer,
        payload,
        policy_hash.as_deref(),
        scope_hash.as_deref(),
        &issued_at,
    )?;
    write_json(&args.out, &envelope)
}
