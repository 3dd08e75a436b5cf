//! The DORA classifier, clock and recurrence check for Python.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{json, Value};

use super::convert::{time_arg, time_or_now, to_py};
use super::errors::{guard, input_error, json_arg};
use crate::dora::classify::classify;
use crate::dora::clock::{deadlines, ClockFacts, DueSoon};
use crate::dora::facts::{resolve, Lookup};
use crate::dora::profile::EntityProfile;
use crate::dora::{recurring, threat};
use crate::input::InputError;
use crate::report::approval;
use crate::report::request::{chain_in, draft_report, DraftRequest};
use crate::report::settings::ReportSettings;
use crate::timeutil;

fn json_of(py: Python<'_>, name: &str, v: Option<&Bound<'_, PyAny>>) -> PyResult<Value> {
    match v {
        None => Ok(Value::Null),
        Some(v) => json_arg(py, name, name, v),
    }
}

/// The financial entity's profile, from the DORA Bridge instance parameters, and what is judged
/// against it.
#[pyclass(module = "dora_bridge._core", name = "EntityProfile", frozen)]
pub struct PyEntityProfile {
    profile: EntityProfile,
    due_soon: DueSoon,
    report: ReportSettings,
}

#[pymethods]
impl PyEntityProfile {
    #[staticmethod]
    fn from_params(py: Python<'_>, params: &Bound<'_, PyDict>) -> PyResult<Self> {
        guard(py, || {
            let v = json_of(py, "params", Some(params.as_any()))?;
            let profile = EntityProfile::from_params(&v).map_err(|e| input_error(py, e))?;
            let due_soon = DueSoon::from_params(&v).map_err(|e| input_error(py, e))?;
            let report = ReportSettings::from_params(&v).map_err(|e| input_error(py, e))?;
            Ok(PyEntityProfile {
                profile,
                due_soon,
                report,
            })
        })
    }

