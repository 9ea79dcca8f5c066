//! Validating the rest of an overflowed capped array without building it (see `json::cap`).
//!
//! This walks the same grammar as `Parser::run_with`, through the same leaf functions
//! (`parse_string`, `parse_number`, `parse_literal`, `parse_member_name`, `enter`) and the same
//! error constructors at the same positions, so every input fails here exactly as the full
//! parse fails it. What it does not do is keep anything: strings are dropped as soon as they
//! are read (borrowed from the input unless they hold escapes), and the only state is the
//! open containers and, per open object, its keys for the duplicate check.
//! `json_capped` (fuzz) and the tests in `json::tests` compare the two on hostile input.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::{ParseError, Parser, LINEAR_KEY_SCAN_MAX};
use crate::json::cap::{ArrayCap, ElementKeys};

/// A container opened inside a skipped element.
enum Open<'a> {
    Array,
    Object {
        /// Where this object's keys start in the shared key list.
        keys_from: usize,
        /// Built once the object outgrows a linear duplicate scan.
        seen: Option<HashSet<Cow<'a, str>>>,
    },
}

/// What the elements after the kept ones were.
#[derive(Clone, Copy, Default)]
pub(super) struct Skipped {
    pub len: usize,
    pub counted: usize,
}

impl Skipped {
    fn and(self, more: Skipped) -> Skipped {
        Skipped {
            len: self.len + more.len,
            counted: self.counted + more.counted,
        }
    }
}

/// How a skip ended.
enum End {
    /// After the array's closing `]`.
    Closed(Skipped),
    /// At the requested position, the start of one of the array's elements.
    AtSplit(Skipped),
}

/// Remaining input from which the skip runs on two threads.
const SPLIT_SKIP_MIN_BYTES: usize = 512 * 1024;

