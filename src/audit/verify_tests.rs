//! End-to-end checks of spec 20 §5 steps 1–3 (and the dispatch of 4–8) on the sample
//! bundle, each with one fault, re-signed where needed so the intended check is what fails.

use super::checkpoint::{payload_value, sign_payload, CheckpointFields};
use super::manifest::{build_manifest, manifest_from_value};
use super::merkle;
use super::verify::verify_audit_bundle;
use crate::context::VerifyContext;
use crate::json::Value;
use crate::produce::seal::{assemble, bindings_for, json_bytes};
use crate::reason::ReasonCode;
use crate::report::{CheckStatus, Status, SubjectReport};
use crate::timeutil::parse_rfc3339;
use crate::vectors::audit_sample::{self as sample, SampleKeys};
use crate::verify::{verify_subject, Subject};

struct Parts {
    keys: SampleKeys,
    artifacts: Vec<(String, Vec<u8>)>,
    manifest: Value,
    fields: CheckpointFields,
}

fn parts() -> Parts {
    let keys = SampleKeys::new();
    let artifacts = sample::artifacts(&keys).unwrap();
    let manifest = build_manifest(&artifacts).unwrap();
    let leaves = manifest_from_value(&manifest).unwrap().leaves();
    let (policy, scope) = bindings_for(&artifacts).unwrap();
    let fields = CheckpointFields {
        bundle_id: "ab_sample".into(),
        created_at: sample::CREATED_AT.into(),
        expires_at: None,
        job_id: sample::JOB_ID.into(),
        run_id: Some(sample::RUN_ID.into()),
        agent_did: Some(keys.agent.did().into()),
        tree_size: leaves.len() as u64,
        root: merkle::root(&leaves).unwrap(),
        policy_hash_b64u: policy,
        token_scope_hash_b64u: scope,
    };
    Parts {
        keys,
        artifacts,
        manifest,
        fields,
    }
}

impl Parts {
    fn checkpoint(&self) -> Value {
        sign_payload(
            &self.keys.sealer,
            payload_value(&self.fields, self.keys.sealer.did()),
            &self.fields.created_at,
        )
    }

    fn zip_with_checkpoint(&self, checkpoint: &Value) -> Vec<u8> {
        assemble(&json_bytes(checkpoint), &json_bytes(&self.manifest), &self.artifacts).unwrap()
    }

    fn zip(&self) -> Vec<u8> {
        self.zip_with_checkpoint(&self.checkpoint())
    }

    /// Re-derive size and root from the (possibly edited) manifest.
    fn reroot(&mut self) {
        let leaves: Vec<merkle::Hash> = self
            .manifest
            .get("entries")
            .and_then(Value::as_array)
            .unwrap()
            .iter()
            .map(merkle::entry_leaf)
            .collect();
        self.fields.tree_size = leaves.len() as u64;
        self.fields.root = merkle::root(&leaves).unwrap();
    }

    fn entries_mut(&mut self) -> &mut Vec<Value> {
        match self.manifest.as_object_mut().unwrap().get_mut("entries").unwrap() {
            Value::Array(items) => items,
            _ => unreachable!(),
        }
    }
}

fn ctx() -> VerifyContext {
    VerifyContext::new(parse_rfc3339(sample::VERIFY_AT).unwrap(), SampleKeys::new().trust())
}

fn verify(bytes: &[u8]) -> SubjectReport {
    verify_audit_bundle("run.audit.zip", bytes, &ctx())
}

fn assert_code(bytes: &[u8], code: ReasonCode) -> SubjectReport {
    let r = verify(bytes);
    assert_eq!(r.reason_code, code, "{}\n{:#?}", r.reason, r.failing_check());
    assert_eq!(r.status, Status::Fail);
    r
}

#[test]
fn the_sample_bundle_passes() {
    let keys = SampleKeys::new();
    let zip = sample::bundle(&keys).unwrap();
    let r = verify(&zip);
    let fails: Vec<_> = r.checks.iter().filter(|c| c.status == CheckStatus::Fail).collect();
    assert_eq!(r.status, Status::Pass, "{}\n{fails:#?}", r.reason);
    assert_eq!(r.reason_code, ReasonCode::Ok);
    assert_eq!(r.facts.counts.tree_size, Some(9));
    // The parts helper reproduces the sealer byte for byte.
    assert_eq!(parts().zip(), zip);
}

