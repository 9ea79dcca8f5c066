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

use super::envelope::{self, describe, describe_text};
use super::export_bundle::{self, check_dates, content_address, TTL_SKEW_MS};
use super::proof_bundle::{verify_proof_bundle, ProofBundleOptions};
use super::shape::{self, ManifestEntry};
use super::tiers::ProofTier;
use crate::schema_rules::{did, number_min, schema_failure, text, Obj, Path, RuleResult};

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

/// What the checks after the schema read from an aggregate envelope.
struct AggregateView<'v> {
    /// The payload the envelope hash covers.
    payload: &'v Value,
    signer_did: &'v str,
    issuer_did: &'v str,
    hash_algorithm: &'v str,
    payload_hash_b64u: &'v str,
    signature_b64u: &'v str,
    created_at: Millis,
    issued_at: Millis,
    /// The envelope's `expires_at`.
    expires_at: Option<Millis>,
    /// The payload's `expires_at`.
    payload_expires_at: Option<Millis>,
    manifest: Vec<ManifestEntry<'v>>,
    members: &'v [Value],
    fleet_summary: FleetSummary<'v>,
}

/// `payload.metadata.fleet_summary`.
struct FleetSummary<'v> {
    total_members: f64,
    unique_agents: f64,
    total_runs: f64,
    fleet_proof_tier: Option<&'v str>,
}

/// A member is a proof-bundle envelope or an export bundle (the schema's `oneOf`).
fn member_schema(member: &Value, at: &Path<'_>) -> RuleResult {
    let o = Obj::new(member, at)?;
    if o.o.contains_key("export_version") {
        return export_bundle::check_schema(&o).map(drop);
    }
    shape::proof_bundle_envelope(&o)
}

/// The closed envelope and payload shapes, written out by hand; the view once they passed.
fn check_schema<'v>(o: &Obj<'v, '_>) -> RuleResult<AggregateView<'v>> {
    shape::signed_envelope(o, &shape::ENVELOPE_KEYS_WITH_EXPIRY, "1", "aggregate_bundle")?;
    let p = o.req_child("payload")?;
    p.closed_optional(&PAYLOAD_KEYS, &["expires_at"])?
        .konst("aggregate_version", "1")?
        .str_min("aggregate_id", 1)?;
    let created_at = p.time("created_at")?;
    let payload_expires_at = p.opt_time("expires_at")?;
    let issuer_did = p.require("issuer_did", |v, at| did(v, at))?;
    let manifest = p.require("manifest", |v, at| shape::manifest(v, MAX_MEMBERS, at))?;
    let artifacts = p.req_child("artifacts")?;
    artifacts
        .closed_optional(&["member_bundles"], &[])?
        .each("member_bundles", 1, MAX_MEMBERS, member_schema)?;
    let meta = p.req_child("metadata")?;
    let summary = meta.req_child("fleet_summary")?;
    summary.closed_optional(
        &["total_members", "unique_agents", "total_runs", "fleet_proof_tier"],
        &["fleet_proof_tier"],
    )?;
    let count = |k: &str| summary.require(k, |v, at| number_min(v, 1.0, at));
    let fleet_summary = FleetSummary {
        total_members: count("total_members")?,
        unique_agents: count("unique_agents")?,
        total_runs: count("total_runs")?,
        fleet_proof_tier: summary.member("fleet_proof_tier", |v, at| text(v, 0, usize::MAX, at))?,
    };
    Ok(AggregateView {
        payload: o.require("payload", |v, _| Ok(v))?,
        signer_did: o.text("signer_did")?,
        issuer_did,
        hash_algorithm: o.text("hash_algorithm")?,
        payload_hash_b64u: o.text("payload_hash_b64u")?,
        signature_b64u: o.text("signature_b64u")?,
        created_at,
        issued_at: o.time("issued_at")?,
        expires_at: o.opt_time("expires_at")?,
        payload_expires_at,
        manifest,
        members: artifacts.array("member_bundles", 1, MAX_MEMBERS)?,
        fleet_summary,
    })
}

