"""The shapes of DORA Bridge's results, for type checkers and editors: each a ``TypedDict`` with
snake_case keys, and the closed sets of values as ``Literal``. The core returns plain dicts;
``dora_bridge.xsoar.context`` spells them as XSOAR's context keeps them."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

__all__ = [
    "ApprovalDecision",
    "ApprovalDecisionRow",
    "ApprovalStatus",
    "AuditEntry",
    "Authorization",
    "ChainKey",
    "ChainRead",
    "ChainUpdate",
    "Classification",
    "ClockDecision",
    "Criterion",
    "CriterionStatus",
    "DeadlineReport",
    "DeadlineStatus",
    "Deadlines",
    "Decided",
    "DecisionRecord",
    "DecisionState",
    "Draft",
    "DraftField",
    "DraftProblem",
    "DraftResult",
    "FieldUpdates",
    "Figure",
    "GeoScope",
    "Head",
    "IctContext",
    "Judged",
    "MajorDecision",
    "MissingField",
    "Point",
    "Recorded",
    "Recurring",
    "RecurringGroup",
    "ReferencePeriod",
    "ReportDue",
    "ReportFormat",
    "ReportKind",
    "SchemaError",
    "Signed",
    "Subject",
    "SubmissionUpdate",
    "Tampering",
    "ThreatAssessment",
    "ThreatCondition",
    "ThreatEvidence",
    "TransactionScope",
    "TriageOutcome",
    "TriageUpdate",
    "Validation",
    "Verification",
    "VerificationStatus",
    "Window",
]

# --- Closed sets -------------------------------------------------------------------------------

ReportKind = Literal["initial", "intermediate", "final", "reclassification"]
"""The ITS 2025/302 report types ``report_draft`` and ``mark_submitted`` take."""
Subject = Literal["classification", "initial", "intermediate", "final", "reclassification", "cyber-threat"]
"""What an approval is about."""
ReportFormat = Literal["json", "csv", "markdown", "html"]
ApprovalDecision = Literal["approve", "reject"]
MajorDecision = Literal["major", "not-major"]
TriageOutcome = Literal["candidate-ict-incident", "cyber-threat", "not-dora-relevant"]
DeadlineStatus = Literal[
    "not-required", "pending", "on-time", "due-soon", "overdue", "submitted", "submitted-late"
]
"""RTS 2025/301: where a report stands on the clock."""
DeadlineReport = Literal["initial-notification", "intermediate-report", "final-report"]
CriterionStatus = Literal["met", "not-met", "not-assessable"]
DecisionState = Literal["pending", "major", "not-major"]
VerificationStatus = Literal["intact", "broken", "unverifiable"]
Tampering = Literal[
    "altered",
    "removed",
    "reordered",
    "truncated",
    "appended",
    "inserted",
    "rewritten",
    "replayed",
    "malformed",
]


class ChainKey(TypedDict):
    """``EntityProfile(chain_key=...)``: XSOAR's credentials parameter, the key id as
    ``identifier`` and the secret (at least 22 characters) as ``password``."""

    identifier: str
    password: str


# --- Results -----------------------------------------------------------------------------------


class Figure(TypedDict):
    """A figure with where it came from (``DORA.Context.*``, a classification's facts)."""

    value: Any
    source: str
    estimate: bool
    partial: bool


class Point(TypedDict):
    article: str
    status: CriterionStatus
    justification: str
    missing: list[str]


class Criterion(TypedDict):
    """One RTS 2024/1772 criterion as judged (Art. 1 to 9)."""

    key: str
    name: str
    article: str
    status: CriterionStatus
    met: bool
    assessable: bool
    estimate: bool
    evidence: str
    source: list[str]
    missing: list[str]
    points: list[Point]


class Classification(TypedDict):
    """``EntityProfile.classify``: RTS 2024/1772 Art. 8(1) verdict with every criterion."""

    is_major: bool
    determinate: bool
    rule: str
    rule_text: str
    criteria: list[Criterion]
    thresholds_met: list[str]
    missing: list[str]
    could_become_major_if: list[str]
    partial_figures: list[str]
    countries_outside_eea: list[str]
    geographical_spread_reading: str
    facts: dict[str, Any]
    """Keyed by argument name (``clients_affected``): each a value with its source."""
    inputs_hash: str
    classified_at: str
    detected_at: str | None
    aware_at: str | None
    occurred_at: str | None


class ReportDue(TypedDict):
    """One report on the RTS 2025/301 clock."""

    report: DeadlineReport
    status: DeadlineStatus
    rule: str
    base_due: str | None
    due: str | None
    due_local: str | None
    inform_authority_by: str | None
    submitted_at: str | None
    time_left: str | None
    time_left_seconds: int | None
    due_soon_seconds: int
    relief_applied: bool
    timer_field: str
    notes: list[str]


class ClockDecision(TypedDict):
    state: DecisionState
    decided_at: str
    decided_by: str
    reason: str | None
    system_verdict: str
    major_since: str | None
    missing_facts: list[str]


class Deadlines(TypedDict):
    """``EntityProfile.deadlines``: the three reports at ``computed_at``."""

    member_state: str
    time_zone: str
    computed_at: str
    decision: ClockDecision | None
    initial_notification: ReportDue
    intermediate_report: ReportDue
    final_report: ReportDue


class RecurringGroup(TypedDict):
    root_cause: str
    occurrences: int
    incidents: list[str]
    first_occurred_at: str
    last_occurred_at: str
    recurring: bool
    is_major: bool
    rule: str
    classification: Classification


class Recurring(TypedDict):
    """``EntityProfile.recurring_check``: RTS 2024/1772 Art. 8(2)."""

    applicable: bool
    any_major: bool
    assessed_at: str
    window_start: str
    groups: list[RecurringGroup]
    excluded: list[str]


class ThreatEvidence(TypedDict):
    input: str
    about: str
    value: bool | None
    source: str | None


class ThreatCondition(TypedDict):
    article: str
    status: CriterionStatus
    justification: str
    evidence: list[ThreatEvidence]


class ThreatAssessment(TypedDict):
    """``assess_cyber_threat``: RTS 2024/1772 Art. 10."""

    significant: bool
    determinate: bool
    conditions: list[ThreatCondition]
    potential_criteria: list[str]
    missing: list[str]
    assessed_at: str


class AuditEntry(TypedDict):
    """One entry of the evidence chain (``DORA.Audit``); ``details`` depend on ``kind``."""

    seq: int
    at: str
    kind: str
    actor: str
    details: dict[str, Any]
    prev_hash: str
    key_id: str
    mac: str
    hash: str


class Head(TypedDict):
    """The chain's newest entry, to keep outside the incident and hand back as ``head``."""

    seq: int
    hash: str
    key_id: str
    mac: str


# The keyword arguments `EntityProfile`'s methods take after their own, as the stub's
# ``**chain: Unpack[...]`` says: which incident, its context, the evidence chain's head, the
# time, and who calls.


class ChainRead(TypedDict, total=False):
    """What reading an incident's chain takes: ``approval_status``, ``audit_verify``."""

    incident: dict[str, Any] | None
    context: dict[str, Any] | None
    head: Head | dict[str, Any] | None


class Judged(TypedDict, total=False):
    """What judging an incident reads: ``classify``, ``deadlines``."""

    incident: dict[str, Any] | None
    context: dict[str, Any] | None
    now: str | None


class Recorded(ChainRead, total=False):
    """What a step that records in the chain takes: the drafts and the automatic records."""

    now: str | None


class Signed(TypedDict, total=False):
    """Who calls: ``demisto.callingContext`` and ``demisto.findUser``'s record of that user."""

    caller: dict[str, Any] | None
    user: dict[str, Any] | None


class Decided(Recorded, Signed, total=False):
    """What a person's step takes: ``record_triage``, ``decide``, ``approve``, ``mark_submitted``."""


class SchemaError(TypedDict):
    field: str | None
    path: str
    message: str


class Validation(TypedDict):
    valid: bool
    schema: str
    errors: list[SchemaError]


class DraftField(TypedDict):
    id: str
    key: str
    name: str
    kind: str
    section: int
    mandatory: bool
    missing: bool
    value: Any
    source: str | None
    note: str | None
    problem: str | None


class MissingField(TypedDict):
    id: str
    key: str
    name: str


class DraftProblem(TypedDict):
    field: str
    name: str
    key: str
    why: str
    check: str


class Draft(TypedDict):
    type: str
    submission_type: str
    content_hash: str
    complete: bool
    missing: list[MissingField]
    problems: list[DraftProblem]
    generated_at: str
    mapping_version: str
    conversion: dict[str, Any] | None
    validation: Validation | None
    fields: list[DraftField]
    document: dict[str, Any]
    """The DORA_IR / DORA_CYB document, in the schema's own (camelCase) keys."""


class DraftResult(TypedDict):
    """``report_draft`` / ``cyber_threat_draft``."""

    draft: Draft
    format: ReportFormat
    validation: Validation | None
    rendered: str | None
    file_name: str
    audit_entry: AuditEntry | None
    head: Head | None


class ChainUpdate(TypedDict):
    """Entries appended to the evidence chain and its new head."""

    entries: list[AuditEntry]
    head: Head | None


class DecisionRecord(TypedDict):
    """``approve`` / ``decide``: the sealed entry and the chain's new head."""

    entry: AuditEntry
    head: Head | None


class TriageUpdate(ChainUpdate):
    triage: dict[str, Any] | None


class SubmissionUpdate(ChainUpdate):
    submission: dict[str, Any]


class ApprovalDecisionRow(TypedDict):
    decision: ApprovalDecision
    role: str
    user: str
    at: str
    comment: str


class ApprovalStatus(TypedDict):
    """``approval_status``: where the approvals of a subject stand, from the verified chain."""

    subject: Subject
    content_hash: str
    approved: bool
    rejected: bool
    complete: bool
    submitted: bool
    submitted_at: str | None
    missing_roles: list[str]
    decisions: list[ApprovalDecisionRow]


class Verification(TypedDict):
    """``audit_verify``: the evidence chain's verdict."""

    valid: bool
    status: VerificationStatus
    entries: int
    head_checked: bool
    head_hash: str | None
    key_ids: list[str]
    first_bad_seq: int | None
    tampering: Tampering | None
    problem: str | None


class Authorization(TypedDict):
    caller: dict[str, Any]
    role: str


class FieldUpdates(TypedDict):
    """``incident_field_updates``: incident field name to value, and the SLA timers to run."""

    fields: dict[str, Any]
    timers: list[dict[str, Any]]


class IctContext(TypedDict):
    """``DORA.Context.ICT``."""

    asset: str | None
    affected_services: Figure
    critical_services_affected: Figure
    functions: list[dict[str, Any]]
    providers: list[dict[str, Any]]
    countries: list[dict[str, Any]]
    evidence: list[str]
    partial: bool
    problems: list[str]


class Window(TypedDict):
    start: str
    end: str


class ReferencePeriod(TypedDict):
    start: str
    end: str
    days: int


class TransactionScope(TypedDict, total=False):
    """``DORA.Context.Transactions``: each figure a ``Figure``."""

    window: Window
    reference_period: ReferencePeriod
    clients_affected: Figure
    clients_total: Figure
    counterparts_affected: Figure
    counterparts_total: Figure
    transactions_affected: Figure
    value_affected_eur: Figure
    daily_average_transactions: Figure
    daily_average_value_eur: Figure
    partial: bool
    problems: list[str]


class GeoScope(TypedDict):
    """``DORA.Context.Geo``."""

    member_states: Figure
    impact_types: list[str]
    reasons: list[dict[str, Any]]
    outside_eea: list[dict[str, Any]]
