//! Log inclusion proofs, export bundles and aggregate bundles (wire-format §5): the Clawsig
//! fixtures, the hardening of §8 W4, and one bad input per reason code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::PathBuf;

use clawaudit::clawsig::log_proof::{self, clawlogs_audit_path, clawlogs_root, node_hash};
use clawaudit::clawsig::producer::Signer;
use clawaudit::context::VerifyContext;
use clawaudit::crypto::{b64u_decode, b64u_encode, sha256};
use clawaudit::json::{self, Object, Value};
use clawaudit::reason::ReasonCode;
use clawaudit::report::{CheckStatus, Kind, Status, SubjectReport};
use clawaudit::timeutil::parse_rfc3339;
use clawaudit::trust::{Trust, TrustEntry};
use clawaudit::verify::{verify_subject, Subject};

fn clawsig_dir() -> PathBuf {
    match std::env::var("CLAWAUDIT_CLAWSIG_DIR") {
        Ok(dir) => PathBuf::from(dir),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/clawsig"),
    }
}

fn read_json(rel: &str) -> Value {
    let path = clawsig_dir().join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{} must exist: {e}", path.display()));
    json::parse(&bytes, &json::ParseLimits::default()).expect("fixture parses")
}

fn at(text: &str) -> i64 {
    parse_rfc3339(text).expect("test time")
}

fn ctx_with(trust: Trust) -> VerifyContext {
    VerifyContext::new(at("2026-02-17T22:38:41.556Z"), trust)
}

fn entry(did: &str) -> TrustEntry {
    TrustEntry {
        did: did.to_string(),
        name: None,
    }
}

fn set(v: &mut Value, key: &str, new: Value) {
    v.as_object_mut().expect("object").insert(key, new);
}

fn code_of(report: &SubjectReport) -> ReasonCode {
    report.reason_code
}

// ---------------------------------------------------------------------------------------------
// Log inclusion proofs (§5.4, §8 W4)
// ---------------------------------------------------------------------------------------------

fn golden_log() -> Value {
    read_json("fixtures/log_inclusion_proof_golden.v1.json")
}

fn golden_proof() -> Value {
    golden_log().get("inclusion_proof_v1").cloned().expect("proof")
}

fn golden_leaves() -> Vec<[u8; 32]> {
    golden_log()
        .get("leaves")
        .and_then(Value::as_array)
        .expect("leaves")
        .iter()
        .map(|l| {
            let bytes = b64u_decode(l.as_str().expect("leaf")).expect("b64u");
            <[u8; 32]>::try_from(bytes.as_slice()).expect("32 bytes")
        })
        .collect()
}

fn verify_log(proof: &Value, trust: Trust) -> SubjectReport {
    log_proof::verify_subject("proof.json", proof, &ctx_with(trust))
}

fn strs(hashes: &[[u8; 32]]) -> Value {
    Value::Array(hashes.iter().map(|h| Value::from(b64u_encode(h))).collect())
}

fn with_metadata_index(proof: &mut Value, index: u64) {
    let mut meta = Object::new();
    meta.insert("leaf_index", Value::Number(index as f64));
    set(proof, "metadata", Value::Object(meta));
}

/// The reference fold with no hardening, to show a forgery really resolves to the root.
fn naive_fold(leaf: [u8; 32], index: u64, path: &[[u8; 32]]) -> [u8; 32] {
    let (mut h, mut i) = (leaf, index);
    for s in path {
        h = if i % 2 == 0 { node_hash(&h, s) } else { node_hash(s, &h) };
        i /= 2;
    }
    h
}

fn has_weak_warning(report: &SubjectReport) -> bool {
    report
        .checks
        .iter()
        .any(|c| c.id == "log_proof.weak_evidence" && c.status == CheckStatus::Warn)
}

#[test]
fn golden_log_proof_passes_with_a_weak_evidence_warning() {
    let report = verify_log(&golden_proof(), Trust::empty());
    assert_eq!(report.status, Status::Pass, "{}", report.reason);
    assert!(has_weak_warning(&report));
    // Our construction reproduces the golden root from its five leaves.
    let leaves = golden_leaves();
    assert_eq!(leaves.len(), 5);
    assert_eq!(
        b64u_encode(&clawlogs_root(&leaves)),
        "OtSr7F1Drgn1J1z3znfYYV4ehxZLJVqnZh4jexmCpb8"
    );
    assert_eq!(
        strs(&clawlogs_audit_path(&leaves, 3).expect("path")),
        golden_proof().get("audit_path").cloned().expect("path")
    );
    // The golden wrapper file is accepted as a subject too.
    let wrapped = log_proof::verify_subject("golden.json", &golden_log(), &ctx_with(Trust::empty()));
    assert_eq!(wrapped.status, Status::Pass);
}

#[test]
fn phantom_duplicate_last_leaf_is_rejected() {
    let l = golden_leaves();
    let n01 = node_hash(&l[0], &l[1]);
    let n23 = node_hash(&l[2], &l[3]);
    let n44 = node_hash(&l[4], &l[4]);
    // A 6-leaf tree whose last leaf repeats L4 has the same root as the real 5-leaf tree.
    let path = [l[4], n44, node_hash(&n01, &n23)];
    let root = b64u_decode("OtSr7F1Drgn1J1z3znfYYV4ehxZLJVqnZh4jexmCpb8").expect("root");
    assert_eq!(
        naive_fold(l[4], 5, &path).to_vec(),
        root,
        "the forgery folds to the signed root"
    );
    let mut proof = golden_proof();
    set(&mut proof, "tree_size", Value::Number(6.0));
    set(&mut proof, "leaf_hash_b64u", Value::from(b64u_encode(&l[4])));
    set(&mut proof, "audit_path", strs(&path));
    with_metadata_index(&mut proof, 5);
    let report = verify_log(&proof, Trust::empty());
    assert_eq!(code_of(&report), ReasonCode::InclusionProofInvalid, "{}", report.reason);
    assert!(report.reason.contains("phantom"), "{}", report.reason);
}

