//! The mirror and the tag actions against an in-memory SOCRadar that can fail after acting.

use std::cell::RefCell;

use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

use super::incoming::{self, Shape, Window};
use super::outgoing::{self, Closing, OutComment, OutgoingUpdate};
use super::record::Outcome;
use super::state::MirrorState;
use super::{AlarmRemote, MirrorDirection, MirrorSettings};
use crate::socradar::actions::{ActionRequest, STATUS_REASONS};
use crate::socradar::error::SocRadarError;
use crate::socradar::incident::IncidentOptions;
use crate::socradar::search::{SearchFilters, SearchPage, SearchQuery};
use crate::socradar::tags::{set_tag, TagChange, TagOutcome};

/// What the next write does instead of answering normally.
#[derive(Clone, Copy, PartialEq)]
enum Fault {
    /// Acts, then the answer is lost (a timeout after the request was sent).
    LostAnswer,
    /// Fails without acting.
    Refused,
}

struct Fake {
    alarms: RefCell<Vec<Value>>,
    faults: RefCell<Vec<Fault>>,
    toggles: bool,
    sent: RefCell<Vec<String>>,
}

impl Fake {
    fn new(alarms: Vec<Value>) -> Fake {
        Fake {
            alarms: RefCell::new(alarms),
            faults: RefCell::new(Vec::new()),
            toggles: true,
            sent: RefCell::new(Vec::new()),
        }
    }

    fn with<R>(&self, id: u64, f: impl FnOnce(&mut Value) -> R) -> R {
        let mut alarms = self.alarms.borrow_mut();
        let a = alarms
            .iter_mut()
            .find(|a| a["alarm_id"] == json!(id))
            .expect("alarm");
        f(a)
    }

    fn apply(&self, action: &ActionRequest) -> Value {
        let b = &action.body;
        let id = b["alarm_id"]
            .as_u64()
            .unwrap_or_else(|| action.alarm_ids[0]);
        self.with(id, |a| match action.kind {
            "change-status" => {
                let code = b["status"].as_u64().unwrap();
                let name = STATUS_REASONS.iter().find(|(_, c)| u64::from(*c) == code).unwrap().0;
                a["alarm_status_reason"] = json!(name);
                a["status"] = json!(match code { 0 | 1 => "OPEN", 4..=6 => "ON_HOLD", _ => "CLOSED" });
                json!({"message": "Alarm status changed."})
            }
            "change-severity" => {
                a["alarm_risk_level"] = b["severity"].clone();
                json!({"message": "ok"})
            }
            "change-assignee" => {
                a["alarm_assignees"] = b["user_emails"].clone();
                json!({"message": "ok"})
            }
            "add-comment" => {
                let n = a["notes"].as_array().map_or(0, Vec::len);
                a["notes"].as_array_mut().unwrap().push(json!({"note_id": 500 + n, "comment": b["comment"], "user_email": b["user_email"]}));
                json!({"message": "Comment added."})
            }
            "add-tag" | "remove-tag" => {
                let tag = b["tag"].clone();
                let tags = a["tags"].as_array_mut().unwrap();
                let had = tags.contains(&tag);
                let action = match (action.kind, had, self.toggles) {
                    ("add-tag", true, true) => {
                        tags.retain(|t| *t != tag);
                        "removed"
                    }
                    ("add-tag", true, false) => "added",
                    ("add-tag", false, _) => {
                        tags.push(tag);
                        "added"
                    }
                    (_, true, _) => {
                        tags.retain(|t| *t != tag);
                        "removed"
                    }
                    _ => "absent",
                };
                json!({"message": "ok", "data": {"action": action}})
            }
            other => panic!("unexpected {other}"),
        })
    }
}

