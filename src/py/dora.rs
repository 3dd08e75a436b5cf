//! The DORA classifier, clock and recurrence check for Python.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{json, Value};

use super::chain_call::{self, Arg, ChainCall, Dict, Obj};
use super::convert::{as_is, time_arg, time_or_now, to_py};
use super::errors::guard;
use super::report;
use crate::dora::classify::classify;
use crate::dora::clock::{deadlines, ClockFacts, DueSoon};
use crate::dora::facts::{resolve, Lookup};
use crate::dora::profile::EntityProfile;
use crate::dora::{recurring, threat};
use crate::input::InputError;
use crate::report::approval;
use crate::report::evidence::Evidence;
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
    /// Records in the chain what `gate` makes of `value` (`names`: the method, and the argument
    /// `value` came in); returns the entries and the chain's new head.
    fn record<'py, T: serde::Serialize>(
        &self,
        names: (&'static str, &str),
        value: &Bound<'py, PyAny>,
        chain: Option<&Bound<'py, PyDict>>,
        gate: impl FnOnce(
            Value,
            &mut Evidence<'_>,
            chrono::DateTime<chrono::Utc>,
        ) -> Result<T, InputError>,
    ) -> Obj {
        let py = value.py();
        guard(py, || {
            let call = ChainCall::read(names.0, chain, chain_call::RECORDED)?;
            let v = json_of(names.1, Some(value))?;
            let (a, now) = (call.chain_args()?, call.now()?);
            report::seal(py, &self.report, a, "Entries", |ev| gate(v, ev, now)).map(Bound::unbind)
        })
    }

    /// What a judgement of the incident reads: its `args`, and the incident, its context and
    /// `now` from `**chain`.
    fn judged(
        method: &'static str,
        args: &Bound<'_, PyAny>,
        chain: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<(Value, Value, Value, chrono::DateTime<chrono::Utc>)> {
        let call = ChainCall::read(method, chain, chain_call::JUDGED)?;
        let (incident, context) = call.incident_and_context()?;
        Ok((json_of("args", Some(args))?, incident, context, call.now()?))
    }

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
        a: &report::ChainArgs,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Vec<(&'static str, chrono::DateTime<chrono::Utc>)> {
        let Ok(d) = self.clock(&json!({}), &a.incident, &a.context, now) else {
            return Vec::new();
        };
        [
            ("initial", &d.initial_notification),
            ("intermediate", &d.intermediate_report),
            ("final", &d.final_report),
        ]
        .into_iter()
        .filter_map(|(s, row)| {
            let due = row.due.as_deref()?;
            Some((s, crate::timeutil::parse_instant(due).ok()?))
        })
        .collect()
    }
}

impl PyEntityProfile {
    fn read(py: Python<'_>, params: &Bound<'_, PyDict>) -> PyResult<Self> {
        guard(py, || {
            let v = json_of("params", Some(params.as_any()))?;
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
    #[pyo3(signature = (args, **chain))]
    fn classify<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyAny>,
        chain: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let (args, incident, context, now) = Self::judged("classify", args, chain)?;
            let classified_at = match args
                .get("classified_at")
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
            {
                Some(s) => time_arg("classified_at", s)?,
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
    #[pyo3(signature = (args, **chain))]
    fn deadlines<'py>(
        &self,
        args: &Bound<'py, PyAny>,
        chain: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = args.py();
        guard(py, || {
            let (args, incident, context, now) = Self::judged("deadlines", args, chain)?;
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
            let items = recurring::incidents_of(json_of("incidents", Some(incidents))?)?;
            let now = time_or_now("now", now)?;
            let r = recurring::assess(&items, &self.profile, now)?;
            to_py(py, &r)
        })
    }

    /// A report draft of `kind` in `format` (json, csv, markdown, html), judged and recorded in
    /// the evidence chain; returns the draft, the rendering and the chain's new head.
    #[pyo3(signature = (kind, format="markdown", *, exchange_rate=None, exchange_rate_source=None, **chain))]
    fn report_draft<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        format: &str,
        exchange_rate: Option<String>,
        exchange_rate_source: Option<String>,
        chain: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let call = ChainCall::read("report_draft", chain, chain_call::RECORDED)?;
            let kind = crate::report::mapping::submission("type", kind)?;
            let a = call.chain_args()?;
            let d = report::DraftArgs {
                kind,
                format,
                exchange_rate: exchange_rate.as_deref(),
                exchange_rate_source: exchange_rate_source.as_deref(),
                now: call.now()?,
            };
            report::report_draft(py, &self.report, &self.profile, self.due_soon, a, d)
        })
    }

