//! The state machine of spec 30 §4: the timeline replayed in `seq` order, every event checked
//! against the rules in the order the spec lists them (all findings kept; the state advances
//! after a violation too). Phase and token rules are here; the rules on a tool's effect are
//! in [`super::effects`].

use std::collections::{HashMap, HashSet};

use super::context::{check_window, event_error, violation, OpenPhase};
use super::env::Env;
use super::fixture::{plan_path, receipt_path, token_path, Event, EventKind, FixtureError};
use super::model::{GateFact, Judgement, PhaseFact, StepRecord, ToolCallFact, Violation};
use super::plan::ChangeSet;
use super::state::RunState;
use crate::audit::receipts::{check_receipt_bindings, ReceiptSeen};
use crate::clawsig::gateway_receipts::verify_gateway_receipt;
use crate::json;
use crate::policy::approvals::{gate_at, ApprovalWindow};
use crate::policy::cst::{check_phase_token, TokenInfo};
use crate::reason::ReasonCode;
use crate::report::{CheckStatus, Findings};
use crate::timeutil::Millis;

/// The replay: the environment, the state, and what the rules remember.
pub(crate) struct Replay<'e, 'a> {
    pub env: &'e Env<'a>,
    pub state: RunState,
    pub open: Option<OpenPhase>,
    /// The index of the last phase started.
    last_started: Option<usize>,
    used_tokens: HashSet<String>,
    used_jtis: HashSet<String>,
    /// The latest `plan_proposed` per gate: the plan's path and when.
    proposals: HashMap<String, (String, Millis)>,
    /// The change sets of the satisfied stage and revoke gates.
    pub stage: Option<ChangeSet>,
    pub revoke: Option<ChangeSet>,
    receipt_ids: HashSet<String>,
    nonces: HashSet<String>,
    referenced_receipts: HashSet<String>,
    phases: Vec<PhaseFact>,
    last_seq: u64,
    /// The timeline could not be read to its end (then no receipt is called unreferenced).
    unreadable: bool,
    /// The judged tool calls, when collected ([`Replay::collect_tool_calls`]).
    tool_calls: Option<Vec<ToolCallFact>>,
}

impl<'e, 'a> Replay<'e, 'a> {
    pub fn new(env: &'e Env<'a>) -> Replay<'e, 'a> {
        Replay {
            env,
            state: RunState::new(env.scenario),
            open: None,
            last_started: None,
            used_tokens: HashSet::new(),
            used_jtis: HashSet::new(),
            proposals: HashMap::new(),
            stage: None,
            revoke: None,
            receipt_ids: HashSet::new(),
            nonces: HashSet::new(),
            referenced_receipts: HashSet::new(),
            phases: Vec::new(),
            last_seq: 0,
            unreadable: false,
            tool_calls: None,
        }
    }

    /// Keep one [`ToolCallFact`] per judged `tool_call` (for `verify`'s policy evaluation).
    /// This is the one part of the replay's memory that grows with the timeline: O(tool
    /// calls), a few dozen bytes each, bounded by the timeline's size (the container's entry
    /// limit). It is acceptable because the evaluation step holds one request per tool call
    /// anyway (its requests are judged in evidence order after the judge's findings); the
    /// judge's own state stays proportional to consumers and secrets.
    pub fn collect_tool_calls(&mut self) {
        self.tool_calls = Some(Vec::new());
    }

    /// The collected tool calls (empty when not collected).
    pub fn take_tool_calls(&mut self) -> Vec<ToolCallFact> {
        self.tool_calls.take().unwrap_or_default()
    }

    /// Judge every event; the first unreadable one ends the replay with its
    /// `ROTATION_FIXTURE_INVALID`.
    pub fn run(
        &mut self,
        events: impl Iterator<Item = Result<Event, FixtureError>>,
        judgement: &mut Judgement,
        mut sink: Option<&mut dyn FnMut(StepRecord)>,
    ) {
        for item in events {
            let result = item.and_then(|ev| self.event(&ev).map(|findings| (ev, findings)));
            let (ev, findings) = match result {
                Ok(pair) => pair,
                Err(e) => {
                    self.unreadable = true;
                    judgement.record(Violation {
                        seq: e.seq,
                        code: ReasonCode::RotationFixtureInvalid,
                        detail: e.detail(),
                    });
                    return;
                }
            };
            judgement.events = judgement.events.saturating_add(1);
            self.last_seq = ev.seq;
            for v in &findings {
                judgement.record(v.clone());
            }
            if let Some(sink) = sink.as_mut() {
                sink(StepRecord {
                    seq: ev.seq,
                    recorded_seq: ev.recorded_seq,
                    at: ev.at_text.clone(),
                    event_type: ev.kind.type_name(),
                    phase: self.open.as_ref().map(|p| p.name.clone()),
                    what: ev.kind.describe(),
                    findings,
                    state: self.state.snapshot(),
                    rollback: self.rollback(),
                });
            }
        }
    }

