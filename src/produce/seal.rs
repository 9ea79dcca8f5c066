//! Sealing (spec 20 §3): manifest, Merkle root and signed checkpoint over a set of
//! artifacts, written as a reproducible ZIP.
//!
//! Reproducible means: entries in a fixed order (`checkpoint.json`, `manifest.json`, then the
//! artifacts by path), the DOS epoch (1980-01-01 00:00:00) as every timestamp, mode 0644,
//! deflate at one fixed level, no extra fields. Nothing about the files on disk (mtime,
//! permissions, location) reaches the archive, so the same inputs give the same bytes.
//!
//! The pieces are public so that a test-vector generator can assemble deliberately faulty
//! bundles (a tampered manifest, a re-signed checkpoint) with the same writer.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::audit::checkpoint::{parse_payload, payload_value, sign_checkpoint, CheckpointFields};
use crate::audit::container::{ContainerLimits, CHECKPOINT_NAME, MANIFEST_NAME};
use crate::audit::manifest::{
    build_manifest, kind_for_path, manifest_from_value, POLICY_PATH, ROTATION_SCENARIO_PATH, TOKEN_PATH,
};
use crate::audit::merkle;
use crate::audit::verify::verify_audit_bundle;
use crate::clawsig::producer::Signer;
use crate::context::VerifyContext;
use crate::crypto::{b64u_encode, sha256_b64u};
use crate::json::{self, jss, Value};
use crate::policy::{cst, wpc};
use crate::report::CheckStatus;
use crate::timeutil::{format_rfc3339, parse_rfc3339, secs_to_ms, Millis};
use crate::trust::{Trust, TrustEntry};

/// The deflate level every sealed bundle uses.
pub const DEFLATE_LEVEL: i64 = 6;

/// What the caller chooses about a checkpoint (the artifacts decide the rest).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SealOptions {
    pub job_id: String,
    pub run_id: Option<String>,
    pub agent_did: Option<String>,
    /// Default: derived from the job id and the Merkle root.
    pub bundle_id: Option<String>,
    /// RFC 3339; the CLI defaults it to the current time.
    pub created_at: String,
    pub expires_at: Option<String>,
}

/// The fixed ZIP options of every entry.
fn entry_options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(DEFLATE_LEVEL))
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644)
        .large_file(false)
}

/// Write `files` in the given order with the fixed options.
pub fn write_zip(files: &[(&str, &[u8])]) -> Result<Vec<u8>, String> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in files {
        w.start_file(*name, entry_options())
            .map_err(|e| format!("{name}: {e}"))?;
        w.write_all(bytes).map_err(|e| format!("{name}: {e}"))?;
    }
    let cursor = w.finish().map_err(|e| format!("finishing the archive: {e}"))?;
    Ok(cursor.into_inner())
}

/// The bytes a JSON document is stored as inside a bundle.
pub fn json_bytes(value: &Value) -> Vec<u8> {
    let mut text = jss::to_string(value);
    text.push('\n');
    text.into_bytes()
}

/// Assemble a bundle from ready-made parts: `checkpoint.json`, `manifest.json`, then the
/// artifacts sorted by path. No check is made here (vector generators rely on that).
pub fn assemble(checkpoint: &[u8], manifest: &[u8], artifacts: &[(String, Vec<u8>)]) -> Result<Vec<u8>, String> {
    let mut sorted: Vec<&(String, Vec<u8>)> = artifacts.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut files: Vec<(&str, &[u8])> = vec![(CHECKPOINT_NAME, checkpoint), (MANIFEST_NAME, manifest)];
    files.extend(sorted.iter().map(|(p, b)| (p.as_str(), b.as_slice())));
    write_zip(&files)
}

/// The checkpoint bindings the artifacts imply: the WPC hash (JCS of its payload) when a
/// policy is present, and the token scope hash (wire-format §4.2) when a token is.
pub fn bindings_for(artifacts: &[(String, Vec<u8>)]) -> Result<(Option<String>, Option<String>), String> {
    let find = |path: &str| artifacts.iter().find(|(p, _)| p == path).map(|(_, b)| b.as_slice());
    let policy = match find(POLICY_PATH) {
        Some(bytes) => {
            let value = json::parse(bytes, &json::ParseLimits::default()).map_err(|e| format!("{POLICY_PATH}: {e}"))?;
            Some(wpc::policy_hash_of_file(&value).map_err(|e| format!("{POLICY_PATH}: {e}"))?)
        }
        None => None,
    };
    let token = match find(TOKEN_PATH) {
        Some(bytes) => {
            let jws = cst::decode_compact(bytes).map_err(|e| format!("{TOKEN_PATH}: {e}"))?;
            Some(cst::token_scope_hash(&jws.claims).map_err(|e| format!("{TOKEN_PATH}: {e}"))?)
        }
        None => None,
    };
    Ok((policy, token))
}

