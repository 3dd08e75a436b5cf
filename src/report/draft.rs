//! A draft of one submission: every template field with its value, where the value came from,
//! whether it is mandatory for this submission, and whether it is missing. A draft with gaps is
//! still produced, and says exactly what is missing; nothing is invented to fill a gap.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::currency::Conversion;
use super::document::{self, PlaceError};
use super::mapping::{FieldSpec, Mapping};
use super::schema::Validation;
use super::values::{duration_text, is_blank, normalize, two_decimals};
use super::verdict::{filled_by, Check, Problem};
use crate::context::ClassificationRecord;
use crate::dora::money::Eur;
use crate::timeutil;

/// Where values are looked up: the incident's context, the incident, the newest
/// classification, and the entity profile.
pub struct Sources<'a> {
    pub context: &'a Value,
    pub incident: &'a Value,
    pub classification: &'a Value,
    pub profile: &'a Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DraftField {
    pub id: String,
    pub name: String,
    pub key: String,
    pub section: u8,
    /// The field's type in the mapping (`enum`, `money`, `datetime`...).
    pub kind: String,
    pub value: Option<Value>,
    /// The path the value came from.
    pub source: Option<String>,
    pub mandatory: bool,
    pub missing: bool,
    pub problem: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Gap {
    pub id: String,
    pub name: String,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Draft {
    /// `initial`, `intermediate`, `final` or `reclassification`.
    pub r#type: String,
    /// Field 1.1 as the schema spells it.
    pub submission_type: String,
    pub mapping_version: String,
    pub generated_at: String,
    /// SHA-256 of the document, the type, the mapping version and the currency conversion:
    /// what an approval binds to.
    pub content_hash: String,
    /// Annex II, the DORA_IR schema and the template's rules all hold ([`super::verdict`]).
    pub complete: bool,
    /// The mandatory fields missing (Annex II).
    pub missing: Vec<Gap>,
    /// Every reason the draft is not complete, each on its own.
    pub problems: Vec<Problem>,
    /// The schema check, when a schema is configured.
    pub validation: Option<Validation>,
    /// How euro amounts were converted into the reporting currency, when it is not EUR.
    pub conversion: Option<Conversion>,
    pub fields: Vec<DraftField>,
    pub document: Value,
}

/// The value at a dotted path; XSOAR keeps repeated outputs as lists, so inside a path the
/// newest (last) element is taken.
pub fn lookup(root: &Value, path: &str) -> Option<Value> {
    crate::context::at_path(root, path).cloned()
}

/// The schema's names of the classification criteria (field 2.5).
fn criterion_enum(key: &str) -> Option<&'static str> {
    Some(match key {
        "clients-counterparts-transactions" => {
            "clients_financial_counterparts_and_transactions_affected"
        }
        "reputational-impact" => "reputational_impact",
        "duration-and-downtime" => "duration_and_service_downtime",
        "geographical-spread" => "geographical_spread",
        "data-losses" => "data_losses",
        "critical-services" => "critical_services_affected",
        "economic-impact" => "economic_impact",
        _ => return None,
    })
}

const REPUTATIONAL: &[(&str, &str)] = &[
    ("media_coverage", "the_major_ict-related_incident_has_been_reflected_in_the_media"),
    (
        "repetitive_complaints",
        "the_major_ict-related_incident_has_resulted_in_repetitive_complaints_from_different_clients_or_financial_counterparts_on_client-facing_services_or_critical_business_relationships",
    ),
    (
        "regulatory_requirements_breached",
        "the_financial_entity_will_not_be_able_to_or_is_likely_not_to_be_able_to_meet_regulatory_requirements_as_a_result_of_the_major_ict-related_incident",
    ),
    (
        "client_loss_likely",
        "the_financial_entity_will_or_is_likely_to_lose_clients_or_financial_counterparts_with_a_material_impact_on_its_business_as_a_result_of_the_major_ict-related_incident",
    ),
];