impl AlarmRemote for Fake {
    fn alarm(&self, nid: u64) -> Result<Option<Value>, SocRadarError> {
        Ok(self
            .alarms
            .borrow()
            .iter()
            .find(|a| a["notification_id"] == json!(nid))
            .cloned())
    }
    fn page(&self, q: &SearchQuery<'_>) -> Result<SearchPage, SocRadarError> {
        let all = self.alarms.borrow();
        let from = ((q.page - 1) * q.limit) as usize;
        let texts: Vec<String> = all
            .iter()
            .skip(from)
            .take(q.limit as usize)
            .map(Value::to_string)
            .collect();
        Ok(SearchPage::of_alarms(
            &texts,
            Some(all.len() as u64),
            Some(all.len().div_ceil(q.limit as usize) as u64),
        ))
    }
    fn send(&self, action: &ActionRequest) -> Result<Value, SocRadarError> {
        self.sent.borrow_mut().push(action.kind.to_string());
        let fault = {
            let mut f = self.faults.borrow_mut();
            (!f.is_empty()).then(|| f.remove(0))
        };
        let timeout = || SocRadarError::Transport {
            message: "no answer within 30 s".into(),
        };
        match fault {
            Some(Fault::LostAnswer) => {
                self.apply(action);
                Err(timeout())
            }
            Some(Fault::Refused) => Err(SocRadarError::RateLimited {
                message: "Too many requests.".into(),
                retry_after_seconds: None,
            }),
            None => Ok(self.apply(action)),
        }
    }
}

fn alarm(id: u64) -> Value {
    json!({"alarm_id": id, "notification_id": id + 4_000_000, "date": "2026-11-23T08:00:00",
           "status": "OPEN", "alarm_risk_level": "MEDIUM", "alarm_assignees": [], "tags": ["a"],
           "notes": [], "history": [], "content": {"dns_information": "x"},
           "alarm_type_details": {"alarm_main_type": "Brand Protection"}})
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
}

fn settings() -> MirrorSettings {
    MirrorSettings {
        direction: MirrorDirection::Both,
        instance: Some("inst".into()),
        comment_user_email: Some("bot@bank.eu".into()),
        close_incident: true,
        ..MirrorSettings::default()
    }
}

fn synced(fake: &Fake, ids: &[u64]) -> MirrorState {
    let mut s = MirrorState::default();
    s.apply_all(&incoming::baselines(&fake.alarms.borrow(), now()));
    assert_eq!(s.alarms.len(), ids.len());
    s
}

fn shape(incidents: &IncidentOptions) -> Shape<'_> {
    Shape {
        incidents,
        company_id: 789,
    }
}

fn window(f: &SearchFilters) -> Window<'_> {
    Window {
        filters: f,
        start: 0,
        end: now().timestamp(),
    }
}

/// `get-remote-data` for alarm 1 over the whole window, as the instance shapes incidents.
fn remote_data_of_1(
    fake: &Fake,
    state: &MirrorState,
    f: &SearchFilters,
    incidents: &IncidentOptions,
) -> incoming::RemoteData {
    incoming::remote_data(
        fake,
        state,
        &window(f),
        1,
        &settings(),
        shape(incidents),
        now(),
    )
    .unwrap()
}

