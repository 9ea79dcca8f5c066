//! Rate-limit claims of a proof bundle (§3.7).

use crate::json::Value;
use crate::reason::ReasonCode;
use crate::report::Failure;
use crate::timeutil::parse_rfc3339;

fn fail(code: ReasonCode, i: usize, why: &str) -> Failure {
    Failure::new("rate_limit_claims", code, format!("rate_limit_claims[{i}] {why}"))
        .at_path(format!("payload.rate_limit_claims[{i}]"))
}

fn count(c: &Value, key: &str) -> Option<f64> {
    c.get(key)
        .and_then(Value::as_f64)
        .filter(|n| n.is_finite() && *n >= 0.0)
}

/// Check every claim in order; `run_id` is the chain's run id, when there is a chain.
pub fn verify_rate_limit_claims(payload: &Value, run_id: Option<&str>) -> Result<usize, Failure> {
    let Some(claims) = payload.get("rate_limit_claims").and_then(Value::as_array) else {
        return Ok(0);
    };
    for (i, c) in claims.iter().enumerate() {
        let start = c.get("window_start").and_then(Value::as_str).and_then(parse_rfc3339);
        let end = c.get("window_end").and_then(Value::as_str).and_then(parse_rfc3339);
        let (Some(start), Some(end)) = (start, end) else {
            return Err(fail(
                ReasonCode::RateLimitClaimInconsistent,
                i,
                "has a window that is not made of RFC 3339 date-times",
            ));
        };
        if start > end {
            return Err(fail(
                ReasonCode::RateLimitWindowInvalid,
                i,
                "has window_start after window_end",
            ));
        }
        let (Some(max), Some(observed)) = (count(c, "max_requests"), count(c, "observed_requests")) else {
            return Err(fail(
                ReasonCode::RateLimitClaimInconsistent,
                i,
                "needs finite, non-negative max_requests and observed_requests",
            ));
        };
        if observed > max {
            return Err(fail(
                ReasonCode::RateLimitExceeded,
                i,
                "observed more requests than its maximum",
            ));
        }
        for (max_key, obs_key) in [
            ("max_tokens_input", "observed_tokens_input"),
            ("max_tokens_output", "observed_tokens_output"),
        ] {
            if let Some(m) = c.get(max_key) {
                let Some(m) = m.as_f64().filter(|n| n.is_finite() && *n >= 0.0) else {
                    return Err(fail(
                        ReasonCode::RateLimitClaimInconsistent,
                        i,
                        &format!("has an invalid {max_key}"),
                    ));
                };
                let Some(o) = count(c, obs_key) else {
                    return Err(fail(
                        ReasonCode::RateLimitClaimInconsistent,
                        i,
                        &format!("has {max_key} without {obs_key}"),
                    ));
                };
                if o > m {
                    return Err(fail(
                        ReasonCode::RateLimitExceeded,
                        i,
                        &format!("{obs_key} exceeds {max_key}"),
                    ));
                }
            }
        }
        if let Some(r) = c.get("run_id") {
            if r.as_str() != run_id || run_id.is_none() {
                return Err(fail(
                    ReasonCode::RateLimitClaimInconsistent,
                    i,
                    "names a run_id other than the event chain's",
                ));
            }
        }
    }
    Ok(claims.len())
}
