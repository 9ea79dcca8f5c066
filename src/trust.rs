//! Trust roots: who is trusted to sign what.
//!
//! Two formats are accepted. Our own `trust.json` (spec 20 §1, `trust_version "1"`) is parsed
//! strictly: unknown keys or roles and DIDs that are not usable Ed25519 did:keys are errors.
//! A Clawsig verifier config (`config_version "1"`, `allowlists{…}`) is read as the reference
//! verifier reads it: unknown keys are ignored and non-string list entries are dropped. We do
//! not merge allowlists from environment variables: trust comes from the file alone.

use crate::crypto::parse_did_key;
use crate::json::{self, Object, Value};

/// One trusted key, optionally named.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustEntry {
    pub did: String,
    pub name: Option<String>,
}

/// A trusted approver: a key that speaks for a person (`subject`) in some groups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApproverEntry {
    pub did: String,
    pub subject: Option<String>,
    pub groups: Vec<String>,
    pub name: Option<String>,
}

impl ApproverEntry {
    /// The identity an approval counts for: the subject, or the DID when there is none.
    pub fn identity(&self) -> &str {
        self.subject.as_deref().unwrap_or(&self.did)
    }
}

/// All trust roles. Clawsig allowlist names are noted beside each role.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trust {
    /// `gateway_receipt_signer_dids`
    pub gateways: Vec<TrustEntry>,
    /// `attestation_signer_dids`
    pub attesters: Vec<TrustEntry>,
    /// `execution_attestation_signer_dids`
    pub execution_attesters: Vec<TrustEntry>,
    /// `derivation_attestation_signer_dids`
    pub derivation_attesters: Vec<TrustEntry>,
    /// `audit_result_attestation_signer_dids`
    pub audit_result_attesters: Vec<TrustEntry>,
    /// Signers of Clawsig log roots (no Clawsig equivalent; empty = not pinned).
    pub log_signers: Vec<TrustEntry>,
    pub sealers: Vec<TrustEntry>,
    pub policy_issuers: Vec<TrustEntry>,
    pub token_issuers: Vec<TrustEntry>,
    pub approvers: Vec<ApproverEntry>,
    /// Where this trust came from, for reports.
    pub source: TrustSource,
}

/// An approver as a merge conflict names it.
fn describe(e: &ApproverEntry) -> String {
    format!(
        "{:?} in groups [{}]",
        e.subject.as_deref().unwrap_or("(no subject)"),
        e.groups.join(", ")
    )
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TrustSource {
    /// No trust file was given: every allowlist is empty.
    #[default]
    None,
    ClawsigConfig,
    TrustFile,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    #[error("the trust file is not valid JSON: {0}")]
    Json(String),
    #[error("the trust file is neither a clawaudit trust file (trust_version \"1\") nor a Clawsig config (config_version \"1\")")]
    UnknownFormat,
    #[error("trust file: {0}")]
    Invalid(String),
}

fn has(list: &[TrustEntry], did: &str) -> bool {
    list.iter().any(|e| e.did == did)
}

impl Trust {
    pub fn empty() -> Trust {
        Trust::default()
    }

    /// Add every root of `other` (`verify --trust A --trust B`). A DID already trusted in a
    /// role stays as it is; an approver DID that the two files give a different subject or
    /// groups is refused, since which one holds could not be told.
    pub fn merge(&mut self, other: Trust) -> Result<(), String> {
        let roles = [
            (&mut self.gateways, other.gateways),
            (&mut self.attesters, other.attesters),
            (&mut self.execution_attesters, other.execution_attesters),
            (&mut self.derivation_attesters, other.derivation_attesters),
            (&mut self.audit_result_attesters, other.audit_result_attesters),
            (&mut self.log_signers, other.log_signers),
            (&mut self.sealers, other.sealers),
            (&mut self.policy_issuers, other.policy_issuers),
            (&mut self.token_issuers, other.token_issuers),
        ];
        for (mine, theirs) in roles {
            for entry in theirs {
                if !mine.iter().any(|e| e.did == entry.did) {
                    mine.push(entry);
                }
            }
        }
        for entry in other.approvers {
            match self.approvers.iter().find(|e| e.did == entry.did) {
                None => self.approvers.push(entry),
                Some(e) if e.subject == entry.subject && e.groups == entry.groups => {}
                Some(e) => {
                    return Err(format!(
                        "approver {} is {} in one trust file and {} in another",
                        entry.did,
                        describe(e),
                        describe(&entry)
                    ))
                }
            }
        }
        if self.source == TrustSource::None {
            self.source = other.source;
        } else if other.source != TrustSource::None && other.source != self.source {
            self.source = TrustSource::TrustFile;
        }
        Ok(())
    }

    pub fn is_gateway(&self, did: &str) -> bool {
        has(&self.gateways, did)
    }
    pub fn is_attester(&self, did: &str) -> bool {
        has(&self.attesters, did)
    }
    pub fn is_sealer(&self, did: &str) -> bool {
        has(&self.sealers, did)
    }
    pub fn is_policy_issuer(&self, did: &str) -> bool {
        has(&self.policy_issuers, did)
    }
    pub fn approver(&self, did: &str) -> Option<&ApproverEntry> {
        self.approvers.iter().find(|a| a.did == did)
    }

    /// Parse either accepted format from bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Trust, TrustError> {
        let value = json::parse(bytes, &json::ParseLimits::default()).map_err(|e| TrustError::Json(e.to_string()))?;
        let obj = value.as_object().ok_or(TrustError::UnknownFormat)?;
        if obj.contains_key("trust_version") {
            parse_trust_file(obj)
        } else if obj.contains_key("config_version") {
            parse_clawsig_config(obj)
        } else {
            Err(TrustError::UnknownFormat)
        }
    }
}

