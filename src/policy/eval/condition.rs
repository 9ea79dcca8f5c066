//! Condition operators of WPC v2 statements. Each compares the request's context value (the
//! left side) with the policy's value (the right side): `NumericLessThan {"Context:Hour": "9"}`
//! holds when the request's hour is below 9. The rules (docs/policy-evaluation.md):
//!
//! - `StringEquals` exact; `StringNotEquals` its negation (a missing key makes it true);
//! - `StringLike` / `StringNotLike`: a glob (`super::super::glob`); a missing key makes
//!   `Like` false and `NotLike` true;
//! - `NumericEquals`, `NumericLessThan`, `NumericGreaterThan`: decimal numbers
//!   (`-?digits(.digits)?`), compared exactly (no floating point: `0.1` equals `0.10`, and
//!   `9007199254740993` is not `9007199254740992`); a missing key, or a side that is not such
//!   a number, makes the condition false;
//! - `Bool`: both sides `true` or `false`, any case, and equal; anything else is false;
//! - `IpAddress`: the request value an IPv4 address in the policy's CIDR (`a.b.c.d/n`, or a
//!   bare address for `/32`); anything else is false;
//! - an operator not listed is false, whatever the values.
//!
//! A WPC v1 allowlist is one condition with several policy values: the positive operators
//! hold when one of them does, the negated ones when none does.

use std::cmp::Ordering;

use super::super::glob::{Glob, GlobError};
use super::request::Request;

/// The operators of the WPC v2 schema, and any other name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    StringEquals,
    StringNotEquals,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericLessThan,
    NumericGreaterThan,
    Bool,
    IpAddress,
    Unknown,
}

impl Operator {
    pub fn from_name(name: &str) -> Operator {
        match name {
            "StringEquals" => Operator::StringEquals,
            "StringNotEquals" => Operator::StringNotEquals,
            "StringLike" => Operator::StringLike,
            "StringNotLike" => Operator::StringNotLike,
            "NumericEquals" => Operator::NumericEquals,
            "NumericLessThan" => Operator::NumericLessThan,
            "NumericGreaterThan" => Operator::NumericGreaterThan,
            "Bool" => Operator::Bool,
            "IpAddress" => Operator::IpAddress,
            _ => Operator::Unknown,
        }
    }
}

/// One key of one operator object: `StringEquals {"Model:Provider": "anthropic"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// The operator as the policy spells it (kept for unknown operators).
    pub operator_name: String,
    pub operator: Operator,
    pub key: String,
    /// The policy's values: one for v2, the allowlist for v1.
    pub values: Vec<String>,
    /// The values compiled, for `StringLike` / `StringNotLike`.
    globs: Vec<Glob>,
}

/// How one condition fared against one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionTrace<'a> {
    pub condition: &'a Condition,
    /// The request's value for the key, when it has one.
    pub actual: Option<&'a str>,
    pub holds: bool,
}

impl Condition {
    pub fn new(operator_name: &str, key: &str, values: Vec<String>) -> Result<Condition, GlobError> {
        let operator = Operator::from_name(operator_name);
        let globs = match operator {
            Operator::StringLike | Operator::StringNotLike => {
                values.iter().map(|v| Glob::new(v)).collect::<Result<Vec<_>, _>>()?
            }
            _ => Vec::new(),
        };
        Ok(Condition {
            operator_name: operator_name.to_string(),
            operator,
            key: key.to_string(),
            values,
            globs,
        })
    }

    /// Whether the condition holds for `request`.
    pub fn holds(&self, request: &Request) -> bool {
        self.holds_for(request.get(&self.key))
    }

    pub fn trace<'a>(&'a self, request: &'a Request) -> ConditionTrace<'a> {
        let actual = request.get(&self.key);
        ConditionTrace {
            condition: self,
            actual,
            holds: self.holds_for(actual),
        }
    }

