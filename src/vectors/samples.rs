//! `testvectors/samples/`: sealed rotation runs for the README's quick start, so that one
//! command verifies the Clawsig samples and sealed rotation runs together and writes the
//! audit site. Each is a shipped rotation fixture (`testvectors/rotation/<name>/`) sealed as
//! `simulate rotation --seal-key` seals it (bundle id `<job_id>-simulation`, created at the
//! last event), by the sample sealer the rotation trust file lists.

use super::rotation::vectors;
use super::{Suite, VectorEntry};
use crate::reason::ReasonCode;
use crate::report::Kind;

/// The fixtures sealed: a complete run and one halted safely after a partial rollout.
const SEALED: [&str; 2] = ["complete", "halted-safe-partial-rollout"];

pub fn suite() -> Result<Suite, String> {
    let mut suite = Suite::default();
    let keys = super::audit_sample::SampleKeys::new();
    for vector in vectors()?.into_iter().filter(|v| SEALED.contains(&v.name)) {
        let files = vector.run.files()?;
        let zip = crate::produce::seal::seal_rotation_simulation(&files, &[], &keys.sealer)?;
        let path = format!("samples/rotation-{}.audit.zip", vector.name);
        suite.file(&path, zip);
        suite.entries.push(VectorEntry::new(
            &format!("samples-rotation-{}", vector.name),
            Kind::AuditBundle,
            &path,
            super::rotation_sample::VERIFY_AT,
            Some(super::rotation::TRUST_PATH),
            ReasonCode::Ok,
        ));
    }
    Ok(suite)
}
