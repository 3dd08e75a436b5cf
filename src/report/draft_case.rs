//! What the draft tests build a draft from, owned: the incident context, the incident, the
//! classification and the entity profile, `Value::Null` where a test gives nothing.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::draft::{build, Draft, Sources};
use super::mapping::builtin;

#[derive(Debug, Clone, Default)]
pub(super) struct Given {
    pub context: Value,
    pub incident: Value,
    pub classification: Value,
    pub profile: Value,
}

impl Given {
    /// Only the incident context.
    pub fn context(context: Value) -> Given {
        Given {
            context,
            ..Given::default()
        }
    }

    pub fn sources(&self) -> Sources<'_> {
        Sources {
            context: &self.context,
            incident: &self.incident,
            classification: &self.classification,
            profile: &self.profile,
        }
    }

    /// The unjudged draft of an incident report of `kind` (the DORA_IR template) made at `now`.
    pub fn ir_draft(&self, kind: &str, now: DateTime<Utc>) -> Draft {
        build(builtin(), kind, &self.sources(), now, None)
    }
}