    /// The rollback posture, with the approvals of the satisfied gates it rests on besides
    /// the events.
    fn rollback(&self) -> super::model::Rollback {
        let mut r = self.state.rollback();
        if r.evidence.is_empty() {
            return r;
        }
        for gate in self
            .phases
            .iter()
            .filter_map(|p| p.gate.as_ref())
            .filter(|g| g.satisfied)
        {
            r.evidence
                .extend(gate.counted.iter().map(|id| format!("artifacts/approvals/{id}.json")));
        }
        r
    }

    /// The outcome and the facts, after the last event.
    pub fn finish(self, judgement: &mut Judgement) {
        let mut receipts: Vec<&str> = self
            .env
            .files
            .paths_under("artifacts/receipts/")
            .into_iter()
            .filter(|p| !self.unreadable && !self.referenced_receipts.contains(*p))
            .collect();
        receipts.sort_unstable();
        for p in receipts {
            judgement.warnings.push((
                p.to_string(),
                format!("{p} is a gateway receipt that no model_call of the timeline names"),
            ));
        }
        judgement.outcome = if judgement.violations_total > 0 {
            super::model::Outcome::Violated
        } else {
            self.state.outcome(self.stage.as_ref(), self.revoke.as_ref())
        };
        judgement.secrets = self.state.secret_facts();
        judgement.consumers = self.state.consumer_snapshots();
        judgement.phases = self.phases;
    }

    /// One event's findings, in rule order; the state advances.
    fn event(&mut self, ev: &Event) -> Result<Vec<Violation>, FixtureError> {
        let mut out = Vec::new();
        match &ev.kind {
            EventKind::PhaseStart { phase, token } => self.phase_start(ev, phase, token, &mut out)?,
            EventKind::PhaseEnd { phase } => {
                match &self.open {
                    Some(p) if &p.name == phase => {}
                    Some(p) => out.push(violation(
                        ev.seq,
                        ReasonCode::RotationPhaseOrder,
                        format!("phase_end of \"{phase}\", but the running phase is \"{}\"", p.name),
                    )),
                    None => out.push(violation(
                        ev.seq,
                        ReasonCode::RotationPhaseOrder,
                        format!("phase_end of \"{phase}\", but no phase is running"),
                    )),
                }
                self.check_window(ev, &mut out);
                if self.open.as_ref().is_some_and(|p| &p.name == phase) {
                    if let Some(fact) = self.phases.iter_mut().rev().find(|f| &f.name == phase) {
                        fact.end_seq = Some(ev.seq);
                    }
                    self.open = None;
                }
            }
            EventKind::PlanProposed { gate, plan } => {
                self.in_phase(ev, &mut out);
                self.check_window(ev, &mut out);
                self.plan_proposed(ev, gate, plan)?;
            }
            EventKind::ToolCall { tool, effect } => {
                self.in_phase(ev, &mut out);
                let view = super::effects::View {
                    env: self.env,
                    open: self.open.as_ref(),
                    stage: self.stage.as_ref(),
                    revoke: self.revoke.as_ref(),
                };
                super::effects::tool_call(&view, &mut self.state, ev, tool, effect.as_ref(), &mut out)?;
                let gate_satisfied = self.open.as_ref().is_some_and(|p| p.gate_satisfied);
                if let Some(list) = self.tool_calls.as_mut() {
                    list.push(ToolCallFact {
                        seq: ev.seq,
                        at: ev.at,
                        tool: tool.clone(),
                        secret: effect
                            .as_ref()
                            .and_then(|e| e.op().map(|op| (op, e.secret().to_string()))),
                        gate_satisfied,
                    });
                }
            }
            EventKind::ModelCall { receipt } => {
                self.in_phase(ev, &mut out);
                self.check_window(ev, &mut out);
                self.model_call(ev, receipt, &mut out)?;
            }
        }
        Ok(out)
    }

    /// Rule 1 for an event other than `phase_start`: a phase is running.
    pub fn in_phase(&self, ev: &Event, out: &mut Vec<Violation>) {
        if self.open.is_none() {
            out.push(violation(
                ev.seq,
                ReasonCode::RotationPhaseOrder,
                format!(
                    "{} at seq {} lies outside every running phase",
                    ev.kind.type_name(),
                    ev.seq
                ),
            ));
        }
    }

    pub fn check_window(&self, ev: &Event, out: &mut Vec<Violation>) {
        check_window(self.open.as_ref(), ev, out);
    }

