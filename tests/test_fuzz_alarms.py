"""Fuzzing the alarm parser end to end over real HTTP: whatever a SOCRadar search answers (any
status, a truncated or cut-off body, junk, deeply nested JSON, alarms with every field mutated),
``search``, ``fetch_incidents`` and ``test_fetch`` return their documented shape or refuse with a
``DoraBridgeError``; never a panic or a stray exception (the contract in tests/fuzzing.py).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dora_bridge import DoraBridgeError, InternalError, SocRadarError, socradar_incident_fields
from tests.fixtures import ALARM_TYPE_DETAIL_KEYS, COMPANY_ID
from tests.fuzzing import (
    NOW_TEXT,
    REAL_ALARMS,
    _short,
    check_fetch,
    check_test_fetch,
    date_texts,
    fake_client,
    json_any,
    json_leaf,
    survive,
)
from tests.fuzzing import fake_socradar as fake_socradar  # a fixture: pytest finds it here by name

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
