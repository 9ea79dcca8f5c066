//! Subject-level verification: detect the kind of a file and route it to its verifier.
//!
//! This is the library entry point the CLI uses. It takes bytes that were already read (the
//! CLI does the I/O, including loading a sibling URM document) and returns a `SubjectReport`.
//! The artifacts clawaudit produces (gateway receipts, approvals, policies, tokens, plans) are
//! verified on their own in `artifacts`.

pub mod artifacts;
pub mod policy;

use crate::context::VerifyContext;
use crate::json::{self, ParseError, Value};
use crate::reason::ReasonCode;
use crate::report::{Findings, Kind, SubjectReport};

/// One thing to verify.
#[derive(Clone, Debug)]
pub struct Subject {
    /// Display path (as given on the command line, or the walked file path).
    pub path: String,
    pub bytes: Vec<u8>,
    /// `--kind`, when forced.
    pub kind: Option<Kind>,
    /// A URM document for proof bundles (`--urm`, or the sibling `X-urm.json`).
    pub urm: Option<Vec<u8>>,
    /// Artifact bytes for inclusion proofs (`--artifact`).
    pub artifact: Option<Vec<u8>>,
    /// The policy a proof bundle is evaluated under (`--policy`, `--policy-parent`); shared
    /// by every subject of a run.
    pub policy: Option<std::sync::Arc<policy::GivenPolicy>>,
    /// The input's full size in bytes, when `bytes` holds only its first part: a reader that
    /// stops one byte past the size limit knows the real size from the file system, and a
    /// report of an oversized input names that size, not the limit plus one.
    pub full_len: Option<u64>,
}

impl Subject {
    pub fn new(path: impl Into<String>, bytes: Vec<u8>) -> Subject {
        Subject {
            path: path.into(),
            bytes,
            kind: None,
            urm: None,
            artifact: None,
            policy: None,
            full_len: None,
        }
    }
}

/// Inputs from this size on are parsed under `payload::COUNT_SKIM` rather than `COUNT_CAPS`: a
/// proof bundle within the count limits is rarely this large (the 1000-event, 1000-receipt sample
/// is 1.6 MB), so one over them is refused without building any of its counted arrays, and the
/// rare large valid one pays a second, whole parse.
const SKIM_MIN_BYTES: usize = 8 << 20;

/// Verify one subject. Never panics on any input; hostile input is FAIL, not an error.
pub fn verify_subject(subject: &Subject, ctx: &VerifyContext) -> SubjectReport {
    verify_subject_keeping(subject, ctx).0
}

/// What verification read of a subject, handed back instead of freed (see
/// `verify_subject_keeping`).
#[derive(Debug, Default)]
pub enum Kept {
    #[default]
    Nothing,
    /// The parsed JSON document (the whole subject, parsed with the context's limits).
    Document(Value),
    /// The archive of a sealed bundle, read past every container check.
    Container(crate::audit::container::Container),
}

/// `verify_subject`, also handing back what it read (the parsed document, or a sealed
/// bundle's archive) instead of freeing it: a caller that exits right afterwards (the CLI)
/// can skip tearing down a large tree, and `report` shows more of the subject without
/// reading it again.
pub fn verify_subject_keeping(subject: &Subject, ctx: &VerifyContext) -> (SubjectReport, Kept) {
    match verify_inner(subject, ctx, false) {
        Verified::Report(report, kept) => (report, kept),
        // Not reached: roles are only recognised when asked for. Were it reached, the file
        // would still be judged, never passed.
        Verified::NotASubject { role } => {
            let mut f = Findings::new();
            f.fail(
                "input.kind",
                ReasonCode::UnknownEnvelopeType,
                format!("the file is {role}, not an artifact"),
            );
            (
                SubjectReport::from_findings(&subject.path, Kind::Unknown, f),
                Kept::Nothing,
            )
        }
    }
}

