//! Outgoing mirroring (`update-remote-system`): an XSOAR change written to the SOCRadar alarm.
//!
//! The conflict rule: a field that changed in SOCRadar since the last sync (the alarm's current
//! value differs from the value last synced) and is also changed in XSOAR keeps SOCRadar's
//! value. XSOAR's value is not sent; the conflict is recorded with both values (war room and
//! evidence chain) for an analyst to decide, and the next incoming sync brings SOCRadar's value
//! to the incident. A write is thus never based on a state this integration has not seen. With
//! no value synced yet (an alarm fetched before mirroring was on), there is nothing to conflict
//! with and XSOAR's value is written.

use serde_json::{json, Map, Value};

use super::incoming::{read_alarm, Window};
use super::record::{Direction, MirroredChange, Outcome};
use super::state::{MirrorState, TrackedUpdate};
use super::view::{as_id, assignees_of, notes, AlarmView, Field};
use super::{outcome_unknown, AlarmRemote, MirrorSettings, MIRROR_MARK};
use crate::input::{self, InputError};
use crate::socradar::actions::{self, ActionRequest};
use crate::socradar::error::SocRadarError;
use crate::timeutil;

/// Longest comment text sent; a longer war-room entry is cut, saying so.
const MAX_COMMENT_CHARS: usize = 20_000;

/// The incident was closed in XSOAR.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Closing {
    pub reason: String,
    pub notes: String,
    /// The XSOAR user who closed it (`closingUserId`).
    pub user: Option<String>,
}

/// A war-room entry tagged for SOCRadar.
#[derive(Debug, Clone, PartialEq)]
pub struct OutComment {
    pub entry_id: String,
    pub user: Option<String>,
    pub text: String,
}

/// One `update-remote-system` call, as the integration reads XSOAR's arguments.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutgoingUpdate {
    pub alarm_id: u64,
    /// The changed fields, named as the outgoing mapper names them (`alarm_risk_level`,
    /// `alarm_assignees`, `alarm_status_reason`).
    pub delta: Map<String, Value>,
    pub closing: Option<Closing>,
    pub comments: Vec<OutComment>,
}

#[derive(Debug)]
pub struct OutgoingResult {
    pub records: Vec<MirroredChange>,
    pub update: TrackedUpdate,
    /// Set when a write failed: `records` and `update` still hold what was done before it.
    pub error: Option<SocRadarError>,
}

/// A field change XSOAR asks for: the value the view should then hold, and the write.
struct Intent {
    field: Field,
    name: &'static str,
    desired: Value,
    action: ActionRequest,
    by: Option<String>,
}

