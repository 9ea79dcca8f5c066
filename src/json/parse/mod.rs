//! Strict RFC 8259 parser.
//!
//! Stricter than most parsers on purpose: anything a signer and a verifier
//! could read differently (duplicate keys, lone surrogates, a BOM, numbers
//! that overflow) is rejected instead of being silently resolved.
//!
//! The parser is iterative: open arrays and objects live on an explicit
//! stack, so hostile nesting costs heap (bounded by `max_depth`) and can
//! never exhaust the call stack.
//!
//! Inputs of 512 KB and more are parsed by two threads, the second one
//! starting at a likely array-element boundary in the middle; its work is
//! used only when the first thread reaches that exact position as an element
//! start (see `parse_in_two`), so results and errors are those of one pass.

mod skip;

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::cap::{ArrayCap, Capped, ElementKeys, Overflow};
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
    parse_capped(bytes, limits, &[]).map(|c| c.value)
}

/// [`parse`] under count caps (see `json::cap`): fails exactly as `parse` fails, and returns
/// the same document except that an array over its cap keeps only its first `max` elements.
pub fn parse_capped(bytes: &[u8], limits: &ParseLimits, caps: &[ArrayCap]) -> Result<Capped, ParseError> {
    parse_split(bytes, limits, caps, |bytes| {
        (bytes.len() >= SPLIT_MIN_BYTES).then(|| find_split(bytes)).flatten()
    })
}

/// `parse_capped` with the second thread started at `split` (or none): a hidden hook for the
/// fuzz targets that check the two-thread path against the single pass at any position.
#[doc(hidden)]
pub fn parse_split_at(
    bytes: &[u8],
    limits: &ParseLimits,
    caps: &[ArrayCap],
    split: Option<usize>,
) -> Result<Capped, ParseError> {
    parse_split(bytes, limits, caps, |bytes| split.filter(|&s| s > 0 && s < bytes.len()))
}

/// `parse_capped`, handing the second thread the position `split` chooses (tests force any).
fn parse_split<'a>(
    bytes: &'a [u8],
    limits: &ParseLimits,
    caps: &'a [ArrayCap],
    split: impl FnOnce(&[u8]) -> Option<usize>,
) -> Result<Capped, ParseError> {
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
    let mut parser = Parser::new(text, limits.max_depth);
    parser.caps = caps;
    if let Some(split) = split(bytes) {
        return parse_in_two(parser, split);
    }
    match parser.run(None, None, 0)? {
        Outcome::Done(value) => Ok(Capped {
            value,
            overflow: parser.overflow,
        }),
        // Unreachable without a split position.
        Outcome::AtSplit => Err(parser.syntax(parser.pos, "internal parser error")),
    }
}

/// Inputs from this size on are parsed by two threads (see `parse_in_two`).
const SPLIT_MIN_BYTES: usize = 512 * 1024;

/// A likely array-element boundary after the middle of the input: the `{` of `}` `,` `{`
/// (whitespace allowed between). Only a guess; `parse_in_two` checks it.
fn find_split(bytes: &[u8]) -> Option<usize> {
    let from = bytes.len() / 2;
    let to = from + bytes.len() / 4;
    let window = bytes.get(from..to)?;
    let is_ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let mut i = 0;
    while let Some(offset) = window.get(i..)?.iter().position(|&b| b == b'}') {
        let close = i + offset;
        let rest = window.get(close + 1..)?;
        let comma = rest.iter().position(|b| !is_ws(b))?;
        if rest.get(comma) == Some(&b',') {
            let after = rest.get(comma + 1..)?;
            let open = after.iter().position(|b| !is_ws(b))?;
            if after.get(open) == Some(&b'{') {
                return Some(from + close + 1 + comma + 1 + open);
            }
        }
        i = close + 1;
    }
    None
}

