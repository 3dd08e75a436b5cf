//! Values handed back to Python, and the time arguments every binding reads.

use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString};
use pythonize::pythonize;
use serde::Serialize;
use serde_json::Value;

use crate::casing::{self, Data};
use crate::timeutil;

/// A result for Python: the domain's value (serialised in XSOAR's context spelling) with its
/// field names in snake_case ([`crate::casing::snake`]). Every binding hands its result back
/// through here, so none can forget the turn; `dora_bridge.xsoar.context` turns it back.
pub fn to_py<'py, T: Serialize + ?Sized>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    let value = serde_json::to_value(v)
        .map_err(|e| PyErr::new::<pyo3::exceptions::PyRuntimeError, _>(e.to_string()))?;
    snake_py(py, value)
}

/// [`crate::casing::snake`] and [`as_is`] in one walk: the Python object with its field names in
/// snake_case, made without building the renamed JSON first (a classification is some 12 KB of
/// it, and that second walk cost as much as classifying). [`from_context`] keeps the two-step
/// way, and a test compares them on every result of the flow.
fn snake_py<'py>(py: Python<'py>, value: Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Object(m) => {
            let dict = PyDict::new(py);
            for (k, v) in m {
                let v = match casing::data(&k, &v) {
                    Some(Data::Whole) => as_is(py, &v)?,
                    Some(Data::Keys) => match v {
                        Value::Object(entries) => {
                            let inner = PyDict::new(py);
                            for (ek, ev) in entries {
                                inner.set_item(ek, snake_py(py, ev)?)?;
                            }
                            inner.into_any()
                        }
                        other => snake_py(py, other)?,
                    },
                    Some(Data::WholeIfMap) | None => snake_py(py, v)?,
                };
                casing::with_snake(&k, |key| dict.set_item(PyString::new(py, key), v))?;
            }
            dict.into_any()
        }
        Value::Array(a) => {
            let items = a
                .into_iter()
                .map(|v| snake_py(py, v))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        // The scalars by hand, as pythonize makes them (an integer as `int` however large
        // serde_json holds it, any other number as `float`): going through its serializer for
        // each was a third of the walk.
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, b).to_owned().into_any(),
        Value::String(s) => PyString::new(py, &s).into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            (None, None) => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
    })
}

/// A value as the Python object pythonize makes of it, keys as they are: SOCRadar's wire data
/// and the fetch's XSOAR incidents and state, whose keys are the vendor's and the server's.
pub fn as_is<'py, T: Serialize + ?Sized>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    pythonize(py, v).map_err(|e| PyErr::new::<pyo3::exceptions::PyRuntimeError, _>(e.to_string()))
}

/// The arguments that take an earlier result back: read in either spelling, the snake_case one
/// the core returned or XSOAR's, as stored in context.
const RESULT_ARGUMENTS: &[&str] = &[
    "classification",
    "deadlines",
    "reports",
    "approvals",
    "head",
    "chain",
    "result",
];

/// An argument's value in the spelling the core works in (XSOAR's context keys), whichever the
/// caller kept: every argument in [`RESULT_ARGUMENTS`] whole, and the `DORA` part of `context`
/// (`demisto.context()`, or a script's own, holding snake_case results); anything else, and the
/// rest of the context, as given.
pub fn spelled_for_core(argument: &str, mut value: Value) -> Value {
    if RESULT_ARGUMENTS.contains(&argument) {
        return crate::casing::context(value);
    }
    if argument == "context" {
        if let Some(obj) = value.as_object_mut() {
            if let Some(dora) = obj.remove("dora").or_else(|| obj.remove("DORA")) {
                obj.insert("DORA".into(), crate::casing::context(dora));
            }
        }
    }
    value
}

/// A time argument: RFC 3339 with `Z` or an offset, else an `InputError` naming it.
pub fn time_arg(name: &str, raw: &str) -> PyResult<DateTime<Utc>> {
    Ok(crate::input::instant(name, raw)?)
}

/// [`time_arg`], or the core's clock ([`crate::clock::now`]) when the argument is absent.
pub fn time_or_now(name: &str, raw: Option<&str>) -> PyResult<DateTime<Utc>> {
    raw.map_or_else(|| Ok(crate::clock::now()), |s| time_arg(name, s))
}

/// `set_clock(at, running)`: the binding of [`crate::clock::simulate`].
#[pyfunction]
#[pyo3(signature = (at, *, running = true))]
pub fn set_clock(at: Option<&str>, running: bool) -> PyResult<()> {
    let at = at.map(|s| time_arg("at", s)).transpose()?;
    crate::clock::simulate(at, running);
    Ok(())
}

/// `now()`: the core's clock as RFC 3339 UTC.
#[pyfunction]
pub fn now() -> String {
    timeutil::to_rfc3339(crate::clock::now())
}

/// `to_context(result)`: a result in XSOAR's context spelling ([`crate::casing::context`]), for
/// `CommandResults`; a value already in that spelling comes back unchanged.
#[pyfunction]
pub fn to_context<'py>(py: Python<'py>, result: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    as_is(py, &super::report::json_of("result", Some(result))?)
}

/// `context_at(context, path)`: the value at a dotted path of an XSOAR context, the newest entry
/// of every list on the way ([`crate::context::at_path`], the one place that rule is written);
/// the value at the end as it is, keys as they are; `None` where nothing is there.
#[pyfunction]
pub fn context_at<'py>(
    py: Python<'py>,
    context: &Bound<'py, PyAny>,
    path: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let root = super::errors::json_arg("context", "context", context)?;
    match crate::context::at_path(&root, path) {
        Some(v) => as_is(py, v),
        None => Ok(py.None().into_bound(py)),
    }
}

/// `from_context(value)`: a value from XSOAR's context in the snake_case spelling results have.
#[pyfunction]
pub fn from_context<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let v = super::report::json_of("value", Some(value))?;
    as_is(py, &crate::casing::snake(v))
}
