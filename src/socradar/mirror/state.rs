//! What the mirror remembers between runs, in the instance's integration context: per mirrored
//! alarm, its `notification_id` (the only key SOCRadar reads one alarm by), the view last
//! synced to the incident, and outgoing records the incident has not been shown yet.
//!
//! Several commands of one instance can run at once (fetch, the mirroring job, an outgoing
//! update), so a command does not write the state back whole: it returns [`TrackedUpdate`]s,
//! and the integration applies them to the newest state with the versioned integration context,
//! re-reading and re-applying when another run wrote in between.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::record::MirroredChange;
use super::view::AlarmView;

/// Alarms remembered per instance. At about 150 bytes each, the state stays under 3 MB; the
/// alarms touched longest ago are forgotten first (never one with records still to show).
pub const MAX_ALARMS: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Tracked {
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    pub notification_id: Option<u64>,
    /// The view last synced to the incident; `None` until one is known.
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    pub view: Option<AlarmView>,
    /// Epoch seconds of the last run that touched the alarm (for forgetting the oldest).
    #[serde(rename = "s", default)]
    pub seen: i64,
    /// Outgoing records not yet shown in the incident (the next get-remote-data shows them).
    #[serde(rename = "p", default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<MirroredChange>,
}

/// A change to one alarm's entry, applied to whatever the newest state holds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TrackedUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<AlarmView>,
    pub seen: i64,
    /// Records to keep until shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_pending: Vec<MirroredChange>,
    /// Ids of pending records now shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shown: Vec<String>,
}

/// The mirror's state: alarm id (as text, a JSON object key) → what is remembered of it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MirrorState {
    #[serde(default)]
    pub alarms: BTreeMap<String, Tracked>,
}

impl MirrorState {
    /// Reads the state kept in the integration context; an absent or unreadable state is empty
    /// (the mirror then re-learns each alarm, and records no change it cannot prove).
    pub fn from_json(v: Option<&Value>) -> MirrorState {
        v.filter(|v| !v.is_null())
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("the mirror state serialises")
    }

    pub fn get(&self, alarm_id: u64) -> Option<&Tracked> {
        self.alarms.get(&alarm_id.to_string())
    }

    pub fn notification_id(&self, alarm_id: u64) -> Option<u64> {
        self.get(alarm_id).and_then(|t| t.notification_id)
    }

    /// Applies one update: fields it carries replace the remembered ones, records it adds are
    /// kept (once each), records it has shown are dropped.
    pub fn apply(&mut self, alarm_id: u64, u: &TrackedUpdate) {
        let t = self.alarms.entry(alarm_id.to_string()).or_default();
        if u.notification_id.is_some() {
            t.notification_id = u.notification_id;
        }
        if u.view.is_some() {
            t.view = u.view.clone();
        }
        t.seen = t.seen.max(u.seen);
        for r in &u.add_pending {
            if !t.pending.iter().any(|p| p.id == r.id) {
                t.pending.push(r.clone());
            }
        }
        t.pending.retain(|p| !u.shown.contains(&p.id));
    }

    pub fn apply_all(&mut self, updates: &BTreeMap<u64, TrackedUpdate>) {
        for (id, u) in updates {
            self.apply(*id, u);
        }
        self.forget_oldest();
    }

    /// Keeps at most [`MAX_ALARMS`], forgetting those touched longest ago that have nothing
    /// left to show.
    fn forget_oldest(&mut self) {
        let excess = self.alarms.len().saturating_sub(MAX_ALARMS);
        if excess == 0 {
            return;
        }
        let mut candidates: Vec<(i64, String)> = self
            .alarms
            .iter()
            .filter(|(_, t)| t.pending.is_empty())
            .map(|(k, t)| (t.seen, k.clone()))
            .collect();
        candidates.sort();
        for (_, key) in candidates.into_iter().take(excess) {
            self.alarms.remove(&key);
        }
    }

    /// Alarms with records still to show: reported modified whatever SOCRadar says.
    pub fn with_pending(&self) -> Vec<u64> {
        self.alarms
            .iter()
            .filter(|(_, t)| !t.pending.is_empty())
            .filter_map(|(k, _)| k.parse().ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::record::{Direction, Outcome};
    use super::*;
    use serde_json::json;

    fn record(n: u32) -> MirroredChange {
        MirroredChange::new(
            1,
            Direction::Outgoing,
            "severity",
            json!("LOW"),
            json!(n),
            None,
            None,
            "2026-11-23T09:14:00Z",
            Outcome::Applied,
        )
    }

    #[test]
    fn updates_merge_into_whatever_is_newest() {
        let mut s = MirrorState::default();
        s.apply(
            1,
            &TrackedUpdate {
                notification_id: Some(9),
                seen: 5,
                add_pending: vec![record(1), record(2)],
                ..Default::default()
            },
        );
        // Another run, unaware of the first, shows one record and stores a view.
        s.apply(
            1,
            &TrackedUpdate {
                view: Some(AlarmView::default()),
                seen: 3,
                shown: vec![record(1).id],
                ..Default::default()
            },
        );
        let t = s.get(1).unwrap();
        assert_eq!(t.notification_id, Some(9));
        assert_eq!(t.seen, 5);
        assert!(t.view.is_some());
        assert_eq!(t.pending, vec![record(2)]);
        assert_eq!(s.with_pending(), [1]);
        // Adding the same record twice keeps one.
        s.apply(
            1,
            &TrackedUpdate {
                add_pending: vec![record(2)],
                ..Default::default()
            },
        );
        assert_eq!(s.get(1).unwrap().pending.len(), 1);
        let back = MirrorState::from_json(Some(&s.to_json()));
        assert_eq!(back, s);
    }

    #[test]
    fn the_state_is_bounded_and_keeps_what_is_still_to_show() {
        let mut s = MirrorState::default();
        let mut updates = BTreeMap::new();
        for id in 1..=(MAX_ALARMS as u64 + 10) {
            updates.insert(
                id,
                TrackedUpdate {
                    seen: id as i64,
                    add_pending: if id == 1 { vec![record(1)] } else { vec![] },
                    ..Default::default()
                },
            );
        }
        s.apply_all(&updates);
        assert_eq!(s.alarms.len(), MAX_ALARMS);
        assert!(s.get(1).is_some(), "an alarm with a record to show is kept");
        assert!(s.get(2).is_none() && s.get(11).is_none() && s.get(12).is_some());
    }

    #[test]
    fn an_unreadable_state_is_empty() {
        assert_eq!(
            MirrorState::from_json(Some(&json!("garbage"))),
            MirrorState::default()
        );
        assert_eq!(MirrorState::from_json(None), MirrorState::default());
    }
}
