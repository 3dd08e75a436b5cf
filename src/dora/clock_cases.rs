//! The regulatory clock of RTS 2025/301 Art. 5 in cases: across midnight, month ends, DST,
//! weekends and bank holidays, with and without the relief.

use serde_json::{json, Value};

use super::clock::{deadlines, ClockFacts, DeadlineStatus, Deadlines, DueSoon};
use super::profile::EntityProfile;
use super::regulation_cases::{profile_with, t, AT};

fn clock(facts: ClockFacts, profile: &EntityProfile, now: &str) -> Deadlines {
    deadlines(&facts, profile, t(now), DueSoon::default()).unwrap()
}

fn cf(aware: &str, classified: Option<&str>) -> ClockFacts {
    ClockFacts {
        detected_at: Some(t(aware)),
        classified_at: classified.map(t),
        is_major: Some(true),
        ..Default::default()
    }
}

/// (name, facts, profile overrides, now, initial due, intermediate due, final due, relief on initial)
#[test]
fn the_clock_across_midnight_weekends_holidays_month_ends_and_dst() {
    let pi = json!({});
    let credit = json!({"entity_type": "credit_institution"});
    type Case = (
        &'static str,
        ClockFacts,
        Value,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    );
    let cases: Vec<Case> = vec![
        ("4 hours from classification", cf("2026-03-04T08:00:00Z", Some("2026-03-04T10:00:00Z")), pi.clone(), "2026-03-04T10:05:00Z", Some("2026-03-04T14:00:00Z"), None, None),
        ("24 hours from awareness comes first", cf("2026-03-04T08:00:00Z", Some("2026-03-05T06:00:00Z")), pi.clone(), "2026-03-05T06:00:00Z", Some("2026-03-05T08:00:00Z"), None, None),
        ("not yet classified: the 24-hour limit", cf("2026-03-04T08:00:00Z", None), pi.clone(), "2026-03-04T09:00:00Z", Some("2026-03-05T08:00:00Z"), None, None),
        // 2026-03-04 is a Wednesday; 22:30 Berlin (21:30Z) + 4h = 02:30 Thursday, a working day.
        ("across midnight, no relief needed", cf("2026-03-04T20:00:00Z", Some("2026-03-04T21:30:00Z")), pi.clone(), "2026-03-04T21:31:00Z", Some("2026-03-05T01:30:00Z"), None, None),
        // Saturday 2026-03-07 10:00Z + 4h falls on Saturday: Monday 2026-03-09 12:00 CET = 11:00Z.
        ("Saturday: Monday noon for a payment institution", cf("2026-03-07T09:00:00Z", Some("2026-03-07T10:00:00Z")), pi.clone(), "2026-03-07T10:00:00Z", Some("2026-03-09T11:00:00Z"), None, None),
        ("Saturday: no relief for a credit institution (Art. 5(5))", cf("2026-03-07T09:00:00Z", Some("2026-03-07T10:00:00Z")), credit.clone(), "2026-03-07T10:00:00Z", Some("2026-03-07T14:00:00Z"), None, None),
        ("Saturday: no relief for an NIS2 essential entity", cf("2026-03-07T09:00:00Z", Some("2026-03-07T10:00:00Z")), json!({"nis2_essential_or_important": true}), "2026-03-07T10:00:00Z", Some("2026-03-07T14:00:00Z"), None, None),
        ("Saturday: no relief for a significant entity", cf("2026-03-07T09:00:00Z", Some("2026-03-07T10:00:00Z")), json!({"significant_or_systemic": true}), "2026-03-07T10:00:00Z", Some("2026-03-07T14:00:00Z"), None, None),
        // Christmas Day 2026 is a Friday, Boxing Day Saturday: next working day Monday 28 Dec.
        ("Christmas Day in Germany", cf("2026-12-25T06:00:00Z", Some("2026-12-25T07:00:00Z")), pi.clone(), "2026-12-25T08:00:00Z", Some("2026-12-28T11:00:00Z"), None, None),
        // Ascension Day 2026: Thursday 14 May; Friday 15 May is a working day.
        ("Ascension Day in Germany", cf("2026-05-14T06:00:00Z", Some("2026-05-14T07:00:00Z")), pi.clone(), "2026-05-14T08:00:00Z", Some("2026-05-15T10:00:00Z"), None, None),
        // A Portuguese entity on Portugal Day (Wednesday 10 June 2026), Lisbon is UTC+1 in summer.
        ("Portugal Day in Lisbon", cf("2026-06-10T06:00:00Z", Some("2026-06-10T07:00:00Z")), json!({"home_member_state": "PT"}), "2026-06-10T08:00:00Z", Some("2026-06-11T11:00:00Z"), None, None),
        (
            "intermediate 72 hours after the initial notification, on a Saturday: Monday noon",
            ClockFacts { initial_submitted_at: Some(t("2026-03-04T13:00:00Z")), ..cf("2026-03-04T08:00:00Z", Some("2026-03-04T10:00:00Z")) },
            pi.clone(), "2026-03-04T14:00:00Z", Some("2026-03-04T14:00:00Z"), Some("2026-03-09T11:00:00Z"), None,
        ),
        (
            "intermediate on a Saturday: no relief for a credit institution",
            ClockFacts { initial_submitted_at: Some(t("2026-03-04T13:00:00Z")), ..cf("2026-03-04T08:00:00Z", Some("2026-03-04T10:00:00Z")) },
            credit.clone(), "2026-03-04T14:00:00Z", Some("2026-03-04T14:00:00Z"), Some("2026-03-07T13:00:00Z"), None,
        ),
        (
            "intermediate 72 hours after the initial notification, a Tuesday",
            ClockFacts { initial_submitted_at: Some(t("2026-03-02T09:30:00Z")), ..cf("2026-03-02T08:00:00Z", Some("2026-03-02T09:00:00Z")) },
            pi.clone(), "2026-03-02T10:00:00Z", Some("2026-03-02T13:00:00Z"), Some("2026-03-05T09:30:00Z"), None,
        ),
        (
            "final one month after 31 January is 28 February (a Saturday: Monday 2 March noon)",
            ClockFacts { initial_submitted_at: Some(t("2026-01-27T10:00:00Z")), intermediate_submitted_at: vec![t("2026-01-30T09:00:00Z"), t("2026-01-31T09:00:00Z")], ..cf("2026-01-27T08:00:00Z", Some("2026-01-27T09:00:00Z")) },
            credit.clone(), "2026-02-01T00:00:00Z", Some("2026-01-27T13:00:00Z"), Some("2026-01-30T10:00:00Z"), Some("2026-03-02T11:00:00Z"),
        ),
        (
            "final in a leap year: 31 January 2028 to Tuesday 29 February 2028",
            ClockFacts { initial_submitted_at: Some(t("2028-01-28T10:00:00Z")), intermediate_submitted_at: vec![t("2028-01-31T09:00:00Z")], ..cf("2028-01-28T08:00:00Z", Some("2028-01-28T09:00:00Z")) },
            pi.clone(), "2028-02-01T00:00:00Z", Some("2028-01-28T13:00:00Z"), Some("2028-01-31T10:00:00Z"), Some("2028-02-29T09:00:00Z"),
        ),
        (
            "final across the spring DST change keeps the wall-clock time (09:00 CET to 09:00 CEST)",
            ClockFacts { initial_submitted_at: Some(t("2026-03-05T08:00:00Z")), intermediate_submitted_at: vec![t("2026-03-02T08:00:00Z")], ..cf("2026-03-01T08:00:00Z", Some("2026-03-01T09:00:00Z")) },
            credit.clone(), "2026-03-05T09:00:00Z", Some("2026-03-01T13:00:00Z"), Some("2026-03-08T08:00:00Z"), Some("2026-04-02T07:00:00Z"),
        ),
        (
            "final across the autumn DST change (10:00 CEST to 10:00 CET)",
            ClockFacts { initial_submitted_at: Some(t("2026-10-05T07:00:00Z")), intermediate_submitted_at: vec![t("2026-10-07T08:00:00Z")], ..cf("2026-10-05T06:00:00Z", Some("2026-10-05T06:30:00Z")) },
            credit.clone(), "2026-10-08T00:00:00Z", Some("2026-10-05T10:30:00Z"), Some("2026-10-08T07:00:00Z"), Some("2026-11-09T11:00:00Z"),
        ),
    ];
    for (name, facts, overrides, now, initial, intermediate, final_due) in cases {
        let d = clock(facts, &profile_with(overrides), now);
        assert_eq!(
            d.initial_notification.due.as_deref(),
            initial,
            "{name}: {:?}",
            d.initial_notification.notes
        );
        assert_eq!(
            d.intermediate_report.due.as_deref(),
            intermediate,
            "{name}: {:?}",
            d.intermediate_report.notes
        );
        assert_eq!(
            d.final_report.due.as_deref(),
            final_due,
            "{name}: {:?}",
            d.final_report.notes
        );
    }
}

