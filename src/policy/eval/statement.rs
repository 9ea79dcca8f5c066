//! Policies and statements, compiled for evaluation, and how one statement fares against
//! one request.

use super::condition::{Condition, ConditionTrace};
use super::request::Request;
use crate::policy::glob::Glob;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// One statement, compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub sid: String,
    pub effect: Effect,
    pub actions: Vec<Glob>,
    pub resources: Vec<Glob>,
    pub conditions: Vec<Condition>,
}

impl Statement {
    /// Whether the statement matches `request` (short-circuits; `trace` says why).
    pub fn matches(&self, request: &Request) -> bool {
        self.actions.iter().any(|g| g.matches(&request.action))
            && self.resources.iter().any(|g| g.matches(&request.resource))
            && self.conditions.iter().all(|c| c.holds(request))
    }

    /// Every part of the match, for `--explain`.
    pub fn trace<'a>(&'a self, request: &'a Request) -> StatementTrace<'a> {
        let action = self.actions.iter().find(|g| g.matches(&request.action));
        let resource = self.resources.iter().find(|g| g.matches(&request.resource));
        let conditions: Vec<ConditionTrace<'a>> = self.conditions.iter().map(|c| c.trace(request)).collect();
        let matched = action.is_some() && resource.is_some() && conditions.iter().all(|c| c.holds);
        StatementTrace {
            statement: self,
            action,
            resource,
            conditions,
            matched,
        }
    }
}

/// How one statement fared against one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementTrace<'a> {
    pub statement: &'a Statement,
    /// The action glob that matched, if one did.
    pub action: Option<&'a Glob>,
    /// The resource glob that matched, if one did.
    pub resource: Option<&'a Glob>,
    pub conditions: Vec<ConditionTrace<'a>>,
    pub matched: bool,
}

/// Which schema the policy was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyVersion {
    V1,
    V2,
}

/// A WPC read for evaluation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub policy_id: String,
    pub version: PolicyVersion,
    pub inherits: Option<String>,
    pub statements: Vec<Statement>,
    /// Rules of the policy that evaluation cannot check, each said in a sentence (v1's
    /// `minimum_model_identity_tier`).
    pub unchecked: Vec<String>,
}
