"""Fuzzing every parser that reads what a vendor or an operator sends: SOCRadar search answers
over real HTTP, dates and time spans, the Register of Information CSV texts and the integrations'
command arguments.

The contract under test: a call returns normally, in its documented shape, or raises a
``DoraBridgeError`` that says what was wrong. An ``InternalError`` is a panic in the core (a bug,
reported with the input); any other exception (TypeError, ValueError, RuntimeError, pyo3's
PanicException) crossing into Python is a bug too and fails the test as it is.

The cargo-fuzz targets in fuzz/ (scripts/fuzz-smoke.sh) cover the same parsers below the binding.
"""

from __future__ import annotations

import csv
import io
import json
import random
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest import mock

import CommonServerPython
import DORABridge
import DORABridgeContext
import DORABridgeSOCRadar
import pytest
import yaml
from harness import run_command
from hypothesis import example, given, settings
from hypothesis import strategies as st

from devtools.socradar_server import SocRadarServer
from devtools.socradar_server.alarms import generate_alarms
from dora_bridge import (
    ContextConnectors,
    DoraBridgeError,
    EntityProfile,
    InternalError,
    SocRadarClient,
    SocRadarError,
    classification_inputs,
    incident_field_updates,
    socradar_incident_fields,
)
from tests.fixtures import ALARM_TYPE_DETAIL_KEYS, API_KEY, COMPANY_ID, dora_params, instance_params

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


# --- a. The alarm parser, end to end over HTTP ------------------------------------------------


class FakeSocRadar:
    """Answers every request with the status and body set for the current example. With
    ``declared`` the Content-Length promises more than the body holds (a cut connection)."""

    def __init__(self) -> None:
        self.status, self.body, self.declared = 200, b"{}", None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(fake.declared or len(fake.body)))
                self.end_headers()
                self.wfile.write(fake.body)

            do_GET = do_POST = answer  # noqa: N815 (the names http.server dispatches to)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api"

    def answer(self, body: bytes, status: int = 200, declared: int | None = None) -> None:
        self.status, self.body, self.declared = status, body, declared

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def fake_socradar() -> Iterator[FakeSocRadar]:
    fake = FakeSocRadar()
    yield fake
    fake.close()


def fake_client(fake: FakeSocRadar) -> SocRadarClient:
    return SocRadarClient(
        fake.url, "k" * 20, COMPANY_ID, timeout_seconds=2, max_retries=0, backoff_seconds=0.01
    )


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
CONTENT_KEYS = sorted({f["content_key"] for f in socradar_incident_fields() if f["content_key"]})

