"""CmdbServer: a local stand-in for a ServiceNow instance's Table API and OAuth token endpoint.

    GET  /api/now/table/{table}[/{sys_id}]   sysparm_query, sysparm_fields, sysparm_limit, sysparm_offset,
                                             sysparm_display_value (false|true|all),
                                             sysparm_exclude_reference_link, sysparm_no_count
    POST /oauth_token.do                     grant_type=password|client_credentials|refresh_token

Basic authentication with the user, or a bearer token from the OAuth endpoint. List answers carry
X-Total-Count and a Link header (first, prev, next, last) as an instance sends them. Tables are
read-only. Errors use the instance's envelope: {"error": {"message", "detail"}, "status": "failure"}.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
import ssl
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

from devtools.httpkit import Fault, FaultInjection, IncomingRequest, LocalServer

from . import dataset
from .faults import fault_queue, replacement_response, spoil
from .query import QueryError, parse_query
from .records import RecordsMixin
from .responses import ApiError, Response, error_response, html_response, json_response
from .tables import CmdbStore, is_table

TOKEN_PATH = "/oauth_token.do"
DEFAULT_LIMIT = 10000
_TABLE_PATH = re.compile(r"/api/now(?:/v[12])?/table/(?P<table>[^/]+)(?:/(?P<sys_id>[^/]+))?")
# Never kept in the request log: headers that carry credentials, and form fields that are secrets.
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
_SECRET_FORM_FIELDS = frozenset({"password", "client_secret", "refresh_token"})
_NOT_AUTHENTICATED = ApiError(
    401,
    "User is not authenticated",
    "Required to provide Auth information",
    {"WWW-Authenticate": 'Basic realm="Service-now"'},
)


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it; no password, client secret or token is ever stored."""

    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]  # an OAuth request's form, secret fields removed
    status: int | None  # None when the connection was reset without a response
    auth: str  # "basic", "bearer" or "none", as presented (valid or not)
    authenticated: bool
    headers: dict[str, str]  # lower-cased names, credentials removed
    fault: str | None
    connection: int


@dataclass
class _Token:
    expires: float  # time.monotonic()
    refresh: bool  # a refresh token rather than an access token