fn parse_clawsig_config(obj: &Object) -> Result<Trust, TrustError> {
    if obj.get("config_version").and_then(Value::as_str) != Some("1") {
        return Err(TrustError::Invalid("config_version must be \"1\"".into()));
    }
    let mut trust = Trust {
        source: TrustSource::ClawsigConfig,
        ..Trust::default()
    };
    let Some(lists) = obj.get("allowlists") else {
        return Ok(trust);
    };
    let lists = lists
        .as_object()
        .ok_or_else(|| TrustError::Invalid("allowlists must be an object".into()))?;
    // Non-string entries are dropped and duplicates removed, as the reference does.
    let read = |name: &str| -> Vec<TrustEntry> {
        let mut out: Vec<TrustEntry> = Vec::new();
        if let Some(items) = lists.get(name).and_then(Value::as_array) {
            for did in items.iter().filter_map(Value::as_str) {
                let did = did.trim();
                if !did.is_empty() && !has(&out, did) {
                    out.push(TrustEntry {
                        did: did.to_string(),
                        name: None,
                    });
                }
            }
        }
        out
    };
    trust.gateways = read("gateway_receipt_signer_dids");
    trust.attesters = read("attestation_signer_dids");
    trust.execution_attesters = read("execution_attestation_signer_dids");
    trust.derivation_attesters = read("derivation_attestation_signer_dids");
    trust.audit_result_attesters = read("audit_result_attestation_signer_dids");
    Ok(trust)
}

const ROLES: &[&str] = &[
    "sealers",
    "policy_issuers",
    "token_issuers",
    "approvers",
    "gateways",
    "attesters",
    "execution_attesters",
    "derivation_attesters",
    "audit_result_attesters",
    "log_signers",
];

fn parse_trust_file(obj: &Object) -> Result<Trust, TrustError> {
    if obj.get("trust_version").and_then(Value::as_str) != Some("1") {
        return Err(TrustError::Invalid("trust_version must be \"1\"".into()));
    }
    let mut trust = Trust {
        source: TrustSource::TrustFile,
        ..Trust::default()
    };
    for (key, value) in obj.iter() {
        if key == "trust_version" {
            continue;
        }
        if !ROLES.contains(&key) {
            return Err(TrustError::Invalid(format!(
                "unknown role '{key}' (known roles: {})",
                ROLES.join(", ")
            )));
        }
        let items = value
            .as_array()
            .ok_or_else(|| TrustError::Invalid(format!("role '{key}' must be an array")))?;
        if key == "approvers" {
            for item in items {
                trust.approvers.push(parse_approver(item)?);
            }
            continue;
        }
        let mut entries = Vec::with_capacity(items.len());
        for item in items {
            let entry = parse_entry(key, item, &[])?;
            entries.push(TrustEntry {
                did: entry.did,
                name: entry.name,
            });
        }
        match key {
            "sealers" => trust.sealers = entries,
            "policy_issuers" => trust.policy_issuers = entries,
            "token_issuers" => trust.token_issuers = entries,
            "gateways" => trust.gateways = entries,
            "attesters" => trust.attesters = entries,
            "execution_attesters" => trust.execution_attesters = entries,
            "derivation_attesters" => trust.derivation_attesters = entries,
            "audit_result_attesters" => trust.audit_result_attesters = entries,
            _ => trust.log_signers = entries,
        }
    }
    Ok(trust)
}

fn parse_approver(item: &Value) -> Result<ApproverEntry, TrustError> {
    let entry = parse_entry("approvers", item, &["subject", "groups"])?;
    let obj = item
        .as_object()
        .ok_or_else(|| TrustError::Invalid("approver entries must be objects".into()))?;
    let subject = match obj.get("subject") {
        None => None,
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(_) => {
            return Err(TrustError::Invalid(format!(
                "approver {}: subject must be a non-empty string",
                entry.did
            )))
        }
    };
    let groups = match obj.get("groups") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|g| {
                g.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| TrustError::Invalid(format!("approver {}: groups must be strings", entry.did)))
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(TrustError::Invalid(format!(
                "approver {}: groups must be an array",
                entry.did
            )))
        }
    };
    Ok(ApproverEntry {
        did: entry.did,
        name: entry.name,
        subject,
        groups,
    })
}