/// A member that verified: what the ordered checks read from its proof bundle.
struct VerifiedMember {
    proof_tier: ProofTier,
    bundle_id: String,
    agent_did: String,
}

/// One member's verification, computed in parallel before the ordered checks.
fn verify_member(member: &Value, ctx: &VerifyContext) -> Result<VerifiedMember, Failure> {
    if member.get("export_version").is_some() {
        let out = export_bundle::verify_export_bundle(member, ctx, false);
        let summary = out.result?;
        Ok(VerifiedMember {
            proof_tier: out.proof_tier.unwrap_or(ProofTier::Unknown),
            bundle_id: summary.bundle_id,
            agent_did: summary.agent_did,
        })
    } else {
        let opts = ProofBundleOptions {
            strict_receipts: false,
            urm: None,
            ttl_skew_ms: TTL_SKEW_MS,
        };
        let out = verify_proof_bundle(member, ctx, &opts);
        match out.failure {
            Some(f) => Err(f),
            None => Ok(VerifiedMember {
                proof_tier: out.proof_tier,
                bundle_id: out.summary.bundle_id,
                agent_did: out.summary.agent_did,
            }),
        }
    }
}

/// The proof bundle of a member: the member itself, or an export's nested one.
fn member_proof(member: &Value) -> Option<&Value> {
    let obj = member.as_object()?;
    if obj.get("envelope_type").and_then(Value::as_str) == Some("proof_bundle") {
        Some(member)
    } else if obj.get("export_version").and_then(Value::as_str) == Some("1") {
        obj.get("artifacts")?.get("proof_bundle_envelope")
    } else {
        None
    }
}

