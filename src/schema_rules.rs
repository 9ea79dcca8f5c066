//! Hand-written JSON Schema rules for the closed shapes we check without a schema engine: the
//! Clawsig export, aggregate and attestation shapes (`clawsig`) and the WPC, CST and approval
//! schemas (`policy`). Lengths count code points, as JSON Schema does. Each rule returns one
//! phrase naming the offending field; callers wrap it in their artifact's reason code.
//!
//! The two families word a closed-object failure differently (`closed_keys` for the Clawsig
//! shapes, `closed` + `required` for the policy schemas); both wordings are kept because the
//! messages are part of the reports we emit.

use crate::crypto::b64;
use crate::json::{Object, Value};
use crate::timeutil::parse_rfc3339;

pub type RuleResult<T = ()> = Result<T, String>;

/// Counts of characters as JSON Schema counts them (code points).
pub(crate) fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Shorten an untrusted string for a message.
pub(crate) fn short(s: &str) -> String {
    const MAX: usize = 60;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", s.get(..cut).unwrap_or_default()),
        None => s.to_string(),
    }
}

// ---- closed objects -------------------------------------------------------------------

/// `additionalProperties: false` plus `required`, in the Clawsig shapes' wording.
pub fn closed_keys(obj: &Object, allowed: &[&str], required: &[&str], at: &str) -> RuleResult {
    closed_then_required(obj, allowed, required.iter(), at)
}

/// `closed_keys` where every allowed key but the `optional` ones is required (the usual way
/// a closed schema reads, without writing most keys twice).
pub fn closed_keys_optional(obj: &Object, allowed: &[&str], optional: &[&str], at: &str) -> RuleResult {
    closed_then_required(obj, allowed, allowed.iter().filter(|k| !optional.contains(k)), at)
}

fn closed_then_required<'k>(
    obj: &Object,
    allowed: &[&str],
    mut required: impl Iterator<Item = &'k &'k str>,
    at: &str,
) -> RuleResult {
    if let Some(extra) = obj.keys().find(|k| !allowed.contains(k)) {
        return Err(format!("{at} has an unknown field '{extra}'"));
    }
    if let Some(missing) = required.find(|k| !obj.contains_key(k)) {
        return Err(format!("{at} has no '{missing}' field"));
    }
    Ok(())
}

/// `additionalProperties: false`, in the policy schemas' wording.
pub fn closed(obj: &Object, allowed: &[&str], here: &str) -> RuleResult {
    match obj.keys().find(|k| !allowed.contains(k)) {
        Some(k) => Err(format!("{here} has a field \"{}\" its schema does not allow", short(k))),
        None => Ok(()),
    }
}

/// `required`, in the policy schemas' wording.
pub fn required(obj: &Object, keys: &[&str], here: &str) -> RuleResult {
    match keys.iter().find(|k| !obj.contains_key(k)) {
        Some(k) => Err(format!("{here} has no \"{k}\"")),
        None => Ok(()),
    }
}

// ---- values ---------------------------------------------------------------------------

pub fn object<'a>(v: &'a Value, here: &str) -> RuleResult<&'a Object> {
    v.as_object().ok_or_else(|| format!("{here} must be an object"))
}

/// A string whose length (in code points) is within `min..=max`.
pub fn text<'a>(v: &'a Value, min: usize, max: usize, here: &str) -> RuleResult<&'a str> {
    let s = v.as_str().ok_or_else(|| format!("{here} must be a string"))?;
    let n = char_len(s);
    if n < min || n > max {
        return Err(format!("{here} has {n} characters, allowed {min} to {max}"));
    }
    Ok(s)
}

pub fn one_of(v: &Value, allowed: &[&str], here: &str) -> RuleResult {
    match v.as_str() {
        Some(s) if allowed.contains(&s) => Ok(()),
        _ => Err(format!("{here} must be one of {}", allowed.join(", "))),
    }
}

// ---- members (each rule passes when the member is absent) ------------------------------

/// The member must be an object.
pub fn opt_object<'a>(obj: &'a Object, key: &str, at: &str) -> RuleResult<Option<&'a Object>> {
    obj.get(key).map(|v| object(v, &format!("{at}.{key}"))).transpose()
}

/// One of the listed strings.
pub fn opt_one_of(obj: &Object, key: &str, allowed: &[&str], here: &str) -> RuleResult {
    match obj.get(key) {
        None => Ok(()),
        Some(v) => one_of(v, allowed, &format!("{here}.{key}")),
    }
}

