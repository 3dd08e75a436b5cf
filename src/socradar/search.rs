//! The search endpoint: filters and query string (the answer is read in `page`).

use serde::{Deserialize, Serialize};

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
        Ok(self)
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
        let lists: [(&str, &Vec<String>); 6] = [
            ("status", &f.statuses),
            ("severities", &f.severities),
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
        if let Some(s) = self.start {
            q.push(("start_date".into(), dates.render(s)));
        }
        if let Some(e) = self.end {
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
