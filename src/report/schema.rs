//! Validating a draft against the DORA_IR JSON Schema the instance selected, the way the
//! schema's authors mean it.
//!
//! The IR schemas declare draft 2020-12 but put their per-report-type requirements under the
//! draft-07 keyword `dependencies`, which a strict 2020-12 validator ignores: a final report
//! without field 4.9 then "validates" against IR-1.2.1. The schema is read with `dependencies`
//! split into `dependentSchemas` (a schema value) and `dependentRequired` (a list of names),
//! which is what `dependencies` meant in draft 07.
//!
//! Every error is reported on its own, at the template field it concerns, with a sentence that
//! never quotes the document: a `oneOf` that fails (the per-type requirements are one branch
//! per submission type) is opened at the branch the document selects.

use serde::Serialize;
use serde_json::{Map, Value};

use jsonschema::error::ValidationErrorKind;
use jsonschema::ValidationError;

use super::mapping::Mapping;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SchemaError {
    /// JSON pointer in the document of the value concerned (for a missing value, where it goes).
    pub path: String,
    /// The template field at that place, when one is.
    pub field: Option<String>,
    /// One sentence, without the document's values.
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

/// The schema with every draft-07 `dependencies` rewritten as `dependentSchemas` /
/// `dependentRequired`, at any depth. A schema that already uses the 2020-12 keywords keeps them.
pub fn with_dependencies_applied(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                if k == "dependencies" {
                    if let Value::Object(deps) = v {
                        let (mut schemas, mut required) = (Map::new(), Map::new());
                        for (name, dep) in deps {
                            if dep.is_array() {
                                required.insert(name.clone(), dep.clone());
                            } else {
                                schemas.insert(name.clone(), with_dependencies_applied(dep));
                            }
                        }
                        for (key, add) in [
                            ("dependentSchemas", schemas),
                            ("dependentRequired", required),
                        ] {
                            if add.is_empty() {
                                continue;
                            }
                            let slot = out.entry(key).or_insert_with(|| Value::Object(Map::new()));
                            if let Value::Object(m) = slot {
                                m.extend(add);
                            }
                        }
                        continue;
                    }
                }
                let v = with_dependencies_applied(v);
                match (k.as_str(), out.get_mut(k)) {
                    ("dependentSchemas" | "dependentRequired", Some(Value::Object(existing))) => {
                        if let Value::Object(m) = v {
                            existing.extend(m);
                        }
                    }
                    _ => {
                        out.insert(k.clone(), v);
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(with_dependencies_applied).collect()),
        other => other.clone(),
    }
}

/// Validates `document` against `schema` (draft 2020-12, formats checked, `dependencies`
/// applied). `kind` names the submission in the messages.
pub fn validate(
    document: &Value,
    schema: &Value,
    mapping: &Mapping,
    kind: &str,
) -> Result<Validation, String> {
    let applied = with_dependencies_applied(schema);
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&applied)
        .map_err(|e| {
            format!(
                "the schema itself is not a valid JSON Schema ({})",
                e.masked()
            )
        })?;
    let id = schema
        .get("$id")
        .and_then(Value::as_str)
        .unwrap_or("unnamed schema")
        .to_string();
    let mut errors: Vec<SchemaError> = Vec::new();
    for e in validator.iter_errors(document) {
        for leaf in leaves(&e) {
            let (path, message) = describe(leaf, &id, mapping.submission_name(kind));
            let err = SchemaError {
                field: field_at(&path, document, mapping),
                message,
                path,
            };
            if !errors.contains(&err) {
                errors.push(err);
            }
        }
    }
    Ok(Validation {
        schema: id,
        valid: errors.is_empty(),
        errors,
    })
}

/// The errors under a failed `oneOf`/`anyOf`: those of the branch the document selects, that
/// is the branches without a failed `const` or `enum` (the per-type branches are selected by
/// `incidentSubmission`, the entity branches by `entityType`); failing that, the branch with the
/// fewest errors.
fn leaves<'a, 'b>(e: &'b ValidationError<'a>) -> Vec<&'b ValidationError<'a>> {
    let context: &'b Vec<Vec<ValidationError<'static>>> = match e.kind() {
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            context
        }
        _ => return vec![e],
    };
    let selects = |branch: &Vec<ValidationError<'static>>| {
        !branch.iter().any(|x| {
            matches!(
                x.kind(),
                ValidationErrorKind::Constant { .. } | ValidationErrorKind::Enum { .. }
            )
        })
    };
    let selected: Vec<&Vec<ValidationError<'static>>> =
        context.iter().filter(|b| selects(b)).collect();
    let chosen: Vec<&Vec<ValidationError<'static>>> = if selected.is_empty() {
        context.iter().min_by_key(|b| b.len()).into_iter().collect()
    } else {
        selected
    };
    let out: Vec<&'b ValidationError<'a>> = chosen
        .into_iter()
        .flatten()
        .flat_map(|x| {
            // Errors of a branch are 'static; they outlive `e`'s borrow.
            let x: &'b ValidationError<'a> = x;
            leaves(x)
        })
        .collect();
    if out.is_empty() {
        vec![e]
    } else {
        out
    }
}

