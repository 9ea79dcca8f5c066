//! A sealed audit bundle described by its parts, any of which a test vector may change.
//! `Scenario::sample()` is the fixed-seed sample of `audit::sample`, byte for byte (a test
//! holds the two together). Each artifact is rebuilt from the parts after a change, so a
//! vector differs from the sample by exactly the fault it names: when a fault changes the
//! policy hash or the token scope hash, everything bound to them follows.

use crate::audit::checkpoint::{payload_value, sign_payload, CheckpointFields};
use crate::audit::manifest::build_manifest;
use crate::audit::manifest::{POLICY_PATH, TOKEN_PATH};
use crate::audit::merkle;
use crate::clawsig::producer::{envelope_with_hash, sign_envelope, Signer};
use crate::crypto::sha256_b64u;
use crate::json::{Object, Value};
use crate::policy::approvals::{self, build_approval, ApprovalRequest, Decision};
use crate::policy::{cst, wpc};
use crate::produce::receipt::build_receipt;
use crate::produce::seal::{assemble, json_bytes};
use crate::signed_jcs::sign_jcs;
use crate::vectors::audit_sample::{self, SampleKeys};

/// An edit applied to a JSON object (an envelope, a payload, the manifest).
pub type ObjectEdit = Box<dyn Fn(&mut Object)>;
/// A rewrite of a compact token.
pub type TextEdit = Box<dyn Fn(&str) -> String>;
/// A rewrite of the finished archive.
pub type BytesEdit = Box<dyn Fn(Vec<u8>) -> Result<Vec<u8>, String>>;

/// The listed artifacts of a scenario and the hashes they bind.
pub struct Artifacts {
    /// `(path, bytes)`, paths as in the ZIP.
    pub files: Vec<(String, Vec<u8>)>,
    pub policy_hash: Option<String>,
    pub scope_hash: Option<String>,
}

/// One approval file, `artifacts/approvals/<file>.json`.
pub struct Approval {
    pub file: String,
    pub signer: Signer,
    pub subject: String,
    pub receipt_id: String,
    pub decision: Decision,
    pub timestamp: String,
    pub run_id: Option<String>,
    /// The plan approved; `None` approves the bundle's first plan.
    pub plan: Option<Value>,
    /// The policy hash approved under; `None` is the bundle's.
    pub policy_hash: Option<String>,
    /// Changes the payload after it is built; the approval is then hashed and signed again.
    pub edit: Option<ObjectEdit>,
}

impl Approval {
    /// An explicit approval of the bundle's plan, given before the seal.
    pub fn approve(file: &str, signer: &Signer, subject: &str) -> Approval {
        Approval {
            file: file.to_string(),
            signer: signer.clone(),
            subject: subject.to_string(),
            receipt_id: file.to_string(),
            decision: Decision::Approve,
            timestamp: audit_sample::APPROVED_AT.to_string(),
            run_id: Some(audit_sample::RUN_ID.to_string()),
            plan: None,
            policy_hash: None,
            edit: None,
        }
    }
}

/// One gateway receipt file, `artifacts/receipts/<id>.json`.
pub struct Receipt {
    pub id: String,
    pub nonce: String,
    pub timestamp: String,
    pub run_id: String,
    /// Bound policy hash; `None` is the bundle's.
    pub policy_hash: Option<String>,
    /// Bound token scope hash; `None` is the bundle's.
    pub scope_hash: Option<String>,
}

impl Receipt {
    pub fn new(id: &str, nonce: &str) -> Receipt {
        Receipt {
            id: id.to_string(),
            nonce: nonce.to_string(),
            timestamp: audit_sample::RECEIPT_AT.to_string(),
            run_id: audit_sample::RUN_ID.to_string(),
            policy_hash: None,
            scope_hash: None,
        }
    }
}

/// What the token pins as its policy.
pub enum Pin {
    /// The bundle's policy hash.
    Policy,
    Absent,
    Other(String),
}

