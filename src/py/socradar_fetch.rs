//! The fetch for Python: the run itself with the GIL released, the incidents built as Python
//! objects straight from the mapped alarms (the GIL taken only for that, page by page), and the
//! failure rule XSOAR needs.
//!
//! XSOAR's developer documentation (demisto/content-docs, `docs/integrations/fetching-incidents.md`,
//! "Setting Last Run") says `setLastRun` does not execute when fetch-incidents ends in an error;
//! what happens to incidents sent earlier in that run is documented nowhere. So a run that read
//! part of the window returns normally with what it can deliver and the matching state, and
//! reports the failure in `failure` (the integration passes it to `demisto.updateModuleHealth`
//! and the log); it raises only when it delivered nothing and the state is unchanged, where
//! keeping or dropping the run's incidents and state changes nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use serde_json::{json, Value};

use super::convert::{as_is, time_or_now};
use super::errors::{json_arg, with_partial};
use crate::dedup::FetchState;
use crate::input::{self, InputError};
use crate::socradar::alarm::AlarmView;
use crate::socradar::collect::{admitted, IncidentSink};
use crate::socradar::fetch::{self, FetchConfig};
use crate::socradar::incident::IncidentOptions;
use crate::socradar::mapping::{MappedIncident, Mapper, Text};
use crate::socradar::mirror::MirrorFields;
use crate::socradar::search::{SearchFilters, SearchQuery, MAX_PAGE_SIZE};
use crate::socradar::summary::AlarmSummary;
use crate::socradar::{AlarmSource, SocRadarClient, SocRadarError};
use crate::timeutil;

/// A text shared by an alarm type, and its Python string.
type SharedText = (Arc<str>, Py<PyString>);

/// Incidents as the dicts `demisto.incidents()` takes, built from the mapped alarms. The texts
/// an alarm type shares (title, types, mitigation plan, compliance) become one Python string
/// each, shared by every incident of the type, as the member names are.
pub struct PyIncidents {
    incident_type: Option<String>,
    /// What XSOAR needs to mirror the incident, when mirroring is on.
    mirror: Option<MirrorFields>,
    strings: Mutex<Strings>,
}

/// Python strings made once per run: member names by the address of their static text, and
/// the texts alarm types share by the address of their `Arc` (each kept alive beside its string,
/// so the address stays its own).
#[derive(Default)]
struct Strings {
    names: HashMap<usize, Py<PyString>, foldhash::fast::RandomState>,
    shared: HashMap<usize, SharedText, foldhash::fast::RandomState>,
}

impl PyIncidents {
    pub fn new(opts: &IncidentOptions) -> PyIncidents {
        PyIncidents {
            incident_type: opts.incident_type.clone().filter(|t| !t.trim().is_empty()),
            mirror: opts.mirror.clone(),
            strings: Mutex::new(Strings::default()),
        }
    }

    fn one<'py>(
        &self,
        py: Python<'py>,
        strings: &mut Strings,
        m: &MappedIncident<'_>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item(strings.name(py, "name"), PyString::new(py, &m.name))?;
        d.set_item(
            strings.name(py, "occurred"),
            PyString::new(py, &timeutil::to_rfc3339(m.date)),
        )?;
        d.set_item(strings.name(py, "severity"), m.severity)?;
        d.set_item(strings.name(py, "details"), PyString::new(py, &m.details))?;
        d.set_item(strings.name(py, "rawJSON"), PyString::new(py, &m.raw_json))?;
        d.set_item(
            strings.name(py, "dbotMirrorId"),
            PyString::new(py, &m.id.to_string()),
        )?;
        if let Some(t) = &self.incident_type {
            d.set_item(strings.name(py, "type"), PyString::new(py, t))?;
        }
        if let Some(m) = &self.mirror {
            d.set_item(
                strings.name(py, "dbotMirrorDirection"),
                PyString::new(py, &m.direction),
            )?;
            d.set_item(
                strings.name(py, "dbotMirrorInstance"),
                PyString::new(py, &m.instance),
            )?;
            d.set_item(
                strings.name(py, "dbotMirrorTags"),
                PyList::new(py, &m.tags)?,
            )?;
        }
        let fields = PyDict::new(py);
        for (key, value) in &m.custom_fields {
            fields.set_item(strings.name(py, key), strings.text(py, value))?;
        }
        d.set_item(strings.name(py, "CustomFields"), fields)?;
        Ok(d)
    }
}

