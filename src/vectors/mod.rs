//! Our own conformance vectors (`testvectors/`), generated deterministically from fixed seeds.
//!
//! Each area contributes files and manifest entries; `build` makes them (the CLI writes them
//! out), `check` makes them again in memory, compares them byte for byte with what a reader
//! gives back, and verifies every vector for its expected status and reason code. Format of
//! `manifest.json`: spec 20 §7.
//!
//! This module is the generator's test kit too, and nothing else in the library uses it:
//! keys derived from public labels (`testkit`), hostile-ZIP forgery (`zip_forge`), and sample
//! builders (`builders`, `audit_sample`, `clawsig_sample`) that tests, benchmarks and
//! examples share. None of it is meant for producing real evidence.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::context::VerifyContext;
use crate::reason::ReasonCode;
use crate::report::{Kind, Status};
use crate::timeutil::parse_rfc3339;
use crate::trust::Trust;
use crate::verify::{verify_subject, Subject};

pub mod audit;
pub mod audit_sample;
pub mod audit_scenario;
pub mod builders;
pub mod clawsig;
pub mod clawsig_sample;
pub mod export_aggregate;
pub mod policy_eval;
pub mod policy_eval_cases;
pub mod rotation;
mod rotation_check;
pub mod rotation_policy;
pub mod rotation_sample;
pub mod rotation_two;
pub mod samples;
pub mod testkit;
pub mod zip_forge;

/// Reads a file of the vector directory by its path relative to that directory. The CLI
/// passes one that reads the disk; the library itself does no I/O.
pub type ReadFile<'a> = &'a dyn Fn(&str) -> Result<Vec<u8>, String>;

/// One file of the suite, path relative to `testvectors/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VectorFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// One manifest entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VectorEntry {
    pub name: String,
    pub kind: String,
    pub path: String,
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust: Option<String>,
    /// For inclusion proofs: the artifact file to compare (`verify --artifact`), relative to
    /// `testvectors/`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact: Option<String>,
    pub expected: Expected,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Expected {
    pub status: String,
    pub reason_code: String,
    /// Rotation fixtures: the judge's outcome (spec 30 §4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Rotation fixtures: `{"code","seq"}` of the first violation, or null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_violation: Option<Option<serde_json::Value>>,
}

impl VectorEntry {
    pub fn new(name: &str, kind: Kind, path: &str, at: &str, trust: Option<&str>, code: ReasonCode) -> VectorEntry {
        VectorEntry {
            name: name.to_string(),
            kind: kind.as_str().to_string(),
            path: path.to_string(),
            at: at.to_string(),
            trust: trust.map(str::to_string),
            artifact: None,
            expected: Expected {
                status: if code == ReasonCode::Ok { "PASS" } else { "FAIL" }.to_string(),
                reason_code: code.as_str().to_string(),
                outcome: None,
                first_violation: None,
            },
        }
    }
}

/// Everything an area contributes.
#[derive(Clone, Debug, Default)]
pub struct Suite {
    pub files: Vec<VectorFile>,
    pub entries: Vec<VectorEntry>,
}

impl Suite {
    pub fn file(&mut self, path: &str, bytes: Vec<u8>) {
        self.files.push(VectorFile {
            path: path.to_string(),
            bytes,
        });
    }

    pub fn extend(&mut self, other: Suite) {
        self.files.extend(other.files);
        self.entries.extend(other.entries);
    }
}

/// The whole suite, manifest included, in a fixed order.
pub fn build() -> Result<Vec<VectorFile>, String> {
    let mut suite = Suite::default();
    suite.extend(clawsig::suite()?);
    suite.extend(export_aggregate::suite()?);
    suite.extend(audit::suite()?);
    suite.extend(policy_eval::suite()?);
    suite.extend(rotation::suite()?);
    suite.extend(samples::suite()?);
    let manifest = serde_json::json!({
        "manifest_version": "1",
        "vectors": suite.entries,
    });
    let mut text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    text.push('\n');
    suite.file("manifest.json", text.into_bytes());
    // Unique paths, sorted, so the output never depends on generation order.
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for f in suite.files {
        if files.insert(f.path.clone(), f.bytes).is_some() {
            return Err(format!("two vectors write {}", f.path));
        }
    }
    Ok(files
        .into_iter()
        .map(|(path, bytes)| VectorFile { path, bytes })
        .collect())
}

/// The result of `check`.
#[derive(Debug, Default)]
pub struct CheckOutcome {
    pub files_compared: usize,
    pub vectors_checked: usize,
    pub problems: Vec<String>,
}

/// Regenerate in memory, compare with the directory `read` reads from, and verify each vector.
pub fn check(read: ReadFile<'_>) -> Result<CheckOutcome, String> {
    let files = build()?;
    let mut out = CheckOutcome::default();
    for f in &files {
        out.files_compared += 1;
        match read(&f.path) {
            Ok(bytes) if bytes == f.bytes => {}
            Ok(_) => out.problems.push(format!("{} differs from a fresh generation", f.path)),
            Err(e) => out.problems.push(e),
        }
    }
    let manifest_bytes = read("manifest.json")?;
    let manifest: serde_json::Value =
        serde_json::from_slice(&manifest_bytes).map_err(|e| format!("manifest.json: {e}"))?;
    let vectors = manifest
        .get("vectors")
        .and_then(|v| v.as_array())
        .ok_or("manifest.json has no vectors array")?;
    for v in vectors {
        out.vectors_checked += 1;
        if let Err(problem) = check_vector(read, v) {
            out.problems.push(problem);
        }
    }
    let (evaluated, problems) = policy_eval::check(read)?;
    out.vectors_checked += evaluated;
    out.problems.extend(problems);
    Ok(out)
}

fn check_vector(read: ReadFile<'_>, v: &serde_json::Value) -> Result<(), String> {
    let field = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .ok_or(format!("vector without {k}: {v}"))
    };
    let name = field("name")?;
    let path = field("path")?;
    if field("kind")? == "rotation" {
        return rotation_check::check_rotation_vector(read, v, name, path);
    }
    let at = parse_rfc3339(field("at")?).ok_or(format!("{name}: bad at"))?;
    let kind = Kind::from_name(field("kind")?).ok_or(format!("{name}: unknown kind"))?;
    let expected_status = v.pointer("/expected/status").and_then(|x| x.as_str()).unwrap_or("");
    let expected_code = v
        .pointer("/expected/reason_code")
        .and_then(|x| x.as_str())
        .unwrap_or("");
    let trust = match v.get("trust").and_then(|t| t.as_str()) {
        Some(t) => {
            let bytes = read(t).map_err(|e| format!("{name}: {e}"))?;
            Trust::from_bytes(&bytes).map_err(|e| format!("{name}: {t}: {e}"))?
        }
        None => Trust::empty(),
    };
    let bytes = read(path).map_err(|e| format!("{name}: {e}"))?;
    let ctx = VerifyContext::new(at, trust);
    let mut subject = Subject::new(path, bytes);
    subject.kind = Some(kind);
    if let Some(a) = v.get("artifact").and_then(|a| a.as_str()) {
        subject.artifact = Some(read(a).map_err(|e| format!("{name}: {e}"))?);
    }
    let report = verify_subject(&subject, &ctx);
    let status = match report.status {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
    };
    if status != expected_status || report.reason_code.as_str() != expected_code {
        return Err(format!(
            "{name}: expected {expected_status} {expected_code}, got {status} {} ({})",
            report.reason_code, report.reason
        ));
    }
    Ok(())
}