    fn holds_for(&self, actual: Option<&str>) -> bool {
        let values = self.values.iter().map(String::as_str);
        match (self.operator, actual) {
            (Operator::StringNotEquals | Operator::StringNotLike, None) => true,
            (_, None) | (Operator::Unknown, _) => false,
            (Operator::StringEquals, Some(a)) => self.values.iter().any(|v| v == a),
            (Operator::StringNotEquals, Some(a)) => self.values.iter().all(|v| v != a),
            (Operator::StringLike, Some(a)) => self.globs.iter().any(|g| g.matches(a)),
            (Operator::StringNotLike, Some(a)) => !self.globs.iter().any(|g| g.matches(a)),
            (Operator::NumericEquals, Some(a)) => numeric(a, values, Ordering::Equal),
            (Operator::NumericLessThan, Some(a)) => numeric(a, values, Ordering::Less),
            (Operator::NumericGreaterThan, Some(a)) => numeric(a, values, Ordering::Greater),
            (Operator::Bool, Some(a)) => {
                let a = parse_bool(a);
                a.is_some() && values.map(parse_bool).any(|v| v == a)
            }
            (Operator::IpAddress, Some(a)) => {
                parse_ipv4(a).is_some_and(|ip| values.filter_map(parse_cidr).any(|net| net.contains(ip)))
            }
        }
    }
}

/// Whether `actual` compares to one of `values` as `want` (actual on the left).
fn numeric<'v>(actual: &str, mut values: impl Iterator<Item = &'v str>, want: Ordering) -> bool {
    let Some(a) = Decimal::parse(actual) else {
        return false;
    };
    values.any(|v| Decimal::parse(v).is_some_and(|v| a.cmp(&v) == want))
}

/// Longest decimal number accepted, in characters.
const MAX_DECIMAL_CHARS: usize = 128;

/// A decimal number `-?digits(.digits)?`, normalized: no leading zeros in the integer part,
/// no trailing zeros in the fraction, and no negative zero.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Decimal<'a> {
    negative: bool,
    int: &'a str,
    frac: &'a str,
}