/// Parse with a second thread: while this thread parses up to `split`, another parses from
/// `split` as the remaining elements of an array (`value, value, … ]`). If this thread
/// then stands exactly at `split` at the start of an array element, those elements are
/// exactly what it would have parsed next (a JSON value does not depend on what precedes
/// it), so they are spliced in, provided the nesting stays within the limit once the
/// array's own depth is added. Any other outcome (the guess was not an element start, or
/// the other thread met an error) discards the other thread's work and this thread goes
/// on alone, so results and errors are exactly those of a single pass.
///
/// Under caps, the tail parser knows no paths (it builds whatever it reads); the caps apply
/// to its elements when they are spliced in, and once this thread has skipped the rest of an
/// overflowed array it tells the tail to stop (its work could only be discarded: this thread
/// no longer stops at `split` inside a skipped array).
fn parse_in_two(mut parser: Parser<'_>, split: usize) -> Result<Capped, ParseError> {
    let (text, max_depth) = (parser.text, parser.max_depth);
    let stop = (!parser.caps.is_empty()).then(|| Arc::new(AtomicBool::new(false)));
    parser.overflowed = stop.clone();
    let (first, rest) = rayon::join(
        || {
            let outcome = parser.run(Some(split), None, 0);
            (parser, outcome)
        },
        || {
            let mut tail = Parser::new(text, max_depth);
            tail.stop = stop;
            tail.pos = split;
            tail.stack.push(Frame::Array { start: 0, cap: None });
            let elements = tail.run(None, None, 1);
            (elements, tail.pos, tail.max_open)
        },
    );
    let (mut parser, outcome) = first;
    match outcome? {
        Outcome::Done(value) => {
            return Ok(Capped {
                value,
                overflow: parser.overflow,
            })
        }
        Outcome::AtSplit => {}
    }
    let mut resume = None;
    if let (Ok(Outcome::Done(Value::Array(elements))), end, tail_open) = rest {
        // The tail parser's containers opened at its depth `tail_open`; here they sit
        // `depth - 1` deeper (`depth` counts the array being continued).
        let depth = parser.stack.len();
        let within_limit = tail_open.saturating_add(depth).saturating_sub(1) < parser.max_depth || tail_open == 0;
        if let (true, Some(&Frame::Array { start, cap })) = (within_limit, parser.stack.last()) {
            parser.stack.pop();
            parser.splice(start, cap, elements);
            resume = Some(Value::Array(parser.items.drain(start..).collect()));
            parser.pos = end;
        }
    }
    match parser.run(None, resume, 0)? {
        Outcome::Done(value) => Ok(Capped {
            value,
            overflow: parser.overflow,
        }),
        Outcome::AtSplit => Err(parser.syntax(parser.pos, "internal parser error")),
    }
}

/// How a run of the parser ended.
enum Outcome {
    /// The value that closed the outermost frame (the document, or for a tail parser the
    /// array it continued).
    Done(Value),
    /// Stopped at the split position, at the start of an array element.
    AtSplit,
}

/// [`parse`] with [`ParseLimits::default`].
pub fn parse_str(s: &str) -> Result<Value, ParseError> {
    parse(s.as_bytes(), &ParseLimits::default())
}

/// An open array under a cap: the cap's index, and how many of its elements so far counted.
#[derive(Clone, Copy)]
struct CapState {
    index: usize,
    counted: usize,
}