    /// A draft of the voluntary notification of a significant cyber threat (DORA_CYB) in
    /// `format` (json, csv, markdown), pre-filled from the SOCRadar alarm and the Art. 10
    /// assessment, judged and recorded in the evidence chain like the reports.
    #[pyo3(signature = (format="markdown", **chain))]
    fn cyber_threat_draft<'py>(
        &self,
        py: Python<'py>,
        format: &str,
        chain: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let call = ChainCall::read("cyber_threat_draft", chain, chain_call::RECORDED)?;
            let a = call.chain_args()?;
            let d = report::DraftArgs {
                kind: crate::report::mapping::CYBER_THREAT,
                format,
                exchange_rate: None,
                exchange_rate_source: None,
                now: call.now()?,
            };
            report::report_draft(py, &self.report, &self.profile, self.due_soon, a, d)
        })
    }

    /// The evidence-chain entries for a classification (the detection once, the classification
    /// when its inputs or verdict changed) and the chain's new head.
    #[pyo3(signature = (classification, **chain))]
    fn record_classification(&self, classification: &Arg<'_>, chain: Option<&Dict<'_>>) -> Obj {
        let names = ("record_classification", "classification");
        self.record(names, classification, chain, |c, ev, now| {
            approval::record_classification(ev, &crate::context::view(&c), now)
        })
    }

    /// The evidence-chain entries sealing mirrored SOCRadar change `records` (the war room's
    /// `dora-bridge-mirror` entries), each once, and the chain's new head; none without a chain.
    #[pyo3(signature = (records, **chain))]
    fn record_mirrored_changes(&self, records: &Arg<'_>, chain: Option<&Dict<'_>>) -> Obj {
        let names = ("record_mirrored_changes", "records");
        self.record(names, records, chain, |r, ev, now| {
            crate::socradar::mirror::evidence::seal(ev, &report::mirrored_records(r)?, now)
        })
    }

    /// Seals the incident's triage in its chain, with its detection and awareness (once): the
    /// triage the fetch gave it, or, with `outcome` and `reason`, a person's re-triage by the
    /// authenticated user.
    #[pyo3(signature = (*, outcome=None, reason=None, **chain))]
    fn record_triage<'py>(
        &self,
        py: Python<'py>,
        outcome: Option<&str>,
        reason: Option<&str>,
        chain: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let call = ChainCall::read("record_triage", chain, chain_call::DECIDED)?;
            let person = match outcome.map(str::trim).filter(|o| !o.is_empty()) {
                Some(o) => Some((
                    call.caller("re-triage an incident")?,
                    o,
                    reason.unwrap_or(""),
                )),
                None => None,
            };
            let a = call.chain_args()?;
            report::record_triage(py, &self.report, person, a, call.now()?)
        })
    }

    /// A person's decision that the incident is major or not (`decision`: `major` or
    /// `not-major`), against or beside the system's verdict, with a reason; made by the
    /// authenticated user in an approver role and sealed in the chain, where the clock reads it.
    #[pyo3(signature = (decision, reason, *, role=None, decided_by=None, **chain))]
    fn decide<'py>(
        &self,
        py: Python<'py>,
        decision: &str,
        reason: String,
        role: Option<&str>,
        decided_by: Option<&str>,
        chain: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let call = ChainCall::read("decide", chain, chain_call::DECIDED)?;
            let major =
                crate::input::one_of("decision", decision, &["major", "not-major"])? == "major";
            let who = call.caller("decide")?;
            let d = crate::report::human_decision::HumanDecision {
                major,
                reason: &reason,
                role,
                typed_decider: decided_by,
            };
            let (s, now) = (&self.report, call.now()?);
            report::seal(py, s, call.chain_args()?, "Entry", |ev| {
                let (policy, directory) = (&s.policy, &s.directory);
                crate::report::human_decision::record(ev, policy, directory, &who, &d, now)
            })
        })
    }

    /// An approval or rejection by the authenticated user (`caller`: XSOAR's calling context;
    /// `user`: its user record), recorded only if every approval rule holds.
    #[pyo3(signature = (subject, decision, *, role=None, approver=None, comment=None, content_hash=None, **chain))]
    #[allow(clippy::too_many_arguments)] // one per argument of the approval
    fn approve<'py>(
        &self,
        py: Python<'py>,
        subject: &str,
        decision: &str,
        role: Option<&str>,
        approver: Option<&str>,
        comment: Option<&str>,
        content_hash: Option<&str>,
        chain: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let call = ChainCall::read("approve", chain, chain_call::DECIDED)?;
            let subject = crate::input::one_of("subject", subject, approval::SUBJECTS)?;
            let approve =
                crate::input::one_of("decision", decision, &["approve", "reject"])? == "approve";
            let who = call.caller(if approve { "approve" } else { "reject" })?;
            let d = approval::Decision {
                subject,
                approve,
                role,
                typed_approver: approver,
                comment,
                content_hash,
            };
            let (s, now) = (&self.report, call.now()?);
            report::seal(py, s, call.chain_args()?, "Entry", |ev| {
                approval::decide(ev, &s.policy, &s.directory, &who, &d, now)
            })
        })
    }

    /// Records the submission of a report (and of those `combined_with` it) by the
    /// authenticated user, once the gate's checks hold. Returns the entries, the
    /// `DORA.Submission` summary the clock reads and the chain's new head.
    #[pyo3(signature = (kind, *, submitted_at=None, authority_reference=None, combined_with=None, submitted_by=None, late_reason=None, **chain))]
    #[allow(clippy::too_many_arguments)] // one per argument of the submission
    fn mark_submitted<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        submitted_at: Option<&str>,
        authority_reference: Option<&str>,
        combined_with: Option<Vec<String>>,
        submitted_by: Option<&str>,
        late_reason: Option<&str>,
        chain: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let call = ChainCall::read("mark_submitted", chain, chain_call::DECIDED)?;
            let kind = crate::report::mapping::report_type("type", kind)?;
            let combined: Vec<String> = combined_with.unwrap_or_default();
            let mut together: Vec<&str> = Vec::new();
            for c in combined.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
                together.push(crate::report::mapping::submission("combined_with", c)?);
            }
            let who = call.caller("mark a report submitted")?;
            let now = call.now()?;
            let a = call.chain_args()?;
            let req = SubmissionRequest {
                subject: kind,
                submitted_at: crate::timeutil::stated_or_now("submitted_at", submitted_at, now)?,
                authority_reference: authority_reference.filter(|s| !s.trim().is_empty()),
                combined_with: together,
                typed_submitter: submitted_by,
                dues: self.dues(&a, now),
                late_reason,
            };
            report::mark_submitted(py, &self.report, who, &req, a, now)
        })
    }

    /// Where the approvals of `subject` stand, read from the verified chain.
    #[pyo3(signature = (subject, **chain))]
    fn approval_status<'py>(
        &self,
        py: Python<'py>,
        subject: &str,
        chain: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let call = ChainCall::read("approval_status", chain, chain_call::READ)?;
            let subject = crate::input::one_of("subject", subject, approval::SUBJECTS)?;
            report::approval_status(py, &self.report, subject, call.chain_args()?)
        })
    }

    /// Verifies the incident's chain with the instance's keys against the head recorded outside
    /// the incident.
    #[pyo3(signature = (**chain))]
    fn audit_verify<'py>(
        &self,
        py: Python<'py>,
        chain: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let call = ChainCall::read("audit_verify", chain, chain_call::READ)?;
            report::audit_verify(py, &self.report, call.chain_args()?)
        })
    }

    /// Who runs a command, and in which approver role: the identity check every human decision
    /// makes (`caller`: XSOAR's calling context; `user`: the user record; `roles`: the roles that
    /// may make this decision, by default every approver role; `typed_name`: a name the command
    /// received, which must be the caller). Raises `InputError` for a playbook task, DBot, a
    /// name that is not the caller, or a caller without the role.
    #[pyo3(signature = (*, action="decide", role=None, roles=None, typed_name=None, argument="approver", **chain))]
    #[allow(clippy::too_many_arguments)] // the identity check's inputs
    fn authorize<'py>(
        &self,
        py: Python<'py>,
        action: &str,
        role: Option<&str>,
        roles: Option<Vec<String>>,
        typed_name: Option<&str>,
        argument: &str,
        chain: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let who = ChainCall::read("authorize", chain, chain_call::CALLER)?.caller(action)?;
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
        let args = json_of("args", Some(args))?;
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
        let c = json_of("classification", classification)?;
        let d = json_of("deadlines", deadlines)?;
        let r = json_of("reports", reports)?;
        let a = json_of("approvals", approvals)?;
        let now = time_or_now("now", now)?;
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
