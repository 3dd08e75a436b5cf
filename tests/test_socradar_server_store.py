"""The local SOCRadar server's alarm store and alarm generator: adding and removing alarms, every
alarm type with its content keys, the fields, ids and date formats of generated alarms, and the
date styles alarms are written in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from devtools.socradar_server import (
    ALARM_TYPES,
    CONTENT_KEYS,
    UNKNOWN_CONTENT_KEYS,
    SocRadarServer,
    format_alarm_date,
)
from tests.fixtures import ALARM_TYPE_DETAIL_KEYS
from tests.socradar_server_http import CID, KEY, NOW, alarm, search
from tests.socradar_server_http import five as five  # a fixture: pytest finds it here by name
from tests.socradar_server_http import srv as srv  # the fixture five starts from

# -- store and generator ------------------------------------------------------------------------------


def test_add_remove_and_duplicate_ids(five):
    with pytest.raises(ValueError, match="already stored"):
        five.add_alarm(alarm(3, NOW - timedelta(days=1)))
    with pytest.raises(ValueError, match="date"):
        five.add_alarm(alarm(6, "15/01/2024"))
    assert five.remove_alarm(3)["alarm_id"] == 3
    assert search(five).ids() == [5, 4, 2, 1]
    assert [a["alarm_id"] for a in five.alarms] == [5, 4, 2, 1]


@pytest.fixture(scope="module")
def generated():
    server = SocRadarServer(KEY, CID)
    return server.generate(400, seed=11, start=NOW - timedelta(days=3), end=NOW)


def test_generator_covers_every_type_with_its_content_keys(generated):
    seen = {
        (a["alarm_type_details"]["alarm_main_type"], a["alarm_type_details"]["alarm_sub_type"])
        for a in generated
    }
    assert seen == {(t.main_type, t.sub_type) for t in ALARM_TYPES}
    by_sub = {t.sub_type: t for t in ALARM_TYPES}
    with_unknown = 0
    for item in generated:
        details = item["alarm_type_details"]
        expected = by_sub[details["alarm_sub_type"]]
        assert details["alarm_type_id"] == expected.type_id
        keys = set(item["content"])
        assert set(expected.content_keys) <= keys
        assert keys - set(expected.content_keys) <= set(UNKNOWN_CONTENT_KEYS)
        with_unknown += bool(keys - CONTENT_KEYS)
    assert 5 <= with_unknown <= 40, "about one alarm in twenty carries an unknown content key"


def test_generated_alarm_fields(generated):
    required = {
        "alarm_id",
        "status",
        "alarm_risk_level",
        "alarm_asset",
        "date",
        "alarm_text",
        "alarm_response",
        "tags",
        "alarm_related_entities",
        "alarm_related_assets",
        "content",
        "alarm_type_details",
        "alarm_assignees",
        "notes",
        "history",
    }
    detail_keys = set(ALARM_TYPE_DETAIL_KEYS)
    for item in generated:
        assert required <= item.keys() and "company_id" not in item
        assert set(item["alarm_type_details"]) == detail_keys
        assert item["alarm_risk_level"] in {"INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL", None}
        assert all(e.keys() == {"key", "value"} for e in item["alarm_related_entities"])
        assert all(isinstance(a["value"], list) for a in item["alarm_related_assets"])
    assert any(c["name"] == "DORA" for c in generated[0]["alarm_type_details"]["alarm_compliance_list"])
    statuses = [item["status"] for item in generated]
    assert statuses.count("OPEN") > 0.7 * len(statuses) and set(statuses) <= {"OPEN", "CLOSED", "ON_HOLD"}
    assert any(item["alarm_risk_level"] is None for item in generated)


def test_generated_ids_follow_dates_and_formats_vary(generated):
    ids = [item["alarm_id"] for item in generated]
    assert ids == sorted(set(ids)) and 81_171_000 <= ids[0] < 81_172_000
    dates = [item["date"] for item in generated]
    micro = sum("." in d for d in dates)
    spaced = sum(" " in d for d in dates)
    plain = sum(len(d) == 19 and "T" in d for d in dates)
    assert plain > 0.6 * len(dates) and micro > 0 and spaced > 0
    assert all(len(d) > 10 for d in dates), "the bare-date form appears only when asked for"


def test_generation_is_deterministic_and_continues_ids(generated):
    again = SocRadarServer().generate(400, seed=11, start=NOW - timedelta(days=3), end=NOW)
    assert again == generated
    server = SocRadarServer()
    other = server.generate(5, seed=12, start=NOW - timedelta(days=3), end=NOW)
    assert [a["alarm_id"] for a in other] != [a["alarm_id"] for a in generated[:5]]
    later = server.generate(3, seed=12, start=NOW - timedelta(days=3), end=NOW, date_style="date")
    assert min(a["alarm_id"] for a in later) > max(a["alarm_id"] for a in other)
    assert all(len(a["date"]) == 10 for a in later)


def test_format_alarm_date_styles():
    moment = datetime(2024, 1, 15, 12, 30, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert format_alarm_date(moment) == "2024-01-15T10:30:00"
    assert format_alarm_date(moment, "iso_micro") == "2024-01-15T10:30:00.123456"
    assert format_alarm_date(moment, "space") == "2024-01-15 10:30:00"
    assert format_alarm_date(moment, "date") == "2024-01-15"
    with pytest.raises(ValueError):
        format_alarm_date(moment, "rfc822")
