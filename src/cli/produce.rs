//! Shared plumbing of the producer subcommands (keygen, policy, token, approve, receipt):
//! reading inputs, writing outputs, the current time. The signing logic is in the library.

use std::path::Path;

use crate::json::{self, Value};
use crate::timeutil::{format_rfc3339, parse_rfc3339};

/// Producer inputs are small documents; refuse anything larger.
const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;

pub fn read_bytes(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    if meta.len() > MAX_INPUT_BYTES as u64 {
        return Err(format!(
            "{what} {} is larger than {MAX_INPUT_BYTES} bytes",
            path.display()
        ));
    }
    std::fs::read(path).map_err(|e| format!("cannot read {what} {}: {e}", path.display()))
}

pub fn read_json(path: &Path, what: &str) -> Result<Value, String> {
    let bytes = read_bytes(path, what)?;
    json::parse(&bytes, &json::ParseLimits::default())
        .map_err(|e| format!("{what} {} is not acceptable JSON: {e}", path.display()))
}

/// Write a JSON document, pretty-printed, keeping key order (what is hashed is re-read
/// from the file by the verifier, and the parse gives back the same values and order).
pub fn write_json(path: &Path, value: &Value) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(&value.to_serde()).map_err(|e| format!("cannot serialize: {e}"))?;
    text.push('\n');
    write_text(path, &text)
}

pub fn write_text(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The current time, RFC 3339 UTC with milliseconds. Only producers read the clock.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    format_rfc3339(i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0))
}

/// A time flag: validated RFC 3339, or now when absent.
pub fn time_or_now(flag: Option<&str>, name: &str) -> Result<String, String> {
    match flag {
        Some(t) if parse_rfc3339(t).is_some() => Ok(t.to_string()),
        Some(t) => Err(format!(
            "{name} \"{t}\" is not an RFC 3339 date-time (e.g. 2026-03-01T12:00:00Z)"
        )),
        None => Ok(now_rfc3339()),
    }
}

/// Epoch seconds from a flag given as seconds or as RFC 3339.
pub fn epoch_seconds(text: &str, name: &str) -> Result<i64, String> {
    if let Ok(n) = text.parse::<i64>() {
        return Ok(n);
    }
    parse_rfc3339(text)
        .map(|ms| ms.div_euclid(1000))
        .ok_or_else(|| format!("{name} \"{text}\" is neither epoch seconds nor an RFC 3339 date-time"))
}
