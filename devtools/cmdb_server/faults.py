"""Injected faults: what can go wrong between the connector and a CMDB, on demand.

Faults wait in a FIFO queue; each request takes the oldest fault that applies to it (all of them,
or those whose path contains `path_contains`). "slow", "truncated" and "missing_sys_id" let the
request through and spoil or delay its answer; every other kind replaces the answer.
"""

from __future__ import annotations

import copy
import json

from devtools.httpkit import Fault, FaultQueue, Response, reset, retry_after_header, truncated

from .responses import failure, html_response, json_response

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


def fault_queue() -> FaultQueue:
    return FaultQueue(FAULT_KINDS, need_delay=("slow",))


def replacement_response(fault: Fault) -> Response | None:
    """The answer a fault gives instead of the normal one, or None if the request goes through."""
    if fault.kind in STATUS_FAULTS:
        status = int(fault.kind)
        message, detail = STATUS_FAULTS[fault.kind]
        headers = retry_after_header(fault)
        if status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="Service-now"'
        return json_response(status, failure(message, detail), headers)
    if fault.kind == "404":
        return html_response(404, "404 Not Found", "The requested URL was not found on this server.")
    if fault.kind == "reset":
        return reset()
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
        return truncated(response)
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
