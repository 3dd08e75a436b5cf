//! The one Python exception tree, and the one place domain errors become Python exceptions.
//!
//! ```text
//! DoraBridgeError
//! ├── InputError            bad parameter or argument; nothing was sent
//! ├── ConnectorError        a context source failed (.source names it)
//! ├── InternalError         a defect in DORA Bridge itself (a Rust panic), never a crash
//! └── SocRadarError         the SOCRadar API or the way to it
//!     ├── AuthenticationError   401/403
//!     ├── NotFoundError         404
//!     ├── RateLimitedError      429 after the retry budget
//!     ├── TransportError        no usable answer: connection, TLS, timeout, broken body
//!     └── ApiError              an answer that is an error (is_success false, 4xx/5xx, bad shape)
//! ```

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

use crate::input::InputError as DomainInputError;
use crate::socradar::SocRadarError as DomainSocRadarError;

create_exception!(
    dora_bridge,
    DoraBridgeError,
    PyException,
    "Root of every error DORA Bridge raises."
);
create_exception!(
    dora_bridge,
    InputError,
    DoraBridgeError,
    "A parameter or argument was refused before any request was sent."
);
create_exception!(
    dora_bridge,
    ConnectorError,
    DoraBridgeError,
    "A context source (register, CMDB, transactions) failed; `.source` names it."
);
create_exception!(
    dora_bridge,
    InternalError,
    DoraBridgeError,
    "A defect in DORA Bridge itself; the operation did nothing further. Please report it."
);
create_exception!(
    dora_bridge,
    SocRadarError,
    DoraBridgeError,
    "The SOCRadar API, or the way to it, failed."
);
create_exception!(
    dora_bridge,
    AuthenticationError,
    SocRadarError,
    "SOCRadar refused the API key (HTTP 401/403)."
);
create_exception!(
    dora_bridge,
    NotFoundError,
    SocRadarError,
    "SOCRadar answered 404: company, alarm or URL not found."
);
create_exception!(
    dora_bridge,
    RateLimitedError,
    SocRadarError,
    "SOCRadar kept answering 429 until the retry budget was spent."
);
create_exception!(
    dora_bridge,
    TransportError,
    SocRadarError,
    "No usable HTTP answer: connection, TLS, timeout or a broken body."
);
create_exception!(
    dora_bridge,
    ApiError,
    SocRadarError,
    "SOCRadar answered with an error."
);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("DoraBridgeError", py.get_type::<DoraBridgeError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("SocRadarError", py.get_type::<SocRadarError>())?;
    m.add("ConnectorError", py.get_type::<ConnectorError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    m.add("AuthenticationError", py.get_type::<AuthenticationError>())?;
    m.add("NotFoundError", py.get_type::<NotFoundError>())?;
    m.add("RateLimitedError", py.get_type::<RateLimitedError>())?;
    m.add("TransportError", py.get_type::<TransportError>())?;
    m.add("ApiError", py.get_type::<ApiError>())?;
    Ok(())
}

/// Runs a binding's body; a panic in it becomes an `InternalError` instead of crossing into Python
/// as pyo3's `PanicException` (a `BaseException` that `except Exception` would not catch).
pub fn guard<T>(_gil: Python<'_>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_string());
            Err(InternalError::new_err(format!(
                "Internal error in DORA Bridge ({what}). Nothing further was done; please report it."
            )))
        }
    }
}

fn with_attrs(py: Python<'_>, err: PyErr, attrs: &[(&str, Py<PyAny>)]) -> PyErr {
    let value = err.value(py);
    for (name, v) in attrs {
        // Setting an attribute on a fresh exception instance cannot fail in practice; if it
        // did, the exception itself is still the right one to raise.
        let _ = value.setattr(*name, v.bind(py));
    }
    err
}

/// A refused argument, so that `?` turns the domain's `InputError` into the Python one, its
/// `argument` attribute set.
impl From<DomainInputError> for PyErr {
    fn from(e: DomainInputError) -> PyErr {
        Python::attach(|py| input_error(py, e))
    }
}

pub fn input_error(py: Python<'_>, e: DomainInputError) -> PyErr {
    let arg = e
        .argument
        .clone()
        .into_pyobject(py)
        .map(|a| a.into_any().unbind())
        .unwrap_or_else(|_| py.None());
    with_attrs(py, InputError::new_err(e.message), &[("argument", arg)])
}

/// A Python value as JSON for the core; `None` is `null`. A value JSON cannot carry (an integer
/// beyond 64 bits, an object that is not a dict, list, str, number or bool) is an `InputError`
/// naming `argument`, with `what` ("The instance parameters", "providers") opening the message.
pub fn json_arg(
    py: Python<'_>,
    argument: &str,
    what: &str,
    v: &Bound<'_, PyAny>,
) -> PyResult<serde_json::Value> {
    if v.is_none() {
        return Ok(serde_json::Value::Null);
    }
    pythonize::depythonize(v).map_err(|e| {
        input_error(
            py,
            DomainInputError::new(argument, format!("{what} could not be read: {e}.")),
        )
    })
}

pub fn socradar_error(py: Python<'_>, e: DomainSocRadarError) -> PyErr {
    let message = e.message();
    let none = || py.None();
    let num = |v: Option<u16>| {
        v.and_then(|s| s.into_pyobject(py).ok())
            .map(|o| o.into_any().unbind())
            .unwrap_or_else(none)
    };
    match e {
        DomainSocRadarError::Input(i) => input_error(py, i),
        DomainSocRadarError::Authentication { status, .. } => with_attrs(
            py,
            AuthenticationError::new_err(message),
            &[("status", num(Some(status)))],
        ),
        DomainSocRadarError::NotFound { .. } => with_attrs(
            py,
            NotFoundError::new_err(message),
            &[("status", num(Some(404)))],
        ),
        DomainSocRadarError::RateLimited {
            retry_after_seconds,
            ..
        } => {
            let ra = retry_after_seconds
                .and_then(|s| s.into_pyobject(py).ok())
                .map(|o| o.into_any().unbind())
                .unwrap_or_else(none);
            with_attrs(
                py,
                RateLimitedError::new_err(message),
                &[("status", num(Some(429))), ("retry_after", ra)],
            )
        }
        DomainSocRadarError::Transport { .. } => TransportError::new_err(message),
        DomainSocRadarError::Api { status, .. } => {
            with_attrs(py, ApiError::new_err(message), &[("status", num(status))])
        }
    }
}

pub fn connector_error(py: Python<'_>, e: crate::connectors::ConnectorError) -> PyErr {
    let source = e
        .source
        .clone()
        .into_pyobject(py)
        .map(|a| a.into_any().unbind())
        .unwrap_or_else(|_| py.None());
    with_attrs(
        py,
        ConnectorError::new_err(e.to_string()),
        &[("source", source)],
    )
}
