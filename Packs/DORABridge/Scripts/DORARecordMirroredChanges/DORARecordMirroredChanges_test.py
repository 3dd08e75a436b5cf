"""DORARecordMirroredChanges on the runtime double: records in the war room sealed once in the
incident's evidence chain, by the DORA Bridge integration that holds the chain key."""

from __future__ import annotations

import json

import demistomock as demisto
import DORABridge
import DORARecordMirroredChanges as script  # noqa: N813
import pytest
from harness import run_command

from dora_bridge import EntityProfile
from tests.fixtures import dora_params

INCIDENT = {"id": "7"}


# The DORA Bridge instance's integration context, where it records the chain's head.
STORE: dict = {}


@pytest.fixture(autouse=True)
def dora_bridge_instance():
    STORE.clear()
    demisto.integration_command("dora-record-mirrored-changes", DORABridge.main, dora_params(), STORE)
    yield
    demisto.command_handlers.pop("dora-record-mirrored-changes", None)


def verified(context: dict) -> bool:
    """The chain verifies with the key, against the head the integration recorded."""
    head = (STORE.get("DoraAuditHeads") or {}).get(INCIDENT["id"])
    result = EntityProfile.from_params(dora_params()).audit_verify(
        incident=INCIDENT, context=context, head=head
    )
    return result["valid"]


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
        incident=INCIDENT,
        integration_context=STORE,
    )
    STORE.update(demisto.getIntegrationContext())
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
    demisto.setup(args={"new": "x"}, context=context, incident=INCIDENT, entries=war_room())
    script.main()
    return demisto.recorded_results, demisto.context()


def test_records_are_sealed_once():
    context = chain()
    start = len(context["DORA"]["Audit"])
    results, after = run(context)
    audit = after["DORA"]["Audit"]
    sealed = [e["Details"]["Id"] for e in audit if e["Kind"] == "socradar-mirror"]
    assert sealed == ["rec1", "rec2", "rec3"], "tagged entries only, text or JSON"
    assert all(e["Mac"] and e["KeyId"] for e in audit), "keyed like every entry"
    assert len(audit) == start + 3 and verified(after)
    assert "3 new of 3" in results[0][0]["HumanReadable"]
    results, again = run(after)
    assert again["DORA"]["Audit"] == audit
    assert "0 new of 3" in results[0][0]["HumanReadable"]


def test_an_incident_without_a_chain_gets_none():
    results, after = run({})
    assert "DORA" not in after
    assert "no DORA evidence chain" in results[0][0]["HumanReadable"]


def test_a_chain_that_fails_verification_gets_nothing():
    context = chain()
    context["DORA"]["Audit"][0]["Actor"] = "someone else"
    demisto.setup(args={}, context=context, incident=INCIDENT, entries=war_room())
    with pytest.raises(SystemExit):
        script.main()
    entry = demisto.recorded_results[-1]
    assert entry["Type"] == 4 and "fails verification at entry 0" in entry["Contents"], entry["Contents"]
    assert not [e for e in demisto.context()["DORA"]["Audit"] if e["Kind"] == "socradar-mirror"]


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
