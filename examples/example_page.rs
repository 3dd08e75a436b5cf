//! Writes the HTML page an approver reads for a sample major incident (Zahlungsinstitut
//! Beispiel GmbH, card payments down in Austria and Germany): the draft of the intermediate
//! report with its deadline clock, timeline and two approvals, one of them bound to an older
//! draft and so void. The incident's text carries markup an attacker left, shown escaped.
//!
//! `cargo run --example example_page -- page.html` (default: target/example-page.html). The
//! page is self-contained: open it in a browser or print it on A4.

use chrono::{DateTime, Utc};
use serde_json::json;

use dora_bridge::dora::clock::{deadlines, ClockFacts, DueSoon};
use dora_bridge::dora::profile::EntityProfile;
use dora_bridge::report::draft::{build, Sources};
use dora_bridge::report::html::{render, timeline_from, EventKind, HtmlView, TimelineEvent};
use dora_bridge::report::mapping::builtin;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("an RFC 3339 time")
        .with_timezone(&Utc)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/example-page.html".into());
    let profile = EntityProfile::from_params(
        &json!({"entity_name": "Zahlungsinstitut Beispiel GmbH", "entity_type": "payment_institution", "home_member_state": "DE"}),
    )?;
    let now = t("2026-11-23T09:30:00Z");
    let facts = ClockFacts {
        detected_at: Some(t("2026-11-19T08:02:00Z")),
        classified_at: Some(t("2026-11-19T09:30:00Z")),
        is_major: Some(true),
        initial_submitted_at: Some(t("2026-11-19T12:10:00Z")),
        ..ClockFacts::default()
    };
    let dl = serde_json::to_value(deadlines(&facts, &profile, now, DueSoon::default())?)?;
    let classification = json!({
        "OccurredAt": "2026-11-19T07:40:00Z", "DetectedAt": "2026-11-19T08:02:00Z", "ClassifiedAt": "2026-11-19T09:30:00Z", "IsMajor": true,
        "Facts": {"member_states": {"Value": ["AT", "DE"]}, "clients_affected": {"Value": 12430, "Estimate": true}, "clients_total": {"Value": 98000},
                  "downtime_end": {"Value": "2026-11-20T16:00:00Z"}},
        "Criteria": [{"Key": "geographical-spread", "Met": true}, {"Key": "critical-services", "Met": true}]
    });
    let context = json!({"DORA": {"IncidentReport": {"PrimaryContactName": "Anna Weber", "PrimaryContactEmail": "not-an-email", "IncidentDiscovery": "it_security"}}});
    let entity = json!({"name": "Zahlungsinstitut Beispiel GmbH", "lei": "529900T8BM49AURSDO55", "entity_type": "payment_institution"});
    let incident = json!({"id": "88", "details": "Card payments failing for Austrian and German clients since 07:40 UTC.\nAcquirer gateway returns HTTP 503; the attacker left a note: <img src=x onerror=alert(1)>"});
    let draft = build(
        builtin(),
        "intermediate",
        &Sources {
            context: &context,
            incident: &incident,
            classification: &classification,
            profile: &entity,
        },
        now,
        None,
    );
    let mut timeline = timeline_from(Some(&classification), Some(&dl));
    timeline.push(TimelineEvent {
        at: "2026-11-19T11:58:00Z".into(),
        label: "Initial notification approved (CISO)".into(),
        kind: EventKind::Approval,
    });
    let approvals = vec![
        json!({"Approver": "Anna Weber", "Role": "CISO", "Decision": "approve", "At": "2026-11-22T17:20:00Z", "ContentHash": "9f2c".repeat(16), "Comment": "Approved before the client figures were updated."}),
        json!({"Approver": "Marco Rossi", "Role": "Chief Risk Officer", "Decision": "approve", "At": "2026-11-23T09:05:00Z", "ContentHash": draft.content_hash, "Comment": "Figures are estimates; fine to send."}),
    ];
    let page = render(&HtmlView {
        draft: &draft,
        entity_name: Some("Zahlungsinstitut Beispiel GmbH"),
        deadlines: Some(&dl),
        timeline,
        approvals,
        now,
    });
    std::fs::write(&path, page)?;
    println!("wrote {path}");
    Ok(())
}