fn severity_name(v: &Value) -> Option<&'static str> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_ascii_uppercase(),
        _ => return None,
    };
    match text.as_str() {
        "1" | "1.0" | "LOW" => Some("LOW"),
        "2" | "2.0" | "MEDIUM" => Some("MEDIUM"),
        "3" | "3.0" | "HIGH" => Some("HIGH"),
        "4" | "4.0" | "CRITICAL" => Some("CRITICAL"),
        _ => None,
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(","),
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The writes a delta and a closing ask for; fields the alarm cannot take (severity INFO or
/// unknown, an empty assignee list) are refused with the field's name.
fn intents(u: &OutgoingUpdate, settings: &MirrorSettings) -> Result<Vec<Intent>, InputError> {
    let mut out = Vec::new();
    let id = u.alarm_id;
    if let Some(v) = u.delta.get("alarm_risk_level").filter(|v| !v.is_null()) {
        let Some(sev) = severity_name(v) else {
            return Err(InputError::new(
                "alarm_risk_level",
                format!("The incident severity {} has no SOCRadar equivalent (LOW, MEDIUM, HIGH, CRITICAL); the alarm's severity was left as it is.", input::quote(&text_of(v))),
            ));
        };
        out.push(Intent {
            field: Field::Severity,
            name: "severity",
            desired: json!(sev),
            action: actions::change_severity(id, sev),
            by: None,
        });
    }
    if let Some(v) = u.delta.get("alarm_assignees").filter(|v| !v.is_null()) {
        let emails = input::email_list("alarm_assignees", &text_of(v))?;
        let desired = assignees_of(&json!({ "alarm_assignees": emails }));
        out.push(Intent {
            field: Field::Assignees,
            name: "assignees",
            desired: json!(desired),
            action: actions::change_assignee(id, emails),
            by: None,
        });
    }
    let reason_intent = |raw: &str, comment: String, by: Option<String>, name| {
        let reason = actions::status_reason("alarm_status_reason", raw)?;
        Ok::<_, InputError>(Intent {
            field: Field::StatusReason,
            name,
            desired: json!(reason.0),
            action: actions::change_status(vec![id], reason, Some(comment), None),
            by,
        })
    };
    if let Some(c) = u.closing.as_ref().filter(|_| settings.close_alarm) {
        let reason = settings.close_reasons.to_socradar(&c.reason);
        let by = c.user.clone().filter(|s| !s.trim().is_empty());
        let mut comment = format!(
            "Closed in Cortex XSOAR{} with close reason '{}'",
            by.as_deref()
                .map(|b| format!(" by {b}"))
                .unwrap_or_default(),
            c.reason.trim()
        );
        if !c.notes.trim().is_empty() {
            comment.push_str(&format!(": {}", c.notes.trim()));
        }
        comment.push_str(&format!(" {MIRROR_MARK}]"));
        out.push(reason_intent(&reason, comment, by, "close")?);
    } else if let Some(v) = u.delta.get("alarm_status_reason").filter(|v| !v.is_null()) {
        let comment = format!("Status reason set in Cortex XSOAR {MIRROR_MARK}]");
        out.push(reason_intent(&text_of(v), comment, None, "status_reason")?);
    }
    Ok(out)
}

/// The comment text sent for a war-room entry; the mark names the entry, so a repeat after an
/// unknown outcome can check whether it arrived.
pub fn comment_text(c: &OutComment) -> String {
    let mut body: String = c.text.trim().chars().take(MAX_COMMENT_CHARS).collect();
    if c.text.trim().chars().count() > MAX_COMMENT_CHARS {
        body.push_str(" …(cut; the whole entry is in Cortex XSOAR)");
    }
    let who = c
        .user
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .map(|u| format!(" by {u}"))
        .unwrap_or_default();
    format!(
        "{body}\n\n— written in Cortex XSOAR{who} {MIRROR_MARK}, entry {}]",
        c.entry_id
    )
}

fn has_comment(raw: &Value, entry_id: &str) -> bool {
    let mark = format!("{MIRROR_MARK}, entry {entry_id}]");
    notes(raw).iter().any(|n| n.comment.contains(&mark))
}

/// Sends a write; when its outcome is unknown (no answer, gateway error), reads the alarm and
/// repeats it once only if `applied` says the alarm does not show it. Without a way to read the
/// alarm, the unknown outcome is reported and nothing is repeated.
pub fn write_checked(
    remote: &impl AlarmRemote,
    action: &ActionRequest,
    notification_id: Option<u64>,
    applied: impl Fn(&Value) -> bool,
) -> Result<Value, SocRadarError> {
    match remote.send(action) {
        Err(e) if outcome_unknown(&e) => {
            let Some(nid) = notification_id else {
                return Err(e);
            };
            remote.note(format!(
                "{} on alarm {:?}: outcome unknown ({e}); reading the alarm before any repeat",
                action.kind, action.alarm_ids
            ));
            match remote.alarm(nid)? {
                Some(a) if applied(&a) => {
                    Ok(json!({"message": "Applied (confirmed by reading the alarm)."}))
                }
                Some(_) => remote.send(action),
                None => Err(e),
            }
        }
        other => other,
    }
}

/// Writes an XSOAR change to the alarm under the conflict rule, and its comments.
pub fn update_remote(
    remote: &impl AlarmRemote,
    state: &MirrorState,
    window: &Window<'_>,
    u: &OutgoingUpdate,
    settings: &MirrorSettings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<OutgoingResult, SocRadarError> {
    let at = timeutil::to_rfc3339(now);
    let intents = intents(u, settings).map_err(SocRadarError::Input)?;
    if !u.comments.is_empty() && settings.comment_user_email.is_none() {
        return Err(SocRadarError::Input(InputError::new(
            "mirror_user_email",
            "Comments tagged for SOCRadar need the SOCRadar user they are posted as: set Mirrored comments user e-mail (mirror_user_email) in the instance. Nothing was sent.",
        )));
    }
    if intents.is_empty() && u.comments.is_empty() {
        return Ok(OutgoingResult {
            records: Vec::new(),
            update: TrackedUpdate::default(),
            error: None,
        });
    }
    let Some(raw) = read_alarm(remote, state, window, u.alarm_id)? else {
        return Err(SocRadarError::NotFound {
            message: format!(
                "alarm {} was not found: not by its notification id, nor among the alarms of the last {} days (mirror_window_days). Nothing was sent.",
                u.alarm_id, settings.window_days
            ),
        });
    };
    let nid = raw.get("notification_id").and_then(as_id);
    let cur = AlarmView::of(&raw);
    let base = state.get(u.alarm_id).and_then(|t| t.view.clone());
    let mut records = Vec::new();
    let mut written: Vec<(Field, Value)> = Vec::new();
    let mut error = None;
    for i in &intents {
        let now_value = cur.get(i.field);
        let record = |outcome| {
            MirroredChange::new(
                u.alarm_id,
                Direction::Outgoing,
                i.name,
                now_value.clone(),
                i.desired.clone(),
                i.by.clone(),
                None,
                &at,
                outcome,
            )
        };
        if now_value == i.desired {
            records.push(record(Outcome::AlreadySet));
        } else if base.as_ref().is_some_and(|b| b.get(i.field) != now_value) {
            records.push(record(Outcome::ConflictKeptSocradar));
        } else {
            let field = i.field;
            let desired = i.desired.clone();
            match write_checked(remote, &i.action, nid, |a| {
                AlarmView::of(a).get(field) == desired
            }) {
                Ok(_) => {
                    records.push(record(Outcome::Applied));
                    written.push((i.field, i.desired.clone()));
                }
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
    }
    let mut posted = false;
    if error.is_none() {
        let email = settings.comment_user_email.clone().unwrap_or_default();
        for c in &u.comments {
            if has_comment(&raw, &c.entry_id) {
                continue;
            }
            let text = comment_text(c);
            let action = actions::add_comment(u.alarm_id, email.clone(), text.clone());
            match write_checked(remote, &action, nid, |a| has_comment(a, &c.entry_id)) {
                Ok(_) => {
                    posted = true;
                    records.push(MirroredChange::new(
                        u.alarm_id,
                        Direction::Outgoing,
                        "comment",
                        Value::Null,
                        json!(c.text.trim()),
                        c.user.clone(),
                        None,
                        &at,
                        Outcome::Applied,
                    ));
                }
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
    }
    // The synced view: what was synced before, with what this run wrote. SOCRadar-side changes
    // to other fields stay visible to the next incoming sync. Read back when possible, since
    // a status reason also moves the status.
    let after_raw = if written.is_empty() && !posted {
        None
    } else {
        nid.and_then(|n| remote.alarm(n).ok().flatten())
    };
    let after = after_raw.as_ref().map(AlarmView::of);
    let mut view = base.clone().unwrap_or_else(|| cur.clone());
    for (field, desired) in &written {
        let source = after.clone().unwrap_or_else(|| {
            // Not read back: what was written, as the view keeps it.
            let mut v = AlarmView::default();
            match field {
                Field::Severity => v.severity = desired.as_str().map(str::to_string),
                Field::StatusReason => v.status_reason = desired.as_str().map(str::to_string),
                Field::Assignees => {
                    v.assignees = serde_json::from_value(desired.clone()).unwrap_or_default()
                }
                Field::Status | Field::Tags => {}
            }
            v
        });
        view.take(*field, &source);
        if *field == Field::StatusReason && after.is_some() {
            view.take(Field::Status, &source);
        }
    }
    // Our own comments are synced; a SOCRadar user's comment made meanwhile is not, so the
    // next incoming sync still shows it.
    for note in after_raw.as_ref().map(notes).unwrap_or_default() {
        if note.comment.contains(MIRROR_MARK) {
            view.remember_note(&note.id);
        }
    }
    // Records reach the incident through the next incoming sync; without incoming mirroring
    // there is none, so they are not kept (the integration logs them).
    let update = TrackedUpdate {
        notification_id: nid,
        view: Some(view),
        seen: now.timestamp(),
        add_pending: if settings.direction.incoming() {
            records.clone()
        } else {
            Vec::new()
        },
        shown: Vec::new(),
    };
    Ok(OutgoingResult {
        records,
        update,
        error,
    })
}
