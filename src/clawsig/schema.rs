//! Hand-written equivalents of the JSON-Schema keywords the Clawsig schemas use (closed
//! objects, required members, `const`, `enum`, patterns, `minLength`, `minimum`, item
//! counts, `date-time`). Each schema is a small function over `Obj`; the first violation is
//! returned with its path so the caller can report it (and re-code causal binding fields).

use rayon::prelude::*;

use crate::crypto::b64;
use crate::json::{Object, Value};
use crate::reason::ReasonCode;
use crate::report::Failure;
use crate::timeutil::parse_rfc3339;

/// One schema violation: where, what, and the code it maps to.
#[derive(Clone, Debug, PartialEq)]
pub struct SchemaError {
    pub path: String,
    pub message: String,
    pub code: ReasonCode,
}

impl SchemaError {
    pub fn new(path: &str, message: impl Into<String>) -> SchemaError {
        SchemaError {
            path: path.to_string(),
            message: message.into(),
            code: ReasonCode::SchemaValidationFailed,
        }
    }

    pub fn with_code(mut self, code: ReasonCode) -> SchemaError {
        self.code = code;
        self
    }

    /// As a failed check naming the artifact.
    pub fn into_failure(self, check: &'static str, label: &str) -> Failure {
        Failure::new(
            check,
            self.code,
            format!(
                "the {label} does not match its schema at {}: {}",
                self.path, self.message
            ),
        )
        .at_path(self.path)
    }
}

pub type SResult<T = ()> = Result<T, SchemaError>;

/// The reference's base64url pattern `^[A-Za-z0-9_-]+$` with `minLength`.
pub fn is_b64u(text: &str, min: usize) -> bool {
    b64::is_b64u_syntax(text, min)
}

/// JSON-Schema `format: date-time`; we accept RFC 3339 only (stricter than ajv-formats).
pub fn is_date_time(text: &str) -> bool {
    parse_rfc3339(text).is_some()
}

/// Item counts from which `first_error` checks items on the rayon pool.
const PARALLEL_ITEMS: usize = 64;

/// Check every item with `f` and return the first error in item order, exactly as a plain
/// loop would; many items are checked in parallel.
pub fn first_error<'t, T: Sync>(items: &'t [T], f: impl Fn(usize, &'t T) -> SResult + Sync) -> SResult {
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

/// A JSON object under validation, with its path for messages.
#[derive(Debug)]
pub struct Obj<'a> {
    pub o: &'a Object,
    pub path: String,
}

