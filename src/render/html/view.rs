//! What the templates show, built from the report model. Every value is copied or formatted
//! from `SubjectReport`, its `Facts` and its unjudged `Inspection`; nothing is decided here.
//! Strings stay plain text: the templates escape every one of them (autoescape).

use serde::Serialize;

use super::anchors::{anchors, Anchors};
use super::rotation::RotationTimeline;
use super::{SubjectExtras, RECEIPT_ROWS};
use crate::inspect::{Contents, Part, ReceiptFacts};
use crate::report::{Binding, Check, CheckStatus, Facts, GateFact, HashSubject, SubjectReport};

/// Proof and trust tiers the page knows; any other tier gets a neutral badge.
const KNOWN_TIERS: [&str; 5] = ["self", "gateway", "sandbox", "tee", "witnessed_web"];

#[derive(Serialize)]
pub struct SubjectPage {
    pub path: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub reason_code: &'static str,
    pub reason: String,
    pub tiers: Vec<Tier>,
    pub details: Vec<Detail>,
    pub bindings: Vec<BindingRow>,
    pub gates: Vec<GateView>,
    pub rotation: Option<RotationTimeline>,
    pub receipts: Option<Receipts>,
    pub trust_pulse: Option<TrustPulseView>,
    pub triage: Option<Triage>,
    pub anchors: Anchors,
    pub checks: Vec<CheckRow>,
    pub check_counts: CheckCounts,
    /// The subject's object of `--format json`, pretty-printed and already escaped for an
    /// element's text (`super::escape_text`): the template writes it with `|safe`.
    pub json_escaped: String,
}

#[derive(Serialize)]
pub struct Tier {
    pub label: &'static str,
    pub value: String,
    pub known: bool,
}

/// One row of the details grid. `short` is what the screen shows first for a long value
/// (a DID or a hash); the full value is always on the page, selectable.
#[derive(Serialize)]
pub struct Detail {
    pub label: String,
    pub value: String,
    pub short: Option<String>,
    pub code: bool,
}

#[derive(Serialize)]
pub struct BindingRow {
    pub from: String,
    pub to: String,
    pub holds: bool,
    pub check_id: String,
}

#[derive(Serialize)]
pub struct GateView {
    pub gate_id: String,
    pub plan_entry: String,
    pub quorum_met: bool,
    /// "2 of 2 distinct approvers, requester excluded".
    pub summary: String,
    pub approver_group: Option<String>,
    /// The plan's `summary`, as written (from the inspection).
    pub plan_summary: Option<String>,
    pub approvals: Vec<ApprovalRow>,
}

#[derive(Serialize)]
pub struct ApprovalRow {
    pub entry: String,
    pub subject: String,
    pub did: String,
    pub method: String,
    pub decision: String,
    pub at: String,
    pub counted: bool,
    pub why_not: String,
}

#[derive(Serialize)]
pub struct Receipts {
    pub total: usize,
    /// The first `RECEIPT_ROWS` rows, shown open.
    pub shown: Vec<ReceiptRow>,
    /// The rest, in a collapsed section.
    pub rest: Vec<ReceiptRow>,
}

#[derive(Serialize)]
pub struct ReceiptRow {
    pub label: String,
    pub provider: String,
    pub model: String,
    pub tokens: String,
    pub latency: String,
    pub at: String,
    /// `None`: no binding of this receipt was judged (a proof bundle on its own).
    pub bound: Option<bool>,
    pub binding_checks: String,
}

/// The self-reported Trust Pulse document of a sealed bundle, as written: tools with their
/// calls, files with their touches (empty when not stated).
#[derive(Serialize)]
pub struct TrustPulseView {
    pub entry: String,
    pub tools: Vec<Counted>,
    pub files: Vec<Counted>,
    /// Why the document could not be read, when it could not.
    pub unreadable: Option<String>,
}

#[derive(Serialize)]
pub struct Counted {
    pub name: String,
    pub count: String,
}

