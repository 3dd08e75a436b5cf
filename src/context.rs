//! Reading the XSOAR incident context, with one rule for "the newest entry".
//!
//! XSOAR keeps an output that was written more than once without matching its key field as a
//! list, the newest last. Every reader of context takes the newest entry at each level of a path
//! through this module, so that the rule is written once.

use serde_json::Value;

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
