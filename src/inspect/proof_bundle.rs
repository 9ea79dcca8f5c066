//! Inspecting a Clawsig proof bundle (wire-format §3) and gateway receipts (§3.4).

use super::model::{text, text_at, EnvelopeFacts, PayloadRecipe};
use super::signers::Signers;
use crate::clawsig::bundle_digests::jss_hashes;
use crate::clawsig::gateway_receipts::describe_receipt_with_jcs;
use crate::clawsig::payload::normalized_receipts;
use crate::json::Value;

/// A proof bundle envelope and its payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofBundleFacts {
    /// The payload hash is JSS (`sha256_b64u(JSON.stringify(payload))`).
    pub envelope: EnvelopeFacts,
    pub bundle_version: Option<String>,
    pub bundle_id: Option<String>,
    pub agent_did: Option<String>,
    /// `event_chain[0].run_id`.
    pub run_id: Option<String>,
    pub counts: BundleCounts,
    /// `chain_root_hash`: `event_chain[0].event_hash_b64u`, as stated (not recomputed).
    pub chain_root_b64u: Option<String>,
    /// The gateway receipts (`receipts[]` without the legacy raw entries the reference drops).
    pub receipts: Vec<ReceiptFacts>,
    pub attestations: Vec<AttestationFacts>,
}

/// The lengths of the payload's evidence arrays (0 when absent).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BundleCounts {
    pub events: usize,
    pub gateway_receipts: usize,
    pub tool_receipts: usize,
    pub side_effect_receipts: usize,
    pub human_approval_receipts: usize,
    pub attestations: usize,
}

/// One gateway receipt envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptFacts {
    /// Where it is: `receipts[i]` inside a bundle, or its entry path.
    pub label: String,
    /// The payload hash is JSS.
    pub envelope: EnvelopeFacts,
    pub receipt_id: Option<String>,
    pub gateway_id: Option<String>,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub timestamp: Option<String>,
    pub run_id: Option<String>,
    pub event_hash_b64u: Option<String>,
    pub nonce: Option<String>,
    pub policy_hash: Option<String>,
    pub token_scope_hash_b64u: Option<String>,
    /// `payload.tokens_input`, `payload.tokens_output` and `payload.latency_ms`, when each is
    /// a non-negative integer (the audit site's receipts table shows them; unjudged here).
    pub tokens_input: Option<u64>,
    pub tokens_output: Option<u64>,
    pub latency_ms: Option<u64>,
}

/// One attestation reference (§3.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttestationFacts {
    pub attestation_id: Option<String>,
    pub attestation_type: Option<String>,
    pub attester_did: Option<String>,
    pub subject_did: Option<String>,
}

/// `where_` names the bundle in signer listings ("the proof bundle", or its entry path).
pub(super) fn inspect_proof_bundle(v: &Value, where_: &str, signers: &mut Signers) -> ProofBundleFacts {
    let payload = v.get("payload");
    let p = payload.unwrap_or(&Value::Null);
    // One pass hashes the payload and each receipt's payload (JSS), as verification does.
    let hashes = payload.map(jss_hashes);
    let envelope = EnvelopeFacts::read(v, PayloadRecipe::Jss, hashes.as_ref().map(|h| h.payload.clone()));
    signers.add(envelope.signer_did.as_deref(), "agent", where_);
    let items = |k: &str| p.get(k).and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    let events = items("event_chain");
    let receipts = normalized_receipts(p);
    let receipt_hashes = hashes.map(|h| h.receipts).unwrap_or_default();
    let receipts: Vec<ReceiptFacts> = receipts
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let label = format!("receipts[{i}]");
            let hash = receipt_hashes.get(i).filter(|h| !h.is_empty()).cloned();
            let in_bundle = format!("{where_} {label}");
            let facts = read_receipt(r, label, hash);
            signers.add(facts.envelope.signer_did.as_deref(), "gateway", &in_bundle);
            facts
        })
        .collect();
    let attestations: Vec<AttestationFacts> = items("attestations")
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let facts = AttestationFacts {
                attestation_id: text(a, "attestation_id"),
                attestation_type: text(a, "attestation_type"),
                attester_did: text(a, "attester_did"),
                subject_did: text(a, "subject_did"),
            };
            signers.add(
                facts.attester_did.as_deref(),
                "attester",
                &format!("{where_} attestations[{i}]"),
            );
            facts
        })
        .collect();
    ProofBundleFacts {
        bundle_version: text(p, "bundle_version"),
        bundle_id: text(p, "bundle_id"),
        agent_did: text(p, "agent_did"),
        run_id: events.first().and_then(|e| text(e, "run_id")),
        chain_root_b64u: events.first().and_then(|e| text(e, "event_hash_b64u")),
        counts: BundleCounts {
            events: events.len(),
            gateway_receipts: receipts.len(),
            tool_receipts: items("tool_receipts").len(),
            side_effect_receipts: items("side_effect_receipts").len(),
            human_approval_receipts: items("human_approval_receipts").len(),
            attestations: attestations.len(),
        },
        envelope,
        receipts,
        attestations,
    }
}

/// A gateway receipt file of a sealed bundle.
pub(super) fn receipt_facts(v: &Value, path: &str, signers: &mut Signers) -> ReceiptFacts {
    let facts = read_receipt(v, path.to_string(), None);
    signers.add(facts.envelope.signer_did.as_deref(), "gateway", path);
    facts
}

fn read_receipt(r: &Value, label: String, jss_payload_hash: Option<String>) -> ReceiptFacts {
    // The binding fields as verification reads them (`span_id|spanId` and the like).
    let info = describe_receipt_with_jcs(r, String::new());
    let at = |k: &str| text_at(r, &["payload", k]);
    ReceiptFacts {
        label,
        envelope: EnvelopeFacts::read(r, PayloadRecipe::Jss, jss_payload_hash),
        receipt_id: at("receipt_id"),
        gateway_id: at("gateway_id"),
        provider: at("provider"),
        model: at("model"),
        timestamp: at("timestamp"),
        run_id: info.run_id,
        event_hash_b64u: info.event_hash_b64u,
        nonce: info.nonce,
        policy_hash: info.policy_hash,
        token_scope_hash_b64u: info.token_scope_hash_b64u,
        tokens_input: uint_at(r, "tokens_input"),
        tokens_output: uint_at(r, "tokens_output"),
        latency_ms: uint_at(r, "latency_ms"),
    }
}

/// `payload.KEY` when it is an integer from 0 to 2^53.
fn uint_at(r: &Value, key: &str) -> Option<u64> {
    r.get("payload")?.get(key)?.as_u64()
}