#[derive(Serialize)]
pub struct Triage {
    pub code: &'static str,
    pub title: &'static str,
    pub meaning: &'static str,
    pub causes: &'static [&'static str],
    pub next_steps: &'static [&'static str],
    pub check_id: String,
    pub artifact: Option<String>,
    pub detail: String,
}

#[derive(Serialize)]
pub struct CheckRow {
    pub id: String,
    pub status: &'static str,
    pub code: &'static str,
    pub detail: String,
    pub artifact: String,
}

#[derive(Serialize, Default)]
pub struct CheckCounts {
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub skip: usize,
}

pub fn subject_page(s: &SubjectReport, extras: &SubjectExtras) -> SubjectPage {
    let receipts = extras
        .inspection
        .as_ref()
        .map(|i| receipts(&i.contents, &s.facts.bindings));
    SubjectPage {
        path: s.path.clone(),
        kind: s.kind.as_str(),
        status: s.status.as_str(),
        reason_code: s.reason_code.as_str(),
        reason: s.reason.clone(),
        tiers: tiers(s),
        details: details(s, extras),
        bindings: s.facts.bindings.iter().map(binding_row).collect(),
        gates: s
            .facts
            .gates
            .iter()
            .map(|g| gate_view(g, plan_summary(&g.plan_entry, extras)))
            .collect(),
        rotation: extras.rotation.clone(),
        receipts: receipts.filter(|r| r.total > 0),
        trust_pulse: extras.inspection.as_ref().and_then(|i| trust_pulse(&i.contents)),
        triage: s.failing_check().map(triage),
        anchors: anchors(s, extras),
        checks: s.checks.iter().map(check_row).collect(),
        check_counts: check_counts(&s.checks),
        json_escaped: super::escape_text(&pretty_subject_json(s)),
    }
}

fn tiers(s: &SubjectReport) -> Vec<Tier> {
    [("proof tier", &s.proof_tier), ("trust tier", &s.trust_tier)]
        .into_iter()
        .filter_map(|(label, tier)| {
            tier.as_ref().map(|t| Tier {
                label,
                value: t.clone(),
                known: KNOWN_TIERS.contains(&t.as_str()),
            })
        })
        .collect()
}

/// A long value's screen form: its first 20 and last 6 characters.
fn shorten(value: &str) -> Option<String> {
    let n = value.chars().count();
    if n <= 32 {
        return None;
    }
    let head: String = value.chars().take(20).collect();
    let tail: String = value.chars().skip(n - 6).collect();
    Some(format!("{head}…{tail}"))
}

fn detail(label: &str, value: &str, code: bool) -> Detail {
    Detail {
        label: label.to_string(),
        value: value.to_string(),
        short: if code { shorten(value) } else { None },
        code,
    }
}

fn details(s: &SubjectReport, extras: &SubjectExtras) -> Vec<Detail> {
    let f = &s.facts;
    let path = Detail {
        short: None,
        ..detail("path", &s.path, true)
    };
    let mut out = vec![path, detail("kind", s.kind.as_str(), false)];
    let ids = [
        ("bundle id", &f.bundle_id),
        ("job", &f.job_id),
        ("run", &f.run_id),
        ("agent DID", &f.agent_did),
        ("aggregate id", &f.aggregate_id),
        ("export id", &f.export_id),
        ("receipt id", &f.receipt_id),
        ("model", &f.model),
        ("entry", &f.entry_path),
        ("commit message", &f.commit_message),
        ("sealed at", &f.created_at),
    ];
    for (label, value) in ids {
        if let Some(v) = value {
            out.push(detail(label, v, label.ends_with("DID")));
        }
    }
    if let Some(sealer) = &f.sealer_did {
        out.push(detail("sealer DID", sealer, true));
        if let Some(name) = sealer_name(sealer, extras) {
            out.push(detail("sealer (trust file)", name, false));
        }
    }
    out.extend(hash_details(f, s.kind == crate::report::Kind::AuditBundle));
    out.extend(count_details(f));
    out
}

