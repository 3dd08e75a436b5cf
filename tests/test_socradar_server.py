"""The local SOCRadar server, exercised over real HTTP as the connector and its tests use it."""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest

from devtools.socradar_server import (
    ALARM_TYPES,
    CONTENT_KEYS,
    FAULT_KINDS,
    MALFORMED_ALARM,
    QUOTA_MESSAGE,
    UNKNOWN_CONTENT_KEYS,
    SocRadarServer,
    format_alarm_date,
)
from tests.fixtures import ALARM_TYPE_DETAIL_KEYS

KEY = "k3y-Under-Test-7f1c"
CID = 789
UTC = timezone.utc
NOW = datetime(2024, 1, 16, 0, 0, tzinfo=UTC)
SEARCH = f"/company/{CID}/incidents/v4"


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    raw: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.raw)

    @property
    def data(self) -> object:
        return self.json["data"]

    def ids(self) -> list[int]:
        data = self.data
        alarms = data["alarms"] if isinstance(data, dict) else data
        return [alarm["alarm_id"] for alarm in alarms]


def call(srv, method, path, *, query=(), body=None, raw=None, key=KEY, conn=None) -> Reply:
    """One request; `query` is a list of pairs so that keys can repeat."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        target = "/api" + path + ("?" + urlencode(list(query)) if query else "")
        headers = {"API-Key": key} if key is not None else {}
        payload = raw if raw is not None else None if body is None else json.dumps(body).encode()
        if payload is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, target, body=payload, headers=headers)
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        if own:
            conn.close()


def search(srv, *query, **kwargs) -> Reply:
    return call(srv, "GET", SEARCH, query=query, **kwargs)


def post(srv, path, body=None, **kwargs) -> Reply:
    return call(srv, "POST", f"/company/{CID}{path}", body=body, **kwargs)


def alarm(
    alarm_id,
    date,
    *,
    status="OPEN",
    risk="HIGH",
    main="Brand Protection",
    sub="Phishing Page",
    type_id=47,
    **extra,
) -> dict:
    date_text = date if isinstance(date, str) else format_alarm_date(date, "iso_micro")
    return {
        "alarm_id": alarm_id,
        "date": date_text,
        "status": status,
        "alarm_risk_level": risk,
        "alarm_type_details": {"alarm_main_type": main, "alarm_sub_type": sub, "alarm_type_id": type_id},
        "tags": [],
        "notes": [],
        "history": [],
        **extra,
    }


@pytest.fixture
def srv():
    with SocRadarServer(KEY, CID) as server:
        server.set_now(NOW)
        yield server


@pytest.fixture
def five(srv):
    """Alarms 1..5, one hour apart, the newest (5) one hour before NOW."""
    for n in range(1, 6):
        srv.add_alarm(alarm(n, NOW - timedelta(hours=6 - n)))
    return srv


# -- authentication, routing, request log -----------------------------------------------------------


@pytest.mark.parametrize("key", ["wrong-key-31337", None])
def test_bad_or_missing_key_is_401_and_not_echoed(five, key):
    reply = search(five, key=key)
    assert reply.status == 401
    assert reply.json == {"is_success": False, "message": "Invalid API key.", "response_code": 401}
    assert five.requests[-1].api_key_valid is False
    assert "wrong-key-31337" not in repr(five.requests)


def test_request_log_keeps_query_and_body_but_never_the_key(five):
    search(five, ("limit", "2"), ("status", "OPEN"), ("status", "CLOSED"))
    post(five, "/alarm/tag", {"alarm_id": 3, "tag": "x"})
    search(five, key="another-secret-9")
    get, tag, bad = five.requests
    assert (get.method, get.path, get.status, get.api_key_valid) == ("GET", "/api" + SEARCH, 200, True)
    assert get.query == {"limit": ["2"], "status": ["OPEN", "CLOSED"]}
    assert tag.body == {"alarm_id": 3, "tag": "x"} and tag.status == 200
    assert (bad.status, bad.api_key_valid) == (401, False)
    assert "api-key" not in get.headers
    assert KEY not in repr(five.requests) and "another-secret-9" not in repr(five.requests)


def test_url_property_works_with_urllib(five):
    request = urllib.request.Request(five.url + SEARCH + "?limit=1", headers={"API-Key": KEY})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read())["data"]["alarms"][0]["alarm_id"] == 5
    assert five.url == f"http://127.0.0.1:{five.port}/api"


def test_wrong_company_unknown_path_and_wrong_method(five):
    other = call(five, "GET", "/company/790/incidents/v4")
    assert other.status == 404 and "790" in other.json["message"] and other.json["is_success"] is False
    assert call(five, "GET", f"/company/{CID}/incidents/v5").status == 404
    assert call(five, "GET", f"/company/{CID}/alarm/tag").status == 405


# -- search: paging, totals, shape --------------------------------------------------------------------


def test_pages_are_newest_first_with_totals(five):
    pages = [search(five, ("limit", "2"), ("page", str(page))) for page in (1, 2, 3, 4)]
    assert [page.ids() for page in pages] == [[5, 4], [3, 2], [1], []]
    assert {(p.data["total_pages"], p.data["total_records"]) for p in pages} == {(3, 5)}
    assert pages[0].json["is_success"] is True and pages[0].json["message"] == "Success"


def test_equal_dates_are_ordered_by_id_descending(srv):
    for alarm_id in (7, 9, 8):
        srv.add_alarm(alarm(alarm_id, "2024-01-15T10:30:00"))
    assert search(srv).ids() == [9, 8, 7]


def test_without_totals_data_is_a_bare_list_or_an_object(five):
    reply = search(five, ("limit", "2"), ("include_total_records", "false"))
    assert isinstance(reply.data, list) and reply.ids() == [5, 4]
    five.bare_list_without_totals = False
    assert search(five, ("limit", "2"), ("include_total_records", "false")).data.keys() == {"alarms"}


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ([("limit", "0")], "limit"),
        ([("limit", "101")], "limit"),
        ([("limit", "ten")], "limit"),
        ([("page", "0")], "page"),
        ([("include_total_records", "yes")], "include_total_records"),
        ([("status", "OPEN,CLOSED")], "status"),
        ([("severities", "high")], "severities"),
        ([("alarm_type_ids", "4x")], "alarm_type_ids"),
        ([("start_date", "yesterday")], "start_date"),
    ],
)
def test_bad_query_is_400_with_message(five, query, fragment):
    reply = search(five, *query)
    assert reply.status == 400 and reply.json["is_success"] is False
    assert fragment in reply.json["message"]


def test_limit_bounds_are_accepted(five):
    assert search(five, ("limit", "1")).ids() == [5]
    assert len(search(five, ("limit", "100")).ids()) == 5


def test_company_id_only_when_asked(five):
    # A stored alarm carrying a (stale) company id must still follow include_company_id.
    five.add_alarm(alarm(6, NOW - timedelta(minutes=5), company_id=123))
    with_id = search(five, ("include_company_id", "true")).data["alarms"]
    assert [a["company_id"] for a in with_id] == [CID] * 6
    assert all("company_id" not in a for a in search(five).data["alarms"])
    assert five.get_alarm(6)["company_id"] == 123, "answers are copies; the stored alarm is untouched"


# -- search: filters ----------------------------------------------------------------------------------


@pytest.fixture
def mixed(srv):
    day = NOW - timedelta(days=1)
    srv.add_alarm(
        alarm(1, day, status="OPEN", risk="LOW", main="Brand Protection", sub="Phishing Page", type_id=47)
    )
    srv.add_alarm(
        alarm(
            2,
            day,
            status="CLOSED",
            risk="HIGH",
            main="Brand Protection",
            sub="Impersonating Domain",
            type_id=46,
        )
    )
    srv.add_alarm(
        alarm(
            3,
            day,
            status="ON_HOLD",
            risk="CRITICAL",
            main="Cyber Threat Intelligence",
            sub="Data Leak",
            type_id=213,
        )
    )
    srv.add_alarm(
        alarm(
            4,
            day,
            status="OPEN",
            risk=None,
            main="Dark Web Intelligence",
            sub="Credentials on Sale",
            type_id=407,
        )
    )
    return srv


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ([], [4, 3, 2, 1]),
        ([("status", "OPEN")], [4, 1]),
        ([("status", "OPEN"), ("status", "ON_HOLD")], [4, 3, 1]),
        ([("severities", "HIGH"), ("severities", "CRITICAL")], [3, 2]),
        ([("alarm_main_types", "Brand Protection")], [2, 1]),
        ([("alarm_sub_types", "Data Leak"), ("alarm_sub_types", "Phishing Page")], [3, 1]),
        ([("excluded_alarm_main_types", "Brand Protection")], [4, 3]),
        ([("excluded_alarm_sub_types", "Credentials on Sale")], [3, 2, 1]),
        ([("alarm_type_ids", "46"), ("alarm_type_ids", "407")], [4, 2]),
        ([("excluded_alarm_type_ids", "47"), ("excluded_alarm_type_ids", "213")], [4, 2]),
        ([("status", "OPEN"), ("alarm_main_types", "Brand Protection")], [1]),
    ],
)
def test_filters(mixed, query, expected):
    reply = search(mixed, *query)
    assert reply.ids() == expected
    assert reply.data["total_records"] == len(expected)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (str(int(_at("2024-01-15T10:00:00").timestamp())), str(int(_at("2024-01-15T11:00:00").timestamp()))),
        ("2024-01-15T10:00:00", "2024-01-15T11:00:00"),
        ("2024-01-15T10:00:00Z", "2024-01-15T11:00:00Z"),
        ("2024-01-15T12:00:00+02:00", "2024-01-15T06:00:00-05:00"),
    ],
)
def test_date_window_accepts_epoch_and_iso(srv, start, end):
    for alarm_id, text in [
        (1, "2024-01-15T09:59:59.999999"),
        (2, "2024-01-15T10:00:00"),
        (3, "2024-01-15 10:45:00"),
        (4, "2024-01-15T11:00:00"),
        (5, "2024-01-15T11:00:01"),
    ]:
        srv.add_alarm(alarm(alarm_id, text))
    assert search(srv, ("start_date", start), ("end_date", end)).ids() == [4, 3, 2]


def test_end_date_compares_at_full_precision(srv):
    srv.add_alarm(alarm(1, "2024-01-15T10:30:00.500000"))
    end = _at("2024-01-15T10:30:00")
    assert search(srv, ("end_date", "2024-01-15T10:30:00")).ids() == []
    assert search(srv, ("end_date", str(int(end.timestamp())))).ids() == []
    assert search(srv, ("end_date", "2024-01-15T10:30:01")).ids() == [1]
    assert search(srv, ("start_date", "2024-01-15T10:30:00.6")).ids() == []


def test_bare_date_alarm_counts_as_midnight(srv):
    srv.add_alarm(alarm(1, "2024-01-15"))
    assert search(srv, ("start_date", "2024-01-15T00:00:00"), ("end_date", "2024-01-15T00:00:00")).ids() == [
        1
    ]


# -- clock and visibility -----------------------------------------------------------------------------


def test_alarm_hidden_until_visible_at(srv):
    srv.add_alarm(alarm(1, NOW - timedelta(minutes=30)), visible_at=NOW + timedelta(minutes=10))
    srv.add_alarm(alarm(2, NOW - timedelta(minutes=20)))
    assert search(srv).ids() == [2]
    srv.advance(timedelta(minutes=10))
    assert search(srv).ids() == [2, 1]
    assert srv.now == NOW + timedelta(minutes=10)


def test_future_dated_alarm_is_hidden_by_default(srv):
    srv.add_alarm(alarm(1, NOW + timedelta(seconds=1)))
    assert search(srv).ids() == []
    srv.set_now(NOW + timedelta(seconds=1))
    assert search(srv).ids() == [1]


def test_real_and_injected_clocks():
    assert abs(SocRadarServer().now - datetime.now(UTC)) < timedelta(seconds=5)
    server = SocRadarServer(clock=lambda: datetime(2030, 5, 1, 12))
    assert server.now == datetime(2030, 5, 1, 12, tzinfo=UTC)
    assert server.advance(timedelta(hours=1)) == datetime(2030, 5, 1, 13, tzinfo=UTC)


def test_generated_late_visibility(srv):
    generated = srv.generate(
        200, seed=5, start=NOW - timedelta(hours=2), end=NOW, visible_delay_max=timedelta(minutes=30)
    )
    hidden = {a["alarm_id"] for a in generated} - set(
        search(srv, ("limit", "100"), ("page", "1")).ids()
        + search(srv, ("limit", "100"), ("page", "2")).ids()
    )
    assert hidden, "some alarms dated in the last 30 minutes should not be visible yet"
    srv.advance(timedelta(minutes=30))
    assert search(srv).data["total_records"] == 200


# -- hooks and pagination -----------------------------------------------------------------------------


def test_on_search_insertion_affects_that_response(five):
    seen = []

    def hook(server, query):
        seen.append(query["page"])
        if query["page"] == ["2"]:
            server.add_alarm(alarm(100, NOW - timedelta(minutes=1)))

    five.on_search = hook
    first = search(five, ("limit", "2"), ("page", "1"))
    second = search(five, ("limit", "2"), ("page", "2"))
    assert first.ids() == [5, 4] and first.data["total_records"] == 5
    # The new alarm is on page 1 now, pushing alarm 4 onto the page being answered.
    assert second.ids() == [4, 3] and second.data["total_records"] == 6
    assert seen == [["1"], ["2"]]


def test_on_search_clock_advance_reveals_late_alarm(srv):
    srv.add_alarm(alarm(1, NOW - timedelta(hours=1)), visible_at=NOW + timedelta(minutes=5))
    srv.on_search = lambda server, query: server.advance(timedelta(minutes=5))
    assert search(srv).ids() == [1]


def test_hook_exception_is_a_500_and_recorded(five):
    def hook(server, query):
        raise RuntimeError("boom")

    five.on_search = hook
    reply = search(five)
    assert reply.status == 500 and reply.json["is_success"] is False
    assert [type(e) for e in five.errors] == [RuntimeError]


# -- action endpoints ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "reason"),
    [
        (2, "CLOSED", "RESOLVED"),
        (9, "CLOSED", "FALSE_POSITIVE"),
        (5, "ON_HOLD", "LEGAL_REVIEW"),
        (1, "OPEN", "INVESTIGATING"),
        (13, "CLOSED", "NOT_APPLICABLE"),
    ],
)
def test_status_change(five, code, status, reason):
    reply = post(five, "/alarms/status/change", {"alarm_ids": ["2", "4"], "status": code, "comments": "done"})
    assert reply.status == 200 and reply.json["is_success"] is True
    for alarm_id in (2, 4):
        stored = five.get_alarm(alarm_id)
        assert (stored["status"], stored["alarm_status_reason"]) == (status, reason)
        assert "done" in stored["history"][-1]["details"]
    assert five.get_alarm(3)["status"] == "OPEN"
    assert search(five, ("status", status)).ids() == ([5, 4, 3, 2, 1] if status == "OPEN" else [4, 2])


def test_status_change_with_related_findings_needs_email(five):
    body = {"alarm_ids": ["1"], "status": 2, "comments": "", "update_related_finding_status": True}
    assert post(five, "/alarms/status/change", body).status == 400
    reply = post(five, "/alarms/status/change", {**body, "email": "soc@example-bank.com"})
    assert reply.status == 200 and five.get_alarm(1)["history"][-1]["user"] == "soc@example-bank.com"


def test_status_change_unknown_alarm_is_404_and_changes_nothing(five):
    reply = post(five, "/alarms/status/change", {"alarm_ids": ["1", "999"], "status": 2})
    assert reply.status == 404 and "999" in reply.json["message"]
    assert five.get_alarm(1)["status"] == "OPEN"


def test_comment_assignee_tag_analyst_and_severity_change_state(five):
    comment = post(
        five, "/alarm/add/comment/v2", {"alarm_id": 3, "user_email": "a@b.example", "comment": "hi"}
    )
    assert comment.status == 200
    assert [(n["user_email"], n["comment"]) for n in five.get_alarm(3)["notes"]] == [("a@b.example", "hi")]

    assert post(five, "/alarm/3/assignee", {"user_emails": ["x@b.example", "y@b.example"]}).status == 200
    assert five.get_alarm(3)["alarm_assignees"] == ["x@b.example", "y@b.example"]

    added = post(five, "/alarm/tag", {"alarm_id": 3, "tag": "dora"})
    assert added.data["action"] == "added" and five.get_alarm(3)["tags"] == ["dora"]
    removed = post(five, "/alarm/tag", {"alarm_id": 3, "tag": "dora"})
    assert (removed.data["tag"], removed.data["action"]) == ("dora", "removed") and five.get_alarm(3)[
        "tags"
    ] == []

    assert post(five, "/incidents/ask/analyst/v2", {"alarm_id": 3, "comment": "is it real?"}).status == 200
    assert five.get_alarm(3)["history"][-1]["action"] == "ASK_ANALYST"
    assert five.get_alarm(3)["history"][-1]["details"] == "is it real?"

    assert post(five, "/alarm/severity", {"alarm_id": 3, "severity": "CRITICAL"}).status == 200
    assert five.get_alarm(3)["alarm_risk_level"] == "CRITICAL"
    assert search(five, ("severities", "CRITICAL")).ids() == [3]


@pytest.mark.parametrize(
    ("path", "body", "fragment"),
    [
        ("/alarms/status/change", {"alarm_ids": [1], "status": 2}, "alarm_ids"),
        ("/alarms/status/change", {"alarm_ids": [], "status": 2}, "alarm_ids"),
        ("/alarms/status/change", {"alarm_ids": ["1"], "status": 3}, "status"),
        ("/alarms/status/change", {"alarm_ids": ["1"], "status": True}, "status"),
        (
            "/alarms/status/change",
            {"alarm_ids": ["1"], "status": 2, "update_related_finding_status": "yes"},
            "update_related_finding_status",
        ),
        ("/alarm/add/comment/v2", {"alarm_id": "3", "user_email": "a@b.example", "comment": "c"}, "alarm_id"),
        ("/alarm/add/comment/v2", {"alarm_id": 3, "user_email": "nobody", "comment": "c"}, "user_email"),
        ("/alarm/add/comment/v2", {"alarm_id": 3, "user_email": "a@b.example", "comment": " "}, "comment"),
        ("/alarm/3/assignee", {"user_emails": "a@b.example"}, "user_emails"),
        ("/alarm/3/assignee", {"user_emails": []}, "user_emails"),
        ("/alarm/tag", {"alarm_id": 3}, "tag"),
        ("/incidents/ask/analyst/v2", {"alarm_id": 3}, "comment"),
        ("/alarm/severity", {"alarm_id": 3, "severity": "INFO"}, "severity"),
        ("/alarm/severity", {"alarm_id": 3, "severity": "high"}, "severity"),
        ("/alarm/severity", ["not", "an", "object"], "JSON object"),
    ],
)
def test_action_bad_body_is_400_and_changes_nothing(five, path, body, fragment):
    before = json.dumps(five.get_alarm(3), sort_keys=True)
    reply = post(five, path, body)
    assert reply.status == 400 and reply.json["is_success"] is False
    assert fragment in reply.json["message"]
    assert json.dumps(five.get_alarm(3), sort_keys=True) == before


def test_action_invalid_json_and_unknown_alarm(five):
    assert post(five, "/alarm/tag", raw=b"{not json").json["message"] == "Request body must be valid JSON."
    assert post(five, "/alarm/severity", {"alarm_id": 404, "severity": "LOW"}).status == 404
    assert post(five, "/alarm/404/assignee", {"user_emails": ["a@b.example"]}).status == 404


# -- faults -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["401", "403", "404", "429", "500", "502", "503", "504"])
def test_status_faults_hit_once(five, kind):
    five.inject(kind)
    reply = search(five)
    assert reply.status == int(kind) and reply.json["is_success"] is False
    assert five.requests[-1].fault == kind
    assert search(five).status == 200


def test_429_retry_after_times_and_path_filter(five):
    five.inject("429", times=2, retry_after=7, path_contains="/incidents/v4")
    assert post(five, "/alarm/tag", {"alarm_id": 1, "tag": "t"}).status == 200
    replies = [search(five) for _ in range(3)]
    assert [r.status for r in replies] == [429, 429, 200]
    assert replies[0].headers["Retry-After"] == "7"
    assert five.pending_faults == []


def test_faults_are_fifo_and_clearable(five):
    five.inject("503")
    five.inject("500")
    assert [search(five).status for _ in range(3)] == [503, 500, 200]
    five.inject("500", times=5)
    five.clear_faults()
    assert search(five).status == 200
    with pytest.raises(ValueError, match="unknown fault kind"):
        five.inject("418")
    with pytest.raises(ValueError, match="delay"):
        five.inject("slow")


def test_slow_fault_and_latency_delay_a_normal_answer(five):
    five.inject("slow", delay=0.3)
    started = time.monotonic()
    assert search(five).ids() == [5, 4, 3, 2, 1]
    assert time.monotonic() - started >= 0.3
    five.latency = 0.2
    started = time.monotonic()
    assert search(five).status == 200
    assert time.monotonic() - started >= 0.2


def test_reset_closes_without_a_response(five):
    five.inject("reset")
    with socket.create_connection(("127.0.0.1", five.port), timeout=10) as sock:
        sock.sendall(f"GET /api{SEARCH} HTTP/1.1\r\nHost: x\r\nAPI-Key: {KEY}\r\n\r\n".encode())
        with pytest.raises(ConnectionResetError):
            if sock.recv(1024) == b"":
                raise AssertionError("connection closed with FIN, expected RST")
    assert five.requests[-1].status is None and five.requests[-1].fault == "reset"
    assert search(five).status == 200


def test_reset_seen_by_http_client(five):
    five.inject("reset")
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        search(five)


def test_garbled_is_200_with_invalid_json(five):
    five.inject("garbled")
    reply = search(five)
    assert reply.status == 200 and int(reply.headers["Content-Length"]) == len(reply.raw)
    with pytest.raises(json.JSONDecodeError):
        json.loads(reply.raw)


def test_truncated_body_is_shorter_than_content_length(five):
    five.inject("truncated")
    conn = http.client.HTTPConnection("127.0.0.1", five.port, timeout=10)
    try:
        conn.request("GET", f"/api{SEARCH}", headers={"API-Key": KEY})
        response = conn.getresponse()
        declared = int(response.headers["Content-Length"])
        with pytest.raises(http.client.IncompleteRead) as caught:
            response.read()
        assert response.status == 200 and 0 < len(caught.value.partial) < declared
    finally:
        conn.close()


def test_not_success_is_200_with_is_success_false(five):
    five.inject("not_success")
    reply = search(five)
    assert reply.status == 200
    assert (
        reply.json["is_success"] is False
        and reply.json["message"] == QUOTA_MESSAGE == "Company quota exceeded."
    )


def test_malformed_alarm_joins_the_next_search_page_only(five):
    five.inject("malformed_alarm")
    assert post(five, "/alarm/tag", {"alarm_id": 1, "tag": "t"}).json["is_success"] is True
    reply = search(five, ("limit", "4"))
    alarms = reply.data["alarms"]
    assert len(alarms) == 5 and reply.data["total_records"] == 5
    bad = [a for a in alarms if "alarm_id" not in a]
    assert bad == [MALFORMED_ALARM]
    assert [a["alarm_id"] for a in alarms if "alarm_id" in a] == [5, 4, 3, 2]
    assert len(search(five, ("limit", "4")).data["alarms"]) == 4


def test_every_fault_kind_is_covered_here():
    covered = {
        "401",
        "403",
        "404",
        "429",
        "500",
        "502",
        "503",
        "504",
        "slow",
        "reset",
        "garbled",
        "truncated",
        "not_success",
        "malformed_alarm",
    }
    assert covered == FAULT_KINDS


# -- connections --------------------------------------------------------------------------------------


def test_keep_alive_reuses_one_connection(five):
    before = five.connections_opened
    conn = http.client.HTTPConnection("127.0.0.1", five.port, timeout=10)
    try:
        replies = [search(five, ("page", str(p)), ("limit", "2"), conn=conn) for p in (1, 2, 3)]
        replies.append(post(five, "/alarm/tag", {"alarm_id": 1, "tag": "t"}, conn=conn))
    finally:
        conn.close()
    assert [r.status for r in replies] == [200, 200, 200, 200]
    assert five.connections_opened == before + 1
    assert len({record.connection for record in five.requests}) == 1
    search(five)
    assert five.connections_opened == before + 2


def test_stop_does_not_wait_for_idle_keep_alive_clients():
    server = SocRadarServer(KEY, CID).start()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", f"/api{SEARCH}", headers={"API-Key": KEY})
        conn.getresponse().read()
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 3
    finally:
        conn.close()


def test_reset_forgets_the_scenario_but_keeps_serving(five):
    five.inject("500")
    five.latency = 0.5
    five.on_search = lambda server, query: None
    five.reset()
    assert (five.alarms, five.pending_faults, five.requests, five.on_search) == ([], [], [], None)
    assert abs(five.now - datetime.now(UTC)) < timedelta(seconds=5), "the fixed time is released"
    started = time.monotonic()
    assert search(five).data["total_records"] == 0
    assert time.monotonic() - started < 0.5


# -- store and generator ------------------------------------------------------------------------------


def test_add_remove_and_duplicate_ids(five):
    with pytest.raises(ValueError, match="already stored"):
        five.add_alarm(alarm(3, NOW - timedelta(days=1)))
    with pytest.raises(ValueError, match="date"):
        five.add_alarm(alarm(6, "15/01/2024"))
    assert five.remove_alarm(3)["alarm_id"] == 3
    assert search(five).ids() == [5, 4, 2, 1]
    assert [a["alarm_id"] for a in five.alarms] == [5, 4, 2, 1]


@pytest.fixture(scope="module")
def generated():
    server = SocRadarServer(KEY, CID)
    return server.generate(400, seed=11, start=NOW - timedelta(days=3), end=NOW)


def test_generator_covers_every_type_with_its_content_keys(generated):
    seen = {
        (a["alarm_type_details"]["alarm_main_type"], a["alarm_type_details"]["alarm_sub_type"])
        for a in generated
    }
    assert seen == {(t.main_type, t.sub_type) for t in ALARM_TYPES}
    by_sub = {t.sub_type: t for t in ALARM_TYPES}
    with_unknown = 0
    for item in generated:
        details = item["alarm_type_details"]
        expected = by_sub[details["alarm_sub_type"]]
        assert details["alarm_type_id"] == expected.type_id
        keys = set(item["content"])
        assert set(expected.content_keys) <= keys
        assert keys - set(expected.content_keys) <= set(UNKNOWN_CONTENT_KEYS)
        with_unknown += bool(keys - CONTENT_KEYS)
    assert 5 <= with_unknown <= 40, "about one alarm in twenty carries an unknown content key"


def test_generated_alarm_fields(generated):
    required = {
        "alarm_id",
        "status",
        "alarm_risk_level",
        "alarm_asset",
        "date",
        "alarm_text",
        "alarm_response",
        "tags",
        "alarm_related_entities",
        "alarm_related_assets",
        "content",
        "alarm_type_details",
        "alarm_assignees",
        "notes",
        "history",
    }
    detail_keys = set(ALARM_TYPE_DETAIL_KEYS)
    for item in generated:
        assert required <= item.keys() and "company_id" not in item
        assert set(item["alarm_type_details"]) == detail_keys
        assert item["alarm_risk_level"] in {"INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL", None}
        assert all(e.keys() == {"key", "value"} for e in item["alarm_related_entities"])
        assert all(isinstance(a["value"], list) for a in item["alarm_related_assets"])
    assert any(c["name"] == "DORA" for c in generated[0]["alarm_type_details"]["alarm_compliance_list"])
    statuses = [item["status"] for item in generated]
    assert statuses.count("OPEN") > 0.7 * len(statuses) and set(statuses) <= {"OPEN", "CLOSED", "ON_HOLD"}
    assert any(item["alarm_risk_level"] is None for item in generated)


def test_generated_ids_follow_dates_and_formats_vary(generated):
    ids = [item["alarm_id"] for item in generated]
    assert ids == sorted(set(ids)) and 81_171_000 <= ids[0] < 81_172_000
    dates = [item["date"] for item in generated]
    micro = sum("." in d for d in dates)
    spaced = sum(" " in d for d in dates)
    plain = sum(len(d) == 19 and "T" in d for d in dates)
    assert plain > 0.6 * len(dates) and micro > 0 and spaced > 0
    assert all(len(d) > 10 for d in dates), "the bare-date form appears only when asked for"


def test_generation_is_deterministic_and_continues_ids(generated):
    again = SocRadarServer().generate(400, seed=11, start=NOW - timedelta(days=3), end=NOW)
    assert again == generated
    server = SocRadarServer()
    other = server.generate(5, seed=12, start=NOW - timedelta(days=3), end=NOW)
    assert [a["alarm_id"] for a in other] != [a["alarm_id"] for a in generated[:5]]
    later = server.generate(3, seed=12, start=NOW - timedelta(days=3), end=NOW, date_style="date")
    assert min(a["alarm_id"] for a in later) > max(a["alarm_id"] for a in other)
    assert all(len(a["date"]) == 10 for a in later)


def test_format_alarm_date_styles():
    moment = datetime(2024, 1, 15, 12, 30, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert format_alarm_date(moment) == "2024-01-15T10:30:00"
    assert format_alarm_date(moment, "iso_micro") == "2024-01-15T10:30:00.123456"
    assert format_alarm_date(moment, "space") == "2024-01-15 10:30:00"
    assert format_alarm_date(moment, "date") == "2024-01-15"
    with pytest.raises(ValueError):
        format_alarm_date(moment, "rfc822")
