"""Routing by the DORA triage, as XSOAR admins set it up: 200 SOCRadar alarms of mixed types
fetched by the SOCRadar integration from the local SOCRadar-compatible server, typed by the pack's
classifier, and run through the playbook of their incident type on the XSOAR runtime double (the
walker, tests/playbook_walker.py, follows sub-playbooks); and one incident walked from a cyber
threat, escalated by a person, to a person's decision against the system's verdict and the draft
of the initial notification.

The triage at ingestion is the fetch's: each incident carries the DORA Triage fields and the
rawJSON key ``dora_bridge.triage`` (outcome, rule, reason), and the test checks that both say the
same.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import demistomock as demisto
import DORABridge
import DORABridgeContext
import DORABridgeSOCRadar
import pytest
from harness import run_command

import dora_bridge
from devtools.cmdb_server import CmdbServer
from devtools.socradar_server import SocRadarServer
from tests.fixtures import API_KEY, COMPANY_ID, instance_params
from tests.playbook_walker import Integration, ManualTaskReached, Walk, playbook, select, split_path
from tests.test_playbook_walk import ASSET, connectors_instance, dora_instance, incident_from_socradar, parse

PACK = Path(__file__).resolve().parent.parent / "Packs" / "DORABridge"
CLASSIFIER = json.loads((PACK / "Classifiers/classifier-DORA_Bridge_SOCRadar_Classifier.json").read_text())
TYPES = {t["id"]: t for t in (json.loads(p.read_text()) for p in (PACK / "IncidentTypes").glob("*.json"))}
OUTCOME_TYPE = {
    "candidate-ict-incident": "DORA ICT Incident",
    "cyber-threat": "DORA Cyber Threat",
    "not-dora-relevant": "DORA Not Relevant Alarm",
}
APPROVER_ROLES = ("inputs.FirstApproverRole", "inputs.SecondApproverRole", "inputs.SubmitterRole")
ANALYST = "sam.doe"


def path(raw: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        raw = raw.get(part) if isinstance(raw, dict) else None
    return raw


def classify(raw: dict) -> str:
    """The incident type the pack's classifier gives the alarm: the value at its root, through its
    transformers (SetIfEmpty reading the alarm, as XSOAR's classifier does), looked up in its key
    map, else its default type."""
    c = CLASSIFIER["transformer"]["complex"]
    value = path(raw, c["root"])
    for t in c["transformers"]:
        assert t["operator"] == "SetIfEmpty", t
        default = t["args"]["defaultValue"]
        if value in (None, "", [], {}):
            value = (
                path(raw, default["value"]["simple"]) if default["isContext"] else default["value"]["simple"]
            )
    return CLASSIFIER["keyTypeMap"].get(value, CLASSIFIER["defaultIncidentType"])


class ExecutiveTaskReached(Exception):  # noqa: N818 - a stop, not an error
    pass


def executive(t: dict) -> bool:
    """A task where an executive decides: assigned to an approver or submitter role."""
    role = ((t.get("defaultassigneecomplex") or {}).get("complex") or {}).get("root")
    return t["type"] == "regular" and role in APPROVER_ROLES


def analyst(walk: Walk) -> str:
    return ANALYST


def stop_at_executive(walk: Walk) -> str:
    raise ExecutiveTaskReached


def fetch_alarms(count: int) -> list[dict]:
    """`count` alarms of every main type over the last two days, fetched by the SOCRadar
    integration from the local server as XSOAR would create incidents of them."""
    now = parse(dora_bridge.now())
    with SocRadarServer(api_key=API_KEY, company_id=COMPANY_ID) as srv:
        srv.set_now(now)
        srv.generate(count, seed=1614, start=now - timedelta(days=2), end=now - timedelta(minutes=5))
        out = run_command(
            DORABridgeSOCRadar.main, "fetch-incidents", instance_params(srv, status=[], first_fetch="3 days")
        )
        assert not [e for e in out if e.get("Type") == 4], out
        incidents = [i for batch in demisto.recorded_incidents for i in batch]
    assert len(incidents) == count
    return incidents


@pytest.fixture(scope="module")
def cmdb():
    with CmdbServer() as server:
        yield server


def world(incident: dict, cmdb: CmdbServer, manual: dict, n: int) -> Walk:
    kind = classify(json.loads(incident["rawJSON"]))
    book = playbook(TYPES[kind]["playbookId"])
    return Walk(
        book,
        incident={
            "id": str(9000 + n),
            "type": kind,
            "name": incident["name"],
            "occurred": incident["occurred"],
            "created": dora_bridge.now(),
            "CustomFields": dict(incident["CustomFields"]),
        },
        integrations={
            "DORA Bridge": Integration(DORABridge.main, dora_instance()),
            "DORA Bridge Context Connectors": Integration(DORABridgeContext.main, connectors_instance(cmdb)),
        },
        answers={},
        manual=manual,
    )


def test_200_fetched_alarms_are_routed_by_their_triage_and_no_executive_task_opens_before_it_could_be_major(
    cmdb, capsys
):
    fetched = fetch_alarms(200)
    executive_names = {
        t["task"]["name"]
        for name in ("DORA Classification", "DORA Report Approvals", "DORA Report Submission")
        for t in playbook(name)["tasks"].values()
        if executive(t)
    }
    manual = {
        "Review the not-major verdict": analyst,
        "Review the cyber threat; escalate it if it hit the entity's systems": analyst,
        **dict.fromkeys(executive_names, stop_at_executive),
    }
    by_outcome: Counter[str] = Counter()
    ends: Counter[tuple[str, str]] = Counter()
    for n, incident in enumerate(fetched):
        # The fetch set the triage: the DORA Triage fields and rawJSON say the same.
        triage = json.loads(incident["rawJSON"])["dora_bridge"]["triage"]
        fields = incident["CustomFields"]
        assert (fields["doratriageoutcome"], fields["doratriagerule"], fields["doratriagereason"]) == (
            triage["outcome"],
            triage["rule"],
            triage["reason"],
        )
        outcome = triage["outcome"]
        by_outcome[outcome] += 1
        # The classifier types the alarm by its triage.
        kind = classify(json.loads(incident["rawJSON"]))
        assert kind == OUTCOME_TYPE[outcome], (outcome, kind)
        walk = world(incident, cmdb, manual, n)
        stopped_at = None
        try:
            for _ in walk.run():
                pass
        except ExecutiveTaskReached:
            stopped_at = "awaiting a person's decision (major-incident playbook)"
        names = [name for _, name, _, _ in walk.trail]
        reached_executive = [k for k, *_ in walk.trail if executive(walk.index[k])]
        classification = walk.context.get("DORA", {}).get("Classification")
        newest = classification[-1] if isinstance(classification, list) else classification
        potentially_major = bool(newest) and (newest["IsMajor"] is True or newest["Determinate"] is False)
        if outcome == "candidate-ict-incident":
            # Each candidate's awareness is in its evidence chain from ingestion, with the triage.
            chain = walk.context["DORA"]["Audit"]
            (detection,) = [e for e in chain if e["Kind"] == "detection"]
            assert detection["Details"]["AwareAt"] == walk.incident["created"]
            assert detection["Details"]["RecordedAt"] == "ingestion"
            assert [e["Details"]["Outcome"] for e in chain if e["Kind"] == "triage"] == [outcome]
            assert "Pre-classify the incident under RTS 2024/1772" in names
            if potentially_major:
                assert stopped_at and "DORA Major Incident Notification" in {
                    k.split("/")[0] for k, *_ in walk.trail
                }
            else:
                assert walk.incident["status"] == 2 and "Not a major" in walk.incident["closeNotes"]
        else:
            assert not potentially_major or outcome != "candidate-ict-incident"
            assert walk.incident["status"] == 2, names
            assert walk.incident["closeNotes"], names
        if not potentially_major or outcome != "candidate-ict-incident":
            # No executive task for an alarm that is not potentially major.
            assert stopped_at is None and not reached_executive, (outcome, names)
        ends[(outcome, stopped_at or walk.trail[-2][1])] += 1
    with capsys.disabled():
        print(f"\n200 fetched alarms, DORA triage at ingestion: {dict(by_outcome)}")
        for (outcome, end), count in sorted(ends.items()):
            print(f"  {outcome:<24} {count:>4}  {end}")
    assert set(by_outcome) == set(OUTCOME_TYPE), by_outcome
    assert sum(by_outcome.values()) == 200


def test_a_cyber_threat_escalated_by_a_person_then_decided_major_against_the_system_is_drafted():
    """Triage -> escalate -> override -> draft: the botnet alarm triaged a cyber threat (by an
    admin's rule, say) runs the cyber-threat playbook; the analyst finds the asset compromised and
    re-triages it; the light triage pre-classifies it without the connectors (not major on the
    facts known so far: potentially major) and runs the major-incident playbook, where the CISO
    decides it is major against the system's verdict, with a reason; the initial notification is
    drafted and the clock runs from her decision."""
    start = parse(dora_bridge.now()) - timedelta(hours=2)
    incident = incident_from_socradar(start.strftime("%Y-%m-%dT%H:%M:%SZ"))
    incident["type"] = "DORA Cyber Threat"
    incident["CustomFields"].update(
        doratriageoutcome="cyber-threat",
        doratriagerule="triage_rules[0]",
        doratriagereason="botnet alarms are threat intelligence until the SOC confirms the host",
    )
    reason = f"{ASSET} is a card gateway host of ours; it beacons to the botnet C2"
    verdicts: list[str] = []

    def escalate(walk: Walk) -> str:
        out = walk.war_room(ANALYST, "dora-triage", {"outcome": "candidate-ict-incident", "reason": reason})
        assert not [e for e in out if e.get("Type") == 4], out
        return ANALYST

    def override(walk: Walk) -> str:
        c = walk.context["DORA"]["Classification"]
        newest = c[-1] if isinstance(c, list) else c
        verdicts.append(f"{newest['IsMajor']}/{newest['Determinate']}")
        out = walk.war_room(
            "ana.ruiz",
            "dora-decide",
            {
                "decision": "major",
                "reason": "card authorisations fail at the gateway; the figures are still coming",
            },
        )
        assert not [e for e in out if e.get("Type") == 4], out
        return "ana.ruiz"

    walk = Walk(
        playbook(TYPES["DORA Cyber Threat"]["playbookId"]),
        incident=incident,
        integrations={
            "DORA Bridge": Integration(DORABridge.main, dora_instance()),
            "DORA Bridge Context Connectors": Integration(DORABridgeContext.main, None),
        },
        answers={
            "Describe the incident for the initial notification": [
                ["A botnet-infected card gateway host disrupted card authorisations.", "it_security", "No"]
            ]
        },
        manual={
            "Review the cyber threat; escalate it if it hit the entity's systems": escalate,
            "Decide whether the incident is major": override,
        },
    )
    with pytest.raises(ManualTaskReached, match="Complete the initial notification"):
        for _ in walk.run():
            pass
    books = [k.split("/")[0] for k, *_ in walk.trail if "/" in k]
    assert "DORA ICT Incident Triage" in books and "DORA Report Drafting" in "/".join(
        k for k, *_ in walk.trail
    )
    # The system's verdict was not major on the facts known so far; the person's decision prevailed.
    assert verdicts == ["False/False"]
    chain = walk.context["DORA"]["Audit"]
    kinds = [(e["Kind"], e["Actor"]) for e in chain]
    assert kinds[:3] == [("detection", "DORA Bridge"), ("triage", "DORA Bridge"), ("triage", ANALYST)]
    triages = [e["Details"] for e in chain if e["Kind"] == "triage"]
    assert [(t["Outcome"], t["Rule"]) for t in triages] == [
        ("cyber-threat", "triage_rules[0]"),
        ("candidate-ict-incident", "a person's triage"),
    ]
    assert triages[1]["Reason"] == reason and triages[1]["Previous"] == "cyber-threat"
    (decision,) = [e for e in chain if e["Kind"] == "decision"]
    assert decision["Actor"] == "ana.ruiz" and decision["Details"]["Decision"] == "major"
    assert decision["Details"]["SystemVerdict"]["IsMajor"] is False
    # The clock runs from her decision: 4 hours, within 24 hours of awareness (RTS 2025/301 Art. 5(1)(a)).
    deadlines = walk.context["DORA"]["Deadlines"]
    clock = deadlines[-1] if isinstance(deadlines, list) else deadlines
    assert clock["Decision"]["State"] == "major" and clock["Decision"]["DecidedBy"] == "ana.ruiz"
    base = min(
        parse(decision["At"]) + timedelta(hours=4), parse(walk.incident["created"]) + timedelta(hours=24)
    )
    assert clock["InitialNotification"]["BaseDue"] == base.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert walk.incident["CustomFields"]["doraismajor"] is True
    # Drafted: the initial notification, its content in the chain.
    report = select(walk.context, split_path("DORA.Report(val.Type == 'initial')"))
    assert report and report["Validation"]["Schema"]
    assert any(e["Kind"] == "report-draft" and e["Details"]["Subject"] == "initial" for e in chain)


def test_the_classifier_falls_back_on_the_main_type_without_a_triage():
    """An alarm fetched without the triage (an earlier version) is typed by its main type; one of
    an unknown main type, or without one, is a candidate, so no alarm is lost."""
    assert classify({"alarm_type_details": {"alarm_main_type": "Brand Protection"}}) == "DORA Cyber Threat"
    assert (
        classify({"alarm_type_details": {"alarm_main_type": "Supply Chain Security"}}) == "DORA ICT Incident"
    )
    assert classify({"alarm_type_details": {"alarm_main_type": "Something New"}}) == "DORA ICT Incident"
    assert classify({}) == "DORA ICT Incident"
    both = {"alarm_type_details": {"alarm_main_type": "Brand Protection"}, "dora_bridge": {"triage": {}}}
    assert classify(both) == "DORA Cyber Threat"
    both["dora_bridge"]["triage"]["outcome"] = "candidate-ict-incident"
    assert classify(both) == "DORA ICT Incident"
    # Every outcome and main type the key map names is a type of the pack.
    assert set(CLASSIFIER["keyTypeMap"].values()) | {CLASSIFIER["defaultIncidentType"]} <= set(TYPES)
    assert {t: TYPES[t]["playbookId"] for t in OUTCOME_TYPE.values()} == {
        "DORA ICT Incident": "DORA ICT Incident Triage",
        "DORA Cyber Threat": "DORA Cyber Threat Triage",
        "DORA Not Relevant Alarm": "DORA Not Relevant Alarm",
    }


def test_a_candidate_conclusively_not_major_is_reviewed_and_closed_or_escalated_by_a_person(cmdb):
    """A data leak on the reporting warehouse (203.0.113.170: the Reporting service, neither
    critical nor authorised), the analyst having stated that no malicious access happened: the
    pre-classification is conclusive, not major. No executive task: an analyst reviews it and it
    is closed with the verdict; or an approver decides it major against the system and the
    major-incident playbook opens, at its decision task."""
    for escalate in (False, True):
        incident = {
            "id": "9801",
            "type": "DORA ICT Incident",
            "name": "SOCRadar 9801: Company data found leaked",
            "occurred": dora_bridge.now(),
            "created": dora_bridge.now(),
            "rawJSON": json.dumps({"dora_bridge": {"triage": {"outcome": "candidate-ict-incident"}}}),
            "CustomFields": {
                "dorasocradarasset": "203.0.113.170",
                "doratriageoutcome": "candidate-ict-incident",
                "doratriagerule": "default: sub type Data Leak",
                "doratriagereason": "company data found leaked",
                "doramaliciousunauthorizedaccess": False,
            },
        }

        def review(walk: Walk, escalate: bool = escalate) -> str:
            if escalate:
                out = walk.war_room(
                    "jonas.weber",
                    "dora-decide",
                    {"decision": "major", "reason": "the leak holds client data"},
                )
                assert not [e for e in out if e.get("Type") == 4], out
            return ANALYST

        walk = world(incident, cmdb, {"Review the not-major verdict": review}, 0)
        walk.manual["Decide whether the incident is major"] = stop_at_executive
        stopped, states = False, []
        try:
            for _, t in walk.run():
                if t["task"]["name"] in ("Run the awareness clock", "Read a person's decision"):
                    clock = walk.context["DORA"]["Deadlines"]
                    states.append((clock[-1] if isinstance(clock, list) else clock)["Decision"]["State"])
        except ExecutiveTaskReached:
            stopped = True
        c = walk.context["DORA"]["Classification"]
        newest = c[-1] if isinstance(c, list) else c
        assert (newest["IsMajor"], newest["Determinate"]) == (False, True), newest["RuleText"]
        reached = [k for k, *_ in walk.trail if executive(walk.index[k])]
        if escalate:
            # The approver's decision opened the major path; its first executive task waits.
            assert stopped and "DORA Major Incident Notification" in "".join(k for k, *_ in walk.trail)
            (decision,) = [e for e in walk.context["DORA"]["Audit"] if e["Kind"] == "decision"]
            assert (
                decision["Actor"] == "jonas.weber"
                and decision["Details"]["SystemVerdict"]["IsMajor"] is False
            )
            assert states == ["not-major", "major"]
        else:
            assert not stopped and not reached
            assert walk.incident["status"] == 2
            assert walk.incident["closeNotes"].startswith(
                "Not a major ICT-related incident (RTS 2024/1772 Art. 8): not major"
            )
            assert walk.incident["CustomFields"]["doraismajor"] is False
            assert states == ["not-major", "not-major"]
