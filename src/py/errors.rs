//! The one Python exception tree, and the one place domain errors become Python exceptions.
//!
//! ```text
//! DoraBridgeError
//! ├── InputError            bad parameter or argument; nothing was sent (.argument)
//! ├── ReportError           a report cannot be drafted or submitted yet (.argument, .needs)
//! │   └── ApprovalError     a rule of the four-eyes gate does not hold
//! ├── ConnectorError        a context source failed (.source names it)
//! ├── InternalError         a defect in DORA Bridge itself (a Rust panic), never a crash
//! └── SocRadarError         the SOCRadar API or the way to it (.partial)
//!     ├── AuthenticationError   401/403
//!     ├── NotFoundError         404
//!     ├── RateLimitedError      429 after the retry budget
//!     ├── TransportError        no usable answer: connection, TLS, timeout, broken body
//!     └── ApiError              an answer that is an error (is_success false, 4xx/5xx, bad shape)
//! ```
//!
//! `ApprovalError` is a `ReportError` because every approval rule guards a report (or the
//! classification it rests on): `except ReportError` catches every refusal on the way to the
//! authority, `except ApprovalError` only the four-eyes gate's.
//!
//! The classes are written in Python, not with `create_exception!`: a caller must be able to
//! raise `InputError("…", argument="x")` too, and `.argument`, `.needs`, `.source` and
//! `.partial` must exist (as `None`) on every instance, which needs an `__init__` with keyword
//! arguments and class attributes. pyo3's `#[pyclass(extends = PyException)]` hands the base
//! an empty argument tuple, so `str(e)` would lose the message.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};
use pyo3::IntoPyObjectExt;

use crate::connectors::ConnectorError as DomainConnectorError;
use crate::input::{InputError as DomainInputError, Refusal};
use crate::socradar::SocRadarError as DomainSocRadarError;

const TREE: &std::ffi::CStr = cr#"
class DoraBridgeError(Exception):
    """Root of every error DORA Bridge raises."""


class InputError(DoraBridgeError):
    """A parameter or argument was refused before any request was sent; ``argument`` names it
    (``None`` when the raiser named none)."""

    argument = None

    def __init__(self, *args, argument=None):
        super().__init__(*args)
        self.argument = argument


class ReportError(DoraBridgeError):
    """A report cannot be drafted or submitted as things stand; ``argument`` names the argument
    concerned and ``needs`` the step that must come first (an ``EntityProfile`` method name),
    each ``None`` when there is none."""

    argument = None
    needs = None

    def __init__(self, *args, argument=None, needs=None):
        super().__init__(*args)
        self.argument = argument
        self.needs = needs


class ApprovalError(ReportError):
    """A rule of the four-eyes gate does not hold: a missing or repeated approval, a changed
    draft, one person deciding twice. Nothing was recorded."""


class ConnectorError(DoraBridgeError):
    """A context source (register, CMDB, transactions) failed; ``source`` names it."""

    source = None

    def __init__(self, *args, source=None):
        super().__init__(*args)
        self.source = source


class InternalError(DoraBridgeError):
    """A defect in DORA Bridge itself; the operation did nothing further. Please report it."""


class SocRadarError(DoraBridgeError):
    """The SOCRadar API, or the way to it, failed. ``partial`` is the result a fetch or a mirror
    write would have returned (``None`` for every other call)."""

    partial = None


class AuthenticationError(SocRadarError):
    """SOCRadar refused the API key (HTTP 401/403); ``status`` says which."""

    status = 401


class NotFoundError(SocRadarError):
    """SOCRadar answered 404: company, alarm or URL not found."""

    status = 404


class RateLimitedError(SocRadarError):
    """SOCRadar kept answering 429 until the retry budget was spent."""

    status = 429
    retry_after = None


class TransportError(SocRadarError):
    """No usable HTTP answer: connection, TLS, timeout or a broken body."""


class ApiError(SocRadarError):
    """SOCRadar answered with an error; ``status`` is its HTTP status, when it had one."""

    status = None
"#;

/// The classes of the tree, in the order `register` adds them.
const CLASSES: [&str; 12] = [
    "DoraBridgeError",
    "InputError",
    "ReportError",
    "ApprovalError",
    "ConnectorError",
    "InternalError",
    "SocRadarError",
    "AuthenticationError",
    "NotFoundError",
    "RateLimitedError",
    "TransportError",
    "ApiError",
];

static TREE_CLASSES: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

/// The namespace the tree was defined in, made once per interpreter.
fn tree(py: Python<'_>) -> PyResult<&Bound<'_, PyDict>> {
    TREE_CLASSES
        .get_or_try_init(py, || {
            let globals = PyDict::new(py);
            // The classes' `__module__`, as `create_exception!(dora_bridge, …)` gave it.
            globals.set_item("__name__", "dora_bridge")?;
            py.run(TREE, Some(&globals), None)?;
            Ok::<_, PyErr>(globals.unbind())
        })
        .map(|d| d.bind(py))
}

fn class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyType>> {
    Ok(tree(py)?
        .get_item(name)?
        .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err(format!("no class {name}")))?
        .cast_into::<PyType>()?)
}