/// The name the trust file gives the sealer, as the inspection read it.
fn sealer_name<'e>(did: &str, extras: &'e SubjectExtras) -> Option<&'e str> {
    extras
        .inspection
        .as_ref()?
        .signers
        .iter()
        .filter(|s| s.did.as_deref() == Some(did))
        .flat_map(|s| &s.roles)
        .find(|r| r.role == "sealer")
        .and_then(|r| r.name.as_deref())
}

fn hash_details(f: &Facts, sealed: bool) -> Vec<Detail> {
    let mut out = Vec::new();
    match f.hash(HashSubject::Policy) {
        Some(h) => out.push(detail("WPC hash", &h.value_b64u, true)),
        None if sealed => out.push(detail("WPC hash", "no policy applied", false)),
        None => {}
    }
    for h in f.hashes.iter().filter(|h| h.subject == HashSubject::TokenScope) {
        out.push(detail("token scope hash", &h.value_b64u, true));
    }
    if let Some(h) = f.hash(HashSubject::MerkleRoot) {
        out.push(detail("Merkle root", &h.value_b64u, true));
    }
    out
}

fn count_details(f: &Facts) -> Vec<Detail> {
    let c = &f.counts;
    let approvals: u64 = f.gates.iter().map(|g| g.approvals.len() as u64).sum();
    let counts = [
        ("tree size", c.tree_size),
        ("events", c.events),
        ("gateway receipts", c.gateway_receipts),
        ("gateway receipts verified", c.gateway_receipts_verified),
        ("tool receipts", c.tool_receipts),
        ("attestations verified", c.attestations_verified),
        ("members", c.members),
        ("approvals", (!f.gates.is_empty()).then_some(approvals)),
    ];
    counts
        .into_iter()
        .filter_map(|(label, n)| n.map(|n| detail(label, &n.to_string(), false)))
        .collect()
}

fn binding_row(b: &Binding) -> BindingRow {
    BindingRow {
        from: b.from.clone(),
        to: b.to.clone(),
        holds: b.holds,
        check_id: b.check_id.clone(),
    }
}

/// The summary the plan at `entry` states, as the inspection read it.
fn plan_summary(entry: &str, extras: &SubjectExtras) -> Option<String> {
    let Some(Contents::AuditBundle(a)) = extras.inspection.as_ref().map(|i| &i.contents) else {
        return None;
    };
    a.plans.iter().find(|p| p.path == entry).and_then(|p| match &p.facts {
        Part::Read(plan) => plan.summary.clone(),
        Part::Unreadable(_) => None,
    })
}

fn gate_view(g: &GateFact, plan_summary: Option<String>) -> GateView {
    let distinct = if g.min_approvers == 1 { "approver" } else { "approvers" };
    let excluded = if g.requester_excluded {
        ", requester excluded"
    } else {
        ""
    };
    GateView {
        gate_id: g.gate_id.clone(),
        plan_entry: g.plan_entry.clone(),
        quorum_met: g.quorum_met,
        summary: format!("{} of {} distinct {distinct}{excluded}", g.counted, g.min_approvers),
        approver_group: g.approver_group.clone(),
        plan_summary,
        approvals: g
            .approvals
            .iter()
            .map(|a| ApprovalRow {
                entry: a.entry.clone(),
                subject: a.approver_subject.clone(),
                did: a.approver_did.clone(),
                method: a.method.clone().unwrap_or_default(),
                decision: a.decision.clone(),
                at: a.timestamp.clone(),
                counted: a.counted,
                why_not: a.not_counted_because.clone().unwrap_or_default(),
            })
            .collect(),
    }
}

