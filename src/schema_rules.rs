//! Hand-written JSON Schema rules for the closed shapes we check without a schema engine: the
//! Clawsig proof-bundle, export, aggregate, attestation, URM and log-proof shapes (`clawsig`),
//! the WPC, plan and approval schemas (`policy`) and the Trust Pulse (`audit`).
//!
//! One error type: a broken rule is a [`SchemaViolation`], the JSON path where it broke and a
//! phrase naming the rule, read together as one sentence ("payload.bundle_id must be a string
//! of at least 1 character"). An object's own rules (closed, required) are reported at the
//! object ("manifest has an unknown field 'x'", "wpc has no 'statements' field"), every other
//! rule at the member. [`SchemaViolation::into_failure`] makes it a failed check.
//!
//! The rules are functions over one value (`object`, `text`, `did`, `date_time`, `array`, …)
//! that return what they checked. [`Obj`] is the view of one object with its path: member rules
//! that chain (`o.closed(..)?.konst(..)?.did(..)?`), typed reads for the views checks build
//! after their schema (`o.text(..)`, `o.time(..)`), and nested objects and items that extend
//! the path. `closed`, `required`, `opt_str`, `req_str`, `opt_one_of` and `opt_array` are the
//! same member rules called with the object and its path as arguments.
//!
//! Lengths count code points, as JSON Schema does. A member rule passes when the member is
//! absent (`required` is its own rule). Paths are [`Path`]s, rendered only when a rule breaks:
//! checking a 1000-receipt proof bundle builds no path text.

use std::fmt;

use rayon::prelude::*;

use crate::crypto::b64;
use crate::json::{Object, Value};
use crate::reason::ReasonCode;
use crate::report::Failure;
use crate::timeutil::{parse_rfc3339, Millis};

/// One broken schema rule: where (a JSON path, `""` for the document itself) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaViolation {
    pub path: String,
    /// The rule, as a phrase about the value at `path` ("must be an RFC 3339 date-time").
    pub message: String,
    /// Set when breaking this rule has its own reason code (the causal binding fields of
    /// §3.10, evidence families we do not verify); otherwise the caller's code applies.
    pub code: Option<ReasonCode>,
}

pub type RuleResult<T = ()> = Result<T, SchemaViolation>;

impl SchemaViolation {
    pub fn new(path: impl ToString, message: impl Into<String>) -> SchemaViolation {
        SchemaViolation {
            path: path.to_string(),
            message: message.into(),
            code: None,
        }
    }

    pub fn with_code(mut self, code: ReasonCode) -> SchemaViolation {
        self.code = Some(code);
        self
    }

    /// The violation as a sentence about the artifact `label` names: "the export bundle has
    /// an unknown field 'x'", "the proof bundle's payload.urm.urm_id must be …".
    pub fn describe(&self, label: &str) -> String {
        if self.path.is_empty() {
            format!("the {label} {}", self.message)
        } else {
            format!("the {label}'s {} {}", self.path, self.message)
        }
    }

    /// As a failed check: `code` unless the rule has its own, the detail `describe(label)`,
    /// located at the path (the subject for the document itself). A caller that reports the
    /// artifact elsewhere relocates it with `Failure::located`.
    pub fn into_failure(self, check: &'static str, code: ReasonCode, label: &str) -> Failure {
        let failure = Failure::new(check, self.code.unwrap_or(code), self.describe(label));
        if self.path.is_empty() {
            failure
        } else {
            failure.at_path(self.path)
        }
    }
}

/// `into_failure` with `SCHEMA_VALIDATION_FAILED` (unless the rule has its own code), as a
/// function for `map_err`.
pub fn schema_failure<'l>(check: &'static str, label: &'l str) -> impl Fn(SchemaViolation) -> Failure + Copy + 'l {
    move |v| v.into_failure(check, ReasonCode::SchemaValidationFailed, label)
}

/// "{path} {message}"; the document itself is "the document".
impl fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "the document"
        } else {
            &self.path
        };
        write!(f, "{path} {}", self.message)
    }
}

/// For producers, whose errors are text for the CLI.
impl From<SchemaViolation> for String {
    fn from(v: SchemaViolation) -> String {
        v.to_string()
    }
}