    fn phase_start(
        &mut self,
        ev: &Event,
        phase: &str,
        token: &str,
        out: &mut Vec<Violation>,
    ) -> Result<(), FixtureError> {
        let rotation = self.env.rotation;
        let Some((index, declared)) = rotation.phase(phase) else {
            return Err(event_error(
                ev,
                format!("phase_start names phase \"{phase}\", which the policy does not declare"),
            ));
        };
        let token_file = token_path(token);
        let Some(jws) = self.env.files.get(&token_file) else {
            return Err(event_error(
                ev,
                format!("phase_start names token \"{token}\", but {token_file} is not in the fixture"),
            ));
        };
        // Rule 1.
        let expected = self.last_started.map_or(0, |i| i.saturating_add(1));
        if let Some(p) = &self.open {
            out.push(violation(
                ev.seq,
                ReasonCode::RotationPhaseOrder,
                format!("phase \"{phase}\" starts while phase \"{}\" has not ended", p.name),
            ));
        }
        if index != expected {
            let why = match rotation.phases.get(expected) {
                _ if self.last_started.is_some_and(|l| index <= l) => "it has already run or been passed".to_string(),
                Some(next) => format!("the next phase in the policy's order is \"{}\"", next.name),
                None => "every phase of the policy has already run".to_string(),
            };
            out.push(violation(
                ev.seq,
                ReasonCode::RotationPhaseOrder,
                format!("phase \"{phase}\" starts out of order: {why}"),
            ));
        }
        self.last_started = Some(self.last_started.map_or(index, |l| l.max(index)));
        // Rule 2.
        let gate = declared.gate.as_deref().map(|g| self.check_gate(ev, g, out));
        let gate_satisfied = gate.as_ref().is_some_and(|g| g.satisfied);
        // Rule 3.
        let info = self.check_token(ev, phase, token, &token_file, jws, out);
        // One fact per policy phase (its first start): a timeline that restarts phases is
        // already PHASE_ORDER, and the facts stay bounded by the policy, not the events.
        if !self.phases.iter().any(|f| f.name == phase) {
            self.phases.push(PhaseFact {
                name: phase.to_string(),
                start_seq: ev.seq,
                end_seq: None,
                token: token.to_string(),
                token_valid: info.1,
                gate,
            });
        }
        self.open = Some(OpenPhase {
            index,
            name: phase.to_string(),
            token: info.0,
            gate_satisfied,
        });
        self.check_window(ev, out);
        Ok(())
    }

    /// Rule 2: the gate's quorum at this moment, over the approvals of its latest plan.
    fn check_gate(&mut self, ev: &Event, gate: &str, out: &mut Vec<Violation>) -> GateFact {
        let mut fact = GateFact {
            gate_id: gate.to_string(),
            satisfied: false,
            counted: Vec::new(),
            not_counted: Vec::new(),
        };
        let Some((plan, proposed_at)) = self.proposals.get(gate).cloned() else {
            out.push(violation(
                ev.seq,
                ReasonCode::RotationGateNotSatisfied,
                format!("gate \"{gate}\" is not satisfied: no plan was proposed for it before the phase started"),
            ));
            return fact;
        };
        let env = self.env;
        let window = ApprovalWindow {
            proposed_at,
            phase_start: ev.at,
        };
        let verdict = gate_at(
            &env.approvals,
            &env.plans,
            Some(env.policy),
            &env.view,
            env.ctx,
            &plan,
            window,
        );
        fact.satisfied = verdict.satisfied;
        fact.counted = verdict.counted;
        fact.not_counted = verdict.not_counted;
        if !verdict.denied_by.is_empty() {
            out.push(violation(
                ev.seq,
                ReasonCode::ApprovalDenied,
                format!("{plan}: {}", verdict.detail),
            ));
        } else if !verdict.satisfied {
            out.push(violation(
                ev.seq,
                ReasonCode::RotationGateNotSatisfied,
                format!(
                    "gate \"{gate}\" is not satisfied at the phase start ({plan}): {}",
                    verdict.detail
                ),
            ));
        } else {
            let cs = env.change_sets.get(&plan).cloned();
            match super::env::plan_shape(env.rotation, gate) {
                super::plan::PlanShape::Stage => self.stage = cs,
                super::plan::PlanShape::Revoke => self.revoke = cs,
                super::plan::PlanShape::Other => {}
            }
        }
        fact
    }