#[test]
fn zip_is_routed_before_json_and_hostile_archives_fail() {
    let zip = parts().zip();
    let r = verify_subject(&Subject::new("bundle.bin", zip), &ctx());
    assert_eq!(r.status, Status::Pass, "{}", r.reason);
    // A .zip name that is not a ZIP at all is a container failure, not MALFORMED_JSON.
    let r = verify_subject(&Subject::new("x.zip", b"{}".to_vec()), &ctx());
    assert_eq!(r.reason_code, ReasonCode::ContainerInvalid);
    let r = verify_subject(&Subject::new("x.json", b"PK\x03\x04garbage".to_vec()), &ctx());
    assert_eq!(r.reason_code, ReasonCode::ContainerInvalid);
}

#[test]
fn unexpected_entry() {
    let p = parts();
    let mut extra = p.artifacts.clone();
    extra.push(("artifacts/attachments/unlisted.txt".into(), b"x".to_vec()));
    let zip = assemble(&json_bytes(&p.checkpoint()), &json_bytes(&p.manifest), &extra).unwrap();
    let r = assert_code(&zip, ReasonCode::ContainerUnexpectedEntry);
    assert!(r.reason.contains("artifacts/attachments/unlisted.txt"), "{}", r.reason);
}

fn edit_checkpoint(p: &Parts, edit: impl FnOnce(&mut crate::json::Object)) -> Vec<u8> {
    let mut cp = p.checkpoint();
    edit(cp.as_object_mut().unwrap());
    p.zip_with_checkpoint(&cp)
}

#[test]
fn checkpoint_envelope_faults() {
    let p = parts();
    let zip = edit_checkpoint(&p, |o| {
        o.insert("expires_at", Value::from("2027-01-01T00:00:00Z"));
    });
    assert_code(&zip, ReasonCode::MalformedEnvelope);
    let zip = edit_checkpoint(&p, |o| {
        o.insert("envelope_type", Value::from("proof_bundle"));
    });
    assert_code(&zip, ReasonCode::UnknownEnvelopeType);
    let zip = edit_checkpoint(&p, |o| {
        o.insert("envelope_version", Value::from("2"));
    });
    assert_code(&zip, ReasonCode::UnknownEnvelopeVersion);
    let zip = edit_checkpoint(&p, |o| {
        o.remove("signer_did");
    });
    assert_code(&zip, ReasonCode::MalformedEnvelope);
    let zip = edit_checkpoint(&p, |o| {
        o.insert("extra", Value::from(1.0));
    });
    assert_code(&zip, ReasonCode::MalformedEnvelope);
    let mut bad = parts();
    let zip = {
        let mut cp = bad.checkpoint();
        cp.as_object_mut()
            .unwrap()
            .insert("signature_b64u", Value::from("not*base64"));
        bad.zip_with_checkpoint(&cp)
    };
    assert_code(&zip, ReasonCode::MalformedEnvelope);
    bad.fields.bundle_id = String::new();
    assert_code(&bad.zip(), ReasonCode::SchemaValidationFailed);
    let zip = {
        let mut cp = p.checkpoint();
        let payload = cp
            .as_object_mut()
            .unwrap()
            .get_mut("payload")
            .unwrap()
            .as_object_mut()
            .unwrap();
        payload.insert("checkpoint_version", Value::from("2"));
        let resigned = sign_payload(&p.keys.sealer, Value::Object(payload.clone()), sample::CREATED_AT);
        p.zip_with_checkpoint(&resigned)
    };
    assert_code(&zip, ReasonCode::UnknownVersion);
}

#[test]
fn checkpoint_hash_is_checked_before_the_signature() {
    let p = parts();
    // Payload edited after signing: JCS hash differs (and the signature still covers the old hash).
    let zip = edit_checkpoint(&p, |o| {
        let payload = o.get_mut("payload").unwrap().as_object_mut().unwrap();
        payload.insert("bundle_id", Value::from("ab_other"));
    });
    assert_code(&zip, ReasonCode::HashMismatch);
    // A JSS-hashed checkpoint (the Clawsig recipe) is a hash mismatch too.
    let cp = crate::clawsig::producer::sign_envelope(
        &p.keys.sealer,
        "audit_checkpoint",
        payload_value(&p.fields, p.keys.sealer.did()),
        sample::CREATED_AT,
        None,
    );
    let jcs_equals_jss = crate::json::jcs::to_string(cp.get("payload").unwrap())
        == crate::json::jss::to_string(cp.get("payload").unwrap());
    if !jcs_equals_jss {
        assert_code(&p.zip_with_checkpoint(&cp), ReasonCode::HashMismatch);
    }
}

