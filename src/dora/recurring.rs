//! Recurring incidents (RTS 2024/1772 Art. 8(2)): incidents not major one by one are together
//! one major incident when they occurred at least twice within 6 months, share the same apparent
//! root cause, and collectively meet the criteria of Art. 8(1).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Months, Utc};
use serde::Serialize;
use serde_json::Value;

use super::classify::{classify, Classification};
use super::facts::{resolve, FactValue, Facts, Lookup, Source};
use super::money::Eur;
use super::profile::EntityProfile;
use crate::input::{quote, InputError};
use crate::timeutil;

/// Art. 8(2): within 6 months.
const WINDOW: Months = Months::new(6);
/// Art. 8(2): at least twice.
const MIN_OCCURRENCES: usize = 2;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecurringGroup {
    pub root_cause: String,
    pub incidents: Vec<String>,
    pub occurrences: usize,
    pub first_occurred_at: String,
    pub last_occurred_at: String,
    /// Occurred at least twice within the 6 months before the assessment.
    pub recurring: bool,
    pub is_major: bool,
    pub rule: String,
    /// The classification of the incidents taken together, when they recur.
    pub classification: Option<Classification>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecurringResult {
    pub applicable: bool,
    pub assessed_at: String,
    pub window_start: String,
    pub groups: Vec<RecurringGroup>,
    /// Incidents left out, with the reason (major already, outside the window).
    pub excluded: Vec<String>,
    pub any_major: bool,
}

struct Past {
    id: String,
    occurred_at: DateTime<Utc>,
    facts: Facts,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .map(|x| {
            x.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| x.to_string())
        })
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Adds `b` into `a`: counts and amounts summed, denominators the largest, flags or-ed, lists
/// united, durations summed (held as synthetic start/end instants).
fn combine(total: &mut Facts, one: &Facts, spans: &mut (Duration, Duration, bool, bool)) {
    let src = |name: &str| Source {
        kind: "derived",
        path: format!("{name} over the recurring incidents"),
        detail: None,
    };
    for (name, f) in &one.by_name {
        let merged = match (total.get(name).map(|t| t.value.clone()), &f.value) {
            (None, v) => Some(v.clone()),
            (Some(FactValue::Count(a)), FactValue::Count(b))
                if name.ends_with("_total") || name.ends_with("_daily_average") =>
            {
                Some(FactValue::Count(a.max(*b)))
            }
            (Some(FactValue::Count(a)), FactValue::Count(b)) => {
                Some(FactValue::Count(a.saturating_add(*b)))
            }
            (Some(FactValue::Money(a)), FactValue::Money(b))
                if name.ends_with("_daily_average_eur") =>
            {
                Some(FactValue::Money(a.max(*b)))
            }
            (Some(FactValue::Money(a)), FactValue::Money(b)) => Some(FactValue::Money(
                a.checked_add(*b).unwrap_or(Eur::from_cents(u64::MAX)),
            )),
            (Some(FactValue::Flag(a)), FactValue::Flag(b)) => Some(FactValue::Flag(a || *b)),
            (Some(FactValue::List(a)), FactValue::List(b)) => {
                let mut u = a.clone();
                u.extend(b.iter().cloned());
                u.sort();
                u.dedup();
                Some(FactValue::List(u))
            }
            _ => None,
        };
        if let Some(v) = merged {
            let estimate = f.estimate || total.get(name).is_some_and(|t| t.estimate);
            total.insert(name, v, src(name), estimate);
        }
    }
    let dur = |a: &str, b: &str| match (one.time(a), one.time(b)) {
        (Some(s), Some(e)) => Some(e - s),
        _ => None,
    };
    match dur("occurred_at", "resolved_at") {
        Some(d) => spans.0 += d,
        None => spans.2 = true,
    }
    match dur("downtime_start", "downtime_end") {
        Some(d) => spans.1 += d,
        None => spans.3 = true,
    }
}

/// The `incidents` argument as items: a JSON list, or its text (as an XSOAR argument or a file
/// carries it). Anything else is an `InputError` naming `incidents`.
pub fn incidents_of(v: Value) -> Result<Vec<Value>, InputError> {
    let v = match v {
        Value::String(s) => serde_json::from_str(&s).map_err(|e| {
            InputError::new(
                "incidents",
                format!("incidents must be a JSON list of incidents: {e}."),
            )
        })?,
        other => other,
    };
    match v {
        Value::Array(items) => Ok(items),
        _ => Err(InputError::new(
            "incidents",
            "incidents must be a list of incidents.",
        )),
    }
}

/// Assesses the entity's incidents (each a dict of the `dora-classify` inputs plus `id`,
/// `root_cause` and `is_major`) as of `assessed_at`.
pub fn assess(
    items: &[Value],
    profile: &EntityProfile,
    assessed_at: DateTime<Utc>,
) -> Result<RecurringResult, InputError> {
    let window_start = assessed_at
        .checked_sub_months(WINDOW)
        .expect("date in range");
    let mut groups: BTreeMap<String, (String, Vec<Past>)> = BTreeMap::new();
    let mut excluded = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = |what: &str| format!("incidents[{i}].{what}");
        if !item.is_object() {
            return Err(InputError::new("incidents", format!("incidents[{i}] must be an object with id, occurred_at, root_cause and the classification inputs.")));
        }
        let id = text(item, "id").unwrap_or_else(|| format!("#{}", i + 1));
        let root = text(item, "root_cause").ok_or_else(|| {
            InputError::new(
                &at("root_cause"),
                format!(
                    "{} is missing: incidents are grouped by their apparent root cause.",
                    at("root_cause")
                ),
            )
        })?;
        let facts = resolve(&Lookup {
            args: item,
            incident: &Value::Null,
            context: &Value::Null,
        })
        .map_err(|e| InputError::new(&at(&e.argument), format!("incidents[{i}]: {}", e.message)))?;
        let occurred_at = facts
            .time("occurred_at")
            .or(facts.time("detected_at"))
            .ok_or_else(|| {
                InputError::new(
                    &at("occurred_at"),
                    format!(
                        "{} is missing: recurrence is counted by when incidents occurred.",
                        at("occurred_at")
                    ),
                )
            })?;
        let major = match item.get("is_major") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(v) => crate::input::boolean(&at("is_major"), &v.to_string().replace('"', ""))?,
        };
        if major {
            excluded.push(format!("{id}: already major, reported on its own"));
            continue;
        }
        if occurred_at < window_start || occurred_at > assessed_at {
            excluded.push(
                format!(
                    "{id}: occurred {} , outside the 6 months to {}",
                    timeutil::to_rfc3339(occurred_at),
                    timeutil::to_rfc3339(assessed_at)
                )
                .replace(" ,", ","),
            );
            continue;
        }
        let key = root
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        groups
            .entry(key)
            .or_insert_with(|| (root.clone(), Vec::new()))
            .1
            .push(Past {
                id,
                occurred_at,
                facts,
            });
    }
    let applicable = !profile.simplified_framework;
    let mut out = Vec::new();
    for (_, (root, mut past)) in groups {
        past.sort_by_key(|p| p.occurred_at);
        let recurring = past.len() >= MIN_OCCURRENCES;
        let classification = if recurring && applicable {
            let mut total = Facts::default();
            let mut spans = (Duration::zero(), Duration::zero(), false, false);
            for p in &past {
                combine(&mut total, &p.facts, &mut spans);
            }
            let t0 = past[0].occurred_at;
            let src = |what: &str| Source {
                kind: "derived",
                path: format!("{what} summed over {} incidents", past.len()),
                detail: None,
            };
            // Durations add up; a sum that is not complete stays unknown unless it already exceeds.
            total.insert("occurred_at", FactValue::Time(t0), src("duration"), false);
            total.by_name.remove("resolved_at");
            total.by_name.remove("detected_at");
            total.by_name.remove("first_log_at");
            total.by_name.remove("aware_at");
            if !spans.2 || spans.0 > Duration::hours(24) {
                total.insert(
                    "resolved_at",
                    FactValue::Time(t0 + spans.0),
                    src("duration"),
                    false,
                );
            }
            total.by_name.remove("downtime_start");
            total.by_name.remove("downtime_end");
            if spans.1 > Duration::zero() || !spans.3 {
                total.insert(
                    "downtime_start",
                    FactValue::Time(t0),
                    src("downtime"),
                    false,
                );
                if !spans.3 || spans.1 > Duration::hours(2) {
                    total.insert(
                        "downtime_end",
                        FactValue::Time(t0 + spans.1),
                        src("downtime"),
                        false,
                    );
                }
            }
            Some(classify(total, profile, assessed_at.max(t0 + spans.0))?)
        } else {
            None
        };
        let is_major = classification.as_ref().is_some_and(|c| c.is_major);
        let rule = match (&classification, recurring, applicable) {
            (_, _, false) => "Not applicable: microenterprise or simplified ICT risk framework (RTS 2024/1772 Art. 8(2), DORA Art. 16(1)).".to_string(),
            (_, false, _) => format!("Occurred once within 6 months: not recurring (RTS 2024/1772 Art. 8(2) needs {MIN_OCCURRENCES})."),
            (Some(c), true, true) => format!(
                "{} occurrences within 6 months with the same apparent root cause; together: {} (RTS 2024/1772 Art. 8(2) with {})",
                past.len(),
                if c.is_major { "major" } else { "not major" },
                c.rule
            ),
            (None, true, true) => unreachable!("a recurring group is classified"),
        };
        out.push(RecurringGroup {
            root_cause: root,
            incidents: past.iter().map(|p| p.id.clone()).collect(),
            occurrences: past.len(),
            first_occurred_at: timeutil::to_rfc3339(past[0].occurred_at),
            last_occurred_at: timeutil::to_rfc3339(past[past.len() - 1].occurred_at),
            recurring,
            is_major,
            rule,
            classification,
        });
    }
    if items.is_empty() {
        return Err(InputError::new(
            "incidents",
            format!(
                "incidents must list the entity's incidents of the last 6 months; got {}.",
                quote("[]")
            ),
        ));
    }
    Ok(RecurringResult {
        applicable,
        assessed_at: timeutil::to_rfc3339(assessed_at),
        window_start: timeutil::to_rfc3339(window_start),
        any_major: out.iter().any(|g| g.is_major),
        groups: out,
        excluded,
    })
}
