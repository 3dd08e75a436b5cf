//! Values handed back to Python, and the time arguments every binding reads.

use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pythonize::pythonize;
use serde::Serialize;

use crate::timeutil;

/// A serialisable value as the Python object pythonize makes of it (dicts, lists, str, numbers).
pub fn to_py<'py, T: Serialize + ?Sized>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    pythonize(py, v).map_err(|e| PyErr::new::<pyo3::exceptions::PyRuntimeError, _>(e.to_string()))
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