/// What verifying a file found below a directory argument: a subject's report, or that the
/// file is a document clawaudit reads in another role (a trust file, a key file, …).
#[derive(Debug)]
// The report is the common case; boxing it would add an allocation per subject.
#[allow(clippy::large_enum_variant)]
pub enum Verified {
    /// The report, and what verification read (see `verify_subject_keeping`).
    Report(SubjectReport, Kept),
    NotASubject {
        role: &'static str,
    },
}

/// Verify a file found by walking a directory: like `verify_subject_keeping`, except that a
/// JSON document of a role other than an artifact (`non_subject_role`) is not a subject.
/// Any other unrecognised JSON is still a FAIL (`UNKNOWN_ENVELOPE_TYPE`).
pub fn verify_walked(subject: &Subject, ctx: &VerifyContext) -> Verified {
    verify_inner(subject, ctx, true)
}

/// What a JSON document is when clawaudit reads it in a role other than an artifact to
/// verify: a trust file, a Clawsig verifier config, a key file or a test-vector manifest.
pub fn non_subject_role(value: &Value) -> Option<&'static str> {
    let obj = value.as_object()?;
    let has = |k: &str| obj.contains_key(k);
    if has("trust_version") {
        Some("a trust file")
    } else if has("config_version") && (has("allowlists") || obj.len() == 1) {
        Some("a Clawsig verifier config")
    } else if has("key_version") && has("secret_key_b64u") {
        Some("a key file")
    } else if has("manifest_version") && has("vectors") {
        Some("a test-vector manifest")
    } else {
        None
    }
}

fn verify_inner(subject: &Subject, ctx: &VerifyContext, recognise_roles: bool) -> Verified {
    let mut verified = verify_unpinned(subject, ctx, recognise_roles);
    if let Verified::Report(report, _) = &mut verified {
        if !ctx.pins.is_empty() {
            crate::pins::apply(report, &ctx.pins);
        }
    }
    verified
}

