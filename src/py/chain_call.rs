//! The keyword arguments `EntityProfile`'s methods take after their own: who calls (`caller`,
//! `user`), the `incident`, its `context`, the evidence chain's `head` and `now`.
//!
//! pyo3 cannot group keyword-only arguments in a `#[derive(FromPyObject)]` struct (a derive
//! reads one argument), so the methods take those they accept as `**chain` and read them here,
//! once; each method's `text_signature` still names them, and an unknown or ill-typed keyword
//! is the `TypeError` Python gives any function.

use chrono::{DateTime, Utc};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::report::{caller_of, json_of, now_or, ChainArgs};
use crate::identity::Caller;

/// The shapes of a method's arguments and result, short enough that a method whose body is one
/// call is declared on one line.
pub type Arg<'py> = Bound<'py, PyAny>;
pub type Dict<'py> = Bound<'py, PyDict>;
pub type Obj = PyResult<Py<PyAny>>;

/// Every name `**chain` may carry.
const NAMES: [&str; 6] = ["caller", "user", "incident", "context", "head", "now"];
/// What a judgement of the incident reads: `classify`, `deadlines`.
pub const JUDGED: &[&str] = &["incident", "context", "now"];
/// What a step that records in the chain reads: the drafts and the automatic records.
pub const RECORDED: &[&str] = &["incident", "context", "head", "now"];
/// What reading the chain takes: `approval_status`, `audit_verify`.
pub const READ: &[&str] = &["incident", "context", "head"];
/// What a person's decision takes: `record_triage`, `decide`, `approve`, `mark_submitted`.
pub const DECIDED: &[&str] = &NAMES;
/// Who calls, alone: `authorize`.
pub const CALLER: &[&str] = &["caller", "user"];

/// The keyword arguments `names` of `function` from its `**kwargs`, in that order, each `None`
/// when absent or `None`; another keyword is a `TypeError`, as Python's.
pub fn keywords<'py>(
    function: &str,
    kwargs: Option<&Bound<'py, PyDict>>,
    names: &[&str],
) -> PyResult<Vec<Option<Bound<'py, PyAny>>>> {
    let mut values = vec![None; names.len()];
    for (k, v) in kwargs.into_iter().flat_map(|d| d.iter()) {
        let key: String = k.extract()?;
        let Some(i) = names.iter().position(|n| *n == key) else {
            return Err(PyTypeError::new_err(format!(
                "{function}() got an unexpected keyword argument '{key}'"
            )));
        };
        values[i] = Some(v).filter(|v| !v.is_none());
    }
    Ok(values)
}

pub struct ChainCall<'py> {
    method: &'static str,
    values: [Option<Bound<'py, PyAny>>; 6],
}

impl<'py> ChainCall<'py> {
    /// Reads `**chain` of `method`, which takes the names in `accepted`; another keyword is a
    /// `TypeError`, as Python's.
    pub fn read(
        method: &'static str,
        chain: Option<&Bound<'py, PyDict>>,
        accepted: &[&str],
    ) -> PyResult<Self> {
        let function = format!("EntityProfile.{method}");
        let values = keywords(&function, chain, accepted)?;
        let values = NAMES.map(|n| {
            let i = accepted.iter().position(|a| *a == n)?;
            values[i].clone()
        });
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

    /// The incident and its context, as JSON (`null` when absent).
    pub fn incident_and_context(&self) -> PyResult<(serde_json::Value, serde_json::Value)> {
        Ok((
            json_of("incident", self.get("incident"))?,
            json_of("context", self.get("context"))?,
        ))
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
