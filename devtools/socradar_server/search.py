"""The search endpoint's query parameters: validation, filtering and the response payload."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .catalog import ALARM_STATUSES, RISK_LEVELS
from .dates import parse_query_date
from .responses import ApiError, success

MAX_LIMIT = 100
# The spec does not name a default page size; a small one makes a client that forgets `limit`
# visible in tests through an unexpected page count.
DEFAULT_LIMIT = 20
# The two spellings of the severity filter: the XSOAR pack sends `severities`, SOCRadar's own
# node `severity`. A deployment honours one of them and ignores the other, as an unknown parameter.
SEVERITY_PARAMETERS = ("severities", "severity")


@dataclass(frozen=True)
class SearchQuery:
    limit: int = DEFAULT_LIMIT
    page: int = 1
    include_total_records: bool = True
    include_company_id: bool = False
    statuses: frozenset[str] = frozenset()
    severities: frozenset[str] = frozenset()
    main_types: frozenset[str] = frozenset()
    sub_types: frozenset[str] = frozenset()
    excluded_main_types: frozenset[str] = frozenset()
    excluded_sub_types: frozenset[str] = frozenset()
    type_ids: frozenset[int] = frozenset()
    excluded_type_ids: frozenset[int] = frozenset()
    start: datetime | None = None
    end: datetime | None = None
    # Alarms carrying one of these tags; alarms with one of these notification ids (one-alarm read).
    tags: frozenset[str] = frozenset()
    notification_ids: frozenset[int] = frozenset()

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    def matches(self, alarm: Mapping[str, object], date: datetime) -> bool:
        """Whether `alarm`, dated `date` (full precision, UTC), passes every filter.

        Empty include-sets mean "no restriction". Fields are read defensively because tests store
        deliberately odd alarms.
        """
        if self.start is not None and date < self.start:
            return False
        if self.end is not None and date > self.end:
            return False
        details = alarm.get("alarm_type_details")
        if not isinstance(details, Mapping):
            details = {}
        main, sub = details.get("alarm_main_type"), details.get("alarm_sub_type")
        type_id = details.get("alarm_type_id")
        included = (
            (alarm.get("status"), self.statuses),
            (alarm.get("alarm_risk_level"), self.severities),
            (main, self.main_types),
            (sub, self.sub_types),
            (type_id, self.type_ids),
        )
        if any(wanted and not _member(value, wanted) for value, wanted in included):
            return False
        excluded = (
            (main, self.excluded_main_types),
            (sub, self.excluded_sub_types),
            (type_id, self.excluded_type_ids),
        )
        if any(_member(value, unwanted) for value, unwanted in excluded):
            return False
        if self.tags and not _shares(alarm.get("tags"), self.tags):
            return False
        return not (
            self.notification_ids and not _member(alarm.get("notification_id"), self.notification_ids)
        )


def _shares(values: object, wanted: frozenset) -> bool:
    """Whether a list field of an alarm holds one of `wanted` (odd shapes match nothing)."""
    return isinstance(values, list) and any(_member(v, wanted) for v in values)


def _member(value: object, values: frozenset) -> bool:
    # An unhashable field value (a list where a string belongs) simply matches nothing.
    try:
        return value in values
    except TypeError:
        return False


def parse_search_query(
    query: Mapping[str, Sequence[str]], severity_parameter: str = SEVERITY_PARAMETERS[0]
) -> SearchQuery:
    """Validate the query string of a search request; raises ApiError(400) with a clear message.

    Unknown parameters are ignored, as a web API would; the request log still shows them. Of the
    two severity spellings only `severity_parameter` is honoured.
    """
    limit = _integer(query, "limit", DEFAULT_LIMIT)
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, f"limit must be between 1 and {MAX_LIMIT}.")
    page = _integer(query, "page", 1)
    if page < 1:
        raise ApiError(400, "page must be 1 or greater.")
    return SearchQuery(
        limit=limit,
        page=page,
        include_total_records=_boolean(query, "include_total_records", True),
        include_company_id=_boolean(query, "include_company_id", False),
        statuses=_choices(query, "status", ALARM_STATUSES),
        severities=_choices(query, severity_parameter, frozenset(RISK_LEVELS)),
        main_types=frozenset(query.get("alarm_main_types", ())),
        sub_types=frozenset(query.get("alarm_sub_types", ())),
        excluded_main_types=frozenset(query.get("excluded_alarm_main_types", ())),
        excluded_sub_types=frozenset(query.get("excluded_alarm_sub_types", ())),
        type_ids=_integers(query, "alarm_type_ids"),
        excluded_type_ids=_integers(query, "excluded_alarm_type_ids"),
        start=_date(query, "start_date"),
        end=_date(query, "end_date"),
        tags=frozenset(query.get("tags", ())),
        notification_ids=_integers(query, "notification_ids"),
    )


def search_payload(
    alarms: list[dict[str, object]], total: int, query: SearchQuery, *, bare_list_without_totals: bool
) -> dict[str, object]:
    """The response envelope for one page of results."""
    if not query.include_total_records:
        return success("Success", alarms if bare_list_without_totals else {"alarms": alarms})
    total_pages = -(-total // query.limit)
    return success("Success", {"alarms": alarms, "total_pages": total_pages, "total_records": total})


def _single(query: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = query.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise ApiError(400, f"{name} must be given once.")
    return values[0]


def _integer(query: Mapping[str, Sequence[str]], name: str, default: int) -> int:
    text = _single(query, name)
    if text is None:
        return default
    try:
        return int(text.strip())
    except ValueError:
        raise ApiError(400, f"{name} must be an integer.") from None


def _boolean(query: Mapping[str, Sequence[str]], name: str, default: bool) -> bool:
    text = _single(query, name)
    if text is None:
        return default
    lowered = text.strip().lower()
    if lowered not in ("true", "false"):
        raise ApiError(400, f"{name} must be true or false.")
    return lowered == "true"


def _choices(query: Mapping[str, Sequence[str]], name: str, allowed: frozenset[str]) -> frozenset[str]:
    values = frozenset(query.get(name, ()))
    unknown = values - allowed
    if unknown:
        raise ApiError(400, f"{name} has unknown value(s) {sorted(unknown)}; allowed: {sorted(allowed)}.")
    return values


def _integers(query: Mapping[str, Sequence[str]], name: str) -> frozenset[int]:
    try:
        return frozenset(int(value.strip()) for value in query.get(name, ()))
    except ValueError:
        raise ApiError(400, f"{name} must be integers, one per parameter.") from None


def _date(query: Mapping[str, Sequence[str]], name: str) -> datetime | None:
    text = _single(query, name)
    if text is None:
        return None
    try:
        return parse_query_date(text)
    except ValueError:
        raise ApiError(400, f"{name} must be epoch seconds or an ISO-8601 date.") from None
