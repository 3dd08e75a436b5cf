//! The template-field mapping: data (`mapping.json`), not code. Each field of the ITS 2025/302
//! template says where it goes in the DORA_IR JSON document, its type, for which submissions it
//! is mandatory (Annex II), and the ordered list of places its value is read from.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

use crate::input::{quote, InputError};

const DATA: &str = include_str!("mapping.json");
/// The notification of a significant cyber threat (ITS 2025/302 Annex III and IV), in the
/// DORA_CYB JSON form: the same kind of data, read by the same builder.
const CYB_DATA: &str = include_str!("cyber_threat_mapping.json");

#[derive(Debug, Clone, Deserialize)]
pub struct RequiredIf {
    pub field: String,
    pub contains: Option<String>,
    pub equals: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FieldSpec {
    pub id: String,
    pub key: String,
    pub name: String,
    /// Path in the DORA_IR document; `a.b[]` for one value per array element, `a[crit]` for the
    /// classification-type element of that criterion.
    pub json: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub mandatory: Vec<String>,
    pub sources: Vec<String>,
    pub required_if: Option<RequiredIf>,
    pub note: Option<String>,
}

impl FieldSpec {
    /// The section of an IR field (`3` of `3.17`); for a DORA_CYB field, its number (`2` of
    /// `2a`, `12`).
    pub fn section(&self) -> u8 {
        let digits: String = self.id.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().unwrap_or(0)
    }
}

fn ir_context_object() -> String {
    "DORA.IncidentReport".into()
}

fn ir_schema_name() -> String {
    "DORA_IR JSON Schema".into()
}

fn ir_schema_parameter() -> String {
    "report_schema".into()
}

fn ir_mandatory_source() -> String {
    "ITS 2025/302 Annex II".into()
}

#[derive(Debug, Clone, Deserialize)]
pub struct Mapping {
    pub mapping_version: String,
    pub sections: BTreeMap<String, Vec<u8>>,
    pub submission_types: BTreeMap<String, String>,
    /// The context object whose keys fill the fields first (`DORA.IncidentReport`).
    #[serde(default = "ir_context_object")]
    pub context_object: String,
    /// The schema the document is validated against, and the instance parameter that holds it.
    #[serde(default = "ir_schema_name")]
    pub schema_name: String,
    #[serde(default = "ir_schema_parameter")]
    pub schema_parameter: String,
    /// Where the mandatory flags come from, for the messages.
    #[serde(default = "ir_mandatory_source")]
    pub mandatory_source: String,
    /// Objects of the document that carry an `entityType` constant (`affectedEntity[]`: each
    /// element).
    #[serde(default)]
    pub entity_types: BTreeMap<String, String>,
    pub fields: Vec<FieldSpec>,
}

/// The submission types of the template, by the short names the commands use.
pub const SUBMISSIONS: &[&str] = &["initial", "intermediate", "final", "reclassification"];

/// The report type of the voluntary notification of a significant cyber threat.
pub const CYBER_THREAT: &str = "cyber-threat";

/// Every report type: the four submissions of a major incident, and the cyber-threat
/// notification.
pub const REPORT_TYPES: &[&str] = &[
    "initial",
    "intermediate",
    "final",
    "reclassification",
    CYBER_THREAT,
];

pub fn builtin() -> &'static Mapping {
    static M: OnceLock<Mapping> = OnceLock::new();
    M.get_or_init(|| serde_json::from_str(DATA).expect("mapping.json is valid"))
}

/// The DORA_CYB mapping.
pub fn cyber_threat() -> &'static Mapping {
    static M: OnceLock<Mapping> = OnceLock::new();
    M.get_or_init(|| serde_json::from_str(CYB_DATA).expect("cyber_threat_mapping.json is valid"))
}

