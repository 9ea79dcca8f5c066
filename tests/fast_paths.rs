//! The fast paths (one signature batch per bundle, parallel chunks, subjects verified in
//! parallel) never change a verdict: hostile items mixed into large inputs get the answer of
//! the plain path — one receipt verified at a time, one file at a time, one thread.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::{Path, PathBuf};

use clawaudit::clawsig::gateway_receipts::verify_gateway_receipt;
use clawaudit::context::VerifyContext;
use clawaudit::json::{Object, Value};
use clawaudit::reason::ReasonCode;
use clawaudit::report::{CheckStatus, Kind, Status, SubjectReport};
use clawaudit::timeutil::parse_rfc3339;
use clawaudit::trust::Trust;
use clawaudit::vectors::clawsig_sample::SampleBundle;
use clawaudit::verify::{verify_subject, verify_walked, Subject, Verified};

const RECEIPTS: usize = 300;

fn sample() -> SampleBundle {
    SampleBundle::new(RECEIPTS, RECEIPTS)
}

fn ctx(s: &SampleBundle) -> VerifyContext {
    let trust = Trust::from_bytes(clawaudit::json::jss::to_string(&s.clawsig_config()).as_bytes()).unwrap();
    VerifyContext::new(parse_rfc3339("2026-03-02T00:00:00Z").unwrap(), trust)
}

fn receipts_mut(p: &mut Object) -> &mut Vec<Value> {
    match p.get_mut("receipts") {
        Some(Value::Array(items)) => items,
        _ => panic!("the sample has receipts"),
    }
}

/// Verify the bundle on a pool of `threads` threads.
fn verify_on(threads: usize, bundle: &Value, c: &VerifyContext) -> SubjectReport {
    let bytes = clawaudit::json::jss::to_string(bundle).into_bytes();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| verify_subject(&Subject::new("bundle.json", bytes), c))
}

/// The plain path: every receipt verified on its own, strictly; the indices that fail.
fn failing_one_by_one(p: &Object, c: &VerifyContext) -> Vec<usize> {
    let Some(Value::Array(items)) = p.get("receipts") else {
        panic!()
    };
    items
        .iter()
        .enumerate()
        .filter(|(i, r)| verify_gateway_receipt(r, c, &format!("receipts[{i}]")).is_err())
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn a_bad_receipt_anywhere_in_a_large_bundle_fails_it_on_any_number_of_threads() {
    let s = sample();
    let c = ctx(&s);
    let honest = s.build();
    for threads in [1, 2] {
        assert_eq!(verify_on(threads, &honest, &c).status, Status::Pass);
    }
    // Another receipt's (valid) signature on this receipt's payload; a receipt signed by a key
    // that is not a trusted gateway; both at once, at the edges and in the middle.
    let stranger = clawaudit::vectors::testkit::label_signer("not-the-gateway");
    for positions in [vec![0], vec![RECEIPTS / 2], vec![RECEIPTS - 1], vec![7, 200]] {
        for forge in ["swapped signature", "stranger"] {
            let mut p = s.payload();
            for &i in &positions {
                let items = receipts_mut(&mut p);
                match forge {
                    "swapped signature" => {
                        let other = items[(i + 1) % RECEIPTS].get("signature_b64u").unwrap().clone();
                        items[i].as_object_mut().unwrap().insert("signature_b64u", other);
                    }
                    _ => {
                        let payload = items[i].get("payload").unwrap().clone();
                        items[i] = clawaudit::clawsig::producer::sign_envelope(
                            &stranger,
                            "gateway_receipt",
                            payload,
                            items[i].get("issued_at").unwrap().as_str().unwrap(),
                            None,
                        );
                    }
                }
            }
            assert_eq!(failing_one_by_one(&p, &c), positions, "{forge} at {positions:?}");
            let bundle = s.sign(p);
            for threads in [1, 2] {
                let r = verify_on(threads, &bundle, &c);
                assert_eq!(
                    r.reason_code,
                    ReasonCode::ReceiptVerificationFailed,
                    "{forge} at {positions:?}, {threads} thread(s): {}",
                    r.reason
                );
                // Every receipt that fails on its own is named, and no other.
                let named: Vec<usize> = r
                    .checks
                    .iter()
                    .filter(|c| c.id == "gateway_receipt" && c.status == CheckStatus::Warn)
                    .map(|c| {
                        let at = c.detail.split("receipts[").nth(1).unwrap();
                        at.split(']').next().unwrap().parse().unwrap()
                    })
                    .collect();
                assert_eq!(named, positions, "{forge}, {threads} thread(s)");
                assert!(
                    r.reason.starts_with(&format!(
                        "{} of {RECEIPTS} bound gateway receipts do not verify",
                        positions.len()
                    )),
                    "{}",
                    r.reason
                );
            }
        }
    }
}

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testvectors")
}

