//! Scoped tokens (CST): a compact EdDSA JWS over claims per
//! `auth/scoped_token_claims.v1.json`, the scope hash of wire-format §4.2, minting, and check
//! step 5 of sealed-bundle verification (spec 20 §5).
//!
//! The header is exactly `{"alg":"EdDSA","typ":"JWT","kid":K}` with K = the first 16
//! lowercase hex characters of SHA-256(raw 32-byte public key); the issuer is found by that
//! kid among the trusted `token_issuers`. The signature covers ASCII(`header.payload`).

use std::cmp::Ordering;

use crate::clawsig::producer::Signer;
use crate::context::VerifyContext;
use crate::crypto::{b64u_decode, b64u_encode, parse_did_key, sha256, sha256_b64u, verify_strict, PublicKey};
use crate::json::{self, jcs, jss, Object, Value};
use crate::reason::ReasonCode;
use crate::report::{Binding, Findings};
use crate::timeutil::{format_rfc3339, secs_to_ms};

use super::extension::{max_token_ttl_seconds, Extension, TokenConstraints};
use super::wpc::PolicyInfo;
use super::{node, short, Artifact, CheckpointView};
use crate::schema_rules::{is_did_pattern, is_hash43};

/// Largest compact token accepted.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;
/// Most `aud` or `scope` entries accepted (the schema sets no bound; we do).
pub const MAX_LIST_ITEMS: usize = 256;
/// Longest string claim accepted, in characters.
pub const MAX_CLAIM_CHARS: usize = 1024;

/// A verified-as-far-as-possible token, for steps 6 and 7.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenInfo {
    pub claims: Value,
    /// Recomputed with the §4.2 recipe (not the claim).
    pub scope_hash_b64u: String,
    /// Epoch seconds.
    pub iat: i64,
    pub exp: i64,
    /// The trusted token issuer whose key the kid names ("" when none).
    pub issuer_did: String,
    pub kid: String,
    pub mission_id: Option<String>,
    pub policy_pin: Option<String>,
}

/// The decoded parts of a compact JWS.
#[derive(Clone, Debug, PartialEq)]
pub struct CompactJws {
    pub kid: String,
    pub claims: Value,
    /// ASCII `header.payload`, the signed bytes.
    pub signing_input: Vec<u8>,
    pub signature: [u8; 64],
}

/// K = first 16 lowercase hex characters of SHA-256(raw public key).
pub fn kid_for_public(public: &[u8; 32]) -> String {
    sha256(public).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// JavaScript's `String.prototype.trim` set (WhiteSpace + LineTerminator). It differs from
/// Rust's `trim`: U+FEFF is trimmed, U+0085 is not.
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\u{9}' | '\u{a}' | '\u{b}' | '\u{c}' | '\u{d}' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}'
    )
}

pub fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_space)
}

fn utf16_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Trim, drop empties, dedup, sort by UTF-16 code units (`Array.from(new Set(...)).sort()`).
fn unique_sorted<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let t = js_trim(item);
        if !t.is_empty() && !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    out.sort_by(|a, b| utf16_cmp(a, b));
    out
}

fn string_list(v: Option<&Value>, allow_single: bool, name: &str) -> Result<Vec<String>, String> {
    match v {
        Some(Value::String(s)) if allow_single => Ok(unique_sorted(std::iter::once(s.as_str()))),
        Some(Value::Array(items)) => {
            let texts: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
            texts
                .map(|t| unique_sorted(t.into_iter()))
                .ok_or_else(|| format!("{name} must contain only strings"))
        }
        _ if allow_single => Err(format!("{name} must be a string or an array of strings")),
        _ => Err(format!("{name} must be an array of strings")),
    }
}

/// Optional string claims that enter the scope hash (trimmed, when non-empty).
const SCOPE_STRING_CLAIMS: [&str; 12] = [
    "owner_ref",
    "owner_did",
    "controller_did",
    "agent_did",
    "policy_hash_b64u",
    "control_plane_policy_hash_b64u",
    "payment_account_did",
    "mission_id",
    "delegation_id",
    "delegator_did",
    "delegate_did",
    "delegation_policy_hash_b64u",
];

/// The object the scope hash is taken over (wire-format §4.2).
pub fn scope_hash_input(claims: &Value) -> Result<Value, String> {
    let obj = claims.as_object().ok_or("the claims are not an object")?;
    let sub = obj.get("sub").and_then(Value::as_str).ok_or("sub must be a string")?;
    let aud = string_list(obj.get("aud"), true, "aud")?;
    let scope = string_list(obj.get("scope"), false, "scope")?;
    let mut x = Object::new();
    x.insert("token_version", Value::from("1"));
    x.insert("sub", Value::from(js_trim(sub)));
    x.insert("aud", Value::Array(aud.into_iter().map(Value::from).collect()));
    x.insert("scope", Value::Array(scope.into_iter().map(Value::from).collect()));
    for key in SCOPE_STRING_CLAIMS {
        if let Some(s) = obj.get(key).and_then(Value::as_str) {
            let t = js_trim(s);
            if !t.is_empty() {
                x.insert(key, Value::from(t));
            }
        }
    }
    if let Some(n) = obj.get("spend_cap").and_then(Value::as_f64) {
        if n.is_finite() && n >= 0.0 {
            x.insert("spend_cap", Value::Number(n));
        }
    }
    if let Some(s) = obj.get("delegation_spend_cap_minor").and_then(Value::as_str) {
        let t = js_trim(s);
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            x.insert("delegation_spend_cap_minor", Value::from(t));
        }
    }
    if let Some(n) = obj.get("delegation_expires_at").and_then(Value::as_f64) {
        if n.is_finite() && n > 0.0 {
            x.insert("delegation_expires_at", Value::Number(n.floor()));
        }
    }
    Ok(Value::Object(x))
}

/// `token_scope_hash_b64u = sha256_b64u(JCS(scope_hash_input(claims)))`.
pub fn token_scope_hash(claims: &Value) -> Result<String, String> {
    Ok(sha256_b64u(jcs::to_string(&scope_hash_input(claims)?).as_bytes()))
}