fn verify_unpinned(subject: &Subject, ctx: &VerifyContext, recognise_roles: bool) -> Verified {
    // ZIP archives are routed before any JSON parsing.
    if subject.kind == Some(Kind::AuditBundle)
        || (subject.kind.is_none() && is_audit_bundle(&subject.path, &subject.bytes))
    {
        let size = subject.full_len.unwrap_or(subject.bytes.len() as u64);
        let (report, container) =
            crate::audit::verify::verify_audit_bundle_keeping(&subject.path, &subject.bytes, size, ctx);
        return Verified::Report(report, container.map_or(Kept::Nothing, Kept::Container));
    }
    // A token is not JSON: it is routed by its bytes (or its name) too.
    if subject.kind == Some(Kind::Token) || (subject.kind.is_none() && is_token(&subject.path, &subject.bytes)) {
        let report = match check_size(&subject.bytes, subject.full_len, ctx) {
            Ok(()) => artifacts::token(&subject.path, &subject.bytes, ctx),
            Err((code, detail)) => {
                let mut f = Findings::new();
                f.fail("input.size", code, format!("{} is too large: {detail}", subject.path));
                SubjectReport::from_findings(&subject.path, Kind::Token, f)
            }
        };
        return Verified::Report(report, Kept::Nothing);
    }
    // A proof bundle's count limits apply while it is parsed (`payload::COUNT_CAPS`), unless
    // a policy will read the whole document.
    let caps: &[json::ArrayCap] = match (subject.kind, &subject.policy) {
        (None | Some(Kind::ProofBundle), None) if subject.bytes.len() >= SKIM_MIN_BYTES => {
            &crate::clawsig::payload::COUNT_SKIM
        }
        (None | Some(Kind::ProofBundle), None) => &crate::clawsig::payload::COUNT_CAPS,
        _ => &[],
    };
    let not_json = |kind: Kind, (code, detail): (ReasonCode, String)| {
        let mut f = Findings::new();
        f.fail(
            "input.json",
            code,
            format!("{} is not acceptable JSON: {detail}", subject.path),
        );
        Verified::Report(SubjectReport::from_findings(&subject.path, kind, f), Kept::Nothing)
    };
    let json::Capped { value, overflow } = match parse_input_sized(&subject.bytes, subject.full_len, ctx, caps) {
        Ok(capped) => capped,
        Err(e) => return not_json(subject.kind.unwrap_or(Kind::Unknown), e),
    };
    // Caps cut arrays below the root object only, so a truncated document's kind is its own.
    let kind = subject.kind.unwrap_or_else(|| detect_kind(&value));
    // A truncated document serves only a refusal its counts settle; anything else reads the
    // document whole (a parse without caps fails exactly where one with caps fails, so this
    // one succeeds).
    let truncated = !overflow.is_empty();
    let refused_by_counts = kind == Kind::ProofBundle && crate::clawsig::payload::refused_by_counts(&overflow);
    let (value, overflow) = if truncated && !refused_by_counts {
        match parse_input_sized(&subject.bytes, subject.full_len, ctx, &[]) {
            Ok(whole) => (whole.value, whole.overflow),
            Err(e) => return not_json(kind, e),
        }
    } else {
        (value, overflow)
    };
    if recognise_roles && kind == Kind::Unknown {
        if let Some(role) = non_subject_role(&value) {
            return Verified::NotASubject { role };
        }
    }
    let report = match kind {
        Kind::ProofBundle => {
            let mut report = crate::clawsig::proof_bundle::verify_subject(
                &subject.path,
                &value,
                &overflow,
                subject.urm.as_deref(),
                ctx,
            );
            if let Some(given) = &subject.policy {
                policy::judge_proof_bundle(&mut report, &value, given, ctx);
            }
            report
        }
        Kind::CommitSig => crate::clawsig::commit_sig::verify_subject(&subject.path, &value),
        Kind::InclusionProof => {
            crate::audit::prove::verify_subject(&subject.path, &value, subject.artifact.as_deref(), ctx)
        }
        // Each verifier module adds its arm here as it lands.
        // The reference treats the two kinds as aliases and routes by content.
        Kind::ExportBundle | Kind::AggregateBundle if crate::clawsig::aggregate::is_aggregate_shaped(&value) => {
            crate::clawsig::aggregate::verify_subject(&subject.path, &value, ctx)
        }
        Kind::ExportBundle | Kind::AggregateBundle => {
            crate::clawsig::export_bundle::verify_subject(&subject.path, &value, ctx)
        }
        Kind::LogInclusionProof => crate::clawsig::log_proof::verify_subject(&subject.path, &value, ctx),
        Kind::GatewayReceipt => artifacts::gateway_receipt(&subject.path, &value, ctx),
        Kind::Approval => artifacts::approval(&subject.path, &value, ctx),
        Kind::Policy => artifacts::policy(&subject.path, &value, ctx),
        Kind::Plan => artifacts::plan(&subject.path, &value),
        _ => {
            let mut f = Findings::new();
            f.fail(
                "input.kind",
                ReasonCode::UnknownEnvelopeType,
                "the file is not a recognised artifact: it has no envelope_type, commit-signature version, export, aggregate or proof marker",
            );
            SubjectReport::from_findings(&subject.path, kind, f)
        }
    };
    // A truncated document is not handed on as if it were the subject's.
    let kept = if overflow.is_empty() {
        Kept::Document(value)
    } else {
        Kept::Nothing
    };
    Verified::Report(report, kept)
}

/// Flags of a run that concern some subject kinds only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunFlags {
    /// `--artifact` was given.
    pub artifact: bool,
    /// `--expect-policy` was given.
    pub expect_policy: bool,
    /// `--policy` was given.
    pub policy: bool,
    /// `--expect-job`, `--expect-agent`, `--expect-sealer`, `--expect-run`.
    pub pins: crate::pins::Pins,
}

