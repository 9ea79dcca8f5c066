//! Renderers of an `Inspection` (`clawaudit inspect`): aligned text sections for people, and
//! JSON (`inspect_version "1"`) for machines. Neither decides anything: every value, hash and
//! agreement comes from the model.
//!
//! # JSON shape, `inspect_version "1"`
//!
//! ```text
//! {
//!   "inspect_version": "1",
//!   "path": "run.audit.zip",
//!   "kind": "audit-bundle" | "proof-bundle",
//!   "trust": "none" | "trust-file" | "clawsig-config",
//!   "audit_bundle": {                                  // kind audit-bundle only
//!     "entries": [{"path", "kind" (or null),
//!                  "archive": {"size_bytes", "sha256_b64u"} | null,
//!                  "manifest": {"size_bytes", "sha256_b64u"} | null,
//!                  "agrees": true | false | null}],     // entry hash recipe: bytes-sha256
//!     "manifest":   ARTIFACT of {"entries", "merkle_root": HASH},
//!     "checkpoint": ARTIFACT of {"envelope": ENVELOPE, "checkpoint_version", "bundle_id",
//!                   "created_at", "expires_at", "sealer_did", "job_id", "run_id", "agent_did",
//!                   "tree_algorithm", "tree_size", "signed_root_b64u", "policy_hash_binding",
//!                   "token_scope_hash_binding"},
//!     "policy":     ARTIFACT of {"envelope", "policy_version", "policy_id", "issuer_did",
//!                   "policy_hash": HASH} | null,
//!     "token":      ARTIFACT of {"kid", "claims": {"iss", "sub", "aud": [], "scope": [], "iat",
//!                   "exp", "agent_did", "mission_id", "policy_pin"}, "scope_hash": HASH | {"unreadable"}} | null,
//!     "plans":      [ARTIFACT of {"gate_id", "job_id", "requested_by", "summary", "plan_hash": HASH}],
//!     "approvals":  [ARTIFACT of {"envelope", "receipt_id", "approval_type", "approver_subject",
//!                   "approver_method", "gate_id", "job_id", "run_id", "timestamp",
//!                   "plan_hash_b64u", "policy_hash_b64u", "scope_hash": HASH | {"unreadable"}}],
//!     "receipts":   [ARTIFACT of RECEIPT],
//!     "proof_bundle": ARTIFACT of PROOF_BUNDLE | null
//!   },
//!   "proof_bundle": PROOF_BUNDLE,                      // kind proof-bundle only
//!   "signers": [{"did" (null when only a kid is known), "kid" (a token issuer's, else null),
//!                "signed": [{"artifact", "as"}],
//!                "roles": [{"role", "name", "subject", "groups": []}],
//!                "trust": "listed" | "not in the trust file" | "no trust file given"}]
//! }
//! ARTIFACT     = {"path", ...facts} | {"path", "unreadable": "why"}
//! HASH         = {"of", "recipe": "jcs-sha256" | "jss-sha256" | "bytes-sha256" | "rfc6962-merkle-root"
//!                 | "cst-scope-hash", "recipe_text", "value_b64u",
//!                 "claims": [{"by", "value", "agrees": bool}]}
//! ENVELOPE     = {"envelope_version", "envelope_type", "signer_did", "issued_at", "expires_at",
//!                 "algorithm", "hash_algorithm", "payload_hash": HASH | null}
//! PROOF_BUNDLE = {"envelope", "bundle_version", "bundle_id", "agent_did", "run_id",
//!                 "chain_root_b64u", "counts": {"events", "gateway_receipts", "tool_receipts",
//!                 "side_effect_receipts", "human_approval_receipts", "attestations"},
//!                 "receipts": [RECEIPT], "attestations": [{"attestation_id", "attestation_type",
//!                 "attester_did", "subject_did"}]}
//! RECEIPT      = {"label", "envelope", "receipt_id", "gateway_id", "provider", "model",
//!                 "timestamp", "run_id", "event_hash_b64u", "nonce", "policy_hash",
//!                 "token_scope_hash_b64u"}
//! ```
//! A field the artifact does not carry is `null`. Errors (exit 2) are
//! `{"inspect_version":"1","error":"…"}`.

