//! Speed of sealed audit bundles at scale (spec 20): a valid bundle of 10 000 artifacts.
//!
//!   cargo bench --bench audit
//!   RAYON_NUM_THREADS=1 cargo bench --bench audit     # the one-core figure
//!
//! The bundle is the fixed-seed sample (policy, pinned token, two-person gate with its plan
//! and approvals, a bound receipt, proof bundle, trust pulse, one attachment) plus 1 000
//! more bound gateway receipts and 8 991 more attachments, sealed in memory by the sealer.
//! Groups: `audit_bundle/seal_10000`, `audit_bundle/verify_10000` (from the archive's bytes:
//! ZIP checks, checkpoint, manifest, Merkle root, policy, token, gates, 1 001 receipt
//! signatures, proof bundle), `inclusion_proof/prove_10000` (read the archive, build the
//! audit path of one entry) and `inclusion_proof/verify` (checkpoint signature, RFC 9162
//! path and the artifact's hash).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a benchmark: failing loudly on bad setup is the point

use std::time::Duration;

use clawaudit::audit::container::ContainerLimits;
use clawaudit::audit::prove::verify_subject as verify_proof;
use clawaudit::audit::verify::verify_audit_bundle;
use clawaudit::context::VerifyContext;
use clawaudit::produce::prove::build_proof;
use clawaudit::produce::seal::seal_entries;
use clawaudit::reason::ReasonCode;
use clawaudit::report::{CheckStatus, Status};
use clawaudit::timeutil::parse_rfc3339;
use clawaudit::vectors::audit_sample::{self, SampleKeys};
use clawaudit::vectors::audit_scenario::bulk_artifacts;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// The binary's allocator (src/main.rs), so these figures are the ones `clawaudit` gets.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ARTIFACTS: usize = 10_000;
const EXTRA_RECEIPTS: usize = 1_000;
const PROVEN: &str = "artifacts/attachments/bulk/05000.txt";

fn ctx(keys: &SampleKeys) -> VerifyContext {
    VerifyContext::new(parse_rfc3339(audit_sample::VERIFY_AT).unwrap(), keys.trust())
}

fn audit(c: &mut Criterion) {
    let keys = SampleKeys::new();
    let files = bulk_artifacts(ARTIFACTS, EXTRA_RECEIPTS).expect("the sample's artifacts");
    assert_eq!(files.len(), ARTIFACTS);
    let options = audit_sample::options(&keys);
    let bundle = seal_entries(&files, &keys.sealer, &options).expect("sealing 10 000 artifacts");
    let ctx = ctx(&keys);

    let report = verify_audit_bundle("bench.audit.zip", &bundle, &ctx);
    let fails: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Fail)
        .map(|c| format!("{} {}", c.reason_code, c.detail))
        .collect();
    assert_eq!(report.status, Status::Pass, "{}\n{fails:#?}", report.reason);
    assert_eq!(report.facts.counts.tree_size, Some(ARTIFACTS as u64));
    println!("bundle: {ARTIFACTS} artifacts, {} bytes sealed", bundle.len());

    let mut group = c.benchmark_group("audit_bundle");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(ARTIFACTS as u64));
    group.bench_function("seal_10000", |b| {
        b.iter(|| seal_entries(&files, &keys.sealer, &options))
    });
    group.bench_function("verify_10000", |b| {
        b.iter(|| verify_audit_bundle("bench.audit.zip", &bundle, &ctx))
    });
    group.finish();

    let limits = ContainerLimits::default();
    let proof = build_proof(&bundle, PROVEN, &limits).expect("a proof of one attachment");
    let artifact = files.iter().find(|(p, _)| p == PROVEN).map(|(_, b)| b.clone()).unwrap();
    let r = verify_proof("bench.proof.json", &proof, Some(&artifact), &ctx);
    assert_eq!(r.reason_code, ReasonCode::Ok, "{}", r.reason);

    let mut group = c.benchmark_group("inclusion_proof");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("prove_10000", |b| b.iter(|| build_proof(&bundle, PROVEN, &limits)));
    group.bench_function("verify", |b| {
        b.iter(|| verify_proof("bench.proof.json", &proof, Some(&artifact), &ctx))
    });
    group.finish();
}

criterion_group!(benches, audit);
criterion_main!(benches);
