//! The order-free hashing of a proof bundle, done once before the ordered checks read the
//! results: the JSS SHA-256 of the whole payload and, for every gateway receipt, the JSS
//! SHA-256 and the JCS of its payload.
//!
//! A receipt's payload JSS is a slice of the payload's JSS, so each receipt is serialized once
//! and its hash is taken from that slice. The payload text streams through one small buffer
//! into the hasher (a megabyte-sized string would cost as much in fresh pages as in writing);
//! the JCS texts, which are kept, are computed separately, in parallel when there are many.

use sha2::{Digest, Sha256};

use super::gateway_receipts::ReceiptDigests;
use super::payload::{is_legacy_raw_receipt, normalized_receipts};
use crate::crypto::{b64u_encode, sha256_b64u};
use crate::json::{jcs, jss, Value};

/// Buffered JSS text is handed to the hasher once it reaches this size.
const FLUSH_AT: usize = 32 * 1024;

/// What the ordered checks need from the hashing pass.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BundleDigests {
    /// `sha256_b64u(JSS(payload))`.
    pub payload_hash: String,
    /// One entry per `payload::normalized_receipts(payload)` item, in the same order.
    pub receipts: Vec<ReceiptDigests>,
}

/// The JSS hashes: of the payload, and of each normalized receipt's payload (empty for a
/// receipt without one).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JssHashes {
    pub payload: String,
    pub receipts: Vec<String>,
}

/// All digests, on this thread.
pub fn compute(payload: &Value) -> BundleDigests {
    let hashes = jss_hashes(payload);
    let receipts = normalized_receipts(payload)
        .into_iter()
        .zip(hashes.receipts)
        .map(|(r, jss_hash)| ReceiptDigests {
            jss_hash,
            jcs: receipt_jcs(r),
        })
        .collect();
    BundleDigests {
        payload_hash: hashes.payload,
        receipts,
    }
}

/// JCS of a receipt's payload (empty without one), as `ReceiptDigests::jcs`.
pub fn receipt_jcs(receipt: &Value) -> String {
    receipt.get("payload").map(jcs::to_string).unwrap_or_default()
}

/// Streams the payload's JSS through the hasher, hashing each receipt payload's slice.
pub fn jss_hashes(payload: &Value) -> JssHashes {
    let Some(object) = payload.as_object() else {
        return JssHashes {
            payload: sha256_b64u(jss::to_string(payload).as_bytes()),
            receipts: Vec::new(),
        };
    };
    let mut stream = Stream {
        hasher: Sha256::new(),
        buf: String::with_capacity(2 * FLUSH_AT),
    };
    let mut receipts = Vec::new();
    stream.buf.push('{');
    let mut first = true;
    jss::for_each_member(object, |key, value| {
        if !first {
            stream.buf.push(',');
        }
        first = false;
        jss::write_str(key, &mut stream.buf);
        stream.buf.push(':');
        match value.as_array() {
            Some(items) => {
                stream.buf.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        stream.buf.push(',');
                    }
                    let receipt = key == "receipts" && !is_legacy_raw_receipt(item);
                    match item.as_object() {
                        Some(o) if receipt => {
                            let span = jss::write_object_marking(o, "payload", &mut stream.buf);
                            let text = span.and_then(|s| stream.buf.get(s));
                            receipts.push(text.map(|t| sha256_b64u(t.as_bytes())).unwrap_or_default());
                        }
                        _ => {
                            jss::write(item, &mut stream.buf);
                            if receipt {
                                // Not an object: no payload (the schema refuses it anyway).
                                receipts.push(String::new());
                            }
                        }
                    }
                    stream.flush_if_full();
                }
                stream.buf.push(']');
            }
            None => jss::write(value, &mut stream.buf),
        }
        stream.flush_if_full();
    });
    stream.buf.push('}');
    stream.hasher.update(stream.buf.as_bytes());
    JssHashes {
        payload: b64u_encode(&stream.hasher.finalize()),
        receipts,
    }
}

struct Stream {
    hasher: Sha256,
    buf: String,
}

impl Stream {
    fn flush_if_full(&mut self) {
        if self.buf.len() >= FLUSH_AT {
            self.hasher.update(self.buf.as_bytes());
            self.buf.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clawsig::gateway_receipts::digests;
    use crate::json::parse_str;

    /// The straightforward computation this pass replaces.
    fn expected(payload: &Value) -> BundleDigests {
        BundleDigests {
            payload_hash: sha256_b64u(jss::to_string(payload).as_bytes()),
            receipts: normalized_receipts(payload).into_iter().map(digests).collect(),
        }
    }

    fn receipt(i: usize) -> String {
        format!(
            r#"{{"envelope_type":"gateway_receipt","3":[{i}],"payload":{{"receipt_id":"r{i}","b":"x\"y","1":null,"a":{i}.5}},"signer_did":"did:key:z"}}"#
        )
    }

    #[test]
    fn matches_serializing_everything_separately() {
        for n in [0usize, 1, 3, 63, 64, 65, 200, 700] {
            let mut items: Vec<String> = (0..n).map(receipt).collect();
            if n > 2 {
                // A legacy raw receipt, a receipt without payload and a non-object.
                items[1] = r#"{"receipt_type":"raw","payload":{"z":1}}"#.to_string();
                items[2] = r#"{"envelope_type":"gateway_receipt"}"#.to_string();
                items.push("7".to_string());
            }
            let events: Vec<String> = (0..n).map(|i| format!(r#"{{"event_id":"e{i}","0":true}}"#)).collect();
            let text = format!(
                r#"{{"bundle_version":"1","5":"index key first","event_chain":[{}],"receipts":[{}],"agent_did":"did:key:z"}}"#,
                events.join(","),
                items.join(",")
            );
            let payload = parse_str(&text).unwrap();
            assert_eq!(compute(&payload), expected(&payload), "n = {n}");
        }
    }

    #[test]
    fn odd_payloads() {
        for text in [r#"[1,2]"#, r#""s""#, r#"{}"#, r#"{"receipts":5}"#, r#"{"receipts":[]}"#] {
            let payload = parse_str(text).unwrap();
            assert_eq!(compute(&payload), expected(&payload), "{text}");
        }
    }
}
