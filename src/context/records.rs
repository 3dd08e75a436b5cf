//! What DORA Bridge wrote to the incident context, as one module reads it back for another:
//! the classification (`DORA.Classification`), the decision in force (`DORA.Deadlines.Decision`),
//! the ICT and geographical context (`DORA.Context.ICT`, `DORA.Context.Geo`), the threat
//! assessment (`DORA.CyberThreat`) and the evidence chain's entries (`DORA.Audit`).
//!
//! The writers keep their own structs (with `&'static str` names and computed fields); these are
//! the read side, in the same PascalCase. Every key is optional (`#[serde(default)]`): entries
//! written by an older version lack some, and unknown keys are tolerated. A key of the wrong
//! shape reads as absent instead of failing the whole record, as the key-by-key reads it
//! replaces did, so one edited key in context never hides the rest.

use std::collections::BTreeMap;

use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::Value;

/// Any value as a `T`, or `None` when it has another shape (`serde_with`'s `DefaultOnError`
/// does the same; three lines spare a dependency).
pub(crate) fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Ok(T::deserialize(Value::deserialize(d)?).ok())
}

/// A flag as XSOAR may have kept it: a boolean, or the text `true`/`false`.
pub(crate) fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => Some(b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    })
}

/// The texts of a list (other items left out); `None` when it is not a list.
pub(crate) fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => Some(
            items
                .into_iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    })
}

pub(crate) fn texts_or_none<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    texts(d).map(Option::unwrap_or_default)
}

/// The items of a list, each read on its own; nothing when it is not a list.
fn items<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items.iter().map(super::view).collect(),
        _ => Vec::new(),
    })
}

/// One figure behind the classification (`Facts.<name>`), or a connector's figure in context:
/// `{Value, Source, Estimate, Partial}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct FactRecord {
    /// `None` when absent or `null`: not known.
    pub value: Option<Value>,
    /// As written (a text for DORA Bridge's own figures).
    pub source: Option<Value>,
    #[serde(deserialize_with = "lenient")]
    pub estimate: Option<bool>,
    /// A connector that answered only in part: the figure is a lower bound.
    #[serde(deserialize_with = "lenient")]
    pub partial: Option<bool>,
}

impl FactRecord {
    pub fn is_estimate(&self) -> bool {
        self.estimate == Some(true)
    }
}

/// One criterion of the classification (`Criteria[]`, RTS 2024/1772 Arts. 1-8).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CriterionRecord {
    #[serde(deserialize_with = "lenient")]
    pub key: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub met: Option<bool>,
    #[serde(deserialize_with = "lenient")]
    pub evidence: Option<String>,
}

impl CriterionRecord {
    pub fn is_met(&self) -> bool {
        self.met == Some(true)
    }
}

/// A classification as `!dora-classify` wrote it (`DORA.Classification`,
/// [`crate::dora::classify::Classification`]).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ClassificationRecord {
    #[serde(deserialize_with = "flag")]
    pub is_major: Option<bool>,
    /// Older entries lack it; they were conclusive only when major.
    #[serde(deserialize_with = "flag")]
    pub determinate: Option<bool>,
    #[serde(deserialize_with = "lenient")]
    pub rule: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub rule_text: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub inputs_hash: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub classified_at: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub detected_at: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub aware_at: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub occurred_at: Option<String>,
    /// `None` when absent: the chain records it as `null` then, not as an empty list.
    #[serde(deserialize_with = "texts")]
    pub thresholds_met: Option<Vec<String>>,
    #[serde(deserialize_with = "texts_or_none")]
    pub missing: Vec<String>,
    #[serde(deserialize_with = "items")]
    pub criteria: Vec<CriterionRecord>,
    #[serde(deserialize_with = "table")]
    pub facts: BTreeMap<String, FactRecord>,
}

fn table<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, FactRecord>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), super::view(v))).collect(),
        _ => BTreeMap::new(),
    })
}

impl ClassificationRecord {
    /// The value of the fact `name`, when it is known.
    pub fn fact(&self, name: &str) -> Option<&Value> {
        self.facts.get(name)?.value.as_ref()
    }

    /// The criterion with `key` (`economic-impact`...).
    pub fn criterion(&self, key: &str) -> Option<&CriterionRecord> {
        self.criteria.iter().find(|c| c.key.as_deref() == Some(key))
    }
}

