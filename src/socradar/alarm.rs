//! One SOCRadar alarm, read from its own JSON text into a borrowed view: the id and the date the
//! fetch needs, validated, and each field the mapping reads kept as its raw text until it is
//! mapped. Nothing is copied: the view borrows the page.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::value::RawValue;

use super::rawjson;
use crate::timeutil;

/// The fields of an alarm the fetch and the mapping read, as raw JSON text; `null` reads as absent.
#[derive(Debug, Default)]
pub struct AlarmFields<'a> {
    pub alarm_id: Option<&'a RawValue>,
    pub date: Option<&'a RawValue>,
    pub status: Option<&'a RawValue>,
    pub alarm_risk_level: Option<&'a RawValue>,
    pub alarm_asset: Option<&'a RawValue>,
    pub alarm_text: Option<&'a RawValue>,
    pub tags: Option<&'a RawValue>,
    pub alarm_related_entities: Option<&'a RawValue>,
    pub alarm_related_assets: Option<&'a RawValue>,
    pub content: Option<&'a RawValue>,
    pub company_id: Option<&'a RawValue>,
    pub alarm_type_details: Option<&'a RawValue>,
    pub alarm_status_reason: Option<&'a RawValue>,
    pub alarm_assignees: Option<&'a RawValue>,
}

impl<'a> AlarmFields<'a> {
    fn read(text: &'a str) -> Result<AlarmFields<'a>, serde_json::Error> {
        let [alarm_id, date, status, alarm_risk_level, alarm_asset, alarm_text, tags, alarm_related_entities, alarm_related_assets, content, company_id, alarm_type_details, alarm_status_reason, alarm_assignees] =
            rawjson::members_by(text, |name| {
                Some(match name {
                    "alarm_id" => 0,
                    "date" => 1,
                    "status" => 2,
                    "alarm_risk_level" => 3,
                    "alarm_asset" => 4,
                    "alarm_text" => 5,
                    "tags" => 6,
                    "alarm_related_entities" => 7,
                    "alarm_related_assets" => 8,
                    "content" => 9,
                    "company_id" => 10,
                    "alarm_type_details" => 11,
                    "alarm_status_reason" => 12,
                    "alarm_assignees" => 13,
                    _ => return None,
                })
            })?;
        Ok(AlarmFields {
            alarm_id,
            date,
            status,
            alarm_risk_level,
            alarm_asset,
            alarm_text,
            tags,
            alarm_related_entities,
            alarm_related_assets,
            content,
            company_id,
            alarm_type_details,
            alarm_status_reason,
            alarm_assignees,
        })
    }
}

/// An alarm with a usable id and date, borrowing its page.
#[derive(Debug)]
pub struct AlarmView<'a> {
    pub id: u64,
    pub date: DateTime<Utc>,
    /// The alarm's own JSON text, as the server sent it.
    pub text: &'a str,
    pub fields: AlarmFields<'a>,
}

/// Why an alarm could not be used; `alarm_id` when one could be read.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MalformedAlarm {
    pub alarm_id: Option<u64>,
    pub reason: String,
}

impl MalformedAlarm {
    pub fn new(alarm_id: Option<u64>, reason: impl Into<String>) -> Self {
        MalformedAlarm {
            alarm_id,
            reason: reason.into(),
        }
    }
}

