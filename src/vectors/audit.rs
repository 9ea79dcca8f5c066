//! Sealed audit bundle vectors (spec 20 §7, `testvectors/audit/`): valid bundles (one with
//! every artifact kind), one single-fault bundle for every reason code of spec 20 §4–§5, and
//! inclusion proofs (§6). Every bundle starts from `Scenario::sample()` and changes one part;
//! the scenario rebuilds and re-signs whatever that part is bound into, so the check named
//! by the file is the first one that fails. Keys come from fixed labels, times and ids are
//! fixed, and every vector is verified at `AT` against `TRUST_PATH`.

use super::audit_scenario::{Approval, Pin, Receipt, Scenario};
use super::{Suite, VectorEntry};
use crate::audit::container::ContainerLimits;
use crate::clawsig::producer::Signer;
use crate::crypto::{b64u_decode, b64u_encode, sha256_b64u};
use crate::json::{Object, Value};
use crate::policy::approvals::Decision;
use crate::produce::prove::build_proof;
use crate::produce::seal::json_bytes;
use crate::reason::ReasonCode;
use crate::report::Kind;
use crate::vectors::audit_sample;
use crate::vectors::zip_forge;

/// Verification time of every audit vector (one minute after the sample was sealed).
pub const AT: &str = audit_sample::VERIFY_AT;
/// The trust file of every audit vector (our trust.json format), relative to testvectors/.
pub const TRUST_PATH: &str = "audit/trust.json";

/// A key no trust role lists.
fn stranger() -> Signer {
    key("stranger")
}

fn key(label: &str) -> Signer {
    crate::vectors::testkit::label_signer(&format!("audit vectors {label}"))
}

/// Alice's second key: trusted, same subject as her first.
fn alice_second_key() -> Signer {
    key("alice second key")
}

/// Trusted, in the change board: may deny.
fn carol() -> Signer {
    key("carol")
}

/// Trusted, but in no group.
fn dave() -> Signer {
    key("dave")
}

/// A hash no artifact of the sample has.
fn other_hash(what: &str) -> String {
    sha256_b64u(format!("audit vectors: another {what}").as_bytes())
}

const ONE_MIB: usize = 1024 * 1024;

/// The sample's trust plus the approvers the gate vectors need.
fn trust_file() -> Result<Vec<u8>, String> {
    let keys = audit_sample::SampleKeys::new();
    let entry = |s: &Signer, name: &str| serde_json::json!({"did": s.did(), "name": name});
    let approver = |s: &Signer, subject: &str, groups: &[&str]| serde_json::json!({"did": s.did(), "subject": subject, "groups": groups});
    let board = ["change-board"];
    let trust = serde_json::json!({
        "trust_version": "1",
        "sealers": [entry(&keys.sealer, "sample sealer")],
        "policy_issuers": [entry(&keys.policy_issuer, "sample policy issuer")],
        "token_issuers": [entry(&keys.token_issuer, "sample token issuer")],
        "approvers": [
            approver(&keys.alice, "alice@example.com", &board),
            approver(&alice_second_key(), "alice@example.com", &board),
            approver(&keys.bob, "bob@example.com", &board),
            approver(&carol(), "carol@example.com", &board),
            approver(&keys.requester, "requester@example.com", &board),
            approver(&dave(), "dave@example.com", &[]),
        ],
        "gateways": [entry(&keys.gateway, "sample gateway")],
    });
    let mut text = serde_json::to_string_pretty(&trust).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text.into_bytes())
}

fn object_at<'a>(obj: &'a mut Object, key: &str) -> Option<&'a mut Object> {
    obj.get_mut(key).and_then(Value::as_object_mut)
}

/// Replace the signature of a compact JWS with one by another key over the same input.
fn forge_jws_signature(jws: &str) -> String {
    let input = jws.rsplit_once('.').map_or(jws, |(input, _)| input);
    format!("{input}.{}", b64u_encode(&stranger().sign(input.as_bytes())))
}

