//! Gateway receipts (`clawaudit receipt sign`): a Clawsig gateway_receipt envelope (JSS
//! payload hash), bound to a policy hash and a token scope hash.

use crate::clawsig::producer::{sign_envelope, Signer};
use crate::json::{Object, Value};
use crate::timeutil::parse_rfc3339;

/// Bind a gateway receipt payload to a policy hash and a token scope hash and sign it.
pub fn build_receipt(
    signer: &Signer,
    mut payload: Value,
    policy_hash: Option<&str>,
    token_scope_hash_b64u: Option<&str>,
    issued_at: &str,
) -> Result<Value, String> {
    let obj = payload
        .as_object_mut()
        .ok_or("the receipt payload must be a JSON object")?;
    if obj.get("receipt_version").and_then(Value::as_str) != Some("1") {
        return Err("the receipt payload must have receipt_version \"1\"".into());
    }
    if !obj
        .get("receipt_id")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty())
    {
        return Err("the receipt payload must have a receipt_id".into());
    }
    if policy_hash.is_some() || token_scope_hash_b64u.is_some() {
        if !obj.contains_key("binding") {
            obj.insert("binding", Value::Object(Object::new()));
        }
        let binding = obj
            .get_mut("binding")
            .and_then(Value::as_object_mut)
            .ok_or("the receipt payload's binding must be an object")?;
        for (key, value) in [
            ("policy_hash", policy_hash),
            ("token_scope_hash_b64u", token_scope_hash_b64u),
        ] {
            let Some(value) = value else { continue };
            match binding.get(key).and_then(Value::as_str) {
                Some(existing) if existing != value => {
                    return Err(format!("binding.{key} is already {existing}, not {value}"));
                }
                _ => {
                    binding.insert(key, Value::from(value));
                }
            }
        }
    }
    if parse_rfc3339(issued_at).is_none() {
        return Err(format!("issued_at \"{issued_at}\" is not an RFC 3339 date-time"));
    }
    Ok(sign_envelope(signer, "gateway_receipt", payload, issued_at, None))
}
