"""The faults the local SOCRadar server injects, seen over real HTTP as the connector sees them
(error statuses, Retry-After, slow answers, reset connections, garbled, truncated and unsuccessful
answers, a malformed alarm), and its connections: keep-alive, stopping and resetting."""

from __future__ import annotations

import http.client
import json
import socket
import time
from datetime import timedelta

import pytest

from devtools.socradar_server import FAULT_KINDS, MALFORMED_ALARM, QUOTA_MESSAGE, SocRadarServer
from devtools.socradar_server.dates import world_now
from tests.socradar_server_http import CID, KEY, SEARCH, post, search
from tests.socradar_server_http import five as five  # a fixture: pytest finds it here by name
from tests.socradar_server_http import srv as srv  # the fixture five starts from

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


def test_late_answer_acts_before_it_answers(five):
    five.inject("late_answer", delay=0.6, path_contains="/alarm/tag")
    conn = http.client.HTTPConnection("127.0.0.1", five.port, timeout=0.2)
    try:
        body = json.dumps({"alarm_id": 1, "tag": "late"})
        conn.request("POST", f"/api/company/{CID}/alarm/tag", body=body, headers={"API-Key": KEY})
        with pytest.raises(TimeoutError):
            conn.getresponse()
    finally:
        conn.close()
    # The client gave up, yet the tag is on the alarm: the request acted before the answer came.
    assert "late" in five.get_alarm(1)["tags"]
    with pytest.raises(ValueError, match="needs delay"):
        five.inject("late_answer")


def test_every_fault_kind_is_covered_here():
    covered = {
        "late_answer",
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
    assert abs(five.now - world_now()) < timedelta(seconds=5), "the fixed time is released"
    started = time.monotonic()
    assert search(five).data["total_records"] == 0
    assert time.monotonic() - started < 0.5
