//! The fuzz targets' bodies, shared by the cargo-fuzz targets (`fuzz/fuzz_targets/*.rs`, on
//! nightly with libFuzzer) and the corpus replay test (`tests/fuzz_replay.rs`, on stable), so a
//! regression found by the fuzzer is caught by `cargo test` without nightly. Each function takes
//! any bytes, calls the library exactly as the CLI does, and panics only when a property that
//! must hold does not:
//! - a subject verdict is PASS with no failing check, or FAIL whose code is its first failing
//!   check's code (always a code of the enum: the type says so);
//! - parsing on two threads gives the single pass's value or error, byte for byte;
//! - parse → serialize → parse is stable: JSS and JCS output are fixed points;
//! - the rotation judge gives the same judgement twice, and its outcome is `violated` exactly
//!   when it found a violation;
//! - time is bounded by the input's size (`Bound`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test harness: a failed property must stop the run
#![allow(dead_code)] // each target uses one function of it

use std::io::Read;
use std::time::Duration;

use cpu_time::ProcessTime;

use clawaudit::audit::container::{read_container, ContainerLimits};
use clawaudit::audit::manifest::{ROTATION_EVENTS_PATH, ROTATION_SCENARIO_PATH};
use clawaudit::context::VerifyContext;
use clawaudit::json::{self, ParseLimits, Value};
use clawaudit::report::{CheckStatus, Kind, Status, SubjectReport};
use clawaudit::rotation::fixture::FixtureFiles;
use clawaudit::rotation::judge::{judge_run, RunInput};
use clawaudit::rotation::model::{Judgement, Outcome};
use clawaudit::timeutil::parse_rfc3339;
use clawaudit::trust::Trust;
use clawaudit::verify::{verify_subject, Subject};

/// The time an input may take: `constant + per_kib × KiB`. The fuzzer's build (optimised, with
/// sanitizers) uses `FUZZ`; the replay test, an unoptimised build up to ~30× slower, `REPLAY`.
#[derive(Clone, Copy, Debug)]
pub struct Bound {
    pub constant: Duration,
    pub per_kib: Duration,
}

impl Bound {
    pub const FUZZ: Bound = Bound {
        constant: Duration::from_millis(100),
        per_kib: Duration::from_millis(1),
    };
    pub const REPLAY: Bound = Bound {
        constant: Duration::from_secs(3),
        per_kib: Duration::from_millis(30),
    };

    fn allowed(self, len: usize) -> Duration {
        self.constant + self.per_kib * u32::try_from(len.div_ceil(1024)).unwrap_or(u32::MAX)
    }

    /// Run `f` on an input of `len` bytes and check its time. The time is the process's CPU
    /// time, not the wall clock: a fuzzer run at low priority beside builds (or a loaded CI
    /// machine) is starved for whole seconds, which says nothing about the input (seen: a
    /// 131-byte trust file "taking" 204 ms of wall time once, 0.1–0.5 ms on every rerun). A run
    /// over the bound is still run twice more and fails only if every run is over it.
    pub fn run<T>(self, what: &str, len: usize, mut f: impl FnMut() -> T) -> T {
        let allowed = self.allowed(len);
        let started = ProcessTime::now();
        let out = f();
        let mut fastest = started.elapsed();
        for _ in 0..2 {
            if fastest <= allowed {
                break;
            }
            let again = ProcessTime::now();
            drop(f());
            fastest = fastest.min(again.elapsed());
        }
        assert!(
            fastest <= allowed,
            "{what}: {len} bytes took at least {fastest:?} of CPU time in three runs, more than {allowed:?}"
        );
        out
    }
}

/// The verification time of every target, and trust files that know the test vectors' keys,
/// so that inputs close to a valid vector get past the trust checks.
fn contexts() -> [VerifyContext; 2] {
    let at = parse_rfc3339("2026-03-02T00:00:00Z").unwrap();
    let audit = Trust::from_bytes(include_bytes!("../testvectors/audit/trust.json")).unwrap();
    let clawsig = Trust::from_bytes(include_bytes!("../testvectors/trust/clawsig-config.json")).unwrap();
    [VerifyContext::new(at, audit), VerifyContext::new(at, clawsig)]
}

/// The verdict agrees with the checks.
pub fn assert_consistent(report: &SubjectReport) {
    let first_fail = report.checks.iter().find(|c| c.status == CheckStatus::Fail);
    match (report.status, first_fail) {
        (Status::Pass, None) => {}
        (Status::Pass, Some(c)) => panic!(
            "{}: PASS with a failing check {} ({})",
            report.path, c.id, c.reason_code
        ),
        (Status::Fail, Some(c)) => assert_eq!(
            report.reason_code, c.reason_code,
            "{}: the verdict's code is not its first failing check's",
            report.path
        ),
        (Status::Fail, None) => panic!("{}: FAIL without a failing check", report.path),
    }
}

