//! Incoming mirroring: which alarms changed (`get-modified-remote-data`) and what changed on
//! one of them (`get-remote-data`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use super::record::{Direction, MirroredChange, Outcome};
use super::state::{MirrorState, TrackedUpdate};
use super::view::{as_id, attribution, new_notes, touched_since, AlarmView, Field, Note};
use super::{AlarmRemote, MirrorSettings, MIRROR_MARK};
use crate::socradar::error::SocRadarError;
use crate::socradar::incident::{self, IncidentOptions};
use crate::socradar::search::{SearchFilters, SearchQuery, MAX_PAGE_SIZE};
use crate::timeutil;

/// Pages one sweep of the mirror window reads at most (20 000 alarms); a window holding more is
/// read newest first up to this bound, and the debug log says so.
pub const MAX_SWEEP_PAGES: u32 = 200;

/// The mirror window: the alarms the mirror reads, by date and type.
#[derive(Debug, Clone, PartialEq)]
pub struct Window<'a> {
    pub filters: &'a SearchFilters,
    pub start: i64,
    pub end: i64,
}

/// Reads the window page by page, newest first, handing each alarm to `visit` until it returns
/// `false`. Returns the requests made. A page that shifts while read (a new alarm arrives) can
/// hide an alarm from this sweep; the next one sees it, because nothing is remembered as synced
/// here.
fn sweep(
    remote: &impl AlarmRemote,
    window: &Window<'_>,
    mut visit: impl FnMut(&Value) -> bool,
) -> Result<u32, SocRadarError> {
    let mut requests = 0;
    for page in 1..=MAX_SWEEP_PAGES {
        let p = remote.page(&SearchQuery {
            filters: window.filters,
            page,
            limit: MAX_PAGE_SIZE,
            start: Some(window.start),
            end: Some(window.end),
            include_total_records: true,
        })?;
        requests += 1;
        for alarm in p.alarm_values() {
            if !visit(&alarm) {
                return Ok(requests);
            }
        }
        let last = p
            .total_pages
            .map_or(p.len() < MAX_PAGE_SIZE as usize, |t| u64::from(page) >= t);
        if last || p.is_empty() {
            return Ok(requests);
        }
    }
    remote.note(format!(
        "mirror: the window holds more than {} alarms; the oldest were not read this run (shorten mirror_window_days)",
        MAX_SWEEP_PAGES * MAX_PAGE_SIZE
    ));
    Ok(requests)
}

/// The alarm with `alarm_id` found by reading the window (when its `notification_id` is not
/// known yet), or `None`.
pub fn locate(
    remote: &impl AlarmRemote,
    window: &Window<'_>,
    alarm_id: u64,
) -> Result<Option<Value>, SocRadarError> {
    let mut found = None;
    sweep(remote, window, |a| {
        if a.get("alarm_id").and_then(as_id) == Some(alarm_id) {
            found = Some(a.clone());
            false
        } else {
            true
        }
    })?;
    Ok(found)
}

