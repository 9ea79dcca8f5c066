//! Clawsig vectors (`testvectors/clawsig/`): sample proof bundles and commit signatures made
//! by our producer from fixed seeds. `valid/` holds bundles that must PASS; `invalid/` holds one
//! bundle per strictness rule (and a few classic faults), each differing from a valid bundle by
//! one fault and re-signed where needed so the intended check is the one that fails.

use super::{Suite, VectorEntry};
use crate::clawsig::producer::sign_envelope;
use crate::crypto::{b64, b64u_encode, did_key_from_public, sha256_b64u};
use crate::json::{jcs, jss, pretty, Object, Value};
use crate::reason::ReasonCode;
use crate::report::Kind;
use crate::vectors::clawsig_sample::SampleBundle;

/// Verification time of every Clawsig vector.
pub const AT: &str = "2026-03-02T00:00:00Z";
/// The Clawsig config trusting the sample gateway, relative to testvectors/.
pub const TRUST: &str = "trust/clawsig-config.json";

fn text(v: &Value) -> Vec<u8> {
    pretty::to_string_pretty(v).into_bytes()
}

fn obj_mut<'a>(v: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    v.as_object_mut()?.get_mut(key)
}

struct Builder {
    suite: Suite,
}

impl Builder {
    fn add(&mut self, name: &str, kind: Kind, path: &str, bytes: Vec<u8>, code: ReasonCode) {
        let trust = (kind == Kind::ProofBundle).then_some(TRUST);
        self.suite.file(path, bytes);
        self.suite
            .entries
            .push(VectorEntry::new(name, kind, path, AT, trust, code));
    }
}

