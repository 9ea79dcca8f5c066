//! The signers of a subject, each with the roles the trust file gives it.

use std::collections::BTreeSet;

use super::model::{Signed, SignerFact, TrustRole};
use crate::crypto::parse_did_key;
use crate::policy::cst::kid_for_public;
use crate::trust::{ApproverEntry, Trust, TrustEntry};

/// The signers met so far, each with its roles.
pub(super) struct Signers<'t> {
    trust: &'t Trust,
    pub(super) list: Vec<SignerFact>,
}

impl<'t> Signers<'t> {
    pub(super) fn new(trust: &'t Trust) -> Signers<'t> {
        Signers {
            trust,
            list: Vec::new(),
        }
    }

    /// `did` signed `artifact` as `capacity` (nothing is recorded without a DID).
    pub(super) fn add(&mut self, did: Option<&str>, capacity: &'static str, artifact: &str) {
        if let Some(did) = did {
            self.record(Some(did.to_string()), None, capacity, artifact);
        }
    }

    /// A CST's issuer, known by the kid of its key: the trust file's DIDs with that kid.
    pub(super) fn add_kid(&mut self, kid: &str, capacity: &'static str, artifact: &str) {
        let dids = dids_with_kid(self.trust, kid);
        if dids.is_empty() {
            self.record(None, Some(kid.to_string()), capacity, artifact);
        }
        for did in dids {
            self.record(Some(did), Some(kid.to_string()), capacity, artifact);
        }
    }

    fn record(&mut self, did: Option<String>, kid: Option<String>, capacity: &'static str, artifact: &str) {
        let signed = Signed {
            artifact: artifact.to_string(),
            capacity,
        };
        let same = |s: &&mut SignerFact| match &did {
            Some(d) => s.did.as_ref() == Some(d),
            None => s.did.is_none() && s.kid == kid,
        };
        if let Some(existing) = self.list.iter_mut().find(same) {
            if existing.kid.is_none() {
                existing.kid = kid;
            }
            existing.signed.push(signed);
            return;
        }
        let roles = did.as_deref().map(|d| roles_of(self.trust, d)).unwrap_or_default();
        self.list.push(SignerFact {
            did,
            kid,
            signed: vec![signed],
            roles,
        });
    }
}

/// Every role list of the trust file but the approvers, with the role's name.
fn role_lists(trust: &Trust) -> [(&'static str, &[TrustEntry]); 9] {
    [
        ("sealer", &trust.sealers),
        ("policy issuer", &trust.policy_issuers),
        ("token issuer", &trust.token_issuers),
        ("gateway", &trust.gateways),
        ("attester", &trust.attesters),
        ("execution attester", &trust.execution_attesters),
        ("derivation attester", &trust.derivation_attesters),
        ("audit-result attester", &trust.audit_result_attesters),
        ("log signer", &trust.log_signers),
    ]
}

/// The roles the trust file gives `did`, in the file format's role order.
fn roles_of(trust: &Trust, did: &str) -> Vec<TrustRole> {
    let mut roles: Vec<TrustRole> = Vec::new();
    for (role, entries) in role_lists(trust) {
        for e in entries.iter().filter(|e| e.did == did) {
            roles.push(TrustRole {
                role,
                name: e.name.clone(),
                subject: None,
                groups: Vec::new(),
            });
        }
    }
    for a in trust.approvers.iter().filter(|a| a.did == did) {
        roles.push(approver_role(a));
    }
    roles
}

fn approver_role(a: &ApproverEntry) -> TrustRole {
    TrustRole {
        role: "approver",
        name: a.name.clone(),
        subject: a.subject.clone(),
        groups: a.groups.clone(),
    }
}

/// The trust file's DIDs (any role) whose key has this CST kid.
fn dids_with_kid(trust: &Trust, kid: &str) -> Vec<String> {
    let all = role_lists(trust)
        .into_iter()
        .flat_map(|(_, entries)| entries.iter().map(|e| e.did.as_str()))
        .chain(trust.approvers.iter().map(|a| a.did.as_str()));
    let mut seen = BTreeSet::new();
    all.filter(|did| {
        parse_did_key(did).is_ok_and(|key| kid_for_public(key.as_bytes()) == kid) && seen.insert(did.to_string())
    })
    .map(str::to_string)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_come_from_every_list_and_kids_resolve_among_all_dids() {
        let did = "did:key:z6MkneMkZqwqRiU5mJzSG3kDwzt9P8C59N4NGTfBLfSGE7c7";
        let text = format!(
            r#"{{"trust_version":"1","sealers":[{{"did":"{did}","name":"ci"}}],"approvers":[{{"did":"{did}","subject":"a@x","groups":["g"]}}]}}"#
        );
        let trust = Trust::from_bytes(text.as_bytes()).unwrap();
        let roles = roles_of(&trust, did);
        assert_eq!(roles.iter().map(|r| r.role).collect::<Vec<_>>(), ["sealer", "approver"]);
        assert_eq!(roles[1].subject.as_deref(), Some("a@x"));
        let key = parse_did_key(did).unwrap();
        let kid = kid_for_public(key.as_bytes());
        assert_eq!(dids_with_kid(&trust, &kid), vec![did.to_string()]);
        assert!(dids_with_kid(&trust, "0000000000000000").is_empty());
        assert!(roles_of(&Trust::empty(), did).is_empty());
    }
}
