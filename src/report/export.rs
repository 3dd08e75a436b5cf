//! The forms a draft leaves in besides the DORA_IR JSON document: a CSV of field number, name,
//! value and source, and Markdown, both with the draft's verdict.

use serde_json::Value;

use super::draft::{Draft, DraftField};
use super::labels::with_label;

fn cell(v: &Option<Value>) -> String {
    match v {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// A cell a spreadsheet would run as a formula (`=HYPERLINK(…)`, `+cmd|' /C calc'!A0`) starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return: such a cell is written with a leading
/// `'`, which spreadsheets show as text (OWASP, "CSV Injection").
fn neutralised(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// One row per field: number, name, value, source, mandatory, missing.
pub fn csv(draft: &Draft) -> String {
    // Quoting is the csv crate's (RFC 4180, CRLF line ends); the cells are neutralised first.
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    let header = [
        "field",
        "name",
        "value",
        "source",
        "mandatory",
        "missing",
        "problem",
    ];
    // Writing to memory cannot fail: the unwraps below hold.
    w.write_record(header).expect("writing CSV to memory");
    for f in &draft.fields {
        let row = [
            f.id.clone(),
            f.name.clone(),
            cell(&f.value),
            f.source.clone().unwrap_or_default(),
            yes_no(f.mandatory),
            yes_no(f.missing),
            f.problem.clone().unwrap_or_default(),
        ];
        w.write_record(row.iter().map(|c| neutralised(c)))
            .expect("writing CSV to memory");
    }
    let bytes = w.into_inner().expect("writing CSV to memory");
    String::from_utf8(bytes).expect("the cells are UTF-8 text")
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

/// The value of a field as a reader sees it: codes with their label, lists joined.
pub fn shown(f: &DraftField) -> String {
    fn text(v: &Value, codes: bool) -> String {
        match v {
            Value::String(s) if codes => with_label(s),
            Value::String(s) => s.clone(),
            Value::Array(items) => items
                .iter()
                .map(|i| text(i, codes))
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }
    let codes = f.kind.starts_with("enum") || f.kind == "criteria" || f.kind == "submission_type";
    f.value.as_ref().map(|v| text(v, codes)).unwrap_or_default()
}

/// The verdict in one sentence, the same in Markdown and HTML.
pub fn verdict_line(draft: &Draft) -> String {
    let (annex, form) = if draft.r#type == super::mapping::CYBER_THREAT {
        ("ITS 2025/302 Annex IV", "the DORA_CYB schema")
    } else {
        ("ITS 2025/302 Annex II", "the DORA_IR schema")
    };
    let schema = draft
        .validation
        .as_ref()
        .map(|v| v.schema.clone())
        .unwrap_or_else(|| form.into());
    if draft.complete {
        format!("Complete: every field {annex} makes mandatory is filled, the document validates against {schema}, and the template's rules hold.")
    } else {
        format!(
            "Incomplete: {} problem(s) to fix before it can be approved and submitted.",
            draft.problems.len()
        )
    }
}

/// A readable rendering for the war room: the verdict, each problem, then every field.
pub fn markdown(draft: &Draft) -> String {
    let mut out = format!("## DORA {} — draft\n\n", title(draft));
    out.push_str(&format!(
        "Generated {} · content hash `{}` · mapping {}\n\n",
        draft.generated_at, draft.content_hash, draft.mapping_version
    ));
    if let Some(c) = &draft.conversion {
        out.push_str(&format!(
            "Amounts in {}: euro amounts converted at {} {} per euro ({}).\n\n",
            c.currency,
            c.rate_per_eur,
            c.currency,
            md_escape(&c.source)
        ));
    }
    out.push_str(&format!("**{}**\n\n", verdict_line(draft)));
    if !draft.problems.is_empty() {
        out.push_str("| Field | Name | Filled by | Why | Check |\n|---|---|---|---|---|\n");
        for p in &draft.problems {
            out.push_str(&format!(
                "| {} | {} | `{}` | {} | {} |\n",
                p.field,
                md_escape(&p.name),
                md_escape(&p.key),
                md_escape(&p.why),
                serde_json::to_value(p.check)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
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
            md_escape(&shown(f))
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
