"""Requests to the local SOCRadar server over real HTTP, as the connector makes them, and the
scenarios the tests of tests/test_socradar_server_*.py start from: a server at a fixed time, and
the same with five alarms on it."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest

from devtools.socradar_server import SocRadarServer, format_alarm_date

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
