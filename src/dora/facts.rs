//! The facts of one incident, each with the place it came from.
//!
//! Every input of the criteria is looked up, in order, in the command's arguments, in the
//! context the connectors filled (`DORA.Context.*`), and in the incident's fields. Which paths
//! are read for which input is the table `INPUTS`, not code. A fact found nowhere stays unknown:
//! it is never taken as zero or false.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::member_states::{self, Country};
use super::money::Eur;
use super::profile::count;
use crate::context::FactRecord;
use crate::input::{self, quote, InputError};
use crate::timeutil;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Time,
    /// Several instants (e.g. every intermediate report submitted).
    Times,
    Count,
    Money,
    Flag,
    Names,
    Countries,
    DataLosses,
}

/// One input of the classification and where it may be found.
#[derive(Debug, Clone, Copy)]
pub struct InputSpec {
    pub name: &'static str,
    pub kind: Kind,
    /// Context paths written by the connectors, most specific first.
    pub context: &'static [&'static str],
    /// Incident fields (CustomFields cliNames, or `occurred` / `created`).
    pub incident: &'static [&'static str],
}

const fn spec(
    name: &'static str,
    kind: Kind,
    context: &'static [&'static str],
    incident: &'static [&'static str],
) -> InputSpec {
    InputSpec {
        name,
        kind,
        context,
        incident,
    }
}

/// Every input, in the order of the criteria.
pub const INPUTS: &[InputSpec] = &[
    spec(
        "occurred_at",
        Kind::Time,
        &[],
        &["doraoccurredat", "occurred"],
    ),
    spec(
        "detected_at",
        Kind::Time,
        &[],
        &["doradetectedat", "created"],
    ),
    spec("aware_at", Kind::Time, &[], &["doraawareat"]),
    spec("first_log_at", Kind::Time, &[], &["dorafirstlogat"]),
    spec("resolved_at", Kind::Time, &[], &["doraresolvedat"]),
    spec("downtime_start", Kind::Time, &[], &["doradowntimestart"]),
    spec("downtime_end", Kind::Time, &[], &["doradowntimeend"]),
    spec(
        "affected_services",
        Kind::Names,
        &["DORA.Context.ICT.AffectedServices"],
        &["doraaffectedservices"],
    ),
    spec(
        "critical_services_affected",
        Kind::Flag,
        &["DORA.Context.ICT.CriticalServicesAffected"],
        &[],
    ),
    spec("authorised_services_affected", Kind::Flag, &[], &[]),
    spec(
        "clients_affected",
        Kind::Count,
        &["DORA.Context.Transactions.ClientsAffected"],
        &["doraclientsaffected"],
    ),
    spec(
        "clients_total",
        Kind::Count,
        &["DORA.Context.Transactions.ClientsTotal"],
        &[],
    ),
    spec(
        "counterparts_affected",
        Kind::Count,
        &["DORA.Context.Transactions.CounterpartsAffected"],
        &["doracounterpartsaffected"],
    ),
    spec(
        "counterparts_total",
        Kind::Count,
        &["DORA.Context.Transactions.CounterpartsTotal"],
        &[],
    ),
    spec(
        "transactions_affected",
        Kind::Count,
        &["DORA.Context.Transactions.TransactionsAffected"],
        &["doratransactionsaffected"],
    ),
    spec(
        "transactions_daily_average",
        Kind::Count,
        &["DORA.Context.Transactions.DailyAverageTransactions"],
        &[],
    ),
    spec(
        "transaction_value_eur",
        Kind::Money,
        &["DORA.Context.Transactions.ValueAffectedEUR"],
        &["doratransactionvalueeur"],
    ),
    spec(
        "transaction_value_daily_average_eur",
        Kind::Money,
        &["DORA.Context.Transactions.DailyAverageValueEUR"],
        &[],
    ),
    spec(
        "relevant_clients_affected",
        Kind::Flag,
        &["DORA.Context.Transactions.RelevantClientsAffected"],
        &[],
    ),
    // RTS 2024/1772 Art. 9(1)(f): the clients and counterparts affected, by name, checked against
    // the entity's list of relevant ones.
    spec(
        "affected_counterparts",
        Kind::Names,
        &["DORA.Context.Transactions.AffectedCounterparts"],
        &["doraaffectedcounterparts"],
    ),
    spec("media_coverage", Kind::Flag, &[], &["doramediacoverage"]),
    spec(
        "repetitive_complaints",
        Kind::Flag,
        &[],
        &["dorarepetitivecomplaints"],
    ),
    spec(
        "regulatory_requirements_breached",
        Kind::Flag,
        &[],
        &["doraregulatoryrequirementsbreached"],
    ),
    spec(
        "client_loss_likely",
        Kind::Flag,
        &[],
        &["doraclientlosslikely"],
    ),
    spec(
        "member_states",
        Kind::Countries,
        &["DORA.Context.Geo.MemberStates"],
        &["doramemberstates"],
    ),
    spec("data_losses", Kind::DataLosses, &[], &["doradatalosses"]),
    spec(
        "malicious_unauthorized_access",
        Kind::Flag,
        &[],
        &["doramaliciousunauthorizedaccess"],
    ),
    spec(
        "economic_impact_eur",
        Kind::Money,
        &[],
        &["doraeconomicimpacteur"],
    ),
];

