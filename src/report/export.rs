//! The forms a draft leaves in: the DORA_IR JSON document (checked against the schema the
//! instance selected), a CSV of field number, name, value and source, and Markdown.

use serde::Serialize;
use serde_json::Value;

use super::draft::Draft;
use super::mapping::Mapping;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SchemaError {
    /// JSON pointer in the document.
    pub path: String,
    /// The template field at that place, when one is.
    pub field: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Validation {
    /// The schema's `$id`, e.g. `IR-1.3.0`.
    pub schema: String,
    pub valid: bool,
    pub errors: Vec<SchemaError>,
}

/// Validates `document` against a DORA_IR JSON Schema (draft 2020-12, formats checked).
pub fn validate(document: &Value, schema: &Value, mapping: &Mapping) -> Result<Validation, String> {
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| format!("the schema itself is not a valid JSON Schema: {e}"))?;
    let errors: Vec<SchemaError> = validator
        .iter_errors(document)
        .map(|e| {
            let path = e.instance_path().to_string();
            SchemaError {
                field: field_at(&path, document, mapping),
                message: e.to_string(),
                path,
            }
        })
        .collect();
    Ok(Validation {
        schema: schema
            .get("$id")
            .and_then(Value::as_str)
            .unwrap_or("unnamed schema")
            .to_string(),
        valid: errors.is_empty(),
        errors,
    })
}

/// Which template field a JSON pointer falls in: the longest mapping path that prefixes it.
fn field_at(pointer: &str, document: &Value, mapping: &Mapping) -> Option<String> {
    let parts: Vec<&str> = pointer.split('/').filter(|p| !p.is_empty()).collect();
    let mut logical = Vec::new();
    let mut cur = document;
    for p in &parts {
        if let Value::Array(items) = cur {
            let i: usize = p.parse().ok()?;
            let el = items.get(i)?;
            if !el.is_object() {
                break;
            }
            let last = logical.pop().unwrap_or_default();
            match el.get("classificationCriterion").and_then(Value::as_str) {
                Some(c) => logical.push(format!("{last}[{c}]")),
                None => logical.push(format!("{last}[]")),
            }
            cur = el;
        } else {
            logical.push((*p).to_string());
            cur = cur.get(*p)?;
        }
    }
    let path = logical.join(".");
    mapping
        .fields
        .iter()
        .filter(|f| {
            path == f.json
                || path.starts_with(&format!("{}.", f.json))
                || f.json.starts_with(&path) && !path.is_empty()
        })
        .max_by_key(|f| {
            if f.json.starts_with(&path) {
                0
            } else {
                f.json.len()
            }
        })
        .map(|f| f.id.clone())
}

fn cell(v: &Option<Value>) -> String {
    match v {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn csv_quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One row per field: number, name, value, source, mandatory, missing.
pub fn csv(draft: &Draft) -> String {
    let mut out = String::from("field,name,value,source,mandatory,missing,problem\r\n");
    for f in &draft.fields {
        let row = [
            f.id.clone(),
            f.name.clone(),
            cell(&f.value),
            f.source.clone().unwrap_or_default(),
            if f.mandatory {
                "yes".into()
            } else {
                "no".into()
            },
            if f.missing { "yes".into() } else { "no".into() },
            f.problem.clone().unwrap_or_default(),
        ];
        out.push_str(
            &row.iter()
                .map(|c| csv_quote(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', "<br>")
}

pub fn title(draft: &Draft) -> &'static str {
    match draft.r#type.as_str() {
        "initial" => "Initial notification",
        "intermediate" => "Intermediate report",
        "final" => "Final report",
        _ => "Reclassification as non-major",
    }
}

/// A readable rendering for the war room: status, what is missing, then every field.
pub fn markdown(draft: &Draft) -> String {
    let mut out = format!("## DORA {} — draft\n\n", title(draft));
    out.push_str(&format!(
        "Generated {} · content hash `{}` · mapping {}\n\n",
        draft.generated_at, draft.content_hash, draft.mapping_version
    ));
    if draft.complete {
        out.push_str("**Complete:** every mandatory field is filled.\n\n");
    } else {
        out.push_str(&format!(
            "**Incomplete:** {} mandatory field(s) missing",
            draft.missing.len()
        ));
        if !draft.problems.is_empty() {
            out.push_str(&format!(", {} value(s) refused", draft.problems.len()));
        }
        out.push_str(".\n\n");
        for g in &draft.missing {
            out.push_str(&format!(
                "- missing {} {} (`DORA.IncidentReport.{}`)\n",
                g.id, g.name, g.key
            ));
        }
        for p in &draft.problems {
            out.push_str(&format!(
                "- {}\n",
                p.get("Problem").and_then(Value::as_str).unwrap_or("")
            ));
        }
        out.push('\n');
    }
    out.push_str("| Field | Name | Value | Source | Mandatory |\n|---|---|---|---|---|\n");
    for f in &draft.fields {
        let value = if f.missing {
            if f.mandatory {
                "**missing**".to_string()
            } else {
                String::new()
            }
        } else {
            md_escape(&cell(&f.value))
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            f.id,
            md_escape(&f.name),
            value,
            md_escape(f.source.as_deref().unwrap_or("")),
            if f.mandatory { "yes" } else { "" }
        ));
    }
    out
}
