//! Speed of proof-bundle verification and of the raw signature checks it is made of.
//!
//!   cargo bench --bench verify
//!
//! Groups: `proof_bundle/{1,100,1000}` (a signed bundle with N events and N bound gateway
//! receipts, verified from bytes, parsing included), `proof_bundle/refused_10000` (10 000
//! events and receipts, over the count limits: the cost of saying no), `directory/64_files`
//! (64 bundles of 10 receipts verified side by side, as `verify DIR` verifies each group it
//! reads; throughput in files per second; peak memory over 100 000 files is measured with the
//! `sample_bundle` example and `/usr/bin/time`, see the README) and
//! `ed25519/{single,batch}_1024`. After the criterion groups it prints the batch-versus-single
//! ratio measured in the same run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a benchmark: failing loudly on bad setup is the point

use std::time::{Duration, Instant};

use clawaudit::context::VerifyContext;
use clawaudit::crypto::{parse_did_key, verify_strict, SignatureBatch};
use clawaudit::json::pretty::to_string_pretty;
use clawaudit::reason::ReasonCode;
use clawaudit::report::{Kind, Status};
use clawaudit::timeutil::parse_rfc3339;
use clawaudit::trust::Trust;
use clawaudit::vectors::clawsig_sample::SampleBundle;
use clawaudit::verify::{verify_subject, Subject};
use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use rayon::prelude::*;

/// The binary's allocator (src/main.rs), so these figures are the ones `clawaudit` gets.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bundle_subject(n: usize) -> (Subject, VerifyContext) {
    let sample = SampleBundle::new(n, n);
    let bytes = to_string_pretty(&sample.build()).into_bytes();
    let config = to_string_pretty(&sample.clawsig_config()).into_bytes();
    let trust = Trust::from_bytes(&config).unwrap();
    let at = parse_rfc3339("2026-03-02T00:00:00Z").unwrap();
    let mut subject = Subject::new(format!("bundle-{n}.json"), bytes);
    subject.kind = Some(Kind::ProofBundle);
    (subject, VerifyContext::new(at, trust))
}

fn proof_bundles(c: &mut Criterion) {
    let mut group = c.benchmark_group("proof_bundle");
    group.sample_size(20).measurement_time(Duration::from_secs(4));
    for n in [1usize, 100, 1000] {
        let (subject, ctx) = bundle_subject(n);
        assert_eq!(
            verify_subject(&subject, &ctx).status,
            Status::Pass,
            "sample bundle {n} must pass"
        );
        group.throughput(Throughput::Bytes(subject.bytes.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| verify_subject(&subject, &ctx))
        });
    }
    let (subject, ctx) = bundle_subject(10_000);
    let refused = verify_subject(&subject, &ctx);
    assert_eq!(refused.status, Status::Fail);
    // The count limit of spec 10 §3.1, checked right after the envelope header.
    assert_eq!(refused.reason_code, ReasonCode::MalformedEnvelope, "{}", refused.reason);
    assert!(
        refused.reason.contains("more than the limit of 1000"),
        "{}",
        refused.reason
    );
    group.throughput(Throughput::Bytes(subject.bytes.len() as u64));
    group.bench_function("refused_10000", |b| b.iter(|| verify_subject(&subject, &ctx)));
    group.finish();
}

fn directory(c: &mut Criterion) {
    const FILES: usize = 64;
    let (one, ctx) = bundle_subject(10);
    let subjects: Vec<Subject> = (0..FILES)
        .map(|i| {
            let mut s = Subject::new(format!("many/{i:05}.json"), one.bytes.clone());
            s.kind = one.kind;
            s
        })
        .collect();
    assert!(subjects.iter().all(|s| verify_subject(s, &ctx).status == Status::Pass));
    let mut group = c.benchmark_group("directory");
    group.sample_size(20).measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(FILES as u64));
    group.bench_function("64_files", |b| {
        b.iter(|| subjects.par_iter().map(|s| verify_subject(s, &ctx)).collect::<Vec<_>>())
    });
    group.finish();
}

struct SigSet {
    keys: Vec<clawaudit::crypto::PublicKey>,
    messages: Vec<Vec<u8>>,
    sigs: Vec<Vec<u8>>,
}

fn signatures(n: usize) -> SigSet {
    let mut set = SigSet {
        keys: Vec::new(),
        messages: Vec::new(),
        sigs: Vec::new(),
    };
    for i in 0..n {
        let signer = clawaudit::vectors::testkit::label_signer(&format!("bench-{}", i % 16));
        let msg = format!("payload hash {i:043}").into_bytes();
        set.sigs.push(signer.sign(&msg).to_vec());
        set.keys.push(parse_did_key(signer.did()).unwrap());
        set.messages.push(msg);
    }
    set
}

fn single(set: &SigSet) -> bool {
    set.keys
        .iter()
        .zip(&set.messages)
        .zip(&set.sigs)
        .all(|((k, m), s)| verify_strict(k, m, s).is_ok())
}

fn batch(set: &SigSet) -> bool {
    let mut b = SignatureBatch::new();
    for ((k, m), s) in set.keys.iter().zip(&set.messages).zip(&set.sigs) {
        b.push(*k, m.clone(), s.clone());
    }
    b.verify().into_iter().all(|ok| ok)
}

fn raw_signatures(c: &mut Criterion) {
    let set = signatures(1024);
    let mut group = c.benchmark_group("ed25519");
    group.sample_size(10).measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(1024));
    group.bench_function("single_1024", |b| b.iter(|| assert!(single(&set))));
    group.bench_function("batch_1024", |b| b.iter(|| assert!(batch(&set))));
    group.finish();
}

/// Signatures per second of `f` over `set`, measured for about a second.
fn rate(set: &SigSet, f: fn(&SigSet) -> bool) -> f64 {
    let start = Instant::now();
    let mut rounds = 0u32;
    while start.elapsed() < Duration::from_secs(1) {
        assert!(f(set));
        rounds += 1;
    }
    f64::from(rounds) * set.keys.len() as f64 / start.elapsed().as_secs_f64()
}

criterion_group!(benches, proof_bundles, directory, raw_signatures);

fn main() {
    benches();
    criterion::Criterion::default().configure_from_args().final_summary();
    let set = signatures(1024);
    let single_rate = rate(&set, single);
    let batch_rate = rate(&set, batch);
    println!(
        "signature rate: single {single_rate:.0}/s, batch (1024, all cores) {batch_rate:.0}/s, ratio {:.2}x",
        batch_rate / single_rate
    );
}
