"""What the fuzz tests (tests/test_fuzz_*.py) share: the contract they hold every parser to, a
stand-in SOCRadar server that answers with whatever bytes an example chose, and the strategies for
JSON values, dates and time spans, and real alarms.

The contract under test: a call returns normally, in its documented shape, or raises a
``DoraBridgeError`` that says what was wrong. An ``InternalError`` is a panic in the core (a bug,
reported with the input); any other exception (TypeError, ValueError, RuntimeError, pyo3's
PanicException) crossing into Python is a bug too and fails the test as it is.

The cargo-fuzz targets in fuzz/ (scripts/fuzz-smoke.sh) cover the same parsers below the binding.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from devtools.httpkit import IncomingRequest, LocalServer, Response
from devtools.socradar_server.alarms import generate_alarms
from dora_bridge import DoraBridgeError, InternalError, SocRadarClient
from tests.fixtures import COMPANY_ID

ROOT = Path(__file__).resolve().parent.parent
REGISTER = ROOT / "devtools" / "register"
NOW = datetime(2026, 11, 23, 9, 0, 0, tzinfo=timezone.utc)
NOW_TEXT = "2026-11-23T09:00:00Z"
INTERNAL = "Internal error in DORA Bridge"


def survive(what: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The call's result, or None when it refused with a DoraBridgeError. A panic fails the test
    with the input; any other exception propagates and fails it with its traceback."""
    try:
        return call(*args, **kwargs)
    except InternalError as e:
        pytest.fail(f"{what} panicked in the core: {e}\n  args={_short(args)}\n  kwargs={_short(kwargs)}")
    except DoraBridgeError as e:
        assert str(e), f"{what} raised {type(e).__name__} without a message"
        assert INTERNAL not in str(e)
        return None


def _short(v: Any) -> str:
    text = repr(v)
    return text if len(text) < 2000 else text[:2000] + f"… ({len(text)} characters)"


# --- A SOCRadar that answers what the example says ------------------------------------------


class FakeSocRadar(LocalServer):
    """Answers every request with the status and body set for the current example. With
    ``declared`` the Content-Length promises more than the body holds (a cut connection)."""

    def __init__(self) -> None:
        super().__init__()
        self.status, self.body = 200, b"{}"
        self.declared: int | None = None

    def handle(self, request: IncomingRequest) -> Response:
        return Response(
            self.status,
            self.body,
            {"Content-Type": "application/json"},
            declared_length=self.declared,
            close_after=self.declared is not None,
        )

    @property
    def url(self) -> str:
        return self.origin + "/api"

    def answer(self, body: bytes, status: int = 200, declared: int | None = None) -> None:
        self.status, self.body, self.declared = status, body, declared


@pytest.fixture(scope="module")
def fake_socradar() -> Iterator[FakeSocRadar]:
    with FakeSocRadar() as fake:
        yield fake


def fake_client(fake: FakeSocRadar) -> SocRadarClient:
    return SocRadarClient(
        fake.url, "k" * 20, COMPANY_ID, timeout_seconds=2, max_retries=0, backoff_seconds=0.01
    )


# --- Strategies -----------------------------------------------------------------------------

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
)
json_any = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)

