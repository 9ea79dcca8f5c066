//! JSON handling for proof bundles: a strict parser, a value model that
//! mirrors what JavaScript's `JSON.parse` produces, and the two canonical
//! serializations signatures are computed over:
//!
//! * [`jss`]: JavaScript `JSON.stringify` output (array-index keys first,
//!   then insertion order);
//! * [`jcs`]: RFC 8785 JSON Canonicalization Scheme (keys sorted by UTF-16
//!   code units).

pub mod cap;
pub mod jcs;
pub mod jss;
mod parse;
pub mod pretty;
mod value;
mod write;

#[cfg(test)]
mod tests;

pub use cap::{ArrayCap, Capped, ElementKeys, Overflow};
#[doc(hidden)]
pub use parse::parse_split_at;
pub use parse::{parse, parse_capped, parse_str, ParseError, ParseLimits};
pub use value::{Object, Value};