alarm_ids = st.one_of(
    st.integers(min_value=1, max_value=2**53),
    st.integers(),
    st.integers(min_value=2**63, max_value=2**80),
    st.floats(),
    st.none(),
    st.integers(min_value=-5, max_value=10**12).map(str),
    st.sampled_from([" 42 ", "0", "-7", "1e3", "18446744073709551615", "18446744073709551616", ""]),
    json_any,
)
alarm_dates = st.one_of(date_texts, st.integers(), st.floats(), st.none(), json_any)
type_details = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={k: st.one_of(st.text(max_size=20), json_any) for k in ALARM_TYPE_DETAIL_KEYS},
    ),
    json_any,
)
constructed_alarms = st.fixed_dictionaries(
    {"alarm_id": alarm_ids, "date": alarm_dates},
    optional={
        "status": st.one_of(st.sampled_from(["OPEN", "CLOSED", "ON_HOLD", "", "open"]), json_any),
        "alarm_risk_level": st.one_of(
            st.sampled_from(["INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL", "critical", "UNKNOWN"]), json_any
        ),
        "alarm_asset": st.one_of(st.text(max_size=30), json_any),
        "alarm_text": st.one_of(st.text(max_size=60), json_any),
        "tags": st.one_of(
            st.lists(st.one_of(st.text(max_size=10), json_leaf), max_size=4), st.text(max_size=10), st.none()
        ),
        "content": st.one_of(
            st.dictionaries(
                st.one_of(st.sampled_from(CONTENT_KEYS), st.text(max_size=8)), json_any, max_size=5
            ),
            st.lists(json_any, max_size=3),
            st.text(max_size=20),
            st.none(),
        ),
        "alarm_type_details": type_details,
        "alarm_related_entities": st.one_of(
            st.lists(st.fixed_dictionaries({"key": json_leaf, "value": json_any}), max_size=3), json_any
        ),
        "alarm_related_assets": st.one_of(
            st.lists(
                st.fixed_dictionaries({"key": json_leaf, "value": st.lists(json_leaf, max_size=3)}),
                max_size=3,
            ),
            json_any,
        ),
        "company_id": st.one_of(st.just(COMPANY_ID), json_any),
        "alarm_assignees": json_any,
        "notes": json_any,
        "history": json_any,
    },
)
mutated_real_alarms = st.builds(
    lambda alarm, over, drop: {k: v for k, v in {**alarm, **over}.items() if k not in drop},
    st.sampled_from(REAL_ALARMS),
    st.dictionaries(st.sampled_from(sorted(REAL_ALARMS[0])), st.one_of(alarm_dates, json_any), max_size=3),
    st.sets(st.sampled_from(sorted(REAL_ALARMS[0])), max_size=2),
)
alarms = st.one_of(constructed_alarms, mutated_real_alarms, st.sampled_from(REAL_ALARMS), json_any)
counts = st.one_of(
    st.integers(min_value=0, max_value=40),
    st.integers(),
    st.integers(min_value=2**64, max_value=2**70),
    st.text(max_size=6),
    st.floats(),
    st.none(),
)
data_fields = st.one_of(
    st.fixed_dictionaries(
        {"alarms": st.one_of(st.lists(alarms, max_size=8), json_any)},
        optional={"total_records": counts, "total_pages": counts},
    ),
    st.lists(alarms, max_size=8),
    json_any,
)
envelopes = st.fixed_dictionaries(
    {"data": data_fields},
    optional={
        "is_success": st.one_of(st.just(True), st.just(True), json_leaf),
        "message": st.one_of(st.text(max_size=40), json_leaf),
        "response_code": json_leaf,
    },
)
DEEP = [
    b"[" * 1000 + b"]" * 1000,
    b'{"data":' * 1000 + b"1" + b"}" * 1000,
    b'{"is_success": true, "data": {"alarms": [' + b"[" * 1000 + b"]" * 1000 + b"]}}",
    b'{"is_success": true, "data": {"alarms": [{"alarm_id": 1, "date": "2026-11-23T08:00:00", "content": '
    + b'{"a":' * 120
    + b"1"
    + b"}" * 120
    + b"}]}}",
]


@st.composite
def answers(draw: st.DrawFn) -> tuple[int, bytes, int | None]:
    kind = draw(
        st.sampled_from(["envelope", "envelope", "envelope", "envelope", "truncated", "junk", "other_json"])
    )
    envelope = draw(envelopes)
    text = json.dumps(envelope, ensure_ascii=draw(st.booleans()))
    if kind == "envelope":
        body = text.encode()
        if draw(st.integers(0, 9)) == 0:
            body = "\ufeff".encode() + body
    elif kind == "truncated":
        body = text.encode()[: draw(st.integers(0, max(0, len(text) - 1)))]
    elif kind == "junk":
        body = draw(
            st.one_of(st.binary(max_size=200), st.sampled_from(DEEP), st.text(max_size=80).map(str.encode))
        )
    else:
        body = json.dumps(draw(json_any)).encode()
    status = draw(st.sampled_from([200] * 12 + [201, 204, 400, 401, 403, 404, 418, 429, 500, 502, 503, 504]))
    declared = len(body) + draw(st.integers(1, 50)) if draw(st.integers(0, 19)) == 0 else None
    return status, body, declared


def check_search(page: dict) -> None:
    assert set(page) == {"alarms", "total_records", "total_pages"}, page.keys()
    assert isinstance(page["alarms"], list)
    for k in ("total_records", "total_pages"):
        assert page[k] is None or (isinstance(page[k], int) and page[k] >= 0)


