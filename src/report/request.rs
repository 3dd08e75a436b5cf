//! One `dora-report-draft`: build the draft from the incident, judge it (Annex II, the DORA_IR
//! schema, the template's rules), render it in the asked form, and record it in the evidence
//! chain.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use super::approval::record_draft;
use super::currency::Conversion;
use super::draft::{build, lookup, Draft, Sources};
use super::entries::{details, DecisionEntry};
use super::evidence::Evidence;
use super::export::{csv, markdown};
use super::gate::authority_reference;
use super::html::{render, timeline_from, HtmlView};
use super::mapping::Mapping;
use super::schema::Validation;
use super::verdict::{judge, Checks};
use crate::audit::{chain_from_json, Entry, HeadRecord, KeyRing};
use crate::input::{self, InputError};

pub const FORMATS: &[&str] = &["json", "csv", "markdown", "html"];
/// The cyber-threat notification has no reporting clock, so no HTML page with one.
pub const CYBER_THREAT_FORMATS: &[&str] = &["json", "csv", "markdown"];

pub struct DraftRequest<'a> {
    pub kind: &'a str,
    pub format: &'a str,
    pub mapping: &'a Mapping,
    /// The DORA_IR JSON Schema the instance selected.
    pub schema: Option<&'a Value>,
    pub profile: &'a Value,
    pub incident: &'a Value,
    pub context: &'a Value,
    pub now: DateTime<Utc>,
    /// The chain's keys; required in an incident, where the draft is recorded.
    pub keys: Option<&'a KeyRing>,
    /// The chain's head recorded outside the incident.
    pub head: Option<HeadRecord>,
    /// Units of the reporting currency per euro, and where the rate comes from.
    pub exchange_rate: Option<&'a str>,
    pub exchange_rate_source: Option<&'a str>,
    /// The reporting clock computed now, for the HTML page (never the `DORA.Deadlines` kept in
    /// context, which may be days old).
    pub deadlines: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DraftOutput {
    pub draft: Draft,
    pub format: String,
    pub file_name: String,
    /// The export; for JSON, only when it validates.
    pub rendered: Option<String>,
    pub validation: Option<Validation>,
    /// The evidence-chain entry recording this draft (none when the same draft is already there).
    pub audit_entry: Option<Entry>,
    /// The chain's head after this command, to record outside the incident.
    pub head: Option<HeadRecord>,
}

/// The newest `DORA.<name>` object in context.
pub fn newest<'a>(context: &'a Value, name: &str) -> Option<&'a Value> {
    crate::context::newest_at(context, &format!("DORA.{name}"))
}

pub fn chain_in(context: &Value) -> Result<Vec<Entry>, InputError> {
    chain_from_json(crate::context::at_path(context, "DORA.Audit").unwrap_or(&Value::Null)).map_err(
        |e| {
            InputError::new(
                "audit",
                format!(
                    "The evidence chain in context (DORA.Audit) cannot be read: {}",
                    e.message
                ),
            )
        },
    )
}

/// The incident's id as the chain binds it.
pub fn incident_id(incident: &Value) -> String {
    lookup(incident, "id")
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
        })
        .unwrap_or_default()
}

fn approvals_for(chain: &[Entry], subject: &str) -> Vec<Value> {
    chain
        .iter()
        .filter(|e| e.kind == "approval" || e.kind == "rejection")
        .map(|e| (e, details::<DecisionEntry>(e)))
        .filter(|(_, d)| d.subject.as_deref() == Some(subject))
        .map(|(e, d)| {
            json!({
                "Approver": e.actor, "Role": d.role, "Decision": d.decision, "At": e.at,
                "ContentHash": d.content_hash, "Comment": d.comment,
            })
        })
        .collect()
}