    /// The profile as read, for display.
    fn as_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || to_py(py, &self.profile))
    }

    /// Classifies an incident. Inputs come from `args`, then `context` (`DORA.Context.*`), then
    /// the `incident`'s fields. `classified_at` (argument) defaults to `now`.
    #[pyo3(signature = (args, *, incident=None, context=None, now=None))]
    fn classify<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyAny>,
        incident: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, PyAny>>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let args = json_of(py, "args", Some(args))?;
            let incident = json_of(py, "incident", incident)?;
            let context = json_of(py, "context", context)?;
            let now = time_or_now(py, "now", now)?;
            let classified_at = match args
                .get("classified_at")
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
            {
                Some(s) => time_arg(py, "classified_at", s)?,
                None => now,
            };
            let facts = resolve(&Lookup {
                args: &args,
                incident: &incident,
                context: &context,
            })
            .map_err(|e| input_error(py, e))?;
            let c =
                classify(facts, &self.profile, classified_at).map_err(|e| input_error(py, e))?;
            to_py(py, &c)
        })
    }

    /// The three report deadlines at `now`.
    #[pyo3(signature = (args, *, incident=None, context=None, now=None))]
    fn deadlines<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyAny>,
        incident: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, PyAny>>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let args = json_of(py, "args", Some(args))?;
            let incident = json_of(py, "incident", incident)?;
            let context = json_of(py, "context", context)?;
            let now = time_or_now(py, "now", now)?;
            let facts = ClockFacts::resolve(&Lookup {
                args: &args,
                incident: &incident,
                context: &context,
            })
            .map_err(|e| input_error(py, e))?;
            let d = deadlines(&facts, &self.profile, now, self.due_soon)
                .map_err(|e| input_error(py, e))?;
            to_py(py, &d)
        })
    }

    /// Groups the entity's incidents by root cause and says whether recurring ones are major
    /// together. `incidents` is a list of dicts (or its JSON text).
    #[pyo3(signature = (incidents, *, now=None))]
    fn recurring_check<'py>(
        &self,
        py: Python<'py>,
        incidents: &Bound<'py, PyAny>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let mut v = json_of(py, "incidents", Some(incidents))?;
            if let Value::String(s) = &v {
                v = serde_json::from_str(s).map_err(|e| {
                    input_error(
                        py,
                        InputError::new(
                            "incidents",
                            format!("incidents must be a JSON list of incidents: {e}."),
                        ),
                    )
                })?;
            }
            let Value::Array(items) = v else {
                return Err(input_error(
                    py,
                    InputError::new("incidents", "incidents must be a list of incidents."),
                ));
            };
            let now = time_or_now(py, "now", now)?;
            let r =
                recurring::assess(&items, &self.profile, now).map_err(|e| input_error(py, e))?;
            to_py(py, &r)
        })
    }

    /// A report draft of `kind` in `format` (json, csv, markdown, html), recorded in the
    /// evidence chain found in `context`.
    #[pyo3(signature = (kind, format="markdown", *, incident=None, context=None, now=None))]
    fn report_draft<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        format: &str,
        incident: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, PyAny>>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let kind =
                crate::report::mapping::submission("type", kind).map_err(|e| input_error(py, e))?;
            let incident = json_of(py, "incident", incident)?;
            let context = json_of(py, "context", context)?;
            let now = time_or_now(py, "now", now)?;
            let profile = serde_json::to_value(&self.profile).expect("the profile serialises");
            let req = DraftRequest {
                kind,
                format,
                mapping: &self.report.mapping,
                schema: self.report.schema.as_ref(),
                profile: &profile,
                incident: &incident,
                context: &context,
                now,
            };
            let out = py
                .detach(|| draft_report(&req))
                .map_err(|e| input_error(py, e))?;
            to_py(py, &out)
        })
    }

    /// The evidence-chain entries for a classification: the detection (once) and the
    /// classification when its inputs or verdict changed.
    #[pyo3(signature = (classification, *, context=None, now=None))]
    fn record_classification<'py>(
        &self,
        py: Python<'py>,
        classification: &Bound<'py, PyAny>,
        context: Option<&Bound<'py, PyAny>>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let c = json_of(py, "classification", Some(classification))?;
            let context = json_of(py, "context", context)?;
            let chain = chain_in(&context).map_err(|e| input_error(py, e))?;
            let entries = approval::record_classification(&chain, &c, time_or_now(py, "now", now)?)
                .map_err(|e| input_error(py, e))?;
            to_py(py, &entries)
        })
    }

    /// An approval or rejection, recorded only if every rule of the dual approval holds.
    #[pyo3(signature = (subject, approver, role, decision, *, comment=None, content_hash=None, context=None, now=None))]
    #[allow(clippy::too_many_arguments)] // one per argument of !dora-approve
    fn approve<'py>(
        &self,
        py: Python<'py>,
        subject: &str,
        approver: &str,
        role: &str,
        decision: &str,
        comment: Option<&str>,
        content_hash: Option<&str>,
        context: Option<&Bound<'py, PyAny>>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let subject = crate::input::one_of("subject", subject, approval::SUBJECTS)
                .map_err(|e| input_error(py, e))?;
            let approve = crate::input::one_of("decision", decision, &["approve", "reject"])
                .map_err(|e| input_error(py, e))?
                == "approve";
            let context = json_of(py, "context", context)?;
            let chain = chain_in(&context).map_err(|e| input_error(py, e))?;
            let e = approval::decide(
                &chain,
                &self.report.policy,
                subject,
                approver,
                role,
                approve,
                comment,
                content_hash,
                time_or_now(py, "now", now)?,
            )
            .map_err(|e| input_error(py, e))?;
            to_py(py, &e)
        })
    }

    /// Records a submission to the authority once its approvals are in place. Returns the entry
    /// and the `DORA.Submission` summary the clock reads.
    #[pyo3(signature = (kind, *, submitted_at=None, authority_reference=None, actor="DORA Bridge", context=None, now=None))]
    #[allow(clippy::too_many_arguments)] // one per argument of !dora-mark-submitted
    fn mark_submitted<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        submitted_at: Option<&str>,
        authority_reference: Option<&str>,
        actor: &str,
        context: Option<&Bound<'py, PyAny>>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let kind =
                crate::report::mapping::submission("type", kind).map_err(|e| input_error(py, e))?;
            let context = json_of(py, "context", context)?;
            let chain = chain_in(&context).map_err(|e| input_error(py, e))?;
            let now = time_or_now(py, "now", now)?;
            let at = match submitted_at.filter(|s| !s.trim().is_empty()) {
                Some(s) => time_or_now(py, "submitted_at", Some(s))?,
                None => now,
            };
            if at > now + chrono::Duration::minutes(5) {
                return Err(input_error(
                    py,
                    InputError::new(
                        "submitted_at",
                        format!(
                            "submitted_at ({}) is in the future.",
                            timeutil::to_rfc3339(at)
                        ),
                    ),
                ));
            }
            let e = approval::submit(
                &chain,
                &self.report.policy,
                kind,
                at,
                authority_reference.filter(|s| !s.trim().is_empty()),
                actor,
                now,
            )
            .map_err(|e| input_error(py, e))?;
            let mut all = chain.clone();
            all.push(e.clone());
            to_py(
                py,
                &json!({"Entry": e, "Submission": approval::submissions(&all)}),
            )
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "EntityProfile(name={:?}, member_state={:?})",
            self.profile.name, self.profile.home_member_state
        )
    }
}