/// A container that has been opened but not yet closed. Its elements live on
/// the parser's shared scratch stacks from `start` on, and move into one
/// exactly sized vector when it closes.
enum Frame {
    Array {
        start: usize,
        /// Set when the array sits at a capped path.
        cap: Option<CapState>,
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
    /// Open containers, innermost last.
    stack: Vec<Frame>,
    /// The deepest `open_containers` seen by `enter` (for splicing a tail parse).
    max_open: usize,
    /// Count caps by path (none for a plain parse, and for a tail parser).
    caps: &'a [ArrayCap],
    /// The capped arrays that overflowed, as they closed.
    overflow: Vec<Overflow>,
    /// Raised when a capped array overflowed (this parser then skips past a split position).
    overflowed: Option<Arc<AtomicBool>>,
    /// For a tail parser: give up once this is raised.
    stop: Option<Arc<AtomicBool>>,
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
            // Indentation of pretty-printed documents: eight spaces at a time.
            while self.bytes.get(self.pos..self.pos + 8) == Some(b"        ".as_slice()) {
                self.pos += 8;
            }
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

    fn new(text: &'a str, max_depth: usize) -> Self {
        Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            max_depth,
            items: Vec::new(),
            members: Vec::new(),
            recent_keys: Vec::new(),
            stack: Vec::new(),
            max_open: 0,
            caps: &[],
            overflow: Vec::new(),
            overflowed: None,
            stop: None,
        }
    }

    /// The cap (by index) of an array opened inside the containers `stack`: one whose path is
    /// the pending keys of `stack`, all objects, from the root.
    fn cap_for(&self, stack: &[Frame]) -> Option<CapState> {
        let index = self.caps.iter().position(|c| {
            c.path.len() == stack.len()
                && c.path
                    .iter()
                    .zip(stack)
                    .all(|(want, frame)| matches!(frame, Frame::Object { pending_key: Some(k), .. } if **k == **want))
        })?;
        Some(CapState { index, counted: 0 })
    }

    fn cap_max(&self, index: usize) -> usize {
        self.caps.get(index).map_or(usize::MAX, |c| c.max)
    }

    /// Validates the rest of the capped array opened at `start` (stopping after its `]`),
    /// records its overflow and returns it holding its first `max` elements. `open` counts
    /// the containers open around its elements, itself included.
    fn overflow_rest(&mut self, start: usize, state: CapState, open: usize) -> Result<Value, ParseError> {
        if let Some(flag) = &self.overflowed {
            flag.store(true, Ordering::Relaxed);
        }
        let caps = self.caps;
        let Some(cap) = caps.get(state.index) else {
            return Err(self.syntax(self.pos, "internal parser error"));
        };
        let skipped = self.skip_rest_of_array(open, cap)?;
        let kept = self.items.len().saturating_sub(start);
        self.overflow.push(Overflow {
            cap: state.index,
            len: kept + skipped.len,
            counted: state.counted + skipped.counted,
        });
        Ok(Value::Array(self.items.drain(start..).collect()))
    }

    /// Whether an element counts under the cap at `index`.
    fn counts(&self, index: usize, element: &Value) -> bool {
        self.caps
            .get(index)
            .is_some_and(|c| (c.counts)(ElementKeys::of(element)))
    }

    /// Appends the elements a tail parser read to the array opened at `start`, applying its
    /// cap as if they had been read here.
    fn splice(&mut self, start: usize, cap: Option<CapState>, elements: Vec<Value>) {
        let Some(state) = cap else {
            self.items.extend(elements);
            return;
        };
        let max = self.caps.get(state.index).map_or(usize::MAX, |c| c.max);
        let before = self.items.len().saturating_sub(start);
        let len = before.saturating_add(elements.len());
        let counted = state.counted + elements.iter().filter(|e| self.counts(state.index, e)).count();
        self.items.extend(elements.into_iter().take(max.saturating_sub(before)));
        if len > max {
            self.overflow.push(Overflow {
                cap: state.index,
                len,
                counted,
            });
        }
    }

    /// With `base` 0, parse until the document's value is complete and only whitespace
    /// follows; with `base` 1 (a tail parser, whose stack starts with one array frame),
    /// until that array closes. Stops early at `split` when that is the start of an array
    /// element. `resume` is a value that has just been completed and must be handed to its
    /// parent first.
    fn run(&mut self, split: Option<usize>, mut resume: Option<Value>, base: usize) -> Result<Outcome, ParseError> {
        let mut stack = std::mem::take(&mut self.stack);
        let outcome = self.run_with(&mut stack, base, split, &mut resume);
        self.stack = stack;
        outcome
    }