/// The job a rotation fixture records (`artifacts/rotation/scenario.json`'s `job_id`, spec
/// 30 §1): what `seal` uses when no job id is given. An error when the artifacts have no
/// readable scenario.
pub fn job_id_from_scenario(artifacts: &[(String, Vec<u8>)]) -> Result<String, String> {
    let bytes = artifacts
        .iter()
        .find(|(p, _)| p == ROTATION_SCENARIO_PATH)
        .map(|(_, b)| b.as_slice())
        .ok_or_else(|| format!("no job id given, and there is no {ROTATION_SCENARIO_PATH} to read one from"))?;
    crate::rotation::fixture::parse_scenario(bytes, &json::ParseLimits::default())
        .map(|s| s.job_id)
        .map_err(|e| format!("no job id given, and the scenario cannot be read: {e}"))
}

/// Seal a rotation fixture as `simulate rotation --seal-key` does (spec 30 §5): job id from
/// the scenario, bundle id `<job_id>-simulation`, `created_at` the last event's time (so the
/// file is reproducible), and `attachments` (name, bytes) under
/// `artifacts/attachments/rotation-simulation/`. A violated run is sealed too: the bundle is
/// authentic evidence of what happened.
pub fn seal_rotation_simulation(
    artifacts: &[(String, Vec<u8>)],
    attachments: &[(&str, Vec<u8>)],
    signer: &Signer,
) -> Result<Vec<u8>, String> {
    let job_id = job_id_from_scenario(artifacts)?;
    let events = artifacts
        .iter()
        .find(|(p, _)| p == crate::audit::manifest::ROTATION_EVENTS_PATH)
        .map(|(_, b)| b.as_slice())
        .unwrap_or_default();
    let last = crate::rotation::judge::last_event_at(events)
        .ok_or("the timeline's last event has no readable time, so the simulation cannot be sealed reproducibly")?;
    let mut files: Vec<(String, Vec<u8>)> = artifacts
        .iter()
        .filter(|(p, _)| !p.starts_with("artifacts/attachments/rotation-simulation/"))
        .cloned()
        .collect();
    files.extend(attachments.iter().map(|(name, bytes)| {
        (
            format!("artifacts/attachments/rotation-simulation/{name}"),
            bytes.clone(),
        )
    }));
    let options = SealOptions {
        bundle_id: Some(format!("{job_id}-simulation")),
        job_id,
        run_id: None,
        agent_did: None,
        created_at: format_rfc3339(last),
        expires_at: None,
    };
    seal_entries(&files, signer, &options)
}

/// The default bundle id: a short digest of the job id and the root, so it is stable for
/// the same inputs and differs between runs with different artifacts.
pub fn default_bundle_id(job_id: &str, root: &merkle::Hash) -> String {
    let digest = sha256_b64u(format!("clawaudit/bundle-id/v1\n{job_id}\n{}", b64u_encode(root)).as_bytes());
    format!("ab_{}", digest.get(..22).unwrap_or(&digest))
}

/// The most entries a ZIP can count without ZIP64 records (its end record's 16-bit count, where
/// 0xFFFF means "see the ZIP64 record"). The verifier refuses ZIP64, so this, not the
/// container limit of spec 20 §4 (100 000), is the most a sealed bundle can hold.
pub const MAX_ENTRIES_WITHOUT_ZIP64: usize = 65_534;