def check_fetch(out: dict) -> None:
    assert set(out) == {"incidents", "last_run", "malformed", "stats"}, out.keys()
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
    keys = {"WindowStart", "WindowEnd", "TotalRecords", "TotalPages", "Returned", "Alarms", "Malformed"}
    assert set(out) == keys, out.keys()
    assert out["Returned"] == len(out["Alarms"])
    for a in out["Alarms"]:
        assert a["ID"] > 0 and a["Date"].endswith("Z")


@settings(max_examples=150)
@given(answer=answers())
@example(answer=(200, DEEP[0], None))
@example(answer=(200, DEEP[3], None))
@example(
    answer=(
        200,
        b'{"is_success": true, "data": {"alarms": [{"alarm_id": 5, "date": "+262142-12-31T23:59:59"}]}}',
        None,
    )
)
def test_any_search_answer_is_read_or_refused(fake_socradar, answer):
    status, body, declared = answer
    fake_socradar.answer(body, status, declared)
    client = fake_client(fake_socradar)
    page = survive("search", client.search, page=1, limit=100, start="2026-11-20T09:00:00Z", end=NOW_TEXT)
    if page is not None:
        check_search(page)
    try:
        out = client.fetch_incidents({}, now=NOW_TEXT)
    except InternalError as e:
        pytest.fail(f"fetch_incidents panicked in the core: {e}\n  answer={_short(answer)}")
    except SocRadarError as e:
        check_fetch(e.partial)
    except DoraBridgeError:
        pass
    else:
        check_fetch(out)
    out = survive("test_fetch", client.test_fetch, first_fetch="3 days", limit=50, now=NOW_TEXT)
    if out is not None:
        check_test_fetch(out)


# --- b. Dates, wherever one enters ----------------------------------------------------------

GOOD_PAGE = json.dumps(
    {
        "is_success": True,
        "message": "Success",
        "data": {"alarms": REAL_ALARMS[:3], "total_records": 3, "total_pages": 1},
    }
).encode()


@given(now=date_texts)
@example(now="+262142-12-31T23:59:59")
@example(now="-262143-01-01T00:00:00")
def test_now_of_a_fetch(fake_socradar, now):
    fake_socradar.answer(GOOD_PAGE)
    client = fake_client(fake_socradar)
    out = survive("fetch_incidents(now=)", client.fetch_incidents, {}, now=now)
    if out is not None:
        check_fetch(out)
    out = survive("test_fetch(now=)", client.test_fetch, now=now)
    if out is not None:
        check_test_fetch(out)
    survive("search(start=, end=)", client.search, start=now, end=now)


@given(first_fetch=date_texts)
@example(first_fetch="999999999 days")
@example(first_fetch="9223372036854775807 seconds")
@example(first_fetch="-262143-01-01T00:00:00")
def test_first_fetch(fake_socradar, first_fetch):
    fake_socradar.answer(GOOD_PAGE)
    client = survive(
        "from_params(first_fetch=)",
        SocRadarClient.from_params,
        instance_params(fake_socradar, first_fetch=first_fetch, timeout="2"),
    )  # type: ignore[arg-type]
    if client is not None:
        out = survive("fetch_incidents with first_fetch", client.fetch_incidents, {}, now=NOW_TEXT)
        if out is not None:
            check_fetch(out)
    out = survive(
        "test_fetch(first_fetch=)",
        fake_client(fake_socradar).test_fetch,
        first_fetch=first_fetch,
        now=NOW_TEXT,
    )
    if out is not None:
        check_test_fetch(out)


PROFILE = EntityProfile.from_params(dora_params())
INPUTS = classification_inputs()
TIME_ARGS = sorted(
    {i["name"] for i in INPUTS if i["kind"] in ("time", "times")}
    | {"classified_at", "initial_submitted_at", "intermediate_submitted_at", "final_submitted_at"}
)
TIME_FIELDS = sorted({f for i in INPUTS if i["kind"] in ("time", "times") for f in i["incident"]})


