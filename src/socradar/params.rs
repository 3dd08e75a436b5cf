//! The integration instance's parameters, read from the dict XSOAR hands the integration.
//!
//! XSOAR sends checkboxes as booleans (or "true"/"false"), multi-selects as lists, and every
//! other field as text; each is checked here and refused with the parameter's own name.

use std::time::Duration;

use serde_json::Value;

use super::client::ClientConfig;
use super::fetch::{FetchConfig, DEFAULT_MAX_ALARMS_READ, DEFAULT_TIME_BUDGET};
use super::incident::IncidentOptions;
use super::mirror::{CloseReasonMap, MirrorDirection, MirrorSettings};
use super::search::{DateFormat, SearchFilters, MAX_PAGE_SIZE};
use crate::http::retry::RetryPolicy;
use crate::input::{self, InputError};
use crate::triage::TriageRules;

pub const DEFAULT_URL: &str = "https://platform.socradar.com/api";
pub const MAX_FETCH_LIMIT: i64 = 100_000;
/// Highest Maximum alarms read per fetch.
pub const MAX_ALARMS_READ_LIMIT: i64 = 10_000_000;

#[derive(Debug, Clone)]
pub struct InstanceParams {
    pub client: ClientConfig,
    /// Fetch settings; an error here only matters to fetching and the connection test.
    pub fetch: Result<FetchConfig, InputError>,
    pub incidents: IncidentOptions,
    pub is_fetch: bool,
    /// Mirroring settings; an error here only matters to the mirroring commands.
    pub mirror: Result<MirrorSettings, InputError>,
}

/// A parameter as text: strings trimmed, numbers and booleans printed, absent/null as "".
fn text(params: &Value, key: &str) -> String {
    match params.get(key) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(v) => v.to_string(),
    }
}

fn text_or(params: &Value, key: &str, default: &str) -> String {
    let t = text(params, key);
    if t.is_empty() {
        default.to_string()
    } else {
        t
    }
}

fn flag(params: &Value, key: &str, default: bool) -> Result<bool, InputError> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(default),
        Some(v) => input::boolean(key, &text_of(v)),
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A list parameter: a JSON list, or comma-separated text.
fn list(params: &Value, key: &str) -> Vec<String> {
    match params.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| text_of(v).trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Value::String(s)) => input::split_list(s),
        Some(Value::Number(n)) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

fn id_list(params: &Value, key: &str) -> Result<Vec<u64>, InputError> {
    let items = list(params, key);
    if items.is_empty() {
        return Ok(Vec::new());
    }
    input::positive_id_list(key, &items.join(","))
}

/// The API key from a credentials parameter (`{"password": ...}`), or a plain `api_key`.
fn api_key(params: &Value) -> Result<String, InputError> {
    let from_credentials = params
        .get("credentials")
        .and_then(|c| c.get("password"))
        .and_then(Value::as_str);
    let key = from_credentials
        .or_else(|| params.get("api_key").and_then(Value::as_str))
        .unwrap_or("");
    if key.trim().is_empty() {
        return Err(InputError::new(
            "credentials",
            "The API key is missing; enter the company API key from SOCRadar's API Options page.",
        ));
    }
    Ok(key.to_string())
}

/// A fixed instant parameter: RFC 3339 with its offset (a time without one is refused).
fn instant(params: &Value, key: &str) -> Result<Option<i64>, InputError> {
    let t = text(params, key);
    if t.is_empty() {
        return Ok(None);
    }
    chrono::DateTime::parse_from_rfc3339(&t)
        .map(|d| Some(d.timestamp()))
        .map_err(|_| {
            InputError::new(
                key,
                format!(
                    "{key} must be an RFC 3339 date-time with its offset, such as 2026-11-01T00:00:00Z, got {}.",
                    input::quote(&t)
                ),
            )
        })
}

