//! The checks of spec 20 §5 step 7 on one gateway receipt against the run's policy, token
//! and subject, and across receipts (replay). Shared by the sealed-bundle verifier and the
//! rotation judge, which binds each receipt to its phase token (spec 30 §4).

use std::collections::HashMap;

use crate::clawsig::gateway_receipts::GatewayReceiptInfo;
use crate::policy::cst::TokenInfo;
use crate::policy::wpc::PolicyInfo;
use crate::policy::{node, CheckpointView};
use crate::reason::ReasonCode;
use crate::report::{Binding, Findings};
use crate::timeutil::{format_rfc3339, secs_to_ms};

/// One gateway receipt and where it came from.
pub struct ReceiptSeen<'a> {
    pub info: &'a GatewayReceiptInfo,
    /// The file path, or `artifacts/proof_bundle.json` for receipts inside the bundle.
    pub source: String,
    pub in_bundle: bool,
}

/// One receipt's bindings: policy, token scope, token window, run. The policy and scope
/// bindings are also pushed to `links`, named by `receipts.bindings` when they hold (the
/// check that reports the receipts' bindings as a whole) and by the failing check when not.
pub fn check_receipt_bindings(
    r: &ReceiptSeen,
    policy: Option<&PolicyInfo>,
    token: Option<&TokenInfo>,
    view: &CheckpointView,
    f: &mut Findings,
    links: &mut Vec<Binding>,
) {
    let src = r.source.as_str();
    let id = &r.info.receipt_id;
    let mut link = |from: &str, field: &str, failing_check: &str, holds: bool| {
        let check_id = if holds { "receipts.bindings" } else { failing_check };
        links.push(Binding::new(from, format!("receipt {field} ({src})"), check_id, holds));
    };
    if let Some(bound) = &r.info.policy_hash {
        let holds = policy.map(|p| p.hash_b64u.as_str()) == Some(bound.as_str());
        link(node::WPC_HASH, "binding.policy_hash", "receipts.policy", holds);
        if !holds {
            f.fail_in_entry(
                "receipts.policy",
                ReasonCode::ReceiptPolicyMismatch,
                src,
                match policy {
                    Some(p) => format!(
                        "gateway receipt {id} is bound to policy {bound}, not the bundle's WPC {}",
                        p.hash_b64u
                    ),
                    None => format!("gateway receipt {id} is bound to policy {bound}, but the bundle has no WPC"),
                },
            );
        }
    }
    if let Some(bound) = &r.info.token_scope_hash_b64u {
        let holds = token.map(|t| t.scope_hash_b64u.as_str()) == Some(bound.as_str());
        link(
            node::TOKEN_SCOPE_HASH,
            "binding.token_scope_hash_b64u",
            "receipts.scope",
            holds,
        );
        if !holds {
            f.fail_in_entry(
                "receipts.scope",
                ReasonCode::ReceiptScopeMismatch,
                src,
                match token {
                    Some(t) => format!(
                        "gateway receipt {id} is bound to token scope {bound}, not the bundle token's {}",
                        t.scope_hash_b64u
                    ),
                    None => {
                        format!("gateway receipt {id} is bound to token scope {bound}, but the bundle has no token")
                    }
                },
            );
        }
    }
    if let (Some(t), Some(ts)) = (token, r.info.timestamp) {
        let (from, to) = (secs_to_ms(t.iat), secs_to_ms(t.exp));
        if ts < from || ts > to {
            f.fail_in_entry(
                "receipts.token_window",
                ReasonCode::ReceiptOutsideTokenWindow,
                src,
                format!(
                    "gateway receipt {id} is dated {}, outside the token's window {} to {}",
                    format_rfc3339(ts),
                    format_rfc3339(from),
                    format_rfc3339(to)
                ),
            );
        }
    }
    if let (Some(want), Some(got)) = (&view.run_id, &r.info.run_id) {
        if want != got {
            f.fail_in_entry(
                "receipts.run",
                ReasonCode::ReceiptBindingMismatch,
                src,
                format!("gateway receipt {id} is bound to run {got}, but the checkpoint's subject is run {want}"),
            );
        }
    }
}

/// Duplicate `receipt_id` or `binding.nonce` is a replay. The same receipt carried both as a
/// file and inside the proof bundle (identical payload) is one receipt, not a replay.
pub fn check_receipt_replay(seen: &[ReceiptSeen], f: &mut Findings) {
    let mut ids: HashMap<&str, &ReceiptSeen> = HashMap::new();
    let mut nonces: HashMap<&str, &ReceiptSeen> = HashMap::new();
    for r in seen {
        let same_receipt =
            |first: &ReceiptSeen| first.in_bundle != r.in_bundle && first.info.payload_jcs == r.info.payload_jcs;
        if let Some(first) = ids.get(r.info.receipt_id.as_str()) {
            if !same_receipt(first) {
                f.fail_in_entry(
                    "receipts.replay",
                    ReasonCode::ReceiptReplay,
                    &r.source,
                    format!(
                        "receipt_id {} is used by {} and {}",
                        r.info.receipt_id, first.source, r.source
                    ),
                );
            }
            continue;
        }
        ids.insert(r.info.receipt_id.as_str(), r);
        if let Some(nonce) = r.info.nonce.as_deref() {
            if let Some(first) = nonces.get(nonce) {
                if !same_receipt(first) {
                    f.fail_in_entry(
                        "receipts.replay",
                        ReasonCode::ReceiptReplay,
                        &r.source,
                        format!("binding nonce {nonce} is used by {} and {}", first.source, r.source),
                    );
                }
            } else {
                nonces.insert(nonce, r);
            }
        }
    }
}
