//! JSS: the exact text JavaScript's `JSON.stringify` produces for the value
//! that `JSON.parse` would have built from the same input.
//!
//! The one surprise is key order. JavaScript objects enumerate
//! "array index" keys (canonical decimal integers up to 2^32 - 2) first, in
//! ascending numeric order, and only then the remaining keys in insertion
//! order. A producer signing `JSON.stringify(JSON.parse(text))` therefore
//! signed that order, not the order in the file.

use std::ops::Range;

use super::value::{Object, Value};
use super::write::{write_string, write_value};

/// Largest array index: 2^32 - 2 (2^32 - 1 is the maximum array length).
const MAX_ARRAY_INDEX: u64 = 4_294_967_294;

/// Serializes `v` like `JSON.stringify(v)` (no whitespace).
pub fn to_string(v: &Value) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

/// Appends the JSS form of `v` to `out`.
pub fn write(v: &Value, out: &mut String) {
    write_value(v, out, write_object);
}

fn write_object(object: &Object, out: &mut String) {
    write_object_with(object, out, |_, value, out| write(value, out));
}

/// Like [`write`] for an object, and also returns where the value of member `key` starts and
/// ends in `out` (so a caller can hash that member without serializing it a second time).
pub fn write_object_marking(object: &Object, key: &str, out: &mut String) -> Option<Range<usize>> {
    let mut found = None;
    write_object_with(object, out, |k, value, out| {
        let start = out.len();
        write(value, out);
        if k == key {
            found = Some(start..out.len());
        }
    });
    found
}

/// Appends the JSS form of the string `s` (a quoted, escaped JSON string).
pub fn write_str(s: &str, out: &mut String) {
    write_string(s, out);
}

/// Calls `f` for every member of `object` in the order `JSON.stringify` writes them.
pub fn for_each_member<'a>(object: &'a Object, mut f: impl FnMut(&'a str, &'a Value)) {
    // Common case: no index-like keys, so plain insertion order applies
    // and nothing needs to be allocated.
    if object.keys().any(|k| array_index(k).is_some()) {
        let mut indexed: Vec<(u64, &str, &Value)> = object
            .iter()
            .filter_map(|(k, v)| array_index(k).map(|i| (i, k, v)))
            .collect();
        indexed.sort_unstable_by_key(|&(i, _, _)| i);
        for (_, k, v) in indexed {
            f(k, v);
        }
        for (k, v) in object.iter().filter(|(k, _)| array_index(k).is_none()) {
            f(k, v);
        }
    } else {
        for (k, v) in object.iter() {
            f(k, v);
        }
    }
}

/// Writes `{`, the members in JSS order (values through `value`), and `}`.
fn write_object_with(object: &Object, out: &mut String, mut value: impl FnMut(&str, &Value, &mut String)) {
    out.push('{');
    let mut first = true;
    for_each_member(object, |key, v| {
        if !first {
            out.push(',');
        }
        first = false;
        write_string(key, out);
        out.push(':');
        value(key, v, out);
    });
    out.push('}');
}

/// The numeric value of `key` if JavaScript treats it as an array index:
/// the canonical decimal form (no sign, no leading zeros except "0" itself)
/// of an integer in 0..=2^32 - 2.
fn array_index(key: &str) -> Option<u64> {
    let bytes = key.as_bytes();
    // Ten digits cover every value up to 2^32 - 2; longer is never an index.
    if bytes.is_empty() || bytes.len() > 10 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if bytes.len() > 1 && bytes.first() == Some(&b'0') {
        return None;
    }
    let value = bytes.iter().fold(0u64, |acc, &d| acc * 10 + u64::from(d - b'0'));
    (value <= MAX_ARRAY_INDEX).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_index_recognition() {
        assert_eq!(array_index("0"), Some(0));
        assert_eq!(array_index("7"), Some(7));
        assert_eq!(array_index("4294967294"), Some(4_294_967_294));
        assert_eq!(array_index("4294967295"), None);
        assert_eq!(array_index("9999999999"), None);
        assert_eq!(array_index("10000000000"), None);
        assert_eq!(array_index("01"), None);
        assert_eq!(array_index("00"), None);
        assert_eq!(array_index("-1"), None);
        assert_eq!(array_index("+1"), None);
        assert_eq!(array_index("1.0"), None);
        assert_eq!(array_index("1e3"), None);
        assert_eq!(array_index(" 1"), None);
        assert_eq!(array_index(""), None);
        assert_eq!(array_index("١"), None);
    }

    #[test]
    fn index_keys_first_then_insertion_order() {
        let mut o = Object::new();
        for (k, v) in [("b", 0.0), ("3", 1.0), ("a", 2.0), ("0", 3.0), ("20", 4.0)] {
            o.insert(k, Value::Number(v));
        }
        assert_eq!(to_string(&Value::Object(o)), r#"{"0":3,"3":1,"20":4,"b":0,"a":2}"#);
    }

    #[test]
    fn marking_returns_the_member_value_span() {
        let mut inner = Object::new();
        inner.insert("z", Value::from("q\"uote"));
        inner.insert("1", Value::Bool(true));
        let mut o = Object::new();
        o.insert("b", Value::Number(0.5));
        o.insert("payload", Value::Object(inner));
        o.insert("2", Value::Null);
        let mut out = String::from("prefix");
        let span = write_object_marking(&o, "payload", &mut out).unwrap();
        assert_eq!(out, r#"prefix{"2":null,"b":0.5,"payload":{"1":true,"z":"q\"uote"}}"#);
        assert_eq!(&out[span], r#"{"1":true,"z":"q\"uote"}"#);
        assert_eq!(write_object_marking(&o, "absent", &mut String::new()), None);
    }

    #[test]
    fn scalars_and_nesting() {
        let v = Value::Array(vec![
            Value::Null,
            Value::Bool(true),
            Value::Bool(false),
            Value::Number(-0.0),
            Value::from("x"),
            Value::Array(vec![]),
            Value::Object(Object::new()),
        ]);
        assert_eq!(to_string(&v), r#"[null,true,false,0,"x",[],{}]"#);
    }
}