/// The claims schema (closed), plus our bounds and the reference's shape rules (non-empty
/// `sub`, `aud` and `scope` after trimming).
pub fn validate_claims(claims: &Value) -> Result<(), String> {
    let obj = claims.as_object().ok_or("the claims are not a JSON object")?;
    // With SCOPE_STRING_CLAIMS, the claims the schema allows.
    const OTHER_CLAIMS: [&str; 13] = [
        "token_version",
        "sub",
        "aud",
        "scope",
        "iat",
        "exp",
        "token_scope_hash_b64u",
        "spend_cap",
        "delegation_spend_cap_minor",
        "delegation_expires_at",
        "token_lane",
        "jti",
        "nonce",
    ];
    if let Some(k) = obj
        .keys()
        .find(|k| !OTHER_CLAIMS.contains(k) && !SCOPE_STRING_CLAIMS.contains(k))
    {
        return Err(format!("claim \"{}\" is not allowed by the schema", short(k)));
    }
    for k in ["token_version", "sub", "aud", "scope", "iat", "exp"] {
        if !obj.contains_key(k) {
            return Err(format!("required claim \"{k}\" is missing"));
        }
    }
    if obj.get("token_version").and_then(Value::as_str) != Some("1") {
        return Err("token_version must be \"1\"".into());
    }
    for (key, value) in obj.iter() {
        if let Value::String(s) = value {
            if super::char_len(s) > MAX_CLAIM_CHARS {
                return Err(format!("claim \"{key}\" is longer than {MAX_CLAIM_CHARS} characters"));
            }
        }
        let ok = match key {
            "token_version" => true,
            "sub" => value.as_str().is_some_and(|s| !js_trim(s).is_empty()),
            "aud" | "scope" => {
                let items: Option<Vec<&Value>> = match value {
                    Value::String(_) if key == "aud" => Some(vec![value]),
                    Value::Array(items) => Some(items.iter().collect()),
                    _ => None,
                };
                match items {
                    Some(items) if items.len() <= MAX_LIST_ITEMS => {
                        items
                            .iter()
                            .all(|i| i.as_str().is_some_and(|s| super::char_len(s) <= MAX_CLAIM_CHARS))
                            && items.iter().any(|i| i.as_str().is_some_and(|s| !js_trim(s).is_empty()))
                    }
                    _ => false,
                }
            }
            "iat" | "exp" | "delegation_expires_at" => value.as_i64().is_some(),
            "owner_did" | "controller_did" | "agent_did" | "payment_account_did" | "delegator_did" | "delegate_did" => {
                value.as_str().is_some_and(is_did_pattern)
            }
            "policy_hash_b64u"
            | "control_plane_policy_hash_b64u"
            | "token_scope_hash_b64u"
            | "delegation_policy_hash_b64u" => value.as_str().is_some_and(is_hash43),
            "spend_cap" => value.as_f64().is_some_and(|n| n >= 0.0),
            "delegation_spend_cap_minor" => value
                .as_str()
                .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())),
            "token_lane" => matches!(value.as_str(), Some("legacy" | "canonical")),
            _ => value.as_str().is_some(),
        };
        if !ok {
            return Err(format!("claim \"{key}\" does not follow the schema"));
        }
    }
    Ok(())
}

/// Split and decode a compact JWS. Every problem is `TOKEN_MALFORMED`.
pub fn decode_compact(jws: &[u8]) -> Result<CompactJws, String> {
    if jws.len() > MAX_TOKEN_BYTES {
        return Err(format!(
            "the token is {} bytes, at most {MAX_TOKEN_BYTES} are accepted",
            jws.len()
        ));
    }
    let text = std::str::from_utf8(jws).map_err(|_| "the token is not ASCII text")?;
    // A trailing newline from an editor or `echo` is tolerated; nothing else.
    let text = text.trim_end_matches(['\n', '\r']);
    let parts: Vec<&str> = text.split('.').collect();
    let [header_b64, payload_b64, sig_b64] = parts.as_slice() else {
        return Err(format!(
            "a compact JWS has 3 dot-separated parts, this token has {}",
            parts.len()
        ));
    };
    let header_bytes = b64u_decode(header_b64).map_err(|_| "the header is not canonical base64url")?;
    let header = json::parse(&header_bytes, &json::ParseLimits::default())
        .map_err(|e| format!("the header is not valid JSON ({e})"))?;
    let header = header.as_object().ok_or("the header is not a JSON object")?;
    if let Some(k) = header.keys().find(|k| !["alg", "typ", "kid"].contains(k)) {
        return Err(format!(
            "the header has a field \"{}\" (only alg, typ, kid are allowed)",
            short(k)
        ));
    }
    if header.get("alg").and_then(Value::as_str) != Some("EdDSA") {
        return Err("the header's alg is not \"EdDSA\"".into());
    }
    if header.get("typ").and_then(Value::as_str) != Some("JWT") {
        return Err("the header's typ is not \"JWT\"".into());
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .filter(|k| k.len() == 16 && k.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .ok_or("the header's kid is not 16 lowercase hex characters")?;
    let payload_bytes = b64u_decode(payload_b64).map_err(|_| "the payload is not canonical base64url")?;
    let claims = json::parse(&payload_bytes, &json::ParseLimits::default())
        .map_err(|e| format!("the payload is not valid JSON ({e})"))?;
    if claims.as_object().is_none() {
        return Err("the payload is not a JSON object".into());
    }
    let signature: [u8; 64] = b64u_decode(sig_b64)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or("the signature is not a canonical base64url 64-byte Ed25519 signature")?;
    Ok(CompactJws {
        kid: kid.to_string(),
        claims,
        signing_input: format!("{header_b64}.{payload_b64}").into_bytes(),
        signature,
    })
}

/// Trusted token issuers whose key has this kid.
fn issuers_for_kid(ctx: &VerifyContext, kid: &str) -> Vec<(String, PublicKey)> {
    ctx.trust
        .token_issuers
        .iter()
        .filter_map(|e| parse_did_key(&e.did).ok().map(|k| (e.did.clone(), k)))
        .filter(|(_, k)| kid_for_public(k.as_bytes()) == kid)
        .collect()
}

/// The claims the checks after `token.claims` read, borrowed from the decoded claims. Each is
/// optional: a check judges a missing claim itself.
#[derive(Clone, Copy, Debug)]
struct ClaimsView<'v> {
    iat: Option<i64>,
    exp: Option<i64>,
    /// `policy_hash_b64u`.
    policy_pin: Option<&'v str>,
    /// `token_scope_hash_b64u`.
    scope_hash: Option<&'v str>,
    mission_id: Option<&'v str>,
}

impl<'v> ClaimsView<'v> {
    fn read(claims: &'v Value) -> ClaimsView<'v> {
        let int = |k: &str| claims.get(k).and_then(Value::as_i64);
        let text = |k: &str| claims.get(k).and_then(Value::as_str);
        ClaimsView {
            iat: int("iat"),
            exp: int("exp"),
            policy_pin: text("policy_hash_b64u"),
            scope_hash: text("token_scope_hash_b64u"),
            mission_id: text("mission_id"),
        }
    }
}

/// What step 5 judges a token's claims against.
struct TokenJudging<'a> {
    /// The WPC's hash, else the checkpoint's policy binding.
    policy_hash: Option<&'a str>,
    constraints: TokenConstraints,
    /// min(3600, the policy's `cst_ttl_seconds_max`).
    max_ttl: i64,
    /// The bundle's checkpoint; `None` for a token verified on its own, which has no policy
    /// either: the checks that need them are recorded as not checked.
    checkpoint: Option<&'a CheckpointView>,
    /// A phase token of a rotation run (spec 30 §1): the checkpoint binds no scope hash for
    /// it (the Merkle root covers its file), so its scope hash is judged against its claim only.
    phase_token: bool,
}

/// What step 5 found besides its checks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TokenOutcome {
    /// The token, when its claims could be read and its scope hash computed.
    pub token: Option<TokenInfo>,
    /// WPC hash → token pin (when there is a pin to judge), token scope hash → checkpoint
    /// binding.
    pub bindings: Vec<Binding>,
}