/// The one run id of a member's chain (`INCONSISTENT_RUN_ID` otherwise).
fn member_run_id(i: usize, proof: &Value) -> Result<&str, Failure> {
    let inconsistent = |why: &str| {
        fail(
            "aggregate.member_run_id",
            ReasonCode::InconsistentRunId,
            format!("member {i}: {why}"),
        )
        .at_path(member_at(i))
    };
    let events = proof
        .get("payload")
        .and_then(|p| p.get("event_chain"))
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| inconsistent("the member has no non-empty event_chain to take its run_id from"))?;
    let mut run: Option<&str> = None;
    for (k, e) in events.iter().enumerate() {
        let id = e
            .get("run_id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| inconsistent(&format!("event_chain[{k}].run_id is not a non-empty string")))?;
        match run {
            None => run = Some(id),
            Some(r) if r != id => {
                return Err(inconsistent(&format!(
                    "event_chain[{k}].run_id {id:?} differs from {r:?}"
                )))
            }
            Some(_) => {}
        }
    }
    run.ok_or_else(|| inconsistent("the member has no run_id"))
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

/// One member's rate-limit claim as the sums read it.
struct Claim<'v> {
    /// scope, scope_key, window_start, window_end: what claims are summed by.
    key: [&'v str; 4],
    max_requests: f64,
    observed_requests: f64,
    tokens_in: (Option<f64>, Option<f64>),
    tokens_out: (Option<f64>, Option<f64>),
}

/// Read a claim in the reference order: the window, then the counts (the member's payload
/// schema already required its strings).
fn read_claim<'v>(claim: &'v Value, at: &str) -> Result<Claim<'v>, Failure> {
    let inconsistent = |why: &str| {
        fail(
            "aggregate.rate_limit",
            ReasonCode::RateLimitClaimInconsistent,
            format!("{at}: {why}"),
        )
        .at_path(at)
    };
    let text = |f: &str| claim.get(f).and_then(Value::as_str);
    let (Some(window_start), Some(window_end)) = (text("window_start"), text("window_end")) else {
        return Err(inconsistent("the window timestamps are not date-times"));
    };
    let (Some(start), Some(end)) = (parse_rfc3339(window_start), parse_rfc3339(window_end)) else {
        return Err(inconsistent("the window timestamps are not date-times"));
    };
    if start > end {
        return Err(fail(
            "aggregate.rate_limit",
            ReasonCode::RateLimitWindowInvalid,
            format!("{at}: window_start is after window_end"),
        )
        .at_path(at));
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
    let tokens_in = pair("max_tokens_input", "observed_tokens_input")?;
    let tokens_out = pair("max_tokens_output", "observed_tokens_output")?;
    let (Some(scope), Some(scope_key)) = (text("scope"), text("scope_key")) else {
        return Err(inconsistent("scope and scope_key must be strings"));
    };
    Ok(Claim {
        key: [scope, scope_key, window_start, window_end],
        max_requests,
        observed_requests,
        tokens_in,
        tokens_out,
    })
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
            let c = read_claim(claim, &at)?;
            let [scope, scope_key, start, end] = c.key;
            let key = format!("{agent}|{scope}|{scope_key}|{start}|{end}");
            let ((max_in, obs_in), (max_out, obs_out)) = (c.tokens_in, c.tokens_out);
            match self.totals.get_mut(&key) {
                None => {
                    self.order.push(key.clone());
                    self.totals.insert(
                        key,
                        RateTotal {
                            max_requests: c.max_requests,
                            observed_requests: c.observed_requests,
                            max_in,
                            observed_in: obs_in.unwrap_or(0.0),
                            max_out,
                            observed_out: obs_out.unwrap_or(0.0),
                            first: at,
                        },
                    );
                }
                Some(t) => {
                    if t.max_requests != c.max_requests || t.max_in != max_in || t.max_out != max_out {
                        return Err(fail(
                            "aggregate.rate_limit",
                            ReasonCode::RateLimitClaimInconsistent,
                            format!("{at}: its limits differ from another member's claim for the same agent, scope and window"),
                        )
                        .at_path(at));
                    }
                    t.observed_requests += c.observed_requests;
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
    let schema = schema_failure("aggregate.schema", "aggregate envelope");
    let o = Obj::new(value, Path::ROOT).map_err(schema)?;
    let view = check_schema(&o).map_err(schema)?;
    let findings = &mut out.findings;
    findings.pass(
        "aggregate.schema",
        "the envelope has the aggregate_bundle_envelope.v1 shape",
    );

    check_signer(&view)?;
    findings.pass("aggregate.signer", format!("signer and issuer are {}", view.issuer_did));

    check_dates(
        view.created_at,
        view.issued_at,
        &[
            ("payload.expires_at", view.payload_expires_at),
            ("expires_at", view.expires_at),
        ],
        ctx,
        "aggregate bundle",
    )?;
    findings.pass(
        "aggregate.dates",
        "created ≤ issued, not issued in the future, not expired",
    );

    check_payload_signature(&view)?;
    findings.pass(
        "aggregate.signature",
        format!(
            "payload hash {} is signed by {}",
            view.payload_hash_b64u, view.signer_did
        ),
    );

    let addresses = check_member_order(view.members)?;
    findings.pass(
        "aggregate.member_order",
        format!("{} members in strictly ascending JCS-hash order", view.members.len()),
    );

    check_manifest(&view.manifest, &addresses)?;
    findings.pass(
        "aggregate.manifest",
        "the manifest matches every member (JCS hash and size)",
    );

    // Verify every member now, in parallel; the ordered checks read the verdicts.
    let verdicts: Vec<Result<VerifiedMember, Failure>> =
        view.members.par_iter().map(|m| verify_member(m, ctx)).collect();
    let members = check_members(&view, &verdicts, ctx)?;
    findings.pass(
        "aggregate.members",
        format!(
            "{} members verified; ids unique; no replayed receipts or conflicting spans",
            view.members.len()
        ),
    );
    members.rates.check_sums()?;
    findings.pass(
        "aggregate.rate_limits",
        "summed rate-limit claims stay within their limits",
    );

    let fleet = members.fleet.unwrap_or(ProofTier::Unknown);
    check_fleet_summary(&view.fleet_summary, view.members.len(), &members, fleet)?;
    findings.pass("aggregate.fleet_summary", "the fleet summary matches the members");
    out.fleet_proof_tier = Some(fleet);
    Ok(())
}

/// DID syntax of signer and issuer, then signer = issuer.
fn check_signer(view: &AggregateView<'_>) -> Result<(), Failure> {
    let (signer, issuer) = (view.signer_did, view.issuer_did);
    if !crypto::did::is_valid_did_syntax(signer) || !crypto::did::is_valid_did_syntax(issuer) {
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
    Ok(())
}

/// The payload hash (JSS, SHA-256 only), then the signature over it.
fn check_payload_signature(view: &AggregateView<'_>) -> Result<(), Failure> {
    if view.hash_algorithm != "SHA-256" {
        return Err(fail(
            "aggregate.payload_hash",
            ReasonCode::UnknownHashAlgorithm,
            format!(
                "the aggregate uses hash_algorithm {}, only SHA-256 is implemented",
                describe_text(view.hash_algorithm)
            ),
        ));
    }
    let claimed = view.payload_hash_b64u;
    let computed = sha256_b64u(jss::to_string(view.payload).as_bytes());
    if computed != claimed {
        return Err(fail(
            "aggregate.payload_hash",
            ReasonCode::HashMismatch,
            format!("the aggregate payload hashes to {computed}, but payload_hash_b64u says {claimed}"),
        ));
    }
    let signer = view.signer_did;
    let key = envelope::signer_key(signer, "aggregate bundle").map_err(|mut f| {
        f.check = "aggregate.signature";
        f
    })?;
    let sig = b64u_decode(view.signature_b64u).map_err(|_| {
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
    })
}

/// Every member's JCS hash and size, the hashes strictly ascending (no copies).
fn check_member_order(members: &[Value]) -> Result<Vec<(String, usize)>, Failure> {
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
    Ok(addresses)
}

/// What the per-member checks add up to.
struct MemberTotals<'a> {
    agents: HashSet<&'a str>,
    run_ids: HashSet<&'a str>,
    /// The weakest member tier.
    fleet: Option<ProofTier>,
    rates: RateTotals,
}

/// Per member, in index order: its proof, run id and expiry, its verdict, then the
/// cross-member, identity, TTL, duplicate-id and rate-limit rules.
fn check_members<'a>(
    view: &AggregateView<'a>,
    verdicts: &'a [Result<VerifiedMember, Failure>],
    ctx: &VerifyContext,
) -> Result<MemberTotals<'a>, Failure> {
    let mut cross = CrossMember::default();
    let mut bundle_ids = HashSet::new();
    let mut totals = MemberTotals {
        agents: HashSet::new(),
        run_ids: HashSet::new(),
        fleet: None,
        rates: RateTotals::default(),
    };
    for (i, (member, verdict)) in view.members.iter().zip(verdicts).enumerate() {
        let at = member_at(i);
        let proof = member_proof(member).ok_or_else(|| {
            fail(
                "aggregate.member",
                ReasonCode::AggregateBundleInvalid,
                format!("member {i} is neither a proof-bundle envelope nor an export bundle"),
            )
            .at_path(at.clone())
        })?;
        let run_id = member_run_id(i, proof)?;
        let member_expires = member_expiry(i, member)?;
        let verified = verdict.as_ref().map_err(|inner| {
            fail(
                "aggregate.member",
                ReasonCode::AggregateMemberInvalid,
                format!("member {i} failed verification: {} {}", inner.code, inner.detail),
            )
            .at_path(inner.json_path().map_or(at.clone(), |a| format!("{at}.{a}")))
        })?;
        cross.check(i, proof, run_id)?;
        check_member_identity_and_ttl(i, verified, member_expires, view, ctx)?;
        if !bundle_ids.insert(verified.bundle_id.as_str()) {
            return Err(fail(
                "aggregate.duplicate_ids",
                ReasonCode::AggregateDuplicateBundleId,
                format!("member {i} repeats bundle_id {:?}", verified.bundle_id),
            )
            .at_path(at));
        }
        if !totals.run_ids.insert(run_id) {
            return Err(fail(
                "aggregate.duplicate_ids",
                ReasonCode::AggregateDuplicateRunId,
                format!("member {i} repeats run_id {run_id:?}"),
            )
            .at_path(at));
        }
        totals.rates.add_member(i, proof, &verified.agent_did)?;
        totals.agents.insert(&verified.agent_did);
        let tier = verified.proof_tier;
        totals.fleet = Some(totals.fleet.map_or(tier, |t| t.min(tier)));
    }
    Ok(totals)
}

