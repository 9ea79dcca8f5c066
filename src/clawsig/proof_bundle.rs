//! Proof-bundle verification in the reference verifier's check order (§6.1), with the
//! stricter rules of spec 00 ("Strictness") and §8 layered on top.
//!
//! Performance: the payload is parsed once, and the order-free work runs up front (on the
//! rayon pool from 32 receipts): every signature of the bundle in one batch on one side of a
//! join; on the other, the ordered checks up to the envelope signature, then the hashing (the
//! payload's JSS streamed once, each receipt's payload hash taken from its slice), each
//! receipt's checks before its signature, the event chain and the causal rules. The ordered
//! pass after the join only consults those results and reports each verdict at its place, so
//! codes and order stay those of the reference.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use super::bundle_digests;
use super::envelope::{self, Envelope, HeaderRules};
use super::event_chain::{self, VerifiedChain};
use super::gateway_receipts::{self, GatewayReceiptInfo, SchemaCheck};
use super::payload::PayloadView;
use super::side_receipts::SideKind;
use super::signatures::SignatureCache;
use super::tiers::{self, ProofTier};
use super::{attestations, causal, payload, rate_limit, side_receipts, tool_receipts, urm};
use crate::context::VerifyContext;
use crate::crypto::{parse_did_key, DidKeyError, PublicKey};
use crate::json::{self, Value};
use crate::reason::ReasonCode;
use crate::report::{Counts, Failure, Findings, Kind, SubjectReport};
use crate::schema_rules::schema_failure;
use crate::timeutil::Millis;

/// Receipt counts from which the pre-pass runs on the rayon pool (below it, starting the
/// pool costs more than it saves).
const PARALLEL_RECEIPTS: usize = 32;

/// Metadata evidence (§3.8) that we do not verify yet: a bundle carrying any of it FAILs.
const UNSUPPORTED_METADATA: [&str; 7] = [
    "policy_binding",
    "data_handling",
    "runner_measurement",
    "runner_attestation_receipt",
    "reviewer_signoff_receipts",
    "prompt_pack",
    "system_prompt_report",
];

#[derive(Clone, Copy, Debug, Default)]
pub struct ProofBundleOptions<'a> {
    /// Apply the CLI strict receipt rule (§3.4), extended to every gateway receipt.
    pub strict_receipts: bool,
    /// The URM document bytes, when the bundle references one.
    pub urm: Option<&'a [u8]>,
    /// Tolerance for the envelope's `expires_at` (the reference default is 0).
    pub ttl_skew_ms: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BundleCounts {
    pub events: usize,
    pub receipts: usize,
    pub receipts_signature_verified: usize,
    pub receipts_verified: usize,
    pub tool_receipts: usize,
    pub side_effect_receipts: usize,
    pub human_approval_receipts: usize,
    pub attestations: usize,
    pub attestations_verified: usize,
}

/// What the bundle says, for reports and for callers that cross-check it (sealed bundles).
#[derive(Clone, Debug, Default)]
pub struct BundleSummary {
    pub bundle_id: String,
    pub agent_did: String,
    /// The envelope's `payload_hash_b64u` (what exports and attestations link to).
    pub payload_hash_b64u: String,
    pub run_id: Option<String>,
    pub event_hashes: Vec<String>,
    pub expires_at: Option<Millis>,
    pub gateway_receipts: Vec<GatewayReceiptInfo>,
    pub rate_limit_claims: Vec<Value>,
    pub counts: BundleCounts,
}

#[derive(Clone, Debug)]
pub struct ProofBundleOutcome {
    pub findings: Findings,
    pub failure: Option<Failure>,
    pub proof_tier: ProofTier,
    pub trust_tier: &'static str,
    pub summary: BundleSummary,
}

struct Run<'v> {
    findings: Findings,
    summary: BundleSummary,
    chain: Option<VerifiedChain<'v>>,
}

/// Verify a proof bundle (a SignedEnvelope) at `ctx.at`.
pub fn verify_proof_bundle(value: &Value, ctx: &VerifyContext, opts: &ProofBundleOptions) -> ProofBundleOutcome {
    verify_parsed_under_caps(value, &[], ctx, opts)
}