impl<'a> Parser<'a> {
    /// Validates the remaining elements of an array (`value (, value)* ]`), starting right
    /// after a `,`; `open` is the number of containers open around them (the array included).
    /// Stops after the closing `]`.
    ///
    /// A long remainder is validated by two threads: another parser validates from a likely
    /// element boundary in the middle (`find_split`) as elements of this same array (it knows
    /// `open` and the cap, so its depth checks and counts are those of this pass). Its result
    /// is used only when this thread reaches that exact position as an element start, and only
    /// if it succeeded; otherwise this thread goes on alone from there, so the result or error
    /// is always the single pass's.
    pub(super) fn skip_rest_of_array(&mut self, open: usize, cap: &ArrayCap) -> Result<Skipped, ParseError> {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        let split = (rest.len() >= SPLIT_SKIP_MIN_BYTES)
            .then(|| super::find_split(rest))
            .flatten()
            .map(|at| self.pos + at);
        let Some(split) = split else {
            return match self.skip_elements(open, cap, None)? {
                End::Closed(s) | End::AtSplit(s) => Ok(s),
            };
        };
        let (text, max_depth) = (self.text, self.max_depth);
        // Raised when this thread no longer needs the other's work (the array ended before
        // `split`, or an error came first), so that the other stops instead of being waited for.
        let unneeded = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&unneeded);
        let (head, tail) = rayon::join(
            || {
                let head = self.skip_elements(open, cap, Some(split));
                if !matches!(head, Ok(End::AtSplit(_))) {
                    unneeded.store(true, Ordering::Relaxed);
                }
                head
            },
            || {
                let mut tail = Parser::new(text, max_depth);
                tail.pos = split;
                tail.stop = Some(stop);
                tail.skip_elements(open, cap, None).map(|end| (end, tail.pos))
            },
        );
        let head = match head? {
            End::Closed(s) => return Ok(s),
            End::AtSplit(s) => s,
        };
        if let Ok((End::Closed(t), end)) = tail {
            self.pos = end;
            return Ok(head.and(t));
        }
        match self.skip_elements(open, cap, None)? {
            End::Closed(t) | End::AtSplit(t) => Ok(head.and(t)),
        }
    }

    /// `skip_rest_of_array` on this thread, stopping early at `split` when that is the start
    /// of an element.
    fn skip_elements(&mut self, open: usize, cap: &ArrayCap, split: Option<usize>) -> Result<End, ParseError> {
        let mut skipped = Skipped::default();
        let mut stack: Vec<Open<'a>> = Vec::new();
        let mut keys: Vec<Cow<'a, str>> = Vec::new();
        loop {
            // One value, or a container opened (then round again for its first member).
            self.skip_whitespace();
            let start = self.pos;
            if stack.is_empty() {
                if Some(start) == split {
                    return Ok(End::AtSplit(skipped));
                }
                if self.stop.as_ref().is_some_and(|stop| stop.load(Ordering::Relaxed)) {
                    return Err(self.syntax(start, "skip abandoned"));
                }
            }
            // Whether the value just completed counts (meaningful once `stack` is empty, when
            // it is an element of the capped array).
            let mut counted = false;
            match self.peek() {
                Some(b'[') => {
                    self.enter(open + stack.len(), start)?;
                    self.skip_whitespace();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                    } else {
                        stack.push(Open::Array);
                        continue;
                    }
                }
                Some(b'{') => {
                    self.enter(open + stack.len(), start)?;
                    self.skip_whitespace();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        counted = stack.is_empty() && (cap.counts)(ElementKeys::scanned(&[]));
                    } else {
                        let (name, _) = self.parse_member_name()?;
                        stack.push(Open::Object {
                            keys_from: keys.len(),
                            seen: None,
                        });
                        keys.push(name);
                        continue;
                    }
                }
                Some(b'"') => drop(self.parse_string()?),
                Some(b'-' | b'0'..=b'9') => drop(self.parse_number()?),
                Some(b't') => drop(self.parse_literal("true", crate::json::Value::Bool(true))?),
                Some(b'f') => drop(self.parse_literal("false", crate::json::Value::Bool(false))?),
                Some(b'n') => drop(self.parse_literal("null", crate::json::Value::Null)?),
                _ => return Err(self.unexpected("a JSON value")),
            }
            if stack.is_empty() && !matches!(self.bytes.get(start), Some(b'{')) {
                counted = (cap.counts)(ElementKeys::not_an_object());
            }

            // Hand the completed value to its container, closing containers as they end.
            loop {
                self.skip_whitespace();
                match stack.last_mut() {
                    None => {
                        skipped.len += 1;
                        skipped.counted += usize::from(counted);
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                break;
                            }
                            Some(b']') => {
                                self.pos += 1;
                                return Ok(End::Closed(skipped));
                            }
                            _ => return Err(self.unexpected("',' or ']'")),
                        }
                    }
                    Some(Open::Array) => match self.peek() {
                        Some(b',') => {
                            self.pos += 1;
                            break;
                        }
                        Some(b']') => {
                            self.pos += 1;
                            stack.pop();
                            if stack.is_empty() {
                                counted = (cap.counts)(ElementKeys::not_an_object());
                            }
                        }
                        _ => return Err(self.unexpected("',' or ']'")),
                    },
                    Some(Open::Object { keys_from, seen }) => match self.peek() {
                        Some(b',') => {
                            self.pos += 1;
                            let (name, offset) = self.parse_member_name()?;
                            let own = keys.get(*keys_from..).unwrap_or_default();
                            if is_duplicate(own, seen, &name) {
                                return Err(ParseError::DuplicateKey {
                                    offset,
                                    key: name.into_owned(),
                                });
                            }
                            if let Some(seen) = seen {
                                seen.insert(name.clone());
                            }
                            keys.push(name);
                            break;
                        }
                        Some(b'}') => {
                            self.pos += 1;
                            let from = *keys_from;
                            stack.pop();
                            if stack.is_empty() {
                                counted = (cap.counts)(ElementKeys::scanned(keys.get(from..).unwrap_or_default()));
                            }
                            keys.truncate(from);
                        }
                        _ => return Err(self.unexpected("',' or '}'")),
                    },
                }
            }
        }
    }
}

/// Whether `name` is among an object's keys so far (`own`), hashing them once there are many
/// (as `check_duplicate` does for built objects).
fn is_duplicate<'a>(own: &[Cow<'a, str>], seen: &mut Option<HashSet<Cow<'a, str>>>, name: &str) -> bool {
    match seen {
        Some(seen) => seen.contains(name),
        None if own.len() < LINEAR_KEY_SCAN_MAX => own.iter().any(|k| k == name),
        None => {
            let set: HashSet<Cow<'a, str>> = own.iter().cloned().collect();
            let duplicate = set.contains(name);
            *seen = Some(set);
            duplicate
        }
    }
}
