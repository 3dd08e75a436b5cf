//! The transaction scope of an incident (RTS 2024/1772 Art. 1 and Art. 9(1)(b)–(e)): for the
//! affected services and the incident's window [start, end), the transactions affected and
//! their value, the clients and financial counterparts affected, and the daily averages of the
//! number and value of transactions over a reference period (by default the 30 days before the
//! window), read from PostgreSQL (`SqlSource`) or a REST/JSON endpoint (`RestSource`).
//!
//! Every figure carries its source. A figure the source does not give stays unknown (never
//! zero). Where the number or value of transactions affected cannot be read, it is estimated
//! from the daily average of the reference period and marked `estimate: true`, as RTS 2024/1772
//! Art. 1 allows ("estimates based on available data from comparable reference periods").

mod decimal;
mod dsn;
mod rest;
#[cfg(test)]
mod rest_tests;
mod sql;
#[cfg(test)]
mod sql_tests;
mod sql_text;
#[cfg(test)]
mod sql_text_tests;
mod sql_values;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::Figure;
use crate::dora::money::Eur;
use crate::input::{quote, InputError};
use crate::timeutil::to_rfc3339;
use decimal::{Dec, DecError};

pub use dsn::{Dsn, Secret, SslMode};
pub use rest::{parse_mapping, ParameterNames, RestAuth, RestConfig, RestMethod, RestSource};
pub use sql::{
    SqlConfig, SqlSource, DEFAULT_AFFECTED_QUERY, DEFAULT_REFERENCE_QUERY, DEFAULT_TOTALS_QUERY,
};

/// How a figure's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A whole number; a fraction is an error.
    Count,
    /// A daily average of a count, rounded half up to a whole number.
    DailyCount,
    /// Euro, rounded half up to cents, written as `Eur::plain()` text.
    Money,
}

/// Every figure: name (SQL column, mapping key), kind, and key under `DORA.Context.Transactions`.
const FIGURES: [(&str, Kind, &str); 8] = [
    ("clients_affected", Kind::Count, "ClientsAffected"),
    ("clients_total", Kind::Count, "ClientsTotal"),
    ("counterparts_affected", Kind::Count, "CounterpartsAffected"),
    ("counterparts_total", Kind::Count, "CounterpartsTotal"),
    ("transactions_affected", Kind::Count, "TransactionsAffected"),
    (
        "daily_average_transactions",
        Kind::DailyCount,
        "DailyAverageTransactions",
    ),
    ("value_affected_eur", Kind::Money, "ValueAffectedEUR"),
    (
        "daily_average_value_eur",
        Kind::Money,
        "DailyAverageValueEUR",
    ),
];

/// The names the sources answer to, for messages.
pub const FIGURE_NAMES: [&str; 8] = [
    "clients_affected",
    "clients_total",
    "counterparts_affected",
    "counterparts_total",
    "transactions_affected",
    "daily_average_transactions",
    "value_affected_eur",
    "daily_average_value_eur",
];

pub(crate) fn figure_name(name: &str) -> Option<&'static str> {
    FIGURES.iter().find(|f| f.0 == name).map(|f| f.0)
}

/// The JSON value of figure `name` from `value`, or the end of a sentence saying why not
/// ("is negative", "is not a whole number (12.5)").
pub(crate) fn figure_value(name: &str, value: Dec) -> Result<Value, String> {
    let kind = FIGURES
        .iter()
        .find(|f| f.0 == name)
        .map(|f| f.1)
        .unwrap_or(Kind::Count);
    let too_large = || DecError::TooLarge.describe().to_string();
    match kind {
        Kind::Count => match value.whole() {
            Some(n) => Ok(Value::from(n)),
            None => Err(format!("is not a whole number ({})", value.text())),
        },
        Kind::DailyCount => value.whole_rounded().map(Value::from).ok_or_else(too_large),
        Kind::Money => value
            .cents_rounded()
            .map(|c| Value::String(Eur::from_cents(c).plain()))
            .ok_or_else(too_large),
    }
}

/// What to measure: the services, the incident's window [start, end), and the reference period's
/// length in days (it ends where the window starts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeRequest {
    pub services: Vec<String>,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub reference_days: u32,
}

