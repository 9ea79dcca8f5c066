//! JCS: RFC 8785 JSON Canonicalization Scheme.
//!
//! Numbers and strings are written exactly as in JSS; object members are
//! sorted by their keys' UTF-16 code units, recursively, with no array-index
//! special case.

use std::cmp::Ordering;

use super::value::{Object, Value};
use super::write::{write_string, write_value};

/// Serializes `v` in RFC 8785 canonical form.
///
/// A non-finite number (which the parser never produces) is written as
/// `null`; RFC 8785 would reject it, so callers must not build one.
pub fn to_string(v: &Value) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

/// Appends the JCS form of `v` to `out`.
pub fn write(v: &Value, out: &mut String) {
    write_value(v, out, write_object);
}

fn write_object(object: &Object, out: &mut String) {
    let mut members: Vec<(&str, &Value)> = object.iter().collect();
    // Keys are unique, so an unstable sort gives a deterministic result.
    members.sort_unstable_by(|a, b| utf16_cmp(a.0, b.0));
    out.push('{');
    for (i, (key, value)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(key, out);
        out.push(':');
        write(value, out);
    }
    out.push('}');
}

/// Orders strings by UTF-16 code units, as RFC 8785 requires.
///
/// This equals byte (code point) order except when an astral character
/// (encoded as surrogates D800..DFFF) meets a character in U+E000..U+FFFF,
/// so the UTF-8 bytes are compared first and UTF-16 is only consulted
/// past the common prefix.
fn utf16_cmp(a: &str, b: &str) -> Ordering {
    let common = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    // Back up to a char boundary so both tails start with whole chars.
    let mut start = common;
    while !a.is_char_boundary(start) {
        start -= 1;
    }
    match (a.get(start..), b.get(start..)) {
        (Some(ta), Some(tb)) => ta.encode_utf16().cmp(tb.encode_utf16()),
        // Unreachable: `start` is a boundary of `a` and both strings share
        // the bytes before it, so it is a boundary of `b` as well.
        _ => a.encode_utf16().cmp(b.encode_utf16()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_order_differs_from_byte_order_only_for_astral_vs_high_bmp() {
        let astral = "\u{1f600}";
        let high_bmp = "\u{fffd}";
        // UTF-8 puts the astral char last, UTF-16 (D83D..) puts it first.
        assert!(astral.as_bytes() > high_bmp.as_bytes());
        assert_eq!(utf16_cmp(astral, high_bmp), Ordering::Less);
        assert_eq!(utf16_cmp("a\u{1f600}", "a\u{e000}"), Ordering::Less);
        assert_eq!(utf16_cmp("a", "b"), Ordering::Less);
        assert_eq!(utf16_cmp("ab", "a"), Ordering::Greater);
        assert_eq!(utf16_cmp("é", "é"), Ordering::Equal);
        assert_eq!(utf16_cmp("\u{7ff}", "\u{800}"), Ordering::Less);
        // Shared lead byte (E0..EF) but different chars.
        assert_eq!(utf16_cmp("\u{e001}", "\u{e000}"), Ordering::Greater);
    }

    #[test]
    fn sorts_recursively() {
        let mut inner = Object::new();
        inner.insert("y", Value::Null);
        inner.insert("x", Value::Bool(true));
        let mut outer = Object::new();
        outer.insert("b", Value::Array(vec![Value::Object(inner)]));
        outer.insert("a", Value::Number(1.0));
        assert_eq!(to_string(&Value::Object(outer)), r#"{"a":1,"b":[{"x":true,"y":null}]}"#);
    }
}