/// The significant-cyber-threat test of RTS 2024/1772 Art. 10.
#[pyfunction]
pub fn assess_cyber_threat<'py>(
    py: Python<'py>,
    args: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        let args = json_of(py, "args", Some(args))?;
        let a = threat::assess(&args).map_err(|e| input_error(py, e))?;
        to_py(py, &a)
    })
}

/// Every classification input: name, kind, context paths and incident fields it is read from.
#[pyfunction]
pub fn classification_inputs(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    guard(py, || {
        let rows: Vec<Value> = crate::dora::facts::INPUTS
            .iter()
            .map(|s| json!({"name": s.name, "kind": format!("{:?}", s.kind).to_lowercase(), "context": s.context, "incident": s.incident}))
            .collect();
        to_py(py, &rows)
    })
}

/// The incident-field and SLA-timer updates for the newest `DORA.Classification` and
/// `DORA.Deadlines` in context.
#[pyfunction]
#[pyo3(signature = (*, classification=None, deadlines=None, reports=None, approvals=None, now=None))]
pub fn incident_field_updates<'py>(
    py: Python<'py>,
    classification: Option<&Bound<'py, PyAny>>,
    deadlines: Option<&Bound<'py, PyAny>>,
    reports: Option<&Bound<'py, PyAny>>,
    approvals: Option<&Bound<'py, PyAny>>,
    now: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        let c = json_of(py, "classification", classification)?;
        let d = json_of(py, "deadlines", deadlines)?;
        let r = json_of(py, "reports", reports)?;
        let a = json_of(py, "approvals", approvals)?;
        let now = time_or_now(py, "now", now)?;
        let some = |v: &Value| Some(v).filter(|v| !v.is_null()).cloned();
        let u = crate::dora::fields::updates_with_reporting(
            some(&c).as_ref(),
            some(&d).as_ref(),
            some(&r).as_ref(),
            some(&a).as_ref(),
            now,
        );
        to_py(py, &u)
    })
}

/// Verifies an evidence chain (`DORA.Audit`); with `recorded_head`, also that nothing was cut
/// from its end.
#[pyfunction]
#[pyo3(signature = (chain, *, recorded_head=None))]
pub fn audit_verify<'py>(
    py: Python<'py>,
    chain: &Bound<'py, PyAny>,
    recorded_head: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        let v = json_of(py, "chain", Some(chain))?;
        let chain = crate::audit::chain_from_json(&v)
            .map_err(|e| input_error(py, InputError::new("chain", e.message)))?;
        let result = match recorded_head.filter(|h| !h.trim().is_empty()) {
            Some(h) => crate::audit::verify_against_head(&chain, h.trim()),
            None => crate::audit::verify(&chain),
        };
        to_py(py, &result)
    })
}

/// Reads a DORA_IR document into `DORA.IncidentReport` facts.
#[pyfunction]
pub fn load_report<'py>(
    py: Python<'py>,
    document: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        let doc = json_of(py, "document", Some(document))?;
        to_py(
            py,
            &crate::report::draft::load(crate::report::mapping::builtin(), &doc),
        )
    })
}

/// The report template's fields: id, key, name, JSON path, type, mandatory submissions, sources.
#[pyfunction]
pub fn report_fields(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    guard(py, || {
        let rows: Vec<Value> = crate::report::mapping::builtin()
            .fields
            .iter()
            .map(|f| json!({"id": f.id, "key": f.key, "name": f.name, "json": f.json, "type": f.kind, "mandatory": f.mandatory, "sources": f.sources}))
            .collect();
        to_py(py, &rows)
    })
}
