//! Write the sealed audit bundle of `benches/audit.rs` to disk, for whole-process timing:
//!
//!   cargo run --release --example sample_audit_bundle -- [TOTAL] [EXTRA_RECEIPTS] [DIR]
//!
//! defaults 10000, 1000, `sample-audit`. The bundle is `DIR/bulk.audit.zip`; it verifies with
//! `--trust testvectors/audit/trust.json --at 2026-02-18T00:01:00Z` (the sample's fixed keys).

#![allow(clippy::print_stdout)] // an example: printing what it wrote is its job

use clawaudit::vectors::audit_sample::{self, SampleKeys};
use clawaudit::vectors::audit_scenario::bulk_artifacts;

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut number = |default: usize| -> Result<usize, String> {
        args.next()
            .map_or(Ok(default), |a| a.parse().map_err(|e| format!("{a}: {e}")))
    };
    let total = number(10_000)?;
    let extra = number(1_000)?;
    let dir = std::path::PathBuf::from(std::env::args().nth(3).unwrap_or_else(|| "sample-audit".into()));
    let keys = SampleKeys::new();
    let files = bulk_artifacts(total, extra)?;
    let bundle = clawaudit::produce::seal::seal_entries(&files, &keys.sealer, &audit_sample::options(&keys))?;
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join("bulk.audit.zip");
    std::fs::write(&path, &bundle).map_err(|e| e.to_string())?;
    println!(
        "wrote {} ({} entries, {} bytes)",
        path.display(),
        files.len(),
        bundle.len()
    );
    Ok(())
}