/// `(path, status, code)` of each line of `clawaudit verify DIR --format jsonl`.
fn directory_verdicts(dir: &Path, trust: &Path, at: &str) -> Vec<(String, String, String)> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clawaudit"))
        .args(["verify", "--format", "jsonl", "--at", at, "--trust"])
        .arg(trust)
        .arg(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v.get("path").is_some())
        .map(|v| {
            (
                v["path"].as_str().unwrap().to_string(),
                v["status"].as_str().unwrap().to_string(),
                v["reason_code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_directory_verified_in_parallel_gives_each_file_its_own_verdict() {
    for (dir, trust, at) in [
        ("clawsig", "trust/clawsig.json", "2026-03-02T00:00:00Z"),
        ("audit", "audit/trust.json", "2026-02-18T00:01:00Z"),
    ] {
        let dir = vectors().join(dir);
        let trust = vectors().join(trust);
        let parallel = directory_verdicts(&dir, &trust, at);
        // Valid and hostile files side by side, verified together.
        assert!(parallel.iter().any(|v| v.1 == "PASS") && parallel.iter().filter(|v| v.1 == "FAIL").count() > 10);
        let c = VerifyContext::new(
            parse_rfc3339(at).unwrap(),
            Trust::from_bytes(&std::fs::read(&trust).unwrap()).unwrap(),
        );
        for (path, status, code) in &parallel {
            let mut subject = Subject::new(path.clone(), std::fs::read(path).unwrap());
            subject.urm = {
                let urm = path.strip_suffix("-bundle.json").map(|stem| format!("{stem}-urm.json"));
                urm.and_then(|u| std::fs::read(u).ok())
            };
            let Verified::Report(alone, _) = verify_walked(&subject, &c) else {
                panic!("{path} was verified in the directory")
            };
            assert_eq!(
                (alone.status.as_str(), alone.reason_code.as_str()),
                (status.as_str(), code.as_str()),
                "{path}"
            );
        }
    }
}

#[test]
fn a_bundle_over_a_count_limit_is_refused_before_its_schema_hashes_and_signatures() {
    // 1001 receipts (the limit is 1000), one of them schema-invalid and one badly signed:
    // the count is known from the parsed array, so the count check decides, before the
    // payload schema or any signature is looked at.
    let s = SampleBundle::new(3, 1001);
    let c = ctx(&s);
    let mut p = s.payload();
    let receipts = receipts_mut(&mut p);
    if let Value::Object(r) = &mut receipts[7] {
        r.insert("not_in_the_schema", Value::from(true));
    }
    if let Value::Object(r) = &mut receipts[9] {
        r.insert("signature_b64u", Value::from("AAAA"));
    }
    let report = verify_on(2, &s.sign(p), &c);
    assert_eq!(report.status, Status::Fail);
    assert_eq!(report.reason_code, ReasonCode::MalformedEnvelope, "{}", report.reason);
    assert!(
        report.reason.contains("1001 receipts, more than the limit of 1000"),
        "{}",
        report.reason
    );
    assert!(
        !report.checks.iter().any(|ch| ch.id == "payload.schema"),
        "{:?}",
        report.checks
    );
    assert!(!report.checks.iter().any(|ch| ch.id == "envelope.signature"));
}

/// `report` inspects what verification kept (the archive, or the parsed document) instead of
/// reading the subject again: on every shipped vector and sample, hostile ones included, that
/// inspection equals `inspect` of the subject's bytes (the path `clawaudit inspect` takes).
#[test]
fn inspecting_what_verification_kept_equals_inspecting_the_bytes() {
    use clawaudit::inspect::{inspect, inspect_audit_container, inspect_document};
    use clawaudit::verify::{verify_subject_keeping, Kept};
    let mut compared = [0usize; 2];
    for (dir, trust, at) in [
        ("clawsig", "trust/clawsig.json", "2026-03-02T00:00:00Z"),
        ("audit", "audit/trust.json", "2026-02-18T00:01:00Z"),
        ("samples", "rotation/trust.json", "2026-03-02T12:00:00Z"),
    ] {
        let c = VerifyContext::new(
            parse_rfc3339(at).unwrap(),
            Trust::from_bytes(&std::fs::read(vectors().join(trust)).unwrap()).unwrap(),
        );
        let mut stack = vec![vectors().join(dir)];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let name = path.display().to_string();
                if !(name.ends_with(".zip") || name.ends_with(".json")) {
                    continue;
                }
                let subject = Subject::new(name.clone(), std::fs::read(&path).unwrap());
                let (report, kept) = verify_subject_keeping(&subject, &c);
                let from_kept = match &kept {
                    Kept::Container(container) => {
                        compared[0] += 1;
                        Some(inspect_audit_container(&name, container, Some(&c.trust), &c.limits))
                    }
                    Kept::Document(value) if report.kind == Kind::ProofBundle => {
                        compared[1] += 1;
                        inspect_document(&name, value, Some(&c.trust)).ok()
                    }
                    _ => None,
                };
                if matches!(report.kind, Kind::AuditBundle | Kind::ProofBundle) {
                    let plain = inspect(&subject, Some(&c.trust), &c.limits).ok();
                    assert_eq!(from_kept, plain, "{name}");
                }
            }
        }
    }
    // Both kinds were compared, many times each (65 archives and 15 proof bundles today).
    assert!(compared[0] > 40 && compared[1] > 10, "{compared:?}");
}

/// The sealed-bundle receipt batch (`verify_gateway_receipts`) gives each receipt the answer
/// of `verify_gateway_receipt` alone, with bad signatures, tampered payloads and unusable
/// signers mixed into 300 receipts (over the batch's parallel threshold).
#[test]
fn batched_receipt_files_get_the_one_by_one_answers_with_hostile_ones_mixed_in() {
    use clawaudit::audit::container::{read_container, ContainerLimits};
    use clawaudit::clawsig::gateway_receipts::verify_gateway_receipts;
    let zip = std::fs::read(vectors().join("audit/valid/every-kind.audit.zip")).unwrap();
    let container = read_container(&zip, &ContainerLimits::default()).unwrap();
    let receipt = clawaudit::json::parse_str(
        std::str::from_utf8(container.get("artifacts/receipts/rcpt_file_1.json").unwrap()).unwrap(),
    )
    .unwrap();
    let c = VerifyContext::new(
        parse_rfc3339("2026-02-18T00:01:00Z").unwrap(),
        Trust::from_bytes(&std::fs::read(vectors().join("audit/trust.json")).unwrap()).unwrap(),
    );
    let mut values = Vec::new();
    for i in 0..300usize {
        let mut v = receipt.clone();
        if let Value::Object(o) = &mut v {
            match i % 10 {
                3 => {
                    // One bit of the signature.
                    let sig = o.get("signature_b64u").and_then(Value::as_str).unwrap().to_string();
                    let flipped = if sig.starts_with('A') {
                        sig.replacen('A', "B", 1)
                    } else {
                        format!("A{}", &sig[1..])
                    };
                    o.insert("signature_b64u", Value::from(flipped));
                }
                5 => {
                    o.insert("signer_did", Value::from("did:key:z6MkNotAKey"));
                }
                7 => {
                    o.insert("payload_hash_b64u", Value::from("AAAA"));
                }
                _ => {}
            }
        }
        values.push(v);
    }
    let labels: Vec<String> = (0..values.len()).map(|i| format!("gateway receipt {i}")).collect();
    let jobs: Vec<(&str, &Value)> = labels.iter().map(String::as_str).zip(&values).collect();
    let batched = verify_gateway_receipts(&jobs, &c);
    let mut failed = 0;
    for ((label, value), got) in jobs.iter().zip(&batched) {
        let alone = verify_gateway_receipt(value, &c, label);
        assert_eq!(got, &alone, "{label}");
        failed += usize::from(alone.is_err());
    }
    assert_eq!(failed, 90, "three hostile kinds, 30 of each");
}

/// The sample's payload, edited, then signed, as JSON text.
fn signed_with(s: &SampleBundle, edit: &dyn Fn(&mut Object)) -> String {
    let mut p = s.payload();
    edit(&mut p);
    clawaudit::json::jss::to_string(&s.sign(p))
}

/// Makes a gateway receipt a legacy raw one (no `envelope_type`, a `receipt_type`), which
/// legacy normalization ignores.
fn legacy(r: &mut Value) {
    if let Value::Object(o) = r {
        o.remove("envelope_type");
        o.insert("receipt_type", Value::from("legacy"));
    }
}

/// The plain path for a proof bundle: the whole document parsed, then verified with no
/// counts taken from a capped parse.
fn plain_report(bytes: &[u8], c: &VerifyContext) -> Result<SubjectReport, String> {
    let value = clawaudit::json::parse(bytes, &c.limits.json).map_err(|e| e.to_string())?;
    Ok(clawaudit::clawsig::proof_bundle::verify_subject(
        "b.json",
        &value,
        &[],
        None,
        c,
    ))
}

/// Bundles over a count limit are parsed under the caps (`payload::COUNT_CAPS`, issue 11
/// item 4): each gets exactly the plain path's report, including the hostile ones: legacy raw
/// receipts that bring an over-long array back within the limit (the document is then read
/// whole), an error in JSON past the cap, a header failure before the count check.
#[test]
fn bundles_over_a_count_limit_get_the_plain_paths_report() {
    let s = SampleBundle::new(20, 1100);
    let c = ctx(&s);
    let signed = |edit: &dyn Fn(&mut Object)| signed_with(&s, edit);
    let long_chain = SampleBundle::new(1001, 3);
    let cases: Vec<(&str, String, (Status, ReasonCode, &str))> = vec![
        (
            "receipts over",
            signed(&|_| {}),
            (Status::Fail, ReasonCode::MalformedEnvelope, "1100 receipts"),
        ),
        (
            "event_chain over",
            clawaudit::json::jss::to_string(&long_chain.build()),
            (Status::Fail, ReasonCode::MalformedEnvelope, "1001 event_chain"),
        ),
        (
            // 1100 receipts of which 150 are legacy raw: 950 count, within the limit.
            "within the limit after legacy normalization",
            signed(&|p| receipts_mut(p).iter_mut().step_by(7).take(150).for_each(legacy)),
            (Status::Pass, ReasonCode::Ok, ""),
        ),
        (
            // 1100 receipts of which 50 are legacy raw: still 1050.
            "over the limit after legacy normalization",
            signed(&|p| receipts_mut(p).iter_mut().step_by(7).take(50).for_each(legacy)),
            (Status::Fail, ReasonCode::MalformedEnvelope, "1050 receipts"),
        ),
        (
            "tool_receipts over",
            signed(&|p| {
                receipts_mut(p).truncate(20);
                p.insert("tool_receipts", Value::Array(vec![Value::Object(Object::new()); 1001]));
            }),
            (Status::Fail, ReasonCode::MalformedEnvelope, "1001 tool_receipts"),
        ),
        (
            "a header failure before the count check",
            signed(&|_| {}).replacen("\"envelope_version\":\"1\"", "\"envelope_version\":\"9\"", 1),
            (Status::Fail, ReasonCode::UnknownEnvelopeVersion, "envelope_version"),
        ),
    ];
    for (name, text, expected) in &cases {
        let got = verify_subject(&Subject::new("b.json", text.clone().into_bytes()), &c);
        let plain = plain_report(text.as_bytes(), &c).unwrap();
        assert_eq!(format!("{got:?}"), format!("{plain:?}"), "{name}");
        let (status, code, detail) = expected;
        assert_eq!((got.status, got.reason_code), (*status, *code), "{name}");
        if *status == Status::Fail {
            let failing = got.checks.iter().find(|k| k.status == CheckStatus::Fail).unwrap();
            assert!(failing.detail.contains(detail), "{name}: {}", failing.detail);
        }
    }
    // JSON that breaks past the cap (a duplicate key in receipt 1050): the plain parse's error.
    let text = signed(&|_| {});
    let at = text.match_indices("\"receipt_id\"").nth(1050).unwrap().0;
    let broken = format!("{}\"receipt_id\":\"dup\",{}", &text[..at], &text[at..]);
    let got = verify_subject(&Subject::new("b.json", broken.clone().into_bytes()), &c);
    let error = plain_report(broken.as_bytes(), &c).unwrap_err();
    assert!(error.starts_with("duplicate object key \"receipt_id\""), "{error}");
    assert_eq!(got.reason_code, ReasonCode::MalformedJson);
    let failing = got.checks.iter().find(|k| k.status == CheckStatus::Fail).unwrap();
    assert_eq!(failing.detail, format!("b.json is not acceptable JSON: {error}"));
}

/// From 8 MiB on, a proof bundle is parsed keeping none of its counted arrays
/// (`payload::COUNT_SKIM`): refused from the counts alone when they are over a limit, parsed a
/// second time, whole, otherwise. Both get the plain path's report.
#[test]
fn large_bundles_parsed_without_their_counted_arrays_get_the_plain_paths_report() {
    let s = SampleBundle::new(20, 10_500);
    let c = ctx(&s);
    let signed = |edit: &dyn Fn(&mut Object)| signed_with(&s, edit);
    let over = signed(&|_| {});
    // 10 032 of the 10 500 receipts legacy raw: 468 count, and legacy receipts are ignored.
    let within = signed(&|p| {
        for (i, r) in receipts_mut(p).iter_mut().enumerate() {
            if i % 45 >= 2 {
                legacy(r);
            }
        }
    });
    for (name, text, status, code) in [
        ("over", &over, Status::Fail, ReasonCode::MalformedEnvelope),
        ("within", &within, Status::Pass, ReasonCode::Ok),
    ] {
        assert!(text.len() >= 8 << 20, "{name}: {} bytes", text.len());
        let got = verify_subject(&Subject::new("b.json", text.clone().into_bytes()), &c);
        let plain = plain_report(text.as_bytes(), &c).unwrap();
        assert_eq!(format!("{got:?}"), format!("{plain:?}"), "{name}");
        assert_eq!((got.status, got.reason_code), (status, code), "{name}");
    }
    let got = verify_subject(&Subject::new("b.json", over.into_bytes()), &c);
    let failing = got.checks.iter().find(|k| k.status == CheckStatus::Fail).unwrap();
    assert!(failing.detail.contains("has 10500 receipts"), "{}", failing.detail);
}
