//! `cargo +nightly fuzz run rotation_judge`: see fuzz/README.md and the body in fuzz/harness.rs.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::rotation_judge(data, harness::Bound::FUZZ));
