//! Export and aggregate bundle vectors (testvectors/clawsig/export/, testvectors/clawsig/aggregate/):
//! a valid example of each, and one invalid example per reason code our verifiers emit that the
//! Clawsig conformance fixtures do not already exercise. Keys come from fixed labels, times are
//! fixed, and every vector is verified at `AT` against `TRUST_PATH`.

use super::{Suite, VectorEntry};
use crate::clawsig::attestation_envelopes::AttestationKind;
use crate::clawsig::producer::{sign_envelope, Signer};
use crate::crypto::{b64u_encode, sha256};
use crate::json::{Object, Value};
use crate::reason::ReasonCode;
use crate::report::Kind;
use crate::vectors::builders::{self as bp, Dates};
use crate::vectors::clawsig_sample::SampleBundle;

/// Verification time of every vector in this area.
pub const AT: &str = super::clawsig::AT;
/// The trust file these vectors are verified with (our trust.json format).
pub const TRUST_PATH: &str = "trust/clawsig.json";

const T0: &str = "2026-02-20T00:00:00.000Z";

fn key(label: &str) -> Signer {
    crate::vectors::testkit::label_signer(&format!("vectors export-aggregate {label}"))
}

fn dates() -> Dates<'static> {
    Dates {
        created_at: T0,
        issued_at: T0,
        expires_at: None,
    }
}

fn pretty(v: &Value) -> Result<Vec<u8>, String> {
    let mut text = serde_json::to_string_pretty(&v.to_serde()).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text.into_bytes())
}

fn trust_file() -> Result<Vec<u8>, String> {
    let role = |labels: &[&str]| -> serde_json::Value {
        labels
            .iter()
            .map(|l| serde_json::json!({ "did": key(l).did(), "name": l }))
            .collect()
    };
    let trust = serde_json::json!({
        "trust_version": "1",
        // The sample proof bundles' gateway too, so one trust file verifies every valid
        // Clawsig vector (the README's first command).
        "gateways": [
            serde_json::json!({ "did": key("gateway").did(), "name": "gateway" }),
            serde_json::json!({ "did": SampleBundle::new(1, 0).gateway.did(), "name": "sample-gateway" }),
        ],
        "execution_attesters": role(&["executor"]),
        "derivation_attesters": role(&["deriver"]),
        "log_signers": role(&["log"]),
    });
    let mut text = serde_json::to_string_pretty(&trust).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text.into_bytes())
}

fn leaves() -> Vec<[u8; 32]> {
    (0..5)
        .map(|i| sha256(format!("vectors log entry {i}").as_bytes()))
        .collect()
}

fn proof_for(agent: &Signer, bundle_id: &str, run: &str) -> Value {
    bp::proof_envelope(agent, bp::proof_payload(agent, bundle_id, run, T0), T0, None)
}

fn set(v: &mut Value, key: &str, new: Value) {
    if let Some(o) = v.as_object_mut() {
        o.insert(key, new);
    }
}

/// The valid export: a proof bundle, an execution attestation and a derivation attestation
/// carrying a clawlogs proof by the pinned log signer.
fn export_with(log: Option<Value>, extra: Vec<(AttestationKind, Value)>) -> Value {
    let agent = key("agent");
    let proof = proof_for(&agent, "bundle_vec_export", "run_vec_export");
    let exec = bp::execution_attestation(&key("executor"), &proof, T0);
    let deriv = bp::derivation_attestation(&key("deriver"), log, T0);
    let mut atts = vec![(AttestationKind::Execution, exec), (AttestationKind::Derivation, deriv)];
    atts.extend(extra);
    bp::export_bundle(&key("issuer"), "exp_vec_001", proof, atts, dates())
}

fn good_log() -> Option<Value> {
    bp::log_proof(&key("log"), &leaves(), 3, T0)
}

fn edit_export(f: impl FnOnce(&mut Object)) -> Value {
    let mut b = export_with(good_log(), vec![]);
    if let Some(o) = b.as_object_mut() {
        f(o);
    }
    bp::sign_export(&key("issuer"), &mut b);
    b
}

fn first_entry(o: &mut Object) -> Option<&mut Value> {
    match o.get_mut("manifest")?.as_object_mut()?.get_mut("entries")? {
        Value::Array(items) => items.first_mut(),
        _ => None,
    }
}

