"""Injected faults: what can go wrong between a connector and SOCRadar, on demand.

Faults wait in a FIFO queue; each request takes the oldest fault that applies to it. Every kind
except "slow", "late_answer", "truncated" and "malformed_alarm" replaces the normal answer, so
the request has no effect on server state.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass

from .responses import Response, failure, json_response

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


@dataclass(frozen=True)
class Fault:
    kind: str
    retry_after: float | None = None
    delay: float | None = None
    path_contains: str | None = None

    def applies_to(self, path: str, is_search: bool) -> bool:
        if self.path_contains is not None and self.path_contains not in path:
            return False
        # A malformed alarm only makes sense inside a search page; other requests pass it by.
        return is_search or self.kind != "malformed_alarm"


@dataclass
class _Pending:
    fault: Fault
    remaining: int


class FaultQueue:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Pending] = []

    def add(
        self,
        kind: str,
        times: int = 1,
        *,
        retry_after: float | None = None,
        delay: float | None = None,
        path_contains: str | None = None,
    ) -> Fault:
        kind = str(kind)
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        if retry_after is not None and kind != "429":
            raise ValueError("retry_after only applies to the '429' fault")
        if retry_after is not None and retry_after < 0:
            raise ValueError("retry_after must not be negative")
        if kind in ("slow", "late_answer") and delay is None:
            raise ValueError(f"the {kind!r} fault needs delay (seconds)")
        if delay is not None and delay < 0:
            raise ValueError("delay must not be negative")
        fault = Fault(kind, retry_after, delay, path_contains)
        with self._lock:
            self._queue.append(_Pending(fault, times))
        return fault

    def take(self, path: str, is_search: bool) -> Fault | None:
        """Consume one use of the oldest fault that applies to this request."""
        with self._lock:
            for index, pending in enumerate(self._queue):
                if pending.fault.applies_to(path, is_search):
                    pending.remaining -= 1
                    if pending.remaining == 0:
                        del self._queue[index]
                    return pending.fault
        return None

    def pending(self) -> list[tuple[Fault, int]]:
        """Faults not yet used up, oldest first, with their remaining uses."""
        with self._lock:
            return [(pending.fault, pending.remaining) for pending in self._queue]

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()


def replacement_response(fault: Fault) -> Response | None:
    """The answer a fault gives instead of the normal one, or None if the request goes through."""
    if fault.kind in STATUS_FAULTS:
        status = int(fault.kind)
        headers = {}
        if fault.retry_after is not None:
            seconds = fault.retry_after
            headers["Retry-After"] = str(int(seconds)) if float(seconds).is_integer() else str(seconds)
        return json_response(status, failure(status, STATUS_FAULTS[fault.kind]), headers)
    if fault.kind == "reset":
        return Response(0, reset=True)
    if fault.kind == "garbled":
        return Response(200, GARBLED_BODY, {"Content-Type": "application/json"})
    if fault.kind == "not_success":
        # HTTP says success, the envelope says otherwise: the client must read `is_success`.
        return json_response(200, failure(200, QUOTA_MESSAGE))
    return None


def truncate(response: Response) -> Response:
    """Announce the full body but send only half of it, then close the connection."""
    full = len(response.body)
    return Response(
        response.status,
        response.body[: full // 2],
        dict(response.headers),
        declared_length=max(full, 1),
        close_after=True,
    )


def with_malformed_alarm(alarms: list[object]) -> list[object]:
    """Put one malformed alarm in the middle of a page so the alarms after it still matter."""
    middle = len(alarms) // 2
    return [*alarms[:middle], copy.deepcopy(MALFORMED_ALARM), *alarms[middle:]]
