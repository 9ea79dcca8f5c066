//! Clawsig aggregate bundles (`aggregate_bundle_envelope.v1`, wire-format §5.3): a signed fleet
//! roll-up of up to 1000 proof-bundle envelopes or export bundles.
//!
//! Order (first failure wins): schema → DIDs → signer = issuer → dates (created ≤ issued, not
//! in the future, payload and envelope expiry, 300 s skew) → payload hash (JSS) → signature →
//! member JCS hashes strictly ascending → manifest → per member, in index order: run id
//! consistency, full verification (members verified in parallel, without the CLI strict
//! receipt rule), cross-member receipt replay and span conflicts, issuer ≠ member agent,
//! aggregate TTL ≤ member TTL, member not expired, unique bundle and run ids, rate-limit
//! claims → summed rate-limit claims → fleet summary.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::context::VerifyContext;
use crate::crypto::{self, b64u_decode, sha256_b64u, verify_strict};
use crate::json::{jcs, jss, Object, Value};
use crate::reason::ReasonCode;
use crate::report::{Failure, Findings, Kind, SubjectReport};
use crate::timeutil::{parse_rfc3339, Millis};

use super::envelope::{self, describe};
use super::export_bundle::{self, check_dates, content_address, TTL_SKEW_MS};
use super::proof_bundle::{verify_proof_bundle, ProofBundleOptions};
use super::shape;
use super::tiers::ProofTier;
use crate::schema_rules::{Obj, Path, RuleResult, SchemaViolation};

/// The schema's cap on members.
pub const MAX_MEMBERS: usize = 1000;

const PAYLOAD_KEYS: [&str; 8] = [
    "aggregate_version",
    "aggregate_id",
    "created_at",
    "expires_at",
    "issuer_did",
    "manifest",
    "artifacts",
    "metadata",
];

/// The reference routes `envelope_type "aggregate_bundle"` with `payload.aggregate_version "1"`
/// to the aggregate verifier whichever of the two kinds was asked for.
pub fn is_aggregate_shaped(value: &Value) -> bool {
    value.get("envelope_type").and_then(Value::as_str) == Some("aggregate_bundle")
        && value
            .get("payload")
            .and_then(|p| p.get("aggregate_version"))
            .and_then(Value::as_str)
            == Some("1")
}

fn fail(check: &'static str, code: ReasonCode, detail: impl Into<String>) -> Failure {
    Failure::new(check, code, detail)
}

fn member_at(i: usize) -> String {
    format!("payload.artifacts.member_bundles[{i}]")
}

/// A member is a proof-bundle envelope or an export bundle (the schema's `oneOf`).
fn member_schema(member: &Value, at: &Path<'_>) -> RuleResult {
    let o = Obj::new(member, at)?;
    if o.o.contains_key("export_version") {
        return export_bundle::check_schema(&o);
    }
    shape::proof_bundle_envelope(&o)
}

/// The closed envelope and payload shapes, written out by hand.
fn check_schema(o: &Obj<'_, '_>) -> RuleResult {
    shape::signed_envelope(o, &shape::ENVELOPE_KEYS_WITH_EXPIRY, "1", "aggregate_bundle")?;
    let p = o.req_child("payload")?;
    p.closed_optional(&PAYLOAD_KEYS, &["expires_at"])?
        .konst("aggregate_version", "1")?
        .str_min("aggregate_id", 1)?
        .date_time("created_at")?
        .date_time("expires_at")?
        .did("issuer_did")?;
    if let Some(manifest) = p.get("manifest") {
        shape::manifest(manifest, MAX_MEMBERS, &p.at("manifest"))?;
    }
    p.req_child("artifacts")?
        .closed_optional(&["member_bundles"], &[])?
        .each("member_bundles", 1, MAX_MEMBERS, member_schema)?;
    let meta = p.req_child("metadata")?;
    let summary = meta.req_child("fleet_summary")?;
    summary.closed_optional(
        &["total_members", "unique_agents", "total_runs", "fleet_proof_tier"],
        &["fleet_proof_tier"],
    )?;
    for k in ["total_members", "unique_agents", "total_runs"] {
        summary.number_min(k, 1.0)?;
    }
    summary.str_any("fleet_proof_tier")?;
    Ok(())
}

