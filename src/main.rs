//! The `clawaudit` binary: argument parsing, file and clock access, and exit codes. All
//! checking and producing is in the library; `cli` maps arguments to library calls.

mod cli;

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc. With glibc, each rayon thread's arena grows its heap
/// by `mprotect` calls and fresh pages, and that kernel time was about a third of verifying a
/// 1000-receipt bundle (sys 11-15 ms of 30). Measured 2026-12-02 (README, "Performance"): the
/// 1000-receipt bundle 30-32 -> 27-28 ms median, the sealed 10 000-artifact bundle 79-87 ->
/// 63-68 ms; peak memory is ~12 MB higher (the many-files run stays flat: 25 MB for 1000
/// files, 29 MB for 100 000).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::main()
}