#[test]
fn deadline_status_at_now() {
    let p = profile_with(json!({"entity_type": "credit_institution"}));
    let f = cf("2026-03-04T08:00:00Z", Some("2026-03-04T10:00:00Z"));
    assert_eq!(
        clock(f.clone(), &p, "2026-03-04T10:00:00Z")
            .initial_notification
            .status,
        DeadlineStatus::OnTime
    );
    let soon = clock(f.clone(), &p, "2026-03-04T13:00:00Z").initial_notification;
    assert_eq!(
        (
            soon.status,
            soon.time_left.as_deref(),
            soon.time_left_seconds
        ),
        (DeadlineStatus::DueSoon, Some("1h 00m"), Some(3600))
    );
    let late = clock(f.clone(), &p, "2026-03-04T14:20:00Z").initial_notification;
    assert_eq!(
        (late.status, late.time_left.as_deref()),
        (DeadlineStatus::Overdue, Some("-0h 20m"))
    );
    assert_eq!(
        late.inform_authority_by.as_deref(),
        Some("2026-03-04T14:00:00Z")
    );
    let done = clock(
        ClockFacts {
            initial_submitted_at: Some(t("2026-03-04T13:59:59Z")),
            ..f.clone()
        },
        &p,
        "2026-03-04T15:00:00Z",
    );
    assert_eq!(done.initial_notification.status, DeadlineStatus::Submitted);
    assert_eq!(done.initial_notification.time_left, None);
    assert_eq!(done.intermediate_report.status, DeadlineStatus::OnTime);
    let late_sub = clock(
        ClockFacts {
            initial_submitted_at: Some(t("2026-03-04T14:00:01Z")),
            ..f.clone()
        },
        &p,
        "2026-03-04T15:00:00Z",
    );
    assert_eq!(
        late_sub.initial_notification.status,
        DeadlineStatus::SubmittedLate
    );
    let pending = clock(f.clone(), &p, "2026-03-04T10:00:00Z");
    assert_eq!(
        (
            pending.intermediate_report.status,
            pending.final_report.status
        ),
        (DeadlineStatus::Pending, DeadlineStatus::Pending)
    );
    let not_major = clock(
        ClockFacts {
            is_major: Some(false),
            ..f.clone()
        },
        &p,
        "2026-03-04T10:00:00Z",
    );
    assert_eq!(
        not_major.initial_notification.status,
        DeadlineStatus::NotRequired
    );
    assert_eq!(not_major.initial_notification.due, None);
    // Classified after the 24-hour cap: already late, and the clock says so.
    let after_cap = clock(
        cf("2026-03-04T08:00:00Z", Some("2026-03-05T09:00:00Z")),
        &p,
        "2026-03-05T09:00:00Z",
    )
    .initial_notification;
    assert_eq!(after_cap.status, DeadlineStatus::Overdue);
    assert!(
        after_cap.notes[0].contains("already late")
            && after_cap.notes[0].contains("2026-03-05T13:00:00Z"),
        "{:?}",
        after_cap.notes
    );
    assert_eq!(
        after_cap.due_local.as_deref(),
        Some("2026-03-05T09:00:00+01:00")
    );
}

