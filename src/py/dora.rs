//! The DORA classifier, clock and recurrence check for Python.

use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pythonize::{depythonize, pythonize};
use serde::Serialize;
use serde_json::{json, Value};

use super::errors::input_error;
use crate::dora::classify::classify;
use crate::dora::clock::{deadlines, ClockFacts, DueSoon};
use crate::dora::facts::{resolve, Lookup};
use crate::dora::profile::EntityProfile;
use crate::dora::{recurring, threat};
use crate::input::{quote, InputError};
use crate::timeutil;

fn to_py<'py, T: Serialize + ?Sized>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    pythonize(py, v).map_err(|e| PyErr::new::<pyo3::exceptions::PyRuntimeError, _>(e.to_string()))
}

fn json_of(py: Python<'_>, name: &str, v: Option<&Bound<'_, PyAny>>) -> PyResult<Value> {
    match v {
        None => Ok(Value::Null),
        Some(v) if v.is_none() => Ok(Value::Null),
        Some(v) => depythonize(v).map_err(|e| {
            input_error(
                py,
                InputError::new(name, format!("{name} could not be read: {e}.")),
            )
        }),
    }
}

fn instant(py: Python<'_>, name: &str, raw: Option<&str>) -> PyResult<DateTime<Utc>> {
    match raw {
        None => Ok(Utc::now()),
        Some(s) => timeutil::parse_vendor_date(s).ok_or_else(|| {
            input_error(py, InputError::new(name, format!("{name} must be an RFC 3339 date-time such as 2026-11-23T09:14:00Z, got {}.", quote(s))))
        }),
    }
}

/// The financial entity's profile, from the DORA Bridge instance parameters, and what is judged
/// against it.
#[pyclass(module = "dora_bridge._core", name = "EntityProfile", frozen)]
pub struct PyEntityProfile {
    profile: EntityProfile,
    due_soon: DueSoon,
}

#[pymethods]
impl PyEntityProfile {
    #[staticmethod]
    fn from_params(py: Python<'_>, params: &Bound<'_, PyDict>) -> PyResult<Self> {
        let v = json_of(py, "params", Some(params.as_any()))?;
        let profile = EntityProfile::from_params(&v).map_err(|e| input_error(py, e))?;
        let due_soon = DueSoon::from_params(&v).map_err(|e| input_error(py, e))?;
        Ok(PyEntityProfile { profile, due_soon })
    }

    /// The profile as read, for display.
    fn as_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.profile)
    }

    /// Classifies an incident. Inputs come from `args`, then `context` (`DORA.Context.*`), then
    /// the `incident`'s fields. `classified_at` (argument) defaults to `now`.
    #[pyo3(signature = (args, *, incident=None, context=None, now=None))]
    fn classify<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyAny>,
        incident: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, PyAny>>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let args = json_of(py, "args", Some(args))?;
        let incident = json_of(py, "incident", incident)?;
        let context = json_of(py, "context", context)?;
        let now = instant(py, "now", now)?;
        let classified_at = match args
            .get("classified_at")
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
        {
            Some(s) => instant(py, "classified_at", Some(s))?,
            None => now,
        };
        let facts = resolve(&Lookup {
            args: &args,
            incident: &incident,
            context: &context,
        })
        .map_err(|e| input_error(py, e))?;
        let c = classify(facts, &self.profile, classified_at).map_err(|e| input_error(py, e))?;
        to_py(py, &c)
    }

    /// The three report deadlines at `now`.
    #[pyo3(signature = (args, *, incident=None, context=None, now=None))]
    fn deadlines<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyAny>,
        incident: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, PyAny>>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let args = json_of(py, "args", Some(args))?;
        let incident = json_of(py, "incident", incident)?;
        let context = json_of(py, "context", context)?;
        let now = instant(py, "now", now)?;
        let facts = ClockFacts::resolve(&Lookup {
            args: &args,
            incident: &incident,
            context: &context,
        })
        .map_err(|e| input_error(py, e))?;
        let d =
            deadlines(&facts, &self.profile, now, self.due_soon).map_err(|e| input_error(py, e))?;
        to_py(py, &d)
    }

    /// Groups the entity's incidents by root cause and says whether recurring ones are major
    /// together. `incidents` is a list of dicts (or its JSON text).
    #[pyo3(signature = (incidents, *, now=None))]
    fn recurring_check<'py>(
        &self,
        py: Python<'py>,
        incidents: &Bound<'py, PyAny>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut v = json_of(py, "incidents", Some(incidents))?;
        if let Value::String(s) = &v {
            v = serde_json::from_str(s).map_err(|e| {
                input_error(
                    py,
                    InputError::new(
                        "incidents",
                        format!("incidents must be a JSON list of incidents: {e}."),
                    ),
                )
            })?;
        }
        let Value::Array(items) = v else {
            return Err(input_error(
                py,
                InputError::new("incidents", "incidents must be a list of incidents."),
            ));
        };
        let now = instant(py, "now", now)?;
        let r = recurring::assess(&items, &self.profile, now).map_err(|e| input_error(py, e))?;
        to_py(py, &r)
    }

    fn __repr__(&self) -> String {
        format!(
            "EntityProfile(name={:?}, member_state={:?})",
            self.profile.name, self.profile.home_member_state
        )
    }
}

/// The significant-cyber-threat test of RTS 2024/1772 Art. 10.
#[pyfunction]
pub fn assess_cyber_threat<'py>(
    py: Python<'py>,
    args: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let args = json_of(py, "args", Some(args))?;
    let a = threat::assess(&args).map_err(|e| input_error(py, e))?;
    to_py(py, &a)
}

/// Every classification input: name, kind, context paths and incident fields it is read from.
#[pyfunction]
pub fn classification_inputs(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let rows: Vec<Value> = crate::dora::facts::INPUTS
        .iter()
        .map(|s| json!({"name": s.name, "kind": format!("{:?}", s.kind).to_lowercase(), "context": s.context, "incident": s.incident}))
        .collect();
    to_py(py, &rows)
}

/// The incident-field and SLA-timer updates for the newest `DORA.Classification` and
/// `DORA.Deadlines` in context.
#[pyfunction]
#[pyo3(signature = (*, classification=None, deadlines=None, now=None))]
pub fn incident_field_updates<'py>(
    py: Python<'py>,
    classification: Option<&Bound<'py, PyAny>>,
    deadlines: Option<&Bound<'py, PyAny>>,
    now: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let c = json_of(py, "classification", classification)?;
    let d = json_of(py, "deadlines", deadlines)?;
    let now = instant(py, "now", now)?;
    let u = crate::dora::fields::updates(
        Some(&c).filter(|v| !v.is_null()),
        Some(&d).filter(|v| !v.is_null()),
        now,
    );
    to_py(py, &u)
}
