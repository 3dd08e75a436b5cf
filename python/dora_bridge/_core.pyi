"""Type stubs for the Rust core. Every instant crosses the boundary as an RFC 3339 string in
UTC (``2026-11-23T09:14:00Z``).

The DORA results (``EntityProfile``'s, the module functions', ``ContextConnectors``') have
snake_case keys, described below; ``to_context`` spells them as XSOAR's context keeps them
(``is_major`` → ``IsMajor``), ``from_context`` the other way. Data under a key is kept as it is
both ways: a draft's DORA_IR/DORA_CYB ``document``, a figure's ``value``, a classification's
``facts`` (keyed by argument name), incident field names. SOCRadar's records (``SocRadarClient``,
``SocRadarMirror``) keep the vendor's and XSOAR's keys."""

from typing import Any, Literal, final

from typing_extensions import Unpack

from dora_bridge.types import (
    ApprovalDecision,
    ApprovalStatus,
    Authorization,
    ChainKey,
    ChainRead,
    ChainUpdate,
    Classification,
    Deadlines,
    Decided,
    DecisionRecord,
    DraftResult,
    FieldUpdates,
    GeoScope,
    IctContext,
    Judged,
    MajorDecision,
    Recorded,
    Recurring,
    ReportFormat,
    ReportKind,
    Signed,
    Subject,
    SubmissionUpdate,
    ThreatAssessment,
    TransactionScope,
    TriageOutcome,
    TriageUpdate,
    Verification,
)

__all__ = [
    "ApiError",
    "ApprovalError",
    "AuthenticationError",
    "ConnectorError",
    "ContextConnectors",
    "DoraBridgeError",
    "EntityProfile",
    "InputError",
    "InternalError",
    "NotFoundError",
    "RateLimitedError",
    "ReportError",
    "SocRadarClient",
    "SocRadarError",
    "SocRadarMirror",
    "TransportError",
    "__version__",
    "assess_cyber_threat",
    "audit_verify",
    "classification_inputs",
    "context_at",
    "from_context",
    "incident_field_updates",
    "load_report",
    "now",
    "report_fields",
    "set_clock",
    "socradar_filters",
    "socradar_incident_fields",
    "to_context",
]

__version__: str

def to_context(result: Any) -> Any:
    """``result`` in XSOAR's context spelling (``is_major`` → ``IsMajor``); data is kept as it
    is, and a value already in that spelling comes back unchanged."""

def context_at(context: dict[str, Any] | None, path: str) -> Any:
    """The value at a dotted path of an XSOAR context (``"DORA.Context.ICT.Countries"``), taking
    the newest (last) entry of every list XSOAR kept on the way; the value at the end as it is.
    ``None`` where nothing is there."""

def from_context(value: Any) -> Any:
    """A value from XSOAR's context in the snake_case spelling of the results."""

class DoraBridgeError(Exception):
    """Root of every error DORA Bridge raises."""

class InputError(DoraBridgeError):
    """A parameter or argument was refused before any request was sent; ``argument`` names it
    as the caller passed it (``None`` when the raiser named none)."""

    argument: str | None
    def __init__(self, *args: object, argument: str | None = None) -> None: ...

class ReportError(DoraBridgeError):
    """A report cannot be drafted or submitted as things stand (no draft, incomplete, out of
    order, the evidence chain fails verification); nothing was recorded. ``argument`` names the
    argument concerned; ``needs`` the step that must come first, as the ``EntityProfile`` method
    that takes it (``classify``, ``report_draft``, ``cyber_threat_draft``, ``approve``,
    ``audit_verify``); each ``None`` when there is none."""

    argument: str | None
    needs: str | None
    def __init__(self, *args: object, argument: str | None = None, needs: str | None = None) -> None: ...

class ApprovalError(ReportError):
    """A rule of the four-eyes gate does not hold: an approval missing or rejected, a draft
    changed since it was reviewed, a role or a person deciding twice. Nothing was recorded."""

class ConnectorError(DoraBridgeError):
    """A context source (Register of Information, CMDB, transactions) failed; ``source`` names it."""

    source: str | None
    def __init__(self, *args: object, source: str | None = None) -> None: ...

class InternalError(DoraBridgeError):
    """A defect in DORA Bridge itself (a panic in the core); the operation did nothing further."""