/// Values computed from the classification, the profile or the incident; those read from the
/// SOCRadar alarm, the ICT context and the threat assessment are in [`super::prefill`].
fn derived(name: &str, s: &Sources<'_>) -> Option<Value> {
    let c: ClassificationRecord = crate::context::view(s.classification);
    let fact = |name: &str| c.fact(name);
    let (func, args) = name.split_once(':').unwrap_or((name, ""));
    let args: Vec<&str> = args.split(':').collect();
    let v = match func {
        "profile_entity_types" => json!([[schema_entity_type(s.profile)?]]),
        "profile_entity_names" => json!([s.profile.get("name")?.as_str()?]),
        "profile_entity_leis" => json!([s.profile.get("lei")?.as_str()?]),
        "xsoar_incident_reference" => {
            let id = s.incident.get("id")?;
            json!(format!(
                "XSOAR-{}",
                id.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| id.to_string())
            ))
        }
        "criteria_met" => {
            let met: Vec<&str> = c
                .criteria
                .iter()
                .filter(|k| k.is_met())
                .filter_map(|k| criterion_enum(k.key.as_deref()?))
                .collect();
            if met.is_empty() {
                return None;
            }
            json!(met)
        }
        "percent" => {
            let part = fact(args.first()?)?.as_u64()?;
            let whole = fact(args.get(1)?)?.as_u64()?;
            if whole == 0 {
                return None;
            }
            let bp = (u128::from(part) * 20_000 + u128::from(whole)) / (2 * u128::from(whole));
            two_decimals(u64::try_from(bp).ok()?)
        }
        "actual_or_estimate" => {
            let mut out = Vec::new();
            for (input, what) in [
                ("clients_affected", "clients"),
                ("counterparts_affected", "financial_counterparts"),
                ("transactions_affected", "transactions"),
            ] {
                let Some(f) = c.facts.get(input) else {
                    continue;
                };
                let n = f.value.as_ref().and_then(Value::as_u64);
                let estimate = f.is_estimate();
                out.push(match (n, estimate) {
                    (Some(0), _) => format!("no_impact_on_{what}"),
                    (_, true) => format!("estimates_for_{what}_affected"),
                    _ => format!("actual_figures_for_{what}_affected"),
                });
            }
            if out.is_empty() {
                return None;
            }
            json!(out)
        }
        "reputational_impact_types" => {
            let types: Vec<&str> = REPUTATIONAL
                .iter()
                .filter(|(f, _)| fact(f).and_then(Value::as_bool) == Some(true))
                .map(|(_, e)| *e)
                .collect();
            if types.is_empty() {
                return None;
            }
            json!(types)
        }
        "duration" => {
            let t = |n: &str| {
                fact(n)
                    .and_then(Value::as_str)
                    .and_then(timeutil::parse_vendor_date)
            };
            let (a, b): (DateTime<Utc>, DateTime<Utc>) = (t(args.first()?)?, t(args.get(1)?)?);
            json!(duration_text((b - a).num_seconds())?)
        }
        "affected_services" => json!(fact("affected_services")?
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", ")),
        "economic_impact_evidence" => {
            let crit = c.criterion("economic-impact")?;
            if !crit.is_met() {
                return None;
            }
            json!(crit.evidence.as_deref()?)
        }
        "profile_entity_type_list" => json!([schema_entity_type(s.profile)?]),
        _ => return super::prefill::derived(func, s),
    };
    Some(v)
}

/// The profile's entity type as the DORA_IR and DORA_CYB schemas spell it (fields 1.4 and 3):
/// the instance parameter spells four of the types of DORA Art. 2(1) otherwise.
fn schema_entity_type(profile: &Value) -> Option<&str> {
    let t = profile.get("entity_type")?.as_str()?;
    Some(match t {
        "crypto_asset_service_provider" => "crypto-asset_service_provider",
        "issuer_of_asset_referenced_tokens" => "issuer_of_asset-referenced_tokens",
        "manager_of_alternative_investment_funds" => "manager_of_alternative_investment_fund",
        "insurance_intermediary" => {
            "insurance_intermediary_reinsurance_intermediary_and_ancillary_insurance_intermediary"
        }
        other => other,
    })
}

/// Writes the `entityType` constant into the object at `path` (`list[]`: into each element),
/// where the document has it.
fn set_entity_type(document: &mut Value, path: &str, constant: &str) {
    let (name, each) = match path.strip_suffix("[]") {
        Some(n) => (n, true),
        None => (path, false),
    };
    let Some(slot) = document.get_mut(name) else {
        return;
    };
    let targets: Vec<&mut Value> = if each {
        slot.as_array_mut()
            .map(|a| a.iter_mut().collect())
            .unwrap_or_default()
    } else {
        vec![slot]
    };
    for o in targets.into_iter().filter_map(Value::as_object_mut) {
        o.insert("entityType".into(), json!(constant));
    }
}

fn resolve(path: &str, s: &Sources<'_>) -> Option<Value> {
    let (root, rest) = path.split_once('.')?;
    match root {
        "context" => lookup(s.context, rest),
        "incident" => lookup(s.incident, rest),
        "classification" => lookup(s.classification, rest),
        "profile" => lookup(s.profile, rest),
        "derived" => derived(rest, s),
        _ => None,
    }
}

fn condition_holds(f: &FieldSpec, values: &Map<String, Value>) -> bool {
    let Some(cond) = &f.required_if else {
        return false;
    };
    let Some(v) = values.get(&cond.field) else {
        return false;
    };
    if let Some(c) = &cond.contains {
        return v
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(c)));
    }
    cond.equals.as_ref().is_some_and(|e| e == v)
}

/// An amount in euro in the reporting currency, with the user's rate.
fn converted(raw: &Value, conversion: &Conversion) -> Result<Value, String> {
    let text = match raw {
        Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    };
    let eur = Eur::parse("value", &text).map_err(|_| {
        format!(
            "{} is not an amount with at most two decimals",
            crate::input::quote(&text)
        )
    })?;
    Ok(two_decimals(conversion.rate.convert_cents(eur.cents())))
}