#[test]
fn clock_input_errors() {
    let p = profile_with(json!({}));
    let e = deadlines(&ClockFacts::default(), &p, t(AT), DueSoon::default()).unwrap_err();
    assert_eq!(e.argument, "detected_at");
    let e = deadlines(
        &cf("2026-03-04T08:00:00Z", Some("2026-03-04T07:00:00Z")),
        &p,
        t(AT),
        DueSoon::default(),
    )
    .unwrap_err();
    assert_eq!(e.argument, "classified_at");
}

#[test]
fn dst_gaps_and_overlaps_resolve_to_the_earlier_instant() {
    use chrono::NaiveDateTime;
    let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
    let gap = NaiveDateTime::parse_from_str("2027-03-28 02:30:00", "%Y-%m-%d %H:%M:%S").unwrap();
    assert_eq!(
        super::clock::resolve_local_for_tests(berlin, gap),
        t("2027-03-28T00:59:59Z")
    );
    let overlap =
        NaiveDateTime::parse_from_str("2026-10-25 02:30:00", "%Y-%m-%d %H:%M:%S").unwrap();
    assert_eq!(
        super::clock::resolve_local_for_tests(berlin, overlap),
        t("2026-10-25T00:30:00Z")
    );
}

/// A re-assessment that still finds the incident major keeps the first moment of classification;
/// one that follows a "not major" classification starts the 4 hours; an argument overrides both.
#[test]
fn a_re_assessment_does_not_restart_the_four_hours() {
    use super::facts::Lookup;

    let profile = profile_with(json!({}));
    let entry = |at: &str, major: Value| json!({"DetectedAt": "2026-03-04T08:00:00Z", "ClassifiedAt": at, "IsMajor": major});
    let due = |context: Value, args: Value| {
        let facts = ClockFacts::resolve(&Lookup {
            args: &args,
            incident: &json!({}),
            context: &context,
        })
        .unwrap();
        let d = deadlines(
            &facts,
            &profile,
            t("2026-03-04T10:30:00Z"),
            DueSoon::default(),
        )
        .unwrap();
        (
            d.initial_notification.due.unwrap(),
            d.initial_notification.notes.join(" "),
        )
    };
    let twice_major = json!({"DORA": {"Classification": [
        entry("2026-03-04T09:00:00Z", json!(true)),
        entry("2026-03-04T10:00:00Z", json!("true")),
    ]}});
    let (at, note) = due(twice_major.clone(), json!({}));
    assert_eq!(at, "2026-03-04T13:00:00Z");
    assert!(note.contains("first at 2026-03-04T09:00:00Z"), "{note}");

    let major_after_minor = json!({"DORA": {"Classification": [
        entry("2026-03-04T09:00:00Z", json!(false)),
        entry("2026-03-04T10:00:00Z", json!(true)),
    ]}});
    assert_eq!(due(major_after_minor, json!({})).0, "2026-03-04T14:00:00Z");

    let (at, note) = due(
        twice_major,
        json!({"classified_at": "2026-03-04T10:00:00Z"}),
    );
    assert_eq!(at, "2026-03-04T14:00:00Z");
    assert!(note.is_empty() || !note.contains("first at"));

    let single = json!({"DORA": {"Classification": entry("2026-03-04T09:30:00Z", json!(true))}});
    assert_eq!(due(single, json!({})).0, "2026-03-04T13:30:00Z");
}