#[test]
fn internal_node_as_leaf_is_accepted_but_flagged_weak() {
    let l = golden_leaves();
    let n01 = node_hash(&l[0], &l[1]);
    let n23 = node_hash(&l[2], &l[3]);
    let n44 = node_hash(&l[4], &l[4]);
    let mut proof = golden_proof();
    set(&mut proof, "tree_size", Value::Number(3.0));
    set(&mut proof, "leaf_hash_b64u", Value::from(b64u_encode(&n01)));
    set(&mut proof, "audit_path", strs(&[n23, node_hash(&n44, &n44)]));
    with_metadata_index(&mut proof, 0);
    let report = verify_log(&proof, Trust::empty());
    // Undetectable without an authenticated tree size: documented weakness.
    assert_eq!(report.status, Status::Pass, "{}", report.reason);
    assert!(has_weak_warning(&report));
}

#[test]
fn truncated_and_over_long_paths_are_rejected() {
    let golden = golden_proof();
    let path = golden
        .get("audit_path")
        .and_then(Value::as_array)
        .cloned()
        .expect("path");
    let mut truncated = golden.clone();
    set(&mut truncated, "audit_path", Value::Array(path[..2].to_vec()));
    assert_eq!(
        code_of(&verify_log(&truncated, Trust::empty())),
        ReasonCode::InclusionProofInvalid
    );
    let mut longer = golden.clone();
    let mut extra = path.clone();
    extra.push(path[0].clone());
    set(&mut longer, "audit_path", Value::Array(extra));
    assert_eq!(
        code_of(&verify_log(&longer, Trust::empty())),
        ReasonCode::InclusionProofInvalid
    );
    // Far beyond any tree height: refused before anything else is looked at.
    let mut huge = golden.clone();
    set(&mut huge, "audit_path", Value::Array(vec![path[0].clone(); 100_000]));
    let report = verify_log(&huge, Trust::empty());
    assert_eq!(code_of(&report), ReasonCode::InclusionProofInvalid, "{}", report.reason);
}

#[test]
fn wrong_root_signer_fails_signature_invalid() {
    let mut proof = golden_proof();
    let mut sig = proof.get("root_signature").cloned().expect("sig");
    set(
        &mut sig,
        "signer_did",
        Value::from(clawaudit::vectors::testkit::label_signer("not the log").did()),
    );
    set(&mut proof, "root_signature", sig);
    assert_eq!(
        code_of(&verify_log(&proof, Trust::empty())),
        ReasonCode::SignatureInvalid
    );
}

/// Our own 5-leaf clawlogs tree signed by a test key.
fn own_log_proof(signer: &Signer, index: usize) -> Value {
    let leaves: Vec<[u8; 32]> = (0..5).map(|i| sha256(format!("entry {i}").as_bytes())).collect();
    let root = b64u_encode(&clawlogs_root(&leaves));
    let path = clawlogs_audit_path(&leaves, index).expect("path");
    let mut sig = Object::new();
    sig.insert("signer_did", Value::from(signer.did()));
    sig.insert("sig_b64u", Value::from(b64u_encode(&signer.sign(root.as_bytes()))));
    let mut p = Object::new();
    p.insert("proof_version", Value::from("1"));
    p.insert("log_id", Value::from("test-log"));
    p.insert("tree_size", Value::Number(5.0));
    p.insert("leaf_hash_b64u", Value::from(b64u_encode(&leaves[index])));
    p.insert("root_hash_b64u", Value::from(root));
    p.insert("audit_path", strs(&path));
    p.insert("root_published_at", Value::from("2026-02-11T00:00:00.000Z"));
    p.insert("root_signature", Value::Object(sig));
    let mut v = Value::Object(p);
    with_metadata_index(&mut v, index as u64);
    v
}

#[test]
fn pinned_log_signer_is_enforced() {
    let log = clawaudit::vectors::testkit::label_signer("log signer");
    let other = clawaudit::vectors::testkit::label_signer("another log");
    for index in 0..5 {
        let proof = own_log_proof(&log, index);
        let unpinned = verify_log(&proof, Trust::empty());
        assert_eq!(unpinned.status, Status::Pass, "{index}: {}", unpinned.reason);
        let pinned = Trust {
            log_signers: vec![entry(log.did())],
            ..Trust::default()
        };
        assert_eq!(verify_log(&proof, pinned).status, Status::Pass);
    }
    let proof = own_log_proof(&log, 2);
    let wrong_pin = Trust {
        log_signers: vec![entry(other.did())],
        ..Trust::default()
    };
    assert_eq!(code_of(&verify_log(&proof, wrong_pin)), ReasonCode::SignerNotTrusted);
}

