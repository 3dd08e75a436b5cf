//! `SocRadarMirror` for Python: the mirroring commands' work, the GIL released around each
//! request; and the explicit tag actions of `SocRadarClient`.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use pyo3::prelude::*;
use pyo3::types::PyList;
use serde_json::{json, Map, Value};

use super::convert::{as_is, time_or_now};
use super::errors::{guard, json_arg, with_partial};
use super::socradar::PySocRadarClient;
use super::socradar_args as args;
use crate::input::InputError;
use crate::socradar::incident::IncidentOptions;
use crate::socradar::mirror::incoming::{self, Shape, Window};
use crate::socradar::mirror::outgoing::{self, Closing, OutComment, OutgoingUpdate};
use crate::socradar::mirror::state::{MirrorState, TrackedUpdate};
use crate::socradar::mirror::{type_filters, MirrorSettings};
use crate::socradar::search::SearchFilters;
use crate::socradar::tags::{self, ForCompany, TagChange};
use crate::socradar::SocRadarClient;
use crate::timeutil;

/// The mirror of one instance: its client, settings, incident shape and type filters.
#[pyclass(module = "dora_bridge._core", name = "SocRadarMirror", frozen)]
pub struct PyMirror {
    client: Arc<SocRadarClient>,
    settings: MirrorSettings,
    incidents: IncidentOptions,
    filters: SearchFilters,
}

fn state_of(state: Option<&Bound<'_, PyAny>>) -> PyResult<MirrorState> {
    Ok(match state {
        Some(s) => MirrorState::from_json(Some(&json_arg("state", "The mirror state", s)?)),
        None => MirrorState::default(),
    })
}

fn updates_json(updates: &BTreeMap<u64, TrackedUpdate>) -> Value {
    Value::Object(
        updates
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::to_value(v).expect("serialises")))
            .collect(),
    )
}

/// XSOAR's `lastUpdate`, read leniently (it is only a hint): RFC 3339, a vendor date, or epoch
/// seconds or milliseconds.
fn last_update_of(raw: Option<&str>) -> Option<i64> {
    let t = raw?.trim();
    if let Ok(n) = t.parse::<i64>() {
        return Some(if n > 100_000_000_000 { n / 1000 } else { n });
    }
    timeutil::parse_vendor_date(t).map(|d| d.timestamp())
}

impl PyMirror {
    fn window(&self, now: DateTime<Utc>) -> (SearchFilters, i64, i64) {
        (
            type_filters(&self.filters),
            (now - Duration::days(self.settings.window_days)).timestamp(),
            now.timestamp(),
        )
    }
}

#[pymethods]
impl PyMirror {
    /// The mirror of `client`'s instance; raises `InputError` when its mirroring parameters are
    /// wrong.
    #[new]
    fn new(py: Python<'_>, client: PyRef<'_, PySocRadarClient>) -> PyResult<Self> {
        guard(py, || {
            let settings = client.mirror.clone()?;
            Ok(PyMirror {
                client: client.client.clone(),
                settings,
                incidents: client.incidents.clone(),
                filters: client
                    .fetch
                    .as_ref()
                    .map(|f| f.filters.clone())
                    .unwrap_or_default(),
            })
        })
    }