fn short(v: &Value) -> String {
    match v {
        Value::String(s) => crate::input::quote(s),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn options(v: &Value) -> String {
    match v {
        Value::Array(items) => {
            let mut names: Vec<String> = items.iter().take(12).map(short).collect();
            if items.len() > 12 {
                names.push(format!("… ({} in all)", items.len()));
            }
            names.join(", ")
        }
        other => short(other),
    }
}

/// The pointer and the sentence for one error; a missing property is reported where it goes.
fn describe(e: &ValidationError<'_>, schema: &str, submission: &str) -> (String, String) {
    let at = e.instance_path().to_string();
    let value = short(e.instance());
    let msg = match e.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or("");
            return (
                format!("{at}/{name}"),
                format!("{schema} requires it in a {submission} and it is missing"),
            );
        }
        ValidationErrorKind::Enum { options: o } => format!(
            "{value} is not one of the codes {schema} allows: {}",
            options(o)
        ),
        ValidationErrorKind::Constant { expected_value } => {
            format!("{value} is not {}", short(expected_value))
        }
        ValidationErrorKind::Type { kind } => {
            format!("{value} is not of the type {schema} requires ({kind:?})")
                .replace("Single(", "")
                .replace(')', "")
        }
        ValidationErrorKind::Pattern { pattern } => {
            format!("{value} does not have the form {schema} requires (pattern {pattern})")
        }
        ValidationErrorKind::Format { format } => format!("{value} is not a valid {format}"),
        ValidationErrorKind::AdditionalProperties { unexpected } => format!(
            "{schema} does not allow the properties {}",
            unexpected.join(", ")
        ),
        ValidationErrorKind::MinItems { limit } => {
            format!("{schema} requires at least {limit} item(s) here")
        }
        ValidationErrorKind::MaxItems { limit } => {
            format!("{schema} allows at most {limit} item(s) here")
        }
        ValidationErrorKind::MinLength { limit } => {
            format!("{schema} requires at least {limit} character(s) here")
        }
        ValidationErrorKind::MaxLength { limit } => {
            format!("{schema} allows at most {limit} character(s) here")
        }
        ValidationErrorKind::Minimum { limit }
        | ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!("{value} is below the minimum {limit}")
        }
        ValidationErrorKind::Maximum { limit }
        | ValidationErrorKind::ExclusiveMaximum { limit } => {
            format!("{value} is above the maximum {limit}")
        }
        ValidationErrorKind::UniqueItems => "the list repeats an item".into(),
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            format!("the value fits more than one of the forms {schema} allows here")
        }
        _ => format!("{} (rule {})", e.masked(), e.schema_path()),
    };
    (at, msg)
}

/// Which template field a JSON pointer falls in: the longest mapping path that prefixes it.
pub fn field_at(pointer: &str, document: &Value, mapping: &Mapping) -> Option<String> {
    let parts: Vec<&str> = pointer.split('/').filter(|p| !p.is_empty()).collect();
    let mut logical = Vec::new();
    let mut cur = Some(document);
    for p in &parts {
        match cur {
            Some(Value::Array(items)) => {
                let el = p.parse::<usize>().ok().and_then(|i| items.get(i));
                // A list of plain values (country codes): the field is the list.
                if el.is_some_and(|el| !el.is_object()) {
                    break;
                }
                let last = logical.pop().unwrap_or_default();
                match el
                    .and_then(|el| el.get("classificationCriterion"))
                    .and_then(Value::as_str)
                {
                    Some(c) => logical.push(format!("{last}[{c}]")),
                    None => logical.push(format!("{last}[]")),
                }
                cur = el;
            }
            Some(v) => {
                logical.push((*p).to_string());
                cur = v.get(*p);
            }
            // A missing value: the pointer still names where it goes.
            None => logical.push((*p).to_string()),
        }
    }
    let path = logical.join(".");
    if path.is_empty() {
        return None;
    }
    mapping
        .fields
        .iter()
        .filter(|f| path == f.json || path.starts_with(&format!("{}.", f.json)))
        .max_by_key(|f| f.json.len())
        .or_else(|| {
            // A pointer to an object that holds fields (a missing `affectedAssets`): its first
            // field.
            mapping
                .fields
                .iter()
                .find(|f| f.json.starts_with(&format!("{path}.")))
        })
        .map(|f| f.id.clone())
}