/// Step 5 of spec 20 §5 for the token at `artifact`. Returns the token when its claims could
/// be read (failures are recorded), so receipts can still be judged against its window.
pub fn check_token(
    jws: &[u8],
    ctx: &VerifyContext,
    policy: Option<&PolicyInfo>,
    checkpoint: &CheckpointView,
    artifact: &str,
    f: &mut Findings,
) -> TokenOutcome {
    judge_token(
        jws,
        ctx,
        policy,
        Some(checkpoint),
        &Artifact::new("token", artifact),
        false,
        f,
    )
}

/// Spec 30 §4 rule 3: a phase token of a rotation run (`artifacts/rotation/tokens/<name>.jwt`),
/// checked as step 5 checks the token, with the same checks and codes, except that the
/// checkpoint binds no token scope hash for it. `checkpoint.job_id` is the scenario's job.
pub fn check_phase_token(
    jws: &[u8],
    ctx: &VerifyContext,
    policy: Option<&PolicyInfo>,
    checkpoint: &CheckpointView,
    artifact: &str,
    f: &mut Findings,
) -> TokenOutcome {
    judge_token(
        jws,
        ctx,
        policy,
        Some(checkpoint),
        &Artifact::new("phase token", artifact),
        true,
        f,
    )
}

/// A token verified on its own (`clawaudit verify cst.jwt`): its form, kid, signature, claims,
/// lifetime (at most 3600 s) and scope hash claim. What needs a policy or a checkpoint (the
/// policy pin and constraints, the checkpoint's scope binding, the job binding, causality)
/// is recorded as not checked.
pub fn check_token_alone(jws: &[u8], ctx: &VerifyContext, f: &mut Findings) -> TokenOutcome {
    judge_token(jws, ctx, None, None, &Artifact::alone("token"), false, f)
}

fn judge_token(
    jws: &[u8],
    ctx: &VerifyContext,
    policy: Option<&PolicyInfo>,
    checkpoint: Option<&CheckpointView>,
    at: &Artifact,
    phase_token: bool,
    f: &mut Findings,
) -> TokenOutcome {
    let token = match decode_compact(jws) {
        Ok(t) => t,
        Err(why) => {
            at.fail(
                f,
                "token.format",
                ReasonCode::TokenMalformed,
                format!("the {} is not a compact EdDSA JWS: {why}", at.label),
            );
            return TokenOutcome::default();
        }
    };
    at.pass(f, "token.format", format!("the {} is a compact EdDSA JWS", at.label));
    let issuer_did = check_token_issuer(at, &token, ctx, f);

    match validate_claims(&token.claims) {
        Ok(()) => at.pass(
            f,
            "token.claims",
            format!("the {}'s claims follow the CST schema", at.label),
        ),
        Err(why) => at.fail(
            f,
            "token.claims",
            ReasonCode::SchemaValidationFailed,
            format!("the {}'s claims do not follow the CST schema: {why}", at.label),
        ),
    }
    let view = ClaimsView::read(&token.claims);
    let extension: Option<&Extension> = policy.and_then(|p| p.extension.as_ref());
    let on = TokenJudging {
        policy_hash: policy
            .map(|p| p.hash_b64u.as_str())
            .or(checkpoint.and_then(|c| c.policy_hash.as_deref())),
        constraints: extension.map(|e| e.token_constraints.clone()).unwrap_or_default(),
        max_ttl: max_token_ttl_seconds(extension),
        checkpoint,
        phase_token,
    };
    check_token_ttl(at, &view, &on, f);
    let mut bindings = Vec::with_capacity(2);
    if let Some(holds) = check_token_pin(at, &view, &on, f) {
        bindings.push(Binding::new(node::WPC_HASH, node::TOKEN_PIN, "token.pin", holds));
    }
    let (scope_hash, scope_bound) = check_token_scope(at, &token.claims, &view, &on, f);
    if let Some(holds) = scope_bound {
        bindings.push(Binding::new(
            node::TOKEN_SCOPE_HASH,
            node::CHECKPOINT_SCOPE_BINDING,
            "token.scope_hash",
            holds,
        ));
    }
    let Some(scope_hash) = scope_hash else {
        return TokenOutcome { token: None, bindings };
    };
    check_token_job(at, &token.claims, &view, &on, f);
    check_token_time(at, &view, &on, f);

    let token = Some(TokenInfo {
        scope_hash_b64u: scope_hash,
        iat: view.iat.unwrap_or(0),
        exp: view.exp.unwrap_or(0),
        issuer_did,
        mission_id: view.mission_id.map(str::to_string),
        policy_pin: view.policy_pin.map(str::to_string),
        kid: token.kid,
        claims: token.claims,
    });
    TokenOutcome { token, bindings }
}

/// The kid names a trusted token issuer whose key verifies the signature. Returns that
/// issuer's DID (the first candidate's when none verifies, "" when there is none).
fn check_token_issuer(at: &Artifact, token: &CompactJws, ctx: &VerifyContext, f: &mut Findings) -> String {
    let label = &at.label;
    let candidates = issuers_for_kid(ctx, &token.kid);
    if candidates.is_empty() {
        at.fail(
            f,
            "token.kid",
            ReasonCode::TokenUnknownKid,
            format!("the {label}'s kid {} names no trusted token issuer", token.kid),
        );
        return String::new();
    }
    at.pass(
        f,
        "token.kid",
        format!("the {label}'s kid {} names a trusted token issuer", token.kid),
    );
    match candidates
        .iter()
        .find(|(_, key)| verify_strict(key, &token.signing_input, &token.signature).is_ok())
    {
        Some((did, _)) => {
            at.pass(f, "token.signature", format!("the {label} is signed by {did}"));
            did.clone()
        }
        None => {
            let issuer_did = candidates.first().map(|(d, _)| d.clone()).unwrap_or_default();
            at.fail(
                f,
                "token.signature",
                ReasonCode::SignatureInvalid,
                format!("the {label}'s signature does not verify with the key of {issuer_did}"),
            );
            issuer_did
        }
    }
}