pub fn draft_report(req: &DraftRequest<'_>) -> Result<DraftOutput, InputError> {
    let cyber = req.kind == super::mapping::CYBER_THREAT;
    let format = input::one_of(
        "format",
        req.format,
        if cyber { CYBER_THREAT_FORMATS } else { FORMATS },
    )?;
    let id = incident_id(req.incident);
    // Outside an incident (the playground) a draft is shown, not recorded: it has no chain.
    let mut ev = if id.is_empty() {
        None
    } else {
        let keys = req.keys.ok_or_else(KeyRing::missing)?;
        let ev = Evidence::new(&id, keys, chain_in(req.context)?, req.head.clone())?;
        ev.verified()?;
        Some(ev)
    };
    let chain: Vec<Entry> = ev.as_ref().map(|e| e.chain.clone()).unwrap_or_default();
    let null = Value::Null;
    let classification = newest(req.context, "Classification").unwrap_or(&null);
    let sources = Sources {
        context: req.context,
        incident: req.incident,
        classification,
        profile: req.profile,
    };
    // The reporting currency is the draft's field 1.15 (a context value, else the profile's).
    let mut draft = build(req.mapping, req.kind, &sources, req.now, None);
    let currency = draft
        .fields
        .iter()
        .find(|f| f.id == "1.15")
        .and_then(|f| f.value.as_ref())
        .and_then(Value::as_str)
        .unwrap_or("EUR")
        .to_string();
    let currency = currency.as_str();
    let conversion = Conversion::new(currency, req.exchange_rate, req.exchange_rate_source)?;
    if conversion.is_some() {
        draft = build(
            req.mapping,
            req.kind,
            &sources,
            req.now,
            conversion.as_ref(),
        );
    }
    if currency != "EUR" && conversion.is_none() {
        let amounts: Vec<&str> = draft
            .fields
            .iter()
            .filter(|f| f.kind == "money" && f.value.is_some())
            .map(|f| f.id.as_str())
            .collect();
        if !amounts.is_empty() {
            return Err(InputError::new(
                "exchange_rate",
                format!(
                    "The report is in {currency} (field 1.15, from the instance parameter report_currency or DORA.IncidentReport.ReportCurrency), but DORA Bridge holds amounts in euro (fields {}): give exchange_rate (units of {currency} for one euro) and exchange_rate_source (where the rate comes from), or report in EUR. Nothing was drafted.",
                    amounts.join(", ")
                ),
            ));
        }
    }
    let reference = authority_reference(&chain);
    judge(
        &mut draft,
        req.mapping,
        &Checks {
            schema: req.schema,
            authority_reference: reference.as_deref(),
        },
    );
    let rendered = match format {
        "json" => {
            if req.schema.is_none() {
                let (name, parameter) = (&req.mapping.schema_name, &req.mapping.schema_parameter);
                return Err(InputError::new(
                    parameter,
                    format!("A JSON export is checked against the {name} your authority publishes: paste it into the instance parameter {parameter}, then draft again."),
                ));
            }
            draft.validation.as_ref().is_some_and(|v| v.valid).then(|| {
                serde_json::to_string_pretty(&draft.document).expect("a JSON value serialises")
            })
        }
        "csv" => Some(csv(&draft)),
        "markdown" => Some(markdown(&draft)),
        _ => {
            let deadlines = req.deadlines.as_ref();
            let view = HtmlView {
                draft: &draft,
                entity_name: req.profile.get("name").and_then(Value::as_str),
                deadlines,
                timeline: timeline_from(Some(classification).filter(|c| !c.is_null()), deadlines),
                approvals: approvals_for(&chain, req.kind),
                now: req.now,
            };
            Some(render(&view))
        }
    };
    let ext = if format == "markdown" { "md" } else { format };
    let reference = if id.is_empty() {
        "incident".to_string()
    } else {
        id.clone()
    };
    let file_name = format!(
        "DORA_{}_{}_{}.{ext}",
        draft.submission_type,
        reference,
        req.now.format("%Y%m%dT%H%M%SZ")
    );
    let audit_entry = match ev.as_mut() {
        Some(ev) => record_draft(ev, &draft, format, req.now)?,
        None => None,
    };
    Ok(DraftOutput {
        validation: draft.validation.clone(),
        draft,
        format: format.to_string(),
        file_name,
        rendered,
        audit_entry,
        head: ev.and_then(|e| e.head()),
    })
}
