//! The `clawaudit` binary: argument parsing and exit codes only; all logic is in the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    clawaudit::cli::main()
}