/// `iat < exp`, and the lifetime within the policy's maximum (`token.ttl`).
fn check_token_ttl(at: &Artifact, view: &ClaimsView, on: &TokenJudging, f: &mut Findings) {
    let (label, max_ttl) = (&at.label, on.max_ttl);
    match (view.iat, view.exp) {
        (Some(iat), Some(exp)) if exp > iat && exp.saturating_sub(iat) <= max_ttl => at.pass(
            f,
            "token.ttl",
            format!("the {label} lives {} s (at most {max_ttl} s allowed)", exp - iat),
        ),
        (Some(iat), Some(exp)) => at.fail(
            f,
            "token.ttl",
            ReasonCode::TtlTooLong,
            if exp <= iat {
                format!("the {label} expires (exp {exp}) no later than it was issued (iat {iat})")
            } else {
                format!(
                    "the {label} lives {} s, more than the {max_ttl} s allowed",
                    exp.saturating_sub(iat)
                )
            },
        ),
        _ => f.skip("token.ttl", format!("the {label} has no integer iat and exp")),
    }
}

/// The policy pin (`token.pin`): present when the policy requires it, and the policy's hash.
/// Returns whether the pin is the policy's hash, when there is a pin to judge.
fn check_token_pin(at: &Artifact, view: &ClaimsView, on: &TokenJudging, f: &mut Findings) -> Option<bool> {
    let label = &at.label;
    if on.checkpoint.is_none() {
        let pin = match view.policy_pin {
            Some(pin) => format!("it pins {}", short(pin)),
            None => "it pins no policy hash".to_string(),
        };
        at.skip(
            f,
            "token.pin",
            format!(
                "no policy given: the {label}'s policy pin was not checked ({pin}), nor the policy's token constraints (pinning, job binding, a lifetime limit below {} s)",
                on.max_ttl
            ),
        );
        return None;
    }
    match (view.policy_pin, on.policy_hash) {
        (None, _) if on.constraints.require_policy_hash_pinning => {
            at.fail(
                f,
                "token.pin",
                ReasonCode::PolicyPinMissing,
                format!("the policy requires the token to pin its hash, but the {label} has no policy_hash_b64u"),
            );
            Some(false)
        }
        (Some(pin), Some(hash)) if pin != hash => {
            at.fail(
                f,
                "token.pin",
                ReasonCode::PolicyHashMismatch,
                format!(
                    "the {label} pins policy hash {}, but the policy hashes to {hash}",
                    short(pin)
                ),
            );
            Some(false)
        }
        (Some(_), Some(hash)) => {
            at.pass(f, "token.pin", format!("the {label} pins the policy hash {hash}"));
            Some(true)
        }
        _ => {
            at.pass(f, "token.pin", format!("the {label} needs no policy pin"));
            None
        }
    }
}

/// The scope hash (`token.scope_hash`), recomputed with the §4.2 recipe: the claim, when
/// present, and the checkpoint's binding must be it. Returns it when it could be computed,
/// and whether the check passed (`None` when there is no checkpoint to bind it: the claim is
/// then judged, and the binding recorded as not checked).
fn check_token_scope(
    at: &Artifact,
    claims: &Value,
    view: &ClaimsView,
    on: &TokenJudging,
    f: &mut Findings,
) -> (Option<String>, Option<bool>) {
    let label = &at.label;
    let scope_hash = match token_scope_hash(claims) {
        Ok(h) => h,
        Err(why) => {
            at.fail(
                f,
                "token.scope_hash",
                ReasonCode::SchemaValidationFailed,
                format!("the {label}'s scope hash cannot be computed: {why}"),
            );
            return (None, on.checkpoint.map(|_| false));
        }
    };
    if let Some(claimed) = view.scope_hash.filter(|c| *c != scope_hash) {
        at.fail(
            f,
            "token.scope_hash",
            ReasonCode::TokenScopeHashMismatch,
            format!(
                "the {label}'s claims give scope hash {scope_hash}, but token_scope_hash_b64u says {}",
                short(claimed)
            ),
        );
        return (Some(scope_hash), on.checkpoint.map(|_| false));
    }
    if on.phase_token {
        at.pass(
            f,
            "token.scope_hash",
            format!(
                "the {label}'s claims give scope hash {scope_hash}; the checkpoint's Merkle root covers the token file"
            ),
        );
        return (Some(scope_hash), None);
    }
    let Some(checkpoint) = on.checkpoint else {
        at.pass(
            f,
            "token.scope_hash",
            match view.scope_hash {
                Some(_) => {
                    format!("the {label}'s claims give scope hash {scope_hash}, as its token_scope_hash_b64u says")
                }
                None => format!("the {label}'s claims give scope hash {scope_hash} (it claims none)"),
            },
        );
        at.skip(
            f,
            "token.scope_hash",
            format!(
                "no checkpoint given: whether a checkpoint binds the {label}'s scope hash {scope_hash} was not checked"
            ),
        );
        return (Some(scope_hash), None);
    };
    let bound = match checkpoint.token_scope_hash.as_deref() {
        Some(bound) if bound == scope_hash => {
            at.pass(
                f,
                "token.scope_hash",
                format!("the {label}'s scope hash {scope_hash} is the one the checkpoint binds"),
            );
            true
        }
        Some(bound) => {
            at.fail(
                f,
                "token.scope_hash",
                ReasonCode::TokenScopeHashMismatch,
                format!(
                    "the {label}'s scope hash is {scope_hash}, but the checkpoint binds {}",
                    short(bound)
                ),
            );
            false
        }
        None => {
            at.fail(
                f,
                "token.scope_hash",
                ReasonCode::TokenScopeHashMismatch,
                format!("the bundle carries the {label} (scope hash {scope_hash}), but the checkpoint binds no token scope hash"),
            );
            false
        }
    };
    (Some(scope_hash), Some(bound))
}