    fn run_with(
        &mut self,
        stack: &mut Vec<Frame>,
        base: usize,
        split: Option<usize>,
        resume: &mut Option<Value>,
    ) -> Result<Outcome, ParseError> {
        let fragment = base > 0;
        loop {
            // Parse one value, or open a container and go round for its
            // first element.
            let mut value = if let Some(value) = resume.take() {
                value
            } else {
                if self.stop.as_ref().is_some_and(|stop| stop.load(Ordering::Relaxed)) {
                    return Err(self.syntax(self.pos, "tail parse abandoned"));
                }
                self.skip_whitespace();
                let start = self.pos;
                if Some(start) == split && matches!(stack.last(), Some(Frame::Array { .. })) {
                    return Ok(Outcome::AtSplit);
                }
                match self.peek() {
                    Some(b'[') => {
                        self.enter(stack.len(), start)?;
                        self.skip_whitespace();
                        let cap = self.cap_for(stack);
                        if self.peek() == Some(b']') {
                            self.pos += 1;
                            Value::Array(Vec::new())
                        } else if let Some(state) = cap.filter(|s| self.cap_max(s.index) == 0) {
                            self.overflow_rest(self.items.len(), state, stack.len() + 1)?
                        } else {
                            stack.push(Frame::Array {
                                start: self.items.len(),
                                cap,
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
                }
            };

            // Hand the finished value to its parent; this may complete the
            // parent too, and so on up the stack.
            loop {
                if fragment && stack.len() < base {
                    return Ok(Outcome::Done(value));
                }
                self.skip_whitespace();
                let depth = stack.len().saturating_sub(1);
                match stack.last_mut() {
                    None => {
                        if self.pos < self.bytes.len() {
                            return Err(self.unexpected("end of input after the JSON value"));
                        }
                        return Ok(Outcome::Done(value));
                    }
                    Some(Frame::Array { start, cap }) => {
                        if let Some(state) = cap.as_mut() {
                            state.counted += usize::from(self.counts(state.index, &value));
                        }
                        self.items.push(value);
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                let start = *start;
                                let full = (*cap).filter(|s| self.items.len() - start >= self.cap_max(s.index));
                                let Some(state) = full else { break };
                                // Over the cap: the rest is validated, not built.
                                stack.pop();
                                value = self.overflow_rest(start, state, stack.len() + 1)?;
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
        self.max_open = self.max_open.max(open_containers);
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
            let special = (has_quote | has_backslash | has_control) & HIGH;
            if special != 0 {
                // The lowest flagged byte is the first special one (borrows only
                // travel upwards, from a byte that matched): stop right on it.
                self.pos += (special.trailing_zeros() / 8) as usize;
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

    /// Caps on the arrays the split tests use, small enough to overflow.
    const SPLIT_CAPS: [ArrayCap; 3] = [
        ArrayCap {
            path: &[],
            max: 1,
            counts: |e| e.contains_key("a"),
        },
        ArrayCap {
            path: &["a"],
            max: 1,
            counts: |_| true,
        },
        ArrayCap {
            path: &["r"],
            max: 2,
            counts: |e| e.is_object(),
        },
    ];

    /// Every split position gives the single-pass result, value or error, with caps or not.
    fn check_every_split(text: &str, limits: &ParseLimits) {
        for caps in [&[][..], &SPLIT_CAPS[..]] {
            let expected = parse_split(text.as_bytes(), limits, caps, |_| None);
            for split in 0..=text.len() + 1 {
                let got = parse_split(text.as_bytes(), limits, caps, |_| Some(split));
                assert_eq!(got, expected, "split at {split} of {text:?}, {} caps", caps.len());
            }
        }
    }

    #[test]
    fn splitting_never_changes_a_result() {
        let shallow = ParseLimits {
            max_bytes: 1 << 20,
            max_depth: 4,
        };
        for text in [
            r#"[1,2,3]"#,
            r#"{"a":[{"x":1},{"x":2,"y":[3,{"z":null}]},{"x":"},{"}],"b":true}"#,
            r#" [ {"k":"v"} , {"k":"w"} ,{"k":"\u00e9\"},{"} ] "#,
            r#"{"r":[{"a":1},{"a":2},{"b":{"c":[[[]]]}}]}"#,
            r#"[{"a":1},{"a":2,"a":3}]"#,
            r#"[{"a":1},{"a":2},]"#,
            r#"[{"a":1},{"a":2}] x"#,
            r#"[{"a":1},{"a":"\ud800"}]"#,
            r#"[{"a":1},{"a":1e999}]"#,
            r#"[{"a":1},{"a":[[[[1]]]]}]"#,
            r#"[[{"a":1},{"a":[[1]]}]]"#,
            r#"[{"a":1},{"a":2}"#,
            r#"[{"a":1},{"a":2}]]"#,
            r#"[{},{},{}]"#,
            r#"[[],[1],[[2]],{"x":[3]}]"#,
        ] {
            check_every_split(text, &ParseLimits::default());
            check_every_split(text, &shallow);
        }
    }

    #[test]
    fn splitting_a_large_bundle_like_document() {
        // Big enough for the automatic split; it must land inside the array and be used.
        let items: Vec<String> = (0..20_000)
            .map(|i| format!(r#"{{"id":"item_{i}","hash":"{}","n":{i}}}"#, "x".repeat(i % 40)))
            .collect();
        let text = format!(r#"{{"v":"1","items":[{}],"tail":[1,2]}}"#, items.join(",\n  "));
        assert!(text.len() >= SPLIT_MIN_BYTES);
        let split = find_split(text.as_bytes()).expect("a boundary in the middle");
        assert_eq!(text.as_bytes()[split], b'{');
        let expected = parse_split(text.as_bytes(), &ParseLimits::default(), &[], |_| None).map(|c| c.value);
        assert!(expected.is_ok());
        assert_eq!(parse(text.as_bytes(), &ParseLimits::default()), expected);
        // An error after the split point is reported at the same offset.
        let bad = text.replacen("item_19000\"", "item_19000\" 1", 1);
        let expected = parse_split(bad.as_bytes(), &ParseLimits::default(), &[], |_| None).map(|c| c.value);
        assert!(matches!(expected, Err(ParseError::Syntax { .. })));
        assert_eq!(parse(bad.as_bytes(), &ParseLimits::default()), expected);
    }

    fn arb_json() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-5i64..5).prop_map(|n| Value::Number(n as f64)),
            "[a-c},{\\\\\"]{0,4}".prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 48, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec(("[a-c]{1,2}", inner), 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn any_split_of_generated_text_gives_the_single_pass_result(
            v in arb_json(),
            depth in 2usize..8,
            flip in proptest::option::of((0usize..400, proptest::prelude::any::<u8>())),
        ) {
            let mut bytes = crate::json::jss::to_string(&v).into_bytes();
            if let Some((at, b)) = flip {
                let n = bytes.len();
                if let Some(slot) = bytes.get_mut(at % n.max(1)) {
                    let pool = b" ,:[]{}\"0a";
                    *slot = pool[usize::from(b) % pool.len()];
                }
            }
            let limits = ParseLimits { max_bytes: 1 << 20, max_depth: depth };
            for caps in [&[][..], &SPLIT_CAPS[..]] {
                let expected = parse_split(&bytes, &limits, caps, |_| None);
                for split in 0..=bytes.len() {
                    proptest::prop_assert_eq!(&parse_split(&bytes, &limits, caps, |_| Some(split)), &expected);
                }
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
