//! Deciding a request: default deny, any matching `Deny` wins, and every policy of the
//! `inherits` chain must allow (strict intersection).

use super::parse::MAX_INHERITANCE_DEPTH;
use super::request::Request;
use super::statement::{Effect, Policy, StatementTrace};

/// A statement that decided, named by its policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decider<'p> {
    pub policy_id: &'p str,
    pub sid: &'p str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Deny,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "ALLOW",
            Verdict::Deny => "DENY",
        }
    }
}

/// Why a request was decided as it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason<'p> {
    /// Every policy of the chain has a matching `Allow` and none a matching `Deny`.
    Allowed,
    /// A matching `Deny` (the deciders are every matching `Deny` of the chain).
    DeniedByStatement,
    /// No statement of this policy allows the request.
    NoStatementAllows { policy_id: &'p str },
    /// The chain names a parent that is not in the evidence.
    ParentMissing { policy_id: &'p str },
    /// The chain of parents is longer than `MAX_INHERITANCE_DEPTH`.
    InheritanceTooDeep { policy_id: &'p str },
}

/// The outcome of one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision<'p> {
    pub verdict: Verdict,
    pub reason: Reason<'p>,
    /// The statements that decided: every matching `Deny` of a denial, or the matching
    /// `Allow`s of every policy of the chain; empty when no statement decided.
    pub deciders: Vec<Decider<'p>>,
}

impl<'p> Decision<'p> {
    pub fn is_allow(&self) -> bool {
        self.verdict == Verdict::Allow
    }

    /// The deciding statements as the reports name them: `sid` for the evaluated policy,
    /// `policy_id:sid` for a parent's.
    pub fn decider_names(&self, root_policy_id: &str) -> Vec<String> {
        self.deciders
            .iter()
            .map(|d| {
                if d.policy_id == root_policy_id {
                    d.sid.to_string()
                } else {
                    format!("{}:{}", d.policy_id, d.sid)
                }
            })
            .collect()
    }

    /// One sentence: `DENY by statement(s) DenyGpt`, `DENY: no statement allows`, ….
    pub fn describe(&self, root_policy_id: &str) -> String {
        let names = self.decider_names(root_policy_id).join(", ");
        match self.reason {
            Reason::Allowed => format!("ALLOW by {names}"),
            Reason::DeniedByStatement => format!("DENY by {names}"),
            Reason::NoStatementAllows { policy_id } if policy_id == root_policy_id => {
                "DENY: no statement allows".to_string()
            }
            Reason::NoStatementAllows { policy_id } => {
                format!("DENY: no statement of parent policy {policy_id} allows")
            }
            Reason::ParentMissing { policy_id } => {
                format!("DENY: the parent policy {policy_id} it inherits from is not in the evidence")
            }
            Reason::InheritanceTooDeep { policy_id } => {
                format!("DENY: the chain of parent policies is longer than {MAX_INHERITANCE_DEPTH} at {policy_id}")
            }
        }
    }
}

/// A policy and the parents it inherits from, resolved once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain<'p> {
    /// The policy first, then each parent.
    pub levels: Vec<&'p Policy>,
    /// Why the chain is incomplete, when it is: every decision is then this denial.
    pub problem: Option<Reason<'p>>,
}

