//! Inspecting a sealed audit bundle (spec 20): its entries with their hashes beside the
//! manifest's, the checkpoint, the Merkle root recomputed, and every artifact with its hashes
//! and the places that bind them.

use std::collections::HashMap;

use super::model::{text, text_at, ComputedHash, EnvelopeFacts, Part, PayloadRecipe};
use super::proof_bundle::{inspect_proof_bundle, receipt_facts, ProofBundleFacts, ReceiptFacts};
use super::signers::Signers;
use crate::audit::container::{check_archive_size, read_container, Container, CHECKPOINT_NAME, MANIFEST_NAME};
use crate::audit::manifest::{kind_for_path, parse_manifest, Manifest, POLICY_PATH, TOKEN_PATH};
use crate::audit::merkle;
use crate::audit::verify::PROOF_BUNDLE_PATH;
use crate::clawsig::payload::normalized_receipts;
use crate::context::Limits;
use crate::crypto::{b64u_encode, sha256_b64u};
use crate::json::{self, Value};
use crate::policy::approvals::{approval_scope_hash, plan_hash};
use crate::policy::cst::{decode_compact, token_scope_hash, CompactJws};
use crate::policy::wpc::policy_hash;
use crate::report::{Failure, HashRecipe};

/// What a sealed bundle holds.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditBundleFacts {
    /// Archive entries in archive order, then entries the manifest lists that the archive
    /// does not hold.
    pub entries: Vec<EntryFact>,
    pub manifest: Artifact<ManifestFacts>,
    pub checkpoint: Artifact<CheckpointFacts>,
    pub policy: Option<Artifact<PolicyFacts>>,
    pub token: Option<Artifact<TokenFacts>>,
    /// In path order, as are approvals and receipts.
    pub plans: Vec<Artifact<PlanFacts>>,
    pub approvals: Vec<Artifact<ApprovalFacts>>,
    pub receipts: Vec<Artifact<ReceiptFacts>>,
    pub proof_bundle: Option<Artifact<ProofBundleFacts>>,
    /// `artifacts/trust_pulse.json`: self-reported, shown as written, never trusted.
    pub trust_pulse: Option<Artifact<TrustPulseFacts>>,
}

/// What a Trust Pulse document reports about its run (self-reported: it raises no tier).
/// Tools and files are read as written; an item without a name or path is left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustPulseFacts {
    /// Tool names with their call counts, when stated.
    pub tools: Vec<(String, Option<u64>)>,
    /// File paths with their touch counts, when stated.
    pub files: Vec<(String, Option<u64>)>,
}

/// The path of the Trust Pulse document in a sealed bundle.
pub const TRUST_PULSE_PATH: &str = "artifacts/trust_pulse.json";

/// One entry of the bundle and what was read of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Artifact<T> {
    pub path: String,
    pub facts: Part<T>,
}

/// One archive entry or manifest entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryFact {
    pub path: String,
    /// The artifact kind its path denotes (`kind_for_path`), `checkpoint` or `manifest` for
    /// those two, `None` for any other path.
    pub kind: Option<&'static str>,
    /// The entry's bytes as decompressed (recipe `HashRecipe::BytesSha256`); `None` when the
    /// archive does not hold it.
    pub archive: Option<Digest>,
    /// What the manifest lists for it; `None` when it is not listed (or the manifest could not
    /// be read).
    pub manifest: Option<Digest>,
    /// Both present: hash and size equal.
    pub agrees: Option<bool>,
}

/// A size and a SHA-256.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digest {
    pub size_bytes: u64,
    pub sha256_b64u: String,
}

/// `manifest.json`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestFacts {
    pub entries: usize,
    /// The RFC 6962 root over the listed entries, and the checkpoint's signed root.
    pub merkle_root: ComputedHash,
}

/// `checkpoint.json`, every field as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointFacts {
    pub envelope: EnvelopeFacts,
    pub checkpoint_version: Option<String>,
    pub bundle_id: Option<String>,
    pub created_at: Option<String>,
    pub expires_at: Option<String>,
    pub sealer_did: Option<String>,
    pub job_id: Option<String>,
    pub run_id: Option<String>,
    pub agent_did: Option<String>,
    pub tree_algorithm: Option<String>,
    pub tree_size: Option<u64>,
    pub signed_root_b64u: Option<String>,
    pub policy_hash_binding: Option<String>,
    pub token_scope_hash_binding: Option<String>,
}