/// A JSON path built as rules descend, borrowed from the caller's stack; rendered
/// (`Display`) only for a violation. `Text("")` is the document itself, whose members render
/// without a leading dot (`payload.receipts[3]`).
#[derive(Clone, Copy, Debug)]
pub enum Path<'a> {
    /// A whole path, or a name for the document ("wpc", "urm").
    Text(&'a str),
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    pub const ROOT: Path<'static> = Path::Text("");

    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Key(self, key)
    }

    pub fn index(&'a self, i: usize) -> Path<'a> {
        Path::Index(self, i)
    }

    fn is_root(&self) -> bool {
        matches!(self, Path::Text(""))
    }

    fn violation(&self, message: impl Into<String>) -> SchemaViolation {
        SchemaViolation::new(self, message)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Text(text) => f.write_str(text),
            Path::Key(parent, key) if parent.is_root() => f.write_str(key),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

impl<'a> From<&'a str> for Path<'a> {
    fn from(text: &'a str) -> Path<'a> {
        Path::Text(text)
    }
}

impl<'a> From<&'a String> for Path<'a> {
    fn from(text: &'a String) -> Path<'a> {
        Path::Text(text)
    }
}

impl<'a, 'b> From<&'a Path<'b>> for Path<'b> {
    fn from(path: &'a Path<'b>) -> Path<'b> {
        *path
    }
}

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

/// "at least 8 characters", "1 to 128 characters", "at most 16 items".
fn bounds(min: usize, max: usize, noun: &str) -> String {
    let (phrase, last) = match (min, max) {
        (min, usize::MAX) => (format!("at least {min}"), min),
        (0, max) => (format!("at most {max}"), max),
        (min, max) if min == max => (format!("exactly {min}"), min),
        (min, max) => (format!("{min} to {max}"), max),
    };
    format!("{phrase} {noun}{}", if last == 1 { "" } else { "s" })
}

// ---- rules over one value --------------------------------------------------------------

pub fn object<'v, 'p>(v: &'v Value, at: impl Into<Path<'p>>) -> RuleResult<&'v Object> {
    v.as_object().ok_or_else(|| at.into().violation("must be an object"))
}

/// An array of `min..=max` items.
pub fn array<'v, 'p>(v: &'v Value, min: usize, max: usize, at: impl Into<Path<'p>>) -> RuleResult<&'v [Value]> {
    match v {
        Value::Array(items) if (min..=max).contains(&items.len()) => Ok(items),
        Value::Array(_) => Err(at.into().violation(format!("must have {}", bounds(min, max, "item")))),
        _ => Err(at.into().violation("must be an array")),
    }
}

/// A string of `min..=max` characters (code points).
pub fn text<'v, 'p>(v: &'v Value, min: usize, max: usize, at: impl Into<Path<'p>>) -> RuleResult<&'v str> {
    match v {
        Value::String(s) if (min..=max).contains(&char_len(s)) => Ok(s),
        Value::String(_) => Err(at
            .into()
            .violation(format!("must be a string of {}", bounds(min, max, "character")))),
        _ => Err(at.into().violation("must be a string")),
    }
}

/// `enum` over strings.
pub fn one_of<'p>(v: &Value, allowed: &[&str], at: impl Into<Path<'p>>) -> RuleResult {
    match v.as_str() {
        Some(s) if allowed.contains(&s) => Ok(()),
        _ => Err(at.into().violation(format!("must be one of {}", allowed.join(", ")))),
    }
}

/// `const` with a string value (any other type breaks it).
pub fn konst<'p>(v: &Value, expected: &str, at: impl Into<Path<'p>>) -> RuleResult {
    match v.as_str() {
        Some(s) if s == expected => Ok(()),
        _ => Err(at.into().violation(format!("must be \"{expected}\""))),
    }
}

/// `const` with a boolean value.
pub fn konst_bool<'p>(v: &Value, expected: bool, at: impl Into<Path<'p>>) -> RuleResult {
    match v {
        Value::Bool(b) if *b == expected => Ok(()),
        _ => Err(at.into().violation(format!("must be {expected}"))),
    }
}