pub fn input_spec(name: &str) -> Option<&'static InputSpec> {
    INPUTS.iter().find(|s| s.name == name)
}

/// Kinds of data impact of RTS 2024/1772 Art. 5.
pub const DATA_LOSS_KINDS: &[&str] = &[
    "availability",
    "authenticity",
    "integrity",
    "confidentiality",
];

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FactValue {
    Time(#[serde(serialize_with = "ser_time")] DateTime<Utc>),
    Times(#[serde(serialize_with = "ser_times")] Vec<DateTime<Utc>>),
    Count(u64),
    Money(Eur),
    Flag(bool),
    /// Names, country codes (with non-EEA ones kept apart) and data-loss kinds, sorted.
    List(Vec<String>),
}

fn ser_times<S: serde::Serializer>(t: &[DateTime<Utc>], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(t.iter().map(|t| timeutil::to_rfc3339(*t)))
}

fn ser_time<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&timeutil::to_rfc3339(*t))
}

/// Where a figure came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// `argument`, `context`, `incident`, `profile` or `derived`.
    pub kind: &'static str,
    pub path: String,
    /// What the connector said of its source (a CMDB, a SQL query), when it said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.path)?;
        if let Some(d) = &self.detail {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    pub value: FactValue,
    pub source: Source,
    pub estimate: bool,
}

/// The resolved facts, by input name.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Facts {
    pub by_name: BTreeMap<&'static str, Fact>,
    /// Countries named that are outside the EEA: recorded, never counted.
    pub outside_eea: Vec<String>,
    /// Connector figures left out because they are partial.
    pub partial: Vec<String>,
}

impl Facts {
    pub fn get(&self, name: &str) -> Option<&Fact> {
        self.by_name.get(name)
    }

    pub fn time(&self, name: &str) -> Option<DateTime<Utc>> {
        match self.get(name)?.value {
            FactValue::Time(t) => Some(t),
            _ => None,
        }
    }

    pub fn times(&self, name: &str) -> Option<&[DateTime<Utc>]> {
        match &self.get(name)?.value {
            FactValue::Times(t) => Some(t),
            _ => None,
        }
    }

    pub fn count(&self, name: &str) -> Option<u64> {
        match self.get(name)?.value {
            FactValue::Count(n) => Some(n),
            _ => None,
        }
    }

    pub fn money(&self, name: &str) -> Option<Eur> {
        match self.get(name)?.value {
            FactValue::Money(m) => Some(m),
            _ => None,
        }
    }

    pub fn flag(&self, name: &str) -> Option<bool> {
        match self.get(name)?.value {
            FactValue::Flag(b) => Some(b),
            _ => None,
        }
    }

    pub fn list(&self, name: &str) -> Option<&[String]> {
        match &self.get(name)?.value {
            FactValue::List(v) => Some(v),
            _ => None,
        }
    }

    pub fn insert(&mut self, name: &'static str, value: FactValue, source: Source, estimate: bool) {
        self.by_name.insert(
            name,
            Fact {
                value,
                source,
                estimate,
            },
        );
    }
}

/// Where to look: arguments, the incident (with its `CustomFields`), the incident's context.
pub struct Lookup<'a> {
    pub args: &'a Value,
    pub incident: &'a Value,
    pub context: &'a Value,
}

