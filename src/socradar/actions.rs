//! Alarm actions: status, comment, assignee, tag, analyst request, severity.

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::input::{self, InputError};

/// Status reasons of `/alarms/status/change` and their wire codes (SOCRadar Incident API v4).
pub const STATUS_REASONS: &[(&str, u8)] = &[
    ("OPEN", 0),
    ("INVESTIGATING", 1),
    ("RESOLVED", 2),
    ("PENDING_INFO", 4),
    ("LEGAL_REVIEW", 5),
    ("VENDOR_ASSESSMENT", 6),
    ("FALSE_POSITIVE", 9),
    ("DUPLICATE", 10),
    ("PROCESSED_INTERNALLY", 11),
    ("MITIGATED", 12),
    ("NOT_APPLICABLE", 13),
];

/// A status reason by name, with its code.
pub fn status_reason(argument: &str, raw: &str) -> Result<(&'static str, u8), InputError> {
    let names: Vec<&str> = STATUS_REASONS.iter().map(|(n, _)| *n).collect();
    let name = input::one_of(argument, raw, &names)?;
    Ok(STATUS_REASONS
        .iter()
        .copied()
        .find(|(n, _)| *n == name)
        .expect("name comes from the table"))
}

/// One action, validated, ready to send. `path` is relative to `/company/{cid}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRequest {
    pub kind: &'static str,
    /// `POST` for every action but removing a tag, which is `DELETE` (idempotent).
    pub method: &'static str,
    pub path: String,
    pub body: Value,
    /// Alarm ids the action is about (for the context written afterwards).
    pub alarm_ids: Vec<u64>,
    /// What the action set, as `SOCRadar.Alarm` context keys (`Status`, `Tag`, ...).
    pub sets: Map<String, Value>,
}

impl ActionRequest {
    /// One `SOCRadar.Alarm` context entry per alarm: what was set, the server's message, when.
    pub fn context_entries(&self, company_id: u64, response: &Value, at: &str) -> Vec<Value> {
        let message = response
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let tag_action = response
            .get("data")
            .and_then(|d| d.get("action"))
            .and_then(Value::as_str);
        self.alarm_ids
            .iter()
            .map(|id| {
                let mut e = Map::new();
                // A string, as the official SOCRadar integration writes it: both key
                // `SOCRadar.Alarm` on ID, so one alarm stays one entry whichever ran.
                e.insert("ID".into(), json!(id.to_string()));
                e.insert("CompanyID".into(), json!(company_id));
                e.insert("Action".into(), json!(self.kind));
                e.extend(self.sets.clone());
                if let (Some(a), "add-tag" | "remove-tag") = (tag_action, self.kind) {
                    e.insert("TagAction".into(), json!(a));
                }
                e.insert("Message".into(), json!(message));
                e.insert("ActionAt".into(), json!(at));
                Value::Object(e)
            })
            .collect()
    }
}