#[test]
fn log_proof_structure_errors_have_exact_codes() {
    let golden = golden_proof();
    // Closed schema.
    let mut extra = golden.clone();
    set(&mut extra, "surprise", Value::Bool(true));
    assert_eq!(
        code_of(&verify_log(&extra, Trust::empty())),
        ReasonCode::SchemaValidationFailed
    );
    let mut version = golden.clone();
    set(&mut version, "proof_version", Value::from("2"));
    assert_eq!(
        code_of(&verify_log(&version, Trust::empty())),
        ReasonCode::SchemaValidationFailed
    );
    // leaf_index is required by the code, not by the schema.
    let mut no_index = golden.clone();
    set(&mut no_index, "metadata", Value::Object(Object::new()));
    assert_eq!(
        code_of(&verify_log(&no_index, Trust::empty())),
        ReasonCode::InclusionProofInvalid
    );
    let mut out_of_range = golden.clone();
    with_metadata_index(&mut out_of_range, 5);
    assert_eq!(
        code_of(&verify_log(&out_of_range, Trust::empty())),
        ReasonCode::InclusionProofInvalid
    );
    let mut fractional = golden.clone();
    set(&mut fractional, "tree_size", Value::Number(5.5));
    assert_eq!(
        code_of(&verify_log(&fractional, Trust::empty())),
        ReasonCode::InclusionProofInvalid
    );
    // A leaf that is not 32 bytes (31 here) can never be a clawlogs hash.
    let mut short_leaf = golden.clone();
    set(&mut short_leaf, "leaf_hash_b64u", Value::from(b64u_encode(&[7u8; 31])));
    assert_eq!(
        code_of(&verify_log(&short_leaf, Trust::empty())),
        ReasonCode::InclusionProofInvalid
    );
    // Signer DID syntax.
    let mut bad_did = golden.clone();
    let mut sig = golden.get("root_signature").cloned().expect("sig");
    set(&mut sig, "signer_did", Value::from("did:example:nope"));
    set(&mut bad_did, "root_signature", sig);
    assert_eq!(
        code_of(&verify_log(&bad_did, Trust::empty())),
        ReasonCode::InvalidDidFormat
    );
    // A leaf that does not fold to the root.
    let mut other_leaf = golden.clone();
    set(
        &mut other_leaf,
        "leaf_hash_b64u",
        Value::from(b64u_encode(&sha256(b"not a leaf"))),
    );
    assert_eq!(
        code_of(&verify_log(&other_leaf, Trust::empty())),
        ReasonCode::InclusionProofInvalid
    );
}

#[test]
fn last_node_of_an_odd_level_must_pair_with_itself() {
    // Leaf 4 of 5 is the last node of level 0 (5 nodes): its sibling must be itself.
    let log = clawaudit::vectors::testkit::label_signer("log signer");
    let mut proof = own_log_proof(&log, 4);
    let mut path = proof
        .get("audit_path")
        .and_then(Value::as_array)
        .cloned()
        .expect("path");
    path[0] = Value::from(b64u_encode(&sha256(b"someone else")));
    set(&mut proof, "audit_path", Value::Array(path));
    let report = verify_log(&proof, Trust::empty());
    assert_eq!(code_of(&report), ReasonCode::InclusionProofInvalid, "{}", report.reason);
}

// ---------------------------------------------------------------------------------------------
// Conformance: the export and aggregate vectors of the Clawsig manifest (§7)
// ---------------------------------------------------------------------------------------------

fn conformance_trust() -> Trust {
    let path = clawsig_dir().join("fixtures/protocol-conformance/clawverify.config.conformance.v1.json");
    Trust::from_bytes(&std::fs::read(&path).expect("conformance config")).expect("config parses")
}

fn verify_file(rel: &str, kind: Kind, at_ms: i64, trust: Trust) -> SubjectReport {
    let path = clawsig_dir().join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut subject = Subject::new(rel, bytes);
    subject.kind = Some(kind);
    verify_subject(&subject, &VerifyContext::new(at_ms, trust))
}

// (All 40 manifest vectors, these 11 included, are checked by tests/clawsig_conformance.rs.)

const AGG_DIR: &str = "fixtures/protocol-conformance/r48-r49-v02/aggregate_bundle";

#[test]
fn aggregate_golden_expires_in_november() {
    let rel = format!("{AGG_DIR}/aggregate_pass_golden.v1.json");
    let late = verify_file(
        &rel,
        Kind::AggregateBundle,
        at("2026-11-01T00:00:00Z"),
        conformance_trust(),
    );
    assert_eq!(late.reason_code, ReasonCode::ExpiredTtl, "{}", late.reason);
    let ok = verify_file(
        &rel,
        Kind::AggregateBundle,
        at("2026-02-17T22:38:41.556Z"),
        conformance_trust(),
    );
    assert_eq!(ok.status, Status::Pass, "{}", ok.reason);
    assert_eq!(ok.proof_tier.as_deref(), Some("self"));
    // Also reached through the export-bundle kind, as the reference routes by content.
    let routed = verify_file(
        &rel,
        Kind::ExportBundle,
        at("2026-02-17T22:38:41.556Z"),
        conformance_trust(),
    );
    assert_eq!(routed.kind, Kind::AggregateBundle);
    assert_eq!(routed.status, Status::Pass);
}

// ---------------------------------------------------------------------------------------------
// Export bundles: one bad input per reason code (re-signed so the intended check fires)
// ---------------------------------------------------------------------------------------------

use clawaudit::clawsig::aggregate;
use clawaudit::clawsig::attestation_envelopes::AttestationKind;
use clawaudit::clawsig::export_bundle;
use clawaudit::clawsig::producer::sign_envelope;
use clawaudit::vectors::builders as bp;

const T0: &str = "2026-02-20T00:00:00.000Z";
const NOW: &str = "2026-03-01T00:00:00.000Z";

fn agent() -> Signer {
    clawaudit::vectors::testkit::label_signer("export agent")
}
fn issuer() -> Signer {
    clawaudit::vectors::testkit::label_signer("export issuer")
}
fn executor() -> Signer {
    clawaudit::vectors::testkit::label_signer("execution attester")
}
fn deriver() -> Signer {
    clawaudit::vectors::testkit::label_signer("derivation attester")
}
fn gateway() -> Signer {
    clawaudit::vectors::testkit::label_signer("gateway")
}

fn export_trust() -> Trust {
    Trust {
        execution_attesters: vec![entry(executor().did())],
        derivation_attesters: vec![entry(deriver().did())],
        gateways: vec![entry(gateway().did())],
        ..Trust::default()
    }
}

fn dates() -> bp::Dates<'static> {
    bp::Dates {
        created_at: T0,
        issued_at: T0,
        expires_at: None,
    }
}

fn good_proof() -> Value {
    bp::proof_envelope(
        &agent(),
        bp::proof_payload(&agent(), "bundle_exp_1", "run_exp_1", T0),
        T0,
        None,
    )
}

