//! `clawaudit inspect`: what a subject holds, every hash recomputed with its recipe beside
//! what the artifacts claim, and every signer with the trust roles it holds. Nothing here is a
//! verdict: a claim that differs from a recomputed hash is stated as a fact, signatures are
//! not verified, and no check runs. `clawaudit verify` judges.
//!
//! Input is bounded exactly as for verification: a sealed bundle is read through
//! `audit::container::read_container` with the caller's limits (an archive verify would
//! refuse is refused here, with the reasons), every JSON document through the strict parser
//! with the caller's JSON limits. Artifacts inside a readable bundle that cannot be read are
//! reported as unreadable, with why; only the subject itself can be refused.

mod audit;
mod model;
mod proof_bundle;
mod signers;

use crate::clawsig::envelope::describe;
use crate::context::Limits;
use crate::json::{self, ParseError, Value};
use crate::report::{Failure, Kind};
use crate::trust::{Trust, TrustSource};
use crate::verify::{detect_kind, is_audit_bundle, non_subject_role, Subject};

pub use self::audit::{
    ApprovalFacts, Artifact, AuditBundleFacts, CheckpointFacts, Digest, EntryFact, ManifestFacts, PlanFacts,
    PolicyFacts, TokenClaims, TokenFacts, TrustPulseFacts, TRUST_PULSE_PATH,
};
pub use self::model::{ComputedHash, EnvelopeFacts, HashClaim, Part, Signed, SignerFact, TrustRole};
pub use self::proof_bundle::{AttestationFacts, BundleCounts, ProofBundleFacts, ReceiptFacts};
use self::signers::Signers;

/// The version of the inspection's JSON shape (`render::inspect::render_json`).
pub const INSPECT_VERSION: &str = "1";

/// What one subject holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Inspection {
    pub path: String,
    pub contents: Contents,
    /// Every signer named by the subject, in the order first met, with its trust roles.
    pub signers: Vec<SignerFact>,
    /// Where the roles come from (`TrustSource::None`: no trust file was given).
    pub trust: TrustSource,
}

/// The kinds inspect reads.
#[derive(Clone, Debug, PartialEq)]
pub enum Contents {
    AuditBundle(Box<AuditBundleFacts>),
    ProofBundle(Box<ProofBundleFacts>),
}

impl Contents {
    pub fn kind(&self) -> Kind {
        match self {
            Contents::AuditBundle(_) => Kind::AuditBundle,
            Contents::ProofBundle(_) => Kind::ProofBundle,
        }
    }
}

/// Why a subject could not be inspected (the CLI exits 2).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum InspectError {
    /// The archive fails the container checks that verification applies first.
    #[error("the archive is refused by the container checks of spec 20 §4, as verify refuses it: {}", refusals(.0))]
    ContainerRefused(Vec<Failure>),
    #[error("the file is not acceptable JSON: {0}")]
    NotJson(ParseError),
    #[error("the file is {0}; inspect reads sealed audit bundles (ZIP) and proof bundles")]
    UnsupportedKind(String),
}