impl Strings {
    fn name<'py>(&mut self, py: Python<'py>, key: &'static str) -> Bound<'py, PyString> {
        self.names
            .entry(key.as_ptr() as usize)
            .or_insert_with(|| PyString::intern(py, key).unbind())
            .bind(py)
            .clone()
    }

    fn text<'py>(&mut self, py: Python<'py>, t: &Text<'_>) -> Bound<'py, PyString> {
        match t {
            Text::Own(s) => PyString::new(py, s),
            Text::Shared(s) => self
                .shared
                .entry(Arc::as_ptr(s) as *const u8 as usize)
                .or_insert_with(|| (s.clone(), PyString::new(py, s).unbind()))
                .1
                .bind(py)
                .clone(),
        }
    }
}

impl IncidentSink for PyIncidents {
    type Item = Py<PyAny>;
    fn build(&self, incidents: &[MappedIncident<'_>]) -> Vec<Py<PyAny>> {
        Python::attach(|py| {
            let mut strings = self.strings.lock().unwrap_or_else(|p| p.into_inner());
            incidents
                .iter()
                .map(|m| {
                    self.one(py, &mut strings, m)
                        .map(|d| d.into_any().unbind())
                        .expect("an incident dict of strings and a float can be built")
                })
                .collect()
        })
    }
}

/// Python's cyclic garbage collector paused for a scope (if it was running).
struct GcPaused(bool);

impl GcPaused {
    fn new(_py: Python<'_>) -> GcPaused {
        // SAFETY: called with the GIL held (the token proves it); PyGC_Disable only flips the
        // collector's switch and returns its previous state.
        GcPaused(unsafe { pyo3::ffi::PyGC_Disable() } == 1)
    }
}

impl Drop for GcPaused {
    fn drop(&mut self) {
        if self.0 {
            // SAFETY: dropped in the scope that made it, where the GIL is held again.
            unsafe { pyo3::ffi::PyGC_Enable() };
        }
    }
}

/// A page of a capture as Python handed it over, read in place (no copy of the capture).
pub enum Captured {
    Bytes(PyBackedBytes),
    Text(PyBackedStr),
}

impl AsRef<[u8]> for Captured {
    fn as_ref(&self) -> &[u8] {
        match self {
            Captured::Bytes(b) => b.as_ref(),
            Captured::Text(s) => s.as_bytes(),
        }
    }
}

/// The pages of `fetch_from_pages`, each `str` or `bytes`.
pub fn captured_pages(pages: &Bound<'_, PyList>) -> PyResult<Vec<Captured>> {
    let mut raw = Vec::with_capacity(pages.len());
    for (i, page) in pages.iter().enumerate() {
        if let Ok(b) = page.cast::<PyBytes>() {
            raw.push(Captured::Bytes(b.clone().into()));
        } else if let Ok(s) = page.cast::<PyString>() {
            raw.push(Captured::Text(PyBackedStr::try_from(s.clone())?));
        } else {
            return Err(PyErr::from(InputError::new(
                "pages",
                format!("pages[{i}] must be the JSON text of a search answer (str or bytes)."),
            )));
        }
    }
    Ok(raw)
}

/// The Python class name of an error, as `failure["type"]` reports it.
fn error_type(e: &SocRadarError) -> &'static str {
    match e {
        SocRadarError::Input(_) => "InputError",
        SocRadarError::Authentication { .. } => "AuthenticationError",
        SocRadarError::NotFound { .. } => "NotFoundError",
        SocRadarError::RateLimited { .. } => "RateLimitedError",
        SocRadarError::Transport { .. } => "TransportError",
        SocRadarError::Api { .. } => "ApiError",
    }
}