fn build_export(proof: Value, log: Option<Value>) -> Value {
    let exec = bp::execution_attestation(&executor(), &proof, T0);
    let deriv = bp::derivation_attestation(&deriver(), log, T0);
    bp::export_bundle(
        &issuer(),
        "exp_test_1",
        proof,
        vec![(AttestationKind::Execution, exec), (AttestationKind::Derivation, deriv)],
        dates(),
    )
}

fn good_export() -> Value {
    build_export(
        good_proof(),
        Some(own_log_proof(
            &clawaudit::vectors::testkit::label_signer("log signer"),
            1,
        )),
    )
}

fn verify_export_with(bundle: &Value, trust: Trust) -> SubjectReport {
    export_bundle::verify_subject("export.json", bundle, &VerifyContext::new(at(NOW), trust))
}

fn export_code(bundle: &Value) -> ReasonCode {
    let r = verify_export_with(bundle, export_trust());
    assert_eq!(r.status, Status::Fail, "expected a failure");
    r.reason_code
}

/// Edit an export bundle, then rebuild its manifest (if asked) and re-sign it.
fn edit_export(f: impl FnOnce(&mut Object), remanifest: bool) -> Value {
    let mut b = good_export();
    f(b.as_object_mut().expect("object"));
    if remanifest {
        let arts = b
            .get("artifacts")
            .and_then(Value::as_object)
            .cloned()
            .expect("artifacts");
        set(&mut b, "manifest", bp::export_manifest(&arts, T0));
    }
    bp::sign_export(&issuer(), &mut b);
    b
}

fn manifest_entries(o: &mut Object) -> &mut Vec<Value> {
    match o
        .get_mut("manifest")
        .and_then(|m| m.as_object_mut())
        .and_then(|m| m.get_mut("entries"))
    {
        Some(Value::Array(items)) => items,
        _ => panic!("entries"),
    }
}

#[test]
fn export_producer_output_verifies() {
    let r = verify_export_with(&good_export(), export_trust());
    assert_eq!(r.status, Status::Pass, "{}", r.reason);
    assert_eq!(r.proof_tier.as_deref(), Some("self"));
    // The fixture wrapper is accepted too.
    let mut wrapper = Object::new();
    wrapper.insert("vector_version", Value::from("1"));
    wrapper.insert("bundle", good_export());
    assert_eq!(
        verify_export_with(&Value::Object(wrapper), export_trust()).status,
        Status::Pass
    );
}

#[test]
fn export_schema_did_and_dates() {
    let extra = edit_export(
        |o| {
            o.insert("surprise", Value::Bool(true));
        },
        false,
    );
    assert_eq!(export_code(&extra), ReasonCode::SchemaValidationFailed);
    let too_many = edit_export(
        |o| {
            let arts = o
                .get_mut("artifacts")
                .and_then(Value::as_object_mut)
                .expect("artifacts");
            arts.insert(
                "audit_result_attestation_envelopes",
                Value::Array(vec![Value::Null; 1001]),
            );
        },
        false,
    );
    assert_eq!(export_code(&too_many), ReasonCode::SchemaValidationFailed);
    let bad_did = edit_export(
        |o| {
            o.insert("issuer_did", Value::from("did:example:issuer"));
        },
        false,
    );
    assert_eq!(export_code(&bad_did), ReasonCode::InvalidDidFormat);
    let backwards = edit_export(
        |o| {
            o.insert("created_at", Value::from("2026-02-21T00:00:00.000Z"));
        },
        false,
    );
    assert_eq!(export_code(&backwards), ReasonCode::CausalClockContradiction);
    let future = edit_export(
        |o| {
            o.insert("created_at", Value::from("2026-03-01T00:05:00.001Z"));
            o.insert("issued_at", Value::from("2026-03-01T00:05:00.001Z"));
        },
        false,
    );
    assert_eq!(export_code(&future), ReasonCode::FutureTimestampPoisoning);
    // Inside the 300 s skew it is not yet in the future, nor expired.
    let skewed = edit_export(
        |o| {
            o.insert("issued_at", Value::from("2026-03-01T00:05:00.000Z"));
        },
        false,
    );
    assert_eq!(verify_export_with(&skewed, export_trust()).status, Status::Pass);
    let expired = edit_export(
        |o| {
            o.insert("expires_at", Value::from("2026-02-28T23:54:59.999Z"));
        },
        false,
    );
    assert_eq!(export_code(&expired), ReasonCode::ExpiredTtl);
    let just_in = edit_export(
        |o| {
            o.insert("expires_at", Value::from("2026-02-28T23:55:00.000Z"));
        },
        false,
    );
    assert_eq!(verify_export_with(&just_in, export_trust()).status, Status::Pass);
}

#[test]
fn export_manifest_rules() {
    let dup = edit_export(
        |o| {
            let e = manifest_entries(o);
            let first = e[0].clone();
            e[1] = first;
        },
        false,
    );
    assert_eq!(export_code(&dup), ReasonCode::MalformedEnvelope);
    let ctype = edit_export(
        |o| {
            set(&mut manifest_entries(o)[0], "content_type", Value::from("text/plain"));
        },
        false,
    );
    assert_eq!(export_code(&ctype), ReasonCode::MalformedEnvelope);
    let fewer = edit_export(
        |o| {
            manifest_entries(o).pop();
        },
        false,
    );
    assert_eq!(export_code(&fewer), ReasonCode::MissingRequiredField);
    let renamed = edit_export(
        |o| {
            set(&mut manifest_entries(o)[0], "path", Value::from("artifacts/other.json"));
        },
        false,
    );
    assert_eq!(export_code(&renamed), ReasonCode::MissingRequiredField);
    let hash = edit_export(
        |o| {
            set(
                &mut manifest_entries(o)[0],
                "sha256_b64u",
                Value::from(b64u_encode(&sha256(b"x"))),
            );
        },
        false,
    );
    assert_eq!(export_code(&hash), ReasonCode::HashMismatch);
    let size = edit_export(
        |o| {
            set(&mut manifest_entries(o)[0], "size_bytes", Value::Number(1.0));
        },
        false,
    );
    assert_eq!(export_code(&size), ReasonCode::HashMismatch);
}

