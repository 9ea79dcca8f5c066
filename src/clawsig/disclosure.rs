//! Selective disclosure of v2 tool-receipt arguments and results (§3.5): a sorted flat
//! list of salted leaf hashes whose JCS hash must equal the committed hash.

use crate::crypto::sha256_b64u;
use crate::json::{jcs, Object, Value};
use crate::reason::ReasonCode;
use crate::report::Failure;
use crate::schema_rules::{Obj, Path, SchemaViolation};

/// Upper bound on leaves per disclosure (redacted plus disclosed), against hostile input.
pub const MAX_LEAVES: usize = 10_000;

fn fail(code: ReasonCode, label: &str, why: String) -> Failure {
    Failure::new("tool_receipt.disclosure", code, format!("the {label} {why}"))
}

/// The hash of one disclosed leaf: `sha256_b64u(path + ":" + JCS({type, value, salt_b64u}))`.
pub fn leaf_hash(path: &str, leaf_type: &str, value: &Value, salt_b64u: &str) -> String {
    let mut o = Object::with_capacity(3);
    o.insert("type", Value::from(leaf_type));
    o.insert("value", value.clone());
    o.insert("salt_b64u", Value::from(salt_b64u));
    sha256_b64u(format!("{path}:{}", jcs::to_string(&Value::Object(o))).as_bytes())
}

/// The root over a set of leaf hashes: sort by code unit, hash the JCS of the array.
pub fn root_of(mut leaves: Vec<String>) -> String {
    leaves.sort();
    let arr = Value::Array(leaves.into_iter().map(Value::String).collect());
    sha256_b64u(jcs::to_string(&arr).as_bytes())
}

/// Verify one disclosure against the hash the receipt commits to.
pub fn verify_disclosure(d: &Value, committed: &str, label: &str) -> Result<(), Failure> {
    let algorithm = d.get("disclosure_algorithm").and_then(Value::as_str);
    if algorithm != Some("vir_v2_typed_lexicographical") {
        return Err(fail(
            ReasonCode::DisclosureAlgorithmUnknown,
            label,
            "uses an unknown disclosure_algorithm".into(),
        ));
    }
    // The payload schema required the root and each disclosed leaf's type and salt.
    let unreadable =
        |e: SchemaViolation| fail(ReasonCode::SchemaValidationFailed, label, format!("is unreadable: {e}"));
    let o = Obj::new(d, Path::ROOT).map_err(unreadable)?;
    let root = o.text("merkle_root_b64u").map_err(unreadable)?;
    if root != committed {
        return Err(fail(
            ReasonCode::DisclosureRootMismatch,
            label,
            format!("discloses against root {root}, but the receipt commits to {committed}"),
        ));
    }
    let redacted = d.get("redacted_leaf_hashes_b64u").and_then(Value::as_array);
    let disclosed = d.get("disclosed_leaves").and_then(Value::as_object);
    let count = redacted.map_or(0, Vec::len) + disclosed.map_or(0, Object::len);
    if count > MAX_LEAVES {
        return Err(fail(
            ReasonCode::SchemaValidationFailed,
            label,
            format!("has {count} disclosure leaves, more than the limit of {MAX_LEAVES}"),
        ));
    }
    let mut leaves: Vec<String> = redacted
        .into_iter()
        .flatten()
        .filter_map(|h| h.as_str().map(str::to_string))
        .collect();
    let leaves_at = o.at("disclosed_leaves");
    for (path, leaf) in disclosed.into_iter().flat_map(Object::iter) {
        let l = Obj::new(leaf, leaves_at.key(path)).map_err(unreadable)?;
        let declared = l.text("type").map_err(unreadable)?;
        let value = l.require("value", |v, _| Ok(v)).map_err(unreadable)?;
        if value.type_name() != declared {
            return Err(fail(
                ReasonCode::DisclosureTypeMismatch,
                label,
                format!(
                    "discloses '{path}' as {declared}, but its value is a {}",
                    value.type_name()
                ),
            ));
        }
        let salt = l.text("salt_b64u").map_err(unreadable)?;
        leaves.push(leaf_hash(path, declared, value, salt));
    }
    let computed = root_of(leaves);
    if computed != root {
        return Err(fail(
            ReasonCode::DisclosureRootMismatch,
            label,
            format!("has leaves whose root is {computed}, not the committed {root}"),
        ));
    }
    Ok(())
}