/// Every gateway receipt the subject holds (a sealed bundle's receipt files, then those of
/// its proof bundle), with the bindings the verification judged for it: the bindings whose
/// target names the receipt's label (`receipt policy_hash (LABEL)`).
fn receipts(contents: &Contents, bindings: &[Binding]) -> Receipts {
    let facts: Vec<(String, &ReceiptFacts)> = match contents {
        Contents::ProofBundle(p) => p.receipts.iter().map(|r| (r.label.clone(), r)).collect(),
        Contents::AuditBundle(a) => {
            let files = a.receipts.iter().filter_map(|r| match &r.facts {
                Part::Read(f) => Some((r.path.clone(), f)),
                Part::Unreadable(_) => None,
            });
            let in_bundle = a.proof_bundle.iter().flat_map(|pb| match &pb.facts {
                Part::Read(f) => f
                    .receipts
                    .iter()
                    .map(|r| (format!("{} {}", pb.path, r.label), r))
                    .collect::<Vec<_>>(),
                Part::Unreadable(_) => Vec::new(),
            });
            files.chain(in_bundle).collect()
        }
    };
    let mut rows: Vec<ReceiptRow> = facts.iter().map(|(label, r)| receipt_row(label, r, bindings)).collect();
    let rest = rows.split_off(rows.len().min(RECEIPT_ROWS));
    Receipts {
        total: facts.len(),
        shown: rows,
        rest,
    }
}

fn receipt_row(label: &str, r: &ReceiptFacts, bindings: &[Binding]) -> ReceiptRow {
    let suffix = format!("({label})");
    let judged: Vec<&Binding> = bindings.iter().filter(|b| b.to.ends_with(&suffix)).collect();
    let mut checks: Vec<&str> = judged.iter().map(|b| b.check_id.as_str()).collect();
    checks.dedup();
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let tokens = match (r.tokens_input, r.tokens_output) {
        (None, None) => String::new(),
        (i, o) => format!(
            "{} in / {} out",
            i.map_or("?".to_string(), |n| n.to_string()),
            o.map_or("?".to_string(), |n| n.to_string())
        ),
    };
    ReceiptRow {
        label: label.to_string(),
        provider: text(&r.provider),
        model: text(&r.model),
        tokens,
        latency: r.latency_ms.map(|n| format!("{n} ms")).unwrap_or_default(),
        at: text(&r.timestamp),
        bound: (!judged.is_empty()).then(|| judged.iter().all(|b| b.holds)),
        binding_checks: checks.join(", "),
    }
}

fn trust_pulse(contents: &Contents) -> Option<TrustPulseView> {
    let Contents::AuditBundle(a) = contents else {
        return None;
    };
    let pulse = a.trust_pulse.as_ref()?;
    let counted = |items: &[(String, Option<u64>)]| -> Vec<Counted> {
        items
            .iter()
            .map(|(name, n)| Counted {
                name: name.clone(),
                count: n.map(|n| n.to_string()).unwrap_or_default(),
            })
            .collect()
    };
    Some(match &pulse.facts {
        Part::Read(p) => TrustPulseView {
            entry: pulse.path.clone(),
            tools: counted(&p.tools),
            files: counted(&p.files),
            unreadable: None,
        },
        Part::Unreadable(why) => TrustPulseView {
            entry: pulse.path.clone(),
            tools: Vec::new(),
            files: Vec::new(),
            unreadable: Some(why.clone()),
        },
    })
}

fn triage(c: &Check) -> Triage {
    let e = c.reason_code.explanation();
    Triage {
        code: c.reason_code.as_str(),
        title: e.title,
        meaning: e.meaning,
        causes: e.causes,
        next_steps: e.next_steps,
        check_id: c.id.clone(),
        artifact: c.artifact().map(|a| a.into_owned()),
        detail: c.detail.clone(),
    }
}

fn check_row(c: &Check) -> CheckRow {
    CheckRow {
        id: c.id.clone(),
        status: c.status.as_str(),
        code: c.reason_code.as_str(),
        detail: c.detail.clone(),
        artifact: c.artifact().map(|a| a.into_owned()).unwrap_or_default(),
    }
}

fn check_counts(checks: &[Check]) -> CheckCounts {
    let mut n = CheckCounts::default();
    for c in checks {
        match c.status {
            CheckStatus::Pass => n.pass += 1,
            CheckStatus::Fail => n.fail += 1,
            CheckStatus::Warn => n.warn += 1,
            CheckStatus::Skip => n.skip += 1,
        }
    }
    n
}

/// `--format json`'s object of this subject, pretty-printed (the same keys and values).
fn pretty_subject_json(s: &SubjectReport) -> String {
    crate::render::json::subject_pretty(s)
}