#[test]
fn export_hash_and_signature() {
    let mut tampered = good_export();
    let mut meta = Object::new();
    meta.insert("note", Value::from("added after signing"));
    set(&mut tampered, "metadata", Value::Object(meta));
    assert_eq!(export_code(&tampered), ReasonCode::HashMismatch);
    let mut forged = good_export();
    let hash = forged
        .get("bundle_hash_b64u")
        .and_then(Value::as_str)
        .expect("hash")
        .to_string();
    set(
        &mut forged,
        "signature_b64u",
        Value::from(b64u_encode(
            &clawaudit::vectors::testkit::label_signer("forger").sign(hash.as_bytes()),
        )),
    );
    assert_eq!(export_code(&forged), ReasonCode::SignatureInvalid);
}

#[test]
fn export_nested_proof_bundle_code_propagates() {
    // The proof bundle's own signature is made by another key: its SIGNATURE_INVALID surfaces.
    let mut proof = good_proof();
    let h = proof
        .get("payload_hash_b64u")
        .and_then(Value::as_str)
        .expect("hash")
        .to_string();
    set(
        &mut proof,
        "signature_b64u",
        Value::from(b64u_encode(
            &clawaudit::vectors::testkit::label_signer("forger").sign(h.as_bytes()),
        )),
    );
    let bundle = build_export(proof, None);
    let r = verify_export_with(&bundle, export_trust());
    assert_eq!(r.reason_code, ReasonCode::SignatureInvalid, "{}", r.reason);
    assert!(r
        .failing_check()
        .and_then(|c| c.artifact())
        .is_some_and(|a| a.contains("proof_bundle_envelope")));
}

#[test]
fn export_attestation_allowlists() {
    let none = Trust {
        gateways: export_trust().gateways,
        ..Trust::default()
    };
    assert_eq!(
        verify_export_with(&good_export(), none).reason_code,
        ReasonCode::DependencyNotConfigured
    );
    let wrong = Trust {
        execution_attesters: vec![entry(clawaudit::vectors::testkit::label_signer("someone").did())],
        ..export_trust()
    };
    assert_eq!(
        verify_export_with(&good_export(), wrong).reason_code,
        ReasonCode::ClaimNotFound
    );
}

fn export_with_execution(edit: impl FnOnce(&mut Object)) -> Value {
    let proof = good_proof();
    let att = bp::execution_attestation(&executor(), &proof, T0);
    let mut payload = att.get("payload").and_then(Value::as_object).cloned().expect("payload");
    edit(&mut payload);
    let att = sign_envelope(&executor(), "execution_attestation", Value::Object(payload), T0, None);
    bp::export_bundle(
        &issuer(),
        "exp_test_2",
        proof,
        vec![(AttestationKind::Execution, att)],
        dates(),
    )
}

#[test]
fn export_attestation_cross_links() {
    let ok = export_with_execution(|_| {});
    assert_eq!(verify_export_with(&ok, export_trust()).status, Status::Pass);
    let other_hash = export_with_execution(|p| {
        p.insert("proof_bundle_hash_b64u", Value::from(b64u_encode(&sha256(b"other"))));
    });
    assert_eq!(export_code(&other_hash), ReasonCode::HashMismatch);
    let no_hash = export_with_execution(|p| {
        p.remove("proof_bundle_hash_b64u");
    });
    assert_eq!(export_code(&no_hash), ReasonCode::HashMismatch);
    let other_run = export_with_execution(|p| {
        p.insert("run_id", Value::from("run_other"));
    });
    assert_eq!(export_code(&other_run), ReasonCode::HashMismatch);
    let other_agent = export_with_execution(|p| {
        p.insert(
            "agent_did",
            Value::from(clawaudit::vectors::testkit::label_signer("x").did()),
        );
    });
    assert_eq!(export_code(&other_agent), ReasonCode::HashMismatch);
    // An attestation signed by a key other than its signer_did.
    let bad_sig = {
        let proof = good_proof();
        let mut att = bp::execution_attestation(&executor(), &proof, T0);
        let h = att
            .get("payload_hash_b64u")
            .and_then(Value::as_str)
            .expect("h")
            .to_string();
        set(
            &mut att,
            "signature_b64u",
            Value::from(b64u_encode(
                &clawaudit::vectors::testkit::label_signer("forger").sign(h.as_bytes()),
            )),
        );
        bp::export_bundle(
            &issuer(),
            "exp_test_3",
            proof,
            vec![(AttestationKind::Execution, att)],
            dates(),
        )
    };
    assert_eq!(export_code(&bad_sig), ReasonCode::SignatureInvalid);
}

#[test]
fn export_embedded_log_proof_must_verify() {
    let mut log = own_log_proof(&clawaudit::vectors::testkit::label_signer("log signer"), 1);
    set(
        &mut log,
        "leaf_hash_b64u",
        Value::from(b64u_encode(&sha256(b"not in the log"))),
    );
    let bundle = build_export(good_proof(), Some(log));
    let r = verify_export_with(&bundle, export_trust());
    assert_eq!(r.reason_code, ReasonCode::InclusionProofInvalid, "{}", r.reason);
    // The valid one passes but carries the weak-evidence warning.
    let ok = verify_export_with(&good_export(), export_trust());
    assert!(has_weak_warning(&ok));
}

fn proof_with_untrusted_receipt(bundle_id: &str, run_id: &str, signer: &Signer) -> Value {
    let mut payload = bp::proof_payload(signer, bundle_id, run_id, T0);
    let receipt = bp::gateway_receipt(
        &clawaudit::vectors::testkit::label_signer("unknown gateway"),
        &format!("rcpt_{bundle_id}"),
        &payload,
        None,
        T0,
    );
    payload.insert("receipts", Value::Array(vec![receipt]));
    bp::proof_envelope(signer, payload, T0, None)
}

