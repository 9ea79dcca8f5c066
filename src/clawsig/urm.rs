//! The URM (Universal Resource Manifest) a bundle references (§3.9). The document bytes come
//! from the subject (`--urm` or the sibling file); this module only checks them.

use crate::crypto::sha256_b64u;
use crate::json::{self, jss, ParseLimits, Value};
use crate::reason::ReasonCode;
use crate::report::Failure;
use crate::schema_rules::{b64u, schema_failure, Obj, Path, RuleResult};

fn check_resource(v: &Value, path: &Path<'_>) -> RuleResult {
    Obj::new(v, path)?
        .closed(&[
            "type",
            "hash_b64u",
            "content_type",
            "uri",
            "path",
            "size_bytes",
            "metadata",
        ])?
        .required(&["type", "hash_b64u"])?
        .str_min("type", 1)?
        .b64u("hash_b64u")?
        .str_any("content_type")?
        .str_any("uri")?
        .str_any("path")?
        .integer_min("size_bytes", 0.0)?
        .object("metadata")?;
    Ok(())
}

/// What the bundle is checked against in a URM document, once its schema passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UrmView<'v> {
    pub urm_id: &'v str,
    pub agent_did: &'v str,
    pub run_id: &'v str,
    pub event_chain_root_hash_b64u: Option<&'v str>,
}

/// `urm.v1.json`; the document's view.
pub fn check_urm_schema(v: &Value) -> RuleResult<UrmView<'_>> {
    let keys = [
        "urm_version",
        "urm_id",
        "run_id",
        "agent_did",
        "issued_at",
        "harness",
        "inputs",
        "outputs",
        "event_chain_root_hash_b64u",
        "receipts_root_hash_b64u",
        "proof_bundle_hash_b64u",
        "metadata",
    ];
    let o = Obj::new(v, "urm")?;
    o.closed(&keys)?
        .required(&keys[..8])?
        .konst("urm_version", "1")?
        .str_min("urm_id", 1)?
        .str_min("run_id", 1)?
        .did("agent_did")?
        .date_time("issued_at")?
        .b64u("event_chain_root_hash_b64u")?
        .b64u("receipts_root_hash_b64u")?
        .b64u("proof_bundle_hash_b64u")?
        .object("metadata")?
        .each("inputs", 0, usize::MAX, check_resource)?
        .each("outputs", 0, usize::MAX, check_resource)?;
    if let Some(h) = o.get("harness") {
        Obj::new(h, o.at("harness"))?
            .closed(&["id", "version", "runtime", "config_hash_b64u", "metadata"])?
            .required(&["id", "version"])?
            .str_min("id", 1)?
            .str_min("version", 1)?
            .str_any("runtime")?
            .b64u("config_hash_b64u")?
            .object("metadata")?;
    }
    Ok(UrmView {
        urm_id: o.text("urm_id")?,
        agent_did: o.text("agent_did")?,
        run_id: o.text("run_id")?,
        event_chain_root_hash_b64u: o.member("event_chain_root_hash_b64u", |v, at| b64u(v, 8, at))?,
    })
}

/// What the proof bundle says about its URM (its payload schema required these).
struct BundleSide<'v> {
    urm_id: &'v str,
    resource_hash_b64u: &'v str,
    agent_did: &'v str,
}

fn bundle_side(payload: &Value) -> RuleResult<BundleSide<'_>> {
    let p = Obj::new(payload, "payload")?;
    let reference = p.req_child("urm")?;
    Ok(BundleSide {
        urm_id: reference.text("urm_id")?,
        resource_hash_b64u: reference.text("resource_hash_b64u")?,
        agent_did: p.text("agent_did")?,
    })
}

fn fail(code: ReasonCode, why: String) -> Failure {
    Failure::new("urm", code, why).at_path("payload.urm")
}

/// Verify the referenced URM document. Returns `Ok(false)` when the bundle has no URM.
pub fn verify_urm(
    payload: &Value,
    urm_bytes: Option<&[u8]>,
    limits: &ParseLimits,
    chain_run_id: Option<&str>,
    chain_root: Option<&str>,
) -> Result<bool, Failure> {
    if payload.get("urm").is_none() {
        return Ok(false);
    }
    let bytes = urm_bytes.ok_or_else(|| {
        fail(
            ReasonCode::UrmMissing,
            "the proof bundle references a URM, but no URM document was supplied (--urm or the sibling -urm.json)"
                .into(),
        )
    })?;
    let doc = json::parse(bytes, limits).map_err(|e| {
        let code = match e {
            json::ParseError::TooLarge { .. } => ReasonCode::InputTooLarge,
            _ => ReasonCode::MalformedJson,
        };
        fail(code, format!("the URM document is not acceptable JSON: {e}"))
    })?;
    let urm = check_urm_schema(&doc).map_err(schema_failure("urm.schema", "URM document"))?;
    let bundle = bundle_side(payload).map_err(schema_failure("payload.schema", "proof bundle"))?;
    let mismatch = |what: &str| {
        fail(
            ReasonCode::UrmMismatch,
            format!("the URM document's {what} does not match the proof bundle"),
        )
    };
    if urm.urm_id != bundle.urm_id {
        return Err(mismatch("urm_id"));
    }
    if urm.agent_did != bundle.agent_did {
        return Err(mismatch("agent_did"));
    }
    if chain_run_id.is_some_and(|run| run != urm.run_id) {
        return Err(mismatch("run_id"));
    }
    if urm
        .event_chain_root_hash_b64u
        .is_some_and(|root| Some(root) != chain_root)
    {
        return Err(mismatch("event_chain_root_hash_b64u"));
    }
    let computed = sha256_b64u(jss::to_string(&doc).as_bytes());
    let claimed = bundle.resource_hash_b64u;
    if computed != claimed {
        return Err(fail(
            ReasonCode::HashMismatch,
            format!("the URM document hashes to {computed}, but the bundle's urm.resource_hash_b64u says {claimed}"),
        ));
    }
    Ok(true)
}
