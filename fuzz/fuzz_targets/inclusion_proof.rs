//! `cargo +nightly fuzz run inclusion_proof`: see fuzz/README.md and the body in fuzz/harness.rs.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::inclusion_proof(data, harness::Bound::FUZZ));
