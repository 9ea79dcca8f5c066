//! Policy evaluation: what a WPC allows (docs/policy-evaluation.md has the rules in full).
//!
//! A request is (action, resource, context). A statement matches when one of its action
//! globs matches the action, one of its resource globs matches the resource, and all of its
//! conditions hold. Default deny; any matching `Deny` wins over every `Allow`. With
//! `inherits`, every policy of the chain must allow (strict intersection), and a parent that
//! is not in the evidence makes every decision DENY, naming it. WPC v1 is read as the
//! statements `parse::v1_statements` builds.
//!
//! Pure: a `Policy` is parsed once (`parse::parse_policy`), a `Chain` resolved once per
//! policy and its parents, and `Chain::decide` runs per request without allocating more than
//! the list of deciding statements.

pub mod condition;
pub mod decide;
pub mod evidence;
pub mod judge;
pub mod parse;
pub mod request;
pub mod statement;

pub use self::decide::{Chain, Decider, Decision, Reason, Verdict};
pub use self::parse::{parse_policy, payload_of, MAX_INHERITANCE_DEPTH};
pub use self::request::{keys, Request};
pub use self::statement::{Effect, Policy, PolicyVersion, Statement, StatementTrace};