#[test]
fn checkpoint_signature_must_be_domain_separated() {
    let p = parts();
    // Signed over the bare hash (Clawsig message) instead of the domain-separated message.
    let mut cp = p.checkpoint();
    let hash = cp.get("payload_hash_b64u").and_then(Value::as_str).unwrap().to_string();
    let sig = crate::crypto::b64u_encode(&p.keys.sealer.sign(hash.as_bytes()));
    cp.as_object_mut().unwrap().insert("signature_b64u", Value::from(sig));
    assert_code(&p.zip_with_checkpoint(&cp), ReasonCode::SignatureInvalid);
}

#[test]
fn checkpoint_signer_trust_and_time() {
    let mut p = parts();
    // sealer_did names another key than the one that signs.
    let other = crate::vectors::testkit::label_signer("someone else");
    let cp = sign_payload(
        &p.keys.sealer,
        payload_value(&p.fields, other.did()),
        sample::CREATED_AT,
    );
    assert_code(&p.zip_with_checkpoint(&cp), ReasonCode::SignerMismatch);
    // A consistent checkpoint by a key the trust file does not list.
    let cp = sign_payload(&other, payload_value(&p.fields, other.did()), sample::CREATED_AT);
    assert_code(&p.zip_with_checkpoint(&cp), ReasonCode::SignerNotTrusted);
    // created_at more than 300 s after --at (00:01:00 + 300 s = 00:06:00).
    p.fields.created_at = "2026-02-18T00:06:01Z".into();
    assert_code(&p.zip(), ReasonCode::FutureTimestampPoisoning);
    p.fields.created_at = "2026-02-18T00:06:00Z".into();
    let r = verify(&p.zip());
    assert_ne!(r.reason_code, ReasonCode::FutureTimestampPoisoning, "{}", r.reason);
    // Expired by --at.
    let mut p = parts();
    p.fields.expires_at = Some("2026-02-18T00:00:59Z".into());
    assert_code(&p.zip(), ReasonCode::ExpiredTtl);
    p.fields.expires_at = Some("2026-02-18T00:01:00Z".into());
    assert_eq!(verify(&p.zip()).status, Status::Pass);
}

#[test]
fn manifest_faults() {
    // Shape.
    let mut p = parts();
    p.manifest
        .as_object_mut()
        .unwrap()
        .insert("manifest_version", Value::from("2"));
    assert_code(&p.zip(), ReasonCode::ManifestInvalid);
    // Unsorted (root re-derived from the unsorted order, so only the order is wrong).
    let mut p = parts();
    p.entries_mut().swap(0, 1);
    p.reroot();
    assert_code(&p.zip(), ReasonCode::ManifestNotCanonical);
    // Duplicate path.
    let mut p = parts();
    let first = p.entries_mut()[0].clone();
    p.entries_mut().insert(0, first);
    p.reroot();
    assert_code(&p.zip(), ReasonCode::ManifestNotCanonical);
    // Listed but absent.
    let mut p = parts();
    let missing = p
        .artifacts
        .iter()
        .position(|(path, _)| path == "artifacts/attachments/notes.txt")
        .unwrap();
    p.artifacts.remove(missing);
    assert_code(&p.zip(), ReasonCode::ManifestEntryMissing);
    // File bytes differ from the manifest.
    let mut p = parts();
    let notes = p
        .artifacts
        .iter_mut()
        .find(|(path, _)| path == "artifacts/attachments/notes.txt")
        .unwrap();
    notes.1 = b"rotation notes, edited\n".to_vec();
    let r = assert_code(&p.zip(), ReasonCode::HashMismatch);
    assert!(r.reason.contains("artifacts/attachments/notes.txt"), "{}", r.reason);
    // Tree size.
    let mut p = parts();
    p.fields.tree_size += 1;
    assert_code(&p.zip(), ReasonCode::MerkleSizeMismatch);
    // Root.
    let mut p = parts();
    p.fields.root[0] ^= 1;
    assert_code(&p.zip(), ReasonCode::MerkleRootMismatch);
}

