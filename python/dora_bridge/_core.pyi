"""Type stubs for the Rust core. Every instant crosses the boundary as an RFC 3339 string in
UTC (``2026-11-23T09:14:00Z``)."""

from typing import Any, final

__all__ = [
    "ApiError",
    "AuthenticationError",
    "ConnectorError",
    "ContextConnectors",
    "DoraBridgeError",
    "EntityProfile",
    "InputError",
    "InternalError",
    "NotFoundError",
    "RateLimitedError",
    "SocRadarClient",
    "SocRadarError",
    "TransportError",
    "__version__",
    "_selftest_panic",
    "assess_cyber_threat",
    "audit_verify",
    "classification_inputs",
    "incident_field_updates",
    "load_report",
    "now",
    "report_fields",
    "set_clock",
    "socradar_filters",
    "socradar_incident_fields",
]

__version__: str

class DoraBridgeError(Exception):
    """Root of every error DORA Bridge raises."""

class InputError(DoraBridgeError):
    """A parameter or argument was refused before any request was sent.

    ``argument`` names it."""

    argument: str

class ConnectorError(DoraBridgeError):
    """A context source (Register of Information, CMDB, transactions) failed; ``source`` names it."""

    source: str

class InternalError(DoraBridgeError):
    """A defect in DORA Bridge itself (a panic in the core); the operation did nothing further."""

class SocRadarError(DoraBridgeError):
    """The SOCRadar API, or the way to it, failed. A failed fetch carries ``partial``: the
    incidents and last run to store before the error is raised."""

    partial: dict[str, Any]

class AuthenticationError(SocRadarError):
    status: int

class NotFoundError(SocRadarError):
    status: int

class RateLimitedError(SocRadarError):
    status: int
    retry_after: float | None

class TransportError(SocRadarError): ...

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
    def from_params(params: dict[str, Any]) -> SocRadarClient:
        """From the XSOAR instance parameters (``demisto.params()``)."""
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
        """One fetch run: ``{"incidents", "last_run", "malformed", "stats"}``. On a partial
        failure raises a ``SocRadarError`` whose ``partial`` holds that same dict."""
    def fetch_from_pages(
        self, pages: list[str | bytes], last_run: dict[str, Any] | None, *, now: str | None = None
    ) -> dict[str, Any]:
        """``fetch_incidents`` over search answers already received (raw JSON, page 1 first)
        instead of the server: same parsing, deduplication and mapping, no request sent."""
    def test_fetch(
        self, *, first_fetch: str = "3 days", limit: int | str | None = None, now: str | None = None
    ) -> dict[str, Any]: ...
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
    def toggle_tag(
        self, alarm_id: int | str, tag: str, *, company_id: int | str | None = None
    ) -> dict[str, Any]: ...
    def ask_analyst(
        self, alarm_id: int | str, comment: str, *, company_id: int | str | None = None
    ) -> dict[str, Any]: ...
    def change_severity(
        self, alarm_id: int | str, severity: str, *, company_id: int | str | None = None
    ) -> dict[str, Any]: ...

def socradar_incident_fields() -> list[dict[str, Any]]:
    """The incident fields the SOCRadar mapping can write."""

def socradar_filters(params: dict[str, Any]) -> dict[str, Any]:
    """Checks the filter parameters of an instance."""

@final
class EntityProfile:
    """The financial entity's DORA profile (from the DORA Bridge instance parameters) and the
    classification, clock and recurrence check judged against it."""

    @staticmethod
    def from_params(params: dict[str, Any]) -> EntityProfile: ...
    def as_dict(self) -> dict[str, Any]: ...
    def classify(
        self,
        args: dict[str, Any],
        *,
        incident: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        now: str | None = None,
    ) -> dict[str, Any]:
        """RTS 2024/1772 classification: inputs from ``args``, then ``context``
        (``DORA.Context.*``), then the ``incident``'s fields."""
    def deadlines(
        self,
        args: dict[str, Any],
        *,
        incident: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        now: str | None = None,
    ) -> dict[str, Any]:
        """RTS 2025/301 deadlines of the three reports at ``now``."""
    def recurring_check(
        self, incidents: list[dict[str, Any]] | str, *, now: str | None = None
    ) -> dict[str, Any]:
        """RTS 2024/1772 Art. 8(2): recurring incidents grouped by root cause."""
    def report_draft(
        self,
        kind: str,
        format: str = "markdown",
        *,
        incident: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        now: str | None = None,
    ) -> dict[str, Any]:
        """An ITS 2025/302 report draft (initial, intermediate, final, reclassification) rendered
        as json, csv, markdown or html; a JSON export is validated against the configured
        DORA_IR schema. ``AuditEntry`` records the draft in the evidence chain."""
    def record_classification(
        self, classification: dict[str, Any], *, context: dict[str, Any] | None = None, now: str | None = None
    ) -> list[dict[str, Any]]: ...
    def approve(
        self,
        subject: str,
        approver: str,
        role: str,
        decision: str,
        *,
        comment: str | None = None,
        content_hash: str | None = None,
        context: dict[str, Any] | None = None,
        now: str | None = None,
    ) -> dict[str, Any]:
        """An approval or rejection of the classification or a report draft, as an evidence-chain
        entry; refused (``InputError``) when a rule of the dual approval does not hold."""
    def mark_submitted(
        self,
        kind: str,
        *,
        submitted_at: str | None = None,
        authority_reference: str | None = None,
        actor: str = "DORA Bridge",
        context: dict[str, Any] | None = None,
        now: str | None = None,
    ) -> dict[str, Any]:
        """``{"Entry": ..., "Submission": ...}`` once the approvals are in place."""

def assess_cyber_threat(args: dict[str, Any]) -> dict[str, Any]:
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
) -> dict[str, Any]:
    """Incident fields and SLA timers for the newest classification and deadlines."""

def audit_verify(chain: Any, *, recorded_head: str | None = None) -> dict[str, Any]:
    """Recomputes an evidence chain; says where it was first altered, removed or reordered."""

def load_report(document: dict[str, Any]) -> dict[str, Any]:
    """A DORA_IR document as ``DORA.IncidentReport`` facts."""

def report_fields() -> list[dict[str, Any]]:
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
    def ict_context(
        self, *, asset: str | None = None, services: list[str] | str | None = None
    ) -> dict[str, Any]:
        """``DORA.Context.ICT`` for an asset (host, IP, domain) or named services."""
    def transaction_scope(
        self,
        services: list[str] | str,
        window_start: str,
        window_end: str,
        *,
        reference_days: int | None = None,
    ) -> dict[str, Any]:
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
    ) -> dict[str, Any]:
        """``DORA.Context.Geo``: Member States affected, with the reason for each."""

def _selftest_panic(message: str) -> None:
    """Panics inside the core: raises ``InternalError`` carrying ``message``."""

def now() -> str:
    """The core's clock: the instant it takes as "now" when a call gives none."""

def set_clock(at: str | None, *, running: bool = True) -> None:
    """Simulates the core's clock from ``at``: standing still (``running=False``; a demo moves it
    step by step) or running on at the system clock's pace; ``None`` returns to the system clock.
    For tests, demos and replays; an XSOAR integration never calls it."""
