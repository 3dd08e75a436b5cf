//! The verdict: is the incident major (RTS 2024/1772 Art. 8(1)), on which rule, on which facts.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::criteria::{evaluate, Criterion, CriterionResult, Status};
use super::facts::{FactValue, Facts, Source};
use super::money::{group_digits, Eur};
use super::profile::{service_key, EntityProfile};
use crate::input::InputError;
use crate::timeutil;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Classification {
    pub is_major: bool,
    /// False when criteria that could not be assessed could still change the verdict.
    pub determinate: bool,
    /// The rule that decided, e.g. `RTS 2024/1772 Art. 8(1)(b)`.
    pub rule: String,
    /// The rule in words, for the war room and the report.
    pub rule_text: String,
    pub criteria: Vec<CriterionResult>,
    /// Names of the threshold criteria met (Art. 9(1)–(6)).
    pub thresholds_met: Vec<&'static str>,
    /// Inputs that were unknown and mattered.
    pub missing: Vec<&'static str>,
    /// When not major and not determinate: the criteria whose assessment could make it major.
    pub could_become_major_if: Vec<&'static str>,
    /// SHA-256 of the facts (values and estimate flags, sources left out) and the options used.
    pub inputs_hash: String,
    pub classified_at: String,
    pub detected_at: Option<String>,
    pub aware_at: Option<String>,
    pub occurred_at: Option<String>,
    pub geographical_spread_reading: super::profile::GeoReading,
    /// Countries named that are outside the EEA: recorded, never counted (Art. 9(4)).
    pub countries_outside_eea: Vec<String>,
    /// Connector figures left out because a source answered only in part.
    pub partial_figures: Vec<String>,
    pub facts: Value,
}

/// The six threshold criteria of Art. 8(1)(b) ("two or more of the other criteria").
const THRESHOLD_CRITERIA: [Criterion; 6] = [
    Criterion::ClientsCounterpartsTransactions,
    Criterion::ReputationalImpact,
    Criterion::DurationAndDowntime,
    Criterion::GeographicalSpread,
    Criterion::DataLosses,
    Criterion::EconomicImpact,
];

/// Sums a per-service profile figure over the affected services; unknown unless every
/// affected service has one.
fn per_service<T: Copy>(
    services: &[String],
    table: &std::collections::BTreeMap<String, T>,
    add: impl Fn(T, T) -> Option<T>,
) -> Option<T> {
    let mut total: Option<T> = None;
    for s in services {
        let v = *table.get(&service_key(s))?;
        total = Some(match total {
            None => v,
            Some(t) => add(t, v)?,
        });
    }
    total
}

/// Fills denominators from the entity profile where no argument or connector gave them.
fn derive_from_profile(facts: &mut Facts, profile: &EntityProfile) {
    let Some(services) = facts.list("affected_services").map(<[String]>::to_vec) else {
        return;
    };
    if services.is_empty() {
        return;
    }
    let src = |table: &str| Source {
        kind: "profile",
        path: format!("{table}[{}]", services.join(" + ")),
        detail: None,
    };
    if facts.get("clients_total").is_none() {
        if let Some(n) = per_service(&services, &profile.clients_per_service, u64::checked_add) {
            facts.insert(
                "clients_total",
                FactValue::Count(n),
                src("clients_per_service"),
                false,
            );
        }
    }
    if facts.get("counterparts_total").is_none() {
        if let Some(n) = per_service(
            &services,
            &profile.counterparts_per_service,
            u64::checked_add,
        ) {
            facts.insert(
                "counterparts_total",
                FactValue::Count(n),
                src("counterparts_per_service"),
                false,
            );
        }
    }
    if facts.get("transactions_daily_average").is_none() {
        if let Some(n) = per_service(
            &services,
            &profile.daily_transactions_per_service,
            u64::checked_add,
        ) {
            facts.insert(
                "transactions_daily_average",
                FactValue::Count(n),
                src("daily_transactions_per_service"),
                false,
            );
        }
    }
    if facts.get("transaction_value_daily_average_eur").is_none() {
        if let Some(v) = per_service(
            &services,
            &profile.daily_value_per_service,
            Eur::checked_add,
        ) {
            facts.insert(
                "transaction_value_daily_average_eur",
                FactValue::Money(v),
                src("daily_value_per_service_eur"),
                false,
            );
        }
    }
}

