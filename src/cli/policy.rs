//! `clawaudit policy sign|hash|eval`

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::produce::load_key_file;
use super::produce::{read_json, time_or_now, write_json};
use super::{usage_error, EXIT_FAIL, EXIT_PASS};
use clawaudit::policy::eval::condition::ConditionTrace;
use clawaudit::policy::eval::{parse_policy, payload_of, Chain, Policy, Request, StatementTrace};
use clawaudit::policy::wpc::{policy_hash_of_file, sign_policy, validate_payload};

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Sign a WPC payload (v1 or v2) as a work_policy_contract envelope.
    Sign(PolicySignArgs),
    /// Print a WPC's policy hash, sha256_b64u(JCS(payload)), and nothing else.
    Hash(PolicyHashArgs),
    /// Evaluate one request against a WPC: ALLOW (exit 0) or DENY (exit 1), and the deciding
    /// statements. An IAM simulator for WPCs; the rules are in docs/policy-evaluation.md.
    Eval(PolicyEvalArgs),
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  clawaudit policy eval wpc.json --action model:invoke --resource anthropic \\\n    \
--context Model:Provider=anthropic --context Model:Name=claude-3-5-sonnet\n  \
clawaudit policy eval wpc.json --action tool:execute --resource bash --context Tool:Name=bash --explain\n\n\
The WPC may be a signed envelope or a bare payload (v1 or v2); it is not verified here \
(clawaudit verify does that). Exit 0 ALLOW, 1 DENY, 2 usage."
)]
pub struct PolicyEvalArgs {
    /// The WPC (signed envelope or bare payload).
    pub policy: PathBuf,
    /// The action, e.g. model:invoke, tool:execute, side_effect:network_egress, secret:write.
    #[arg(long)]
    pub action: String,
    /// The resource, e.g. the provider, the tool name, the target, the secret id.
    #[arg(long, allow_hyphen_values = true)]
    pub resource: String,
    /// A context value KEY=VALUE (repeatable), e.g. Model:Name=gpt-4o, Context:Hour=9.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// A parent policy the WPC inherits from (repeatable; matched by policy_id).
    #[arg(long = "parent", value_name = "WPC")]
    pub parents: Vec<PathBuf>,
    /// Show every statement and why it did or did not match.
    #[arg(long)]
    pub explain: bool,
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
        PolicyCommand::Eval(args) => return eval(&args),
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

/// Read a WPC file for evaluation; a payload off the WPC schema is evaluated, with a warning.
fn read_policy(path: &std::path::Path, what: &str) -> Result<Policy, String> {
    let value = read_json(path, what)?;
    let payload = payload_of(&value);
    if let Err((_, why)) = validate_payload(payload) {
        eprintln!(
            "clawaudit: warning: {what} {} does not follow the WPC schema ({why}); evaluated as written",
            path.display()
        );
    }
    parse_policy(payload).map_err(|e| format!("{what} {} cannot be evaluated: {e}", path.display()))
}

fn parse_context(items: &[String]) -> Result<Vec<(String, String)>, String> {
    items
        .iter()
        .map(|item| match item.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(format!("--context {item:?} is not KEY=VALUE")),
        })
        .collect()
}

fn eval(args: &PolicyEvalArgs) -> u8 {
    let setup = || -> Result<(Policy, Vec<Policy>, Request), String> {
        let policy = read_policy(&args.policy, "policy")?;
        let parents = args
            .parents
            .iter()
            .map(|p| read_policy(p, "parent policy"))
            .collect::<Result<Vec<_>, _>>()?;
        let request = Request {
            action: args.action.clone(),
            resource: args.resource.clone(),
            context: parse_context(&args.context)?,
        };
        Ok((policy, parents, request))
    };
    let (policy, parents, request) = match setup() {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    let chain = Chain::resolve(&policy, &parents);
    let decision = chain.decide(&request);
    println!("{}", decision.describe(&policy.policy_id));
    for note in chain.levels.iter().flat_map(|p| p.unchecked.iter()) {
        println!("not checked: {note}");
    }
    if args.explain {
        print_explanation(&chain, &request, &policy.policy_id);
    }
    if decision.is_allow() {
        EXIT_PASS
    } else {
        EXIT_FAIL
    }
}

fn print_explanation(chain: &Chain, request: &Request, root: &str) {
    println!("request: {} on {}", request.action, quoted(&request.resource));
    for (k, v) in &request.context {
        println!("  {k} = {}", quoted(v));
    }
    for (policy_id, trace) in chain.explain(request) {
        let name = if policy_id == root {
            trace.statement.sid.clone()
        } else {
            format!("{policy_id}:{}", trace.statement.sid)
        };
        let verdict = if trace.matched { "matches" } else { "does not match" };
        println!("{name} ({}): {verdict}", trace.statement.effect.as_str());
        for line in statement_lines(&trace, request) {
            println!("  {line}");
        }
    }
}

fn statement_lines(t: &StatementTrace, request: &Request) -> Vec<String> {
    let list = |globs: &[clawaudit::policy::glob::Glob]| {
        globs.iter().map(|g| quoted(g.as_str())).collect::<Vec<_>>().join(", ")
    };
    let mut lines = vec![
        match t.action {
            Some(g) => format!("action {} matches {}", request.action, quoted(g.as_str())),
            None => format!(
                "action {} matches none of {}",
                request.action,
                list(&t.statement.actions)
            ),
        },
        match t.resource {
            Some(g) => format!("resource {} matches {}", quoted(&request.resource), quoted(g.as_str())),
            None => format!(
                "resource {} matches none of {}",
                quoted(&request.resource),
                list(&t.statement.resources)
            ),
        },
    ];
    lines.extend(t.conditions.iter().map(condition_line));
    lines
}

fn condition_line(c: &ConditionTrace) -> String {
    let cond = c.condition;
    let values = cond.values.iter().map(|v| quoted(v)).collect::<Vec<_>>().join(" | ");
    let actual = match c.actual {
        Some(a) => format!("the request has {}", quoted(a)),
        None => "the request has no value".to_string(),
    };
    format!(
        "{} {} {values}: {actual}, {}",
        cond.operator_name,
        cond.key,
        if c.holds { "holds" } else { "does not hold" }
    )
}

fn quoted(s: &str) -> String {
    format!("{s:?}")
}
