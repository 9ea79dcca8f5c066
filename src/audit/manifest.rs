//! `manifest.json` (spec 20 §3): the list of artifacts a checkpoint's Merkle root commits to.
//!
//! `{"manifest_version":"1","entries":[{"path","kind","sha256_b64u","size_bytes"}…]}`,
//! entries sorted by path (byte order), unique, at least one. The shape is closed: an entry
//! with any other key would be hashed into the tree without being checked.

use rayon::prelude::*;

use super::container::name_problem;
use super::merkle::{self, Hash};
use crate::crypto::{b64, sha256_b64u};
use crate::json::{self, Object, ParseLimits, Value};
use crate::reason::ReasonCode;
use crate::report::Failure;

pub const MANIFEST_VERSION: &str = "1";
/// Where a sealed bundle keeps its signed WPC (spec 20 §2).
pub const POLICY_PATH: &str = "artifacts/policy/wpc.json";
/// Where a sealed bundle keeps its CST (spec 20 §2).
pub const TOKEN_PATH: &str = "artifacts/token/cst.jwt";
/// A rotation run's recorded inventory (spec 30 §1).
pub const ROTATION_SCENARIO_PATH: &str = "artifacts/rotation/scenario.json";
/// A rotation run's timeline (spec 30 §1); its presence makes a bundle a rotation run.
pub const ROTATION_EVENTS_PATH: &str = "artifacts/rotation/events.ndjson";
/// The folder of a rotation run's phase tokens, `<name>.jwt` each.
pub const ROTATION_TOKENS_DIR: &str = "artifacts/rotation/tokens/";

/// One listed artifact.
#[derive(Clone, Debug, PartialEq)]
pub struct ManifestEntry {
    pub path: String,
    pub kind: &'static str,
    pub sha256_b64u: String,
    pub size_bytes: u64,
    /// The entry exactly as in the manifest (its JCS is the leaf input).
    pub value: Value,
    /// Its Merkle leaf hash, SHA-256(0x00 ‖ JCS(value)), computed with the shape check.
    pub leaf: Hash,
}

/// A manifest whose shape passed (order is checked by `order_problem`).
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    pub entries: Vec<ManifestEntry>,
}

impl Manifest {
    pub fn leaves(&self) -> Vec<Hash> {
        self.entries.iter().map(|e| e.leaf).collect()
    }

    pub fn find(&self, path: &str) -> Option<(usize, &ManifestEntry)> {
        self.entries.iter().enumerate().find(|(_, e)| e.path == path)
    }

    /// The first pair of paths out of byte order or equal, if any.
    pub fn order_problem(&self) -> Option<(&str, &str)> {
        self.entries.windows(2).find_map(|w| match w {
            [a, b] if a.path.as_bytes() >= b.path.as_bytes() => Some((a.path.as_str(), b.path.as_str())),
            _ => None,
        })
    }
}

/// The artifact kind a bundle path denotes (spec 20 §2 table), or `None` for any other path.
pub fn kind_for_path(path: &str) -> Option<&'static str> {
    let rest = path.strip_prefix("artifacts/")?;
    let one_file = |dir: &str, ext: &str| {
        rest.strip_prefix(dir)
            .and_then(|f| f.strip_suffix(ext))
            .is_some_and(|stem| !stem.is_empty() && !stem.contains('/'))
    };
    let one_json_file = |dir: &str| one_file(dir, ".json");
    match rest {
        "policy/wpc.json" => Some("policy"),
        "token/cst.jwt" => Some("token"),
        "proof_bundle.json" => Some("proof_bundle"),
        "trust_pulse.json" => Some("trust_pulse"),
        _ if one_json_file("policy/parents/") => Some("policy_parent"),
        "rotation/scenario.json" => Some("rotation_scenario"),
        "rotation/events.ndjson" => Some("rotation_events"),
        _ if one_file("rotation/tokens/", ".jwt") => Some("rotation_token"),
        _ if one_json_file("plans/") => Some("plan"),
        _ if one_json_file("approvals/") => Some("approval"),
        _ if one_json_file("receipts/") => Some("gateway_receipt"),
        _ if rest.starts_with("attachments/") && rest.len() > "attachments/".len() => Some("attachment"),
        _ => None,
    }
}

fn invalid(detail: String) -> Failure {
    Failure::new("manifest.shape", ReasonCode::ManifestInvalid, detail).in_entry(super::container::MANIFEST_NAME)
}

