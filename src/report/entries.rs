//! The details of the evidence chain's entries, as the approvals, the gate and the decisions read
//! them back: one struct per kind, in the PascalCase the chain stores.
//!
//! The chain verifies before any of these is read, so the details are DORA Bridge's own; every
//! key is still optional (`#[serde(default)]`) because entries sealed by an older version lack
//! some, and a sealed entry is never rewritten. Writers build the details with `json!` so the
//! hashed text stays exactly what it was.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::audit::Entry;
use crate::context::records::{lenient, texts_or_none};
use crate::identity::Caller;

/// The details of `e` as the struct of its kind.
pub fn details<T: DeserializeOwned + Default>(e: &Entry) -> T {
    crate::context::view(&e.details)
}

/// A `classification` entry: the verdict an approval of the classification binds to.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ClassificationEntry {
    #[serde(deserialize_with = "lenient")]
    pub inputs_hash: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub is_major: Option<bool>,
    #[serde(deserialize_with = "lenient")]
    pub determinate: Option<bool>,
    #[serde(deserialize_with = "lenient")]
    pub rule: Option<String>,
}

/// A `report-draft` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DraftEntry {
    #[serde(deserialize_with = "lenient")]
    pub subject: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub content_hash: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub complete: Option<bool>,
    /// `field: why`, one per problem of the draft's verdict.
    #[serde(deserialize_with = "texts_or_none")]
    pub problems: Vec<String>,
}

impl DraftEntry {
    pub fn is_complete(&self) -> bool {
        self.complete == Some(true)
    }
}

/// An `approval` or `rejection` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DecisionEntry {
    #[serde(deserialize_with = "lenient")]
    pub subject: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub content_hash: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub role: Option<String>,
    /// `approve` or `reject`.
    #[serde(deserialize_with = "lenient")]
    pub decision: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub comment: Option<String>,
    /// The authenticated user; entries older than the user record have only the actor.
    #[serde(deserialize_with = "lenient")]
    pub user: Option<Caller>,
}

/// A `submission` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SubmissionEntry {
    #[serde(deserialize_with = "lenient")]
    pub subject: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub content_hash: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub submitted_at: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub authority_reference: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub late: Option<bool>,
    #[serde(deserialize_with = "lenient")]
    pub late_reason: Option<String>,
}

/// A `triage` entry: what the incident was judged to be, on which rule.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TriageEntry {
    #[serde(deserialize_with = "lenient")]
    pub outcome: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub rule: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(details: serde_json::Value) -> Entry {
        Entry {
            seq: 0,
            at: "2026-11-23T09:14:00Z".into(),
            kind: "approval".into(),
            actor: "ana".into(),
            details,
            prev_hash: String::new(),
            key_id: String::new(),
            mac: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn details_read_as_their_kind_and_older_entries_lack_keys() {
        let d: DecisionEntry = details(&entry(json!({"Subject": "initial", "Role": "CISO",
            "User": {"Username": "ana", "Email": null, "Name": "Ana"}, "Extra": 1})));
        assert_eq!(d.subject.as_deref(), Some("initial"));
        assert_eq!(d.user.as_ref().map(|u| u.username.as_str()), Some("ana"));
        assert_eq!(d.content_hash, None);
        let old: DecisionEntry = details(&entry(json!({"Subject": "initial"})));
        assert_eq!(old.user, None);
        let draft: DraftEntry = details(&entry(json!({"Complete": true, "Problems": ["2.1: x"]})));
        assert!(draft.is_complete());
        assert_eq!(draft.problems, vec!["2.1: x".to_string()]);
    }
}
