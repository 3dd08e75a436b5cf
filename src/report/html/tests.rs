use chrono::Duration;
use serde_json::{json, Value};

use super::timeline::{assign_lanes, LABEL_GAP};
use super::*;

mod fixtures;
use fixtures::{balanced, classification, now, real_deadlines, sparse, status_box_of, t, view};

#[test]
fn a_sparse_draft_renders_one_self_contained_document() {
    let d = sparse("intermediate", &json!({}), "Card payments failing.");
    let dl = real_deadlines(Some("2026-11-23T11:40:00Z"));
    let html = render(&view(
        &d,
        Some(&dl),
        timeline_from(Some(&classification()), Some(&dl)),
        vec![],
    ));
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.trim_end().ends_with("</html>"));
    assert_eq!(html.matches("<html").count(), 1);
    balanced(&html).unwrap();
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    assert!(
        html.matches("<svg class=\"gauge\"").count() == 3,
        "three clocks"
    );
    assert!(html.contains("<svg class=\"timeline\""));
    let lower = html.to_lowercase();
    for banned in [
        "<script",
        "http://",
        "https://",
        "url(",
        "@import",
        "<link",
        "<img",
        "@font-face",
        "javascript:",
    ] {
        assert!(!lower.contains(banned), "{banned} in the page");
    }
    assert!(html.contains("<h1>DORA Intermediate report — draft</h1>"));
    assert!(html.contains(&format!("<code class=\"hash\">{}</code>", d.content_hash)));
    assert!(
        html.contains("<code>intermediate_report</code>"),
        "field 1.1"
    );
    assert!(html.contains("@media print") && html.contains("size:A4"));
    // Sections 1-3 of an intermediate report, in order, and no section 4.
    let (a, b, c) = (
        html.find("<h3>1. General").unwrap(),
        html.find("<h3>2. Initial notification").unwrap(),
        html.find("<h3>3. Intermediate report").unwrap(),
    );
    assert!(a < b && b < c);
    assert!(!html.contains("<h3>4. Final report"));
    // The order of the page: header, clock, timeline, approvals, fields.
    let order: Vec<usize> = [
        "<header>",
        "<h2>Deadline clock",
        "<h2>Timeline",
        "<h2>Approvals",
        "<h2>Fields",
    ]
    .iter()
    .map(|s| html.find(s).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
}

#[test]
fn the_status_box_says_incomplete_and_lists_the_missing_fields() {
    let context = json!({"DORA": {"IncidentReport": {"PrimaryContactEmail": "not-an-email"}}});
    let d = sparse("initial", &context, "x");
    assert!(!d.complete);
    let html = render(&view(&d, None, vec![], vec![]));
    let status = status_box_of(&html);
    let n = d.missing.len();
    assert!(n >= 5);
    assert_eq!(
        d.problems.len(),
        n + 1,
        "the missing fields and the refused e-mail"
    );
    assert!(
        status.contains(&format!("Incomplete: {} problems", n + 1)),
        "{status}"
    );
    for id in ["1.7", "1.8", "1.9", "2.7", "2.9"] {
        assert!(
            status.contains(&format!("<li class=\"problem\"><b>{id}</b>")),
            "{id} not listed: {status}"
        );
    }
    for g in &d.missing {
        assert!(
            status.contains(&format!("<code>DORA.IncidentReport.{}", g.key)),
            "{}",
            g.key
        );
    }
    assert!(status.contains("is not an e-mail address"), "{status}");
    // The same gaps are highlighted among the fields.
    assert_eq!(html.matches("<tr class=\"missing\">").count(), n);
    assert!(html.contains("missing — fill <code>DORA.IncidentReport.PrimaryContactName</code>"));
    assert!(html.contains("The regulatory clock has not run"));

    let mut done = d.clone();
    done.missing.clear();
    done.problems.clear();
    done.complete = true;
    let html = render(&view(&done, None, vec![], vec![]));
    assert!(status_box_of(&html).contains("<p class=\"status-head\">Complete</p>"));
}

