//! What mirroring compares: the parts of an alarm that behave like a ticket (status, status
//! reason, severity, assignees, tags, comments), and the changes between two readings of it.
//!
//! A view is kept per mirrored alarm in the integration context (see `state`), so its keys are
//! short; everything else of the alarm is read fresh from SOCRadar each time.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Note ids remembered per alarm; an alarm with more comments than this is not a ticket any
/// analyst reads, and the oldest ids are dropped first (their notes are never mirrored again).
const MAX_NOTE_IDS: usize = 1000;

/// The mirrored state of one alarm.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AlarmView {
    /// `status`: OPEN, CLOSED or ON_HOLD.
    #[serde(rename = "st", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `alarm_status_reason`: the reason of the last status change (RESOLVED, FALSE_POSITIVE...).
    #[serde(rename = "sr", default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// `alarm_risk_level`.
    #[serde(rename = "sv", default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// `alarm_assignees`, lower-cased and sorted (e-mail addresses compare without case).
    #[serde(rename = "as", default, skip_serializing_if = "Vec::is_empty")]
    pub assignees: Vec<String>,
    /// `tags`, sorted.
    #[serde(rename = "tg", default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Ids of the comments (`notes`) already mirrored, sorted.
    #[serde(rename = "nt", default, skip_serializing_if = "Vec::is_empty")]
    pub note_ids: Vec<String>,
}

/// One comment of an alarm (`notes[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub id: String,
    pub user: Option<String>,
    pub comment: String,
    pub date: Option<String>,
}

/// A positive integer id given as a number or as digits in a string.
pub fn as_id(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|id| *id > 0)
}

fn text(raw: &Value, key: &str) -> Option<String> {
    raw.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A list of strings given as a JSON list or as comma-separated text; blanks dropped.
fn strings(v: Option<&Value>) -> Vec<String> {
    let items: Vec<String> = match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                // An assignee may come as an object; its e-mail is what identifies it.
                Value::Object(o) => o
                    .get("email")
                    .or_else(|| o.get("user_email"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) => s.split(',').map(str::to_string).collect(),
        _ => Vec::new(),
    };
    let mut out: Vec<String> = items
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The assignee list of an alarm, as the view keeps it.
pub fn assignees_of(raw: &Value) -> Vec<String> {
    assignees_in(raw.get("alarm_assignees"))
}

/// The addresses of an `alarm_assignees` value, as [`assignees_of`] reads them.
pub fn assignees_in(value: Option<&Value>) -> Vec<String> {
    let mut a: Vec<String> = strings(value)
        .into_iter()
        .map(|s| s.to_lowercase())
        .collect();
    a.sort();
    a.dedup();
    a
}

/// The comments of an alarm, in the order the server lists them. A note without an id gets a
/// stable one from its content, so it is still mirrored once.
pub fn notes(raw: &Value) -> Vec<Note> {
    let Some(items) = raw.get("notes").and_then(Value::as_array) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|n| {
            let comment = text(n, "comment").or_else(|| text(n, "note"))?;
            let user = text(n, "user_email").or_else(|| text(n, "user"));
            let date = text(n, "date").or_else(|| text(n, "created_at"));
            let id = n
                .get("note_id")
                .or_else(|| n.get("id"))
                .and_then(|v| match v {
                    Value::Number(x) => Some(x.to_string()),
                    Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                    _ => None,
                })
                .unwrap_or_else(|| {
                    let seed = json!([user, date, comment]).to_string();
                    format!("h:{}", short_hash(&seed))
                });
            Some(Note {
                id,
                user,
                comment,
                date,
            })
        })
        .collect()
}

impl AlarmView {
    pub fn of(raw: &Value) -> AlarmView {
        let mut note_ids: Vec<String> = notes(raw).into_iter().map(|n| n.id).collect();
        note_ids.sort();
        note_ids.dedup();
        let excess = note_ids.len().saturating_sub(MAX_NOTE_IDS);
        note_ids.drain(..excess);
        AlarmView {
            status: text(raw, "status").map(|s| s.to_ascii_uppercase()),
            status_reason: text(raw, "alarm_status_reason").map(|s| s.to_ascii_uppercase()),
            severity: text(raw, "alarm_risk_level").map(|s| s.to_ascii_uppercase()),
            assignees: assignees_of(raw),
            tags: strings(raw.get("tags")),
            note_ids,
        }
    }

    /// The mirrored fields whose value differs, as `(field, before, after)`; comments are
    /// compared separately (see [`new_notes`]).
    pub fn differences(&self, after: &AlarmView) -> Vec<(Field, Value, Value)> {
        Field::ALL
            .iter()
            .filter_map(|f| {
                let (a, b) = (self.get(*f), after.get(*f));
                (a != b).then_some((*f, a, b))
            })
            .collect()
    }

    pub fn get(&self, field: Field) -> Value {
        match field {
            Field::Status => json!(self.status),
            Field::StatusReason => json!(self.status_reason),
            Field::Severity => json!(self.severity),
            Field::Assignees => json!(self.assignees),
            Field::Tags => json!(self.tags),
        }
    }

    /// Copies `field` from `other` (used to record what this integration itself wrote).
    pub fn take(&mut self, field: Field, other: &AlarmView) {
        match field {
            Field::Status => self.status = other.status.clone(),
            Field::StatusReason => self.status_reason = other.status_reason.clone(),
            Field::Severity => self.severity = other.severity.clone(),
            Field::Assignees => self.assignees = other.assignees.clone(),
            Field::Tags => self.tags = other.tags.clone(),
        }
    }

    pub fn remember_note(&mut self, id: &str) {
        if let Err(at) = self.note_ids.binary_search_by(|n| n.as_str().cmp(id)) {
            self.note_ids.insert(at, id.to_string());
        }
    }
}

/// Comments of `raw` not yet in `seen`, oldest first as the server lists them.
pub fn new_notes(raw: &Value, seen: &AlarmView) -> Vec<Note> {
    notes(raw)
        .into_iter()
        .filter(|n| seen.note_ids.binary_search(&n.id).is_err())
        .collect()
}

/// A mirrored field of an alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Status,
    StatusReason,
    Severity,
    Assignees,
    Tags,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Field::Status,
        Field::StatusReason,
        Field::Severity,
        Field::Assignees,
        Field::Tags,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::Status => "status",
            Field::StatusReason => "status_reason",
            Field::Severity => "severity",
            Field::Assignees => "assignees",
            Field::Tags => "tags",
        }
    }

    /// The `history[].action` SOCRadar records for a change of this field, to say who made it.
    fn history_action(self) -> &'static str {
        match self {
            Field::Status | Field::StatusReason => "STATUS_CHANGE",
            Field::Severity => "SEVERITY_CHANGE",
            Field::Assignees => "ASSIGNEE_CHANGE",
            Field::Tags => "TAG_CHANGE",
        }
    }
}