/// One member's verification, computed in parallel before the ordered checks.
struct MemberVerdict {
    failure: Option<Failure>,
    proof_tier: ProofTier,
}

fn verify_member(member: &Value, ctx: &VerifyContext) -> MemberVerdict {
    if member.get("export_version").is_some() {
        let out = export_bundle::verify_export_bundle(member, ctx, false);
        MemberVerdict {
            failure: out.failure,
            proof_tier: out.proof_tier.unwrap_or(ProofTier::Unknown),
        }
    } else {
        let opts = ProofBundleOptions {
            strict_receipts: false,
            urm: None,
            ttl_skew_ms: TTL_SKEW_MS,
        };
        let out = verify_proof_bundle(member, ctx, &opts);
        MemberVerdict {
            failure: out.failure,
            proof_tier: out.proof_tier,
        }
    }
}

/// What the ordered checks read from one member (its proof bundle, nested for exports).
struct MemberFacts<'a> {
    proof: &'a Value,
    bundle_id: &'a str,
    agent_did: &'a str,
    expires_at: Option<&'a Value>,
}

fn member_facts(member: &Value) -> Option<MemberFacts<'_>> {
    let obj = member.as_object()?;
    let proof = if obj.get("envelope_type").and_then(Value::as_str) == Some("proof_bundle") {
        member
    } else if obj.get("export_version").and_then(Value::as_str) == Some("1") {
        obj.get("artifacts")?.get("proof_bundle_envelope")?
    } else {
        return None;
    };
    let payload = proof.get("payload");
    let text = |k: &str| payload.and_then(|p| p.get(k)).and_then(Value::as_str).unwrap_or("");
    Some(MemberFacts {
        proof,
        bundle_id: text("bundle_id"),
        agent_did: text("agent_did"),
        expires_at: obj.get("expires_at"),
    })
}

/// The one run id of a member's chain (`INCONSISTENT_RUN_ID` otherwise).
fn member_run_id(proof: &Value) -> Result<&str, String> {
    let events = proof
        .get("payload")
        .and_then(|p| p.get("event_chain"))
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
        .ok_or("the member has no non-empty event_chain to take its run_id from")?;
    let mut run: Option<&str> = None;
    for (i, e) in events.iter().enumerate() {
        let id = e
            .get("run_id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("event_chain[{i}].run_id is not a non-empty string"))?;
        match run {
            None => run = Some(id),
            Some(r) if r != id => return Err(format!("event_chain[{i}].run_id {id:?} differs from {r:?}")),
            Some(_) => {}
        }
    }
    run.ok_or_else(|| "the member has no run_id".to_string())
}

/// Cross-member state: receipts by id, causal spans by run namespace.
#[derive(Default)]
struct CrossMember {
    receipts: HashMap<String, (String, usize)>,
    spans: HashMap<(String, String), (String, usize)>,
}

fn binding_text<'a>(binding: &'a Value, snake: &str, camel: &str) -> Option<&'a str> {
    binding
        .get(snake)
        .or_else(|| binding.get(camel))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

