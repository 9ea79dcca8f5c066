//! The Trust Pulse document (`poh/trust_pulse.v1.json`): a self-reported run summary. In a
//! sealed bundle it is schema-checked only; it never raises a tier and is never trusted.

use crate::json::Value;
use crate::schema_rules as rules;

const KEYS: [&str; 12] = [
    "trust_pulse_version",
    "trust_pulse_id",
    "run_id",
    "agent_did",
    "issued_at",
    "evidence_class",
    "tier_uplift",
    "started_at",
    "ended_at",
    "duration_ms",
    "tools",
    "files",
];
const REQUIRED: [&str; 8] = [
    "trust_pulse_version",
    "run_id",
    "agent_did",
    "issued_at",
    "evidence_class",
    "tier_uplift",
    "tools",
    "files",
];

/// Check the closed schema of a Trust Pulse document; the error names the field.
pub fn validate(v: &Value) -> Result<(), String> {
    let at = "trust_pulse";
    let obj = rules::object(v, at)?;
    rules::closed_keys(obj, &KEYS, &REQUIRED, at)?;
    rules::constant(obj, "trust_pulse_version", "1", at)?;
    rules::opt_str(obj, "trust_pulse_id", 1, usize::MAX, at)?;
    rules::req_str(obj, "run_id", 1, usize::MAX, at)?;
    rules::did(obj, "agent_did", at)?;
    for key in ["issued_at", "started_at", "ended_at"] {
        rules::date_time(obj, key, at)?;
    }
    rules::constant(obj, "evidence_class", "self_reported", at)?;
    if obj.get("tier_uplift") != Some(&Value::Bool(false)) {
        return Err(format!(
            "{at}.tier_uplift must be false: a trust pulse never raises a tier"
        ));
    }
    if obj.get("duration_ms").is_some_and(|d| d.as_u64().is_none()) {
        return Err(format!("{at}.duration_ms must be a non-negative integer"));
    }
    for (i, tool) in rules::array(obj, "tools", 0, 128, at)?.iter().enumerate() {
        let here = format!("{at}.tools[{i}]");
        let t = rules::object(tool, &here)?;
        rules::closed_keys(t, &["name", "calls"], &["name", "calls"], &here)?;
        rules::req_str(t, "name", 1, 128, &here)?;
        count(t.get("calls"), &here, "calls")?;
    }
    for (i, file) in rules::array(obj, "files", 0, 512, at)?.iter().enumerate() {
        let here = format!("{at}.files[{i}]");
        let f = rules::object(file, &here)?;
        rules::closed_keys(f, &["path", "touches"], &["path", "touches"], &here)?;
        let path = rules::req_str(f, "path", 1, 1024, &here)?;
        if !is_safe_relative_path(path) {
            return Err(format!(
                "{here}.path must be a safe relative path (no leading '/' or '~', no '..' segment, no backslash)"
            ));
        }
        count(f.get("touches"), &here, "touches")?;
    }
    Ok(())
}

fn count(v: Option<&Value>, here: &str, key: &str) -> Result<(), String> {
    match v.and_then(Value::as_u64) {
        Some(_) => Ok(()),
        None => Err(format!("{here}.{key} must be a non-negative integer")),
    }
}

/// The schema's pattern `^(?!/)(?!~)(?!.*\\)(?!.*(?:^|/)\.\.(?:/|$)).+$`.
fn is_safe_relative_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.starts_with('~')
        && !path.contains('\\')
        && !path.split('/').any(|segment| segment == "..")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_str;

    fn pulse(extra: &str) -> Value {
        parse_str(&format!(
            r#"{{"trust_pulse_version":"1","run_id":"run_1","agent_did":"did:key:z6Mk","issued_at":"2026-02-18T00:00:00Z",
               "evidence_class":"self_reported","tier_uplift":false,"tools":[{{"name":"git","calls":3}}],
               "files":[{{"path":"src/main.rs","touches":2}}]{extra}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn accepts_a_valid_pulse() {
        assert_eq!(validate(&pulse("")), Ok(()));
        assert_eq!(
            validate(&pulse(r#","duration_ms":1200,"started_at":"2026-02-18T00:00:00Z""#)),
            Ok(())
        );
    }

    #[test]
    fn rejects_what_the_schema_forbids() {
        for (extra, needle) in [
            (r#","tier":"gateway""#, "tier"),
            (r#","duration_ms":-1"#, "duration_ms"),
            (r#","started_at":"yesterday""#, "started_at"),
        ] {
            let err = validate(&pulse(extra)).unwrap_err();
            assert!(err.contains(needle), "{extra}: {err}");
        }
        let uplift = parse_str(
            r#"{"trust_pulse_version":"1","run_id":"r","agent_did":"did:key:z","issued_at":"2026-02-18T00:00:00Z",
                "evidence_class":"self_reported","tier_uplift":true,"tools":[],"files":[]}"#,
        )
        .unwrap();
        assert!(validate(&uplift).unwrap_err().contains("tier_uplift"));
        for bad in ["/etc/passwd", "~/x", "a/../b", "..", "a\\b"] {
            assert!(!is_safe_relative_path(bad), "{bad}");
        }
        assert!(is_safe_relative_path("a/..b/c"));
    }
}
