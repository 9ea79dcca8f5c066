//! `cargo +nightly fuzz run zip_differential`: see fuzz/README.md and the body in fuzz/harness.rs.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::zip_differential(data, harness::Bound::FUZZ));
