//! In-memory JSON value model.
//!
//! Numbers are plain `f64` because the canonical forms we verify (JSS and
//! JCS) are defined over JavaScript numbers; keeping the same model means
//! whatever we hash is exactly what a JavaScript producer hashed.

use std::sync::Arc;

/// Largest integer magnitude an `f64` represents without gaps (2^53).
const MAX_SAFE_MAGNITUDE: f64 = 9_007_199_254_740_992.0;

/// A parsed JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    Object(Object),
}

/// A JSON object: members in insertion order with unique keys.
///
/// Insertion order matters because JSS (`JSON.stringify`) output depends
/// on it; a sorted map would lose that information.
///
/// Keys are shared strings: the parser gives the thousands of identical keys
/// of a large document (every receipt has `payload_hash_b64u`) one
/// allocation, and cloning an object copies no key text.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Object {
    members: Vec<(Key, Value)>,
}

/// An object member name.
pub(crate) type Key = Arc<str>;

impl Object {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        Object {
            members: Vec::with_capacity(n),
        }
    }

    /// Builds an object from members the caller has already checked for
    /// duplicate keys (the parser does this while reading).
    pub(crate) fn from_unique_members(members: Vec<(Key, Value)>) -> Self {
        Object { members }
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.members.iter().position(|(k, _)| **k == *key)
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.members.iter().find(|(k, _)| **k == *key).map(|(_, value)| value)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.members
            .iter_mut()
            .find(|(k, _)| **k == *key)
            .map(|(_, value)| value)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key` to `value`. An existing key keeps its position (as a
    /// JavaScript property assignment would) and its old value is returned;
    /// a new key is appended.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) -> Option<Value> {
        let key: String = key.into();
        match self.members.iter_mut().find(|(k, _)| **k == *key) {
            Some((_, slot)) => Some(std::mem::replace(slot, value)),
            None => {
                self.members.push((Key::from(key), value));
                None
            }
        }
    }

    /// Removes `key`, keeping the remaining members in their order.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let index = self.position(key)?;
        Some(self.members.remove(index).1)
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.members.iter().map(|(k, v)| (&**k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|(k, _)| &**k)
    }

    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.members.iter().map(|(_, v)| v)
    }
}

impl FromIterator<(String, Value)> for Object {
    /// Later duplicates replace earlier ones in place, like repeated
    /// [`Object::insert`] calls.
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let mut object = Object::new();
        for (key, value) in iter {
            object.insert(key, value);
        }
        object
    }
}

impl IntoIterator for Object {
    type Item = (String, Value);
    type IntoIter = std::iter::Map<std::vec::IntoIter<(Key, Value)>, fn((Key, Value)) -> (String, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.members.into_iter().map(|(k, v)| (String::from(&*k), v))
    }
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(object) => Some(object),
            _ => None,
        }
    }

    pub fn as_object_mut(&mut self) -> Option<&mut Object> {
        match self {
            Value::Object(object) => Some(object),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Object member lookup; `None` for anything that is not an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|object| object.get(key))
    }

    /// The number as a `u64` when it is an exactly representable,
    /// non-negative integer (at most 2^53, beyond which integers are no
    /// longer distinguishable after parsing).
    pub fn as_u64(&self) -> Option<u64> {
        let n = self.as_f64()?;
        if n.is_finite() && n.fract() == 0.0 && (0.0..=MAX_SAFE_MAGNITUDE).contains(&n) {
            // In range and integral, so the conversion is exact.
            Some(n as u64)
        } else {
            None
        }
    }

    /// Like [`Value::as_u64`] but allowing negatives down to -2^53.
    pub fn as_i64(&self) -> Option<i64> {
        let n = self.as_f64()?;
        if n.is_finite() && n.fract() == 0.0 && n.abs() <= MAX_SAFE_MAGNITUDE {
            Some(n as i64)
        } else {
            None
        }
    }

    /// JavaScript-style type name, for error messages and disclosure rules.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// Converts from `serde_json` (numbers become `f64`, object order is
    /// kept). Intended for values we produce ourselves, not for verifying.
    pub fn from_serde(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            // Without `arbitrary_precision` every serde number has an f64
            // view; the fallback only exists to avoid a panic path.
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => Value::Array(items.iter().map(Value::from_serde).collect()),
            serde_json::Value::Object(map) => {
                // serde maps already have unique keys.
                Value::Object(Object::from_unique_members(
                    map.iter()
                        .map(|(k, v)| (Key::from(k.as_str()), Value::from_serde(v)))
                        .collect(),
                ))
            }
        }
    }

    /// Converts to `serde_json` for rendering. Safe integers become serde
    /// integers so they print as `3` rather than `3.0`; a non-finite number
    /// (never produced by the parser) becomes `null`, as in JavaScript.
    pub fn to_serde(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => match self.as_i64() {
                Some(i) => serde_json::Value::from(i),
                None => serde_json::Number::from_f64(*n)
                    .map(serde_json::Value::Number)
                    .unwrap_or(serde_json::Value::Null),
            },
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(items) => serde_json::Value::Array(items.iter().map(Value::to_serde).collect()),
            Value::Object(object) => {
                serde_json::Value::Object(object.iter().map(|(k, v)| (k.to_owned(), v.to_serde())).collect())
            }
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl From<u64> for Value {
    /// Values above 2^53 round to the nearest `f64`, as in JavaScript.
    fn from(n: u64) -> Self {
        Value::Number(n as f64)
    }
}

impl From<i64> for Value {
    /// Magnitudes above 2^53 round to the nearest `f64`, as in JavaScript.
    fn from(n: i64) -> Self {
        Value::Number(n as f64)
    }
}

impl From<Object> for Value {
    fn from(object: Object) -> Self {
        Value::Object(object)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::Array(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_insert_replaces_in_place_and_remove_keeps_order() {
        let mut o = Object::new();
        assert_eq!(o.insert("a", Value::from(1u64)), None);
        assert_eq!(o.insert("b", Value::from(2u64)), None);
        assert_eq!(o.insert("c", Value::from(3u64)), None);
        assert_eq!(o.insert("a", Value::from(9u64)), Some(Value::Number(1.0)));
        assert_eq!(o.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(o.get("a"), Some(&Value::Number(9.0)));
        assert_eq!(o.remove("b"), Some(Value::Number(2.0)));
        assert_eq!(o.remove("b"), None);
        assert_eq!(o.keys().collect::<Vec<_>>(), ["a", "c"]);
        assert_eq!(o.len(), 2);
        assert!(!o.is_empty());
        assert!(o.contains_key("c"));
        if let Some(v) = o.get_mut("c") {
            *v = Value::Null;
        }
        assert!(o.get("c").is_some_and(Value::is_null));
    }

    #[test]
    fn integer_accessors_respect_safe_range() {
        assert_eq!(Value::Number(0.0).as_u64(), Some(0));
        assert_eq!(Value::Number(-0.0).as_u64(), Some(0));
        assert_eq!(Value::Number(9_007_199_254_740_992.0).as_u64(), Some(1 << 53));
        assert_eq!(Value::Number(18_014_398_509_481_984.0).as_u64(), None);
        assert_eq!(Value::Number(-1.0).as_u64(), None);
        assert_eq!(Value::Number(1.5).as_u64(), None);
        assert_eq!(Value::Number(f64::NAN).as_u64(), None);
        assert_eq!(Value::Number(f64::INFINITY).as_u64(), None);
        assert_eq!(Value::Number(-7.0).as_i64(), Some(-7));
        assert_eq!(Value::Number(-9_007_199_254_740_992.0).as_i64(), Some(-(1 << 53)));
        assert_eq!(Value::Number(-18_014_398_509_481_984.0).as_i64(), None);
        assert_eq!(Value::Number(0.5).as_i64(), None);
        assert_eq!(Value::from("7").as_u64(), None);
    }

    #[test]
    fn type_names_are_javascript_style() {
        assert_eq!(Value::Null.type_name(), "null");
        assert_eq!(Value::Bool(true).type_name(), "boolean");
        assert_eq!(Value::Number(1.0).type_name(), "number");
        assert_eq!(Value::from("s").type_name(), "string");
        assert_eq!(Value::Array(vec![]).type_name(), "array");
        assert_eq!(Value::Object(Object::new()).type_name(), "object");
    }

    #[test]
    fn serde_round_trip_keeps_order_and_integers() {
        let s: serde_json::Value =
            serde_json::from_str(r#"{"z":1,"a":[true,null,"x",2.5],"m":{"k":-3}}"#).unwrap_or(serde_json::Value::Null);
        let v = Value::from_serde(&s);
        let o = v.as_object();
        assert_eq!(o.map(|o| o.keys().collect::<Vec<_>>()), Some(vec!["z", "a", "m"]));
        assert_eq!(v.get("z").and_then(Value::as_u64), Some(1));
        assert_eq!(v.to_serde(), s);
        assert_eq!(Value::Number(f64::NAN).to_serde(), serde_json::Value::Null);
    }
}