/// Seal artifacts (`(path, bytes)`, paths as in the ZIP) into a bundle. Refuses what the
/// verifier would refuse: unknown artifact paths, limits, and malformed checkpoint fields.
pub fn seal_entries(
    artifacts: &[(String, Vec<u8>)],
    signer: &Signer,
    options: &SealOptions,
) -> Result<Vec<u8>, String> {
    let limits = ContainerLimits::default();
    let most = limits.max_entries.min(MAX_ENTRIES_WITHOUT_ZIP64);
    if artifacts.len() + 2 > most {
        return Err(format!(
            "a bundle holds at most {most} entries (checkpoint.json and manifest.json included): a ZIP without ZIP64 records, which the verifier refuses, counts entries in 16 bits"
        ));
    }
    if let Some((p, b)) = artifacts.iter().find(|(_, b)| b.len() as u64 > limits.max_entry_bytes) {
        return Err(format!(
            "{p} is {} bytes; the verifier accepts entries of at most {} bytes",
            b.len(),
            limits.max_entry_bytes
        ));
    }
    let manifest = build_manifest(artifacts)?;
    let parsed = manifest_from_value(&manifest).map_err(|f| f.detail)?;
    let leaves = parsed.leaves();
    let root = merkle::root(&leaves).ok_or("a bundle needs at least one artifact")?;
    let (policy_hash, scope_hash) = bindings_for(artifacts)?;
    let fields = CheckpointFields {
        bundle_id: options
            .bundle_id
            .clone()
            .unwrap_or_else(|| default_bundle_id(&options.job_id, &root)),
        created_at: options.created_at.clone(),
        expires_at: options.expires_at.clone(),
        job_id: options.job_id.clone(),
        run_id: options.run_id.clone(),
        agent_did: options.agent_did.clone(),
        tree_size: leaves.len() as u64,
        root,
        policy_hash_b64u: policy_hash,
        token_scope_hash_b64u: scope_hash,
    };
    // The sealer never writes a checkpoint its own verifier would refuse.
    let payload = parse_payload(&payload_value(&fields, signer.did())).map_err(|f| f.detail)?;
    if let Some(exp) = payload.expires_at {
        if exp <= payload.created_at {
            return Err("--expires-at must be later than --created-at".into());
        }
    }
    let checkpoint = sign_checkpoint(signer, &fields);
    assemble(&json_bytes(&checkpoint), &json_bytes(&manifest), artifacts)
}

/// Why a bundle sealed from `artifacts` could never verify, whatever trust file a verifier
/// uses: what clawaudit's own verifier refuses in `bundle` for a container, checkpoint or
/// manifest reason, and approvals or a token dated after the checkpoint's `created_at`.
/// Violations by the run itself (a quorum not met, a receipt bound to another policy) are
/// not reasons: sealing records what happened, and the verifier reports them.
pub fn unverifiable_reasons(
    artifacts: &[(String, Vec<u8>)],
    bundle: &[u8],
    signer: &Signer,
    options: &SealOptions,
) -> Vec<String> {
    let mut reasons = Vec::new();
    let Some(created_at) = parse_rfc3339(&options.created_at) else {
        return vec![format!(
            "--created-at \"{}\" is not an RFC 3339 date-time",
            options.created_at
        )];
    };
    // The verifier, at the sealing time, with the sealer trusted: nothing else is known here.
    let mut trust = Trust::empty();
    trust.sealers.push(TrustEntry {
        did: signer.did().to_string(),
        name: None,
    });
    let report = verify_audit_bundle(SEALED, bundle, &VerifyContext::new(created_at, trust));
    for check in report.checks.iter().filter(|c| c.status == CheckStatus::Fail) {
        if never_verifies(&check.id) {
            let at = check.artifact().map(|a| format!(" ({a})")).unwrap_or_default();
            reasons.push(format!("{}{at}: {}", check.reason_code, check.detail));
        }
    }
    for (path, bytes) in artifacts {
        if let Some(at) = dated_after(path, bytes, created_at) {
            reasons.push(format!(
                "{path} is dated {}, after --created-at {}: the verifier refuses evidence newer than its checkpoint",
                format_rfc3339(at),
                options.created_at
            ));
        }
    }
    reasons
}

/// `seal_entries`, refusing (with every reason) a bundle that could never verify
/// (`unverifiable_reasons`). `clawaudit seal` calls this unless `--force`.
pub fn seal_checked(
    artifacts: &[(String, Vec<u8>)],
    signer: &Signer,
    options: &SealOptions,
) -> Result<Vec<u8>, Vec<String>> {
    let bytes = seal_entries(artifacts, signer, options).map_err(|e| vec![e])?;
    let reasons = unverifiable_reasons(artifacts, &bytes, signer, options);
    if reasons.is_empty() {
        Ok(bytes)
    } else {
        Err(reasons)
    }
}

/// Whether a failing check of this id is about the container, the checkpoint or the
/// manifest: a bundle failing it could never verify, whatever the trust file.
fn never_verifies(check_id: &str) -> bool {
    ["container.", "checkpoint.", "manifest."]
        .iter()
        .any(|p| check_id.starts_with(p))
}