impl CrossMember {
    fn check(&mut self, i: usize, proof: &Value, run_id: &str) -> Result<(), Failure> {
        let receipts = proof
            .get("payload")
            .and_then(|p| p.get("receipts"))
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        let mut mine_receipts = Vec::new();
        let mut mine_spans = Vec::new();
        for r in receipts {
            if r.get("envelope_type").and_then(Value::as_str) != Some("gateway_receipt") {
                continue;
            }
            let Some(payload) = r.get("payload") else { continue };
            if let Some(id) = payload.get("receipt_id").and_then(Value::as_str) {
                let content = jcs::to_string(payload);
                if let Some((seen, j)) = self.receipts.get(id) {
                    if *j != i && *seen != content {
                        return Err(fail(
                            "aggregate.receipt_replay",
                            ReasonCode::CausalAggregateReceiptReplay,
                            format!("member {i} reuses receipt_id {id:?} of member {j} with different content"),
                        )
                        .at_path(member_at(i)));
                    }
                }
                mine_receipts.push((id.to_string(), content));
            }
            let Some(binding) = payload.get("binding").filter(|b| b.as_object().is_some()) else {
                continue;
            };
            let Some(span) = binding_text(binding, "span_id", "spanId") else {
                continue;
            };
            let run = binding.get("run_id").and_then(Value::as_str).unwrap_or(run_id);
            let namespace = run.split("::").next().unwrap_or(run).to_string();
            // What a span means: its lineage, phase, confidence and time.
            let mut meaning = Object::new();
            for (snake, camel) in [
                ("parent_span_id", "parentSpanId"),
                ("tool_span_id", "toolSpanId"),
                ("phase", "phase"),
            ] {
                if let Some(v) = binding_text(binding, snake, camel) {
                    meaning.insert(snake, Value::from(v));
                }
            }
            if let Some(c) = binding
                .get("attribution_confidence")
                .or_else(|| binding.get("attributionConfidence"))
            {
                meaning.insert("attribution_confidence", c.clone());
            }
            if let Some(t) = payload.get("timestamp").and_then(Value::as_str) {
                let time = parse_rfc3339(t).map_or(Value::from(t), |ms| Value::Number(ms as f64));
                meaning.insert("timestamp", time);
            }
            let meaning = jcs::to_string(&Value::Object(meaning));
            let key = (namespace, span.to_string());
            if let Some((seen, j)) = self.spans.get(&key) {
                if *j != i && *seen != meaning {
                    return Err(fail(
                        "aggregate.span_conflict",
                        ReasonCode::CausalAggregateMemberConflict,
                        format!(
                            "member {i} declares span {:?} of run namespace {:?} differently from member {j}",
                            key.1, key.0
                        ),
                    )
                    .at_path(member_at(i)));
                }
            }
            mine_spans.push((key, meaning));
        }
        for (id, content) in mine_receipts {
            self.receipts.entry(id).or_insert((content, i));
        }
        for (key, meaning) in mine_spans {
            self.spans.entry(key).or_insert((meaning, i));
        }
        Ok(())
    }
}

/// Summed rate-limit claims per (agent, scope, scope key, window).
#[derive(Default)]
struct RateTotals {
    order: Vec<String>,
    totals: HashMap<String, RateTotal>,
}

struct RateTotal {
    max_requests: f64,
    observed_requests: f64,
    max_in: Option<f64>,
    observed_in: f64,
    max_out: Option<f64>,
    observed_out: f64,
    first: String,
}

fn finite_non_negative(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64).filter(|n| n.is_finite() && *n >= 0.0)
}

impl RateTotals {
    fn add_member(&mut self, i: usize, proof: &Value, agent: &str) -> Result<(), Failure> {
        let claims = proof
            .get("payload")
            .and_then(|p| p.get("rate_limit_claims"))
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        for (k, claim) in claims.iter().enumerate() {
            let at = format!("{}.rate_limit_claims[{k}]", member_at(i));
            let inconsistent = |why: &str| {
                fail(
                    "aggregate.rate_limit",
                    ReasonCode::RateLimitClaimInconsistent,
                    format!("{at}: {why}"),
                )
                .at_path(at.clone())
            };
            let text = |f: &str| claim.get(f).and_then(Value::as_str);
            let (start, end) = match (
                text("window_start").and_then(parse_rfc3339),
                text("window_end").and_then(parse_rfc3339),
            ) {
                (Some(s), Some(e)) => (s, e),
                _ => return Err(inconsistent("the window timestamps are not date-times")),
            };
            if start > end {
                return Err(fail(
                    "aggregate.rate_limit",
                    ReasonCode::RateLimitWindowInvalid,
                    format!("{at}: window_start is after window_end"),
                )
                .at_path(at.clone()));
            }
            let (Some(max_requests), Some(observed_requests)) = (
                finite_non_negative(claim.get("max_requests")),
                finite_non_negative(claim.get("observed_requests")),
            ) else {
                return Err(inconsistent(
                    "max_requests and observed_requests must be finite numbers ≥ 0",
                ));
            };
            let pair = |m: &str, o: &str| -> Result<(Option<f64>, Option<f64>), Failure> {
                match (claim.get(m), claim.get(o)) {
                    (None, None) => Ok((None, None)),
                    (Some(_), None) | (None, Some(_)) => Err(inconsistent(&format!("{m} and {o} must come together"))),
                    (mv, ov) => match (finite_non_negative(mv), finite_non_negative(ov)) {
                        (Some(a), Some(b)) => Ok((Some(a), Some(b))),
                        _ => Err(inconsistent(&format!("{m} and {o} must be finite numbers ≥ 0"))),
                    },
                }
            };
            let (max_in, obs_in) = pair("max_tokens_input", "observed_tokens_input")?;
            let (max_out, obs_out) = pair("max_tokens_output", "observed_tokens_output")?;
            let key = format!(
                "{agent}|{}|{}|{}|{}",
                text("scope").unwrap_or(""),
                text("scope_key").unwrap_or(""),
                text("window_start").unwrap_or(""),
                text("window_end").unwrap_or("")
            );
            match self.totals.get_mut(&key) {
                None => {
                    self.order.push(key.clone());
                    self.totals.insert(
                        key,
                        RateTotal {
                            max_requests,
                            observed_requests,
                            max_in,
                            observed_in: obs_in.unwrap_or(0.0),
                            max_out,
                            observed_out: obs_out.unwrap_or(0.0),
                            first: at,
                        },
                    );
                }
                Some(t) => {
                    if t.max_requests != max_requests || t.max_in != max_in || t.max_out != max_out {
                        return Err(inconsistent(
                            "its limits differ from another member's claim for the same agent, scope and window",
                        ));
                    }
                    t.observed_requests += observed_requests;
                    t.observed_in += obs_in.unwrap_or(0.0);
                    t.observed_out += obs_out.unwrap_or(0.0);
                }
            }
        }
        Ok(())
    }