/// `^[A-Za-z0-9_-]+$` with `minLength` (at least 1).
pub fn b64u<'v, 'p>(v: &'v Value, min: usize, at: impl Into<Path<'p>>) -> RuleResult<&'v str> {
    let min = min.max(1);
    match v.as_str() {
        Some(s) if b64::is_b64u_syntax(s, min) => Ok(s),
        _ => Err(at.into().violation(format!(
            "must be a base64url string of {}",
            bounds(min, usize::MAX, "character")
        ))),
    }
}

/// `pattern: "^did:"`.
pub fn did<'v, 'p>(v: &'v Value, at: impl Into<Path<'p>>) -> RuleResult<&'v str> {
    match v.as_str() {
        Some(s) if s.starts_with("did:") => Ok(s),
        _ => Err(at.into().violation("must be a string starting with \"did:\"")),
    }
}

/// `format: date-time`, read strictly as RFC 3339 (stricter than ajv-formats).
pub fn date_time<'p>(v: &Value, at: impl Into<Path<'p>>) -> RuleResult<Millis> {
    v.as_str()
        .and_then(parse_rfc3339)
        .ok_or_else(|| at.into().violation("must be an RFC 3339 date-time"))
}

pub fn number<'p>(v: &Value, at: impl Into<Path<'p>>) -> RuleResult<f64> {
    v.as_f64().ok_or_else(|| at.into().violation("must be a number"))
}

/// A number with `minimum`.
pub fn number_min<'p>(v: &Value, min: f64, at: impl Into<Path<'p>>) -> RuleResult<f64> {
    match v.as_f64() {
        Some(n) if n >= min => Ok(n),
        _ => Err(at.into().violation(format!("must be a number ≥ {min}"))),
    }
}

/// `type: integer` (any integral number, as JSON Schema reads it) with `minimum`.
pub fn integer_min<'p>(v: &Value, min: f64, at: impl Into<Path<'p>>) -> RuleResult<f64> {
    match v.as_f64() {
        Some(n) if n >= min && n.fract() == 0.0 => Ok(n),
        _ => Err(at.into().violation(format!("must be an integer ≥ {min}"))),
    }
}

/// A count in our own formats: an integer from `min` to 2^53 (read as `u64`; the Clawsig
/// schemas' unbounded `integer` is `integer_min`).
pub fn uint<'p>(v: &Value, min: u64, at: impl Into<Path<'p>>) -> RuleResult<u64> {
    match v.as_u64() {
        Some(n) if n >= min => Ok(n),
        _ => Err(at.into().violation(format!("must be an integer ≥ {min}"))),
    }
}