/// Facts that contradict each other are refused: a share above 100 %, an end before its start.
fn check_consistency(facts: &Facts, classified_at: DateTime<Utc>) -> Result<(), InputError> {
    for (part, whole, what) in [
        ("clients_affected", "clients_total", "clients"),
        (
            "counterparts_affected",
            "counterparts_total",
            "financial counterparts",
        ),
    ] {
        if let (Some(p), Some(w)) = (facts.count(part), facts.count(whole)) {
            if p > w {
                return Err(InputError::new(
                    part,
                    format!(
                        "{part} ({}) is more than {whole} ({}, from {}): more {what} affected than there are is a share above 100%; correct one of them.",
                        group_digits(p),
                        group_digits(w),
                        facts.get(whole).map(|f| f.source.to_string()).unwrap_or_default()
                    ),
                ));
            }
        }
    }
    let order = [
        (
            "occurred_at",
            "detected_at",
            "the incident cannot be detected before it occurred",
        ),
        (
            "occurred_at",
            "aware_at",
            "the entity cannot become aware of the incident before it occurred",
        ),
        (
            "occurred_at",
            "resolved_at",
            "the incident cannot be resolved before it occurred",
        ),
        (
            "downtime_start",
            "downtime_end",
            "the service cannot be recovered before it became unavailable",
        ),
        (
            "detected_at",
            "resolved_at",
            "the incident cannot be resolved before it was detected",
        ),
    ];
    for (first, then, why) in order {
        if let (Some(a), Some(b)) = (facts.time(first), facts.time(then)) {
            if b < a {
                return Err(InputError::new(
                    then,
                    format!(
                        "{then} ({}) is before {first} ({}): {why}.",
                        timeutil::to_rfc3339(b),
                        timeutil::to_rfc3339(a)
                    ),
                ));
            }
        }
    }
    if let Some(d) = facts.time("detected_at") {
        if classified_at < d {
            return Err(InputError::new(
                "classified_at",
                format!(
                    "classified_at ({}) is before detected_at ({}): an incident is classified after it is detected.",
                    timeutil::to_rfc3339(classified_at),
                    timeutil::to_rfc3339(d)
                ),
            ));
        }
    }
    Ok(())
}

/// Canonical JSON of the facts: keys sorted, lists sorted, sources left out.
fn canonical_facts(facts: &Facts, profile: &EntityProfile) -> Value {
    let mut m = Map::new();
    for (name, f) in &facts.by_name {
        m.insert(
            (*name).to_string(),
            json!({"value": f.value, "estimate": f.estimate}),
        );
    }
    json!({
        "facts": Value::Object(m),
        "geographical_spread_reading": profile.geo_reading,
        "home_member_state": profile.home_member_state,
        "critical_services": sorted_keys(&profile.critical_services),
        "authorised_services": sorted_keys(&profile.authorised_services),
    })
}

fn sorted_keys(v: &[String]) -> Vec<String> {
    let mut k: Vec<String> = v.iter().map(|s| service_key(s)).collect();
    k.sort();
    k.dedup();
    k
}

