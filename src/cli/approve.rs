//! `clawaudit approve`

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::produce::load_key_file;
use super::produce::{read_json, time_or_now, write_json};
use super::{usage_error, EXIT_PASS};
use clawaudit::policy::approvals::{ApprovalRequest, Decision};
use clawaudit::policy::wpc::read_policy_for_producer;
use clawaudit::produce::approval::approve as approve_plan;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DecisionArg {
    Approve,
    Deny,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    UiClick,
    CliConfirm,
    ApiCall,
}

impl MethodArg {
    fn as_str(self) -> &'static str {
        match self {
            MethodArg::UiClick => "ui_click",
            MethodArg::CliConfirm => "cli_confirm",
            MethodArg::ApiCall => "api_call",
        }
    }
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  clawaudit approve --plan plans/stage_new_secret.json --policy wpc.json --key alice.key.json \\\n    \
--subject alice@example.com --agent-did did:key:z6Mk… --decision approve -o approvals/a1.json\n  \
clawaudit approve --plan p.json --policy wpc.json --key bob.key.json --subject bob@example.com \\\n    \
--agent-did did:key:z6Mk… --decision deny --receipt-id b1 --timestamp 2026-03-01T11:30:00Z -o approvals/b1.json\n\n\
The plan's gate must be declared by the policy's clawaudit extension. The job and gate come from the plan."
)]
pub struct ApproveArgs {
    /// The plan being approved.
    #[arg(long)]
    pub plan: PathBuf,
    /// The signed WPC the approval is given under.
    #[arg(long)]
    pub policy: PathBuf,
    /// The approver's key file.
    #[arg(long)]
    pub key: PathBuf,
    /// The approver's identity (the trust file's subject for this key, or its DID).
    #[arg(long, allow_hyphen_values = true)]
    pub subject: String,
    /// The agent that asked for the change.
    #[arg(long)]
    pub agent_did: String,
    #[arg(long, value_enum)]
    pub decision: DecisionArg,
    /// Default: derived from the scope, key, decision and time.
    #[arg(long, allow_hyphen_values = true)]
    pub receipt_id: Option<String>,
    /// RFC 3339. Default: now.
    #[arg(long, allow_hyphen_values = true)]
    pub timestamp: Option<String>,
    #[arg(long, value_enum)]
    pub method: Option<MethodArg>,
    /// Run id to bind (optional).
    #[arg(long, allow_hyphen_values = true)]
    pub run_id: Option<String>,
    /// Where to write the approval envelope.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
}

pub fn run(args: ApproveArgs) -> u8 {
    match approve(args) {
        Ok(()) => EXIT_PASS,
        Err(e) => usage_error(e),
    }
}

fn approve(args: ApproveArgs) -> Result<(), String> {
    let plan = read_json(&args.plan, "plan")?;
    let policy = read_policy_for_producer(&read_json(&args.policy, "policy")?)?;
    let signer = load_key_file(&args.key)?;
    let timestamp = time_or_now(args.timestamp.as_deref(), "--timestamp")?;
    let envelope = approve_plan(
        &signer,
        &policy,
        &ApprovalRequest {
            plan: &plan,
            policy_hash_b64u: &policy.hash_b64u,
            approver_subject: &args.subject,
            agent_did: &args.agent_did,
            decision: match args.decision {
                DecisionArg::Approve => Decision::Approve,
                DecisionArg::Deny => Decision::Deny,
            },
            timestamp: &timestamp,
            receipt_id: args.receipt_id.as_deref(),
            method: args.method.map(MethodArg::as_str),
            run_id: args.run_id.as_deref(),
        },
    )?;
    write_json(&args.out, &envelope)
}
