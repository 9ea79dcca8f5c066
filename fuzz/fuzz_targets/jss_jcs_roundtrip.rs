//! `cargo +nightly fuzz run jss_jcs_roundtrip`: see fuzz/README.md and the body in fuzz/harness.rs.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::jss_jcs_roundtrip(data, harness::Bound::FUZZ));
