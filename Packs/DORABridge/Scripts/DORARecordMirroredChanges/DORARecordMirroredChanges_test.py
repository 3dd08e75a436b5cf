"""DORARecordMirroredChanges on the runtime double: records in the war room sealed once in the
incident's evidence chain."""

from __future__ import annotations

import json

import demistomock as demisto
import DORABridge
import DORARecordMirroredChanges as script  # noqa: N813
import pytest
from harness import run_command

from dora_bridge import audit_verify
from tests.fixtures import dora_params


def record(n: int, field: str = "severity") -> dict:
    return {
        "Id": f"rec{n}", "AlarmId": 81171954, "Direction": "incoming", "Field": field, "From": "LOW",
        "To": "HIGH", "By": "analyst@socradar.example", "ObservedAt": "2026-11-23T09:14:00Z", "Outcome": "applied",
    }  # fmt: skip


def chain() -> dict:
    run_command(
        DORABridge.main,
        "dora-classify",
        dora_params(),
        {"affected_services": "Card payments", "malicious_unauthorized_access": "true"},
    )
    return demisto.context()


def war_room() -> list[dict]:
    return [
        {"ID": "1@7", "Contents": [record(1), record(2, "comment")], "Tags": ["dora-bridge-mirror"]},
        # As getEntries may return it: the JSON as text.
        {"ID": "2@7", "Contents": json.dumps([record(3)]), "Tags": ["dora-bridge-mirror"]},
        {"ID": "3@7", "Contents": [record(4)], "Tags": ["other"]},
        {"ID": "4@7", "Contents": "not json", "Tags": ["dora-bridge-mirror"]},
    ]


def run(context: dict) -> tuple[list, dict]:
    demisto.setup(args={"new": "x"}, context=context, incident={"id": "7"}, entries=war_room())
    script.main()
    return demisto.recorded_results, demisto.context()


def test_records_are_sealed_once():
    context = chain()
    start = len(context["DORA"]["Audit"])
    results, after = run(context)
    audit = after["DORA"]["Audit"]
    sealed = [e["Details"]["Id"] for e in audit if e["Kind"] == "socradar-mirror"]
    assert sealed == ["rec1", "rec2", "rec3"], "tagged entries only, text or JSON"
    assert len(audit) == start + 3 and audit_verify(audit)["Valid"]
    assert "3 new of 3" in results[0]["HumanReadable"]
    results, again = run(after)
    assert again["DORA"]["Audit"] == audit
    assert "0 new of 3" in results[0]["HumanReadable"]


def test_an_incident_without_a_chain_gets_none():
    results, after = run({})
    assert "DORA" not in after
    assert "no DORA evidence chain" in results[0]["HumanReadable"]


def test_a_war_room_that_cannot_be_read_is_an_error():
    demisto.setup(context=chain(), incident={"id": "7"})
    original = demisto.executeCommand

    def failing(command, args):
        return [{"Type": 4, "Contents": "getEntries is not allowed", "ContentsFormat": "text"}]

    demisto.executeCommand = failing
    try:
        with pytest.raises(SystemExit):
            script.main()
    finally:
        demisto.executeCommand = original
    entry = demisto.recorded_results[-1]
    assert (
        entry["Type"] == 4
        and "The war room could not be read: getEntries is not allowed" in entry["Contents"]
    )
