//! Proof and trust tiers (§3.12).

/// How strong the evidence of a proof bundle is; ordered self < gateway < sandbox.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProofTier {
    #[default]
    Unknown,
    SelfSigned,
    Gateway,
    Sandbox,
}

impl ProofTier {
    pub fn as_str(self) -> &'static str {
        match self {
            ProofTier::Unknown => "unknown",
            ProofTier::SelfSigned => "self",
            ProofTier::Gateway => "gateway",
            ProofTier::Sandbox => "sandbox",
        }
    }
}

/// `computeProofTier`: sandbox with a verified attestation, gateway with a verified and
/// bound gateway receipt, else self.
pub fn proof_tier(attestations_verified: usize, receipts_verified: usize) -> ProofTier {
    if attestations_verified > 0 {
        ProofTier::Sandbox
    } else if receipts_verified > 0 {
        ProofTier::Gateway
    } else {
        ProofTier::SelfSigned
    }
}

/// The trust tier. Runner attestations are not supported yet (bundles carrying one FAIL with
/// UNSUPPORTED_EVIDENCE), so `attested` and `full` are never reached today.
pub fn trust_tier(urm_valid: bool, chain_valid: bool, receipts_valid: bool, runner_valid: bool) -> &'static str {
    if urm_valid && chain_valid && receipts_valid && runner_valid {
        "full"
    } else if runner_valid {
        "attested"
    } else if chain_valid || receipts_valid {
        "verified"
    } else {
        "basic"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_follow_the_reference_table() {
        assert_eq!(proof_tier(1, 0), ProofTier::Sandbox);
        assert_eq!(proof_tier(0, 2), ProofTier::Gateway);
        assert_eq!(proof_tier(0, 0).as_str(), "self");
        assert!(ProofTier::SelfSigned < ProofTier::Gateway && ProofTier::Gateway < ProofTier::Sandbox);
        assert_eq!(trust_tier(true, true, true, true), "full");
        assert_eq!(trust_tier(false, false, false, true), "attested");
        assert_eq!(trust_tier(false, true, false, false), "verified");
        assert_eq!(trust_tier(true, false, false, false), "basic");
    }
}