/// Every part of a bundle. Fields are public so that a vector changes exactly one.
pub struct Scenario {
    pub keys: SampleKeys,
    /// `None`: the bundle has no policy file.
    pub policy_payload: Option<Value>,
    pub policy_signer: Signer,
    /// Changes the signed policy envelope (the bundle then binds the resulting payload's hash).
    pub policy_edit: Option<ObjectEdit>,
    /// Claims without the pin and scope hash, which are filled in; `None`: no token.
    pub token_claims: Option<Value>,
    pub token_pin: Pin,
    /// A `token_scope_hash_b64u` claim other than the recomputed one.
    pub token_scope_claim: Option<String>,
    pub token_signer: Signer,
    /// Rewrites the compact token after signing.
    pub token_edit: Option<TextEdit>,
    /// Each at `artifacts/plans/<gate_id>.json`.
    pub plans: Vec<Value>,
    pub approvals: Vec<Approval>,
    pub receipts: Vec<Receipt>,
    pub proof_bundle: bool,
    /// Changes the binding of the proof bundle's gateway receipt before it is signed (a
    /// span id for side-effect receipts to anchor to).
    pub bundle_receipt_binding_edit: Option<ObjectEdit>,
    /// Changes the proof bundle's payload (tool and side-effect receipts); the bundle is then
    /// signed again by the agent.
    pub proof_bundle_edit: Option<ObjectEdit>,
    pub trust_pulse: bool,
    /// Files under `artifacts/attachments/`.
    pub attachments: Vec<(String, Vec<u8>)>,
    /// Changes the manifest after it is built; the tree is computed from the result.
    pub manifest_edit: Option<ObjectEdit>,
    pub bundle_id: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub job_id: String,
    pub run_id: Option<String>,
    pub agent_did: Option<String>,
    /// Checkpoint bindings other than the ones the artifacts imply.
    pub policy_binding: Option<String>,
    pub scope_binding: Option<String>,
    pub sealer: Signer,
    /// A `sealer_did` other than the signer's.
    pub sealer_did: Option<String>,
    pub tree_size_delta: u64,
    pub flip_root: bool,
    /// Changes the checkpoint payload before it is signed.
    pub checkpoint_payload_edit: Option<ObjectEdit>,
    /// Changes the checkpoint envelope after it is signed.
    pub checkpoint_edit: Option<ObjectEdit>,
    /// Listed files left out of the archive.
    pub drop_files: Vec<String>,
    /// Listed files whose archived bytes differ from the manifest.
    pub replace_files: Vec<(String, Vec<u8>)>,
    /// Archived files the manifest does not list.
    pub unlisted_files: Vec<(String, Vec<u8>)>,
    /// Rewrites the finished archive's bytes.
    pub zip_edit: Option<BytesEdit>,
}

/// The claims of the sample token before the pin and scope hash are added.
pub fn sample_claims(keys: &SampleKeys) -> Value {
    Value::from_serde(&serde_json::json!({
        "token_version": "1", "sub": "agent:sample", "aud": ["clawproxy"], "scope": ["llm:call"],
        "iat": audit_sample::TOKEN_IAT, "exp": audit_sample::TOKEN_EXP, "mission_id": audit_sample::JOB_ID,
        "agent_did": keys.agent.did()
    }))
}

fn set(obj: &mut Object, key: &str, value: Value) {
    obj.insert(key, value);
}

impl Scenario {
    /// The sample bundle: every artifact kind, a two-person gate met by alice and bob.
    pub fn sample() -> Scenario {
        let keys = SampleKeys::new();
        Scenario {
            policy_payload: Some(audit_sample::policy_payload(&keys)),
            policy_signer: keys.policy_issuer.clone(),
            policy_edit: None,
            token_claims: Some(sample_claims(&keys)),
            token_pin: Pin::Policy,
            token_scope_claim: None,
            token_signer: keys.token_issuer.clone(),
            token_edit: None,
            plans: vec![audit_sample::plan(&keys)],
            approvals: vec![
                Approval::approve("apr_alice", &keys.alice, "alice@example.com"),
                Approval::approve("apr_bob", &keys.bob, "bob@example.com"),
            ],
            receipts: vec![Receipt::new("rcpt_file_1", "nonce_file_1")],
            proof_bundle: true,
            bundle_receipt_binding_edit: None,
            proof_bundle_edit: None,
            trust_pulse: true,
            attachments: vec![("notes.txt".to_string(), b"rotation notes\n".to_vec())],
            manifest_edit: None,
            bundle_id: "ab_sample".to_string(),
            created_at: audit_sample::CREATED_AT.to_string(),
            expires_at: None,
            job_id: audit_sample::JOB_ID.to_string(),
            run_id: Some(audit_sample::RUN_ID.to_string()),
            agent_did: Some(keys.agent.did().to_string()),
            policy_binding: None,
            scope_binding: None,
            sealer: keys.sealer.clone(),
            sealer_did: None,
            tree_size_delta: 0,
            flip_root: false,
            checkpoint_payload_edit: None,
            checkpoint_edit: None,
            drop_files: Vec::new(),
            replace_files: Vec::new(),
            unlisted_files: Vec::new(),
            zip_edit: None,
            keys,
        }
    }

