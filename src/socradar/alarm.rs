//! One SOCRadar alarm, validated just enough to be fetched exactly once: an id and a date.
//! Everything else stays as the server sent it.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::timeutil;

#[derive(Debug, Clone, PartialEq)]
pub struct Alarm {
    pub id: u64,
    pub date: DateTime<Utc>,
    pub raw: Value,
}

/// Why an alarm could not be used; `alarm_id` when one could be read.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MalformedAlarm {
    pub alarm_id: Option<u64>,
    pub reason: String,
}

impl Alarm {
    pub fn parse(raw: Value) -> Result<Alarm, MalformedAlarm> {
        let Some(obj) = raw.as_object() else {
            return Err(MalformedAlarm {
                alarm_id: None,
                reason: "the alarm is not a JSON object".into(),
            });
        };
        let id = match obj.get("alarm_id") {
            Some(Value::Number(n)) => n.as_u64().filter(|v| *v > 0),
            Some(Value::String(s)) => s.trim().parse::<u64>().ok().filter(|v| *v > 0),
            _ => None,
        };
        let Some(id) = id else {
            return Err(MalformedAlarm {
                alarm_id: None,
                reason: format!(
                    "alarm_id is missing or not a positive integer ({})",
                    brief(obj.get("alarm_id"))
                ),
            });
        };
        let date = obj
            .get("date")
            .and_then(Value::as_str)
            .and_then(timeutil::parse_vendor_date);
        let Some(date) = date else {
            return Err(MalformedAlarm {
                alarm_id: Some(id),
                reason: format!("date is missing or not a date ({})", brief(obj.get("date"))),
            });
        };
        Ok(Alarm { id, date, raw })
    }

    pub fn str_field(&self, key: &str) -> Option<&str> {
        self.raw
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    pub fn type_detail(&self, key: &str) -> Option<&Value> {
        self.raw
            .get("alarm_type_details")
            .and_then(|d| d.get(key))
            .filter(|v| !v.is_null())
    }
}

fn brief(v: Option<&Value>) -> String {
    match v {
        None => "absent".into(),
        Some(v) => {
            let s = v.to_string();
            if s.chars().count() > 40 {
                format!("{}…", s.chars().take(40).collect::<String>())
            } else {
                s
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_and_dates_in_their_seen_forms() {
        let a = Alarm::parse(json!({"alarm_id": 81171696, "date": "2024-01-15 10:30:00"})).unwrap();
        assert_eq!(a.id, 81171696);
        assert_eq!(a.date.timestamp(), 1705314600);
        assert_eq!(
            Alarm::parse(json!({"alarm_id": "42", "date": "2024-01-15"}))
                .unwrap()
                .id,
            42
        );
    }

    #[test]
    fn malformed_alarms_say_why() {
        let e = Alarm::parse(json!({"date": "2024-01-15"})).unwrap_err();
        assert_eq!(e.alarm_id, None);
        assert!(e.reason.contains("alarm_id"));
        let e = Alarm::parse(json!({"alarm_id": 5, "date": "not-a-date"})).unwrap_err();
        assert_eq!(e.alarm_id, Some(5));
        assert!(e.reason.contains("\"not-a-date\""));
        assert!(Alarm::parse(json!({"alarm_id": -5, "date": "2024-01-15"})).is_err());
        assert!(Alarm::parse(json!([1, 2])).is_err());
    }
}