def check_classification(c: dict) -> None:
    assert isinstance(c["IsMajor"], bool) and isinstance(c["Criteria"], list)
    assert c["ClassifiedAt"]


def check_deadlines(d: dict) -> None:
    for k in ("InitialNotification", "IntermediateReport", "FinalReport"):
        assert d[k]["Status"]


@given(
    args=st.dictionaries(
        st.sampled_from(TIME_ARGS), st.one_of(date_texts, st.lists(date_texts, max_size=3)), max_size=4
    ),
    fields=st.dictionaries(st.sampled_from(TIME_FIELDS), date_texts, max_size=2),
    is_major=st.sampled_from([None, "true", "false"]),
    now=st.one_of(st.none(), date_texts),
)
@example(args={"detected_at": "+262142-12-31T23:00:00"}, fields={}, is_major=None, now=NOW_TEXT)
@example(args={"aware_at": "262142-12-31 23:00"}, fields={}, is_major=None, now=NOW_TEXT)
@example(
    args={"detected_at": "2026-11-23T08:00:00Z", "initial_submitted_at": "+262142-12-30T00:00:00"},
    fields={},
    is_major="true",
    now=NOW_TEXT,
)
@example(
    args={"detected_at": "2026-11-23T08:00:00Z", "intermediate_submitted_at": "+262142-12-30T00:00:00"},
    fields={},
    is_major="true",
    now=NOW_TEXT,
)
@example(
    args={"occurred_at": "+262142-12-31T23:59:59"}, fields={}, is_major=None, now="-262143-01-01T00:00:00"
)
def test_dora_times(args, fields, is_major, now):
    if is_major is not None:
        args = {**args, "is_major": is_major}
    incident = {"CustomFields": {f: v for f, v in fields.items() if f.startswith("dora")}}
    incident |= {f: v for f, v in fields.items() if not f.startswith("dora")}
    c = survive("classify", PROFILE.classify, args, incident=incident, now=now)
    if c is not None:
        check_classification(c)
    d = survive("deadlines", PROFILE.deadlines, args, incident=incident, now=now)
    if d is not None:
        check_deadlines(d)
    survive("incident_field_updates", incident_field_updates, classification=c, deadlines=d, now=now)


@given(when=date_texts, other=date_texts)
@example(when="+262142-12-31T23:59:59", other=NOW_TEXT)
def test_every_other_now(when, other):
    incidents = [
        {
            "id": "1",
            "root_cause": "config",
            "occurred_at": other,
            "resolved_at": when,
            "clients_affected": 10,
        },
        {"id": "2", "root_cause": "config", "occurred_at": when, "detected_at": other},
    ]
    survive("recurring_check", PROFILE.recurring_check, incidents, now=when)
    survive("recurring_check(now=)", PROFILE.recurring_check, incidents[:1], now=other)
    draft = survive("report_draft", PROFILE.report_draft, "initial", "json", now=when)
    if draft is not None:
        assert draft["Draft"]["ContentHash"]
    c = survive(
        "classify", PROFILE.classify, {"detected_at": other, "affected_services": "Card payments"}, now=other
    )
    if c is not None:
        survive("record_classification", PROFILE.record_classification, c, now=when)
    survive("approve", PROFILE.approve, "classification", "a@bank.eu", "CISO", "approve", now=when)
    survive("mark_submitted", PROFILE.mark_submitted, "initial", submitted_at=other, now=when)


@pytest.fixture(scope="module")
def transactions_rest(fake_socradar) -> ContextConnectors:
    return ContextConnectors.from_params(
        {
            "transaction_source": "rest",
            "rest_url": fake_socradar.url,
            "rest_mapping": json.dumps({"transactions_affected": "/count"}),
            "timeout": "2",
        }
    )


