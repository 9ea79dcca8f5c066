//! Human-readable JSON output (two-space indent, keys in insertion order) with the same
//! number and string spelling as JSS, so a file written here parses back to the same value.

use super::write::{write_number, write_string};
use super::Value;

/// Pretty-print with a trailing newline.
pub fn to_string_pretty(v: &Value) -> String {
    let mut out = String::new();
    write_pretty(v, 0, &mut out);
    out.push('\n');
    out
}

fn indent(depth: usize, out: &mut String) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_pretty(v: &Value, depth: usize, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(*n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                indent(depth + 1, out);
                write_pretty(item, depth + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            indent(depth, out);
            out.push(']');
        }
        Value::Object(obj) if obj.is_empty() => out.push_str("{}"),
        Value::Object(obj) => {
            out.push_str("{\n");
            let n = obj.len();
            for (i, (k, item)) in obj.iter().enumerate() {
                indent(depth + 1, out);
                write_string(k, out);
                out.push_str(": ");
                write_pretty(item, depth + 1, out);
                out.push_str(if i + 1 < n { ",\n" } else { "\n" });
            }
            indent(depth, out);
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{jss, parse_str};

    #[test]
    fn pretty_output_parses_back_to_the_same_value() {
        let text = r#"{"b":[1,2.5,{"x":null}],"a":"q\"\u0001","e":{},"f":[],"10":true}"#;
        let v = parse_str(text).unwrap();
        let pretty = to_string_pretty(&v);
        assert!(pretty.contains("\n  \"b\": [\n    1,\n    2.5,"));
        assert_eq!(jss::to_string(&parse_str(&pretty).unwrap()), jss::to_string(&v));
    }
}
