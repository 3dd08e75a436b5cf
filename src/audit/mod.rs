//! The evidence chain: an append-only, hash-chained log of every step of an incident that a
//! supervisor may ask to see (DORA Art. 17(2): "record all ICT-related incidents"; Art. 19: what
//! was reported to the competent authority, when, and on whose approval).
//!
//! Each entry carries the hash of the one before it, so changing, removing, inserting or
//! reordering any entry breaks the chain from that point on, and [`verify`] names the first
//! position that no longer follows. The chain lives in the XSOAR incident's context as a JSON list
//! of [`Entry`] objects and is exported with the report.
//!
//! # Canonical form (re-verifiable without DORA Bridge)
//!
//! An entry's `Hash` is the lowercase hex SHA-256 of the UTF-8 bytes of one JSON text:
//!
//! ```text
//! {"actor":…,"at":…,"details":…,"kind":…,"prev_hash":…,"seq":…,"v":1}
//! ```
//!
//! - the seven keys above (`v` is [`CHAIN_VERSION`]), and every key inside `details` at any depth,
//!   sorted by code point;
//! - no whitespace: `,` and `:` as separators;
//! - strings escaped as JSON requires (`"`, `\`, control characters), everything else, non-ASCII
//!   included, written as UTF-8;
//! - integers in decimal. Floats are written as serde_json writes them (shortest round-trip form),
//!   which can differ from other languages for exponents (`1e21` here, `1e+21` in Python), so
//!   producers keep amounts, scores and hashes in `details` as strings or integers.
//!
//! The first entry's `PrevHash` is 64 zeros; every later entry's is the previous entry's `Hash`,
//! and entry `i` has `Seq` `i`. In Python, for the list stored in context:
//!
//! ```python
//! import hashlib, json
//! def first_bad(chain):
//!     prev = "0" * 64
//!     for i, e in enumerate(chain):
//!         body = {"v": 1, "seq": e["Seq"], "at": e["At"], "kind": e["Kind"], "actor": e["Actor"],
//!                 "details": e["Details"], "prev_hash": e["PrevHash"]}
//!         text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
//!         if e["Seq"] != i or e["PrevHash"] != prev or hashlib.sha256(text.encode()).hexdigest() != e["Hash"]:
//!             return i
//!         prev = e["Hash"]
//!     return None  # and compare prev with the head recorded elsewhere
//! ```
//!
//! The canonical text is written by [`canonical_json`], which sorts keys itself, so the hash does
//! not depend on whether serde_json's `preserve_order` feature is on in some build.
//!
//! # What a chain cannot prove on its own
//!
//! Removing the LAST entries leaves a shorter chain that is still perfectly valid, and anyone
//! holding the chain can append a well-formed entry: the chain is not signed. [`verify`] therefore
//! reports the head hash, and a caller that records it somewhere else (an incident field, the
//! submission receipt) detects truncation by comparing, or calls [`verify_against_head`].

mod verify;

#[cfg(test)]
mod tamper_tests;

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::timeutil;

pub use verify::{verify, verify_against_head, Verification};

/// Version of the canonical form, hashed into every entry so a future change of the form cannot
/// make an old chain verify under new rules (or the reverse).
pub const CHAIN_VERSION: u32 = 1;

/// `PrevHash` of the first entry: there is nothing before it.
pub const GENESIS_PREV_HASH: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// The field names an entry has in context; any other field is refused, because it would sit in
/// the evidence log without being covered by a hash.
const FIELDS: [&str; 7] = ["Seq", "At", "Kind", "Actor", "Details", "PrevHash", "Hash"];

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
    /// Who: a user name, or `DORA Bridge` for what the product did by itself.
    pub actor: String,
    /// A JSON object: inputs hash, content hash, role, comment, authority reference...
    pub details: Value,
    /// Hash of the previous entry; [`GENESIS_PREV_HASH`] for the first.
    pub prev_hash: String,
    /// Hex SHA-256 of the canonical form of the fields above (see the module documentation).
    pub hash: String,
}

impl Entry {
    /// The canonical JSON text this entry's hash is computed over.
    pub fn canonical_text(&self) -> String {
        canonical_json(&json!({
            "v": CHAIN_VERSION,
            "seq": self.seq,
            "at": self.at,
            "kind": self.kind,
            "actor": self.actor,
            "details": self.details,
            "prev_hash": self.prev_hash,
        }))
    }