@given(start=date_texts, end=date_texts, reference_days=st.one_of(st.none(), st.integers(0, 400)))
@example(start="-262143-01-01T00:00:00", end=NOW_TEXT, reference_days=366)
@example(start=NOW_TEXT, end="+262142-12-31T23:59:59", reference_days=None)
def test_transaction_window(fake_socradar, transactions_rest, start, end, reference_days):
    fake_socradar.answer(b'{"count": 5}')
    out = survive(
        "transaction_scope",
        transactions_rest.transaction_scope,
        "Card payments",
        start,
        end,
        reference_days=reference_days,
    )
    if out is not None:
        assert out["Window"]["Start"] and out["Window"]["End"]


# --- c. The Register of Information CSV texts -----------------------------------------------

SAMPLES = {p.name: p.read_text(encoding="utf-8") for p in sorted(REGISTER.glob("b_*.csv"))}
NAME_SPELLINGS = {
    name: [
        name,
        name.upper(),
        name[:-4],
        name[:-4].upper().replace(".", "_"),
        name[2:-4],
        "t" + name[:-4].upper(),
    ]
    for name in SAMPLES
}
JUNK_CELLS = [
    "",
    "eba_GA:ZZ",
    "eba_GA:qx2007",
    "eba_TA:S99",
    "eba_TA:S00",
    "eba_TA:",
    "eba_BT:x99",
    "eba_ZZ:x999",
    "S7",
    "-1",
    "1e309",
    "NaN",
    "inf",
    "99999999999999999999",
    '"',
    'a"b',
    "é",
    "\x00",
    " ",
    "x" * 20_000,
]