/// An instance of the tree's class `name` with `message` and keyword attributes, as a `PyErr`.
fn raise(py: Python<'_>, name: &str, message: String, attrs: &[(&str, Py<PyAny>)]) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let value = class(py, name)?.call1((message,))?;
        for (k, v) in attrs {
            // Set after the constructor: `status`, `retry_after` and `partial` are not among
            // the keywords a caller may give.
            value.setattr(*k, v.bind(py))?;
        }
        Ok(PyErr::from_value(value))
    };
    make().unwrap_or_else(|e| e)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    for name in CLASSES {
        m.add(name, class(py, name)?)?;
    }
    Ok(())
}

/// Runs a binding's body; a panic in it becomes an `InternalError` instead of crossing into Python
/// as pyo3's `PanicException` (a `BaseException` that `except Exception` would not catch).
pub fn guard<T>(py: Python<'_>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_string());
            Err(raise(
                py,
                "InternalError",
                format!(
                    "Internal error in DORA Bridge ({what}). Nothing further was done; please report it."
                ),
                &[],
            ))
        }
    }
}

fn obj<'py, T: IntoPyObject<'py>>(py: Python<'py>, v: T) -> Py<PyAny> {
    v.into_py_any(py).unwrap_or_else(|_| py.None())
}

/// A refusal, so that `?` turns the domain's `InputError` into the Python exception of its kind,
/// `argument` (and, for a report's refusal, `needs`) set.
impl From<DomainInputError> for PyErr {
    fn from(e: DomainInputError) -> PyErr {
        Python::attach(|py| {
            let argument = obj(py, e.argument.as_str());
            match e.refusal {
                Refusal::Argument => raise(py, "InputError", e.message, &[("argument", argument)]),
                kind => raise(
                    py,
                    if kind == Refusal::Approval {
                        "ApprovalError"
                    } else {
                        "ReportError"
                    },
                    e.message,
                    &[("argument", argument), ("needs", obj(py, e.needs))],
                ),
            }
        })
    }
}

/// A SOCRadar failure as its `SocRadarError` subclass, with `status` and `retry_after`.
impl From<DomainSocRadarError> for PyErr {
    fn from(e: DomainSocRadarError) -> PyErr {
        Python::attach(|py| {
            let message = e.message();
            match e {
                DomainSocRadarError::Input(i) => i.into(),
                DomainSocRadarError::Authentication { status, .. } => raise(
                    py,
                    "AuthenticationError",
                    message,
                    &[("status", obj(py, status))],
                ),
                DomainSocRadarError::NotFound { .. } => {
                    raise(py, "NotFoundError", message, &[("status", obj(py, 404))])
                }
                DomainSocRadarError::RateLimited {
                    retry_after_seconds,
                    ..
                } => raise(
                    py,
                    "RateLimitedError",
                    message,
                    &[
                        ("status", obj(py, 429)),
                        ("retry_after", obj(py, retry_after_seconds)),
                    ],
                ),
                DomainSocRadarError::Transport { .. } => raise(py, "TransportError", message, &[]),
                DomainSocRadarError::Api { status, .. } => {
                    raise(py, "ApiError", message, &[("status", obj(py, status))])
                }
            }
        })
    }
}

/// A SOCRadar failure raised after part of the work was done, `partial` carrying what the call
/// would have returned. A refused argument stays a plain `InputError`: only a `SocRadarError`
/// carries `partial`, as the stub says.
pub fn with_partial(py: Python<'_>, e: DomainSocRadarError, partial: &Bound<'_, PyAny>) -> PyErr {
    let input = matches!(e, DomainSocRadarError::Input(_));
    let err = PyErr::from(e);
    if !input {
        if let Err(failed) = err.value(py).setattr("partial", partial) {
            return failed;
        }
    }
    err
}

/// A context source's failure, `source` naming it.
impl From<DomainConnectorError> for PyErr {
    fn from(e: DomainConnectorError) -> PyErr {
        Python::attach(|py| {
            let source = obj(py, e.source.as_str());
            raise(py, "ConnectorError", e.to_string(), &[("source", source)])
        })
    }
}

/// A Python value as JSON for the core; `None` is `null`. A value JSON cannot carry (an integer
/// beyond 64 bits, an object that is not a dict, list, str, number or bool) is an `InputError`
/// naming `argument`, with `what` ("The instance parameters", "providers") opening the message.
pub fn json_arg(argument: &str, what: &str, v: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    if v.is_none() {
        return Ok(serde_json::Value::Null);
    }
    pythonize::depythonize(v).map_err(|e| {
        DomainInputError::new(argument, format!("{what} could not be read: {e}.")).into()
    })
}
