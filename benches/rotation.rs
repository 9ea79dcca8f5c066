//! The rotation judge on synthetic timelines (issue 8): the runbook's run stretched with
//! extra health checks to 10 000 and 100 000 events, judged without a step sink (as `verify`
//! judges) and with one (as `simulate` does, a state snapshot per event). Time should grow
//! linearly with the number of events.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a benchmark: failing loudly on bad setup is the point

use clawaudit::context::VerifyContext;
use clawaudit::rotation::fixture::FixtureFiles;
use clawaudit::rotation::model::{Outcome, StepRecord};
use clawaudit::rotation::whatif::{judge_with_faults, run_matrix};
use clawaudit::timeutil::parse_rfc3339;
use clawaudit::vectors::rotation_sample::{self as sample, RotationRun};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

fn judge(files: &FixtureFiles, ctx: &VerifyContext, with_steps: bool) -> Outcome {
    let mut n = 0u64;
    let mut sink = |_: StepRecord| n += 1;
    let sink: Option<&mut dyn FnMut(StepRecord)> = if with_steps { Some(&mut sink) } else { None };
    judge_with_faults(files, ctx, &[], sink).unwrap().outcome
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("rotation_judge");
    group.sample_size(10);
    for events in [10_000usize, 100_000] {
        let run = RotationRun::long_run(events - 22);
        let ctx = VerifyContext::new(parse_rfc3339(sample::VERIFY_AT).unwrap(), run.trust());
        let files = FixtureFiles::new(run.files().unwrap());
        assert_eq!(judge(&files, &ctx, false), Outcome::Complete);
        group.bench_with_input(BenchmarkId::new("verify", events), &files, |b, f| {
            b.iter(|| judge(f, &ctx, false))
        });
        group.bench_with_input(BenchmarkId::new("simulate_steps", events), &files, |b, f| {
            b.iter(|| judge(f, &ctx, true))
        });
    }
    group.finish();
    // spec 30 §5: a 3-phase run of ~50 events with its matrix, in well under a second.
    let run = RotationRun::long_run(28);
    let ctx = VerifyContext::new(parse_rfc3339(sample::VERIFY_AT).unwrap(), run.trust());
    let files = FixtureFiles::new(run.files().unwrap());
    c.bench_function("rotation_matrix_50_events", |b| {
        b.iter(|| run_matrix(&files, &ctx).len())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