/// The clock of an incident whose context holds these verdicts and decisions.
fn clock_in(context: Value, now: &str) -> Deadlines {
    let facts = ClockFacts::resolve(&super::facts::Lookup {
        args: &json!({"aware_at": "2026-03-04T08:00:00Z"}),
        incident: &Value::Null,
        context: &context,
    })
    .unwrap();
    clock(facts, &profile_with(json!({})), now)
}

#[test]
fn an_inconclusive_verdict_leaves_the_awareness_clock_running() {
    let d = clock_in(
        json!({"DORA": {"Classification": {"IsMajor": false, "Determinate": false, "ClassifiedAt": "2026-03-04T09:00:00Z", "Missing": ["clients_affected", "member_states"]}}}),
        "2026-03-04T10:00:00Z",
    );
    let decision = d.decision.as_ref().unwrap();
    assert_eq!(decision.state, super::decision::DecisionState::Pending);
    assert_eq!(
        decision.missing_facts,
        vec!["clients_affected", "member_states"]
    );
    let initial = &d.initial_notification;
    assert_eq!(initial.status, DeadlineStatus::OnTime);
    assert_eq!(
        initial.due.as_deref(),
        Some("2026-03-05T08:00:00Z"),
        "24 hours from awareness"
    );
    assert_eq!(d.intermediate_report.status, DeadlineStatus::Pending);
    assert!(
        initial
            .notes
            .iter()
            .any(|n| n.contains("clients_affected, member_states")),
        "{:?}",
        initial.notes
    );
}