/// Parse and shape-check `manifest.json` (`MANIFEST_INVALID`). Order is checked separately.
pub fn parse_manifest(bytes: &[u8], limits: &ParseLimits) -> Result<Manifest, Failure> {
    let value =
        json::parse(bytes, limits).map_err(|e| invalid(format!("manifest.json is not acceptable JSON: {e}")))?;
    manifest_from_owned(value)
}

pub fn manifest_from_value(value: &Value) -> Result<Manifest, Failure> {
    manifest_from_owned(value.clone())
}

/// `manifest_from_value` on a value it may take apart: each entry is moved, not copied, into
/// its `ManifestEntry` (a manifest of 10 000 entries is 50 000 allocations).
fn manifest_from_owned(value: Value) -> Result<Manifest, Failure> {
    let Value::Object(mut obj) = value else {
        return Err(invalid("manifest.json is not a JSON object".into()));
    };
    if let Some(k) = obj.keys().find(|k| *k != "manifest_version" && *k != "entries") {
        return Err(invalid(format!("manifest.json has an unknown field '{}'", short(k))));
    }
    if obj.get("manifest_version").and_then(Value::as_str) != Some(MANIFEST_VERSION) {
        return Err(invalid(format!(
            "manifest.json has manifest_version {}, expected \"1\"",
            crate::clawsig::envelope::describe(obj.get("manifest_version"))
        )));
    }
    let Some(Value::Array(items)) = obj.remove("entries") else {
        return Err(invalid("manifest.json has no entries array".into()));
    };
    if items.is_empty() {
        return Err(invalid("manifest.json lists no entries".into()));
    }
    // Shape-checked and hashed in parallel; the first failing entry in order is the one
    // reported.
    let entries = items
        .into_par_iter()
        .enumerate()
        .map(|(i, v)| entry_from_owned(i, v))
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Manifest { entries })
}

fn short(s: &str) -> String {
    crate::clawsig::envelope::describe(Some(&Value::from(s)))
}

/// Shape-check one entry (`i` is its position, for messages).
pub fn entry_from_value(i: usize, v: &Value) -> Result<ManifestEntry, Failure> {
    entry_from_owned(i, v.clone())
}

fn entry_from_owned(i: usize, v: Value) -> Result<ManifestEntry, Failure> {
    let obj = v
        .as_object()
        .ok_or_else(|| invalid(format!("manifest entry {i} is not an object")))?;
    const KEYS: [&str; 4] = ["path", "kind", "sha256_b64u", "size_bytes"];
    if let Some(k) = obj.keys().find(|k| !KEYS.contains(k)) {
        return Err(invalid(format!(
            "manifest entry {i} has an unknown field '{}'",
            short(k)
        )));
    }
    let text = |k: &str| {
        obj.get(k)
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(format!("manifest entry {i} has no string '{k}'")))
    };
    let path = text("path")?;
    if let Some(why) = name_problem(path.as_bytes(), true) {
        return Err(invalid(format!("manifest entry {i}: path {} {why}", short(path))));
    }
    let kind = kind_for_path(path).ok_or_else(|| {
        invalid(format!(
            "manifest entry {i}: {} is not an artifact path of spec 20 §2",
            short(path)
        ))
    })?;
    let stated_kind = text("kind")?;
    if stated_kind != kind {
        return Err(invalid(format!(
            "manifest entry {i}: {} has kind {}, but its path makes it a {kind}",
            short(path),
            short(stated_kind)
        )));
    }
    let hash = text("sha256_b64u")?;
    if b64::b64u_decode_array::<32>(hash).is_err() {
        return Err(invalid(format!(
            "manifest entry {i}: sha256_b64u of {} is not a canonical base64url SHA-256",
            short(path)
        )));
    }
    let size = obj.get("size_bytes").and_then(Value::as_u64).ok_or_else(|| {
        invalid(format!(
            "manifest entry {i}: size_bytes of {} is not a non-negative integer",
            short(path)
        ))
    })?;
    let (path, sha256_b64u) = (path.to_string(), hash.to_string());
    Ok(ManifestEntry {
        path,
        kind,
        sha256_b64u,
        size_bytes: size,
        leaf: merkle::entry_leaf(&v),
        value: v,
    })
}

