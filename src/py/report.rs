//! The report, decision and evidence-chain bindings of `EntityProfile`: each reads its Python
//! arguments into owned values, runs the domain function, and hands back the entries it
//! appended with the chain's new head, which the integration records outside the incident.

use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use serde_json::{json, Value};

use super::convert::{spelled_for_core, time_or_now, to_py};
use super::errors::json_arg;
use crate::audit::{self, HeadRecord};
use crate::dora::clock::{deadlines, ClockFacts, DueSoon};
use crate::dora::facts::Lookup;
use crate::dora::profile::EntityProfile;
use crate::identity::Caller;
use crate::input::InputError;
use crate::report::evidence::Evidence;
use crate::report::gate::{self, SubmissionRequest};
use crate::report::request::{chain_in, draft_report, incident_id, DraftRequest};
use crate::report::settings::ReportSettings;

/// A Python value as JSON; absent is `null`. An earlier result handed back is read in the
/// spelling the core works in, whichever the caller kept ([`spelled_for_core`]).
pub fn json_of(name: &str, v: Option<&Bound<'_, PyAny>>) -> PyResult<Value> {
    match v {
        None => Ok(Value::Null),
        Some(v) => Ok(spelled_for_core(name, json_arg(name, name, v)?)),
    }
}

/// What every chain-writing binding reads: the incident id, the chain in context and the head
/// recorded outside the incident.
pub struct ChainArgs {
    pub incident: Value,
    pub context: Value,
    pub head: Option<HeadRecord>,
}

impl ChainArgs {
    pub fn read(
        incident: Option<&Bound<'_, PyAny>>,
        context: Option<&Bound<'_, PyAny>>,
        head: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<ChainArgs> {
        let head = json_of("head", head)?;
        Ok(ChainArgs {
            incident: json_of("incident", incident)?,
            context: json_of("context", context)?,
            head: HeadRecord::from_json(&head),
        })
    }

    pub fn evidence<'a>(
        &'a self,
        id: &'a str,
        settings: &'a ReportSettings,
    ) -> PyResult<Evidence<'a>> {
        let chain = chain_in(&self.context)?;
        let keys = settings.keys()?;
        Evidence::new(id, keys, chain, self.head.clone()).map_err(PyErr::from)
    }
}

/// The caller XSOAR authenticated, from `demisto.callingContext` and `demisto.findUser`.
pub fn caller_of(
    calling_context: Option<&Bound<'_, PyAny>>,
    user: Option<&Bound<'_, PyAny>>,
    what: &str,
) -> PyResult<Caller> {
    let cc = json_of("caller", calling_context)?;
    let user = json_of("user", user)?;
    Caller::from_xsoar(&cc, &user, what).map_err(PyErr::from)
}

/// The deadlines at `now` from the incident and its context, with the submissions read from the
/// chain (not from the `DORA.Submission` kept in context): the HTML's clock.
pub fn clock_now(
    profile: &EntityProfile,
    due_soon: DueSoon,
    incident: &Value,
    context: &Value,
    chain: &[audit::Entry],
    now: DateTime<Utc>,
) -> Option<Value> {
    let mut context = context.clone();
    if let Some(dora) = context.get_mut("DORA").and_then(Value::as_object_mut) {
        dora.insert("Submission".into(), gate::submissions(chain));
    }
    let args = json!({});
    let facts = ClockFacts::resolve(&Lookup {
        args: &args,
        incident,
        context: &context,
    })
    .ok()?;
    deadlines(&facts, profile, now, due_soon)
        .ok()
        .and_then(|d| serde_json::to_value(d).ok())
}

pub struct DraftArgs<'a> {
    pub kind: &'a str,
    pub format: &'a str,
    pub exchange_rate: Option<&'a str>,
    pub exchange_rate_source: Option<&'a str>,
    pub now: DateTime<Utc>,
}

pub fn report_draft<'py>(
    py: Python<'py>,
    settings: &ReportSettings,
    profile: &EntityProfile,
    due_soon: DueSoon,
    a: ChainArgs,
    d: DraftArgs<'_>,
) -> PyResult<Bound<'py, PyAny>> {
    let profile_json = serde_json::to_value(profile).expect("the profile serialises");
    let chain = chain_in(&a.context)?;
    let fresh = (d.format == "html" && d.kind != crate::report::mapping::CYBER_THREAT)
        .then(|| clock_now(profile, due_soon, &a.incident, &a.context, &chain, d.now))
        .flatten();
    let req = DraftRequest {
        kind: d.kind,
        format: d.format,
        mapping: settings.mapping_for(d.kind),
        schema: settings.schema_for(d.kind),
        profile: &profile_json,
        incident: &a.incident,
        context: &a.context,
        now: d.now,
        keys: settings.keys.as_ref(),
        head: a.head.clone(),
        exchange_rate: d.exchange_rate,
        exchange_rate_source: d.exchange_rate_source,
        deadlines: fresh,
    };
    let out = py.detach(|| draft_report(&req))?;
    to_py(py, &out)
}

