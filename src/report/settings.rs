//! The report settings of a DORA Bridge instance: source-path overrides, the DORA_IR schema the
//! authority publishes, who approves, and the key of the evidence chain.

use serde_json::Value;

use super::mapping::Mapping;
use super::policy::ApprovalPolicy;
use crate::audit::KeyRing;
use crate::identity::RoleDirectory;
use crate::input::{quote, InputError};

pub const SCHEMA_VERSIONS: &[&str] = &["IR-1.2.1", "IR-1.3.0"];
/// The DORA_CYB schema versions the cyber-threat mapping is written for.
pub const CYB_SCHEMA_VERSIONS: &[&str] = &["CYB-1.2.0"];

#[derive(Debug, Clone)]
pub struct ReportSettings {
    pub mapping: Mapping,
    pub policy: ApprovalPolicy,
    /// The DORA_IR JSON Schema, when one is configured.
    pub schema: Option<Value>,
    /// The DORA_CYB JSON Schema of the cyber-threat notification, when one is configured.
    pub cyber_threat_schema: Option<Value>,
    /// The chain key and the retired keys; none configured, nothing can be recorded or verified.
    pub keys: Option<KeyRing>,
    /// XSOAR users mapped to approver roles (`approver_users`).
    pub directory: RoleDirectory,
}

fn json_param(params: &Value, key: &str) -> Result<Value, InputError> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(Value::Null),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(Value::Null),
        Some(Value::String(s)) => serde_json::from_str(s)
            .map_err(|e| InputError::new(key, format!("{key} must be JSON: {e}."))),
        Some(other) => Ok(other.clone()),
    }
}

impl ReportSettings {
    /// The keys of the evidence chain, or the error naming `chain_key`.
    pub fn keys(&self) -> Result<&KeyRing, InputError> {
        self.keys.as_ref().ok_or_else(KeyRing::missing)
    }

    /// The mapping of a report type: DORA_CYB for the cyber-threat notification, else DORA_IR.
    pub fn mapping_for(&self, kind: &str) -> &Mapping {
        if kind == super::mapping::CYBER_THREAT {
            super::mapping::cyber_threat()
        } else {
            &self.mapping
        }
    }

    /// The schema a report type is validated against, when configured.
    pub fn schema_for(&self, kind: &str) -> Option<&Value> {
        if kind == super::mapping::CYBER_THREAT {
            self.cyber_threat_schema.as_ref()
        } else {
            self.schema.as_ref()
        }
    }

    pub fn from_params(params: &Value) -> Result<ReportSettings, InputError> {
        let mapping = Mapping::with_overrides(&json_param(params, "report_field_sources")?)?;
        let policy = ApprovalPolicy::from_params(params)?;
        let schema = json_param(params, "report_schema")?;
        let schema = if schema.is_null() {
            None
        } else {
            let id = schema.get("$id").and_then(Value::as_str).unwrap_or("");
            let wanted = params
                .get("report_schema_version")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or(id);
            let wanted = crate::input::one_of("report_schema_version", wanted, SCHEMA_VERSIONS)?;
            if id != wanted {
                return Err(InputError::new(
                    "report_schema",
                    format!("report_schema is the schema {}, but report_schema_version selects {wanted}: paste the {wanted} schema or select {}.", quote(id), quote(id)),
                ));
            }
            Some(schema)
        };
        let cyber_threat_schema = json_param(params, "cyber_threat_schema")?;
        let cyber_threat_schema = if cyber_threat_schema.is_null() {
            None
        } else {
            let id = cyber_threat_schema
                .get("$id")
                .and_then(Value::as_str)
                .unwrap_or("");
            if !CYB_SCHEMA_VERSIONS.contains(&id) {
                return Err(InputError::new(
                    "cyber_threat_schema",
                    format!("cyber_threat_schema must be the DORA_CYB JSON Schema {} (its $id), got {}: paste the schema your authority publishes for the notification of significant cyber threats.", CYB_SCHEMA_VERSIONS.join(" or "), quote(id)),
                ));
            }
            Some(cyber_threat_schema)
        };
        Ok(ReportSettings {
            mapping,
            policy,
            schema,
            cyber_threat_schema,
            keys: KeyRing::from_params_if_set(params)?,
            directory: RoleDirectory::from_params(params)?,
        })
    }
}