use serde_json::{json, Map, Value as Json};

use crate::inspect::{
    ApprovalFacts, Artifact, AuditBundleFacts, CheckpointFacts, ComputedHash, Contents, EntryFact, EnvelopeFacts,
    Inspection, ManifestFacts, Part, PlanFacts, PolicyFacts, ProofBundleFacts, ReceiptFacts, SignerFact, TokenFacts,
    INSPECT_VERSION,
};
use crate::report::HashRecipe;
use crate::timeutil::{format_rfc3339, secs_to_ms};
use crate::trust::TrustSource;

/// Width of the label column of text fields.
const LABEL: usize = 20;

/// The recipe's stable name in JSON.
pub fn recipe_id(recipe: HashRecipe) -> &'static str {
    match recipe {
        HashRecipe::JcsSha256 => "jcs-sha256",
        HashRecipe::JssSha256 => "jss-sha256",
        HashRecipe::BytesSha256 => "bytes-sha256",
        HashRecipe::MerkleRoot => "rfc6962-merkle-root",
        HashRecipe::TokenScope => "cst-scope-hash",
    }
}

fn trust_id(source: &TrustSource) -> &'static str {
    match source {
        TrustSource::None => "none",
        TrustSource::TrustFile => "trust-file",
        TrustSource::ClawsigConfig => "clawsig-config",
    }
}

/// What a signer's roles say when it holds none.
fn no_roles(source: &TrustSource) -> &'static str {
    match source {
        TrustSource::None => "no trust file given",
        _ => "not in the trust file",
    }
}

// ----- text -----

/// Text for people.
pub fn render_text(i: &Inspection) -> String {
    let mut out = format!("{} {}\n", i.contents.kind().as_str(), i.path);
    out.push_str("  inspect states what the file holds and judges nothing; `clawaudit verify` gives the verdict\n");
    match &i.contents {
        Contents::AuditBundle(a) => audit_text(a, &mut out),
        Contents::ProofBundle(p) => {
            out.push_str("\nProof bundle\n");
            proof_bundle_text(p, 1, &mut out);
        }
    }
    signers_text(i, &mut out);
    out
}

fn pad(depth: usize) -> String {
    "  ".repeat(depth)
}

/// `label  value`, aligned; nothing for an absent value.
fn field(out: &mut String, depth: usize, label: &str, value: Option<&str>) {
    if let Some(v) = value {
        out.push_str(&format!("{}{label:<LABEL$}{v}\n", pad(depth)));
    }
}

/// `field` for each `(label, value)`.
fn fields(out: &mut String, depth: usize, list: &[(&str, Option<&str>)]) {
    for (label, value) in list {
        field(out, depth, label, *value);
    }
}

fn hash_text(out: &mut String, depth: usize, label: &str, h: &ComputedHash) {
    field(out, depth, label, Some(&h.value_b64u));
    let p = pad(depth + 1);
    out.push_str(&format!("{p}of: {}\n", h.of));
    out.push_str(&format!("{p}recipe: {}\n", h.recipe.describe()));
    for c in &h.claims {
        if c.agrees {
            out.push_str(&format!("{p}same in {}\n", c.by));
        } else {
            out.push_str(&format!("{p}differs in {}: {}\n", c.by, c.value));
        }
    }
}

fn part_hash_text(out: &mut String, depth: usize, label: &str, h: &Part<ComputedHash>) {
    match h {
        Part::Read(h) => hash_text(out, depth, label, h),
        Part::Unreadable(why) => field(out, depth, label, Some(why)),
    }
}

fn envelope_text(out: &mut String, depth: usize, e: &EnvelopeFacts) {
    let kind = match (&e.envelope_type, &e.envelope_version) {
        (Some(t), Some(v)) => Some(format!("{t} (version {v})")),
        (Some(t), None) => Some(t.clone()),
        _ => None,
    };
    fields(
        out,
        depth,
        &[
            ("envelope", kind.as_deref()),
            ("signer", e.signer_did.as_deref()),
            ("issued at", e.issued_at.as_deref()),
            ("expires at", e.expires_at.as_deref()),
        ],
    );
    let algorithms = match (&e.algorithm, &e.hash_algorithm) {
        (Some(a), Some(h)) => Some(format!("{a}, {h}")),
        (a, h) => a.clone().or(h.clone()),
    };
    field(out, depth, "algorithms", algorithms.as_deref());
    if let Some(h) = &e.payload_hash {
        hash_text(out, depth, "payload hash", h);
    }
}