pub fn suite() -> Result<Suite, String> {
    let mut b = Builder {
        suite: Suite::default(),
    };
    let sample = SampleBundle::new(3, 3);
    b.suite.file(TRUST, text(&sample.clawsig_config()));

    // Valid bundles.
    b.add(
        "clawsig.proof_bundle.minimal",
        Kind::ProofBundle,
        "clawsig/valid/proof-bundle-minimal.json",
        text(&SampleBundle::new(1, 1).build()),
        ReasonCode::Ok,
    );
    b.add(
        "clawsig.proof_bundle.ten_receipts",
        Kind::ProofBundle,
        "clawsig/valid/proof-bundle-10-receipts.json",
        text(&SampleBundle::new(10, 10).build()),
        ReasonCode::Ok,
    );
    b.add(
        "clawsig.proof_bundle.js_sensitive_payload",
        Kind::ProofBundle,
        "clawsig/valid/proof-bundle-js-sensitive.json",
        js_sensitive_bundle()?,
        ReasonCode::Ok,
    );
    b.add(
        "clawsig.commit_sig.valid",
        Kind::CommitSig,
        "clawsig/valid/commit-sig.json",
        text(&commit_sig(false)),
        ReasonCode::Ok,
    );

    // Strictness rules beyond the reference verifier.
    let mut bare = Value::Object(sample.payload());
    b.add(
        "clawsig.strict.bare_payload",
        Kind::ProofBundle,
        "clawsig/invalid/bare-payload.json",
        text(&bare),
        ReasonCode::MalformedEnvelope,
    );
    b.add(
        "clawsig.strict.small_order_signer",
        Kind::ProofBundle,
        "clawsig/invalid/small-order-signer.json",
        text(&small_order_signer(&sample, &mut bare)),
        ReasonCode::SignatureInvalid,
    );
    b.add(
        "clawsig.strict.duplicate_receipt_id",
        Kind::ProofBundle,
        "clawsig/invalid/duplicate-receipt-id.json",
        text(&with_receipts(&sample, |receipts, _| {
            if let Some(first) = receipts.first().cloned() {
                receipts.push(first);
            }
        })),
        ReasonCode::ReceiptReplay,
    );
    b.add(
        "clawsig.strict.duplicate_nonce",
        Kind::ProofBundle,
        "clawsig/invalid/duplicate-nonce.json",
        text(&with_receipts(&sample, |receipts, hashes| {
            // A fourth receipt, new id, reusing receipt 0's nonce.
            let mut p = sample.receipt_payload(3, hashes.first().map(String::as_str).unwrap_or(""));
            if let Some(binding) = p.get_mut("binding").and_then(Value::as_object_mut) {
                binding.insert("nonce", Value::from("nonce_0000"));
            }
            receipts.push(sign_envelope(
                &sample.gateway,
                "gateway_receipt",
                Value::Object(p),
                "2026-03-01T00:00:03.600Z",
                None,
            ));
        })),
        ReasonCode::ReceiptReplay,
    );
    b.add(
        "clawsig.strict.unbound_receipt_bad_signature",
        Kind::ProofBundle,
        "clawsig/invalid/unbound-receipt-bad-signature.json",
        text(&with_receipts(&sample, |receipts, _| {
            let mut p = sample.receipt_payload(3, "");
            p.remove("binding");
            let mut r = sign_envelope(
                &sample.gateway,
                "gateway_receipt",
                Value::Object(p),
                "2026-03-01T00:00:03.600Z",
                None,
            );
            // Sign something else: the signature is well-formed but wrong.
            let wrong = b64u_encode(&sample.gateway.sign(b"not the payload hash"));
            if let Some(o) = r.as_object_mut() {
                o.insert("signature_b64u", Value::from(wrong));
            }
            receipts.push(r);
        })),
        ReasonCode::ReceiptVerificationFailed,
    );
    b.add(
        "clawsig.strict.untrusted_gateway",
        Kind::ProofBundle,
        "clawsig/invalid/untrusted-gateway.json",
        text(&{
            let mut s = sample.clone();
            s.gateway = crate::vectors::testkit::label_signer("untrusted-gateway");
            s.build()
        }),
        ReasonCode::ReceiptVerificationFailed,
    );
    b.add(
        "clawsig.strict.duplicate_json_key",
        Kind::ProofBundle,
        "clawsig/invalid/duplicate-json-key.json",
        duplicate_key_bundle(&sample),
        ReasonCode::MalformedJson,
    );
    b.add(
        "clawsig.strict.number_overflow",
        Kind::ProofBundle,
        "clawsig/invalid/number-overflow.json",
        overflow_bundle(&sample),
        ReasonCode::MalformedJson,
    );
    b.add(
        "clawsig.strict.non_canonical_base64url",
        Kind::ProofBundle,
        "clawsig/invalid/non-canonical-base64url.json",
        text(&{
            let mut v = sample.build();
            if let Some(Value::String(sig)) = obj_mut(&mut v, "signature_b64u") {
                *sig = set_trailing_bit(sig);
            }
            v
        }),
        ReasonCode::MalformedEnvelope,
    );

    // Classic faults, for completeness of the sample set.
    b.add(
        "clawsig.fault.tampered_payload",
        Kind::ProofBundle,
        "clawsig/invalid/tampered-payload.json",
        text(&{
            let mut v = sample.build();
            if let Some(p) = obj_mut(&mut v, "payload").and_then(Value::as_object_mut) {
                p.insert("bundle_id", Value::from("bundle_sample_tampered"));
            }
            v
        }),
        ReasonCode::HashMismatch,
    );
    b.add(
        "clawsig.fault.bad_signature",
        Kind::ProofBundle,
        "clawsig/invalid/bad-signature.json",
        text(&{
            let mut v = sample.build();
            let wrong = b64u_encode(&sample.agent.sign(b"something else"));
            if let Some(o) = v.as_object_mut() {
                o.insert("signature_b64u", Value::from(wrong));
            }
            v
        }),
        ReasonCode::SignatureInvalid,
    );
    b.add(
        "clawsig.fault.expired",
        Kind::ProofBundle,
        "clawsig/invalid/expired.json",
        text(&sign_envelope(
            &sample.agent,
            "proof_bundle",
            Value::Object(sample.payload()),
            &sample.issued_at(),
            Some("2026-03-01T12:00:00.000Z"),
        )),
        ReasonCode::ExpiredTtl,
    );
    b.add(
        "clawsig.fault.broken_chain_link",
        Kind::ProofBundle,
        "clawsig/invalid/broken-chain-link.json",
        text(&{
            let mut p = sample.payload();
            if let Some(Value::Array(events)) = p.get_mut("event_chain") {
                if let Some(e) = events.get_mut(1).and_then(Value::as_object_mut) {
                    e.insert("prev_hash_b64u", Value::from(sha256_b64u(b"another event")));
                }
            }
            sample.sign(p)
        }),
        ReasonCode::MalformedEnvelope,
    );
    b.add(
        "clawsig.fault.receipt_bound_to_unknown_event",
        Kind::ProofBundle,
        "clawsig/invalid/receipt-bound-to-unknown-event.json",
        text(&with_receipts(&sample, |receipts, _| {
            let unknown = sha256_b64u(b"an event that is not in the chain");
            if let Some(r) = receipts.get_mut(0) {
                *r = sample.receipt(0, &unknown);
            }
        })),
        ReasonCode::ReceiptBindingMismatch,
    );
    b.add(
        "clawsig.commit_sig.tampered",
        Kind::CommitSig,
        "clawsig/invalid/commit-sig-tampered.json",
        text(&commit_sig(true)),
        ReasonCode::SignatureInvalid,
    );
    Ok(b.suite)
}

/// The sample bundle with its receipts edited by `edit`, re-signed.
fn with_receipts(sample: &SampleBundle, edit: impl FnOnce(&mut Vec<Value>, &[String])) -> Value {
    let mut p = sample.payload();
    let (_, hashes) = sample.event_chain();
    if let Some(Value::Array(receipts)) = p.get_mut("receipts") {
        edit(receipts, &hashes);
    }
    sample.sign(p)
}