fn export_vectors() -> Result<Vec<(&'static str, Value, ReasonCode)>, String> {
    let mut out = vec![("valid", export_with(good_log(), vec![]), ReasonCode::Ok)];
    out.push((
        "schema_unknown_field",
        edit_export(|o| {
            o.insert("comment", Value::from("not in the schema"));
        }),
        ReasonCode::SchemaValidationFailed,
    ));
    out.push((
        "issuer_not_key_or_web_did",
        edit_export(|o| {
            o.insert("issuer_did", Value::from("did:example:issuer"));
        }),
        ReasonCode::InvalidDidFormat,
    ));
    out.push((
        "created_after_issued",
        edit_export(|o| {
            o.insert("created_at", Value::from("2026-02-21T00:00:00.000Z"));
        }),
        ReasonCode::CausalClockContradiction,
    ));
    out.push((
        "issued_in_the_future",
        edit_export(|o| {
            o.insert("created_at", Value::from("2026-03-03T00:00:00.000Z"));
            o.insert("issued_at", Value::from("2026-03-03T00:00:00.000Z"));
        }),
        ReasonCode::FutureTimestampPoisoning,
    ));
    out.push((
        "expired",
        edit_export(|o| {
            o.insert("expires_at", Value::from("2026-02-25T00:00:00.000Z"));
        }),
        ReasonCode::ExpiredTtl,
    ));
    out.push((
        "manifest_content_type",
        edit_export(|o| {
            if let Some(e) = first_entry(o) {
                set(e, "content_type", Value::from("text/plain"));
            }
        }),
        ReasonCode::MalformedEnvelope,
    ));
    out.push((
        "manifest_missing_entry",
        edit_export(|o| {
            if let Some(Value::Array(items)) = o
                .get_mut("manifest")
                .and_then(Value::as_object_mut)
                .and_then(|m| m.get_mut("entries"))
            {
                items.pop();
            }
        }),
        ReasonCode::MissingRequiredField,
    ));
    let mut forged = export_with(good_log(), vec![]);
    let hash = forged
        .get("bundle_hash_b64u")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    set(
        &mut forged,
        "signature_b64u",
        Value::from(b64u_encode(&key("forger").sign(hash.as_bytes()))),
    );
    out.push(("signature_by_another_key", forged, ReasonCode::SignatureInvalid));

    // No audit-result attesters are configured in the trust file.
    let audit = sign_envelope(&key("auditor"), "audit_result_attestation", audit_payload(), T0, None);
    out.push((
        "audit_attester_not_configured",
        export_with(good_log(), vec![(AttestationKind::AuditResult, audit)]),
        ReasonCode::DependencyNotConfigured,
    ));
    let agent = key("agent");
    let proof = proof_for(&agent, "bundle_vec_export", "run_vec_export");
    let stranger = bp::execution_attestation(&key("stranger"), &proof, T0);
    out.push((
        "execution_attester_not_listed",
        bp::export_bundle(
            &key("issuer"),
            "exp_vec_002",
            proof,
            vec![(AttestationKind::Execution, stranger)],
            dates(),
        ),
        ReasonCode::ClaimNotFound,
    ));
    out.push((
        "log_proof_phantom_leaf",
        export_with(Some(phantom_log()?), vec![]),
        ReasonCode::InclusionProofInvalid,
    ));
    out.push((
        "log_root_signer_not_pinned",
        export_with(bp::log_proof(&key("other log"), &leaves(), 3, T0), vec![]),
        ReasonCode::SignerNotTrusted,
    ));
    // A bound gateway receipt from a gateway nobody trusts: the strict receipt rule.
    let mut payload = bp::proof_payload(&agent, "bundle_vec_strict", "run_vec_strict", T0);
    let receipt = bp::gateway_receipt(&key("rogue gateway"), "rcpt_vec_strict", &payload, None, T0);
    payload.insert("receipts", Value::Array(vec![receipt]));
    let strict = bp::proof_envelope(&agent, payload, T0, None);
    out.push((
        "untrusted_gateway_receipt",
        bp::export_bundle(&key("issuer"), "exp_vec_003", strict, vec![], dates()),
        ReasonCode::ReceiptVerificationFailed,
    ));
    Ok(out)
}