@st.composite
def register_csv(draw: st.DrawFn, name: str) -> str:
    rows = list(csv.reader(io.StringIO(SAMPLES[name])))
    header, body = rows[0], rows[1:]
    cells = st.one_of(st.sampled_from(JUNK_CELLS), st.text(max_size=20))
    for op in draw(
        st.lists(
            st.sampled_from(
                ["drop_column", "rename", "cell", "cell", "drop_row", "dup_row", "extra", "short"]
            ),
            max_size=4,
        )
    ):
        if op == "drop_column" and header:
            i = draw(st.integers(0, len(header) - 1))
            header = header[:i] + header[i + 1 :]
            body = [r[:i] + r[i + 1 :] for r in body]
        elif op == "rename" and header:
            i = draw(st.integers(0, len(header) - 1))
            header[i] = draw(
                st.one_of(
                    st.sampled_from(
                        [
                            "",
                            "C0030",
                            "0030",
                            "B_06.01.0030",
                            "Function name",
                            "function_name",
                            "c0010",
                            *header,
                        ]
                    ),
                    st.text(max_size=12),
                )
            )
        elif op == "cell" and body and header:
            r, i = draw(st.integers(0, len(body) - 1)), draw(st.integers(0, len(header) - 1))
            if i < len(body[r]):
                body[r][i] = draw(cells)
        elif op == "drop_row" and body:
            del body[draw(st.integers(0, len(body) - 1))]
        elif op == "dup_row" and body:
            body.append(list(body[draw(st.integers(0, len(body) - 1))]))
        elif op == "extra" and body:
            body[draw(st.integers(0, len(body) - 1))].append(draw(cells))
        elif op == "short" and body and body[0]:
            body[0].pop()
    delimiter = draw(st.sampled_from([",", ",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    if draw(st.booleans()):
        out = io.StringIO()
        csv.writer(
            out,
            delimiter=delimiter,
            lineterminator=newline,
            quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
        ).writerows([header, *body])
        text = out.getvalue()
    else:  # as a careless export writes it: no quoting at all
        text = newline.join(delimiter.join(r) for r in [header, *body]) + newline
    for op in draw(
        st.lists(st.sampled_from(["bom", "quote", "truncate", "empty", "blank_lines"]), max_size=2)
    ):
        if op == "bom":
            text = "\ufeff" + text
        elif op == "quote":
            i = draw(st.integers(0, len(text)))
            text = text[:i] + '"' + text[i:]
        elif op == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
        elif op == "empty":
            text = draw(st.sampled_from(["", "\n", "\ufeff", ",,,\n"]))
        else:
            text = newline * 3 + text + newline * 3
    return text


@st.composite
def register_files(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["files"] * 8 + ["junk_json", "not_json"]))
    if kind == "not_json":
        return draw(st.one_of(st.text(max_size=40), st.sampled_from(["{", "[]", "null", "{}", '"b_06.01"'])))
    if kind == "junk_json":
        return json.dumps(
            draw(
                st.one_of(json_any, st.dictionaries(st.sampled_from(sorted(SAMPLES)), json_leaf, max_size=3))
            )
        )
    files: dict[str, str] = {}
    for name in SAMPLES:
        if draw(st.integers(0, 9)) == 0:
            continue  # a template left out
        key = draw(st.sampled_from(NAME_SPELLINGS[name]))
        files[key] = draw(st.one_of(st.just(SAMPLES[name]), register_csv(name)))
        if draw(st.integers(0, 19)) == 0:
            files[draw(st.sampled_from(NAME_SPELLINGS[name]))] = SAMPLES[name]  # the same template twice
    if draw(st.integers(0, 9)) == 0:
        files[draw(st.sampled_from(["b_01.02.csv", "b_99.01", "functions.csv", "", "b_08.01"]))] = draw(
            st.text(max_size=20)
        )
    return json.dumps(files)


KNOWN_NAMES = [
    "Card payments",
    "Instant payments",
    "Customer portal",
    "Reporting",
    "F01",
    "F04",
    "CA-2021-003",
    "CA-2023-014",
]
service_names = st.one_of(st.sampled_from(KNOWN_NAMES), st.text(max_size=16))
aliases_params = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.dictionaries(
        service_names, st.one_of(st.lists(service_names, max_size=3), service_names, json_leaf), max_size=3
    ).map(json.dumps),
    st.lists(st.tuples(service_names, st.lists(service_names, max_size=3)), max_size=3).map(
        lambda lines: "\n".join(f"{n} = {'; '.join(t)}" for n, t in lines)
    ),
    st.sampled_from(["Cards = F01; CA-2023-014", "no equals sign", "# only a comment", '{"Cards": 5}', "{"]),
)
assets = st.one_of(
    st.sampled_from(
        [
            "cardgw-01.zb.internal",
            "203.0.113.7",
            "portal.example-bank.com",
            "999.1.1.1",
            "1.2.3.4/40",
            "::1",
            "",
        ]
    ),
    st.ip_addresses(v=4).map(str),
    st.text(max_size=20),
)
ict_mappings = st.one_of(
    st.none(),
    st.text(max_size=30),
    json_any.map(json.dumps),
    st.fixed_dictionaries(
        {},
        optional={
            "assets": st.one_of(
                st.dictionaries(
                    st.one_of(
                        assets,
                        st.sampled_from(
                            ["203.0.113.0/24", "10.0.0.0/33", "*.example-bank.com", "0.0.0.0/0", "*."]
                        ),
                    ),
                    st.one_of(st.lists(service_names, max_size=2), json_any),
                    max_size=3,
                ),
                json_any,
            ),
            "services": st.one_of(
                st.dictionaries(
                    service_names,
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "critical_or_important": st.one_of(st.booleans(), json_leaf),
                            "functions": st.one_of(st.lists(service_names, max_size=2), json_any),
                            "providers": st.one_of(
                                st.lists(
                                    st.fixed_dictionaries(
                                        {"name": st.text(max_size=8)},
                                        optional={
                                            "country": st.one_of(
                                                st.sampled_from(["IE", "US", "ZZ", "eba_GA:DE"]), json_leaf
                                            )
                                        },
                                    ),
                                    max_size=2,
                                ),
                                json_any,
                            ),
                            "countries": st.one_of(
                                st.lists(st.sampled_from(["DE", "AT", "XX", "", "gb"]), max_size=3), json_any
                            ),
                        },
                    ),
                    max_size=2,
                ),
                json_any,
            ),
        },
    ).map(json.dumps),
)


