//! Our own test vectors: the committed files equal a fresh generation byte for byte, each
//! vector gets its expected status and reason code, and no vector truncated at 100 offsets
//! either panics or passes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::Path;

use clawaudit::context::VerifyContext;
use clawaudit::report::Status;
use clawaudit::timeutil::parse_rfc3339;
use clawaudit::trust::Trust;
use clawaudit::verify::{verify_subject, Subject};

fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/testvectors"))
}

#[test]
fn committed_vectors_regenerate_identically_and_verify_as_listed() {
    let outcome =
        clawaudit::vectors::check(&|rel: &str| std::fs::read(dir().join(rel)).map_err(|e| format!("{rel}: {e}")))
            .expect("testvectors/ must exist: run `clawaudit vectors generate`");
    assert!(
        outcome.problems.is_empty(),
        "vector problems:\n{}",
        outcome.problems.join("\n")
    );
    assert!(
        outcome.vectors_checked >= 10,
        "only {} vectors",
        outcome.vectors_checked
    );
    println!(
        "testvectors: {} files compared, {} vectors verified",
        outcome.files_compared, outcome.vectors_checked
    );
}

#[test]
fn truncated_vectors_never_pass_and_never_panic() {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir().join("manifest.json")).unwrap()).unwrap();
    let mut truncations = 0usize;
    // Rotation fixtures are folders, judged by `vectors check` and tests/rotation_cli.rs.
    for v in manifest["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["kind"] != "rotation")
    {
        let path = v["path"].as_str().unwrap();
        let bytes = std::fs::read(dir().join(path)).unwrap();
        let trust = match v["trust"].as_str() {
            Some(t) => Trust::from_bytes(&std::fs::read(dir().join(t)).unwrap()).unwrap(),
            None => Trust::empty(),
        };
        let ctx = VerifyContext::new(parse_rfc3339(v["at"].as_str().unwrap()).unwrap(), trust);
        for k in 0..100usize {
            let cut = bytes.len() * k / 100;
            let subject = Subject::new(path, bytes[..cut].to_vec());
            let report = verify_subject(&subject, &ctx);
            assert_eq!(
                report.status,
                Status::Fail,
                "{path} truncated to {cut} bytes passed: {}",
                report.reason
            );
            truncations += 1;
        }
    }
    assert!(truncations >= 1000);
}

#[test]
fn every_warning_carries_a_code_of_its_own_and_no_pass_comes_with_a_failing_check() {
    use clawaudit::reason::ReasonCode;
    use clawaudit::report::CheckStatus;
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir().join("manifest.json")).unwrap()).unwrap();
    let mut warnings = 0usize;
    // Rotation fixtures are folders, judged by `vectors check` and tests/rotation_cli.rs.
    for v in manifest["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["kind"] != "rotation")
    {
        let path = v["path"].as_str().unwrap();
        let trust = match v["trust"].as_str() {
            Some(t) => Trust::from_bytes(&std::fs::read(dir().join(t)).unwrap()).unwrap(),
            None => Trust::empty(),
        };
        let ctx = VerifyContext::new(parse_rfc3339(v["at"].as_str().unwrap()).unwrap(), trust);
        let mut subject = Subject::new(path, std::fs::read(dir().join(path)).unwrap());
        if let Some(a) = v["artifact"].as_str() {
            subject.artifact = Some(std::fs::read(dir().join(a)).unwrap());
        }
        let report = verify_subject(&subject, &ctx);
        for c in &report.checks {
            if c.status == CheckStatus::Warn {
                warnings += 1;
                assert_ne!(c.reason_code, ReasonCode::Ok, "{path}: warning {} carries OK", c.id);
            }
        }
        if report.status == Status::Pass {
            assert!(report.checks.iter().all(|c| c.status != CheckStatus::Fail), "{path}");
        }
    }
    // The export and log-proof vectors carry the weak-evidence warning.
    assert!(warnings > 0);
}