/// The decision in force, as the clock wrote it (`DORA.Deadlines.Decision`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DecisionRecord {
    /// `major`, `not-major` or `pending`.
    #[serde(deserialize_with = "lenient")]
    pub state: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub decided_by: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub decided_at: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub system_verdict: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub reason: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub major_since: Option<String>,
    #[serde(deserialize_with = "texts_or_none")]
    pub missing_facts: Vec<String>,
}

/// Present (even `null`) reads as a record, absent as `None`: a report the clock lists counts.
fn present<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Ok(Some(super::view(&Value::deserialize(d)?)))
}

/// An object reads as a record; anything else as `None`.
fn object<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
    d: D,
) -> Result<Option<T>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(v.is_object().then(|| super::view(&v)))
}

/// One report's time limit as the clock wrote it ([`crate::dora::clock::Deadline`], at
/// `DORA.Deadlines.InitialNotification`...).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ReportDueRecord {
    /// `on-time`, `due-soon`, `overdue`, `submitted`, `submitted-late`, `not-required`, `pending`.
    #[serde(deserialize_with = "lenient")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub due: Option<String>,
    /// The due time in the member state's local time.
    #[serde(deserialize_with = "lenient")]
    pub due_local: Option<String>,
    /// The time limit before any weekend or holiday relief (RTS 2025/301 Art. 5(5)).
    #[serde(deserialize_with = "lenient")]
    pub base_due: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub relief_applied: Option<bool>,
    #[serde(deserialize_with = "lenient")]
    pub rule: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub time_left: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub submitted_at: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub inform_authority_by: Option<String>,
    #[serde(deserialize_with = "texts_or_none")]
    pub notes: Vec<String>,
    /// The incident's SLA timer field that follows this report.
    #[serde(deserialize_with = "lenient")]
    pub timer_field: Option<String>,
}

/// The deadlines as the clock wrote them (`DORA.Deadlines`, RTS 2025/301 Art. 5).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeadlinesRecord {
    #[serde(deserialize_with = "lenient")]
    pub computed_at: Option<String>,
    /// The member state whose calendar and time zone the clock used.
    #[serde(deserialize_with = "lenient")]
    pub member_state: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub time_zone: Option<String>,
    #[serde(deserialize_with = "object")]
    pub decision: Option<DecisionRecord>,
    #[serde(deserialize_with = "present")]
    pub initial_notification: Option<ReportDueRecord>,
    #[serde(deserialize_with = "present")]
    pub intermediate_report: Option<ReportDueRecord>,
    #[serde(deserialize_with = "present")]
    pub final_report: Option<ReportDueRecord>,
}

/// A problem of a draft's verdict (`DORA.Report.Problems[]`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ProblemRecord {
    #[serde(deserialize_with = "lenient")]
    pub field: Option<String>,
}

/// A mandatory field a draft lacks (`DORA.Report.Missing[]`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GapRecord {
    #[serde(deserialize_with = "lenient")]
    pub id: Option<String>,
}

/// A report draft as `!dora-report-draft` wrote it (`DORA.Report`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DraftRecord {
    #[serde(deserialize_with = "lenient")]
    pub r#type: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub content_hash: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub complete: Option<bool>,
    #[serde(deserialize_with = "items")]
    pub problems: Vec<ProblemRecord>,
    #[serde(deserialize_with = "items")]
    pub missing: Vec<GapRecord>,
    #[serde(deserialize_with = "lenient")]
    pub generated_at: Option<String>,
}

/// A decision on a classification or a draft (`DORA.Approval`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ApprovalRecord {
    #[serde(deserialize_with = "lenient")]
    pub at: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub approver: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub role: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub decision: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub subject: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub content_hash: Option<String>,
}

/// An ICT third-party provider the ICT context found (`DORA.Context.ICT.Providers[]`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ProviderRecord {
    #[serde(deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub code: Option<String>,
    #[serde(deserialize_with = "texts_or_none")]
    pub services: Vec<String>,
    #[serde(deserialize_with = "lenient")]
    pub source: Option<String>,
}