impl ScopeRequest {
    pub const DEFAULT_REFERENCE_DAYS: u32 = 30;

    /// Checks and tidies the request (services trimmed, de-duplicated, in the order given).
    pub fn new(
        services: Vec<String>,
        window_start: DateTime<Utc>,
        window_end: DateTime<Utc>,
        reference_days: Option<i64>,
    ) -> Result<ScopeRequest, InputError> {
        let reference_days = match reference_days {
            None => Self::DEFAULT_REFERENCE_DAYS,
            Some(d) => u32::try_from(d).map_err(|_| reference_days_error(d))?,
        };
        let mut tidy: Vec<String> = Vec::new();
        for s in services.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if !tidy.iter().any(|t| t == s) {
                tidy.push(s.to_string());
            }
        }
        let req = ScopeRequest {
            services: tidy,
            window_start,
            window_end,
            reference_days,
        };
        req.validate()?;
        Ok(req)
    }

    pub fn validate(&self) -> Result<(), InputError> {
        if self.services.is_empty() || self.services.iter().any(|s| s.trim().is_empty()) {
            return Err(InputError::new(
                "services",
                "services must name at least one affected service, as the entity's systems name it (e.g. Card payments).",
            ));
        }
        if self.window_end <= self.window_start {
            return Err(InputError::new(
                "window_end",
                format!(
                    "window_end ({}) must be after window_start ({}); the window is [start, end).",
                    to_rfc3339(self.window_end),
                    to_rfc3339(self.window_start)
                ),
            ));
        }
        if !(1..=366).contains(&self.reference_days) {
            return Err(reference_days_error(self.reference_days));
        }
        Ok(())
    }

    pub fn reference_start(&self) -> DateTime<Utc> {
        self.window_start - Duration::days(i64::from(self.reference_days))
    }

    pub fn reference_end(&self) -> DateTime<Utc> {
        self.window_start
    }
}

fn reference_days_error(got: impl ToString) -> InputError {
    InputError::new(
        "reference_days",
        format!(
            "reference_days must be a whole number of days from 1 to 366, got {}.",
            quote(&got.to_string())
        ),
    )
}

/// The figures found, with where each came from. `partial`: a query or part of the answer
/// failed, so figures may be missing (those present are complete); `problems` says what.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransactionScope {
    pub clients_affected: Option<Figure>,
    pub clients_total: Option<Figure>,
    pub counterparts_affected: Option<Figure>,
    pub counterparts_total: Option<Figure>,
    pub transactions_affected: Option<Figure>,
    pub daily_average_transactions: Option<Figure>,
    pub value_affected_eur: Option<Figure>,
    pub daily_average_value_eur: Option<Figure>,
    /// RFC 3339 start and end of the incident window.
    pub window: (String, String),
    /// RFC 3339 start and end of the reference period, and its length in days.
    pub reference_period: (String, String, u32),
    pub partial: bool,
    pub problems: Vec<String>,
}

impl TransactionScope {
    pub fn figure(&self, name: &str) -> Option<&Figure> {
        match name {
            "clients_affected" => self.clients_affected.as_ref(),
            "clients_total" => self.clients_total.as_ref(),
            "counterparts_affected" => self.counterparts_affected.as_ref(),
            "counterparts_total" => self.counterparts_total.as_ref(),
            "transactions_affected" => self.transactions_affected.as_ref(),
            "daily_average_transactions" => self.daily_average_transactions.as_ref(),
            "value_affected_eur" => self.value_affected_eur.as_ref(),
            "daily_average_value_eur" => self.daily_average_value_eur.as_ref(),
            _ => None,
        }
    }

    fn slot(&mut self, name: &str) -> &mut Option<Figure> {
        match name {
            "clients_affected" => &mut self.clients_affected,
            "clients_total" => &mut self.clients_total,
            "counterparts_affected" => &mut self.counterparts_affected,
            "counterparts_total" => &mut self.counterparts_total,
            "transactions_affected" => &mut self.transactions_affected,
            "daily_average_transactions" => &mut self.daily_average_transactions,
            "value_affected_eur" => &mut self.value_affected_eur,
            _ => &mut self.daily_average_value_eur,
        }
    }