    /// The approval in file `file` (to change one field of it).
    pub fn approval_mut(&mut self, file: &str) -> Option<&mut Approval> {
        self.approvals.iter_mut().find(|a| a.file == file)
    }

    /// The policy envelope (when there is one) and the hash everything else binds.
    fn policy(&self) -> Result<Option<(Value, String)>, String> {
        let Some(payload) = &self.policy_payload else {
            return Ok(None);
        };
        let hash = wpc::policy_hash(payload);
        let mut env = envelope_with_hash(
            &self.policy_signer,
            "1",
            wpc::ENVELOPE_TYPE,
            payload.clone(),
            hash,
            audit_sample::POLICY_ISSUED_AT,
            None,
        );
        if let (Some(edit), Some(obj)) = (&self.policy_edit, env.as_object_mut()) {
            edit(obj);
        }
        let bound = wpc::policy_hash(env.get("payload").ok_or("the policy edit removed the payload")?);
        Ok(Some((env, bound)))
    }

    /// The compact token (when there is one) and its recomputed scope hash.
    fn token(&self, policy_hash: Option<&str>) -> Result<Option<(String, String)>, String> {
        let Some(claims) = &self.token_claims else {
            return Ok(None);
        };
        let mut claims = claims.clone();
        let obj = claims.as_object_mut().ok_or("the token claims are not an object")?;
        let pin = match &self.token_pin {
            Pin::Policy => policy_hash.map(str::to_string),
            Pin::Absent => None,
            Pin::Other(h) => Some(h.clone()),
        };
        if let Some(pin) = pin {
            set(obj, "policy_hash_b64u", Value::from(pin));
        }
        let scope = cst::token_scope_hash(&claims)?;
        let claim = self.token_scope_claim.clone().unwrap_or_else(|| scope.clone());
        if let Some(obj) = claims.as_object_mut() {
            set(obj, "token_scope_hash_b64u", Value::from(claim));
        }
        let mut jws = cst::sign_compact(&self.token_signer, &claims);
        if let Some(edit) = &self.token_edit {
            jws = edit(&jws);
        }
        Ok(Some((jws, scope)))
    }

    fn approval_file(&self, a: &Approval, policy_hash: &str) -> Result<Value, String> {
        let plan = match &a.plan {
            Some(p) => p,
            None => self.plans.first().ok_or("an approval needs a plan")?,
        };
        let env = build_approval(
            &a.signer,
            &ApprovalRequest {
                plan,
                policy_hash_b64u: a.policy_hash.as_deref().unwrap_or(policy_hash),
                approver_subject: &a.subject,
                agent_did: self.keys.agent.did(),
                decision: a.decision,
                timestamp: &a.timestamp,
                receipt_id: Some(&a.receipt_id),
                method: None,
                run_id: a.run_id.as_deref(),
            },
        )?;
        let Some(edit) = &a.edit else {
            return Ok(env);
        };
        let mut payload = env.get("payload").cloned().ok_or("approval without payload")?;
        payload.as_object_mut().map(edit).ok_or("approval payload")?;
        Ok(sign_jcs(&a.signer, approvals::ENVELOPE_TYPE, payload, &a.timestamp))
    }

    fn receipt_binding(&self, run_id: &str, nonce: &str, event: Option<&str>) -> Object {
        let mut b = Object::new();
        b.insert("run_id", Value::from(run_id));
        if let Some(e) = event {
            b.insert("event_hash_b64u", Value::from(e));
        }
        b.insert("nonce", Value::from(nonce));
        b
    }

