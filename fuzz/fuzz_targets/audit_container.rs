//! `cargo +nightly fuzz run audit_container`: see fuzz/README.md and the body in fuzz/harness.rs.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::audit_container(data, harness::Bound::FUZZ));