    /// The value for `DORA.Context.Transactions`: each known figure as `{Value, Source, Estimate,
    /// Partial}` under its key (unknown ones left out), `Window {Start, End}`, `ReferencePeriod
    /// {Start, End, Days}`, `Partial` and `Problems`.
    pub fn to_context(&self) -> Value {
        let mut out = Map::new();
        for (name, _, key) in FIGURES {
            if let Some(f) = self.figure(name) {
                out.insert(
                    key.to_string(),
                    serde_json::to_value(f).unwrap_or(Value::Null),
                );
            }
        }
        out.insert(
            "Window".into(),
            json!({"Start": self.window.0, "End": self.window.1}),
        );
        out.insert(
            "ReferencePeriod".into(),
            json!({"Start": self.reference_period.0, "End": self.reference_period.1, "Days": self.reference_period.2}),
        );
        out.insert("Partial".into(), Value::Bool(self.partial));
        out.insert("Problems".into(), json!(self.problems));
        Value::Object(out)
    }
}

/// What a source read: values by figure name with their source, before they become figures.
#[derive(Debug, Default)]
pub(crate) struct Reading {
    values: BTreeMap<&'static str, (Dec, String)>,
    pub problems: Vec<String>,
    pub partial: bool,
}

impl Reading {
    /// Records a value; the first source to give a figure keeps it.
    pub(crate) fn set(&mut self, name: &'static str, value: Dec, source: String) {
        self.values.entry(name).or_insert((value, source));
    }

    /// A failure that leaves figures missing.
    pub(crate) fn fail(&mut self, problem: String) {
        self.problems.push(problem);
        self.partial = true;
    }
}