/// The manifest entry for one file's exact bytes (`None` for a path that is no artifact).
pub fn entry_value(path: &str, bytes: &[u8]) -> Option<Value> {
    let kind = kind_for_path(path)?;
    let mut e = Object::new();
    e.insert("path", Value::from(path));
    e.insert("kind", Value::from(kind));
    e.insert("sha256_b64u", Value::from(sha256_b64u(bytes)));
    e.insert("size_bytes", Value::from(bytes.len() as u64));
    Some(Value::Object(e))
}

/// Build a canonical manifest over files (sorted here, paths must be unique artifacts).
pub fn build_manifest(files: &[(String, Vec<u8>)]) -> Result<Value, String> {
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    if sorted.is_empty() {
        return Err("a bundle needs at least one artifact".into());
    }
    let mut entries = Vec::with_capacity(sorted.len());
    let mut previous: Option<&String> = None;
    for (path, bytes) in &sorted {
        if previous == Some(path) {
            return Err(format!("{path} is listed twice"));
        }
        if let Some(why) = name_problem(path.as_bytes(), true) {
            return Err(format!("{path}: the path {why}"));
        }
        entries.push(entry_value(path, bytes).ok_or_else(|| {
            format!("{path} is not an artifact path (see spec 20 §2: artifacts/policy/wpc.json, artifacts/policy/parents/<policy_id>.json, artifacts/token/cst.jwt, artifacts/plans/<gate>.json, artifacts/approvals/<id>.json, artifacts/receipts/<id>.json, artifacts/proof_bundle.json, artifacts/trust_pulse.json, artifacts/attachments/…)")
        })?);
        previous = Some(path);
    }
    let mut m = Object::new();
    m.insert("manifest_version", Value::from(MANIFEST_VERSION));
    m.insert("entries", Value::Array(entries));
    Ok(Value::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_str;

    fn code(text: &str) -> Option<ReasonCode> {
        parse_manifest(text.as_bytes(), &ParseLimits::default())
            .err()
            .map(|f| f.code)
    }

    const H: &str = "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU";

    fn one(entry: &str) -> String {
        format!(r#"{{"manifest_version":"1","entries":[{entry}]}}"#)
    }

    #[test]
    fn kinds_follow_the_spec_table() {
        assert_eq!(kind_for_path("artifacts/policy/wpc.json"), Some("policy"));
        assert_eq!(kind_for_path("artifacts/token/cst.jwt"), Some("token"));
        assert_eq!(kind_for_path("artifacts/plans/stage_new_secret.json"), Some("plan"));
        assert_eq!(kind_for_path("artifacts/approvals/ar_1.json"), Some("approval"));
        assert_eq!(kind_for_path("artifacts/receipts/rcpt_1.json"), Some("gateway_receipt"));
        assert_eq!(kind_for_path("artifacts/proof_bundle.json"), Some("proof_bundle"));
        assert_eq!(kind_for_path("artifacts/trust_pulse.json"), Some("trust_pulse"));
        assert_eq!(kind_for_path("artifacts/attachments/logs/a.txt"), Some("attachment"));
        assert_eq!(
            kind_for_path("artifacts/rotation/scenario.json"),
            Some("rotation_scenario")
        );
        assert_eq!(
            kind_for_path("artifacts/rotation/events.ndjson"),
            Some("rotation_events")
        );
        assert_eq!(
            kind_for_path("artifacts/rotation/tokens/discover.jwt"),
            Some("rotation_token")
        );
        for other in [
            "artifacts/rotation/tokens/.jwt",
            "artifacts/rotation/tokens/a/b.jwt",
            "artifacts/rotation/tokens/a.json",
            "artifacts/rotation/other.json",
            "artifacts/policy/other.json",
            "artifacts/plans/x.txt",
            "artifacts/plans/.json",
            "artifacts/plans/a/b.json",
            "artifacts/attachments/",
            "artifacts/unknown.json",
            "manifest.json",
            "checkpoint.json",
        ] {
            assert_eq!(kind_for_path(other), None, "{other}");
        }
    }

    #[test]
    fn a_valid_manifest_parses() {
        let text = one(&format!(
            r#"{{"path":"artifacts/attachments/a","kind":"attachment","sha256_b64u":"{H}","size_bytes":0}}"#
        ));
        let m = parse_manifest(text.as_bytes(), &ParseLimits::default()).unwrap();
        assert_eq!(m.entries.len(), 1);
        assert_eq!(m.entries[0].size_bytes, 0);
        assert_eq!(m.order_problem(), None);
    }

    #[test]
    fn shape_problems_are_manifest_invalid() {
        let ok_entry =
            format!(r#"{{"path":"artifacts/attachments/a","kind":"attachment","sha256_b64u":"{H}","size_bytes":0}}"#);
        let cases = [
            "[]".to_string(),
            "not json".to_string(),
            r#"{"manifest_version":"1","entries":[]}"#.to_string(),
            r#"{"manifest_version":"2","entries":[]}"#.to_string(),
            format!(r#"{{"manifest_version":"2","entries":[{ok_entry}]}}"#),
            format!(r#"{{"manifest_version":"1","entries":[{ok_entry}],"extra":1}}"#),
            one(&format!(
                r#"{{"path":"artifacts/attachments/a","kind":"policy","sha256_b64u":"{H}","size_bytes":0}}"#
            )),
            one(&format!(
                r#"{{"path":"artifacts/other","kind":"attachment","sha256_b64u":"{H}","size_bytes":0}}"#
            )),
            one(&format!(
                r#"{{"path":"artifacts/attachments/../x","kind":"attachment","sha256_b64u":"{H}","size_bytes":0}}"#
            )),
            one(r#"{"path":"artifacts/attachments/a","kind":"attachment","sha256_b64u":"abc","size_bytes":0}"#),
            one(&format!(
                r#"{{"path":"artifacts/attachments/a","kind":"attachment","sha256_b64u":"{H}","size_bytes":-1}}"#
            )),
            one(&format!(
                r#"{{"path":"artifacts/attachments/a","kind":"attachment","sha256_b64u":"{H}","size_bytes":1.5}}"#
            )),
            one(&format!(
                r#"{{"path":"artifacts/attachments/a","kind":"attachment","sha256_b64u":"{H}","size_bytes":0,"x":1}}"#
            )),
            one(&format!(
                r#"{{"path":"artifacts/attachments/a","kind":"attachment","sha256_b64u":"{H}"}}"#
            )),
        ];
        for text in cases {
            assert_eq!(code(&text), Some(ReasonCode::ManifestInvalid), "{text}");
        }
    }

    #[test]
    fn order_problems_are_reported() {
        let e = |p: &str| format!(r#"{{"path":"{p}","kind":"attachment","sha256_b64u":"{H}","size_bytes":0}}"#);
        let unsorted = format!(
            r#"{{"manifest_version":"1","entries":[{},{}]}}"#,
            e("artifacts/attachments/b"),
            e("artifacts/attachments/a")
        );
        let m = parse_manifest(unsorted.as_bytes(), &ParseLimits::default()).unwrap();
        assert_eq!(
            m.order_problem(),
            Some(("artifacts/attachments/b", "artifacts/attachments/a"))
        );
        let dup = format!(
            r#"{{"manifest_version":"1","entries":[{},{}]}}"#,
            e("artifacts/attachments/a"),
            e("artifacts/attachments/a")
        );
        let m = parse_manifest(dup.as_bytes(), &ParseLimits::default()).unwrap();
        assert!(m.order_problem().is_some());
        // Byte order, not case-folded: "B" (0x42) sorts before "a" (0x61).
        let bytes_order = format!(
            r#"{{"manifest_version":"1","entries":[{},{}]}}"#,
            e("artifacts/attachments/B"),
            e("artifacts/attachments/a")
        );
        let m = parse_manifest(bytes_order.as_bytes(), &ParseLimits::default()).unwrap();
        assert_eq!(m.order_problem(), None);
    }

    #[test]
    fn built_manifest_is_sorted_and_hashes_exact_bytes() {
        let files = vec![
            ("artifacts/trust_pulse.json".to_string(), b"{}".to_vec()),
            ("artifacts/attachments/a.txt".to_string(), Vec::new()),
        ];
        let m = build_manifest(&files).unwrap();
        let expected = parse_str(&format!(
            r#"{{"manifest_version":"1","entries":[
                {{"path":"artifacts/attachments/a.txt","kind":"attachment","sha256_b64u":"{H}","size_bytes":0}},
                {{"path":"artifacts/trust_pulse.json","kind":"trust_pulse","sha256_b64u":"RBNvo1WzZ4oRRq0W9-hknpT7T8If536DEMBg9hyq_4o","size_bytes":2}}]}}"#
        ))
        .unwrap();
        assert_eq!(m, expected);
        assert!(build_manifest(&[("artifacts/x".to_string(), vec![])]).is_err());
        assert!(build_manifest(&[]).is_err());
    }
}