/// The Work Policy Contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyFacts {
    /// Its payload hash is `policy_hash`.
    pub envelope: EnvelopeFacts,
    pub policy_version: Option<String>,
    pub policy_id: Option<String>,
    pub issuer_did: Option<String>,
    /// JCS of the payload, with the envelope's `payload_hash_b64u` and every binding of it in
    /// the bundle (checkpoint, token pin, approvals, receipts).
    pub policy_hash: ComputedHash,
}

/// The scoped token (a compact JWS).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenFacts {
    /// The header's kid: the first 16 hex characters of SHA-256 of the issuer's public key.
    pub kid: String,
    pub claims: TokenClaims,
    /// The §4.2 scope hash, with the token's own claim and the checkpoint's and receipts'
    /// bindings; unreadable when the claims lack what it needs.
    pub scope_hash: Part<ComputedHash>,
}

/// The claims a reader wants first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenClaims {
    pub iss: Option<String>,
    pub sub: Option<String>,
    pub aud: Vec<String>,
    pub scope: Vec<String>,
    /// Epoch seconds.
    pub iat: Option<i64>,
    pub exp: Option<i64>,
    pub agent_did: Option<String>,
    pub mission_id: Option<String>,
    /// `policy_hash_b64u`: the WPC hash the token is pinned to.
    pub policy_pin: Option<String>,
}

/// A plan (`artifacts/plans/<gate>.json`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanFacts {
    pub gate_id: Option<String>,
    pub job_id: Option<String>,
    pub requested_by: Option<String>,
    pub summary: Option<String>,
    /// JCS of the plan, with the `plan_hash_b64u` of every approval bound to its gate.
    pub plan_hash: ComputedHash,
}

/// A human approval receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalFacts {
    /// Its payload hash is JCS (our signed envelope).
    pub envelope: EnvelopeFacts,
    pub receipt_id: Option<String>,
    pub approval_type: Option<String>,
    pub approver_subject: Option<String>,
    pub approver_method: Option<String>,
    pub gate_id: Option<String>,
    pub job_id: Option<String>,
    pub run_id: Option<String>,
    pub timestamp: Option<String>,
    pub plan_hash_b64u: Option<String>,
    pub policy_hash_b64u: Option<String>,
    /// JCS of `{gate_id, job_id, plan_hash_b64u, policy_hash_b64u}` from its own payload,
    /// with its `scope_hash_b64u`; unreadable when a field is missing.
    pub scope_hash: Part<ComputedHash>,
}

