//! Strict RFC 8259 parser.
//!
//! Stricter than most parsers on purpose: anything a signer and a verifier
//! could read differently (duplicate keys, lone surrogates, a BOM, numbers
//! that overflow) is rejected instead of being silently resolved.
//!
//! The parser is iterative: open arrays and objects live on an explicit
//! stack, so hostile nesting costs heap (bounded by `max_depth`) and can
//! never exhaust the call stack.

use std::borrow::Cow;
use std::collections::HashSet;

use super::value::{Key, Object, Value};

/// Resource limits applied while parsing untrusted input.
#[derive(Clone, Copy, Debug)]
pub struct ParseLimits {
    /// Inputs longer than this are rejected before any byte is examined.
    pub max_bytes: usize,
    /// Deepest allowed nesting of arrays/objects (the top-level container
    /// is depth 1). Keep this modest: dropping, cloning, comparing and
    /// serializing a [`Value`] all recurse once per nesting level.
    pub max_depth: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_bytes: 64 * 1024 * 1024,
            max_depth: 128,
        }
    }
}

/// Why an input was rejected. Offsets are byte offsets into the input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    #[error("input is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("input is not valid UTF-8 at byte offset {offset}")]
    InvalidUtf8 { offset: usize },
    #[error("input starts with a byte order mark at byte offset 0, which is not allowed")]
    Bom,
    #[error("invalid JSON at byte offset {offset}: {message}")]
    Syntax { offset: usize, message: String },
    #[error("duplicate object key {} at byte offset {offset}", quote_for_message(.key))]
    DuplicateKey { offset: usize, key: String },
    #[error("nesting deeper than {limit} levels at byte offset {offset}")]
    TooDeep { offset: usize, limit: usize },
    #[error("number at byte offset {offset} is too large to represent")]
    NumberOverflow { offset: usize },
    #[error("unpaired UTF-16 surrogate escape at byte offset {offset}")]
    LoneSurrogate { offset: usize },
}

/// Quotes a key for an error message, shortened so a hostile multi-megabyte
/// key cannot flood logs.
fn quote_for_message(key: &str) -> String {
    const MAX_CHARS: usize = 64;
    match key.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{:?}...", key.get(..cut).unwrap_or_default()),
        None => format!("{key:?}"),
    }
}

/// Objects with more members than this get a hash set for the duplicate
/// check; below it a linear scan is cheaper than hashing.
const LINEAR_KEY_SCAN_MAX: usize = 16;

/// Parses `bytes` as exactly one JSON value (surrounded by optional
/// whitespace), enforcing `limits`.
pub fn parse(bytes: &[u8], limits: &ParseLimits) -> Result<Value, ParseError> {
    if bytes.len() > limits.max_bytes {
        return Err(ParseError::TooLarge {
            size: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| ParseError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })?;
    if text.starts_with('\u{feff}') {
        return Err(ParseError::Bom);
    }
    Parser {
        text,
        bytes,
        pos: 0,
        max_depth: limits.max_depth,
        items: Vec::new(),
        members: Vec::new(),
        recent_keys: Vec::new(),
    }
    .parse_document()
}

/// [`parse`] with [`ParseLimits::default`].
pub fn parse_str(s: &str) -> Result<Value, ParseError> {
    parse(s.as_bytes(), &ParseLimits::default())
}

/// A container that has been opened but not yet closed. Its elements live on
/// the parser's shared scratch stacks from `start` on, and move into one
/// exactly sized vector when it closes.
enum Frame {
    Array {
        start: usize,
    },
    Object {
        start: usize,
        /// Key whose value is currently being parsed.
        pending_key: Option<Key>,
        /// Built lazily once the object outgrows a linear duplicate scan.
        seen: Option<HashSet<Key>>,
    },
}

/// Member positions per depth for which the previous object's key is kept:
/// objects in a long array usually repeat their keys in the same order.
const KEY_CACHE_WIDTH: usize = 64;

/// Rejects `name` if the object (whose members so far are `members`) has it.
fn check_duplicate(
    members: &[(Key, Value)],
    seen: &mut Option<HashSet<Key>>,
    name: &str,
    offset: usize,
) -> Result<(), ParseError> {
    let duplicate = match seen {
        Some(seen) => seen.contains(name),
        None if members.len() < LINEAR_KEY_SCAN_MAX => members.iter().any(|(k, _)| **k == *name),
        None => {
            // Switching to hashing keeps huge objects O(n) overall.
            let set: HashSet<Key> = members.iter().map(|(k, _)| k.clone()).collect();
            let duplicate = set.contains(name);
            *seen = Some(set);
            duplicate
        }
    };
    if duplicate {
        return Err(ParseError::DuplicateKey {
            offset,
            key: name.to_owned(),
        });
    }
    Ok(())
}

struct Parser<'a> {
    /// The same input as `bytes`, already proven to be UTF-8.
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    max_depth: usize,
    /// Elements of all open arrays, innermost last.
    items: Vec<Value>,
    /// Members of all open objects, innermost last.
    members: Vec<(Key, Value)>,
    /// Per depth, the keys of the latest object there, by member position.
    recent_keys: Vec<Vec<Key>>,
}

