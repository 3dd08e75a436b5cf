//! The SOCRadar commands' arguments as Python hands them over: ids, text, lists and times.

use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::input::{self, InputError};

/// Reads a Python value (int or str, list or comma-separated str) as the text XSOAR would send.
pub(super) fn arg_text(arg: &str, v: &Bound<'_, PyAny>) -> PyResult<String> {
    if v.is_none() {
        return Ok(String::new());
    }
    if let Ok(list) = v.cast::<PyList>() {
        let parts: PyResult<Vec<String>> = list.iter().map(|item| arg_text(arg, &item)).collect();
        return Ok(parts?.join(","));
    }
    if v.is_instance_of::<pyo3::types::PyBool>() {
        return Err(PyErr::from(InputError::new(
            arg,
            format!("{arg} must be text or a number, got a boolean."),
        )));
    }
    Ok(v.str()?.to_string())
}

pub(super) fn id(arg: &str, v: &Bound<'_, PyAny>) -> PyResult<u64> {
    input::positive_id(arg, &arg_text(arg, v)?).map_err(PyErr::from)
}

pub(super) fn company(v: Option<&Bound<'_, PyAny>>) -> PyResult<Option<u64>> {
    match v {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => {
            let t = arg_text("company_id", v)?;
            if t.trim().is_empty() {
                Ok(None)
            } else {
                input::positive_id("company_id", &t)
                    .map(Some)
                    .map_err(PyErr::from)
            }
        }
    }
}

pub(super) fn text(arg: &str, v: &Bound<'_, PyAny>) -> PyResult<String> {
    input::non_empty(arg, &arg_text(arg, v)?).map_err(PyErr::from)
}

pub(super) fn optional_text(v: Option<&Bound<'_, PyAny>>, arg: &str) -> PyResult<Option<String>> {
    match v {
        None => Ok(None),
        Some(v) => Ok(Some(arg_text(arg, v)?.trim().to_string()).filter(|s| !s.is_empty())),
    }
}