#[test]
fn markup_from_the_incident_is_escaped_everywhere() {
    let evil = "<img src=x onerror=alert(1)>";
    let d = sparse("initial", &json!({}), evil);
    let timeline = vec![TimelineEvent {
        at: "2026-11-23T10:00:00Z".into(),
        label: format!("Call \"war room\" & {evil}"),
        kind: EventKind::Incident,
    }];
    let approvals = vec![
        json!({"Approver": "o'brien", "Role": "CISO", "Decision": "approve", "At": "2026-11-23T11:50:00Z", "ContentHash": d.content_hash, "Comment": evil}),
    ];
    let mut v = view(&d, None, timeline, approvals);
    v.entity_name = Some("Bank <b>A</b> & 'B'");
    let html = render(&v);
    assert!(!html.contains("<img"), "raw markup in the page");
    assert!(!html.contains("<b>A</b>"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("Bank &lt;b&gt;A&lt;/b&gt; &amp; 'B'"));
    assert!(html.contains("Call &quot;war room&quot; &amp; &lt;img"));
    // maud leaves `'` as it is: every attribute is in double quotes, which a `'` cannot end.
    assert!(html.contains("<td>o'brien</td>"));
    assert!(!html.contains("='"), "an attribute in single quotes");
    balanced(&html).unwrap();
}

#[test]
fn a_hostile_content_hash_stays_inside_its_attribute() {
    let d = sparse("initial", &json!({}), "x");
    let hostile = "\" onmouseover=\"alert(1)\" x=\"<script>&";
    let approvals = vec![
        json!({"Approver": "A", "Role": "CISO", "Decision": "<script>alert(1)</script>", "At": "2026-11-23T11:50:00Z", "ContentHash": hostile}),
    ];
    let html = render(&view(&d, None, vec![], approvals));
    assert!(!html.contains("<script"), "raw markup in the page");
    assert!(
        !html.contains("\" onmouseover=\""),
        "the hash left its attribute"
    );
    assert!(html.contains(
        "<code title=\"&quot; onmouseover=&quot;alert(1)&quot; x=&quot;&lt;script&gt;&amp;\">"
    ));
    assert!(html.contains("<td class=\"decision\">&lt;script&gt;alert(1)&lt;/script&gt;</td>"));
    balanced(&html).unwrap();
}

fn report(status: &str, due: Option<&str>, submitted: Option<&str>, left: Option<&str>) -> Value {
    json!({"Status": status, "Due": due, "DueLocal": due.map(|_| "2026-11-23T16:05:00+01:00"), "BaseDue": due, "ReliefApplied": false,
           "Rule": "4 hours from classification as major (RTS 2025/301 Art. 5(1)(a))", "SubmittedAt": submitted, "TimeLeft": left, "Notes": []})
}

#[test]
fn the_clock_arcs_carry_the_status_colours() {
    let d = sparse("initial", &json!({}), "x");
    let classification = classification();
    let timeline = timeline_from(Some(&classification), None);
    let cases = [
        (
            "on-time",
            Some("2026-11-23T15:05:00Z"),
            None,
            Some("3h 5m"),
            "#2e7d32",
        ),
        (
            "due-soon",
            Some("2026-11-23T12:30:00Z"),
            None,
            Some("0h 30m"),
            "#e69500",
        ),
        (
            "overdue",
            Some("2026-11-23T11:30:00Z"),
            None,
            Some("-0h 30m"),
            "#c62828",
        ),
        (
            "submitted",
            Some("2026-11-23T15:05:00Z"),
            Some("2026-11-23T11:40:00Z"),
            None,
            "#1565c0",
        ),
        (
            "submitted-late",
            Some("2026-11-23T11:30:00Z"),
            Some("2026-11-23T11:45:00Z"),
            None,
            "#607d8b",
        ),
    ];
    for (status, due, submitted, left, colour) in cases {
        let dl = json!({"InitialNotification": report(status, due, submitted, left), "IntermediateReport": report("pending", None, None, None),
                        "FinalReport": report("not-required", None, None, None), "TimeZone": "Europe/Berlin", "MemberState": "DE"});
        let html = render(&view(&d, Some(&dl), timeline.clone(), vec![]));
        assert!(
            html.contains(&format!("class=\"arc arc-{status}\" stroke=\"{colour}\"")),
            "{status}"
        );
        assert_eq!(
            html.matches("class=\"arc ").count(),
            1,
            "{status}: pending and not-required clocks are empty"
        );
        assert!(
            html.contains("stroke=\"#b0bec5\" stroke-width=\"12\""),
            "the pending track is light grey"
        );
        if let Some(l) = left {
            assert!(html.contains(&format!("<dt>Time left</dt><dd><b>{l}</b></dd>")));
        }
        balanced(&html).unwrap();
    }
    // Past the due time the ring is full.
    let dl = json!({"InitialNotification": report("overdue", Some("2026-11-23T11:30:00Z"), None, Some("-0h 30m"))});
    let html = render(&view(&d, Some(&dl), timeline.clone(), vec![]));
    assert!(html.contains("<circle class=\"arc arc-overdue\" stroke=\"#c62828\""));
    assert!(html.contains("100% elapsed"));
}

#[test]
fn the_clock_reads_the_real_deadlines_and_measures_the_window() {
    let d = sparse("initial", &json!({}), "x");
    let dl = real_deadlines(None);
    let html = render(&view(
        &d,
        Some(&dl),
        timeline_from(Some(&classification()), Some(&dl)),
        vec![],
    ));
    // Classified 11:05, due 15:05, now 12:00: 55 of 240 minutes.
    assert!(html.contains("class=\"arc arc-on-time\" stroke=\"#2e7d32\""));
    assert!(html.contains("23% elapsed"), "{html}");
    assert!(
        html.contains("<dt>Due (UTC)</dt><dd><span class=\"t\">2026-11-23T15:05:00Z</span></dd>")
    );
    assert!(html.contains(
        "<dt>Due (local)</dt><dd><span class=\"t\">2026-11-23T16:05:00+01:00</span></dd>"
    ));
    assert!(html.contains("4 hours from classification as major (RTS 2025/301 Art. 5(1)(a))"));
    assert!(
        html.contains("<dt>Window from</dt><dd><span class=\"t\">2026-11-23T11:05:00Z</span></dd>")
    );
    assert!(html.contains("<p class=\"badge\" style=\"background:#b0bec5\">Pending</p>"));
    assert!(!html.contains("relief applied"));
    // The intermediate window opens at the initial submission: a Friday submission falls
    // due on a Monday; a Thursday one on a Sunday, relieved to Monday noon in Berlin.
    let mut dl = dl.clone();
    dl["IntermediateReport"] = json!({"Status": "on-time", "Due": "2026-11-23T11:00:00Z", "BaseDue": "2026-11-22T12:10:00Z", "ReliefApplied": true,
                                      "Rule": "72 hours from the submission of the initial notification (RTS 2025/301 Art. 5(1)(b))", "TimeLeft": "1h 0m"});
    dl["InitialNotification"]["SubmittedAt"] = json!("2026-11-19T12:10:00Z");
    let html = render(&HtmlView {
        now: t("2026-11-23T10:00:00Z"),
        ..view(&d, Some(&dl), timeline_from(None, Some(&dl)), vec![])
    });
    assert!(html.contains("<b>weekend/holiday relief applied</b> (time limit without relief <span class=\"t\">2026-11-22T12:10:00Z</span>)"));
    assert!(
        html.contains("<dt>Window from</dt><dd><span class=\"t\">2026-11-19T12:10:00Z</span></dd>")
    );
}

#[test]
fn the_usual_timeline_comes_from_classification_and_deadlines() {
    let mut c = classification();
    c["AwareAt"] = json!("2026-11-23T09:20:00Z");
    c["Facts"]["downtime_end"] = json!({"Value": "2026-11-24T18:00:00Z"});
    c["Facts"]["resolved_at"] = json!({"Value": null});
    let dl = real_deadlines(Some("2026-11-23T11:40:00Z"));
    let events = timeline_from(Some(&c), Some(&dl));
    let got: Vec<(&str, &str, EventKind)> = events
        .iter()
        .map(|e| (e.at.as_str(), e.label.as_str(), e.kind))
        .collect();
    assert_eq!(
        got,
        vec![
            ("2026-11-23T08:50:00Z", "Occurred", EventKind::Incident),
            ("2026-11-23T09:14:00Z", "Detected", EventKind::Incident),
            ("2026-11-23T09:20:00Z", "Became aware", EventKind::Incident),
            (
                "2026-11-23T11:05:00Z",
                "Classified as major",
                EventKind::Incident
            ),
            (
                "2026-11-23T11:40:00Z",
                "Initial notification submitted",
                EventKind::Submission
            ),
            (
                "2026-11-23T15:05:00Z",
                "Initial notification due",
                EventKind::Deadline
            ),
            (
                "2026-11-24T18:00:00Z",
                "Regular activities recovered",
                EventKind::Incident
            ),
            (
                "2026-11-26T11:40:00Z",
                "Intermediate report due",
                EventKind::Deadline
            ),
        ]
    );
    assert!(timeline_from(None, None).is_empty());
    // XSOAR lists: the newest classification counts.
    let listed =
        json!([{"DetectedAt": "2026-01-01T00:00:00Z"}, {"DetectedAt": "2026-11-23T09:14:00Z"}]);
    assert_eq!(
        timeline_from(Some(&listed), None)[0].at,
        "2026-11-23T09:14:00Z"
    );
}

#[test]
fn the_timeline_has_one_marker_per_event_and_a_now_line() {
    let d = sparse("initial", &json!({}), "x");
    let dl = real_deadlines(Some("2026-11-23T11:40:00Z"));
    let mut events = timeline_from(Some(&classification()), Some(&dl));
    events.push(TimelineEvent {
        at: "2026-11-23T11:30:00Z".into(),
        label: "Approved by the CISO".into(),
        kind: EventKind::Approval,
    });
    events.push(TimelineEvent {
        at: "yesterday-ish".into(),
        label: "Unreadable".into(),
        kind: EventKind::Incident,
    });
    let html = render(&view(&d, Some(&dl), events.clone(), vec![]));
    assert_eq!(
        html.matches("<g class=\"marker ").count(),
        events.len() - 1,
        "one marker per readable event"
    );
    for kind in ["incident", "deadline", "submission", "approval"] {
        assert!(
            html.contains(&format!("<g class=\"marker marker-{kind}\">")),
            "{kind}"
        );
    }
    assert_eq!(html.matches("class=\"now-line\"").count(), 1);
    assert!(html.contains("now · 23 Nov 12:00 UTC"));
    assert!(html.contains("(time not understood, not drawn)"));
    assert!(html.contains("<text class=\"tick\""));
    balanced(&html).unwrap();
}

#[test]
fn timelines_of_0_1_and_30_events_render() {
    let d = sparse("initial", &json!({}), "x");
    let minutes = |n: i64| {
        (0..n)
            .map(|i| TimelineEvent {
                at: timeutil::to_rfc3339(now() - Duration::seconds(20 * i)),
                label: format!("Alarm {i}"),
                kind: EventKind::Incident,
            })
            .collect::<Vec<_>>()
    };
    let month = (0..30)
        .map(|i| TimelineEvent {
            at: timeutil::to_rfc3339(now() + Duration::days(i)),
            label: format!("Update {i} of the intermediate report"),
            kind: EventKind::Submission,
        })
        .collect::<Vec<_>>();
    let single = vec![TimelineEvent {
        at: timeutil::to_rfc3339(now()),
        label: "Detected".into(),
        kind: EventKind::Incident,
    }];
    for (name, events) in [
        ("none", vec![]),
        ("one at now", single),
        ("thirty in ten minutes", minutes(30)),
        ("thirty over a month", month),
    ] {
        let html = render(&view(&d, None, events.clone(), vec![]));
        balanced(&html).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            html.matches("<g class=\"marker ").count(),
            events.len(),
            "{name}"
        );
        assert_eq!(html.matches("class=\"now-line\"").count(), 1, "{name}");
        let ticks = html.matches("<text class=\"tick\"").count();
        assert!((1..=9).contains(&ticks), "{name}: {ticks} ticks");
        assert!(
            !html.contains("NaN") && !html.contains("=\"inf") && !html.contains("=\"-inf"),
            "{name}"
        );
        if events.is_empty() {
            assert!(html.contains("No events recorded yet."));
        }
    }
}

