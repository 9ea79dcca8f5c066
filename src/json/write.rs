//! Number and string writers shared by the JSS and JCS serializers.
//!
//! Both canonical forms use ECMAScript `Number::toString` for numbers and
//! `JSON.stringify`'s string quoting, so one implementation serves both.

use super::value::{Object, Value};

const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

/// Appends a number the way ECMAScript `Number::toString` prints it.
///
/// Non-finite values cannot come out of the parser; if a caller builds
/// one anyway we print `null`, which is what `JSON.stringify` does.
pub(crate) fn write_number(n: f64, out: &mut String) {
    if !n.is_finite() {
        out.push_str("null");
    } else if n == 0.0 {
        // Covers -0.0 too: JavaScript prints negative zero as "0".
        out.push('0');
    } else if n.fract() == 0.0 && n.abs() < MAX_SAFE_INTEGER {
        // A safe integer prints as its plain decimal digits (the shortest round-trip form
        // has no more digits than that and no exponent below 1e21).
        write_integer(n as i64, out);
    } else {
        let mut buffer = ryu_js::Buffer::new();
        out.push_str(buffer.format_finite(n));
    }
}

/// 2^53: integers below it (in magnitude) are exactly representable.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_992.0;

fn write_integer(n: i64, out: &mut String) {
    // Digits are produced last first; a u64 has at most 20.
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = n.unsigned_abs();
    for slot in digits.iter_mut() {
        // `rest % 10` is a single digit.
        *slot = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        out.push('-');
    }
    for &d in digits.iter().take(len).rev() {
        out.push(char::from(d));
    }
}

/// True for bytes that must be escaped inside a JSON string literal.
#[inline]
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// True when one of the eight bytes of `word` must be escaped (a quote, a
/// backslash or a control byte). Bytes >= 0x80 never trigger it, so UTF-8
/// text passes through; the test is exact, not just a hint.
#[inline]
fn word_needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let has_quote = quote.wrapping_sub(ONES) & !quote;
    let has_backslash = backslash.wrapping_sub(ONES) & !backslash;
    let has_control = word.wrapping_sub(ONES * 0x20) & !word;
    (has_quote | has_backslash | has_control) & HIGH != 0
}

/// Index of the first byte of `bytes` at or after `from` that must be
/// escaped, or `bytes.len()`. Scans eight bytes at a time.
#[inline]
fn next_escape(bytes: &[u8], mut from: usize) -> usize {
    while let Some(chunk) = bytes.get(from..from + 8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else { break };
        if word_needs_escape(u64::from_le_bytes(word)) {
            break;
        }
        from += 8;
    }
    while let Some(&b) = bytes.get(from) {
        if needs_escape(b) {
            return from;
        }
        from += 1;
    }
    bytes.len()
}

/// Appends `s` as a quoted JSON string using `JSON.stringify`'s escapes.
///
/// Only `"`, `\` and U+0000..U+001F are escaped (short forms where they
/// exist, otherwise `\u00xx` in lowercase hex); everything else, including
/// `/`, DEL and U+2028/U+2029, is copied through unchanged.
pub(crate) fn write_string(s: &str, out: &mut String) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    // Start of the pending run of bytes that can be copied verbatim.
    let mut run_start = 0;
    loop {
        let i = next_escape(bytes, run_start);
        // Every escaped byte is ASCII, so `i` is always a char boundary.
        out.push_str(s.get(run_start..i).unwrap_or_default());
        let Some(&b) = bytes.get(i) else { break };
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => {
                out.push_str("\\u00");
                for nibble in [b >> 4, b & 0x0f] {
                    out.push(char::from(HEX_LOWER.get(usize::from(nibble)).copied().unwrap_or(b'0')));
                }
            }
        }
        run_start = i + 1;
    }
    out.push('"');
}

