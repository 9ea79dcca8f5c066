//! `clawaudit token mint`

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::produce::load_key_file;
use super::produce::{epoch_seconds, now_rfc3339, read_json, write_text};
use super::{usage_error, EXIT_PASS};
use clawaudit::policy::cst::mint_token;
use clawaudit::policy::wpc::read_policy_for_producer;
use clawaudit::produce::token::{set_token_times, TokenTimes};

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Mint a scoped token (CST): a compact EdDSA JWS over the claims.
    Mint(TokenMintArgs),
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  clawaudit token mint --key token-issuer.key.json --claims claims.json --policy wpc.json -o cst.jwt\n  \
clawaudit token mint --key k.json --claims claims.json --iat 2026-03-01T11:00:00Z --ttl 600 -o cst.jwt\n\n\
token_scope_hash_b64u is filled in. With --policy, a missing policy_hash_b64u is set to the policy's \
hash; a lifetime above the policy's cst_ttl_seconds_max (or 3600 s), a pin to another policy, or a \
missing mission_id when the policy requires job binding is refused (exit 2, no file written)."
)]
pub struct TokenMintArgs {
    /// Key file of the token issuer.
    #[arg(long)]
    pub key: PathBuf,
    /// The claims (JSON object per scoped_token_claims.v1).
    #[arg(long)]
    pub claims: PathBuf,
    /// The signed WPC the token runs under.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Issued-at (epoch seconds or RFC 3339); overrides the claims. Default: the claims' iat, else now.
    #[arg(long, allow_hyphen_values = true)]
    pub iat: Option<String>,
    /// Expiry (epoch seconds or RFC 3339); overrides the claims.
    #[arg(long, allow_hyphen_values = true, conflicts_with = "ttl")]
    pub exp: Option<String>,
    /// Lifetime in seconds: exp = iat + TTL.
    #[arg(long)]
    pub ttl: Option<i64>,
    /// Where to write the token.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
}

pub fn run(cmd: TokenCommand) -> u8 {
    let TokenCommand::Mint(args) = cmd;
    match mint(args) {
        Ok(()) => EXIT_PASS,
        Err(e) => usage_error(e),
    }
}

fn mint(args: TokenMintArgs) -> Result<(), String> {
    let mut claims = read_json(&args.claims, "claims")?;
    let signer = load_key_file(&args.key)?;
    let policy = match &args.policy {
        Some(path) => Some(read_policy_for_producer(&read_json(path, "policy")?)?),
        None => None,
    };
    let times = TokenTimes {
        iat: args.iat.as_deref().map(|t| epoch_seconds(t, "--iat")).transpose()?,
        exp: args.exp.as_deref().map(|t| epoch_seconds(t, "--exp")).transpose()?,
        ttl: args.ttl,
        now: epoch_seconds(&now_rfc3339(), "now")?,
    };
    set_token_times(&mut claims, &times)?;
    let jws = mint_token(&signer, claims, policy.as_ref())?;
    write_text(&args.out, &jws)
}