#[test]
fn export_applies_the_strict_receipt_rule_but_aggregates_do_not() {
    let proof = proof_with_untrusted_receipt("bundle_strict", "run_strict", &agent());
    let bundle = bp::export_bundle(&issuer(), "exp_strict", proof, vec![], dates());
    let r = verify_export_with(&bundle, export_trust());
    assert_eq!(r.reason_code, ReasonCode::ReceiptVerificationFailed, "{}", r.reason);
    // As an aggregate member the same export is verified without the strict rule.
    let other = bp::proof_envelope(
        &clawaudit::vectors::testkit::label_signer("a2"),
        bp::proof_payload(&clawaudit::vectors::testkit::label_signer("a2"), "b2", "r2", T0),
        T0,
        None,
    );
    let agg = agg_of(vec![bundle, other], dates(), "self");
    let r = verify_agg(&agg, export_trust());
    assert_eq!(r.status, Status::Pass, "{}", r.reason);
}

// ---------------------------------------------------------------------------------------------
// Aggregate bundles
// ---------------------------------------------------------------------------------------------

fn aggregator() -> Signer {
    clawaudit::vectors::testkit::label_signer("aggregator")
}

fn member(label: &str, run: &str) -> Value {
    let s = clawaudit::vectors::testkit::label_signer(label);
    bp::proof_envelope(
        &s,
        bp::proof_payload(&s, &format!("bundle_{label}_{run}"), run, T0),
        T0,
        None,
    )
}

fn agg_of(members: Vec<Value>, d: bp::Dates<'_>, tier: &str) -> Value {
    bp::sign_aggregate(
        &aggregator(),
        bp::aggregate_payload(&aggregator(), "agg_test", members, d, tier),
        d.issued_at,
    )
}

fn good_members() -> Vec<Value> {
    vec![member("m1", "run_m1"), member("m2", "run_m2")]
}

fn verify_agg(agg: &Value, trust: Trust) -> SubjectReport {
    aggregate::verify_subject("aggregate.json", agg, &VerifyContext::new(at(NOW), trust))
}

fn agg_code(agg: &Value) -> ReasonCode {
    let r = verify_agg(agg, export_trust());
    assert_eq!(r.status, Status::Fail, "expected a failure");
    r.reason_code
}

/// Edit the payload of a good aggregate and re-sign it.
fn edit_agg(members: Vec<Value>, f: impl FnOnce(&mut Object)) -> Value {
    let mut p = bp::aggregate_payload(&aggregator(), "agg_test", members, dates(), "self");
    f(&mut p);
    bp::sign_aggregate(&aggregator(), p, T0)
}

fn member_list(p: &mut Object) -> &mut Vec<Value> {
    match p
        .get_mut("artifacts")
        .and_then(|a| a.as_object_mut())
        .and_then(|a| a.get_mut("member_bundles"))
    {
        Some(Value::Array(items)) => items,
        _ => panic!("members"),
    }
}

fn agg_entries(p: &mut Object) -> &mut Vec<Value> {
    manifest_entries(p)
}

#[test]
fn aggregate_producer_output_verifies() {
    let r = verify_agg(&agg_of(good_members(), dates(), "self"), export_trust());
    assert_eq!(r.status, Status::Pass, "{}", r.reason);
    assert_eq!(r.proof_tier.as_deref(), Some("self"));
}

#[test]
fn aggregate_envelope_checks() {
    let mut big = Vec::new();
    for i in 0..1001 {
        big.push(Value::from(format!("{i}")));
    }
    let too_many = edit_agg(good_members(), |p| {
        *member_list(p) = big;
    });
    assert_eq!(agg_code(&too_many), ReasonCode::SchemaValidationFailed);
    let other = clawaudit::vectors::testkit::label_signer("not the issuer");
    let p = bp::aggregate_payload(&aggregator(), "agg_test", good_members(), dates(), "self");
    assert_eq!(
        agg_code(&bp::sign_aggregate(&other, p, T0)),
        ReasonCode::AggregateSignerMismatch
    );
    let bad_did = edit_agg(good_members(), |p| {
        p.insert("issuer_did", Value::from("did:example:agg"));
    });
    assert_eq!(agg_code(&bad_did), ReasonCode::InvalidDidFormat);
    let backwards = edit_agg(good_members(), |p| {
        p.insert("created_at", Value::from("2026-02-21T00:00:00.000Z"));
    });
    assert_eq!(agg_code(&backwards), ReasonCode::CausalClockContradiction);
    let late = bp::Dates {
        created_at: T0,
        issued_at: "2026-03-02T00:00:00.000Z",
        expires_at: None,
    };
    assert_eq!(
        agg_code(&agg_of(good_members(), late, "self")),
        ReasonCode::FutureTimestampPoisoning
    );
    let expired = bp::Dates {
        expires_at: Some("2026-02-25T00:00:00.000Z"),
        ..dates()
    };
    assert_eq!(
        agg_code(&agg_of(good_members(), expired, "self")),
        ReasonCode::ExpiredTtl
    );
    // The envelope's own expires_at counts too (with the same skew).
    let mut env_expired = agg_of(good_members(), dates(), "self");
    set(&mut env_expired, "expires_at", Value::from("2026-02-28T00:00:00.000Z"));
    assert_eq!(agg_code(&env_expired), ReasonCode::ExpiredTtl);
    let mut tampered = agg_of(good_members(), dates(), "self");
    let mut payload = tampered.get("payload").cloned().expect("payload");
    set(&mut payload, "aggregate_id", Value::from("agg_changed"));
    set(&mut tampered, "payload", payload);
    assert_eq!(agg_code(&tampered), ReasonCode::HashMismatch);
    let mut blake = agg_of(good_members(), dates(), "self");
    set(&mut blake, "hash_algorithm", Value::from("BLAKE3"));
    assert_eq!(agg_code(&blake), ReasonCode::UnknownHashAlgorithm);
    let mut forged = agg_of(good_members(), dates(), "self");
    let h = forged
        .get("payload_hash_b64u")
        .and_then(Value::as_str)
        .expect("h")
        .to_string();
    set(
        &mut forged,
        "signature_b64u",
        Value::from(b64u_encode(
            &clawaudit::vectors::testkit::label_signer("forger").sign(h.as_bytes()),
        )),
    );
    assert_eq!(agg_code(&forged), ReasonCode::SignatureInvalid);
}

