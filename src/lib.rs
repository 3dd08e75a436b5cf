//! DORA Bridge core. Domain modules are plain Rust; `py` is the only binding layer.

pub mod audit;
pub mod connectors;
pub mod dedup;
pub mod dora;
pub mod errchain;
pub mod input;
pub mod py;
pub mod report;
pub mod socradar;
pub mod timeutil;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    py::register(m)
}
