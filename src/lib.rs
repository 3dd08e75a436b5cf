//! DORA Bridge core. Domain modules are plain Rust; `py` is the only binding layer.

pub mod audit;
pub mod casing;
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

/// mimalloc's options, numbered as `mi_option_t` in mimalloc.h (v2 and v3 alike; the sys crate
/// names only some of them).
#[cfg(not(fuzzing))]
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
#[cfg(not(fuzzing))]
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Arenas committed on demand and freed pages given back at once: with mimalloc's defaults
/// (eager commit, purge after 10 ms) a fetch of 10 000 alarms kept some 30 MiB more resident
/// than it uses, most of it per reader thread (BENCHMARKS.md, "Where the memory goes").
#[cfg(not(fuzzing))]
fn configure_allocator() {
    // SAFETY: mi_option_set only stores an option value; both are valid option numbers.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
    }
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    #[cfg(not(fuzzing))]
    configure_allocator();
    py::register(m)
}