#[test]
fn a_conclusive_not_major_verdict_stops_the_clock() {
    let d = clock_in(
        json!({"DORA": {"Classification": {"IsMajor": false, "Determinate": true, "ClassifiedAt": "2026-03-04T09:00:00Z"}}}),
        "2026-03-04T10:00:00Z",
    );
    assert_eq!(d.initial_notification.status, DeadlineStatus::NotRequired);
    assert_eq!(d.final_report.status, DeadlineStatus::NotRequired);
}

#[test]
fn a_persons_major_at_13_after_awareness_at_08_makes_the_initial_due_at_17() {
    let d = clock_in(
        json!({"DORA": {
            "Classification": {"IsMajor": false, "Determinate": false, "ClassifiedAt": "2026-03-04T09:00:00Z", "Missing": ["clients_affected"]},
            "Audit": [{"Seq": 1, "Kind": "decision", "At": "2026-03-04T13:00:00Z", "Actor": "k.braun", "Details": {"Decision": "major", "Reason": "card payments down for a third of clients"}}]
        }}),
        "2026-03-04T13:05:00Z",
    );
    assert_eq!(
        d.initial_notification.due.as_deref(),
        Some("2026-03-04T17:00:00Z")
    );
    assert_eq!(d.initial_notification.status, DeadlineStatus::OnTime);
    let decision = d.decision.unwrap();
    assert_eq!(decision.decided_by.as_deref(), Some("k.braun"));
    assert_eq!(
        decision.system_verdict,
        Some("not major on the facts known so far")
    );
}

#[test]
fn a_persons_not_major_with_a_reason_stops_the_clock_over_a_major_verdict() {
    let d = clock_in(
        json!({"DORA": {
            "Classification": {"IsMajor": true, "Determinate": true, "ClassifiedAt": "2026-03-04T09:00:00Z"},
            "Audit": [{"Seq": 1, "Kind": "decision", "At": "2026-03-04T10:00:00Z", "Actor": "m.weber", "Details": {"Decision": "not-major", "Reason": "the test environment, not production"}}]
        }}),
        "2026-03-04T10:05:00Z",
    );
    assert_eq!(d.initial_notification.status, DeadlineStatus::NotRequired);
    let decision = d.decision.unwrap();
    assert_eq!(
        decision.reason.as_deref(),
        Some("the test environment, not production")
    );
    assert_eq!(decision.system_verdict, Some("major"));
}

/// What the clock writes reads back through the typed record the field updates and the views
/// use: a renamed output key fails here, not silently in another module.
#[test]
fn the_deadlines_read_back_as_the_records_other_modules_use() {
    let facts = ClockFacts {
        decision: None,
        ..cf("2026-03-06T16:00:00Z", Some("2026-03-06T17:00:00Z"))
    };
    let d = clock(facts, &profile_with(json!({})), AT);
    let written = serde_json::to_value(&d).unwrap();
    let read: crate::context::DeadlinesRecord = crate::context::view(&written);
    for (w, r) in [
        (&d.initial_notification, &read.initial_notification),
        (&d.intermediate_report, &read.intermediate_report),
        (&d.final_report, &read.final_report),
    ] {
        let r = r.as_ref().expect("every report is in the record");
        assert_eq!(r.due, w.due);
        assert_eq!(r.base_due, w.base_due);
        assert_eq!(r.relief_applied, Some(w.relief_applied));
        assert_eq!(r.rule.as_deref(), Some(w.rule.as_str()));
        assert_eq!(r.time_left, w.time_left);
        assert_eq!(r.submitted_at, w.submitted_at);
        assert_eq!(r.inform_authority_by, w.inform_authority_by);
        assert_eq!(r.notes, w.notes);
        assert_eq!(r.timer_field.as_deref(), Some(w.timer_field));
        assert_eq!(
            r.status.as_ref().map(|s| json!(s)),
            Some(json!(w.status)),
            "status"
        );
    }
    // The optional keys were there to read, so each equality above compared a value.
    let initial = read.initial_notification.as_ref().unwrap();
    assert!(initial.due.is_some() && initial.base_due.is_some() && initial.time_left.is_some());
    assert!(initial.inform_authority_by.is_some());
}