#[test]
fn labels_in_one_lane_never_overlap() {
    let extents: Vec<(f64, f64)> = (0..60)
        .map(|i| {
            (
                f64::from(i) * 13.0 % 900.0,
                f64::from(i) * 13.0 % 900.0 + 120.0,
            )
        })
        .collect();
    let mut sorted = extents.clone();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let lanes = assign_lanes(&sorted);
    for i in 0..sorted.len() {
        for j in i + 1..sorted.len() {
            if lanes[i] == lanes[j] {
                assert!(
                    sorted[i].1 + LABEL_GAP <= sorted[j].0
                        || sorted[j].1 + LABEL_GAP <= sorted[i].0,
                    "{i} and {j} overlap in lane {}",
                    lanes[i]
                );
            }
        }
    }
    // Spread-out labels all fit in the first lane.
    assert_eq!(
        assign_lanes(&[(0.0, 50.0), (100.0, 150.0), (200.0, 250.0)]),
        vec![0, 0, 0]
    );
    assert_eq!(
        assign_lanes(&[(0.0, 50.0), (10.0, 60.0), (20.0, 70.0)]),
        vec![0, 1, 2]
    );
}

#[test]
fn an_approval_bound_to_another_hash_is_void() {
    let d = sparse("initial", &json!({}), "x");
    let approvals = vec![
        json!({"Approver": "A. Weber", "Role": "CISO", "Decision": "approve", "At": "2026-11-23T11:20:00Z", "ContentHash": "0".repeat(64), "Comment": "before the BCP field changed"}),
        json!({"Approver": "M. Rossi", "Role": "Chief Risk Officer", "Decision": "approve", "At": "2026-11-23T11:50:00Z", "ContentHash": d.content_hash, "Comment": ""}),
        json!({"Approver": "J. Doe", "Role": "Head of IT", "Decision": "reject", "At": "2026-11-23T11:55:00Z", "ContentHash": d.content_hash}),
    ];
    let html = render(&view(&d, None, vec![], approvals));
    assert_eq!(html.matches("for an earlier draft, void").count(), 1);
    assert_eq!(
        html.matches("<span class=\"ok\">this draft</span>").count(),
        2
    );
    assert!(html.contains(
        "For this draft: <b>1 approval</b>, <b>1 rejection</b>. Void (bound to other content): 1."
    ));
    let weber = &html[html.find("A. Weber").unwrap() - 60..html.find("A. Weber").unwrap()];
    assert!(weber.contains("<tr class=\"voided\">"), "{weber}");
    let rossi = &html[html.find("M. Rossi").unwrap() - 60..html.find("M. Rossi").unwrap()];
    assert!(rossi.contains("<tr class=\"bound\">"), "{rossi}");
    assert!(html.contains("<span class=\"bad\">Rejected</span>"));
    assert!(render(&view(&d, None, vec![], vec![])).contains("No approval recorded"));
}