impl RunFlags {
    /// Each flag given, with the kinds it applies to.
    pub fn each(&self) -> Vec<(&'static str, &'static [Kind])> {
        let mut out: Vec<(&'static str, &'static [Kind])> = Vec::new();
        if self.artifact {
            out.push(("--artifact", &[Kind::InclusionProof]));
        }
        if self.expect_policy {
            out.push(("--expect-policy", &[Kind::AuditBundle, Kind::Policy]));
        }
        if self.policy {
            out.push(("--policy", &[Kind::ProofBundle]));
        }
        out.extend(self.pins.given());
        out
    }
}

/// A warn check (`FLAG_NOT_APPLICABLE`) on `report` for every flag given that does not apply
/// to its kind: the flag checked nothing there, and the report says so.
pub fn note_flags_not_applied(report: &mut SubjectReport, flags: &RunFlags) {
    for (flag, applies) in flags.each() {
        if !applies.contains(&report.kind) {
            report.checks.push(crate::report::Check {
                id: "flags.not_applicable".into(),
                status: crate::report::CheckStatus::Warn,
                reason_code: ReasonCode::FlagNotApplicable,
                detail: format!(
                    "{flag} applies to {} subjects; this {} did not use it",
                    applies.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(" and "),
                    report.kind.as_str()
                ),
                location: crate::report::Location::Subject,
            });
        }
    }
}

/// A sealed audit bundle: the ZIP signature `PK`, or a name ending in `.zip` (spec 20 §4).
pub fn is_audit_bundle(path: &str, bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK") || path.to_ascii_lowercase().ends_with(".zip")
}

/// A scoped token: a name ending in `.jwt`, or bytes that are a compact JWS (three non-empty
/// base64url parts joined by dots, a trailing newline allowed), which no JSON text can be.
pub fn is_token(path: &str, bytes: &[u8]) -> bool {
    path.to_ascii_lowercase().ends_with(".jwt") || is_compact_jws(bytes)
}

fn is_compact_jws(bytes: &[u8]) -> bool {
    let mut text = bytes;
    while let [rest @ .., b'\n' | b'\r'] = text {
        text = rest;
    }
    // Three non-empty base64url parts joined by dots; stops at the first byte that rules it
    // out (the `{` of a JSON document), so a large document is not scanned.
    let (mut parts, mut part_len) = (1, 0usize);
    for &b in text {
        if b == b'.' {
            if part_len == 0 || parts == 3 {
                return false;
            }
            parts += 1;
            part_len = 0;
        } else if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            part_len += 1;
        } else {
            return false;
        }
    }
    parts == 3 && part_len > 0
}

/// Parse with the context's limits; map errors to reason codes.
pub fn parse_input(bytes: &[u8], ctx: &VerifyContext) -> Result<Value, (ReasonCode, String)> {
    parse_input_sized(bytes, None, ctx, &[]).map(|c| c.value)
}

/// `parse_input` under `caps` (see `json::cap`), where `full_len` is the input's real size
/// when `bytes` is only its first part.
fn parse_input_sized(
    bytes: &[u8],
    full_len: Option<u64>,
    ctx: &VerifyContext,
    caps: &[json::ArrayCap],
) -> Result<json::Capped, (ReasonCode, String)> {
    check_size(bytes, full_len, ctx)?;
    json::parse_capped(bytes, &ctx.limits.json, caps).map_err(|e| {
        let code = match e {
            ParseError::TooLarge { .. } => ReasonCode::InputTooLarge,
            _ => ReasonCode::MalformedJson,
        };
        (code, e.to_string())
    })
}