/// One fetch run over `source`: `{"incidents", "last_run", "malformed", "notes", "stats",
/// "failure"}`. Raises (with that dict as `.partial`) only when the window could not be read and
/// nothing changed.
pub fn fetch_from<'py, S: AlarmSource>(
    py: Python<'py>,
    source: &S,
    cfg: Result<FetchConfig, InputError>,
    incidents: &IncidentOptions,
    company_id: u64,
    last_run: &Bound<'py, PyAny>,
    now: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let cfg = cfg?;
    let now = time_or_now("now", now)?;
    let stored: Value = if last_run.is_none() {
        json!({})
    } else {
        json_arg("last_run", "The stored fetch state", last_run)?
    };
    let state = FetchState::from_json(&stored)?;
    let mapper = Mapper::new(company_id, incidents.clone());
    let sink = PyIncidents::new(incidents);
    // The incidents are dicts of strings, with no cycles for the garbage collector to find; its
    // passes while 10⁵ of them are made (and the result around them) would only cost time.
    let _gc = GcPaused::new(py);
    let out = py.detach(|| fetch::fetch(source, &cfg, &state, now, &mapper, &sink));
    let unchanged = out.incidents.is_empty() && out.state == state;
    let result = PyDict::new(py);
    result.set_item("incidents", PyList::new(py, out.incidents)?)?;
    result.set_item("last_run", as_is(py, &out.state.to_json())?)?;
    result.set_item("malformed", as_is(py, &out.malformed)?)?;
    result.set_item("notes", out.notes)?;
    result.set_item("stats", as_is(py, &out.stats)?)?;
    let failure = out.error.as_ref().map(
        |e| json!({"type": error_type(e), "message": e.message(), "transient": e.is_transient()}),
    );
    result.set_item("failure", as_is(py, &failure)?)?;
    match out.error {
        Some(e) if unchanged => Err(with_partial(py, e, &result)),
        _ => Ok(result.into_any()),
    }
}

/// The filters a query sends, as `name=value, value` for a hint.
fn filter_text(filters: &SearchFilters) -> String {
    let q = SearchQuery {
        filters,
        page: 1,
        limit: 1,
        start: None,
        end: None,
        include_total_records: false,
    };
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in q.params(Default::default()) {
        if matches!(
            k.as_str(),
            "limit" | "page" | "include_total_records" | "include_company_id"
        ) {
            continue;
        }
        match grouped.iter_mut().find(|(key, _)| *key == k) {
            Some((_, values)) => values.push(v),
            None => grouped.push((k, vec![v])),
        }
    }
    grouped
        .into_iter()
        .map(|(k, v)| format!("{k}={}", v.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `socradar-test-fetch`: the window's first alarms at the fetch's own page size, the true
/// totals, the company, and a hint when nothing came back.
pub fn test_fetch<'py>(
    py: Python<'py>,
    client: &SocRadarClient,
    filters: SearchFilters,
    first_fetch: &str,
    limit: usize,
    now: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let now = time_or_now("now", now)?;
    fetch::first_window_start(first_fetch, now)?;
    let cid = client.config().company_id;
    let preview = py.detach(|| fetch::preview(client, &filters, first_fetch, now))?;
    let mut alarms = Vec::new();
    let mut malformed = Vec::new();
    // The tag and assignee filters apply to each alarm, as in the fetch.
    for text in preview.page.alarm_texts() {
        if alarms.len() + malformed.len() >= limit {
            break;
        }
        match AlarmView::parse(text) {
            Ok(a) if !admitted(&filters, &a) => {}
            Ok(a) => alarms.push(AlarmSummary::of(&a, cid)),
            Err(m) => malformed.push(m),
        }
    }
    let page = &preview.page;
    let total = page.total_records;
    let hint = match (page.is_empty(), preview.unfiltered_total) {
        (false, _) => None,
        (true, Some(n)) if n > 0 => Some(format!(
            "No alarm of the window matches the filters ({}); without them it holds {n} alarms. Widen or clear those filters.",
            filter_text(&filters)
        )),
        (true, _) => Some(
            "The window holds no alarm at all: check the Company ID, and widen First fetch time (for example 7 days)."
                .to_string(),
        ),
    };
    let when = |e: i64| timeutil::from_epoch(e).map(timeutil::to_rfc3339);
    as_is(
        py,
        &json!({
            "WindowStart": when(preview.start), "WindowEnd": when(preview.end),
            "WindowStartEpoch": preview.start, "WindowEndEpoch": preview.end,
            "CompanyID": cid,
            "TotalRecords": total, "TotalPages": page.total_pages, "PageSize": MAX_PAGE_SIZE,
            "Returned": alarms.len(), "Alarms": alarms, "Malformed": malformed,
            "UnfilteredTotal": preview.unfiltered_total, "Hint": hint,
        }),
    )
}

/// The `limit` argument of `socradar-test-fetch`: 1 to 100, 5 when absent.
pub fn preview_limit(text: Option<String>) -> PyResult<usize> {
    let text = text.unwrap_or_else(|| "5".to_string());
    input::bounded_int("limit", &text, 1, i64::from(MAX_PAGE_SIZE))
        .map(|n| n as usize)
        .map_err(PyErr::from)
}
