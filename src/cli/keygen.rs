//! `clawaudit keygen -o KEY.json`

use std::path::PathBuf;

use clap::Args;

use super::{usage_error, EXIT_PASS};

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  clawaudit keygen -o issuer.key.json\n  \
clawaudit keygen --out alice.key.json\n\n\
The file is created with mode 0600 and never overwritten; only the DID is printed.")]
pub struct KeygenArgs {
    /// Where to write the new key file.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
}

pub fn run(args: KeygenArgs) -> u8 {
    let signer = clawaudit::produce::keys::generate();
    match super::produce::write_key_file(&args.out, &signer) {
        Ok(()) => {
            println!("{}", signer.did());
            EXIT_PASS
        }
        Err(e) => usage_error(e),
    }
}
