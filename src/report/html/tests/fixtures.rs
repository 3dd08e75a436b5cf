//! What the tests of the HTML page share: a sparse draft of a sample incident, its real
//! deadlines, a view of them at a fixed now, and checks on the markup.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::dora::clock::{deadlines, ClockFacts, DueSoon};
use crate::dora::profile::EntityProfile;
use crate::report::draft::{build, Draft, Sources};
use crate::report::html::{HtmlView, TimelineEvent};
use crate::report::mapping::builtin;

pub(super) fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub(super) fn now() -> DateTime<Utc> {
    t("2026-11-23T12:00:00Z")
}

pub(super) fn classification() -> Value {
    json!({
        "OccurredAt": "2026-11-23T08:50:00Z", "DetectedAt": "2026-11-23T09:14:00Z", "ClassifiedAt": "2026-11-23T11:05:00Z", "IsMajor": true,
        "Facts": {"member_states": {"Value": ["AT", "DE"]}, "clients_affected": {"Value": 12430, "Estimate": true}, "clients_total": {"Value": 98000}},
        "Criteria": [{"Key": "geographical-spread", "Met": true}, {"Key": "critical-services", "Met": true}]
    })
}

/// A sparse draft, as the lead's tests build one: no contacts, no discovery, no BCP flag.
pub(super) fn sparse(kind: &str, context: &Value, details: &str) -> Draft {
    let profile = json!({"name": "Zahlungsinstitut Beispiel GmbH", "lei": "529900T8BM49AURSDO55", "entity_type": "payment_institution"});
    let incident = json!({"id": "88", "details": details});
    build(
        builtin(),
        kind,
        &Sources {
            context,
            incident: &incident,
            classification: &classification(),
            profile: &profile,
        },
        now(),
        None,
    )
}

pub(super) fn real_deadlines(initial_submitted: Option<&str>) -> Value {
    let profile = EntityProfile::from_params(&json!({"entity_name": "Zahlungsinstitut Beispiel GmbH", "entity_type": "payment_institution", "home_member_state": "DE"})).unwrap();
    let facts = ClockFacts {
        detected_at: Some(t("2026-11-23T09:14:00Z")),
        classified_at: Some(t("2026-11-23T11:05:00Z")),
        is_major: Some(true),
        initial_submitted_at: initial_submitted.map(t),
        ..ClockFacts::default()
    };
    serde_json::to_value(deadlines(&facts, &profile, now(), DueSoon::default()).unwrap()).unwrap()
}

pub(super) fn view<'a>(
    draft: &'a Draft,
    deadlines: Option<&'a Value>,
    timeline: Vec<TimelineEvent>,
    approvals: Vec<Value>,
) -> HtmlView<'a> {
    HtmlView {
        draft,
        entity_name: Some("Zahlungsinstitut Beispiel GmbH"),
        deadlines,
        timeline,
        approvals,
        now: now(),
    }
}

/// Every opened element is closed in order (void elements and `/>` aside).
pub(super) fn balanced(html: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').ok_or("a tag is never closed")?;
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if name.is_empty() {
            return Err(format!("not a tag: <{tag}>"));
        }
        if tag.starts_with('/') {
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
        } else if !tag.ends_with('/')
            && !["meta", "br", "img", "link", "hr", "input"].contains(&name.as_str())
        {
            stack.push(name);
        }
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("never closed: {stack:?}"))
    }
}

pub(super) fn status_box_of(html: &str) -> &str {
    let start = html.find("<div class=\"status").expect("a status box");
    &html[start..start + html[start..].find("</div>").unwrap()]
}