    /// The hash this entry should carry given its content (whatever its `hash` field says).
    pub fn computed_hash(&self) -> String {
        Sha256::digest(self.canonical_text().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
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

/// Builds the next entry to append to `chain` (does not modify it).
///
/// `at` is stored to the second (sub-second digits are dropped) and must not be earlier than the
/// last entry's: time only moves forward in an evidence log. Equal times are fine, several
/// events often share a second. `kind` and `actor` are stored trimmed and must not be blank;
/// `details` must be a JSON object.
///
/// The new entry takes position `chain.len()` and the last entry's hash; the chain itself is not
/// verified here (that is [`verify`]'s job), so appending to a damaged chain neither repairs nor
/// hides the damage.
pub fn next_entry(
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
    let mut entry = Entry {
        seq: chain.len() as u64,
        at: at_text,
        kind: kind.to_string(),
        actor: actor.to_string(),
        details,
        prev_hash: chain
            .last()
            .map_or_else(|| GENESIS_PREV_HASH.to_string(), |e| e.hash.clone()),
        hash: String::new(),
    };
    entry.hash = entry.computed_hash();
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
/// that is not one of the seven entry fields is refused: it would sit in the evidence log without
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

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, s).unwrap()
    }

    fn detection() -> Entry {
        next_entry(
            &[],
            t(9, 14, 0),
            "detection",
            "DORA Bridge",
            json!({"source": "SOCRadar", "alarm_id": 81171696}),
        )
        .unwrap()
    }

    #[test]
    fn the_first_entry_starts_the_chain_and_the_next_links_to_it() {
        let first = detection();
        assert_eq!(first.seq, 0);
        assert_eq!(first.at, "2026-11-23T09:14:00Z");
        assert_eq!(first.prev_hash, GENESIS_PREV_HASH);
        assert_eq!(first.hash, first.computed_hash());
        assert_eq!(first.hash.len(), 64);
        let second = next_entry(
            std::slice::from_ref(&first),
            t(9, 14, 0),
            " classification ",
            "DORA Bridge",
            json!({"inputs_hash": "ab".repeat(32)}),
        )
        .unwrap();
        assert_eq!(second.seq, 1);
        assert_eq!(second.kind, "classification");
        assert_eq!(second.prev_hash, first.hash);
        assert_ne!(second.hash, first.hash);
    }

    #[test]
    fn sub_second_times_are_stored_to_the_second() {
        let at = t(9, 14, 0) + chrono::Duration::milliseconds(999);
        let e = next_entry(&[], at, "detection", "DORA Bridge", json!({})).unwrap();
        assert_eq!(e.at, "2026-11-23T09:14:00Z");
        // Same second as the stored one, even though a little later than its truncation.
        assert!(next_entry(&[e], at, "classification", "DORA Bridge", json!({})).is_ok());
    }

    #[test]
    fn next_entry_refuses_blank_kind_or_actor_and_non_object_details() {
        let e = next_entry(&[], t(9, 0, 0), "  ", "a.keller", json!({})).unwrap_err();
        assert!(e.message.starts_with("An audit entry needs a kind"), "{e}");
        let e = next_entry(&[], t(9, 0, 0), "approval", "", json!({})).unwrap_err();
        assert!(
            e.message
                .starts_with("The approval audit entry needs an actor"),
            "{e}"
        );
        for details in [
            json!(null),
            json!("CISO"),
            json!(["CISO"]),
            json!(3),
            json!(true),
        ] {
            let e =
                next_entry(&[], t(9, 0, 0), "approval", "a.keller", details.clone()).unwrap_err();
            assert!(
                e.message.contains("must be a JSON object"),
                "{details}: {e}"
            );
            assert!(e.message.ends_with('.'), "{e}");
        }
    }

    #[test]
    fn time_only_moves_forward() {
        let first = detection();
        let e = next_entry(
            std::slice::from_ref(&first),
            t(9, 13, 59),
            "classification",
            "DORA Bridge",
            json!({}),
        )
        .unwrap_err();
        assert!(
            e.message
                .contains("before the last entry (2026-11-23T09:14:00Z)"),
            "{e}"
        );
        let mut bad_time = first;
        bad_time.at = "yesterday".into();
        let e = next_entry(
            &[bad_time],
            t(10, 0, 0),
            "classification",
            "DORA Bridge",
            json!({}),
        )
        .unwrap_err();
        assert!(e.message.contains("not RFC 3339"), "{e}");
    }

    #[test]
    fn parse_at_accepts_offsets_and_refuses_other_text() {
        assert_eq!(parse_at("2026-11-23T10:14:00+01:00").unwrap(), t(9, 14, 0));
        assert!(parse_at("23/11/2026 09:14").is_err());
        assert!(is_canonical_at("2026-11-23T09:14:00Z"));
        for other in [
            "2026-11-23T10:14:00+01:00",
            "2026-11-23T09:14:00.5Z",
            "2026-11-23T09:14:00+00:00",
            "2026-11-23 09:14:00Z",
        ] {
            assert!(!is_canonical_at(other), "{other}");
        }
    }

    /// Pins the canonical form: this hash was computed outside the product with the Python
    /// snippet of the module documentation. If it changes, every stored chain stops verifying.
    #[test]
    fn the_canonical_form_matches_the_documented_python() {
        let e = Entry {
            seq: 3,
            at: "2026-11-23T11:02:00Z".into(),
            kind: "approval".into(),
            actor: "Ana Müller".into(),
            details: json!({
                "role": "Chief Risk Officer",
                "comment": "Figures checked \"twice\"\nSigned.",
                "content_hash": "c0ffee",
                "nested": {"z": 1, "a": [true, null, "é"]},
            }),
            prev_hash: "ab".repeat(32),
            hash: String::new(),
        };
        assert_eq!(
            e.canonical_text(),
            r#"{"actor":"Ana Müller","at":"2026-11-23T11:02:00Z","details":{"comment":"Figures checked \"twice\"\nSigned.","content_hash":"c0ffee","nested":{"a":[true,null,"é"],"z":1},"role":"Chief Risk Officer"},"kind":"approval","prev_hash":"abababababababababababababababababababababababababababababababab","seq":3,"v":1}"#
        );
        assert_eq!(
            e.computed_hash(),
            "02defe037de4b000e2232c2d19616d70d97c49571fcab9f5d434fce3d2b9a743"
        );
    }

    #[test]
    fn every_field_and_the_version_are_hashed() {
        let base = detection();
        let mut variants = Vec::new();
        let mut e = base.clone();
        e.seq = 1;
        variants.push(e);
        let mut e = base.clone();
        e.at = "2026-11-23T09:14:01Z".into();
        variants.push(e);
        let mut e = base.clone();
        e.kind = "Detection".into();
        variants.push(e);
        let mut e = base.clone();
        e.actor = "DORA Bridge ".into();
        variants.push(e);
        let mut e = base.clone();
        e.details["alarm_id"] = json!(81171697);
        variants.push(e);
        let mut e = base.clone();
        e.prev_hash = "1".repeat(64);
        variants.push(e);
        for v in variants {
            assert_ne!(v.computed_hash(), base.computed_hash(), "{v:?}");
        }
        assert!(base
            .canonical_text()
            .ends_with(&format!(",\"v\":{CHAIN_VERSION}}}")));
    }

    #[test]
    fn chain_from_json_reads_a_list_a_single_object_or_nothing() {
        let first = detection();
        let second = next_entry(
            std::slice::from_ref(&first),
            t(9, 20, 0),
            "classification",
            "DORA Bridge",
            json!({"inputs_hash": "ab".repeat(32)}),
        )
        .unwrap();
        let chain = vec![first.clone(), second];
        let stored = chain_to_json(&chain);
        assert_eq!(stored[0]["PrevHash"], GENESIS_PREV_HASH);
        assert_eq!(stored[1]["Seq"], 1);
        assert_eq!(chain_from_json(&stored).unwrap(), chain);
        assert_eq!(
            chain_from_json(&serde_json::to_value(&first).unwrap()).unwrap(),
            vec![first.clone()]
        );
        assert_eq!(chain_from_json(&Value::Null).unwrap(), vec![]);
        assert_eq!(chain_from_json(&json!([])).unwrap(), vec![]);

        let mut float_seq = serde_json::to_value(&first).unwrap();
        float_seq["Seq"] = json!(0.0);
        assert_eq!(chain_from_json(&json!([float_seq])).unwrap(), vec![first]);
    }

    #[test]
    fn malformed_entries_are_refused_with_their_position() {
        let good = serde_json::to_value(detection()).unwrap();
        let mut no_hash = good.clone();
        no_hash.as_object_mut().unwrap().remove("Hash");
        let e = chain_from_json(&json!([good.clone(), no_hash])).unwrap_err();
        assert!(
            e.message
                .starts_with("The audit entry at position 1 cannot be read"),
            "{e}"
        );
        assert!(e.message.contains("Hash"), "{e}");

        let mut extra = good.clone();
        extra["Approved"] = json!(true);
        let e = chain_from_json(&json!([good.clone(), good.clone(), extra])).unwrap_err();
        assert!(
            e.message.contains("position 2") && e.message.contains("\"Approved\""),
            "{e}"
        );

        let mut bad_seq = good.clone();
        bad_seq["Seq"] = json!("zero");
        assert!(chain_from_json(&bad_seq)
            .unwrap_err()
            .message
            .contains("position 0"));
        let mut half_seq = good.clone();
        half_seq["Seq"] = json!(0.5);
        assert!(chain_from_json(&json!([half_seq])).is_err());

        let e = chain_from_json(&json!([good, "entry"])).unwrap_err();
        assert!(
            e.message.contains("position 1") && e.message.contains("a string"),
            "{e}"
        );
        for other in [json!("[]"), json!(7), json!(true)] {
            let e = chain_from_json(&other).unwrap_err();
            assert!(
                e.message.starts_with("The audit chain must be a JSON list"),
                "{e}"
            );
        }
    }
}