struct ParsedEntry {
    did: String,
    name: Option<String>,
}

fn parse_entry(role: &str, item: &Value, extra_keys: &[&str]) -> Result<ParsedEntry, TrustError> {
    let obj = item.as_object().ok_or_else(|| {
        TrustError::Invalid(format!(
            "entries of '{role}' must be objects like {{\"did\": \"did:key:z…\"}}"
        ))
    })?;
    for key in obj.keys() {
        if key != "did" && key != "name" && !extra_keys.contains(&key) {
            return Err(TrustError::Invalid(format!(
                "unknown key '{key}' in an entry of '{role}'"
            )));
        }
    }
    let did = obj
        .get("did")
        .and_then(Value::as_str)
        .ok_or_else(|| TrustError::Invalid(format!("an entry of '{role}' has no \"did\" string")))?;
    parse_did_key(did).map_err(|e| TrustError::Invalid(format!("role '{role}': {e}")))?;
    let name = match obj.get("name") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(TrustError::Invalid(format!("role '{role}': name must be a string"))),
    };
    Ok(ParsedEntry {
        did: did.to_string(),
        name,
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn merging_trust_files_unites_their_roots_and_refuses_an_approver_described_twice() {
        let a = Trust::from_bytes(br#"{"trust_version":"1","sealers":[{"did":"did:key:z6MkonSLcGbrW3vtmQr4SbdfSr7vYeQXjUzezixUid9FHwbH"}],"approvers":[{"did":"did:key:z6MkuC5WLrbc5UmP7JDipYTLaBkhhiY6gmxZ1sftFvie6g68","subject":"alice@example.com","groups":["change-board"]}]}"#).unwrap();
        let b = Trust::from_bytes(br#"{"trust_version":"1","sealers":[{"did":"did:key:z6MkonSLcGbrW3vtmQr4SbdfSr7vYeQXjUzezixUid9FHwbH","name":"again"}],"gateways":[{"did":"did:key:z6MkimBqjEX3HCpq2MqFfDne997Z6NmErtqFTupjcBNMd3da"}],"approvers":[{"did":"did:key:z6MkuC5WLrbc5UmP7JDipYTLaBkhhiY6gmxZ1sftFvie6g68","subject":"alice@example.com","groups":["change-board"]}]}"#).unwrap();
        let mut merged = a.clone();
        merged.merge(b).unwrap();
        assert_eq!(merged.sealers.len(), 1, "a DID trusted twice in one role is one root");
        assert_eq!(merged.gateways.len(), 1);
        assert_eq!(merged.approvers.len(), 1);
        // The same approver key as another person: which one holds cannot be told.
        let c = Trust::from_bytes(br#"{"trust_version":"1","approvers":[{"did":"did:key:z6MkuC5WLrbc5UmP7JDipYTLaBkhhiY6gmxZ1sftFvie6g68","subject":"mallory@example.com","groups":["change-board"]}]}"#).unwrap();
        let mut conflicted = a;
        let err = conflicted.merge(c).unwrap_err();
        assert!(
            err.contains("mallory@example.com") && err.contains("alice@example.com"),
            "{err}"
        );
    }
    use super::*;

    const DID: &str = "did:key:z6MkneMkZqwqRiU5mJzSG3kDwzt9P8C59N4NGTfBLfSGE7c7";

    #[test]
    fn reads_clawsig_config_leniently() {
        let text = format!(
            r#"{{"config_version":"1","trusted_signer_dids":["x"],"allowlists":{{"gateway_receipt_signer_dids":["{DID}",7,"{DID}"],"derivation_attestation_signer_dids":["{DID}"]}}}}"#
        );
        let trust = Trust::from_bytes(text.as_bytes()).unwrap();
        assert_eq!(trust.gateways.len(), 1);
        assert!(trust.is_gateway(DID));
        assert_eq!(trust.derivation_attesters.len(), 1);
        assert_eq!(trust.source, TrustSource::ClawsigConfig);
    }

    #[test]
    fn reads_trust_file_strictly() {
        let text = format!(
            r#"{{"trust_version":"1","sealers":[{{"did":"{DID}","name":"ci"}}],"approvers":[{{"did":"{DID}","subject":"alice@example.com","groups":["change-board"]}}]}}"#
        );
        let trust = Trust::from_bytes(text.as_bytes()).unwrap();
        assert!(trust.is_sealer(DID));
        assert_eq!(trust.approver(DID).unwrap().identity(), "alice@example.com");
        for bad in [
            format!(r#"{{"trust_version":"1","owners":[{{"did":"{DID}"}}]}}"#),
            r#"{"trust_version":"1","sealers":[{"did":"did:key:zNOTBASE58O"}]}"#.to_string(),
            format!(r#"{{"trust_version":"1","sealers":[{{"did":"{DID}","colour":"red"}}]}}"#),
            format!(r#"{{"trust_version":"2","sealers":[{{"did":"{DID}"}}]}}"#),
            r#"{"hello":1}"#.to_string(),
        ] {
            assert!(Trust::from_bytes(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