/// Opens the incident's evidence, runs one gate function on it (which verifies the chain and
/// appends what it records), and hands back what `result` makes of its outcome and the chain.
fn in_chain<'py, T>(
    py: Python<'py>,
    settings: &ReportSettings,
    a: &ChainArgs,
    gate: impl FnOnce(&mut Evidence<'_>) -> Result<T, InputError>,
    result: impl FnOnce(T, &Evidence<'_>) -> Value,
) -> PyResult<Bound<'py, PyAny>> {
    let id = incident_id(&a.incident);
    let mut ev = a.evidence(&id, settings)?;
    let out = gate(&mut ev)?;
    to_py(py, &result(out, &ev))
}

/// The mirrored-change records of the war room's `dora-bridge-mirror` entries.
pub fn mirrored_records(
    records: Value,
) -> Result<Vec<crate::socradar::mirror::record::MirroredChange>, InputError> {
    serde_json::from_value(records).map_err(|e| {
        InputError::new(
            "records",
            format!("records must be the mirrored-change records of the war room's dora-bridge-mirror entries; they could not be read: {e}."),
        )
    })
}

/// The triage (automatic, or a person's) and the awareness, sealed; entries, triage, head.
pub fn record_triage<'py>(
    py: Python<'py>,
    settings: &ReportSettings,
    person: Option<(Caller, &str, &str)>,
    a: ChainArgs,
    now: DateTime<Utc>,
) -> PyResult<Bound<'py, PyAny>> {
    use crate::report::triage_record::{record, PersonTriage};
    let p = person
        .as_ref()
        .map(|(caller, outcome, reason)| PersonTriage {
            caller,
            outcome,
            reason,
        });
    in_chain(
        py,
        settings,
        &a,
        |ev| record(ev, &a.incident, p.as_ref(), now),
        |(entries, current), ev| json!({"Entries": entries, "Triage": current, "Head": ev.head()}),
    )
}

/// What `gate` appended once its rules held, under `key` (`Entry` for a person's decision,
/// `Entries` for records), and the chain's new head.
pub fn seal<'py, T: serde::Serialize>(
    py: Python<'py>,
    settings: &ReportSettings,
    a: ChainArgs,
    key: &str,
    gate: impl FnOnce(&mut Evidence<'_>) -> Result<T, InputError>,
) -> PyResult<Bound<'py, PyAny>> {
    in_chain(py, settings, &a, gate, |out, ev| {
        let mut m = serde_json::Map::new();
        m.insert(key.to_string(), json!(out));
        m.insert("Head".to_string(), json!(ev.head()));
        Value::Object(m)
    })
}

/// The submission, sealed once the gate's checks hold; the entries, `DORA.Submission`, the head.
pub fn mark_submitted<'py>(
    py: Python<'py>,
    settings: &ReportSettings,
    caller: Caller,
    req: &SubmissionRequest<'_>,
    a: ChainArgs,
    now: DateTime<Utc>,
) -> PyResult<Bound<'py, PyAny>> {
    in_chain(
        py,
        settings,
        &a,
        |ev| gate::submit(ev, &settings.policy, &caller, req, now),
        |entries, ev| json!({"Entries": entries, "Submission": gate::submissions(&ev.chain), "Head": ev.head()}),
    )
}

pub fn approval_status<'py>(
    py: Python<'py>,
    settings: &ReportSettings,
    subject: &str,
    a: ChainArgs,
) -> PyResult<Bound<'py, PyAny>> {
    let id = incident_id(&a.incident);
    let ev = a.evidence(&id, settings)?;
    ev.verified()?;
    to_py(
        py,
        &gate::approval_status(&ev.chain, &settings.policy, subject),
    )
}

pub fn audit_verify<'py>(
    py: Python<'py>,
    settings: &ReportSettings,
    a: ChainArgs,
) -> PyResult<Bound<'py, PyAny>> {
    let id = incident_id(&a.incident);
    let chain = chain_in(&a.context)?;
    let keys = settings.keys()?;
    to_py(py, &audit::verify(&chain, &id, Some(keys), a.head.as_ref()))
}

/// `time_or_now` re-exported for the profile's methods.
pub fn now_or(now: Option<&str>) -> PyResult<DateTime<Utc>> {
    time_or_now("now", now)
}
