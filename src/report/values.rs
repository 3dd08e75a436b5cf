//! Each template field's value checked and put in the form the DORA_IR schema fixes:
//! date-times `YYYY-MM-DDThh:mm:ssZ`, durations `DD:HH:MM`, amounts and percentages as numbers.

use serde_json::{json, Value};

use crate::dora::money::Eur;
use crate::input;
use crate::timeutil;

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_string(),
        Value::Array(a) => a
            .iter()
            .map(text_of)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn list_of(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().map(text_of).filter(|s| !s.is_empty()).collect(),
        other => input::split_list(&text_of(other)),
    }
}

/// Whether a looked-up value counts as absent.
pub fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty() || s.starts_with("0001-01-01"),
        Value::Array(a) => a.is_empty() || a.iter().all(is_blank),
        _ => false,
    }
}

fn duration_ok(s: &str) -> bool {
    let p: Vec<&str> = s.split(':').collect();
    p.len() == 3
        && (1..=3).contains(&p[0].len())
        && p[0].chars().all(|c| c.is_ascii_digit())
        && p[1].len() == 2
        && p[1].parse::<u8>().is_ok_and(|h| h < 24)
        && p[2].len() == 2
        && p[2].parse::<u8>().is_ok_and(|m| m < 60)
}

fn lei_ok(s: &str) -> bool {
    s.len() == 20
        && s[..18]
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && s[18..].chars().all(|c| c.is_ascii_digit())
}

/// A number as JSON, exact to two decimals.
pub fn two_decimals(hundredths: u64) -> Value {
    if hundredths % 100 == 0 {
        json!((hundredths / 100) as f64)
    } else {
        json!(hundredths as f64 / 100.0)
    }
}

/// `D:HH:MM` from seconds (minutes truncated), as field 3.15 and 3.16 take it.
pub fn duration_text(seconds: i64) -> Option<String> {
    if seconds < 0 {
        return None;
    }
    let minutes = seconds / 60;
    let days = minutes / 1440;
    (days <= 999).then(|| format!("{}:{:02}:{:02}", days, (minutes % 1440) / 60, minutes % 60))
}

/// Puts `raw` into the form of `kind`, or says why it cannot be.
pub fn normalize(kind: &str, raw: &Value) -> Result<Value, String> {
    if let Some(base) = kind.strip_suffix("_per_entity") {
        let items = match raw {
            Value::Array(a) => a.clone(),
            other => vec![other.clone()],
        };
        let inner = if base == "enum_list" {
            "enum_list"
        } else {
            base
        };
        return items
            .iter()
            .map(|i| {
                if i.is_null() {
                    Ok(Value::Null)
                } else {
                    normalize(inner, i)
                }
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    let t = text_of(raw);
    match kind {
        "text" | "enum" | "submission_type" => Ok(json!(t)),
        "phone" => {
            if t.chars().filter(char::is_ascii_digit).count() >= 6
                && t.chars()
                    .all(|c| c.is_ascii_digit() || " +()-./".contains(c))
            {
                Ok(json!(t))
            } else {
                Err(format!("{} is not a telephone number", input::quote(&t)))
            }
        }
        "datetime" => timeutil::parse_vendor_date(&t)
            .map(|d| json!(timeutil::to_rfc3339(d)))
            .ok_or_else(|| format!("{} is not a date-time", input::quote(&t))),
        "bool" => match raw {
            Value::Bool(b) => Ok(json!(b)),
            _ => input::boolean("value", &t)
                .map(|b| json!(b))
                .map_err(|_| format!("{} is not true or false", input::quote(&t))),
        },
        "enum_list" | "criteria" => Ok(json!(list_of(raw))),
        "integer" => crate::dora::profile::count("value", &t)
            .map(|n| json!(n))
            .map_err(|_| format!("{} is not a whole number of 0 or more", input::quote(&t))),
        "percentage" => {
            let e = Eur::parse("value", &t).map_err(|_| {
                format!(
                    "{} is not a percentage with at most two decimals",
                    input::quote(&t)
                )
            })?;
            if e.cents() > 10_000 {
                return Err(format!("{t}% is more than 100%"));
            }
            Ok(two_decimals(e.cents()))
        }
        "money" => Eur::parse("value", &t)
            .map(|e| two_decimals(e.cents()))
            .map_err(|_| {
                format!(
                    "{} is not an amount with at most two decimals",
                    input::quote(&t)
                )
            }),
        "duration" => {
            if duration_ok(&t) {
                Ok(json!(t))
            } else {
                Err(format!(
                    "{} is not a duration in the form DD:HH:MM",
                    input::quote(&t)
                ))
            }
        }
        "lei" => {
            let u = t.to_ascii_uppercase();
            if lei_ok(&u) {
                Ok(json!(u))
            } else {
                Err(format!("{} is not a 20-character LEI", input::quote(&t)))
            }
        }
        "email" => input::email("value", &t)
            .map(|e| json!(e))
            .map_err(|_| format!("{} is not an e-mail address", input::quote(&t))),
        other => Err(format!("the mapping names an unknown type {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_take_the_schema_forms() {
        assert_eq!(
            normalize("datetime", &json!("2026-05-10 22:15:00")),
            Ok(json!("2026-05-10T22:15:00Z"))
        );
        assert_eq!(normalize("money", &json!(4850000.0)), Ok(json!(4850000.0)));
        assert_eq!(normalize("money", &json!("1 250.75")), Ok(json!(1250.75)));
        assert_eq!(normalize("percentage", &json!(23.4)), Ok(json!(23.4)));
        assert!(normalize("percentage", &json!("100.01"))
            .unwrap_err()
            .contains("more than 100%"));
        assert_eq!(
            normalize("duration", &json!("0:14:30")),
            Ok(json!("0:14:30"))
        );
        assert!(normalize("duration", &json!("14:30")).is_err());
        assert_eq!(
            normalize("enum_list", &json!("csirt, other")),
            Ok(json!(["csirt", "other"]))
        );
        assert_eq!(normalize("bool", &json!("yes")), Ok(json!(true)));
        assert_eq!(
            normalize("enum_list_per_entity", &json!([["a"], "b,c"])),
            Ok(json!([["a"], ["b", "c"]]))
        );
        assert!(normalize("lei", &json!("abc")).is_err());
        assert!(normalize("integer", &json!(-3)).is_err());
        assert_eq!(
            duration_text(14 * 3600 + 30 * 60 + 59),
            Some("0:14:30".into())
        );
        assert_eq!(duration_text(3 * 86400 + 60), Some("3:00:01".into()));
    }
}
