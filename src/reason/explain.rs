//! The one table of reason-code explanations: what each code means, its likely causes and
//! the next step for an auditor or CI engineer. Shared by `clawaudit explain`, the text
//! output, SARIF rule help and the HTML failure triage (spec 40 §1 item 8, §2).
//!
//! The `match` in [`ReasonCode::explanation`] is exhaustive, so a new code does not compile
//! until it has an entry; the tests below check that every entry is complete and distinct.

use super::ReasonCode;

/// A plain-English explanation of one reason code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// A short name for the condition (at most 60 characters, no full stop).
    pub title: &'static str,
    /// What the code means: which check, on which artifact, found what.
    pub meaning: &'static str,
    /// The usual reasons an artifact ends up with this code, most likely first.
    pub causes: &'static [&'static str],
    /// What to do next, in order.
    pub next_steps: &'static [&'static str],
}

impl ReasonCode {
    /// The explanation of this code.
    pub fn explanation(self) -> &'static Explanation {
        use ReasonCode as R;
        match self {
            R::Ok => &Explanation {
                title: "Check passed",
                meaning: "The check passed. For a whole subject it means that every check that applied to it passed, so the verdict is PASS.",
                causes: &[
                    "Every rule that applies to the artifact held at the verification time, against the trust file that was given.",
                    "A warning or skipped check that has no failure code of its own also carries this code; its status tells which it is.",
                ],
                next_steps: &[
                    "Nothing needs fixing; keep the report together with the evidence it judged and the trust file it used.",
                    "Read the warn and skip checks anyway: they say what was not verified, such as a log inclusion proof that is only weak evidence or an artifact whose bytes were not compared.",
                ],
            },
            R::MalformedJson => &Explanation {
                title: "File is not acceptable JSON",
                meaning: "The strict JSON reader rejected the file (or a JSON artifact inside a sealed bundle, or a URM document), so nothing in it was judged.",
                causes: &[
                    "The bytes are not valid UTF-8, start with a byte order mark, or are not JSON at all.",
                    "An object repeats a key, which other readers would silently collapse into one value.",
                    "Nesting is deeper than the limit, a number overflows a 64-bit float, or a string holds an unpaired UTF-16 surrogate escape.",
                    "The file was truncated in transfer or edited by hand.",
                ],
                next_steps: &[
                    "Read the detail: it gives the byte offset and the rule that failed.",
                    "Ask the producer to emit the artifact again as plain UTF-8 JSON without duplicate keys; repairing a signed artifact by hand changes its hash.",
                ],
            },
            R::InputTooLarge => &Explanation {
                title: "Input is larger than the size limit",
                meaning: "A file is larger than the input limit (64 MiB by default), so it was rejected before any of it was parsed.",
                causes: &[
                    "The artifact really is that large, for example a proof bundle with very many receipts.",
                    "The file is not the artifact you meant to verify, or it is deliberately oversized to exhaust memory.",
                    "A URM document or a JSON artifact inside a sealed bundle exceeds the same limit.",
                ],
                next_steps: &[
                    "Compare the file size with the limit given in the detail.",
                    "If the size is legitimate, raise the limit for this run with --max-input-bytes and record that you did; otherwise treat the file as hostile.",
                ],
            },
            R::UnsupportedEvidence => &Explanation {
                title: "Proof bundle carries evidence clawaudit cannot verify",
                meaning: "The proof bundle contains a family of evidence that this version of clawaudit does not verify. Rather than ignore it and pass a bundle it has only partly checked, the verifier fails it.",
                causes: &[
                    "The payload has metadata.policy_binding, data_handling, runner_measurement, runner_attestation_receipt, reviewer_signoff_receipts, prompt_pack or system_prompt_report.",
                    "The payload has metadata.sentinels.interpose_state.cldd or metadata.sentinels.egress_policy_receipt.",
                    "The payload has vir_receipts, web_receipts, coverage_attestations or binary_semantic_evidence_attestations.",
                ],
                next_steps: &[
                    "Use the artifact path in the detail to see which evidence family is present.",
                    "Verify that evidence with a tool that supports it, or ask the producer for a bundle without it; removing it from a signed bundle breaks the payload hash.",
                ],
            },
            R::MalformedEnvelope => &Explanation {
                title: "Signed envelope or payload structure is malformed",
                meaning: "The artifact does not have the structure that a Clawsig signed envelope, or the payload inside it, must have, so its hash and signature could not be relied on or were never reached.",
                causes: &[
                    "The input is a bare payload rather than a SignedEnvelope; clawaudit never treats an unsigned payload as verified.",
                    "One of the nine envelope keys is missing, issued_at or expires_at is not an RFC 3339 time, or payload_hash_b64u or signature_b64u is not canonical base64url.",
                    "The proof bundle payload breaks a structural rule: no urm, event chain, receipts or attestations at all, too many events or receipts, metadata over 16 KiB, a repeated event_id, or an event chain whose prev_hash_b64u links are broken.",
                    "A sealed-bundle checkpoint has an envelope-level expires_at (unsigned, so not allowed) or an unknown envelope field; an export bundle has unreadable dates, a repeated manifest path or a wrong content_type; a commit signature lacks a valid createdAt or a 64-byte padded-base64 signature.",
                ],
                next_steps: &[
                    "Use the check id and detail to find the field that broke the rule.",
                    "Regenerate the artifact with its producer; if it was edited after signing, treat it as tampered.",
                ],
            },
            R::SchemaValidationFailed => &Explanation {
                title: "Artifact does not match its schema",
                meaning: "A field is missing, has the wrong type or value, or is not allowed by the artifact's closed schema. Schemas are checked before hashes, so an unsigned edit often shows up here first.",
                causes: &[
                    "A Clawsig envelope, gateway receipt, tool receipt, side-effect or human-approval receipt, co-signature, selective disclosure, URM document, export bundle, aggregate bundle or log inclusion proof breaks its published schema.",
                    "In a sealed bundle, the WPC payload, the CST claims, a plan, an approval payload, the checkpoint payload, the Trust Pulse document or an inclusion proof file breaks its format.",
                    "The producer follows a newer or older schema version than the verifier, or the file was edited after it was produced.",
                ],
                next_steps: &[
                    "The detail names the JSON path and the rule; compare it with the schema of that artifact kind.",
                    "Fix the producer and issue the artifact again; if a producer you trust signed it, an unexpected schema failure suggests it was changed after signing.",
                ],
            },
            R::UnknownEnvelopeVersion => &Explanation {
                title: "Envelope version is not supported",
                meaning: "The envelope_version of a Clawsig signed envelope is not one this verifier accepts (the string \"1\").",
                causes: &[
                    "The artifact was produced for a newer protocol version.",
                    "The field holds a number or another value instead of the string \"1\", or it was edited.",
                ],
                next_steps: &[
                    "Find out which producer and version made the artifact.",
                    "Verify it with a verifier that supports that envelope version, or ask for a version 1 envelope.",
                ],
            },
            R::UnknownEnvelopeType => &Explanation {
                title: "Envelope type is unknown or not the one expected",
                meaning: "The envelope_type is not on the allowlist, or it is a known type used where another one was expected (for example a gateway_receipt given where a proof_bundle was expected). It is also reported for a file that is not recognised as any supported artifact.",
                causes: &[
                    "The wrong file was passed, or --kind forced the wrong kind.",
                    "A sealed-bundle artifact at artifacts/policy/wpc.json or under artifacts/approvals/ is not a work_policy_contract or human_approval_receipt envelope.",
                    "The producer uses an envelope type this verifier does not know.",
                ],
                next_steps: &[
                    "Check that the file is the artifact you meant and that its envelope_type fits its role.",
                    "Drop --kind to let the verifier detect the kind, or pass the right one.",
                ],
            },
            R::UnknownAlgorithm => &Explanation {
                title: "Signature or tree algorithm is not supported",
                meaning: "A signed envelope's algorithm is not Ed25519, or a sealed-bundle checkpoint names a Merkle tree algorithm other than rfc6962-sha256.",
                causes: &[
                    "The producer signs with another algorithm.",
                    "The field was edited, or the checkpoint comes from another bundle format.",
                ],
                next_steps: &[
                    "Read the value found in the detail; only the documented value is ever accepted.",
                    "Ask the producer for Ed25519 signatures, and for sealed bundles an rfc6962-sha256 tree.",
                ],
            },
            R::UnknownHashAlgorithm => &Explanation {
                title: "Hash algorithm is not supported",
                meaning: "The artifact's hash_algorithm is not one it may use. Envelopes may say SHA-256 (BLAKE3 is allowlisted but cannot be recomputed); WPC and approval envelopes, tool-receipt envelopes, aggregates, side-effect and human-approval receipts work with SHA-256 only.",
                causes: &[
                    "The envelope names an algorithm such as MD5, or an empty value.",
                    "A side-effect or human-approval receipt, a tool-receipt envelope, an aggregate, a WPC or an approval names BLAKE3 or another algorithm where only SHA-256 works.",
                ],
                next_steps: &[
                    "Produce the artifact again with SHA-256.",
                    "If the value looks edited, compare it with the producer's original output.",
                ],
            },
            R::UnknownVersion => &Explanation {
                title: "Artifact version is not supported",
                meaning: "A version field inside an artifact names a version this verifier does not know, so the rest of the artifact cannot be interpreted.",
                causes: &[
                    "A tool receipt given as a bare payload has an unsupported receipt_version, or a side-effect or human-approval receipt has a receipt_version other than \"1\".",
                    "A commit signature's version is not \"m1\".",
                    "A WPC has a policy_version other than \"1\" or \"2\", a checkpoint has a checkpoint_version other than \"1\", or an inclusion proof has a proof_version other than \"1\".",
                ],
                next_steps: &[
                    "Find out which producer version made the artifact.",
                    "Use a verifier that supports that version, or have the artifact issued again in a supported one.",
                ],
            },
            R::InvalidDidFormat => &Explanation {
                title: "DID is malformed or not the expected signer",
                meaning: "A DID is not well formed or cannot be resolved to an Ed25519 did:key, or a proof bundle's envelope signer_did is not the payload's agent_did.",
                causes: &[
                    "The DID uses a method other than did:key (did:web passes the syntax check but cannot verify a signature), a wrong multicodec prefix, or invalid base58.",
                    "The proof bundle was signed by a key other than the agent's own.",
                    "A checkpoint's sealer_did or subject agent_did, a commit signature's did, a log root signer, or an export or aggregate issuer_did is malformed.",
                ],
                next_steps: &[
                    "Compare the DID in the detail with the key the producer should have used.",
                    "For a proof bundle, have the agent's own did:key sign the envelope.",
                ],
            },
            R::HashMismatch => &Explanation {
                title: "Recomputed hash differs from the claimed hash",
                meaning: "A hash recomputed from the artifact (its bytes or its canonical form) is not the hash that the artifact, or a manifest that points at it, claims. The content is not what was hashed and signed.",
                causes: &[
                    "The payload was edited after it was hashed and signed.",
                    "The producer hashed another serialization: Clawsig envelope payloads are hashed in JSON.stringify order (JSS), while WPCs, approvals and checkpoints are hashed in JCS.",
                    "In a sealed bundle, an artifact file's SHA-256 or size differs from its manifest entry; with verify --artifact, the file differs from the inclusion proof's entry.",
                    "An event hash, URM hash, export or aggregate manifest entry or export attestation link does not match, or the envelope uses BLAKE3, which cannot be recomputed.",
                ],
                next_steps: &[
                    "The detail shows both values; recompute the hash with the recipe it names to confirm.",
                    "Get the original artifact from its producer; re-hashing it yourself does not help, because the signature covers the original hash.",
                ],
            },
            R::SignatureInvalid => &Explanation {
                title: "Signature does not verify",
                meaning: "An Ed25519 signature does not verify over the signed message with the signer's public key, or the key itself cannot verify anything (for example a small-order point that strict verification rejects).",
                causes: &[
                    "The signed message changed after signing; for Clawsig envelopes the message is the payload_hash_b64u string.",
                    "The envelope names a signer_did other than the key that really signed it.",
                    "A CST was not signed by the trusted token issuer that its kid points to.",
                    "The key is a weak or malformed Ed25519 point.",
                ],
                next_steps: &[
                    "Check that signer_did is the key the producer really used.",
                    "Treat the artifact as untrusted and get a freshly signed copy from its producer.",
                ],
            },
            R::CoSignatureInvalid => &Explanation {
                title: "Tool-receipt co-signature does not verify",
                meaning: "A co-signature on a version 2 tool-receipt envelope inside a proof bundle does not verify over that receipt's payload_hash_b64u.",
                causes: &[
                    "The co-signer signed another payload hash, or the payload changed after it was co-signed.",
                    "The co_signatures entry names the wrong signer_did, or its signature is not a 64-byte Ed25519 signature.",
                ],
                next_steps: &[
                    "Identify the co-signer and its role (proxy, approver, auditor or supervisor) from the detail.",
                    "Ask that co-signer to sign the final payload hash again, then issue the proof bundle again.",
                ],
            },
            R::ExpiredTtl => &Explanation {
                title: "Artifact expired before the verification time",
                meaning: "The verification time (--at, default now) is later than the artifact's expiry. An expired CST does not raise this code: its window is judged against the receipt times instead.",
                causes: &[
                    "A proof bundle envelope, a tool-receipt envelope, an export bundle or an aggregate bundle has an expires_at in the past (export and aggregate bundles allow 300 s of skew).",
                    "A sealed bundle's checkpoint payload has an expires_at before --at.",
                    "The verification runs long after the evidence was produced, or --at was mistyped.",
                ],
                next_steps: &[
                    "Compare the expiry and the verification time in the detail.",
                    "When auditing a past run, verify at the time the evidence was relied on with --at; otherwise ask for fresh evidence.",
                ],
            },
            R::FutureTimestampPoisoning => &Explanation {
                title: "Timestamp lies in the future",
                meaning: "An artifact claims to have been created or issued more than 300 seconds after the verification time. Accepting such a time would let the artifact outlive the window it was meant for.",
                causes: &[
                    "A sealed bundle's checkpoint created_at, or an export or aggregate bundle's issued_at, is later than --at plus 300 s.",
                    "The producer's clock is wrong, or --at is set to a time before the run.",
                ],
                next_steps: &[
                    "Compare the time in the detail with when the run took place.",
                    "Fix the producer's clock and issue the artifact again; if --at is deliberately in the past, choose a time after the artifact was made.",
                ],
            },
            R::ProofBundleAgentMismatch => &Explanation {
                title: "Receipt names a different agent from the proof bundle",
                meaning: "A tool, side-effect or human-approval receipt inside a proof bundle names an agent_did other than the bundle's agent_did.",
                causes: &[
                    "Receipts from another agent's run were copied into this bundle.",
                    "The producer mixes up agent identities, for example after an agent key change.",
                ],
                next_steps: &[
                    "Find the receipt by the path in the detail and compare its agent_did with the bundle's.",
                    "Rebuild the bundle from the agent's own receipts.",
                ],
            },
            R::ReceiptBindingMismatch => &Explanation {
                title: "Receipt is not bound to this run",
                meaning: "A receipt's binding points to another run, or to an event that is not in the bundle's event chain, so the receipt cannot be shown to belong to this run.",
                causes: &[
                    "A tool receipt's binding.run_id or binding.event_hash_b64u names another run or an unknown event.",
                    "Every gateway receipt that claims a binding has a valid signature, but not all of them are bound to this event chain (the Clawsig CLI strict rule).",
                    "In a sealed bundle, a gateway receipt's binding.run_id differs from the checkpoint subject's run_id.",
                ],
                next_steps: &[
                    "Check the receipt's binding against the event chain and the subject's run_id.",
                    "Have the producer leave out receipts of other runs and issue the bundle again, or investigate whether receipts were reused.",
                ],
            },
            R::ReceiptVerificationFailed => &Explanation {
                title: "A gateway receipt in the proof bundle does not verify",
                meaning: "At least one gateway receipt inside the proof bundle failed its own checks, so the bundle cannot pass. clawaudit requires every gateway receipt present to verify, whether or not it is bound to an event.",
                causes: &[
                    "The receipt's signature or payload hash is wrong, or a payload field such as tokens_input, latency_ms or timestamp is out of range.",
                    "The receipt is signed by a gateway that is not in the trust file's gateways (or the gateway allowlist of a Clawsig verifier config).",
                ],
                next_steps: &[
                    "Read the inner failure in the detail: it names the receipt index and why it failed.",
                    "If the signer is a gateway you do trust, add its DID to the trust file; otherwise treat the receipt as forged.",
                ],
            },
            R::ReceiptReplay => &Explanation {
                title: "Receipt id or nonce is used twice",
                meaning: "Two gateway receipts share a receipt_id or a binding nonce. Each receipt stands for one model call, so a repeat suggests a replayed or duplicated call.",
                causes: &[
                    "A proof bundle lists the same gateway receipt twice, even as an identical copy.",
                    "In a sealed bundle, two receipt files, or a file and a different receipt in the proof bundle, share an id or nonce; the same receipt present both as a file and in the proof bundle is fine.",
                    "The producer reuses nonces.",
                ],
                next_steps: &[
                    "Find both occurrences named in the detail.",
                    "Have the producer emit each receipt once with a fresh nonce; if the copies differ, find out which one is genuine.",
                ],
            },
            R::DependencyNotConfigured => &Explanation {
                title: "No trusted signers configured for this artifact",
                meaning: "Verifying the artifact needs a list of trusted signers for its role and none was given, so its signatures cannot be tied to anyone you trust.",
                causes: &[
                    "No --trust file was passed, or the trust file lists no gateways while the artifact carries gateway receipts.",
                    "An export bundle carries execution, derivation or audit-result attestations, and the trust file lists no signers for that attestation type.",
                ],
                next_steps: &[
                    "Pass --trust with a trust file (or a Clawsig verifier config) that lists the signers for this role.",
                    "Take the signer DIDs from a source you trust, never from the bundle itself.",
                ],
            },
            R::ClaimNotFound => &Explanation {
                title: "Signer is not on the allowlist for its role",
                meaning: "The artifact is signed by a DID that the trust file does not list for that role, so the signature says nothing about a party you trust.",
                causes: &[
                    "A gateway receipt file in a sealed bundle is signed by a gateway that is not in the trust file's gateways.",
                    "An export bundle's execution, derivation or audit-result attestation is signed by a DID missing from the matching allowlist.",
                    "As a warning in a proof bundle, an attestation reference does not verify, is signed by an attester that is not allowlisted, or is about another subject; it then does not count towards the sandbox tier.",
                ],
                next_steps: &[
                    "Check whether the signer DID in the detail belongs to a party you trust.",
                    "If it does, add it to the matching list of the trust file; if not, treat the artifact as untrusted.",
                ],
            },
            R::DisclosureAlgorithmUnknown => &Explanation {
                title: "Selective-disclosure algorithm is unknown",
                meaning: "A version 2 tool receipt's args_disclosure or result_disclosure names a disclosure_algorithm other than vir_v2_typed_lexicographical, so the disclosed values cannot be checked against the receipt.",
                causes: &[
                    "The producer uses a newer disclosure scheme.",
                    "The disclosure_algorithm field was edited.",
                ],
                next_steps: &[
                    "Check the disclosure_algorithm value in the detail.",
                    "Ask the producer for receipts that use vir_v2_typed_lexicographical, or verify them with a tool that supports their scheme.",
                ],
            },
            R::DisclosureTypeMismatch => &Explanation {
                title: "Disclosed value has a different type than declared",
                meaning: "In a tool receipt's selective disclosure, a disclosed leaf's value is not of the JSON type that its type field states (for example a number declared as a string).",
                causes: &[
                    "A type-confusion attempt: the value was changed to another type to mislead a reader.",
                    "A producer bug when serializing disclosed values.",
                ],
                next_steps: &[
                    "Compare the leaf's type and value at the path in the detail.",
                    "Treat the disclosed value as untrusted until the producer issues the receipt again.",
                ],
            },
            R::DisclosureRootMismatch => &Explanation {
                title: "Selective-disclosure root does not match",
                meaning: "The hash list rebuilt from a tool receipt's disclosed and redacted leaves does not give the disclosure's merkle_root_b64u, or that root is not the args_hash_b64u or result_hash_b64u the receipt commits to.",
                causes: &[
                    "A disclosed value, salt or path was changed.",
                    "A redacted leaf hash is missing or one was added.",
                    "The disclosure belongs to another receipt.",
                ],
                next_steps: &[
                    "Recompute the root from the leaves at the path in the detail.",
                    "Ask the producer for the original disclosure, and do not rely on the disclosed values until it matches.",
                ],
            },
            R::RateLimitWindowInvalid => &Explanation {
                title: "Rate-limit window ends before it starts",
                meaning: "A rate-limit claim in a proof bundle or aggregate bundle has a window_start later than its window_end.",
                causes: &[
                    "The producer swapped the two times.",
                    "A clock or time-zone error when the claim was written.",
                ],
                next_steps: &[
                    "Check the claim's window in the detail.",
                    "Correct the producer and issue the bundle again.",
                ],
            },
            R::RateLimitClaimInconsistent => &Explanation {
                title: "Rate-limit claim is inconsistent",
                meaning: "A rate-limit claim cannot be judged because its fields do not fit together.",
                causes: &[
                    "A window time does not parse, or a maximum or observed request count is missing, negative or not finite.",
                    "A token maximum is given without its observed value, or the other way round.",
                    "The claim's run_id differs from the event chain's run id.",
                    "In an aggregate bundle, claims for the same agent, scope and window state different maxima.",
                ],
                next_steps: &[
                    "Read the claim at the path in the detail.",
                    "Have the producer emit complete and consistent claims.",
                ],
            },
            R::RateLimitExceeded => &Explanation {
                title: "Observed usage exceeds the claimed rate limit",
                meaning: "The bundle itself records more requests or tokens in a window than the maximum it claims for that window.",
                causes: &[
                    "The agent really exceeded its limit during the run.",
                    "In an aggregate bundle, the members' observed counts for the same agent, scope and window add up to more than the maximum.",
                ],
                next_steps: &[
                    "Treat it as a limit violation by the run and review what the agent did in that window.",
                    "If the maximum in the claim is wrong, correct it at the source rather than editing the signed bundle.",
                ],
            },
            R::UrmMissing => &Explanation {
                title: "Referenced URM document was not supplied",
                meaning: "The proof bundle references a Universal Run Manifest (URM), but no URM document was available, so the run's declared inputs and outputs could not be checked.",
                causes: &[
                    "The URM file was not passed with --urm, and there is no sibling X-urm.json next to X-bundle.json.",
                    "The URM file is named differently from what the verifier looks for.",
                ],
                next_steps: &[
                    "Pass the URM document with --urm FILE.",
                    "Get the URM from the producer along with the bundle; urm.resource_hash_b64u pins its hash, so any copy must match.",
                ],
            },
            R::UrmMismatch => &Explanation {
                title: "URM document does not match the proof bundle",
                meaning: "The URM document supplied describes another manifest, agent or run than the proof bundle that references it.",
                causes: &[
                    "The URM's urm_id or agent_did differs from the bundle's urm reference or agent_did.",
                    "The URM's run_id differs from the event chain's run id, or its event_chain_root_hash_b64u is not the hash of the chain's first event.",
                    "The wrong URM file was picked up, for example the sibling file of another run.",
                ],
                next_steps: &[
                    "Check that --urm (or the sibling X-urm.json) is the URM of this run.",
                    "Ask the producer for the matching URM document.",
                ],
            },
            R::PromptCommitmentMismatch => &Explanation {
                title: "System-prompt report does not match the event chain",
                meaning: "In the Clawsig protocol, a proof bundle's metadata.system_prompt_report must agree with the run: its run and agent, and for each call an llm_call event and its hash in the event chain. clawaudit does not check this evidence yet and does not raise this code itself; a bundle carrying a system prompt report fails with UNSUPPORTED_EVIDENCE. The code is known so that results of the reference verifier can be read.",
                causes: &[
                    "A call in the report names an event that is not an llm_call of the chain, or its event hash differs.",
                    "The report was produced from an earlier version of the event chain.",
                ],
                next_steps: &[
                    "Compare the report's calls with the event chain of the bundle.",
                    "Have the producer write the system prompt report from the final event chain.",
                ],
            },
            R::MissingRequiredField => &Explanation {
                title: "Export bundle manifest lacks an entry",
                meaning: "An export bundle's manifest does not list exactly the artifacts the bundle carries: the entry count differs or an expected path is missing. The reference verifier also uses this code for missing runner, transparency or data-handling evidence, which clawaudit rejects as UNSUPPORTED_EVIDENCE.",
                causes: &[
                    "An attestation envelope was added to or removed from the export bundle after its manifest was written.",
                    "The manifest uses a path other than artifacts/proof_bundle_envelope.json or artifacts/<kind>_envelopes/<i>.json for an artifact.",
                ],
                next_steps: &[
                    "Compare the manifest entries with the artifacts object of the export bundle.",
                    "Have the exporter regenerate and re-sign the export bundle.",
                ],
            },
            R::Revoked => &Explanation {
                title: "Signing key is listed as revoked",
                meaning: "In the Clawsig protocol, a signed policy bundle, runner or reviewer evidence can carry a list of revoked keys; this code means the signer is on it. clawaudit does not verify that evidence yet (it fails with UNSUPPORTED_EVIDENCE) and does not raise this code itself.",
                causes: &[
                    "The policy issuer, runner or reviewer key was revoked, but the artifact was still signed with it.",
                    "An old artifact signed before the revocation is being reused.",
                ],
                next_steps: &[
                    "Ask the issuer which key replaced the revoked one, and get evidence signed by it.",
                    "Treat evidence signed by the revoked key as untrusted.",
                ],
            },
            R::EvidenceMismatch => &Explanation {
                title: "Data-handling evidence is inconsistent",
                meaning: "In the Clawsig protocol, this code reports inconsistencies in a proof bundle's data-handling (DLP) evidence, metadata.data_handling. clawaudit does not verify that evidence yet: a bundle carrying it fails with UNSUPPORTED_EVIDENCE, and this code is not raised by clawaudit itself.",
                causes: &[
                    "The data-handling receipts disagree with the bundle's policy binding, with the run, or with each other.",
                    "The evidence was assembled from different runs or edited.",
                ],
                next_steps: &[
                    "Read the reference verifier's message to find the inconsistent receipt.",
                    "Have the producer issue the bundle again with data-handling evidence made for this run.",
                ],
            },
            R::CausalBindingFieldConflict => &Explanation {
                title: "Causal binding gives one field two values",
                meaning: "A gateway receipt's binding gives a causal field in both spellings, snake_case and camelCase (for example span_id and spanId), with values that differ after trimming, so it is ambiguous which one holds.",
                causes: &[
                    "Two layers of the producer each write one spelling.",
                    "The field was edited in one spelling only.",
                ],
                next_steps: &[
                    "Look at the receipt binding named in the detail.",
                    "Have the producer write each causal field once, in one spelling.",
                ],
            },
            R::CausalBindingNormalizationFailed => &Explanation {
                title: "Causal binding field is not usable",
                meaning: "A causal field in a gateway receipt's binding cannot be normalised: a span id is empty or not a string, or attribution_confidence is not a finite number.",
                causes: &[
                    "The producer writes null, a number or an empty string as a span id.",
                    "The confidence is written as text or is missing its numeric value.",
                ],
                next_steps: &[
                    "Check the binding field named in the detail.",
                    "Correct the producer so that span ids are non-empty strings and confidence is a number.",
                ],
            },
            R::CausalClockContradiction => &Explanation {
                title: "Timestamps contradict the order of events",
                meaning: "Two times that must be in a given order are not: something is dated after a thing that depends on it, or a time needed for the comparison does not parse.",
                causes: &[
                    "A gateway receipt's payload timestamp is later than its envelope issued_at, a child span is earlier than its parent or tool span, or a reused span_id carries another timestamp.",
                    "An export or aggregate bundle's created_at is later than its issued_at.",
                    "In a sealed bundle, the CST was issued (iat), or an approval was given, after the checkpoint's created_at, that is after the run was sealed.",
                ],
                next_steps: &[
                    "Compare the two times in the detail.",
                    "Check the producers' clocks; if the times are right, the evidence was assembled or signed out of order and needs investigating.",
                ],
            },
            R::CausalPhaseInvalid => &Explanation {
                title: "Causal phase is not a known phase",
                meaning: "A gateway receipt's binding.phase is not one of setup, planning, reasoning, execution, observation, reflection or teardown.",
                causes: &[
                    "The producer uses its own phase names.",
                    "A typo or a change of letter case in the phase value.",
                ],
                next_steps: &[
                    "Check the phase value in the detail.",
                    "Map the producer's phases onto the seven protocol phases.",
                ],
            },
            R::CausalConfidenceOutOfRange => &Explanation {
                title: "Attribution confidence is outside 0 to 1",
                meaning: "A gateway receipt's binding.attribution_confidence is below 0 or above 1.",
                causes: &[
                    "The producer writes a percentage (for example 80) instead of a fraction (0.8).",
                    "A sign or scaling bug in the producer.",
                ],
                next_steps: &[
                    "Check the confidence value in the detail.",
                    "Have the producer write the confidence as a number from 0 to 1.",
                ],
            },
            R::CausalReferenceDangling => &Explanation {
                title: "Causal reference points to an unknown span",
                meaning: "A gateway receipt's parent_span_id or tool_span_id names a span that no gateway receipt in the bundle declares.",
                causes: &[
                    "The receipt that declares the referenced span is missing from the bundle.",
                    "The span id was mistyped or belongs to another run.",
                ],
                next_steps: &[
                    "Find the receipt that should declare the span named in the detail.",
                    "Include every receipt of the run in the bundle, or correct the reference at the producer.",
                ],
            },
            R::CausalSpanReuseConflict => &Explanation {
                title: "Span id is reused with a different meaning",
                meaning: "Two gateway receipts declare the same span_id but give it a different parent span, tool span, phase or confidence.",
                causes: &[
                    "The producer reuses span ids across calls.",
                    "Receipts of two runs whose span ids collide were combined.",
                ],
                next_steps: &[
                    "Compare the two receipts that share the span id.",
                    "Make the producer allocate a fresh span id for each call.",
                ],
            },
            R::CausalPhaseTransitionInvalid => &Explanation {
                title: "Causal phase transition is not allowed",
                meaning: "A span's phase does not follow its parent or tool span's phase in the protocol's transition table, which only moves forward from setup through planning, reasoning, execution, observation and reflection to teardown (for example teardown back to planning is not allowed).",
                causes: &[
                    "A span's parent is set wrongly, so the transition looks backwards.",
                    "The producer labels phases inconsistently.",
                ],
                next_steps: &[
                    "Check the parent and child phases in the detail against the allowed transitions.",
                    "Correct the phase labels or parent links at the producer.",
                ],
            },
            R::CausalCycleDetected => &Explanation {
                title: "Causal parent links form a cycle",
                meaning: "Following parent_span_id links from a span in the gateway receipts leads back to that span, so the run's causal history is not a tree.",
                causes: &[
                    "A span names one of its own descendants as its parent.",
                    "Span ids collide between unrelated calls.",
                ],
                next_steps: &[
                    "Trace the parent links of the span named in the detail.",
                    "Correct the parent assignment at the producer.",
                ],
            },
            R::CausalConfidenceEvidenceInconsistent => &Explanation {
                title: "Attribution confidence exceeds its evidence",
                meaning: "A gateway receipt claims more attribution confidence than its lineage supports: at most 1.0 with a parent or tool span, 0.5 with only a span_id, and 0 with no span at all.",
                causes: &[
                    "The producer sets a fixed high confidence whatever the lineage.",
                    "The parent or tool span link was dropped but the confidence was kept.",
                ],
                next_steps: &[
                    "Compare the confidence with the receipt's span fields.",
                    "Lower the confidence, or record the missing lineage, at the producer.",
                ],
            },
            R::CausalGraphDisconnected => &Explanation {
                title: "Causal graph is not connected to one root",
                meaning: "The spans that the gateway receipts declare do not form one connected graph around a root span: there is no root, or some span cannot be reached from it.",
                causes: &[
                    "Receipts of a sub-task were included without the receipt that links them to the main run.",
                    "Every span has a parent or tool span, so none of them is a root.",
                    "Receipts of two runs were merged into one bundle.",
                ],
                next_steps: &[
                    "Find the unconnected span named in the detail.",
                    "Include the linking receipts, or split unrelated runs into separate bundles.",
                ],
            },
            R::CausalReceiptReplayDetected => &Explanation {
                title: "Receipt id reused with different content",
                meaning: "Two gateway receipts in one proof bundle share a receipt_id but have different payloads (compared in JCS form), so at least one of them is not the receipt that id stood for.",
                causes: &[
                    "A receipt was altered and added again under its old id.",
                    "The producer generates receipt ids that collide.",
                ],
                next_steps: &[
                    "Compare the two receipts named in the detail.",
                    "Treat the bundle as tampered until the producer explains the repeated id.",
                ],
            },
            R::CausalSideEffectOrphaned => &Explanation {
                title: "Side-effect receipt is not anchored to a model call",
                meaning: "A side-effect receipt in the proof bundle has no binding whose tool_span_id, parent_span_id or span_id names a span declared by a gateway receipt, so the effect cannot be traced to a model call of the run.",
                causes: &[
                    "The side-effect receipt has no binding object, or its span fields are empty.",
                    "The gateway receipt that declares the span is missing from the bundle.",
                    "The span id belongs to another run.",
                ],
                next_steps: &[
                    "Check the receipt's binding against the spans the gateway receipts declare.",
                    "Have the producer record the causing span in every side-effect receipt.",
                ],
            },
            R::CausalHumanApprovalOrphaned => &Explanation {
                title: "Human-approval receipt is not anchored to a model call",
                meaning: "A human-approval receipt inside the proof bundle has no binding that anchors it (by tool_span_id, parent_span_id or span_id) to a span declared by a gateway receipt, so it cannot be tied to the step it approved.",
                causes: &[
                    "The approval receipt was recorded without a binding, or with empty span fields.",
                    "The gateway receipt declaring the span is not in the bundle.",
                    "The approval was copied from another run.",
                ],
                next_steps: &[
                    "Compare the approval's binding with the spans of the gateway receipts.",
                    "Have the producer bind each approval to the span of the action it approved.",
                ],
            },
            R::CausalAggregateMemberConflict => &Explanation {
                title: "Aggregate members declare one span differently",
                meaning: "Two member bundles of an aggregate declare the same span_id within one run namespace (the run id before \"::\") with a different parent, tool span, phase, confidence or time.",
                causes: &[
                    "Members of one run were produced independently and allocated colliding span ids.",
                    "A member was edited so that its history disagrees with another member's.",
                ],
                next_steps: &[
                    "Compare the span in the two members named in the detail.",
                    "Regenerate the members so that shared spans agree, or give separate runs separate run ids.",
                ],
            },
            R::CausalAggregateReceiptReplay => &Explanation {
                title: "Aggregate members reuse a receipt id with new content",
                meaning: "Two member bundles of an aggregate contain gateway receipts with the same receipt_id but different payloads.",
                causes: &[
                    "A receipt was altered in one of the members.",
                    "Receipt ids collide across the producers of the fleet.",
                ],
                next_steps: &[
                    "Compare the two receipts in the members named in the detail.",
                    "Find out which member holds the genuine receipt before relying on the aggregate.",
                ],
            },
            R::CoverageClddDiscrepancyEnforced => &Explanation {
                title: "Claimed coverage contradicts coverage attestations",
                meaning: "In the Clawsig protocol, a proof bundle's CLDD claim (metadata.sentinels.interpose_state.cldd: unmediated connections, unmonitored spawns, suspected escapes) must agree with its coverage attestations when coverage enforcement is on. clawaudit does not check this evidence yet: a bundle carrying it fails with UNSUPPORTED_EVIDENCE, and clawaudit does not raise this code itself.",
                causes: &[
                    "The agent's sentinel under-reports connections or processes that the coverage attestations recorded.",
                    "The coverage attestations come from another run.",
                ],
                next_steps: &[
                    "Compare the claimed counters with the metrics of the coverage attestations.",
                    "Investigate the run for unmonitored network connections or processes before relying on it.",
                ],
            },
            R::InclusionProofInvalid => &Explanation {
                title: "Inclusion proof does not lead to the signed root",
                meaning: "An inclusion proof does not show that its leaf is in the tree under the signed root: the audit path does not hash to the root or has the wrong length, or the leaf index is not below the tree size.",
                causes: &[
                    "For a sealed-bundle proof written by clawaudit prove, the proof was made for another bundle or checkpoint, the entry was edited, or the path was cut short.",
                    "For a Clawsig log inclusion proof, leaf_index, tree_size or the audit path is wrong, or the proof is a known forgery of that log format such as a phantom duplicate leaf.",
                    "The proof was made against an older tree.",
                ],
                next_steps: &[
                    "Write the proof again from the sealed bundle with clawaudit prove and compare the two.",
                    "Treat the artifact as not shown to be in the bundle or log until a valid proof is given.",
                ],
            },
            R::AggregateSignerMismatch => &Explanation {
                title: "Aggregate is not signed by its issuer",
                meaning: "An aggregate bundle's envelope signer_did differs from its payload's issuer_did.",
                causes: &[
                    "The aggregate was signed again by another key without changing issuer_did.",
                    "The issuer_did field was edited.",
                ],
                next_steps: &[
                    "Check both DIDs in the detail.",
                    "Have the issuer sign the aggregate with its own key.",
                ],
            },
            R::AggregateBundleInvalid => &Explanation {
                title: "Aggregate bundle structure is invalid",
                meaning: "The aggregate bundle has a structural fault that no more specific aggregate code covers.",
                causes: &[
                    "A member is neither a proof-bundle envelope nor an export bundle.",
                    "A member's expires_at is not a date-time.",
                    "The aggregate manifest lists a path twice or gives a content_type other than application/json.",
                ],
                next_steps: &[
                    "Use the member index or manifest path in the detail to locate the fault.",
                    "Rebuild the aggregate with its producer.",
                ],
            },
            R::AggregateMemberInvalid => &Explanation {
                title: "An aggregate member fails verification",
                meaning: "A member bundle of the aggregate does not verify on its own or has expired, so the aggregate cannot pass.",
                causes: &[
                    "The member's own verification failed; the detail carries the member's reason code and message.",
                    "The member's expires_at is before the verification time.",
                ],
                next_steps: &[
                    "Verify the member on its own to see its full report.",
                    "Replace or remove the failing member and issue the aggregate again.",
                ],
            },
            R::AggregateDuplicateMember => &Explanation {
                title: "Aggregate contains the same member twice",
                meaning: "Two members of an aggregate bundle have the same JCS hash, that is the same bundle appears twice.",
                causes: &[
                    "The producer added a bundle twice.",
                    "An attempt to inflate the fleet's counts.",
                ],
                next_steps: &[
                    "Find the two member positions in the detail.",
                    "Rebuild the aggregate with each bundle once.",
                ],
            },
            R::AggregateDuplicateBundleId => &Explanation {
                title: "Aggregate members share a bundle_id",
                meaning: "Two different members of an aggregate bundle carry the same bundle_id.",
                causes: &[
                    "A bundle was issued again with changes but kept its id, and both versions were aggregated.",
                    "Producers allocate colliding bundle ids.",
                ],
                next_steps: &[
                    "Compare the members that repeat the bundle_id.",
                    "Keep only the right version, or give each bundle a unique id.",
                ],
            },
            R::AggregateDuplicateRunId => &Explanation {
                title: "Aggregate members share a run id",
                meaning: "Two members of an aggregate bundle are for the same run id, taken from each member's event chain.",
                causes: &[
                    "The same run was exported twice in different forms.",
                    "Run ids are not unique across the fleet.",
                ],
                next_steps: &[
                    "Check the members that repeat the run id.",
                    "Aggregate one bundle per run.",
                ],
            },
            R::AggregateTtlExceedsMember => &Explanation {
                title: "Aggregate outlives one of its members",
                meaning: "The aggregate bundle's expires_at is later than a member's expires_at, so the aggregate would still look valid after part of its evidence had expired.",
                causes: &[
                    "The aggregate was given a default lifetime longer than its members'.",
                    "A short-lived member was added later.",
                ],
                next_steps: &[
                    "Compare the two expiry times in the detail.",
                    "Set the aggregate's expiry no later than the earliest member expiry.",
                ],
            },
            R::UnsortedMemberArray => &Explanation {
                title: "Aggregate members are not in hash order",
                meaning: "The member bundles of an aggregate must be sorted strictly ascending by their JCS SHA-256 hash, and they are not.",
                causes: &[
                    "The producer did not sort the members, or sorted them by another key.",
                    "Members were reordered after the aggregate was built.",
                ],
                next_steps: &[
                    "Check the member positions named in the detail.",
                    "Have the producer sort the members by hash before signing.",
                ],
            },
            R::IdentityConflict => &Explanation {
                title: "Aggregate issuer is also one of its agents",
                meaning: "A member of the aggregate is a bundle of the very agent that issued the aggregate, so the agent would be vouching for its own runs.",
                causes: &[
                    "The aggregate was signed with an agent key rather than a separate fleet or auditor key.",
                    "Self-dealing: an agent aggregating its own evidence.",
                ],
                next_steps: &[
                    "Identify the issuer and the member agent in the detail.",
                    "Have an independent party issue the aggregate.",
                ],
            },
            R::FleetSummaryMismatch => &Explanation {
                title: "Fleet summary disagrees with the members",
                meaning: "The aggregate's metadata.fleet_summary states counts (total_members, unique_agents, total_runs) or a fleet_proof_tier that differ from what the members show.",
                causes: &[
                    "The summary was written before members were added or removed.",
                    "The fleet_proof_tier was set higher than the weakest member's proof tier.",
                ],
                next_steps: &[
                    "Compare the stated and computed values in the detail.",
                    "Recompute the summary at the producer and issue the aggregate again.",
                ],
            },
            R::InconsistentRunId => &Explanation {
                title: "Member's event chain has no single run id",
                meaning: "An aggregate member's event chain is missing or empty, or its events do not all carry the same non-empty run_id, so the member cannot be assigned to one run.",
                causes: &[
                    "Events of two runs were mixed into one chain.",
                    "The member has no event chain.",
                ],
                next_steps: &[
                    "Inspect the event chain of the member named in the detail.",
                    "Rebuild the member from the events of one run.",
                ],
            },
            R::UnknownType => &Explanation {
                title: "Commit signature type is not message_signature",
                meaning: "A commit signature (version m1) has a type other than message_signature.",
                causes: &[
                    "The file is another kind of signature object.",
                    "The type field was edited.",
                ],
                next_steps: &[
                    "Check that the file is a commit signature.",
                    "Create the commit signature again with its signing tool.",
                ],
            },
            R::UnknownAlgo => &Explanation {
                title: "Commit signature algorithm is not ed25519",
                meaning: "A commit signature's algo field is not ed25519, the only algorithm the format defines.",
                causes: &[
                    "The signature was made with another algorithm or tool.",
                    "The value is spelled another way, such as Ed25519 with a capital E.",
                ],
                next_steps: &[
                    "Check the algo value in the detail.",
                    "Sign the commit again with an Ed25519 key and algo set to ed25519.",
                ],
            },
            R::CommitMessageInvalid => &Explanation {
                title: "Commit signature message is not a commit reference",
                meaning: "A commit signature's message is not \"commit:\" followed by 7 to 64 hexadecimal digits.",
                causes: &[
                    "The message holds a branch name, a tag or free text.",
                    "The commit hash is shorter than 7 digits or has characters that are not hexadecimal.",
                ],
                next_steps: &[
                    "Check the message in the detail.",
                    "Sign the message commit:<hash> for the exact commit.",
                ],
            },
            R::CanonicalizationError => &Explanation {
                title: "Commit signature could not be canonicalised",
                meaning: "The reference Clawsig verifier reports this when it cannot build the JCS form of a commit signature in order to check it. clawaudit reads input strictly first, so such a value is already rejected as MALFORMED_JSON; it does not raise this code itself.",
                causes: &[
                    "The object holds values that JCS cannot serialise, such as numbers that overflow to infinity or unpaired surrogates.",
                    "The commit signature file was corrupted or edited by hand.",
                ],
                next_steps: &[
                    "Run clawaudit on the same file to see the exact parsing problem.",
                    "Create the commit signature again with a tool that writes plain JSON.",
                ],
            },
            R::CryptoError => &Explanation {
                title: "Signature check could not be run",
                meaning: "The reference Clawsig verifier reports this for a commit signature when its cryptography library fails, for example when the key cannot be imported, as opposed to a signature that simply does not verify. clawaudit reports unusable keys as INVALID_DID_FORMAT or SIGNATURE_INVALID and does not raise this code itself.",
                causes: &[
                    "The did:key holds bytes that are not an importable Ed25519 public key.",
                    "A fault in the runtime of the reference verifier.",
                ],
                next_steps: &[
                    "Run clawaudit on the same file to see which specific check fails.",
                    "Create the commit signature again with a valid Ed25519 key.",
                ],
            },
            R::ContainerInvalid => &Explanation {
                title: "Sealed bundle is not a valid ZIP container",
                meaning: "The sealed bundle cannot be read as a well-formed archive of the required shape, so none of its contents were judged.",
                causes: &[
                    "The file is not a ZIP, is truncated or has trailing bytes, or its central directory is ambiguous or overlaps entry data.",
                    "The archive has no checkpoint.json or no manifest.json.",
                    "An entry is encrypted, uses a compression method other than stored or deflate, has no local header of the same name, does not decompress cleanly, or decompresses to a size other than the one it declares.",
                ],
                next_steps: &[
                    "Check that the file arrived complete: compare its size and SHA-256 with the sender's.",
                    "Seal the run again with clawaudit seal; a hand-built or modified archive is not accepted.",
                ],
            },
            R::ContainerPathUnsafe => &Explanation {
                title: "Sealed bundle has an unsafe entry name or type",
                meaning: "An entry of the sealed bundle's ZIP has a name that could escape or confuse an extraction directory, or the entry is not a regular file.",
                causes: &[
                    "A name with a .. or . segment, an empty segment, a leading /, a backslash, a drive letter, a NUL or control character, or bytes that are not UTF-8 (or non-ASCII without the UTF-8 flag).",
                    "Two entries have the same name, or names that are equal ignoring case.",
                    "An entry is a symbolic link, a directory, a device, a FIFO or a socket.",
                ],
                next_steps: &[
                    "Do not extract this archive with other tools; read the entry name in the detail.",
                    "Treat a path-traversal name as an attack, and ask for a bundle sealed with clawaudit seal.",
                ],
            },
            R::ContainerLimitExceeded => &Explanation {
                title: "Sealed bundle exceeds a resource limit",
                meaning: "Reading the sealed bundle would exceed a safety limit, so reading stopped. The defaults are 1 GiB per archive, 100 000 entries, 64 MiB per decompressed entry, 4 GiB in total, and a compression ratio of 200:1 for entries over 1 MiB.",
                causes: &[
                    "A decompression bomb: a small entry that inflates to a huge size.",
                    "An entry declares a size over the per-entry limit, or the entries together declare more than the total limit.",
                    "A genuinely large run whose artifacts exceed the defaults.",
                ],
                next_steps: &[
                    "Check which limit the detail names.",
                    "If the size is legitimate, split the evidence across several bundles; otherwise treat the archive as hostile.",
                ],
            },
            R::ContainerUnexpectedEntry => &Explanation {
                title: "Sealed bundle holds a file the manifest does not list",
                meaning: "The ZIP contains an entry other than checkpoint.json, manifest.json and the files the manifest lists. Unlisted files are not covered by the signed Merkle root, so they could have been added by anyone.",
                causes: &[
                    "A file was added to the archive after it was sealed.",
                    "The archive was re-packed with extra files, such as operating-system metadata (__MACOSX or .DS_Store entries).",
                ],
                next_steps: &[
                    "Look at the entry name in the detail.",
                    "Use the bundle exactly as it was sealed, or seal the run again if the file belongs in it.",
                ],
            },
            R::SignerMismatch => &Explanation {
                title: "Signer is not the party the payload names",
                meaning: "An artifact is signed by one key but its payload names another as its author: the checkpoint's sealer_did or the WPC's issuer_did differs from the envelope's signer_did.",
                causes: &[
                    "The artifact was signed again with another key.",
                    "The sealer or issuer field was edited, or the producer is configured with the wrong DID.",
                ],
                next_steps: &[
                    "Compare the two DIDs in the detail.",
                    "Have the named sealer or issuer sign the artifact with its own key.",
                ],
            },
            R::SignerNotTrusted => &Explanation {
                title: "Signer is not trusted for this role",
                meaning: "The artifact's signer DID is not listed in the trust file for the role it signs in. Whether or not the signature verifies, a signature by someone you do not trust is never enough to PASS.",
                causes: &[
                    "The checkpoint's sealer is not in sealers, the WPC's signer is not in policy_issuers, or an approval's signer is not in approvers.",
                    "A Clawsig log root is signed by a key other than the pinned log signers (--log-signers or the trust file).",
                    "The wrong trust file was passed, or it is out of date after a key rotation.",
                ],
                next_steps: &[
                    "Check the DID and role in the detail against your trust file.",
                    "Add the DID to that role only after confirming out of band that it belongs to the party you trust.",
                ],
            },
            R::ManifestInvalid => &Explanation {
                title: "Sealed bundle manifest is malformed",
                meaning: "The manifest.json of the sealed bundle is not a valid manifest, so the bundle's list of artifacts cannot be read.",
                causes: &[
                    "The manifest is not JSON, has an unknown field, has a manifest_version other than \"1\", or lists no entries.",
                    "An entry lacks path, kind, sha256_b64u or size_bytes, has an unsafe path or one that is not an artifact location (artifacts/policy/wpc.json, artifacts/receipts/, and so on), or states a kind that does not match its path.",
                ],
                next_steps: &[
                    "Use the entry number in the detail to find the bad entry.",
                    "Seal the run again with clawaudit seal instead of editing the manifest.",
                ],
            },
            R::ManifestNotCanonical => &Explanation {
                title: "Manifest entries are unsorted or repeated",
                meaning: "The manifest's entries are not sorted by path in byte order, or a path appears twice. The Merkle tree is built in manifest order, so that order must be canonical.",
                causes: &[
                    "The manifest was written or edited by a tool that sorts differently, for example ignoring case.",
                    "An entry was duplicated.",
                ],
                next_steps: &[
                    "Check the two paths named in the detail.",
                    "Seal the run again; the sealer writes entries in canonical order.",
                ],
            },
            R::ManifestEntryMissing => &Explanation {
                title: "Manifest lists a file the archive does not contain",
                meaning: "A path listed in manifest.json is not an entry of the ZIP, so an artifact that the signed root covers is absent.",
                causes: &[
                    "A file was removed from the archive after sealing.",
                    "The archive was re-packed and lost an entry.",
                ],
                next_steps: &[
                    "Note the missing path in the detail.",
                    "Get the complete bundle as it was sealed.",
                ],
            },
            R::MerkleSizeMismatch => &Explanation {
                title: "Checkpoint tree size differs from the manifest",
                meaning: "The checkpoint signs a Merkle tree of tree.size leaves, but manifest.json lists a different number of entries.",
                causes: &[
                    "Entries were added to or removed from the manifest after sealing.",
                    "The checkpoint belongs to another bundle.",
                ],
                next_steps: &[
                    "Compare the two counts in the detail.",
                    "Use the manifest and checkpoint written by the same sealing.",
                ],
            },
            R::MerkleRootMismatch => &Explanation {
                title: "Manifest Merkle root differs from the signed root",
                meaning: "The RFC 6962 Merkle root recomputed over the manifest entries is not the root_b64u that the checkpoint signs, so the manifest is not the one that was sealed.",
                causes: &[
                    "An entry's path, kind, hash or size was changed in the manifest.",
                    "The checkpoint was taken from another bundle, or the root was computed without the 0x00 leaf and 0x01 node prefixes.",
                ],
                next_steps: &[
                    "Recompute the root from manifest.json: each leaf is SHA-256 of 0x00 followed by the JCS form of the entry.",
                    "Treat the manifest as tampered and get the bundle as it was sealed.",
                ],
            },
            R::PolicyHashMismatch => &Explanation {
                title: "Policy hash differs from the one it is bound to",
                meaning: "Something that must be bound to the run's Work Policy Contract (WPC) names a different policy hash, so it was not issued under this policy.",
                causes: &[
                    "The checkpoint's bindings.policy_hash_b64u differs from the WPC's hash, binds a hash while the bundle has no WPC, or binds none while the bundle has one.",
                    "The WPC's hash differs from --expect-policy.",
                    "The CST's policy_hash_b64u pin or an approval's policy_hash_b64u names another policy, for example an earlier version of the WPC.",
                ],
                next_steps: &[
                    "Compare the hashes in the detail; clawaudit policy hash prints the hash of a WPC file.",
                    "Issue the token or approvals again under the current WPC, or check that --expect-policy names the policy you meant.",
                ],
            },
            R::PolicyExtensionInvalid => &Explanation {
                title: "Policy's clawaudit extension is invalid",
                meaning: "The WPC's metadata.clawaudit extension (token constraints and approval gates) is malformed, so the rules it imposes on the run cannot be applied, and no gate of it can be judged.",
                causes: &[
                    "The extension has an unknown key, an extension_version other than \"1\", or a field of the wrong type.",
                    "An approval gate lacks gate_id or min_approvers, repeats a gate_id, asks for fewer than 1 approver, or has an approval_ttl_seconds or cst_ttl_seconds_max below 1.",
                ],
                next_steps: &[
                    "Correct the extension in the WPC source and sign it again with clawaudit policy sign, which refuses an invalid extension.",
                    "Issue the tokens and approvals again under the new policy hash, since any change to the WPC changes its hash.",
                ],
            },
            R::PolicyDenied => &Explanation {
                title: "The run did something its policy does not allow",
                meaning: "A request taken from the evidence (a model call, a tool call, a side effect or a secret operation) is denied by the run's Work Policy Contract: no statement allows it, a Deny statement matches it, or a parent policy it inherits from denies it or is missing. The detail names the item, the action, the resource and the deciding statements.",
                causes: &[
                    "The agent called a model, a provider or a tool, or reached a domain, that the policy does not list.",
                    "A Deny statement of the policy matches the request, for example outside allowed hours or without human approval.",
                    "The policy inherits from a parent policy that the bundle does not carry as artifacts/policy/parents/<policy_id>.json.",
                ],
                next_steps: &[
                    "Reproduce the decision with clawaudit policy eval WPC.json --action A --resource R --context KEY=VALUE --explain, using the values in the detail.",
                    "If the run was wrong, investigate what the agent did; if the policy was too narrow, issue a new policy before the next run, since the sealed run stays denied.",
                ],
            },
            R::PolicyRuleUnchecked => &Explanation {
                title: "A policy rule cannot be checked offline",
                meaning: "The Work Policy Contract has a rule that offline evaluation cannot check from the evidence, such as a WPC v1 minimum_model_identity_tier: the verdict does not cover it. With --strict this warning fails the verification.",
                causes: &[
                    "The WPC v1 sets minimum_model_identity_tier, and the gateway receipts carry no model identity evidence that clawaudit verifies.",
                ],
                next_steps: &[
                    "Check the rule by other means, such as the gateway's own enforcement logs, and record that you did.",
                    "Move the requirement into statements clawaudit can evaluate, for example a WPC v2 condition on Model:Name.",
                ],
            },
            R::TokenMalformed => &Explanation {
                title: "Scoped token is not a compact EdDSA JWS",
                meaning: "The scoped token (CST) at artifacts/token/cst.jwt is not a compact JWS with the header alg EdDSA, typ JWT and a kid, so its claims and signature cannot be read.",
                causes: &[
                    "The file does not have three dot-separated base64url parts, is not ASCII text, or is too large.",
                    "The header has a field other than alg, typ and kid, an alg other than EdDSA, a typ other than JWT, or a kid that is not 16 lowercase hex characters.",
                    "The payload is not a JSON object, or the signature is not a canonical base64url 64-byte Ed25519 signature.",
                ],
                next_steps: &[
                    "Decode the header and payload (base64url) and compare them with the required format.",
                    "Mint the token again with clawaudit token mint or another issuer that writes EdDSA compact JWS.",
                ],
            },
            R::TokenUnknownKid => &Explanation {
                title: "Token kid names no trusted token issuer",
                meaning: "The CST header's kid (the first 16 hex characters of the SHA-256 of the issuer's raw public key) matches no key in the trust file's token_issuers.",
                causes: &[
                    "The token was minted by an issuer that is not in the trust file.",
                    "The issuer changed its key and the trust file still lists the old one.",
                    "The kid was computed another way, for example over the did:key string instead of the raw 32-byte key.",
                ],
                next_steps: &[
                    "Compute the kid of each token_issuers key and compare it with the token's kid.",
                    "Add the issuer to token_issuers only after confirming its key out of band, or mint the token again with a trusted issuer.",
                ],
            },
            R::TtlTooLong => &Explanation {
                title: "Token lifetime is too long or not positive",
                meaning: "The CST's lifetime, exp minus iat, is zero or negative, or longer than allowed: 3600 s at most, or the WPC's token_constraints.cst_ttl_seconds_max when that is smaller.",
                causes: &[
                    "The issuer mints long-lived tokens by default.",
                    "The WPC lowered cst_ttl_seconds_max after the token was minted.",
                    "The exp and iat claims were swapped, or one of them is in milliseconds instead of seconds.",
                ],
                next_steps: &[
                    "Check iat, exp and the allowed maximum in the detail.",
                    "Mint a shorter-lived token for the run; a long-lived token widens the window in which receipts count as authorised.",
                ],
            },
            R::PolicyPinMissing => &Explanation {
                title: "Token does not pin the required policy hash",
                meaning: "The WPC requires tokens to pin its hash (token_constraints.require_policy_hash_pinning), but the CST has no policy_hash_b64u claim, or the sealed bundle has no token at all.",
                causes: &[
                    "The token was minted without a policy, or before pinning was required.",
                    "The token file was left out of the sealed bundle.",
                ],
                next_steps: &[
                    "Mint the token with the policy so that its policy_hash_b64u is the WPC hash; clawaudit token mint fills it in when given the policy.",
                    "Seal the bundle again with the token included.",
                ],
            },
            R::TokenScopeHashMismatch => &Explanation {
                title: "Token scope hash does not match",
                meaning: "The scope hash recomputed from the CST's claims (sub, aud, scope and the optional claims present, normalised and hashed with JCS) differs from the token's token_scope_hash_b64u claim or from the checkpoint's bindings.token_scope_hash_b64u.",
                causes: &[
                    "A claim such as scope or aud was changed after the scope hash was computed.",
                    "The checkpoint binds a scope hash but the bundle has no token, or the bundle has a token that the checkpoint does not bind.",
                    "The producer computed the hash without trimming, de-duplicating and sorting aud and scope.",
                ],
                next_steps: &[
                    "Compare the recomputed and stated hashes in the detail.",
                    "Mint the token again, or seal the bundle again so that the checkpoint binds the token it carries.",
                ],
            },
            R::TokenJobMismatch => &Explanation {
                title: "Token is not bound to the bundle's job",
                meaning: "The WPC requires job binding (token_constraints.require_job_binding), and the CST's mission_id is missing or differs from the checkpoint subject's job_id.",
                causes: &[
                    "The token was minted for another job and reused.",
                    "The token was minted without a mission_id.",
                ],
                next_steps: &[
                    "Compare mission_id with the subject's job_id in the detail.",
                    "Mint a token for this job, with mission_id set to its job_id.",
                ],
            },
            R::ApprovalSubjectMismatch => &Explanation {
                title: "Approval names another approver than its signer",
                meaning: "An approval's approver_subject is not the subject that the trust file records for the key that signed it (or that key's DID, when the entry has no subject).",
                causes: &[
                    "Someone signed an approval on behalf of another person.",
                    "The trust file's subject for that approver is out of date or spelled differently.",
                    "The approver used a key that is listed under another person.",
                ],
                next_steps: &[
                    "Compare the approval's approver_subject with the signer's trust entry.",
                    "Have the named approver sign with their own key, or correct the trust entry after confirming the identity.",
                ],
            },
            R::ApprovalPlanUnknown => &Explanation {
                title: "Approval refers to a plan not in the bundle",
                meaning: "An approval's plan_hash_b64u is not the JCS hash of any plan under artifacts/plans/ in the sealed bundle, so what was approved cannot be shown.",
                causes: &[
                    "The plan was changed after it was approved, so its hash changed.",
                    "The plan file was left out of the bundle.",
                    "The approval is for another change.",
                ],
                next_steps: &[
                    "Hash each plan file (SHA-256 of its JCS form) and compare the results with the approval.",
                    "If the plan changed, have it approved again; otherwise include the approved plan.",
                ],
            },
            R::ApprovalScopeMismatch => &Explanation {
                title: "Approval scope does not match its binding or plan",
                meaning: "An approval's scope_hash_b64u is not the JCS hash of its gate_id, job_id, plan_hash_b64u and policy_hash_b64u, or its binding names a gate or job other than those of the plan it approves.",
                causes: &[
                    "The approval's binding was edited after the scope hash was computed.",
                    "The approval was made for another gate or job and reused with this plan.",
                    "The producer computed the scope hash over other fields or without JCS.",
                ],
                next_steps: &[
                    "Compare the gate and job in the approval's binding with those of its plan.",
                    "Have the approver sign a new approval for this gate, job and plan.",
                ],
            },
            R::ApprovalJobMismatch => &Explanation {
                title: "Approval or plan is for another job or run",
                meaning: "An approval's binding.job_id (or binding.run_id) differs from the checkpoint subject's job (or run), or a plan's job_id differs from the subject's job.",
                causes: &[
                    "An approval or plan of another job was copied into this bundle.",
                    "The subject's job_id was set wrongly when the bundle was sealed.",
                ],
                next_steps: &[
                    "Compare the job ids in the detail.",
                    "Get approvals and plans made for this job, or seal again with the right subject.",
                ],
            },
            R::ApprovalReplay => &Explanation {
                title: "Two approvals share a receipt id",
                meaning: "Two approval files in the sealed bundle have the same receipt_id, so one approval could be counted twice.",
                causes: &[
                    "An approval was copied under another file name.",
                    "The approval tool reuses receipt ids.",
                ],
                next_steps: &[
                    "Compare the approvals named in the detail.",
                    "Keep one copy of each approval; if the copies differ, find out which one is genuine.",
                ],
            },
            R::ApprovalGateUnknown => &Explanation {
                title: "Plan is for a gate the policy does not declare",
                meaning: "A plan's gate_id is not one of the approval gates in the WPC's metadata.clawaudit.approval_gates, or the bundle has no WPC, so its approvals cannot be judged against any quorum.",
                causes: &[
                    "The gate was renamed or removed in a newer WPC.",
                    "The plan's gate_id is mistyped.",
                    "The bundle was sealed without its policy.",
                ],
                next_steps: &[
                    "Compare the plan's gate_id with the WPC's approval_gates.",
                    "Correct the gate id, or include the WPC that declares the gate.",
                ],
            },
            R::ApprovalDenied => &Explanation {
                title: "A trusted approver denied the gate",
                meaning: "An approval of the gate's plan, signed with a valid signature by a trusted approver, has approval_type explicit_deny. A deny always wins over approvals.",
                causes: &[
                    "An approver rejected the change.",
                    "An approver denied by mistake; a later approval does not override a deny.",
                ],
                next_steps: &[
                    "Read the denial named in the detail and talk to its approver.",
                    "If the change is to go ahead, revise the plan (which changes its hash) and collect new approvals.",
                ],
            },
            R::ApprovalQuorumNotMet => &Explanation {
                title: "Gate has too few valid approvals",
                meaning: "Fewer distinct approvers than the gate's min_approvers gave a valid explicit_approve for its plan. Approvals do not count when they did not verify, are not explicit_approve, come from outside the gate's approver_group, come from the requester or the agent on an independent gate, or repeat a person already counted.",
                causes: &[
                    "Not enough approvals were collected before the run was sealed.",
                    "Two approvals came from keys of the same person, which count once.",
                    "The requester approved their own change on a gate that is independent_of_requester.",
                ],
                next_steps: &[
                    "Read the detail: it lists each approval that did not count and why.",
                    "Collect approvals from further distinct, eligible approvers and seal the bundle again.",
                ],
            },
            R::ReceiptPolicyMismatch => &Explanation {
                title: "Gateway receipt is bound to another policy",
                meaning: "A gateway receipt's binding.policy_hash (set by the gateway when it enforced a WPC) differs from the sealed bundle's WPC hash, or the bundle has no WPC.",
                causes: &[
                    "The model call was made under a different or older policy.",
                    "The gateway was configured with another WPC than the one sealed in the bundle.",
                ],
                next_steps: &[
                    "Compare the receipt's policy hash with the WPC hash in the detail.",
                    "Find out which policy the run really ran under, then seal the bundle with that WPC or run again under the intended one.",
                ],
            },
            R::ReceiptScopeMismatch => &Explanation {
                title: "Gateway receipt is bound to another token",
                meaning: "A gateway receipt's binding.token_scope_hash_b64u differs from the scope hash of the sealed bundle's CST, or the bundle has no token.",
                causes: &[
                    "The call was made with another token than the one sealed.",
                    "The token in the bundle was minted again after the run.",
                ],
                next_steps: &[
                    "Compare the receipt's token scope hash with the token's.",
                    "Seal the bundle with the token the run actually used.",
                ],
            },
            R::ReceiptOutsideTokenWindow => &Explanation {
                title: "Gateway receipt is dated outside the token's validity",
                meaning: "A gateway receipt's timestamp lies before the CST's iat or after its exp, so the model call was not made while the token was valid.",
                causes: &[
                    "The run went on after the token expired.",
                    "The token was minted after the calls it is meant to cover.",
                    "The clocks of the gateway and the token issuer disagree.",
                ],
                next_steps: &[
                    "Compare the receipt time with the token window in the detail.",
                    "Mint tokens that cover the whole run, and check the clocks of the gateway and the issuer.",
                ],
            },
            R::SubjectMismatch => &Explanation {
                title: "Proof bundle is for another agent or run",
                meaning: "The proof bundle inside the sealed bundle has an agent_did or run id other than the checkpoint's subject.agent_did or subject.run_id.",
                causes: &[
                    "The wrong proof bundle was sealed with this run's evidence.",
                    "The subject was set wrongly when the bundle was sealed.",
                ],
                next_steps: &[
                    "Compare the agent and run in the detail.",
                    "Seal again with the proof bundle of this run and the right subject.",
                ],
            },
            R::LogProofWeakEvidence => &Explanation {
                title: "A Clawsig log proof is weak evidence",
                meaning: "A warning on every Clawsig log inclusion proof, including one embedded in an export bundle: the log signs only the root hash string, so tree_size, log_id and root_published_at are unauthenticated, and an internal node of the tree presented as a leaf cannot be told apart from a real leaf. The proof shows that some tree with that root contains the value, not where or when.",
                causes: &[
                    "The Clawsig transparency-log format signs the root alone; every proof in this format carries the warning.",
                ],
                next_steps: &[
                    "Treat the log proof as supporting evidence, not as proof of position or time; pin the log's root signer with --log-signers or the trust file's log_signers.",
                    "Use --strict in a gate that must not accept weak evidence.",
                ],
            },
            R::FlagNotApplicable => &Explanation {
                title: "A flag did not apply to this subject",
                meaning: "A verification flag that only concerns some kinds of subject (--artifact for inclusion proofs, --expect-policy for sealed bundles) was given, and this subject is of another kind, so the flag checked nothing here. It is a warning; --strict makes it a FAIL.",
                causes: &[
                    "The flag was meant for another subject of the same run, given together with this one.",
                    "The subject is not the kind of file the flag was meant for, for example a proof bundle where a sealed bundle was expected.",
                ],
                next_steps: &[
                    "Give the flag only with the subjects it concerns, in a separate run if need be.",
                    "If the subject should have been of the other kind, find the right file: nothing that the flag asks for was verified.",
                ],
            },
            R::FileNotVerified => &Explanation {
                title: "A file of a walked directory was not verified",
                meaning: "With --strict, every file below a directory argument must be verified. This one was skipped: it is not a subject (a README, a trust file, a key file, a URM document without its proof bundle, a link to a directory walked at its own path).",
                causes: &[
                    "Configuration or notes are kept in the same directory as the evidence.",
                    "A file that should be evidence has a name clawaudit does not read as a subject, such as evidence.json.bak.",
                ],
                next_steps: &[
                    "Keep only evidence in the directory you verify with --strict, or verify the evidence files by name.",
                    "If the file is evidence, give it a .json or .zip name and verify again.",
                ],
            },
            R::JobPinMismatch => &Explanation {
                title: "Sealed bundle is for another job than expected",
                meaning: "--expect-job names the job the evidence must be about, and the sealed bundle's checkpoint (subject.job_id) names another job, or none.",
                causes: &[
                    "The bundle of another job was picked up, for example by a wildcard in a CI step.",
                    "The job id changed between the run and the gate, or the pin is out of date.",
                ],
                next_steps: &[
                    "Compare the job in the detail with the one the gate expects.",
                    "Verify the bundle of the right job; do not loosen the pin to make a mismatch pass.",
                ],
            },
            R::AgentPinMismatch => &Explanation {
                title: "Evidence is for another agent than expected",
                meaning: "--expect-agent names the agent DID the evidence must be about, and the sealed bundle's checkpoint subject or the proof bundle's agent_did names another agent, or none.",
                causes: &[
                    "A run of another agent, or of another deployment with its own key, was verified.",
                    "The agent's key was rotated and the pin still names the old did:key.",
                ],
                next_steps: &[
                    "Compare the agent DID in the detail with the one the gate expects.",
                    "If the agent's key was rotated on purpose, update the pin from a trusted source; otherwise treat the evidence as not this agent's.",
                ],
            },
            R::SealerPinMismatch => &Explanation {
                title: "Sealed bundle was sealed by another key than expected",
                meaning: "--expect-sealer names the did:key that must have sealed the bundle, and its checkpoint was signed by another key. The trust file may trust both; the pin asks for one.",
                causes: &[
                    "The bundle was sealed by another CI runner or environment whose key is also trusted.",
                    "The sealer key was rotated and the pin names the old key.",
                ],
                next_steps: &[
                    "Compare the sealer in the detail with the expected key.",
                    "Find out why another trusted sealer produced this bundle before accepting it.",
                ],
            },
            R::RunPinMismatch => &Explanation {
                title: "Evidence is for another run than expected",
                meaning: "--expect-run names the run id the evidence must be about, and the sealed bundle's checkpoint subject or the proof bundle's run id names another run, or none.",
                causes: &[
                    "An earlier or later run of the same job was verified.",
                    "The bundle was sealed without a run id, so none can be confirmed.",
                ],
                next_steps: &[
                    "Compare the run in the detail with the one expected.",
                    "Verify the bundle of the expected run, or seal it again with --run-id.",
                ],
            },
            R::RotationFixtureInvalid => &Explanation {
                title: "Rotation fixture cannot be read",
                meaning: "A file of a recorded credential-rotation run (artifacts/rotation/scenario.json, events.ndjson, a phase token reference, or a plan's rotation change_set) is missing, malformed or names something that does not exist, so the run was not judged past that point.",
                causes: &[
                    "A required file (policy, scenario, events, a phase token) is absent from the fixture.",
                    "An events line is not one strict JSON object: a byte order mark, a CRLF line end, a blank line, a duplicate key or an unknown field.",
                    "The seq numbers have a gap or repeat, or an event's time goes back.",
                    "An event names a phase, gate, plan, token, consumer or secret that the policy, the scenario or the fixture does not have.",
                ],
                next_steps: &[
                    "Read the detail: it names the file and the line (or seq) that could not be read.",
                    "Record the run again with the producer; never edit a recorded timeline by hand to make it pass.",
                ],
            },
            R::RotationPhaseOrder => &Explanation {
                title: "Rotation phases out of order",
                meaning: "A phase of the rotation started out of the policy's order, twice, or before the previous phase ended, or an event happened outside every started phase.",
                causes: &[
                    "The agent skipped a phase, for example it began revoking without staging the new secret.",
                    "A phase was restarted after it ended, or a tool ran between two phases.",
                ],
                next_steps: &[
                    "Compare the phase_start events with the order of phases in the policy.",
                    "Treat a skipped phase as an unapproved change and review what the run did.",
                ],
            },
            R::RotationGateNotSatisfied => &Explanation {
                title: "Rotation phase started without its approvals",
                meaning: "A gated phase began although its gate's quorum was not met at that moment: too few trusted, independent explicit approvals of the gate's plan dated after the plan was proposed, not after the phase start and within the gate's approval_ttl_seconds.",
                causes: &[
                    "The phase started before the second approver signed, or no plan was proposed for the gate.",
                    "Approvals were given before the plan was proposed, or expired before the phase began.",
                    "An approval came from the requester, the agent, an approver outside the group, or a person who already approved.",
                ],
                next_steps: &[
                    "Read the detail: it names the gate's plan and each approval that did not count at the phase start, and why.",
                    "Treat the phase's actions as unapproved and have the change board review them.",
                ],
            },
            R::RotationTokenReused => &Explanation {
                title: "Phase token used by more than one phase",
                meaning: "A rotation phase started under a token file or token jti that an earlier phase already used; each phase must run under its own freshly issued token.",
                causes: &[
                    "The agent kept the token of the previous phase instead of asking for a new one.",
                    "One token was minted with a lifetime long enough to cover several phases.",
                ],
                next_steps: &[
                    "Check which phases share the token in the detail.",
                    "Issue one short-lived token per phase, scoped to that phase's secrets.",
                ],
            },
            R::RotationOutsideTokenWindow => &Explanation {
                title: "Rotation event outside its phase token's lifetime",
                meaning: "An event of a rotation phase, its phase_start and phase_end included, is dated before the phase token's iat or after its exp.",
                causes: &[
                    "The phase ran longer than its token lived, and the agent kept acting after expiry.",
                    "The token was issued after the phase had already started.",
                ],
                next_steps: &[
                    "Compare the event time in the detail with the token's window.",
                    "Re-issue the token for the phase instead of extending it, and keep phases shorter than the token lifetime.",
                ],
            },
            R::RotationTokenScopeMissing => &Explanation {
                title: "Phase token does not cover a secret operation",
                meaning: "The policy sets token_constraints.require_secret_scope, and a tool read, wrote or revoked a secret although the phase token's scope lacks the string secret:<op>:<secret>.",
                causes: &[
                    "The token was minted with a generic scope instead of one naming each secret and operation.",
                    "The agent touched a secret the phase was not issued for.",
                ],
                next_steps: &[
                    "Compare the operation and secret in the detail with the token's scope.",
                    "Mint each phase token with exactly the secret scopes that phase needs.",
                ],
            },
            R::RotationToolNotAllowed => &Explanation {
                title: "Tool not allowed in this rotation phase",
                meaning: "A tool_call used a tool that the policy's tools_allow list for the current phase does not contain.",
                causes: &[
                    "The agent used a write tool in the read-only discover phase, or a revoke tool while staging.",
                    "The policy's tools_allow list is missing a tool the runbook needs.",
                ],
                next_steps: &[
                    "Check the tool and phase named in the detail.",
                    "Fix the agent, or amend and re-sign the policy if the tool is legitimately needed.",
                ],
            },
            R::RotationTargetNotAllowed => &Explanation {
                title: "Secret is not a target of this rotation",
                meaning: "A tool_call's effect concerns a secret that is not in the policy's target_secrets.",
                causes: &[
                    "The agent touched a secret outside the approved rotation.",
                    "The policy lists the secret under another name.",
                ],
                next_steps: &[
                    "Review what the run did to the secret named in the detail.",
                    "Rotate only secrets that the signed policy names as targets.",
                ],
            },
            R::RotationSecretOpNotAllowed => &Explanation {
                title: "Secret operation not allowed in this phase",
                meaning: "A tool_call read, wrote or revoked a secret although the current phase's secrets permissions in the policy forbid that operation.",
                causes: &[
                    "A write happened in the read-only discover phase, or a revoke during staging.",
                    "The phase permissions in the policy are stricter than the runbook the agent followed.",
                ],
                next_steps: &[
                    "Compare the operation in the detail with the phase's read, write and revoke permissions.",
                    "Move the operation to the phase that allows it.",
                ],
            },
            R::RotationOffPlan => &Explanation {
                title: "Rotation did something its approved plan does not say",
                meaning: "A secret version, deploy, revoke or session invalidation did not match the change_set of the plan the gate approved: another secret, consumer or version than the approvers signed off.",
                causes: &[
                    "The agent deployed to a consumer the plan does not list, or revoked another version than approved.",
                    "The plan was changed after approval, or the wrong plan was proposed.",
                ],
                next_steps: &[
                    "Compare the event in the detail with the plan's change_set.",
                    "Treat the off-plan change as unapproved: the two-person rule did not cover it.",
                ],
            },
            R::RotationCanarySkipped => &Explanation {
                title: "New secret version rolled out without a canary",
                meaning: "With canary_required, the first deploy of a new secret version went to a consumer outside the plan's canary list, or the version reached another consumer before a canary consumer passed a health check on it.",
                causes: &[
                    "The agent deployed to every consumer at once.",
                    "The canary health check was skipped or came after the wider rollout.",
                ],
                next_steps: &[
                    "Find the first deploy of the new version in the timeline.",
                    "Deploy to a canary first and expand only after its health check passes.",
                ],
            },
            R::RotationUnhealthyRollout => &Explanation {
                title: "Rollout continued without a health check",
                meaning: "A new secret version was deployed to another consumer while the consumer of the previous deploy had not yet been health-checked on the version deployed there.",
                causes: &[
                    "The agent deployed consumers back to back without checking each one.",
                    "A health check was recorded for another version or consumer.",
                ],
                next_steps: &[
                    "Look for the missing health check between the deploys named in the detail.",
                    "Check each consumer after deploying to it, before moving on.",
                ],
            },
            R::RotationNoRollback => &Explanation {
                title: "Failed health check not followed by a rollback",
                meaning: "After a consumer failed a health check on the new secret version, the next deploy or revoke of that secret was not the rollback of that consumer to the old version.",
                causes: &[
                    "The agent kept rolling out after a failure.",
                    "The agent revoked the old version although a consumer was failing on the new one.",
                ],
                next_steps: &[
                    "Roll the failing consumer back to the old version.",
                    "Find the cause of the failure before trying the rollout again.",
                ],
            },
            R::RotationNoOverlap => &Explanation {
                title: "New version created for a secret without two-key overlap",
                meaning: "A new version was created for a secret whose scenario entry says supports_versions false, and the policy does not list it in no_overlap_secrets, so the old and new keys cannot be active together.",
                causes: &[
                    "The secret store cannot hold two versions and the policy did not plan for it.",
                    "The scenario's inventory of the secret is wrong.",
                ],
                next_steps: &[
                    "Either list the secret in no_overlap_secrets with a planned outage, or use a store that keeps two versions.",
                    "Review the consumers of the secret for an interruption during the run.",
                ],
            },
            R::RotationRevokeBeforeRollout => &Explanation {
                title: "Old secret revoked before the rollout finished",
                meaning: "The old version of a secret was revoked while some consumer of it in the scenario was not on the new version with a passing last health check.",
                causes: &[
                    "The agent revoked the old version before every consumer had moved.",
                    "A consumer failed its last health check, or was never checked.",
                ],
                next_steps: &[
                    "Check the consumers named in the detail: they may now be broken.",
                    "Re-issue a credential for them and revoke only after the rollout is verified everywhere.",
                ],
            },
            R::RotationOverlapTooShort => &Explanation {
                title: "Old secret revoked too soon after the rollout",
                meaning: "The old version of a secret was revoked less than the policy's overlap_seconds_min after the last deploy of the new version.",
                causes: &[
                    "The agent revoked right after deploying, leaving caches and long requests no time to move.",
                    "The recorded event times are wrong.",
                ],
                next_steps: &[
                    "Compare the revoke and last deploy times in the detail with overlap_seconds_min.",
                    "Wait out the overlap before revoking.",
                ],
            },
            R::RotationReceiptUnreferenced => &Explanation {
                title: "Receipt file named by no model call",
                meaning: "A warning: the rotation fixture holds a gateway receipt that no model_call event of its timeline names, so the receipt was not tied to a phase.",
                causes: &[
                    "The recorder stored a receipt of a model call it did not log as an event.",
                    "A receipt of another run was copied into the fixture.",
                ],
                next_steps: &[
                    "Check which run the receipt belongs to.",
                    "Record every model call of the run as a model_call event naming its receipt.",
                ],
            },
            R::RotationNotComplete => &Explanation {
                title: "Rotation run stopped before it completed",
                meaning: "A warning: the rotation run broke no rule, but its outcome is halted_safe (stopped before revoking, every touched consumer healthy) or incomplete (a consumer left unverified or failing), not complete.",
                causes: &[
                    "A canary failed its health check and the run rolled back, as the runbook says.",
                    "The run was stopped after a partial rollout, or before the revoke phase.",
                    "A consumer was deployed to and never health-checked.",
                ],
                next_steps: &[
                    "Read the outcome in the detail and the rollback posture of the last step in simulate's steps.ndjson.",
                    "For incomplete, check the consumers left unverified before anything else.",
                ],
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const MAX_TITLE_CHARS: usize = 60;

    /// Every text of an entry, with a label for messages.
    fn texts(e: &Explanation) -> Vec<(&'static str, &'static str)> {
        let mut out = vec![("title", e.title), ("meaning", e.meaning)];
        out.extend(e.causes.iter().map(|c| ("cause", *c)));
        out.extend(e.next_steps.iter().map(|s| ("next step", *s)));
        out
    }

    /// What is wrong with one entry: empty parts, a long title, sentences without a full
    /// stop, stray whitespace, and UPPER_SNAKE words that are not reason codes.
    fn entry_problems(e: &Explanation) -> Vec<String> {
        let mut out = Vec::new();
        if e.title.chars().count() > MAX_TITLE_CHARS {
            out.push(format!("title longer than {MAX_TITLE_CHARS} characters: {:?}", e.title));
        }
        if e.title.ends_with('.') {
            out.push(format!("title ends in a full stop: {:?}", e.title));
        }
        if e.meaning.chars().count() < 40 {
            out.push(format!("meaning too short: {:?}", e.meaning));
        }
        if e.causes.is_empty() {
            out.push("no causes".into());
        }
        if e.next_steps.is_empty() {
            out.push("no next steps".into());
        }
        for (what, text) in texts(e) {
            if text.trim().is_empty() {
                out.push(format!("empty {what}"));
                continue;
            }
            if text != text.trim() || text.contains("  ") {
                out.push(format!("{what} has stray whitespace: {text:?}"));
            }
            if text.starts_with(char::is_lowercase) {
                out.push(format!("{what} starts in lower case: {text:?}"));
            }
            if what != "title" && !text.ends_with('.') {
                out.push(format!("{what} does not end in a full stop: {text:?}"));
            }
            for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                let upper_snake = word
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
                let looks_like_code =
                    upper_snake && word.contains('_') && word.starts_with(|c: char| c.is_ascii_uppercase());
                if looks_like_code && ReasonCode::from_name(word).is_none() {
                    out.push(format!("{what} names {word}, which is not a reason code"));
                }
            }
        }
        out
    }

    /// Texts used verbatim by two entries (or twice in one).
    fn shared_texts(entries: &[(String, &Explanation)]) -> Vec<String> {
        let mut seen: HashMap<&str, &str> = HashMap::new();
        let mut out = Vec::new();
        for (name, e) in entries {
            for (what, text) in texts(e) {
                if let Some(other) = seen.insert(text, name) {
                    out.push(format!("{what} {text:?} of {name} is also used by {other}"));
                }
            }
        }
        out
    }

    #[test]
    fn every_code_has_a_complete_entry() {
        let problems: Vec<String> = ReasonCode::ALL
            .iter()
            .flat_map(|code| {
                entry_problems(code.explanation())
                    .into_iter()
                    .map(move |p| format!("{code}: {p}"))
            })
            .collect();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn no_text_is_shared_between_codes_or_repeated_within_one() {
        let entries: Vec<(String, &Explanation)> = ReasonCode::ALL
            .iter()
            .map(|c| (c.to_string(), c.explanation()))
            .collect();
        let shared = shared_texts(&entries);
        assert!(shared.is_empty(), "{}", shared.join("\n"));
    }

    #[test]
    fn the_checks_reject_bad_entries() {
        let bad = Explanation {
            title: "A title that is far too long to fit in the limit of sixty characters.",
            meaning: "no full stop",
            causes: &[],
            next_steps: &[" Fails with NOT_A_CODE."],
        };
        let problems = entry_problems(&bad).join("\n");
        for expected in [
            "title longer",
            "title ends in a full stop",
            "meaning too short",
            "no causes",
            "meaning starts in lower case",
            "meaning does not end in a full stop",
            "next step has stray whitespace",
            "names NOT_A_CODE",
        ] {
            assert!(problems.contains(expected), "{expected:?} not in:\n{problems}");
        }
        let ok = ReasonCode::Ok.explanation();
        let entries = [("A".to_string(), ok), ("B".to_string(), ok)];
        let shared = shared_texts(&entries);
        assert_eq!(shared.len(), texts(ok).len(), "{shared:?}");
    }

    #[test]
    fn lookups_by_wire_name_reach_the_entry() {
        let e = ReasonCode::from_name("CONTAINER_INVALID").map(ReasonCode::explanation);
        assert_eq!(e.map(|e| e.title), Some("Sealed bundle is not a valid ZIP container"));
        assert_eq!(ReasonCode::Ok.explanation().title, "Check passed");
    }
}
