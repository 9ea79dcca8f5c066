//! Write a sample Clawsig proof bundle with N events and N bound gateway receipts, plus the
//! Clawsig config that trusts its gateway, for timing whole `clawaudit verify` runs:
//!
//!   cargo run --release --example sample_bundle -- 1000 /tmp/sample
//!   target/release/clawaudit verify /tmp/sample/bundle.json --trust /tmp/sample/config.json --at 2026-03-02T00:00:00Z
//!
//! With a third argument COPIES it also fills DIR/many/ with that many hard links to the
//! bundle (`000000.json`, …), a directory of small bundles for the flat-memory measurement:
//!
//!   cargo run --release --example sample_bundle -- 10 /tmp/many 100000
//!   /usr/bin/time -f "%e s, %M KB" target/release/clawaudit verify /tmp/many/many --quiet \
//!       --trust /tmp/many/config.json --at 2026-03-02T00:00:00Z

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // an example: failing loudly on bad setup is the point

use clawaudit::json::pretty::to_string_pretty;
use clawaudit::vectors::clawsig_sample::SampleBundle;

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .unwrap_or_else(|| "1000".into())
        .parse()
        .map_err(|e| format!("N: {e}"))?;
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "sample".into()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let sample = SampleBundle::new(n, n);
    let bundle = to_string_pretty(&sample.build());
    std::fs::write(dir.join("bundle.json"), &bundle).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("config.json"), to_string_pretty(&sample.clawsig_config())).map_err(|e| e.to_string())?;
    println!(
        "wrote {} ({} bytes) and config.json",
        dir.join("bundle.json").display(),
        bundle.len()
    );
    if let Some(copies) = args.next() {
        let copies: usize = copies.parse().map_err(|e| format!("COPIES: {e}"))?;
        let many = dir.join("many");
        if many.exists() {
            std::fs::remove_dir_all(&many).map_err(|e| e.to_string())?;
        }
        std::fs::create_dir_all(&many).map_err(|e| e.to_string())?;
        // A file system caps the links to one file (ext4: 65 000): a new source every 50 000.
        for i in 0..copies {
            let source = many.join(format!("source-{}.bin", i / 50_000));
            if i % 50_000 == 0 {
                std::fs::copy(dir.join("bundle.json"), &source).map_err(|e| e.to_string())?;
            }
            std::fs::hard_link(&source, many.join(format!("{i:06}.json"))).map_err(|e| e.to_string())?;
        }
        println!("linked {copies} copies into {}", many.display());
    }
    Ok(())
}
