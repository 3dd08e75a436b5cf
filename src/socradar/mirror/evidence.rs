//! Mirrored changes sealed in the incident's DORA evidence chain (DORA Art. 17(2): ICT-related
//! incidents are recorded, with what was done about them, so a supervisor can see what changed
//! on the SOCRadar side and what was written to it).
//!
//! Entries are appended through the audit module's public API only. Each record is sealed once,
//! whatever number of times it is shown: its id is kept in the entry's details, and records
//! already in the chain are skipped. Nothing is appended to an incident without a chain: the
//! chain starts with the incident's DORA detection, not with a SOCRadar edit.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::record::MirroredChange;
use crate::audit::{self, Entry};
use crate::input::InputError;
use crate::report::evidence::Evidence;

/// Kind of the chain entries that record a mirrored change.
pub const KIND: &str = "socradar-mirror";
/// Actor of those entries: the product recorded them; `Details.By` names who made the change.
pub const ACTOR: &str = "DORA Bridge";

/// What the skip needs of a sealed record: its id ([`MirroredChange::id`]).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Sealed {
    id: Option<String>,
}

fn recorded_ids(chain: &[Entry]) -> Vec<String> {
    chain
        .iter()
        .filter(|e| e.kind == KIND)
        .filter_map(|e| crate::context::view::<Sealed>(&e.details).id)
        .collect()
}

/// Appends to the incident's chain, keyed like every entry, one entry per record of `records`
/// not sealed yet (in the order they were observed); none when the incident has no chain. A
/// chain that fails verification gets nothing: the records stay in the war room until it is
/// restored.
pub fn seal(
    ev: &mut Evidence<'_>,
    records: &[MirroredChange],
    at: DateTime<Utc>,
) -> Result<Vec<Entry>, InputError> {
    if ev.chain.is_empty() {
        return Ok(Vec::new());
    }
    ev.verified()?;
    let mut todo: Vec<MirroredChange> = {
        let done = recorded_ids(&ev.chain);
        records
            .iter()
            .filter(|r| !done.contains(&r.id))
            .cloned()
            .collect()
    };
    todo.sort_by(|a, b| a.observed_at.cmp(&b.observed_at));
    todo.dedup_by(|a, b| a.id == b.id);
    // A chain's times only move forward; a record observed before the last entry is sealed now.
    let at = ev
        .chain
        .last()
        .and_then(|e| audit::parse_at(&e.at).ok())
        .map_or(at, |last| last.max(at));
    let mut out = Vec::new();
    for r in todo {
        let details = serde_json::to_value(&r).expect("a record serialises");
        out.push(ev.append(at, KIND, ACTOR, details)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::record::{Direction, Outcome};
    use super::*;
    use crate::audit::testing::{ring, INCIDENT};
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
    fn records_are_sealed_once_in_order_keyed_and_only_where_a_chain_exists() {
        let keys = ring();
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();
        let a = record("status", "2026-11-23T09:59:00Z");
        let b = record("severity", "2026-11-23T09:58:00Z");
        let mut empty = Evidence::new(INCIDENT, &keys, vec![], None).unwrap();
        assert!(seal(&mut empty, std::slice::from_ref(&a), t)
            .unwrap()
            .is_empty());
        let mut ev = Evidence::new(INCIDENT, &keys, vec![], None).unwrap();
        ev.append(
            t - chrono::Duration::hours(1),
            "detection",
            "DORA Bridge",
            json!({}),
        )
        .unwrap();
        let head = ev.head();
        let chain = ev.chain.clone();
        let mut ev = Evidence::new(INCIDENT, &keys, chain, head).unwrap();
        let added = seal(&mut ev, &[a.clone(), b.clone(), a.clone()], t).unwrap();
        assert_eq!(added.len(), 2);
        assert_eq!(added[0].details["Field"], "severity");
        assert_eq!(added[1].prev_hash, added[0].hash);
        assert_eq!(added[0].kind, KIND);
        assert!(audit::verify(&ev.chain, INCIDENT, Some(&keys), ev.head().as_ref()).valid);
        // Shown again later: nothing new to seal.
        let (chain, head) = (ev.chain.clone(), ev.head());
        let mut again = Evidence::new(INCIDENT, &keys, chain, head).unwrap();
        assert!(seal(&mut again, &[a, b], t).unwrap().is_empty());
    }

    #[test]
    fn a_chain_that_fails_verification_gets_nothing() {
        let keys = ring();
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();
        let mut ev = Evidence::new(INCIDENT, &keys, vec![], None).unwrap();
        ev.append(t, "detection", "DORA Bridge", json!({})).unwrap();
        let mut chain = ev.chain.clone();
        chain[0].actor = "someone else".into();
        let mut forged = Evidence::new(INCIDENT, &keys, chain, ev.head()).unwrap();
        let err = seal(&mut forged, &[record("status", "2026-11-23T09:59:00Z")], t).unwrap_err();
        assert!(
            err.message.contains("fails verification"),
            "{}",
            err.message
        );
        assert!(forged.appended.is_empty());
    }
}
