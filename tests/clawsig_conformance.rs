//! The Clawsig protocol conformance manifest (wire-format §7): every vector of a kind we
//! verify must get the manifest's expected status and one of its expected reason codes, at
//! the manifest's `generated_at`. The folder is required: a missing fixture set FAILS.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::PathBuf;

use clawaudit::context::VerifyContext;
use clawaudit::json::{self, Value};
use clawaudit::report::{Kind, Status};
use clawaudit::timeutil::parse_rfc3339;
use clawaudit::trust::Trust;
use clawaudit::verify::{verify_subject, Subject};

fn clawsig_dir() -> PathBuf {
    match std::env::var_os("CLAWAUDIT_CLAWSIG_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/clawsig"),
    }
}

fn read(path: &PathBuf) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Manifest paths start with `packages/schema/fixtures/`, which is `<clawsig>/fixtures/`.
fn fixture_path(dir: &std::path::Path, manifest_path: &str) -> PathBuf {
    let rel = manifest_path
        .strip_prefix("packages/schema/")
        .unwrap_or_else(|| panic!("unexpected vector path {manifest_path}"));
    dir.join(rel)
}

/// How each manifest kind is verified, and whether the conformance config is the trust
/// (the reference runner passes no config for commit signatures); `None` = not covered.
fn kind_of(manifest_kind: &str) -> Option<(Kind, bool)> {
    match manifest_kind {
        "proof_bundle" => Some((Kind::ProofBundle, true)),
        "commit_sig" => Some((Kind::CommitSig, false)),
        "export_bundle" => Some((Kind::ExportBundle, true)),
        "aggregate_bundle" => Some((Kind::AggregateBundle, true)),
        _ => None,
    }
}

#[test]
fn all_40_conformance_vectors_agree() {
    let dir = clawsig_dir();
    let manifest_path = dir.join("fixtures/protocol-conformance/manifest.v1.json");
    assert!(
        manifest_path.is_file(),
        "the Clawsig conformance manifest is missing at {} (set CLAWAUDIT_CLAWSIG_DIR)",
        manifest_path.display()
    );
    let manifest = json::parse_str(std::str::from_utf8(&read(&manifest_path)).unwrap()).unwrap();
    let at = parse_rfc3339(manifest.get("generated_at").and_then(Value::as_str).unwrap()).unwrap();
    let config = read(&dir.join("fixtures/protocol-conformance/clawverify.config.conformance.v1.json"));
    let trust = Trust::from_bytes(&config).unwrap();
    let vectors = manifest.get("vectors").and_then(Value::as_array).unwrap();

    let (mut agree, mut covered) = (0usize, 0usize);
    let mut not_covered: Vec<String> = Vec::new();
    let mut disagreements: Vec<String> = Vec::new();
    for v in vectors {
        let name = v.get("name").and_then(Value::as_str).unwrap();
        let kind_name = v.get("kind").and_then(Value::as_str).unwrap();
        let Some((kind, with_config)) = kind_of(kind_name) else {
            not_covered.push(format!("{name} ({kind_name})"));
            continue;
        };
        covered += 1;
        let expected = v.get("expected").unwrap();
        let valid = expected.get("valid").and_then(Value::as_bool).unwrap();
        let codes: Vec<&str> = match expected.get("reason_code").unwrap() {
            Value::String(s) => vec![s.as_str()],
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            other => panic!("unexpected reason_code {other:?}"),
        };
        let path = fixture_path(&dir, v.get("path").and_then(Value::as_str).unwrap());
        let mut subject = Subject::new(path.display().to_string(), read(&path));
        subject.kind = Some(kind);
        let ctx = VerifyContext::new(at, if with_config { trust.clone() } else { Trust::empty() });
        let report = verify_subject(&subject, &ctx);
        let got_valid = report.status == Status::Pass;
        let ok = got_valid == valid && codes.contains(&report.reason_code.as_str());
        println!(
            "{} {name}: expected {} {:?}, got {} {} ({})",
            if ok { "ok  " } else { "FAIL" },
            if valid { "PASS" } else { "FAIL" },
            codes,
            report.status.as_str(),
            report.reason_code,
            report.reason
        );
        if ok {
            agree += 1;
        } else {
            disagreements.push(name.to_string());
        }
    }
    for n in &not_covered {
        println!("not yet covered: {n}");
    }
    println!("conformance: {agree}/{covered} vectors agree");
    assert!(
        not_covered.is_empty(),
        "manifest kinds we do not verify: {not_covered:?}"
    );
    assert_eq!(covered, 40, "the manifest holds 40 vectors");
    assert!(disagreements.is_empty(), "disagreeing vectors: {disagreements:?}");
}
