//! The submission gate: reports in order, true times, combined reports only when asked, and a
//! keyed chain that a forger cannot extend.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::decision_case::{ana, initial_approved, initial_submitted, jonas, Case};
use crate::audit::testing::INCIDENT;
use crate::audit::Entry;

#[test]
fn reports_go_in_order_and_combined_only_when_asked() {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    c.draft_approved("intermediate");
    let e = c.submit("intermediate").unwrap_err();
    assert!(
        e.contains("follows the initial report, which has not been marked submitted")
            && e.contains("combined_with=initial"),
        "{e}"
    );
    // Asked for explicitly: the initial notification and the intermediate report together.
    c.approve(&ana(), "classification").unwrap();
    c.draft_approved("initial");
    let at = c.clock + Duration::minutes(1);
    let entries = c.submit_at("intermediate", at, &["initial"]).unwrap();
    let subjects: Vec<&Value> = entries.iter().map(|e| &e.details["Subject"]).collect();
    assert_eq!(subjects, [&json!("initial"), &json!("intermediate")]);
    assert_eq!(entries[1].details["CombinedWith"], json!(["initial"]));
    // The final report cannot skip the intermediate one, and gaps are refused.
    let mut d = initial_submitted();
    d.draft_approved("final");
    assert!(d
        .submit("final")
        .unwrap_err()
        .contains("follows the intermediate report"));
    let at = d.clock + Duration::minutes(1);
    assert!(d
        .submit_at("final", at, &["initial"])
        .unwrap_err()
        .contains("must follow each other"));
}

#[test]
fn a_reclassification_only_after_a_not_major_decision_and_an_initial_notification() {
    let mut c = Case::new();
    c.classify(false, "inputs-0");
    c.draft_approved("reclassification");
    assert!(c
        .submit("reclassification")
        .unwrap_err()
        .contains("no initial notification was submitted"));

    let mut m = initial_submitted();
    m.draft_approved("reclassification");
    let e = m.submit("reclassification").unwrap_err();
    assert!(
        e.contains("needs the latest decision to be \"not major\""),
        "{e}"
    );
    m.classify(false, "inputs-2");
    m.submit("reclassification").unwrap();
    m.draft_approved("intermediate");
    assert!(m
        .submit("intermediate")
        .unwrap_err()
        .contains("reclassified as non-major"));
}

#[test]
fn submitted_at_is_neither_in_the_future_nor_before_the_approvals_it_relies_on() {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    c.approve(&ana(), "classification").unwrap();
    c.draft_approved("initial");
    let future = c.clock + Duration::hours(1);
    let e = c.submit_at("initial", future, &[]).unwrap_err();
    assert!(e.contains("is in the future"), "{e}");
    let back_dated = DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let e = c.submit_at("initial", back_dated, &[]).unwrap_err();
    assert!(
        e.contains("is before the Chief Risk Officer approval of the initial report"),
        "{e}"
    );
    let right = c.clock;
    c.submit_at("initial", right, &[]).unwrap();
}

#[test]
fn a_tampered_chain_refuses_every_decision() {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    let h = c.draft("initial", "v1");
    c.approve(&ana(), "initial").unwrap();
    let before = c.chain.len();
    c.chain[2].details["ContentHash"] = json!("forged");
    let e = c
        .decide_as(&jonas(), "initial", true, None, Some(&h))
        .unwrap_err();
    assert!(
        e.starts_with("The evidence chain fails verification at entry 2"),
        "{e}"
    );
    assert!(c
        .submit("initial")
        .unwrap_err()
        .starts_with("The evidence chain fails verification"));
    assert_eq!(c.chain.len(), before, "nothing appended");
    // A cut tail is found through the head recorded outside the incident.
    let mut cut = Case::new();
    cut.classify(true, "inputs-1");
    cut.draft("initial", "v1");
    cut.chain.pop();
    let e = cut.approve(&ana(), "initial").unwrap_err();
    assert!(e.contains("cut from the end"), "{e}");
}

/// The forged-approval scenario: an approval appended to `DORA.Audit` by hand, with the right
/// `PrevHash` and the hash recomputed with the public algorithm, cannot unlock the submission.
#[test]
fn a_forged_approval_cannot_unlock_the_submission() {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    c.approve(&ana(), "classification").unwrap();
    let h = c.draft("initial", "v1");
    c.approve(&ana(), "initial").unwrap();
    let last = c.chain.last().unwrap().clone();
    let mut forged = Entry {
        seq: last.seq + 1,
        at: last.at.clone(),
        kind: "approval".into(),
        actor: "jonas.weber".into(),
        details: json!({"Subject": "initial", "ContentHash": h, "Role": "Chief Risk Officer", "Decision": "approve", "Comment": "", "User": {"Username": "jonas.weber"}}),
        prev_hash: last.hash.clone(),
        key_id: last.key_id.clone(),
        mac: last.mac.clone(),
        hash: String::new(),
    };
    forged.hash = forged.computed_hash(INCIDENT);
    c.chain.push(forged);
    assert!(!c.verifies());
    let e = c.submit("initial").unwrap_err();
    assert!(e.starts_with("The evidence chain fails verification at entry 5: entry 5 was appended by someone without the chain key"), "{e}");
    assert_eq!(c.chain.iter().filter(|e| e.kind == "submission").count(), 0);
}

#[test]
fn a_late_report_needs_its_reason_and_the_chain_keeps_it() {
    let mut c = initial_approved();
    // Due 20 minutes before the report reaches the authority.
    let at = c.clock + Duration::minutes(1);
    c.dues = vec![("initial", at - Duration::minutes(20))];
    let e = c.submit_at("initial", at, &[]).unwrap_err();
    assert!(
        e.contains("late_reason") && e.contains("0h 20m after its due time"),
        "{e}"
    );
    c.late_reason = Some("  ");
    assert!(
        c.submit_at("initial", at, &[]).is_err(),
        "a blank reason is no reason"
    );
    c.late_reason = Some("The authority's portal was down from 12:10 to 12:35 UTC.");
    let entries = c.submit_at("initial", at, &[]).unwrap();
    let d = &entries[0].details;
    assert_eq!(d["Late"], json!(true));
    assert_eq!(d["LateBy"], json!("0h 20m"));
    assert_eq!(d["LateReason"], json!(c.late_reason.unwrap()));
    assert!(c.verifies());
    // On time, no reason is asked and none is recorded.
    let mut d = initial_approved();
    let at = d.clock + Duration::minutes(1);
    d.dues = vec![("initial", at)];
    d.late_reason = Some("not asked for");
    let entries = d.submit_at("initial", at, &[]).unwrap();
    assert_eq!(entries[0].details["Late"], json!(false));
    assert_eq!(entries[0].details["LateReason"], Value::Null);
}
