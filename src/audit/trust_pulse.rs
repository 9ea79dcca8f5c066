//! The Trust Pulse document (`poh/trust_pulse.v1.json`): a self-reported run summary. In a
//! sealed bundle it is schema-checked only; it never raises a tier and is never trusted.

use crate::json::Value;
use crate::schema_rules::{text, Obj, RuleResult, SchemaViolation};

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

/// Check the closed schema of a Trust Pulse document; the violation names the field.
pub fn validate(v: &Value) -> RuleResult {
    let o = Obj::new(v, "trust_pulse")?;
    o.closed(&KEYS)?
        .required(&REQUIRED)?
        .konst("trust_pulse_version", "1")?
        .str_min("trust_pulse_id", 1)?
        .str_min("run_id", 1)?
        .did("agent_did")?
        .date_time("issued_at")?
        .date_time("started_at")?
        .date_time("ended_at")?
        .konst("evidence_class", "self_reported")?
        // A trust pulse never raises a tier.
        .konst_bool("tier_uplift", false)?
        .uint("duration_ms", 0)?
        .each("tools", 0, 128, |tool, at| {
            Obj::new(tool, at)?
                .closed_optional(&["name", "calls"], &[])?
                .str_len("name", 1, 128)?
                .uint("calls", 0)?;
            Ok(())
        })?
        .each("files", 0, 512, |file, at| {
            let f = Obj::new(file, at)?;
            f.closed_optional(&["path", "touches"], &[])?;
            f.require("path", |v, at| match text(v, 1, 1024, at)? {
                path if is_safe_relative_path(path) => Ok(()),
                _ => Err(SchemaViolation::new(
                    at,
                    "must be a safe relative path (no leading '/' or '~', no '..' segment, no backslash)",
                )),
            })?;
            f.uint("touches", 0)?;
            Ok(())
        })?;
    Ok(())
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
            let err = validate(&pulse(extra)).unwrap_err().to_string();
            assert!(err.contains(needle), "{extra}: {err}");
        }
        let uplift = parse_str(
            r#"{"trust_pulse_version":"1","run_id":"r","agent_did":"did:key:z","issued_at":"2026-02-18T00:00:00Z",
                "evidence_class":"self_reported","tier_uplift":true,"tools":[],"files":[]}"#,
        )
        .unwrap();
        assert!(validate(&uplift).unwrap_err().to_string().contains("tier_uplift"));
        for bad in ["/etc/passwd", "~/x", "a/../b", "..", "a\\b"] {
            assert!(!is_safe_relative_path(bad), "{bad}");
        }
        assert!(is_safe_relative_path("a/..b/c"));
    }
}
