//! Whether a draft may go to the authority: "Complete" means all three checks hold.
//!
//! 1. ITS 2025/302 Annex II: every field mandatory for the submission type is filled (and every
//!    value found was accepted), checked when the draft is built ([`super::draft::build`]).
//! 2. The DORA_IR schema the instance selected, with its per-type `dependencies` applied
//!    ([`super::schema`]).
//! 3. The rules a schema cannot express, here: LEI check digits (ISO 17442, ISO 7064 MOD 97-10);
//!    occurrence ≤ detection ≤ classification; 1.13 and 1.14 filled together; "none" alone among
//!    the other authorities informed (3.31); durations and percentages in the template's forms;
//!    the authority's reference (3.1) from the intermediate report on, once the authority gave one.
//!
//! Each problem is listed on its own with the template field, the context key or parameter that
//! fills it, and why; never with the document itself.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::draft::Draft;
use super::mapping::Mapping;
use super::schema;
use crate::timeutil;

/// Which check found a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// A field ITS 2025/302 Annex II makes mandatory for this submission type is missing.
    AnnexIi,
    /// A value was found but is not in the field's form.
    Value,
    /// The DORA_IR schema refuses the document.
    Schema,
    /// A rule of the template the schema cannot express.
    Rule,
    /// The instance is not set up to check the draft.
    Settings,
}

/// One reason a draft is not complete.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Problem {
    /// The template field (`4.9`), or `-` when the problem is not one field's.
    pub field: String,
    pub name: String,
    /// What fills it: the context key (`DORA.IncidentReport.ResolutionVsPlanned`), or the
    /// instance parameter or argument.
    pub key: String,
    /// Why, in one sentence, without the document.
    pub why: String,
    pub check: Check,
}

/// What the draft is checked against besides its own fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct Checks<'a> {
    /// The DORA_IR schema the instance selected.
    pub schema: Option<&'a Value>,
    /// The reference the authority gave when the initial notification was submitted.
    pub authority_reference: Option<&'a str>,
}

/// The parameter that fills a field read from the profile, for the message.
fn parameter_of(source: &str) -> Option<&'static str> {
    Some(match source.strip_prefix("profile.")? {
        "name" => "entity_name",
        "lei" => "entity_lei",
        "primary_contact_name" => "primary_contact_name",
        "primary_contact_email" => "primary_contact_email",
        "primary_contact_phone" => "primary_contact_phone",
        "secondary_contact_name" => "secondary_contact_name",
        "secondary_contact_email" => "secondary_contact_email",
        "secondary_contact_phone" => "secondary_contact_phone",
        "parent_name" => "parent_undertaking_name",
        "parent_lei" => "parent_undertaking_lei",
        "report_currency" => "report_currency",
        _ => return None,
    })
}

/// What fills field `id`: its `DORA.IncidentReport` key, and the instance parameter when the
/// profile is where it is usually read from.
pub fn filled_by(mapping: &Mapping, id: &str) -> String {
    let Some(f) = mapping.fields.iter().find(|f| f.id == id) else {
        return "-".into();
    };
    let key = format!("{}.{}", mapping.context_object, f.key);
    match f.sources.iter().find_map(|s| parameter_of(s)) {
        Some(p) => format!("{key} or the instance parameter {p}"),
        None => key,
    }
}

fn problem(mapping: &Mapping, id: &str, why: String, check: Check) -> Problem {
    let name = mapping
        .fields
        .iter()
        .find(|f| f.id == id)
        .map(|f| f.name.clone())
        .unwrap_or_default();
    Problem {
        field: id.to_string(),
        name,
        key: filled_by(mapping, id),
        why,
        check,
    }
}

/// Adds the schema and rule problems to `draft` and decides `complete`.
pub fn judge(draft: &mut Draft, mapping: &Mapping, checks: &Checks<'_>) {
    let (schema_name, parameter) = (&mapping.schema_name, &mapping.schema_parameter);
    match checks.schema {
        None => draft.problems.push(Problem {
            field: "-".into(),
            name: schema_name.clone(),
            key: parameter.clone(),
            why: format!("no {schema_name} is configured, so the draft cannot be checked against it: paste the schema your authority publishes into the instance parameter {parameter}"),
            check: Check::Settings,
        }),
        Some(s) => match schema::validate(&draft.document, s, mapping, &draft.r#type) {
            Ok(v) => {
                for e in &v.errors {
                    let id = e.field.clone().unwrap_or_else(|| "-".into());
                    // Already listed as missing under Annex II: one problem, not two.
                    if draft.missing.iter().any(|g| g.id == id) {
                        continue;
                    }
                    let mut p = problem(mapping, &id, format!("{} (at {})", e.message, if e.path.is_empty() { "/" } else { &e.path }), Check::Schema);
                    if e.field.is_none() {
                        p.name = v.schema.clone();
                        p.key = parameter.clone();
                    }
                    draft.problems.push(p);
                }
                draft.validation = Some(v);
            }
            Err(why) => draft.problems.push(Problem {
                field: "-".into(),
                name: schema_name.clone(),
                key: parameter.clone(),
                why: format!("{parameter} cannot be used: {why}"),
                check: Check::Settings,
            }),
        },
    }
    let rules = rule_problems(draft, mapping, checks);
    draft.problems.extend(rules);
    draft.complete = draft.problems.is_empty();
}

