//! Values handed back to Python.

use pyo3::prelude::*;
use pythonize::pythonize;
use serde::Serialize;

/// A serialisable value as the Python object pythonize makes of it (dicts, lists, str, numbers).
pub fn to_py<'py, T: Serialize + ?Sized>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    pythonize(py, v).map_err(|e| PyErr::new::<pyo3::exceptions::PyRuntimeError, _>(e.to_string()))
}