fn sets(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

pub fn change_status(
    alarm_ids: Vec<u64>,
    reason: (&'static str, u8),
    comments: Option<String>,
    related_findings_email: Option<String>,
) -> ActionRequest {
    let set = sets(&[
        ("Status", json!(reason.0)),
        ("StatusCode", json!(reason.1)),
        ("Comment", json!(comments)),
    ]);
    let mut body = json!({
        "alarm_ids": alarm_ids.iter().map(u64::to_string).collect::<Vec<_>>(),
        "status": reason.1,
        "comments": comments.unwrap_or_default(),
    });
    if let Some(email) = related_findings_email {
        body["update_related_finding_status"] = Value::Bool(true);
        body["email"] = Value::String(email);
    }
    ActionRequest {
        kind: "change-status",
        method: "POST",
        path: "/alarms/status/change".into(),
        body,
        alarm_ids,
        sets: set,
    }
}

pub fn add_comment(alarm_id: u64, user_email: String, comment: String) -> ActionRequest {
    ActionRequest {
        kind: "add-comment",
        method: "POST",
        path: "/alarm/add/comment/v2".into(),
        sets: sets(&[
            ("Comment", json!(comment)),
            ("CommentedBy", json!(user_email)),
        ]),
        body: json!({"alarm_id": alarm_id, "user_email": user_email, "comment": comment}),
        alarm_ids: vec![alarm_id],
    }
}

pub fn change_assignee(alarm_id: u64, user_emails: Vec<String>) -> ActionRequest {
    ActionRequest {
        kind: "change-assignee",
        method: "POST",
        path: format!("/alarm/{alarm_id}/assignee"),
        sets: sets(&[("Assignees", json!(user_emails))]),
        body: json!({"user_emails": user_emails}),
        alarm_ids: vec![alarm_id],
    }
}

/// `POST /alarm/tag`: adds the tag (some servers toggle it; `tags::set_tag` makes adding
/// idempotent whichever the server does).
pub fn add_tag(alarm_id: u64, tag: String) -> ActionRequest {
    ActionRequest {
        kind: "add-tag",
        method: "POST",
        path: "/alarm/tag".into(),
        sets: sets(&[("Tag", json!(tag))]),
        body: json!({"alarm_id": alarm_id, "tag": tag}),
        alarm_ids: vec![alarm_id],
    }
}

/// `DELETE /alarm/tag` with the same body: removes the tag, and removing an absent tag changes
/// nothing, so it may be repeated (SOCRadar's own connectors use it for this reason).
pub fn remove_tag(alarm_id: u64, tag: String) -> ActionRequest {
    ActionRequest {
        kind: "remove-tag",
        method: "DELETE",
        ..add_tag(alarm_id, tag)
    }
}

pub fn ask_analyst(alarm_id: u64, comment: String) -> ActionRequest {
    ActionRequest {
        kind: "ask-analyst",
        method: "POST",
        path: "/incidents/ask/analyst/v2".into(),
        sets: sets(&[("Comment", json!(comment))]),
        body: json!({"alarm_id": alarm_id, "comment": comment}),
        alarm_ids: vec![alarm_id],
    }
}

pub fn change_severity(alarm_id: u64, severity: &'static str) -> ActionRequest {
    ActionRequest {
        kind: "change-severity",
        method: "POST",
        path: "/alarm/severity".into(),
        sets: sets(&[("Severity", json!(severity))]),
        body: json!({"alarm_id": alarm_id, "severity": severity}),
        alarm_ids: vec![alarm_id],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_change_sends_string_ids_and_the_code() {
        let r = change_status(
            vec![81171696, 5],
            status_reason("status_reason", "false_positive").unwrap(),
            Some("noise".into()),
            None,
        );
        assert_eq!(
            r.body,
            json!({"alarm_ids": ["81171696", "5"], "status": 9, "comments": "noise"})
        );
        let r = change_status(
            vec![1],
            status_reason("s", "RESOLVED").unwrap(),
            None,
            Some("a@b.eu".into()),
        );
        assert_eq!(r.body["update_related_finding_status"], json!(true));
        assert_eq!(r.body["email"], json!("a@b.eu"));
        assert_eq!(r.body["status"], json!(2));
    }

    #[test]
    fn context_entries_say_what_was_set() {
        let r = change_status(
            vec![1, 2],
            status_reason("s", "RESOLVED").unwrap(),
            Some("fixed".into()),
            None,
        );
        let e = r.context_entries(
            789,
            &json!({"message": "Status changed"}),
            "2026-11-23T12:00:00Z",
        );
        assert_eq!(e.len(), 2);
        assert_eq!(
            e[1],
            json!({"ID": "2", "CompanyID": 789, "Action": "change-status", "Status": "RESOLVED", "StatusCode": 2,
                   "Comment": "fixed", "Message": "Status changed", "ActionAt": "2026-11-23T12:00:00Z"})
        );
        let t = remove_tag(7, "vip".into()).context_entries(
            789,
            &json!({"data": {"action": "removed"}}),
            "x",
        );
        assert_eq!(t[0]["TagAction"], json!("removed"));
        assert_eq!(t[0]["Tag"], json!("vip"));
    }

    #[test]
    fn every_documented_status_reason_has_its_code() {
        let codes: Vec<u8> = STATUS_REASONS.iter().map(|(_, c)| *c).collect();
        assert_eq!(codes, [0, 1, 2, 4, 5, 6, 9, 10, 11, 12, 13]);
        assert!(status_reason("status_reason", "CLOSED").is_err());
    }

    #[test]
    fn paths_and_bodies_follow_the_contract() {
        assert_eq!(
            change_assignee(7, vec!["a@b.eu".into()]).path,
            "/alarm/7/assignee"
        );
        assert_eq!(
            add_tag(7, "x".into()).body,
            json!({"alarm_id": 7, "tag": "x"})
        );
        let r = remove_tag(7, "x".into());
        assert_eq!(
            (r.method, r.path.as_str(), r.kind),
            ("DELETE", "/alarm/tag", "remove-tag")
        );
        assert_eq!(r.body, add_tag(7, "x".into()).body);
        assert_eq!(
            ask_analyst(7, "help".into()).path,
            "/incidents/ask/analyst/v2"
        );
        assert_eq!(change_severity(7, "HIGH").body["severity"], json!("HIGH"));
        assert_eq!(
            add_comment(7, "a@b.eu".into(), "c".into()).body["user_email"],
            json!("a@b.eu")
        );
    }
}