/// A section heading, then the facts or why there are none.
fn artifact_text<T>(out: &mut String, title: &str, a: &Artifact<T>, facts: impl FnOnce(&T, &mut String)) {
    out.push_str(&format!("\n{title} ({})\n", a.path));
    match &a.facts {
        Part::Read(t) => facts(t, out),
        Part::Unreadable(why) => out.push_str(&format!("  unreadable: {why}\n")),
    }
}

fn audit_text(a: &AuditBundleFacts, out: &mut String) {
    let manifest_read = matches!(a.manifest.facts, Part::Read(_));
    entries_text(&a.entries, manifest_read, out);
    artifact_text(out, "Manifest", &a.manifest, manifest_text);
    artifact_text(out, "Checkpoint", &a.checkpoint, checkpoint_text);
    if let Some(p) = &a.policy {
        artifact_text(out, "Policy", p, policy_text);
    }
    if let Some(t) = &a.token {
        artifact_text(out, "Token", t, token_text);
    }
    for p in &a.plans {
        artifact_text(out, "Plan", p, plan_text);
    }
    for ap in &a.approvals {
        artifact_text(out, "Approval", ap, approval_text);
    }
    for r in &a.receipts {
        artifact_text(out, "Gateway receipt", r, |r, out| receipt_text(r, 1, out));
    }
    if let Some(pb) = &a.proof_bundle {
        artifact_text(out, "Proof bundle", pb, |p, out| proof_bundle_text(p, 1, out));
    }
}

/// `manifest_read`: whether "not listed" can be said of an entry the manifest does not list.
fn entries_text(entries: &[EntryFact], manifest_read: bool, out: &mut String) {
    let in_archive = entries.iter().filter(|e| e.archive.is_some()).count();
    let listed = entries.iter().filter(|e| e.manifest.is_some()).count();
    out.push_str(&format!(
        "\nEntries ({in_archive} in the archive, {listed} listed in the manifest)\n"
    ));
    out.push_str(&format!("  recipe: {}\n", HashRecipe::BytesSha256.describe()));
    let width = entries.iter().map(|e| e.path.chars().count()).max().unwrap_or(0);
    let kinds = entries.iter().map(|e| e.kind.unwrap_or("-").len()).max().unwrap_or(0);
    out.push_str(&format!(
        "  {:<width$}  {:<kinds$}  {:>9}  {:<43}  manifest\n",
        "path", "kind", "bytes", "sha256"
    ));
    for e in entries {
        let (size, hash) = match &e.archive {
            Some(d) => (d.size_bytes.to_string(), d.sha256_b64u.as_str()),
            None => ("-".to_string(), "(not in the archive)"),
        };
        let manifest = match (&e.manifest, e.agrees) {
            (None, _) if manifest_read => "not listed".to_string(),
            (None, _) => "- (the manifest is unreadable)".to_string(),
            (Some(_), Some(true)) => "same".to_string(),
            (Some(m), Some(false)) => format!("differs: lists {} bytes, {}", m.size_bytes, m.sha256_b64u),
            (Some(m), None) => format!("lists {} bytes, {}", m.size_bytes, m.sha256_b64u),
        };
        out.push_str(&format!(
            "  {:<width$}  {:<kinds$}  {size:>9}  {hash:<43}  {manifest}\n",
            e.path,
            e.kind.unwrap_or("-")
        ));
    }
}

fn manifest_text(m: &ManifestFacts, out: &mut String) {
    field(out, 1, "entries", Some(&m.entries.to_string()));
    hash_text(out, 1, "merkle root", &m.merkle_root);
}