/// The name the self-check reports the bundle under.
const SEALED: &str = "the sealed bundle";

/// The time of an approval (`payload.timestamp`) or of the token (`iat`), when it is later
/// than `created_at`.
fn dated_after(path: &str, bytes: &[u8], created_at: Millis) -> Option<Millis> {
    let at = if path.starts_with("artifacts/approvals/") {
        let value = json::parse(bytes, &json::ParseLimits::default()).ok()?;
        parse_rfc3339(value.get("payload")?.get("timestamp")?.as_str()?)?
    } else if path == TOKEN_PATH || kind_for_path(path) == Some("rotation_token") {
        let jws = cst::decode_compact(bytes).ok()?;
        secs_to_ms(jws.claims.get("iat")?.as_i64()?)
    } else {
        return None;
    };
    (at > created_at).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::container::{read_container, ContainerLimits};

    fn options() -> SealOptions {
        SealOptions {
            job_id: "job-1".into(),
            run_id: Some("run_1".into()),
            agent_did: None,
            bundle_id: None,
            created_at: "2026-02-18T00:00:00Z".into(),
            expires_at: None,
        }
    }

    #[test]
    fn more_entries_than_a_zip_without_zip64_can_count_are_refused_before_any_work() {
        // 65 533 artifacts + the checkpoint and manifest: one more than 65 534. The zip crate
        // would write a ZIP64 end record for it, which `read_container` refuses, so the sealer
        // refuses first (found by sealing 99 998 artifacts: the bundle was CONTAINER_INVALID).
        let artifacts: Vec<(String, Vec<u8>)> = (0..MAX_ENTRIES_WITHOUT_ZIP64 - 1)
            .map(|i| (format!("artifacts/attachments/{i}.txt"), Vec::new()))
            .collect();
        let keys = crate::vectors::audit_sample::SampleKeys::new();
        let err = seal_entries(&artifacts, &keys.sealer, &crate::vectors::audit_sample::options(&keys)).unwrap_err();
        assert!(err.contains("at most 65534 entries"), "{err}");
    }

    #[test]
    fn sealed_bundle_has_fixed_layout_and_metadata() {
        let artifacts = vec![
            ("artifacts/trust_pulse.json".to_string(), b"{}".to_vec()),
            ("artifacts/attachments/b.txt".to_string(), b"bee".to_vec()),
            ("artifacts/attachments/a.txt".to_string(), b"ay".to_vec()),
        ];
        let signer = crate::vectors::testkit::label_signer("sealer");
        let zip = seal_entries(&artifacts, &signer, &options()).unwrap();
        let c = read_container(&zip, &ContainerLimits::default()).unwrap();
        assert_eq!(
            c.names().collect::<Vec<_>>(),
            [
                "checkpoint.json",
                "manifest.json",
                "artifacts/attachments/a.txt",
                "artifacts/attachments/b.txt",
                "artifacts/trust_pulse.json"
            ]
        );
        let mut archive = zip::ZipArchive::new(Cursor::new(&zip)).unwrap();
        for i in 0..archive.len() {
            let f = archive.by_index(i).unwrap();
            assert_eq!(f.unix_mode(), Some(0o100_644), "{}", f.name());
            assert_eq!(f.compression(), CompressionMethod::Deflated);
            let t = f.last_modified().unwrap();
            assert_eq!(
                (t.year(), t.month(), t.day(), t.hour(), t.minute(), t.second()),
                (1980, 1, 1, 0, 0, 0)
            );
        }
        // Same inputs in another order: identical bytes.
        let mut reordered = artifacts.clone();
        reordered.reverse();
        assert_eq!(seal_entries(&reordered, &signer, &options()).unwrap(), zip);
    }

    #[test]
    fn sealing_refuses_what_the_verifier_refuses() {
        let signer = crate::vectors::testkit::label_signer("sealer");
        let bad_path = vec![("artifacts/other.json".to_string(), b"{}".to_vec())];
        assert!(seal_entries(&bad_path, &signer, &options()).is_err());
        let ok = vec![("artifacts/attachments/a".to_string(), b"x".to_vec())];
        let mut o = options();
        o.created_at = "yesterday".into();
        assert!(seal_entries(&ok, &signer, &o).is_err());
        let mut o = options();
        o.job_id = String::new();
        assert!(seal_entries(&ok, &signer, &o).is_err());
        let mut o = options();
        o.expires_at = Some("2026-02-17T00:00:00Z".into());
        assert!(seal_entries(&ok, &signer, &o).is_err());
        assert!(seal_entries(&[], &signer, &options()).is_err());
    }

    fn sealer() -> Signer {
        crate::vectors::testkit::label_signer("sealer")
    }

    /// The failing checks that `seal` must never let through.
    fn unsealable_failures(zip: &[u8], at: &str) -> Vec<String> {
        let mut trust = Trust::empty();
        trust.sealers.push(TrustEntry {
            did: sealer().did().to_string(),
            name: None,
        });
        let ctx = VerifyContext::new(parse_rfc3339(at).unwrap(), trust);
        verify_audit_bundle("b.zip", zip, &ctx)
            .checks
            .into_iter()
            .filter(|c| c.status == CheckStatus::Fail)
            .filter(|c| never_verifies(&c.id))
            .map(|c| format!("{} {} {}", c.id, c.reason_code, c.detail))
            .collect()
    }

    #[test]
    fn paths_equal_ignoring_case_are_refused_and_forced_ones_fail_verification() {
        let artifacts = vec![
            ("artifacts/attachments/notes.txt".to_string(), b"a".to_vec()),
            ("artifacts/attachments/NOTES.txt".to_string(), b"b".to_vec()),
        ];
        let reasons = seal_checked(&artifacts, &sealer(), &options()).unwrap_err();
        assert!(
            reasons.iter().any(|r| r.starts_with("CONTAINER_PATH_UNSAFE")),
            "{reasons:?}"
        );
        // Sealed anyway (`--force`): the verifier refuses it for that reason.
        let forced = seal_entries(&artifacts, &sealer(), &options()).unwrap();
        let failures = unsealable_failures(&forced, "2026-02-18T00:00:00Z");
        assert!(
            failures.iter().any(|f| f.contains("CONTAINER_PATH_UNSAFE")),
            "{failures:?}"
        );
    }

    #[test]
    fn an_approval_dated_after_created_at_is_a_reason_and_one_before_is_not() {
        let approval = |ts: &str| {
            let v = crate::json::parse_str(&format!(r#"{{"payload":{{"timestamp":"{ts}"}}}}"#)).unwrap();
            ("artifacts/approvals/a1.json".to_string(), json_bytes(&v))
        };
        let later = vec![approval("2026-02-18T00:00:01Z")];
        let zip = seal_entries(&later, &sealer(), &options()).unwrap();
        let reasons = unverifiable_reasons(&later, &zip, &sealer(), &options());
        assert!(
            reasons
                .iter()
                .any(|r| r.starts_with("artifacts/approvals/a1.json is dated 2026-02-18T00:00:01.000Z")),
            "{reasons:?}"
        );
        let earlier = vec![approval("2026-02-17T23:59:59Z")];
        let zip = seal_entries(&earlier, &sealer(), &options()).unwrap();
        assert!(!unverifiable_reasons(&earlier, &zip, &sealer(), &options())
            .iter()
            .any(|r| r.contains("is dated")));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Whatever the artifact paths and bytes, what `seal_checked` writes never fails its
        /// own verifier for a container, checkpoint or manifest reason, at the sealing time or
        /// a day later.
        #[test]
        fn seal_never_writes_what_its_verifier_refuses(
            files in proptest::collection::vec(
                (
                    proptest::collection::vec(
                        proptest::sample::select(vec!["a", "A", "b", "x.txt", "X.TXT", ".", "..", "", "ä", "a b"]),
                        1..4,
                    ),
                    proptest::collection::vec(proptest::num::u8::ANY, 0..40),
                ),
                1..6,
            ),
        ) {
            let artifacts: Vec<(String, Vec<u8>)> = files
                .into_iter()
                .map(|(segments, bytes)| (format!("artifacts/attachments/{}", segments.join("/")), bytes))
                .collect();
            if let Ok(zip) = seal_checked(&artifacts, &sealer(), &options()) {
                for at in ["2026-02-18T00:00:00Z", "2026-02-19T00:00:00Z"] {
                    let failures = unsealable_failures(&zip, at);
                    proptest::prop_assert!(failures.is_empty(), "{:?}: {:?}", artifacts, failures);
                }
            }
        }
    }

    #[test]
    fn bundle_id_default_is_stable() {
        let root = [7u8; 32];
        assert_eq!(default_bundle_id("j", &root), default_bundle_id("j", &root));
        assert_ne!(default_bundle_id("j", &root), default_bundle_id("k", &root));
        assert_eq!(default_bundle_id("j", &root).len(), 25);
    }
}
