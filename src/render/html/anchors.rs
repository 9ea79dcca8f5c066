//! Evidence anchors of a subject page (spec 40 §1 item 9): the subject file and every
//! artifact with its SHA-256 and size, and every computed hash with its recipe and the
//! places that state a value for it, so a reviewer can recompute each by hand. The values
//! come from the verification's typed facts and the unjudged inspection; nothing is hashed
//! here.

use serde::Serialize;

use super::{SubjectExtras, RECEIPT_ROWS};
use crate::inspect::{AuditBundleFacts, ComputedHash, Contents, EnvelopeFacts, Part, ProofBundleFacts};
use crate::report::{HashRecipe, HashSubject, SubjectReport};

#[derive(Serialize, Default)]
pub struct Anchors {
    /// The subject file itself (SHA-256 in hex, as `sha256sum` prints it).
    pub subject: Option<FileAnchor>,
    /// Entries of a sealed bundle, with what its manifest lists.
    pub entries: Vec<EntryAnchor>,
    /// Hashes the verification computed and judged.
    pub verified: Vec<HashAnchor>,
    /// Hashes recomputed by the inspection, with every claim about them; the first
    /// `RECEIPT_ROWS` open, the rest collapsed.
    pub computed: Vec<HashAnchor>,
    pub computed_rest: Vec<HashAnchor>,
    /// The recipes used on this page, each once.
    pub recipes: Vec<Recipe>,
}

#[derive(Serialize)]
pub struct FileAnchor {
    pub path: String,
    pub sha256_hex: String,
    pub size_bytes: u64,
}

#[derive(Serialize)]
pub struct EntryAnchor {
    pub path: String,
    pub kind: String,
    pub sha256_b64u: String,
    pub size_bytes: String,
    pub manifest: String,
    /// `None`: only one side holds the entry.
    pub agrees: Option<bool>,
}

#[derive(Serialize)]
pub struct HashAnchor {
    pub of: String,
    pub value: String,
    pub recipe: &'static str,
    pub claims: Vec<Claim>,
}

#[derive(Serialize)]
pub struct Claim {
    pub by: String,
    pub value: String,
    pub agrees: bool,
}

#[derive(Serialize)]
pub struct Recipe {
    pub name: &'static str,
    pub how: &'static str,
}

pub fn anchors(s: &SubjectReport, extras: &SubjectExtras) -> Anchors {
    let mut computed = Vec::new();
    let mut entries = Vec::new();
    match extras.inspection.as_ref().map(|i| &i.contents) {
        Some(Contents::AuditBundle(a)) => {
            entries = a.entries.iter().map(entry_anchor).collect();
            audit_hashes(a, &mut computed);
        }
        Some(Contents::ProofBundle(p)) => proof_bundle_hashes(p, "", &mut computed),
        None => {}
    }
    let verified: Vec<HashAnchor> = s
        .facts
        .hashes
        .iter()
        .map(|h| HashAnchor {
            of: match &h.entry {
                Some(entry) => format!("{} ({entry})", subject_name(h.subject)),
                None => subject_name(h.subject).to_string(),
            },
            value: h.value_b64u.clone(),
            recipe: recipe_name(h.recipe),
            claims: Vec::new(),
        })
        .collect();
    let mut recipes: Vec<HashRecipe> = s.facts.hashes.iter().map(|h| h.recipe).collect();
    recipes.extend(computed.iter().map(|(r, _)| *r));
    if !entries.is_empty() || extras.subject_file.is_some() {
        recipes.push(HashRecipe::BytesSha256);
    }
    let mut computed: Vec<HashAnchor> = computed.into_iter().map(|(_, h)| h).collect();
    let computed_rest = computed.split_off(computed.len().min(RECEIPT_ROWS));
    Anchors {
        subject: extras.subject_file.as_ref().map(|f| FileAnchor {
            path: s.path.clone(),
            sha256_hex: f.sha256_hex.clone(),
            size_bytes: f.size_bytes,
        }),
        entries,
        verified,
        computed,
        computed_rest,
        recipes: unique_recipes(recipes),
    }
}