/// A member's own `expires_at`, which must be a date-time when present.
fn member_expiry(i: usize, member: &Value) -> Result<Option<Millis>, Failure> {
    match member.get("expires_at") {
        None => Ok(None),
        Some(v) => v.as_str().and_then(parse_rfc3339).map(Some).ok_or_else(|| {
            fail(
                "aggregate.member_expiry",
                ReasonCode::AggregateBundleInvalid,
                format!("member {i} has expires_at {}, not a date-time", describe(Some(v))),
            )
            .at_path(member_at(i))
        }),
    }
}

/// Issuer ≠ member agent, aggregate TTL ≤ member TTL, member not expired.
fn check_member_identity_and_ttl(
    i: usize,
    member: &VerifiedMember,
    member_expires: Option<Millis>,
    view: &AggregateView<'_>,
    ctx: &VerifyContext,
) -> Result<(), Failure> {
    let at = member_at(i);
    if member.agent_did == view.issuer_did {
        return Err(fail(
            "aggregate.identity",
            ReasonCode::IdentityConflict,
            format!(
                "member {i} is a bundle of agent {}, which also issued the aggregate",
                view.issuer_did
            ),
        )
        .at_path(at));
    }
    if let (Some(agg), Some(mem)) = (view.payload_expires_at, member_expires) {
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
    Ok(())
}

/// The declared fleet summary against the members.
fn check_fleet_summary(
    declared: &FleetSummary<'_>,
    members: usize,
    totals: &MemberTotals<'_>,
    fleet: ProofTier,
) -> Result<(), Failure> {
    for (field, claimed, actual) in [
        ("total_members", declared.total_members, members),
        ("unique_agents", declared.unique_agents, totals.agents.len()),
        ("total_runs", declared.total_runs, totals.run_ids.len()),
    ] {
        if claimed != actual as f64 {
            return Err(fail(
                "aggregate.fleet_summary",
                ReasonCode::FleetSummaryMismatch,
                format!("fleet_summary.{field} is {claimed}, the members give {actual}"),
            ));
        }
    }
    if let Some(tier) = declared.fleet_proof_tier {
        if tier != fleet.as_str() {
            return Err(fail(
                "aggregate.fleet_summary",
                ReasonCode::FleetSummaryMismatch,
                format!(
                    "fleet_summary.fleet_proof_tier is {tier:?}, the weakest member tier is {:?}",
                    fleet.as_str()
                ),
            ));
        }
    }
    Ok(())
}

/// Manifest entries `artifacts/member_bundles/<i>.json`, with the aggregate codes.
fn check_manifest(entries: &[ManifestEntry<'_>], addresses: &[(String, usize)]) -> Result<(), Failure> {
    let mut by_path = HashMap::new();
    for e in entries {
        if by_path.insert(e.path, e).is_some() {
            return Err(fail(
                "aggregate.manifest",
                ReasonCode::AggregateBundleInvalid,
                format!("the aggregate manifest lists {:?} twice", e.path),
            ));
        }
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
        if entry.sha256_b64u != hash.as_str() {
            return Err(fail(
                "aggregate.manifest",
                ReasonCode::HashMismatch,
                format!("the manifest hash of {path} is not the member's JCS hash {hash}"),
            )
            .at_path(path));
        }
        if entry.content_type != "application/json" {
            return Err(fail(
                "aggregate.manifest",
                ReasonCode::AggregateBundleInvalid,
                format!("the manifest content_type of {path} is not \"application/json\""),
            )
            .at_path(path));
        }
        if entry.size_bytes != size as f64 {
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