/// A country an ICT provider works from (`DORA.Context.ICT.Countries[]`), which the geographical
/// scope counts unless it is the entity's own (`ThirdParty: false`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IctCountryRecord {
    #[serde(deserialize_with = "lenient")]
    pub country: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub reason: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub third_party: Option<bool>,
}

/// Why a country is in the geographical scope (`DORA.Context.Geo.Reasons[]`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GeoReasonRecord {
    #[serde(deserialize_with = "lenient")]
    pub country: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub impact_type: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub reason: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub source: Option<String>,
}

/// One condition of the Art. 18(2) threat assessment (`DORA.CyberThreat.Conditions[]`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ThreatConditionRecord {
    #[serde(deserialize_with = "lenient")]
    pub article: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub justification: Option<String>,
}

/// An entry of the evidence chain as it stands in context (`DORA.Audit[]`), read without
/// verifying it ([`crate::audit::chain_from_json`] is the strict reader).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AuditRecord {
    #[serde(deserialize_with = "lenient")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub at: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub actor: Option<String>,
    /// Read with [`super::view`] as the details of its kind.
    pub details: Value,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{read, read_all, view};
    use serde_json::json;

    #[test]
    fn a_classification_reads_back_typed_and_tolerates_old_and_edited_keys() {
        let ctx = json!({"DORA": {"Classification": [
            {"IsMajor": true},
            {"IsMajor": "false", "Determinate": 3, "InputsHash": "h", "Unknown": 1,
             "ThresholdsMet": ["a", 2, "b"], "Criteria": [{"Key": "economic-impact", "Met": true,
             "Evidence": "EUR 120 000"}, "junk"], "Facts": {"clients_affected": {"Value": 12,
             "Estimate": true}, "resolved_at": {"Value": null}, "x": 5}}]}});
        let c: ClassificationRecord = read(&ctx, "DORA.Classification").unwrap();
        assert_eq!(c.is_major, Some(false));
        assert_eq!(c.determinate, None);
        assert_eq!(c.inputs_hash.as_deref(), Some("h"));
        assert_eq!(
            c.thresholds_met,
            Some(vec!["a".to_string(), "b".to_string()])
        );
        assert!(c.missing.is_empty());
        assert_eq!(c.criteria.len(), 2);
        assert!(c.criterion("economic-impact").unwrap().is_met());
        assert_eq!(c.fact("clients_affected"), Some(&json!(12)));
        assert!(c.facts["clients_affected"].is_estimate());
        assert_eq!(c.fact("resolved_at"), None);
        assert_eq!(c.fact("x"), None);
        let all: Vec<ClassificationRecord> = read_all(&ctx, "DORA.Classification");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].is_major, Some(true));
        assert_eq!(all[0].thresholds_met, None);
        let not_an_object: ClassificationRecord = view(&json!("text"));
        assert_eq!(not_an_object, ClassificationRecord::default());
    }

    /// What the geographical and threat connectors write reads back through the records the
    /// report's prefill uses: a renamed output key fails here, not silently in the draft.
    #[test]
    fn the_connectors_records_read_back() {
        use crate::connectors::geo::{ImpactType, Reason};
        use crate::dora::criteria::Status;
        use crate::dora::threat::ThreatCondition;
        let reason = Reason {
            country: "AT".into(),
            impact_type: ImpactType::Clients,
            reason: "1 240 clients".into(),
            source: "CMDB".into(),
        };
        let r: GeoReasonRecord = view(&serde_json::to_value(&reason).unwrap());
        assert_eq!(r.country.as_deref(), Some("AT"));
        assert_eq!(r.impact_type.as_deref(), Some("clients"));
        assert_eq!(r.reason.as_deref(), Some("1 240 clients"));
        assert_eq!(r.source.as_deref(), Some("CMDB"));
        let condition = ThreatCondition {
            article: "RTS 2024/1772 Art. 10(a)",
            status: Status::Met,
            justification: "critical services could be affected".into(),
            evidence: Vec::new(),
        };
        let c: ThreatConditionRecord = view(&serde_json::to_value(&condition).unwrap());
        assert_eq!(c.article.as_deref(), Some("RTS 2024/1772 Art. 10(a)"));
        assert_eq!(c.status.as_deref(), Some("met"));
        assert_eq!(
            c.justification.as_deref(),
            Some("critical services could be affected")
        );
    }
}