/// A value at a dotted context path. XSOAR keeps repeated outputs as lists: the last entry wins.
fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(as_text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// Parses one raw value for `spec`; errors name `label` (the argument or the path it came from).
fn parse(
    spec: &InputSpec,
    label: &str,
    raw: &Value,
    facts: &mut Facts,
) -> Result<FactValue, InputError> {
    let text = as_text(raw);
    let time = |t: &str| input::instant(label, t);
    Ok(match spec.kind {
        Kind::Time => FactValue::Time(time(&text)?),
        Kind::Times => {
            let mut all = input::split_list(&text)
                .iter()
                .map(|t| time(t))
                .collect::<Result<Vec<_>, _>>()?;
            all.sort();
            FactValue::Times(all)
        }
        Kind::Count => FactValue::Count(count(label, &text)?),
        Kind::Money => FactValue::Money(Eur::parse(label, &text)?),
        Kind::Flag => match raw {
            Value::Bool(b) => FactValue::Flag(*b),
            _ => FactValue::Flag(input::boolean(label, &text)?),
        },
        Kind::Names => FactValue::List(sorted(input::split_list(&text))),
        Kind::Countries => {
            let mut eea = Vec::new();
            for item in input::split_list(&text) {
                match member_states::country(label, &item)? {
                    Country::MemberState(c) => eea.push(c.to_string()),
                    Country::OutsideEea(c) => facts.outside_eea.push(c.to_string()),
                }
            }
            facts.outside_eea = sorted(std::mem::take(&mut facts.outside_eea));
            FactValue::List(sorted(eea))
        }
        Kind::DataLosses => {
            let mut kinds = Vec::new();
            for item in input::split_list(&text) {
                if item.eq_ignore_ascii_case("none") {
                    continue;
                }
                kinds.push(input::one_of(label, &item, DATA_LOSS_KINDS)?.to_string());
            }
            FactValue::List(sorted(kinds))
        }
    })
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// Finds and parses the inputs of the classification.
pub fn resolve(lookup: &Lookup<'_>) -> Result<Facts, InputError> {
    resolve_inputs(INPUTS, lookup)
}

/// Finds and parses every input of `specs`. Arguments win over connector context, context over incident
/// fields. `estimates` (an argument listing input names) and a connector's `Estimate: true`
/// mark figures as estimates (RTS 2024/1772 Art. 1 allows estimates from reference periods).
pub fn resolve_inputs(
    specs: &'static [InputSpec],
    lookup: &Lookup<'_>,
) -> Result<Facts, InputError> {
    let mut facts = Facts::default();
    let estimates: Vec<String> = lookup
        .args
        .get("estimates")
        .map(|v| input::split_list(&as_text(v)))
        .unwrap_or_default();
    for e in &estimates {
        if input_spec(e).is_none() {
            return Err(InputError::new(
                "estimates",
                format!("estimates must list input names such as clients_affected or economic_impact_eur; {} is not one.", quote(e)),
            ));
        }
    }
    for spec in specs {
        let from_args = lookup.args.get(spec.name).filter(|v| !is_blank(v));
        let found = if let Some(v) = from_args {
            Some((
                v.clone(),
                Source {
                    kind: "argument",
                    path: spec.name.to_string(),
                    detail: None,
                },
                false,
            ))
        } else {
            let ctx = spec.context.iter().find_map(|p| {
                let v = crate::context::at_path(lookup.context, p).filter(|v| !is_blank(v))?;
                // A partial figure is a lower bound from a source that failed in part: never
                // taken as the complete figure; the classification says it was left out.
                let figure: FactRecord = crate::context::view(v);
                if figure.partial == Some(true) {
                    facts.partial.push(format!(
                        "{p} is partial ({}): not used as the figure for {}",
                        figure.source.as_ref().map(as_text).unwrap_or_default(),
                        spec.name
                    ));
                    return None;
                }
                Some((*p, v))
            });
            if let Some((path, v)) = ctx {
                // A connector may wrap a figure as {"Value": .., "Source": .., "Estimate": ..}.
                let (value, detail, estimate) = match v {
                    Value::Object(o) if o.contains_key("Value") => {
                        let figure: FactRecord = crate::context::view(v);
                        (
                            o["Value"].clone(),
                            figure.source.as_ref().map(as_text),
                            figure.is_estimate(),
                        )
                    }
                    other => (other.clone(), None, false),
                };
                Some((
                    value,
                    Source {
                        kind: "context",
                        path: path.to_string(),
                        detail,
                    },
                    estimate,
                ))
            } else {
                spec.incident.iter().find_map(|f| {
                    let custom = lookup.incident.get("CustomFields").and_then(|c| c.get(*f));
                    custom
                        .or_else(|| lookup.incident.get(*f))
                        .filter(|v| !is_blank(v) && !is_unset_time(v))
                        .map(|v| {
                            (
                                v.clone(),
                                Source {
                                    kind: "incident",
                                    path: f.to_string(),
                                    detail: None,
                                },
                                false,
                            )
                        })
                })
            }
        };
        if let Some((raw, source, estimate)) = found {
            let label = if source.kind == "argument" {
                spec.name.to_string()
            } else {
                source.path.clone()
            };
            let value = parse(spec, &label, &raw, &mut facts)?;
            let estimate = estimate || estimates.iter().any(|e| e == spec.name);
            facts.insert(spec.name, value, source, estimate);
        }
    }
    Ok(facts)
}

/// XSOAR fills empty date fields with `0001-01-01T00:00:00Z`.
fn is_unset_time(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.starts_with("0001-01-01"))
}

#[cfg(test)]
#[path = "facts_tests.rs"]
mod tests;
