//! Time parsing shared by the connectors: vendor alarm dates, relative look-backs, RFC 3339.
//!
//! Every instant inside the core is a `DateTime<Utc>`; every instant that leaves it is an
//! RFC 3339 string in UTC with a `Z` suffix, to the second.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc,
};

/// RFC 3339, UTC, `Z`, whole seconds: the one format the core emits.
pub fn to_rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Why a text is not an instant a person or a playbook may give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstantError {
    /// A date and time without `Z` or an offset: its time zone is unknown.
    NoOffset,
    /// Not an RFC 3339 date-time at all (or a year outside 1900–9999).
    Invalid,
}

/// An instant given by a person or a playbook: RFC 3339 with `Z` or an offset (a space may stand
/// for the `T`). A local time without an offset is refused, not read as UTC: a user in Berlin
/// typing 09:14 would otherwise get a deadline one or two hours late.
pub fn parse_instant(raw: &str) -> Result<DateTime<Utc>, InstantError> {
    let s = raw.trim();
    let parsed = DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_rfc3339(&s.replacen(' ', "T", 1)));
    match parsed {
        Ok(t) if (MIN_YEAR..=MAX_YEAR).contains(&t.year()) => Ok(t.with_timezone(&Utc)),
        Ok(_) => Err(InstantError::Invalid),
        Err(_) if parse_vendor_date(s).is_some() => Err(InstantError::NoOffset),
        Err(_) => Err(InstantError::Invalid),
    }
}

/// A time a person states, such as when a report reached the authority: RFC 3339 with its
/// offset (a time without one is refused, as the house rule for every time), or `now` when none
/// is given. An `InputError` names `argument`.
pub fn stated_or_now(
    argument: &str,
    raw: Option<&str>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, crate::input::InputError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(now),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                crate::input::InputError::new(
                    argument,
                    format!(
                        "{argument} must be an RFC 3339 date-time with its offset, such as 2026-11-23T13:40:00Z, got {}.",
                        crate::input::quote(s)
                    ),
                )
            }),
    }
}

/// An instant from epoch seconds; `None` when out of chrono's range.
pub fn from_epoch(secs: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(secs, 0).single()
}

/// Parses a vendor date. SOCRadar sends `2024-01-15T10:30:00`, `2024-01-15T10:30:00.123456`,
/// `2024-01-15 10:30:00` or `2024-01-15`, without a zone, meaning UTC; an explicit zone or
/// offset is honoured when present.
pub fn parse_vendor_date(raw: &str) -> Option<DateTime<Utc>> {
    parse_any_year(raw).filter(|t| (MIN_YEAR..=MAX_YEAR).contains(&t.year()))
}

/// The years an instant may carry: RFC 3339 has four-digit years, and no incident, alarm or
/// report predates 1900. Outside this range chrono accepts signed six-digit years whose deadline
/// arithmetic would leave its calendar; they are refused as dates instead.
pub const MIN_YEAR: i32 = 1900;
/// See [`MIN_YEAR`].
pub const MAX_YEAR: i32 = 9999;

fn parse_any_year(raw: &str) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(&s.replacen(' ', "T", 1)) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(Utc.from_utc_datetime(&t));
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Utc.from_utc_datetime(&t))
}

/// Parses a point in time given either relative to `now` (`3 days`, `1 hour ago`,
/// `90 minutes`, `2 weeks`) or absolute (RFC 3339, or a vendor-style date taken as UTC).
/// Returns `None` when the text is neither.
pub fn parse_time_ago(raw: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let text = raw.trim().to_ascii_lowercase();
    if let Some(d) = parse_relative(&text) {
        return now.checked_sub_signed(d);
    }
    parse_vendor_date(raw)
}

