//! `cargo +nightly fuzz run cst_token`: see fuzz/README.md and the body in fuzz/harness.rs.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::cst_token(data, harness::Bound::FUZZ));
