//! Bank-holiday calendars per Member State, kept as data (`holidays.json`), for the
//! weekend and holiday relief of RTS 2025/301 Art. 5(4).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;

const DATA: &str = include_str!("holidays.json");

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
enum Rule {
    Fixed {
        month: u32,
        day: u32,
        #[serde(default)]
        if_saturday: i64,
        #[serde(default)]
        if_sunday: i64,
    },
    Easter {
        offset: i64,
    },
    OrthodoxEaster {
        offset: i64,
    },
    NthWeekday {
        month: u32,
        weekday: String,
        nth: u8,
    },
    LastWeekday {
        month: u32,
        weekday: String,
    },
    WeekdayOnOrAfter {
        month: u32,
        day: u32,
        weekday: String,
    },
    Date {
        date: NaiveDate,
    },
}

#[derive(Debug, Clone, Deserialize)]
struct Holiday {
    name: String,
    #[serde(flatten)]
    rule: Rule,
    from_year: Option<i32>,
    until_year: Option<i32>,
    substitute_if_weekend: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct StateData {
    name: String,
    zone: String,
    holidays: Vec<Holiday>,
}

/// One Member State's calendar.
#[derive(Debug, Clone)]
pub struct StateCalendar {
    pub code: String,
    pub name: String,
    pub zone: Tz,
    holidays: Vec<Holiday>,
}

fn weekday(name: &str) -> Weekday {
    name.parse()
        .unwrap_or_else(|_| panic!("holidays.json: unknown weekday {name}"))
}

/// Western (Gregorian) Easter Sunday: the anonymous Gregorian algorithm.
pub fn easter(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("a valid Easter date")
}

/// Orthodox Easter Sunday in the Gregorian calendar: the Julian computus plus the 13 days
/// between the calendars (valid 1900–2099).
pub fn orthodox_easter(year: i32) -> NaiveDate {
    let a = year % 4;
    let b = year % 7;
    let c = year % 19;
    let d = (19 * c + 15) % 30;
    let e = (2 * a + 4 * b - d + 34) % 7;
    let month = (d + e + 114) / 31;
    let day = (d + e + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("a valid Julian Easter date")
        + Days::new(13)
}

fn shift(d: NaiveDate, days: i64) -> NaiveDate {
    d.checked_add_signed(chrono::Duration::days(days))
        .expect("date in range")
}

impl Holiday {
    fn date_in(&self, year: i32) -> Option<NaiveDate> {
        if self.from_year.is_some_and(|y| year < y) || self.until_year.is_some_and(|y| year > y) {
            return None;
        }
        match &self.rule {
            Rule::Fixed {
                month,
                day,
                if_saturday,
                if_sunday,
            } => {
                let d = NaiveDate::from_ymd_opt(year, *month, *day)?;
                Some(match d.weekday() {
                    Weekday::Sat => shift(d, *if_saturday),
                    Weekday::Sun => shift(d, *if_sunday),
                    _ => d,
                })
            }
            Rule::Easter { offset } => Some(shift(easter(year), *offset)),
            Rule::OrthodoxEaster { offset } => Some(shift(orthodox_easter(year), *offset)),
            Rule::NthWeekday {
                month,
                weekday: w,
                nth,
            } => NaiveDate::from_weekday_of_month_opt(year, *month, weekday(w), *nth),
            Rule::LastWeekday { month, weekday: w } => {
                let first_next = if *month == 12 {
                    NaiveDate::from_ymd_opt(year + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(year, month + 1, 1)
                }?;
                let mut d = first_next.pred_opt()?;
                while d.weekday() != weekday(w) {
                    d = d.pred_opt()?;
                }
                Some(d)
            }
            Rule::WeekdayOnOrAfter {
                month,
                day,
                weekday: w,
            } => {
                let mut d = NaiveDate::from_ymd_opt(year, *month, *day)?;
                while d.weekday() != weekday(w) {
                    d = d.succ_opt()?;
                }
                Some(d)
            }
            Rule::Date { date } => (date.year() == year).then_some(*date),
        }
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl StateCalendar {
    /// Holidays of `year`, substitute days included, with their names.
    pub fn holidays(&self, year: i32) -> Vec<(NaiveDate, String)> {
        let mut days: Vec<(NaiveDate, String)> = self
            .holidays
            .iter()
            .filter_map(|h| h.date_in(year).map(|d| (d, h.name.clone())))
            .collect();
        let taken: Vec<NaiveDate> = days.iter().map(|(d, _)| *d).collect();
        for h in &self.holidays {
            let (Some(d), Some(how)) = (h.date_in(year), h.substitute_if_weekend.as_deref()) else {
                continue;
            };
            if !is_weekend(d) {
                continue;
            }
            let mut sub = d.succ_opt().expect("in range");
            while is_weekend(sub)
                || (how == "next_working_day"
                    && (taken.contains(&sub) || days.iter().any(|(x, _)| *x == sub)))
            {
                sub = sub.succ_opt().expect("in range");
            }
            days.push((sub, format!("{} (substitute day)", h.name)));
        }
        days.sort();
        days
    }

    pub fn holiday_name(&self, date: NaiveDate) -> Option<String> {
        self.holidays(date.year())
            .into_iter()
            .find(|(d, _)| *d == date)
            .map(|(_, n)| n)
    }

    /// Neither a Saturday, a Sunday nor a bank holiday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !is_weekend(date) && self.holiday_name(date).is_none()
    }

    pub fn next_working_day(&self, date: NaiveDate) -> NaiveDate {
        let mut d = date.succ_opt().expect("in range");
        while !self.is_working_day(d) {
            d = d.succ_opt().expect("in range");
        }
        d
    }
}

fn load() -> BTreeMap<String, StateCalendar> {
    let raw: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(DATA).expect("holidays.json is valid JSON");
    raw.into_iter()
        .filter(|(k, _)| !k.starts_with('_'))
        .map(|(code, v)| {
            let s: StateData =
                serde_json::from_value(v).unwrap_or_else(|e| panic!("holidays.json, {code}: {e}"));
            let zone: Tz = s
                .zone
                .parse()
                .unwrap_or_else(|_| panic!("holidays.json, {code}: unknown zone {}", s.zone));
            (
                code.clone(),
                StateCalendar {
                    code,
                    name: s.name,
                    zone,
                    holidays: s.holidays,
                },
            )
        })
        .collect()
}

/// The calendar of a Member State (ISO alpha-2), or `None` for a code without one.
pub fn state(code: &str) -> Option<&'static StateCalendar> {
    static CALENDARS: OnceLock<BTreeMap<String, StateCalendar>> = OnceLock::new();
    CALENDARS.get_or_init(load).get(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn easter_dates() {
        assert_eq!(easter(2025), d("2025-04-20"));
        assert_eq!(easter(2026), d("2026-04-05"));
        assert_eq!(easter(2027), d("2027-03-28"));
        assert_eq!(orthodox_easter(2025), d("2025-04-20"));
        assert_eq!(orthodox_easter(2026), d("2026-04-12"));
        assert_eq!(orthodox_easter(2027), d("2027-05-02"));
    }

    #[test]
    fn every_eea_state_has_a_calendar() {
        for (code, _) in super::super::member_states::EEA {
            let c = state(code).unwrap_or_else(|| panic!("no calendar for {code}"));
            assert!(c.holidays(2026).len() >= 5, "{code}");
        }
    }

    #[test]
    fn spot_checks_from_the_data_file() {
        let checks: Vec<serde_json::Value> =
            serde_json::from_str(include_str!("../../tests/data/holiday_checks.json"))
                .expect("valid checks");
        assert!(checks.len() >= 120);
        for c in checks {
            let code = c["state"].as_str().unwrap();
            let date = d(c["date"].as_str().unwrap());
            let want = c["holiday"].as_bool().unwrap();
            let got = state(code).unwrap().holiday_name(date);
            assert_eq!(
                got.is_some(),
                want,
                "{code} {date}: expected holiday={want}, got {got:?}"
            );
        }
    }
}
