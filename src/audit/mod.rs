//! The evidence chain: an append-only log of every step of an incident that a supervisor may ask
//! to see (DORA Art. 17(2): "record all ICT-related incidents"; Art. 19: what was reported to the
//! competent authority, when, and on whose approval), hash-chained and keyed.
//!
//! Each entry carries the hash of the one before it and an HMAC-SHA-256 under the chain key held
//! in the DORA Bridge instance's credentials ([`keys`]). After every append, the head (last
//! position and hash, keyed too) is recorded outside the incident, in the instance's integration
//! context ([`head`]). With the key, [`verify`] detects and names an edited field, a deleted
//! entry, reordered entries, a cut tail, an appended entry, an inserted entry, a consistently
//! rewritten chain and a replayed entry. Without the key it says that integrity cannot be
//! verified: anyone can recompute SHA-256 hashes.
//!
//! What the chain does not protect against: a holder of the chain key (an XSOAR administrator
//! who can read the instance's credentials) can write a valid chain and head; and removing the
//! whole incident removes its chain (the head outside still names it).
//!
//! # Canonical form (re-verifiable without DORA Bridge, with the key)
//!
//! An entry's `Hash` is the lowercase hex SHA-256, and its `Mac` the lowercase hex
//! HMAC-SHA-256 under the key named by `KeyId`, of the UTF-8 bytes of one JSON text:
//!
//! ```text
//! {"actor":…,"at":…,"details":…,"incident":…,"key_id":…,"kind":…,"prev_hash":…,"seq":…,"v":2}
//! ```
//!
//! - `incident` is the XSOAR incident id the chain belongs to (it is not stored in the entry:
//!   the chain lives in that incident), so an entry copied from another incident's chain does not
//!   verify here; `v` is [`CHAIN_VERSION`];
//! - keys, also inside `details` at any depth, sorted by code point; no whitespace (`,` and `:`);
//! - strings escaped as JSON requires, everything else, non-ASCII included, written as UTF-8;
//! - integers in decimal; producers keep amounts, scores and hashes in `details` as strings or
//!   integers (floats print differently across languages).
//!
//! The first entry's `PrevHash` is 64 zeros; every later entry's is the previous entry's `Hash`,
//! and entry `i` has `Seq` `i`. In Python, for the list stored in context:
//!
//! ```python
//! import hashlib, hmac, json
//! def first_bad(chain, incident_id, keys):  # keys: {key_id: secret bytes}
//!     prev = "0" * 64
//!     for i, e in enumerate(chain):
//!         body = {"v": 2, "seq": e["Seq"], "at": e["At"], "kind": e["Kind"], "actor": e["Actor"],
//!                 "details": e["Details"], "prev_hash": e["PrevHash"], "key_id": e["KeyId"],
//!                 "incident": incident_id}
//!         text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
//!         mac = hmac.new(keys[e["KeyId"]], text, hashlib.sha256).hexdigest()
//!         if (e["Seq"] != i or e["PrevHash"] != prev or hashlib.sha256(text).hexdigest() != e["Hash"]
//!                 or not hmac.compare_digest(mac, e["Mac"])):
//!             return i
//!         prev = e["Hash"]
//!     return None  # and compare prev with the head recorded in the integration context
//! ```

pub mod head;
pub mod keys;
mod verify;

#[cfg(test)]
mod entry_tests;
#[cfg(test)]
mod tamper_tests;

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::input::json_type;
use crate::timeutil;

pub use head::HeadRecord;
pub use keys::{ChainKey, KeyRing};
pub use verify::{verify, Status, Tampering, Verification};

/// Version of the canonical form, hashed into every entry so a future change of the form cannot
/// make an old chain verify under new rules (or the reverse).
pub const CHAIN_VERSION: u32 = 2;

/// `PrevHash` of the first entry: there is nothing before it.
pub const GENESIS_PREV_HASH: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// Longest incident id accepted (XSOAR ids are short numbers or `INCIDENT-n`).
const MAX_INCIDENT_ID: usize = 128;

/// The field names an entry has in context; any other field is refused, because it would sit in
/// the evidence log without being covered by a hash and a MAC.
const FIELDS: [&str; 9] = [
    "Seq", "At", "Kind", "Actor", "Details", "PrevHash", "KeyId", "Mac", "Hash",
];