def check_ict(ctx: dict) -> None:
    for k in (
        "Asset",
        "AffectedServices",
        "CriticalServicesAffected",
        "Functions",
        "Providers",
        "Countries",
        "Partial",
        "Problems",
    ):
        assert k in ctx, k
    json.dumps(ctx)


@settings(max_examples=200)
@given(
    files=register_files(),
    aliases=aliases_params,
    mapping=ict_mappings,
    asset=st.one_of(st.none(), assets),
    services=st.one_of(
        st.none(), st.lists(service_names, max_size=4), service_names, st.lists(json_leaf, max_size=2)
    ),
)
def test_register_texts(files, aliases, mapping, asset, services):
    params: dict[str, Any] = {"register_files": files}
    if aliases is not None:
        params["register_aliases"] = aliases
    if mapping is not None:
        params["ict_mapping"] = mapping
    connectors = survive("ContextConnectors.from_params", ContextConnectors.from_params, params)
    if connectors is None:
        return
    assert survive("sources", connectors.sources) is not None
    if asset is None and services is None:
        services = KNOWN_NAMES
    ctx = survive("ict_context", connectors.ict_context, asset=asset, services=services)
    if ctx is not None:
        check_ict(ctx)


def test_the_sample_register_still_reads():
    """The mutations start from a register that reads: the fuzzing above reaches past the
    structure checks into the cross-checks and the matching."""
    c = ContextConnectors.from_params({"register_files": json.dumps(SAMPLES)})
    ctx = c.ict_context(services=["Card payments"])
    assert ctx["CriticalServicesAffected"]["Value"] is True


# --- d. Command arguments through the integrations' main() ------------------------------------

PACK = ROOT / "Packs" / "DORABridge" / "Integrations"
MODULES = {
    "DORABridge": DORABridge,
    "DORABridgeSOCRadar": DORABridgeSOCRadar,
    "DORABridgeContext": DORABridgeContext,
}
YMLS = {name: yaml.safe_load((PACK / name / f"{name}.yml").read_text()) for name in MODULES}
ARGUMENTS = {
    c["name"]: tuple(c.get("arguments", [])) for yml in YMLS.values() for c in yml["script"]["commands"]
}
COMMANDS = [(name, c["name"]) for name, yml in YMLS.items() for c in yml["script"]["commands"]]

junk_args = st.one_of(
    st.text(max_size=30),
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.lists(st.one_of(st.text(max_size=8), st.integers(), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=5), json_leaf, max_size=2),
    st.sampled_from(
        ["x" * 50_000, "[", "[1, 2", '["a", 1]', "{}", "  ", "é" * 100, "\u202e\u0000", "inf", "nan", "-0"]
    ),
)
PLAUSIBLE: dict[str, list[Any]] = {
    "alarm_id": [81_171_696, "81171696", "1"],
    "alarm_ids": ["81171696, 81171697", [81_171_696], "81171696"],
    "company_id": [str(COMPANY_ID), COMPANY_ID, ""],
    "user_email": ["analyst@bank.eu"],
    "email": ["analyst@bank.eu"],
    "user_emails": ["analyst@bank.eu, soc@bank.eu", ["analyst@bank.eu"]],
    "comment": ["Checked."],
    "comments": ["Checked."],
    "tag": ["dora-relevant"],
    "first_fetch": ["3 days", "1 hour", "2026-11-20T00:00:00Z"],
    "limit": ["5", 3],
    "services": ["Card payments", ["Card payments", "Reporting"]],
    "asset": ["cardgw-01.zb.internal"],
    "incidents": [
        json.dumps([{"id": "1", "root_cause": "config", "occurred_at": "2026-10-01T08:00:00Z"}]),
        [{"id": "2", "root_cause": "config", "occurred_at": "2026-11-01T08:00:00Z"}],
    ],
    "affected_services": ["Card payments"],
    "member_states": ["DE, FR", ["AT"]],
    "client_countries": ["DE, FR"],
    "reference_days": ["30", 7],
    "approver": ["cro@bank.eu"],
    "role": ["CRO", "CISO"],
    "submitted_by": ["Operations"],
    "authority_reference": ["BaFin-2026-1"],
    "content_hash": ["0" * 64],
    "recorded_head": ["0" * 64],
    "estimates": ["clients_affected"],
}