pub fn filters(params: &Value) -> Result<SearchFilters, InputError> {
    SearchFilters {
        tags: list(params, "tags"),
        assignees: list(params, "assignees"),
        date_from: instant(params, "date_from")?,
        date_to: instant(params, "date_to")?,
        statuses: list(params, "status"),
        severities: list(params, "severity"),
        alarm_main_types: list(params, "alarm_main_types"),
        alarm_sub_types: list(params, "alarm_sub_types"),
        excluded_alarm_main_types: list(params, "excluded_alarm_main_types"),
        excluded_alarm_sub_types: list(params, "excluded_alarm_sub_types"),
        alarm_type_ids: id_list(params, "alarm_type_ids")?,
        excluded_alarm_type_ids: id_list(params, "excluded_alarm_type_ids")?,
        include_company_id: flag(params, "include_company_id", false)?,
    }
    .validated()
}

/// The mirroring parameters. `instance` is `demisto.integrationInstance()`.
pub fn mirror_settings(
    params: &Value,
    instance: Option<&str>,
) -> Result<MirrorSettings, InputError> {
    let defaults = MirrorSettings::default();
    let direction = MirrorDirection::parse(&text(params, "mirror_direction"))?;
    let email = text(params, "mirror_user_email");
    let comment_user_email = if email.is_empty() {
        None
    } else {
        Some(input::email("mirror_user_email", &email)?)
    };
    if direction.outgoing() && comment_user_email.is_none() {
        return Err(InputError::new(
            "mirror_user_email",
            "Outgoing mirroring posts comments to SOCRadar as a SOCRadar user: set Mirrored comments user e-mail (mirror_user_email) to that user's address.",
        ));
    }
    let tag = |key: &str, default: &str| {
        let t = text(params, key);
        if t.is_empty() {
            default.to_string()
        } else {
            t
        }
    };
    Ok(MirrorSettings {
        direction,
        instance: instance.map(str::to_string).filter(|s| !s.is_empty()),
        comment_tag: tag("comment_tag", &defaults.comment_tag),
        comment_tag_in: tag("comment_tag_in", &defaults.comment_tag_in),
        comment_user_email,
        close_incident: flag(params, "close_incident", defaults.close_incident)?,
        close_alarm: flag(params, "close_alarm", defaults.close_alarm)?,
        close_reasons: CloseReasonMap::parse(&text(params, "close_reason_map"))?,
        window_days: input::bounded_int(
            "mirror_window_days",
            &text_or(
                params,
                "mirror_window_days",
                &defaults.window_days.to_string(),
            ),
            1,
            365,
        )?,
    })
}