/// Turns a reading into the scope. With `estimate`, transactions affected and their value that
/// the source did not give are estimated as the daily average × the window's length in days.
pub(crate) fn assemble(req: &ScopeRequest, reading: Reading, estimate: bool) -> TransactionScope {
    let mut scope = TransactionScope {
        clients_affected: None,
        clients_total: None,
        counterparts_affected: None,
        counterparts_total: None,
        transactions_affected: None,
        daily_average_transactions: None,
        value_affected_eur: None,
        daily_average_value_eur: None,
        window: (to_rfc3339(req.window_start), to_rfc3339(req.window_end)),
        reference_period: (
            to_rfc3339(req.reference_start()),
            to_rfc3339(req.reference_end()),
            req.reference_days,
        ),
        partial: reading.partial,
        problems: reading.problems,
    };
    for (name, (value, source)) in &reading.values {
        match figure_value(name, *value) {
            Ok(v) => *scope.slot(name) = Some(Figure::new(v, source.clone())),
            // The sources check values as they read them; this only guards against a gap there.
            Err(why) => {
                scope
                    .problems
                    .push(format!("{name} from {source} {why}; it is left unknown."));
                scope.partial = true;
            }
        }
    }
    if estimate {
        let seconds = (req.window_end - req.window_start).num_seconds().max(0) as u64;
        let days = Dec::from_u64(seconds).times_ratio(1, 86_400).text();
        for (affected, average) in [
            ("transactions_affected", "daily_average_transactions"),
            ("value_affected_eur", "daily_average_value_eur"),
        ] {
            if scope.figure(affected).is_some() {
                continue;
            }
            let Some((avg, avg_source)) = reading.values.get(average) else {
                continue;
            };
            let mut estimated = avg.times_ratio(seconds, 86_400);
            if affected == "transactions_affected" {
                // An estimated count is rounded half up to whole transactions.
                let Some(n) = estimated.whole_rounded() else {
                    continue;
                };
                estimated = Dec::from_u64(n);
            }
            if let Ok(v) = figure_value(affected, estimated) {
                let source = format!(
                    "estimate: {average} × {days} days of the incident window (RTS 2024/1772 Art. 1, comparable reference period); {average} from {avg_source}"
                );
                *scope.slot(affected) = Some(Figure {
                    value: v,
                    source,
                    estimate: true,
                    partial: false,
                });
            }
        }
    }
    scope
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
    }

    fn req() -> ScopeRequest {
        ScopeRequest::new(
            vec![" Card payments ".into(), "Card payments".into()],
            at(8, 52),
            at(11, 40),
            None,
        )
        .unwrap()
    }

    #[test]
    fn requests_are_checked_and_tidied() {
        let r = req();
        assert_eq!(r.services, vec!["Card payments"]);
        assert_eq!(to_rfc3339(r.reference_start()), "2026-10-24T08:52:00Z");
        assert_eq!(r.reference_end(), r.window_start);
        let e = ScopeRequest::new(vec![" ".into()], at(8, 0), at(9, 0), None).unwrap_err();
        assert_eq!(e.argument, "services");
        let e = ScopeRequest::new(vec!["x".into()], at(9, 0), at(9, 0), None).unwrap_err();
        assert!(
            e.message.contains("must be after window_start"),
            "{}",
            e.message
        );
        let e = ScopeRequest::new(vec!["x".into()], at(8, 0), at(9, 0), Some(0)).unwrap_err();
        assert_eq!(e.argument, "reference_days");
    }

    #[test]
    fn values_are_written_by_kind() {
        let d = |s: &str| Dec::parse(s).unwrap();
        assert_eq!(
            figure_value("transactions_affected", d("98000")),
            Ok(json!(98000))
        );
        assert_eq!(
            figure_value("clients_affected", d("12.5")),
            Err("is not a whole number (12.5)".into())
        );
        assert_eq!(
            figure_value("daily_average_transactions", d("7650.5")),
            Ok(json!(7651))
        );
        assert_eq!(
            figure_value("value_affected_eur", d("3920000.1")),
            Ok(json!("3920000.10"))
        );
        assert_eq!(
            figure_value("daily_average_value_eur", d("311250.005")),
            Ok(json!("311250.01"))
        );
    }

    #[test]
    fn missing_affected_figures_are_estimated_from_the_reference_period() {
        let mut r = Reading::default();
        r.set(
            "daily_average_transactions",
            Dec::parse("7650.4").unwrap(),
            "db (query reference_query)".into(),
        );
        r.set(
            "daily_average_value_eur",
            Dec::parse("311250.00").unwrap(),
            "db (query reference_query)".into(),
        );
        r.set(
            "clients_affected",
            Dec::from_u64(975),
            "db (query affected_query)".into(),
        );
        let s = assemble(&req(), r, true);
        let t = s.transactions_affected.as_ref().unwrap();
        // 2 h 48 min = 0.116667 days: 7650.4 × 10080 / 86400 = 892.55
        assert_eq!(
            (t.value.clone(), t.estimate, t.partial),
            (json!(893), true, false)
        );
        assert!(
            t.source
                .starts_with("estimate: daily_average_transactions × 0.116667 days"),
            "{}",
            t.source
        );
        let v = s.value_affected_eur.as_ref().unwrap();
        assert_eq!((v.value.clone(), v.estimate), (json!("36312.50"), true));
        assert!(!s.clients_affected.as_ref().unwrap().estimate);
        assert!(!s.daily_average_transactions.as_ref().unwrap().estimate);
        assert!(s.counterparts_affected.is_none());
        let ctx = s.to_context();
        assert_eq!(ctx["TransactionsAffected"]["Estimate"], json!(true));
        assert_eq!(ctx["ClientsAffected"]["Value"], json!(975));
        assert!(!ctx
            .as_object()
            .unwrap()
            .contains_key("CounterpartsAffected"));
        assert_eq!(
            ctx["ReferencePeriod"],
            json!({"Start": "2026-10-24T08:52:00Z", "End": "2026-11-23T08:52:00Z", "Days": 30})
        );
        assert_eq!(ctx["Window"]["End"], json!("2026-11-23T11:40:00Z"));
    }

    #[test]
    fn no_estimate_when_switched_off_or_when_the_figure_is_known() {
        let mut r = Reading::default();
        r.set("daily_average_transactions", Dec::from_u64(100), "a".into());
        let s = assemble(&req(), r, false);
        assert!(s.transactions_affected.is_none());
        let mut r = Reading::default();
        r.set("transactions_affected", Dec::from_u64(0), "a".into());
        r.set("daily_average_transactions", Dec::from_u64(100), "a".into());
        let s = assemble(&req(), r, true);
        assert_eq!(s.transactions_affected.unwrap().value, json!(0));
    }
}