#[test]
fn aggregate_member_order_and_manifest() {
    let reversed = edit_agg(good_members(), |p| {
        member_list(p).reverse();
        let members = member_list(p).clone();
        p.insert("manifest", bp::aggregate_manifest(&members, T0));
    });
    assert_eq!(agg_code(&reversed), ReasonCode::UnsortedMemberArray);
    let twice = edit_agg(vec![member("m1", "run_m1")], |p| {
        let m = member_list(p)[0].clone();
        member_list(p).push(m);
        let members = member_list(p).clone();
        p.insert("manifest", bp::aggregate_manifest(&members, T0));
    });
    assert_eq!(agg_code(&twice), ReasonCode::AggregateDuplicateMember);
    let dup_path = edit_agg(good_members(), |p| {
        let e = agg_entries(p);
        let first = e[0].clone();
        e[1] = first;
    });
    assert_eq!(agg_code(&dup_path), ReasonCode::AggregateBundleInvalid);
    let ctype = edit_agg(good_members(), |p| {
        set(&mut agg_entries(p)[1], "content_type", Value::from("application/xml"));
    });
    assert_eq!(agg_code(&ctype), ReasonCode::AggregateBundleInvalid);
    let fewer = edit_agg(good_members(), |p| {
        agg_entries(p).pop();
    });
    assert_eq!(agg_code(&fewer), ReasonCode::HashMismatch);
    let size = edit_agg(good_members(), |p| {
        set(&mut agg_entries(p)[0], "size_bytes", Value::Number(3.0));
    });
    assert_eq!(agg_code(&size), ReasonCode::HashMismatch);
}

/// Build an aggregate from members edited after creation (the manifest follows the edit).
fn agg_with(members: Vec<Value>, d: bp::Dates<'_>, tier: &str) -> Value {
    agg_of(members, d, tier)
}

#[test]
fn aggregate_member_invariants() {
    // Two events with different run ids: INCONSISTENT_RUN_ID before member verification.
    let s = clawaudit::vectors::testkit::label_signer("m3");
    let mut p = bp::proof_payload(&s, "bundle_m3", "run_m3", T0);
    let mut chain = p.get("event_chain").and_then(Value::as_array).cloned().expect("chain");
    let mut second = chain[0].clone();
    set(&mut second, "run_id", Value::from("run_m3_other"));
    chain.push(second);
    p.insert("event_chain", Value::Array(chain));
    let split = bp::proof_envelope(&s, p, T0, None);
    assert_eq!(
        agg_code(&agg_with(vec![split, member("m1", "run_m1")], dates(), "self")),
        ReasonCode::InconsistentRunId
    );

    // A member whose own signature fails.
    let mut broken = member("m4", "run_m4");
    let h = broken
        .get("payload_hash_b64u")
        .and_then(Value::as_str)
        .expect("h")
        .to_string();
    set(
        &mut broken,
        "signature_b64u",
        Value::from(b64u_encode(
            &clawaudit::vectors::testkit::label_signer("forger").sign(h.as_bytes()),
        )),
    );
    let r = verify_agg(
        &agg_with(vec![broken, member("m1", "run_m1")], dates(), "self"),
        export_trust(),
    );
    assert_eq!(r.reason_code, ReasonCode::AggregateMemberInvalid);
    assert!(r.reason.contains("SIGNATURE_INVALID"), "{}", r.reason);

    // The aggregator aggregating its own bundle.
    let own = bp::proof_envelope(
        &aggregator(),
        bp::proof_payload(&aggregator(), "bundle_self", "run_self", T0),
        T0,
        None,
    );
    assert_eq!(
        agg_code(&agg_with(vec![own, member("m1", "run_m1")], dates(), "self")),
        ReasonCode::IdentityConflict
    );

    // A member expiring before the aggregate does.
    let s5 = clawaudit::vectors::testkit::label_signer("m5");
    let short = bp::proof_envelope(
        &s5,
        bp::proof_payload(&s5, "bundle_m5", "run_m5", T0),
        T0,
        Some("2026-03-10T00:00:00.000Z"),
    );
    let long = bp::Dates {
        expires_at: Some("2026-04-01T00:00:00.000Z"),
        ..dates()
    };
    assert_eq!(
        agg_code(&agg_with(vec![short.clone(), member("m1", "run_m1")], long, "self")),
        ReasonCode::AggregateTtlExceedsMember
    );
    assert_eq!(
        verify_agg(
            &agg_with(vec![short, member("m1", "run_m1")], dates(), "self"),
            export_trust()
        )
        .status,
        Status::Pass
    );

    // A member expires_at that is not a date.
    let mut odd = member("m6", "run_m6");
    set(&mut odd, "expires_at", Value::from("next tuesday"));
    assert_eq!(
        agg_code(&agg_with(vec![odd, member("m1", "run_m1")], dates(), "self")),
        ReasonCode::AggregateBundleInvalid
    );

    // Duplicate bundle ids and run ids across members.
    let a = clawaudit::vectors::testkit::label_signer("m7");
    let b = clawaudit::vectors::testkit::label_signer("m8");
    let same_id_1 = bp::proof_envelope(&a, bp::proof_payload(&a, "bundle_same", "run_x1", T0), T0, None);
    let same_id_2 = bp::proof_envelope(&b, bp::proof_payload(&b, "bundle_same", "run_x2", T0), T0, None);
    assert_eq!(
        agg_code(&agg_with(vec![same_id_1, same_id_2], dates(), "self")),
        ReasonCode::AggregateDuplicateBundleId
    );
    let same_run_1 = bp::proof_envelope(&a, bp::proof_payload(&a, "bundle_y1", "run_same", T0), T0, None);
    let same_run_2 = bp::proof_envelope(&b, bp::proof_payload(&b, "bundle_y2", "run_same", T0), T0, None);
    assert_eq!(
        agg_code(&agg_with(vec![same_run_1, same_run_2], dates(), "self")),
        ReasonCode::AggregateDuplicateRunId
    );

    // A fleet summary that overstates the tier.
    assert_eq!(
        agg_code(&agg_of(good_members(), dates(), "gateway")),
        ReasonCode::FleetSummaryMismatch
    );
    let wrong_count = edit_agg(good_members(), |p| {
        let meta = p.get_mut("metadata").and_then(Value::as_object_mut).expect("meta");
        let s = meta.get_mut("fleet_summary").expect("summary");
        set(s, "unique_agents", Value::Number(1.0));
    });
    assert_eq!(agg_code(&wrong_count), ReasonCode::FleetSummaryMismatch);
}