    fn check_sums(&self) -> Result<(), Failure> {
        for key in &self.order {
            let Some(t) = self.totals.get(key) else { continue };
            let exceeded = |what: &str| {
                fail(
                    "aggregate.rate_limit_sum",
                    ReasonCode::RateLimitExceeded,
                    format!("summed over the members, {what} exceeds its limit for claim {key}"),
                )
                .at_path(t.first.clone())
            };
            if t.observed_requests > t.max_requests {
                return Err(exceeded("observed_requests"));
            }
            if t.max_in.is_some_and(|m| t.observed_in > m) {
                return Err(exceeded("observed_tokens_input"));
            }
            if t.max_out.is_some_and(|m| t.observed_out > m) {
                return Err(exceeded("observed_tokens_output"));
            }
        }
        Ok(())
    }
}

/// What verifying one aggregate produced.
#[derive(Debug)]
pub struct AggregateOutcome {
    pub findings: Findings,
    pub failure: Option<Failure>,
    /// The minimum member proof tier, once every member verified.
    pub fleet_proof_tier: Option<ProofTier>,
}

/// Verify an aggregate bundle envelope.
pub fn verify_aggregate_bundle(value: &Value, ctx: &VerifyContext) -> AggregateOutcome {
    let mut out = AggregateOutcome {
        findings: Findings::new(),
        failure: None,
        fleet_proof_tier: None,
    };
    if let Err(f) = check_aggregate(value, ctx, &mut out) {
        out.findings.record(&f);
        out.failure = Some(f);
    }
    out
}