pub fn boolean<'p>(v: &Value, at: impl Into<Path<'p>>) -> RuleResult<bool> {
    v.as_bool().ok_or_else(|| at.into().violation("must be a boolean"))
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

// ---- items ----------------------------------------------------------------------------

/// Item counts from which `first_error` checks items on the rayon pool.
const PARALLEL_ITEMS: usize = 64;

/// Check every item with `f` and return the first violation in item order, exactly as a
/// plain loop would; many items are checked in parallel.
pub fn first_error<'t, T: Sync>(items: &'t [T], f: impl Fn(usize, &'t T) -> RuleResult + Sync) -> RuleResult {
    if items.len() < PARALLEL_ITEMS {
        return items.iter().enumerate().try_for_each(|(i, item)| f(i, item));
    }
    items
        .par_iter()
        .enumerate()
        .map(|(i, item)| f(i, item))
        .find_first(Result::is_err)
        .unwrap_or(Ok(()))
}

// ---- one object -----------------------------------------------------------------------

/// A JSON object under validation, with its path.
#[derive(Clone, Copy, Debug)]
pub struct Obj<'v, 'p> {
    pub o: &'v Object,
    pub path: Path<'p>,
}

impl<'v, 'p> Obj<'v, 'p> {
    /// `v`, which must be an object.
    pub fn new(v: &'v Value, at: impl Into<Path<'p>>) -> RuleResult<Obj<'v, 'p>> {
        let path = at.into();
        Ok(Obj {
            o: object(v, path)?,
            path,
        })
    }

    pub fn of(o: &'v Object, at: impl Into<Path<'p>>) -> Obj<'v, 'p> {
        Obj { o, path: at.into() }
    }

    /// The path of the member `key`.
    pub fn at<'s>(&'s self, key: &'s str) -> Path<'s> {
        Path::Key(&self.path, key)
    }

    pub fn get(&self, key: &str) -> Option<&'v Value> {
        self.o.get(key)
    }

    /// The member checked by `rule`; `None` when it is absent.
    pub fn member<T>(
        &self,
        key: &str,
        rule: impl FnOnce(&'v Value, &Path<'_>) -> RuleResult<T>,
    ) -> RuleResult<Option<T>> {
        match self.o.get(key) {
            None => Ok(None),
            Some(v) => rule(v, &self.at(key)).map(Some),
        }
    }

    /// The member checked by `rule`; it must be there.
    pub fn require<T>(&self, key: &str, rule: impl FnOnce(&'v Value, &Path<'_>) -> RuleResult<T>) -> RuleResult<T> {
        match self.o.get(key) {
            None => Err(self.missing(key)),
            Some(v) => rule(v, &self.at(key)),
        }
    }

    fn missing(&self, key: &str) -> SchemaViolation {
        self.path.violation(format!("has no '{key}' field"))
    }

    /// `additionalProperties: false`.
    pub fn closed(&self, allowed: &[&str]) -> RuleResult<&Self> {
        match self.o.keys().find(|k| !allowed.contains(k)) {
            Some(k) => Err(self.path.violation(format!("has an unknown field '{}'", short(k)))),
            None => Ok(self),
        }
    }

    pub fn required(&self, keys: &[&str]) -> RuleResult<&Self> {
        match keys.iter().find(|k| !self.o.contains_key(k)) {
            Some(k) => Err(self.missing(k)),
            None => Ok(self),
        }
    }

    /// `closed` over `allowed`, with every allowed key but the `optional` ones required (the
    /// usual way a closed schema reads, without writing most keys twice).
    pub fn closed_optional(&self, allowed: &[&str], optional: &[&str]) -> RuleResult<&Self> {
        self.closed(allowed)?;
        match allowed
            .iter()
            .find(|k| !optional.contains(k) && !self.o.contains_key(k))
        {
            Some(k) => Err(self.missing(k)),
            None => Ok(self),
        }
    }

    pub fn konst(&self, key: &str, expected: &str) -> RuleResult<&Self> {
        self.member(key, |v, at| konst(v, expected, at))?;
        Ok(self)
    }

    pub fn konst_bool(&self, key: &str, expected: bool) -> RuleResult<&Self> {
        self.member(key, |v, at| konst_bool(v, expected, at))?;
        Ok(self)
    }

    pub fn one_of(&self, key: &str, allowed: &[&str]) -> RuleResult<&Self> {
        self.member(key, |v, at| one_of(v, allowed, at))?;
        Ok(self)
    }

    /// A string of `min..=max` characters.
    pub fn str_len(&self, key: &str, min: usize, max: usize) -> RuleResult<&Self> {
        self.member(key, |v, at| text(v, min, max, at))?;
        Ok(self)
    }

    /// A string of at least `min` characters.
    pub fn str_min(&self, key: &str, min: usize) -> RuleResult<&Self> {
        self.str_len(key, min, usize::MAX)
    }

    pub fn str_any(&self, key: &str) -> RuleResult<&Self> {
        self.str_len(key, 0, usize::MAX)
    }

    /// A base64url string of at least 8 characters (the Clawsig schemas' usual minimum).
    pub fn b64u(&self, key: &str) -> RuleResult<&Self> {
        self.b64u_min(key, 8)
    }

    pub fn b64u_min(&self, key: &str, min: usize) -> RuleResult<&Self> {
        self.member(key, |v, at| b64u(v, min, at))?;
        Ok(self)
    }

    pub fn did(&self, key: &str) -> RuleResult<&Self> {
        self.member(key, |v, at| did(v, at))?;
        Ok(self)
    }

    pub fn date_time(&self, key: &str) -> RuleResult<&Self> {
        self.member(key, |v, at| date_time(v, at))?;
        Ok(self)
    }

    pub fn number(&self, key: &str) -> RuleResult<&Self> {
        self.member(key, |v, at| number(v, at))?;
        Ok(self)
    }

    pub fn number_min(&self, key: &str, min: f64) -> RuleResult<&Self> {
        self.member(key, |v, at| number_min(v, min, at))?;
        Ok(self)
    }

    pub fn integer_min(&self, key: &str, min: f64) -> RuleResult<&Self> {
        self.member(key, |v, at| integer_min(v, min, at))?;
        Ok(self)
    }

    pub fn uint(&self, key: &str, min: u64) -> RuleResult<&Self> {
        self.member(key, |v, at| uint(v, min, at))?;
        Ok(self)
    }

    pub fn boolean(&self, key: &str) -> RuleResult<&Self> {
        self.member(key, |v, at| boolean(v, at))?;
        Ok(self)
    }

    /// The member must be an object (its own rules, if any, are the caller's).
    pub fn object(&self, key: &str) -> RuleResult<&Self> {
        self.member(key, |v, at| object(v, at))?;
        Ok(self)
    }

    /// The items of an array of `min..=max` items (none when absent).
    pub fn array(&self, key: &str, min: usize, max: usize) -> RuleResult<&'v [Value]> {
        Ok(self.member(key, |v, at| array(v, min, max, at))?.unwrap_or(&[]))
    }

    /// Check each item of an array of `min..=max` items with `f`.
    pub fn each(
        &self,
        key: &str,
        min: usize,
        max: usize,
        f: impl Fn(&'v Value, &Path<'_>) -> RuleResult,
    ) -> RuleResult<&Self> {
        let at = self.at(key);
        for (i, item) in self.array(key, min, max)?.iter().enumerate() {
            f(item, &at.index(i))?;
        }
        Ok(self)
    }

    /// `each`, with the items checked in parallel when there are many (same first violation).
    pub fn each_par(
        &self,
        key: &str,
        min: usize,
        max: usize,
        f: impl Fn(&'v Value, &Path<'_>) -> RuleResult + Sync,
    ) -> RuleResult<&Self> {
        let at = self.at(key);
        first_error(self.array(key, min, max)?, |i, item| f(item, &at.index(i)))?;
        Ok(self)
    }

    /// The member as an object view, when it is there.
    pub fn child<'s>(&'s self, key: &'s str) -> RuleResult<Option<Obj<'v, 's>>> {
        match self.o.get(key) {
            None => Ok(None),
            Some(v) => Obj::new(v, self.at(key)).map(Some),
        }
    }

    /// `child` for a member that must be there.
    pub fn req_child<'s>(&'s self, key: &'s str) -> RuleResult<Obj<'v, 's>> {
        self.child(key)?.ok_or_else(|| self.missing(key))
    }

    // Typed reads, for the views a check builds once its schema passed (and for rules
    // that need the value): each is also the rule, so it can never read a default.

    /// A string member that must be there.
    pub fn text(&self, key: &str) -> RuleResult<&'v str> {
        self.require(key, |v, at| text(v, 0, usize::MAX, at))
    }

    /// A date-time member that must be there.
    pub fn time(&self, key: &str) -> RuleResult<Millis> {
        self.require(key, |v, at| date_time(v, at))
    }

    /// A date-time member, when it is there.
    pub fn opt_time(&self, key: &str) -> RuleResult<Option<Millis>> {
        self.member(key, |v, at| date_time(v, at))
    }
}