/// The current alarm: read by its `notification_id` when known, else found in the window.
pub fn read_alarm(
    remote: &impl AlarmRemote,
    state: &MirrorState,
    window: &Window<'_>,
    alarm_id: u64,
) -> Result<Option<Value>, SocRadarError> {
    if let Some(nid) = state.notification_id(alarm_id) {
        if let Some(a) = remote.alarm(nid)? {
            if a.get("alarm_id").and_then(as_id) == Some(alarm_id) {
                return Ok(Some(a));
            }
        }
    }
    locate(remote, window, alarm_id)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Modified {
    /// Alarm ids for XSOAR to run `get-remote-data` on.
    pub ids: Vec<u64>,
    pub requests: u32,
    pub alarms_read: usize,
    #[serde(skip)]
    pub updates: BTreeMap<u64, TrackedUpdate>,
}

/// The alarms changed since they were last synced: those whose view differs from the one
/// remembered, those with outgoing records still to show, and, for alarms without a remembered
/// view, those whose history or comments are dated at or after `last_update`.
pub fn modified(
    remote: &impl AlarmRemote,
    state: &MirrorState,
    window: &Window<'_>,
    last_update: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Modified, SocRadarError> {
    let mut ids: Vec<u64> = state.with_pending();
    let mut updates = BTreeMap::new();
    let mut alarms_read = 0;
    let requests = sweep(remote, window, |raw| {
        alarms_read += 1;
        let Some(id) = raw.get("alarm_id").and_then(as_id) else {
            return true;
        };
        let nid = raw.get("notification_id").and_then(as_id);
        let tracked = state.get(id);
        let changed = match tracked.and_then(|t| t.view.as_ref()) {
            Some(view) => AlarmView::of(raw) != *view,
            None => last_update.is_some_and(|since| touched_since(raw, since)),
        };
        if changed {
            ids.push(id);
        }
        if changed || tracked.is_some() {
            updates.insert(
                id,
                TrackedUpdate {
                    notification_id: nid,
                    seen: now.timestamp(),
                    ..Default::default()
                },
            );
        }
        true
    })?;
    ids.sort_unstable();
    ids.dedup();
    Ok(Modified {
        ids,
        requests,
        alarms_read,
        updates,
    })
}

/// Closing or reopening the incident, from the alarm's status in SOCRadar.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloseIncident {
    pub close_reason: String,
    pub close_notes: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemoteData {
    pub alarm_id: u64,
    /// The alarm as the incoming mapper reads it (the fetch's rawJSON shape, plus
    /// `mirror_direction`, `mirror_instance`, `mirror_tags`, `xsoar_severity` and, when
    /// something changed, `mirror_changes`); `None` when SOCRadar no longer has the alarm.
    pub mirrored: Option<Value>,
    /// Incoming changes of this sync, then outgoing records not shown before.
    pub records: Vec<MirroredChange>,
    /// SOCRadar comments new since the last sync (those written from XSOAR excluded).
    pub comments: Vec<Note>,
    pub close: Option<CloseIncident>,
    pub reopen: bool,
    #[serde(skip)]
    pub update: TrackedUpdate,
}

/// How a mirrored alarm is shaped for the incoming mapper: as the fetch shapes rawJSON.
#[derive(Debug, Clone, Copy)]
pub struct Shape<'a> {
    pub incidents: &'a IncidentOptions,
    pub company_id: u64,
}

/// What changed on one alarm since its last sync. With no remembered view (an alarm fetched
/// before mirroring was on, or forgotten), the current one becomes the baseline and no change
/// is recorded: the mirror records only changes it can show.
pub fn remote_data(
    remote: &impl AlarmRemote,
    state: &MirrorState,
    window: &Window<'_>,
    alarm_id: u64,
    settings: &MirrorSettings,
    shape: Shape<'_>,
    now: DateTime<Utc>,
) -> Result<RemoteData, SocRadarError> {
    let at = timeutil::to_rfc3339(now);
    let tracked = state.get(alarm_id);
    let shown: Vec<MirroredChange> = tracked.map(|t| t.pending.clone()).unwrap_or_default();
    let mut update = TrackedUpdate {
        seen: now.timestamp(),
        shown: shown.iter().map(|r| r.id.clone()).collect(),
        ..Default::default()
    };
    let Some(raw) = read_alarm(remote, state, window, alarm_id)? else {
        remote.note(format!(
            "mirror: alarm {alarm_id} was not found in SOCRadar (deleted, or older than the mirror window)"
        ));
        return Ok(RemoteData {
            alarm_id,
            mirrored: None,
            records: shown,
            comments: Vec::new(),
            close: None,
            reopen: false,
            update,
        });
    };
    update.notification_id = raw.get("notification_id").and_then(as_id);
    let mut view = AlarmView::of(&raw);
    let before = tracked.and_then(|t| t.view.clone());
    let mut records = Vec::new();
    let mut comments = Vec::new();
    let (mut close, mut reopen) = (None, false);
    if let Some(before) = &before {
        for (field, from, to) in before.differences(&view) {
            let (by, remote_at) = attribution(&raw, field);
            records.push(MirroredChange::new(
                alarm_id,
                Direction::Incoming,
                field.name(),
                from,
                to,
                by,
                remote_at,
                &at,
                Outcome::Applied,
            ));
        }
        for note in new_notes(&raw, before) {
            if note.comment.contains(MIRROR_MARK) {
                continue; // written from XSOAR: already in the war room
            }
            records.push(MirroredChange::new(
                alarm_id,
                Direction::Incoming,
                "comment",
                Value::Null,
                json!(note.comment),
                note.user.clone(),
                note.date.clone(),
                &at,
                Outcome::Applied,
            ));
            comments.push(note);
        }
        let was_closed = before.status.as_deref() == Some("CLOSED");
        let is_closed = view.status.as_deref() == Some("CLOSED");
        if settings.close_incident && is_closed && !was_closed {
            let (by, when) = attribution(&raw, Field::StatusReason);
            let reason = view.status_reason.as_deref().unwrap_or("CLOSED");
            close = Some(CloseIncident {
                close_reason: settings
                    .close_reasons
                    .to_xsoar(view.status_reason.as_deref()),
                close_notes: format!(
                    "Closed in SOCRadar as {reason}{}{}.",
                    by.map(|b| format!(" by {b}")).unwrap_or_default(),
                    when.map(|w| format!(" at {w}")).unwrap_or_default()
                ),
            });
        }
        reopen = settings.close_incident && was_closed && !is_closed;
    }
    // Every note present now is synced: our own echoes included, so they never come back.
    for note in super::view::notes(&raw) {
        view.remember_note(&note.id);
    }
    update.view = Some(view);
    records.extend(shown);
    let mut mirrored = incident::mapper_raw(&raw, shape.company_id, shape.incidents);
    if let Value::Object(o) = &mut mirrored {
        o.insert(
            "xsoar_severity".into(),
            json!(incident::xsoar_severity(
                raw.get("alarm_risk_level").and_then(Value::as_str)
            )),
        );
        if !records.is_empty() {
            let lines: Vec<String> = records
                .iter()
                .map(|r| format!("{} {}", r.observed_at, r.summary()))
                .collect();
            o.insert("mirror_changes".into(), json!(lines.join("\n")));
        }
    }
    Ok(RemoteData {
        alarm_id,
        mirrored: Some(mirrored),
        records,
        comments,
        close,
        reopen,
        update,
    })
}

/// The view each fetched alarm is delivered with, remembered when mirroring is on so the first
/// sync records every change made after the fetch.
pub fn baselines(raw_alarms: &[Value], now: DateTime<Utc>) -> BTreeMap<u64, TrackedUpdate> {
    raw_alarms
        .iter()
        .filter_map(|raw| {
            let id = raw.get("alarm_id").and_then(as_id)?;
            Some((
                id,
                TrackedUpdate {
                    notification_id: raw.get("notification_id").and_then(as_id),
                    view: Some(AlarmView::of(raw)),
                    seen: now.timestamp(),
                    ..Default::default()
                },
            ))
        })
        .collect()
}
