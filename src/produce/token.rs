//! Token times for `clawaudit token mint`: `iat` and `exp` from flags, the claims, or the
//! current time the caller passes in.

use crate::json::Value;

/// The times a token is minted with, in epoch seconds. Flags win over the claims.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TokenTimes {
    /// `--iat`.
    pub iat: Option<i64>,
    /// `--exp`.
    pub exp: Option<i64>,
    /// `--ttl`: exp = iat + ttl.
    pub ttl: Option<i64>,
    /// The current time, used for `iat` when neither the flag nor the claims give one.
    pub now: i64,
}

/// Set `iat` and `exp` in `claims`: `iat` from the flag, else the claims, else now; `exp`
/// from the flag, else `iat + ttl`, else the claims. A token without `exp` is refused.
pub fn set_token_times(claims: &mut Value, times: &TokenTimes) -> Result<(), String> {
    let obj = claims.as_object_mut().ok_or("the claims must be a JSON object")?;
    let iat = times
        .iat
        .or_else(|| obj.get("iat").and_then(Value::as_i64))
        .unwrap_or(times.now);
    obj.insert("iat", Value::from(iat));
    match (times.exp, times.ttl) {
        (Some(exp), _) => {
            obj.insert("exp", Value::from(exp));
        }
        (None, Some(ttl)) => {
            obj.insert("exp", Value::from(iat.saturating_add(ttl)));
        }
        (None, None) if obj.contains_key("exp") => {}
        (None, None) => return Err("the claims have no exp: give --exp or --ttl".into()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_str;

    fn times(iat: Option<i64>, exp: Option<i64>, ttl: Option<i64>) -> TokenTimes {
        TokenTimes {
            iat,
            exp,
            ttl,
            now: 1000,
        }
    }

    #[test]
    fn flags_win_then_claims_then_now() {
        let mut c = parse_str(r#"{"iat":5,"exp":9}"#).unwrap();
        set_token_times(&mut c, &times(Some(7), None, Some(10))).unwrap();
        assert_eq!(
            (
                c.get("iat").and_then(Value::as_i64),
                c.get("exp").and_then(Value::as_i64)
            ),
            (Some(7), Some(17))
        );
        let mut c = parse_str(r#"{"iat":5,"exp":9}"#).unwrap();
        set_token_times(&mut c, &times(None, None, None)).unwrap();
        assert_eq!(
            (
                c.get("iat").and_then(Value::as_i64),
                c.get("exp").and_then(Value::as_i64)
            ),
            (Some(5), Some(9))
        );
        let mut c = parse_str(r#"{}"#).unwrap();
        set_token_times(&mut c, &times(None, Some(2000), None)).unwrap();
        assert_eq!(
            (
                c.get("iat").and_then(Value::as_i64),
                c.get("exp").and_then(Value::as_i64)
            ),
            (Some(1000), Some(2000))
        );
        let mut c = parse_str(r#"{}"#).unwrap();
        assert!(set_token_times(&mut c, &times(None, None, None)).is_err());
        assert!(set_token_times(&mut parse_str("[]").unwrap(), &times(None, None, None)).is_err());
    }
}