/// The input within `--max-input-bytes` (`ctx.limits.json.max_bytes`); `full_len` is its real
/// size when `bytes` is only its first part.
fn check_size(bytes: &[u8], full_len: Option<u64>, ctx: &VerifyContext) -> Result<(), (ReasonCode, String)> {
    let limit = ctx.limits.json.max_bytes;
    let real = full_len.unwrap_or(0).max(bytes.len() as u64);
    if real > limit as u64 {
        let e = ParseError::TooLarge {
            size: usize::try_from(real).unwrap_or(usize::MAX),
            limit,
        };
        return Err((ReasonCode::InputTooLarge, e.to_string()));
    }
    Ok(())
}

/// Recognise a Clawsig artifact or one of ours from its content.
pub fn detect_kind(value: &Value) -> Kind {
    let Some(obj) = value.as_object() else {
        return Kind::Unknown;
    };
    // The fixtures wrap export bundles as {vector_version, description, bundle}.
    if let Some(inner) = obj.get("bundle") {
        if inner.get("export_version").is_some() {
            return Kind::ExportBundle;
        }
    }
    if obj.contains_key("export_version") {
        return Kind::ExportBundle;
    }
    if obj.get("version").and_then(Value::as_str) == Some("m1") {
        return Kind::CommitSig;
    }
    if obj.contains_key("inclusion_proof_v1") {
        return Kind::LogInclusionProof;
    }
    if obj.contains_key("proof_version") {
        // Ours carry a checkpoint; Clawsig log proofs carry a root signature.
        if obj.contains_key("checkpoint") {
            return Kind::InclusionProof;
        }
        if obj.contains_key("root_hash_b64u") || obj.contains_key("audit_path") {
            return Kind::LogInclusionProof;
        }
    }
    match obj.get("envelope_type").and_then(Value::as_str) {
        Some("proof_bundle") => Kind::ProofBundle,
        Some("aggregate_bundle") => Kind::AggregateBundle,
        Some("export_bundle") => Kind::ExportBundle,
        // The signed artifacts clawaudit produces, verified on their own.
        Some("gateway_receipt") => Kind::GatewayReceipt,
        Some(crate::policy::approvals::ENVELOPE_TYPE) => Kind::Approval,
        Some(crate::policy::wpc::ENVELOPE_TYPE) => Kind::Policy,
        // Any other (or unknown) envelope type goes to the proof-bundle verifier, which fails
        // it with UNKNOWN_ENVELOPE_TYPE exactly as the reference does.
        Some(_) => Kind::ProofBundle,
        None if obj.contains_key("plan_version") => Kind::Plan,
        None => {
            // A bare proof-bundle payload is recognised so that it can be refused precisely
            // (MALFORMED_ENVELOPE) rather than as an unknown file.
            let bare_payload = obj.contains_key("bundle_version") && obj.contains_key("agent_did");
            if bare_payload || obj.contains_key("envelope_version") {
                Kind::ProofBundle
            } else {
                Kind::Unknown
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::Trust;

    fn ctx() -> VerifyContext {
        VerifyContext::new(0, Trust::empty())
    }

    #[test]
    fn an_oversized_json_input_reports_its_real_size() {
        let mut c = ctx();
        c.limits.json.max_bytes = 10;
        // The reader stopped one byte past the limit; the file is really 5000 bytes.
        let mut s = Subject::new("big.json", vec![b' '; 11]);
        s.full_len = Some(5000);
        let r = verify_subject(&s, &c);
        assert_eq!(r.reason_code, ReasonCode::InputTooLarge);
        assert!(
            r.reason
                .contains("input is 5000 bytes, more than the limit of 10 bytes"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn an_oversized_archive_reports_its_real_size() {
        let mut s = Subject::new("big.zip", b"PK\x03\x04".to_vec());
        // 1 GiB + 5 bytes: one past the default archive limit was read, the rest was not.
        s.full_len = Some((1 << 30) + 5);
        let r = verify_subject(&s, &ctx());
        assert_eq!(r.reason_code, ReasonCode::ContainerLimitExceeded);
        assert!(
            r.reason
                .contains("archive is 1073741829 bytes, more than the limit of 1073741824 bytes"),
            "{}",
            r.reason
        );
    }

    fn kind_of(json: &str) -> Kind {
        detect_kind(&json::parse_str(json).unwrap())
    }

    #[test]
    fn our_signed_artifacts_and_plans_are_detected_and_other_envelope_types_stay_proof_bundles() {
        assert_eq!(kind_of(r#"{"envelope_type":"gateway_receipt"}"#), Kind::GatewayReceipt);
        assert_eq!(kind_of(r#"{"envelope_type":"human_approval_receipt"}"#), Kind::Approval);
        assert_eq!(kind_of(r#"{"envelope_type":"work_policy_contract"}"#), Kind::Policy);
        assert_eq!(kind_of(r#"{"plan_version":"1","gate_id":"g"}"#), Kind::Plan);
        // Any other envelope type is the proof-bundle verifier's (UNKNOWN_ENVELOPE_TYPE).
        for other in ["compiled_evidence_report", "audit_checkpoint", ""] {
            let json = format!(r#"{{"envelope_type":"{other}","plan_version":"1"}}"#);
            assert_eq!(kind_of(&json), Kind::ProofBundle, "{other}");
        }
        assert_eq!(kind_of(r#"{"hello":"world"}"#), Kind::Unknown);
        let signer = crate::vectors::testkit::label_signer("another producer");
        let env = crate::clawsig::producer::sign_envelope(
            &signer,
            "compiled_evidence_report",
            json::parse_str(r#"{"report_version":"1"}"#).unwrap(),
            "2026-03-01T00:00:00Z",
            None,
        );
        let r = verify_subject(&Subject::new("x.json", json::jss::to_string(&env).into_bytes()), &ctx());
        assert_eq!(
            (r.kind, r.reason_code),
            (Kind::ProofBundle, ReasonCode::UnknownEnvelopeType)
        );
    }

    #[test]
    fn a_token_is_a_jwt_name_or_a_compact_jws() {
        for yes in ["eyJh.eyJz.c2ln", "a.b.c\n", "a-_.B9.c\r\n", "A.B.C\n\n"] {
            assert!(is_token("-", yes.as_bytes()), "{yes:?}");
        }
        for no in [
            "a.b",
            "a.b.c.d",
            "a..c",
            ".b.c",
            "a.b.c ",
            "a.b=.c",
            "{\"a\":1}",
            "1.5",
            "",
            "a.b.c\nx",
            "a.b.",
            "a.b.c.",
            "\na.b.c",
        ] {
            assert!(!is_token("-", no.as_bytes()), "{no:?}");
        }
        assert!(is_token("run/artifacts/token/CST.JWT", b"{}"));
        assert!(!is_token("cst.jwt.json", b"{}"));
        // A bad compact form is still a token, and TOKEN_MALFORMED.
        let r = verify_subject(&Subject::new("t.jwt", b"only.two".to_vec()), &ctx());
        assert_eq!((r.kind, r.reason_code), (Kind::Token, ReasonCode::TokenMalformed));
        let mut forced = Subject::new("t.json", br#"{"a":1}"#.to_vec());
        forced.kind = Some(Kind::Token);
        let r = verify_subject(&forced, &ctx());
        assert_eq!((r.kind, r.reason_code), (Kind::Token, ReasonCode::TokenMalformed));
    }

    #[test]
    fn an_oversized_token_reports_its_real_size() {
        let mut c = ctx();
        c.limits.json.max_bytes = 10;
        let mut s = Subject::new("big.jwt", b"aaaaa.bbbbb".to_vec());
        s.full_len = Some(7000);
        let r = verify_subject(&s, &c);
        assert_eq!((r.kind, r.reason_code), (Kind::Token, ReasonCode::InputTooLarge));
        assert!(r.reason.contains("input is 7000 bytes"), "{}", r.reason);
    }
}
