//! The DORA classifier, clock and recurrence check for Python.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{json, Value};

use super::convert::{as_is, time_arg, time_or_now, to_py};
use super::errors::{guard, input_error};
use super::report;
use crate::dora::classify::classify;
use crate::dora::clock::{deadlines, ClockFacts, DueSoon};
use crate::dora::facts::{resolve, Lookup};
use crate::dora::profile::EntityProfile;
use crate::dora::{recurring, threat};
use crate::input::InputError;
use crate::report::approval;
use crate::report::gate::SubmissionRequest;
use crate::report::settings::ReportSettings;

use report::json_of;

/// The financial entity's profile, from the DORA Bridge instance parameters, and what is judged
/// against it.
#[pyclass(module = "dora_bridge._core", name = "EntityProfile", frozen)]
pub struct PyEntityProfile {
    profile: EntityProfile,
    due_soon: DueSoon,
    report: ReportSettings,
}

impl PyEntityProfile {
    /// The three report deadlines at `now`, from the facts in `args`, the incident and its context.
    fn clock(
        &self,
        args: &Value,
        incident: &Value,
        context: &Value,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::dora::clock::Deadlines, InputError> {
        let facts = ClockFacts::resolve(&Lookup {
            args,
            incident,
            context,
        })?;
        deadlines(&facts, &self.profile, now, self.due_soon)
    }

    /// When each report is due by the clock, for the submission gate's lateness check. A clock
    /// that cannot run (no awareness time known) gives none: the submission is then recorded
    /// without a due time rather than refused.
    fn dues(
        &self,
        py: Python<'_>,
        incident: Option<&Bound<'_, PyAny>>,
        context: Option<&Bound<'_, PyAny>>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> PyResult<Vec<(&'static str, chrono::DateTime<chrono::Utc>)>> {
        let incident = json_of(py, "incident", incident)?;
        let context = json_of(py, "context", context)?;
        let Ok(d) = self.clock(&json!({}), &incident, &context, now) else {
            return Ok(Vec::new());
        };
        Ok([
            ("initial", &d.initial_notification),
            ("intermediate", &d.intermediate_report),
            ("final", &d.final_report),
        ]
        .into_iter()
        .filter_map(|(s, row)| {
            let due = row.due.as_deref()?;
            Some((s, crate::timeutil::parse_instant(due).ok()?))
        })
        .collect())
    }
}

impl PyEntityProfile {
    fn read(py: Python<'_>, params: &Bound<'_, PyDict>) -> PyResult<Self> {
        guard(py, || {
            let v = json_of(py, "params", Some(params.as_any()))?;
            let profile = EntityProfile::from_params(&v)?;
            let due_soon = DueSoon::from_params(&v)?;
            let report = ReportSettings::from_params(&v)?;
            Ok(PyEntityProfile {
                profile,
                due_soon,
                report,
            })
        })
    }
}

#[pymethods]
impl PyEntityProfile {
    /// `EntityProfile(entity_name=..., home_member_state=..., ...)`: the instance parameters as
    /// keyword arguments, typed (flags as bool, lists as lists, per-service figures as a dict,
    /// amounts as decimal strings). A name that is not a parameter is refused, not ignored.
    #[new]
    #[pyo3(signature = (**params))]
    fn new(py: Python<'_>, params: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let params = params.cloned().unwrap_or_else(|| PyDict::new(py));
        super::profile_params::check_names(&params)?;
        Self::read(py, &params)
    }

    /// From the XSOAR instance parameters (`demisto.params()`).
    #[staticmethod]
    fn from_params(py: Python<'_>, params: &Bound<'_, PyDict>) -> PyResult<Self> {
        Self::read(py, params)
    }