#[test]
fn incoming_changes_are_found_shown_and_recorded_once() {
    let fake = Fake::new(vec![alarm(1), alarm(2)]);
    let mut state = synced(&fake, &[1, 2]);
    let f = SearchFilters::default();
    let m = incoming::modified(&fake, &state, &window(&f), None, now()).unwrap();
    assert!(m.ids.is_empty(), "nothing changed yet");
    fake.with(1, |a| {
        a["status"] = json!("CLOSED");
        a["alarm_status_reason"] = json!("FALSE_POSITIVE");
        a["alarm_assignees"] = json!(["Soc@bank.eu"]);
        a["history"] = json!([{"date": "2026-11-23T09:50:00", "action": "STATUS_CHANGE", "user": "analyst@socradar.io"}]);
        a["notes"] = json!([{"note_id": 9, "comment": "checked", "user_email": "analyst@socradar.io"},
                            {"note_id": 10, "comment": "ours [mirrored from Cortex XSOAR, entry 1@2]"}]);
    });
    let m = incoming::modified(&fake, &state, &window(&f), None, now()).unwrap();
    assert_eq!(m.ids, [1]);
    let opts = IncidentOptions {
        include_content: false,
        include_company_id: true,
        ..Default::default()
    };
    let d = remote_data_of_1(&fake, &state, &f, &opts);
    let fields: Vec<&str> = d.records.iter().map(|r| r.field.as_str()).collect();
    assert_eq!(fields, ["status", "status_reason", "assignees", "comment"]);
    assert_eq!(d.records[1].by.as_deref(), Some("analyst@socradar.io"));
    assert_eq!(d.comments.len(), 1, "our own comment does not come back");
    let close = d.close.clone().unwrap();
    assert_eq!(close.close_reason, "False Positive");
    let mirrored = d.mirrored.clone().unwrap();
    assert!(
        mirrored.get("content").is_none(),
        "Include alarm content is off"
    );
    assert_eq!(mirrored["company_id"], 789);
    assert_eq!(mirrored["xsoar_severity"], 2.0);
    assert!(mirrored["mirror_changes"]
        .as_str()
        .unwrap()
        .contains("status_reason changed from (none) to FALSE_POSITIVE"));
    state.apply(1, &d.update);
    let again = remote_data_of_1(&fake, &state, &f, &opts);
    assert!(again.records.is_empty() && again.comments.is_empty() && again.close.is_none());
    assert!(incoming::modified(&fake, &state, &window(&f), None, now())
        .unwrap()
        .ids
        .is_empty());
    // Reopened in SOCRadar: the incident reopens.
    fake.with(1, |a| a["status"] = json!("OPEN"));
    let d = remote_data_of_1(&fake, &state, &f, &opts);
    assert!(d.reopen);
}

#[test]
fn an_alarm_without_a_remembered_view_is_a_baseline_not_a_change() {
    let fake = Fake::new(vec![alarm(1)]);
    let f = SearchFilters::default();
    let state = MirrorState::default();
    // Found by reading the window, since its notification id is not known yet.
    let d = remote_data_of_1(&fake, &state, &f, &IncidentOptions::default());
    assert!(d.records.is_empty() && d.mirrored.is_some());
    assert_eq!(d.update.notification_id, Some(4_000_001));
    // An untracked alarm with history since the last update is reported, with its id learnt.
    fake.with(
        1,
        |a| a["history"] = json!([{"date": "2026-11-23T09:59:00", "action": "SEVERITY_CHANGE"}]),
    );
    let since = now().timestamp() - 120;
    let m = incoming::modified(&fake, &state, &window(&f), Some(since), now()).unwrap();
    assert_eq!(m.ids, [1]);
    assert_eq!(m.updates[&1].notification_id, Some(4_000_001));
}

fn closing(reason: &str) -> OutgoingUpdate {
    OutgoingUpdate {
        alarm_id: 1,
        closing: Some(Closing {
            reason: reason.into(),
            notes: "phishing site taken down".into(),
            user: Some("a.keller".into()),
        }),
        ..Default::default()
    }
}

#[test]
fn closing_the_incident_resolves_the_alarm_with_the_mapped_reason() {
    let fake = Fake::new(vec![alarm(1)]);
    let state = synced(&fake, &[1]);
    let f = SearchFilters::default();
    let r = outgoing::update_remote(
        &fake,
        &state,
        &window(&f),
        &closing("False Positive"),
        &settings(),
        now(),
    )
    .unwrap();
    assert!(r.error.is_none());
    let a = fake.alarms.borrow()[0].clone();
    assert_eq!(
        (a["status"].as_str(), a["alarm_status_reason"].as_str()),
        (Some("CLOSED"), Some("FALSE_POSITIVE"))
    );
    assert_eq!(r.records[0].outcome, Outcome::Applied);
    assert_eq!(r.records[0].by.as_deref(), Some("a.keller"));
    // The synced view holds what was written: the next incoming sync reports nothing.
    let mut s = state.clone();
    s.apply(1, &r.update);
    let d = remote_data_of_1(&fake, &s, &f, &IncidentOptions::default());
    assert_eq!(d.records.len(), 1, "only the outgoing record, shown now");
    assert_eq!(d.records[0].field, "close");
    assert!(
        d.close.is_none(),
        "the incident closed itself; nothing to close"
    );
    // Sent again (XSOAR retries): the alarm already has it, nothing is written.
    let before = fake.sent.borrow().len();
    let again = outgoing::update_remote(
        &fake,
        &s,
        &window(&f),
        &closing("False Positive"),
        &settings(),
        now(),
    )
    .unwrap();
    assert_eq!(again.records[0].outcome, Outcome::AlreadySet);
    assert_eq!(fake.sent.borrow().len(), before);
}