def arg_values(arg: dict) -> st.SearchStrategy:
    name = arg["name"]
    plausible = list(arg.get("predefined") or []) + PLAUSIBLE.get(name, [])
    if name.endswith(("_at", "_start", "_end")) or name == "now":
        return st.one_of(date_texts, junk_args)
    if name.endswith(("_affected", "_total", "_average", "_eur")):
        plausible += ["12", "12 430", 0, "48000000.00"]
    return st.one_of(st.sampled_from(plausible), junk_args) if plausible else junk_args


@st.composite
def command_args(draw: st.DrawFn, arguments: tuple) -> dict:
    args = {}
    for arg in arguments:
        if draw(st.integers(0, 2)):
            args[arg["name"]] = draw(arg_values(arg))
    if draw(st.integers(0, 9)) == 0:
        args[draw(st.text(max_size=8))] = draw(junk_args)
    return args


@pytest.fixture(scope="module")
def socradar_params() -> Iterator[dict]:
    """The SOCRadar instance against a local SOCRadar-compatible server that knows the alarms
    the plausible arguments name, so valid arguments just work."""
    with SocRadarServer(api_key=API_KEY, company_id=COMPANY_ID) as srv:
        srv.set_now(NOW)
        for i, alarm_id in enumerate((81_171_696, 81_171_697, 1)):
            srv.add_alarm({"alarm_id": alarm_id, "date": f"2026-11-23T0{i}:00:00", "status": "OPEN"})
        yield instance_params(srv, timeout="2")


def params_for(integration: str, socradar: dict) -> dict:
    if integration == "DORABridgeSOCRadar":
        return socradar
    if integration == "DORABridgeContext":
        return {"register_path": str(REGISTER), "branches": "AT: Wien branch"}
    return dora_params()


@contextmanager
def errors_seen(module: Any) -> Iterator[list[BaseException]]:
    """Every exception the integration hands to return_error, kept with its traceback."""
    seen: list[BaseException] = []
    original = module.return_error

    def recording(message: Any, error: Any = "", outputs: Any = None) -> None:
        if isinstance(error, BaseException):
            seen.append(error)
        original(message, error=error, outputs=outputs)

    with mock.patch.object(module, "return_error", recording):
        yield seen


def refused_as_documented(error: BaseException) -> bool:
    """A DoraBridgeError other than InternalError, the glue's own DemistoException, or a
    ValueError raised by XSOAR's argument helpers (argToBoolean, arg_to_number, argToList)."""
    if isinstance(error, InternalError):
        return False
    if isinstance(error, (DoraBridgeError, CommonServerPython.DemistoException)):
        return True
    frames = traceback.extract_tb(error.__traceback__)
    return (
        isinstance(error, ValueError) and bool(frames) and frames[-1].filename == CommonServerPython.__file__
    )


@pytest.mark.parametrize(("integration", "command"), COMMANDS, ids=[f"{c[0]}:{c[1]}" for c in COMMANDS])
@settings(max_examples=20)
@given(data=st.data())
def test_command_arguments(socradar_params, integration, command, data):
    args = data.draw(command_args(ARGUMENTS[command]), label="args")
    module = MODULES[integration]
    with errors_seen(module) as errors:
        entries = run_command(module.main, command, params_for(integration, socradar_params), args)
    assert entries, f"{command} sent no entry for {args!r}"
    for e in errors:
        detail = "".join(traceback.format_exception(e))
        assert refused_as_documented(e), (
            f"{command} with {_short(args)} failed with {type(e).__name__}:\n{detail}"
        )
    for entry in entries:
        text = json.dumps(entry, default=str)
        assert INTERNAL not in text, f"{command} with {_short(args)} panicked: {text[:2000]}"
        if isinstance(entry, dict) and entry.get("Type") == CommonServerPython.EntryType.ERROR:
            assert errors, f"{command} returned an error entry without an exception: {entry}"
