//! `cargo +nightly fuzz run json_parse`: see fuzz/README.md and the body in fuzz/harness.rs.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::json_parse(data, harness::Bound::FUZZ));
