"""Injected faults: what can go wrong between the connector and a CMDB, on demand.

Faults wait in a FIFO queue; each request takes the oldest fault that applies to it (all of them,
or those whose path contains `path_contains`). "slow", "truncated" and "missing_sys_id" let the
request through and spoil or delay its answer; every other kind replaces the answer.
"""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass

from .responses import Response, failure, html_response, json_response

# Kinds answered with that HTTP status and ServiceNow's error envelope (404 looks like a wrong
# base URL: an HTML page from whatever answers there).
STATUS_FAULTS: dict[str, tuple[str, str | None]] = {
    "401": ("User is not authenticated", "Required to provide Auth information"),
    "403": ("Insufficient rights to query records", "ACL restricts the record retrieval"),
    "429": ("Rate limit exceeded", "Too many requests for this user, try again later"),
    "500": ("Internal server error", None),
    "502": ("Bad gateway", None),
    "503": ("Service temporarily unavailable", None),
}
FAULT_KINDS: frozenset[str] = frozenset(
    {
        *STATUS_FAULTS,
        "404",
        "garbage",
        "no_result",
        "wrong_result",
        "missing_sys_id",
        "slow",
        "reset",
        "truncated",
    }
)
# What a hibernating developer instance answers, with HTTP 200, to any API call.
GARBAGE_BODY = (
    "<!DOCTYPE html><html><head><title>Instance Hibernating page</title></head>"
    "<body><p>Your instance is hibernating. Sign in to wake it up.</p></body></html>"
)


@dataclass(frozen=True)
class Fault:
    kind: str
    retry_after: float | None = None
    delay: float | None = None
    path_contains: str | None = None

    def applies_to(self, path: str) -> bool:
        return self.path_contains is None or self.path_contains in path


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
        if kind == "slow" and delay is None:
            raise ValueError("the 'slow' fault needs delay (seconds)")
        if delay is not None and delay < 0:
            raise ValueError("delay must not be negative")
        fault = Fault(kind, retry_after, delay, path_contains)
        with self._lock:
            self._queue.append(_Pending(fault, times))
        return fault

    def take(self, path: str) -> Fault | None:
        """Consume one use of the oldest fault that applies to this request."""
        with self._lock:
            for index, pending in enumerate(self._queue):
                if pending.fault.applies_to(path):
                    pending.remaining -= 1
                    if pending.remaining == 0:
                        del self._queue[index]
                    return pending.fault
        return None

    def pending(self) -> list[tuple[Fault, int]]:
        with self._lock:
            return [(pending.fault, pending.remaining) for pending in self._queue]

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()


def replacement_response(fault: Fault) -> Response | None:
    """The answer a fault gives instead of the normal one, or None if the request goes through."""
    if fault.kind in STATUS_FAULTS:
        status = int(fault.kind)
        message, detail = STATUS_FAULTS[fault.kind]
        headers = {}
        if fault.retry_after is not None:
            seconds = fault.retry_after
            headers["Retry-After"] = str(int(seconds)) if float(seconds).is_integer() else str(seconds)
        if status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="Service-now"'
        return json_response(status, failure(message, detail), headers)
    if fault.kind == "404":
        return html_response(404, "404 Not Found", "The requested URL was not found on this server.")
    if fault.kind == "reset":
        return Response(0, reset=True)
    if fault.kind == "garbage":
        return Response(200, GARBAGE_BODY.encode(), {"Content-Type": "text/html;charset=UTF-8"})
    if fault.kind == "no_result":
        return json_response(200, {"records": [], "status": "success"})
    if fault.kind == "wrong_result":
        return json_response(200, {"result": "No records"})
    return None


def spoil(fault: Fault, response: Response) -> Response:
    """Apply a fault that lets the request through to its answer."""
    if fault.kind == "truncated":
        full = len(response.body)
        return Response(
            response.status,
            response.body[: full // 2],
            dict(response.headers),
            declared_length=max(full, 1),
            close_after=True,
        )
    if fault.kind == "missing_sys_id" and response.status == 200:
        payload = json.loads(response.body)
        result = payload.get("result")
        if isinstance(result, list) and result:
            record = copy.deepcopy(result[len(result) // 2])
            record.pop("sys_id", None)
            result.insert(len(result) // 2, record)
        elif isinstance(result, dict):
            result.pop("sys_id", None)
        else:
            payload["result"] = [{"name": "record without a sys_id"}]
        return json_response(200, payload, {k: v for k, v in response.headers.items() if k != "Content-Type"})
    return response
