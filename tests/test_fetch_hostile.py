"""The fetch against a hostile SOCRadar server: an alarm no reader can take whole, alarms dated
far ahead, texts of megabytes, markdown and HTML in alarm text, endless pages of new alarms.
Each test runs the integration on the XSOAR runtime double against a local server whose
answers are rewritten after they are made, shows the bound or the report, measures the
process's memory (printed), and checks that nothing was lost or delivered twice: the fetches
after the hostile answers deliver the rest exactly once."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import demistomock as demisto
import DORABridgeSOCRadar as integration  # noqa: N813
import pytest
from harness import run_command

from devtools.socradar_server import SocRadarServer, format_alarm_date
from devtools.socradar_server.faults import Fault
from devtools.socradar_server.responses import Response, json_response, success
from tests.exactly_once import AlarmFeed, core_clock
from tests.fixtures import API_KEY, COMPANY_ID, instance_params

START = datetime(2026, 11, 23, 9, 0, 0, tzinfo=timezone.utc)
LOOKBACK = timedelta(minutes=15)


class HostileServer(SocRadarServer):
    """The local server, with each search answer passed through `rewrite` (query, answer)."""

    rewrite: Callable[[dict[str, list[str]], Response], Response] | None = None

    def _search(self, query_params: dict[str, list[str]], fault: Fault | None) -> Response:
        response = super()._search(query_params, fault)
        return self.rewrite(query_params, response) if self.rewrite else response


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def report(capsys: pytest.CaptureFixture[str], what: str) -> None:
    with capsys.disabled():
        print(f"\n  [hostile server] {what}", file=sys.stderr)


@pytest.fixture
def srv() -> Iterator[HostileServer]:
    """The hostile server, started at `START`, stopped after the test."""
    server = HostileServer(api_key=API_KEY, company_id=COMPANY_ID)
    with server:
        server.set_now(START)
        yield server


def feed_of(srv: HostileServer, first_id: int, backlog: int = 0) -> AlarmFeed:
    """The alarms the test fetches, ids from `first_id`: `backlog` of them already there."""
    feed = AlarmFeed(srv, first_id=first_id)
    if backlog:
        feed.backlog(backlog, START)
    return feed


def first_incident(alarm_id: int) -> dict:
    """The incident the first fetch of the test created for the alarm."""
    (incident,) = [i for i in demisto.recorded_incidents[0] if int(i["dbotMirrorId"]) == alarm_id]
    return incident


def logs(level: str | None = None) -> str:
    return "\n".join(m for lvl, m in demisto.recorded_logs if level in (None, lvl))


def test_a_lone_surrogate_escape_spoils_neither_its_page_nor_the_next_fetch(srv, capsys):
    feed = feed_of(srv, 60_000_000, backlog=250)
    ids = [a["alarm_id"] for a in srv.alarms]
    # Three alarms of page 1 carry `\ud800` (as Python's json.dumps writes a lone surrogate):
    # in the text, in the id and in the date.
    srv.get_alarm(ids[3])["alarm_text"] = "POISON-TEXT"
    srv.rewrite = lambda q, r: Response(
        r.status,
        r.body.replace(b"POISON", b"\\ud800")
        .replace(f'"alarm_id": {ids[5]}'.encode(), b'"alarm_id": "\\ud800"')
        .replace(
            f'"alarm_id": {ids[7]}, "date": "'.encode(),
            f'"alarm_id": {ids[7]}, "date": "\\ud800'.encode(),
        ),
        r.headers,
    )
    before = rss_mib()
    params = feed.params(max_fetch=1000, page_concurrency=4, timeout=5)
    error, _, malformed = feed.fetch(params)
    assert not error
    # The alarm whose text held the escape is delivered with U+FFFD in its place, and told.
    created = {int(i["dbotMirrorId"]) for i in demisto.recorded_incidents[0]}
    text_alarm = first_incident(ids[3])
    assert text_alarm["details"] == "\ufffd-TEXT"
    assert f"alarm {ids[3]}: an unpaired surrogate escape" in logs("info")
    # The alarms whose id or date cannot be read are skipped alone, and reported.
    assert len(malformed) == 2
    assert any("alarm_id is missing or not a positive integer" in m for m in malformed)
    assert any(f"Skipped a malformed alarm {ids[7]}: date is missing or not a date" in m for m in malformed)
    assert ids[3] in created and not created & {ids[5], ids[7]}
    assert (
        len(created)
        == sum(
            1 for a in srv.alarms if a["date"] >= format_alarm_date(START - timedelta(hours=1), "iso_micro")
        )
        - 2
    )
    # The next fetches deliver nothing again: every other alarm came once; the two that could
    # not be read never came.
    feed.catch_up(LOOKBACK)
    feed.assert_exactly_once(unreadable={ids[5], ids[7]})
    report(capsys, f"lone surrogate: RSS {before:.0f} -> {rss_mib():.0f} MiB, 250 alarms once each")


def test_an_alarm_dated_far_ahead_is_reported_and_never_remembered(srv, capsys):
    feed = feed_of(srv, 61_000_000, backlog=30)
    future = {"alarm_id": 61_999_999, "date": "9999-12-31T23:59:59", "status": "OPEN"}

    def with_future(q: dict[str, list[str]], r: Response) -> Response:
        body = json.loads(r.body)
        data = body["data"]
        if q.get("page") == ["1"]:
            data["alarms"].insert(0, future)
        data["total_records"] += 1
        return json_response(r.status, body)

    srv.rewrite = with_future
    params = feed.params(max_fetch=1000, page_concurrency=2, timeout=5)
    sizes = []
    for _ in range(3):
        srv.advance(timedelta(minutes=1))
        error, _, _ = feed.fetch(params)
        assert not error
        assert "alarm 61999999 is dated 9999-12-31T23:59:59Z, later than now + the look-back" in logs("info")
        state = json.dumps(feed.state)
        assert "61999999" not in state
        sizes.append(len(state))
    assert sizes[2] <= sizes[0], f"the state grows: {sizes}"
    assert 61_999_999 not in feed.delivered
    srv.rewrite = None
    feed.catch_up(LOOKBACK)
    feed.assert_exactly_once()
    report(capsys, f"alarm dated 9999-12-31: last run {sizes} bytes over three runs, never in it")


def test_megabytes_of_text_are_cut_with_a_note(srv, capsys):
    feed = feed_of(srv, 62_000_000, backlog=5)
    big = srv.alarms[0]
    big["alarm_text"] = "é" * 10_000_000
    big["alarm_asset"] = "a" * 1_000_000
    before = rss_mib()
    error, _, _ = feed.fetch(feed.params(max_fetch=1000, page_concurrency=1, timeout=30))
    grown = rss_mib() - before
    assert not error
    incident = first_incident(big["alarm_id"])
    assert len(incident["name"]) == 300 and incident["name"].endswith("…")
    assert incident["details"].startswith("é" * 50_000)
    assert incident["details"].endswith(
        "[Cut by DORA Bridge: 10000000 characters, the first 50000 kept. The whole alarm is in SOCRadar.]"
    )
    assert len(incident["rawJSON"].encode()) <= 1 << 20
    raw = json.loads(incident["rawJSON"])
    assert raw["alarm_id"] == big["alarm_id"] and "_dora_bridge_cut" in raw
    assert len(incident["CustomFields"]["dorasocradarasset"]) < 50_200
    assert f"alarm {big['alarm_id']}: dorasocradarasset, name, details, rawJSON cut to size" in logs("info")
    assert len(demisto.recorded_incidents[0]) == 5
    feed.catch_up(LOOKBACK)
    feed.assert_exactly_once()
    report(capsys, f"10 MB alarm text: RSS grew {grown:.0f} MiB; details, name and rawJSON cut")


def test_markdown_and_html_from_alarms_are_escaped(srv):
    feed = feed_of(srv, 63_000_000, backlog=3)
    alarm = srv.alarms[0]
    alarm["alarm_asset"] = "[click](http://evil.example) <img src=x onerror=alert(1)> | *x*"
    alarm["alarm_type_details"] = {"alarm_generic_title": "**Urgent**_now_"}
    odd_date = format_alarm_date(START - timedelta(seconds=1), "iso_micro")
    srv.add_alarm({"alarm_id": 63_999_999, "status": "OPEN", "date": odd_date})
    srv.rewrite = lambda q, r: Response(
        r.status,
        r.body.replace(f'"date": "{odd_date}"'.encode(), b'"date": "[click](http://evil.example)"'),
        r.headers,
    )
    feed.fetch(feed.params(max_fetch=1000, page_concurrency=1, timeout=5))
    incident = first_incident(alarm["alarm_id"])
    assert incident["name"] == (
        f"SOCRadar {alarm['alarm_id']}: \\*\\*Urgent\\*\\*\\_now\\_ — "
        "\\[click\\](http://evil.example) \\<img src=x onerror=alert(1)\\> \\| \\*x\\*"
    )
    params = instance_params(srv, status=[])
    with core_clock(srv.now):
        (entry,) = run_command(integration.main, "socradar-test-fetch", params, {"first_fetch": "1 day"})
    readable = entry["HumanReadable"]
    assert "Skipped a malformed alarm 63999999: date is missing or not a date" in readable
    assert '\\("\\[click\\]\\(http://evil.example\\)"\\)' in readable
    assert "<img" not in readable.replace("\\<", "")
    assert "](http://evil.example)" not in readable.replace("\\]", "")
    ctx = entry["EntryContext"]["SOCRadar.TestFetch(val.CompanyID && val.CompanyID == obj.CompanyID)"]
    assert any(a["Asset"] == alarm["alarm_asset"] for a in ctx["Alarms"]), "the context keeps the text"


def endless(srv: HostileServer) -> None:
    """Every search answer is a full page of alarms the server has just created, of a window that
    reports 10⁹ pages."""
    counter = {"n": 0}

    def answer(q: dict[str, list[str]], r: Response) -> Response:
        counter["n"] += 1
        fresh = srv.generate(100, seed=counter["n"], start=srv.now - timedelta(minutes=10), end=srv.now)
        data = {"alarms": fresh, "total_records": 100 * 10**9, "total_pages": 10**9}
        return json_response(200, success("Success", data))

    srv.rewrite = answer


def test_endless_pages_stop_at_the_alarms_read_bound(srv, capsys):
    feed = feed_of(srv, 64_000_000, backlog=50)
    endless(srv)
    # The time budget at its maximum, so that only the alarms-read bound can stop this fetch on a
    # loaded machine.
    params = feed.params(max_fetch=500, page_concurrency=4, timeout=5) | {
        "max_alarms_read": "2000",
        "fetch_time_budget": "3600",
    }
    before = rss_mib()
    error, _, _ = feed.fetch(params)
    grown = rss_mib() - before
    requests = len(srv.requests)
    assert "the fetch stopped after reading 2000 alarms, its maximum (Maximum alarms read per fetch)" in error
    assert "created 500 incidents" in error
    assert 20 <= requests <= 24, requests
    assert sum(feed.delivered.values()) == 500 and max(feed.delivered.values()) == 1
    assert grown < 200, f"memory grew {grown:.0f} MiB"
    srv.rewrite = None
    feed.catch_up(LOOKBACK)
    feed.assert_exactly_once()
    report(
        capsys,
        f"10⁹ pages: stopped after {requests} requests and 2000 alarms; RSS grew {grown:.0f} MiB; "
        f"then {len(srv.alarms)} alarms delivered once each",
    )


def test_endless_pages_stop_at_the_time_budget(srv, capsys):
    feed = feed_of(srv, 65_000_000)
    endless(srv)
    srv.latency = 0.5
    params = feed.params(max_fetch=10_000, page_concurrency=2, timeout=5) | {"fetch_time_budget": "10"}
    error, _, _ = feed.fetch(params)
    requests = len(srv.requests)
    assert "its time budget (Fetch time budget)" in error
    assert 36 <= requests <= 46, requests
    srv.rewrite = None
    srv.latency = 0
    feed.catch_up(LOOKBACK)
    feed.assert_exactly_once()
    report(capsys, f"10⁹ pages at 0.5 s each: stopped at the 10 s budget after {requests} requests")
