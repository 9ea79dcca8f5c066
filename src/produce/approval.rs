//! Approvals (`clawaudit approve`): a signed human approval of a plan under a policy whose
//! clawaudit extension declares the plan's gate.

use crate::clawsig::producer::Signer;
use crate::json::Value;
use crate::policy::approvals::{build_approval, ApprovalRequest};
use crate::policy::wpc::PolicyInfo;

/// `did:<method>:<id>`: a lowercase alphanumeric method and a non-empty id without spaces.
fn is_did(text: &str) -> bool {
    let mut parts = text.splitn(3, ':');
    let (Some("did"), Some(method), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !method.is_empty()
        && method.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && !id.is_empty()
        && !id.contains(char::is_whitespace)
}

/// Sign `request` under `policy`. A plan for a gate the policy does not declare is refused:
/// its approval could never count.
pub fn approve(signer: &Signer, policy: &PolicyInfo, request: &ApprovalRequest) -> Result<Value, String> {
    // The verifier excludes the agent from an independent gate by its DID: a value that is
    // not a DID could never be matched.
    if !is_did(request.agent_did) {
        return Err(format!(
            "--agent-did \"{}\" is not a DID (did:<method>:<id>)",
            crate::schema_rules::short(request.agent_did)
        ));
    }
    let gate_id = request.plan.get("gate_id").and_then(Value::as_str).unwrap_or("");
    if policy.extension.as_ref().and_then(|e| e.gate(gate_id)).is_none() {
        return Err(format!("the policy declares no approval gate \"{gate_id}\""));
    }
    build_approval(signer, request)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dids_have_a_method_and_an_id() {
        for ok in ["did:key:z6MkhD83", "did:web:example.com", "did:example:123:456"] {
            assert!(super::is_did(ok), "{ok}");
        }
        for bad in [
            "not a did",
            "did:key:",
            "did::x",
            "did:Key:x",
            "did:key:a b",
            "did:key:z6Mk…x y",
            "",
        ] {
            assert!(!super::is_did(bad), "{bad}");
        }
    }
}