fn audit_payload() -> Value {
    let h = |s: &str| Value::from(b64u_encode(&sha256(s.as_bytes())));
    let obj = |pairs: Vec<(&str, Value)>| {
        let mut o = Object::new();
        for (k, v) in pairs {
            o.insert(k, v);
        }
        Value::Object(o)
    };
    obj(vec![
        ("audit_version", Value::from("1")),
        ("audit_id", Value::from("audit_vec_001")),
        ("issued_at", Value::from(T0)),
        (
            "model",
            obj(vec![
                ("model_identity_version", Value::from("1")),
                ("tier", Value::from("closed_opaque")),
                (
                    "model",
                    obj(vec![
                        ("provider", Value::from("openai")),
                        ("name", Value::from("gpt-test")),
                    ]),
                ),
            ]),
        ),
        ("audit_code", obj(vec![("code_hash_b64u", h("code"))])),
        (
            "dataset",
            obj(vec![
                ("dataset_id", Value::from("ds_vec")),
                ("dataset_hash_b64u", h("dataset")),
                ("access", Value::from("public")),
            ]),
        ),
        (
            "protocol",
            obj(vec![("name", Value::from("bench")), ("config_hash_b64u", h("config"))]),
        ),
        (
            "result",
            obj(vec![
                ("status", Value::from("pass")),
                ("results_hash_b64u", h("results")),
            ]),
        ),
    ])
}

/// Leaf 4 presented again as leaf 5 of a 6-leaf tree: same signed root, forged membership.
fn phantom_log() -> Result<Value, String> {
    let l = leaves();
    let mut proof = bp::log_proof(&key("log"), &l, 4, T0).ok_or("log proof")?;
    let node = crate::clawsig::log_proof::node_hash;
    let [l0, l1, l2, l3, l4] = <[[u8; 32]; 5]>::try_from(l).map_err(|_| "five leaves")?;
    let (n01, n23, n44) = (node(&l0, &l1), node(&l2, &l3), node(&l4, &l4));
    let path = [l4, n44, node(&n01, &n23)];
    set(&mut proof, "tree_size", Value::Number(6.0));
    set(
        &mut proof,
        "audit_path",
        Value::Array(path.iter().map(|h| Value::from(b64u_encode(h))).collect()),
    );
    let mut meta = Object::new();
    meta.insert("leaf_index", Value::Number(5.0));
    set(&mut proof, "metadata", Value::Object(meta));
    Ok(proof)
}

fn member(label: &str, run: &str) -> Value {
    let s = key(label);
    proof_for(&s, &format!("bundle_{label}"), run)
}

fn aggregate(members: Vec<Value>, d: Dates<'_>, tier: &str) -> Value {
    let issuer = key("aggregator");
    bp::sign_aggregate(
        &issuer,
        bp::aggregate_payload(&issuer, "agg_vec_001", members, d, tier),
        d.issued_at,
    )
}

fn receipt_member(label: &str, run: &str, receipt_id: &str, span: Option<(&str, &str)>) -> Value {
    let s = key(label);
    let mut p = bp::proof_payload(&s, &format!("bundle_{label}"), run, T0);
    let r = bp::gateway_receipt(&key("gateway"), receipt_id, &p, span, T0);
    p.insert("receipts", Value::Array(vec![r]));
    bp::proof_envelope(&s, p, T0, None)
}

