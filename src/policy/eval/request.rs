//! A request to a policy: an action on a resource, in a context of `key = value` strings.

/// The context keys the evidence gives a request (docs/policy-evaluation.md).
pub mod keys {
    pub const AGENT_DID: &str = "Agent:DID";
    pub const CONTEXT_HOUR: &str = "Context:Hour";
    pub const MODEL_PROVIDER: &str = "Model:Provider";
    pub const MODEL_NAME: &str = "Model:Name";
    pub const RECEIPT_PROOF_TIER: &str = "Receipt:ProofTier";
    pub const TOOL_NAME: &str = "Tool:Name";
    pub const SIDE_EFFECT_TARGET_DOMAIN: &str = "SideEffect:TargetDomain";
    pub const REQUEST_HAS_HUMAN_APPROVAL: &str = "Request:HasHumanApproval";
}

/// What is asked: an action on a resource, in a context of `key = value` strings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub action: String,
    pub resource: String,
    /// In the order given; a key given twice keeps its first value.
    pub context: Vec<(String, String)>,
}

impl Request {
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Request {
        Request {
            action: action.into(),
            resource: resource.into(),
            context: Vec::new(),
        }
    }

    /// The request with one more context value.
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Request {
        self.context.push((key.to_string(), value.into()));
        self
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.context.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}