/// Who made the last change of `field` and when, from the alarm's `history`, when it says.
pub fn attribution(raw: &Value, field: Field) -> (Option<String>, Option<String>) {
    let Some(items) = raw.get("history").and_then(Value::as_array) else {
        return (None, None);
    };
    items
        .iter()
        .rev()
        .find(|h| {
            h.get("action")
                .and_then(Value::as_str)
                .is_some_and(|a| a.eq_ignore_ascii_case(field.history_action()))
        })
        .map_or((None, None), |h| (text(h, "user"), text(h, "date")))
}

/// Whether the alarm's history or comments carry a date at or after `since` (epoch seconds):
/// the hint used for alarms the mirror has no earlier view of.
pub fn touched_since(raw: &Value, since: i64) -> bool {
    ["history", "notes"].iter().any(|key| {
        raw.get(*key)
            .and_then(Value::as_array)
            .is_some_and(|items| {
                items.iter().any(|i| {
                    i.get("date")
                        .and_then(Value::as_str)
                        .and_then(crate::timeutil::parse_vendor_date)
                        .is_some_and(|d| d.timestamp() >= since)
                })
            })
    })
}

/// First 24 hex digits of the SHA-256 of `text`: ids for notes and change records.
pub fn short_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alarm() -> Value {
        json!({
            "alarm_id": 7, "status": "open", "alarm_risk_level": "High",
            "alarm_assignees": ["B@Bank.eu", "a@bank.eu", "a@bank.eu"], "tags": ["x", " ", "a"],
            "notes": [{"note_id": 12, "user_email": "a@bank.eu", "comment": "first", "date": "2026-11-23T09:00:00"},
                      {"user_email": "b@bank.eu", "comment": "no id"}, {"note_id": 13, "comment": "  "}],
            "history": [{"date": "2026-11-23T08:00:00", "action": "STATUS_CHANGE", "user": "a@bank.eu"},
                        {"date": "2026-11-23T09:30:00", "action": "STATUS_CHANGE", "user": "b@bank.eu"}]
        })
    }

    #[test]
    fn a_view_normalises_what_it_compares() {
        let v = AlarmView::of(&alarm());
        assert_eq!(v.status.as_deref(), Some("OPEN"));
        assert_eq!(v.severity.as_deref(), Some("HIGH"));
        assert_eq!(v.assignees, ["a@bank.eu", "b@bank.eu"]);
        assert_eq!(v.tags, ["a", "x"]);
        assert_eq!(v.note_ids.len(), 2, "a blank comment is not a comment");
        assert!(v.note_ids.contains(&"12".to_string()));
        // The id of a note without one is stable.
        assert_eq!(AlarmView::of(&alarm()).note_ids, v.note_ids);
    }

    #[test]
    fn differences_and_new_notes() {
        let before = AlarmView::of(&alarm());
        let mut raw = alarm();
        raw["alarm_status_reason"] = json!("RESOLVED");
        raw["status"] = json!("CLOSED");
        raw["notes"]
            .as_array_mut()
            .unwrap()
            .push(json!({"note_id": 99, "comment": "new one", "user_email": "c@bank.eu"}));
        let after = AlarmView::of(&raw);
        let d: Vec<&str> = before
            .differences(&after)
            .iter()
            .map(|(f, _, _)| f.name())
            .collect();
        assert_eq!(d, ["status", "status_reason"]);
        let fresh = new_notes(&raw, &before);
        assert_eq!(fresh.len(), 1);
        assert_eq!(
            (fresh[0].id.as_str(), fresh[0].comment.as_str()),
            ("99", "new one")
        );
        assert_eq!(
            attribution(&raw, Field::StatusReason),
            (Some("b@bank.eu".into()), Some("2026-11-23T09:30:00".into()))
        );
        assert_eq!(attribution(&raw, Field::Severity), (None, None));
    }

    #[test]
    fn touched_since_reads_history_and_notes() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-23T09:15:00Z")
            .unwrap()
            .timestamp();
        assert!(touched_since(&alarm(), t));
        assert!(!touched_since(&alarm(), t + 3600));
    }

    #[test]
    fn the_view_round_trips_in_its_short_form() {
        let v = AlarmView::of(&alarm());
        let text = serde_json::to_string(&v).unwrap();
        assert!(text.starts_with("{\"st\":\"OPEN\""), "{text}");
        assert_eq!(serde_json::from_str::<AlarmView>(&text).unwrap(), v);
    }
}
