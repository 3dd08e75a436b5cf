//! From the classification and deadlines in context to the incident's DORA fields and SLA timers.
//! The mapping is kept here so the script that applies it stays glue.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::context::{
    newest as latest, view, ApprovalRecord, ClassificationRecord, DeadlinesRecord, DecisionRecord,
    DraftRecord,
};
use crate::timeutil;

/// What a timer field should do.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TimerUpdate {
    pub field: String,
    /// `start` (with its SLA), `stop`, or `none` while the report is pending.
    pub action: &'static str,
    pub due: Option<String>,
    /// Minutes from `now` to the due time (0 when already overdue), the SLA `setIncident` takes.
    pub sla_minutes: Option<i64>,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct FieldUpdates {
    pub fields: Map<String, Value>,
    pub timers: Vec<TimerUpdate>,
}

/// A text that says something: XSOAR writes an empty text for an unset key.
fn s(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

fn classification_fields(c: &ClassificationRecord, out: &mut Map<String, Value>) {
    // "Not major on the facts known so far" decides nothing: the field stays as it was.
    let determinate = c.determinate == Some(true);
    if let Some(b) = c.is_major.filter(|b| *b || determinate) {
        out.insert("doraismajor".into(), json!(b));
    }
    for (value, field) in [
        (&c.rule, "doraclassificationrule"),
        (&c.inputs_hash, "dorainputshash"),
        (&c.classified_at, "doraclassifiedat"),
        (&c.detected_at, "doradetectedat"),
        (&c.aware_at, "doraawareat"),
    ] {
        if let Some(v) = s(value) {
            out.insert(field.into(), json!(v));
        }
    }
    out.insert(
        "doracriteriamet".into(),
        json!(c.thresholds_met.as_deref().unwrap_or_default().join("\n")),
    );
    out.insert("doramissingdata".into(), json!(c.missing.join(", ")));
    let mut md = String::new();
    if let Some(t) = s(&c.rule_text) {
        md.push_str(&format!("**{t}** ({})\n\n", s(&c.rule).unwrap_or("")));
    }
    md.push_str("| Criterion | Status | Evidence |\n|---|---|---|\n");
    for crit in &c.criteria {
        let evidence = s(&crit.evidence)
            .unwrap_or("")
            .replace('\n', "<br>")
            .replace('|', "\\|");
        md.push_str(&format!(
            "| {} | {} | {} |\n",
            s(&crit.name).unwrap_or(""),
            s(&crit.status).unwrap_or(""),
            evidence
        ));
    }
    if let Some(h) = s(&c.inputs_hash) {
        md.push_str(&format!("\nInputs hash: `{h}`\n"));
    }
    out.insert("doraclassificationsummary".into(), json!(md));
}

/// The decision in force (`DORA.Deadlines.Decision`) as the DORA Is Major and DORA Decision
/// fields: a pending decision leaves Is Major unset.
fn decision_fields(d: &DecisionRecord, out: &mut Map<String, Value>) {
    let Some(state) = s(&d.state) else { return };
    let by = match (s(&d.decided_by), s(&d.decided_at)) {
        (Some(by), Some(at)) => format!(", decided by {by} at {at}"),
        _ => String::new(),
    };
    let system = s(&d.system_verdict)
        .filter(|_| s(&d.decided_by) != Some("system"))
        .map(|v| format!(" (system verdict: {v})"))
        .unwrap_or_default();
    let reason = s(&d.reason).map(|r| format!(": {r}")).unwrap_or_default();
    let text = match state {
        "major" => {
            out.insert("doraismajor".into(), json!(true));
            let since = s(&d.major_since)
                .map(|t| format!(" since {t}"))
                .unwrap_or_default();
            format!("major{since}{by}{system}{reason}")
        }
        "not-major" => {
            out.insert("doraismajor".into(), json!(false));
            format!("not major{by}{system}{reason}")
        }
        _ => {
            let missing = if d.missing_facts.is_empty() {
                String::new()
            } else {
                format!("; missing {}", d.missing_facts.join(", "))
            };
            format!("pending: the 24-hour limit from awareness runs{system}{missing}")
        }
    };
    out.insert("doradecision".into(), json!(text));
}

fn deadline_updates(d: &DeadlinesRecord, now: DateTime<Utc>, out: &mut FieldUpdates) {
    if let Some(decision) = &d.decision {
        decision_fields(decision, &mut out.fields);
    }
    let mut summary = Vec::new();
    // The earliest due time of a report still open: the one field an analyst sorts and searches
    // the queue by (RTS 2025/301 Art. 5 sets each report's own deadline).
    let mut next_due: Option<(DateTime<Utc>, String)> = None;
    for (report, due_field, submitted_field, label) in [
        (
            &d.initial_notification,
            "dorainitialnotificationdue",
            "dorainitialsubmittedat",
            "Initial notification",
        ),
        (
            &d.intermediate_report,
            "doraintermediatereportdue",
            "doraintermediatesubmittedat",
            "Intermediate report",
        ),
        (
            &d.final_report,
            "dorafinalreportdue",
            "dorafinalsubmittedat",
            "Final report",
        ),
    ] {
        let Some(one) = report else { continue };
        if let Some(at) = s(&one.submitted_at) {
            out.fields.insert(submitted_field.into(), json!(at));
        }
        let status = s(&one.status).unwrap_or("pending").to_string();
        let due = s(&one.due).map(str::to_string);
        if let Some(due) = &due {
            out.fields.insert(due_field.into(), json!(due));
        }
        summary.push(match (s(&one.time_left), &due) {
            (Some(left), Some(due)) => format!("{label}: {status}, due {due} ({left})"),
            (None, Some(due)) => format!("{label}: {status}, due {due}"),
            _ => format!("{label}: {status}"),
        });
        let action = match status.as_str() {
            "on-time" | "due-soon" | "overdue" => "start",
            "submitted" | "submitted-late" | "not-required" => "stop",
            _ => "none",
        };
        let open_due = due
            .as_deref()
            .and_then(timeutil::parse_vendor_date)
            .filter(|_| action == "start");
        if let (Some(t), Some(text)) = (open_due, &due) {
            if next_due.as_ref().is_none_or(|(n, _)| t < *n) {
                next_due = Some((t, text.clone()));
            }
        }
        let sla_minutes = open_due.map(|t| {
            let secs = (t - now).num_seconds().max(0);
            (secs + 59) / 60
        });
        if let Some(field) = s(&one.timer_field) {
            out.timers.push(TimerUpdate {
                field: field.to_string(),
                action,
                due,
                sla_minutes,
                status,
            });
        }
    }
    out.fields
        .insert("doradeadlinestatus".into(), json!(summary.join("; ")));
    if let Some((_, due)) = next_due {
        out.fields.insert("doranextdue".into(), json!(due));
    }
}

/// XSOAR keeps repeated outputs as a list, oldest first; one output is an object.
fn as_list<T: DeserializeOwned + Default>(v: Option<&Value>) -> Vec<T> {
    match v {
        Some(Value::Array(a)) => a.iter().map(view).collect(),
        Some(o @ Value::Object(_)) => vec![view(o)],
        _ => Vec::new(),
    }
}

/// The updates for the newest classification and deadlines found (either may be absent).
/// Report drafts (`DORA.Report`, one per type) and decisions (`DORA.Approval`) as the text of
/// the report-status and approvals fields.
fn reporting_fields(
    reports: Option<&Value>,
    approvals: Option<&Value>,
    out: &mut Map<String, Value>,
) {
    let mut by_type: Vec<(String, DraftRecord)> = Vec::new();
    for r in as_list::<DraftRecord>(reports) {
        let t = s(&r.r#type).unwrap_or("").to_string();
        by_type.retain(|(k, _)| *k != t);
        by_type.push((t, r));
    }
    if !by_type.is_empty() {
        let lines: Vec<String> = by_type
            .iter()
            .map(|(t, r)| {
                let hash: String = s(&r.content_hash).unwrap_or("").chars().take(12).collect();
                let state = if r.complete == Some(true) {
                    "complete".to_string()
                } else if !r.problems.is_empty() {
                    // Every problem of the draft's verdict (Annex II, schema, rules), by field.
                    let mut fields: Vec<&str> = Vec::new();
                    for f in r.problems.iter().filter_map(|p| s(&p.field)) {
                        if !fields.contains(&f) {
                            fields.push(f);
                        }
                    }
                    format!(
                        "incomplete, {} problem(s) in fields {}",
                        r.problems.len(),
                        fields.join(", ")
                    )
                } else {
                    let missing: Vec<&str> = r.missing.iter().filter_map(|m| s(&m.id)).collect();
                    format!("incomplete, missing {}", missing.join(", "))
                };
                format!(
                    "{t}: {state} (draft {hash}, {})",
                    s(&r.generated_at).unwrap_or("")
                )
            })
            .collect();
        out.insert("dorareportstatus".into(), json!(lines.join("\n")));
    }
    let decisions = as_list::<ApprovalRecord>(approvals);
    if !decisions.is_empty() {
        let lines: Vec<String> = decisions
            .iter()
            .map(|a| {
                let hash: String = s(&a.content_hash).unwrap_or("").chars().take(12).collect();
                format!(
                    "{} {} ({}) {} {} {hash}",
                    s(&a.at).unwrap_or(""),
                    s(&a.approver).unwrap_or(""),
                    s(&a.role).unwrap_or(""),
                    s(&a.decision).unwrap_or(""),
                    s(&a.subject).unwrap_or("")
                )
            })
            .collect();
        out.insert("doraapprovals".into(), json!(lines.join("\n")));
    }
}

pub fn updates(
    classification: Option<&Value>,
    deadlines: Option<&Value>,
    now: DateTime<Utc>,
) -> FieldUpdates {
    updates_with_reporting(classification, deadlines, None, None, now)
}

/// The updates, with the report-status and approvals fields when drafts or decisions exist.
pub fn updates_with_reporting(
    classification: Option<&Value>,
    deadlines: Option<&Value>,
    reports: Option<&Value>,
    approvals: Option<&Value>,
    now: DateTime<Utc>,
) -> FieldUpdates {
    let mut out = FieldUpdates::default();
    reporting_fields(reports, approvals, &mut out.fields);
    if let Some(c) = classification.map(latest).filter(|c| c.is_object()) {
        classification_fields(&view(c), &mut out.fields);
    }
    if let Some(d) = deadlines.map(latest).filter(|d| d.is_object()) {
        deadline_updates(&view(d), now, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_entry_is_applied() {
        let c = json!([{"IsMajor": false, "Rule": "old"}, {"IsMajor": true, "Rule": "RTS 2024/1772 Art. 8(1)(b)", "RuleText": "Major.",
            "ThresholdsMet": ["Geographical spread", "Economic impact"], "Missing": [], "InputsHash": "ab",
            "Criteria": [{"Name": "Economic impact", "Status": "met", "Evidence": "EUR 1 > 0 | x"}]}]);
        let now = timeutil::parse_vendor_date("2026-03-04T12:00:00Z").unwrap();
        let d = json!({"InitialNotification": {"Status": "due-soon", "Due": "2026-03-04T12:30:10Z", "TimeLeft": "0h 30m", "TimerField": "dorainitialnotificationsla"},
                       "IntermediateReport": {"Status": "pending", "TimerField": "doraintermediatereportsla"},
                       "FinalReport": {"Status": "not-required", "TimerField": "dorafinalreportsla"}});
        let u = updates(Some(&c), Some(&d), now);
        assert_eq!(u.fields["doraismajor"], json!(true));
        assert_eq!(
            u.fields["doracriteriamet"],
            json!("Geographical spread\nEconomic impact")
        );
        assert!(u.fields["doraclassificationsummary"]
            .as_str()
            .unwrap()
            .contains("| Economic impact | met | EUR 1 > 0 \\| x |"));
        assert_eq!(
            u.fields["dorainitialnotificationdue"],
            json!("2026-03-04T12:30:10Z")
        );
        assert_eq!(u.fields["doranextdue"], json!("2026-03-04T12:30:10Z"));
        assert_eq!(u.fields["doradeadlinestatus"], json!("Initial notification: due-soon, due 2026-03-04T12:30:10Z (0h 30m); Intermediate report: pending; Final report: not-required"));
        assert_eq!(
            u.timers[0],
            TimerUpdate {
                field: "dorainitialnotificationsla".into(),
                action: "start",
                due: Some("2026-03-04T12:30:10Z".into()),
                sla_minutes: Some(31),
                status: "due-soon".into()
            }
        );
        assert_eq!((u.timers[1].action, u.timers[2].action), ("none", "stop"));
        assert_eq!(updates(None, None, now), FieldUpdates::default());
        let r = updates_with_reporting(
            None,
            None,
            Some(
                &json!([{"Type": "initial", "ContentHash": "aaaaaaaaaaaaaaaa", "Complete": false, "Missing": [{"Id": "1.7"}], "GeneratedAt": "t1"},
                         {"Type": "initial", "ContentHash": "bbbbbbbbbbbbbbbb", "Complete": true, "Missing": [], "GeneratedAt": "t2"}]),
            ),
            Some(
                &json!({"At": "t3", "Approver": "Ana Ruiz", "Role": "CISO", "Decision": "approve", "Subject": "initial", "ContentHash": "bbbbbbbbbbbbbbbb"}),
            ),
            now,
        );
        assert_eq!(
            r.fields["dorareportstatus"],
            json!("initial: complete (draft bbbbbbbbbbbb, t2)")
        );
        let judged = updates_with_reporting(
            None,
            None,
            Some(
                &json!({"Type": "final", "ContentHash": "cccccccccccccccc", "Complete": false, "Missing": [], "GeneratedAt": "t4",
                        "Problems": [{"Field": "4.9", "Check": "schema"}, {"Field": "2.7", "Check": "schema"}, {"Field": "4.9", "Check": "rule"}]}),
            ),
            None,
            now,
        );
        assert_eq!(
            judged.fields["dorareportstatus"],
            json!("final: incomplete, 3 problem(s) in fields 4.9, 2.7 (draft cccccccccccc, t4)")
        );
        assert_eq!(
            r.fields["doraapprovals"],
            json!("t3 Ana Ruiz (CISO) approve initial bbbbbbbbbbbb")
        );
    }

    #[test]
    fn a_pending_decision_leaves_is_major_unset_and_keeps_the_timer() {
        let now = timeutil::parse_vendor_date("2026-03-04T12:00:00Z").unwrap();
        let c = json!({"IsMajor": false, "Determinate": false, "Rule": "RTS 2024/1772 Art. 8(1)"});
        let d = json!({"InitialNotification": {"Status": "on-time", "Due": "2026-03-05T08:00:00Z", "TimeLeft": "20h 00m", "TimerField": "dorainitialnotificationsla"},
                       "Decision": {"State": "pending", "DecidedBy": "system", "DecidedAt": "2026-03-04T09:00:00Z", "MissingFacts": ["clients_affected", "member_states"], "SystemVerdict": "not major on the facts known so far"}});
        let u = updates(Some(&c), Some(&d), now);
        assert!(!u.fields.contains_key("doraismajor"), "{:?}", u.fields);
        assert_eq!(
            u.fields["doradecision"],
            json!("pending: the 24-hour limit from awareness runs; missing clients_affected, member_states")
        );
        assert_eq!(u.timers[0].action, "start");
        let person = json!({"Decision": {"State": "major", "MajorSince": "2026-03-04T13:00:00Z", "DecidedBy": "k.braun", "DecidedAt": "2026-03-04T13:00:00Z",
                                         "Reason": "card payments down", "SystemVerdict": "not major on the facts known so far"}});
        let u = updates(Some(&c), Some(&person), now);
        assert_eq!(u.fields["doraismajor"], json!(true));
        assert_eq!(
            u.fields["doradecision"],
            json!("major since 2026-03-04T13:00:00Z, decided by k.braun at 2026-03-04T13:00:00Z (system verdict: not major on the facts known so far): card payments down")
        );
    }

    #[test]
    fn next_due_is_the_earliest_open_report() {
        let now = timeutil::parse_vendor_date("2026-03-10T12:00:00Z").unwrap();
        let d = json!({"InitialNotification": {"Status": "submitted", "Due": "2026-03-04T12:30:10Z"},
                       "IntermediateReport": {"Status": "overdue", "Due": "2026-03-09T12:30:10Z"},
                       "FinalReport": {"Status": "on-time", "Due": "2026-04-08T12:30:10Z"}});
        let u = updates(None, Some(&d), now);
        assert_eq!(u.fields["doranextdue"], json!("2026-03-09T12:30:10Z"));
        let done = json!({"InitialNotification": {"Status": "submitted", "Due": "2026-03-04T12:30:10Z"},
                          "FinalReport": {"Status": "not-required"}});
        assert!(!updates(None, Some(&done), now)
            .fields
            .contains_key("doranextdue"));
    }
}