#[test]
fn later_steps_are_dispatched() {
    // Step 4: --expect-policy names another policy.
    let zip = parts().zip();
    let mut c = ctx();
    c.expect_policy = Some("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU".into());
    let r = verify_audit_bundle("b.zip", &zip, &c);
    assert_eq!(r.reason_code, ReasonCode::PolicyHashMismatch, "{}", r.reason);
    // Step 4: the checkpoint binds another policy hash.
    let mut p = parts();
    p.fields.policy_hash_b64u = Some("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU".into());
    assert_code(&p.zip(), ReasonCode::PolicyHashMismatch);
    // Step 5: the checkpoint binds another token scope hash.
    let mut p = parts();
    p.fields.token_scope_hash_b64u = Some("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU".into());
    assert_code(&p.zip(), ReasonCode::TokenScopeHashMismatch);
    // Step 6: one approval removed (and the manifest re-sealed): quorum of 2 not met.
    let mut p = parts();
    p.artifacts
        .retain(|(path, _)| path != "artifacts/approvals/apr_bob.json");
    p.manifest = build_manifest(&p.artifacts).unwrap();
    p.reroot();
    assert_code(&p.zip(), ReasonCode::ApprovalQuorumNotMet);
    // Step 8: the subject names another agent.
    let mut p = parts();
    p.fields.agent_did = Some(p.keys.requester.did().to_string());
    let r = verify(&p.zip());
    assert!(
        r.checks.iter().any(|c| c.reason_code == ReasonCode::SubjectMismatch),
        "{:#?}",
        r.checks
    );
}

#[test]
fn receipt_replay_between_files() {
    let mut p = parts();
    let receipt = p
        .artifacts
        .iter()
        .find(|(path, _)| path == "artifacts/receipts/rcpt_file_1.json")
        .unwrap()
        .1
        .clone();
    p.artifacts
        .push(("artifacts/receipts/rcpt_file_2.json".into(), receipt));
    p.manifest = build_manifest(&p.artifacts).unwrap();
    p.reroot();
    assert_code(&p.zip(), ReasonCode::ReceiptReplay);
}

#[test]
fn all_findings_are_listed_after_the_first() {
    // Untrusted sealer and an expired checkpoint: the first decides, both are listed.
    let mut p = parts();
    p.fields.expires_at = Some("2026-02-18T00:00:30Z".into());
    let mut c = ctx();
    c.trust.sealers.clear();
    let r = verify_audit_bundle("b.zip", &p.zip(), &c);
    assert_eq!(r.reason_code, ReasonCode::SignerNotTrusted);
    assert!(r.checks.iter().any(|c| c.reason_code == ReasonCode::ExpiredTtl));
    assert!(r.reason.contains("checkpoint.json"), "{}", r.reason);
}

mod inclusion_proofs {
    use super::*;
    use crate::audit::container::ContainerLimits;
    use crate::audit::prove::verify_subject as verify_proof;
    use crate::produce::prove::build_proof;
    use crate::produce::seal::seal_entries;

    const WPC: &str = "artifacts/policy/wpc.json";

    fn proof_of(zip: &[u8], path: &str) -> Value {
        build_proof(zip, path, &ContainerLimits::default()).unwrap()
    }

    fn artifact(p: &Parts, path: &str) -> Vec<u8> {
        p.artifacts.iter().find(|(a, _)| a == path).unwrap().1.clone()
    }

    fn code_of(proof: &Value, artifact: Option<&[u8]>) -> ReasonCode {
        let r = verify_proof("proof.json", proof, artifact, &ctx());
        assert_eq!(r.status == Status::Pass, r.reason_code == ReasonCode::Ok);
        r.reason_code
    }

    fn edit(proof: &Value, f: impl FnOnce(&mut crate::json::Object)) -> Value {
        let mut p = proof.clone();
        f(p.as_object_mut().unwrap());
        p
    }