    /// The profile as read, for display.
    fn as_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || as_is(py, &self.profile))
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
            })?;
            let c = classify(facts, &self.profile, classified_at)?;
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
            let d = self.clock(&args, &incident, &context, now)?;
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
            let r = recurring::assess(&items, &self.profile, now)?;
            to_py(py, &r)
        })
    }

    /// A report draft of `kind` in `format` (json, csv, markdown, html), judged and recorded in
    /// the evidence chain; returns the draft, the rendering and the chain's new head.
    #[pyo3(signature = (kind, format="markdown", *, incident=None, context=None, head=None, exchange_rate=None, exchange_rate_source=None, now=None))]
    #[allow(clippy::too_many_arguments)] // one per argument of !dora-report-draft
    fn report_draft<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        format: &str,
        incident: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, PyAny>>,
        head: Option<&Bound<'py, PyAny>>,
        exchange_rate: Option<&str>,
        exchange_rate_source: Option<&str>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let kind = crate::report::mapping::submission("type", kind)?;
            let a = report::ChainArgs::read(py, incident, context, head)?;
            let d = report::DraftArgs {
                kind,
                format,
                exchange_rate,
                exchange_rate_source,
                now: report::now_or(py, now)?,
            };
            report::report_draft(py, &self.report, &self.profile, self.due_soon, a, d)
        })
    }

    /// A draft of the voluntary notification of a significant cyber threat (DORA_CYB) in
    /// `format` (json, csv, markdown), pre-filled from the SOCRadar alarm and the Art. 10
    /// assessment, judged and recorded in the evidence chain like the reports.
    #[pyo3(signature = (format="markdown", *, incident=None, context=None, head=None, now=None))]
    fn cyber_threat_draft<'py>(
        &self,
        py: Python<'py>,
        format: &str,
        incident: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, PyAny>>,
        head: Option<&Bound<'py, PyAny>>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let a = report::ChainArgs::read(py, incident, context, head)?;
            let d = report::DraftArgs {
                kind: crate::report::mapping::CYBER_THREAT,
                format,
                exchange_rate: None,
                exchange_rate_source: None,
                now: report::now_or(py, now)?,
            };
            report::report_draft(py, &self.report, &self.profile, self.due_soon, a, d)
        })
    }

    /// The evidence-chain entries for a classification (the detection once, the classification
    /// when its inputs or verdict changed) and the chain's new head.
    #[pyo3(signature = (classification, *, incident=None, context=None, head=None, now=None))]
    fn record_classification<'py>(
        &self,
        py: Python<'py>,
        classification: &Bound<'py, PyAny>,
        incident: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, PyAny>>,
        head: Option<&Bound<'py, PyAny>>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let c = json_of(py, "classification", Some(classification))?;
            let a = report::ChainArgs::read(py, incident, context, head)?;
            report::record_classification(py, &self.report, c, a, report::now_or(py, now)?)
        })
    }

    /// The evidence-chain entries sealing mirrored SOCRadar change `records` (the war room's
    /// `dora-bridge-mirror` entries), each once, and the chain's new head; none without a chain.
    #[pyo3(signature = (records, *, incident=None, context=None, head=None, now=None))]
    fn record_mirrored_changes<'py>(
        &self,
        py: Python<'py>,
        records: &Bound<'py, PyAny>,
        incident: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, PyAny>>,
        head: Option<&Bound<'py, PyAny>>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let r = json_of(py, "records", Some(records))?;
            let a = report::ChainArgs::read(py, incident, context, head)?;
            report::record_mirrored_changes(py, &self.report, r, a, report::now_or(py, now)?)
        })
    }

    /// Seals the incident's triage in its chain, with its detection and awareness (once): the
    /// triage the fetch gave it, or, with `outcome` and `reason`, a person's re-triage by the
    /// authenticated user.
    #[pyo3(signature = (*, outcome=None, reason=None, caller=None, user=None, incident=None, context=None, head=None, now=None))]
    #[allow(clippy::too_many_arguments)] // one per argument of !dora-triage
    fn record_triage<'py>(
        &self,
        py: Python<'py>,
        outcome: Option<&str>,
        reason: Option<&str>,
        caller: Option<&Bound<'py, PyAny>>,
        user: Option<&Bound<'py, PyAny>>,
        incident: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, PyAny>>,
        head: Option<&Bound<'py, PyAny>>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let person = match outcome.map(str::trim).filter(|o| !o.is_empty()) {
                Some(o) => Some((
                    report::caller_of(py, caller, user, "re-triage an incident")?,
                    o,
                    reason.unwrap_or(""),
                )),
                None => None,
            };
            let a = report::ChainArgs::read(py, incident, context, head)?;
            report::record_triage(py, &self.report, person, a, report::now_or(py, now)?)
        })
    }

    /// A person's decision that the incident is major or not (`decision`: `major` or
    /// `not-major`), against or beside the system's verdict, with a reason; made by the
    /// authenticated user in an approver role and sealed in the chain, where the clock reads it.
    #[pyo3(signature = (decision, reason, *, caller=None, user=None, role=None, decided_by=None, incident=None, context=None, head=None, now=None))]
    #[allow(clippy::too_many_arguments)] // one per argument of !dora-decide
    fn decide<'py>(
        &self,
        py: Python<'py>,
        decision: &str,
        reason: &str,
        caller: Option<&Bound<'py, PyAny>>,
        user: Option<&Bound<'py, PyAny>>,
        role: Option<&str>,
        decided_by: Option<&str>,
        incident: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, PyAny>>,
        head: Option<&Bound<'py, PyAny>>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let major =
                crate::input::one_of("decision", decision, &["major", "not-major"])? == "major";
            let who = report::caller_of(py, caller, user, "decide")?;
            let d = crate::report::human_decision::HumanDecision {
                major,
                reason,
                role,
                typed_decider: decided_by,
            };
            let a = report::ChainArgs::read(py, incident, context, head)?;
            report::decide(py, &self.report, who, &d, a, report::now_or(py, now)?)
        })
    }

    /// An approval or rejection by the authenticated user (`caller`: XSOAR's calling context;
    /// `user`: its user record), recorded only if every approval rule holds.
    #[pyo3(signature = (subject, decision, *, caller=None, user=None, role=None, approver=None, comment=None, content_hash=None, incident=None, context=None, head=None, now=None))]
    #[allow(clippy::too_many_arguments)] // one per argument of !dora-approve
    fn approve<'py>(
        &self,
        py: Python<'py>,
        subject: &str,
        decision: &str,
        caller: Option<&Bound<'py, PyAny>>,
        user: Option<&Bound<'py, PyAny>>,
        role: Option<&str>,
        approver: Option<&str>,
        comment: Option<&str>,
        content_hash: Option<&str>,
        incident: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, PyAny>>,
        head: Option<&Bound<'py, PyAny>>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let subject = crate::input::one_of("subject", subject, approval::SUBJECTS)?;
            let approve =
                crate::input::one_of("decision", decision, &["approve", "reject"])? == "approve";
            let who =
                report::caller_of(py, caller, user, if approve { "approve" } else { "reject" })?;
            let d = approval::Decision {
                subject,
                approve,
                role,
                typed_approver: approver,
                comment,
                content_hash,
            };
            let a = report::ChainArgs::read(py, incident, context, head)?;
            report::approve(py, &self.report, who, &d, a, report::now_or(py, now)?)
        })
    }

    /// Records the submission of a report (and of those `combined_with` it) by the
    /// authenticated user, once the gate's checks hold. Returns the entries, the
    /// `DORA.Submission` summary the clock reads and the chain's new head.
    #[pyo3(signature = (kind, *, caller=None, user=None, submitted_at=None, authority_reference=None, combined_with=None, submitted_by=None, late_reason=None, incident=None, context=None, head=None, now=None))]
    #[allow(clippy::too_many_arguments)] // one per argument of !dora-mark-submitted
    fn mark_submitted<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        caller: Option<&Bound<'py, PyAny>>,
        user: Option<&Bound<'py, PyAny>>,
        submitted_at: Option<&str>,
        authority_reference: Option<&str>,
        combined_with: Option<Vec<String>>,
        submitted_by: Option<&str>,
        late_reason: Option<&str>,
        incident: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, PyAny>>,
        head: Option<&Bound<'py, PyAny>>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let kind = crate::report::mapping::report_type("type", kind)?;
            let combined: Vec<String> = combined_with.unwrap_or_default();
            let mut together: Vec<&str> = Vec::new();
            for c in combined.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
                together.push(crate::report::mapping::submission("combined_with", c)?);
            }
            let who = report::caller_of(py, caller, user, "mark a report submitted")?;
            let now = report::now_or(py, now)?;
            let dues = self.dues(py, incident, context, now)?;
            let req = SubmissionRequest {
                subject: kind,
                submitted_at: report::submitted_at(py, submitted_at, now)?,
                authority_reference: authority_reference.filter(|s| !s.trim().is_empty()),
                combined_with: together,
                typed_submitter: submitted_by,
                dues,
                late_reason,
            };
            let a = report::ChainArgs::read(py, incident, context, head)?;
            report::mark_submitted(py, &self.report, who, &req, a, now)
        })
    }

    /// Where the approvals of `subject` stand, read from the verified chain.
    #[pyo3(signature = (subject, *, incident=None, context=None, head=None))]
    fn approval_status<'py>(
        &self,
        py: Python<'py>,
        subject: &str,
        incident: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, PyAny>>,
        head: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let subject = crate::input::one_of("subject", subject, approval::SUBJECTS)?;
            let a = report::ChainArgs::read(py, incident, context, head)?;
            report::approval_status(py, &self.report, subject, a)
        })
    }

    /// Verifies the incident's chain with the instance's keys against the head recorded outside
    /// the incident.
    #[pyo3(signature = (*, incident=None, context=None, head=None))]
    fn audit_verify<'py>(
        &self,
        py: Python<'py>,
        incident: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, PyAny>>,
        head: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let a = report::ChainArgs::read(py, incident, context, head)?;
            report::audit_verify(py, &self.report, a)
        })
    }

    /// Who runs a command, and in which approver role: the identity check every human decision
    /// makes (`caller`: XSOAR's calling context; `user`: the user record; `roles`: the roles that
    /// may make this decision, by default every approver role; `typed_name`: a name the command
    /// received, which must be the caller). Raises `InputError` for a playbook task, DBot, a
    /// name that is not the caller, or a caller without the role.
    #[pyo3(signature = (*, caller=None, user=None, action="decide", role=None, roles=None, typed_name=None, argument="approver"))]
    #[allow(clippy::too_many_arguments)] // the identity check's inputs
    fn authorize<'py>(
        &self,
        py: Python<'py>,
        caller: Option<&Bound<'py, PyAny>>,
        user: Option<&Bound<'py, PyAny>>,
        action: &str,
        role: Option<&str>,
        roles: Option<Vec<String>>,
        typed_name: Option<&str>,
        argument: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let who = report::caller_of(py, caller, user, action)?;
            who.check_typed(argument, typed_name)?;
            let allowed = roles.unwrap_or_else(|| self.report.policy.approver_roles.clone());
            let acting = self.report.directory.acting_role(&who, role, &allowed)?;
            to_py(py, &json!({"Caller": who, "Role": acting}))
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
        let a = threat::assess(&args, crate::clock::now())?;
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