VENDOR_FORMATS = [
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y",
    "%a, %d %b %Y %H:%M:%S GMT",
    "%Y%m%dT%H%M%SZ",
    "%Y-%j",
]
ZONES = [
    timezone.utc,
    timezone(timedelta(hours=14)),
    timezone(timedelta(hours=-12)),
    timezone(timedelta(hours=5, minutes=45)),
]
NEAR_MISSES = [
    "2026-02-30T10:00:00Z",
    "2026-11-23 25:00",
    "2026-11-23T24:00:00Z",
    "2026-11-23T23:59:60Z",
    "2026-13-01",
    "+275760-09-13",
    "+262142-12-31T23:59:59",
    "+262143-01-01T00:00:00",
    "-262143-01-01T00:00:00",
    "-262144-01-01",
    "262142-12-31 23:59",
    "99999-01-01T00:00:00",
    "0000-01-01",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-23:59",
    "1e20",
    "-1",
    "0",
    "9999999999999",
    " 2026-11-23T09:14:00+14:00",
    "2026-11-23T09:14:00+99:99",
    "2026-11-23T09:14:00.99999999999999Z",
    "2026-11-23t09:14:00z",
    "2026-11-23T09:14:00Z\n",
    "2026-W48-1",
    "\uff12\uff10\uff12\uff16-\uff11\uff11-\uff12\uff13",  # 2026-11-23 in fullwidth digits
    "3 days",
    "999999999 days",
    "999999999999 years",
    "9223372036854775807 seconds",
    "0 minutes",
    "-1 day",
    "1 hour ago",
    "1.5 days",
    "3 fortnights",
    "now",
    "",
    "   ",
    "\x00",
]
UNITS = [
    "second",
    "sec",
    "minute",
    "min",
    "hour",
    "h",
    "day",
    "d",
    "week",
    "w",
    "month",
    "year",
    "y",
    "fortnight",
]

formatted_dates = st.builds(
    lambda t, fmt: t.strftime(fmt),
    st.one_of(
        st.datetimes(
            min_value=datetime(2026, 11, 19),
            max_value=datetime(2026, 11, 24),
            timezones=st.sampled_from(ZONES),
        ),
        st.datetimes(timezones=st.sampled_from(ZONES)),
    ),
    st.sampled_from(VENDOR_FORMATS),
)
relative_spans = st.builds(
    lambda n, unit, plural, ago: f"{n} {unit}{plural}{ago}",
    st.one_of(st.integers(min_value=-5, max_value=1000), st.integers(min_value=0, max_value=2**70)),
    st.sampled_from(UNITS),
    st.sampled_from(["", "s", "S"]),
    st.sampled_from(["", " ago", " AGO"]),
)
huge_years = st.builds(
    lambda y, rest: f"{y:+05d}{rest}",
    st.integers(min_value=-300_000, max_value=300_000),
    st.sampled_from(["-06-15T12:00:00Z", "-12-31T23:59:59", "-01-01", "-12-31 23:00"]),
)
date_texts = st.one_of(
    st.sampled_from(NEAR_MISSES),
    formatted_dates,
    relative_spans,
    huge_years,
    st.text(max_size=40),
    st.from_regex(r"\A[+-]?[0-9]{1,7}-[0-9]{1,2}-[0-9]{1,2}([T ][0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2})?)?Z?\Z"),
)

REAL_ALARMS = [
    g.alarm
    for g in generate_alarms(
        6, rng=random.Random(1), start=NOW - timedelta(days=2), end=NOW, first_id=81_171_696
    )
]


# --- The documented shapes -------------------------------------------------------------------


def check_fetch(out: dict) -> None:
    assert set(out) == {"incidents", "last_run", "malformed", "notes", "stats", "failure"}, out.keys()
    assert out["failure"] is None or (out["failure"]["message"] and out["stats"]["complete"] is False)
    json.dumps(out)  # XSOAR stores incidents and the last run as JSON
    for incident in out["incidents"]:
        assert {"name", "occurred", "rawJSON", "dbotMirrorId", "CustomFields"} <= set(incident)
        assert int(incident["dbotMirrorId"]) > 0
        assert incident["occurred"].endswith("Z")
        json.loads(incident["rawJSON"])
    for m in out["malformed"]:
        assert set(m) == {"alarm_id", "reason"} and m["reason"]
    assert out["last_run"]["version"] == 1


def check_test_fetch(out: dict) -> None:
    keys = {
        "WindowStart", "WindowEnd", "WindowStartEpoch", "WindowEndEpoch", "CompanyID", "TotalRecords",
        "TotalPages", "PageSize", "Returned", "Alarms", "Malformed", "UnfilteredTotal", "Hint",
    }  # fmt: skip
    assert set(out) == keys, out.keys()
    assert out["Returned"] == len(out["Alarms"])
    for a in out["Alarms"]:
        assert a["ID"] > 0 and a["Date"].endswith("Z")