// ---- member rules with the object and its path as arguments ----------------------------

/// `additionalProperties: false`.
pub fn closed<'p>(obj: &Object, allowed: &[&str], at: impl Into<Path<'p>>) -> RuleResult {
    Obj::of(obj, at).closed(allowed).map(drop)
}

pub fn required<'p>(obj: &Object, keys: &[&str], at: impl Into<Path<'p>>) -> RuleResult {
    Obj::of(obj, at).required(keys).map(drop)
}

pub fn opt_one_of<'p>(obj: &Object, key: &str, allowed: &[&str], at: impl Into<Path<'p>>) -> RuleResult {
    Obj::of(obj, at).one_of(key, allowed).map(drop)
}

/// A string member of `min..=max` characters, when it is there.
pub fn opt_str<'v, 'p>(
    obj: &'v Object,
    key: &str,
    min: usize,
    max: usize,
    at: impl Into<Path<'p>>,
) -> RuleResult<Option<&'v str>> {
    Obj::of(obj, at).member(key, |v, at| text(v, min, max, at))
}

/// `opt_str` for a member that must be there.
pub fn req_str<'v, 'p>(
    obj: &'v Object,
    key: &str,
    min: usize,
    max: usize,
    at: impl Into<Path<'p>>,
) -> RuleResult<&'v str> {
    Obj::of(obj, at).require(key, |v, at| text(v, min, max, at))
}

