"""The local SOCRadar server's search over real HTTP, as the connector and its tests use it: the
API key, routing and the request log; paging, totals and the answer's shape; the filters and the
date window; the server's clock and late-visible alarms; and the hooks run on each search."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta

import pytest

from devtools.socradar_server import SocRadarServer
from devtools.socradar_server.dates import world_now
from tests.socradar_server_http import CID, KEY, NOW, SEARCH, UTC, alarm, call, post, search
from tests.socradar_server_http import five as five  # a fixture: pytest finds it here by name
from tests.socradar_server_http import srv as srv  # a fixture: pytest finds it here by name

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
    assert abs(SocRadarServer().now - world_now()) < timedelta(seconds=5), "the core's clock by default"
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