/// The parsed documents of a bundle, before their facts are written (a hash's claims come
/// from several of them).
struct Docs<'c> {
    checkpoint: Result<Value, String>,
    policy: Option<Result<Value, String>>,
    token: Option<Result<CompactJws, String>>,
    plans: Vec<(&'c str, Result<Value, String>)>,
    approvals: Vec<(&'c str, Result<Value, String>)>,
    receipts: Vec<(&'c str, Result<Value, String>)>,
    proof_bundle: Option<Result<Value, String>>,
}

/// The bundle's facts, or the container failures that refuse it (first deciding).
pub(super) fn inspect_audit_bundle(
    bytes: &[u8],
    size: u64,
    limits: &Limits,
    signers: &mut Signers,
) -> Result<AuditBundleFacts, Vec<Failure>> {
    check_archive_size(size, &limits.container).map_err(|f| vec![f])?;
    let container = read_container(bytes, &limits.container)?;
    Ok(inspect_container(&container, limits, signers))
}

/// [`inspect_audit_bundle`] of an archive already read (and so already past the container
/// checks), for a caller that reads it once for several purposes.
pub(super) fn inspect_container(container: &Container, limits: &Limits, signers: &mut Signers) -> AuditBundleFacts {
    let manifest = parse_manifest(container.get(MANIFEST_NAME).unwrap_or_default(), &limits.json);
    let parse = |path: &str| container.get(path).map(|b| parse_json(b, limits));
    let docs = Docs {
        checkpoint: parse(CHECKPOINT_NAME).unwrap_or_else(|| Err("the archive has no checkpoint.json".into())),
        policy: parse(POLICY_PATH),
        token: container.get(TOKEN_PATH).map(decode_compact),
        plans: of_kind(container, "plan", limits),
        approvals: of_kind(container, "approval", limits),
        receipts: of_kind(container, "gateway_receipt", limits),
        proof_bundle: parse(PROOF_BUNDLE_PATH),
    };
    let facts = AuditBundleFacts {
        entries: entries(container, manifest.as_ref().ok()),
        manifest: Artifact {
            path: MANIFEST_NAME.to_string(),
            facts: match &manifest {
                Ok(m) => Part::Read(manifest_facts(m, docs.checkpoint.as_ref().ok())),
                Err(failure) => Part::Unreadable(failure.detail.clone()),
            },
        },
        checkpoint: Artifact {
            path: CHECKPOINT_NAME.to_string(),
            facts: read_part(&docs.checkpoint, |v| checkpoint_facts(v, signers)),
        },
        policy: docs.policy.as_ref().map(|doc| Artifact {
            path: POLICY_PATH.to_string(),
            facts: read_part(doc, |v| policy_facts(v, &docs, signers)),
        }),
        token: docs.token.as_ref().map(|doc| Artifact {
            path: TOKEN_PATH.to_string(),
            facts: read_part(doc, |jws| token_facts(jws, &docs, signers)),
        }),
        plans: artifacts(&docs.plans, |_, v| plan_facts(v, &docs)),
        approvals: artifacts(&docs.approvals, |path, v| approval_facts(path, v, signers)),
        receipts: artifacts(&docs.receipts, |path, v| receipt_facts(v, path, signers)),
        proof_bundle: docs.proof_bundle.as_ref().map(|doc| Artifact {
            path: PROOF_BUNDLE_PATH.to_string(),
            facts: read_part(doc, |v| inspect_proof_bundle(v, PROOF_BUNDLE_PATH, signers)),
        }),
        trust_pulse: parse(TRUST_PULSE_PATH).map(|doc| Artifact {
            path: TRUST_PULSE_PATH.to_string(),
            facts: read_part(&doc, trust_pulse_facts),
        }),
    };
    facts
}

fn trust_pulse_facts(v: &Value) -> TrustPulseFacts {
    let list = |key: &str, name: &str, count: &str| -> Vec<(String, Option<u64>)> {
        v.get(key)
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|item| Some((text(item, name)?, item.get(count).and_then(Value::as_u64))))
            .collect()
    };
    TrustPulseFacts {
        tools: list("tools", "name", "calls"),
        files: list("files", "path", "touches"),
    }
}

fn parse_json(bytes: &[u8], limits: &Limits) -> Result<Value, String> {
    json::parse(bytes, &limits.json).map_err(|e| format!("not acceptable JSON: {e}"))
}

fn read_part<D, T>(doc: &Result<D, String>, read: impl FnOnce(&D) -> T) -> Part<T> {
    match doc {
        Ok(d) => Part::Read(read(d)),
        Err(why) => Part::Unreadable(why.clone()),
    }
}

fn artifacts<T>(docs: &[(&str, Result<Value, String>)], mut read: impl FnMut(&str, &Value) -> T) -> Vec<Artifact<T>> {
    docs.iter()
        .map(|(path, doc)| Artifact {
            path: path.to_string(),
            facts: read_part(doc, |v| read(path, v)),
        })
        .collect()
}

/// Entries of one kind, parsed, in path order.
fn of_kind<'c>(container: &'c Container, kind: &str, limits: &Limits) -> Vec<(&'c str, Result<Value, String>)> {
    let mut paths: Vec<&str> = container.names().filter(|n| kind_for_path(n) == Some(kind)).collect();
    paths.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    paths
        .into_iter()
        .map(|p| (p, parse_json(container.get(p).unwrap_or_default(), limits)))
        .collect()
}

fn entries(container: &Container, manifest: Option<&Manifest>) -> Vec<EntryFact> {
    let listed: HashMap<&str, Digest> = manifest
        .map(|m| {
            m.entries
                .iter()
                .map(|e| {
                    let d = Digest {
                        size_bytes: e.size_bytes,
                        sha256_b64u: e.sha256_b64u.clone(),
                    };
                    (e.path.as_str(), d)
                })
                .collect()
        })
        .unwrap_or_default();
    let kind = |path: &str| match path {
        CHECKPOINT_NAME => Some("checkpoint"),
        MANIFEST_NAME => Some("manifest"),
        other => kind_for_path(other),
    };
    let mut out: Vec<EntryFact> = container
        .names()
        .map(|name| {
            let bytes = container.get(name).unwrap_or_default();
            let archive = Digest {
                size_bytes: bytes.len() as u64,
                sha256_b64u: sha256_b64u(bytes),
            };
            let listed = listed.get(name).cloned();
            EntryFact {
                path: name.to_string(),
                kind: kind(name),
                agrees: listed.as_ref().map(|l| *l == archive),
                archive: Some(archive),
                manifest: listed,
            }
        })
        .collect();
    if let Some(m) = manifest {
        for e in m.entries.iter().filter(|e| container.get(&e.path).is_none()) {
            out.push(EntryFact {
                path: e.path.clone(),
                kind: kind(&e.path),
                archive: None,
                manifest: listed.get(e.path.as_str()).cloned(),
                agrees: None,
            });
        }
    }
    out
}