/// An array member of `min..=max` items, each checked by `item`.
pub fn opt_array<'p>(
    obj: &Object,
    key: &str,
    min: usize,
    max: usize,
    at: impl Into<Path<'p>>,
    item: impl Fn(&Value, &Path<'_>) -> RuleResult,
) -> RuleResult {
    Obj::of(obj, at).each(key, min, max, item).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_str;

    fn doc(text: &str) -> Value {
        parse_str(text).unwrap()
    }

    #[test]
    fn paths_render_only_as_written() {
        let root = Path::ROOT;
        let payload = root.key("payload");
        let receipts = payload.key("receipts");
        assert_eq!(receipts.index(3).to_string(), "payload.receipts[3]");
        assert_eq!(Path::ROOT.index(0).to_string(), "[0]");
        let wpc = Path::from("wpc");
        assert_eq!(
            wpc.key("statements").index(0).key("sid").to_string(),
            "wpc.statements[0].sid"
        );
    }

    #[test]
    fn object_rules_name_the_object_and_member_rules_the_member() {
        let v = doc(r#"{"a":"x","b":1,"c":"did:key:z","d":"2026-02-12T00:00:00Z","e":{"f":true}}"#);
        let o = Obj::new(&v, Path::ROOT).unwrap();
        assert!(o.closed(&["a", "b", "c", "d", "e"]).is_ok());
        let extra = o.closed(&["a"]).unwrap_err();
        assert_eq!(
            (extra.path.as_str(), extra.message.as_str()),
            ("", "has an unknown field 'b'")
        );
        let missing = o.required(&["a", "z"]).unwrap_err();
        assert_eq!(missing.to_string(), "the document has no 'z' field");
        assert_eq!(
            o.closed_optional(&["a", "b", "c", "d", "e", "g"], &[])
                .unwrap_err()
                .message,
            "has no 'g' field"
        );
        assert!(o.closed_optional(&["a", "b", "c", "d", "e", "g"], &["g"]).is_ok());
        assert!(o.str_min("a", 1).is_ok());
        assert_eq!(
            o.str_min("a", 2).unwrap_err().to_string(),
            "a must be a string of at least 2 characters"
        );
        assert_eq!(o.str_any("b").unwrap_err().to_string(), "b must be a string");
        assert!(o.did("c").is_ok() && o.did("a").is_err());
        assert!(o.date_time("d").is_ok() && o.date_time("a").is_err());
        assert_eq!(o.time("d").unwrap(), parse_rfc3339("2026-02-12T00:00:00Z").unwrap());
        assert_eq!(o.opt_time("zz").unwrap(), None);
        assert!(o.konst("a", "x").is_ok() && o.konst("a", "y").is_err());
        assert!(o.integer_min("b", 0.0).is_ok() && o.integer_min("b", 2.0).is_err());
        assert_eq!(
            o.b64u("a").unwrap_err().message,
            "must be a base64url string of at least 8 characters"
        );
        assert_eq!(o.text("a").unwrap(), "x");
        assert_eq!(o.text("zz").unwrap_err().message, "has no 'zz' field");
        let e = o.req_child("e").unwrap();
        assert_eq!(e.konst_bool("f", false).unwrap_err().to_string(), "e.f must be false");
        assert_eq!(o.req_child("a").unwrap_err().to_string(), "a must be an object");
        // Absent members pass every member rule.
        assert!(o
            .did("zz")
            .and_then(|o| o.b64u("zz"))
            .and_then(|o| o.number("zz"))
            .is_ok());
    }

    #[test]
    fn lengths_count_code_points_and_counts_read_as_english() {
        let v = doc(r#"{"s":"ééé","one":[1],"many":[1,2,3]}"#);
        let o = Obj::new(&v, "x").unwrap();
        assert!(o.str_len("s", 3, 3).is_ok());
        assert_eq!(
            o.str_len("s", 1, 2).unwrap_err().to_string(),
            "x.s must be a string of 1 to 2 characters"
        );
        assert_eq!(
            o.str_len("s", 4, 4).unwrap_err().message,
            "must be a string of exactly 4 characters"
        );
        assert_eq!(o.array("many", 0, 1).unwrap_err().message, "must have at most 1 item");
        assert_eq!(
            o.array("one", 2, usize::MAX).unwrap_err().message,
            "must have at least 2 items"
        );
        assert_eq!(o.array("zz", 1, 2).unwrap(), &[] as &[Value]);
        assert_eq!(o.array("s", 0, 1).unwrap_err().message, "must be an array");
    }

    #[test]
    fn the_free_member_rules_are_the_view_rules() {
        let v = doc(r#"{"k":"abc","list":["a",""]}"#);
        let obj = v.as_object().unwrap();
        let here = String::from("wpc");
        assert_eq!(req_str(obj, "k", 1, 8, &here).unwrap(), "abc");
        assert_eq!(opt_str(obj, "zz", 1, 8, "wpc").unwrap(), None);
        assert_eq!(
            req_str(obj, "zz", 1, 8, "wpc").unwrap_err().to_string(),
            "wpc has no 'zz' field"
        );
        assert_eq!(
            closed(obj, &["k"], "wpc").unwrap_err().to_string(),
            "wpc has an unknown field 'list'"
        );
        assert_eq!(
            opt_one_of(obj, "k", &["a", "b"], "wpc").unwrap_err().to_string(),
            "wpc.k must be one of a, b"
        );
        let err = opt_array(obj, "list", 0, 4, "wpc", |v, h| text(v, 1, 4, h).map(drop)).unwrap_err();
        assert_eq!(err.to_string(), "wpc.list[1] must be a string of 1 to 4 characters");
        assert_eq!(String::from(err), "wpc.list[1] must be a string of 1 to 4 characters");
    }

    #[test]
    fn a_violation_becomes_a_located_failure() {
        let at_member = SchemaViolation::new("payload.bundle_id", "must be a string");
        let f = at_member.into_failure("payload.schema", ReasonCode::SchemaValidationFailed, "proof bundle");
        assert_eq!(f.detail, "the proof bundle's payload.bundle_id must be a string");
        assert_eq!(f.json_path(), Some("payload.bundle_id"));
        assert_eq!(f.code, ReasonCode::SchemaValidationFailed);
        let at_root = SchemaViolation::new("", "has an unknown field 'x'").with_code(ReasonCode::UnsupportedEvidence);
        let f = at_root.into_failure("export.schema", ReasonCode::SchemaValidationFailed, "export bundle");
        assert_eq!(f.detail, "the export bundle has an unknown field 'x'");
        assert!(f.location.is_subject());
        assert_eq!(f.code, ReasonCode::UnsupportedEvidence);
        let to_failure = schema_failure("urm.schema", "URM document");
        let f = to_failure(SchemaViolation::new("urm.harness", "must be an object"));
        assert_eq!(f.code, ReasonCode::SchemaValidationFailed);
        assert_eq!(f.detail, "the URM document's urm.harness must be an object");
    }

    #[test]
    fn first_error_is_the_first_in_item_order() {
        for n in [0usize, 5, 63, 64, 500] {
            let items: Vec<usize> = (0..n).collect();
            let check = |bad: &[usize]| {
                first_error(&items, |i, &x| {
                    assert_eq!(i, x);
                    if bad.contains(&x) {
                        Err(SchemaViolation::new(format!("[{x}]"), "bad"))
                    } else {
                        Ok(())
                    }
                })
            };
            assert_eq!(check(&[]), Ok(()));
            if n > 3 {
                assert_eq!(check(&[n - 1, n / 2 + 3, 3]).unwrap_err().path, "[3]");
            }
        }
        let v = doc(r#"{"a":[{},{},1,{},2]}"#);
        let o = Obj::new(&v, "x").unwrap();
        let err = o
            .each_par("a", 0, usize::MAX, |item, p| Obj::new(item, p).map(drop))
            .unwrap_err();
        assert_eq!(err.path, "x.a[2]");
        assert_eq!(o.each_par("a", 6, usize::MAX, |_, _| Ok(())).unwrap_err().path, "x.a");
    }
}