#[test]
fn without_incoming_mirroring_outgoing_records_are_not_kept() {
    let fake = Fake::new(vec![alarm(1)]);
    let state = synced(&fake, &[1]);
    let f = SearchFilters::default();
    let out_only = MirrorSettings {
        direction: MirrorDirection::Outgoing,
        ..settings()
    };
    let r = outgoing::update_remote(
        &fake,
        &state,
        &window(&f),
        &closing("Resolved"),
        &out_only,
        now(),
    )
    .unwrap();
    assert_eq!(r.records.len(), 1);
    assert!(r.update.add_pending.is_empty());
    assert_eq!(fake.alarms.borrow()[0]["alarm_status_reason"], "RESOLVED");
}

#[test]
fn a_field_changed_on_both_sides_keeps_socradars_value() {
    let fake = Fake::new(vec![alarm(1)]);
    let state = synced(&fake, &[1]);
    let f = SearchFilters::default();
    // A SOCRadar analyst marks it a duplicate; meanwhile XSOAR closes it as resolved.
    fake.with(1, |a| a["alarm_status_reason"] = json!("DUPLICATE"));
    let mut u = closing("Resolved");
    u.delta.insert("alarm_risk_level".into(), json!(3));
    let r = outgoing::update_remote(&fake, &state, &window(&f), &u, &settings(), now()).unwrap();
    let a = fake.alarms.borrow()[0].clone();
    assert_eq!(
        a["alarm_status_reason"], "DUPLICATE",
        "SOCRadar's value stands"
    );
    assert_eq!(
        a["alarm_risk_level"], "HIGH",
        "the severity did not conflict and was written"
    );
    let outcomes: Vec<(&str, Outcome)> = r
        .records
        .iter()
        .map(|r| (r.field.as_str(), r.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("severity", Outcome::Applied),
            ("close", Outcome::ConflictKeptSocradar)
        ]
    );
    assert!(r.records[1].summary().contains("SOCRadar's value stands"));
    // The conflict stays visible to the incoming side: the status reason still shows as changed.
    let mut s = state.clone();
    s.apply(1, &r.update);
    let d = remote_data_of_1(&fake, &s, &f, &IncidentOptions::default());
    assert!(d
        .records
        .iter()
        .any(|r| r.field == "status_reason" && r.to == json!("DUPLICATE")));
}

#[test]
fn a_write_with_a_lost_answer_is_checked_not_repeated_blindly() {
    let fake = Fake::new(vec![alarm(1)]);
    let state = synced(&fake, &[1]);
    let f = SearchFilters::default();
    let mut u = OutgoingUpdate {
        alarm_id: 1,
        comments: vec![OutComment {
            entry_id: "7@12".into(),
            user: Some("a.keller".into()),
            text: "Takedown requested".into(),
        }],
        ..Default::default()
    };
    u.delta.insert("alarm_risk_level".into(), json!("CRITICAL"));
    fake.faults
        .borrow_mut()
        .extend([Fault::LostAnswer, Fault::LostAnswer]);
    let r = outgoing::update_remote(&fake, &state, &window(&f), &u, &settings(), now()).unwrap();
    assert!(r.error.is_none());
    let a = fake.alarms.borrow()[0].clone();
    assert_eq!(
        a["notes"].as_array().unwrap().len(),
        1,
        "the comment was posted once"
    );
    assert_eq!(*fake.sent.borrow(), ["change-severity", "add-comment"]);
    assert!(a["notes"][0]["comment"]
        .as_str()
        .unwrap()
        .contains("entry 7@12]"));
    // Sent again: the comment is already there.
    let mut s = state.clone();
    s.apply(1, &r.update);
    let again = outgoing::update_remote(&fake, &s, &window(&f), &u, &settings(), now()).unwrap();
    assert_eq!(again.records.len(), 1, "only the severity, already set");
    assert_eq!(
        fake.alarms.borrow()[0]["notes"].as_array().unwrap().len(),
        1
    );
    // And the incoming side never brings our comment back.
    let d = remote_data_of_1(&fake, &s, &f, &IncidentOptions::default());
    assert!(d.comments.is_empty());
}