class CmdbServer(FaultInjection, RecordsMixin, LocalServer):
    """A ServiceNow-compatible CMDB running in a background thread.

    Use it as a context manager (`with CmdbServer() as cmdb:`) or call start()/stop(). `url` is
    the base URL a client is configured with, e.g. http://127.0.0.1:40123 (the instance address).
    With `dataset=True` (the default) it holds the demo entity's CMDB (see dataset.py); with `tls`
    (a server-side context holding the certificate) it speaks HTTPS.
    """

    server_version = "ServiceNow"
    thread_name = "cmdb-server"
    internal_error_message = "Internal server error"

    def __init__(
        self,
        username: str = "svc-dora",
        password: str = "cmdb-password",
        client_id: str | None = "dora-bridge-client",
        client_secret: str | None = "cmdb-client-secret",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        dataset: bool = True,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(host=host, port=port, tls=tls)
        self.username = username
        self._password = password.encode("utf-8")
        self.client_id = client_id
        self._client_secret = (client_secret or "").encode("utf-8")
        self.store = CmdbStore()
        self._faults = fault_queue()
        self._tokens: dict[str, _Token] = {}
        self.requests: list[RequestRecord] = []
        self.tokens_issued = 0
        # Seconds an access token lives (an instance's default is 1800).
        self.token_lifetime: float = 1799.0
        # Seconds slept before every response, to model network and server latency.
        self.latency: float = 0.0
        # Tables the user may not read: 403, as an ACL would answer.
        self.denied_tables: set[str] = set()
        if dataset:
            self.load_default_dataset()

    # -- the HTTP layer's questions (devtools.httpkit) ------------------------------------------

    def refusal(self, status: int, message: str) -> Response:
        return error_response(ApiError(status, message))

    @property
    def url(self) -> str:
        return self.origin

    def load_default_dataset(self) -> None:
        """Add the demo entity's CMDB (services, applications, hosts, relationships)."""
        dataset.load(self)

    def reset(self) -> None:
        """Forget faults, the request log, errors, tokens, latency and denied tables; keep the data."""
        self._faults.clear()
        with self._lock:
            self.requests.clear()
            self.errors.clear()
            self._tokens.clear()
        self.latency = 0.0
        self.denied_tables.clear()

    # -- tokens ---------------------------------------------------------------------------------

    def expire_tokens(self) -> None:
        """Make every access token issued so far invalid, as if it had expired."""
        with self._lock:
            self._tokens = {t: v for t, v in self._tokens.items() if v.refresh}

    # -- request handling (called by devtools.httpkit) ------------------------------------------

    def handle(self, request: IncomingRequest) -> Response:
        auth, authenticated = self._authenticate(request)
        fault = self._faults.take(request.path)
        # An exception is kept in `errors`; the client sees a plain 500.
        response = self.answer_guarded(lambda: self._respond(request, authenticated, fault))
        # Logged before the response is written, so a client that has its answer sees the record.
        self._record(request, response, auth, authenticated, fault)
        return response

    def _respond(self, request: IncomingRequest, authenticated: bool, fault: Fault | None) -> Response:
        if self.latency > 0:
            time.sleep(self.latency)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            replacement = replacement_response(fault)
            if replacement is not None:
                return replacement
        try:
            response = self._dispatch(request, authenticated)
        except ApiError as error:
            response = error_response(error)
        return spoil(fault, response) if fault is not None else response

    def _dispatch(self, request: IncomingRequest, authenticated: bool) -> Response:
        if request.path == TOKEN_PATH:
            if request.method != "POST":
                raise ApiError(405, "Method not Supported", "Use POST to request a token")
            return self._token(request)
        match = _TABLE_PATH.fullmatch(request.path)
        if match is None:
            if request.path.startswith("/api/"):
                raise ApiError(400, "Requested URI does not represent any resource")
            return html_response(404, "404 Not Found", "The requested URL was not found on this server.")
        if not authenticated:
            raise _NOT_AUTHENTICATED
        if request.method != "GET":
            raise ApiError(405, "Method not Supported", "This test instance is read-only")
        table = match.group("table")
        if not is_table(table):
            raise ApiError(400, f"Invalid table {table}")
        if table in self.denied_tables:
            raise ApiError(403, "Insufficient rights to query records", f"ACL restricts reading {table}")
        return self._table(request, table, match.group("sys_id"))

    # -- Table API ------------------------------------------------------------------------------

    def _table(self, request: IncomingRequest, table: str, sys_id: str | None) -> Response:
        params = {name: values[-1] for name, values in request.query.items()}
        display = params.get("sysparm_display_value", "false").lower()
        if display not in ("true", "false", "all"):
            display = "false"
        exclude = params.get("sysparm_exclude_reference_link", "false").lower() == "true"
        fields_text = params.get("sysparm_fields", "").strip()
        fields = [f.strip() for f in fields_text.split(",") if f.strip()] or None
        base = self.url

        if sys_id is not None:
            record = self.store.get(sys_id)
            if record is None or record not in self.store.rows(table):
                raise ApiError(
                    404, "No Record found", "Record doesn't exist or ACL restricts the record retrieval"
                )
            return json_response(200, {"result": self.store.render(record, fields, display, exclude, base)})

        limit = _non_negative(params, "sysparm_limit", DEFAULT_LIMIT)
        offset = _non_negative(params, "sysparm_offset", 0)
        try:
            query = parse_query(params.get("sysparm_query", ""))
        except QueryError as exc:
            raise ApiError(400, str(exc)) from None
        rows = self.store.select(table, query)
        page = rows[offset : offset + limit]
        headers = {"Link": _link_header(base + request.path, params, offset, limit, len(rows))}
        if params.get("sysparm_no_count", "false").lower() != "true":
            headers["X-Total-Count"] = str(len(rows))
        result = [self.store.render(r, fields, display, exclude, base) for r in page]
        return json_response(200, {"result": result}, headers)

    # -- authentication -------------------------------------------------------------------------

    def _authenticate(self, request: IncomingRequest) -> tuple[str, bool]:
        header = request.headers.get("Authorization", "")
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True)
            except ValueError:
                return "basic", False
            user, _, password = decoded.partition(b":")
            ok = hmac.compare_digest(user, self.username.encode("utf-8")) & hmac.compare_digest(
                password, self._password
            )
            return "basic", bool(ok)
        if scheme.lower() == "bearer":
            with self._lock:
                token = self._tokens.get(credentials.strip())
            valid = token is not None and not token.refresh and token.expires > time.monotonic()
            return "bearer", valid
        return "none", False

    def _token(self, request: IncomingRequest) -> Response:
        form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        field = {name: values[-1] for name, values in form.items()}
        denied = json_response(401, {"error_description": "access_denied", "error": "server_error"})
        grant = field.get("grant_type", "")
        if self.client_id is None:
            return denied
        client_ok = hmac.compare_digest(field.get("client_id", "").encode(), self.client_id.encode()) & (
            hmac.compare_digest(field.get("client_secret", "").encode(), self._client_secret)
        )
        if grant == "password":
            user_ok = hmac.compare_digest(
                field.get("username", "").encode(), self.username.encode()
            ) & hmac.compare_digest(field.get("password", "").encode(), self._password)
            return self._issue(refresh=True) if client_ok and user_ok else denied
        if grant == "client_credentials":
            return self._issue(refresh=False) if client_ok else denied
        if grant == "refresh_token":
            with self._lock:
                token = self._tokens.get(field.get("refresh_token", ""))
            valid = token is not None and token.refresh and token.expires > time.monotonic()
            return self._issue(refresh=False) if client_ok and valid else denied
        return json_response(
            400, {"error_description": f"unsupported grant_type {grant!r}", "error": "unsupported_grant_type"}
        )

    def _issue(self, refresh: bool) -> Response:
        now = time.monotonic()
        access = secrets.token_urlsafe(32)
        payload: dict[str, object] = {
            "access_token": access,
            "scope": "useraccount",
            "token_type": "Bearer",
            "expires_in": int(self.token_lifetime),
        }
        with self._lock:
            self._tokens[access] = _Token(now + self.token_lifetime, refresh=False)
            if refresh:
                refresh_token = secrets.token_urlsafe(32)
                self._tokens[refresh_token] = _Token(now + 100 * 86400, refresh=True)
                payload["refresh_token"] = refresh_token
            self.tokens_issued += 1
        return json_response(200, payload)

    # -- request log ----------------------------------------------------------------------------

    def _record(
        self,
        request: IncomingRequest,
        response: Response,
        auth: str,
        authenticated: bool,
        fault: Fault | None,
    ) -> None:
        headers = {
            name.lower(): value
            for name, value in request.headers.items()
            if name.lower() not in _SECRET_HEADERS
        }
        form: dict[str, list[str]] = {}
        if request.path == TOKEN_PATH:
            parsed = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
            form = {k: v for k, v in parsed.items() if k not in _SECRET_FORM_FIELDS}
        record = RequestRecord(
            method=request.method,
            path=request.path,
            query={name: list(values) for name, values in request.query.items()},
            form=form,
            status=None if response.reset else response.status,
            auth=auth,
            authenticated=authenticated,
            headers=headers,
            fault=fault.kind if fault is not None else None,
            connection=request.connection,
        )
        with self._lock:
            self.requests.append(record)


def _non_negative(params: dict[str, str], name: str, default: int) -> int:
    text = params.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer, got {text!r}") from None
    if value < 0:
        raise ApiError(400, f"{name} must not be negative, got {text!r}")
    return value


def _link_header(url: str, params: dict[str, str], offset: int, limit: int, total: int) -> str:
    """first, prev, next and last page links; prev and next only where such a page exists."""

    def link(at: int, rel: str) -> str:
        return f'<{url}?{urlencode({**params, "sysparm_limit": limit, "sysparm_offset": at})}>;rel="{rel}"'

    size = max(limit, 1)
    last = max((total - 1) // size * size, 0)
    links = [link(0, "first")]
    if offset > 0:
        links.append(link(max(offset - size, 0), "prev"))
    if offset + size < total:
        links.append(link(offset + size, "next"))
    links.append(link(last, "last"))
    return ",".join(links)