/// Job binding (`token.job`), when the policy requires it: `mission_id` is the bundle's job.
fn check_token_job(at: &Artifact, claims: &Value, view: &ClaimsView, on: &TokenJudging, f: &mut Findings) {
    let Some(checkpoint) = on.checkpoint else {
        at.skip(
            f,
            "token.job",
            format!(
                "no policy or checkpoint given: the {}'s job binding (mission_id {}) was not checked",
                at.label,
                crate::clawsig::envelope::describe(claims.get("mission_id"))
            ),
        );
        return;
    };
    if !on.constraints.require_job_binding {
        return;
    }
    let job_id = &checkpoint.job_id;
    if view.mission_id == Some(job_id.as_str()) {
        at.pass(f, "token.job", format!("the {} is bound to job {job_id}", at.label));
    } else {
        at.fail(
            f,
            "token.job",
            ReasonCode::TokenJobMismatch,
            format!(
                "the policy requires job binding: the {}'s mission_id is {}, the bundle's job is \"{}\"",
                at.label,
                crate::clawsig::envelope::describe(claims.get("mission_id")),
                short(job_id)
            ),
        );
    }
}

/// Causality (`token.time`): a token cannot be issued after the checkpoint sealed the run.
fn check_token_time(at: &Artifact, view: &ClaimsView, on: &TokenJudging, f: &mut Findings) {
    let Some(iat) = view.iat else {
        return;
    };
    let Some(checkpoint) = on.checkpoint else {
        at.skip(
            f,
            "token.time",
            format!(
                "no checkpoint given: whether the {} was issued (iat {iat}) before a checkpoint was created was not checked",
                at.label
            ),
        );
        return;
    };
    let created_at = checkpoint.created_at;
    if secs_to_ms(iat) > created_at {
        at.fail(
            f,
            "token.time",
            ReasonCode::CausalClockContradiction,
            format!(
                "the {} was issued at {} (iat {iat}), after the checkpoint was created ({})",
                at.label,
                format_rfc3339(secs_to_ms(iat)),
                format_rfc3339(created_at)
            ),
        );
    } else {
        at.pass(
            f,
            "token.time",
            format!("the {} was issued before the checkpoint", at.label),
        );
    }
}

/// Step 5 when the bundle has no token: one is required when the policy requires pinning
/// (`POLICY_PIN_MISSING`) or when the checkpoint binds a scope hash (`TOKEN_SCOPE_HASH_MISMATCH`).
/// Returns the links those checks found broken.
pub fn check_token_absent(policy: Option<&PolicyInfo>, checkpoint: &CheckpointView, f: &mut Findings) -> Vec<Binding> {
    let mut broken = Vec::new();
    let requires_pin = policy
        .and_then(|p| p.extension.as_ref())
        .is_some_and(|e| e.token_constraints.require_policy_hash_pinning);
    if requires_pin {
        f.fail(
            "token.pin",
            ReasonCode::PolicyPinMissing,
            "the policy requires a token pinned to its hash, but the bundle has no artifacts/token/cst.jwt",
        );
        broken.push(Binding::new(node::WPC_HASH, node::TOKEN_PIN, "token.pin", false));
    }
    if let Some(bound) = checkpoint.token_scope_hash.as_deref() {
        f.fail(
            "token.scope_hash",
            ReasonCode::TokenScopeHashMismatch,
            format!(
                "the checkpoint binds token scope hash {}, but the bundle has no artifacts/token/cst.jwt",
                short(bound)
            ),
        );
        broken.push(Binding::new(
            node::TOKEN_SCOPE_HASH,
            node::CHECKPOINT_SCOPE_BINDING,
            "token.scope_hash",
            false,
        ));
    }
    broken
}

/// Mint a CST: with a policy, a missing pin is filled with the policy hash; the scope hash
/// is filled in; the claims, TTL, pin and job binding are checked as the verifier will.
pub fn mint_token(signer: &Signer, claims: Value, policy: Option<&PolicyInfo>) -> Result<String, String> {
    let mut claims = claims;
    let obj = claims.as_object_mut().ok_or("the claims must be a JSON object")?;
    if let Some(p) = policy {
        if !obj.contains_key("policy_hash_b64u") {
            obj.insert("policy_hash_b64u", Value::from(p.hash_b64u.as_str()));
        }
    }
    validate_claims(&claims)?;
    let scope_hash = token_scope_hash(&claims)?;
    let obj = claims.as_object_mut().ok_or("the claims must be a JSON object")?;
    match obj.get("token_scope_hash_b64u").and_then(Value::as_str) {
        Some(existing) if existing != scope_hash => {
            return Err(format!(
                "the claims carry token_scope_hash_b64u {existing}, but they hash to {scope_hash}"
            ))
        }
        _ => {
            obj.insert("token_scope_hash_b64u", Value::from(scope_hash));
        }
    }
    let extension = policy.and_then(|p| p.extension.as_ref());
    let max_ttl = max_token_ttl_seconds(extension);
    let view = ClaimsView::read(&claims);
    let (iat, exp) = (view.iat.unwrap_or(0), view.exp.unwrap_or(0));
    if exp <= iat || exp.saturating_sub(iat) > max_ttl {
        return Err(format!(
            "the token would live {} s (iat {iat}, exp {exp}); it must be between 1 and {max_ttl} s",
            exp.saturating_sub(iat)
        ));
    }
    if let Some(p) = policy {
        let pin = view.policy_pin.unwrap_or("");
        if pin != p.hash_b64u {
            return Err(format!(
                "the claims pin policy hash {pin}, but the policy hashes to {}",
                p.hash_b64u
            ));
        }
        let needs_job = extension.is_some_and(|e| e.token_constraints.require_job_binding);
        if needs_job && !view.mission_id.is_some_and(|m| !m.is_empty()) {
            return Err("the policy requires job binding: set mission_id to the job id".into());
        }
    }
    Ok(sign_compact(signer, &claims))
}