impl<'a> Parser<'a> {
    fn syntax(&self, offset: usize, message: &str) -> ParseError {
        ParseError::Syntax {
            offset,
            message: message.to_owned(),
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    #[inline]
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Error for a missing or wrong byte at the current position.
    fn unexpected(&self, expected: &str) -> ParseError {
        match self.peek() {
            None => self.syntax(self.pos, &format!("unexpected end of input, expected {expected}")),
            Some(_) => {
                let found = self
                    .text
                    .get(self.pos..)
                    .and_then(|rest| rest.chars().next())
                    .unwrap_or('\u{fffd}');
                self.syntax(
                    self.pos,
                    &format!("unexpected character {found:?}, expected {expected}"),
                )
            }
        }
    }

    fn parse_document(mut self) -> Result<Value, ParseError> {
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            // Parse one value, or open a container and go round for its
            // first element.
            self.skip_whitespace();
            let start = self.pos;
            let mut value = match self.peek() {
                Some(b'[') => {
                    self.enter(stack.len(), start)?;
                    self.skip_whitespace();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        Value::Array(Vec::new())
                    } else {
                        stack.push(Frame::Array {
                            start: self.items.len(),
                        });
                        continue;
                    }
                }
                Some(b'{') => {
                    self.enter(stack.len(), start)?;
                    self.skip_whitespace();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        Value::Object(Object::new())
                    } else {
                        let (name, _) = self.parse_member_name()?;
                        let key = self.key(stack.len(), 0, name);
                        stack.push(Frame::Object {
                            start: self.members.len(),
                            pending_key: Some(key),
                            seen: None,
                        });
                        continue;
                    }
                }
                Some(b'"') => Value::String(self.parse_string()?.into_owned()),
                Some(b'-' | b'0'..=b'9') => Value::Number(self.parse_number()?),
                Some(b't') => self.parse_literal("true", Value::Bool(true))?,
                Some(b'f') => self.parse_literal("false", Value::Bool(false))?,
                Some(b'n') => self.parse_literal("null", Value::Null)?,
                _ => return Err(self.unexpected("a JSON value")),
            };

            // Hand the finished value to its parent; this may complete the
            // parent too, and so on up the stack.
            loop {
                self.skip_whitespace();
                let depth = stack.len().saturating_sub(1);
                match stack.last_mut() {
                    None => {
                        if self.pos < self.bytes.len() {
                            return Err(self.unexpected("end of input after the JSON value"));
                        }
                        return Ok(value);
                    }
                    Some(Frame::Array { start }) => {
                        self.items.push(value);
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                break;
                            }
                            Some(b']') => {
                                self.pos += 1;
                                let start = *start;
                                stack.pop();
                                value = Value::Array(self.items.drain(start..).collect());
                            }
                            _ => return Err(self.unexpected("',' or ']'")),
                        }
                    }
                    Some(Frame::Object {
                        start,
                        pending_key,
                        seen,
                    }) => {
                        let Some(key) = pending_key.take() else {
                            // Unreachable: an open object always has a pending key here.
                            return Err(self.syntax(self.pos, "internal parser error"));
                        };
                        self.members.push((key, value));
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                let (name, offset) = self.parse_member_name()?;
                                let own = self.members.get(*start..).unwrap_or_default();
                                check_duplicate(own, seen, &name, offset)?;
                                let index = own.len();
                                let key = self.key(depth, index, name);
                                if let Some(seen) = seen {
                                    seen.insert(key.clone());
                                }
                                *pending_key = Some(key);
                                break;
                            }
                            Some(b'}') => {
                                self.pos += 1;
                                let start = *start;
                                stack.pop();
                                let members = self.members.drain(start..).collect();
                                value = Value::Object(Object::from_unique_members(members));
                            }
                            _ => return Err(self.unexpected("',' or '}'")),
                        }
                    }
                }
            }
        }
    }

    /// The shared key for member `index` of an object at `depth`: the previous
    /// object at that depth usually had the same key there, so it is reused.
    fn key(&mut self, depth: usize, index: usize, name: Cow<'_, str>) -> Key {
        if index >= KEY_CACHE_WIDTH {
            return Key::from(name.as_ref());
        }
        if self.recent_keys.len() <= depth {
            self.recent_keys.resize_with(depth + 1, Vec::new);
        }
        let Some(recent) = self.recent_keys.get_mut(depth) else {
            return Key::from(name.as_ref());
        };
        if let Some(k) = recent.get(index) {
            if **k == *name {
                return k.clone();
            }
        }
        let key = Key::from(name.as_ref());
        match recent.get_mut(index) {
            Some(slot) => *slot = key.clone(),
            None => recent.push(key.clone()),
        }
        key
    }

    /// Consumes an opening bracket at `offset`, failing if it would nest
    /// deeper than allowed.
    fn enter(&mut self, open_containers: usize, offset: usize) -> Result<(), ParseError> {
        if open_containers >= self.max_depth {
            return Err(ParseError::TooDeep {
                offset,
                limit: self.max_depth,
            });
        }
        self.pos += 1;
        Ok(())
    }

    /// Parses `"name" :` and returns the name with the offset of its quote.
    fn parse_member_name(&mut self) -> Result<(Cow<'a, str>, usize), ParseError> {
        self.skip_whitespace();
        let offset = self.pos;
        if self.peek() != Some(b'"') {
            return Err(self.unexpected("a string object key"));
        }
        let key = self.parse_string()?;
        self.skip_whitespace();
        if self.peek() != Some(b':') {
            return Err(self.unexpected("':' after object key"));
        }
        self.pos += 1;
        Ok((key, offset))
    }

    fn parse_literal(&mut self, word: &str, value: Value) -> Result<Value, ParseError> {
        let end = self.pos + word.len();
        if self.bytes.get(self.pos..end) == Some(word.as_bytes()) {
            self.pos = end;
            Ok(value)
        } else {
            Err(self.unexpected("a JSON value"))
        }
    }

    /// Parses a string starting at the opening quote; without escapes it is
    /// borrowed from the input.
    fn parse_string(&mut self) -> Result<Cow<'a, str>, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let content_start = self.pos;
        // Fast path: most strings have no escapes and can be copied in one
        // go. The input is valid UTF-8 and every byte we stop at is ASCII,
        // so all slice bounds below are char boundaries.
        loop {
            self.skip_plain_string_chunks();
            match self.peek() {
                Some(b'"') => {
                    let s = self.text.get(content_start..self.pos).unwrap_or_default();
                    self.pos += 1;
                    return Ok(Cow::Borrowed(s));
                }
                Some(b'\\') => break,
                Some(0x00..=0x1f) => return Err(self.syntax(self.pos, "unescaped control character in string")),
                Some(_) => self.pos += 1,
                None => return Err(self.syntax(open, "unterminated string")),
            }
        }

        // Slow path: copy runs of plain text between escapes.
        let mut out = String::with_capacity(self.pos - content_start + 16);
        out.push_str(self.text.get(content_start..self.pos).unwrap_or_default());
        let mut run_start = self.pos;
        loop {
            self.skip_plain_string_chunks();
            match self.peek() {
                Some(b'"') => {
                    out.push_str(self.text.get(run_start..self.pos).unwrap_or_default());
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    out.push_str(self.text.get(run_start..self.pos).unwrap_or_default());
                    self.parse_escape(&mut out)?;
                    run_start = self.pos;
                }
                Some(0x00..=0x1f) => return Err(self.syntax(self.pos, "unescaped control character in string")),
                Some(_) => self.pos += 1,
                None => return Err(self.syntax(open, "unterminated string")),
            }
        }
    }

    /// Advances over whole 8-byte words of string content that contain no
    /// quote, backslash or control byte; the byte loop handles the rest.
    /// String content dominates bundles (hashes, signatures, payloads), so
    /// this word-at-a-time scan is the parser's main speed-up.
    #[inline]
    fn skip_plain_string_chunks(&mut self) {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        while let Some(chunk) = self.bytes.get(self.pos..self.pos + 8) {
            let Ok(word) = <[u8; 8]>::try_from(chunk) else {
                return;
            };
            let w = u64::from_le_bytes(word);
            // Classic SWAR tests: a byte's high bit ends up set when the
            // byte is zero (after XOR with the target) or below 0x20.
            // Bytes >= 0x80 are excluded by `!w` / `!x`, so UTF-8 text
            // never triggers a false stop (false stops would only cost
            // speed anyway, never correctness).
            let quote = w ^ (ONES * u64::from(b'"'));
            let backslash = w ^ (ONES * u64::from(b'\\'));
            let has_quote = quote.wrapping_sub(ONES) & !quote;
            let has_backslash = backslash.wrapping_sub(ONES) & !backslash;
            let has_control = w.wrapping_sub(ONES * 0x20) & !w;
            if (has_quote | has_backslash | has_control) & HIGH != 0 {
                return;
            }
            self.pos += 8;
        }
    }

    /// Decodes one escape sequence starting at its backslash.
    fn parse_escape(&mut self, out: &mut String) -> Result<(), ParseError> {
        let backslash = self.pos;
        let decoded = match self.bytes.get(backslash + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.parse_unicode_escape(out),
            None => return Err(self.syntax(backslash, "unterminated string")),
            Some(_) => return Err(self.syntax(backslash, "invalid escape sequence")),
        };
        out.push(decoded);
        self.pos = backslash + 2;
        Ok(())
    }

    /// Decodes `\uXXXX`, combining a surrogate pair written as two escapes.
    fn parse_unicode_escape(&mut self, out: &mut String) -> Result<(), ParseError> {
        let first_at = self.pos;
        let first = self.hex4(first_at + 2)?;
        self.pos = first_at + 6;
        let code_point = match first {
            0xD800..=0xDBFF => {
                // A high surrogate is only meaningful followed by a low one.
                let second_at = self.pos;
                if self.bytes.get(second_at..second_at + 2) != Some(b"\\u".as_slice()) {
                    return Err(ParseError::LoneSurrogate { offset: first_at });
                }
                let second = self.hex4(second_at + 2)?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(ParseError::LoneSurrogate { offset: first_at });
                }
                self.pos = second_at + 6;
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(ParseError::LoneSurrogate { offset: first_at }),
            other => other,
        };
        match char::from_u32(code_point) {
            Some(c) => {
                out.push(c);
                Ok(())
            }
            // Unreachable given the ranges above; kept as an error, not a panic.
            None => Err(ParseError::LoneSurrogate { offset: first_at }),
        }
    }

    /// Reads four hex digits at `at`.
    fn hex4(&self, at: usize) -> Result<u32, ParseError> {
        let digits = self
            .bytes
            .get(at..at + 4)
            .ok_or_else(|| self.syntax(at, "incomplete \\u escape"))?;
        let mut value = 0u32;
        for (i, &b) in digits.iter().enumerate() {
            let digit = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return Err(self.syntax(at + i, "invalid hex digit in \\u escape")),
            };
            value = (value << 4) | u32::from(digit);
        }
        Ok(value)
    }

    /// Parses a number per the RFC 8259 grammar and converts it with
    /// correct rounding, exactly as JavaScript's `JSON.parse` does.
    fn parse_number(&mut self) -> Result<f64, ParseError> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }

        // Integer part: "0" or a non-zero digit followed by digits.
        let int_start = self.pos;
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.syntax(int_start, "leading zeros are not allowed"));
                }
            }
            Some(b'1'..=b'9') => self.skip_digits(),
            _ => return Err(self.syntax(self.pos, "expected a digit in number")),
        }
        let int_digits = self.pos - int_start;

        let mut is_integer = true;
        if self.peek() == Some(b'.') {
            is_integer = false;
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.syntax(self.pos, "expected a digit after the decimal point"));
            }
            self.skip_digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            is_integer = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.syntax(self.pos, "expected a digit in exponent"));
            }
            self.skip_digits();
        }

        // Fast path: short integers are exact in an f64, so plain
        // accumulation gives the correctly rounded result.
        if is_integer && int_digits <= 15 {
            let magnitude = self
                .bytes
                .get(int_start..self.pos)
                .unwrap_or_default()
                .iter()
                .fold(0u64, |acc, &d| acc * 10 + u64::from(d - b'0'));
            let value = magnitude as f64;
            return Ok(if negative { -value } else { value });
        }

        let literal = self.text.get(start..self.pos).unwrap_or_default();
        match literal.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(value),
            Ok(_) => Err(ParseError::NumberOverflow { offset: start }),
            // The grammar was checked above, so Rust's parser accepts it.
            Err(_) => Err(self.syntax(start, "invalid number")),
        }
    }

    #[inline]
    fn skip_digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(input: &str) -> ParseError {
        match parse_str(input) {
            Ok(v) => panic!("expected an error for {input:?}, got {v:?}"),
            Err(e) => e,
        }
    }

    fn is_syntax(e: &ParseError) -> bool {
        matches!(e, ParseError::Syntax { .. })
    }

    #[test]
    fn parses_scalars_and_containers() {
        assert_eq!(parse_str("null"), Ok(Value::Null));
        assert_eq!(parse_str(" true "), Ok(Value::Bool(true)));
        assert_eq!(parse_str("\t\r\nfalse"), Ok(Value::Bool(false)));
        assert_eq!(parse_str("-12.5e1"), Ok(Value::Number(-125.0)));
        assert_eq!(
            parse_str(r#""a\"\\\/\b\f\n\r\t""#),
            Ok(Value::from("a\"\\/\u{8}\u{c}\n\r\t"))
        );
        assert_eq!(parse_str(r#""\u00e9\u0000""#), Ok(Value::from("é\u{0}")));
        let v = parse_str(r#"{"a":[1,{"b":null}],"c":{}, "d":[]}"#).expect("valid");
        assert_eq!(
            v.as_object().map(|o| o.keys().collect::<Vec<_>>()),
            Some(vec!["a", "c", "d"])
        );
        assert_eq!(v.get("a").and_then(Value::as_array).map(Vec::len), Some(2));
    }

    #[test]
    fn string_scan_stops_at_specials_in_every_position() {
        // Exercise the word-at-a-time scan with the special byte at each
        // offset within and across 8-byte words, after ASCII and non-ASCII.
        for prefix in ["", "é", "😀€"] {
            for len in 0..20 {
                let body = format!("{prefix}{}", "x".repeat(len));
                for at in 0..=len {
                    let split = prefix.len() + at;
                    let (head, tail) = body.split_at(split);
                    let escaped = format!("\"{head}\\\"{tail}\"");
                    assert_eq!(parse_str(&escaped), Ok(Value::from(format!("{head}\"{tail}"))));
                    let raw_control = format!("\"{head}\u{1}{tail}\"");
                    assert!(
                        matches!(err(&raw_control), ParseError::Syntax { offset, .. } if offset == split + 1),
                        "{raw_control:?}"
                    );
                }
                assert_eq!(parse_str(&format!("\"{body}\"")), Ok(Value::from(body.as_str())));
                assert!(is_syntax(&err(&format!("\"{body}"))));
            }
        }
    }

    #[test]
    fn negative_zero_keeps_its_sign() {
        let v = parse_str("-0").expect("valid");
        assert!(matches!(v, Value::Number(n) if n == 0.0 && n.is_sign_negative()));
        let v = parse_str("-0.0e5").expect("valid");
        assert!(matches!(v, Value::Number(n) if n == 0.0 && n.is_sign_negative()));
    }

    #[test]
    fn numbers_round_like_javascript() {
        assert_eq!(parse_str("9007199254740993"), Ok(Value::Number(9007199254740992.0)));
        assert_eq!(parse_str("123456789012345"), Ok(Value::Number(123456789012345.0)));
        assert_eq!(parse_str("-999999999999999"), Ok(Value::Number(-999999999999999.0)));
        assert_eq!(parse_str("0.1"), Ok(Value::Number(0.1)));
        assert_eq!(parse_str("1E2"), Ok(Value::Number(100.0)));
        assert_eq!(parse_str("1e+2"), Ok(Value::Number(100.0)));
        assert_eq!(parse_str("5e-324"), Ok(Value::Number(5e-324)));
        assert_eq!(parse_str("1.7976931348623157e308"), Ok(Value::Number(f64::MAX)));
    }

    #[test]
    fn error_messages_are_single_sentences_with_offsets() {
        let e = err("[1,]");
        assert_eq!(
            e.to_string(),
            "invalid JSON at byte offset 3: unexpected character ']', expected a JSON value"
        );
        let e = err(r#"{"a":1,"a":2}"#);
        assert_eq!(e.to_string(), "duplicate object key \"a\" at byte offset 7");
        let long = format!(r#"{{"{0}":1,"{0}":2}}"#, "k".repeat(1000));
        assert!(err(&long).to_string().len() < 200);
    }

    #[test]
    fn rejects_malformed_literals_and_structure() {
        for bad in [
            "tru",
            "nul",
            "True",
            "[1 2]",
            "{\"a\" 1}",
            "{\"a\":}",
            "{1:2}",
            "[",
            "{",
            "]",
            "\"abc",
            "\"\\u12\"",
            "\"\\u12G4\"",
            "-",
            "-a",
            "1e",
            "1e+",
            "0x10",
            "[,]",
            "{,}",
            "'a'",
            "Infinity",
            "-Infinity",
            "\u{a0}1",
            "\u{c}1",
        ] {
            assert!(is_syntax(&err(bad)), "{bad:?} should be a syntax error");
        }
    }
}