impl Mapping {
    /// The built-in mapping with an instance's own source paths put in front, given as
    /// `{"2.4": ["incident.CustomFields.mydescription"], ...}` (field id or key).
    pub fn with_overrides(overrides: &Value) -> Result<Mapping, InputError> {
        let mut m = builtin().clone();
        let Some(map) = overrides.as_object() else {
            return if overrides.is_null() {
                Ok(m)
            } else {
                Err(InputError::new(
                    "report_field_sources",
                    "report_field_sources must be a JSON object of field id to a list of paths.",
                ))
            };
        };
        for (id, paths) in map {
            let field = m.fields.iter_mut().find(|f| f.id == *id || f.key == *id).ok_or_else(|| {
                InputError::new(
                    "report_field_sources",
                    format!("report_field_sources names {}, which is no field of the template (use ids such as 2.4 or keys such as IncidentDescription).", quote(id)),
                )
            })?;
            let list: Vec<String> = match paths {
                Value::String(s) => vec![s.clone()],
                Value::Array(a) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                _ => Vec::new(),
            };
            if list.is_empty() || list.iter().any(|p| !valid_root(p)) {
                return Err(InputError::new(
                    "report_field_sources",
                    format!("report_field_sources[{id}] must list paths starting with context., incident., classification., profile. or derived."),
                ));
            }
            let mut sources = list;
            sources.extend(field.sources.iter().cloned());
            field.sources = sources;
        }
        Ok(m)
    }

    pub fn submission_name<'a>(&'a self, kind: &'a str) -> &'a str {
        self.submission_types
            .get(kind)
            .map(String::as_str)
            .unwrap_or(kind)
    }

    pub fn includes(&self, kind: &str, field: &FieldSpec) -> bool {
        self.sections
            .get(kind)
            .is_some_and(|s| s.contains(&field.section()))
    }
}

fn valid_root(p: &str) -> bool {
    [
        "context.",
        "incident.",
        "classification.",
        "profile.",
        "derived.",
    ]
    .iter()
    .any(|r| p.starts_with(r))
}

pub fn submission(argument: &str, raw: &str) -> Result<&'static str, InputError> {
    crate::input::one_of(argument, raw, SUBMISSIONS)
}

/// A report type, the cyber-threat notification included.
pub fn report_type(argument: &str, raw: &str) -> Result<&'static str, InputError> {
    crate::input::one_of(argument, raw, REPORT_TYPES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_mapping_covers_the_template() {
        let m = builtin();
        let ids: Vec<&str> = m.fields.iter().map(|f| f.id.as_str()).collect();
        for want in ["1.1", "1.15", "2.1", "2.10", "3.1", "3.35", "4.1", "4.16"] {
            assert!(ids.contains(&want), "{want}");
        }
        // Annex II: mandatory in every report.
        for id in [
            "1.1", "1.2", "1.3", "1.4", "1.7", "1.8", "1.9", "2.1", "2.2", "2.3", "2.4", "2.5",
            "2.7", "2.9",
        ] {
            let f = m.fields.iter().find(|f| f.id == id).unwrap();
            for kind in ["initial", "intermediate", "final"] {
                assert!(f.mandatory.iter().any(|k| k == kind), "{id} for {kind}");
            }
        }
        for id in ["4.1", "4.2", "4.5", "4.6", "4.7", "4.8", "4.13", "4.14"] {
            assert_eq!(
                m.fields.iter().find(|f| f.id == id).unwrap().mandatory,
                ["final"],
                "{id}"
            );
        }
        // 4.12 lives in the economic-impact entry of the classification criteria (the DORA_IR
        // schema requires it there and allows it nowhere else): mandatory in the final report
        // exactly when 2.5 lists that criterion.
        let f412 = m.fields.iter().find(|f| f.id == "4.12").unwrap();
        assert!(f412.mandatory.is_empty());
        let cond = f412.required_if.as_ref().unwrap();
        assert_eq!(
            (cond.field.as_str(), cond.contains.as_deref()),
            ("2.5", Some("economic_impact"))
        );
        assert!(!m.includes("initial", f412) && !m.includes("intermediate", f412));
        for f in &m.fields {
            assert!(
                f.sources[0] == format!("context.DORA.IncidentReport.{}", f.key),
                "{}",
                f.id
            );
        }
    }

    #[test]
    fn overrides_go_in_front_and_are_checked() {
        let m = Mapping::with_overrides(&json!({"2.4": "incident.CustomFields.summary", "RootCauseInformation": ["context.RCA.Text"]})).unwrap();
        let f = m.fields.iter().find(|f| f.id == "2.4").unwrap();
        assert_eq!(f.sources[0], "incident.CustomFields.summary");
        assert!(Mapping::with_overrides(&json!({"9.9": "context.x"})).is_err());
        assert!(Mapping::with_overrides(&json!({"2.4": "somewhere.else"})).is_err());
        assert!(Mapping::with_overrides(&json!([1])).is_err());
    }
}