/// Builds the draft of `kind` at `now`; euro amounts are converted with `conversion` when the
/// reporting currency is not EUR. Only Annex II and the values' forms are checked here;
/// [`super::verdict::judge`] adds the schema and the template's rules.
pub fn build(
    mapping: &Mapping,
    kind: &str,
    sources: &Sources<'_>,
    now: DateTime<Utc>,
    conversion: Option<&Conversion>,
) -> Draft {
    let mut fields = Vec::new();
    let mut values = Map::new();
    for f in mapping.fields.iter().filter(|f| mapping.includes(kind, f)) {
        let mut field = DraftField {
            id: f.id.clone(),
            name: f.name.clone(),
            key: f.key.clone(),
            section: f.section(),
            kind: f.kind.clone(),
            value: None,
            source: None,
            mandatory: f.mandatory.iter().any(|m| m == kind),
            missing: false,
            problem: None,
            note: f.note.clone(),
        };
        if f.kind == "submission_type" {
            field.value = Some(json!(mapping.submission_name(kind)));
            field.source = Some("the draft's type".into());
        } else if let Some((path, raw)) = f
            .sources
            .iter()
            .find_map(|p| resolve(p, sources).filter(|v| !is_blank(v)).map(|v| (p, v)))
        {
            field.source = Some(path.clone());
            let normalized = match conversion.filter(|_| f.kind == "money") {
                Some(c) => converted(&raw, c),
                None => normalize(&f.kind, &raw),
            };
            match normalized {
                Ok(v) => field.value = Some(v),
                Err(why) => {
                    field.problem = Some(format!("{} ({}) from {path}: {why}.", f.id, f.name))
                }
            }
        }
        if let Some(v) = &field.value {
            values.insert(f.id.clone(), v.clone());
        }
        fields.push(field);
    }
    let specs: Vec<&FieldSpec> = mapping
        .fields
        .iter()
        .filter(|f| mapping.includes(kind, f))
        .collect();
    let mut document = json!({});
    for (field, spec) in fields.iter_mut().zip(&specs) {
        field.mandatory = field.mandatory || condition_holds(spec, &values);
        field.missing = field.value.is_none();
        if let Some(v) = &field.value {
            if let Err(PlaceError::CriterionNotListed(c)) =
                document::set(&mut document, &spec.json, v.clone())
            {
                field.note = Some(format!(
                    "Not placed in the report: field 2.5 does not list the criterion {c}."
                ));
            }
        }
    }
    for (path, constant) in &mapping.entity_types {
        set_entity_type(&mut document, path, constant);
    }
    let missing: Vec<Gap> = fields
        .iter()
        .filter(|f| f.mandatory && f.missing)
        .map(|f| Gap {
            id: f.id.clone(),
            name: f.name.clone(),
            key: f.key.clone(),
        })
        .collect();
    let submission = mapping.submission_name(kind).replace('_', " ");
    let mut problems: Vec<Problem> = missing
        .iter()
        .map(|g| Problem {
            field: g.id.clone(),
            name: g.name.clone(),
            key: filled_by(mapping, &g.id),
            why: format!(
                "{} makes it mandatory in the {submission}, and no value was found",
                mapping.mandatory_source
            ),
            check: Check::AnnexIi,
        })
        .collect();
    problems.extend(fields.iter().filter_map(|f| {
        f.problem.as_ref().map(|p| Problem {
            field: f.id.clone(),
            name: f.name.clone(),
            key: f
                .source
                .clone()
                .unwrap_or_else(|| filled_by(mapping, &f.id)),
            why: p.clone(),
            check: Check::Value,
        })
    }));
    let content_hash = content_hash(kind, &mapping.mapping_version, &document, conversion);
    Draft {
        r#type: kind.to_string(),
        submission_type: mapping.submission_name(kind).to_string(),
        mapping_version: mapping.mapping_version.clone(),
        generated_at: timeutil::to_rfc3339(now),
        content_hash,
        complete: problems.is_empty(),
        missing,
        problems,
        validation: None,
        conversion: conversion.cloned(),
        fields,
        document,
    }
}

/// SHA-256 over the canonical JSON (keys sorted) of the type, mapping version, document and,
/// for a report in another currency, the conversion (currency, rate and its source).
pub fn content_hash(
    kind: &str,
    mapping_version: &str,
    document: &Value,
    conversion: Option<&Conversion>,
) -> String {
    let mut body = json!({"type": kind, "mapping_version": mapping_version, "document": document});
    if let Some(c) = conversion {
        body["conversion"] =
            json!({"currency": c.currency, "rate_per_eur": c.rate_per_eur, "source": c.source});
    }
    let text = crate::audit::canonical_json(&body);
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads a DORA_IR document back into `DORA.IncidentReport` facts (field key → value), the
/// way a report received or written elsewhere is loaded into an incident.
pub fn load(mapping: &Mapping, doc: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    for f in &mapping.fields {
        if f.kind == "submission_type" {
            continue;
        }
        if let Some(v) = document::get(doc, &f.json).filter(|v| !is_blank(v)) {
            out.insert(f.key.clone(), v);
        }
    }
    out
}
