//! The one reason-code enum. Clawsig codes are reused verbatim (wire-format spec §6.3);
//! our own codes come from the sealed-bundle spec (spec 20) and the strictness rules.
//! What each code means, and what to do about it: [`ReasonCode::explanation`].

use std::fmt;

mod explain;

pub use explain::Explanation;

macro_rules! reason_codes {
    ($( $(#[$doc:meta])* $variant:ident => $text:literal, )*) => {
        /// A stable, machine-readable reason for a check result, serialized as `UPPER_SNAKE`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ReasonCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ReasonCode {
            /// Every code, in declaration order (used by docs and tests).
            pub const ALL: &'static [ReasonCode] = &[ $( ReasonCode::$variant, )* ];

            /// The wire spelling, e.g. `HASH_MISMATCH`.
            pub fn as_str(self) -> &'static str {
                match self { $( ReasonCode::$variant => $text, )* }
            }

            /// Parse the wire spelling back (used when reading expected results).
            pub fn from_name(name: &str) -> Option<ReasonCode> {
                match name { $( $text => Some(ReasonCode::$variant), )* _ => None }
            }
        }
    };
}

reason_codes! {
    Ok => "OK",
    // Input and parsing (ours).
    MalformedJson => "MALFORMED_JSON",
    InputTooLarge => "INPUT_TOO_LARGE",
    UnsupportedEvidence => "UNSUPPORTED_EVIDENCE",
    // Clawsig envelope and payload structure.
    MalformedEnvelope => "MALFORMED_ENVELOPE",
    SchemaValidationFailed => "SCHEMA_VALIDATION_FAILED",
    UnknownEnvelopeVersion => "UNKNOWN_ENVELOPE_VERSION",
    UnknownEnvelopeType => "UNKNOWN_ENVELOPE_TYPE",
    UnknownAlgorithm => "UNKNOWN_ALGORITHM",
    UnknownHashAlgorithm => "UNKNOWN_HASH_ALGORITHM",
    UnknownVersion => "UNKNOWN_VERSION",
    InvalidDidFormat => "INVALID_DID_FORMAT",
    HashMismatch => "HASH_MISMATCH",
    SignatureInvalid => "SIGNATURE_INVALID",
    CoSignatureInvalid => "CO_SIGNATURE_INVALID",
    ExpiredTtl => "EXPIRED_TTL",
    FutureTimestampPoisoning => "FUTURE_TIMESTAMP_POISONING",
    ProofBundleAgentMismatch => "PROOF_BUNDLE_AGENT_MISMATCH",
    ReceiptBindingMismatch => "RECEIPT_BINDING_MISMATCH",
    ReceiptVerificationFailed => "RECEIPT_VERIFICATION_FAILED",
    ReceiptReplay => "RECEIPT_REPLAY",
    DependencyNotConfigured => "DEPENDENCY_NOT_CONFIGURED",
    ClaimNotFound => "CLAIM_NOT_FOUND",
    DisclosureAlgorithmUnknown => "DISCLOSURE_ALGORITHM_UNKNOWN",
    DisclosureTypeMismatch => "DISCLOSURE_TYPE_MISMATCH",
    DisclosureRootMismatch => "DISCLOSURE_ROOT_MISMATCH",
    RateLimitWindowInvalid => "RATE_LIMIT_WINDOW_INVALID",
    RateLimitClaimInconsistent => "RATE_LIMIT_CLAIM_INCONSISTENT",
    RateLimitExceeded => "RATE_LIMIT_EXCEEDED",
    UrmMissing => "URM_MISSING",
    UrmMismatch => "URM_MISMATCH",
    PromptCommitmentMismatch => "PROMPT_COMMITMENT_MISMATCH",
    MissingRequiredField => "MISSING_REQUIRED_FIELD",
    Revoked => "REVOKED",
    EvidenceMismatch => "EVIDENCE_MISMATCH",
    // Causal binding rules (§3.10, §3.5 anchoring).
    CausalBindingFieldConflict => "CAUSAL_BINDING_FIELD_CONFLICT",
    CausalBindingNormalizationFailed => "CAUSAL_BINDING_NORMALIZATION_FAILED",
    CausalClockContradiction => "CAUSAL_CLOCK_CONTRADICTION",
    CausalPhaseInvalid => "CAUSAL_PHASE_INVALID",
    CausalConfidenceOutOfRange => "CAUSAL_CONFIDENCE_OUT_OF_RANGE",
    CausalReferenceDangling => "CAUSAL_REFERENCE_DANGLING",
    CausalSpanReuseConflict => "CAUSAL_SPAN_REUSE_CONFLICT",
    CausalPhaseTransitionInvalid => "CAUSAL_PHASE_TRANSITION_INVALID",
    CausalCycleDetected => "CAUSAL_CYCLE_DETECTED",
    CausalConfidenceEvidenceInconsistent => "CAUSAL_CONFIDENCE_EVIDENCE_INCONSISTENT",
    CausalGraphDisconnected => "CAUSAL_GRAPH_DISCONNECTED",
    CausalReceiptReplayDetected => "CAUSAL_RECEIPT_REPLAY_DETECTED",
    CausalSideEffectOrphaned => "CAUSAL_SIDE_EFFECT_ORPHANED",
    CausalHumanApprovalOrphaned => "CAUSAL_HUMAN_APPROVAL_ORPHANED",
    CausalAggregateMemberConflict => "CAUSAL_AGGREGATE_MEMBER_CONFLICT",
    CausalAggregateReceiptReplay => "CAUSAL_AGGREGATE_RECEIPT_REPLAY",
    CoverageClddDiscrepancyEnforced => "COVERAGE_CLDD_DISCREPANCY_ENFORCED",
    // Log inclusion proofs, export and aggregate bundles (§5).
    InclusionProofInvalid => "INCLUSION_PROOF_INVALID",
    /// A warning: a Clawsig log proof authenticates only its root.
    LogProofWeakEvidence => "LOG_PROOF_WEAK_EVIDENCE",
    AggregateSignerMismatch => "AGGREGATE_SIGNER_MISMATCH",
    AggregateBundleInvalid => "AGGREGATE_BUNDLE_INVALID",
    AggregateMemberInvalid => "AGGREGATE_MEMBER_INVALID",
    AggregateDuplicateMember => "AGGREGATE_DUPLICATE_MEMBER",
    AggregateDuplicateBundleId => "AGGREGATE_DUPLICATE_BUNDLE_ID",
    AggregateDuplicateRunId => "AGGREGATE_DUPLICATE_RUN_ID",
    AggregateTtlExceedsMember => "AGGREGATE_TTL_EXCEEDS_MEMBER",
    UnsortedMemberArray => "UNSORTED_MEMBER_ARRAY",
    IdentityConflict => "IDENTITY_CONFLICT",
    FleetSummaryMismatch => "FLEET_SUMMARY_MISMATCH",
    InconsistentRunId => "INCONSISTENT_RUN_ID",
    // Commit signatures (§6.2).
    UnknownType => "UNKNOWN_TYPE",
    UnknownAlgo => "UNKNOWN_ALGO",
    CommitMessageInvalid => "COMMIT_MESSAGE_INVALID",
    CanonicalizationError => "CANONICALIZATION_ERROR",
    CryptoError => "CRYPTO_ERROR",
    // Sealed audit bundles (spec 20 §4-§6).
    ContainerInvalid => "CONTAINER_INVALID",
    ContainerPathUnsafe => "CONTAINER_PATH_UNSAFE",
    ContainerLimitExceeded => "CONTAINER_LIMIT_EXCEEDED",
    ContainerUnexpectedEntry => "CONTAINER_UNEXPECTED_ENTRY",
    SignerMismatch => "SIGNER_MISMATCH",
    SignerNotTrusted => "SIGNER_NOT_TRUSTED",
    ManifestInvalid => "MANIFEST_INVALID",
    ManifestNotCanonical => "MANIFEST_NOT_CANONICAL",
    ManifestEntryMissing => "MANIFEST_ENTRY_MISSING",
    MerkleSizeMismatch => "MERKLE_SIZE_MISMATCH",
    MerkleRootMismatch => "MERKLE_ROOT_MISMATCH",
    PolicyHashMismatch => "POLICY_HASH_MISMATCH",
    PolicyExtensionInvalid => "POLICY_EXTENSION_INVALID",
    /// A request taken from the evidence is denied by the run's WPC (issue 10).
    PolicyDenied => "POLICY_DENIED",
    /// A rule of the WPC that offline evaluation cannot check (a warn check).
    PolicyRuleUnchecked => "POLICY_RULE_UNCHECKED",
    TokenMalformed => "TOKEN_MALFORMED",
    TokenUnknownKid => "TOKEN_UNKNOWN_KID",
    TtlTooLong => "TTL_TOO_LONG",
    PolicyPinMissing => "POLICY_PIN_MISSING",
    TokenScopeHashMismatch => "TOKEN_SCOPE_HASH_MISMATCH",
    TokenJobMismatch => "TOKEN_JOB_MISMATCH",
    ApprovalSubjectMismatch => "APPROVAL_SUBJECT_MISMATCH",
    ApprovalPlanUnknown => "APPROVAL_PLAN_UNKNOWN",
    ApprovalScopeMismatch => "APPROVAL_SCOPE_MISMATCH",
    ApprovalJobMismatch => "APPROVAL_JOB_MISMATCH",
    ApprovalReplay => "APPROVAL_REPLAY",
    ApprovalGateUnknown => "APPROVAL_GATE_UNKNOWN",
    ApprovalDenied => "APPROVAL_DENIED",
    ApprovalQuorumNotMet => "APPROVAL_QUORUM_NOT_MET",
    ReceiptPolicyMismatch => "RECEIPT_POLICY_MISMATCH",
    ReceiptScopeMismatch => "RECEIPT_SCOPE_MISMATCH",
    ReceiptOutsideTokenWindow => "RECEIPT_OUTSIDE_TOKEN_WINDOW",
    SubjectMismatch => "SUBJECT_MISMATCH",
    // The command line (ours).
    FlagNotApplicable => "FLAG_NOT_APPLICABLE",
    FileNotVerified => "FILE_NOT_VERIFIED",
    JobPinMismatch => "JOB_PIN_MISMATCH",
    AgentPinMismatch => "AGENT_PIN_MISMATCH",
    SealerPinMismatch => "SEALER_PIN_MISMATCH",
    RunPinMismatch => "RUN_PIN_MISMATCH",
    // Credential-rotation runs (spec 30 §1, §4).
    RotationFixtureInvalid => "ROTATION_FIXTURE_INVALID",
    RotationPhaseOrder => "ROTATION_PHASE_ORDER",
    RotationGateNotSatisfied => "ROTATION_GATE_NOT_SATISFIED",
    RotationTokenReused => "ROTATION_TOKEN_REUSED",
    RotationOutsideTokenWindow => "ROTATION_OUTSIDE_TOKEN_WINDOW",
    RotationTokenScopeMissing => "ROTATION_TOKEN_SCOPE_MISSING",
    RotationToolNotAllowed => "ROTATION_TOOL_NOT_ALLOWED",
    RotationTargetNotAllowed => "ROTATION_TARGET_NOT_ALLOWED",
    RotationSecretOpNotAllowed => "ROTATION_SECRET_OP_NOT_ALLOWED",
    RotationOffPlan => "ROTATION_OFF_PLAN",
    RotationCanarySkipped => "ROTATION_CANARY_SKIPPED",
    RotationUnhealthyRollout => "ROTATION_UNHEALTHY_ROLLOUT",
    RotationNoRollback => "ROTATION_NO_ROLLBACK",
    RotationNoOverlap => "ROTATION_NO_OVERLAP",
    RotationRevokeBeforeRollout => "ROTATION_REVOKE_BEFORE_ROLLOUT",
    RotationOverlapTooShort => "ROTATION_OVERLAP_TOO_SHORT",
    RotationReceiptUnreferenced => "ROTATION_RECEIPT_UNREFERENCED",
    /// A warning: the run broke no rule but did not complete (halted_safe or incomplete).
    RotationNotComplete => "ROTATION_NOT_COMPLETE",
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ReasonCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_upper_snake() {
        for code in ReasonCode::ALL {
            let name = code.as_str();
            assert_eq!(ReasonCode::from_name(name), Some(*code));
            assert!(name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit()));
        }
        assert_eq!(ReasonCode::from_name("NOT_A_CODE"), None);
    }
}
