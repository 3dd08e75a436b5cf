"""SocRadarServer: a local stand-in for the SOCRadar Incident API v4 (shared/spec/socradar-api.md).

It serves the search endpoint and the action endpoints over real HTTP on 127.0.0.1, keeps its
alarms in memory, and gives tests control over what a remote API does not let you control: the
clock, when alarms become visible, what happens between two page requests, and failures.
"""

from __future__ import annotations

import hmac
import random
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from devtools.httpkit import FaultInjection, IncomingRequest, LocalServer, decode_json, truncated

from . import actions, mirror
from .alarms import ALARM_ID_BASE, generate_alarms
from .dates import to_utc, world_now
from .faults import Fault, fault_queue, fits, replacement_response, with_malformed_alarm
from .responses import ApiError, Response, error_response, failure, json_response, success
from .search import SEVERITY_PARAMETERS, parse_search_query, search_payload
from .store import AlarmStore

BASE_PATH = "/api"
INVALID_KEY_MESSAGE = "Invalid API key."
# Headers that can carry credentials are never kept in the request log.
_SECRET_HEADERS = frozenset({"api-key", "authorization", "proxy-authorization", "cookie"})

SearchHook = Callable[["SocRadarServer", dict[str, list[str]]], None]


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it. The API key itself is never stored."""

    method: str
    path: str  # as requested, including BASE_PATH, without the query string
    query: dict[str, list[str]]
    body: object  # decoded JSON; None when the body was empty or not JSON
    raw_body: bytes
    status: int | None  # None when the connection was reset without a response
    api_key_valid: bool
    headers: dict[str, str]  # lower-cased names, credentials removed
    fault: str | None  # the injected fault kind that shaped the response, if any
    connection: int  # number of the TCP connection that carried it, from 1


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    action: actions.ActionHandler | None  # None marks the search endpoint


def _route(method: str, pattern: str, action: actions.ActionHandler | None = None) -> _Route:
    return _Route(method, re.compile("/company/(?P<company>[^/]+)" + pattern), action)


@dataclass(frozen=True)
class _Call:
    """A request after routing, authentication and body decoding, with the fault it drew."""

    request: IncomingRequest
    route: _Route | None
    params: dict[str, str]
    wrong_method: bool  # the path exists, but for another method
    key_valid: bool
    body: object
    body_is_json: bool
    fault: Fault | None


ROUTES: tuple[_Route, ...] = (
    _route("GET", "/incidents/v4"),
    _route("POST", "/alarms/status/change", actions.change_status),
    _route("POST", "/alarm/add/comment/v2", actions.add_comment),
    _route("POST", "/alarm/(?P<alarm_id>[0-9]+)/assignee", actions.change_assignee),
    _route("POST", "/alarm/tag", actions.toggle_tag),
    _route("DELETE", "/alarm/tag", mirror.remove_tag),
    _route("POST", "/incidents/ask/analyst/v2", actions.ask_analyst),
    _route("POST", "/alarm/severity", actions.change_severity),
)


class SocRadarServer(FaultInjection, LocalServer):
    """A SOCRadar-compatible HTTP server running in a background thread.

    Use it as a context manager (`with SocRadarServer() as srv:`) or call start()/stop().
    `url` is the base URL a client is configured with, e.g. http://127.0.0.1:40123/api.
    """

    # With include_total_records=false some deployments answer `data` as a bare list of alarms;
    # set to False to answer {"alarms": [...]} without the totals instead.
    bare_list_without_totals: bool = True
    # Whether `POST /alarm/tag` toggles (removes a tag the alarm has) or only adds.
    tag_post_toggles: bool = True
    # Which spelling of the severity filter this deployment honours (see search.SEVERITY_PARAMETERS).
    severity_parameter: str = SEVERITY_PARAMETERS[0]
    server_version = "SOCRadarTestServer/1.0"
    thread_name = "socradar-server"

    def __init__(
        self,
        api_key: str = "test-api-key",
        company_id: int = 789,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], datetime] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        # With `tls` (a server-side context holding the certificate), the API speaks HTTPS.
        super().__init__(host=host, port=port, tls=tls)
        self._api_key = api_key.encode("utf-8")
        self.company_id = company_id
        self._clock = clock
        self._fixed_now: datetime | None = None
        self._store = AlarmStore()
        self._faults = fault_queue()
        self.requests: list[RequestRecord] = []
        # Called with (server, query) after a search is authenticated and validated, before it is
        # answered: alarms it adds or a clock it moves already count for that response.
        self.on_search: SearchHook | None = None
        # Seconds slept before every response, to model network and server latency.
        self.latency: float = 0.0

    # -- the HTTP layer's questions (devtools.httpkit) ------------------------------------------

    def refusal(self, status: int, message: str) -> Response:
        return json_response(status, failure(status, message))

    def clock_timestamp(self) -> float:
        return self.now.timestamp()

    @property
    def url(self) -> str:
        return self.origin + BASE_PATH

    def reset(self) -> None:
        """Forget alarms, faults, the request log, errors, hooks, latency and any fixed time.

        Open connections and `connections_opened` are kept: they describe the clients, not the
        scenario.
        """
        self._store.clear()
        self._faults.clear()
        with self._lock:
            self.requests.clear()
            self.errors.clear()
            self._fixed_now = None
        self.on_search = None
        self.latency = 0.0

    # -- clock ----------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """The server's current time (aware UTC): fixed if set_now/advance was used, else the clock."""
        with self._lock:
            fixed = self._fixed_now
        if fixed is not None:
            return fixed
        return to_utc(self._clock()) if self._clock is not None else world_now()

    def set_now(self, moment: datetime) -> None:
        """Fix the server's time at `moment` (naive means UTC) until changed again."""
        with self._lock:
            self._fixed_now = to_utc(moment)

    def advance(self, delta: timedelta) -> datetime:
        """Move the server's time forward by `delta`, fixing it first if it was running."""
        current = self.now
        with self._lock:
            self._fixed_now = (self._fixed_now or current) + delta
            return self._fixed_now

    # -- alarms ---------------------------------------------------------------------------------

    @property
    def alarms(self) -> list[dict[str, object]]:
        """The stored alarm dicts (live, not copies), newest first, visible or not."""
        return self._store.alarms()

    def get_alarm(self, alarm_id: int) -> dict[str, object]:
        """The stored (live) alarm dict with `alarm_id`; KeyError if absent."""
        return self._store.get(alarm_id)

    def add_alarm(self, alarm: dict[str, object], visible_at: datetime | None = None) -> dict[str, object]:
        """Store `alarm`, searchable once the server time reaches `visible_at` (default: its date).

        The alarm needs an int `alarm_id` not already stored and a parseable `date`; every other
        field may be anything. `date` and `alarm_id` are read now: to change them, remove and
        add again.
        """
        self._store.add(alarm, visible_at)
        return alarm

    def remove_alarm(self, alarm_id: int) -> dict[str, object]:
        return self._store.remove(alarm_id)

    def edit_alarm(self, alarm_id: int, *, by: str, **changes: object) -> dict[str, object]:
        """A change made in SOCRadar by user `by` at the server's time: `status_reason`,
        `severity`, `assignees`, `tags`, `comment` (see mirror.edit_alarm). Returns the alarm."""
        return mirror.edit_alarm(self._store, alarm_id, self.now, by=by, **changes)  # type: ignore[arg-type]

    def generate(
        self,
        count: int,
        *,
        seed: int = 0,
        start: datetime | None = None,
        end: datetime | None = None,
        visible_delay_max: timedelta = timedelta(0),
        date_style: str | None = None,
    ) -> list[dict[str, object]]:
        """Add `count` realistic alarms dated between `start` and `end` and return them.

        Defaults: `end` is the server time, `start` three days earlier. The result depends only on
        the arguments and the highest id already stored (new ids continue above it).
        """
        end = to_utc(end) if end is not None else self.now
        start = to_utc(start) if start is not None else end - timedelta(days=3)
        with self._store.lock:
            highest = self._store.max_id()
            first_id = ALARM_ID_BASE if highest is None else max(ALARM_ID_BASE, highest + 1)
            generated = generate_alarms(
                count,
                rng=random.Random(seed),
                start=start,
                end=end,
                first_id=first_id,
                date_style=date_style,
                visible_delay_max=visible_delay_max,
            )
            for item in generated:
                self._store.add(item.alarm, item.visible_at)
        return [item.alarm for item in generated]

    # -- request handling (called by devtools.httpkit) ------------------------------------------

    def handle(self, request: IncomingRequest) -> Response:
        route, params, wrong_method = self._match(request.method, request.path)
        # Header values arrive decoded as ISO-8859-1; re-encoding that way gives back the sent bytes.
        presented = request.headers.get("API-Key", "").encode("iso-8859-1", "replace")
        body, body_is_json = decode_json(request.body)
        call = _Call(
            request=request,
            route=route,
            params=params,
            wrong_method=wrong_method,
            key_valid=hmac.compare_digest(presented, self._api_key),
            body=body,
            body_is_json=body_is_json,
            fault=self._faults.take(request.path, fits(route is not None and route.action is None)),
        )
        # An exception (including one raised by on_search) is kept in `errors`; the client sees a 500.
        response = self.answer_guarded(lambda: self._respond(call))
        # Logged before the response is written, so a client that has its answer sees the record.
        self._record(call, response)
        return response

    def _respond(self, call: _Call) -> Response:
        if self.latency > 0:
            time.sleep(self.latency)
        fault = call.fault
        late = fault is not None and fault.kind == "late_answer"
        if fault is not None:
            if fault.delay and not late:
                time.sleep(fault.delay)
            replacement = replacement_response(fault)
            if replacement is not None:
                return replacement
        try:
            response = self._dispatch(call)
        except ApiError as error:
            response = error_response(error)
        if fault is not None and fault.kind == "truncated":
            response = truncated(response)
        if late and fault is not None and fault.delay:
            # The request has acted; only its answer is late (a client timeout after sending).
            time.sleep(fault.delay)
        return response

    def _dispatch(self, call: _Call) -> Response:
        if not call.key_valid:
            raise ApiError(401, INVALID_KEY_MESSAGE)
        if call.route is None:
            raise ApiError(405, "Method not allowed.") if call.wrong_method else ApiError(404, "Not found.")
        company = call.params["company"]
        if company != str(self.company_id):
            raise ApiError(404, f"Company {company} not found.")
        if call.route.action is None:
            return self._search(call.request.query, call.fault)
        if not call.body_is_json:
            raise ApiError(400, "Request body must be valid JSON.")
        action = call.route.action
        if action is actions.toggle_tag and not self.tag_post_toggles:
            action = mirror.add_tag
        message, data = action(self._store, call.body, self.now, call.params)
        return json_response(200, success(message, data))

    def _search(self, query_params: dict[str, list[str]], fault: Fault | None) -> Response:
        query = parse_search_query(query_params, self.severity_parameter)
        hook = self.on_search
        if hook is not None:
            hook(self, {name: list(values) for name, values in query_params.items()})
        alarms, total = self._store.search(query, self.now)
        for alarm in alarms:
            if query.include_company_id:
                alarm["company_id"] = self.company_id
            else:
                alarm.pop("company_id", None)
        page: list[object] = list(alarms)
        if fault is not None and fault.kind == "malformed_alarm":
            page = with_malformed_alarm(page)
        payload = search_payload(page, total, query, bare_list_without_totals=self.bare_list_without_totals)
        return json_response(200, payload)

    @staticmethod
    def _match(method: str, path: str) -> tuple[_Route | None, dict[str, str], bool]:
        """The route for a request, its path parameters, and whether the path exists for another method."""
        if not path.startswith(BASE_PATH + "/"):
            return None, {}, False
        relative = path[len(BASE_PATH) :]
        wrong_method = False
        for route in ROUTES:
            match = route.pattern.fullmatch(relative)
            if match is None:
                continue
            if route.method == method:
                return route, match.groupdict(), False
            wrong_method = True
        return None, {}, wrong_method

    def _record(self, call: _Call, response: Response) -> None:
        request = call.request
        headers = {
            name.lower(): value
            for name, value in request.headers.items()
            if name.lower() not in _SECRET_HEADERS
        }
        record = RequestRecord(
            method=request.method,
            path=request.path,
            query={name: list(values) for name, values in request.query.items()},
            body=call.body,
            raw_body=request.body,
            status=None if response.reset else response.status,
            api_key_valid=call.key_valid,
            headers=headers,
            fault=call.fault.kind if call.fault is not None else None,
            connection=request.connection,
        )
        with self._lock:
            self.requests.append(record)
