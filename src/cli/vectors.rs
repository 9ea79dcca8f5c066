//! `clawaudit vectors generate|check`

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::{usage_error, EXIT_FAIL, EXIT_PASS};

#[derive(Subcommand, Debug)]
pub enum VectorsCommand {
    /// Write the test vectors (files and manifest.json) below DIR.
    Generate {
        #[arg(long, default_value = "testvectors")]
        dir: PathBuf,
    },
    /// Check that DIR equals a fresh generation byte for byte and that every vector gets its
    /// expected status and reason code.
    Check {
        #[arg(long, default_value = "testvectors")]
        dir: PathBuf,
    },
}

pub fn run(cmd: VectorsCommand) -> u8 {
    match cmd {
        VectorsCommand::Generate { dir } => match generate(&dir) {
            Ok(n) => {
                println!("wrote {n} files below {}", dir.display());
                EXIT_PASS
            }
            Err(e) => usage_error(e),
        },
        VectorsCommand::Check { dir } => match clawaudit::vectors::check(&|rel: &str| {
            std::fs::read(dir.join(rel)).map_err(|e| format!("{rel}: {e}"))
        }) {
            Ok(outcome) => {
                for p in &outcome.problems {
                    println!("FAIL {p}");
                }
                println!(
                    "{} files compared, {} vectors verified: {} problem(s)",
                    outcome.files_compared,
                    outcome.vectors_checked,
                    outcome.problems.len()
                );
                if outcome.problems.is_empty() {
                    EXIT_PASS
                } else {
                    EXIT_FAIL
                }
            }
            Err(e) => usage_error(e),
        },
    }
}

/// Write the suite below `dir`.
fn generate(dir: &Path) -> Result<usize, String> {
    let files = clawaudit::vectors::build()?;
    for f in &files {
        let target = dir.join(&f.path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&target, &f.bytes).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    Ok(files.len())
}