/// Write `v` with JSON.stringify's spelling of scalars and arrays; objects go to
/// `write_object`, the one place where JSS and JCS differ (member order).
pub(crate) fn write_value(v: &Value, out: &mut String, write_object: fn(&Object, &mut String)) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(*n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out, write_object);
            }
            out.push(']');
        }
        Value::Object(object) => write_object(object, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(n: f64) -> String {
        let mut s = String::new();
        write_number(n, &mut s);
        s
    }

    fn string(v: &str) -> String {
        let mut s = String::new();
        write_string(v, &mut s);
        s
    }

    #[test]
    fn numbers_follow_ecmascript_to_string() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(1e21), "1e+21");
        assert_eq!(num(1e20), "100000000000000000000");
        assert_eq!(num(1e-7), "1e-7");
        assert_eq!(num(0.000001), "0.000001");
        assert_eq!(num(123e-20), "1.23e-18");
        assert_eq!(num(5e-324), "5e-324");
        assert_eq!(num(-5e-324), "-5e-324");
        assert_eq!(num(1.7976931348623157e308), "1.7976931348623157e+308");
        assert_eq!(num(1.5e300), "1.5e+300");
        assert_eq!(num(0.1), "0.1");
        assert_eq!(num(-1.5), "-1.5");
        assert_eq!(num(9007199254740992.0), "9007199254740992");
        assert_eq!(num(f64::NAN), "null");
        assert_eq!(num(f64::NEG_INFINITY), "null");
    }

    #[test]
    fn integers_print_like_the_general_formatter() {
        // ryu-js implements ECMAScript Number::toString; the integer path must agree with it.
        let general = |n: f64| ryu_js::Buffer::new().format_finite(n).to_string();
        let mut samples: Vec<f64> = (-1000..=1000).map(f64::from).collect();
        for p in 0..=53 {
            let v = 2f64.powi(p);
            samples.extend([v - 1.0, v, v + 1.0, -v, 10f64.powi(p.min(22))]);
        }
        samples.extend([123_456_789_012_345.0, 9_007_199_254_740_991.0, -9_007_199_254_740_991.0]);
        for n in samples {
            if n != 0.0 {
                assert_eq!(num(n), general(n), "{n}");
            }
        }
        assert_eq!(num(9_007_199_254_740_992.0), "9007199254740992");
        assert_eq!(num(1e21), "1e+21");
        assert_eq!(num(-250.0), "-250");
    }

    #[test]
    fn strings_use_json_stringify_escapes() {
        assert_eq!(string(""), r#""""#);
        assert_eq!(string("plain"), r#""plain""#);
        assert_eq!(string("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(string("\u{8}\u{c}\n\r\t"), r#""\b\f\n\r\t""#);
        assert_eq!(string("\u{0}\u{1}\u{1f}"), r#""\u0000\u0001\u001f""#);
        assert_eq!(string("\u{b}\u{1a}"), r#""\u000b\u001a""#);
        assert_eq!(string("/\u{7f}\u{2028}\u{2029}"), "\"/\u{7f}\u{2028}\u{2029}\"");
        assert_eq!(string("é😀\u{fffd}"), "\"é😀\u{fffd}\"");
        assert_eq!(string("x\ny"), r#""x\ny""#);
    }

    #[test]
    fn escapes_are_found_at_every_offset_of_the_word_scan() {
        // Each special byte, placed at every offset before and across the 8-byte words the
        // scan reads, after ASCII and multi-byte prefixes; expected text built by hand from
        // the JSON.stringify escape table.
        let specials: [(char, &str); 6] = [
            ('"', "\\\""),
            ('\\', "\\\\"),
            ('\n', "\\n"),
            ('\u{1}', "\\u0001"),
            ('\u{1f}', "\\u001f"),
            ('\u{0}', "\\u0000"),
        ];
        for prefix in ["", "é", "😀€"] {
            for len in 0..20 {
                let body = format!("{prefix}{}", "x".repeat(len));
                assert_eq!(string(&body), format!("\"{body}\""));
                for at in 0..=len {
                    let (head, tail) = body.split_at(prefix.len() + at);
                    for (c, escaped) in specials {
                        assert_eq!(
                            string(&format!("{head}{c}{tail}")),
                            format!("\"{head}{escaped}{tail}\""),
                            "{c:?} after {head:?}"
                        );
                    }
                    // Bytes just outside the escaped ranges pass through.
                    for c in [' ', '#', '[', ']', '\u{7f}'] {
                        assert_eq!(string(&format!("{head}{c}{tail}")), format!("\"{head}{c}{tail}\""));
                    }
                }
            }
        }
    }
}