fn verify_as(name: &str, data: &[u8], kind: Option<Kind>, ctx: &VerifyContext, bound: Bound) -> SubjectReport {
    let mut subject = Subject::new(name, data.to_vec());
    subject.kind = kind;
    let report = bound.run(name, data.len(), || verify_subject(&subject, ctx));
    assert_consistent(&report);
    report
}

/// The strict parser: no panic, bounded, and its two-thread path (forced at a position the
/// input chooses, and at the middle) agrees with the single pass exactly; so does the parse
/// under count caps (`json::cap`), on one thread and on two: same error, or the same value
/// with each overflowed array cut to its cap, as `capped_by_hand` cuts the full value.
pub fn json_parse(data: &[u8], bound: Bound) {
    let limits = ParseLimits::default();
    let single = bound.run("json_parse", data.len(), || {
        json::parse_split_at(data, &limits, &[], None)
    });
    let expected_capped = single.clone().map(|c| capped_by_hand(&c.value, &FUZZ_CAPS));
    let chosen = data.first().map(|&b| (usize::from(b) * data.len()) / 256);
    for split in [None, chosen, Some(data.len() / 2)] {
        if split.is_some() {
            let two = json::parse_split_at(data, &limits, &[], split);
            assert_eq!(two, single, "split at {split:?}");
            assert_eq!(format!("{two:?}"), format!("{single:?}"));
        }
        let capped = json::parse_split_at(data, &limits, &FUZZ_CAPS, split);
        assert_eq!(capped, expected_capped, "capped, split at {split:?}");
        assert_eq!(format!("{capped:?}"), format!("{expected_capped:?}"));
    }
    if let Ok(c) = single {
        roundtrip(&c.value);
    }
}

/// Caps for the parser properties: the root array, arrays under two keys of the root object
/// and one a level down, with maxima from 0 to 2 and predicates on element shapes.
pub const FUZZ_CAPS: [json::ArrayCap; 4] = [
    json::ArrayCap {
        path: &[],
        max: 2,
        counts: |e| e.contains_key("a"),
    },
    json::ArrayCap {
        path: &["a"],
        max: 0,
        counts: |e| e.is_object(),
    },
    json::ArrayCap {
        path: &["b"],
        max: 1,
        counts: |e| !e.is_object(),
    },
    json::ArrayCap {
        path: &["c", "d"],
        max: 2,
        counts: |e| e.is_object() && !e.contains_key("x") && e.contains_key("y"),
    },
];

/// What a capped parse must return, computed from the full document: each array at a capped
/// path (object keys from the root) longer than its cap is cut to it, and reported with its
/// real length and counted elements, in document order.
pub fn capped_by_hand(full: &Value, caps: &[json::ArrayCap]) -> json::Capped {
    fn walk(v: &Value, path: &mut Vec<String>, caps: &[json::ArrayCap], out: &mut Vec<json::Overflow>) -> Value {
        match v {
            Value::Array(items) => {
                let cap = caps
                    .iter()
                    .position(|c| c.path.iter().copied().eq(path.iter().map(String::as_str)));
                match cap {
                    Some(i) if items.len() > caps[i].max => {
                        let counted = items
                            .iter()
                            .filter(|e| (caps[i].counts)(json::ElementKeys::of(e)))
                            .count();
                        out.push(json::Overflow {
                            cap: i,
                            len: items.len(),
                            counted,
                        });
                        Value::Array(items[..caps[i].max].to_vec())
                    }
                    _ => v.clone(),
                }
            }
            Value::Object(o) => {
                let mut cut = json::Object::new();
                for (k, member) in o.iter() {
                    path.push(k.to_string());
                    cut.insert(k, walk(member, path, caps, out));
                    path.pop();
                }
                Value::Object(cut)
            }
            _ => v.clone(),
        }
    }
    let mut overflow = Vec::new();
    let value = walk(full, &mut Vec::new(), caps, &mut overflow);
    json::Capped { value, overflow }
}

/// JSS and JCS output parse back to values that serialize to the same bytes.
pub fn jss_jcs_roundtrip(data: &[u8], _bound: Bound) {
    let Ok(value) = json::parse(data, &ParseLimits::default()) else {
        return;
    };
    roundtrip(&value);
}

