"""Fuzzing dates and time spans wherever one enters: the ``now`` of a fetch, the first fetch
window, the DORA times of a classification and its deadlines, the ``now`` of every other DORA
call, and a transaction window. Each call returns its documented shape or refuses with a
``DoraBridgeError``; never a panic or a stray exception (the contract in tests/fuzzing.py).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dora_bridge import (
    ContextConnectors,
    EntityProfile,
    SocRadarClient,
    classification_inputs,
    incident_field_updates,
)
from tests.fixtures import dora_params, instance_params
from tests.fuzzing import (
    NOW_TEXT,
    REAL_ALARMS,
    check_fetch,
    check_test_fetch,
    date_texts,
    fake_client,
    survive,
)
from tests.fuzzing import fake_socradar as fake_socradar  # a fixture: pytest finds it here by name

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
    assert isinstance(c["is_major"], bool) and isinstance(c["criteria"], list)
    assert c["classified_at"]


def check_deadlines(d: dict) -> None:
    for k in ("initial_notification", "intermediate_report", "final_report"):
        assert d[k]["status"]


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
        assert draft["draft"]["content_hash"]
    c = survive(
        "classify", PROFILE.classify, {"detected_at": other, "affected_services": "Card payments"}, now=other
    )
    chain = {"incident": {"id": "7"}, "context": {}}
    if c is not None:
        survive("record_classification", PROFILE.record_classification, c, now=when, **chain)
    caller = {"context": {"ParentEntry": {"user": "ana.ruiz"}}}
    survive("approve", PROFILE.approve, "classification", "approve", caller=caller, now=when, **chain)
    survive(
        "mark_submitted",
        PROFILE.mark_submitted,
        "initial",
        caller=caller,
        submitted_at=other,
        now=when,
        **chain,
    )


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
        assert out["window"]["start"] and out["window"]["end"]