fn aggregate_vectors() -> Result<Vec<(&'static str, Value, ReasonCode)>, String> {
    let two = || vec![member("m1", "run_vec_m1"), member("m2", "run_vec_m2")];
    let mut out = vec![("valid", aggregate(two(), dates(), "self"), ReasonCode::Ok)];
    let export_member = export_with(good_log(), vec![]);
    out.push((
        "valid_with_export_member",
        aggregate(vec![export_member, member("m1", "run_vec_m1")], dates(), "self"),
        ReasonCode::Ok,
    ));
    let mut blake = aggregate(two(), dates(), "self");
    set(&mut blake, "hash_algorithm", Value::from("BLAKE3"));
    out.push(("blake3_hash", blake, ReasonCode::UnknownHashAlgorithm));
    let mut extra = aggregate(two(), dates(), "self");
    set(&mut extra, "comment", Value::from("not in the schema"));
    out.push(("schema_unknown_field", extra, ReasonCode::SchemaValidationFailed));
    let m = member("m1", "run_vec_m1");
    out.push((
        "duplicate_member",
        aggregate(vec![m.clone(), m], dates(), "self"),
        ReasonCode::AggregateDuplicateMember,
    ));
    let mut odd = member("m3", "run_vec_m3");
    set(&mut odd, "expires_at", Value::from("next tuesday"));
    out.push((
        "member_expiry_not_a_date",
        aggregate(vec![odd, member("m1", "run_vec_m1")], dates(), "self"),
        ReasonCode::AggregateBundleInvalid,
    ));
    let s = key("m4");
    let mut p = bp::proof_payload(&s, "bundle_m4", "run_vec_m4", T0);
    if let Some(Value::Array(chain)) = p.get_mut("event_chain") {
        if let Some(first) = chain.first().cloned() {
            let mut second = first;
            set(&mut second, "run_id", Value::from("run_vec_m4_other"));
            chain.push(second);
        }
    }
    out.push((
        "member_run_ids_differ",
        aggregate(
            vec![bp::proof_envelope(&s, p, T0, None), member("m1", "run_vec_m1")],
            dates(),
            "self",
        ),
        ReasonCode::InconsistentRunId,
    ));
    let s5 = key("m5");
    let short = bp::proof_envelope(
        &s5,
        bp::proof_payload(&s5, "bundle_m5", "run_vec_m5", T0),
        T0,
        Some("2026-03-10T00:00:00.000Z"),
    );
    let long = Dates {
        expires_at: Some("2026-04-01T00:00:00.000Z"),
        ..dates()
    };
    out.push((
        "outlives_member",
        aggregate(vec![short, member("m1", "run_vec_m1")], long, "self"),
        ReasonCode::AggregateTtlExceedsMember,
    ));
    let (a, b) = (key("m6"), key("m7"));
    out.push((
        "duplicate_bundle_id",
        aggregate(
            vec![
                proof_for(&a, "bundle_same", "run_vec_a"),
                proof_for(&b, "bundle_same", "run_vec_b"),
            ],
            dates(),
            "self",
        ),
        ReasonCode::AggregateDuplicateBundleId,
    ));
    out.push((
        "receipt_replayed_across_members",
        aggregate(
            vec![
                receipt_member("c1", "fleet::a", "rcpt_same", None),
                receipt_member("c2", "fleet::b", "rcpt_same", None),
            ],
            dates(),
            "gateway",
        ),
        ReasonCode::CausalAggregateReceiptReplay,
    ));
    out.push((
        "span_conflict_across_members",
        aggregate(
            vec![
                receipt_member("c1", "fleet::a", "rcpt_1", Some(("span_x", "planning"))),
                receipt_member("c2", "fleet::b", "rcpt_2", Some(("span_x", "execution"))),
            ],
            dates(),
            "gateway",
        ),
        ReasonCode::CausalAggregateMemberConflict,
    ));
    Ok(out)
}

pub fn suite() -> Result<Suite, String> {
    let mut suite = Suite::default();
    suite.file(TRUST_PATH, trust_file()?);
    for (dir, kind, vectors) in [
        ("export", Kind::ExportBundle, export_vectors()?),
        ("aggregate", Kind::AggregateBundle, aggregate_vectors()?),
    ] {
        for (name, value, code) in vectors {
            let folder = if code == ReasonCode::Ok { "valid" } else { "invalid" };
            let path = format!("clawsig/{folder}/{dir}-{}.json", name.replace('_', "-"));
            suite.file(&path, pretty(&value)?);
            suite.entries.push(VectorEntry::new(
                &format!("clawsig.{dir}.{name}"),
                kind,
                &path,
                AT,
                Some(TRUST_PATH),
                code,
            ));
        }
    }
    Ok(suite)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::VerifyContext;
    use crate::timeutil::parse_rfc3339;
    use crate::trust::Trust;
    use crate::verify::{verify_subject, Subject};

    #[test]
    fn every_vector_gets_its_expected_result() {
        let suite = suite().expect("suite");
        let trust_bytes = suite
            .files
            .iter()
            .find(|f| f.path == TRUST_PATH)
            .map(|f| f.bytes.clone())
            .expect("trust file");
        let trust = Trust::from_bytes(&trust_bytes).expect("trust parses");
        let at = parse_rfc3339(AT).expect("at");
        for entry in &suite.entries {
            let file = suite.files.iter().find(|f| f.path == entry.path).expect("file");
            let mut subject = Subject::new(&entry.path, file.bytes.clone());
            subject.kind = Kind::from_name(&entry.kind);
            let report = verify_subject(&subject, &VerifyContext::new(at, trust.clone()));
            assert_eq!(
                (report.status.as_str(), report.reason_code.as_str()),
                (entry.expected.status.as_str(), entry.expected.reason_code.as_str()),
                "{}: {}",
                entry.name,
                report.reason
            );
        }
        // Deterministic: a second generation is byte-identical.
        let again = super::suite().expect("suite");
        assert_eq!(suite.files, again.files);
    }
}
