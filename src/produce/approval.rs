//! Approvals (`clawaudit approve`): a signed human approval of a plan under a policy whose
//! clawaudit extension declares the plan's gate.

use crate::clawsig::producer::Signer;
use crate::json::Value;
use crate::policy::approvals::{build_approval, ApprovalRequest};
use crate::policy::wpc::PolicyInfo;

/// Sign `request` under `policy`. A plan for a gate the policy does not declare is refused:
/// its approval could never count.
pub fn approve(signer: &Signer, policy: &PolicyInfo, request: &ApprovalRequest) -> Result<Value, String> {
    let gate_id = request.plan.get("gate_id").and_then(Value::as_str).unwrap_or("");
    if policy.extension.as_ref().and_then(|e| e.gate(gate_id)).is_none() {
        return Err(format!("the policy declares no approval gate \"{gate_id}\""));
    }
    build_approval(signer, request)
}