impl<'p> Chain<'p> {
    /// Follow `inherits` from `policy` through `parents` (matched by `policy_id`). A cycle
    /// ends the chain where it would repeat a policy (each is evaluated once).
    pub fn resolve(policy: &'p Policy, parents: &'p [Policy]) -> Chain<'p> {
        let mut levels = vec![policy];
        let mut current = policy;
        while let Some(parent_id) = current.inherits.as_deref() {
            if levels.iter().any(|p| p.policy_id == parent_id) {
                break;
            }
            if levels.len() > MAX_INHERITANCE_DEPTH {
                return Chain {
                    levels,
                    problem: Some(Reason::InheritanceTooDeep { policy_id: parent_id }),
                };
            }
            match parents.iter().find(|p| p.policy_id == parent_id) {
                Some(p) => {
                    levels.push(p);
                    current = p;
                }
                None => {
                    return Chain {
                        levels,
                        problem: Some(Reason::ParentMissing { policy_id: parent_id }),
                    }
                }
            }
        }
        Chain { levels, problem: None }
    }

    /// Decide `request`.
    pub fn decide(&self, request: &Request) -> Decision<'p> {
        if let Some(problem) = self.problem {
            return Decision {
                verdict: Verdict::Deny,
                reason: problem,
                deciders: Vec::new(),
            };
        }
        let mut denies = Vec::new();
        let mut allows = Vec::new();
        let mut lacking = None;
        for policy in &self.levels {
            let before = allows.len();
            for s in &policy.statements {
                if s.matches(request) {
                    let d = Decider {
                        policy_id: &policy.policy_id,
                        sid: &s.sid,
                    };
                    match s.effect {
                        Effect::Deny => denies.push(d),
                        Effect::Allow => allows.push(d),
                    }
                }
            }
            if allows.len() == before && lacking.is_none() {
                lacking = Some(policy.policy_id.as_str());
            }
        }
        match (denies.is_empty(), lacking) {
            (false, _) => Decision {
                verdict: Verdict::Deny,
                reason: Reason::DeniedByStatement,
                deciders: denies,
            },
            (true, Some(policy_id)) => Decision {
                verdict: Verdict::Deny,
                reason: Reason::NoStatementAllows { policy_id },
                deciders: Vec::new(),
            },
            (true, None) => Decision {
                verdict: Verdict::Allow,
                reason: Reason::Allowed,
                deciders: allows,
            },
        }
    }

    /// Every statement of every level of the chain against `request`, in order.
    pub fn explain<'a>(&'a self, request: &'a Request) -> Vec<(&'p str, StatementTrace<'a>)> {
        self.levels
            .iter()
            .flat_map(|p| p.statements.iter().map(|s| (p.policy_id.as_str(), s.trace(request))))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse_policy;
    use super::super::request::keys;
    use super::*;
    use crate::json::parse_str;

    fn policy(text: &str) -> Policy {
        parse_policy(&parse_str(text).unwrap()).unwrap()
    }

    fn v2(statements: &str) -> Policy {
        policy(&format!(
            r#"{{"policy_version":"2","policy_id":"p","issuer_did":"did:key:z","statements":{statements}}}"#
        ))
    }

    fn decide(p: &Policy, r: &Request) -> (Verdict, Vec<String>) {
        let d = Chain::resolve(p, &[]).decide(r);
        (d.verdict, d.decider_names("p"))
    }

    #[test]
    fn default_deny_and_deny_wins() {
        let p = v2(r#"[{"sid":"A","effect":"Allow","actions":["tool:*"],"resources":["*"]},
                {"sid":"B","effect":"Allow","actions":["tool:execute"],"resources":["bash"]},
                {"sid":"D1","effect":"Deny","actions":["*"],"resources":["bash"]},
                {"sid":"D2","effect":"Deny","actions":["tool:execute"],"resources":["ba?h"]}]"#);
        assert_eq!(
            decide(&p, &Request::new("tool:execute", "bash")),
            (Verdict::Deny, vec!["D1".to_string(), "D2".to_string()])
        );
        assert_eq!(
            decide(&p, &Request::new("tool:execute", "ls")),
            (Verdict::Allow, vec!["A".to_string()])
        );
        let d = Chain::resolve(&p, &[]).decide(&Request::new("model:invoke", "x/y"));
        assert_eq!(d.reason, Reason::NoStatementAllows { policy_id: "p" });
        assert_eq!(d.describe("p"), "DENY: no statement allows");
    }

    #[test]
    fn inherits_is_a_strict_intersection() {
        let child = policy(
            r#"{"policy_version":"2","policy_id":"child","issuer_did":"did:key:z","inherits":"parent",
                "statements":[{"sid":"all","effect":"Allow","actions":["*"],"resources":["**"]}]}"#,
        );
        let parent = policy(
            r#"{"policy_version":"2","policy_id":"parent","issuer_did":"did:key:z",
                "statements":[{"sid":"tools","effect":"Allow","actions":["tool:*"],"resources":["**"]}]}"#,
        );
        let parents = [parent];
        let chain = Chain::resolve(&child, &parents);
        let ok = chain.decide(&Request::new("tool:execute", "ls"));
        assert_eq!(ok.decider_names("child"), vec!["all", "parent:tools"]);
        let no = chain.decide(&Request::new("model:invoke", "anthropic"));
        assert_eq!(no.reason, Reason::NoStatementAllows { policy_id: "parent" });
        let missing = Chain::resolve(&child, &[]).decide(&Request::new("tool:execute", "ls"));
        assert_eq!(missing.reason, Reason::ParentMissing { policy_id: "parent" });
        assert!(missing.describe("child").contains("parent policy parent"));
    }

    #[test]
    fn inheritance_cycles_end_and_long_chains_deny() {
        let mut chain_policies = Vec::new();
        for i in 0..=MAX_INHERITANCE_DEPTH + 1 {
            chain_policies.push(policy(&format!(
                r#"{{"policy_version":"2","policy_id":"p{i}","issuer_did":"did:key:z","inherits":"p{}",
                    "statements":[{{"sid":"s","effect":"Allow","actions":["*"],"resources":["**"]}}]}}"#,
                i + 1
            )));
        }
        let (root, rest) = chain_policies.split_first().unwrap();
        let d = Chain::resolve(root, rest).decide(&Request::new("a", "b"));
        assert!(matches!(d.reason, Reason::InheritanceTooDeep { .. }), "{d:?}");
        let a = policy(
            r#"{"policy_version":"2","policy_id":"a","issuer_did":"did:key:z","inherits":"b",
                "statements":[{"sid":"s","effect":"Allow","actions":["*"],"resources":["**"]}]}"#,
        );
        let b = policy(
            r#"{"policy_version":"2","policy_id":"b","issuer_did":"did:key:z","inherits":"a",
                "statements":[{"sid":"s","effect":"Allow","actions":["*"],"resources":["**"]}]}"#,
        );
        let parents = [b];
        let chain = Chain::resolve(&a, &parents);
        assert_eq!(chain.levels.len(), 2);
        assert!(chain.decide(&Request::new("x", "y")).is_allow());
    }

    #[test]
    fn v1_requires_provider_and_model() {
        let p = policy(
            r#"{"policy_version":"1","policy_id":"p","issuer_did":"did:key:z",
                "allowed_providers":["anthropic"],"allowed_models":["claude-*"],
                "minimum_model_identity_tier":"tee_measured"}"#,
        );
        let call = |provider: &str, model: &str| {
            Request::new("model:invoke", provider)
                .with(keys::MODEL_PROVIDER, provider)
                .with(keys::MODEL_NAME, model)
        };
        assert!(decide(&p, &call("anthropic", "claude-3")).0 == Verdict::Allow);
        assert!(decide(&p, &call("anthropic", "gpt-4o")).0 == Verdict::Deny);
        assert!(decide(&p, &call("openai", "claude-3")).0 == Verdict::Deny);
        assert!(decide(&p, &Request::new("tool:execute", "bash")).0 == Verdict::Allow);
        assert_eq!(p.unchecked.len(), 1);
    }

    #[test]
    fn malformed_policies_are_refused_with_a_reason() {
        for (bad, why) in [
            (r#"[]"#, "not a JSON object"),
            (r#"{"policy_version":"3","policy_id":"p"}"#, "cannot be evaluated"),
            (r#"{"policy_version":"2","policy_id":"p","statements":[]}"#, "1 to 64"),
            (
                r#"{"policy_version":"2","policy_id":"p","statements":[{"sid":"s","effect":"Maybe","actions":["a"],"resources":["r"]}]}"#,
                "effect",
            ),
            (
                r#"{"policy_version":"2","policy_id":"p","statements":[{"sid":"s","effect":"Allow","actions":["a"],"resources":["r"]},{"sid":"s","effect":"Allow","actions":["a"],"resources":["r"]}]}"#,
                "used twice",
            ),
            (
                r#"{"policy_version":"2","policy_id":"p","statements":[{"sid":"s","effect":"Allow","actions":["a"],"resources":["r"],"conditions":{"Bool":{"k":true}}}]}"#,
                "must be a string",
            ),
            (
                r#"{"policy_version":"1","policy_id":"p","allowed_models":"x"}"#,
                "must be an array",
            ),
        ] {
            let err = parse_policy(&parse_str(bad).unwrap()).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn explain_traces_every_statement() {
        let p = v2(
            r#"[{"sid":"A","effect":"Allow","actions":["model:invoke"],"resources":["*"],
                 "conditions":{"StringEquals":{"Model:Provider":"anthropic"},"NumericLessThan":{"Context:Hour":"9"}}}]"#,
        );
        let r = Request::new("model:invoke", "anthropic")
            .with(keys::MODEL_PROVIDER, "anthropic")
            .with(keys::CONTEXT_HOUR, "10");
        let chain = Chain::resolve(&p, &[]);
        let traces = chain.explain(&r);
        assert_eq!(traces.len(), 1);
        let (_, t) = &traces[0];
        assert!(t.action.is_some() && t.resource.is_some() && !t.matched);
        assert_eq!(
            t.conditions.iter().map(|c| c.holds).collect::<Vec<_>>(),
            vec![true, false]
        );
        assert_eq!(t.conditions[1].actual, Some("10"));
    }
}