fn check_aggregate(value: &Value, ctx: &VerifyContext, out: &mut AggregateOutcome) -> Result<(), Failure> {
    let schema = |v: SchemaViolation| {
        v.into_failure(
            "aggregate.schema",
            ReasonCode::SchemaValidationFailed,
            "aggregate envelope",
        )
    };
    let o = Obj::new(value, Path::ROOT).map_err(schema)?;
    check_schema(&o).map_err(schema)?;
    let obj = o.o;
    let payload = o.req_child("payload").map_err(schema)?.o;
    out.findings.pass(
        "aggregate.schema",
        "the envelope has the aggregate_bundle_envelope.v1 shape",
    );

    let text = |o: &Object, k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let signer = text(obj, "signer_did");
    let issuer = text(payload, "issuer_did");
    if !crypto::did::is_valid_did_syntax(&signer) || !crypto::did::is_valid_did_syntax(&issuer) {
        return Err(fail(
            "aggregate.dids",
            ReasonCode::InvalidDidFormat,
            format!("the aggregate's signer_did {signer:?} or issuer_did {issuer:?} is not a valid DID"),
        ));
    }
    if signer != issuer {
        return Err(fail(
            "aggregate.signer",
            ReasonCode::AggregateSignerMismatch,
            format!("the aggregate is signed by {signer} but its payload names issuer {issuer}"),
        ));
    }
    out.findings
        .pass("aggregate.signer", format!("signer and issuer are {issuer}"));

    let date = |o: &Object, k: &str| o.get(k).and_then(Value::as_str).and_then(parse_rfc3339);
    let (Some(created), Some(issued)) = (date(payload, "created_at"), date(obj, "issued_at")) else {
        return Err(fail(
            "aggregate.dates",
            ReasonCode::MalformedEnvelope,
            "created_at or issued_at is not a date-time",
        ));
    };
    let payload_expires = date(payload, "expires_at");
    check_dates(
        created,
        issued,
        &[
            ("payload.expires_at", payload_expires),
            ("expires_at", date(obj, "expires_at")),
        ],
        ctx,
        "aggregate bundle",
    )?;
    out.findings.pass(
        "aggregate.dates",
        "created ≤ issued, not issued in the future, not expired",
    );

    if text(obj, "hash_algorithm") != "SHA-256" {
        return Err(fail(
            "aggregate.payload_hash",
            ReasonCode::UnknownHashAlgorithm,
            format!(
                "the aggregate uses hash_algorithm {}, only SHA-256 is implemented",
                describe(obj.get("hash_algorithm"))
            ),
        ));
    }
    let claimed = text(obj, "payload_hash_b64u");
    let computed = sha256_b64u(jss::to_string(obj.get("payload").unwrap_or(&Value::Null)).as_bytes());
    if computed != claimed {
        return Err(fail(
            "aggregate.payload_hash",
            ReasonCode::HashMismatch,
            format!("the aggregate payload hashes to {computed}, but payload_hash_b64u says {claimed}"),
        ));
    }
    let key = envelope::signer_key(&signer, "aggregate bundle").map_err(|mut f| {
        f.check = "aggregate.signature";
        f
    })?;
    let sig = b64u_decode(&text(obj, "signature_b64u")).map_err(|_| {
        fail(
            "aggregate.signature",
            ReasonCode::MalformedEnvelope,
            "the aggregate's signature_b64u is not canonical base64url",
        )
    })?;
    verify_strict(&key, claimed.as_bytes(), &sig).map_err(|e| {
        fail(
            "aggregate.signature",
            ReasonCode::SignatureInvalid,
            format!("the aggregate signature does not verify under {signer} ({e})"),
        )
    })?;
    out.findings.pass(
        "aggregate.signature",
        format!("payload hash {claimed} is signed by {signer}"),
    );

    let members: &[Value] = payload
        .get("artifacts")
        .and_then(|a| a.get("member_bundles"))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let addresses: Vec<(String, usize)> = members.par_iter().map(content_address).collect();
    let mut seen = HashSet::new();
    for (i, (hash, _)) in addresses.iter().enumerate() {
        if let Some((prev, _)) = i.checked_sub(1).and_then(|p| addresses.get(p)) {
            if hash < prev {
                return Err(fail(
                    "aggregate.member_order",
                    ReasonCode::UnsortedMemberArray,
                    format!("member {i} (JCS hash {hash}) sorts before member {} ({prev}): members must be in ascending hash order", i - 1),
                )
                .at_path(member_at(i)));
            }
        }
        if !seen.insert(hash.as_str()) {
            return Err(fail(
                "aggregate.member_order",
                ReasonCode::AggregateDuplicateMember,
                format!("member {i} is a copy of an earlier member (JCS hash {hash})"),
            )
            .at_path(member_at(i)));
        }
    }
    out.findings.pass(
        "aggregate.member_order",
        format!("{} members in strictly ascending JCS-hash order", members.len()),
    );

    check_manifest(payload.get("manifest").unwrap_or(&Value::Null), &addresses)?;
    out.findings.pass(
        "aggregate.manifest",
        "the manifest matches every member (JCS hash and size)",
    );

    // Verify every member now, in parallel; the ordered checks below read the verdicts.
    let verdicts: Vec<MemberVerdict> = members.par_iter().map(|m| verify_member(m, ctx)).collect();

    let mut cross = CrossMember::default();
    let mut rates = RateTotals::default();
    let (mut bundle_ids, mut run_ids, mut agents) = (HashSet::new(), HashSet::new(), HashSet::new());
    let mut fleet: Option<ProofTier> = None;
    for (i, (member, verdict)) in members.iter().zip(&verdicts).enumerate() {
        let at = member_at(i);
        let facts = member_facts(member).ok_or_else(|| {
            fail(
                "aggregate.member",
                ReasonCode::AggregateBundleInvalid,
                format!("member {i} is neither a proof-bundle envelope nor an export bundle"),
            )
            .at_path(at.clone())
        })?;
        let run_id = member_run_id(facts.proof).map_err(|why| {
            fail(
                "aggregate.member_run_id",
                ReasonCode::InconsistentRunId,
                format!("member {i}: {why}"),
            )
            .at_path(at.clone())
        })?;
        let member_expires: Option<Millis> = match facts.expires_at {
            None => None,
            Some(v) => Some(v.as_str().and_then(parse_rfc3339).ok_or_else(|| {
                fail(
                    "aggregate.member_expiry",
                    ReasonCode::AggregateBundleInvalid,
                    format!("member {i} has expires_at {}, not a date-time", describe(Some(v))),
                )
                .at_path(at.clone())
            })?),
        };
        if let Some(inner) = &verdict.failure {
            return Err(fail(
                "aggregate.member",
                ReasonCode::AggregateMemberInvalid,
                format!("member {i} failed verification: {} {}", inner.code, inner.detail),
            )
            .at_path(inner.json_path().map_or(at.clone(), |a| format!("{at}.{a}"))));
        }
        cross.check(i, facts.proof, run_id)?;
        if facts.agent_did == issuer {
            return Err(fail(
                "aggregate.identity",
                ReasonCode::IdentityConflict,
                format!("member {i} is a bundle of agent {issuer}, which also issued the aggregate"),
            )
            .at_path(at));
        }
        if let (Some(agg), Some(mem)) = (payload_expires, member_expires) {
            if agg > mem {
                return Err(fail(
                    "aggregate.member_ttl",
                    ReasonCode::AggregateTtlExceedsMember,
                    format!("the aggregate expires after member {i} does"),
                )
                .at_path(at));
            }
        }
        if member_expires.is_some_and(|mem| ctx.at > mem.saturating_add(TTL_SKEW_MS)) {
            return Err(fail(
                "aggregate.member_ttl",
                ReasonCode::AggregateMemberInvalid,
                format!("member {i} has expired"),
            )
            .at_path(at));
        }
        if !bundle_ids.insert(facts.bundle_id) {
            return Err(fail(
                "aggregate.duplicate_ids",
                ReasonCode::AggregateDuplicateBundleId,
                format!("member {i} repeats bundle_id {:?}", facts.bundle_id),
            )
            .at_path(at));
        }
        if !run_ids.insert(run_id) {
            return Err(fail(
                "aggregate.duplicate_ids",
                ReasonCode::AggregateDuplicateRunId,
                format!("member {i} repeats run_id {run_id:?}"),
            )
            .at_path(at));
        }
        rates.add_member(i, facts.proof, facts.agent_did)?;
        agents.insert(facts.agent_did);
        fleet = Some(fleet.map_or(verdict.proof_tier, |t| t.min(verdict.proof_tier)));
    }
    out.findings.pass(
        "aggregate.members",
        format!(
            "{} members verified; ids unique; no replayed receipts or conflicting spans",
            members.len()
        ),
    );
    rates.check_sums()?;
    out.findings.pass(
        "aggregate.rate_limits",
        "summed rate-limit claims stay within their limits",
    );

    let fleet = fleet.unwrap_or(ProofTier::Unknown);
    let summary = payload.get("metadata").and_then(|m| m.get("fleet_summary"));
    let number = |k: &str| summary.and_then(|s| s.get(k)).and_then(Value::as_f64);
    for (field, actual) in [
        ("total_members", members.len()),
        ("unique_agents", agents.len()),
        ("total_runs", run_ids.len()),
    ] {
        if number(field) != Some(actual as f64) {
            return Err(fail(
                "aggregate.fleet_summary",
                ReasonCode::FleetSummaryMismatch,
                format!(
                    "fleet_summary.{field} is {}, the members give {actual}",
                    describe(summary.and_then(|s| s.get(field)))
                ),
            ));
        }
    }
    if let Some(declared) = summary.and_then(|s| s.get("fleet_proof_tier")).and_then(Value::as_str) {
        if declared != fleet.as_str() {
            return Err(fail(
                "aggregate.fleet_summary",
                ReasonCode::FleetSummaryMismatch,
                format!(
                    "fleet_summary.fleet_proof_tier is {declared:?}, the weakest member tier is {:?}",
                    fleet.as_str()
                ),
            ));
        }
    }
    out.findings
        .pass("aggregate.fleet_summary", "the fleet summary matches the members");
    out.fleet_proof_tier = Some(fleet);
    Ok(())
}

