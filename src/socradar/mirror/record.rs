//! The record of one mirrored change: what the war room shows and what the DORA evidence chain
//! seals (DORA Art. 17(2): record all ICT-related incidents and what was done about them).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::view::short_hash;

/// Which way a change travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Made in SOCRadar, brought to the XSOAR incident.
    Incoming,
    /// Made in XSOAR, written to the SOCRadar alarm.
    Outgoing,
}

/// What became of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Incoming: now on the incident. Outgoing: written to the alarm.
    Applied,
    /// Outgoing, not sent: the same field had changed in SOCRadar since the last sync, and
    /// SOCRadar's value stands (see `outgoing`). An analyst decides.
    ConflictKeptSocradar,
    /// Outgoing, not sent: the alarm already had that value.
    AlreadySet,
}

/// One mirrored change. Keys are PascalCase: the record is shown in the war room and sealed,
/// as is, in the `Details` of an evidence-chain entry (strings and integers only, so the
/// chain's canonical form hashes it the same in every language).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MirroredChange {
    /// Stable id: the evidence chain records each change once, however often it is shown.
    pub id: String,
    pub alarm_id: u64,
    pub direction: Direction,
    /// `status`, `status_reason`, `severity`, `assignees`, `tags`, `comment` or `close`.
    pub field: String,
    pub from: Value,
    pub to: Value,
    /// Who made it: the SOCRadar user (from the alarm's history or comment), or the XSOAR user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// When SOCRadar says it happened, as SOCRadar wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_at: Option<String>,
    /// When this integration saw it (incoming) or sent it (outgoing); RFC 3339 UTC.
    pub observed_at: String,
    pub outcome: Outcome,
}

impl MirroredChange {
    #[allow(clippy::too_many_arguments)] // one per recorded fact
    pub fn new(
        alarm_id: u64,
        direction: Direction,
        field: &str,
        from: Value,
        to: Value,
        by: Option<String>,
        remote_at: Option<String>,
        observed_at: &str,
        outcome: Outcome,
    ) -> Self {
        let id = short_hash(
            &json!([
                alarm_id,
                direction,
                field,
                from,
                to,
                by,
                remote_at,
                observed_at
            ])
            .to_string(),
        );
        MirroredChange {
            id,
            alarm_id,
            direction,
            field: field.to_string(),
            from,
            to,
            by,
            remote_at,
            observed_at: observed_at.to_string(),
            outcome,
        }
    }

    /// One line for the war room.
    pub fn summary(&self) -> String {
        let show = |v: &Value| match v {
            Value::Null => "(none)".to_string(),
            Value::String(s) => s.clone(),
            Value::Array(items) if items.is_empty() => "(none)".to_string(),
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        };
        let by = self
            .by
            .as_deref()
            .map(|b| format!(" by {b}"))
            .unwrap_or_default();
        match (self.direction, self.outcome) {
            (Direction::Incoming, _) => format!(
                "SOCRadar alarm {}: {} changed from {} to {}{by}.",
                self.alarm_id,
                self.field,
                show(&self.from),
                show(&self.to)
            ),
            (Direction::Outgoing, Outcome::Applied) => format!(
                "SOCRadar alarm {}: {} set to {} from Cortex XSOAR{by} (was {}).",
                self.alarm_id,
                self.field,
                show(&self.to),
                show(&self.from)
            ),
            (Direction::Outgoing, Outcome::AlreadySet) => format!(
                "SOCRadar alarm {}: {} already {}; nothing sent.",
                self.alarm_id,
                self.field,
                show(&self.to)
            ),
            (Direction::Outgoing, Outcome::ConflictKeptSocradar) => format!(
                "Conflict on SOCRadar alarm {}: {} was changed in SOCRadar to {} and in Cortex XSOAR{by} to {}. SOCRadar's value stands and XSOAR's was not sent; decide which is right and set it again if needed.",
                self.alarm_id,
                self.field,
                show(&self.from),
                show(&self.to)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinguish_changes() {
        let a = MirroredChange::new(
            7,
            Direction::Incoming,
            "severity",
            json!("LOW"),
            json!("HIGH"),
            None,
            None,
            "2026-11-23T09:14:00Z",
            Outcome::Applied,
        );
        let b = MirroredChange::new(
            7,
            Direction::Incoming,
            "severity",
            json!("LOW"),
            json!("HIGH"),
            None,
            None,
            "2026-11-23T09:14:00Z",
            Outcome::Applied,
        );
        assert_eq!(a.id, b.id);
        let c = MirroredChange::new(
            7,
            Direction::Outgoing,
            "severity",
            json!("LOW"),
            json!("HIGH"),
            None,
            None,
            "2026-11-23T09:14:00Z",
            Outcome::Applied,
        );
        assert_ne!(a.id, c.id);
        assert_eq!(
            a.summary(),
            "SOCRadar alarm 7: severity changed from LOW to HIGH."
        );
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["Direction"], "outgoing");
        assert_eq!(v["Outcome"], "applied");
        assert!(!v.as_object().unwrap().contains_key("By"));
        assert_eq!(serde_json::from_value::<MirroredChange>(v).unwrap(), c);
    }
}
