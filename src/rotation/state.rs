//! The judge's state (spec 30 §4): per secret its versions and revocation, per consumer its
//! version and last health check. Its size is fixed by the scenario (secrets and consumers),
//! whatever the number of events. Also derived from it: the snapshot of a step, the
//! runbook's rollback posture, and the outcome.

use super::fixture::{Effect, Scenario};
use super::model::{ConsumerSnapshot, Outcome, Rollback, SecretFact, SecretSnapshot, StateSnapshot};
use super::plan::ChangeSet;
use crate::timeutil::Millis;

/// One secret as the run has left it so far.
#[derive(Clone, Debug)]
pub(crate) struct SecretState {
    pub id: String,
    pub supports_versions: bool,
    pub old: String,
    pub new: Option<String>,
    pub created_seq: Option<u64>,
    pub active: Vec<String>,
    pub revoked: Vec<String>,
    pub revoked_seq: Option<u64>,
    pub sessions_invalidated: Option<u64>,
    /// When the new version was last deployed.
    pub last_new_deploy_at: Option<Millis>,
    /// A canary consumer passed a health check on the new version.
    pub canary_passed: bool,
    /// The consumer and version of the last deploy, and whether that consumer has been
    /// health-checked on that version since.
    pub last_deploy: Option<(usize, String)>,
    pub last_deploy_checked: bool,
    /// The consumer that failed a health check on the new version, until the next deploy
    /// or revoke of the secret.
    pub pending_rollback: Option<usize>,
}

/// One consumer as the run has left it so far.
#[derive(Clone, Debug)]
pub(crate) struct ConsumerState {
    pub id: String,
    pub secret: usize,
    pub version: String,
    pub healthy: Option<bool>,
    pub touched: bool,
    /// The seq of its last health check on its current version.
    pub last_check_seq: Option<u64>,
}

#[derive(Clone, Debug)]
pub(crate) struct RunState {
    pub secrets: Vec<SecretState>,
    pub consumers: Vec<ConsumerState>,
}

impl RunState {
    pub fn new(scenario: &Scenario) -> RunState {
        RunState {
            secrets: scenario
                .secrets
                .iter()
                .map(|s| SecretState {
                    id: s.id.clone(),
                    supports_versions: s.supports_versions,
                    old: s.current_version.clone(),
                    new: None,
                    created_seq: None,
                    active: vec![s.current_version.clone()],
                    revoked: Vec::new(),
                    revoked_seq: None,
                    sessions_invalidated: None,
                    last_new_deploy_at: None,
                    canary_passed: false,
                    last_deploy: None,
                    last_deploy_checked: false,
                    pending_rollback: None,
                })
                .collect(),
            consumers: scenario
                .consumers
                .iter()
                .map(|c| ConsumerState {
                    id: c.id.clone(),
                    secret: scenario.secret(&c.secret).map_or(0, |(i, _)| i),
                    version: c.version.clone(),
                    healthy: None,
                    touched: false,
                    last_check_seq: None,
                })
                .collect(),
        }
    }

    pub fn secret_index(&self, id: &str) -> Option<usize> {
        self.secrets.iter().position(|s| s.id == id)
    }

    pub fn consumer_index(&self, id: &str) -> Option<usize> {
        self.consumers.iter().position(|c| c.id == id)
    }

    /// Apply an effect (after its rules were checked: the state advances either way).
    pub fn apply(&mut self, effect: &Effect, seq: u64, at: Millis, canary: &[String]) {
        let Some(si) = self.secret_index(effect.secret()) else {
            return;
        };
        let ci = effect.consumer().and_then(|c| self.consumer_index(c));
        let (Some(secret), consumer) = (self.secrets.get_mut(si), ci.and_then(|i| self.consumers.get_mut(i))) else {
            return;
        };
        match (effect, consumer) {
            (Effect::SecretVersionCreated { version, .. }, _) => {
                secret.new = Some(version.clone());
                secret.created_seq = Some(seq);
                if !secret.active.contains(version) {
                    secret.active.push(version.clone());
                }
            }
            (Effect::Deploy { version, .. }, Some(c)) => {
                c.version = version.clone();
                c.healthy = None;
                c.touched = true;
                c.last_check_seq = None;
                if secret.new.as_ref() == Some(version) {
                    secret.last_new_deploy_at = Some(at);
                }
                secret.last_deploy = ci.map(|i| (i, version.clone()));
                secret.last_deploy_checked = false;
                secret.pending_rollback = None;
            }
            (
                Effect::HealthCheck {
                    version, ok, consumer, ..
                },
                Some(c),
            ) => {
                if &c.version == version {
                    c.healthy = Some(*ok);
                    c.last_check_seq = Some(seq);
                }
                if secret
                    .last_deploy
                    .as_ref()
                    .is_some_and(|(i, v)| Some(*i) == ci && v == version)
                {
                    secret.last_deploy_checked = true;
                }
                let on_new = secret.new.as_ref() == Some(version);
                if on_new && *ok && canary.contains(consumer) {
                    secret.canary_passed = true;
                }
                if on_new && !*ok {
                    secret.pending_rollback = ci;
                }
            }
            (Effect::Revoke { version, .. }, _) => {
                secret.active.retain(|v| v != version);
                if !secret.revoked.contains(version) {
                    secret.revoked.push(version.clone());
                }
                if *version == secret.old {
                    secret.revoked_seq = Some(seq);
                }
                secret.pending_rollback = None;
            }
            (Effect::InvalidateSessions { .. }, _) => secret.sessions_invalidated = Some(seq),
            _ => {}
        }
    }