impl<'a> AlarmView<'a> {
    /// Reads one alarm's JSON text. Only the id and the date must be usable; every other field
    /// may be missing, null or of any type (the mapping renders what it finds).
    pub fn parse(text: &'a str) -> Result<AlarmView<'a>, MalformedAlarm> {
        if !text.trim_start().starts_with('{') {
            return Err(MalformedAlarm::new(None, "the alarm is not a JSON object"));
        }
        let fields = AlarmFields::read(text)
            .map_err(|e| MalformedAlarm::new(None, format!("the alarm cannot be read ({e})")))?;
        let Some(id) = fields.alarm_id.and_then(read_id) else {
            return Err(MalformedAlarm::new(
                None,
                format!(
                    "alarm_id is missing or not a positive integer ({})",
                    brief(fields.alarm_id)
                ),
            ));
        };
        let Some(date) = fields.date.and_then(read_date) else {
            return Err(MalformedAlarm::new(
                Some(id),
                format!("date is missing or not a date ({})", brief(fields.date)),
            ));
        };
        Ok(AlarmView {
            id,
            date,
            text,
            fields,
        })
    }

    /// The id alone, for an alarm that cannot be used otherwise (to name it in a report).
    pub fn id_of(text: &str) -> Option<u64> {
        let [id] = rawjson::members(text, ["alarm_id"]).ok()?;
        id.and_then(read_id)
    }
}

fn read_id(raw: &RawValue) -> Option<u64> {
    let t = raw.get();
    let id = if t.starts_with('"') {
        rawjson::string(Some(raw)).ok()??.trim().parse::<u64>().ok()
    } else {
        t.parse::<u64>().ok()
    };
    id.filter(|v| *v > 0)
}

fn read_date(raw: &RawValue) -> Option<DateTime<Utc>> {
    let text = rawjson::string(Some(raw)).ok()??;
    fast_vendor_date(&text).or_else(|| timeutil::parse_vendor_date(&text))
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]` (or a space for `T`), no zone: UTC. The form SOCRadar sends,
/// read without chrono's format interpreter (a fetch reads 10⁵ of them); any other form, and any
/// value this refuses, goes to [`timeutil::parse_vendor_date`], which gives the same answer for
/// what this accepts.
fn fast_vendor_date(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() < 19 || !matches!(b[10], b'T' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    if b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let v = num(20..b.len())?;
            v * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    if !(timeutil::MIN_YEAR..=timeutil::MAX_YEAR).contains(&year) {
        return None;
    }
    let t = NaiveDate::from_ymd_opt(year, num(5..7)?, num(8..10)?)?.and_hms_nano_opt(
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
        nanos,
    )?;
    Some(t.and_utc())
}

/// A field's value for a message: compact JSON, cut at 40 characters; `absent` when missing.
pub fn brief(raw: Option<&RawValue>) -> String {
    match raw {
        None => "absent".into(),
        Some(r) => {
            let s = serde_json::from_str::<serde_json::Value>(r.get())
                .map(|v| v.to_string())
                .unwrap_or_else(|_| r.get().to_string());
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

    #[test]
    fn ids_and_dates_in_their_seen_forms() {
        let a =
            AlarmView::parse(r#"{"alarm_id": 81171696, "date": "2024-01-15 10:30:00"}"#).unwrap();
        assert_eq!(a.id, 81171696);
        assert_eq!(a.date.timestamp(), 1705314600);
        let a = AlarmView::parse(r#"{"alarm_id": "42", "date": "2024-01-15"}"#).unwrap();
        assert_eq!(a.id, 42);
        assert_eq!(a.date.timestamp(), 1705276800);
    }

    #[test]
    fn malformed_alarms_say_why() {
        let e = AlarmView::parse(r#"{"date": "2024-01-15"}"#).unwrap_err();
        assert_eq!(e.alarm_id, None);
        assert!(e.reason.contains("alarm_id"));
        let e = AlarmView::parse(r#"{"alarm_id": 5, "date": "not-a-date"}"#).unwrap_err();
        assert_eq!(e.alarm_id, Some(5));
        assert!(e.reason.contains("\"not-a-date\""));
        for bad in [
            r#"{"alarm_id": -5, "date": "2024-01-15"}"#,
            r#"{"alarm_id": 0, "date": "2024-01-15"}"#,
            r#"{"alarm_id": 1.5, "date": "2024-01-15"}"#,
            r#"{"alarm_id": 1, "date": 1705314600}"#,
            r#"{"alarm_id": 1, "date": null}"#,
            "[1, 2]",
            r#""x""#,
        ] {
            assert!(AlarmView::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(AlarmView::id_of(r#"{"alarm_id": "7", "date": 3}"#), Some(7));
    }

    #[test]
    fn the_fast_date_reader_agrees_with_the_general_one() {
        for s in [
            "2024-01-15T10:30:00",
            "2024-01-15 10:30:00",
            "2024-01-15T10:30:00.123456",
            "2024-01-15T10:30:00.1",
            "2024-01-15T10:30:00.123456789",
            "2024-02-29T23:59:59",
            "1900-01-01T00:00:00",
            "9999-12-31T23:59:59.999999",
        ] {
            assert_eq!(fast_vendor_date(s), timeutil::parse_vendor_date(s), "{s}");
            assert!(fast_vendor_date(s).is_some(), "{s}");
        }
        for s in [
            "2023-02-29T10:30:00",
            "1899-12-31T23:59:59",
            "2024-01-15T10:30:60",
            "2024-01-15T10:30:00Z",
            "2024-01-15T10:30:00+02:00",
            "2024-01-15T10:30:00.",
            "2024-01-15T10:30:00.1234567890",
            "2024-1-15T10:30:00",
            "2024-01-15",
        ] {
            assert_eq!(fast_vendor_date(s), None, "{s}");
        }
    }

    #[test]
    fn fields_stay_raw_until_mapped() {
        let a = AlarmView::parse(
            r#"{"alarm_id": 1, "date": "2024-01-15", "status": "OPEN", "tags": "x", "alarm_asset": 5, "extra": {"deep": [1]}}"#,
        )
        .unwrap();
        assert_eq!(
            rawjson::string(a.fields.status).unwrap().as_deref(),
            Some("OPEN")
        );
        assert_eq!(rawjson::string(a.fields.alarm_asset).unwrap(), None);
        assert_eq!(a.fields.tags.map(RawValue::get), Some(r#""x""#));
        let bad =
            AlarmView::parse(r#"{"alarm_id": 1, "date": "2024-01-15", "alarm_text": "\ud800"}"#)
                .unwrap();
        assert!(rawjson::string(bad.fields.alarm_text).is_err());
    }
}
