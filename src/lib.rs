//! DORA Bridge core. Domain modules are plain Rust; `py` is the only binding layer.

pub mod audit;
pub mod cell;
pub mod clock;
pub mod connectors;
pub mod context;
pub mod dedup;
pub mod dora;
pub mod errchain;
pub mod http;
pub mod identity;
pub mod input;
pub mod py;
pub mod report;
pub mod secret;
pub mod socradar;
pub mod timeutil;
pub mod triage;

use pyo3::prelude::*;

// The core's allocations (not Python's) go to mimalloc: parsing, deduplicating and mapping a
// window allocates and frees millions of small JSON nodes. Fuzz builds keep the system
// allocator, which AddressSanitizer instruments.
#[cfg(not(fuzzing))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    py::register(m)
}
