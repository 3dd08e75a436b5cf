"""Fetch over real HTTP: exactly once across runs, deferral, late alarms, failures."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devtools.socradar_server import SocRadarServer
from dora_bridge import ApiError, InputError, SocRadarClient, TransportError
from tests.exactly_once import fed_server
from tests.fixtures import API_KEY, COMPANY_ID, NOW, instance_params, rfc3339


def fetch_client(srv: SocRadarServer, **overrides: object) -> SocRadarClient:
    return SocRadarClient.from_params(instance_params(srv, **overrides))


def run(client: SocRadarClient, srv: SocRadarServer, last_run: dict) -> dict:
    return client.fetch_incidents(last_run, now=rfc3339(srv.now))


def ids(result: dict) -> list[int]:
    return [int(i["dbotMirrorId"]) for i in result["incidents"]]


def test_first_fetch_covers_the_first_fetch_window_oldest_first(server):
    server.generate(40, seed=1, start=NOW - timedelta(days=5), end=NOW)
    in_window = {
        a["alarm_id"] for a in server.alarms if a["status"] == "OPEN" and _date(a) >= NOW - timedelta(days=3)
    }
    out = run(fetch_client(server), server, {})
    assert set(ids(out)) == in_window
    occurred = [i["occurred"] for i in out["incidents"]]
    assert occurred == sorted(occurred)
    assert all(o.endswith("Z") for o in occurred)
    assert out["stats"]["complete"] is True
    assert out["last_run"]["version"] == 1


def _date(alarm: dict) -> datetime:
    from devtools.socradar_server import parse_alarm_date

    return parse_alarm_date(alarm["date"])


def test_runs_deliver_new_alarms_once_while_the_server_changes(server):
    server.generate(120, seed=2, start=NOW - timedelta(hours=6), end=NOW)
    client = fetch_client(server, status=[])
    state: dict = {}
    seen: Counter[int] = Counter()
    for step in range(6):
        out = run(client, server, state)
        seen.update(ids(out))
        state = out["last_run"]
        server.advance(timedelta(minutes=5))
        server.generate(15, seed=100 + step, start=server.now - timedelta(minutes=5), end=server.now)
    out = run(client, server, state)
    seen.update(ids(out))
    assert max(seen.values()) == 1
    assert set(seen) == {a["alarm_id"] for a in server.alarms}


def test_max_per_fetch_defers_without_losing(server):
    server.generate(230, seed=3, start=NOW - timedelta(hours=2), end=NOW)
    client = fetch_client(server, status=[], max_fetch="100")
    state: dict = {}
    delivered: list[int] = []
    per_run, reads = [], []
    for _ in range(4):
        out = run(client, server, state)
        delivered += ids(out)
        per_run.append(len(out["incidents"]))
        reads.append(out["stats"]["read"])
        state = out["last_run"]
    assert per_run == [100, 100, 30, 0]
    assert out["stats"]["deferred"] == 0
    assert len(delivered) == len(set(delivered)) == 230
    # The runs after the first go on from where delivery stopped; the one that empties the
    # backlog reads the whole window again in the same run.
    assert reads == ["whole_window", "backlog", "backlog, then whole_window", "whole_window"]


def test_alarms_visible_after_their_date_are_fetched_within_the_overlap(server):
    client = fetch_client(server, status=[])
    server.generate(5, seed=4, start=NOW - timedelta(minutes=30), end=NOW)
    state = run(client, server, {})["last_run"]
    late = server.generate(1, seed=5, start=NOW - timedelta(minutes=10), end=NOW - timedelta(minutes=10))[0]
    server.remove_alarm(late["alarm_id"])
    server.add_alarm(late, visible_at=NOW + timedelta(minutes=2))
    server.advance(timedelta(minutes=3))
    out = run(client, server, state)
    assert ids(out) == [late["alarm_id"]]


def test_alarms_arriving_mid_pagination_are_not_lost(server):
    server.generate(450, seed=6, start=NOW - timedelta(hours=1), end=NOW)
    client = fetch_client(server, status=[])
    inserted: list[int] = []

    def arrive(srv: SocRadarServer, query: object) -> None:
        if len(inserted) < 3:
            a = srv.generate(1, seed=200 + len(inserted), start=srv.now - timedelta(minutes=3), end=srv.now)[
                0
            ]
            inserted.append(a["alarm_id"])

    server.on_search = arrive
    first = run(client, server, {})
    server.on_search = None
    second = run(client, server, first["last_run"])
    got = ids(first) + ids(second)
    assert len(got) == len(set(got))
    assert set(got) == {a["alarm_id"] for a in server.alarms}
    assert first["stats"]["read_mode"] == "pages_then_dates"


def test_a_failed_page_delivers_what_was_read_and_reports_it(server):
    server.generate(300, seed=7, start=NOW - timedelta(hours=1), end=NOW)
    client = fetch_client(server, status=[], page_concurrency="1")
    server.inject("500", times=1, path_contains="/incidents/v4")
    # Page 1 fails: nothing is delivered and nothing changes, so the error is raised.
    with pytest.raises(ApiError) as first:
        run(client, server, {})
    assert first.value.partial["incidents"] == []
    assert first.value.partial["last_run"] == {
        "version": 1, "high_water_mark": None, "first_window_start": None, "recheck_from": None,
        "backlog": [], "seen": {},
    }  # fmt: skip
    # Page 2 of 3 fails: page 1 is delivered, the state says so, the error is raised.
    calls = {"n": 0}

    def fail_second(srv: SocRadarServer, query: object) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            srv.inject("500", times=1)  # for the next request: page 2

    server.on_search = fail_second
    # Page 2 of 3 fails: page 1 is delivered with the state that says so, and the failure is
    # reported, not raised.
    partial = run(client, server, first.value.partial["last_run"])
    assert len(partial["incidents"]) == 100
    assert partial["stats"]["complete"] is False
    assert partial["failure"]["type"] == "ApiError"
    assert "HTTP 500" in partial["failure"]["message"]
    assert partial["last_run"]["high_water_mark"] is None
    server.on_search = None
    rest = run(client, server, partial["last_run"])
    assert len(rest["incidents"]) == 200
    assert not set(ids(rest)) & set(int(i["dbotMirrorId"]) for i in partial["incidents"])


def test_a_malformed_alarm_is_skipped_and_reported(server):
    server.generate(10, seed=8, start=NOW - timedelta(hours=1), end=NOW)
    server.inject("malformed_alarm")
    out = run(fetch_client(server, status=[]), server, {})
    assert len(out["incidents"]) == 10
    assert len(out["malformed"]) == 1
    assert "alarm_id" in out["malformed"][0]["reason"]


def test_a_server_without_totals_is_read_by_date(server):
    server.generate(260, seed=9, start=NOW - timedelta(hours=1), end=NOW)
    server.bare_list_without_totals = True
    calls: list[str] = []
    server.on_search = lambda srv, q: calls.append("x")
    # The first request asks for totals; make the server drop them as some deployments do.
    client = fetch_client(server, status=[])
    out = run(client, server, {})
    assert len(set(ids(out))) == 260


def test_a_damaged_state_is_refused_not_reset(server):
    client = fetch_client(server)
    with pytest.raises(InputError, match="reset the instance's last run"):
        run(client, server, {"last_fetch": 1700000000, "fetched_ids": [1, 2]})
    assert server.requests == []


def test_bad_fetch_parameters_fail_the_fetch_not_the_client(server):
    client = fetch_client(server, first_fetch="last tuesday")
    with pytest.raises(InputError, match="first_fetch must be a time span"):
        run(client, server, {})
    with pytest.raises(InputError, match="first_fetch"):
        client.test_connection(check_fetch=True)
    client.test_connection()
    assert len(server.requests) == 1


def test_filters_reach_the_server(server):
    client = fetch_client(
        server,
        status=["OPEN", "ON_HOLD"],
        severity="HIGH,CRITICAL",
        alarm_type_ids="11,12",
        excluded_alarm_type_ids="13",
        alarm_main_types="Brand Protection",
        alarm_sub_types="Impersonating Domain",
        excluded_alarm_main_types="Dark Web Intelligence",
        excluded_alarm_sub_types="Data Leak",
        include_company_id=True,
    )
    run(client, server, {})
    q = server.requests[0].query
    assert q["status"] == ["OPEN", "ON_HOLD"]
    assert q["severities"] == ["HIGH", "CRITICAL"]
    assert q["alarm_type_ids"] == ["11", "12"]
    assert q["excluded_alarm_type_ids"] == ["13"]
    assert q["alarm_main_types"] == ["Brand Protection"]
    assert q["alarm_sub_types"] == ["Impersonating Domain"]
    assert q["excluded_alarm_main_types"] == ["Dark Web Intelligence"]
    assert q["excluded_alarm_sub_types"] == ["Data Leak"]
    assert q["include_company_id"] == ["true"]
    assert int(q["start_date"][0]) == int((NOW - timedelta(days=3)).timestamp())


def test_transport_failure_mid_fetch_is_raised(server):
    server.generate(5, seed=10)
    # More resets than the first run's concurrent page requests have attempts.
    server.inject("reset", times=50)
    client = fetch_client(server, timeout="1")
    with pytest.raises(TransportError):
        run(client, server, {})


# ---------------------------------------------------------------------------------------------
# Property: over HTTP, any sequence of arrivals, late visibility, mid-read insertions, failures and
# per-fetch maxima delivers every alarm exactly once once the server is quiet again.

LOOKBACK = timedelta(minutes=15)

step_strategy = st.fixed_dictionaries(
    {
        "advance": st.integers(min_value=1, max_value=1200),
        "arrivals": st.lists(
            st.tuples(st.floats(0, 1), st.integers(min_value=0, max_value=int(LOOKBACK.total_seconds()))),
            max_size=12,
        ),
        "insert_mid_read": st.lists(
            st.integers(min_value=0, max_value=int(LOOKBACK.total_seconds())), max_size=3
        ),
        "fail_request": st.one_of(st.none(), st.integers(min_value=1, max_value=3)),
        "max_fetch": st.integers(min_value=1, max_value=25),
    }
)


@given(
    steps=st.lists(step_strategy, min_size=1, max_size=6),
    backlog=st.integers(min_value=0, max_value=40),
    page_concurrency=st.integers(min_value=1, max_value=4),
    failed_run_incidents=st.sampled_from(["kept", "dropped"]),
)
def test_exactly_once_over_http(steps, backlog, page_concurrency, failed_run_incidents):
    start = datetime(2026, 11, 23, 9, 0, 0, tzinfo=timezone.utc)
    with fed_server(start, 90_000_000, backlog, failed_run_incidents=failed_run_incidents) as (srv, feed):
        for s in steps:
            feed.advance(s["advance"], s["arrivals"])
            pending = list(s["insert_mid_read"])
            counter = {"n": 0}

            def hook(server: SocRadarServer, query: object, pending=pending, counter=counter, s=s) -> None:
                counter["n"] += 1
                if s["fail_request"] == counter["n"]:
                    server.inject("500", times=1)  # not retried: the fetch fails part-way
                if pending:
                    delay = pending.pop()
                    feed.add(server.now - timedelta(seconds=delay), server.now)

            srv.on_search = hook
            feed.fetch(feed.params(s["max_fetch"], page_concurrency, timeout=2))
            srv.clear_faults()
        srv.on_search = None
        feed.catch_up(LOOKBACK)
        feed.assert_exactly_once()


def test_a_capture_of_the_pages_fetches_exactly_like_the_server(server):
    import urllib.request

    server.generate(430, seed=21, start=NOW - timedelta(hours=20), end=NOW)
    client = fetch_client(server, status=[], first_fetch="1 day")
    live = run(client, server, {})
    window = live["stats"]
    pages = []
    for page in range(1, 6):
        start = int(datetime.fromisoformat(window["window_start"].replace("Z", "+00:00")).timestamp())
        end = int(datetime.fromisoformat(window["window_end"].replace("Z", "+00:00")).timestamp())
        url = (
            f"{server.url}/company/{COMPANY_ID}/incidents/v4?limit=100&page={page}"
            f"&start_date={start}&end_date={end}&include_total_records=true"
        )
        with urllib.request.urlopen(urllib.request.Request(url, headers={"API-Key": API_KEY})) as r:
            pages.append(r.read())
    replayed = client.fetch_from_pages(pages, {}, now=rfc3339(server.now))
    assert replayed["incidents"] == live["incidents"]
    # A capture holds no Date header: without the server's clock, the window to check again for
    # late alarms starts at the newest alarm minus the overlap, earlier than the live run's.
    replayed_state, live_state = dict(replayed["last_run"]), dict(live["last_run"])
    assert replayed_state.pop("recheck_from") < live_state.pop("recheck_from")
    assert replayed_state == live_state
    assert len(replayed["incidents"]) == 430
    again = client.fetch_from_pages(
        [p.decode() for p in pages], replayed["last_run"], now=rfc3339(server.now)
    )
    assert again["incidents"] == []
    short = client.fetch_from_pages(pages[:1], {}, now=rfc3339(server.now))
    assert "page 2 was asked for" in short["failure"]["message"]
    assert len(short["incidents"]) == 100  # what was read is delivered, the mark stays
    assert short["last_run"]["high_water_mark"] is None
    with pytest.raises(InputError, match="pages"):
        client.fetch_from_pages([1], {})
