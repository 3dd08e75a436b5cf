"""The Rust SOCRadar client over real HTTP against the local SOCRadar-compatible server."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

import dora_bridge
from devtools.socradar_server import QUOTA_MESSAGE, SocRadarServer
from dora_bridge import (
    ApiError,
    AuthenticationError,
    InputError,
    NotFoundError,
    RateLimitedError,
    SocRadarClient,
    TransportError,
)
from tests.fixtures import API_KEY, COMPANY_ID, NOW, make_client, rfc3339


def searches(srv: SocRadarServer) -> list:
    return [r for r in srv.requests if r.method == "GET"]


def test_search_sends_the_key_header_and_reads_pages_newest_first(server, client):
    server.generate(250, seed=1, start=NOW - timedelta(days=1), end=NOW)
    page = client.search(page=1, limit=100)
    assert page["total_records"] == 250
    assert page["total_pages"] == 3
    dates = [a["alarm_id"] for a in page["alarms"]]
    assert len(dates) == 100
    last = client.search(page=3, limit=100)
    assert len(last["alarms"]) == 50
    req = searches(server)[0]
    assert req.api_key_valid
    assert req.query["limit"] == ["100"] and req.query["page"] == ["1"]
    assert "api-key" not in req.headers


def test_dates_travel_as_epoch_by_default_and_iso_on_request(server):
    start, end = NOW - timedelta(hours=1), NOW
    make_client(server).search(start=rfc3339(start), end=rfc3339(end))
    make_client(server, date_format="iso8601").search(start=rfc3339(start), end=rfc3339(end))
    epoch, iso = searches(server)
    assert epoch.query["start_date"] == [str(int(start.timestamp()))]
    assert iso.query["end_date"] == ["2026-11-23T09:14:00Z"]


def test_a_wrong_key_is_an_authentication_error_without_the_key(server):
    bad = SocRadarClient(server.url, "wrong-key-0000", COMPANY_ID, max_retries=0)
    with pytest.raises(AuthenticationError) as e:
        bad.test_connection()
    assert e.value.status == 401
    assert "wrong-key-0000" not in str(e.value)
    assert "Check the API key" in str(e.value)
    assert len(server.requests) == 1, "401 is not retried"


def test_a_wrong_company_is_not_found(server):
    other = SocRadarClient(server.url, API_KEY, 4242, max_retries=0)
    with pytest.raises(NotFoundError) as e:
        other.test_connection()
    assert e.value.status == 404


@pytest.mark.parametrize("kind", ["502", "503", "504", "reset", "truncated"])
def test_transient_failures_are_retried_then_succeed(server, client, kind):
    server.generate(3, seed=2)
    server.inject(kind, times=2)
    page = client.search()
    assert page["total_records"] == 3
    assert client.traffic == {"requests": 3, "retries": 2}
    log = client.drain_log()
    assert len(log) == 2 and all("Retry" in line for line in log)


def test_rate_limit_honours_retry_after(server, client):
    server.inject("429", times=1, retry_after=0.6)
    started = time.monotonic()
    client.search()
    assert time.monotonic() - started >= 0.6
    assert client.traffic["retries"] == 1


def test_rate_limit_past_the_budget_is_raised(server):
    server.inject("429", times=10, retry_after=5)
    client = make_client(server, retry_budget_seconds=1.0)
    with pytest.raises(RateLimitedError) as e:
        client.search()
    assert e.value.retry_after == 5
    assert client.traffic["requests"] == 1, "a Retry-After beyond the budget is not waited for"


def test_retries_stop_at_max_retries(server):
    server.inject("503", times=10)
    client = make_client(server, max_retries=2)
    with pytest.raises(ApiError) as e:
        client.search()
    assert e.value.status == 503
    assert client.traffic == {"requests": 3, "retries": 2}


def test_500_is_not_retried(server, client):
    server.inject("500", times=1)
    with pytest.raises(ApiError) as e:
        client.search()
    assert e.value.status == 500
    assert client.traffic["requests"] == 1


def test_timeouts_are_transport_errors(server):
    server.inject("slow", times=5, delay=1.0)
    client = make_client(server, timeout_seconds=0.2, max_retries=1)
    with pytest.raises(TransportError) as e:
        client.search()
    assert "no answer within" in str(e.value)


def test_is_success_false_surfaces_the_server_message(server, client):
    server.inject("not_success")
    with pytest.raises(ApiError) as e:
        client.search()
    assert QUOTA_MESSAGE in str(e.value)


def test_garbled_json_is_an_api_error(server, client):
    server.inject("garbled")
    with pytest.raises(ApiError, match="not valid JSON"):
        client.search()


def test_a_closed_port_is_a_transport_error():
    c = SocRadarClient("http://127.0.0.1:9/api", API_KEY, COMPANY_ID, max_retries=1, backoff_seconds=0.01)
    with pytest.raises(TransportError, match="could not be established"):
        c.test_connection()


def test_proxy_off_ignores_the_environment_proxy(server, client, monkeypatch):
    # A proxy that does not exist: used, it would fail every request.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.delenv("no_proxy", raising=False)
    make_client(server).test_connection()
    with pytest.raises(TransportError):
        make_client(server, use_proxy=True, max_retries=0).test_connection()


def test_network_calls_release_the_gil(server):
    server.inject("slow", times=1, delay=0.5)
    client = make_client(server)
    ticks = 0
    done = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    client.search()
    done.set()
    t.join()
    assert ticks > 50, "Python threads kept running while the request waited"


class TestActions:
    def test_change_status_updates_the_alarm(self, server, client):
        alarm = server.generate(1, seed=3)[0]
        out = client.change_status(str(alarm["alarm_id"]), "resolved", "fixed upstream")
        body = server.requests[-1].body
        assert body == {"alarm_ids": [str(alarm["alarm_id"])], "status": 2, "comments": "fixed upstream"}
        assert server.get_alarm(alarm["alarm_id"])["status"] == "CLOSED"
        entry = out["alarms"][0]
        assert (
            entry["ID"] == str(alarm["alarm_id"])
            and entry["Status"] == "RESOLVED"
            and entry["StatusCode"] == 2
        )
        assert entry["ActionAt"].endswith("Z")

    def test_related_findings_need_an_email(self, server, client):
        alarm = server.generate(1, seed=3)[0]
        with pytest.raises(InputError, match="email is required"):
            client.change_status(alarm["alarm_id"], "RESOLVED", update_related_finding_status="true")
        client.change_status(
            alarm["alarm_id"], "RESOLVED", update_related_finding_status=True, email="soc@bank.eu"
        )
        assert server.requests[-1].body["email"] == "soc@bank.eu"
        assert server.requests[-1].body["update_related_finding_status"] is True

    def test_comment_assignee_tag_analyst_severity(self, server, client):
        alarm = server.generate(1, seed=4)[0]
        aid = alarm["alarm_id"]
        client.add_comment(aid, "analyst@bank.eu", "Investigating with the fraud team")
        assert server.get_alarm(aid)["notes"][-1]["comment"] == "Investigating with the fraud team"
        client.change_assignee(aid, "a@bank.eu, b@bank.eu")
        assert server.get_alarm(aid)["alarm_assignees"] == ["a@bank.eu", "b@bank.eu"]
        added = client.add_tag(aid, "dora-review")
        assert "dora-review" in server.get_alarm(aid)["tags"]
        assert added["alarms"][0]["TagAction"] == "added"
        removed = client.remove_tag(aid, "dora-review")
        assert removed["alarms"][0]["TagAction"] == "removed"
        assert "dora-review" not in server.get_alarm(aid)["tags"]
        assert server.requests[-1].method == "DELETE"
        client.ask_analyst(aid, "Is this credential leak recent?")
        assert server.requests[-1].path.endswith("/incidents/ask/analyst/v2")
        out = client.change_severity(aid, "critical")
        assert server.get_alarm(aid)["alarm_risk_level"] == "CRITICAL"
        assert out["alarms"][0]["Severity"] == "CRITICAL"

    def test_company_override_goes_into_the_path(self, server, client):
        with pytest.raises(NotFoundError):
            client.ask_analyst(1, "x", company_id="4242")
        assert "/company/4242/" in server.requests[-1].path

    def test_a_post_is_not_repeated_after_a_gateway_error(self, server, client):
        alarm = server.generate(1, seed=5)[0]
        server.inject("502", path_contains="/alarm/tag")
        with pytest.raises(ApiError):
            client.add_tag(alarm["alarm_id"], "vip")
        assert len([r for r in server.requests if r.method == "POST"]) == 1


BAD_INPUT = [
    ("add_comment", ("abc", "a@bank.eu", "hi"), {}, "alarm_id must be a positive integer, got 'abc'."),
    ("add_comment", (0, "a@bank.eu", "hi"), {}, "alarm_id must be a positive integer, got '0'."),
    ("add_comment", (1, "not-an-email", "hi"), {}, "user_email must be an e-mail address"),
    ("add_comment", (1, "a@bank.eu", "   "), {}, "comment must not be empty."),
    ("ask_analyst", (1, ""), {}, "comment must not be empty."),
    ("ask_analyst", (1, "x"), {"company_id": "-5"}, "company_id must be a positive integer, got '-5'."),
    ("change_status", ("1,x", "RESOLVED"), {}, "alarm_ids must be comma-separated positive integers"),
    ("change_status", ("1", "CLOSED"), {}, "status_reason must be one of OPEN, INVESTIGATING"),
    ("change_severity", (1, "SEVERE"), {}, "severity must be one of LOW, MEDIUM, HIGH, CRITICAL"),
    ("change_assignee", (1, "a@bank.eu,b@"), {}, "user_emails must be an e-mail address"),
    ("add_tag", (1, ""), {}, "tag must not be empty."),
    ("remove_tag", (0, "x"), {}, "alarm_id must be a positive integer, got '0'."),
]


@pytest.mark.parametrize(("method", "args", "kwargs", "message"), BAD_INPUT)
def test_bad_input_is_refused_before_any_request(server, client, method, args, kwargs, message):
    with pytest.raises(InputError) as e:
        getattr(client, method)(*args, **kwargs)
    assert str(e.value).startswith(message)
    assert server.requests == []


@pytest.mark.parametrize(
    ("url", "company", "message"),
    [
        ("platform.socradar.com/api", 789, "url must be an http:// or https:// URL"),
        ("https://platform.socradar.com/api", "abc", "company_id must be a positive integer"),
        ("https://platform.socradar.com/api", 0, "company_id must be a positive integer"),
    ],
)
def test_bad_settings_are_refused(url, company, message):
    with pytest.raises(InputError, match=message):
        SocRadarClient(url, API_KEY, company)


def test_the_key_never_shows(server):
    c = make_client(server)
    assert API_KEY not in repr(c)
    server.inject("503", times=1)
    c.search()
    for line in c.drain_log():
        assert API_KEY not in line
    with pytest.raises(InputError) as e:
        SocRadarClient(server.url, "line\nbreak-key", COMPANY_ID)
    assert "break-key" not in str(e.value)


def test_exception_tree():
    for name in ["AuthenticationError", "NotFoundError", "RateLimitedError", "TransportError", "ApiError"]:
        cls = getattr(dora_bridge, name)
        assert issubclass(cls, dora_bridge.SocRadarError)
        assert issubclass(cls, dora_bridge.DoraBridgeError)
    assert issubclass(dora_bridge.InputError, dora_bridge.DoraBridgeError)