fn refusals(failures: &[Failure]) -> String {
    failures
        .iter()
        .map(|f| format!("{} {}", f.code, f.detail))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Inspect one subject (its `kind`, `urm` and `artifact` are not used). `subject.full_len`
/// is the input's real size when `bytes` holds only its first part. Never panics.
pub fn inspect(subject: &Subject, trust: Option<&Trust>, limits: &Limits) -> Result<Inspection, InspectError> {
    let empty = Trust::empty();
    let trust = trust.unwrap_or(&empty);
    let mut signers = Signers::new(trust);
    let size = subject.full_len.unwrap_or(0).max(subject.bytes.len() as u64);
    let contents = if is_audit_bundle(&subject.path, &subject.bytes) {
        Contents::AuditBundle(Box::new(
            audit::inspect_audit_bundle(&subject.bytes, size, limits, &mut signers)
                .map_err(InspectError::ContainerRefused)?,
        ))
    } else {
        let value = parse_subject(&subject.bytes, size, limits)?;
        ensure_proof_bundle(&value)?;
        Contents::ProofBundle(Box::new(proof_bundle::inspect_proof_bundle(
            &value,
            "proof bundle",
            &mut signers,
        )))
    };
    Ok(Inspection {
        path: subject.path.clone(),
        contents,
        signers: signers.list,
        trust: trust.source.clone(),
    })
}

/// [`inspect`] of a sealed bundle whose archive the caller has read already (with
/// `audit::container::read_container` and the same limits), so that verification, inspection
/// and a rotation timeline share one read.
pub fn inspect_audit_container(
    path: &str,
    container: &crate::audit::container::Container,
    trust: Option<&Trust>,
    limits: &Limits,
) -> Inspection {
    let empty = Trust::empty();
    let trust = trust.unwrap_or(&empty);
    let mut signers = Signers::new(trust);
    let facts = audit::inspect_container(container, limits, &mut signers);
    Inspection {
        path: path.to_string(),
        contents: Contents::AuditBundle(Box::new(facts)),
        signers: signers.list,
        trust: trust.source.clone(),
    }
}

/// [`inspect`] of a JSON subject the caller has parsed already (the whole subject, with the
/// same JSON limits): `path` names it.
pub fn inspect_document(path: &str, value: &Value, trust: Option<&Trust>) -> Result<Inspection, InspectError> {
    let empty = Trust::empty();
    let trust = trust.unwrap_or(&empty);
    let mut signers = Signers::new(trust);
    ensure_proof_bundle(value)?;
    let facts = proof_bundle::inspect_proof_bundle(value, "proof bundle", &mut signers);
    Ok(Inspection {
        path: path.to_string(),
        contents: Contents::ProofBundle(Box::new(facts)),
        signers: signers.list,
        trust: trust.source.clone(),
    })
}

/// The subject's JSON, refused past the size limit with its real size.
fn parse_subject(bytes: &[u8], size: u64, limits: &Limits) -> Result<Value, InspectError> {
    if size > limits.json.max_bytes as u64 {
        return Err(InspectError::NotJson(ParseError::TooLarge {
            size: usize::try_from(size).unwrap_or(usize::MAX),
            limit: limits.json.max_bytes,
        }));
    }
    json::parse(bytes, &limits.json).map_err(InspectError::NotJson)
}

/// A proof bundle is a SignedEnvelope of type `proof_bundle`; anything else is named.
fn ensure_proof_bundle(value: &Value) -> Result<(), InspectError> {
    let kind = detect_kind(value);
    let envelope_type = value.get("envelope_type");
    if kind == Kind::ProofBundle && envelope_type.and_then(Value::as_str) == Some("proof_bundle") {
        return Ok(());
    }
    let what = match (kind, envelope_type) {
        (Kind::Unknown, _) => match non_subject_role(value) {
            Some(role) => role.to_string(),
            None => "JSON of no kind clawaudit knows".to_string(),
        },
        (Kind::ProofBundle, Some(t)) => format!("an envelope of type {}", describe(Some(t))),
        (Kind::ProofBundle, None) => "a bare proof-bundle payload, not a SignedEnvelope".to_string(),
        (other, _) => kind_noun(other).to_string(),
    };
    Err(InspectError::UnsupportedKind(what))
}

/// A kind inspect does not read, as a noun.
fn kind_noun(kind: Kind) -> &'static str {
    match kind {
        Kind::CommitSig => "a commit signature",
        Kind::ExportBundle => "an export bundle",
        Kind::AggregateBundle => "an aggregate bundle",
        Kind::LogInclusionProof => "a Clawsig log inclusion proof",
        Kind::InclusionProof => "an inclusion proof of a sealed bundle entry",
        Kind::AuditBundle => "a sealed audit bundle",
        Kind::ProofBundle => "a proof bundle",
        Kind::GatewayReceipt => "a gateway receipt",
        Kind::Approval => "an approval",
        Kind::Policy => "a Work Policy Contract",
        Kind::Token => "a scoped token",
        Kind::Plan => "a plan",
        Kind::Unknown => "of no kind clawaudit knows",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn other_kinds_and_unknown_content_are_named() {
        let cases = [
            (r#"{"export_version":"1"}"#, "an export bundle"),
            (r#"{"trust_version":"1"}"#, "a trust file"),
            (r#"{"hello":1}"#, "JSON of no kind clawaudit knows"),
            (
                r#"{"envelope_version":"1","envelope_type":"gateway_receipt","payload":{},"signature_b64u":"x"}"#,
                "a gateway receipt",
            ),
            (
                r#"{"envelope_version":"1","envelope_type":"mystery","payload":{},"signature_b64u":"x"}"#,
                "an envelope of type \"mystery\"",
            ),
            (
                r#"{"bundle_version":"1","agent_did":"did:key:z"}"#,
                "a bare proof-bundle payload",
            ),
        ];
        for (text, expected) in cases {
            let err = inspect(&Subject::new("x.json", text.as_bytes().to_vec()), None, &limits()).unwrap_err();
            assert!(err.to_string().contains(expected), "{text}: {err}");
        }
        let err = inspect(&Subject::new("x.json", b"\x00\xffnot json".to_vec()), None, &limits()).unwrap_err();
        assert!(matches!(err, InspectError::NotJson(_)), "{err}");
    }

    #[test]
    fn an_oversized_json_subject_is_refused_with_its_real_size() {
        let mut l = limits();
        l.json.max_bytes = 10;
        let mut s = Subject::new("big.json", vec![b' '; 11]);
        s.full_len = Some(5000);
        let err = inspect(&s, None, &l).unwrap_err();
        assert!(err.to_string().contains("input is 5000 bytes"), "{err}");
    }

    #[test]
    fn a_refused_archive_says_why() {
        let err = inspect(&Subject::new("x.zip", b"PK\x03\x04garbage".to_vec()), None, &limits()).unwrap_err();
        assert!(matches!(err, InspectError::ContainerRefused(_)), "{err}");
        assert!(err.to_string().contains("CONTAINER_INVALID"), "{err}");
    }
}