/// Replace the header of a compact JWS with `alg: HS256` (the rest unchanged).
fn hs256_header(jws: &str) -> String {
    let rest = jws.split_once('.').map_or("", |(_, rest)| rest);
    let kid = jws
        .split_once('.')
        .and_then(|(h, _)| b64u_decode(h).ok())
        .and_then(|h| serde_json::from_slice::<serde_json::Value>(&h).ok())
        .and_then(|h| h.get("kid").and_then(|k| k.as_str()).map(str::to_string))
        .unwrap_or_default();
    let header = format!(r#"{{"alg":"HS256","typ":"JWT","kid":"{kid}"}}"#);
    format!("{}.{rest}", b64u_encode(header.as_bytes()))
}

struct Builder {
    suite: Suite,
    /// The check each vector is meant to fail first (vector name, check id; "" for PASS).
    intended: Vec<(String, &'static str)>,
}

impl Builder {
    fn entry(
        &mut self,
        name: &str,
        kind: Kind,
        path: String,
        bytes: Vec<u8>,
        (code, check): (ReasonCode, &'static str),
    ) -> &mut VectorEntry {
        self.intended.push((name.to_string(), check));
        self.suite.file(&path, bytes);
        self.suite
            .entries
            .push(VectorEntry::new(name, kind, &path, AT, Some(TRUST_PATH), code));
        let added = self.suite.entries.len() - 1;
        #[allow(clippy::indexing_slicing)] // the entry was pushed on the line above
        &mut self.suite.entries[added]
    }

    /// `audit/valid/<file>.audit.zip` or `audit/invalid/<file>.audit.zip`.
    fn bundle(&mut self, file: &str, code: ReasonCode, check: &'static str, s: Scenario) -> Result<(), String> {
        let dir = if code == ReasonCode::Ok { "valid" } else { "invalid" };
        let bytes = s.build().map_err(|e| format!("{file}: {e}"))?;
        let name = format!("audit.bundle.{}", file.replace('-', "_"));
        self.entry(
            &name,
            Kind::AuditBundle,
            format!("audit/{dir}/{file}.audit.zip"),
            bytes,
            (code, check),
        );
        Ok(())
    }

    /// One single-fault bundle: the sample changed by `fault`.
    fn fault(
        &mut self,
        file: &str,
        code: ReasonCode,
        check: &'static str,
        fault: impl FnOnce(&mut Scenario),
    ) -> Result<(), String> {
        let mut s = Scenario::sample();
        fault(&mut s);
        self.bundle(file, code, check, s)
    }

    /// `audit/<dir>/<file>.proof.json`, with the artifact file next to it when given;
    /// `expect` is the reason code and the check meant to fail first.
    fn proof(&mut self, file: &str, proof: &Value, artifact: Option<&[u8]>, expect: (ReasonCode, &'static str)) {
        let dir = if expect.0 == ReasonCode::Ok { "valid" } else { "invalid" };
        let name = format!("audit.proof.{}", file.replace('-', "_"));
        let artifact_path = artifact.map(|bytes| {
            let p = format!("audit/{dir}/{file}.artifact");
            self.suite.file(&p, bytes.to_vec());
            p
        });
        let e = self.entry(
            &name,
            Kind::InclusionProof,
            format!("audit/{dir}/{file}.proof.json"),
            json_bytes(proof),
            expect,
        );
        e.artifact = artifact_path;
    }
}

pub fn suite() -> Result<Suite, String> {
    build().map(|b| b.suite)
}

fn build() -> Result<Builder, String> {
    let mut b = Builder {
        suite: Suite::default(),
        intended: Vec::new(),
    };
    b.suite.file(TRUST_PATH, trust_file()?);
    valid_bundles(&mut b)?;
    container_faults(&mut b)?;
    checkpoint_faults(&mut b)?;
    manifest_faults(&mut b)?;
    policy_faults(&mut b)?;
    token_faults(&mut b)?;
    approval_faults(&mut b)?;
    gate_faults(&mut b)?;
    receipt_faults(&mut b)?;
    proofs(&mut b)?;
    Ok(b)
}

/// A bundle of one attachment: no policy, token, plan or approvals.
fn single_attachment() -> Scenario {
    let mut s = Scenario::sample();
    s.policy_payload = None;
    s.token_claims = None;
    s.plans.clear();
    s.approvals.clear();
    s.receipts.clear();
    s.proof_bundle = false;
    s.trust_pulse = false;
    s.bundle_id = "ab_single".to_string();
    s
}

fn valid_bundles(b: &mut Builder) -> Result<(), String> {
    b.bundle("every-kind", ReasonCode::Ok, "", Scenario::sample())?;
    b.bundle("single-attachment", ReasonCode::Ok, "", single_attachment())?;
    b.fault("three-approvers", ReasonCode::Ok, "", |s| {
        s.approvals
            .push(Approval::approve("apr_carol", &carol(), "carol@example.com"));
    })?;
    // The ratio rule judges entries over 1 MiB only: exactly 1 MiB of zeros passes.
    b.fault("one-mib-of-zeros", ReasonCode::Ok, "", |s| {
        s.attachments.push(("zeros.bin".into(), vec![0u8; ONE_MIB]));
    })?;
    // A checkpoint is valid up to and including its expiry.
    b.fault("expires-at-verification-time", ReasonCode::Ok, "", |s| {
        s.expires_at = Some(AT.to_string());
    })?;
    Ok(())
}

fn container_faults(b: &mut Builder) -> Result<(), String> {
    use ReasonCode as R;
    b.fault("checkpoint-missing", R::ContainerInvalid, "container.structure", |s| {
        s.zip_edit = Some(Box::new(|mut zip| {
            zip_forge::rename(&mut zip, "checkpoint.json", "checkpoint.jso_")?;
            Ok(zip)
        }));
    })?;
    b.fault("entry-size-lies", R::ContainerInvalid, "container.structure", |s| {
        s.zip_edit = Some(Box::new(|mut zip| {
            // notes.txt holds 15 bytes.
            zip_forge::set_declared_size(&mut zip, "artifacts/attachments/notes.txt", 16)?;
            Ok(zip)
        }));
    })?;
    b.fault("entry-encrypted", R::ContainerInvalid, "container.structure", |s| {
        s.zip_edit = Some(Box::new(|mut zip| {
            zip_forge::set_flags(&mut zip, "artifacts/attachments/notes.txt", 0x0001)?;
            Ok(zip)
        }));
    })?;
    b.fault(
        "entry-compression-bzip2",
        R::ContainerInvalid,
        "container.structure",
        |s| {
            s.zip_edit = Some(Box::new(|mut zip| {
                zip_forge::set_method(&mut zip, "artifacts/attachments/notes.txt", 12)?;
                Ok(zip)
            }));
        },
    )?;
    for (file, name) in [
        ("path-traversal", "../evil.txt"),
        ("path-traversal-inside", "artifacts/../../evil.txt"),
        ("path-absolute", "/etc/evil.txt"),
        ("path-backslash", "artifacts\\attachments\\evil.txt"),
    ] {
        b.fault(file, R::ContainerPathUnsafe, "container.paths", |s| {
            s.unlisted_files.push((name.to_string(), b"evil\n".to_vec()));
        })?;
    }
    b.fault("duplicate-name", R::ContainerPathUnsafe, "container.paths", |s| {
        // The writer refuses duplicates: add a twin under another name and rename it.
        s.unlisted_files
            .push(("artifacts/attachments/notes.txX".into(), b"other notes\n".to_vec()));
        s.zip_edit = Some(Box::new(|mut zip| {
            zip_forge::rename(
                &mut zip,
                "artifacts/attachments/notes.txX",
                "artifacts/attachments/notes.txt",
            )?;
            Ok(zip)
        }));
    })?;
    b.fault(
        "names-equal-ignoring-case",
        R::ContainerPathUnsafe,
        "container.paths",
        |s| {
            s.unlisted_files
                .push(("artifacts/attachments/NOTES.txt".into(), b"other notes\n".to_vec()));
        },
    )?;
    b.fault("symlink-entry", R::ContainerPathUnsafe, "container.paths", |s| {
        s.unlisted_files
            .push(("artifacts/attachments/link".into(), b"/etc/passwd".to_vec()));
        s.zip_edit = Some(Box::new(|mut zip| {
            zip_forge::set_unix_mode(&mut zip, "artifacts/attachments/link", 0o120_777)?;
            Ok(zip)
        }));
    })?;
    // 2 MiB of zeros deflate to about 2 KiB: over 200:1, for an entry over 1 MiB. Listed
    // and sealed, so the ratio is the only fault.
    b.fault(
        "decompression-bomb",
        R::ContainerLimitExceeded,
        "container.limits",
        |s| {
            s.attachments.push(("zeros.bin".into(), vec![0u8; 2 * ONE_MIB]));
        },
    )?;
    b.fault("entry-added", R::ContainerUnexpectedEntry, "container.entries", |s| {
        s.unlisted_files.push((
            "artifacts/attachments/added.txt".into(),
            b"added after sealing\n".to_vec(),
        ));
    })?;
    Ok(())
}

fn checkpoint_faults(b: &mut Builder) -> Result<(), String> {
    use ReasonCode as R;
    b.fault(
        "checkpoint-envelope-expires-at",
        R::MalformedEnvelope,
        "checkpoint.envelope",
        |s| {
            s.checkpoint_edit = Some(Box::new(|o| {
                o.insert("expires_at", Value::from("2027-01-01T00:00:00Z"));
            }));
        },
    )?;
    b.fault(
        "checkpoint-envelope-version-2",
        R::UnknownEnvelopeVersion,
        "envelope.version",
        |s| {
            s.checkpoint_edit = Some(Box::new(|o| {
                o.insert("envelope_version", Value::from("2"));
            }));
        },
    )?;
    b.fault(
        "checkpoint-envelope-type-wrong",
        R::UnknownEnvelopeType,
        "envelope.type",
        |s| {
            s.checkpoint_edit = Some(Box::new(|o| {
                o.insert("envelope_type", Value::from("proof_bundle"));
            }));
        },
    )?;
    b.fault("checkpoint-version-2", R::UnknownVersion, "checkpoint.payload", |s| {
        s.checkpoint_payload_edit = Some(Box::new(|o| {
            o.insert("checkpoint_version", Value::from("2"));
        }));
    })?;
    b.fault(
        "checkpoint-tree-algorithm-unknown",
        R::UnknownAlgorithm,
        "checkpoint.payload",
        |s| {
            s.checkpoint_payload_edit = Some(Box::new(|o| {
                if let Some(tree) = object_at(o, "tree") {
                    tree.insert("algorithm", Value::from("sha3-256"));
                }
            }));
        },
    )?;
    b.fault(
        "checkpoint-payload-unknown-field",
        R::SchemaValidationFailed,
        "checkpoint.payload",
        |s| {
            s.checkpoint_payload_edit = Some(Box::new(|o| {
                o.insert("note", Value::from("not in the schema"));
            }));
        },
    )?;
    b.fault(
        "checkpoint-payload-edited",
        R::HashMismatch,
        "checkpoint.payload_hash",
        |s| {
            s.checkpoint_edit = Some(Box::new(|o| {
                if let Some(p) = object_at(o, "payload") {
                    p.insert("bundle_id", Value::from("ab_other"));
                }
            }));
        },
    )?;
    b.fault(
        "checkpoint-signature-not-domain-separated",
        R::SignatureInvalid,
        "envelope.signature",
        |s| {
            // Signed over the bare hash, as a Clawsig envelope would be.
            s.checkpoint_edit = Some(Box::new(|o| {
                let hash = o
                    .get("payload_hash_b64u")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let sig = b64u_encode(&audit_sample::SampleKeys::new().sealer.sign(hash.as_bytes()));
                o.insert("signature_b64u", Value::from(sig));
            }));
        },
    )?;
    b.fault(
        "checkpoint-sealer-did-mismatch",
        R::SignerMismatch,
        "checkpoint.sealer",
        |s| {
            s.sealer_did = Some(stranger().did().to_string());
        },
    )?;
    b.fault(
        "checkpoint-untrusted-sealer",
        R::SignerNotTrusted,
        "checkpoint.trust",
        |s| {
            s.sealer = stranger();
        },
    )?;
    // created_at more than 300 s after the verification time (00:01:00 + 300 s = 00:06:00).
    b.fault(
        "checkpoint-from-the-future",
        R::FutureTimestampPoisoning,
        "checkpoint.created_at",
        |s| {
            s.created_at = "2026-02-18T00:06:01Z".to_string();
        },
    )?;
    b.fault("checkpoint-expired", R::ExpiredTtl, "checkpoint.expires_at", |s| {
        s.expires_at = Some("2026-02-18T00:00:59Z".to_string());
    })?;
    Ok(())
}

fn entries_mut(o: &mut Object) -> Option<&mut Vec<Value>> {
    match o.get_mut("entries")? {
        Value::Array(items) => Some(items),
        _ => None,
    }
}

fn manifest_faults(b: &mut Builder) -> Result<(), String> {
    use ReasonCode as R;
    const NOTES: &str = "artifacts/attachments/notes.txt";
    b.fault("manifest-version-2", R::ManifestInvalid, "manifest.shape", |s| {
        s.manifest_edit = Some(Box::new(|o| {
            o.insert("manifest_version", Value::from("2"));
        }));
    })?;
    // The signed tree is over the edited order, so only the order is wrong.
    b.fault("manifest-unsorted", R::ManifestNotCanonical, "manifest.order", |s| {
        s.manifest_edit = Some(Box::new(|o| {
            if let Some(items) = entries_mut(o) {
                items.swap(0, 1);
            }
        }));
    })?;
    b.fault(
        "manifest-duplicate-path",
        R::ManifestNotCanonical,
        "manifest.order",
        |s| {
            s.manifest_edit = Some(Box::new(|o| {
                if let Some(items) = entries_mut(o) {
                    if let Some(first) = items.first().cloned() {
                        items.insert(0, first);
                    }
                }
            }));
        },
    )?;
    b.fault("entry-removed", R::ManifestEntryMissing, "manifest.files", |s| {
        s.drop_files.push(NOTES.to_string());
    })?;
    b.fault("entry-tampered", R::HashMismatch, "manifest.files", |s| {
        s.replace_files
            .push((NOTES.to_string(), b"rotation notes, edited\n".to_vec()));
    })?;
    b.fault("tree-size-wrong", R::MerkleSizeMismatch, "manifest.tree_size", |s| {
        s.tree_size_delta = 1;
    })?;
    b.fault("root-mismatch", R::MerkleRootMismatch, "manifest.tree_root", |s| {
        s.flip_root = true;
    })?;
    Ok(())
}

fn policy_payload_mut(s: &mut Scenario) -> Option<&mut Object> {
    s.policy_payload.as_mut().and_then(Value::as_object_mut)
}

fn policy_faults(b: &mut Builder) -> Result<(), String> {
    use ReasonCode as R;
    b.fault(
        "policy-unknown-field",
        R::SchemaValidationFailed,
        "policy.schema",
        |s| {
            if let Some(p) = policy_payload_mut(s) {
                p.insert("comment", Value::from("not in the WPC schema"));
            }
        },
    )?;
    // The envelope keeps the old hash and its valid signature; the payload changed.
    b.fault("policy-payload-edited", R::HashMismatch, "policy.hash", |s| {
        s.policy_edit = Some(Box::new(|o| {
            if let Some(p) = object_at(o, "payload") {
                p.insert("policy_id", Value::from("pol_edited"));
            }
        }));
    })?;
    b.fault(
        "policy-signature-forged",
        R::SignatureInvalid,
        "envelope.signature",
        |s| {
            s.policy_edit = Some(Box::new(|o| {
                let hash = o
                    .get("payload_hash_b64u")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                o.insert(
                    "signature_b64u",
                    Value::from(b64u_encode(&stranger().sign(hash.as_bytes()))),
                );
            }));
        },
    )?;
    b.fault("policy-signer-not-issuer", R::SignerMismatch, "policy.issuer", |s| {
        if let Some(p) = policy_payload_mut(s) {
            p.insert("issuer_did", Value::from(stranger().did()));
        }
    })?;
    b.fault("policy-untrusted-issuer", R::SignerNotTrusted, "policy.trust", |s| {
        if let Some(p) = policy_payload_mut(s) {
            p.insert("issuer_did", Value::from(stranger().did()));
        }
        s.policy_signer = stranger();
    })?;
    b.fault(
        "policy-not-the-bound-one",
        R::PolicyHashMismatch,
        "policy.binding",
        |s| {
            s.policy_binding = Some(other_hash("policy"));
        },
    )?;
    b.fault(
        "policy-gate-min-approvers-zero",
        R::PolicyExtensionInvalid,
        "policy.extension",
        |s| {
            let gates = policy_payload_mut(s)
                .and_then(|p| object_at(p, "metadata"))
                .and_then(|m| object_at(m, "clawaudit"))
                .and_then(|c| c.get_mut("approval_gates"));
            if let Some(Value::Array(gates)) = gates {
                if let Some(g) = gates.first_mut().and_then(Value::as_object_mut) {
                    g.insert("min_approvers", Value::from(0u64));
                }
            }
        },
    )?;
    Ok(())
}

fn claims_mut(s: &mut Scenario) -> Option<&mut Object> {
    s.token_claims.as_mut().and_then(Value::as_object_mut)
}

fn token_faults(b: &mut Builder) -> Result<(), String> {
    use ReasonCode as R;
    b.fault("token-not-eddsa", R::TokenMalformed, "token.format", |s| {
        s.token_edit = Some(Box::new(hs256_header));
    })?;
    b.fault("token-unknown-kid", R::TokenUnknownKid, "token.kid", |s| {
        s.token_signer = stranger();
    })?;
    b.fault("token-signature-forged", R::SignatureInvalid, "token.signature", |s| {
        s.token_edit = Some(Box::new(forge_jws_signature));
    })?;
    b.fault("token-unknown-claim", R::SchemaValidationFailed, "token.claims", |s| {
        if let Some(c) = claims_mut(s) {
            c.insert("role", Value::from("admin"));
        }
    })?;
    // 1800 s, the policy allows 900 s.
    b.fault("token-ttl-over-policy-max", R::TtlTooLong, "token.ttl", |s| {
        if let Some(c) = claims_mut(s) {
            c.insert("exp", Value::from(audit_sample::TOKEN_IAT + 1800));
        }
    })?;
    b.fault("token-without-policy-pin", R::PolicyPinMissing, "token.pin", |s| {
        s.token_pin = Pin::Absent;
    })?;
    b.fault(
        "token-pinned-to-another-policy",
        R::PolicyHashMismatch,
        "token.pin",
        |s| {
            s.token_pin = Pin::Other(other_hash("policy"));
        },
    )?;
    b.fault(
        "token-scope-hash-claim-wrong",
        R::TokenScopeHashMismatch,
        "token.scope_hash",
        |s| {
            s.token_scope_claim = Some(other_hash("token scope"));
        },
    )?;
    b.fault("token-for-another-job", R::TokenJobMismatch, "token.job", |s| {
        if let Some(c) = claims_mut(s) {
            c.insert("mission_id", Value::from("job_other"));
        }
    })?;
    // Issued a minute after the seal (the receipts then also fall before its window).
    b.fault(
        "token-issued-after-seal",
        R::CausalClockContradiction,
        "token.time",
        |s| {
            let iat = audit_sample::TOKEN_IAT + 660;
            if let Some(c) = claims_mut(s) {
                c.insert("iat", Value::from(iat));
                c.insert("exp", Value::from(iat + 900));
            }
        },
    )?;
    Ok(())
}

fn approval_faults(b: &mut Builder) -> Result<(), String> {
    use ReasonCode as R;
    b.fault(
        "approval-untrusted-signer",
        R::SignerNotTrusted,
        "approval.trust",
        |s| {
            s.approvals
                .push(Approval::approve("apr_mallory", &key("mallory"), "mallory@example.com"));
        },
    )?;
    b.fault(
        "approval-subject-mismatch",
        R::ApprovalSubjectMismatch,
        "approval.subject",
        |s| {
            if let Some(a) = s.approval_mut("apr_bob") {
                a.subject = "alice@example.com".into();
            }
        },
    )?;
    b.fault(
        "approval-for-another-policy",
        R::PolicyHashMismatch,
        "approval.policy",
        |s| {
            if let Some(a) = s.approval_mut("apr_bob") {
                a.policy_hash = Some(other_hash("policy"));
            }
        },
    )?;
    b.fault(
        "approval-for-another-plan",
        R::ApprovalPlanUnknown,
        "approval.plan",
        |s| {
            let mut other = audit_sample::plan(&s.keys);
            if let Some(o) = other.as_object_mut() {
                o.insert("summary", Value::from("Delete the database secret"));
            }
            if let Some(a) = s.approval_mut("apr_bob") {
                a.plan = Some(other);
            }
        },
    )?;
    b.fault(
        "approval-scope-hash-wrong",
        R::ApprovalScopeMismatch,
        "approval.scope",
        |s| {
            if let Some(a) = s.approval_mut("apr_bob") {
                a.edit = Some(Box::new(|p| {
                    p.insert("scope_hash_b64u", Value::from(other_hash("approval scope")));
                }));
            }
        },
    )?;
    // The plan and both approvals are for another job than the sealed one.
    b.fault(
        "approvals-for-another-job",
        R::ApprovalJobMismatch,
        "approval.job",
        |s| {
            if let Some(o) = s.plans.first_mut().and_then(Value::as_object_mut) {
                o.insert("job_id", Value::from("job_other"));
            }
        },
    )?;
    b.fault(
        "approval-for-another-run",
        R::ApprovalJobMismatch,
        "approval.job",
        |s| {
            if let Some(a) = s.approval_mut("apr_bob") {
                a.run_id = Some("run_other".into());
            }
        },
    )?;
    // Alice's approval filed twice.
    b.fault("approval-replayed", R::ApprovalReplay, "approval.replay", |s| {
        let mut copy = Approval::approve("apr_alice_copy", &s.keys.alice, "alice@example.com");
        copy.receipt_id = "apr_alice".into();
        s.approvals.push(copy);
    })?;
    b.fault(
        "approval-after-seal",
        R::CausalClockContradiction,
        "approval.time",
        |s| {
            if let Some(a) = s.approval_mut("apr_bob") {
                a.timestamp = "2026-02-18T00:00:30Z".into();
            }
        },
    )?;
    Ok(())
}

fn gate_faults(b: &mut Builder) -> Result<(), String> {
    use ReasonCode as R;
    b.fault("plan-for-unknown-gate", R::ApprovalGateUnknown, "gate.exists", |s| {
        if let Some(o) = s.plans.first_mut().and_then(Value::as_object_mut) {
            o.insert("gate_id", Value::from("drop_old_secret"));
        }
    })?;
    b.fault("gate-denied", R::ApprovalDenied, "gate.deny", |s| {
        let mut deny = Approval::approve("apr_carol", &carol(), "carol@example.com");
        deny.decision = Decision::Deny;
        s.approvals.push(deny);
    })?;
    b.fault("quorum-one-short", R::ApprovalQuorumNotMet, "gate.quorum", |s| {
        s.approvals.retain(|a| a.file != "apr_bob");
    })?;
    b.fault("approval-by-requester", R::ApprovalQuorumNotMet, "gate.quorum", |s| {
        let requester = s.keys.requester.clone();
        if let Some(a) = s.approval_mut("apr_bob") {
            a.signer = requester;
            a.subject = "requester@example.com".into();
        }
    })?;
    b.fault("two-keys-one-approver", R::ApprovalQuorumNotMet, "gate.quorum", |s| {
        if let Some(a) = s.approval_mut("apr_bob") {
            a.signer = alice_second_key();
            a.subject = "alice@example.com".into();
        }
    })?;
    b.fault("approver-outside-group", R::ApprovalQuorumNotMet, "gate.quorum", |s| {
        if let Some(a) = s.approval_mut("apr_bob") {
            a.signer = dave();
            a.subject = "dave@example.com".into();
        }
    })?;
    Ok(())
}

fn receipt_faults(b: &mut Builder) -> Result<(), String> {
    use ReasonCode as R;
    fn first(s: &mut Scenario) -> Option<&mut Receipt> {
        s.receipts.first_mut()
    }
    b.fault(
        "receipt-bound-to-another-policy",
        R::ReceiptPolicyMismatch,
        "receipts.policy",
        |s| {
            if let Some(r) = first(s) {
                r.policy_hash = Some(other_hash("policy"));
            }
        },
    )?;
    b.fault(
        "receipt-bound-to-another-token",
        R::ReceiptScopeMismatch,
        "receipts.scope",
        |s| {
            if let Some(r) = first(s) {
                r.scope_hash = Some(other_hash("token scope"));
            }
        },
    )?;
    // The token lives 23:50:00 to 00:05:00.
    b.fault(
        "receipt-outside-token-window",
        R::ReceiptOutsideTokenWindow,
        "receipts.token_window",
        |s| {
            if let Some(r) = first(s) {
                r.timestamp = "2026-02-17T23:45:00Z".into();
            }
        },
    )?;
    b.fault("receipt-nonce-replayed", R::ReceiptReplay, "receipts.replay", |s| {
        s.receipts.push(Receipt::new("rcpt_file_2", "nonce_file_1"));
    })?;
    b.fault(
        "receipt-for-another-run",
        R::ReceiptBindingMismatch,
        "receipts.run",
        |s| {
            if let Some(r) = first(s) {
                r.run_id = "run_other".into();
            }
        },
    )?;
    b.fault(
        "proof-bundle-of-another-agent",
        R::SubjectMismatch,
        "proof_bundle.subject",
        |s| {
            s.agent_did = Some(key("other agent").did().to_string());
        },
    )?;
    Ok(())
}

fn set_field(proof: &Value, key: &str, value: Value) -> Value {
    let mut p = proof.clone();
    if let Some(o) = p.as_object_mut() {
        o.insert(key, value);
    }
    p
}

fn proofs(b: &mut Builder) -> Result<(), String> {
    use ReasonCode as R;
    const WPC: &str = "artifacts/policy/wpc.json";
    let limits = ContainerLimits::default();
    let s = Scenario::sample();
    let zip = s.build()?;
    let artifacts = s.artifacts()?.files;
    let wpc = artifacts
        .iter()
        .find(|(p, _)| p == WPC)
        .map(|(_, bytes)| bytes.clone())
        .ok_or("the sample has no policy")?;
    let proof = build_proof(&zip, WPC, &limits)?;
    b.proof("policy", &proof, Some(&wpc), (R::Ok, ""));
    let notes = build_proof(&zip, "artifacts/attachments/notes.txt", &limits)?;
    b.proof("attachment", &notes, None, (R::Ok, ""));
    let single = build_proof(
        &single_attachment().build()?,
        "artifacts/attachments/notes.txt",
        &limits,
    )?;
    b.proof("single-entry-empty-path", &single, None, (R::Ok, ""));

    let index = proof.get("leaf_index").and_then(Value::as_u64).ok_or("leaf_index")?;
    let size = proof
        .get("checkpoint")
        .and_then(|c| c.get("payload"))
        .and_then(|p| p.get("tree"))
        .and_then(|t| t.get("size"))
        .and_then(Value::as_u64)
        .ok_or("tree size")?;
    b.proof(
        "wrong-leaf-index",
        &set_field(&proof, "leaf_index", Value::from((index + 1) % size)),
        None,
        (R::InclusionProofInvalid, "proof.inclusion"),
    );
    b.proof(
        "leaf-index-beyond-tree",
        &set_field(&proof, "leaf_index", Value::from(size)),
        None,
        (R::InclusionProofInvalid, "proof.inclusion"),
    );
    let mut path: Vec<Value> = proof
        .get("audit_path_b64u")
        .and_then(Value::as_array)
        .cloned()
        .ok_or("audit path")?;
    if let Some(first) = path.first_mut() {
        let mut raw = first.as_str().and_then(|h| b64u_decode(h).ok()).ok_or("path hash")?;
        if let Some(byte) = raw.get_mut(5) {
            *byte ^= 0x80;
        }
        *first = Value::from(b64u_encode(&raw));
    }
    b.proof(
        "path-tampered",
        &set_field(&proof, "audit_path_b64u", Value::Array(path)),
        None,
        (R::InclusionProofInvalid, "proof.inclusion"),
    );
    let token_entry = build_proof(&zip, "artifacts/token/cst.jwt", &limits)?
        .get("entry")
        .cloned()
        .ok_or("entry")?;
    b.proof(
        "entry-of-another-artifact",
        &set_field(&proof, "entry", token_entry),
        None,
        (R::InclusionProofInvalid, "proof.inclusion"),
    );
    let mut edited = wpc.clone();
    edited.push(b' ');
    b.proof(
        "artifact-differs",
        &proof,
        Some(&edited),
        (R::HashMismatch, "proof.artifact"),
    );

    let mut untrusted = Scenario::sample();
    untrusted.sealer = stranger();
    let proof = build_proof(&untrusted.build()?, WPC, &limits)?;
    b.proof(
        "untrusted-sealer",
        &proof,
        None,
        (R::SignerNotTrusted, "checkpoint.trust"),
    );
    let mut expired = Scenario::sample();
    expired.expires_at = Some("2026-02-18T00:00:59Z".to_string());
    let proof = build_proof(&expired.build()?, WPC, &limits)?;
    b.proof(
        "checkpoint-expired",
        &proof,
        None,
        (R::ExpiredTtl, "checkpoint.expires_at"),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::VerifyContext;
    use crate::report::{CheckStatus, Status};
    use crate::timeutil::parse_rfc3339;
    use crate::trust::Trust;
    use crate::verify::{verify_subject, Subject};

    /// Every reason code spec 20 §4–§6 names for sealed bundles and inclusion proofs
    /// (transcribed from the spec text, not from the verifier).
    const SPEC_CODES: [&str; 41] = [
        // §4
        "CONTAINER_INVALID",
        "CONTAINER_PATH_UNSAFE",
        "CONTAINER_LIMIT_EXCEEDED",
        "CONTAINER_UNEXPECTED_ENTRY",
        // §5.2
        "MALFORMED_ENVELOPE",
        "HASH_MISMATCH",
        "SIGNATURE_INVALID",
        "SIGNER_MISMATCH",
        "SIGNER_NOT_TRUSTED",
        "FUTURE_TIMESTAMP_POISONING",
        "EXPIRED_TTL",
        // §5.3
        "MANIFEST_INVALID",
        "MANIFEST_NOT_CANONICAL",
        "MANIFEST_ENTRY_MISSING",
        "MERKLE_SIZE_MISMATCH",
        "MERKLE_ROOT_MISMATCH",
        // §5.4
        "SCHEMA_VALIDATION_FAILED",
        "POLICY_HASH_MISMATCH",
        "POLICY_EXTENSION_INVALID",
        // §5.5
        "TOKEN_MALFORMED",
        "TOKEN_UNKNOWN_KID",
        "TTL_TOO_LONG",
        "POLICY_PIN_MISSING",
        "TOKEN_SCOPE_HASH_MISMATCH",
        "TOKEN_JOB_MISMATCH",
        "CAUSAL_CLOCK_CONTRADICTION",
        // §5.6
        "APPROVAL_SUBJECT_MISMATCH",
        "APPROVAL_PLAN_UNKNOWN",
        "APPROVAL_SCOPE_MISMATCH",
        "APPROVAL_JOB_MISMATCH",
        "APPROVAL_REPLAY",
        "APPROVAL_GATE_UNKNOWN",
        "APPROVAL_DENIED",
        "APPROVAL_QUORUM_NOT_MET",
        // §5.7
        "RECEIPT_POLICY_MISMATCH",
        "RECEIPT_SCOPE_MISMATCH",
        "RECEIPT_OUTSIDE_TOKEN_WINDOW",
        "RECEIPT_REPLAY",
        "RECEIPT_BINDING_MISMATCH",
        // §5.8
        "SUBJECT_MISMATCH",
        // §6
        "INCLUSION_PROOF_INVALID",
    ];

    fn audit_entries(suite: &Suite) -> impl Iterator<Item = &VectorEntry> {
        suite
            .entries
            .iter()
            .filter(|e| e.kind == "audit-bundle" || e.kind == "inclusion-proof")
    }

    #[test]
    fn every_spec_reason_code_has_a_vector() {
        let suite = suite().unwrap();
        let expected: Vec<&str> = audit_entries(&suite).map(|e| e.expected.reason_code.as_str()).collect();
        let missing: Vec<&str> = SPEC_CODES.iter().copied().filter(|c| !expected.contains(c)).collect();
        assert!(missing.is_empty(), "no audit vector expects {missing:?}");
        for code in SPEC_CODES {
            assert!(
                ReasonCode::from_name(code).is_some(),
                "{code} is not a known reason code"
            );
        }
        // The valid bundles and proofs.
        assert!(audit_entries(&suite).filter(|e| e.expected.status == "PASS").count() >= 5);
    }

    /// Each vector, verified in memory, gets its expected result and names its fault.
    #[test]
    fn every_vector_fails_first_the_check_it_names() {
        let built = build().unwrap();
        let suite = &built.suite;
        let file = |p: &str| {
            suite
                .files
                .iter()
                .find(|f| f.path == p)
                .map(|f| f.bytes.clone())
                .unwrap()
        };
        let trust = Trust::from_bytes(&file(TRUST_PATH)).unwrap();
        let ctx = VerifyContext::new(parse_rfc3339(AT).unwrap(), trust);
        let mut problems = Vec::new();
        let mut checked = 0;
        for (e, (name, check)) in suite.entries.iter().zip(&built.intended) {
            assert_eq!(&e.name, name);
            let mut subject = Subject::new(e.path.as_str(), file(&e.path));
            subject.kind = Kind::from_name(&e.kind);
            subject.artifact = e.artifact.as_deref().map(file);
            let r = verify_subject(&subject, &ctx);
            checked += 1;
            let status = if r.status == Status::Pass { "PASS" } else { "FAIL" };
            let first = r.failing_check().map_or("", |c| c.id.as_str());
            if status != e.expected.status || r.reason_code.as_str() != e.expected.reason_code || first != *check {
                let fails: Vec<String> = r
                    .checks
                    .iter()
                    .filter(|c| c.status == CheckStatus::Fail)
                    .map(|c| format!("{} {} {}", c.id, c.reason_code, c.detail))
                    .collect();
                problems.push(format!(
                    "{}: expected {} at {check}, got {} {}\n    {}",
                    e.name,
                    e.expected.reason_code,
                    r.reason_code,
                    r.reason,
                    fails.join("\n    ")
                ));
            }
        }
        assert_eq!(checked, built.intended.len());
        assert!(checked >= 80, "{checked} vectors");
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn names_and_paths_are_unique_and_the_suite_is_small() {
        let suite = suite().unwrap();
        let mut names: Vec<&str> = suite.entries.iter().map(|e| e.name.as_str()).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n);
        let total: usize = suite.files.iter().map(|f| f.bytes.len()).sum();
        assert!(total < 1024 * 1024, "testvectors/audit is {total} bytes");
    }

    #[test]
    fn the_bomb_entry_is_over_the_ratio_threshold_and_the_file_is_small() {
        let suite = suite().unwrap();
        let bomb = suite
            .files
            .iter()
            .find(|f| f.path == "audit/invalid/decompression-bomb.audit.zip")
            .unwrap();
        assert!(bomb.bytes.len() < 32 * 1024, "{} bytes", bomb.bytes.len());
        let c = crate::audit::container::read_container(
            &bomb.bytes,
            &ContainerLimits {
                max_ratio: u64::MAX,
                ..ContainerLimits::default()
            },
        )
        .unwrap();
        let zeros = c.get("artifacts/attachments/zeros.bin").unwrap();
        assert!(zeros.len() > ONE_MIB);
    }
}
