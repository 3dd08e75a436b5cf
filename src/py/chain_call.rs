//! The keyword arguments every decision sealed in the evidence chain takes after its own: who
//! calls (`caller`, `user`), the `incident`, its `context`, the chain's `head` and `now`.
//!
//! pyo3 cannot group keyword-only arguments in a `#[derive(FromPyObject)]` struct (a derive
//! reads one argument), so `record_triage`, `decide`, `approve` and `mark_submitted` take
//! these six as `**chain` and read them here, once; each method's `text_signature` still names
//! them, and an unknown or ill-typed keyword is the `TypeError` Python gives any function.

use chrono::{DateTime, Utc};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::report::{caller_of, now_or, ChainArgs};
use crate::identity::Caller;

/// The names `**chain` accepts.
const NAMES: [&str; 6] = ["caller", "user", "incident", "context", "head", "now"];

pub struct ChainCall<'py> {
    method: &'static str,
    values: [Option<Bound<'py, PyAny>>; 6],
}

impl<'py> ChainCall<'py> {
    /// Reads `**chain` of `method`; a keyword it does not take is a `TypeError`, as Python's.
    pub fn read(method: &'static str, chain: Option<&Bound<'py, PyDict>>) -> PyResult<Self> {
        let mut values: [Option<Bound<'py, PyAny>>; 6] = Default::default();
        for (k, v) in chain.into_iter().flat_map(|d| d.iter()) {
            let key: String = k.extract()?;
            let Some(i) = NAMES.iter().position(|n| *n == key) else {
                return Err(PyTypeError::new_err(format!(
                    "EntityProfile.{method}() got an unexpected keyword argument '{key}'"
                )));
            };
            values[i] = Some(v).filter(|v| !v.is_none());
        }
        Ok(ChainCall { method, values })
    }

    fn get(&self, name: &str) -> Option<&Bound<'py, PyAny>> {
        let i = NAMES.iter().position(|n| *n == name)?;
        self.values[i].as_ref()
    }

    /// The authenticated caller, refused (`InputError`) when none may `what`.
    pub fn caller(&self, what: &str) -> PyResult<Caller> {
        caller_of(self.get("caller"), self.get("user"), what)
    }

    /// The incident, its context and the head recorded outside the incident.
    pub fn chain_args(&self) -> PyResult<ChainArgs> {
        ChainArgs::read(self.get("incident"), self.get("context"), self.get("head"))
    }

    /// `now`, or the core's clock.
    pub fn now(&self) -> PyResult<DateTime<Utc>> {
        let now = match self.get("now") {
            None => None,
            Some(v) => Some(v.extract::<String>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "EntityProfile.{}() argument 'now' must be str or None, got {}",
                    self.method,
                    v.get_type()
                        .name()
                        .map(|n| n.to_string())
                        .unwrap_or_default()
                ))
            })?),
        };
        now_or(now.as_deref())
    }
}