    fn receipt_file(&self, r: &Receipt, policy: &str, scope: &str) -> Result<Value, String> {
        let mut payload = audit_sample::receipt_payload(&r.id, self.receipt_binding(&r.run_id, &r.nonce, None));
        if let Some(o) = payload.as_object_mut() {
            o.insert("timestamp", Value::from(r.timestamp.as_str()));
        }
        build_receipt(
            &self.keys.gateway,
            payload,
            Some(r.policy_hash.as_deref().unwrap_or(policy)),
            Some(r.scope_hash.as_deref().unwrap_or(scope)),
            &r.timestamp,
        )
    }

    /// The sample's proof bundle: two events and one receipt bound to the first.
    fn proof_bundle_file(&self, policy: &str, scope: &str) -> Result<Value, String> {
        let run = audit_sample::RUN_ID;
        let (events, hashes) = audit_sample::proof_events();
        let first = hashes.first().cloned().unwrap_or_default();
        let mut binding = self.receipt_binding(run, "nonce_bundle_1", Some(&first));
        if let Some(edit) = &self.bundle_receipt_binding_edit {
            edit(&mut binding);
        }
        let payload = audit_sample::receipt_payload("rcpt_bundle_1", binding);
        let receipt = build_receipt(
            &self.keys.gateway,
            payload,
            Some(policy),
            Some(scope),
            audit_sample::RECEIPT_AT,
        )?;
        let bundle = audit_sample::proof_bundle(&self.keys, events, receipt);
        let Some(edit) = &self.proof_bundle_edit else {
            return Ok(bundle);
        };
        let mut payload = bundle.get("payload").cloned().ok_or("proof bundle without payload")?;
        payload.as_object_mut().map(edit).ok_or("proof bundle payload")?;
        Ok(sign_envelope(
            &self.keys.agent,
            "proof_bundle",
            payload,
            audit_sample::RECEIPT_AT,
            None,
        ))
    }

    fn trust_pulse_file(&self) -> Value {
        Value::from_serde(&serde_json::json!({
            "trust_pulse_version": "1", "run_id": audit_sample::RUN_ID, "agent_did": self.keys.agent.did(),
            "issued_at": audit_sample::RECEIPT_AT, "evidence_class": "self_reported", "tier_uplift": false,
            "tools": [], "files": []
        }))
    }

    /// Every listed artifact, and the policy and scope hashes they bind.
    pub fn artifacts(&self) -> Result<Artifacts, String> {
        let mut out = Vec::new();
        let policy = self.policy()?;
        let policy_hash = policy.as_ref().map(|(_, h)| h.clone());
        if let Some((env, _)) = &policy {
            out.push((POLICY_PATH.to_string(), json_bytes(env)));
        }
        let token = self.token(policy_hash.as_deref())?;
        let scope_hash = token.as_ref().map(|(_, s)| s.clone());
        if let Some((jws, _)) = token {
            out.push((TOKEN_PATH.to_string(), jws.into_bytes()));
        }
        // Artifacts bound to an absent policy or token carry a hash nobody signed.
        let unbound = sha256_b64u(b"clawaudit vectors: nothing");
        let policy_b = policy_hash.clone().unwrap_or_else(|| unbound.clone());
        let scope_b = scope_hash.clone().unwrap_or_else(|| unbound.clone());
        for plan in &self.plans {
            let gate = plan
                .get("gate_id")
                .and_then(Value::as_str)
                .ok_or("plan without gate_id")?;
            out.push((format!("artifacts/plans/{gate}.json"), json_bytes(plan)));
        }
        for a in &self.approvals {
            out.push((
                format!("artifacts/approvals/{}.json", a.file),
                json_bytes(&self.approval_file(a, &policy_b)?),
            ));
        }
        for r in &self.receipts {
            out.push((
                format!("artifacts/receipts/{}.json", r.id),
                json_bytes(&self.receipt_file(r, &policy_b, &scope_b)?),
            ));
        }
        if self.proof_bundle {
            out.push((
                "artifacts/proof_bundle.json".to_string(),
                json_bytes(&self.proof_bundle_file(&policy_b, &scope_b)?),
            ));
        }
        if self.trust_pulse {
            out.push((
                "artifacts/trust_pulse.json".to_string(),
                json_bytes(&self.trust_pulse_file()),
            ));
        }
        for (name, bytes) in &self.attachments {
            out.push((format!("artifacts/attachments/{name}"), bytes.clone()));
        }
        Ok(Artifacts {
            files: out,
            policy_hash,
            scope_hash,
        })
    }

