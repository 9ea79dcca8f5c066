//! Command-line interface: clap definitions and one module per subcommand. Each subcommand
//! maps its arguments to library calls and returns an exit code: 0 PASS, 1 FAIL, 2 usage,
//! I/O or internal error.

pub mod approve;
pub mod explain;
pub mod inspect;
pub mod keygen;
pub mod policy;
mod produce;
pub mod prove;
mod read;
pub mod receipt;
pub mod report;
pub mod seal;
pub mod simulate;
pub mod token;
pub mod vectors;
pub mod verify;
mod walk;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The version `--version` prints: the package version and, when the build knew it, the git
/// commit (set by build.rs).
pub const VERSION: &str = env!("CLAWAUDIT_VERSION");

/// Exit code: everything verified.
pub const EXIT_PASS: u8 = 0;
/// Exit code: at least one subject failed.
pub const EXIT_FAIL: u8 = 1;
/// Exit code: usage, I/O or internal error; nothing was judged.
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "clawaudit",
    version = VERSION,
    about = "Verify, produce and report on AI-agent proof bundles, fully offline.",
    long_about = "clawaudit verifies Clawsig protocol artifacts (proof bundles, commit signatures, export and \
aggregate bundles, log inclusion proofs) and sealed audit bundles offline, against a pinned trust file.\n\n\
Exit codes: 0 = every subject PASS, 1 = at least one FAIL, 2 = usage, I/O or internal error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Verify files or directories (every *.json, *.zip and *.jwt below a directory is a subject).
    Verify(verify::VerifyArgs),
    /// Verify as `verify` does and write a static audit site: index.html, one page per
    /// subject, report.json (`-o SITE_DIR`).
    Report(report::ReportArgs),
    /// What a sealed bundle or proof bundle holds: entries, hashes with their recipes, signers
    /// with their trust roles. Judges nothing.
    Inspect(inspect::InspectArgs),
    /// Seal DIR/artifacts/… into a signed, reproducible audit bundle (ZIP).
    Seal(seal::SealArgs),
    /// Write the inclusion proof of one artifact of a sealed bundle.
    Prove(prove::ProveArgs),
    /// Replay a recorded run and judge it (`simulate rotation`, spec 30).
    #[command(subcommand)]
    Simulate(simulate::SimulateCommand),
    /// Generate or check the repository's own test vectors (testvectors/).
    #[command(subcommand)]
    Vectors(vectors::VectorsCommand),
    /// Create an Ed25519 key file (mode 0600) and print its did:key.
    Keygen(keygen::KeygenArgs),
    /// Sign a Work Policy Contract, or print its hash.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Mint a scoped token (CST).
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Sign a human approval of a plan under a policy.
    Approve(approve::ApproveArgs),
    /// Sign a Clawsig gateway receipt bound to a policy and a token.
    #[command(subcommand)]
    Receipt(receipt::ReceiptCommand),
    /// What a reason code means, its likely causes and what to do next (`explain --list`).
    Explain(explain::ExplainArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `clawaudit man > clawaudit.1`.
    Man,
}

/// Parse arguments and run; clap's own usage errors exit 2 as well.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_PASS };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Verify(args) => verify::run(args),
        Command::Report(args) => report::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Seal(args) => seal::run(args),
        Command::Prove(args) => prove::run(args),
        Command::Simulate(cmd) => simulate::run(cmd),
        Command::Vectors(cmd) => vectors::run(cmd),
        Command::Keygen(args) => keygen::run(args),
        Command::Policy(cmd) => policy::run(cmd),
        Command::Token(cmd) => token::run(cmd),
        Command::Approve(args) => approve::run(args),
        Command::Receipt(cmd) => receipt::run(cmd),
        Command::Explain(args) => explain::run(args),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "clawaudit", &mut std::io::stdout());
            EXIT_PASS
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            match clap_mangen::Man::new(cmd).render(&mut std::io::stdout()) {
                Ok(()) => EXIT_PASS,
                Err(e) => usage_error(format!("writing the man page: {e}")),
            }
        }
    };
    ExitCode::from(code)
}

/// Print an error for a usage or I/O problem and return exit code 2.
pub fn usage_error(message: impl std::fmt::Display) -> u8 {
    eprintln!("clawaudit: error: {message}");
    EXIT_USAGE
}
