"""DORAApplyToIncident on the runtime double: fields and SLA timers set from context."""

from __future__ import annotations

from datetime import datetime, timedelta

import demistomock as demisto
import DORAApplyToIncident as script  # noqa: N813
import DORABridge
from harness import run_command

import dora_bridge
from tests.anchor import ANCHOR, at, rfc3339
from tests.fixtures import dora_params


def parse(t: str) -> datetime:
    return datetime.fromisoformat(t.replace("Z", "+00:00"))


def deadlines(**args: str) -> dict:
    demisto.setup(params=dora_params(), command="dora-deadlines", args={"now": dora_bridge.now(), **args})
    DORABridge.main()
    return demisto.recorded_results[0]["Contents"]


def classification_and_deadlines() -> dict:
    params = dora_params()
    c = run_command(
        DORABridge.main,
        "dora-classify",
        params,
        {"affected_services": "Card payments", "malicious_unauthorized_access": "true",
         "detected_at": at(hours=-1), "classified_at": at(minutes=-30)},
    )[0]["Contents"]  # fmt: skip
    demisto.setup(
        params=params, command="dora-deadlines", args={"now": at()}, context={"DORA": {"Classification": c}}
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
    due = ctx["DORA"]["Deadlines"]["InitialNotification"]["Due"]
    assert fields["dorainitialnotificationdue"] == due
    assert "Initial notification: on-time" in fields["doradeadlinestatus"]
    timer = fields["dorainitialnotificationsla"]
    assert timer["runStatus"] == "running" and timer["sla"] > 0
    # The server dates the breach at start + sla: the SLA ends at the due time, to the minute.
    assert 0 <= (parse(timer["dueDate"]) - parse(due)).total_seconds() < 60, (timer, due)
    assert demisto.recorded_results[0]["HumanReadable"].startswith("### DORA incident fields updated")


def test_a_running_timer_keeps_its_start_and_breaches_after_the_due_time():
    ctx = classification_and_deadlines()
    incident = {"id": "7", "CustomFields": {}}
    demisto.setup(args={}, context=ctx, incident=incident)
    script.main()
    incident = demisto.incident()
    started = incident["CustomFields"]["dorainitialnotificationsla"]["startDate"]
    due = ctx["DORA"]["Deadlines"]["InitialNotification"]["Due"]
    later = rfc3339(parse(due) - timedelta(minutes=20))
    try:
        dora_bridge.set_clock(later, running=False)
        ctx["DORA"]["Deadlines"] = deadlines(classified_at=ctx["DORA"]["Classification"][0]["ClassifiedAt"],
                                              detected_at=at(hours=-1), is_major="true")  # fmt: skip
        demisto.setup(args={}, context=ctx, incident=incident)
        script.main()
        assert ("startTimer", {"timerField": "dorainitialnotificationsla"}) not in demisto.recorded_commands
        timer = demisto.incident()["CustomFields"]["dorainitialnotificationsla"]
        assert timer["startDate"] == started and timer["runStatus"] == "running"
        assert 0 <= (parse(timer["dueDate"]) - parse(due)).total_seconds() < 60, (timer, due)
        assert timer["breachTriggered"] is False
        dora_bridge.set_clock(rfc3339(parse(due) + timedelta(minutes=2)), running=False)
        assert demisto.incident()["CustomFields"]["dorainitialnotificationsla"]["breachTriggered"] is True
    finally:
        dora_bridge.set_clock(rfc3339(ANCHOR), running=True)


def test_a_timer_that_never_started_is_not_stopped():
    ctx = {"DORA": {"Deadlines": deadlines(detected_at=at(hours=-2), is_major="false")}}
    assert ctx["DORA"]["Deadlines"]["InitialNotification"]["Status"] == "not-required"
    demisto.setup(args={"what": "deadlines"}, context=ctx, incident={"id": "8", "CustomFields": {}})
    script.main()
    assert [c for c, _ in demisto.recorded_commands] == ["setIncident"], demisto.recorded_commands
    assert "dorainitialnotificationsla" not in demisto.incident()["CustomFields"]
    assert "none (never started)" in demisto.recorded_results[0]["HumanReadable"]


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
