//! The head of a chain recorded outside the incident: the last position and hash, keyed.
//!
//! It lives in the DORA Bridge instance's integration context, one record per incident. The
//! integration context is written only by the instance's own code: no one reaches it from the
//! incident (its context, the War Room, `!Set`, a playbook task), and an XSOAR list would be
//! editable by any user allowed to edit lists. The record is keyed like the entries, so even an
//! administrator who edits the integration context through the API cannot move the head without
//! the chain key. Comparing it with the chain finds what a chain cannot show on its own: entries
//! cut from its end, and a chain rewritten from an earlier point.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{canonical_json, ChainScope, Entry, KeyRing, CHAIN_VERSION};

/// The head as stored in the integration context, under the incident id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HeadRecord {
    /// Position of the last entry.
    pub seq: u64,
    /// Its hash.
    pub hash: String,
    pub key_id: String,
    /// HMAC of the canonical form of (incident, seq, hash, key id).
    pub mac: String,
}

fn head_text(incident: &str, seq: u64, hash: &str, key_id: &str) -> String {
    canonical_json(&json!({
        "v": CHAIN_VERSION, "what": "head", "incident": incident, "seq": seq, "hash": hash, "key_id": key_id,
    }))
}

impl HeadRecord {
    /// The head of `chain` after its last entry, signed with the current key; none for an empty
    /// chain.
    pub fn of(scope: ChainScope<'_>, chain: &[Entry]) -> Option<HeadRecord> {
        let last = chain.last()?;
        let key = scope.keys.current();
        Some(HeadRecord {
            seq: last.seq,
            hash: last.hash.clone(),
            key_id: key.id().to_string(),
            mac: key.mac(&head_text(scope.incident, last.seq, &last.hash, key.id())),
        })
    }

    /// Whether the record was written by a holder of one of `keys` for `incident`.
    pub fn authentic(&self, incident: &str, keys: &KeyRing) -> bool {
        keys.get(&self.key_id).is_some_and(|k| {
            k.verifies(
                &head_text(incident, self.seq, &self.hash, &self.key_id),
                &self.mac,
            )
        })
    }

    /// Reads a record stored in the integration context; `None` for absent or unreadable, which
    /// verification reports as a missing head.
    pub fn from_json(v: &Value) -> Option<HeadRecord> {
        serde_json::from_value(v.clone()).ok()
    }
}
