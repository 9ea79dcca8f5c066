//! `clawaudit explain CODE` and `clawaudit explain --list`: the reason-code explanation
//! table, for people.

use clap::Args;

use super::{usage_error, EXIT_PASS};
use clawaudit::reason::ReasonCode;

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  clawaudit explain HASH_MISMATCH\n  clawaudit explain --list")]
pub struct ExplainArgs {
    /// A reason code, e.g. MERKLE_ROOT_MISMATCH (any case).
    #[arg(required_unless_present = "list")]
    pub code: Option<String>,
    /// List every code with its title.
    #[arg(long, conflicts_with = "code")]
    pub list: bool,
}

pub fn run(args: ExplainArgs) -> u8 {
    if args.list {
        print!("{}", clawaudit::render::text::code_list());
        return EXIT_PASS;
    }
    let name = args.code.unwrap_or_default().to_ascii_uppercase();
    match ReasonCode::from_name(&name) {
        Some(code) => {
            print!("{}", clawaudit::render::text::explanation(code));
            EXIT_PASS
        }
        None => usage_error(format!(
            "{name} is not a reason code; `clawaudit explain --list` lists them"
        )),
    }
}
