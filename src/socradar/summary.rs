//! An alarm as `socradar-test-fetch` shows it (`SOCRadar.TestFetch.Alarms`): the few fields an
//! administrator checks the instance's filters against, before the first fetch.

use serde::Serialize;

use super::alarm::AlarmView;
use super::rawjson;
use crate::timeutil;

/// One row of the test fetch's preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlarmSummary {
    #[serde(rename = "ID")]
    pub id: u64,
    pub date: String,
    pub risk_level: Option<String>,
    pub status: Option<String>,
    pub asset: Option<String>,
    pub main_type: Option<String>,
    pub sub_type: Option<String>,
    pub title: Option<String>,
    /// The alarm's own company, else the instance's: a key that reads several companies shows
    /// which one an alarm belongs to.
    #[serde(rename = "CompanyID")]
    pub company_id: u64,
}

impl AlarmSummary {
    pub fn of(a: &AlarmView<'_>, company_id: u64) -> AlarmSummary {
        let f = &a.fields;
        let text = |raw| {
            rawjson::string(raw)
                .ok()
                .flatten()
                .filter(|s| !s.is_empty())
                .map(String::from)
        };
        let [main, sub, title] = f
            .alarm_type_details
            .filter(|d| d.get().starts_with('{'))
            .and_then(|d| {
                rawjson::members(
                    d.get(),
                    ["alarm_main_type", "alarm_sub_type", "alarm_generic_title"],
                )
                .ok()
            })
            .unwrap_or_default();
        AlarmSummary {
            id: a.id,
            date: timeutil::to_rfc3339(a.date),
            risk_level: text(f.alarm_risk_level),
            status: text(f.status),
            asset: text(f.alarm_asset),
            main_type: text(main),
            sub_type: text(sub),
            title: text(title),
            company_id: f
                .company_id
                .and_then(|c| c.get().trim_matches('"').parse::<u64>().ok())
                .unwrap_or(company_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_summary_reads_the_type_details_and_the_alarms_own_company() {
        let text = json!({
            "alarm_id": 71, "date": "2026-11-23T09:14:00Z", "status": "OPEN",
            "alarm_risk_level": "HIGH", "alarm_asset": "",
            "alarm_type_details": {"alarm_main_type": "Brand Protection", "alarm_sub_type": "Impersonating Domain", "alarm_generic_title": "Impersonating Domain"},
            "company_id": "330",
        })
        .to_string();
        let s = AlarmSummary::of(&AlarmView::parse(&text).unwrap(), 12);
        assert_eq!(s.company_id, 330);
        assert_eq!(s.asset, None, "an empty text is no value");
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            json!({"ID": 71, "Date": "2026-11-23T09:14:00Z", "RiskLevel": "HIGH", "Status": "OPEN",
                   "Asset": null, "MainType": "Brand Protection", "SubType": "Impersonating Domain",
                   "Title": "Impersonating Domain", "CompanyID": 330})
        );
        let bare =
            json!({"alarm_id": 72, "date": "2026-11-23T09:14:00Z", "alarm_type_details": "n/a"})
                .to_string();
        let s = AlarmSummary::of(&AlarmView::parse(&bare).unwrap(), 12);
        assert_eq!((s.company_id, s.main_type, s.title), (12, None, None));
    }
}