fn unique_recipes(mut recipes: Vec<HashRecipe>) -> Vec<Recipe> {
    let order = |r: &HashRecipe| recipe_name(*r);
    recipes.sort_by_key(order);
    recipes.dedup();
    recipes
        .into_iter()
        .map(|r| Recipe {
            name: recipe_name(r),
            how: r.describe(),
        })
        .collect()
}

fn recipe_name(r: HashRecipe) -> &'static str {
    match r {
        HashRecipe::JcsSha256 => "JCS SHA-256",
        HashRecipe::JssSha256 => "JSS SHA-256",
        HashRecipe::BytesSha256 => "bytes SHA-256",
        HashRecipe::MerkleRoot => "RFC 6962 Merkle root",
        HashRecipe::TokenScope => "token scope hash",
    }
}

fn subject_name(s: HashSubject) -> &'static str {
    match s {
        HashSubject::MerkleRoot => "Merkle root",
        HashSubject::Policy => "WPC hash",
        HashSubject::TokenScope => "token scope hash",
        HashSubject::Plan => "plan hash",
    }
}

fn entry_anchor(e: &crate::inspect::EntryFact) -> EntryAnchor {
    EntryAnchor {
        path: e.path.clone(),
        kind: e.kind.unwrap_or("").to_string(),
        sha256_b64u: e.archive.as_ref().map(|d| d.sha256_b64u.clone()).unwrap_or_default(),
        size_bytes: e.archive.as_ref().map(|d| d.size_bytes.to_string()).unwrap_or_default(),
        manifest: match &e.manifest {
            Some(d) => format!("{} ({} bytes)", d.sha256_b64u, d.size_bytes),
            None => "not listed".to_string(),
        },
        agrees: e.agrees,
    }
}

type Computed = Vec<(HashRecipe, HashAnchor)>;

fn push(out: &mut Computed, at: &str, h: &ComputedHash) {
    let of = if at.is_empty() {
        h.of.clone()
    } else {
        format!("{at}: {}", h.of)
    };
    out.push((
        h.recipe,
        HashAnchor {
            of,
            value: h.value_b64u.clone(),
            recipe: recipe_name(h.recipe),
            claims: h
                .claims
                .iter()
                .map(|c| Claim {
                    by: c.by.clone(),
                    value: c.value.clone(),
                    agrees: c.agrees,
                })
                .collect(),
        },
    ));
}

fn push_envelope(out: &mut Computed, at: &str, e: &EnvelopeFacts) {
    if let Some(h) = &e.payload_hash {
        push(out, at, h);
    }
}

fn audit_hashes(a: &AuditBundleFacts, out: &mut Computed) {
    if let Part::Read(m) = &a.manifest.facts {
        push(out, &a.manifest.path, &m.merkle_root);
    }
    if let Part::Read(c) = &a.checkpoint.facts {
        push_envelope(out, &a.checkpoint.path, &c.envelope);
    }
    if let Some(Part::Read(p)) = a.policy.as_ref().map(|p| &p.facts) {
        push(out, crate::audit::manifest::POLICY_PATH, &p.policy_hash);
    }
    if let Some(Part::Read(t)) = a.token.as_ref().map(|t| &t.facts) {
        if let Part::Read(h) = &t.scope_hash {
            push(out, crate::audit::manifest::TOKEN_PATH, h);
        }
    }
    for plan in &a.plans {
        if let Part::Read(p) = &plan.facts {
            push(out, &plan.path, &p.plan_hash);
        }
    }
    for approval in &a.approvals {
        if let Part::Read(p) = &approval.facts {
            push_envelope(out, &approval.path, &p.envelope);
            if let Part::Read(h) = &p.scope_hash {
                push(out, &approval.path, h);
            }
        }
    }
    for receipt in &a.receipts {
        if let Part::Read(r) = &receipt.facts {
            push_envelope(out, &receipt.path, &r.envelope);
        }
    }
    if let Some(pb) = &a.proof_bundle {
        if let Part::Read(p) = &pb.facts {
            proof_bundle_hashes(p, &pb.path, out);
        }
    }
}

fn proof_bundle_hashes(p: &ProofBundleFacts, at: &str, out: &mut Computed) {
    push_envelope(out, at, &p.envelope);
    for r in &p.receipts {
        let label = if at.is_empty() {
            r.label.clone()
        } else {
            format!("{at} {}", r.label)
        };
        push_envelope(out, &label, &r.envelope);
    }
}
