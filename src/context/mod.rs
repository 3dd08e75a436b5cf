//! Reading the XSOAR incident context, with one rule for "the newest entry".
//!
//! XSOAR keeps an output that was written more than once without matching its key field as a
//! list, the newest last. Every reader of context takes the newest entry at each level of a path
//! through this module, so that the rule is written once; what DORA Bridge wrote there is read
//! back as the typed records of [`records`], never key by key.

pub mod records;

use serde::de::DeserializeOwned;
use serde_json::Value;

pub use records::{
    ApprovalRecord, AuditRecord, ClassificationRecord, CriterionRecord, DeadlinesRecord,
    DecisionRecord, DraftRecord, FactRecord, GeoReasonRecord, IctCountryRecord, ProviderRecord,
    ReportDueRecord, ThreatConditionRecord,
};

/// The newest entry of `v`: the last of a list (`null` for an empty one), else `v` itself.
pub fn newest(v: &Value) -> &Value {
    match v {
        Value::Array(items) => items.last().unwrap_or(&Value::Null),
        other => other,
    }
}

/// The value at a dotted `path` (`DORA.Classification.IsMajor`), taking the newest entry of
/// every list on the way; the value at the end is returned as it is (a list stays a list).
pub fn at_path<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = root;
    for part in path.split('.') {
        cur = newest(cur).get(part)?;
    }
    Some(cur)
}

/// The newest entry at `path`, if there is one that is not `null`.
pub fn newest_at<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    at_path(root, path).map(newest).filter(|v| !v.is_null())
}

/// `v` read as a `T`: a record DORA Bridge wrote, with every key it lacks (older entries) at its
/// default. Context is anyone's to edit, so a value of the wrong shape reads as the default
/// rather than failing the command that reads it; each record's fields say which keys are lenient.
pub fn view<T: DeserializeOwned + Default>(v: &Value) -> T {
    T::deserialize(v).unwrap_or_default()
}

/// The newest entry at `path` as a `T`, if there is one that is not `null`.
pub fn read<T: DeserializeOwned + Default>(root: &Value, path: &str) -> Option<T> {
    newest_at(root, path).map(view)
}

/// Every entry at `path`, oldest first (one object is one entry), each as a `T`.
pub fn read_all<T: DeserializeOwned + Default>(root: &Value, path: &str) -> Vec<T> {
    match at_path(root, path) {
        Some(Value::Array(items)) => items.iter().filter(|v| !v.is_null()).map(view).collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(one) => vec![view(one)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_newest_entry_is_taken_at_every_level() {
        let ctx = json!({"DORA": [{"Classification": {"IsMajor": false}},
                                  {"Classification": [{"IsMajor": false}, {"IsMajor": true, "Tags": ["a", "b"]}]}]});
        assert_eq!(
            at_path(&ctx, "DORA.Classification.IsMajor"),
            Some(&json!(true))
        );
        assert_eq!(
            at_path(&ctx, "DORA.Classification.Tags"),
            Some(&json!(["a", "b"]))
        );
        assert_eq!(
            newest_at(&ctx, "DORA.Classification.Tags"),
            Some(&json!("b"))
        );
        assert_eq!(at_path(&ctx, "DORA.Deadlines"), None);
        assert_eq!(newest(&json!([])), &Value::Null);
        assert_eq!(newest_at(&json!({"A": []}), "A"), None);
    }
}