class SocRadarError(DoraBridgeError):
    """The SOCRadar API, or the way to it, failed. ``partial`` is set only by
    ``SocRadarClient.fetch_incidents``, ``SocRadarClient.fetch_from_pages`` (raised only when
    the run delivered nothing and the state is unchanged: the result dict it would have
    returned) and ``SocRadarMirror.update_remote`` (the records and updates of the writes that
    went through); it is ``None`` on every other ``SocRadarError``."""

    partial: dict[str, Any] | None

class AuthenticationError(SocRadarError):
    status: int

class NotFoundError(SocRadarError):
    status: int

class RateLimitedError(SocRadarError):
    status: int
    retry_after: float | None

class TransportError(SocRadarError):
    """No usable HTTP answer: connection, TLS, timeout or a broken body."""

class ApiError(SocRadarError):
    status: int | None

@final
class SocRadarClient:
    """The SOCRadar Incident API v4 client. Network calls release the GIL."""

    def __new__(
        cls,
        base_url: str,
        api_key: str,
        company_id: int | str,
        *,
        verify_tls: bool = True,
        use_proxy: bool = False,
        timeout_seconds: float = 30.0,
        max_retries: int = 4,
        backoff_seconds: float = 0.5,
        retry_budget_seconds: float = 90.0,
        date_format: str = "epoch",
        page_concurrency: int = 4,
        max_response_mb: int = 32,
    ) -> SocRadarClient: ...
    @staticmethod
    def from_params(params: dict[str, Any], *, instance: str | None = None) -> SocRadarClient:
        """From the XSOAR instance parameters (``demisto.params()``); ``instance`` is
        ``demisto.integrationInstance()``, which mirrored incidents name."""
    @property
    def company_id(self) -> int: ...
    @property
    def base_url(self) -> str: ...
    @property
    def traffic(self) -> dict[str, int]:
        """``{"requests": n, "retries": n}`` sent by this client so far."""
    def drain_log(self) -> list[str]:
        """Debug lines since the last call; they never contain the API key."""
    def test_connection(self, *, check_fetch: bool = False) -> None: ...
    def search(
        self,
        *,
        page: int = 1,
        limit: int = 100,
        start: str | None = None,
        end: str | None = None,
        include_total_records: bool = True,
    ) -> dict[str, Any]: ...
    def fetch_incidents(self, last_run: dict[str, Any] | None, *, now: str | None = None) -> dict[str, Any]:
        """One fetch run: ``{"incidents", "last_run", "malformed", "notes", "stats", "failure"}``.
        When the window could not be read whole, ``failure`` (``{"type", "message",
        "transient"}``) says why, and the incidents and last run are still to be stored; a
        ``SocRadarError`` is raised instead only when nothing was delivered and the state is
        unchanged."""
    def fetch_from_pages(
        self, pages: list[str | bytes], last_run: dict[str, Any] | None, *, now: str | None = None
    ) -> dict[str, Any]:
        """``fetch_incidents`` over search answers already received (raw JSON, page 1 first)
        instead of the server: same parsing, deduplication and mapping, no request sent."""
    def test_fetch(
        self, *, first_fetch: str = "3 days", limit: int | str | None = None, now: str | None = None
    ) -> dict[str, Any]:
        """The window's newest alarms at the fetch's page size (100), its true totals, the
        company id, and a ``Hint`` when nothing matched; stores nothing."""
    def change_status(
        self,
        alarm_ids: int | str | list[int | str],
        status_reason: str,
        comments: str | None = None,
        *,
        update_related_finding_status: bool | str | None = None,
        email: str | None = None,
        company_id: int | str | None = None,
    ) -> dict[str, Any]: ...
    def add_comment(
        self, alarm_id: int | str, user_email: str, comment: str, *, company_id: int | str | None = None
    ) -> dict[str, Any]: ...
    def change_assignee(
        self, alarm_id: int | str, user_emails: str | list[str], *, company_id: int | str | None = None
    ) -> dict[str, Any]: ...
    def add_tag(
        self,
        alarm_id: int | str,
        tag: str,
        *,
        company_id: int | str | None = None,
        mirror_state: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Adds the tag; the alarm has it afterwards however often this runs. ``outcome`` is
        ``added`` or ``already-present``. ``mirror_state`` (the mirror's integration context)
        lets the alarm be read first, and after an unknown outcome instead of a blind repeat."""
    def remove_tag(
        self,
        alarm_id: int | str,
        tag: str,
        *,
        company_id: int | str | None = None,
        mirror_state: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Removes the tag (``DELETE``); ``outcome`` is ``removed`` or ``already-absent``."""
    def ask_analyst(
        self, alarm_id: int | str, comment: str, *, company_id: int | str | None = None
    ) -> dict[str, Any]: ...
    def change_severity(
        self, alarm_id: int | str, severity: str, *, company_id: int | str | None = None
    ) -> dict[str, Any]: ...

@final
class SocRadarMirror:
    """Two-way mirroring of one instance's alarms and incidents. ``state`` is what the mirror
    keeps in the integration context; every method returns ``updates`` to apply to the newest
    state with ``apply``."""

    def __new__(cls, client: SocRadarClient) -> SocRadarMirror:
        """Raises ``InputError`` naming a wrong mirroring parameter."""
    @property
    def settings(self) -> dict[str, Any]: ...
    def modified(
        self, state: dict[str, Any] | None = None, *, last_update: str | None = None, now: str | None = None
    ) -> dict[str, Any]:
        """``get-modified-remote-data``: ``{"ids", "updates", "requests", "alarms_read"}``."""
    def remote_data(
        self, alarm_id: int | str, state: dict[str, Any] | None = None, *, now: str | None = None
    ) -> dict[str, Any]:
        """``get-remote-data``: ``{"alarm_id", "mirrored", "records", "comments", "close",
        "reopen", "updates"}``."""
    def update_remote(
        self,
        alarm_id: int | str,
        state: dict[str, Any] | None = None,
        *,
        delta: dict[str, Any] | None = None,
        closing: dict[str, Any] | None = None,
        comments: list[dict[str, Any]] | None = None,
        now: str | None = None,
    ) -> dict[str, Any]:
        """``update-remote-system``: ``{"records", "updates"}``. A failed write raises its
        ``SocRadarError`` with that dict as ``partial``."""
    def baselines(self, incidents: list[dict[str, Any]], *, now: str | None = None) -> dict[str, Any]:
        """The views of freshly fetched incidents, as updates."""
    @staticmethod
    def apply(state: dict[str, Any] | None, updates: dict[str, Any]) -> dict[str, Any]: ...
    @staticmethod
    def mapping_fields() -> dict[str, dict[str, str]]: ...

def socradar_incident_fields() -> list[dict[str, Any]]:
    """The incident fields the SOCRadar mapping can write."""

def socradar_filters(params: dict[str, Any]) -> dict[str, Any]:
    """Checks the filter parameters of an instance."""

@final
class EntityProfile:
    """The financial entity's DORA profile (from the DORA Bridge instance parameters) and the
    classification, clock and recurrence check judged against it."""

    def __new__(
        cls,
        *,
        entity_name: str = ...,
        entity_lei: str = ...,
        entity_type: str = ...,
        home_member_state: str = ...,
        nis2_essential_or_important: bool = ...,
        significant_or_systemic: bool = ...,
        simplified_framework: bool = ...,
        critical_services: list[str] | str = ...,
        authorised_services: list[str] | str = ...,
        clients_per_service: dict[str, int] | str = ...,
        counterparts_per_service: dict[str, int] | str = ...,
        daily_transactions_per_service: dict[str, int] | str = ...,
        daily_value_per_service_eur: dict[str, str] | str = ...,
        relevant_clients: list[str] | str = ...,
        geographical_spread_reading: Literal["all-member-states", "other-member-states"] = ...,
        due_soon_initial_minutes: int | str = ...,
        due_soon_intermediate_hours: int | str = ...,
        due_soon_final_days: int | str = ...,
        primary_contact_name: str = ...,
        primary_contact_email: str = ...,
        primary_contact_phone: str = ...,
        secondary_contact_name: str = ...,
        secondary_contact_email: str = ...,
        secondary_contact_phone: str = ...,
        parent_undertaking_name: str = ...,
        parent_undertaking_lei: str = ...,
        report_currency: str = ...,
        report_schema: str = ...,
        report_schema_version: str = ...,
        cyber_threat_schema: str = ...,
        report_field_sources: str = ...,
        initial_notification_approver_roles: list[str] | str = ...,
        report_approver_roles: list[str] | str = ...,
        approver_roles: list[str] | str = ...,
        approver_users: str = ...,
        chain_key: ChainKey = ...,
        chain_retired_keys: str = ...,
    ) -> EntityProfile:
        """The profile from keyword arguments named as the instance parameters (amounts as
        decimal strings); ``InputError`` names a bad value or an unknown name."""
    @staticmethod
    def from_params(params: dict[str, Any]) -> EntityProfile:
        """From the XSOAR instance parameters (``demisto.params()``)."""
    def as_dict(self) -> dict[str, Any]: ...
    def classify(
        self,
        args: dict[str, Any],
        **chain: Unpack[Judged],
    ) -> Classification:
        """RTS 2024/1772 classification: inputs from ``args``, then ``context``
        (``DORA.Context.*``), then the ``incident``'s fields."""
    def deadlines(
        self,
        args: dict[str, Any],
        **chain: Unpack[Judged],
    ) -> Deadlines:
        """RTS 2025/301 deadlines of the three reports at ``now``."""
    def recurring_check(self, incidents: list[dict[str, Any]] | str, *, now: str | None = None) -> Recurring:
        """RTS 2024/1772 Art. 8(2): recurring incidents grouped by root cause."""
    def report_draft(
        self,
        kind: ReportKind,
        format: ReportFormat = "markdown",
        *,
        exchange_rate: str | None = None,
        exchange_rate_source: str | None = None,
        **chain: Unpack[Recorded],
    ) -> DraftResult:
        """An ITS 2025/302 report draft (initial, intermediate, final, reclassification) judged
        against Annex II, the configured DORA_IR schema and the template's rules, rendered as
        json, csv, markdown or html. ``audit_entry`` records it in the evidence chain of the
        incident; ``head`` is the chain's new head, to record outside the incident."""
    def cyber_threat_draft(
        self,
        format: ReportFormat = "markdown",
        **chain: Unpack[Recorded],
    ) -> DraftResult:
        """A draft of the voluntary notification of a significant cyber threat (DORA_CYB), pre-filled
        from the SOCRadar alarm and the Art. 10 assessment, judged and recorded in the chain."""
    def record_classification(
        self,
        classification: Classification | dict[str, Any],
        **chain: Unpack[Recorded],
    ) -> ChainUpdate:
        """The detection (once) and the classification sealed in the chain. ``classification``
        is ``classify``'s result, or the one kept in context (either spelling)."""
    def record_mirrored_changes(
        self,
        records: list[dict[str, Any]],
        **chain: Unpack[Recorded],
    ) -> ChainUpdate:
        """Mirrored SOCRadar changes sealed in the chain, each
        once; none without a chain."""
    def record_triage(
        self,
        *,
        outcome: TriageOutcome | None = None,
        reason: str | None = None,
        **chain: Unpack[Decided],
    ) -> TriageUpdate:
        """The incident's triage and awareness
        sealed in the chain; with ``outcome`` and ``reason``, a person's re-triage."""
    def decide(
        self,
        decision: MajorDecision,
        reason: str,
        *,
        role: str | None = None,
        decided_by: str | None = None,
        **chain: Unpack[Decided],
    ) -> DecisionRecord:
        """A person's decision (``major`` or ``not-major``) with its
        reason, by the authenticated user in an approver role, sealed in the chain."""
    def approve(
        self,
        subject: Subject,
        decision: ApprovalDecision,
        *,
        role: str | None = None,
        approver: str | None = None,
        comment: str | None = None,
        content_hash: str | None = None,
        **chain: Unpack[Decided],
    ) -> DecisionRecord:
        """An approval or rejection by the authenticated XSOAR
        user (``caller``: ``demisto.callingContext``; ``user``: ``demisto.findUser``'s record),
        refused with ``ApprovalError`` when a rule of the four-eyes gate does not hold,
        ``ReportError`` when there is nothing to approve yet, ``InputError`` for a wrong
        argument or a caller without an approver role."""
    def mark_submitted(
        self,
        kind: ReportKind | Literal["cyber-threat"],
        *,
        submitted_at: str | None = None,
        authority_reference: str | None = None,
        combined_with: list[str] | None = None,
        submitted_by: str | None = None,
        late_reason: str | None = None,
        **chain: Unpack[Decided],
    ) -> SubmissionUpdate:
        """The submission sealed in the chain, once the gate's checks hold: ``ApprovalError``
        when an approval is missing, ``ReportError`` when the report cannot go yet (no draft,
        incomplete, out of order)."""
    def approval_status(
        self,
        subject: str,
        **chain: Unpack[ChainRead],
    ) -> ApprovalStatus:
        """Where the approvals of ``subject`` stand, from the verified evidence chain."""
    def audit_verify(
        self,
        **chain: Unpack[ChainRead],
    ) -> Verification:
        """The incident's evidence chain verified with the instance's keys against ``head``."""
    def authorize(
        self,
        *,
        action: str = "decide",
        role: str | None = None,
        roles: list[str] | None = None,
        typed_name: str | None = None,
        argument: str = "approver",
        **chain: Unpack[Signed],
    ) -> Authorization:
        """The authenticated user behind a human decision and
        the role they decide in; ``InputError`` for a playbook task or DBot, a typed name that is
        not the caller, or a caller without the role."""

def assess_cyber_threat(args: dict[str, Any]) -> ThreatAssessment:
    """RTS 2024/1772 Art. 10: is a cyber threat significant."""

def classification_inputs() -> list[dict[str, Any]]:
    """Every classification input and where it is read from."""

def incident_field_updates(
    *,
    classification: Any = None,
    deadlines: Any = None,
    reports: Any = None,
    approvals: Any = None,
    now: str | None = None,
) -> FieldUpdates:
    """Incident fields and SLA timers for the newest classification and deadlines."""

def audit_verify(chain: Any, *, incident_id: str) -> Verification:
    """An exported evidence chain checked without the key: hashes and links only; the verdict
    says that integrity needs the chain key (``EntityProfile.audit_verify``)."""

def load_report(document: dict[str, Any], *, kind: str | None = None) -> dict[str, Any]:
    """A DORA_IR document as ``DORA.IncidentReport`` facts (``kind="cyber-threat"``: a DORA_CYB
    document as ``DORA.CyberThreatNotification`` facts)."""

def report_fields(*, kind: str | None = None) -> list[dict[str, Any]]:
    """The report template's fields and where their values come from."""

@final
class ContextConnectors:
    """The context connectors of an instance: ICT registry, transaction scope, geographical scope."""

    @staticmethod
    def from_params(params: dict[str, Any]) -> ContextConnectors: ...
    def sources(self) -> list[str]: ...
    def test_connection(self) -> list[str]:
        """Contacts every configured source once (the CMDB answers a query, PostgreSQL logs in and
        prepares each query, the REST endpoint answers for the last hour); one line per source.
        Raises ``ConnectorError`` naming each source that failed, ``InputError`` when none is set."""
    def ict_context(self, *, asset: str | None = None, services: list[str] | str | None = None) -> IctContext:
        """``DORA.Context.ICT`` for an asset (host, IP, domain) or named services."""
    def transaction_scope(
        self,
        services: list[str] | str,
        window_start: str,
        window_end: str,
        *,
        reference_days: int | None = None,
    ) -> TransactionScope:
        """``DORA.Context.Transactions`` for the services and the incident window."""
    def geo_scope(
        self,
        *,
        clients: list[str] | str | None = None,
        counterparts: list[str] | str | None = None,
        branches: list[str] | str | None = None,
        group_entities: list[str] | str | None = None,
        market_infrastructures: list[str] | str | None = None,
        providers: list[dict[str, Any]] | None = None,
        all_branches: bool = False,
        all_group_entities: bool = False,
    ) -> GeoScope:
        """``DORA.Context.Geo``: Member States affected, with the reason for each."""

def _selftest_panic(message: str) -> None:
    """Panics inside the core: raises ``InternalError`` carrying ``message``."""

def now() -> str:
    """The core's clock: the instant it takes as "now" when a call gives none."""

def set_clock(at: str | None, *, running: bool = True) -> None:
    """Simulates the core's clock from ``at``: standing still (``running=False``; a demo moves it
    step by step) or running on at the system clock's pace; ``None`` returns to the system clock.
    For tests, demos and replays; an XSOAR integration never calls it."""
