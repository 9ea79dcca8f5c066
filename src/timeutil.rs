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
    if let Some(ms) = parse_common_utc(text.as_bytes()) {
        return Some(ms);
    }
    let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Fast path for the form producers write, `YYYY-MM-DDTHH:MM:SSZ` or `…SS.mmmZ`, from 1970
/// on: the same value the general parser gives, without it (bundles carry thousands of
/// timestamps). Anything else (offsets, other precisions, leap seconds, lower-case letters,
/// other separators, earlier years, invalid dates) returns `None` and goes the general way.
fn parse_common_utc(b: &[u8]) -> Option<Millis> {
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(range)?;
        part.iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let millis = match b.len() {
        20 => 0,
        24 if b.get(19) == Some(&b'.') => digits(20..23)?,
        _ => return None,
    };
    let punctuation = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if b.last() != Some(&b'Z') || punctuation.iter().any(|&(i, c)| b.get(i) != Some(&c)) {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if year < 1970 || !(1..=month_days).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // Days since 1970-01-01 (proleptic Gregorian, March-based year).
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era_day = 365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + day - 1;
    let days = era_day - 719_468;
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
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

    /// The general parser alone (the reference for the fast path).
    fn general(text: &str) -> Option<Millis> {
        let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
        i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
    }

    #[test]
    fn fast_path_agrees_with_the_general_parser() {
        let mut checked = 0;
        for year in [1970, 1971, 1999, 2000, 2024, 2025, 2026, 2038, 2100, 2400, 9999] {
            for month in 0..=13 {
                for day in [0, 1, 15, 28, 29, 30, 31, 32] {
                    for (h, mi, s) in [
                        (0, 0, 0),
                        (23, 59, 59),
                        (12, 30, 45),
                        (24, 0, 0),
                        (0, 60, 0),
                        (0, 0, 60),
                    ] {
                        for frac in ["", ".000", ".999", ".5", ".123456", ".12a"] {
                            let text = format!("{year:04}-{month:02}-{day:02}T{h:02}:{mi:02}:{s:02}{frac}Z");
                            assert_eq!(parse_rfc3339(&text), general(&text), "{text}");
                            checked += usize::from(parse_common_utc(text.as_bytes()).is_some());
                        }
                    }
                }
            }
        }
        assert!(checked > 1000, "{checked}");
        // Forms the fast path leaves to the general parser.
        for text in [
            "2026-02-12t00:00:00z",
            "2026-02-12 00:00:00Z",
            "2026-02-12T00:00:00+01:00",
            "1969-12-31T23:59:59.999Z",
            "2016-12-31T23:59:60Z",
            "2026-02-12T00:00:00.1234567891Z",
            "+2026-02-12T00:00:00Z",
            "2026-02-12T00:00:00.000ZZ",
        ] {
            assert_eq!(parse_common_utc(text.as_bytes()), None, "{text}");
            assert_eq!(parse_rfc3339(text), general(text), "{text}");
        }
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
