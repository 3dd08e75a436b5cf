"""Injected faults: what can go wrong between a connector and SOCRadar, on demand.

Faults wait in a FIFO queue; each request takes the oldest fault that applies to it. Every kind
except "slow", "late_answer", "truncated" and "malformed_alarm" replaces the normal answer, so
the request has no effect on server state.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from devtools.httpkit import Fault, FaultQueue, Response, json_response, reset, retry_after_header

from .responses import failure

# Kinds answered with that HTTP status and an `is_success: false` envelope.
STATUS_FAULTS: dict[str, str] = {
    "401": "Invalid API key.",
    "403": "Access denied.",
    "404": "Not found.",
    "429": "Too many requests. Please try again later.",
    "500": "Internal server error.",
    "502": "Bad gateway.",
    "503": "Service temporarily unavailable.",
    "504": "Gateway timeout.",
}
# "late_answer" acts on the request, then answers after `delay`: a client that times out cannot
# tell whether it acted (the case a retried POST must check before repeating).
FAULT_KINDS: frozenset[str] = frozenset(
    {*STATUS_FAULTS, "slow", "late_answer", "reset", "garbled", "truncated", "not_success", "malformed_alarm"}
)
QUOTA_MESSAGE = "Company quota exceeded."

# Starts like a real search answer and stops mid-object, so a client cannot parse it by luck.
GARBLED_BODY = b'{"is_success": true, "message": "Success", "data": {"alarms": [{"alarm_id": 81171'

# Missing `alarm_id`, unreadable `date`, wrong types elsewhere: a client must skip it and keep the
# rest of the page.
MALFORMED_ALARM: dict[str, object] = {
    "status": "OPEN",
    "alarm_risk_level": "HIGH",
    "alarm_asset": "examp1e-bank.com",
    "date": "15/01/2024 25:61",
    "alarm_text": "Alarm without an id",
    "tags": "not-a-list",
    "content": None,
    "alarm_type_details": {"alarm_main_type": "Brand Protection", "alarm_sub_type": "Impersonating Domain"},
}


def fault_queue() -> FaultQueue:
    return FaultQueue(FAULT_KINDS, need_delay=("slow", "late_answer"))


def fits(is_search: bool) -> Callable[[Fault], bool]:
    """A malformed alarm only makes sense inside a search page; other requests pass it by."""
    return lambda fault: is_search or fault.kind != "malformed_alarm"


def replacement_response(fault: Fault) -> Response | None:
    """The answer a fault gives instead of the normal one, or None if the request goes through."""
    if fault.kind in STATUS_FAULTS:
        status = int(fault.kind)
        return json_response(status, failure(status, STATUS_FAULTS[fault.kind]), retry_after_header(fault))
    if fault.kind == "reset":
        return reset()
    if fault.kind == "garbled":
        return Response(200, GARBLED_BODY, {"Content-Type": "application/json"})
    if fault.kind == "not_success":
        # HTTP says success, the envelope says otherwise: the client must read `is_success`.
        return json_response(200, failure(200, QUOTA_MESSAGE))
    return None


def with_malformed_alarm(alarms: list[object]) -> list[object]:
    """Put one malformed alarm in the middle of a page so the alarms after it still matter."""
    middle = len(alarms) // 2
    return [*alarms[:middle], copy.deepcopy(MALFORMED_ALARM), *alarms[middle:]]