impl<'a> Obj<'a> {
    pub fn new(v: &'a Value, path: &str) -> SResult<Obj<'a>> {
        match v.as_object() {
            Some(o) => Ok(Obj {
                o,
                path: path.to_string(),
            }),
            None => Err(SchemaError::new(
                path,
                format!("expected an object, found {}", v.type_name()),
            )),
        }
    }

    pub fn at(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.o.get(key)
    }

    /// `additionalProperties: false`.
    pub fn closed(&self, allowed: &[&str]) -> SResult<&Self> {
        match self.o.keys().find(|k| !allowed.contains(k)) {
            Some(k) => Err(SchemaError::new(&self.at(k), "property is not allowed")),
            None => Ok(self),
        }
    }

    pub fn required(&self, keys: &[&str]) -> SResult<&Self> {
        match keys.iter().find(|k| !self.o.contains_key(k)) {
            Some(k) => Err(SchemaError::new(&self.at(k), "required property is missing")),
            None => Ok(self),
        }
    }

    fn string(&self, key: &str) -> SResult<Option<&'a str>> {
        match self.o.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(SchemaError::new(
                &self.at(key),
                format!("expected a string, found {}", other.type_name()),
            )),
        }
    }

    /// Optional string with `minLength` (in characters, as JSON Schema counts them).
    pub fn str_min(&self, key: &str, min: usize) -> SResult<&Self> {
        if let Some(s) = self.string(key)? {
            if s.chars().count() < min {
                return Err(SchemaError::new(
                    &self.at(key),
                    format!("shorter than {min} characters"),
                ));
            }
        }
        Ok(self)
    }

    pub fn str_any(&self, key: &str) -> SResult<&Self> {
        self.str_min(key, 0)
    }

    /// Optional base64url string, at least `min` characters.
    pub fn b64u_min(&self, key: &str, min: usize) -> SResult<&Self> {
        if let Some(s) = self.string(key)? {
            if !is_b64u(s, min) {
                return Err(SchemaError::new(
                    &self.at(key),
                    format!("not a base64url string of at least {min} characters"),
                ));
            }
        }
        Ok(self)
    }

    pub fn b64u(&self, key: &str) -> SResult<&Self> {
        self.b64u_min(key, 8)
    }

    /// `pattern: "^did:"`.
    pub fn did(&self, key: &str) -> SResult<&Self> {
        if let Some(s) = self.string(key)? {
            if !s.starts_with("did:") {
                return Err(SchemaError::new(&self.at(key), "does not start with 'did:'"));
            }
        }
        Ok(self)
    }

    pub fn date_time(&self, key: &str) -> SResult<&Self> {
        if let Some(s) = self.string(key)? {
            if !is_date_time(s) {
                return Err(SchemaError::new(&self.at(key), "not an RFC 3339 date-time"));
            }
        }
        Ok(self)
    }

    /// `const` with a string value (any other type fails).
    pub fn konst(&self, key: &str, expected: &str) -> SResult<&Self> {
        match self.o.get(key) {
            None => Ok(self),
            Some(Value::String(s)) if s == expected => Ok(self),
            Some(_) => Err(SchemaError::new(&self.at(key), format!("must be \"{expected}\""))),
        }
    }

    pub fn konst_bool(&self, key: &str, expected: bool) -> SResult<&Self> {
        match self.o.get(key) {
            None => Ok(self),
            Some(Value::Bool(b)) if *b == expected => Ok(self),
            Some(_) => Err(SchemaError::new(&self.at(key), format!("must be {expected}"))),
        }
    }

    pub fn enumeration(&self, key: &str, allowed: &[&str]) -> SResult<&Self> {
        if let Some(s) = self.string(key)? {
            if !allowed.contains(&s) {
                return Err(SchemaError::new(
                    &self.at(key),
                    format!("must be one of {}", allowed.join(", ")),
                ));
            }
        }
        Ok(self)
    }

    /// Optional number with `minimum: 0` (`integer` also requires an integral value).
    pub fn number_min0(&self, key: &str, integer: bool) -> SResult<&Self> {
        match self.o.get(key) {
            None => Ok(self),
            Some(Value::Number(n)) if *n >= 0.0 && (!integer || n.fract() == 0.0) => Ok(self),
            Some(_) => Err(SchemaError::new(
                &self.at(key),
                if integer {
                    "must be an integer ≥ 0"
                } else {
                    "must be a number ≥ 0"
                },
            )),
        }
    }

    pub fn number(&self, key: &str) -> SResult<&Self> {
        match self.o.get(key) {
            None | Some(Value::Number(_)) => Ok(self),
            Some(other) => Err(SchemaError::new(
                &self.at(key),
                format!("expected a number, found {}", other.type_name()),
            )),
        }
    }

    pub fn boolean(&self, key: &str) -> SResult<&Self> {
        match self.o.get(key) {
            None | Some(Value::Bool(_)) => Ok(self),
            Some(other) => Err(SchemaError::new(
                &self.at(key),
                format!("expected a boolean, found {}", other.type_name()),
            )),
        }
    }

    pub fn object(&self, key: &str) -> SResult<&Self> {
        match self.o.get(key) {
            None | Some(Value::Object(_)) => Ok(self),
            Some(other) => Err(SchemaError::new(
                &self.at(key),
                format!("expected an object, found {}", other.type_name()),
            )),
        }
    }

    /// Optional array with item-count bounds; returns its items (empty when absent).
    pub fn array(&self, key: &str, min: usize, max: Option<usize>) -> SResult<&'a [Value]> {
        match self.o.get(key) {
            None => Ok(&[]),
            Some(Value::Array(items)) => {
                if items.len() < min {
                    return Err(SchemaError::new(&self.at(key), format!("needs at least {min} item(s)")));
                }
                if let Some(max) = max {
                    if items.len() > max {
                        return Err(SchemaError::new(&self.at(key), format!("has more than {max} items")));
                    }
                }
                Ok(items.as_slice())
            }
            Some(other) => Err(SchemaError::new(
                &self.at(key),
                format!("expected an array, found {}", other.type_name()),
            )),
        }
    }

    /// `each`, with the items checked in parallel when there are many (same first error).
    pub fn each_par(
        &self,
        key: &str,
        min: usize,
        max: Option<usize>,
        f: impl Fn(&'a Value, &str) -> SResult + Sync,
    ) -> SResult<&Self> {
        let items = self.array(key, min, max)?;
        let path = self.at(key);
        first_error(items, |i, item| f(item, &format!("{path}[{i}]")))?;
        Ok(self)
    }

    /// Validate each item of an optional array with `f`.
    pub fn each(
        &self,
        key: &str,
        min: usize,
        max: Option<usize>,
        f: impl Fn(&'a Value, &str) -> SResult,
    ) -> SResult<&Self> {
        for (i, item) in self.array(key, min, max)?.iter().enumerate() {
            f(item, &format!("{}[{i}]", self.at(key)))?;
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_str;

    #[test]
    fn keywords_report_the_path() {
        let v = parse_str(r#"{"a":"x","b":1,"c":"did:key:z","d":"2026-02-12T00:00:00Z"}"#).unwrap();
        let o = Obj::new(&v, "$").unwrap();
        assert!(o.closed(&["a", "b", "c", "d"]).is_ok());
        assert_eq!(o.closed(&["a"]).unwrap_err().path, "$.b");
        assert_eq!(o.required(&["a", "z"]).unwrap_err().path, "$.z");
        assert!(o.str_min("a", 1).is_ok());
        assert!(o.str_min("a", 2).is_err());
        assert!(o.str_min("b", 0).is_err());
        assert!(o.did("c").is_ok() && o.did("a").is_err());
        assert!(o.date_time("d").is_ok() && o.date_time("a").is_err());
        assert!(o.konst("a", "x").is_ok() && o.konst("a", "y").is_err());
        assert!(o.number_min0("b", true).is_ok());
        assert!(o.b64u("a").is_err());
    }

    #[test]
    fn first_error_is_the_first_in_item_order() {
        for n in [0usize, 5, 63, 64, 500] {
            let items: Vec<usize> = (0..n).collect();
            let check = |bad: &[usize]| {
                first_error(&items, |i, &x| {
                    assert_eq!(i, x);
                    if bad.contains(&x) {
                        Err(SchemaError::new(&format!("$[{x}]"), "bad"))
                    } else {
                        Ok(())
                    }
                })
            };
            assert_eq!(check(&[]), Ok(()));
            if n > 3 {
                assert_eq!(check(&[n - 1, n / 2 + 3, 3]).unwrap_err().path, "$[3]");
            }
        }
        let v = parse_str(r#"{"a":[{},{},1,{},2]}"#).unwrap();
        let o = Obj::new(&v, "$").unwrap();
        let err = o
            .each_par("a", 0, None, |item, p| Obj::new(item, p).map(|_| ()))
            .unwrap_err();
        assert_eq!(err.path, "$.a[2]");
        assert_eq!(o.each_par("a", 6, None, |_, _| Ok(())).unwrap_err().path, "$.a");
    }
}
