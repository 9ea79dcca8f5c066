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
pub(super) struct Skipped {
    pub len: usize,
    pub counted: usize,
}

impl<'a> Parser<'a> {
    /// Validates the remaining elements of an array (`value (, value)* ]`), starting right
    /// after a `,`; `open` is the number of containers open around them (the array included).
    /// Stops after the closing `]`.
    pub(super) fn skip_rest_of_array(&mut self, open: usize, cap: &ArrayCap) -> Result<Skipped, ParseError> {
        let mut skipped = Skipped { len: 0, counted: 0 };
        let mut stack: Vec<Open<'a>> = Vec::new();
        let mut keys: Vec<Cow<'a, str>> = Vec::new();
        loop {
            // One value, or a container opened (then round again for its first member).
            self.skip_whitespace();
            let start = self.pos;
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
                                return Ok(skipped);
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
