//! `cargo +nightly fuzz run verify_json_subject`: see fuzz/README.md and the body in fuzz/harness.rs.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::verify_json_subject(data, harness::Bound::FUZZ));