fn roundtrip(value: &Value) {
    // JSS is JavaScript's JSON.stringify: like it, it reorders array-index keys first and
    // writes -0 as 0, so the value may change once; its output is then a fixed point.
    let jss = json::jss::to_string(value);
    let again = json::parse_str(&jss).expect("JSS output parses");
    assert_eq!(json::jss::to_string(&again), jss, "JSS is stable");
    let jcs = json::jcs::to_string(value);
    let back = json::parse_str(&jcs).expect("JCS output parses");
    assert_eq!(json::jcs::to_string(&back), jcs, "JCS is a fixed point");
}

/// Any bytes as each JSON subject kind, and detected.
pub fn verify_json_subject(data: &[u8], bound: Bound) {
    let kinds = [
        None,
        Some(Kind::ProofBundle),
        Some(Kind::CommitSig),
        Some(Kind::ExportBundle),
        Some(Kind::AggregateBundle),
        Some(Kind::LogInclusionProof),
        Some(Kind::GatewayReceipt),
        Some(Kind::Approval),
        Some(Kind::Policy),
        Some(Kind::Plan),
    ];
    let [audit, clawsig] = contexts();
    for kind in kinds {
        let ctx = if matches!(kind, Some(Kind::Approval | Kind::Policy | Kind::Plan)) {
            &audit
        } else {
            &clawsig
        };
        verify_as("fuzz.json", data, kind, ctx, bound);
    }
}

/// Any bytes as a sealed audit bundle: the safe ZIP reader and the whole verification.
pub fn audit_container(data: &[u8], bound: Bound) {
    let [audit, _] = contexts();
    verify_as("fuzz.audit.zip", data, Some(Kind::AuditBundle), &audit, bound);
}

/// Any bytes as a compact-JWS scoped token.
pub fn cst_token(data: &[u8], bound: Bound) {
    let [audit, _] = contexts();
    verify_as("fuzz.jwt", data, Some(Kind::Token), &audit, bound);
}

/// Any bytes as an inclusion proof.
pub fn inclusion_proof(data: &[u8], bound: Bound) {
    let [audit, _] = contexts();
    verify_as("fuzz.proof.json", data, Some(Kind::InclusionProof), &audit, bound);
}

/// Any bytes as a trust file: accepted or refused, never a panic, and the same answer twice.
pub fn trust_file(data: &[u8], bound: Bound) {
    let first = bound.run("trust_file", data.len(), || {
        Trust::from_bytes(data).map_err(|e| e.to_string())
    });
    let second = Trust::from_bytes(data).map_err(|e| e.to_string());
    assert_eq!(first.is_ok(), second.is_ok());
    if let (Err(a), Err(b)) = (&first, &second) {
        assert_eq!(a, b);
    }
}

/// What each reader makes of an archive: `None` (refused) or its (name, bytes) in order.
type Entries = Option<Vec<(String, Vec<u8>)>>;

fn by_clawaudit(data: &[u8]) -> Entries {
    let container = read_container(data, &ContainerLimits::default()).ok()?;
    Some(
        container
            .names()
            .map(|n| (n.to_string(), container.get(n).unwrap_or_default().to_vec()))
            .collect(),
    )
}

/// The zip crate on its own, through the central directory. Reading stops at the limits
/// clawaudit applies, so that a refusal for size is not taken for a differential.
fn by_zip_crate(data: &[u8]) -> Entries {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(data)).ok()?;
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).ok()?;
        let mut bytes = Vec::new();
        file.by_ref().take(64 << 20).read_to_end(&mut bytes).ok()?;
        out.push((file.name().to_string(), bytes));
    }
    Some(out)
}

/// A streaming reader: local headers in file order, as an extractor reading from a pipe does.
fn by_local_headers(data: &[u8]) -> Entries {
    let mut cursor = std::io::Cursor::new(data);
    let mut out = Vec::new();
    while let Some(mut file) = zip::read::read_zipfile_from_stream(&mut cursor).ok()? {
        let mut bytes = Vec::new();
        file.by_ref().take(64 << 20).read_to_end(&mut bytes).ok()?;
        out.push((file.name().to_string(), bytes));
    }
    Some(out)
}

/// No ZIP parser differential: when clawaudit accepts an archive, the zip crate and a
/// local-header streaming read return the same names and bytes.
pub fn zip_differential(data: &[u8], bound: Bound) {
    let ours = bound.run("zip_differential", data.len(), || by_clawaudit(data));
    if let Some(ours) = ours {
        assert_eq!(
            by_zip_crate(data).as_ref(),
            Some(&ours),
            "the zip crate reads another archive"
        );
        assert_eq!(
            by_local_headers(data).as_ref(),
            Some(&ours),
            "a streaming read finds other entries"
        );
    }
}