    /// The settings the integration needs to shape entries: direction (`In`, `Out`, `Both` or
    /// `None`), comment tags, whether closes travel, the mirror window.
    #[getter]
    fn settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let s = &self.settings;
        as_is(
            py,
            &json!({
                "direction": s.direction.dbot(), "incoming": s.direction.incoming(),
                "outgoing": s.direction.outgoing(), "comment_tag": s.comment_tag,
                "comment_tag_in": s.comment_tag_in, "close_incident": s.close_incident,
                "close_alarm": s.close_alarm, "window_days": s.window_days,
                "record_tag": crate::socradar::mirror::RECORD_TAG,
            }),
        )
    }

    /// `get-modified-remote-data`: `{"ids", "updates", "requests", "alarms_read"}`.
    #[pyo3(signature = (state=None, *, last_update=None, now=None))]
    fn modified<'py>(
        &self,
        py: Python<'py>,
        state: Option<&Bound<'py, PyAny>>,
        last_update: Option<&str>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let state = state_of(state)?;
            let now = time_or_now("now", now)?;
            let since = last_update_of(last_update);
            let (filters, start, end) = self.window(now);
            let client = self.client.clone();
            let m = py.detach(move || {
                let w = Window {
                    filters: &filters,
                    start,
                    end,
                };
                incoming::modified(client.as_ref(), &state, &w, since, now)
            })?;
            as_is(
                py,
                &json!({"ids": m.ids.iter().map(u64::to_string).collect::<Vec<_>>(),
                        "updates": updates_json(&m.updates), "requests": m.requests, "alarms_read": m.alarms_read}),
            )
        })
    }

    /// `get-remote-data` for one alarm: `{"alarm_id", "mirrored", "records", "comments",
    /// "close", "reopen", "updates"}`.
    #[pyo3(signature = (alarm_id, state=None, *, now=None))]
    fn remote_data<'py>(
        &self,
        py: Python<'py>,
        alarm_id: &Bound<'py, PyAny>,
        state: Option<&Bound<'py, PyAny>>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let id = args::id("id", alarm_id)?;
            let state = state_of(state)?;
            let now = time_or_now("now", now)?;
            let (filters, start, end) = self.window(now);
            let client = self.client.clone();
            let settings = self.settings.clone();
            let incidents = self.incidents.clone();
            let d = py.detach(move || {
                let w = Window {
                    filters: &filters,
                    start,
                    end,
                };
                let shape = Shape {
                    incidents: &incidents,
                    company_id: client.config().company_id,
                };
                incoming::remote_data(client.as_ref(), &state, &w, id, &settings, shape, now)
            })?;
            let mut out = serde_json::to_value(&d).expect("serialises");
            out["updates"] = updates_json(&BTreeMap::from([(id, d.update)]));
            as_is(py, &out)
        })
    }

    /// `update-remote-system` for one alarm. `closing` is `{"reason", "notes", "user"}`,
    /// `comments` a list of `{"entry_id", "user", "text"}`. Returns `{"records", "updates"}`;
    /// when a write fails, raises its error with that same dict as `.partial` (store the
    /// updates, then report the error).
    #[pyo3(signature = (alarm_id, state=None, *, delta=None, closing=None, comments=None, now=None))]
    #[allow(clippy::too_many_arguments)] // one per part of XSOAR's arguments
    fn update_remote<'py>(
        &self,
        py: Python<'py>,
        alarm_id: &Bound<'py, PyAny>,
        state: Option<&Bound<'py, PyAny>>,
        delta: Option<&Bound<'py, PyAny>>,
        closing: Option<&Bound<'py, PyAny>>,
        comments: Option<&Bound<'py, PyList>>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let id = args::id("remoteId", alarm_id)?;
            let state = state_of(state)?;
            let now = time_or_now("now", now)?;
            let delta = match delta {
                Some(d) => match json_arg("delta", "The delta", d)? {
                    Value::Object(m) => m,
                    Value::Null => Map::new(),
                    _ => {
                        return Err(PyErr::from(InputError::new(
                            "delta",
                            "delta must be a mapping of field names to values.",
                        )))
                    }
                },
                None => Map::new(),
            };
            let text =
                |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let closing = match closing {
                Some(c) if !c.is_none() => {
                    let v = json_arg("closing", "The closing", c)?;
                    Some(Closing {
                        reason: text(&v, "reason"),
                        notes: text(&v, "notes"),
                        user: Some(text(&v, "user")).filter(|s| !s.is_empty()),
                    })
                }
                _ => None,
            };
            let mut outs = Vec::new();
            for c in comments
                .map(|l| l.iter().collect::<Vec<_>>())
                .unwrap_or_default()
            {
                let v = json_arg("comments", "A comment entry", &c)?;
                outs.push(OutComment {
                    entry_id: text(&v, "entry_id"),
                    user: Some(text(&v, "user")).filter(|s| !s.is_empty()),
                    text: text(&v, "text"),
                });
            }
            let update = OutgoingUpdate {
                alarm_id: id,
                delta,
                closing,
                comments: outs,
            };
            let (filters, start, end) = self.window(now);
            let client = self.client.clone();
            let settings = self.settings.clone();
            let r = py.detach(move || {
                let w = Window {
                    filters: &filters,
                    start,
                    end,
                };
                outgoing::update_remote(client.as_ref(), &state, &w, &update, &settings, now)
            })?;
            let out = as_is(
                py,
                &json!({"records": r.records, "updates": updates_json(&BTreeMap::from([(id, r.update)]))}),
            )?;
            match r.error {
                None => Ok(out),
                Some(e) => Err(with_partial(py, e, &out)),
            }
        })
    }

    /// The views of freshly fetched incidents (their rawJSON), as state updates.
    #[pyo3(signature = (incidents, *, now=None))]
    fn baselines<'py>(
        &self,
        py: Python<'py>,
        incidents: &Bound<'py, PyList>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let now = time_or_now("now", now)?;
            let mut raws = Vec::with_capacity(incidents.len());
            for inc in incidents.iter() {
                let raw: String = inc.get_item("rawJSON")?.extract()?;
                if let Ok(v) = serde_json::from_str::<Value>(&raw) {
                    raws.push(v);
                }
            }
            as_is(py, &updates_json(&incoming::baselines(&raws, now)))
        })
    }

    /// The state with `updates` applied (bounded; see `MAX_ALARMS`).
    #[staticmethod]
    fn apply<'py>(
        py: Python<'py>,
        state: Option<&Bound<'py, PyAny>>,
        updates: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let mut s = state_of(state)?;
            let u: BTreeMap<String, TrackedUpdate> =
                serde_json::from_value(json_arg("updates", "The mirror updates", updates)?)
                    .map_err(|e| {
                        PyErr::from(InputError::new(
                            "updates",
                            format!("The mirror updates could not be read: {e}."),
                        ))
                    })?;
            let u: BTreeMap<u64, TrackedUpdate> = u
                .into_iter()
                .filter_map(|(k, v)| k.parse().ok().map(|k| (k, v)))
                .collect();
            s.apply_all(&u);
            as_is(py, &s.to_json())
        })
    }

    /// `get-mapping-fields`: the alarm fields the outgoing mapper can write, with descriptions.
    #[staticmethod]
    fn mapping_fields(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        guard(py, || {
            as_is(
                py,
                &json!({"SOCRadar Alarm": {
                    "alarm_risk_level": "Severity of the alarm: LOW, MEDIUM, HIGH or CRITICAL (from the XSOAR severity 1 to 4).",
                    "alarm_assignees": "E-mail addresses of the SOCRadar users assigned to the alarm.",
                    "alarm_status_reason": "Status reason of the alarm: OPEN, INVESTIGATING, RESOLVED, PENDING_INFO, LEGAL_REVIEW, VENDOR_ASSESSMENT, FALSE_POSITIVE, DUPLICATE, PROCESSED_INTERNALLY, MITIGATED or NOT_APPLICABLE.",
                }}),
            )
        })
    }
}

