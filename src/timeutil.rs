//! RFC 3339 timestamps as milliseconds since the Unix epoch. Check code compares these
//! numbers; it never reads the clock (the CLI passes `--at` in through the context).

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = i64;

/// Parse a strict RFC 3339 date-time (`2026-02-12T00:00:00.000Z`, offsets allowed).
pub fn parse_rfc3339(text: &str) -> Option<Millis> {
    // RFC 3339 timestamps are short; refuse long hostile strings before parsing.
    if text.len() > 64 {
        return None;
    }
    let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Format as RFC 3339 UTC with millisecond precision, e.g. `2026-02-17T22:38:41.556Z`.
pub fn format_rfc3339(ms: Millis) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    match OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(t) => {
            let (y, mo, d) = (t.year(), u8::from(t.month()), t.day());
            format!(
                "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
                t.hour(),
                t.minute(),
                t.second(),
                t.millisecond()
            )
        }
        Err(_) => format!("@{ms}ms"),
    }
}

/// Seconds since the epoch to milliseconds, saturating.
pub fn secs_to_ms(secs: i64) -> Millis {
    secs.saturating_mul(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        let t = parse_rfc3339("2026-02-17T22:38:41.556Z").unwrap();
        assert_eq!(t, 1_771_367_921_556);
        assert_eq!(format_rfc3339(t), "2026-02-17T22:38:41.556Z");
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Some(0));
    }

    #[test]
    fn rejects_non_rfc3339() {
        for s in [
            "Feb 12 2026",
            "2026-02-12",
            "2026-02-30T00:00:00Z",
            "2026-02-12T00:00:00",
            "",
        ] {
            assert_eq!(parse_rfc3339(s), None, "{s}");
        }
    }
}