/// A whole page, as an approver sees it: hostile text from the incident is escaped, the clock,
/// the timeline and both approvals are shown, the one bound to an older draft voided. (`make
/// demo` writes such a page to demo-output/, `cargo run --example example_page` to target/.)
#[test]
fn a_whole_page_escapes_the_incident_and_shows_clock_timeline_and_approvals() {
    let context = json!({"DORA": {"IncidentReport": {"PrimaryContactName": "Anna Weber", "PrimaryContactEmail": "not-an-email", "IncidentDiscovery": "it_security"}}});
    let d = sparse("intermediate", &context, "Card payments failing for Austrian and German clients since 08:50 UTC.\nAcquirer gateway returns HTTP 503; the attacker left a note: <img src=x onerror=alert(1)>");
    let dl = real_deadlines(Some("2026-11-23T11:40:00Z"));
    let approved = TimelineEvent {
        at: "2026-11-23T11:35:00Z".into(),
        label: "Initial notification approved (CISO)".into(),
        kind: EventKind::Approval,
    };
    let events: Vec<TimelineEvent> = timeline_from(Some(&classification()), Some(&dl))
        .into_iter()
        .chain([approved])
        .collect();
    let approvals = vec![
        json!({"Approver": "Anna Weber", "Role": "CISO", "Decision": "approve", "At": "2026-11-23T11:30:00Z", "ContentHash": "9f2c".repeat(16), "Comment": "Approved before the client figures were updated."}),
        json!({"Approver": "Marco Rossi", "Role": "Chief Risk Officer", "Decision": "approve", "At": "2026-11-23T11:55:00Z", "ContentHash": d.content_hash, "Comment": "Figures are estimates; fine to send."}),
    ];
    let html = render(&view(&d, Some(&dl), events, approvals));
    assert!(
        !html.contains("<img src=x"),
        "the incident's text reached the page unescaped"
    );
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("<svg") && html.contains("Initial notification approved (CISO)"));
    assert!(html.contains("Zahlungsinstitut Beispiel GmbH"));
    let weber = &html[html.find("Anna Weber").unwrap() - 60..html.find("Anna Weber").unwrap()];
    assert!(weber.contains("<tr class=\"voided\">"), "{weber}");
    let rossi = &html[html.find("Marco Rossi").unwrap() - 60..html.find("Marco Rossi").unwrap()];
    assert!(rossi.contains("<tr class=\"bound\">"), "{rossi}");
}
