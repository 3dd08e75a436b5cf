//! The SOCRadar catalogue for Python: the incident fields the mapping writes, and the filter
//! parameters checked without a client.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{json, Value};

use super::convert::as_is;
use super::errors::{guard, json_arg};
use crate::socradar::{incident, params};

/// The incident fields the SOCRadar mapping can write, as `{cli_name, name, type, content_key}`.
#[pyfunction]
pub fn socradar_incident_fields(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    guard(py, || {
        let fields: Vec<Value> = incident::field_catalogue()
            .into_iter()
            .map(|(spec, cli, name)| json!({"cli_name": cli, "name": name, "type": spec.field_type, "content_key": spec.content_key}))
            .collect();
        as_is(py, &fields)
    })
}

/// Checks XSOAR filter parameters (`status`, `severity`, `alarm_type_ids`, ...) without a client.
#[pyfunction]
pub fn socradar_filters<'py>(
    py: Python<'py>,
    params: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        let v = json_arg("params", "The parameters", params.as_any())?;
        let f = params::filters(&v)?;
        as_is(py, &f)
    })
}