impl<'a> Decimal<'a> {
    fn parse(s: &'a str) -> Option<Decimal<'a>> {
        if s.len() > MAX_DECIMAL_CHARS {
            return None;
        }
        let (negative, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int, frac) = match digits.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (digits, None),
        };
        let all_digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
            return None;
        }
        let int = int.trim_start_matches('0');
        let frac = frac.unwrap_or("").trim_end_matches('0');
        let zero = int.is_empty() && frac.is_empty();
        Some(Decimal {
            negative: negative && !zero,
            int,
            frac,
        })
    }

    fn cmp_magnitude(&self, other: &Decimal) -> Ordering {
        self.int
            .len()
            .cmp(&other.int.len())
            .then_with(|| self.int.cmp(other.int))
            .then_with(|| self.frac.cmp(other.frac))
    }

    fn cmp(&self, other: &Decimal) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A dotted-quad IPv4 address: four decimal parts 0–255, without leading zeros (`010` is
/// refused: some readers take it for octal).
fn parse_ipv4(s: &str) -> Option<u32> {
    let mut out: u32 = 0;
    let mut parts = 0;
    for part in s.split('.') {
        parts += 1;
        let valid = !part.is_empty()
            && part.len() <= 3
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'));
        if !valid || parts > 4 {
            return None;
        }
        let n: u8 = part.parse().ok()?;
        out = (out << 8) | u32::from(n);
    }
    (parts == 4).then_some(out)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cidr {
    network: u32,
    mask: u32,
}

impl Cidr {
    fn contains(self, ip: u32) -> bool {
        ip & self.mask == self.network & self.mask
    }
}

fn parse_cidr(s: &str) -> Option<Cidr> {
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => {
            let valid = !b.is_empty() && b.len() <= 2 && b.bytes().all(|c| c.is_ascii_digit());
            let bits: u32 = if valid { b.parse().ok()? } else { return None };
            (a, bits)
        }
        None => (s, 32),
    };
    if bits > 32 {
        return None;
    }
    let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
    Some(Cidr {
        network: parse_ipv4(addr)?,
        mask,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(op: &str, value: &str, actual: Option<&str>) -> bool {
        let c = Condition::new(op, "K", vec![value.to_string()]).unwrap();
        let mut r = Request::new("a", "r");
        if let Some(a) = actual {
            r = r.with("K", a);
        }
        c.holds(&r)
    }

    #[test]
    fn string_operators() {
        assert!(holds("StringEquals", "anthropic", Some("anthropic")));
        assert!(!holds("StringEquals", "anthropic", Some("Anthropic")));
        assert!(!holds("StringEquals", "anthropic", None));
        assert!(holds("StringNotEquals", "anthropic", Some("openai")));
        assert!(!holds("StringNotEquals", "anthropic", Some("anthropic")));
        assert!(holds("StringNotEquals", "anthropic", None));
        assert!(holds("StringLike", "claude-*", Some("claude-3")));
        assert!(!holds("StringLike", "claude-*", Some("gpt-4")));
        assert!(!holds("StringLike", "claude-*", None));
        assert!(holds("StringNotLike", "claude-*", Some("gpt-4")));
        assert!(!holds("StringNotLike", "claude-*", Some("claude-3")));
        assert!(holds("StringNotLike", "claude-*", None));
    }

    #[test]
    fn numeric_operators_compare_decimals_exactly() {
        assert!(holds("NumericLessThan", "9", Some("8")));
        assert!(!holds("NumericLessThan", "9", Some("9")));
        assert!(!holds("NumericLessThan", "9", Some("10")));
        assert!(holds("NumericGreaterThan", "17", Some("23")));
        assert!(holds("NumericEquals", "0.1", Some("0.10")));
        assert!(holds("NumericEquals", "007", Some("7")));
        assert!(holds("NumericEquals", "-0", Some("0.0")));
        assert!(holds("NumericLessThan", "-1.5", Some("-2")));
        assert!(holds("NumericGreaterThan", "-1", Some("0")));
        assert!(holds(
            "NumericGreaterThan",
            "9007199254740992",
            Some("9007199254740993")
        ));
        assert!(holds("NumericLessThan", "10.01", Some("10.001")));
        for bad in ["", "1e3", "+1", " 1", "1.", ".5", "0x10", "NaN", "inf", "1,5", "--1"] {
            assert!(!holds("NumericEquals", bad, Some(bad)), "{bad:?}");
            assert!(!holds("NumericLessThan", "100", Some(bad)), "{bad:?}");
        }
        assert!(!holds("NumericLessThan", "9", None));
        assert!(!holds("NumericEquals", &"1".repeat(200), Some(&"1".repeat(200))));
    }

    #[test]
    fn bool_and_ip_address() {
        assert!(holds("Bool", "true", Some("TRUE")));
        assert!(holds("Bool", "False", Some("false")));
        assert!(!holds("Bool", "true", Some("false")));
        assert!(!holds("Bool", "true", Some("yes")));
        assert!(!holds("Bool", "yes", Some("yes")));
        assert!(!holds("Bool", "true", None));
        assert!(holds("IpAddress", "10.0.0.0/8", Some("10.200.3.4")));
        assert!(!holds("IpAddress", "10.0.0.0/8", Some("11.0.0.1")));
        assert!(holds("IpAddress", "0.0.0.0/0", Some("203.0.113.9")));
        assert!(holds("IpAddress", "192.168.1.7", Some("192.168.1.7")));
        assert!(!holds("IpAddress", "192.168.1.7", Some("192.168.1.8")));
        assert!(holds("IpAddress", "192.168.1.0/31", Some("192.168.1.1")));
        assert!(!holds("IpAddress", "192.168.1.0/31", Some("192.168.1.2")));
        for bad in ["10.0.0", "10.0.0.256", "10.0.0.01", "::1", "10.0.0.1.2", "a.b.c.d", ""] {
            assert!(!holds("IpAddress", "0.0.0.0/0", Some(bad)), "{bad:?}");
        }
        for bad in ["10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "10.0.0/8"] {
            assert!(!holds("IpAddress", bad, Some("10.0.0.1")), "{bad:?}");
        }
        assert!(!holds("IpAddress", "10.0.0.0/8", None));
    }

    #[test]
    fn unknown_operators_never_hold() {
        assert!(!holds("StringEqualsIgnoreCase", "a", Some("a")));
        assert!(!holds("DateLessThan", "a", None));
        assert!(!holds("", "a", Some("a")));
    }

    #[test]
    fn allowlists_hold_for_any_value() {
        let c = Condition::new("StringLike", "K", vec!["claude-*".into(), "gpt-4o".into()]).unwrap();
        assert!(c.holds(&Request::new("a", "r").with("K", "gpt-4o")));
        assert!(!c.holds(&Request::new("a", "r").with("K", "gpt-4")));
        let empty = Condition::new("StringEquals", "K", Vec::new()).unwrap();
        assert!(!empty.holds(&Request::new("a", "r").with("K", "x")));
    }
}