/// The body of `SocRadarClient.add_tag` / `remove_tag`.
pub(super) fn set_tag<'py>(
    py: Python<'py>,
    client: &Arc<SocRadarClient>,
    alarm_id: &Bound<'py, PyAny>,
    tag: &Bound<'py, PyAny>,
    company_id: Option<&Bound<'py, PyAny>>,
    mirror_state: Option<&Bound<'py, PyAny>>,
    change: TagChange,
) -> PyResult<Bound<'py, PyAny>> {
    let id = args::id("alarm_id", alarm_id)?;
    let tag = args::text("tag", tag)?;
    let cid = args::company(company_id)?;
    let nid = state_of(mirror_state)?.notification_id(id);
    let instance_cid = client.config().company_id;
    let client = client.clone();
    let result = py.detach(move || {
        let remote = ForCompany {
            client: client.as_ref(),
            company_id: cid,
        };
        tags::set_tag(&remote, id, &tag, change, nid)
    })?;
    let cid = cid.unwrap_or(instance_cid);
    let at = timeutil::to_rfc3339(crate::clock::now());
    let mut alarms = result.action.context_entries(cid, &result.response, &at);
    for a in alarms.iter_mut() {
        a["TagAction"] = json!(result.outcome);
    }
    as_is(
        py,
        &json!({"alarms": alarms, "outcome": result.outcome, "response": result.response}),
    )
}