/// `verify_proof_bundle` for a document parsed under `payload::COUNT_CAPS`: `overflow` is
/// what the parser found over the caps (its arrays hold only their first elements). The count
/// check takes those arrays' counts from it; a caller passes a truncated document only when
/// the counts refuse it (`payload::refused_by_counts`), so nothing reads the missing elements.
pub fn verify_parsed_under_caps(
    value: &Value,
    overflow: &[json::Overflow],
    ctx: &VerifyContext,
    opts: &ProofBundleOptions,
) -> ProofBundleOutcome {
    let mut run = Run {
        findings: Findings::new(),
        summary: BundleSummary::default(),
        chain: None,
    };
    match verify_inner(value, overflow, ctx, opts, &mut run) {
        Ok((proof_tier, trust_tier)) => ProofBundleOutcome {
            findings: run.findings,
            failure: None,
            proof_tier,
            trust_tier,
            summary: run.summary,
        },
        Err(failure) => {
            run.findings.record(&failure);
            ProofBundleOutcome {
                findings: run.findings,
                failure: Some(failure),
                proof_tier: ProofTier::Unknown,
                trust_tier: "unknown",
                summary: run.summary,
            }
        }
    }
}

fn verify_inner<'v>(
    value: &'v Value,
    overflow: &[json::Overflow],
    ctx: &VerifyContext,
    opts: &ProofBundleOptions,
    run: &mut Run<'v>,
) -> Result<(ProofTier, &'static str), Failure> {
    let label = "proof bundle";
    let env = check_envelope(value, ctx, opts, run, label)?;
    let p = env.payload;
    // Over a count limit: refused before any per-item work.
    payload::check_counts(p, overflow)?;

    // Every signature of the bundle goes into one batch, verified on one side of a rayon
    // join while the other side runs the ordered checks up to the envelope signature and
    // the order-free hashing; nothing reads a signature result before the join, so codes
    // and order stay those of the reference. Bundles over the count limits (which the
    // structure check refuses) are not batched early.
    let receipts = payload::normalized_receipts(p);
    let mut cache = SignatureCache::new();
    let batch_early = within_batch_limits(p, receipts.len());
    let parallel = receipts.len() >= PARALLEL_RECEIPTS;
    let (_, before) = join_if(
        parallel && batch_early,
        || {
            if batch_early {
                queue_signatures(&env, &receipts, &mut cache);
                cache.run();
            }
        },
        || checks_before_signature(&env, &receipts, ctx, run, label),
    );
    let mut pre = before?;
    if !batch_early {
        queue_signatures(&env, &receipts, &mut cache);
        cache.run();
    }
    check_envelope_signature(&env, std::mem::take(&mut pre.payload_hash), &mut cache, label)?;
    run.findings.pass(
        "envelope.signature",
        format!("payload hash and signature by {} verify", env.signer_did),
    );

    run.chain = pre.chain?;
    let chain = run.chain.as_ref();
    report_chain(chain, &mut pre.event_hashes, &mut run.findings, &mut run.summary);
    let run_id = chain.and_then(|c| c.run_id);
    let urm_valid = check_claims_and_references(p, run_id, chain, ctx, opts, &mut run.findings, &mut run.summary)?;

    let infos = finish_gateway_receipts(pre.receipts, &mut cache, &mut run.findings);
    let verified = count_gateway_receipts(&infos, &mut run.findings, &mut run.summary);
    let receipts_valid = !infos.is_empty() && verified == infos.len();

    let agent_did = pre.view.agent_did;
    let counts = &mut run.summary.counts;
    counts.tool_receipts =
        tool_receipts::verify_tool_receipts(p, agent_did, chain, ctx.at, opts.ttl_skew_ms, &mut cache)?;
    counts.side_effect_receipts = side_receipts::verify_side_receipts(p, agent_did, SideKind::SideEffect)?;
    counts.human_approval_receipts = side_receipts::verify_side_receipts(p, agent_did, SideKind::HumanApproval)?;
    run.findings.pass(
        "tool_and_side_receipts",
        "tool, side-effect and approval receipts are consistent",
    );

    // The causal rules ran in the pre-pass (pure functions of the receipts); their verdicts
    // are reported here, in the reference order.
    // Precedence: the reference's rule (same receipt_id, DIFFERENT payload →
    // CAUSAL_RECEIPT_REPLAY_DETECTED) runs first, exactly where the reference runs it, so its
    // code is unchanged. Our stricter rule (any repeated receipt_id, i.e. an identical copy,
    // or a repeated binding nonce → RECEIPT_REPLAY) runs immediately after it, before the
    // causal graph rules. No conformance vector repeats a receipt, so none is affected.
    pre.causal?;
    run.findings
        .pass("causal", "causal bindings, replay and anchoring rules hold");

    let att_ok = report_attestations(p, agent_did, ctx, &mut cache, &mut run.findings, &mut run.summary);
    let proof_tier = tiers::proof_tier(att_ok, verified);
    let trust_tier = tiers::trust_tier(urm_valid, chain.is_some(), receipts_valid, false);
    run.summary.gateway_receipts = infos;

    if opts.strict_receipts {
        check_strict_receipts(&run.summary.gateway_receipts, ctx)?;
        run.findings.pass(
            "receipts.strict",
            "every gateway receipt verifies against the allowlist",
        );
    }
    Ok((proof_tier, trust_tier))
}

