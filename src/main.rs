//! The `clawaudit` binary: argument parsing, file and clock access, and exit codes. All
//! checking and producing is in the library; `cli` maps arguments to library calls.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
