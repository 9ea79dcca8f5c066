//! Small hand-written JSON Schema helpers for the closed Clawsig schemas this module checks
//! (WPC v1/v2, CST claims, human approval receipts). Lengths count code points, as JSON
//! Schema does. Every error is one phrase naming the offending field.

use crate::json::{Object, Value};

use super::{char_len, short};

pub type SchemaResult<T> = Result<T, String>;

pub fn object<'a>(v: &'a Value, here: &str) -> SchemaResult<&'a Object> {
    v.as_object().ok_or_else(|| format!("{here} must be an object"))
}

/// `additionalProperties: false`.
pub fn closed(obj: &Object, allowed: &[&str], here: &str) -> SchemaResult<()> {
    match obj.keys().find(|k| !allowed.contains(k)) {
        Some(k) => Err(format!("{here} has a field \"{}\" its schema does not allow", short(k))),
        None => Ok(()),
    }
}

pub fn required(obj: &Object, keys: &[&str], here: &str) -> SchemaResult<()> {
    match keys.iter().find(|k| !obj.contains_key(k)) {
        Some(k) => Err(format!("{here} has no \"{k}\"")),
        None => Ok(()),
    }
}

/// An optional string whose length (in code points) is within `min..=max`.
pub fn opt_str<'a>(obj: &'a Object, key: &str, min: usize, max: usize, here: &str) -> SchemaResult<Option<&'a str>> {
    match obj.get(key) {
        None => Ok(None),
        Some(v) => text(v, min, max, &format!("{here}.{key}")).map(Some),
    }
}

pub fn req_str<'a>(obj: &'a Object, key: &str, min: usize, max: usize, here: &str) -> SchemaResult<&'a str> {
    opt_str(obj, key, min, max, here)?.ok_or_else(|| format!("{here} has no \"{key}\""))
}

pub fn text<'a>(v: &'a Value, min: usize, max: usize, here: &str) -> SchemaResult<&'a str> {
    let s = v.as_str().ok_or_else(|| format!("{here} must be a string"))?;
    let n = char_len(s);
    if n < min || n > max {
        return Err(format!("{here} has {n} characters, allowed {min} to {max}"));
    }
    Ok(s)
}

pub fn one_of(v: &Value, allowed: &[&str], here: &str) -> SchemaResult<()> {
    match v.as_str() {
        Some(s) if allowed.contains(&s) => Ok(()),
        _ => Err(format!("{here} must be one of {}", allowed.join(", "))),
    }
}

pub fn opt_one_of(obj: &Object, key: &str, allowed: &[&str], here: &str) -> SchemaResult<()> {
    match obj.get(key) {
        None => Ok(()),
        Some(v) => one_of(v, allowed, &format!("{here}.{key}")),
    }
}

/// An optional array of `min..=max` items, each checked by `item`.
pub fn opt_array(
    obj: &Object,
    key: &str,
    min: usize,
    max: usize,
    here: &str,
    item: impl Fn(&Value, &str) -> SchemaResult<()>,
) -> SchemaResult<()> {
    let Some(v) = obj.get(key) else { return Ok(()) };
    let here = format!("{here}.{key}");
    let items = v.as_array().ok_or_else(|| format!("{here} must be an array"))?;
    if items.len() < min || items.len() > max {
        return Err(format!("{here} has {} items, allowed {min} to {max}", items.len()));
    }
    for (i, x) in items.iter().enumerate() {
        item(x, &format!("{here}[{i}]"))?;
    }
    Ok(())
}

/// `^[A-Za-z0-9_-]+$`.
pub fn is_b64u_chars(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A SHA-256 digest in base64url: exactly 43 characters of the alphabet.
pub fn is_hash43(s: &str) -> bool {
    s.len() == 43 && is_b64u_chars(s)
}

/// `^did:[a-z0-9]+:[a-zA-Z0-9._%-]+$` (the CST schema's DID pattern).
pub fn is_did_pattern(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("did:") else {
        return false;
    };
    let Some((method, id)) = rest.split_once(':') else {
        return false;
    };
    !method.is_empty()
        && method.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'-'))
}