/// §6.1 steps 1–2: a SignedEnvelope (W1: a bare payload is never "verified", though the
/// reference accepts it unsigned), its header, then its schema.
fn check_envelope<'v>(
    value: &'v Value,
    ctx: &VerifyContext,
    opts: &ProofBundleOptions,
    run: &mut Run<'v>,
    label: &str,
) -> Result<Envelope<'v>, Failure> {
    if !envelope::is_envelope_shaped(value) {
        return Err(Failure::new(
            "envelope.shape",
            ReasonCode::MalformedEnvelope,
            "the input is not a SignedEnvelope (envelope_version, payload and signature_b64u are required); an unsigned payload cannot be verified",
        ));
    }
    let mut rules = HeaderRules::clawsig("proof_bundle");
    rules.expiry = Some((ctx.at, opts.ttl_skew_ms));
    let env = envelope::parse_header(value, &rules, label)?;
    run.summary.expires_at = env.expires_at;
    run.summary.payload_hash_b64u = env.payload_hash_b64u.to_string();
    run.findings.pass(
        "envelope.header",
        "envelope version, type, algorithms, signer DID syntax, dates and encodings are acceptable",
    );
    payload::check_envelope_schema(value).map_err(schema_failure("envelope.schema", label))?;
    Ok(env)
}

/// The payload hash (computed in the pre-pass), the signer's key and the envelope signature
/// (verified in the batch).
fn check_envelope_signature(
    env: &Envelope<'_>,
    payload_hash: String,
    cache: &mut SignatureCache,
    label: &str,
) -> Result<(), Failure> {
    env.check_payload_hash_with(label, || payload_hash)?;
    let key = cache
        .key(env.signer_did)
        .map_err(|e| gateway_receipts::key_failure(&e, label))?;
    let sig = envelope::decode_signature(env.signature_b64u, label)?;
    if !cache.verifies(env.signer_did, &key, env.payload_hash_b64u.as_bytes(), &sig) {
        return Err(envelope::signature_failure(label, "Ed25519 verification failed"));
    }
    Ok(())
}

/// The event chain's verdict (already computed) at its place in the order.
fn report_chain(
    chain: Option<&VerifiedChain<'_>>,
    event_hashes: &mut Vec<String>,
    findings: &mut Findings,
    summary: &mut BundleSummary,
) {
    if let Some(c) = chain {
        summary.run_id = c.run_id.map(str::to_string);
        summary.event_hashes = std::mem::take(event_hashes);
        summary.counts.events = c.hashes.len();
        findings.pass(
            "event_chain",
            format!("{} events link and hash correctly", c.hashes.len()),
        );
    } else {
        findings.skip("event_chain", "the bundle has no event chain");
    }
}

/// Rate-limit claims, the metadata evidence we cannot verify, then the URM; whether the
/// bundle's URM document verified.
fn check_claims_and_references(
    p: &Value,
    run_id: Option<&str>,
    chain: Option<&VerifiedChain<'_>>,
    ctx: &VerifyContext,
    opts: &ProofBundleOptions,
    findings: &mut Findings,
    summary: &mut BundleSummary,
) -> Result<bool, Failure> {
    let claims = rate_limit::verify_rate_limit_claims(p, run_id)?;
    summary.rate_limit_claims = p
        .get("rate_limit_claims")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if claims > 0 {
        findings.pass(
            "rate_limit_claims",
            format!("{claims} rate-limit claims are consistent"),
        );
    }

    check_metadata_evidence(p)?;

    let urm_valid = urm::verify_urm(p, opts.urm, &ctx.limits.json, run_id, chain.and_then(|c| c.root()))?;
    if urm_valid {
        findings.pass("urm", "the URM document matches the bundle and its hash");
    }
    Ok(urm_valid)
}

