//! Write a synthetic rotation fixture of N events (the runbook's run stretched with health
//! checks) to DIR, for measuring `clawaudit simulate rotation` and `verify` on long
//! timelines: `cargo run --release --example rotation_timeline -- 100000 /tmp/rot100k`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // an example: failing loudly on bad setup is the point

use clawaudit::vectors::rotation_sample::RotationRun;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let events: usize = args
        .get(1)
        .and_then(|n| n.parse().ok())
        .expect("usage: rotation_timeline N DIR");
    let dir = std::path::PathBuf::from(args.get(2).expect("usage: rotation_timeline N DIR"));
    let run = RotationRun::long_run(events.saturating_sub(22));
    for (path, bytes) in run.files().unwrap() {
        let target = dir.join(&path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, bytes).unwrap();
    }
    println!("wrote a fixture of {events} events to {}", dir.display());
}