    #[test]
    fn every_entry_has_a_verifying_proof() {
        let p = parts();
        let zip = p.zip();
        for (path, bytes) in &p.artifacts {
            let proof = proof_of(&zip, path);
            assert_eq!(code_of(&proof, Some(bytes)), ReasonCode::Ok, "{path}");
            assert_eq!(code_of(&proof, None), ReasonCode::Ok, "{path}");
            // Routed by content through the generic dispatcher.
            let text = crate::json::jss::to_string(&proof).into_bytes();
            let mut subject = Subject::new("p.json", text);
            subject.artifact = Some(bytes.clone());
            let r = verify_subject(&subject, &ctx());
            assert_eq!(r.status, Status::Pass, "{}", r.reason);
            assert_eq!(r.kind, crate::report::Kind::InclusionProof);
        }
    }

    #[test]
    fn a_one_entry_bundle_has_an_empty_path() {
        let keys = SampleKeys::new();
        let artifacts = vec![("artifacts/attachments/only.txt".to_string(), b"only".to_vec())];
        let zip = seal_entries(&artifacts, &keys.sealer, &sample::options(&keys)).unwrap();
        let proof = proof_of(&zip, "artifacts/attachments/only.txt");
        assert_eq!(
            proof.get("audit_path_b64u").and_then(Value::as_array).map(Vec::len),
            Some(0)
        );
        assert_eq!(code_of(&proof, Some(b"only")), ReasonCode::Ok);
        assert_eq!(verify(&zip).status, Status::Pass);
    }

    #[test]
    fn forged_proofs_fail() {
        let p = parts();
        let proof = proof_of(&p.zip(), WPC);
        let index = proof.get("leaf_index").and_then(Value::as_u64).unwrap();
        let size = p.fields.tree_size;
        // Wrong index, index equal to the size, index far out of range.
        for bad in [(index + 1) % size, size, 1 << 40] {
            let forged = edit(&proof, |o| {
                o.insert("leaf_index", Value::from(bad));
            });
            assert_eq!(code_of(&forged, None), ReasonCode::InclusionProofInvalid, "index {bad}");
        }
        // Path one element short, one too long, a flipped byte, not base64url.
        let path = proof.get("audit_path_b64u").and_then(Value::as_array).unwrap().clone();
        let mut short = path.clone();
        short.pop();
        let mut long = path.clone();
        long.push(path[0].clone());
        let mut flipped = path.clone();
        let mut raw = crate::crypto::b64u_decode(path[0].as_str().unwrap()).unwrap();
        raw[5] ^= 0x80;
        flipped[0] = Value::from(crate::crypto::b64u_encode(&raw));
        let mut garbage = path.clone();
        garbage[0] = Value::from("not base64!");
        for bad in [short, long, flipped, garbage] {
            let forged = edit(&proof, |o| {
                o.insert("audit_path_b64u", Value::Array(bad));
            });
            assert_eq!(code_of(&forged, None), ReasonCode::InclusionProofInvalid);
        }
        // The entry of another artifact at this artifact's index.
        let other = proof_of(&p.zip(), "artifacts/token/cst.jwt");
        let forged = edit(&proof, |o| {
            o.insert("entry", other.get("entry").unwrap().clone());
        });
        assert_eq!(code_of(&forged, None), ReasonCode::InclusionProofInvalid);
        // An entry whose size was edited.
        let forged = edit(&proof, |o| {
            let e = o.get_mut("entry").unwrap().as_object_mut().unwrap();
            e.insert("size_bytes", Value::from(1u64));
        });
        assert_eq!(code_of(&forged, None), ReasonCode::InclusionProofInvalid);
    }

