"""DORAApplyToIncident on the runtime double: fields and SLA timers set from context."""

from __future__ import annotations

import demistomock as demisto
import DORAApplyToIncident as script  # noqa: N813
import DORABridge
from harness import run_command

from tests.fixtures import dora_params


def classification_and_deadlines() -> dict:
    params = dora_params()
    c = run_command(
        DORABridge.main,
        "dora-classify",
        params,
        {"affected_services": "Card payments", "malicious_unauthorized_access": "true",
         "detected_at": "2099-01-05T08:00:00Z", "classified_at": "2099-01-05T09:00:00Z"},
    )[0]["Contents"]  # fmt: skip
    demisto.setup(
        params=params,
        command="dora-deadlines",
        args={"now": "2099-01-05T09:00:00Z"},
        context={"DORA": {"Classification": c}},
    )
    DORABridge.main()
    d = demisto.recorded_results[0]["Contents"]
    return {"DORA": {"Classification": [c], "Deadlines": d}}


def test_fields_and_timers_are_set():
    ctx = classification_and_deadlines()
    demisto.setup(args={}, context=ctx, incident={"id": "7", "CustomFields": {}})
    script.main()
    commands = [c for c, _ in demisto.recorded_commands]
    assert commands == ["setIncident", "setIncident", "startTimer"]
    fields = demisto.incident()["CustomFields"]
    assert fields["doraismajor"] is True
    assert fields["doraclassificationrule"] == "RTS 2024/1772 Art. 8(1)(a)"
    assert fields["dorainitialnotificationdue"] == "2099-01-05T13:00:00Z"
    assert "Initial notification: on-time" in fields["doradeadlinestatus"]
    timer = fields["dorainitialnotificationsla"]
    assert timer["runStatus"] == "running" and timer["sla"] > 0
    assert demisto.recorded_results[0]["HumanReadable"].startswith("### DORA incident fields updated")


def test_only_what_is_asked_is_applied():
    ctx = classification_and_deadlines()
    demisto.setup(args={"what": "classification"}, context=ctx, incident={"CustomFields": {}})
    script.main()
    assert [c for c, _ in demisto.recorded_commands] == ["setIncident"]
    assert "dorainitialnotificationdue" not in demisto.incident()["CustomFields"]


def test_nothing_in_context_is_a_clear_error():
    demisto.setup(args={}, context={}, incident={"CustomFields": {}})
    try:
        script.main()
    except SystemExit:
        pass
    (entry,) = demisto.recorded_results
    assert entry["Type"] == 4 and "run !dora-classify and !dora-deadlines first" in entry["Contents"]
    assert demisto.recorded_commands == []


def test_a_bad_argument_is_refused():
    demisto.setup(args={"what": "everything"}, context=classification_and_deadlines())
    try:
        script.main()
    except SystemExit:
        pass
    assert "what must be classification, deadlines or all" in demisto.recorded_results[0]["Contents"]
