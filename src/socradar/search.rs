//! The search endpoint: filters and query string (the answer is read in `page`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::input::{self, InputError};
use crate::timeutil;

/// Largest page the API serves.
pub const MAX_PAGE_SIZE: u32 = 100;
pub const STATUSES: &[&str] = &["OPEN", "CLOSED", "ON_HOLD"];
pub const SEVERITIES: &[&str] = &["LOW", "MEDIUM", "HIGH", "CRITICAL"];

/// Filters of the fetch, as the instance parameters give them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchFilters {
    pub statuses: Vec<String>,
    pub severities: Vec<String>,
    pub alarm_main_types: Vec<String>,
    pub alarm_sub_types: Vec<String>,
    pub excluded_alarm_main_types: Vec<String>,
    pub excluded_alarm_sub_types: Vec<String>,
    pub alarm_type_ids: Vec<u64>,
    pub excluded_alarm_type_ids: Vec<u64>,
    pub include_company_id: bool,
    /// Alarms carrying at least one of these tags (`tags`, repeated, as SOCRadar's own
    /// connectors send it; also checked on each alarm read, in case a server ignores it).
    pub tags: Vec<String>,
    /// Alarms assigned to at least one of these addresses. The v4 search has no assignee
    /// parameter, so this one is applied to each alarm read (see [`SearchFilters::admits`]).
    pub assignees: Vec<String>,
    /// Alarms dated at or after this instant (epoch seconds): every window is clamped to it.
    pub date_from: Option<i64>,
    /// Alarms dated at or before this instant (epoch seconds).
    pub date_to: Option<i64>,
}

impl SearchFilters {
    /// Canonicalises status and severity names; refuses unknown ones.
    pub fn validated(mut self) -> Result<Self, InputError> {
        self.statuses = canonical_names("status", &self.statuses, STATUSES)?;
        self.severities = canonical_names("severity", &self.severities, SEVERITIES)?;
        for list in [
            &mut self.alarm_main_types,
            &mut self.alarm_sub_types,
            &mut self.excluded_alarm_main_types,
            &mut self.excluded_alarm_sub_types,
        ] {
            list.retain(|s| !s.trim().is_empty());
            for s in list.iter_mut() {
                *s = s.trim().to_string();
            }
        }
        self.tags.retain(|s| !s.trim().is_empty());
        for t in self.tags.iter_mut() {
            *t = t.trim().to_string();
        }
        self.assignees = self
            .assignees
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| input::email("assignees", s).map(|e| e.to_lowercase()))
            .collect::<Result<_, _>>()?;
        if let (Some(from), Some(to)) = (self.date_from, self.date_to) {
            if from > to {
                return Err(InputError::new(
                    "date_to",
                    "date_to must not be before date_from: the date range would hold no alarm.",
                ));
            }
        }
        Ok(self)
    }

    /// Whether an alarm read from the server passes the filters the server may not apply
    /// (assignees always, tags when a server ignores `tags`).
    pub fn admits(&self, alarm: &Value) -> bool {
        let tags_ok = self.tags.is_empty()
            || alarm
                .get("tags")
                .and_then(Value::as_array)
                .is_some_and(|t| {
                    t.iter()
                        .any(|x| x.as_str().is_some_and(|x| self.tags.iter().any(|w| w == x)))
                });
        let assignees_ok = self.assignees.is_empty() || {
            let have = super::mirror::view::assignees_of(alarm);
            have.iter().any(|a| self.assignees.contains(a))
        };
        tags_ok && assignees_ok
    }
}

fn canonical_names(
    argument: &str,
    raw: &[String],
    accepted: &[&str],
) -> Result<Vec<String>, InputError> {
    raw.iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| input::one_of(argument, s, accepted).map(str::to_string))
        .collect()
}

/// How `start_date` / `end_date` travel: epoch seconds (the v4.0 design) or ISO 8601 with `Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DateFormat {
    #[default]
    Epoch,
    Iso8601,
}

impl DateFormat {
    pub fn parse(argument: &str, raw: &str) -> Result<Self, InputError> {
        match input::one_of(argument, raw, &["epoch", "iso8601"])? {
            "iso8601" => Ok(DateFormat::Iso8601),
            _ => Ok(DateFormat::Epoch),
        }
    }

    pub fn render(self, epoch: i64) -> String {
        match self {
            DateFormat::Epoch => epoch.to_string(),
            DateFormat::Iso8601 => timeutil::from_epoch(epoch)
                .map(timeutil::to_rfc3339)
                .unwrap_or_default(),
        }
    }
}

/// One page request. `start`/`end` are epoch seconds, inclusive as the server applies them.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery<'a> {
    pub filters: &'a SearchFilters,
    pub page: u32,
    pub limit: u32,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub include_total_records: bool,
}