/// One event of the evidence log, as stored in the incident's context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Entry {
    /// 0-based position in the chain.
    pub seq: u64,
    /// RFC 3339 UTC with `Z`, to the second (`2026-11-23T09:14:00Z`).
    pub at: String,
    /// `detection`, `classification`, `report-draft`, `approval`, `rejection`, `submission`...
    pub kind: String,
    /// Who: the authenticated XSOAR user name, or `DORA Bridge` for what the product did.
    pub actor: String,
    /// A JSON object: inputs hash, content hash, role, comment, authority reference...
    pub details: Value,
    /// Hash of the previous entry; [`GENESIS_PREV_HASH`] for the first.
    pub prev_hash: String,
    /// Id of the chain key the MAC is computed with.
    pub key_id: String,
    /// Hex HMAC-SHA-256 of the canonical form under that key.
    pub mac: String,
    /// Hex SHA-256 of the canonical form (see the module documentation).
    pub hash: String,
}

impl Entry {
    /// The canonical JSON text this entry's hash and MAC are computed over, in `incident`.
    pub fn canonical_text(&self, incident: &str) -> String {
        canonical_json(&json!({
            "v": CHAIN_VERSION,
            "seq": self.seq,
            "at": self.at,
            "kind": self.kind,
            "actor": self.actor,
            "details": self.details,
            "prev_hash": self.prev_hash,
            "key_id": self.key_id,
            "incident": incident,
        }))
    }

    /// The hash this entry should carry given its content (whatever its `hash` field says).
    pub fn computed_hash(&self, incident: &str) -> String {
        sha256_hex(&self.canonical_text(incident))
    }
}

pub(crate) fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where a chain lives and what signs it: the incident id (bound into every entry) and the keys.
#[derive(Debug, Clone, Copy)]
pub struct ChainScope<'a> {
    pub incident: &'a str,
    pub keys: &'a KeyRing,
}

impl<'a> ChainScope<'a> {
    pub fn new(incident: &'a str, keys: &'a KeyRing) -> Result<ChainScope<'a>, AuditError> {
        check_incident(incident)?;
        Ok(ChainScope { incident, keys })
    }
}

pub(crate) fn check_incident(incident: &str) -> Result<(), AuditError> {
    if incident.trim().is_empty() || incident.len() > MAX_INCIDENT_ID {
        return Err(AuditError::new(
            "The evidence chain belongs to an incident: the command must run in an incident (its id is bound into every entry), not in the playground.",
        ));
    }
    Ok(())
}

/// An audit chain that cannot be extended or read; the message is one full sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditError {
    pub message: String,
}

impl AuditError {
    pub fn new(message: impl Into<String>) -> Self {
        AuditError {
            message: message.into(),
        }
    }
}

impl fmt::Display for AuditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AuditError {}

/// Builds the next entry to append to `chain` (does not modify it), signed with the current key.
///
/// `at` is stored to the second (sub-second digits are dropped) and must not be earlier than the
/// last entry's: time only moves forward in an evidence log. Equal times are fine, several
/// events often share a second. `kind` and `actor` are stored trimmed and must not be blank;
/// `details` must be a JSON object.
///
/// The chain itself is not verified here (that is [`verify`]'s job), so appending to a damaged
/// chain neither repairs nor hides the damage.
pub fn next_entry(
    scope: ChainScope<'_>,
    chain: &[Entry],
    at: DateTime<Utc>,
    kind: &str,
    actor: &str,
    details: Value,
) -> Result<Entry, AuditError> {
    let kind = kind.trim();
    if kind.is_empty() {
        return Err(AuditError::new(
            "An audit entry needs a kind naming the event, such as \"approval\" or \"submission\"; got an empty value.",
        ));
    }
    let actor = actor.trim();
    if actor.is_empty() {
        return Err(AuditError::new(format!(
            "The {kind} audit entry needs an actor: the user who acted, or \"DORA Bridge\" for what the product did; got an empty value."
        )));
    }
    if !details.is_object() {
        return Err(AuditError::new(format!(
            "The details of the {kind} audit entry must be a JSON object such as {{\"role\": \"CISO\"}}, got {}.",
            json_type(&details)
        )));
    }
    let at_text = timeutil::to_rfc3339(at);
    if let Some(last) = chain.last() {
        let last_at = parse_at(&last.at).map_err(|_| {
            AuditError::new(format!(
                "The last audit entry (position {}) has a time that is not RFC 3339 ({:?}), so the {kind} entry cannot be ordered after it; verify the chain before appending to it.",
                chain.len() - 1,
                last.at
            ))
        })?;
        // Compared at the stored precision: `at_text` is `at` truncated to the second.
        if parse_at(&at_text)? < last_at {
            return Err(AuditError::new(format!(
                "The {kind} audit entry cannot be dated {at_text}, before the last entry ({}): time only moves forward in an evidence log, so record it with the current time.",
                last.at
            )));
        }
    }
    let key = scope.keys.current();
    let mut entry = Entry {
        seq: chain.len() as u64,
        at: at_text,
        kind: kind.to_string(),
        actor: actor.to_string(),
        details,
        prev_hash: chain
            .last()
            .map_or_else(|| GENESIS_PREV_HASH.to_string(), |e| e.hash.clone()),
        key_id: key.id().to_string(),
        mac: String::new(),
        hash: String::new(),
    };
    let text = entry.canonical_text(scope.incident);
    entry.hash = sha256_hex(&text);
    entry.mac = key.mac(&text);
    Ok(entry)
}