/// `N unit[s] [ago]` as a positive duration.
pub fn parse_relative(text: &str) -> Option<Duration> {
    let text = text.trim().to_ascii_lowercase();
    let text = text.strip_suffix(" ago").unwrap_or(&text).trim();
    let (num, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&text[..i], text[i..].trim()),
        None => return None,
    };
    let n: i64 = num.parse().ok()?;
    if n <= 0 {
        return None;
    }
    let unit = unit.strip_suffix('s').unwrap_or(unit);
    let seconds_per_unit: i64 = match unit {
        "second" | "sec" => 1,
        "minute" | "min" => 60,
        "hour" | "h" => 3_600,
        "day" | "d" => 86_400,
        "week" | "w" => 7 * 86_400,
        // Calendar-free approximations are what XSOAR's own `first fetch` accepts.
        "month" => 30 * 86_400,
        "year" | "y" => 365 * 86_400,
        _ => return None,
    };
    n.checked_mul(seconds_per_unit)
        .and_then(Duration::try_seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn years_beyond_four_digits_or_before_1900_are_not_dates() {
        assert_eq!(parse_vendor_date("+262142-12-31T23:00:00"), None);
        assert_eq!(parse_vendor_date("-0001-01-01"), None);
        assert_eq!(parse_vendor_date("1899-12-31T23:59:59Z"), None);
        assert_eq!(
            parse_vendor_date("9999-12-31T23:59:59Z"),
            Some(utc("9999-12-31T23:59:59Z"))
        );
        assert_eq!(
            parse_vendor_date("1900-01-01"),
            Some(utc("1900-01-01T00:00:00Z"))
        );
    }

    #[test]
    fn vendor_dates_in_every_seen_shape_are_utc() {
        let want = utc("2024-01-15T10:30:00Z");
        assert_eq!(parse_vendor_date("2024-01-15T10:30:00"), Some(want));
        assert_eq!(parse_vendor_date("2024-01-15 10:30:00"), Some(want));
        assert_eq!(parse_vendor_date("2024-01-15T10:30:00Z"), Some(want));
        assert_eq!(parse_vendor_date("2024-01-15T12:30:00+02:00"), Some(want));
        let micro = parse_vendor_date("2024-01-15T10:30:00.123456").unwrap();
        assert_eq!(micro.timestamp(), want.timestamp());
        assert_eq!(micro.timestamp_subsec_micros(), 123_456);
        assert_eq!(
            parse_vendor_date("2024-01-15"),
            Some(utc("2024-01-15T00:00:00Z"))
        );
    }

    #[test]
    fn garbage_dates_are_rejected() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "15/01/2024",
            "2024-01-15T25:00:00",
        ] {
            assert_eq!(parse_vendor_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn relative_times_count_back_from_now() {
        let now = utc("2026-11-23T12:00:00Z");
        assert_eq!(
            parse_time_ago("3 days", now),
            Some(utc("2026-11-20T12:00:00Z"))
        );
        assert_eq!(
            parse_time_ago("1 hour ago", now),
            Some(utc("2026-11-23T11:00:00Z"))
        );
        assert_eq!(
            parse_time_ago("90 Minutes", now),
            Some(utc("2026-11-23T10:30:00Z"))
        );
        assert_eq!(
            parse_time_ago("2 weeks", now),
            Some(utc("2026-11-09T12:00:00Z"))
        );
        assert_eq!(
            parse_time_ago("2026-11-01T00:00:00Z", now),
            Some(utc("2026-11-01T00:00:00Z"))
        );
        for bad in ["0 days", "-1 day", "three days", "3 fortnights", "days", ""] {
            assert_eq!(parse_time_ago(bad, now), None, "{bad}");
        }
    }

    #[test]
    fn an_instant_from_a_person_carries_its_offset() {
        assert_eq!(
            parse_instant("2026-03-10T10:14:00+01:00"),
            Ok(utc("2026-03-10T09:14:00Z"))
        );
        assert_eq!(
            parse_instant(" 2026-03-10 09:14:00Z"),
            Ok(utc("2026-03-10T09:14:00Z"))
        );
        for local in ["2026-03-10T09:14:00", "2026-03-10 09:14", "2026-03-10"] {
            assert_eq!(parse_instant(local), Err(InstantError::NoOffset), "{local}");
        }
        for bad in ["", "soon", "2026-13-10T09:14:00Z", "1899-12-31T23:59:59Z"] {
            assert_eq!(parse_instant(bad), Err(InstantError::Invalid), "{bad}");
        }
    }

    #[test]
    fn emitted_times_are_rfc3339_utc_to_the_second() {
        assert_eq!(
            to_rfc3339(utc("2024-01-15T10:30:00.9Z")),
            "2024-01-15T10:30:00Z"
        );
    }

    #[test]
    fn a_stated_time_needs_its_offset_and_defaults_to_now() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap();
        assert_eq!(stated_or_now("submitted_at", None, now).unwrap(), now);
        assert_eq!(stated_or_now("submitted_at", Some("  "), now).unwrap(), now);
        assert_eq!(
            stated_or_now("submitted_at", Some("2026-11-23T14:40:00+01:00"), now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 23, 13, 40, 0).unwrap()
        );
        for bad in ["2026-11-23T13:40:00", "yesterday"] {
            let e = stated_or_now("submitted_at", Some(bad), now).unwrap_err();
            let start = "submitted_at must be an RFC 3339 date-time with its offset";
            crate::input::assert_refused(&e, "submitted_at", start);
        }
    }
}