/// Gateway receipts: per-receipt results only (the core rule is non-fatal). Everything but
/// the signature lookup ran in the pre-pass; finish each receipt in order. (Collected in
/// place: the infos reuse the pre-pass vector's memory.)
fn finish_gateway_receipts(
    receipts: Vec<ReceiptPre<'_>>,
    cache: &mut SignatureCache,
    findings: &mut Findings,
) -> Vec<GatewayReceiptInfo> {
    receipts
        .into_iter()
        .enumerate()
        .map(|(i, pre)| {
            let mut info = pre.info;
            let checked = pre.fields.and_then(|e| {
                let (key, sig) = pre.signature?;
                if cache.verifies(e.signer_did, &key, e.payload_hash_b64u.as_bytes(), &sig) {
                    Ok(())
                } else {
                    Err(envelope::signature_failure(
                        &receipt_label(i),
                        "Ed25519 verification failed",
                    ))
                }
            });
            match checked {
                Ok(()) => info.signature_valid = true,
                Err(f) => {
                    findings.warn("gateway_receipt", f.code, f.detail.clone());
                    info.failure = Some(f.at_path(format!("payload.receipts[{i}]")));
                }
            }
            info.bound = pre.bound;
            info
        })
        .collect()
}

/// The gateway-receipt counts and their check; how many verified and are bound.
fn count_gateway_receipts(infos: &[GatewayReceiptInfo], findings: &mut Findings, summary: &mut BundleSummary) -> usize {
    let sig_ok = infos.iter().filter(|i| i.signature_valid).count();
    let verified = infos.iter().filter(|i| i.signature_valid && i.bound).count();
    summary.counts.receipts = infos.len();
    summary.counts.receipts_signature_verified = sig_ok;
    summary.counts.receipts_verified = verified;
    if !infos.is_empty() {
        findings.pass(
            "gateway_receipts",
            format!("{verified} of {} gateway receipts verified and bound", infos.len()),
        );
    }
    verified
}

/// Attestations are non-fatal: each one that does not count is a warning. How many verified.
fn report_attestations(
    p: &Value,
    agent_did: &str,
    ctx: &VerifyContext,
    cache: &mut SignatureCache,
    findings: &mut Findings,
    summary: &mut BundleSummary,
) -> usize {
    let att = attestations::verify_attestations(p, agent_did, ctx, cache);
    let att_ok = att.iter().filter(|(ok, _)| *ok).count();
    for (ok, note) in &att {
        if !ok {
            findings.warn("attestation", ReasonCode::ClaimNotFound, note.clone());
        }
    }
    summary.counts.attestations = att.len();
    summary.counts.attestations_verified = att_ok;
    att_ok
}

/// The order-free results the ordered checks consult after the join.
struct Precomputed<'v> {
    /// `sha256_b64u(JSS(payload))`.
    payload_hash: String,
    /// Per normalized gateway receipt: its description and the checks before its signature.
    receipts: Vec<ReceiptPre<'v>>,
    /// The event chain's verdict (reported at its place in the order).
    chain: Result<Option<VerifiedChain<'v>>, Failure>,
    /// The verified chain's event hashes, as `BundleSummary::event_hashes`.
    event_hashes: Vec<String>,
    /// The causal rules' first failure, in their order: normalization, the reference replay
    /// rule, our strict replay rule, the graph rules, anchoring.
    causal: Result<(), Failure>,
    /// What the payload says, read once its schema passed.
    view: PayloadView<'v>,
}

struct ReceiptPre<'v> {
    info: GatewayReceiptInfo,
    /// `check_receipt_fields`.
    fields: Result<Envelope<'v>, Failure>,
    /// The signer key and decoded signature (`gateway_receipts::signature_inputs`), when
    /// `fields` passed.
    signature: Result<(PublicKey, Vec<u8>), Failure>,
    /// `gateway_receipts::is_bound` against the verified chain.
    bound: bool,
}

