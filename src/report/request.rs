//! One `dora-report-draft`: build the draft from the incident, render it in the asked form,
//! check a JSON export against the selected schema, and record the draft in the evidence chain.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use super::approval::record_draft;
use super::draft::{build, lookup, Draft, Sources};
use super::export::{csv, markdown, validate, Validation};
use super::html::{render, timeline_from, HtmlView};
use super::mapping::Mapping;
use crate::audit::{chain_from_json, Entry};
use crate::input::{self, InputError};

pub const FORMATS: &[&str] = &["json", "csv", "markdown", "html"];

pub struct DraftRequest<'a> {
    pub kind: &'a str,
    pub format: &'a str,
    pub mapping: &'a Mapping,
    /// The DORA_IR JSON Schema the instance selected, for JSON exports.
    pub schema: Option<&'a Value>,
    pub profile: &'a Value,
    pub incident: &'a Value,
    pub context: &'a Value,
    pub now: DateTime<Utc>,
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
}

/// The newest `DORA.<name>` object in context.
pub fn newest<'a>(context: &'a Value, name: &str) -> Option<&'a Value> {
    let v = context.get("DORA")?.get(name)?;
    match v {
        Value::Array(a) => a.last(),
        other => Some(other),
    }
}

pub fn chain_in(context: &Value) -> Result<Vec<Entry>, InputError> {
    chain_from_json(
        context
            .get("DORA")
            .and_then(|d| d.get("Audit"))
            .unwrap_or(&Value::Null),
    )
    .map_err(|e| {
        InputError::new(
            "audit",
            format!(
                "The evidence chain in context (DORA.Audit) cannot be read: {}",
                e.message
            ),
        )
    })
}

fn approvals_for(chain: &[Entry], subject: &str) -> Vec<Value> {
    chain
        .iter()
        .filter(|e| (e.kind == "approval" || e.kind == "rejection") && e.details.get("Subject").and_then(Value::as_str) == Some(subject))
        .map(|e| {
            json!({
                "Approver": e.actor, "Role": e.details.get("Role"), "Decision": e.details.get("Decision"), "At": e.at,
                "ContentHash": e.details.get("ContentHash"), "Comment": e.details.get("Comment"),
            })
        })
        .collect()
}

pub fn draft_report(req: &DraftRequest<'_>) -> Result<DraftOutput, InputError> {
    let format = input::one_of("format", req.format, FORMATS)?;
    let chain = chain_in(req.context)?;
    let null = Value::Null;
    let classification = newest(req.context, "Classification").unwrap_or(&null);
    let sources = Sources {
        context: req.context,
        incident: req.incident,
        classification,
        profile: req.profile,
    };
    let draft = build(req.mapping, req.kind, &sources, req.now);
    let mut validation = None;
    let rendered = match format {
        "json" => {
            let schema = req.schema.ok_or_else(|| {
                InputError::new(
                    "report_schema",
                    "A JSON export is checked against the DORA_IR JSON Schema your authority publishes: paste it into the instance parameter report_schema (and select its version), then draft again.",
                )
            })?;
            let v = validate(&draft.document, schema, req.mapping).map_err(|e| {
                InputError::new(
                    "report_schema",
                    format!("report_schema cannot be used: {e}."),
                )
            })?;
            let ok = v.valid;
            validation = Some(v);
            ok.then(|| {
                serde_json::to_string_pretty(&draft.document).expect("a JSON value serialises")
            })
        }
        "csv" => Some(csv(&draft)),
        "markdown" => Some(markdown(&draft)),
        _ => {
            let deadlines = newest(req.context, "Deadlines");
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
    let reference = lookup(req.incident, "id")
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
        })
        .unwrap_or_else(|| "incident".into());
    let file_name = format!(
        "DORA_{}_{}_{}.{ext}",
        draft.submission_type,
        reference,
        req.now.format("%Y%m%dT%H%M%SZ")
    );
    let audit_entry = record_draft(&chain, &draft, format, req.now)?;
    Ok(DraftOutput {
        draft,
        format: format.to_string(),
        file_name,
        rendered,
        validation,
        audit_entry,
    })
}