    /// The sealed archive.
    pub fn build(&self) -> Result<Vec<u8>, String> {
        let Artifacts {
            files: artifacts,
            policy_hash,
            scope_hash,
        } = self.artifacts()?;
        let mut manifest = build_manifest(&artifacts)?;
        if let (Some(edit), Some(obj)) = (&self.manifest_edit, manifest.as_object_mut()) {
            edit(obj);
        }
        let leaves: Vec<merkle::Hash> = manifest
            .get("entries")
            .and_then(Value::as_array)
            .ok_or("the manifest edit removed the entries")?
            .iter()
            .map(merkle::entry_leaf)
            .collect();
        let mut root = merkle::root(&leaves).ok_or("the manifest lists no entries")?;
        if self.flip_root {
            root[0] ^= 1;
        }
        let fields = CheckpointFields {
            bundle_id: self.bundle_id.clone(),
            created_at: self.created_at.clone(),
            expires_at: self.expires_at.clone(),
            job_id: self.job_id.clone(),
            run_id: self.run_id.clone(),
            agent_did: self.agent_did.clone(),
            tree_size: leaves.len() as u64 + self.tree_size_delta,
            root,
            policy_hash_b64u: self.policy_binding.clone().or(policy_hash),
            token_scope_hash_b64u: self.scope_binding.clone().or(scope_hash),
        };
        let mut payload = payload_value(&fields, self.sealer_did.as_deref().unwrap_or(self.sealer.did()));
        if let (Some(edit), Some(obj)) = (&self.checkpoint_payload_edit, payload.as_object_mut()) {
            edit(obj);
        }
        let mut checkpoint = sign_payload(&self.sealer, payload, &self.created_at);
        if let (Some(edit), Some(obj)) = (&self.checkpoint_edit, checkpoint.as_object_mut()) {
            edit(obj);
        }

        let mut files: Vec<(String, Vec<u8>)> = artifacts
            .into_iter()
            .filter(|(p, _)| !self.drop_files.contains(p))
            .map(|(p, b)| {
                let replaced = self.replace_files.iter().find(|(r, _)| *r == p).map(|(_, b)| b.clone());
                (p, replaced.unwrap_or(b))
            })
            .collect();
        files.extend(self.unlisted_files.iter().cloned());
        let zip = assemble(&json_bytes(&checkpoint), &json_bytes(&manifest), &files)?;
        match &self.zip_edit {
            Some(edit) => edit(zip),
            None => Ok(zip),
        }
    }
}

/// The artifacts of the at-scale sample (`benches/audit.rs`, `examples/sample_audit_bundle.rs`):
/// the sample's artifacts plus `extra_receipts` more bound gateway receipts, then build-log
/// attachments up to `total` entries. Seal with `audit_sample::options` and the sample's sealer.
pub fn bulk_artifacts(total: usize, extra_receipts: usize) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut s = Scenario::sample();
    for i in 0..extra_receipts {
        s.receipts.push(Receipt::new(
            &format!("rcpt_bulk_{i:05}"),
            &format!("nonce_bulk_{i:05}"),
        ));
    }
    let mut files = s.artifacts()?.files;
    let mut i = 0usize;
    while files.len() < total {
        let text = format!(
            "build log line {i}: step completed, 0 warnings, checksum {}\n",
            i.wrapping_mul(7919)
        );
        files.push((format!("artifacts/attachments/bulk/{i:05}.txt"), text.into_bytes()));
        i += 1;
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scenario_is_the_sample_bundle() {
        let s = Scenario::sample();
        assert_eq!(s.build().unwrap(), audit_sample::bundle(&s.keys).unwrap());
        let mut ours = s.artifacts().unwrap().files;
        let mut theirs = audit_sample::artifacts(&s.keys).unwrap();
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs);
    }
}