pub fn inputs_hash(facts: &Facts, profile: &EntityProfile) -> String {
    // serde_json maps are ordered by key (BTreeMap), so the text is canonical.
    let text = canonical_facts(facts, profile).to_string();
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Classifies resolved facts. `classified_at` is when the classification is made (used for
/// incidents still open).
pub fn classify(
    mut facts: Facts,
    profile: &EntityProfile,
    classified_at: DateTime<Utc>,
) -> Result<Classification, InputError> {
    derive_from_profile(&mut facts, profile);
    check_consistency(&facts, classified_at)?;
    let criteria = evaluate(&facts, profile, classified_at);
    let status = |c: Criterion| {
        criteria
            .iter()
            .find(|r| r.key == c)
            .map(|r| r.status)
            .expect("every criterion is evaluated")
    };
    let access = criteria
        .iter()
        .find(|r| r.key == Criterion::DataLosses)
        .and_then(|r| r.points.iter().find(|p| p.article.ends_with("9(5)(b)")))
        .map(|p| p.status)
        .expect("Art. 9(5)(b) is a point of the data-losses criterion");
    let critical = status(Criterion::CriticalServices);
    let met: Vec<&'static str> = THRESHOLD_CRITERIA
        .iter()
        .filter(|c| status(**c) == Status::Met)
        .map(|c| c.name())
        .collect();
    let open: Vec<Criterion> = THRESHOLD_CRITERIA
        .iter()
        .copied()
        .filter(|c| status(*c) == Status::NotAssessable)
        .collect();

    // RTS 2024/1772 Art. 8(1): critical services affected AND ((a) Art. 9(5)(b) met OR
    // (b) the thresholds of two or more other criteria met).
    let (is_major, rule, rule_text) = if critical == Status::Met && access == Status::Met {
        (true, "RTS 2024/1772 Art. 8(1)(a)", "Major: critical services are affected and there was a successful, malicious, unauthorised access that may result in data losses.".to_string())
    } else if critical == Status::Met && met.len() >= 2 {
        (
            true,
            "RTS 2024/1772 Art. 8(1)(b)",
            format!(
                "Major: critical services are affected and {} threshold criteria are met ({}).",
                met.len(),
                met.join("; ")
            ),
        )
    } else if critical == Status::NotMet {
        (
            false,
            "RTS 2024/1772 Art. 8(1)",
            "Not major: no critical service is affected (Art. 6), which Art. 8(1) requires."
                .to_string(),
        )
    } else if critical == Status::NotAssessable {
        (false, "RTS 2024/1772 Art. 8(1)", "Not major on the known facts: whether critical services are affected (Art. 6) is not known.".to_string())
    } else {
        (
            false,
            "RTS 2024/1772 Art. 8(1)",
            format!(
                "Not major: critical services are affected, but {} threshold criterion(s) met ({}) where two are needed, and no malicious unauthorised access is established.",
                met.len(),
                if met.is_empty() { "none".to_string() } else { met.join("; ") }
            ),
        )
    };

    // Could what is not yet known still make it major?
    let mut could: Vec<&'static str> = Vec::new();
    let thresholds_reachable = access == Status::NotAssessable || met.len() + open.len() >= 2;
    if !is_major && critical != Status::NotMet && thresholds_reachable {
        if critical == Status::NotAssessable {
            could.push(Criterion::CriticalServices.name());
        }
        could.extend(open.iter().map(|c| c.name()));
        if access == Status::NotAssessable && !open.contains(&Criterion::DataLosses) {
            could.push(Criterion::DataLosses.name());
        }
    }
    let determinate = is_major || could.is_empty();
    let mut missing: Vec<&'static str> = criteria
        .iter()
        .flat_map(|c| c.missing.iter().copied())
        .collect();
    missing.sort_unstable();
    missing.dedup();
    let when = |n: &str| facts.time(n).map(timeutil::to_rfc3339);
    Ok(Classification {
        is_major,
        determinate,
        rule: rule.to_string(),
        rule_text,
        thresholds_met: met,
        missing,
        could_become_major_if: could,
        inputs_hash: inputs_hash(&facts, profile),
        classified_at: timeutil::to_rfc3339(classified_at),
        detected_at: when("detected_at"),
        aware_at: when("aware_at").or_else(|| when("detected_at")),
        occurred_at: when("occurred_at"),
        geographical_spread_reading: profile.geo_reading,
        countries_outside_eea: facts.outside_eea.clone(),
        partial_figures: facts.partial.clone(),
        facts: facts_table(&facts),
        criteria,
    })
}

/// The facts as `{name: {Value, Source, Estimate}}`, for the record.
fn facts_table(facts: &Facts) -> Value {
    let mut m = Map::new();
    for (name, f) in &facts.by_name {
        m.insert(
            (*name).to_string(),
            json!({"Value": f.value, "Source": f.source.to_string(), "Estimate": f.estimate}),
        );
    }
    Value::Object(m)
}
