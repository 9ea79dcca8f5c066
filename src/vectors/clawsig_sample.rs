//! Deterministic sample Clawsig proof bundles: the README example, our test vectors and the
//! benchmarks all build bundles here, from fixed seeds and fixed times.

use super::builders::llm_call_chain;
use crate::clawsig::producer::{sign_envelope, Signer};
use crate::crypto::sha256_b64u;
use crate::json::{Object, Value};
use crate::timeutil::{format_rfc3339, parse_rfc3339, Millis};

/// Shape of a sample bundle: `events` chained events and `receipts` gateway receipts, receipt
/// `i` bound to event `i % events`.
#[derive(Clone, Debug)]
pub struct SampleBundle {
    pub events: usize,
    pub receipts: usize,
    pub bundle_id: String,
    pub run_id: String,
    pub agent: Signer,
    pub gateway: Signer,
    /// Time of the first event.
    pub start: Millis,
    /// Optional `payload.metadata`.
    pub metadata: Option<Value>,
}

/// 2026-03-01T00:00:00Z, the time every sample starts at.
pub const SAMPLE_START: &str = "2026-03-01T00:00:00.000Z";

impl SampleBundle {
    pub fn new(events: usize, receipts: usize) -> SampleBundle {
        SampleBundle {
            events: events.max(1),
            receipts,
            bundle_id: "bundle_sample_001".to_string(),
            run_id: "run_sample_001".to_string(),
            agent: crate::vectors::testkit::label_signer("sample-agent"),
            gateway: crate::vectors::testkit::label_signer("sample-gateway"),
            start: parse_rfc3339(SAMPLE_START).unwrap_or(0),
            metadata: None,
        }
    }

    fn at(&self, offset_ms: i64) -> String {
        format_rfc3339(self.start.saturating_add(offset_ms))
    }

    /// The event chain, and each event's hash.
    pub fn event_chain(&self) -> (Vec<Value>, Vec<String>) {
        llm_call_chain(&self.run_id, self.events, |i| {
            (
                format!("evt_{i:04}"),
                self.at(i as i64 * 1000),
                sha256_b64u(format!("sample event payload {i}").as_bytes()),
            )
        })
    }

    /// The unsigned payload of gateway receipt `i`, bound to `event_hash`.
    pub fn receipt_payload(&self, i: usize, event_hash: &str) -> Object {
        let mut binding = Object::new();
        binding.insert("run_id", Value::from(self.run_id.as_str()));
        binding.insert("event_hash_b64u", Value::from(event_hash));
        binding.insert("nonce", Value::from(format!("nonce_{i:04}")));
        let mut p = Object::new();
        p.insert("receipt_version", Value::from("1"));
        p.insert("receipt_id", Value::from(format!("rcpt_{i:04}")));
        p.insert("gateway_id", Value::from("gw_sample"));
        p.insert("provider", Value::from("anthropic"));
        p.insert("model", Value::from("claude-sample"));
        p.insert(
            "request_hash_b64u",
            Value::from(sha256_b64u(format!("request {i}").as_bytes())),
        );
        p.insert(
            "response_hash_b64u",
            Value::from(sha256_b64u(format!("response {i}").as_bytes())),
        );
        p.insert("tokens_input", Value::from(100 + i as u64));
        p.insert("tokens_output", Value::from(200 + i as u64));
        p.insert("latency_ms", Value::from(250u64));
        p.insert("timestamp", Value::from(self.at(i as i64 * 1000 + 500)));
        p.insert("binding", Value::Object(binding));
        p
    }

    /// Gateway receipt `i` as a signed envelope.
    pub fn receipt(&self, i: usize, event_hash: &str) -> Value {
        let payload = self.receipt_payload(i, event_hash);
        sign_envelope(
            &self.gateway,
            "gateway_receipt",
            Value::Object(payload),
            &self.at(i as i64 * 1000 + 600),
            None,
        )
    }

    /// The unsigned proof-bundle payload.
    pub fn payload(&self) -> Object {
        let (events, hashes) = self.event_chain();
        let receipts: Vec<Value> = (0..self.receipts)
            .map(|i| {
                let hash = hashes.get(i % hashes.len().max(1)).map(String::as_str).unwrap_or("");
                self.receipt(i, hash)
            })
            .collect();
        let mut p = Object::new();
        p.insert("bundle_version", Value::from("1"));
        p.insert("bundle_id", Value::from(self.bundle_id.as_str()));
        p.insert("agent_did", Value::from(self.agent.did()));
        p.insert("event_chain", Value::Array(events));
        if !receipts.is_empty() {
            p.insert("receipts", Value::Array(receipts));
        }
        if let Some(m) = &self.metadata {
            p.insert("metadata", m.clone());
        }
        p
    }

    /// When the bundle envelope is issued: one second after the last event.
    pub fn issued_at(&self) -> String {
        self.at(self.events as i64 * 1000 + 1000)
    }

    /// Sign `payload` as this sample's agent.
    pub fn sign(&self, payload: Object) -> Value {
        sign_envelope(
            &self.agent,
            "proof_bundle",
            Value::Object(payload),
            &self.issued_at(),
            None,
        )
    }

    /// The signed proof bundle.
    pub fn build(&self) -> Value {
        self.sign(self.payload())
    }

    /// A Clawsig verifier config that trusts this sample's gateway.
    pub fn clawsig_config(&self) -> Value {
        let mut lists = Object::new();
        lists.insert(
            "gateway_receipt_signer_dids",
            Value::Array(vec![Value::from(self.gateway.did())]),
        );
        let mut c = Object::new();
        c.insert("config_version", Value::from("1"));
        c.insert("allowlists", Value::Object(lists));
        Value::Object(c)
    }
}