/// The shipped rotation fixture the rotation targets vary (`testvectors/rotation/complete`,
/// read once: from the repository root for the replay test, from `fuzz/` for cargo-fuzz),
/// every file by its path under the fixture (`artifacts/…`).
fn rotation_fixture() -> &'static [(String, Vec<u8>)] {
    static FILES: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = [
            manifest.join("testvectors/rotation/complete"),
            manifest.join("../testvectors/rotation/complete"),
        ]
        .into_iter()
        .find(|p| p.is_dir())
        .expect("testvectors/rotation/complete");
        let mut files = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    let rel = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
                    files.push((rel, std::fs::read(&path).unwrap()));
                }
            }
        }
        files.sort();
        files
    })
}

fn rotation_context() -> VerifyContext {
    let at = parse_rfc3339("2026-03-02T12:00:00Z").unwrap();
    let trust = Trust::from_bytes(include_bytes!("../testvectors/rotation/trust.json")).unwrap();
    VerifyContext::new(at, trust)
}

/// The fixture with `replaced` files in place of its own.
fn rotation_files(replaced: &[(&str, &[u8])]) -> FixtureFiles {
    FixtureFiles::new(
        rotation_fixture()
            .iter()
            .map(|(path, bytes)| match replaced.iter().find(|(p, _)| p == path) {
                Some((_, b)) => (path.clone(), b.to_vec()),
                None => (path.clone(), bytes.clone()),
            }),
    )
}

/// The judge twice over `files` (with its step records): the same judgement and steps each
/// time, within the bound, and `violated` exactly when there is a violation.
fn judge_twice(what: &str, files: &FixtureFiles, len: usize, bound: Bound) {
    let ctx = rotation_context();
    let run = || {
        let mut steps = Vec::new();
        let mut sink = |s| steps.push(s);
        let input = RunInput {
            files,
            ctx: &ctx,
            checkpoint: None,
            expire_token: &[],
            events: None,
        };
        let judgement = judge_run(input, Some(&mut sink)).judgement;
        (judgement, steps)
    };
    let (first, first_steps) = bound.run(what, len, run);
    let (second, second_steps) = run();
    assert_eq!(first, second, "{what}: two judgements of the same run differ");
    assert_eq!(first_steps, second_steps, "{what}: two replays of the same run differ");
    assert_outcome_consistent(&first);
}

/// `violated` if and only if there is a violation (counted, listed, and by code).
pub fn assert_outcome_consistent(j: &Judgement) {
    let violated = j.outcome == Outcome::Violated;
    assert_eq!(
        violated,
        j.violations_total > 0,
        "outcome {} with {} violations",
        j.outcome.as_str(),
        j.violations_total
    );
    assert_eq!(j.violations.is_empty(), j.violations_total == 0, "{j:?}");
    assert_eq!(j.violations_by_code.is_empty(), j.violations_total == 0, "{j:?}");
}

/// Any bytes as the timeline of the shipped `complete` rotation fixture.
pub fn rotation_events(data: &[u8], bound: Bound) {
    let files = rotation_files(&[(ROTATION_EVENTS_PATH, data)]);
    judge_twice("rotation_events", &files, data.len(), bound);
}

/// The input split at its first 0xFF byte (a byte no UTF-8 text holds) into a scenario and
/// a timeline (no 0xFF: all scenario, empty timeline), in the `complete` fixture.
pub fn rotation_judge(data: &[u8], bound: Bound) {
    let (scenario, events) = match data.iter().position(|&b| b == 0xFF) {
        Some(i) => (data.get(..i).unwrap_or_default(), data.get(i + 1..).unwrap_or_default()),
        None => (data, &[][..]),
    };
    let files = rotation_files(&[(ROTATION_SCENARIO_PATH, scenario), (ROTATION_EVENTS_PATH, events)]);
    judge_twice("rotation_judge", &files, data.len(), bound);
}

/// A target's body.
pub type Target = fn(&[u8], Bound);

/// Every target by name, for the replay test.
pub const TARGETS: [(&str, Target); 10] = [
    ("json_parse", json_parse),
    ("jss_jcs_roundtrip", jss_jcs_roundtrip),
    ("verify_json_subject", verify_json_subject),
    ("audit_container", audit_container),
    ("cst_token", cst_token),
    ("trust_file", trust_file),
    ("inclusion_proof", inclusion_proof),
    ("zip_differential", zip_differential),
    ("rotation_events", rotation_events),
    ("rotation_judge", rotation_judge),
];
