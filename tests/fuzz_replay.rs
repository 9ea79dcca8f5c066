//! Every file of every fuzz corpus (`fuzz/corpus/<target>/`) and every crash reproducer kept in
//! `fuzz/regressions/<target>/` runs through the fuzz targets' own bodies (`fuzz/harness.rs`) on
//! stable, so what the fuzzer once found stays fixed without nightly. A target without a corpus
//! fails the test: nothing is skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::Path;

use rayon::prelude::*;

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_file_and_regression_holds_every_property() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for (name, target) in harness::TARGETS {
        let corpus = inputs(&fuzz.join("corpus").join(name));
        assert!(
            !corpus.is_empty(),
            "fuzz/corpus/{name} is empty: run scripts/fuzz_seeds.py"
        );
        let regressions = inputs(&fuzz.join("regressions").join(name));
        corpus.par_iter().chain(regressions.par_iter()).for_each(|path| {
            let data = std::fs::read(path).unwrap();
            let outcome = std::panic::catch_unwind(|| target(&data, harness::Bound::REPLAY));
            assert!(outcome.is_ok(), "{name}: {} breaks a property", path.display());
        });
    }
}

#[test]
fn the_properties_can_fail() {
    // A PASS with a failing check is what the harness must refuse.
    let mut findings = clawaudit::report::Findings::new();
    findings.fail("c", clawaudit::reason::ReasonCode::HashMismatch, "differs");
    let mut report =
        clawaudit::report::SubjectReport::from_findings("x", clawaudit::report::Kind::ProofBundle, findings);
    report.status = clawaudit::report::Status::Pass;
    assert!(std::panic::catch_unwind(|| harness::assert_consistent(&report)).is_err());
    // A time bound of zero fails any input.
    let none = harness::Bound {
        constant: std::time::Duration::ZERO,
        per_kib: std::time::Duration::ZERO,
    };
    let big = vec![b' '; 1 << 20];
    assert!(std::panic::catch_unwind(|| harness::json_parse(&big, none)).is_err());
    // A judgement that is `complete` with a violation, or `violated` without one.
    let mut clean = clawaudit::rotation::judge::empty_judgement();
    clean.outcome = clawaudit::rotation::model::Outcome::Complete;
    harness::assert_outcome_consistent(&clean);
    let mut violated_without = clean.clone();
    violated_without.outcome = clawaudit::rotation::model::Outcome::Violated;
    assert!(std::panic::catch_unwind(|| harness::assert_outcome_consistent(&violated_without)).is_err());
    let mut complete_with = clean.clone();
    complete_with.violations.push(clawaudit::rotation::model::Violation {
        seq: Some(3),
        code: clawaudit::reason::ReasonCode::RotationTokenReused,
        detail: "reused".into(),
    });
    complete_with.violations_total = 1;
    complete_with
        .violations_by_code
        .push((clawaudit::reason::ReasonCode::RotationTokenReused, 1));
    assert!(std::panic::catch_unwind(|| harness::assert_outcome_consistent(&complete_with)).is_err());
    // The rotation targets judge the shipped fixture: a zero time bound fails them.
    let events = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testvectors/rotation/complete/artifacts/rotation/events.ndjson"),
    )
    .unwrap();
    assert!(std::panic::catch_unwind(|| harness::rotation_events(&events, none)).is_err());
    assert!(std::panic::catch_unwind(|| harness::rotation_judge(&events, none)).is_err());
}