/// A string whose length (in code points) is within `min..=max`.
pub fn opt_str<'a>(obj: &'a Object, key: &str, min: usize, max: usize, here: &str) -> RuleResult<Option<&'a str>> {
    match obj.get(key) {
        None => Ok(None),
        Some(v) => text(v, min, max, &format!("{here}.{key}")).map(Some),
    }
}

/// Like `opt_str`, but the member must be there.
pub fn req_str<'a>(obj: &'a Object, key: &str, min: usize, max: usize, here: &str) -> RuleResult<&'a str> {
    opt_str(obj, key, min, max, here)?.ok_or_else(|| format!("{here} has no \"{key}\""))
}

/// `{ "const": value }` for a string.
pub fn constant(obj: &Object, key: &str, value: &str, at: &str) -> RuleResult {
    match obj.get(key) {
        None => Ok(()),
        Some(v) if v.as_str() == Some(value) => Ok(()),
        Some(_) => Err(format!("{at}.{key} must be \"{value}\"")),
    }
}

/// A string of at least `min` characters.
pub fn string(obj: &Object, key: &str, min: usize, at: &str) -> RuleResult {
    match obj.get(key) {
        None => Ok(()),
        Some(Value::String(s)) if char_len(s) >= min => Ok(()),
        Some(_) if min == 0 => Err(format!("{at}.{key} must be a string")),
        Some(_) => Err(format!("{at}.{key} must be a string of at least {min} characters")),
    }
}

/// `^[A-Za-z0-9_-]+$` with a minimum length.
pub fn b64u(obj: &Object, key: &str, min: usize, at: &str) -> RuleResult {
    match obj.get(key) {
        None => Ok(()),
        Some(Value::String(s)) if b64::is_b64u_syntax(s, min.max(1)) => Ok(()),
        Some(_) => Err(format!(
            "{at}.{key} must be a base64url string of at least {} characters",
            min.max(1)
        )),
    }
}

/// `^did:`.
pub fn did(obj: &Object, key: &str, at: &str) -> RuleResult {
    match obj.get(key) {
        None => Ok(()),
        Some(Value::String(s)) if s.starts_with("did:") => Ok(()),
        Some(_) => Err(format!("{at}.{key} must be a string starting with 'did:'")),
    }
}

/// `format: date-time`, read strictly as RFC 3339.
pub fn date_time(obj: &Object, key: &str, at: &str) -> RuleResult {
    match obj.get(key) {
        None => Ok(()),
        Some(Value::String(s)) if parse_rfc3339(s).is_some() => Ok(()),
        Some(_) => Err(format!("{at}.{key} must be an RFC 3339 date-time")),
    }
}

/// A number with a minimum.
pub fn number_min(obj: &Object, key: &str, min: f64, at: &str) -> RuleResult {
    match obj.get(key) {
        None => Ok(()),
        Some(Value::Number(n)) if *n >= min => Ok(()),
        Some(_) => Err(format!("{at}.{key} must be a number ≥ {min}")),
    }
}

/// An array of `min..=max` items; returns its items (none when absent).
pub fn array<'a>(obj: &'a Object, key: &str, min: usize, max: usize, at: &str) -> RuleResult<&'a [Value]> {
    match obj.get(key) {
        None => Ok(&[]),
        Some(Value::Array(items)) if items.len() >= min && items.len() <= max => Ok(items),
        Some(Value::Array(items)) => Err(format!("{at}.{key} has {} items, allowed {min} to {max}", items.len())),
        Some(_) => Err(format!("{at}.{key} must be an array")),
    }
}

/// An array of `min..=max` items, each checked by `item`.
pub fn opt_array(
    obj: &Object,
    key: &str,
    min: usize,
    max: usize,
    here: &str,
    item: impl Fn(&Value, &str) -> RuleResult,
) -> RuleResult {
    for (i, x) in array(obj, key, min, max, here)?.iter().enumerate() {
        item(x, &format!("{here}.{key}[{i}]"))?;
    }
    Ok(())
}

// ---- string patterns ------------------------------------------------------------------

/// A SHA-256 digest in base64url: exactly 43 characters of the alphabet.
pub fn is_hash43(s: &str) -> bool {
    s.len() == 43 && b64::is_b64u_syntax(s, 1)
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