fn manifest_facts(m: &Manifest, checkpoint: Option<&Value>) -> ManifestFacts {
    let root = merkle::root(&m.leaves()).map(|r| b64u_encode(&r)).unwrap_or_default();
    let mut merkle_root = ComputedHash::new(
        format!(
            "the {} manifest entries (leaf data = JCS of each entry)",
            m.entries.len()
        ),
        HashRecipe::MerkleRoot,
        root,
    );
    merkle_root.claim(
        "checkpoint.json tree.root_b64u",
        checkpoint.and_then(|c| value_at(c, &["payload", "tree", "root_b64u"])),
    );
    ManifestFacts {
        entries: m.entries.len(),
        merkle_root,
    }
}

fn checkpoint_facts(v: &Value, signers: &mut Signers) -> CheckpointFacts {
    let envelope = EnvelopeFacts::read(v, PayloadRecipe::Jcs, None);
    signers.add(envelope.signer_did.as_deref(), "sealer", CHECKPOINT_NAME);
    let p = v.get("payload").unwrap_or(&Value::Null);
    let at = |keys: &[&str]| text_at(p, keys);
    CheckpointFacts {
        checkpoint_version: at(&["checkpoint_version"]),
        bundle_id: at(&["bundle_id"]),
        created_at: at(&["created_at"]),
        expires_at: at(&["expires_at"]),
        sealer_did: at(&["sealer_did"]),
        job_id: at(&["subject", "job_id"]),
        run_id: at(&["subject", "run_id"]),
        agent_did: at(&["subject", "agent_did"]),
        tree_algorithm: at(&["tree", "algorithm"]),
        tree_size: value_at(p, &["tree", "size"]).and_then(Value::as_u64),
        signed_root_b64u: at(&["tree", "root_b64u"]),
        policy_hash_binding: at(&["bindings", "policy_hash_b64u"]),
        token_scope_hash_binding: at(&["bindings", "token_scope_hash_b64u"]),
        envelope,
    }
}

fn value_at<'v>(v: &'v Value, keys: &[&str]) -> Option<&'v Value> {
    keys.iter().try_fold(v, |at, k| at.get(k))
}

/// `(where, stated value)` for a field of every receipt in the bundle: the files, then those
/// inside the proof bundle.
fn receipt_bindings<'d>(docs: &'d Docs, key: &str) -> Vec<(String, Option<&'d Value>)> {
    let mut out: Vec<(String, Option<&Value>)> = docs
        .receipts
        .iter()
        .filter_map(|(path, doc)| doc.as_ref().ok().map(|v| (path, v)))
        .map(|(path, v)| {
            (
                format!("{path} binding.{key}"),
                value_at(v, &["payload", "binding", key]),
            )
        })
        .collect();
    if let Some(Ok(bundle)) = &docs.proof_bundle {
        let payload = bundle.get("payload").unwrap_or(&Value::Null);
        for (i, r) in normalized_receipts(payload).into_iter().enumerate() {
            out.push((
                format!("{PROOF_BUNDLE_PATH} receipts[{i}] binding.{key}"),
                value_at(r, &["payload", "binding", key]),
            ));
        }
    }
    out
}

fn checkpoint_binding<'d>(docs: &'d Docs, key: &str) -> (String, Option<&'d Value>) {
    (
        format!("{CHECKPOINT_NAME} bindings.{key}"),
        docs.checkpoint
            .as_ref()
            .ok()
            .and_then(|c| value_at(c, &["payload", "bindings", key])),
    )
}

fn policy_facts(v: &Value, docs: &Docs, signers: &mut Signers) -> PolicyFacts {
    let mut envelope = EnvelopeFacts::read(v, PayloadRecipe::Jcs, None);
    // The payload hash IS the policy hash: shown once, with every binding of it.
    envelope.payload_hash = None;
    signers.add(envelope.signer_did.as_deref(), "policy issuer", POLICY_PATH);
    let payload = v.get("payload").unwrap_or(&Value::Null);
    let mut hash = ComputedHash::new(
        "the WPC envelope's payload",
        HashRecipe::JcsSha256,
        policy_hash(payload),
    );
    hash.claim("payload_hash_b64u", v.get("payload_hash_b64u"));
    let (by, stated) = checkpoint_binding(docs, "policy_hash_b64u");
    hash.claim(by, stated);
    if let Some(Ok(jws)) = &docs.token {
        hash.claim(
            format!("{TOKEN_PATH} claim policy_hash_b64u"),
            jws.claims.get("policy_hash_b64u"),
        );
    }
    for (path, doc) in &docs.approvals {
        if let Ok(a) = doc {
            hash.claim(
                format!("{path} policy_hash_b64u"),
                value_at(a, &["payload", "policy_hash_b64u"]),
            );
        }
    }
    for (by, stated) in receipt_bindings(docs, "policy_hash") {
        hash.claim(by, stated);
    }
    PolicyFacts {
        envelope,
        policy_version: text(payload, "policy_version"),
        policy_id: text(payload, "policy_id"),
        issuer_did: text(payload, "issuer_did"),
        policy_hash: hash,
    }
}