/// Sign claims as a compact JWS without any checks (tests and fault vectors use it).
pub fn sign_compact(signer: &Signer, claims: &Value) -> String {
    let mut header = Object::new();
    header.insert("alg", Value::from("EdDSA"));
    header.insert("typ", Value::from("JWT"));
    header.insert("kid", Value::from(kid_for_public(&signer.public_bytes())));
    let signing_input = format!(
        "{}.{}",
        b64u_encode(jss::to_string(&Value::Object(header)).as_bytes()),
        b64u_encode(jss::to_string(claims).as_bytes())
    );
    let signature = b64u_encode(&signer.sign(signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::json::parse_str;
    use crate::policy::wpc::{self, tests as wt};
    use crate::timeutil::parse_rfc3339;
    use crate::trust::TrustEntry;

    pub const CREATED_AT: &str = "2026-03-01T12:00:00Z";
    /// 2026-03-01T11:00:00Z in epoch seconds.
    pub const IAT: i64 = 1_772_362_800;

    pub fn token_issuer() -> Signer {
        crate::vectors::testkit::label_signer("token-issuer")
    }

    pub fn policy() -> PolicyInfo {
        wpc::read_policy_for_producer(&wt::signed_policy()).unwrap()
    }

    pub fn ctx() -> VerifyContext {
        let mut c = wt::ctx();
        c.trust.token_issuers.push(TrustEntry {
            did: token_issuer().did().to_string(),
            name: None,
        });
        c
    }

    pub fn claims(policy_hash: &str) -> Value {
        parse_str(&format!(
            r#"{{"token_version":"1","sub":"did:key:zAgent","aud":["clawproxy"],"scope":["proxy:call:anthropic"],
                 "iat":{IAT},"exp":{},"policy_hash_b64u":"{policy_hash}","mission_id":"job-42","jti":"t-1"}}"#,
            IAT + 600
        ))
        .unwrap()
    }

    pub fn checkpoint(scope_hash: Option<String>) -> CheckpointView {
        CheckpointView {
            job_id: "job-42".into(),
            run_id: Some("run-1".into()),
            agent_did: None,
            created_at: parse_rfc3339(CREATED_AT).unwrap(),
            policy_hash: Some(policy().hash_b64u),
            token_scope_hash: scope_hash,
        }
    }

    fn run(jws: &str, cp: &CheckpointView) -> (Findings, Option<TokenInfo>) {
        let p = policy();
        let mut f = Findings::new();
        let info = check_token(jws.as_bytes(), &ctx(), Some(&p), cp, "artifacts/token/cst.jwt", &mut f).token;
        (f, info)
    }

    fn code(f: &Findings) -> Option<ReasonCode> {
        f.first_failure().map(|c| c.reason_code)
    }

    /// Sign modified claims (scope hash refreshed) and check against a matching checkpoint.
    fn judge(claims: &Value) -> Option<ReasonCode> {
        let scope = token_scope_hash(claims).ok();
        let mut c = claims.clone();
        if let (Some(o), Some(s)) = (c.as_object_mut(), scope.as_deref()) {
            o.insert("token_scope_hash_b64u", Value::from(s));
        }
        let (f, _) = run(&sign_compact(&token_issuer(), &c), &checkpoint(scope));
        code(&f)
    }

    fn set(mut v: Value, key: &str, value: Value) -> Value {
        if let Some(o) = v.as_object_mut() {
            o.insert(key, value);
        }
        v
    }

    fn remove(mut v: Value, key: &str) -> Value {
        if let Some(o) = v.as_object_mut() {
            o.remove(key);
        }
        v
    }

    #[test]
    fn kid_is_first_16_hex_of_sha256_of_the_key() {
        // RFC 8032 TEST 1 public key; SHA-256 of its 32 bytes computed independently
        // (Python hashlib): 21fe31dfa154a261…
        let pk: [u8; 32] = [
            0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1,
            0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
        ];
        assert_eq!(kid_for_public(&pk), KID_OF_RFC8032_TEST1);
    }

    /// Hex SHA-256 prefix of the RFC 8032 TEST 1 public key (computed outside this crate).
    const KID_OF_RFC8032_TEST1: &str = "21fe31dfa154a261";

    #[test]
    fn scope_hash_matches_a_hand_written_jcs_string() {
        let claims = parse_str(
            r#"{"token_version":"1","sub":"  did:key:zAgent ","aud":"  clawproxy ",
                "scope":["b:write"," a:read","b:write","","\u00e9:x","Z:up"],
                "iat":1,"exp":2,"jti":"j","nonce":"n","owner_ref":"   ","mission_id":" job-42 ",
                "spend_cap":12.5,"delegation_expires_at":1700000000,"delegation_spend_cap_minor":"x1",
                "token_lane":"canonical"}"#,
        )
        .unwrap();
        // By hand: sub and mission_id trimmed; aud becomes a one-item array; scope trimmed,
        // empties dropped, deduplicated, code-unit sorted ("Z" < "a" < "b" < "é");
        // owner_ref (blank) and delegation_spend_cap_minor (not digits) left out;
        // iat, exp, jti, nonce, token_lane excluded; keys in code-unit order.
        let expected_jcs = "{\"aud\":[\"clawproxy\"],\"delegation_expires_at\":1700000000,\
\"mission_id\":\"job-42\",\"scope\":[\"Z:up\",\"a:read\",\"b:write\",\"\u{e9}:x\"],\
\"spend_cap\":12.5,\"sub\":\"did:key:zAgent\",\"token_version\":\"1\"}";
        assert_eq!(jcs::to_string(&scope_hash_input(&claims).unwrap()), expected_jcs);
        assert_eq!(token_scope_hash(&claims).unwrap(), sha256_b64u(expected_jcs.as_bytes()));
        assert!(token_scope_hash(&parse_str(r#"{"sub":1,"aud":"a","scope":["s"]}"#).unwrap()).is_err());
        assert!(token_scope_hash(&parse_str(r#"{"sub":"s","aud":"a","scope":"s"}"#).unwrap()).is_err());
    }

    #[test]
    fn js_trim_differs_from_rust_trim() {
        assert_eq!(js_trim("\u{feff} x \u{2028}"), "x");
        assert_eq!(js_trim("\u{85}x"), "\u{85}x");
    }

    #[test]
    fn minted_token_passes() {
        let p = policy();
        let jws = mint_token(&token_issuer(), claims(&p.hash_b64u), Some(&p)).unwrap();
        let scope = token_scope_hash(&claims(&p.hash_b64u)).unwrap();
        let (f, info) = run(&jws, &checkpoint(Some(scope.clone())));
        assert_eq!(f.first_failure(), None, "{:?}", f.checks);
        let info = info.unwrap();
        assert_eq!(info.scope_hash_b64u, scope);
        assert_eq!(info.issuer_did, token_issuer().did());
        assert_eq!((info.iat, info.exp), (IAT, IAT + 600));
        // The header is exactly the spec's.
        let header = jws.split('.').next().unwrap();
        let expected = format!(
            r#"{{"alg":"EdDSA","typ":"JWT","kid":"{}"}}"#,
            kid_for_public(&token_issuer().public_bytes())
        );
        assert_eq!(b64u_decode(header).unwrap(), expected.as_bytes());
        // A trailing newline is tolerated.
        let (f, _) = run(&format!("{jws}\n"), &checkpoint(Some(scope)));
        assert_eq!(f.first_failure(), None);
    }

    #[test]
    fn malformed_tokens() {
        let p = policy();
        let good = mint_token(&token_issuer(), claims(&p.hash_b64u), Some(&p)).unwrap();
        let parts: Vec<&str> = good.split('.').collect();
        let enc = |s: &str| b64u_encode(s.as_bytes());
        let kid = kid_for_public(&token_issuer().public_bytes());
        for bad in [
            "not a token".to_string(),
            format!("{}.{}", parts[0], parts[1]),
            format!("{good}.x"),
            format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
            format!(
                "{}.{}.{}",
                enc(&format!(r#"{{"alg":"HS256","typ":"JWT","kid":"{kid}"}}"#)),
                parts[1],
                parts[2]
            ),
            format!(
                "{}.{}.{}",
                enc(&format!(r#"{{"alg":"none","typ":"JWT","kid":"{kid}"}}"#)),
                parts[1],
                parts[2]
            ),
            format!("{}.{}.{}", enc(r#"{"alg":"EdDSA","typ":"JWT"}"#), parts[1], parts[2]),
            format!(
                "{}.{}.{}",
                enc(r#"{"alg":"EdDSA","typ":"JWT","kid":"ABCDEF0123456789"}"#),
                parts[1],
                parts[2]
            ),
            format!(
                "{}.{}.{}",
                enc(&format!(r#"{{"alg":"EdDSA","typ":"JWT","kid":"{kid}","crit":["x"]}}"#)),
                parts[1],
                parts[2]
            ),
            format!("{}.{}.{}", parts[0], enc("[1,2]"), parts[2]),
            format!("{}.{}.{}", parts[0], enc(r#"{"a":1,"a":2}"#), parts[2]),
            format!("{}.{}.{}", parts[0], parts[1], &parts[2][..40]),
        ] {
            let (f, info) = run(&bad, &checkpoint(None));
            assert_eq!(code(&f), Some(ReasonCode::TokenMalformed), "{bad}");
            assert!(info.is_none());
        }
    }

    #[test]
    fn unknown_kid_and_bad_signature() {
        let p = policy();
        let c = claims(&p.hash_b64u);
        let scope = token_scope_hash(&c).ok();
        let stranger = mint_token(&crate::vectors::testkit::label_signer("stranger"), c.clone(), Some(&p)).unwrap();
        let (f, _) = run(&stranger, &checkpoint(scope.clone()));
        assert_eq!(code(&f), Some(ReasonCode::TokenUnknownKid));

        // Trusted kid, signature over different claims.
        let good = mint_token(&token_issuer(), c.clone(), Some(&p)).unwrap();
        let other = mint_token(&token_issuer(), set(c, "jti", Value::from("t-2")), Some(&p)).unwrap();
        let g: Vec<&str> = good.split('.').collect();
        let o: Vec<&str> = other.split('.').collect();
        let spliced = format!("{}.{}.{}", g[0], g[1], o[2]);
        let (f, info) = run(&spliced, &checkpoint(scope));
        assert_eq!(code(&f), Some(ReasonCode::SignatureInvalid));
        assert!(info.is_some());
    }

    #[test]
    fn claims_schema() {
        let h = policy().hash_b64u;
        for bad in [
            set(claims(&h), "colour", Value::from("red")),
            set(claims(&h), "token_version", Value::from("2")),
            remove(claims(&h), "scope"),
            set(claims(&h), "scope", Value::Array(vec![])),
            set(claims(&h), "iat", Value::from("yesterday")),
            set(claims(&h), "agent_did", Value::from("not-a-did")),
            set(claims(&h), "token_lane", Value::from("fast")),
            set(claims(&h), "sub", Value::from("   ")),
        ] {
            assert_eq!(judge(&bad), Some(ReasonCode::SchemaValidationFailed), "{bad:?}");
        }
    }

    #[test]
    fn ttl_too_long() {
        let h = policy().hash_b64u;
        // The policy allows 900 s.
        assert_eq!(
            judge(&set(claims(&h), "exp", Value::from(IAT + 901))),
            Some(ReasonCode::TtlTooLong)
        );
        assert_eq!(judge(&set(claims(&h), "exp", Value::from(IAT + 900))), None);
        assert_eq!(
            judge(&set(claims(&h), "exp", Value::from(IAT))),
            Some(ReasonCode::TtlTooLong)
        );
    }

    #[test]
    fn ttl_cap_without_policy_limit_is_one_hour() {
        assert_eq!(max_token_ttl_seconds(None), 3600);
    }

    #[test]
    fn pin_missing_and_mismatch() {
        let h = policy().hash_b64u;
        assert_eq!(
            judge(&remove(claims(&h), "policy_hash_b64u")),
            Some(ReasonCode::PolicyPinMissing)
        );
        let other = sha256_b64u(b"other policy");
        assert_eq!(judge(&claims(&other)), Some(ReasonCode::PolicyHashMismatch));
        let mut f = Findings::new();
        check_token_absent(Some(&policy()), &checkpoint(None), &mut f);
        assert_eq!(code(&f), Some(ReasonCode::PolicyPinMissing));
        let mut f = Findings::new();
        check_token_absent(None, &checkpoint(Some(h.clone())), &mut f);
        assert_eq!(code(&f), Some(ReasonCode::TokenScopeHashMismatch));
        let mut f = Findings::new();
        check_token_absent(None, &checkpoint(None), &mut f);
        assert_eq!(code(&f), None);
    }

    #[test]
    fn scope_hash_mismatch() {
        let p = policy();
        let c = claims(&p.hash_b64u);
        let scope = token_scope_hash(&c).unwrap();
        // Claim disagrees with the recomputation.
        let lying = set(c.clone(), "token_scope_hash_b64u", Value::from(sha256_b64u(b"x")));
        let (f, _) = run(&sign_compact(&token_issuer(), &lying), &checkpoint(Some(scope.clone())));
        assert_eq!(code(&f), Some(ReasonCode::TokenScopeHashMismatch));
        // Checkpoint binds another scope hash, or none.
        let jws = mint_token(&token_issuer(), c, Some(&p)).unwrap();
        let (f, _) = run(&jws, &checkpoint(Some(sha256_b64u(b"y"))));
        assert_eq!(code(&f), Some(ReasonCode::TokenScopeHashMismatch));
        let (f, _) = run(&jws, &checkpoint(None));
        assert_eq!(code(&f), Some(ReasonCode::TokenScopeHashMismatch));
    }

    #[test]
    fn job_mismatch() {
        let h = policy().hash_b64u;
        assert_eq!(
            judge(&set(claims(&h), "mission_id", Value::from("job-43"))),
            Some(ReasonCode::TokenJobMismatch)
        );
        assert_eq!(
            judge(&remove(claims(&h), "mission_id")),
            Some(ReasonCode::TokenJobMismatch)
        );
    }

    #[test]
    fn issued_after_checkpoint() {
        let h = policy().hash_b64u;
        // Checkpoint at 12:00:00Z = IAT + 3600; iat one second later.
        let late = set(
            set(claims(&h), "iat", Value::from(IAT + 3601)),
            "exp",
            Value::from(IAT + 3700),
        );
        assert_eq!(judge(&late), Some(ReasonCode::CausalClockContradiction));
        let on_time = set(
            set(claims(&h), "iat", Value::from(IAT + 3600)),
            "exp",
            Value::from(IAT + 3700),
        );
        assert_eq!(judge(&on_time), None);
    }

    #[test]
    fn minting_refuses_what_the_verifier_would_fail() {
        let p = policy();
        let h = p.hash_b64u.clone();
        let s = token_issuer();
        assert!(mint_token(&s, set(claims(&h), "exp", Value::from(IAT + 901)), Some(&p)).is_err());
        assert!(mint_token(&s, claims(&sha256_b64u(b"other")), Some(&p)).is_err());
        assert!(mint_token(&s, remove(claims(&h), "mission_id"), Some(&p)).is_err());
        assert!(mint_token(
            &s,
            set(claims(&h), "token_scope_hash_b64u", Value::from(sha256_b64u(b"z"))),
            Some(&p)
        )
        .is_err());
        // Without a pin, the policy hash is filled in.
        let jws = mint_token(&s, remove(claims(&h), "policy_hash_b64u"), Some(&p)).unwrap();
        let decoded = decode_compact(jws.as_bytes()).unwrap();
        assert_eq!(
            decoded.claims.get("policy_hash_b64u").and_then(Value::as_str),
            Some(h.as_str())
        );
        // Without a policy, the 1-hour cap still applies.
        assert!(mint_token(&s, set(claims(&h), "exp", Value::from(IAT + 3601)), None).is_err());
        assert!(mint_token(&s, set(claims(&h), "exp", Value::from(IAT + 3600)), None).is_ok());
    }

    fn alone(jws: &str) -> (Findings, TokenOutcome) {
        let mut f = Findings::new();
        let out = check_token_alone(jws.as_bytes(), &ctx(), &mut f);
        (f, out)
    }

    fn status_of(f: &Findings, id: &str) -> Vec<crate::report::CheckStatus> {
        f.checks.iter().filter(|c| c.id == id).map(|c| c.status).collect()
    }

    #[test]
    fn a_token_alone_is_judged_without_a_placeholder_checkpoint() {
        use crate::report::{CheckStatus, Location};
        // Bound to another job and issued long after anything: with no checkpoint, neither
        // the job nor the time can be judged, so neither fails; both are not checked.
        let p = policy();
        let c = set(claims(&p.hash_b64u), "mission_id", Value::from("job-other"));
        let c = set(c, "iat", Value::from(IAT + 10_000_000));
        let c = set(c, "exp", Value::from(IAT + 10_000_600));
        let jws = mint_token(&token_issuer(), c, Some(&p)).unwrap();
        let (f, out) = alone(&jws);
        assert_eq!(f.first_failure(), None, "{:#?}", f.checks);
        for id in [
            "token.format",
            "token.kid",
            "token.signature",
            "token.claims",
            "token.ttl",
        ] {
            assert_eq!(status_of(&f, id), [CheckStatus::Pass], "{id}");
        }
        assert_eq!(status_of(&f, "token.pin"), [CheckStatus::Skip]);
        assert_eq!(
            status_of(&f, "token.scope_hash"),
            [CheckStatus::Pass, CheckStatus::Skip]
        );
        assert_eq!(status_of(&f, "token.job"), [CheckStatus::Skip]);
        assert_eq!(status_of(&f, "token.time"), [CheckStatus::Skip]);
        assert!(f.checks.iter().all(|c| c.location == Location::Subject));
        let job = f.checks.iter().find(|c| c.id == "token.job").unwrap();
        assert!(
            job.detail.contains("(mission_id \"job-other\") was not checked"),
            "{}",
            job.detail
        );
        // No link to a checkpoint or a policy was judged, so none is reported.
        assert!(out.bindings.is_empty(), "{:?}", out.bindings);
        let token = out.token.unwrap();
        assert_eq!(token.scope_hash_b64u, token_scope_hash(&token.claims).unwrap());
        assert_eq!(token.mission_id.as_deref(), Some("job-other"));
    }

    #[test]
    fn a_token_alone_keeps_the_bundle_codes_of_the_checks_that_apply() {
        let p = policy();
        let good = mint_token(&token_issuer(), claims(&p.hash_b64u), Some(&p)).unwrap();
        let first = |jws: &str| alone(jws).0.first_failure().map(|c| (c.id.clone(), c.reason_code));
        assert_eq!(first("a.b"), Some(("token.format".into(), ReasonCode::TokenMalformed)));
        let mut c = ctx();
        c.trust.token_issuers.clear();
        let mut f = Findings::new();
        check_token_alone(good.as_bytes(), &c, &mut f);
        assert_eq!(
            f.first_failure().map(|c| c.reason_code),
            Some(ReasonCode::TokenUnknownKid)
        );
        // Another key under the issuer's kid: the signature fails.
        let forged = sign_compact(&crate::vectors::testkit::label_signer("forger"), &claims(&p.hash_b64u));
        let forged_sig = forged.rsplit('.').next().unwrap();
        let (head, _) = good.rsplit_once('.').unwrap();
        assert_eq!(
            first(&format!("{head}.{forged_sig}")),
            Some(("token.signature".into(), ReasonCode::SignatureInvalid))
        );
        // Over the one-hour cap, and a scope hash claim that lies.
        let long = set(claims(&p.hash_b64u), "exp", Value::from(IAT + 3601));
        assert_eq!(
            first(&sign_compact(&token_issuer(), &long)),
            Some(("token.ttl".into(), ReasonCode::TtlTooLong))
        );
        let lying = set(
            claims(&p.hash_b64u),
            "token_scope_hash_b64u",
            Value::from(sha256_b64u(b"x")),
        );
        assert_eq!(
            first(&sign_compact(&token_issuer(), &lying)),
            Some(("token.scope_hash".into(), ReasonCode::TokenScopeHashMismatch))
        );
    }
}