fn checkpoint_text(c: &CheckpointFacts, out: &mut String) {
    let tree_size = c.tree_size.map(|n| n.to_string());
    fields(
        out,
        1,
        &[
            ("version", c.checkpoint_version.as_deref()),
            ("bundle id", c.bundle_id.as_deref()),
            ("job", c.job_id.as_deref()),
            ("run", c.run_id.as_deref()),
            ("agent", c.agent_did.as_deref()),
            ("sealer", c.sealer_did.as_deref()),
            ("created at", c.created_at.as_deref()),
            ("expires at", c.expires_at.as_deref()),
            ("tree algorithm", c.tree_algorithm.as_deref()),
            ("tree size", tree_size.as_deref()),
            ("signed root", c.signed_root_b64u.as_deref()),
            ("policy binding", c.policy_hash_binding.as_deref()),
            ("token binding", c.token_scope_hash_binding.as_deref()),
        ],
    );
    envelope_text(out, 1, &c.envelope);
}

fn policy_text(p: &PolicyFacts, out: &mut String) {
    fields(
        out,
        1,
        &[
            ("policy id", p.policy_id.as_deref()),
            ("policy version", p.policy_version.as_deref()),
            ("issuer", p.issuer_did.as_deref()),
        ],
    );
    envelope_text(out, 1, &p.envelope);
    hash_text(out, 1, "policy hash", &p.policy_hash);
}

fn epoch(secs: Option<i64>) -> Option<String> {
    secs.map(|s| format!("{s} ({})", format_rfc3339(secs_to_ms(s))))
}

fn token_text(t: &TokenFacts, out: &mut String) {
    let c = &t.claims;
    fields(
        out,
        1,
        &[
            ("kid", Some(&t.kid)),
            ("iss", c.iss.as_deref()),
            ("sub", c.sub.as_deref()),
            ("aud", Some(&c.aud.join(", "))),
            ("scope", Some(&c.scope.join(", "))),
            ("iat", epoch(c.iat).as_deref()),
            ("exp", epoch(c.exp).as_deref()),
            ("agent", c.agent_did.as_deref()),
            ("mission", c.mission_id.as_deref()),
            ("policy pin", c.policy_pin.as_deref()),
        ],
    );
    part_hash_text(out, 1, "scope hash", &t.scope_hash);
}

fn plan_text(p: &PlanFacts, out: &mut String) {
    fields(
        out,
        1,
        &[
            ("gate", p.gate_id.as_deref()),
            ("job", p.job_id.as_deref()),
            ("requested by", p.requested_by.as_deref()),
            ("summary", p.summary.as_deref()),
        ],
    );
    hash_text(out, 1, "plan hash", &p.plan_hash);
}

fn approval_text(a: &ApprovalFacts, out: &mut String) {
    fields(
        out,
        1,
        &[
            ("receipt id", a.receipt_id.as_deref()),
            ("decision", a.approval_type.as_deref()),
            ("approver", a.approver_subject.as_deref()),
            ("method", a.approver_method.as_deref()),
            ("gate", a.gate_id.as_deref()),
            ("job", a.job_id.as_deref()),
            ("run", a.run_id.as_deref()),
            ("timestamp", a.timestamp.as_deref()),
            ("plan hash", a.plan_hash_b64u.as_deref()),
            ("policy hash", a.policy_hash_b64u.as_deref()),
        ],
    );
    part_hash_text(out, 1, "scope hash", &a.scope_hash);
    envelope_text(out, 1, &a.envelope);
}

fn receipt_text(r: &ReceiptFacts, depth: usize, out: &mut String) {
    field(out, depth, "receipt id", r.receipt_id.as_deref());
    field(out, depth, "gateway", r.gateway_id.as_deref());
    let model = match (&r.provider, &r.model) {
        (Some(p), Some(m)) => Some(format!("{p} {m}")),
        (p, m) => p.clone().or(m.clone()),
    };
    fields(
        out,
        depth,
        &[
            ("model", model.as_deref()),
            ("timestamp", r.timestamp.as_deref()),
            ("run", r.run_id.as_deref()),
            ("event hash", r.event_hash_b64u.as_deref()),
            ("nonce", r.nonce.as_deref()),
            ("policy hash", r.policy_hash.as_deref()),
            ("token scope hash", r.token_scope_hash_b64u.as_deref()),
        ],
    );
    envelope_text(out, depth, &r.envelope);
}