impl SearchQuery<'_> {
    /// Query pairs; repeated keys for lists, as the API expects.
    pub fn params(&self, dates: DateFormat) -> Vec<(String, String)> {
        let mut q: Vec<(String, String)> = vec![
            ("limit".into(), self.limit.to_string()),
            ("page".into(), self.page.to_string()),
            (
                "include_total_records".into(),
                self.include_total_records.to_string(),
            ),
        ];
        let f = self.filters;
        // Severities go under both names: `severities` is what the XSOAR pack sends, `severity`
        // what SOCRadar's own node sends; a server honours one and ignores the other.
        let lists: [(&str, &Vec<String>); 8] = [
            ("status", &f.statuses),
            ("severities", &f.severities),
            ("severity", &f.severities),
            ("tags", &f.tags),
            ("alarm_main_types", &f.alarm_main_types),
            ("alarm_sub_types", &f.alarm_sub_types),
            ("excluded_alarm_main_types", &f.excluded_alarm_main_types),
            ("excluded_alarm_sub_types", &f.excluded_alarm_sub_types),
        ];
        for (key, values) in lists {
            q.extend(values.iter().map(|v| (key.to_string(), v.clone())));
        }
        q.extend(
            f.alarm_type_ids
                .iter()
                .map(|v| ("alarm_type_ids".to_string(), v.to_string())),
        );
        q.extend(
            f.excluded_alarm_type_ids
                .iter()
                .map(|v| ("excluded_alarm_type_ids".to_string(), v.to_string())),
        );
        // The instance's date range narrows every window; a window outside it asks for an
        // empty range, which the server answers with no alarm.
        let start = match (self.start, f.date_from) {
            (Some(s), Some(from)) => Some(s.max(from)),
            (s, from) => s.or(from),
        };
        let end = match (self.end, f.date_to) {
            (Some(e), Some(to)) => Some(e.min(to)),
            (e, to) => e.or(to),
        };
        if let Some(s) = start {
            q.push(("start_date".into(), dates.render(s)));
        }
        if let Some(e) = end {
            q.push(("end_date".into(), dates.render(e)));
        }
        if f.include_company_id {
            q.push(("include_company_id".into(), "true".into()));
        }
        q
    }
}

pub use super::page::SearchPage;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_become_repeated_keys_and_dates_follow_the_format() {
        let f = SearchFilters {
            statuses: vec!["OPEN".into(), "ON_HOLD".into()],
            alarm_type_ids: vec![7, 9],
            include_company_id: true,
            ..Default::default()
        };
        let q = SearchQuery {
            filters: &f,
            page: 2,
            limit: 100,
            start: Some(1_705_314_600),
            end: Some(1_705_318_200),
            include_total_records: true,
        };
        let p = q.params(DateFormat::Epoch);
        let get = |k: &str| {
            p.iter()
                .filter(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(get("status"), ["OPEN", "ON_HOLD"]);
        assert_eq!(get("alarm_type_ids"), ["7", "9"]);
        assert_eq!(get("start_date"), ["1705314600"]);
        assert_eq!(get("include_company_id"), ["true"]);
        let iso = q.params(DateFormat::Iso8601);
        assert!(iso.contains(&("end_date".to_string(), "2024-01-15T11:30:00Z".to_string())));
    }

    #[test]
    fn tags_severities_and_the_date_range_travel_as_the_server_reads_them() {
        let f = SearchFilters {
            severities: vec!["HIGH".into()],
            tags: vec!["dora".into(), "vip".into()],
            date_from: Some(1_000),
            date_to: Some(5_000),
            ..Default::default()
        };
        let q = |start, end| {
            SearchQuery {
                filters: &f,
                page: 1,
                limit: 100,
                start,
                end,
                include_total_records: true,
            }
            .params(DateFormat::Epoch)
        };
        let get = |p: &[(String, String)], k: &str| {
            p.iter()
                .filter(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .collect::<Vec<_>>()
        };
        let p = q(Some(500), Some(9_000));
        assert_eq!(get(&p, "tags"), ["dora", "vip"]);
        assert_eq!(get(&p, "severities"), ["HIGH"]);
        assert_eq!(get(&p, "severity"), ["HIGH"]);
        assert_eq!(
            (get(&p, "start_date"), get(&p, "end_date")),
            (vec!["1000".to_string()], vec!["5000".to_string()])
        );
        let p = q(Some(2_000), Some(3_000));
        assert_eq!(get(&p, "start_date"), ["2000"]);
        let p = q(None, None);
        assert_eq!(get(&p, "end_date"), ["5000"]);
    }

    #[test]
    fn tags_and_assignees_are_checked_on_each_alarm() {
        let f = SearchFilters {
            tags: vec!["dora".into()],
            assignees: vec!["Soc@Bank.eu".into()],
            ..Default::default()
        }
        .validated()
        .unwrap();
        assert_eq!(f.assignees, ["soc@bank.eu"]);
        let ok = json!({"tags": ["x", "dora"], "alarm_assignees": ["SOC@bank.eu"]});
        assert!(f.admits(&ok));
        assert!(!f.admits(&json!({"tags": ["x"], "alarm_assignees": ["soc@bank.eu"]})));
        assert!(!f.admits(&json!({"tags": ["dora"], "alarm_assignees": []})));
        assert!(SearchFilters::default().admits(&json!({})));
        let bad = SearchFilters {
            assignees: vec!["not-an-address".into()],
            ..Default::default()
        };
        assert_eq!(bad.validated().unwrap_err().argument, "assignees");
        let backwards = SearchFilters {
            date_from: Some(10),
            date_to: Some(5),
            ..Default::default()
        };
        assert_eq!(backwards.validated().unwrap_err().argument, "date_to");
    }

    #[test]
    fn unknown_status_and_severity_names_are_refused() {
        let f = SearchFilters {
            statuses: vec!["open".into()],
            severities: vec!["high".into()],
            ..Default::default()
        };
        let v = f.validated().unwrap();
        assert_eq!(v.statuses, ["OPEN"]);
        assert_eq!(v.severities, ["HIGH"]);
        let bad = SearchFilters {
            statuses: vec!["PENDING".into()],
            ..Default::default()
        };
        assert_eq!(
            bad.validated().unwrap_err().message,
            "status must be one of OPEN, CLOSED, ON_HOLD, got 'PENDING'."
        );
    }
}
