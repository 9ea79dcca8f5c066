//! `cargo +nightly fuzz run trust_file`: see fuzz/README.md and the body in fuzz/harness.rs.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::trust_file(data, harness::Bound::FUZZ));