    pub fn snapshot(&self) -> StateSnapshot {
        StateSnapshot {
            secrets: self
                .secrets
                .iter()
                .map(|s| SecretSnapshot {
                    secret: s.id.clone(),
                    active_versions: s.active.clone(),
                    revoked: s.revoked.clone(),
                })
                .collect(),
            consumers: self.consumer_snapshots(),
        }
    }

    pub fn consumer_snapshots(&self) -> Vec<ConsumerSnapshot> {
        self.consumers
            .iter()
            .map(|c| ConsumerSnapshot {
                consumer: c.id.clone(),
                version: c.version.clone(),
                healthy: c.healthy,
            })
            .collect()
    }

    pub fn secret_facts(&self) -> Vec<SecretFact> {
        self.secrets
            .iter()
            .map(|s| SecretFact {
                secret: s.id.clone(),
                old_version: s.old.clone(),
                new_version: s.new.clone(),
                revoked: s.revoked.contains(&s.old),
                sessions_invalidated: s.sessions_invalidated.is_some(),
            })
            .collect()
    }

    /// The consumers of secret `si`.
    fn consumers_of(&self, si: usize) -> impl Iterator<Item = &ConsumerState> {
        self.consumers.iter().filter(move |c| c.secret == si)
    }

    /// Consumers of `si` not on its new version with a passing last health check.
    pub fn not_rolled_out(&self, si: usize) -> Vec<&str> {
        let new = self.secrets.get(si).and_then(|s| s.new.as_deref());
        self.consumers_of(si)
            .filter(|c| Some(c.version.as_str()) != new || c.healthy != Some(true))
            .map(|c| c.id.as_str())
            .collect()
    }

    /// The outcome when no rule was broken (spec 30 §4): `stage` and `revoke` are the
    /// change sets of the satisfied gates.
    pub fn outcome(&self, stage: Option<&ChangeSet>, revoke: Option<&ChangeSet>) -> Outcome {
        let complete = match stage {
            Some(ChangeSet::Stage(items)) if !items.is_empty() => items.iter().all(|item| {
                let Some(si) = self.secret_index(&item.secret) else {
                    return false;
                };
                let Some(s) = self.secrets.get(si) else {
                    return false;
                };
                let wants_invalidation = revoke
                    .and_then(|r| r.revoke(&item.secret))
                    .is_some_and(|r| r.invalidate_sessions);
                self.not_rolled_out(si).is_empty()
                    && s.revoked.contains(&s.old)
                    && (!wants_invalidation || s.sessions_invalidated.is_some())
            }),
            _ => false,
        };
        if complete {
            return Outcome::Complete;
        }
        let old_kept = self.secrets.iter().all(|s| !s.revoked.contains(&s.old));
        let clean = self.consumers.iter().all(|c| !c.touched || c.healthy == Some(true));
        if old_kept && clean {
            Outcome::HaltedSafe
        } else {
            Outcome::Incomplete
        }
    }

    /// The runbook's rollback posture (spec 30 §5), one clause per secret the run touched,
    /// with the evidence (event seqs) it rests on.
    pub fn rollback(&self) -> Rollback {
        let mut clauses = Vec::new();
        let mut evidence = Vec::new();
        for (si, s) in self.secrets.iter().enumerate() {
            let Some(new) = &s.new else {
                continue;
            };
            evidence.extend(s.created_seq.map(|q| format!("seq {q}")));
            let moved: Vec<&ConsumerState> = self.consumers_of(si).filter(|c| &c.version == new).collect();
            evidence.extend(
                moved
                    .iter()
                    .filter_map(|c| c.last_check_seq)
                    .map(|q| format!("seq {q}")),
            );
            let total = self.consumers_of(si).count();
            let clause = if let Some(q) = s.sessions_invalidated {
                evidence.push(format!("seq {q}"));
                "re-authenticate users and services by the documented procedure".to_string()
            } else if let Some(q) = s.revoked_seq {
                evidence.push(format!("seq {q}"));
                "incident: re-issue a credential and redeploy, then re-run the rotation properly".to_string()
            } else if moved.is_empty() {
                format!("stop; keep {} active; delete or disable {new} (never deployed)", s.old)
            } else if moved.len() < total {
                let names: Vec<&str> = moved.iter().map(|c| c.id.as_str()).collect();
                format!(
                    "revert {} to {}; keep {new} disabled until the cause is found",
                    names.join(", "),
                    s.old
                )
            } else {
                format!(
                    "both versions active: revert consumers to {} if needed, else proceed to revoke",
                    s.old
                )
            };
            clauses.push(if self.secrets.len() > 1 {
                format!("{}: {clause}", s.id)
            } else {
                clause
            });
        }
        Rollback {
            action: if clauses.is_empty() {
                "nothing to roll back".to_string()
            } else {
                clauses.join("; ")
            },
            evidence,
        }
    }
}