fn receipt_label(i: usize) -> String {
    format!("gateway receipt receipts[{i}]")
}

/// `rayon::join` when `parallel`, else `a` then `b` on this thread (no pool for small inputs).
fn join_if<A: Send, B: Send>(parallel: bool, a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    if parallel {
        rayon::join(a, b)
    } else {
        (a(), b())
    }
}

/// Signature counts a bundle can only have once its schema and structure checks passed:
/// only then are its signatures verified before those checks finish.
fn within_batch_limits(p: &Value, receipts: usize) -> bool {
    let items = |k: &str| p.get(k).and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    receipts <= payload::MAX_RECEIPTS
        && items("attestations").len() <= payload::MAX_ATTESTATIONS
        && items("tool_receipts").len() <= payload::MAX_SIDE_RECEIPTS
        && items("tool_receipts")
            .iter()
            .all(|t| t.get("co_signatures").and_then(Value::as_array).map_or(0, Vec::len) <= payload::MAX_CO_SIGNATURES)
}

/// Every signature the ordered checks will ask about.
fn queue_signatures(env: &Envelope<'_>, receipts: &[&Value], cache: &mut SignatureCache) {
    cache.queue_b64u(env.signer_did, env.payload_hash_b64u.as_bytes(), env.signature_b64u);
    for r in receipts {
        gateway_receipts::queue_signature(r, cache);
    }
    tool_receipts::queue_signatures(env.payload, cache);
    attestations::queue_signatures(env.payload, cache);
}

/// The ordered checks between the envelope schema and the envelope signature, then (when
/// they pass) the order-free work: hashes, per-receipt checks and the event chain.
fn checks_before_signature<'v>(
    env: &Envelope<'v>,
    receipts: &[&'v Value],
    ctx: &VerifyContext,
    run: &mut Run<'v>,
    label: &str,
) -> Result<Precomputed<'v>, Failure> {
    let p = env.payload;
    let view = payload::check_payload_schema(p).map_err(schema_failure("payload.schema", label))?;
    run.findings.pass(
        "payload.schema",
        "the envelope and payload match proof_bundle v1 and the schemas it references",
    );

    payload::check_structure(p, &view)?;
    run.summary.bundle_id = view.bundle_id.to_string();
    run.summary.agent_did = view.agent_did.to_string();
    run.findings.pass(
        "payload.structure",
        "counts, metadata sizes and event ids are within the limits",
    );

    if env.signer_did != view.agent_did {
        return Err(Failure::new(
            "envelope.signer_did",
            ReasonCode::InvalidDidFormat,
            format!(
                "the proof bundle is signed by {}, but its agent_did is {}",
                env.signer_did, view.agent_did
            ),
        ));
    }
    Ok(precompute(p, receipts, ctx, view))
}

fn precompute<'v>(p: &'v Value, receipts: &[&'v Value], ctx: &VerifyContext, view: PayloadView<'v>) -> Precomputed<'v> {
    let parallel = receipts.len() >= PARALLEL_RECEIPTS;
    // The JSS hash stream is sequential; the descriptions (with their JCS) and the event
    // chain proceed beside it.
    let (hashes, (described, (chain, event_hashes))) = join_if(
        parallel,
        || bundle_digests::jss_hashes(p),
        || {
            join_if(
                parallel,
                || {
                    map_items(parallel, receipts, |_, r| {
                        gateway_receipts::describe_receipt_with_jcs(r, bundle_digests::receipt_jcs(r))
                    })
                },
                || {
                    let chain = event_chain::verify_event_chain(p);
                    let hashes = match &chain {
                        Ok(Some(c)) => c.hashes.iter().map(|h| h.to_string()).collect(),
                        _ => Vec::new(),
                    };
                    (chain, hashes)
                },
            )
        },
    );
    // The payload schema already ran check_gateway_envelope on these receipts.
    let fields = map_items(parallel, receipts, |i, r| {
        let hash = hashes.receipts.get(i).map_or("", String::as_str);
        gateway_receipts::check_receipt_fields(r, hash, ctx, SchemaCheck::AlreadyPassed, &receipt_label(i))
    });
    let keys = signer_keys(&fields);
    let verified_chain = chain.as_ref().ok().and_then(Option::as_ref);
    let tails = map_items(parallel, receipts, |i, r| {
        let signature = match fields.get(i) {
            Some(Ok(env)) => {
                let key = keys
                    .get(env.signer_did)
                    .cloned()
                    .unwrap_or_else(|| parse_did_key(env.signer_did));
                gateway_receipts::signature_inputs(env, key, &receipt_label(i))
            }
            // Never consulted: the receipt already failed.
            _ => Err(Failure::new("envelope.signature", ReasonCode::SignatureInvalid, "")),
        };
        (signature, gateway_receipts::is_bound(r, verified_chain))
    });
    let causal = causal_verdict(p, receipts, &described);
    let receipts = described
        .into_iter()
        .zip(fields)
        .zip(tails)
        .map(|((info, fields), (signature, bound))| ReceiptPre {
            info,
            fields,
            signature,
            bound,
        })
        .collect();
    Precomputed {
        payload_hash: hashes.payload,
        receipts,
        chain,
        event_hashes,
        causal,
        view,
    }
}

