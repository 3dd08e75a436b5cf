//! The binding layer: the only place that imports pyo3 and pythonize.

mod chain_call;
mod connectors;
mod convert;
mod dora;
mod errors;
mod profile_params;
mod report;
mod report_docs;
mod socradar;
mod socradar_args;
mod socradar_catalog;
mod socradar_fetch;
mod socradar_mirror;

use pyo3::prelude::*;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    m.add_class::<socradar::PySocRadarClient>()?;
    m.add_class::<socradar_mirror::PyMirror>()?;
    m.add_function(wrap_pyfunction!(
        socradar_catalog::socradar_incident_fields,
        m
    )?)?;
    m.add_function(wrap_pyfunction!(socradar_catalog::socradar_filters, m)?)?;
    m.add_class::<dora::PyEntityProfile>()?;
    m.add_class::<connectors::PyConnectors>()?;
    m.add_function(wrap_pyfunction!(dora::assess_cyber_threat, m)?)?;
    m.add_function(wrap_pyfunction!(dora::classification_inputs, m)?)?;
    m.add_function(wrap_pyfunction!(dora::incident_field_updates, m)?)?;
    m.add_function(wrap_pyfunction!(report_docs::audit_verify, m)?)?;
    m.add_function(wrap_pyfunction!(report_docs::load_report, m)?)?;
    m.add_function(wrap_pyfunction!(report_docs::report_fields, m)?)?;
    m.add_function(wrap_pyfunction!(convert::set_clock, m)?)?;
    m.add_function(wrap_pyfunction!(convert::now, m)?)?;
    m.add_function(wrap_pyfunction!(convert::to_context, m)?)?;
    m.add_function(wrap_pyfunction!(convert::from_context, m)?)?;
    m.add_function(wrap_pyfunction!(convert::context_at, m)?)?;
    // Set as an attribute, not added: `add_function` would list it in `__all__`, and a self-test
    // is no part of the API.
    m.setattr("_selftest_panic", wrap_pyfunction!(_selftest_panic, m)?)?;
    Ok(())
}

/// Panics inside a guarded binding, so a deployment can check that a defect surfaces as
/// `InternalError` (a `DoraBridgeError`) and not as a crash.
#[pyfunction]
fn _selftest_panic(py: Python<'_>, message: &str) -> PyResult<()> {
    errors::guard(py, || panic!("{message}"))
}