fn rate_member(agent: &Signer, run: &str, max: f64, observed: f64) -> Value {
    let mut p = bp::proof_payload(agent, &format!("bundle_{run}"), run, T0);
    p.insert(
        "rate_limit_claims",
        Value::Array(vec![bp::rate_limit_claim("agent-key", max, observed)]),
    );
    bp::proof_envelope(agent, p, T0, None)
}

#[test]
fn aggregate_rate_limit_claims_are_summed() {
    let a = clawaudit::vectors::testkit::label_signer("rate agent");
    let within = agg_of(
        vec![
            rate_member(&a, "run_r1", 10.0, 4.0),
            rate_member(&a, "run_r2", 10.0, 6.0),
        ],
        dates(),
        "self",
    );
    assert_eq!(verify_agg(&within, export_trust()).status, Status::Pass);
    let over = agg_of(
        vec![
            rate_member(&a, "run_r1", 10.0, 6.0),
            rate_member(&a, "run_r2", 10.0, 6.0),
        ],
        dates(),
        "self",
    );
    assert_eq!(agg_code(&over), ReasonCode::RateLimitExceeded);
    let disagree = agg_of(
        vec![
            rate_member(&a, "run_r1", 10.0, 1.0),
            rate_member(&a, "run_r2", 20.0, 1.0),
        ],
        dates(),
        "self",
    );
    assert_eq!(agg_code(&disagree), ReasonCode::RateLimitClaimInconsistent);
}

fn receipt_member(label: &str, run: &str, receipt_id: &str, span: Option<(&str, &str)>, ts: &str) -> Value {
    let s = clawaudit::vectors::testkit::label_signer(label);
    let mut p = bp::proof_payload(&s, &format!("bundle_{label}"), run, T0);
    let r = bp::gateway_receipt(&gateway(), receipt_id, &p, span, ts);
    p.insert("receipts", Value::Array(vec![r]));
    bp::proof_envelope(&s, p, T0, None)
}

#[test]
fn aggregate_cross_member_causal_rules() {
    let ok = agg_of(
        vec![
            receipt_member("c1", "fleet::a", "rcpt_1", Some(("span_1", "planning")), T0),
            receipt_member("c2", "fleet::b", "rcpt_2", Some(("span_2", "planning")), T0),
        ],
        dates(),
        "gateway",
    );
    let r = verify_agg(&ok, export_trust());
    assert_eq!(r.status, Status::Pass, "{}", r.reason);
    let replay = agg_of(
        vec![
            receipt_member("c1", "fleet::a", "rcpt_same", None, T0),
            receipt_member("c2", "fleet::b", "rcpt_same", None, T0),
        ],
        dates(),
        "gateway",
    );
    assert_eq!(agg_code(&replay), ReasonCode::CausalAggregateReceiptReplay);
    let conflict = agg_of(
        vec![
            receipt_member("c1", "fleet::a", "rcpt_1", Some(("span_x", "planning")), T0),
            receipt_member("c2", "fleet::b", "rcpt_2", Some(("span_x", "execution")), T0),
        ],
        dates(),
        "gateway",
    );
    assert_eq!(agg_code(&conflict), ReasonCode::CausalAggregateMemberConflict);
    // Different run namespaces may reuse a span id.
    let separate = agg_of(
        vec![
            receipt_member("c1", "fleetA::a", "rcpt_1", Some(("span_x", "planning")), T0),
            receipt_member("c2", "fleetB::b", "rcpt_2", Some(("span_x", "execution")), T0),
        ],
        dates(),
        "gateway",
    );
    assert_eq!(verify_agg(&separate, export_trust()).status, Status::Pass);
}

#[test]
fn aggregate_verifies_many_members() {
    let members: Vec<Value> = (0..300)
        .map(|i| member(&format!("fleet{i}"), &format!("run_fleet_{i}")))
        .collect();
    let agg = agg_of(members, dates(), "self");
    let r = verify_agg(&agg, export_trust());
    assert_eq!(r.status, Status::Pass, "{}", r.reason);
    assert_eq!(r.facts.counts.members, Some(300));
}

#[test]
fn hostile_shapes_do_not_panic() {
    let ctx = VerifyContext::new(at(NOW), export_trust());
    for text in [
        "null",
        "[]",
        "{}",
        r#"{"bundle":null}"#,
        r#"{"envelope_type":"aggregate_bundle","payload":{"aggregate_version":"1"}}"#,
        r#"{"export_version":"1","manifest":{"entries":[{}]},"artifacts":[]}"#,
        r#"{"proof_version":"1","audit_path":"x"}"#,
    ] {
        let v = json::parse_str(text).expect("json");
        assert_eq!(
            export_bundle::verify_subject("x", &v, &ctx).status,
            Status::Fail,
            "{text}"
        );
        assert_eq!(aggregate::verify_subject("x", &v, &ctx).status, Status::Fail, "{text}");
        assert_eq!(log_proof::verify_subject("x", &v, &ctx).status, Status::Fail, "{text}");
    }
}