    #[test]
    fn artifact_and_checkpoint_and_shape() {
        let p = parts();
        let proof = proof_of(&p.zip(), WPC);
        let mut wrong = artifact(&p, WPC);
        wrong.push(b' ');
        assert_eq!(code_of(&proof, Some(&wrong)), ReasonCode::HashMismatch);
        assert_eq!(code_of(&proof, Some(&artifact(&p, WPC))), ReasonCode::Ok);
        // Checkpoint checks run: untrusted sealer, expired, tampered.
        let mut c = ctx();
        c.trust.sealers.clear();
        let r = verify_proof("proof.json", &proof, None, &c);
        assert_eq!(r.reason_code, ReasonCode::SignerNotTrusted);
        let tampered = edit(&proof, |o| {
            let cp = o.get_mut("checkpoint").unwrap().as_object_mut().unwrap();
            let payload = cp.get_mut("payload").unwrap().as_object_mut().unwrap();
            payload.insert("bundle_id", Value::from("ab_other"));
        });
        assert_eq!(code_of(&tampered, None), ReasonCode::HashMismatch);
        // Shape.
        let extra = edit(&proof, |o| {
            o.insert("note", Value::from("x"));
        });
        assert_eq!(code_of(&extra, None), ReasonCode::SchemaValidationFailed);
        let version = edit(&proof, |o| {
            o.insert("proof_version", Value::from("2"));
        });
        assert_eq!(code_of(&version, None), ReasonCode::UnknownVersion);
        let negative = edit(&proof, |o| {
            o.insert("leaf_index", Value::from(-1i64));
        });
        assert_eq!(code_of(&negative, None), ReasonCode::SchemaValidationFailed);
        let no_entry = edit(&proof, |o| {
            o.remove("entry");
        });
        assert_eq!(code_of(&no_entry, None), ReasonCode::SchemaValidationFailed);
    }

    #[test]
    fn proofs_are_refused_for_unlisted_entries_and_inconsistent_bundles() {
        let mut p = parts();
        let zip = p.zip();
        assert!(build_proof(&zip, "artifacts/attachments/none.txt", &ContainerLimits::default()).is_err());
        assert!(build_proof(b"not a zip", WPC, &ContainerLimits::default()).is_err());
        p.fields.root[0] ^= 1;
        assert!(build_proof(&p.zip(), WPC, &ContainerLimits::default()).is_err());
    }
}

#[test]
fn a_trust_pulse_that_breaks_its_schema_fails() {
    let mut p = parts();
    for (path, bytes) in p.artifacts.iter_mut() {
        if path == "artifacts/trust_pulse.json" {
            // Claims to raise a tier: the schema's const false forbids it.
            *bytes = String::from_utf8(bytes.clone())
                .unwrap()
                .replace("\"tier_uplift\": false", "\"tier_uplift\": true")
                .replace("\"tier_uplift\":false", "\"tier_uplift\":true")
                .into_bytes();
            assert!(String::from_utf8_lossy(bytes).contains("true"));
        }
    }
    p.manifest = build_manifest(&p.artifacts).unwrap();
    p.reroot();
    let r = assert_code(&p.zip(), ReasonCode::SchemaValidationFailed);
    let check = r.failing_check().unwrap();
    assert_eq!(check.id, "trust_pulse.schema");
    assert_eq!(check.artifact().as_deref(), Some("artifacts/trust_pulse.json"));
}

#[test]
fn findings_of_steps_run_side_by_side_keep_the_step_order() {
    // Steps 1+3 and 4-8b run concurrently. One fault in each: an unlisted entry (step 1), an
    // attachment whose bytes no longer match the manifest (step 3) and a checkpoint binding
    // another policy (step 4). The failures are listed in that order, as one pass lists them.
    let mut p = parts();
    p.fields.policy_hash_b64u = Some("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU".into());
    let checkpoint = p.checkpoint();
    let mut files = p.artifacts.clone();
    let attachment = files
        .iter_mut()
        .find(|(path, _)| path.starts_with("artifacts/attachments/"))
        .unwrap();
    attachment.1.push(b'!');
    files.push(("artifacts/attachments/unlisted.txt".into(), b"x".to_vec()));
    let zip = assemble(&json_bytes(&checkpoint), &json_bytes(&p.manifest), &files).unwrap();
    let r = verify(&zip);
    let fails: Vec<(&str, ReasonCode)> = r
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Fail)
        .map(|c| (c.id.as_str(), c.reason_code))
        .collect();
    assert_eq!(
        fails.get(..3).unwrap_or_default(),
        [
            ("container.entries", ReasonCode::ContainerUnexpectedEntry),
            ("manifest.files", ReasonCode::HashMismatch),
            ("policy.binding", ReasonCode::PolicyHashMismatch),
        ],
        "{fails:#?}"
    );
    assert_eq!(r.reason_code, ReasonCode::ContainerUnexpectedEntry);
}
