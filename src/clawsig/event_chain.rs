//! The event chain of a proof bundle (§3.3): linkage (`MALFORMED_ENVELOPE`, as the reference
//! reports chain breaks) and the fixed-order JSS event hash (`HASH_MISMATCH`).

use std::collections::HashSet;

use rayon::prelude::*;

use crate::crypto::{b64, sha256_b64u};
use crate::json::{jss, Object, Value};
use crate::reason::ReasonCode;
use crate::report::Failure;
use crate::timeutil::parse_rfc3339;

/// What a verified chain gives the later checks.
#[derive(Clone, Debug, Default)]
pub struct VerifiedChain<'a> {
    pub run_id: Option<&'a str>,
    /// Event hashes in chain order.
    pub hashes: Vec<&'a str>,
    pub hash_set: HashSet<&'a str>,
}

impl VerifiedChain<'_> {
    pub fn root(&self) -> Option<&str> {
        self.hashes.first().copied()
    }
}

fn text<'a>(e: &'a Value, key: &str) -> Option<&'a str> {
    e.get(key).and_then(Value::as_str)
}

fn broken(i: usize, why: &str) -> Failure {
    Failure::new(
        "event_chain.linkage",
        ReasonCode::MalformedEnvelope,
        format!("event_chain[{i}] {why}"),
    )
    .at_path(format!("payload.event_chain[{i}]"))
}

/// The event header of §3.3 in its fixed key order.
pub fn event_header(e: &Value) -> Value {
    let mut h = Object::with_capacity(HEADER_KEYS.len());
    for key in HEADER_KEYS {
        h.insert(key, e.get(key).cloned().unwrap_or(Value::Null));
    }
    Value::Object(h)
}

/// The keys of the event header (§3.3), in the order they are hashed.
const HEADER_KEYS: [&str; 6] = [
    "event_id",
    "run_id",
    "event_type",
    "timestamp",
    "payload_hash_b64u",
    "prev_hash_b64u",
];

/// Event counts from which the header hashes are computed on the rayon pool.
const PARALLEL_EVENTS: usize = 64;

/// `sha256_b64u(JSS(event_header(e)))`, written straight from the event: the header's keys
/// are fixed and none is an array index, so JSS keeps them in this order.
fn header_hash(e: &Value) -> String {
    let mut out = String::with_capacity(256);
    out.push('{');
    for (i, key) in HEADER_KEYS.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        jss::write_str(key, &mut out);
        out.push(':');
        jss::write(e.get(key).unwrap_or(&Value::Null), &mut out);
    }
    out.push('}');
    sha256_b64u(out.as_bytes())
}

/// Verify linkage, then every event hash. An empty or absent chain gives `Ok(None)`.
pub fn verify_event_chain(payload: &Value) -> Result<Option<VerifiedChain<'_>>, Failure> {
    let Some(events) = payload.get("event_chain").and_then(Value::as_array) else {
        return Ok(None);
    };
    if events.is_empty() {
        return Ok(None);
    }
    let run_id = events.first().and_then(|e| text(e, "run_id"));
    let mut prev: Option<&str> = None;
    // The claimed event hashes, in chain order: the verified chain's hashes once they match.
    let mut hashes: Vec<&str> = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        for key in ["event_id", "run_id", "event_type"] {
            if !text(e, key).is_some_and(|s| !s.is_empty()) {
                return Err(broken(i, &format!("has no non-empty {key}")));
            }
        }
        if text(e, "run_id") != run_id {
            return Err(broken(i, "has a different run_id from the first event"));
        }
        if !text(e, "timestamp").is_some_and(|t| parse_rfc3339(t).is_some()) {
            return Err(broken(i, "has a timestamp that is not an RFC 3339 date-time"));
        }
        let b64u = |key: &str| {
            text(e, key)
                .filter(|s| b64::is_b64u_syntax(s, 8))
                .ok_or_else(|| broken(i, &format!("has a {key} that is not base64url")))
        };
        b64u("payload_hash_b64u")?;
        let hash = b64u("event_hash_b64u")?;
        let link = e.get("prev_hash_b64u");
        match prev {
            None => {
                let first_ok = matches!(link, None | Some(Value::Null)) || link.and_then(Value::as_str) == Some("");
                if !first_ok {
                    return Err(broken(i, "is the first event but has a prev_hash_b64u"));
                }
            }
            Some(p) => {
                if link.and_then(Value::as_str) != Some(p) {
                    return Err(broken(i, "does not link to the previous event's event_hash_b64u"));
                }
            }
        }
        prev = Some(hash);
        hashes.push(hash);
    }
    // Hash every header (in parallel when there are many), then compare in chain order so the
    // first mismatch reported is the one a sequential pass would find.
    let computed: Vec<String> = if events.len() >= PARALLEL_EVENTS {
        events.par_iter().map(header_hash).collect()
    } else {
        events.iter().map(header_hash).collect()
    };
    for (i, (computed, claimed)) in computed.iter().zip(&hashes).enumerate() {
        if computed != claimed {
            return Err(Failure::new(
                "event_chain.hash",
                ReasonCode::HashMismatch,
                format!("event_chain[{i}] hashes to {computed}, but event_hash_b64u says {claimed}"),
            )
            .at_path(format!("payload.event_chain[{i}]")));
        }
    }
    let hash_set = hashes.iter().copied().collect();
    Ok(Some(VerifiedChain {
        run_id,
        hashes,
        hash_set,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_str;

    #[test]
    fn direct_header_hash_equals_hashing_the_built_header() {
        // Missing keys, extra keys, index-like keys and escapes must not change the header.
        for text in [
            r#"{"event_id":"e","run_id":"r","event_type":"t","timestamp":"x","payload_hash_b64u":"p","prev_hash_b64u":null,"event_hash_b64u":"h"}"#,
            r#"{"0":1,"prev_hash_b64u":"a\"b","timestamp":2.5,"extra":[1],"event_id":{"1":null,"a":true}}"#,
            r#"{}"#,
        ] {
            let e = parse_str(text).unwrap();
            let expected = sha256_b64u(jss::to_string(&event_header(&e)).as_bytes());
            assert_eq!(header_hash(&e), expected, "{text}");
        }
    }

    #[test]
    fn reproduces_the_spec_example_hash() {
        // §3.3: the proof_bundle_pass header hashes to mo72_…
        let e = parse_str(
            r#"{"event_id":"evt_conformance_001","run_id":"run_conformance_001","event_type":"llm_call","timestamp":"2026-02-12T00:00:00.000Z","payload_hash_b64u":"ibhRTWt5gh47v4X1fAtBRKwEKCHZir1w-de3fNfCEu8","prev_hash_b64u":null,"event_hash_b64u":"mo72_ab1UHvxY2DERZG2Tn12KNl2e_NSUrVDEQ5-Jds"}"#,
        )
        .unwrap();
        let payload = Value::Object(
            [("event_chain".to_string(), Value::Array(vec![e]))]
                .into_iter()
                .collect(),
        );
        let chain = verify_event_chain(&payload).unwrap().unwrap();
        assert_eq!(chain.root(), Some("mo72_ab1UHvxY2DERZG2Tn12KNl2e_NSUrVDEQ5-Jds"));
        assert_eq!(chain.run_id, Some("run_conformance_001"));
    }
}