fn value<'d>(draft: &'d Draft, id: &str) -> Option<&'d Value> {
    draft
        .fields
        .iter()
        .find(|f| f.id == id)
        .and_then(|f| f.value.as_ref())
}

fn instant(draft: &Draft, id: &str) -> Option<DateTime<Utc>> {
    value(draft, id)?
        .as_str()
        .and_then(timeutil::parse_vendor_date)
}

/// ISO 7064 MOD 97-10 over the LEI's characters (letters A=10 … Z=35): the remainder is 1.
pub fn lei_check_digits_ok(lei: &str) -> bool {
    crate::dora::profile::lei("lei", lei).is_ok()
}

/// `DD:HH:MM` as the template writes durations (days up to 999, hours < 24, minutes < 60).
fn duration_form(s: &str) -> bool {
    let p: Vec<&str> = s.split(':').collect();
    p.len() == 3
        && (1..=3).contains(&p[0].len())
        && p[0].bytes().all(|b| b.is_ascii_digit())
        && p[1].len() == 2
        && p[1].parse::<u8>().is_ok_and(|h| h < 24)
        && p[2].len() == 2
        && p[2].parse::<u8>().is_ok_and(|m| m < 60)
}

/// A percentage the template accepts: a number from 0 to 100 with at most two decimals.
fn percentage_form(v: &Value) -> bool {
    let Some(f) = v.as_f64() else {
        return false;
    };
    let hundredths = (f * 100.0).round();
    (0.0..=100.0).contains(&f) && (f * 100.0 - hundredths).abs() < 1e-6
}

fn rule_problems(draft: &Draft, mapping: &Mapping, checks: &Checks<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut add = |id: &str, why: String| out.push(problem(mapping, id, why, Check::Rule));
    let lei_fields = mapping
        .fields
        .iter()
        .filter(|f| f.kind.starts_with("lei"))
        .map(|f| f.id.as_str());
    for id in lei_fields {
        let leis: Vec<&str> = match value(draft, id) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        for lei in leis {
            if !lei_check_digits_ok(lei) {
                add(id, format!("{} fails the LEI check digits of ISO 17442 (ISO 7064 MOD 97-10): check it against the GLEIF record", crate::input::quote(lei)));
            }
        }
    }
    let (occurred, detected, classified) = (
        instant(draft, "3.2"),
        instant(draft, "2.2"),
        instant(draft, "2.3"),
    );
    if let (Some(o), Some(d)) = (occurred, detected) {
        if o > d {
            add("3.2", format!("the incident is said to occur at {} but to be detected earlier, at {}: occurrence comes before detection", timeutil::to_rfc3339(o), timeutil::to_rfc3339(d)));
        }
    }
    if let (Some(d), Some(c)) = (detected, classified) {
        if d > c {
            add("2.3", format!("the incident is said to be classified at {} but detected later, at {}: detection comes before classification", timeutil::to_rfc3339(c), timeutil::to_rfc3339(d)));
        }
    }
    match (value(draft, "1.13").is_some(), value(draft, "1.14").is_some()) {
        (true, false) => add("1.14", "the ultimate parent undertaking is named (1.13) without its LEI: give both or neither".into()),
        (false, true) => add("1.13", "the ultimate parent undertaking's LEI (1.14) is given without its name: give both or neither".into()),
        _ => {}
    }
    if let Some(Value::Array(list)) = value(draft, "3.31") {
        if list.len() > 1 && list.iter().any(|v| v.as_str() == Some("none")) {
            add("3.31", "\"none\" cannot stand with other authorities: either no other authority was informed, or list those that were".into());
        }
    }
    for id in ["3.15", "3.16"] {
        if let Some(v) = value(draft, id) {
            if !v.as_str().is_some_and(duration_form) {
                add(
                    id,
                    "a duration must be written DD:HH:MM (days, hours below 24, minutes below 60)"
                        .into(),
                );
            }
        }
    }
    for id in ["3.5", "3.7", "3.10"] {
        if let Some(v) = value(draft, id) {
            if !percentage_form(v) {
                add(
                    id,
                    "a percentage must be a number from 0 to 100 with at most two decimals".into(),
                );
            }
        }
    }
    let reference_due = matches!(draft.r#type.as_str(), "intermediate" | "final");
    if let Some(issued) = checks
        .authority_reference
        .filter(|r| reference_due && !r.trim().is_empty())
    {
        match value(draft, "3.1").and_then(Value::as_str) {
            None => add("3.1", format!("the authority gave the reference {} with the initial notification: from the intermediate report on it goes in field 3.1", crate::input::quote(issued))),
            Some(r) if r.trim() != issued.trim() => add("3.1", format!("field 3.1 says {} but the authority gave the reference {} with the initial notification", crate::input::quote(r), crate::input::quote(issued))),
            _ => {}
        }
    }
    out
}
