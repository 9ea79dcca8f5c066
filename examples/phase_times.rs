//! In-process timings of the phases of proof-bundle verification (min and median of N runs),
//! to see where the time of a `clawaudit verify` goes without process start-up and exit:
//!
//!   cargo run --release --example sample_bundle -- 1000 /tmp/s1000
//!   cargo run --release --example phase_times -- /tmp/s1000/bundle.json /tmp/s1000/config.json 30
//!
//! `RAYON_NUM_THREADS=1` gives single-thread (CPU) costs. The pieces of the pre-pass are timed
//! one by one on one already parsed bundle.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // an example: failing loudly on bad setup is the point

use std::time::{Duration, Instant};

use clawaudit::clawsig::gateway_receipts::{self, SchemaCheck};
use clawaudit::clawsig::proof_bundle::{verify_proof_bundle, ProofBundleOptions};
use clawaudit::clawsig::{bundle_digests, event_chain, payload};
use clawaudit::context::VerifyContext;
use clawaudit::crypto::{b64u_decode, parse_did_key, SignatureBatch};
use clawaudit::json::{self, Value};
use clawaudit::timeutil::parse_rfc3339;
use clawaudit::trust::Trust;

#[derive(Default)]
struct Timings(Vec<(&'static str, Vec<Duration>)>);

impl Timings {
    fn time<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        let elapsed = start.elapsed();
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(elapsed),
            None => self.0.push((name, vec![elapsed])),
        }
        out
    }

    fn print(self) {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        for (name, mut v) in self.0 {
            v.sort();
            let (min, median) = (v.first().copied(), v.get(v.len() / 2).copied());
            if let (Some(min), Some(median)) = (min, median) {
                println!("{name:<28} min {:7.3} ms   median {:7.3} ms", ms(min), ms(median));
            }
        }
    }
}

/// The bundle's own signatures (envelope and gateway receipts) as one batch.
fn signature_batch(bundle: &Value) -> Result<SignatureBatch, String> {
    let mut batch = SignatureBatch::new();
    let mut push = |e: &Value| -> Result<(), String> {
        let text = |k: &str| e.get(k).and_then(Value::as_str).ok_or(format!("no {k}"));
        let key = parse_did_key(text("signer_did")?).map_err(|e| e.to_string())?;
        let sig = b64u_decode(text("signature_b64u")?).map_err(|e| e.to_string())?;
        batch.push(key, text("payload_hash_b64u")?.as_bytes().to_vec(), sig);
        Ok(())
    };
    push(bundle)?;
    let receipts = bundle
        .get("payload")
        .and_then(|p| p.get("receipts"))
        .and_then(Value::as_array);
    for r in receipts.into_iter().flatten() {
        push(r)?;
    }
    Ok(batch)
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(bundle_path), Some(config_path)) = (args.get(1), args.get(2)) else {
        return Err("usage: phase_times BUNDLE.json CONFIG.json [RUNS]".into());
    };
    let runs: usize = args
        .get(3)
        .map_or(Ok(20), |s| s.parse())
        .map_err(|e| format!("RUNS: {e}"))?;
    let bytes = std::fs::read(bundle_path).map_err(|e| e.to_string())?;
    let trust =
        Trust::from_bytes(&std::fs::read(config_path).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let at = parse_rfc3339("2026-03-02T00:00:00Z").ok_or("bad time")?;
    let ctx = VerifyContext::new(at, trust);
    let opts = ProofBundleOptions {
        strict_receipts: true,
        ..Default::default()
    };

    let mut t = Timings::default();
    for _ in 0..runs {
        let v = t
            .time("parse", || json::parse(&bytes, &ctx.limits.json))
            .map_err(|e| e.to_string())?;
        let out = t.time("verify_proof_bundle", || verify_proof_bundle(&v, &ctx, &opts));
        if let Some(f) = out.failure {
            return Err(format!("the bundle does not verify: {}", f.detail));
        }
        let batch = signature_batch(&v)?;
        let results = t.time("signature batch alone", || batch.verify());
        if !results.iter().all(|ok| *ok) {
            return Err("a signature does not verify".into());
        }
        t.time("drop parsed value", || drop(v));
    }

    let v = json::parse(&bytes, &ctx.limits.json).map_err(|e| e.to_string())?;
    let p = v.get("payload").ok_or("no payload")?;
    let receipts = payload::normalized_receipts(p);
    for _ in 0..runs {
        let view = t.time("payload schema", || payload::check_payload_schema(p));
        let view = view.map_err(|e| e.to_string())?;
        t.time("structure", || payload::check_structure(p, &view).is_ok());
        let hashes = t.time("jss hashes (stream)", || bundle_digests::jss_hashes(p));
        let jcs: Vec<String> = t.time("receipt jcs", || {
            receipts.iter().map(|r| bundle_digests::receipt_jcs(r)).collect()
        });
        t.time("receipt fields", || {
            receipts
                .iter()
                .zip(&hashes.receipts)
                .enumerate()
                .filter(|(i, (r, h))| {
                    let label = format!("gateway receipt receipts[{i}]");
                    gateway_receipts::check_receipt_fields(r, h, &ctx, SchemaCheck::AlreadyPassed, &label).is_ok()
                })
                .count()
        });
        t.time("describe receipts", || {
            receipts
                .iter()
                .zip(jcs)
                .map(|(r, j)| gateway_receipts::describe_receipt_with_jcs(r, j))
                .collect::<Vec<_>>()
        });
        t.time("event chain", || event_chain::verify_event_chain(p).is_ok());
    }
    println!("{} bytes, {} threads", bytes.len(), rayon::current_num_threads());
    t.print();
    Ok(())
}