/// Manifest entries `artifacts/member_bundles/<i>.json`, with the aggregate codes.
fn check_manifest(manifest: &Value, addresses: &[(String, usize)]) -> Result<(), Failure> {
    let entries: &[Value] = manifest
        .get("entries")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let mut paths = HashSet::new();
    let mut by_path = HashMap::new();
    for e in entries {
        let path = e.get("path").and_then(Value::as_str).unwrap_or("");
        if !paths.insert(path) {
            return Err(fail(
                "aggregate.manifest",
                ReasonCode::AggregateBundleInvalid,
                format!("the aggregate manifest lists {path:?} twice"),
            ));
        }
        by_path.insert(path, e);
    }
    if entries.len() != addresses.len() {
        return Err(fail(
            "aggregate.manifest",
            ReasonCode::HashMismatch,
            format!(
                "the aggregate manifest has {} entries for {} members",
                entries.len(),
                addresses.len()
            ),
        ));
    }
    let mut expected: Vec<(String, &String, usize)> = addresses
        .iter()
        .enumerate()
        .map(|(i, (hash, size))| (format!("artifacts/member_bundles/{i}.json"), hash, *size))
        .collect();
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, hash, size) in expected {
        let entry = by_path.get(path.as_str()).ok_or_else(|| {
            fail(
                "aggregate.manifest",
                ReasonCode::HashMismatch,
                format!("the aggregate manifest has no entry for {path}"),
            )
        })?;
        if entry.get("sha256_b64u").and_then(Value::as_str) != Some(hash.as_str()) {
            return Err(fail(
                "aggregate.manifest",
                ReasonCode::HashMismatch,
                format!("the manifest hash of {path} is not the member's JCS hash {hash}"),
            )
            .at_path(path));
        }
        if entry.get("content_type").and_then(Value::as_str) != Some("application/json") {
            return Err(fail(
                "aggregate.manifest",
                ReasonCode::AggregateBundleInvalid,
                format!("the manifest content_type of {path} is not \"application/json\""),
            )
            .at_path(path));
        }
        if entry.get("size_bytes").and_then(Value::as_f64) != Some(size as f64) {
            return Err(fail(
                "aggregate.manifest",
                ReasonCode::HashMismatch,
                format!("the manifest size of {path} is not the member's JCS size {size}"),
            )
            .at_path(path));
        }
    }
    Ok(())
}

/// Subject-level verification of an aggregate bundle.
pub fn verify_subject(path: &str, value: &Value, ctx: &VerifyContext) -> SubjectReport {
    let outcome = verify_aggregate_bundle(value, ctx);
    let mut report = SubjectReport::from_findings(path, Kind::AggregateBundle, outcome.findings);
    if let Some(tier) = outcome.fleet_proof_tier {
        report.proof_tier = Some(tier.as_str().to_string());
    }
    if let Some(id) = value
        .get("payload")
        .and_then(|p| p.get("aggregate_id"))
        .and_then(Value::as_str)
    {
        report.facts.aggregate_id = Some(id.to_string());
    }
    if let Some(n) = value
        .get("payload")
        .and_then(|p| p.get("artifacts"))
        .and_then(|a| a.get("member_bundles"))
        .and_then(Value::as_array)
    {
        report.facts.counts.members = Some(n.len() as u64);
    }
    report
}