fn proof_bundle_text(p: &ProofBundleFacts, depth: usize, out: &mut String) {
    fields(
        out,
        depth,
        &[
            ("bundle id", p.bundle_id.as_deref()),
            ("bundle version", p.bundle_version.as_deref()),
            ("agent", p.agent_did.as_deref()),
            ("run", p.run_id.as_deref()),
        ],
    );
    let c = &p.counts;
    for (label, n) in [
        ("events", c.events),
        ("gateway receipts", c.gateway_receipts),
        ("tool receipts", c.tool_receipts),
        ("side-effect receipts", c.side_effect_receipts),
        ("approval receipts", c.human_approval_receipts),
        ("attestations", c.attestations),
    ] {
        field(out, depth, label, Some(&n.to_string()));
    }
    field(
        out,
        depth,
        "chain root",
        p.chain_root_b64u
            .as_deref()
            .map(|r| format!("{r} (event_chain[0].event_hash_b64u, as stated)"))
            .as_deref(),
    );
    envelope_text(out, depth, &p.envelope);
    for r in &p.receipts {
        out.push_str(&format!("{}gateway receipt {}\n", pad(depth), r.label));
        receipt_text(r, depth + 1, out);
    }
    for (i, a) in p.attestations.iter().enumerate() {
        out.push_str(&format!("{}attestation attestations[{i}]\n", pad(depth)));
        fields(
            out,
            depth + 1,
            &[
                ("id", a.attestation_id.as_deref()),
                ("type", a.attestation_type.as_deref()),
                ("attester", a.attester_did.as_deref()),
                ("subject", a.subject_did.as_deref()),
            ],
        );
    }
}

