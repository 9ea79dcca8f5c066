//! The order-free hashing of a proof bundle, done once (in parallel when the bundle is large)
//! before the ordered checks read the results: the JSS SHA-256 of the whole payload and, for
//! every gateway receipt, the JSS SHA-256 and the JCS of its payload.
//!
//! A receipt's payload JSS is a slice of the payload's JSS, so each receipt is serialized once
//! and its hash is taken from that slice. The payload text is produced in pieces and hashed
//! piece by piece; it is never joined into one large string.

use std::ops::Range;

use rayon::prelude::*;

use super::gateway_receipts::ReceiptDigests;
use super::payload::is_legacy_raw_receipt;
use crate::crypto::{sha256_b64u, sha256_b64u_concat};
use crate::json::{jcs, jss, Value};

/// Arrays with at least this many items are serialized on the rayon pool.
const PARALLEL_ITEMS: usize = 64;
/// Items per parallel piece: small enough to share two cores with the signature batch.
const ITEMS_PER_PIECE: usize = 32;

/// What the ordered checks need from the hashing pass.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BundleDigests {
    /// `sha256_b64u(JSS(payload))`.
    pub payload_hash: String,
    /// One entry per `payload::normalized_receipts(payload)` item, in the same order.
    pub receipts: Vec<ReceiptDigests>,
}

/// Hash the payload and its gateway receipts.
pub fn compute(payload: &Value) -> BundleDigests {
    let Some(object) = payload.as_object() else {
        return BundleDigests {
            payload_hash: sha256_b64u(jss::to_string(payload).as_bytes()),
            receipts: Vec::new(),
        };
    };
    let mut pieces: Vec<String> = Vec::new();
    let mut receipts = Vec::new();
    let mut current = String::with_capacity(4096);
    current.push('{');
    let mut first = true;
    jss::for_each_member(object, |key, value| {
        if !first {
            current.push(',');
        }
        first = false;
        jss::write_str(key, &mut current);
        current.push(':');
        let is_receipts = key == "receipts";
        match value.as_array() {
            Some(items) if is_receipts || items.len() >= PARALLEL_ITEMS => {
                current.push('[');
                pieces.push(std::mem::take(&mut current));
                let written = write_items(items, is_receipts);
                for (text, digests) in written {
                    pieces.push(text);
                    receipts.extend(digests);
                }
                current.push(']');
            }
            _ => jss::write(value, &mut current),
        }
    });
    current.push('}');
    pieces.push(current);
    BundleDigests {
        payload_hash: sha256_b64u_concat(pieces.iter().map(|p| p.as_bytes())),
        receipts,
    }
}

/// The JSS of the array's items (comma-separated, without the brackets) in pieces, and for
/// the `receipts` array the digests of each receipt the verifier considers.
fn write_items(items: &[Value], receipts: bool) -> Vec<(String, Vec<ReceiptDigests>)> {
    let piece = |(n, chunk): (usize, &[Value])| {
        let mut out = String::with_capacity(chunk.len() * 512);
        let mut digests = Vec::new();
        for (i, item) in chunk.iter().enumerate() {
            if n > 0 || i > 0 {
                out.push(',');
            }
            match item.as_object() {
                Some(o) if receipts && !is_legacy_raw_receipt(item) => {
                    let span = jss::write_object_marking(o, "payload", &mut out);
                    digests.push(receipt_digests(item, &out, span));
                }
                _ => {
                    jss::write(item, &mut out);
                    if receipts && !is_legacy_raw_receipt(item) {
                        // Not an object: it has no payload (the schema refuses it anyway).
                        digests.push(ReceiptDigests::default());
                    }
                }
            }
        }
        (out, digests)
    };
    if items.len() >= PARALLEL_ITEMS {
        items.par_chunks(ITEMS_PER_PIECE).enumerate().map(piece).collect()
    } else {
        vec![piece((0, items))]
    }
}

/// A receipt's digests from the span of its payload in the text just written.
fn receipt_digests(receipt: &Value, text: &str, span: Option<Range<usize>>) -> ReceiptDigests {
    match (receipt.get("payload"), span.and_then(|s| text.get(s))) {
        (Some(p), Some(payload_jss)) => ReceiptDigests {
            jss_hash: sha256_b64u(payload_jss.as_bytes()),
            jcs: jcs::to_string(p),
        },
        _ => ReceiptDigests::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clawsig::gateway_receipts::digests;
    use crate::clawsig::payload::normalized_receipts;
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
        for n in [0usize, 1, 3, 63, 64, 65, 200] {
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