impl InstanceParams {
    pub fn from_json(
        params: &Value,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Self, InputError> {
        Self::for_instance(params, None, now)
    }

    /// [`InstanceParams::from_json`] for a named integration instance (mirroring needs it).
    pub fn for_instance(
        params: &Value,
        instance: Option<&str>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Self, InputError> {
        if !params.is_object() {
            return Err(InputError::new(
                "params",
                "The instance parameters must be a mapping of parameter names to values.",
            ));
        }
        let company_id = input::positive_id("company_id", &text(params, "company_id"))?;
        let mut client = ClientConfig::new(
            &text_or(params, "url", DEFAULT_URL),
            &api_key(params)?,
            company_id,
        )?;
        client.verify_tls = !flag(params, "insecure", false)?;
        client.use_proxy = flag(params, "proxy", false)?;
        client.timeout = Duration::from_secs_f64(input::positive_seconds(
            "timeout",
            &text_or(params, "timeout", "30"),
            600.0,
        )?);
        client.retry = RetryPolicy {
            budget: client
                .timeout
                .mul_f64(3.0)
                .max(RetryPolicy::default().budget),
            ..RetryPolicy::default()
        };
        client.date_format =
            DateFormat::parse("date_format", &text_or(params, "date_format", "epoch"))?;
        client.page_concurrency = input::bounded_int(
            "page_concurrency",
            &text_or(params, "page_concurrency", "4"),
            1,
            8,
        )? as usize;

        let mirror = mirror_settings(params, instance);
        // The admin's triage rules: wrong ones fail the fetch (and the connection test), naming
        // `triage_rules`; no incident is created with a triage the admin did not intend.
        let triage = TriageRules::parse(&text(params, "triage_rules"));
        let incidents = IncidentOptions {
            incident_type: Some(text(params, "incidentType")).filter(|s| !s.is_empty()),
            include_content: flag(params, "include_content", true)?,
            include_entities: flag(params, "include_entities", true)?,
            include_company_id: flag(params, "include_company_id", false)?,
            mirror: mirror
                .as_ref()
                .ok()
                .and_then(MirrorSettings::incident_fields),
            triage: triage.clone().unwrap_or_default(),
        };
        let page_concurrency = client.page_concurrency;
        let fetch = (|| {
            triage?;
            let cfg = FetchConfig {
                first_fetch: text_or(params, "first_fetch", "3 days"),
                max_fetch: input::bounded_int(
                    "max_fetch",
                    &text_or(params, "max_fetch", "10000"),
                    1,
                    MAX_FETCH_LIMIT,
                )? as usize,
                lookback_seconds: 60
                    * input::bounded_int(
                        "lookback_minutes",
                        &text_or(params, "lookback_minutes", "15"),
                        0,
                        10_080,
                    )?,
                page_size: MAX_PAGE_SIZE,
                page_concurrency,
                filters: filters(params)?,
                // Bounds of one run's reading (issue 12): a server reporting 10⁹ pages of new
                // alarms stops the read here, with what was read delivered.
                max_alarms_read: input::bounded_int(
                    "max_alarms_read",
                    &text_or(
                        params,
                        "max_alarms_read",
                        &DEFAULT_MAX_ALARMS_READ.to_string(),
                    ),
                    100,
                    MAX_ALARMS_READ_LIMIT,
                )? as usize,
                time_budget: Duration::from_secs(input::bounded_int(
                    "fetch_time_budget",
                    &text_or(
                        params,
                        "fetch_time_budget",
                        &DEFAULT_TIME_BUDGET.as_secs().to_string(),
                    ),
                    10,
                    3_600,
                )? as u64),
            };
            cfg.validate(now)?;
            Ok(cfg)
        })();
        Ok(InstanceParams {
            client,
            fetch,
            incidents,
            is_fetch: flag(params, "isFetch", false)?,
            mirror,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
            .unwrap()
            .into()
    }

    fn base() -> Value {
        json!({"url": "https://platform.socradar.com/api", "credentials": {"identifier": "", "password": "k3y-abcdef"}, "company_id": "789"})
    }

    #[test]
    fn defaults_follow_the_vendor_documentation() {
        let p = InstanceParams::from_json(&base(), now()).unwrap();
        assert_eq!(p.client.company_id, 789);
        assert!(p.client.verify_tls && !p.client.use_proxy);
        let f = p.fetch.unwrap();
        assert_eq!(
            (f.max_fetch, f.lookback_seconds, f.first_fetch.as_str()),
            (10_000, 900, "3 days")
        );
        assert!(
            p.incidents.include_content
                && p.incidents.include_entities
                && !p.incidents.include_company_id
        );
    }

    #[test]
    fn every_parameter_is_read() {
        let mut v = base();
        let o = v.as_object_mut().unwrap();
        for (k, val) in [
            ("insecure", json!(true)),
            ("proxy", json!("true")),
            ("timeout", json!("12.5")),
            ("date_format", json!("iso8601")),
            ("page_concurrency", json!("6")),
            ("incidentType", json!("DORA ICT Incident")),
            ("include_content", json!(false)),
            ("include_entities", json!("false")),
            ("include_company_id", json!(true)),
            ("first_fetch", json!("7 days")),
            ("max_fetch", json!("250")),
            ("lookback_minutes", json!("30")),
            ("max_alarms_read", json!("5000")),
            ("fetch_time_budget", json!("60")),
            ("status", json!(["OPEN", "ON_HOLD"])),
            ("severity", json!("high,Critical")),
            ("alarm_type_ids", json!("12, 13")),
            ("excluded_alarm_type_ids", json!("99")),
            ("alarm_main_types", json!("Brand Protection")),
            (
                "alarm_sub_types",
                json!("Impersonating Domain, Phishing Page"),
            ),
            ("excluded_alarm_main_types", json!("Dark Web Intelligence")),
            ("excluded_alarm_sub_types", json!("Data Leak")),
            ("isFetch", json!(true)),
            ("tags", json!("dora-relevant, vip")),
            ("assignees", json!(["SOC@bank.eu"])),
            ("date_from", json!("2026-11-01T00:00:00+01:00")),
            ("date_to", json!("2026-11-30T00:00:00Z")),
            ("mirror_direction", json!("Incoming And Outgoing")),
            ("mirror_user_email", json!("soc@bank.eu")),
            ("comment_tag", json!("to-sr")),
            ("comment_tag_in", json!("from-sr")),
            ("close_incident", json!(true)),
            ("close_alarm", json!("false")),
            ("close_reason_map", json!("Resolved=MITIGATED")),
            ("mirror_window_days", json!("7")),
        ] {
            o.insert(k.into(), val);
        }
        let p = InstanceParams::from_json(&v, now()).unwrap();
        assert!(!p.client.verify_tls && p.client.use_proxy && p.is_fetch);
        assert_eq!(p.client.timeout, Duration::from_millis(12_500));
        assert_eq!(p.client.date_format, DateFormat::Iso8601);
        assert_eq!(p.client.page_concurrency, 6);
        assert_eq!(
            p.incidents.incident_type.as_deref(),
            Some("DORA ICT Incident")
        );
        assert!(
            !p.incidents.include_content
                && !p.incidents.include_entities
                && p.incidents.include_company_id
        );
        let f = p.fetch.unwrap();
        assert_eq!(
            (f.max_fetch, f.lookback_seconds, f.first_fetch.as_str()),
            (250, 1800, "7 days")
        );
        assert_eq!(f.max_alarms_read, 5000);
        assert_eq!(f.time_budget, Duration::from_secs(60));
        assert_eq!(f.filters.statuses, ["OPEN", "ON_HOLD"]);
        assert_eq!(f.filters.severities, ["HIGH", "CRITICAL"]);
        assert_eq!(f.filters.alarm_type_ids, [12, 13]);
        assert_eq!(f.filters.excluded_alarm_type_ids, [99]);
        assert_eq!(
            f.filters.alarm_sub_types,
            ["Impersonating Domain", "Phishing Page"]
        );
        assert_eq!(
            f.filters.excluded_alarm_main_types,
            ["Dark Web Intelligence"]
        );
        assert_eq!(f.filters.excluded_alarm_sub_types, ["Data Leak"]);
        assert!(f.filters.include_company_id);
        assert_eq!(f.filters.tags, ["dora-relevant", "vip"]);
        assert_eq!(f.filters.assignees, ["soc@bank.eu"]);
        assert_eq!(
            (f.filters.date_from, f.filters.date_to),
            (Some(1_793_487_600), Some(1_795_996_800))
        );
        let m = p.mirror.unwrap();
        assert_eq!(m.direction, MirrorDirection::Both);
        assert_eq!(m.comment_user_email.as_deref(), Some("soc@bank.eu"));
        assert_eq!(
            (m.comment_tag.as_str(), m.comment_tag_in.as_str()),
            ("to-sr", "from-sr")
        );
        assert!(m.close_incident && !m.close_alarm);
        assert_eq!(m.close_reasons.to_socradar("Resolved"), "MITIGATED");
        assert_eq!(m.window_days, 7);
        let i = p.incidents.mirror.unwrap();
        assert_eq!(
            (i.direction.as_str(), i.tags),
            ("Both", vec!["to-sr".to_string()])
        );
    }

    #[test]
    fn bad_mirror_parameters_only_fail_the_mirror() {
        for (k, val, want) in [
            (
                "mirror_direction",
                json!("sideways"),
                "mirror_direction must be one of",
            ),
            (
                "mirror_window_days",
                json!("0"),
                "mirror_window_days must be a whole number from 1 to 365",
            ),
            (
                "close_reason_map",
                json!("Resolved=DONE"),
                "close_reason_map must be one of",
            ),
            (
                "mirror_user_email",
                json!("nobody"),
                "mirror_user_email must be",
            ),
        ] {
            let mut v = base();
            v.as_object_mut().unwrap().insert(k.into(), val);
            let p = InstanceParams::from_json(&v, now()).unwrap();
            let e = p.mirror.unwrap_err();
            assert!(e.message.starts_with(want), "{k}: {}", e.message);
            assert!(p.fetch.is_ok());
        }
        let mut v = base();
        v.as_object_mut()
            .unwrap()
            .insert("mirror_direction".into(), json!("Outgoing"));
        let e = InstanceParams::from_json(&v, now())
            .unwrap()
            .mirror
            .unwrap_err();
        assert_eq!(e.argument, "mirror_user_email");
    }

    #[test]
    fn bad_parameters_name_themselves() {
        let cases = [
            (
                "company_id",
                json!("abc"),
                "company_id must be a positive integer, got 'abc'.",
            ),
            (
                "url",
                json!("platform.socradar.com/api"),
                "url must be an http:// or https:// URL",
            ),
            ("timeout", json!("0"), "timeout must be a number of seconds"),
            (
                "page_concurrency",
                json!("20"),
                "page_concurrency must be a whole number from 1 to 8",
            ),
            ("insecure", json!("maybe"), "insecure must be true or false"),
        ];
        for (k, val, want) in cases {
            let mut v = base();
            v.as_object_mut().unwrap().insert(k.into(), val);
            let e = InstanceParams::from_json(&v, now()).unwrap_err();
            assert!(e.message.starts_with(want), "{k}: {}", e.message);
            assert_eq!(e.argument, k);
        }
        let mut v = base();
        v.as_object_mut().unwrap().remove("credentials");
        assert_eq!(
            InstanceParams::from_json(&v, now()).unwrap_err().argument,
            "credentials"
        );
    }

    #[test]
    fn bad_fetch_parameters_only_fail_the_fetch() {
        for (k, val, want) in [
            (
                "first_fetch",
                json!("last tuesday"),
                "first_fetch must be a time span",
            ),
            (
                "max_fetch",
                json!("0"),
                "max_fetch must be a whole number from 1 to 100000",
            ),
            (
                "lookback_minutes",
                json!("-5"),
                "lookback_minutes must be a whole number",
            ),
            (
                "status",
                json!(["PENDING"]),
                "status must be one of OPEN, CLOSED, ON_HOLD",
            ),
            ("severity", json!("SEVERE"), "severity must be one of"),
            (
                "alarm_type_ids",
                json!("1,two"),
                "alarm_type_ids must be comma-separated positive integers",
            ),
            (
                "max_alarms_read",
                json!("10"),
                "max_alarms_read must be a whole number from 100 to 10000000",
            ),
            (
                "fetch_time_budget",
                json!("0"),
                "fetch_time_budget must be a whole number from 10 to 3600",
            ),
            (
                "date_from",
                json!("2026-11-01T00:00:00"),
                "date_from must be an RFC 3339 date-time with its offset",
            ),
            ("assignees", json!("someone"), "assignees must be"),
            (
                "triage_rules",
                json!("[{\"sub_type\": \"X\"}"),
                "triage_rules must be a JSON list of rules",
            ),
        ] {
            let mut v = base();
            v.as_object_mut().unwrap().insert(k.into(), val);
            let p = InstanceParams::from_json(&v, now()).unwrap();
            let e = p.fetch.unwrap_err();
            assert!(e.message.starts_with(want), "{k}: {}", e.message);
            assert_eq!(e.argument, k);
        }
    }
}