#[test]
fn a_refused_write_stops_and_keeps_what_was_done() {
    let fake = Fake::new(vec![alarm(1)]);
    let state = synced(&fake, &[1]);
    let f = SearchFilters::default();
    let mut u = closing("Resolved");
    u.delta.insert("alarm_risk_level".into(), json!(4));
    fake.faults.borrow_mut().extend([Fault::Refused]);
    let r = outgoing::update_remote(&fake, &state, &window(&f), &u, &settings(), now()).unwrap();
    assert!(matches!(r.error, Some(SocRadarError::RateLimited { .. })));
    assert!(r.records.is_empty());
    assert_eq!(fake.alarms.borrow()[0]["alarm_risk_level"], "MEDIUM");
    // Retried later: everything goes through.
    let r = outgoing::update_remote(&fake, &state, &window(&f), &u, &settings(), now()).unwrap();
    assert!(r.error.is_none() && r.records.len() == 2);
}

#[test]
fn outgoing_values_the_alarm_cannot_take_are_refused_by_name() {
    let fake = Fake::new(vec![alarm(1)]);
    let state = synced(&fake, &[1]);
    let f = SearchFilters::default();
    let mut u = OutgoingUpdate {
        alarm_id: 1,
        ..Default::default()
    };
    u.delta.insert("alarm_risk_level".into(), json!(0.5));
    let e =
        outgoing::update_remote(&fake, &state, &window(&f), &u, &settings(), now()).unwrap_err();
    assert!(e.message().contains("no SOCRadar equivalent"), "{e}");
    assert!(fake.sent.borrow().is_empty());
}

#[test]
fn tags_add_and_remove_idempotently_even_on_a_toggling_server() {
    let fake = Fake::new(vec![alarm(1)]);
    let nid = Some(4_000_001);
    // Without a way to read the alarm, a toggled-off tag is put back from the answer.
    assert_eq!(
        set_tag(&fake, 1, "a", TagChange::Add, None)
            .unwrap()
            .outcome,
        TagOutcome::Added
    );
    assert_eq!(fake.alarms.borrow()[0]["tags"], json!(["a"]));
    // With it, the second add sends nothing.
    let before = fake.sent.borrow().len();
    assert_eq!(
        set_tag(&fake, 1, "a", TagChange::Add, nid).unwrap().outcome,
        TagOutcome::AlreadyPresent
    );
    assert_eq!(fake.sent.borrow().len(), before);
    assert_eq!(
        set_tag(&fake, 1, "a", TagChange::Remove, None)
            .unwrap()
            .outcome,
        TagOutcome::Removed
    );
    assert_eq!(
        set_tag(&fake, 1, "a", TagChange::Remove, None)
            .unwrap()
            .outcome,
        TagOutcome::AlreadyAbsent
    );
    assert_eq!(fake.alarms.borrow()[0]["tags"], json!([]));
    // A timeout after the server added it: read, found, not repeated (a repeat would toggle).
    fake.faults.borrow_mut().push(Fault::LostAnswer);
    assert_eq!(
        set_tag(&fake, 1, "dora", TagChange::Add, nid)
            .unwrap()
            .outcome,
        TagOutcome::Added
    );
    assert_eq!(fake.alarms.borrow()[0]["tags"], json!(["dora"]));
    // The same without a way to read it: the unknown outcome is reported, nothing repeated.
    fake.faults.borrow_mut().push(Fault::LostAnswer);
    let e = set_tag(&fake, 1, "x", TagChange::Add, None).unwrap_err();
    assert!(matches!(e, SocRadarError::Transport { .. }));
    assert_eq!(fake.alarms.borrow()[0]["tags"], json!(["dora", "x"]));
}