fn signers_text(i: &Inspection, out: &mut String) {
    let source = match i.trust {
        TrustSource::None => "no trust file given",
        TrustSource::TrustFile => "roles from the trust file",
        TrustSource::ClawsigConfig => "roles from the Clawsig verifier config",
    };
    out.push_str(&format!("\nSigners ({}; {source})\n", i.signers.len()));
    for s in &i.signers {
        match (&s.did, &s.kid) {
            (Some(did), Some(kid)) => out.push_str(&format!("  {did} (kid {kid})\n")),
            (Some(did), None) => out.push_str(&format!("  {did}\n")),
            (None, Some(kid)) => {
                let why = match i.trust {
                    TrustSource::None => "no trust file given to find the DID of this key",
                    _ => "no DID of the trust file has this key",
                };
                out.push_str(&format!("  kid {kid}: {why}\n"));
            }
            (None, None) => {}
        }
        for signed in &s.signed {
            out.push_str(&format!("    signed {} as {}\n", signed.artifact, signed.capacity));
        }
        if s.roles.is_empty() {
            out.push_str(&format!("    trust: {}\n", no_roles(&i.trust)));
        }
        for r in &s.roles {
            let mut line = format!("    trust: {}", r.role);
            if let Some(name) = &r.name {
                line.push_str(&format!(" \"{name}\""));
            }
            if let Some(subject) = &r.subject {
                line.push_str(&format!(" for {subject}"));
            }
            if !r.groups.is_empty() {
                line.push_str(&format!(" (groups: {})", r.groups.join(", ")));
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
}

// ----- JSON -----

/// The `inspect_version "1"` document, pretty-printed.
pub fn render_json(i: &Inspection) -> String {
    let mut doc = Map::new();
    doc.insert("inspect_version".into(), json!(INSPECT_VERSION));
    doc.insert("path".into(), json!(i.path));
    doc.insert("kind".into(), json!(i.contents.kind().as_str()));
    doc.insert("trust".into(), json!(trust_id(&i.trust)));
    match &i.contents {
        Contents::AuditBundle(a) => doc.insert("audit_bundle".into(), audit_json(a)),
        Contents::ProofBundle(p) => doc.insert("proof_bundle".into(), proof_bundle_json(p)),
    };
    doc.insert(
        "signers".into(),
        Json::Array(i.signers.iter().map(|s| signer_json(s, &i.trust)).collect()),
    );
    let mut out = serde_json::to_string_pretty(&Json::Object(doc)).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    out.push('\n');
    out
}

/// What `--format json` prints when the subject could not be inspected (exit 2).
pub fn render_json_error(message: &str) -> String {
    let mut out = json!({"inspect_version": INSPECT_VERSION, "error": message}).to_string();
    out.push('\n');
    out
}

fn hash_json(h: &ComputedHash) -> Json {
    json!({
        "of": h.of,
        "recipe": recipe_id(h.recipe),
        "recipe_text": h.recipe.describe(),
        "value_b64u": h.value_b64u,
        "claims": h.claims.iter().map(|c| json!({"by": c.by, "value": c.value, "agrees": c.agrees})).collect::<Vec<_>>(),
    })
}

fn part_hash_json(h: &Part<ComputedHash>) -> Json {
    match h {
        Part::Read(h) => hash_json(h),
        Part::Unreadable(why) => json!({ "unreadable": why }),
    }
}

fn envelope_json(e: &EnvelopeFacts) -> Json {
    json!({
        "envelope_version": e.envelope_version,
        "envelope_type": e.envelope_type,
        "signer_did": e.signer_did,
        "issued_at": e.issued_at,
        "expires_at": e.expires_at,
        "algorithm": e.algorithm,
        "hash_algorithm": e.hash_algorithm,
        "payload_hash": e.payload_hash.as_ref().map(hash_json),
    })
}

/// `{"path", ...facts}` or `{"path", "unreadable"}`.
fn artifact_json<T>(a: &Artifact<T>, facts: impl FnOnce(&T) -> Json) -> Json {
    let mut obj = Map::new();
    obj.insert("path".into(), json!(a.path));
    match &a.facts {
        Part::Read(t) => {
            if let Json::Object(fields) = facts(t) {
                obj.extend(fields);
            }
        }
        Part::Unreadable(why) => {
            obj.insert("unreadable".into(), json!(why));
        }
    }
    Json::Object(obj)
}

fn audit_json(a: &AuditBundleFacts) -> Json {
    let digest = |d: &Option<crate::inspect::Digest>| {
        d.as_ref()
            .map(|d| json!({"size_bytes": d.size_bytes, "sha256_b64u": d.sha256_b64u}))
    };
    let entries: Vec<Json> = a
        .entries
        .iter()
        .map(|e| {
            json!({
                "path": e.path,
                "kind": e.kind,
                "archive": digest(&e.archive),
                "manifest": digest(&e.manifest),
                "agrees": e.agrees,
            })
        })
        .collect();
    json!({
        "entries": entries,
        "manifest": artifact_json(&a.manifest, |m| json!({"entries": m.entries, "merkle_root": hash_json(&m.merkle_root)})),
        "checkpoint": artifact_json(&a.checkpoint, checkpoint_json),
        "policy": a.policy.as_ref().map(|p| artifact_json(p, policy_json)),
        "token": a.token.as_ref().map(|t| artifact_json(t, token_json)),
        "plans": a.plans.iter().map(|p| artifact_json(p, plan_json)).collect::<Vec<_>>(),
        "approvals": a.approvals.iter().map(|p| artifact_json(p, approval_json)).collect::<Vec<_>>(),
        "receipts": a.receipts.iter().map(|p| artifact_json(p, receipt_json)).collect::<Vec<_>>(),
        "proof_bundle": a.proof_bundle.as_ref().map(|p| artifact_json(p, proof_bundle_json)),
    })
}

fn checkpoint_json(c: &CheckpointFacts) -> Json {
    json!({
        "envelope": envelope_json(&c.envelope),
        "checkpoint_version": c.checkpoint_version,
        "bundle_id": c.bundle_id,
        "created_at": c.created_at,
        "expires_at": c.expires_at,
        "sealer_did": c.sealer_did,
        "job_id": c.job_id,
        "run_id": c.run_id,
        "agent_did": c.agent_did,
        "tree_algorithm": c.tree_algorithm,
        "tree_size": c.tree_size,
        "signed_root_b64u": c.signed_root_b64u,
        "policy_hash_binding": c.policy_hash_binding,
        "token_scope_hash_binding": c.token_scope_hash_binding,
    })
}

fn policy_json(p: &PolicyFacts) -> Json {
    json!({
        "envelope": envelope_json(&p.envelope),
        "policy_version": p.policy_version,
        "policy_id": p.policy_id,
        "issuer_did": p.issuer_did,
        "policy_hash": hash_json(&p.policy_hash),
    })
}

fn token_json(t: &TokenFacts) -> Json {
    let c = &t.claims;
    json!({
        "kid": t.kid,
        "claims": {
            "iss": c.iss, "sub": c.sub, "aud": c.aud, "scope": c.scope, "iat": c.iat, "exp": c.exp,
            "agent_did": c.agent_did, "mission_id": c.mission_id, "policy_pin": c.policy_pin,
        },
        "scope_hash": part_hash_json(&t.scope_hash),
    })
}

fn plan_json(p: &PlanFacts) -> Json {
    json!({
        "gate_id": p.gate_id,
        "job_id": p.job_id,
        "requested_by": p.requested_by,
        "summary": p.summary,
        "plan_hash": hash_json(&p.plan_hash),
    })
}

fn approval_json(a: &ApprovalFacts) -> Json {
    json!({
        "envelope": envelope_json(&a.envelope),
        "receipt_id": a.receipt_id,
        "approval_type": a.approval_type,
        "approver_subject": a.approver_subject,
        "approver_method": a.approver_method,
        "gate_id": a.gate_id,
        "job_id": a.job_id,
        "run_id": a.run_id,
        "timestamp": a.timestamp,
        "plan_hash_b64u": a.plan_hash_b64u,
        "policy_hash_b64u": a.policy_hash_b64u,
        "scope_hash": part_hash_json(&a.scope_hash),
    })
}

fn receipt_json(r: &ReceiptFacts) -> Json {
    json!({
        "label": r.label,
        "envelope": envelope_json(&r.envelope),
        "receipt_id": r.receipt_id,
        "gateway_id": r.gateway_id,
        "provider": r.provider,
        "model": r.model,
        "timestamp": r.timestamp,
        "run_id": r.run_id,
        "event_hash_b64u": r.event_hash_b64u,
        "nonce": r.nonce,
        "policy_hash": r.policy_hash,
        "token_scope_hash_b64u": r.token_scope_hash_b64u,
    })
}

fn proof_bundle_json(p: &ProofBundleFacts) -> Json {
    let c = &p.counts;
    json!({
        "envelope": envelope_json(&p.envelope),
        "bundle_version": p.bundle_version,
        "bundle_id": p.bundle_id,
        "agent_did": p.agent_did,
        "run_id": p.run_id,
        "chain_root_b64u": p.chain_root_b64u,
        "counts": {
            "events": c.events,
            "gateway_receipts": c.gateway_receipts,
            "tool_receipts": c.tool_receipts,
            "side_effect_receipts": c.side_effect_receipts,
            "human_approval_receipts": c.human_approval_receipts,
            "attestations": c.attestations,
        },
        "receipts": p.receipts.iter().map(receipt_json).collect::<Vec<_>>(),
        "attestations": p.attestations.iter().map(|a| json!({
            "attestation_id": a.attestation_id,
            "attestation_type": a.attestation_type,
            "attester_did": a.attester_did,
            "subject_did": a.subject_did,
        })).collect::<Vec<_>>(),
    })
}

fn signer_json(s: &SignerFact, source: &TrustSource) -> Json {
    json!({
        "did": s.did,
        "kid": s.kid,
        "signed": s.signed.iter().map(|x| json!({"artifact": x.artifact, "as": x.capacity})).collect::<Vec<_>>(),
        "roles": s.roles.iter().map(|r| json!({
            "role": r.role,
            "name": r.name,
            "subject": r.subject,
            "groups": r.groups,
        })).collect::<Vec<_>>(),
        "trust": if s.roles.is_empty() { no_roles(source) } else { "listed" },
    })
}
