//! `vectors check` for a rotation fixture: the folder as read back is judged (outcome, first
//! violation code and seq as the manifest says), then sealed as `simulate --seal-key` seals
//! it and verified: the verdict must be the manifest's status and reason code.

use super::ReadFile;
use crate::context::VerifyContext;
use crate::report::Status;
use crate::rotation::fixture::FixtureFiles;
use crate::rotation::whatif::judge_with_faults;
use crate::timeutil::parse_rfc3339;
use crate::trust::Trust;

/// The files of the generated fixture `name`, as `read` returns them.
fn read_fixture(read: ReadFile<'_>, name: &str, dir: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    let vector = super::rotation::vectors()?
        .into_iter()
        .find(|v| v.name == name)
        .ok_or_else(|| format!("{name}: not a rotation fixture of this generator"))?;
    vector
        .run
        .files()?
        .into_iter()
        .map(|(path, _)| read(&format!("{dir}/{path}")).map(|bytes| (path, bytes)))
        .collect()
}

pub(super) fn check_rotation_vector(
    read: ReadFile<'_>,
    v: &serde_json::Value,
    name: &str,
    dir: &str,
) -> Result<(), String> {
    let text = |p: &str| v.pointer(p).and_then(|x| x.as_str()).unwrap_or("");
    let at = parse_rfc3339(text("/at")).ok_or(format!("{name}: bad at"))?;
    let trust = Trust::from_bytes(&read(text("/trust"))?).map_err(|e| format!("{name}: {e}"))?;
    let files = read_fixture(read, name, dir)?;
    let ctx = VerifyContext::new(at, trust);
    let j = judge_with_faults(&FixtureFiles::new(files.clone()), &ctx, &[], None)?;
    let got_first = j
        .first_violation()
        .map(|f| serde_json::json!({"code": f.code.as_str(), "seq": f.seq}));
    let want_first = v
        .pointer("/expected/first_violation")
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    if j.outcome.as_str() != text("/expected/outcome") || got_first.unwrap_or(serde_json::Value::Null) != want_first {
        return Err(format!(
            "{name}: expected {} {want_first}, the judge says {} {:?}",
            text("/expected/outcome"),
            j.outcome.as_str(),
            j.first_violation()
        ));
    }
    let keys = super::audit_sample::SampleKeys::new();
    let bundle = crate::produce::seal::seal_rotation_simulation(&files, &[], &keys.sealer)?;
    let report = crate::audit::verify::verify_audit_bundle(name, &bundle, &ctx);
    let status = if report.status == Status::Pass { "PASS" } else { "FAIL" };
    if status != text("/expected/status") || report.reason_code.as_str() != text("/expected/reason_code") {
        return Err(format!(
            "{name}: sealed, expected {} {}, verify says {status} {}",
            text("/expected/status"),
            text("/expected/reason_code"),
            report.reason_code
        ));
    }
    Ok(())
}