/// The strings of a claim that is a string or an array (other items are left out).
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

fn token_facts(jws: &CompactJws, docs: &Docs, signers: &mut Signers) -> TokenFacts {
    signers.add_kid(&jws.kid, "token issuer", TOKEN_PATH);
    let c = &jws.claims;
    let scope_hash = match token_scope_hash(c) {
        Ok(value) => {
            let mut h = ComputedHash::new("the token's claims", HashRecipe::TokenScope, value);
            h.claim("claim token_scope_hash_b64u", c.get("token_scope_hash_b64u"));
            let (by, stated) = checkpoint_binding(docs, "token_scope_hash_b64u");
            h.claim(by, stated);
            for (by, stated) in receipt_bindings(docs, "token_scope_hash_b64u") {
                h.claim(by, stated);
            }
            Part::Read(h)
        }
        Err(why) => Part::Unreadable(format!("the scope hash cannot be computed: {why}")),
    };
    TokenFacts {
        kid: jws.kid.clone(),
        claims: TokenClaims {
            iss: text(c, "iss"),
            sub: text(c, "sub"),
            aud: strings(c.get("aud")),
            scope: strings(c.get("scope")),
            iat: c.get("iat").and_then(Value::as_i64),
            exp: c.get("exp").and_then(Value::as_i64),
            agent_did: text(c, "agent_did"),
            mission_id: text(c, "mission_id"),
            policy_pin: text(c, "policy_hash_b64u"),
        },
        scope_hash,
    }
}

fn plan_facts(v: &Value, docs: &Docs) -> PlanFacts {
    let gate_id = text(v, "gate_id");
    let mut hash = ComputedHash::new("the plan document", HashRecipe::JcsSha256, plan_hash(v));
    for (path, doc) in &docs.approvals {
        let Ok(a) = doc else { continue };
        let gate = value_at(a, &["payload", "binding", "gate_id"]).and_then(Value::as_str);
        if gate.is_some() && gate == gate_id.as_deref() {
            hash.claim(
                format!("{path} plan_hash_b64u"),
                value_at(a, &["payload", "plan_hash_b64u"]),
            );
        }
    }
    PlanFacts {
        job_id: text(v, "job_id"),
        requested_by: text(v, "requested_by"),
        summary: text(v, "summary"),
        gate_id,
        plan_hash: hash,
    }
}

fn approval_facts(path: &str, v: &Value, signers: &mut Signers) -> ApprovalFacts {
    let envelope = EnvelopeFacts::read(v, PayloadRecipe::Jcs, None);
    signers.add(envelope.signer_did.as_deref(), "approver", path);
    let p = v.get("payload").unwrap_or(&Value::Null);
    let at = |keys: &[&str]| text_at(p, keys);
    let (gate_id, job_id) = (at(&["binding", "gate_id"]), at(&["binding", "job_id"]));
    let (plan, policy) = (at(&["plan_hash_b64u"]), at(&["policy_hash_b64u"]));
    let scope_hash = match (&gate_id, &job_id, &plan, &policy) {
        (Some(g), Some(j), Some(pl), Some(po)) => {
            let mut h = ComputedHash::new(
                "{gate_id, job_id, plan_hash_b64u, policy_hash_b64u} of the approval's binding and payload",
                HashRecipe::JcsSha256,
                approval_scope_hash(g, j, pl, po),
            );
            h.claim("scope_hash_b64u", p.get("scope_hash_b64u"));
            Part::Read(h)
        }
        _ => Part::Unreadable(
            "the scope hash cannot be computed: binding.gate_id, binding.job_id, plan_hash_b64u and policy_hash_b64u must all be strings".into(),
        ),
    };
    ApprovalFacts {
        envelope,
        receipt_id: at(&["receipt_id"]),
        approval_type: at(&["approval_type"]),
        approver_subject: at(&["approver_subject"]),
        approver_method: at(&["approver_method"]),
        run_id: at(&["binding", "run_id"]),
        timestamp: at(&["timestamp"]),
        gate_id,
        job_id,
        plan_hash_b64u: plan,
        policy_hash_b64u: policy,
        scope_hash,
    }
}