/// `f(i, item)` for every item, on the rayon pool when `parallel`, results in item order.
fn map_items<'v, T: Send>(
    parallel: bool,
    items: &[&'v Value],
    f: impl Fn(usize, &'v Value) -> T + Sync + Send,
) -> Vec<T> {
    if parallel {
        items.par_iter().enumerate().map(|(i, v)| f(i, v)).collect()
    } else {
        items.iter().enumerate().map(|(i, v)| f(i, v)).collect()
    }
}

/// The did:key of every distinct signer whose receipt reaches the signature step.
fn signer_keys<'v>(fields: &[Result<Envelope<'v>, Failure>]) -> HashMap<&'v str, Result<PublicKey, DidKeyError>> {
    let mut keys = HashMap::new();
    for env in fields.iter().flatten() {
        keys.entry(env.signer_did)
            .or_insert_with(|| parse_did_key(env.signer_did));
    }
    keys
}

/// The causal rules of the ordered pass, in its order; the first failure wins.
fn causal_verdict(p: &Value, receipts: &[&Value], infos: &[GatewayReceiptInfo]) -> Result<(), Failure> {
    let entries = causal::normalize(receipts)?;
    let ids: Vec<(&str, &str)> = infos
        .iter()
        .map(|i| (i.receipt_id.as_str(), i.payload_jcs.as_str()))
        .collect();
    causal::check_receipt_replay(&ids)?;
    check_strict_replay(infos)?;
    causal::check_graph(&entries)?;
    let declared: HashSet<String> = entries.iter().filter_map(|e| e.span_id.clone()).collect();
    causal::check_anchoring(p, &declared)
}

fn check_metadata_evidence(p: &Value) -> Result<(), Failure> {
    let Some(meta) = p.get("metadata") else { return Ok(()) };
    let mut present: Vec<String> = UNSUPPORTED_METADATA
        .iter()
        .filter(|k| meta.get(k).is_some())
        .map(|k| format!("metadata.{k}"))
        .collect();
    if meta
        .get("sentinels")
        .and_then(|s| s.get("interpose_state"))
        .and_then(|s| s.get("cldd"))
        .is_some()
    {
        present.push("metadata.sentinels.interpose_state.cldd".into());
    }
    if meta
        .get("sentinels")
        .and_then(|s| s.get("egress_policy_receipt"))
        .is_some()
    {
        present.push("metadata.sentinels.egress_policy_receipt".into());
    }
    match present.first() {
        None => Ok(()),
        Some(first) => Err(Failure::new(
            "metadata.evidence",
            ReasonCode::UnsupportedEvidence,
            format!("the proof bundle carries {first}, evidence clawaudit cannot verify yet, so it cannot pass"),
        )
        .at_path(format!("payload.{first}"))),
    }
}

