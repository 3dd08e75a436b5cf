//! The report and evidence-chain functions that need no entity profile: an exported chain checked
//! without its key, DORA_IR/DORA_CYB documents read back into facts, the template's fields.

use pyo3::prelude::*;
use serde_json::{json, Value};

use super::convert::to_py;
use super::errors::{guard, input_error};
use super::report::json_of;
use crate::input::InputError;

/// Checks an exported evidence chain without the key: its hashes and links, and nothing more.
/// The verdict says integrity needs the key (`EntityProfile.audit_verify` has it).
#[pyfunction]
#[pyo3(signature = (chain, *, incident_id))]
pub fn audit_verify<'py>(
    py: Python<'py>,
    chain: &Bound<'py, PyAny>,
    incident_id: &str,
) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        let v = json_of(py, "chain", Some(chain))?;
        let chain = crate::audit::chain_from_json(&v)
            .map_err(|e| input_error(py, InputError::new("chain", e.message)))?;
        to_py(py, &crate::audit::verify(&chain, incident_id, None, None))
    })
}

/// The mapping of a report type (`None`: the DORA_IR one).
fn mapping_of(kind: Option<&str>) -> PyResult<&'static crate::report::mapping::Mapping> {
    use crate::report::mapping;
    match kind {
        None => Ok(mapping::builtin()),
        Some(k) => match mapping::report_type("kind", k)? {
            mapping::CYBER_THREAT => Ok(mapping::cyber_threat()),
            _ => Ok(mapping::builtin()),
        },
    }
}

/// Reads a DORA_IR document into `DORA.IncidentReport` facts, or (`kind="cyber-threat"`) a
/// DORA_CYB document into `DORA.CyberThreatNotification` facts.
#[pyfunction]
#[pyo3(signature = (document, *, kind=None))]
pub fn load_report<'py>(
    py: Python<'py>,
    document: &Bound<'py, PyAny>,
    kind: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        let mapping = mapping_of(kind)?;
        let doc = json_of(py, "document", Some(document))?;
        to_py(py, &crate::report::draft::load(mapping, &doc))
    })
}

/// The report template's fields: id, key, name, JSON path, type, mandatory submissions, sources
/// (`kind="cyber-threat"`: the DORA_CYB notification's).
#[pyfunction]
#[pyo3(signature = (*, kind=None))]
pub fn report_fields<'py>(py: Python<'py>, kind: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        let rows: Vec<Value> = mapping_of(kind)?
            .fields
            .iter()
            .map(|f| json!({"id": f.id, "key": f.key, "name": f.name, "json": f.json, "type": f.kind, "mandatory": f.mandatory, "sources": f.sources}))
            .collect();
        to_py(py, &rows)
    })
}