/// Reads an RFC 3339 time with any offset (`2026-11-23T10:14:00+01:00` is `09:14:00Z`), for a
/// binding that receives `at` as text.
pub fn parse_at(raw: &str) -> Result<DateTime<Utc>, AuditError> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            AuditError::new(format!(
                "An audit time must be RFC 3339, such as 2026-11-23T09:14:00Z, got {:?}.",
                raw
            ))
        })
}

/// Whether `at` is written exactly as the chain writes times: RFC 3339, UTC, `Z`, whole seconds.
pub(crate) fn is_canonical_at(at: &str) -> bool {
    DateTime::parse_from_rfc3339(at)
        .is_ok_and(|t| timeutil::to_rfc3339(t.with_timezone(&Utc)) == at)
}

/// Reads a chain as stored in context: a JSON list of entries, a single entry object (XSOAR keeps
/// a one-element output as an object), or null (absent) for an empty chain.
///
/// Reading checks shape only; whether the entries still chain is [`verify`]'s question. A field
/// that is not one of the nine entry fields is refused: it would sit in the evidence log without
/// being covered by a hash. `Seq` written as an integral float (`3.0`, as some JSON round trips
/// produce) is read as the integer.
pub fn chain_from_json(v: &Value) -> Result<Vec<Entry>, AuditError> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| entry_from_json(i, item))
            .collect(),
        Value::Object(_) => Ok(vec![entry_from_json(0, v)?]),
        other => Err(AuditError::new(format!(
            "The audit chain must be a JSON list of entries (or a single entry object), got {}; restore it from the last export.",
            json_type(other)
        ))),
    }
}

/// The chain as it is stored in context: a JSON list of entries.
pub fn chain_to_json(chain: &[Entry]) -> Value {
    Value::Array(
        chain
            .iter()
            .map(|e| serde_json::to_value(e).expect("an entry always serialises"))
            .collect(),
    )
}

fn entry_from_json(position: usize, v: &Value) -> Result<Entry, AuditError> {
    let bad = |why: String| {
        AuditError::new(format!(
            "The audit entry at position {position} cannot be read ({why}); the chain in the incident context was edited or written by another tool, restore it from the last export."
        ))
    };
    let Some(obj) = v.as_object() else {
        return Err(bad(format!("it is {}, not an object", json_type(v))));
    };
    if let Some(extra) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(bad(format!(
            "it has a field {extra:?} that no entry has, and that no hash covers"
        )));
    }
    let mut obj = obj.clone();
    if let Some(Value::Number(n)) = obj.get("Seq") {
        if let Some(f) = n
            .as_f64()
            .filter(|f| n.is_f64() && f.fract() == 0.0 && *f >= 0.0)
        {
            obj.insert("Seq".into(), json!(f as u64));
        }
    }
    serde_json::from_value(Value::Object(obj)).map_err(|e| bad(e.to_string()))
}

/// Compact JSON with object keys sorted by code point at every depth: the canonical text hashed
/// into each entry. Sorted here rather than by the map type, so the hash is the same whatever
/// serde_json features a build enables.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            // `str` orders by UTF-8 bytes, which is code point order: Python's `sort_keys`.
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// A key ring for tests (a test secret, never a real one), and the incident the tests' chains
/// belong to.
#[cfg(test)]
pub(crate) mod testing {
    use super::{ChainKey, ChainScope, KeyRing};

    pub const INCIDENT: &str = "4711";
    pub const SECRET: &str = "test-chain-secret-0123456789abcdef";

    pub fn ring() -> KeyRing {
        KeyRing::new(ChainKey::new("chain_key", "k2", SECRET).unwrap(), vec![]).unwrap()
    }

    /// A ring whose current key is `k3` and that still verifies `k2`.
    pub fn rotated() -> KeyRing {
        KeyRing::new(
            ChainKey::new("chain_key", "k3", &format!("{SECRET}-rotated")).unwrap(),
            vec![ChainKey::new("chain_retired_keys", "k2", SECRET).unwrap()],
        )
        .unwrap()
    }

    pub fn scope(ring: &KeyRing) -> ChainScope<'_> {
        ChainScope::new(INCIDENT, ring).unwrap()
    }
}