/// Stricter than the reference (W6): a receipt_id or binding nonce used twice is a replay.
fn check_strict_replay(infos: &[GatewayReceiptInfo]) -> Result<(), Failure> {
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut nonces: HashMap<&str, usize> = HashMap::new();
    for (i, info) in infos.iter().enumerate() {
        if let Some(first) = ids.insert(info.receipt_id.as_str(), i) {
            return Err(Failure::new(
                "receipts.replay",
                ReasonCode::ReceiptReplay,
                format!(
                    "receipts[{i}] repeats receipt_id \"{}\" of receipts[{first}]",
                    info.receipt_id
                ),
            )
            .at_path(format!("payload.receipts[{i}]")));
        }
        if let Some(n) = info.nonce.as_deref() {
            if let Some(first) = nonces.insert(n, i) {
                return Err(Failure::new(
                    "receipts.replay",
                    ReasonCode::ReceiptReplay,
                    format!("receipts[{i}] repeats the binding nonce \"{n}\" of receipts[{first}]"),
                )
                .at_path(format!("payload.receipts[{i}]")));
            }
        }
    }
    Ok(())
}

/// The CLI strict rule of §3.4, then its extension to unbound receipts (W6).
fn check_strict_receipts(infos: &[GatewayReceiptInfo], ctx: &VerifyContext) -> Result<(), Failure> {
    let no_allowlist = ctx.trust.gateways.is_empty();
    let claimed: Vec<&GatewayReceiptInfo> = infos.iter().filter(|i| i.claims_binding).collect();
    let n = claimed.len();
    if n > 0 {
        if no_allowlist {
            return Err(Failure::new(
                "receipts.strict",
                ReasonCode::DependencyNotConfigured,
                format!(
                    "the proof bundle has {n} bound gateway receipts, but no gateway signers are configured (--trust)"
                ),
            ));
        }
        let verified = infos.iter().filter(|i| i.signature_valid && i.bound).count();
        if verified != n {
            let all_signed = claimed.iter().all(|i| i.signature_valid);
            let (code, why) = if all_signed {
                (
                    ReasonCode::ReceiptBindingMismatch,
                    "are not bound to this bundle's event chain",
                )
            } else {
                (ReasonCode::ReceiptVerificationFailed, "do not verify")
            };
            return Err(Failure::new(
                "receipts.strict",
                code,
                format!("{} of {n} bound gateway receipts {why}", n - verified.min(n)),
            ));
        }
    }
    if let Some((i, bad)) = infos.iter().enumerate().find(|(_, i)| !i.signature_valid) {
        let code = if no_allowlist {
            ReasonCode::DependencyNotConfigured
        } else {
            ReasonCode::ReceiptVerificationFailed
        };
        let why = bad.failure.as_ref().map(|f| f.detail.clone()).unwrap_or_default();
        return Err(Failure::new(
            "receipts.strict",
            code,
            format!("gateway receipt receipts[{i}] does not verify: {why}"),
        )
        .at_path(format!("payload.receipts[{i}]")));
    }
    Ok(())
}

/// Subject entry: kind proof-bundle, strict receipt rule on, tiers and facts on the report.
/// `urm` is the run's URM document, when one was given; `overflow` as for
/// `verify_parsed_under_caps` (empty for a document parsed whole).
pub fn verify_subject(
    path: &str,
    value: &Value,
    overflow: &[json::Overflow],
    urm: Option<&[u8]>,
    ctx: &VerifyContext,
) -> SubjectReport {
    let opts = ProofBundleOptions {
        strict_receipts: true,
        urm,
        ttl_skew_ms: 0,
    };
    let out = verify_parsed_under_caps(value, overflow, ctx, &opts);
    let mut report = SubjectReport::from_findings(path, Kind::ProofBundle, out.findings);
    if out.failure.is_none() {
        report.proof_tier = Some(out.proof_tier.as_str().to_string());
        report.trust_tier = Some(out.trust_tier.to_string());
    }
    let s = &out.summary;
    let facts = &mut report.facts;
    if !s.bundle_id.is_empty() {
        facts.bundle_id = Some(s.bundle_id.clone());
        facts.agent_did = Some(s.agent_did.clone());
    }
    facts.run_id = s.run_id.clone();
    let count = |n: usize| Some(n as u64);
    facts.counts = Counts {
        events: count(s.counts.events),
        gateway_receipts: count(s.counts.receipts),
        gateway_receipts_verified: count(s.counts.receipts_verified),
        tool_receipts: count(s.counts.tool_receipts),
        attestations_verified: count(s.counts.attestations_verified),
        ..Counts::default()
    };
    report
}
