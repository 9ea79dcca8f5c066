//! Count caps on the arrays at given paths, applied while parsing (issue 11, item 4).
//!
//! A verifier that refuses a document once an array holds more than `max` elements does not
//! need the elements past `max`: building them costs memory (and the page faults of fresh
//! memory) for a document that is refused anyway. With caps, the parser keeps the first `max`
//! elements of a capped array and *validates* the rest without building them: every rule of
//! the full parse still applies to every byte (syntax, duplicate keys, escapes, surrogates,
//! number overflow, depth), so a capped parse fails exactly when, where and how the full parse
//! fails. It only differs in what it returns for a document whose capped array overflowed:
//! that array holds its first `max` elements, and an [`Overflow`] gives its real length and how
//! many of its elements the cap's predicate counted.
//!
//! A caller may rely on a truncated value only for a decision the overflow settles by itself
//! (the proof-bundle verifier refuses a count over its limit before it reads any element);
//! anything else must parse the document again without caps.

use std::borrow::Cow;

use super::value::{Object, Value};

/// A cap on the array found at `path` (object keys from the document's root object).
#[derive(Clone, Copy, Debug)]
pub struct ArrayCap {
    pub path: &'static [&'static str],
    /// Elements kept; an array with more overflows.
    pub max: usize,
    /// Which elements count towards the limit (the proof bundle's `receipts` ignore legacy raw
    /// receipts). It sees each element's top-level keys only.
    pub counts: fn(ElementKeys<'_>) -> bool,
}

/// What [`ArrayCap::counts`] sees of one element: whether it is an object, and its keys.
#[derive(Clone, Copy, Debug)]
pub struct ElementKeys<'e>(Repr<'e>);

#[derive(Clone, Copy, Debug)]
enum Repr<'e> {
    Built(&'e Object),
    Scanned(&'e [Cow<'e, str>]),
    NotAnObject,
}

impl<'e> ElementKeys<'e> {
    /// The keys of a parsed element.
    pub fn of(value: &'e Value) -> Self {
        match value.as_object() {
            Some(o) => ElementKeys(Repr::Built(o)),
            None => ElementKeys(Repr::NotAnObject),
        }
    }

    pub(super) fn scanned(keys: &'e [Cow<'e, str>]) -> Self {
        ElementKeys(Repr::Scanned(keys))
    }

    pub(super) fn not_an_object() -> Self {
        ElementKeys(Repr::NotAnObject)
    }

    pub fn is_object(&self) -> bool {
        !matches!(self.0, Repr::NotAnObject)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        match self.0 {
            Repr::Built(o) => o.contains_key(key),
            Repr::Scanned(keys) => keys.iter().any(|k| k == key),
            Repr::NotAnObject => false,
        }
    }
}

/// A capped array that held more than its cap's `max` elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overflow {
    /// Index of the cap in the slice given to the parser.
    pub cap: usize,
    /// The array's real length.
    pub len: usize,
    /// How many of its elements the cap's predicate counted.
    pub counted: usize,
}

/// A document parsed under caps.
#[derive(Clone, Debug, PartialEq)]
pub struct Capped {
    /// The document; each overflowed array holds only its first `max` elements.
    pub value: Value,
    /// The overflowed arrays, in the order they closed. Empty: `value` is the full document.
    pub overflow: Vec<Overflow>,
}
