//! The `clawaudit` binary: argument parsing, file and clock access, and exit codes. All
//! checking and producing is in the library; `cli` maps arguments to library calls.

mod cli;

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc. With glibc, each rayon thread's arena grows its heap
/// by `mprotect` calls and fresh pages, and that kernel time was about a third of verifying a
/// 1000-receipt bundle (sys 11-15 ms of 30). Measured 2026-12-02 (README, "Performance"): the
/// 1000-receipt bundle 30-32 -> 27-28 ms median, the sealed 10 000-artifact bundle 79-87 ->
/// 63-68 ms; peak memory is ~12 MB higher (the many-files run stays flat: 25 MB for 1000
/// files, 29 MB for 100 000). Its v2 series rather than v3 (Cargo.toml's `v2` feature): v3
/// committed 52 MiB of fresh pages for a 1.6 MB bundle; with v2, paired runs gave 17.7 / 16.7
/// against 19.7 / 18.4 ms (1000 receipts) and 39.2 / 34.9 against 43.2 / 39.2 ms (sealed),
/// and 31 instead of 49 MB peak.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::main()
}