/// A bundle signed by the identity point (order 1): under a lenient verifier the signature
/// R = identity, S = 0 verifies for any message.
fn small_order_signer(sample: &SampleBundle, bare: &mut Value) -> Value {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let did = did_key_from_public(&identity);
    if let Some(o) = bare.as_object_mut() {
        o.insert("agent_did", Value::from(did.as_str()));
    }
    let hash = sha256_b64u(jss::to_string(bare).as_bytes());
    let mut forged = [0u8; 64];
    forged[0] = 1;
    let mut env = Object::new();
    env.insert("envelope_version", Value::from("1"));
    env.insert("envelope_type", Value::from("proof_bundle"));
    env.insert("payload", bare.clone());
    env.insert("payload_hash_b64u", Value::from(hash));
    env.insert("hash_algorithm", Value::from("SHA-256"));
    env.insert("signature_b64u", Value::from(b64u_encode(&forged)));
    env.insert("algorithm", Value::from("Ed25519"));
    env.insert("signer_did", Value::from(did));
    env.insert("issued_at", Value::from(sample.issued_at()));
    Value::Object(env)
}

/// Same bytes under a lenient decoder, but the last character carries a non-zero padding bit.
fn set_trailing_bit(sig: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bytes = sig.as_bytes().to_vec();
    if let Some(last) = bytes.last_mut() {
        if let Some(idx) = ALPHABET.iter().position(|c| c == last) {
            if let Some(c) = ALPHABET.get(idx | 1) {
                *last = *c;
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_default()
}

/// A correctly signed bundle whose metadata exercises every JavaScript-sensitive spelling:
/// integer-like keys out of order, U+2028, control characters, 1e21, -0 and 2^53 + 1. The
/// literals are written into the file as-is; the hash is over what JSON.parse makes of them.
fn js_sensitive_bundle() -> Result<Vec<u8>, String> {
    let sample = SampleBundle::new(2, 2);
    let mut meta = Object::new();
    meta.insert(
        "note",
        Value::from("line\u{2028}separator, bell \u{7}, tab \t, slash /"),
    );
    meta.insert("10", Value::from("ten"));
    meta.insert("2", Value::from("two"));
    meta.insert("4294967295", Value::from("not an array index"));
    meta.insert("big", Value::from("__LIT_1e21__"));
    meta.insert("neg_zero", Value::from("__LIT_-0__"));
    meta.insert("beyond_2_53", Value::from("__LIT_9007199254740993__"));
    meta.insert("small", Value::from("__LIT_1e-7__"));
    let literals = |s: String| {
        ["1e21", "-0", "9007199254740993", "1e-7"]
            .iter()
            .fold(s, |acc, lit| acc.replace(&format!("\"__LIT_{lit}__\""), lit))
    };
    let mut payload = sample.payload();
    payload.insert("metadata", Value::Object(meta));
    let payload = Value::Object(payload);
    // What a JavaScript verifier hashes: JSON.stringify(JSON.parse(file's payload)).
    let parsed = crate::json::parse_str(&literals(jss::to_string(&payload))).map_err(|e| e.to_string())?;
    let hash = sha256_b64u(jss::to_string(&parsed).as_bytes());
    let env = crate::clawsig::producer::envelope_with_hash(
        &sample.agent,
        "1",
        "proof_bundle",
        payload,
        hash,
        &sample.issued_at(),
        None,
    );
    Ok(literals(pretty::to_string_pretty(&env)).into_bytes())
}

/// A valid bundle whose file repeats a payload key (the reference would silently keep the last).
fn duplicate_key_bundle(sample: &SampleBundle) -> Vec<u8> {
    let text = pretty::to_string_pretty(&sample.build());
    let marker = "\"bundle_id\": \"bundle_sample_001\",";
    text.replacen(
        marker,
        &format!("{marker}\n    \"bundle_id\": \"bundle_sample_001\","),
        1,
    )
    .into_bytes()
}

/// A bundle with a number that overflows an IEEE double.
fn overflow_bundle(sample: &SampleBundle) -> Vec<u8> {
    let text = pretty::to_string_pretty(&sample.build());
    text.replacen("\"tokens_input\": 100,", "\"tokens_input\": 1e400,", 1)
        .into_bytes()
}

/// A Protocol M commit signature, optionally with the message changed after signing.
fn commit_sig(tamper: bool) -> Value {
    let signer = crate::vectors::testkit::label_signer("sample-committer");
    let mut o = Object::new();
    o.insert("version", Value::from("m1"));
    o.insert("type", Value::from("message_signature"));
    o.insert("algo", Value::from("ed25519"));
    o.insert("did", Value::from(signer.did()));
    o.insert(
        "message",
        Value::from("commit:0123456789abcdef0123456789abcdef01234567"),
    );
    o.insert("createdAt", Value::from("2026-03-01T10:00:00.000Z"));
    o.insert("signature", Value::from(""));
    let signed = jcs::to_string(&Value::Object(o.clone()));
    o.insert(
        "signature",
        Value::from(b64::b64std_encode(&signer.sign(signed.as_bytes()))),
    );
    if tamper {
        o.insert(
            "message",
            Value::from("commit:fedcba9876543210fedcba9876543210fedcba98"),
        );
    }
    Value::Object(o)
}
