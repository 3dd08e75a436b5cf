//! Mirrored changes sealed in the incident's DORA evidence chain (DORA Art. 17(2): ICT-related
//! incidents are recorded, with what was done about them, so a supervisor can see what changed
//! on the SOCRadar side and what was written to it).
//!
//! Entries are appended through the audit module's public API only. Each record is sealed once,
//! whatever number of times it is shown: its id is kept in the entry's details, and records
//! already in the chain are skipped. Nothing is appended to an incident without a chain: the
//! chain starts with the incident's DORA detection, not with a SOCRadar edit.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::record::MirroredChange;
use crate::audit::{self, AuditError, Entry};

/// Kind of the chain entries that record a mirrored change.
pub const KIND: &str = "socradar-mirror";
/// Actor of those entries: the product recorded them; `Details.By` names who made the change.
pub const ACTOR: &str = "DORA Bridge";

fn recorded_ids(chain: &[Entry]) -> Vec<&str> {
    chain
        .iter()
        .filter(|e| e.kind == KIND)
        .filter_map(|e| e.details.get("Id").and_then(Value::as_str))
        .collect()
}

/// The entries to append to `chain` for `records` (in the order they were observed), none for
/// records already sealed, none at all when the chain is empty.
pub fn chain_entries(
    chain: &[Entry],
    records: &[MirroredChange],
    at: DateTime<Utc>,
) -> Result<Vec<Entry>, AuditError> {
    if chain.is_empty() {
        return Ok(Vec::new());
    }
    let mut todo: Vec<&MirroredChange> = {
        let done = recorded_ids(chain);
        records
            .iter()
            .filter(|r| !done.contains(&r.id.as_str()))
            .collect()
    };
    todo.sort_by(|a, b| a.observed_at.cmp(&b.observed_at));
    todo.dedup_by(|a, b| a.id == b.id);
    // A chain's times only move forward; a record observed before the last entry is sealed now.
    let at = chain
        .last()
        .and_then(|e| audit::parse_at(&e.at).ok())
        .map_or(at, |last| last.max(at));
    let mut extended: Vec<Entry> = chain.to_vec();
    let mut out = Vec::new();
    for r in todo {
        let details = serde_json::to_value(r).expect("a record serialises");
        let e = audit::next_entry(&extended, at, KIND, ACTOR, details)?;
        extended.push(e.clone());
        out.push(e);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::record::{Direction, Outcome};
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn record(field: &str, at: &str) -> MirroredChange {
        MirroredChange::new(
            81171954,
            Direction::Incoming,
            field,
            json!("OPEN"),
            json!("CLOSED"),
            Some("soc@bank.eu".into()),
            None,
            at,
            Outcome::Applied,
        )
    }

    #[test]
    fn records_are_sealed_once_in_order_and_only_where_a_chain_exists() {
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();
        let a = record("status", "2026-11-23T09:59:00Z");
        let b = record("severity", "2026-11-23T09:58:00Z");
        assert!(chain_entries(&[], std::slice::from_ref(&a), t)
            .unwrap()
            .is_empty());
        let detection = audit::next_entry(
            &[],
            t - chrono::Duration::hours(1),
            "detection",
            "DORA Bridge",
            json!({}),
        )
        .unwrap();
        let chain = vec![detection];
        let added = chain_entries(&chain, &[a.clone(), b.clone(), a.clone()], t).unwrap();
        assert_eq!(added.len(), 2);
        assert_eq!(added[0].details["Field"], "severity");
        assert_eq!(added[1].prev_hash, added[0].hash);
        assert_eq!(added[0].kind, KIND);
        let mut all = chain.clone();
        all.extend(added);
        assert!(audit::verify(&all).valid);
        // Shown again later: nothing new to seal.
        assert!(chain_entries(&all, &[a, b], t).unwrap().is_empty());
    }
}