    /// Rule 3 at `phase_start`: the token verifies as a spec 20 token, and no earlier phase
    /// used the same file or `jti`. Returns the token (with a simulated `exp` when the
    /// what-if run expires it) and whether it verified.
    fn check_token(
        &mut self,
        ev: &Event,
        phase: &str,
        token: &str,
        path: &str,
        jws: &[u8],
        out: &mut Vec<Violation>,
    ) -> (Option<TokenInfo>, bool) {
        let env = self.env;
        let mut scratch = Findings::new();
        let outcome = check_phase_token(jws, env.ctx, Some(env.policy), &env.view, path, &mut scratch);
        let valid = scratch.first_failure().is_none();
        out.extend(failures(&scratch, ev.seq));
        let jti = outcome
            .token
            .as_ref()
            .and_then(|t| t.claims.get("jti"))
            .and_then(json::Value::as_str);
        let reused_file = !self.used_tokens.insert(token.to_string());
        let reused_jti = jti.is_some_and(|j| !self.used_jtis.insert(j.to_string()));
        if reused_file || reused_jti {
            out.push(violation(
                ev.seq,
                ReasonCode::RotationTokenReused,
                format!(
                    "phase \"{phase}\" runs under {}, which an earlier phase already used",
                    if reused_file {
                        format!("token file {path}")
                    } else {
                        format!("token jti \"{}\"", jti.unwrap_or_default())
                    }
                ),
            ));
        }
        let mut info = outcome.token;
        if let Some(t) = info.as_mut().filter(|_| env.expire_token.iter().any(|p| p == phase)) {
            t.exp = ev.at.div_euclid(1000).saturating_add(1);
        }
        (info, valid)
    }

    fn plan_proposed(&mut self, ev: &Event, gate: &str, plan: &str) -> Result<(), FixtureError> {
        let path = plan_path(plan);
        let Some((_, value)) = self.env.plans.iter().find(|(p, _)| *p == path) else {
            return Err(event_error(
                ev,
                format!("plan_proposed names plan \"{plan}\", but {path} is not in the fixture"),
            ));
        };
        if self.env.policy.extension.as_ref().and_then(|e| e.gate(gate)).is_none() {
            return Err(event_error(
                ev,
                format!("plan_proposed names gate \"{gate}\", which the policy does not declare"),
            ));
        }
        let plan_gate = value.get("gate_id").and_then(json::Value::as_str);
        if plan_gate != Some(gate) {
            return Err(event_error(
                ev,
                format!(
                    "plan_proposed proposes {path} for gate \"{gate}\", but the plan is for gate {}",
                    crate::clawsig::envelope::describe(value.get("gate_id"))
                ),
            ));
        }
        self.proposals.insert(gate.to_string(), (path, ev.at));
        Ok(())
    }

    /// A model call: its receipt verifies as a spec 20 gateway receipt, bound to the policy
    /// and to the running phase's token, dated in its window, not a replay.
    fn model_call(&mut self, ev: &Event, receipt: &str, out: &mut Vec<Violation>) -> Result<(), FixtureError> {
        let env = self.env;
        let path = receipt_path(receipt);
        let Some(bytes) = env.files.get(&path) else {
            return Err(event_error(
                ev,
                format!("model_call names receipt \"{receipt}\", but {path} is not in the fixture"),
            ));
        };
        self.referenced_receipts.insert(path.clone());
        let value = match json::parse(bytes, &env.ctx.limits.json) {
            Ok(v) => v,
            Err(e) => {
                out.push(violation(
                    ev.seq,
                    ReasonCode::MalformedJson,
                    format!("{path} is not acceptable JSON: {e}"),
                ));
                return Ok(());
            }
        };
        let info = match verify_gateway_receipt(&value, env.ctx, &format!("gateway receipt {path}")) {
            Ok(info) => info,
            Err(failure) => {
                out.push(violation(ev.seq, failure.code, failure.detail));
                return Ok(());
            }
        };
        let mut scratch = Findings::new();
        let seen = ReceiptSeen {
            info: &info,
            source: path.clone(),
            in_bundle: false,
        };
        let token = self.open.as_ref().and_then(|p| p.token.as_ref());
        check_receipt_bindings(&seen, Some(env.policy), token, &env.view, &mut scratch, &mut Vec::new());
        out.extend(failures(&scratch, ev.seq));
        let id_replayed = !self.receipt_ids.insert(info.receipt_id.clone());
        let nonce_replayed = info.nonce.as_ref().is_some_and(|n| !self.nonces.insert(n.clone()));
        if id_replayed || nonce_replayed {
            out.push(violation(
                ev.seq,
                ReasonCode::ReceiptReplay,
                format!("gateway receipt {path} repeats the receipt_id or binding nonce of an earlier model call"),
            ));
        }
        Ok(())
    }
}

/// The failing checks of `f` as findings of the event `seq`.
fn failures(f: &Findings, seq: u64) -> impl Iterator<Item = Violation> + '_ {
    f.checks
        .iter()
        .filter(|c| c.status == CheckStatus::Fail)
        .map(move |c| violation(seq, c.reason_code, c.detail.clone()))
}
