"""Walks the "DORA Major Incident Notification" playbook task by task on the XSOAR runtime double
(the walker is tests/playbook_walker.py) for one incident fetched from a SOCRadar alarm, in the
world it runs in: the DORA Bridge and Context Connectors instances against the sample register,
the local CMDB and the sample payments data in PostgreSQL, and the answers people would give in
its forms. Walked to the authority and back to closure, stopped by a rejection of the Chief Risk
Officer, and ended as not major; and the test playbook XSOAR runs in CI passes on the double.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import demistomock as demisto
import DORABridge
import DORABridgeContext
import DORABridgeSOCRadar
import pytest
import yaml
from harness import run_command

import dora_bridge
from devtools.cmdb_server import CmdbServer
from devtools.socradar_server import SocRadarServer
from devtools.socradar_server.dates import format_alarm_date
from tests.fixtures import API_KEY, COMPANY_ID, SCHEMAS, dora_params, instance_params
from tests.playbook_walker import Integration, ManualTaskReached, Walk, select, split_path

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOK = yaml.safe_load(
    (ROOT / "Packs/DORABridge/Playbooks/playbook-DORA_Major_Incident_Notification.yml").read_text()
)
PLAYBOOKS = {
    p["name"]: p
    for p in (yaml.safe_load(f.read_text()) for f in (ROOT / "Packs/DORABridge/Playbooks").glob("*.yml"))
}
TEST_PLAYBOOK = yaml.safe_load(
    (ROOT / "Packs/DORABridge/TestPlaybooks/playbook-DORA_Major_Incident_Notification_Test.yml").read_text()
)
ASSET = "203.0.113.16"

# Form titles, where XSOAR puts the answers in context.
DESCRIBE = "Describe the incident for the initial notification"
FACTS_INTERMEDIATE = "Update the incident facts for the intermediate report"
FACTS_FINAL = "Record the root cause and the resolution for the final report"

# The manual tasks where people decide, each in the War Room under their own XSOAR user.
DECIDE_MAJOR = "Decide whether the incident is major"
CISO_INITIAL = "CISO: decide on the initial notification"
CRO_INITIAL = "Chief Risk Officer: decide on the initial notification"
SUBMIT_INITIAL = "Submit the initial notification to the competent authority"
CISO_INTERMEDIATE = "CISO: decide on the intermediate report"
CRO_INTERMEDIATE = "Chief Risk Officer: decide on the intermediate report"
SUBMIT_INTERMEDIATE = "Submit the intermediate report to the competent authority"
CISO_FINAL = "CISO: decide on the final report"
CRO_FINAL = "Chief Risk Officer: decide on the final report"
SUBMIT_FINAL = "Submit the final report to the competent authority"
REFERENCE = "BaFin-DORA-2026-0042"


# ---------------------------------------------------------------------------------------------
# The world the playbook runs in


def now() -> str:
    """The world's clock: the core's, which runs on from the test anchor."""
    return dora_bridge.now()


def parse(t: str) -> datetime:
    return datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def pg_dsn() -> str:
    dsn = os.environ.get("DORA_PG_DSN")
    assert dsn, (
        "DORA_PG_DSN is not set: run `scripts/postgres-server.sh start` and export its `env` (make test does)"
    )
    return dsn


def sample_outage() -> tuple[str, str, str]:
    """The window and countries of the outage in the sample payments data."""
    query = (
        "SELECT to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        " to_char(window_end AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), array_to_string(countries, ',')"
        " FROM payments.sample_outages LIMIT 1"
    )
    out = subprocess.run(["psql", pg_dsn(), "-Atc", query], capture_output=True, text=True, check=True)
    start, end, countries = out.stdout.strip().split("|")
    return start, end, countries


def dora_instance() -> dict:
    """The DORA Bridge instance: the entity's profile, its report contacts and the DORA_IR schema."""
    return dora_params(
        primary_contact_name="Ana Ruiz",
        primary_contact_email="ana.ruiz@zahlungsinstitut-beispiel.de",
        primary_contact_phone="+49 69 1234 5678",
        report_schema=(SCHEMAS / "dora_ir_v1.3.0.json").read_text(),
        report_schema_version="IR-1.3.0",
    )


def connectors_instance(cmdb: CmdbServer) -> dict:
    """The Context Connectors instance: the sample register, the local CMDB, the local PostgreSQL."""
    u = urlparse(pg_dsn())
    return {
        "register_path": str(ROOT / "devtools" / "register"),
        "cmdb_url": cmdb.url,
        "cmdb_credentials": {"identifier": "svc-dora", "password": "cmdb-password"},
        "cmdb_depth": "5",
        "transaction_source": "postgresql",
        "pg_host": u.hostname,
        "pg_port": str(u.port),
        "pg_database": u.path.lstrip("/"),
        "pg_credentials": {"identifier": u.username, "password": u.password},
        "pg_sslmode": "disable",
    }


def incident_from_socradar(occurred: str) -> dict:
    """A botnet alarm on 203.0.113.16 at `occurred`, fetched by the SOCRadar integration from the
    local SOCRadar-compatible server, as XSOAR makes an incident of it."""
    when = parse(occurred)
    with SocRadarServer(api_key=API_KEY, company_id=COMPANY_ID) as srv:
        alarms = srv.generate(40, seed=2026, start=when - timedelta(hours=6), end=when)
        botnet = next(a for a in alarms if a["alarm_type_details"]["alarm_sub_type"] == "Botnet Infection")
        for a in alarms:
            srv.remove_alarm(a["alarm_id"])
        # The infected host is the asset the sample register and CMDB know.
        alarm = json.loads(re.sub(re.escape(botnet["alarm_asset"]) + r"(?!\d)", ASSET, json.dumps(botnet)))
        alarm.update(status="OPEN", date=format_alarm_date(when))
        alarm.pop("alarm_status_reason", None)
        srv.add_alarm(alarm)
        days = (parse(now()) - when).days + 2  # the sample data may end before the anchor
        out = run_command(
            DORABridgeSOCRadar.main, "fetch-incidents", instance_params(srv, first_fetch=f"{days} days")
        )
        assert not [e for e in out if e.get("Type") == 4], out
        (fetched,) = [i for batch in demisto.recorded_incidents for i in batch]
    assert fetched["CustomFields"]["dorasocradarasset"] == ASSET and ASSET in fetched["name"]
    assert fetched["CustomFields"]["dorasocradaralarmsubtype"] == "Botnet Infection"
    return {
        "id": "4711",
        "name": fetched["name"],
        "type": "DORA ICT Incident",
        "severity": fetched["severity"],
        "occurred": fetched["occurred"],
        "created": now(),
        "dbotMirrorId": fetched["dbotMirrorId"],
        "CustomFields": dict(fetched["CustomFields"]),
    }


def analyst_completes_the_fields(walk: Walk) -> str:
    """First look at the classification: the analyst enters what no connector knows (the data
    lost, an estimate of the costs) in the incident's DORA fields and completes the task without
    deciding, so DORA Bridge classifies again."""
    walk.incident["CustomFields"].update(doradatalosses="availability", doraeconomicimpacteur="125000")
    return "ana.ruiz"


def decide(user: str, subject: str, decision: str = "approve", comment: str = "") -> Callable[[Walk], str]:
    """``user`` reviews the current draft and decides in the War Room, then completes the task."""

    def act(walk: Walk) -> str:
        args = {"subject": subject, "decision": decision, "comment": comment}
        if subject != "classification":
            args["content_hash"] = select(
                walk.context, split_path(f"DORA.Report(val.Type == '{subject}').ContentHash")
            )
        out = walk.war_room(user, "dora-approve", args)
        assert not [e for e in out if e.get("Type") == 4], out
        return user

    return act


def submit(user: str, subject: str) -> Callable[[Walk], str]:
    def act(walk: Walk) -> str:
        args = {"type": subject, "authority_reference": REFERENCE, "submitted_at": now()}
        out = walk.war_room(user, "dora-mark-submitted", args)
        assert not [e for e in out if e.get("Type") == 4], out
        return user

    return act


def in_turn(*steps: Callable[[Walk], str]) -> Callable[[Walk], str]:
    """A task reached several times: the next step each time."""
    queue = list(steps)
    return lambda walk: queue.pop(0)(walk)


def people(cro_decision: str = "approve") -> dict[str, Callable[[Walk], str]]:
    return {
        DECIDE_MAJOR: in_turn(
            analyst_completes_the_fields,
            decide(
                "ana.ruiz", "classification", comment="Card payments disrupted in DE and AT; thresholds met."
            ),
        ),
        CISO_INITIAL: decide("ana.ruiz", "initial", comment="Checked against the War Room figures."),
        CRO_INITIAL: decide(
            "jonas.weber",
            "initial",
            cro_decision,
            "Approved." if cro_decision == "approve" else "Impact understated.",
        ),
        SUBMIT_INITIAL: submit("ana.ruiz", "initial"),
        CISO_INTERMEDIATE: decide("ana.ruiz", "intermediate"),
        CRO_INTERMEDIATE: decide("jonas.weber", "intermediate"),
        SUBMIT_INTERMEDIATE: submit("ana.ruiz", "intermediate"),
        CISO_FINAL: decide("ana.ruiz", "final"),
        CRO_FINAL: decide("jonas.weber", "final"),
        SUBMIT_FINAL: submit("ana.ruiz", "final"),
    }


def answers(outage_end: str) -> dict[str, list]:
    return {
        DESCRIBE: [
            [
                "A botnet-infected host in the card-payment network disrupted authorisations: card payments"
                " failed for clients in Germany and Austria. The host was isolated and traffic moved to the"
                " standby gateway.",
                "it_security",
                "Yes",
            ]
        ],
        FACTS_INTERMEDIATE: [
            [
                "00:02:48",
                ["cybersecurity-related"],
                ["resource_hijacking"],
                f"{ASSET} beaconing to a botnet command-and-control server",
                "Card payments: authorisation of card transactions",
                "yes",
                "Card authorisation gateway",
                "no",
                ["none"],
                "Yes",
                "Traffic moved to the standby gateway; the infected host isolated.",
                outage_end,
            ]
        ],
        FACTS_FINAL: [
            lambda walk: [
                ["malicious_actions"],
                ["malicious_actions_deliberate_internal_actions"],
                [],
                "Malware on a workstation of the card-payment network joined a botnet.",
                "Host rebuilt, credentials rotated, egress filtering tightened.",
                now(),
                now(),
                "125000",
                "0",
                "",
                "",
            ]
        ],
    }


@pytest.fixture
def world():
    start, end, countries = sample_outage()
    with CmdbServer() as cmdb:
        walk = Walk(
            PLAYBOOK,
            incident=incident_from_socradar(start),
            integrations={
                "DORA Bridge": Integration(DORABridge.main, dora_instance()),
                "DORA Bridge Context Connectors": Integration(
                    DORABridgeContext.main, connectors_instance(cmdb)
                ),
            },
            answers=answers(end),
            inputs={"ClientCountries": countries},
            manual=people(),
        )
        yield walk, (start, end)


def newest(value: Any) -> Any:
    return value[-1] if isinstance(value, list) else value


def audit(walk: Walk) -> list[dict]:
    return walk.context["DORA"]["Audit"]


# ---------------------------------------------------------------------------------------------


def test_the_playbook_takes_a_socradar_alarm_to_the_authority(world):
    walk, (outage_start, _) = world
    assert "doradetectedat" not in walk.incident["CustomFields"] and walk.incident["occurred"] == outage_start

    classifications, checked = [], []
    for _, t in walk.run():
        name = t["task"]["name"]
        checked.append(name)
        if name == "Record the detection time":
            assert walk.incident["CustomFields"]["doradetectedat"] == walk.incident["created"]
        elif name == "Classify the incident under RTS 2024/1772":
            c = newest(walk.context["DORA"]["Classification"])
            classifications.append(c)
            assert c["IsMajor"] is True, c["RuleText"]
            sources = {crit["Key"]: " ".join(crit["Source"]) for crit in c["Criteria"]}
            assert "DORA.Context.ICT.AffectedServices (CMDB" in sources["critical-services"]
            assert "DORA.Context.Transactions." in sources["clients-counterparts-transactions"]
            assert "DORA.Context.Geo.MemberStates" in sources["geographical-spread"]
        elif name == "Start the DORA SLA timers":
            timer = walk.incident["CustomFields"]["dorainitialnotificationsla"]
            initial = newest(walk.context["DORA"]["Deadlines"])["InitialNotification"]
            # 4 hours, or to noon of the next working day when the limit falls on a weekend or
            # holiday (RTS 2025/301 Art. 5(4)): the SLA is the time left, in whole minutes.
            assert timer["runStatus"] == "running" and timer["sla"] > 0
            assert abs(timer["sla"] - -(-initial["TimeLeftSeconds"] // 60)) <= 1, (timer, initial)
            assert initial["Due"] == initial["BaseDue"] or initial["ReliefApplied"], initial
            assert walk.incident["CustomFields"]["doraismajor"] is True
        elif name == "Draft the initial notification (DORA_IR JSON)":
            report = select(walk.context, split_path("DORA.Report(val.Type == 'initial')"))
            assert report["Complete"] is True, report["Problems"]
            assert report["Validation"]["Valid"] is True, report["Validation"]["Errors"]
        elif name == CISO_INITIAL:
            # Only the CISO has decided: a submission now is refused.
            refused = walk.war_room("ana.ruiz", "dora-mark-submitted", {"type": "initial"})
            assert len(refused) == 1 and refused[0]["Type"] == 4, refused
            assert "before its 2 approvals" in refused[0]["Contents"], refused[0]["Contents"]
            walk.notes_by_hand.pop()
        elif name == "Is the initial notification recorded as submitted?":
            submitted = newest(walk.context["DORA"]["Submission"])["InitialNotification"]
            assert submitted["AuthorityReference"] == REFERENCE
        elif name == "Run the clock from the submission":
            clock = newest(walk.context["DORA"]["Deadlines"])
            submitted_at = newest(walk.context["DORA"]["Submission"])["InitialNotification"]["SubmittedAt"]
            assert clock["InitialNotification"]["Status"] == "submitted"
            assert clock["IntermediateReport"]["Due"] == (parse(submitted_at) + timedelta(hours=72)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
            assert clock["IntermediateReport"]["Status"] == "on-time"
        elif name == "Stop the initial timer and start the intermediate one":
            fields = walk.incident["CustomFields"]
            assert fields["dorainitialnotificationsla"]["runStatus"] == "ended"
            assert fields["doraintermediatereportsla"]["runStatus"] == "running"
            assert fields["doraintermediatereportsla"]["sla"] > 71 * 60
            initial_done = list(walk.trail)
        else:
            checked.pop()
    assert checked == [
        "Record the detection time",
        *["Classify the incident under RTS 2024/1772"] * 2,
        "Start the DORA SLA timers",
        "Draft the initial notification (DORA_IR JSON)",
        CISO_INITIAL,
        "Is the initial notification recorded as submitted?",
        "Run the clock from the submission",
        "Stop the initial timer and start the intermediate one",
    ]

    # Re-assessed once: two classifications, the second with the analyst's figures.
    assert [c["IsMajor"] for c in classifications] == [True, True]
    assert "data-losses" in {c["Key"] for c in classifications[1]["Criteria"] if c["Met"]}
    assert [k for k, _, _, _ in initial_done].count("DORA Classification/6") == 2

    # Every decision is in the evidence chain under the XSOAR user who made it, bound to the draft
    # the approvers reviewed; nothing a playbook task ran decided anything.
    h = select(walk.context, split_path("DORA.Report(val.Type == 'initial').ContentHash"))
    decisions = [e for e in audit(walk) if e["Kind"] == "approval" and e["Details"]["Subject"] == "initial"]
    assert [(e["Actor"], e["Details"]["Role"], e["Details"]["ContentHash"]) for e in decisions] == [
        ("ana.ruiz", "CISO", h),
        ("jonas.weber", "Chief Risk Officer", h),
    ]
    (submission_entry,) = [
        e for e in audit(walk) if e["Kind"] == "submission" and e["Details"]["Subject"] == "initial"
    ]
    assert submission_entry["Details"]["ContentHash"] == h and submission_entry["Actor"] == "ana.ruiz"
    deciders = {e["Actor"] for e in audit(walk) if e["Kind"] in ("approval", "rejection", "submission")}
    assert deciders == {"ana.ruiz", "jonas.weber"}
    # The approval tasks were completed by holders of the roles they are assigned to.
    roles = {walk.index[k]["task"]["name"]: walk.assigned_role(walk.index[k]) for k, _ in walk.completed_by}
    assert roles[CISO_INITIAL] == "CISO" and roles[CRO_INITIAL] == "Chief Risk Officer"

    # Walked to the end: intermediate and final reports submitted (each approved by both roles),
    # the chain verifies with the key against the head kept outside the incident, closed.
    verification = newest(walk.context["DORA"]["AuditVerification"])
    assert verification["Valid"] is True and verification["HeadChecked"] is True
    assert verification["Entries"] == len(audit(walk))
    assert walk.state["DORA Bridge"]["DoraAuditHeads"]["4711"]["Hash"] == audit(walk)[-1]["Hash"]
    kinds = [e["Kind"] for e in audit(walk)]
    assert kinds.count("submission") == 3
    for subject in ("intermediate", "final"):
        roles_approving = [
            e["Details"]["Role"]
            for e in audit(walk)
            if e["Kind"] == "approval" and e["Details"]["Subject"] == subject
        ]
        assert sorted(roles_approving) == ["CISO", "Chief Risk Officer"], subject
    clock = newest(walk.context["DORA"]["Deadlines"])
    assert [clock[k]["Status"] for k in ("InitialNotification", "IntermediateReport", "FinalReport")] == [
        "submitted"
    ] * 3
    fields = walk.incident["CustomFields"]
    assert [fields[f]["runStatus"] for f in ("doraintermediatereportsla", "dorafinalreportsla")] == [
        "ended"
    ] * 2
    assert walk.incident["status"] == 2
    assert verification["HeadHash"] in walk.incident["closeNotes"]
    # Every reference resolved, but the answers left empty on purpose.
    assert walk.unresolved == {(f"DORA Report Drafting/{k}", "value") for k in ("30", "37", "38")}
    # No manual task but those of the people deciding and submitting, and no branch for a
    # rejection or a broken chain, was needed.
    manual = {
        k
        for k, t in walk.index.items()
        if t["type"] == "regular" and not (t["task"].get("script") or t["task"].get("scriptName"))
    }
    people_tasks = {k for k in manual if walk.index[k]["task"]["name"] in people()}
    assert len(manual - people_tasks) == 7
    ran = {k for k, _, _, _ in walk.trail}
    assert not (manual - people_tasks) & ran, sorted((manual - people_tasks) & ran)


def test_a_rejection_by_the_chief_risk_officer_stops_the_submission(world):
    walk, _ = world
    walk.manual = people(cro_decision="reject")
    with pytest.raises(ManualTaskReached, match="Rework the initial notification"):
        for _ in walk.run():
            pass
    h = select(walk.context, split_path("DORA.Report(val.Type == 'initial').ContentHash"))
    (rejection,) = [e for e in audit(walk) if e["Kind"] == "rejection"]
    assert rejection["Actor"] == "jonas.weber" and rejection["Details"]["ContentHash"] == h
    refused = walk.war_room(
        "ana.ruiz", "dora-mark-submitted", {"type": "initial", "authority_reference": REFERENCE}
    )
    assert refused[0]["Type"] == 4 and "reject" in refused[0]["Contents"], refused
    assert "Submission" not in walk.context["DORA"]


def test_an_approval_task_is_completed_only_by_a_holder_of_its_role(world):
    walk, _ = world
    people_now = people()
    people_now[CRO_INITIAL] = lambda walk: "ana.ruiz"  # the CISO completes the CRO's task
    walk.manual = people_now
    with pytest.raises(
        AssertionError, match=r"is assigned to Chief Risk Officer and restricted to it: ana\.ruiz"
    ):
        for _ in walk.run():
            pass


def test_a_decision_typed_into_a_playbook_task_decides_nothing(world):
    """A playbook task runs !dora-approve as DBot: refused, and the playbook still waits for the
    approvers (the same for the playbook of an earlier version that took names from a form)."""
    walk, _ = world
    out = walk.war_room("ana.ruiz", "dora-classify", {})
    assert not [e for e in out if e.get("Type") == 4], out
    entries = run_command(
        DORABridge.main,
        "dora-approve",
        walk.integrations["DORA Bridge"].params,
        {"subject": "classification", "decision": "approve", "approver": "Ana Ruiz", "role": "CISO"},
        incident=walk.incident,
        context=walk.context,
        playbook_task={"taskId": "15", "taskName": "Record the approval of the classification"},
        integration_context=walk.state.get("DORA Bridge", {}),
    )
    assert entries[0]["Type"] == 4 and "Only a person can approve" in entries[0]["Contents"], entries
    assert not [e for e in demisto.context()["DORA"]["Audit"] if e["Kind"] == "approval"]


def test_not_major_ends_with_the_reason_and_no_clock(world):
    walk, _ = world
    jonas_rejects = decide(
        "jonas.weber", "classification", "reject", "The outage stayed within the standby capacity."
    )

    def jonas_decides_ana_completes(walk: Walk) -> str:
        # The Chief Risk Officer decides in the War Room; the CISO, to whom the task is assigned,
        # completes it. The decision is Jonas Weber's, read from the evidence chain.
        jonas_rejects(walk)
        return "ana.ruiz"

    walk.manual = {**people(), DECIDE_MAJOR: jonas_decides_ana_completes}
    for _ in walk.run():
        pass
    (rejection,) = [e for e in audit(walk) if e["Kind"] == "rejection"]
    assert rejection["Details"]["Subject"] == "classification" and rejection["Actor"] == "jonas.weber"
    clock = newest(walk.context["DORA"]["Deadlines"])
    assert clock["InitialNotification"]["Status"] == "not-required"
    assert walk.incident["CustomFields"]["doraismajor"] is False
    assert walk.notes == [
        "Not a major ICT-related incident (RTS 2024/1772 Art. 8), decided by jonas.weber (Chief Risk Officer): "
        "The outage stayed within the standby capacity."
    ]
    names = [name for _, name, _, _ in walk.trail]
    assert names[-1] == "Not major: no DORA report" and "Record why it is not major" in names
    assert not {CISO_INITIAL, DESCRIBE, "Start the DORA SLA timers"} & set(names)


def test_the_walker_reads_every_reference_the_playbooks_make():
    """Every `${...}` and `complex` reference in the pack's playbooks is one the walker resolves,
    every sub-playbook they run is in the pack and shares the context, and every form the
    major-incident playbook asks has its answers in the walk."""
    forms = set()
    for book in PLAYBOOKS.values():
        walk = Walk(book, incident={}, integrations={}, answers={})
        for t in book["tasks"].values():
            for v in (t.get("scriptarguments") or {}).values():
                walk.value(v)
            for c in t.get("conditions", []):
                for group in c["condition"]:
                    for o in group:
                        walk.holds(o)
            if t["type"] == "collection":
                forms.add(t["form"]["title"])
                assert t["form"]["title"] == t["task"]["name"]
                # A form goes to the report owner's role, and only its holders answer it.
                assert (
                    t["message"]["to"]
                    == t["defaultassigneecomplex"]
                    == {"complex": {"root": "inputs.ReportOwnerRole"}}
                )
                assert t["restrictedcompletion"] is True
            if t["type"] == "playbook":
                assert t["task"]["playbookName"] in PLAYBOOKS and t["separatecontext"] is False
            walk.value(t.get("defaultassigneecomplex"))
    assert forms == set(answers(""))
    # Every task where a person decides or submits is assigned to a role and restricted to it.
    named = {t["task"]["name"]: t for book in PLAYBOOKS.values() for t in book["tasks"].values()}
    for name in people():
        t = named[name]
        assert t["restrictedcompletion"] is True, name
        assert t["defaultassigneecomplex"]["complex"]["root"] in (
            "inputs.FirstApproverRole",
            "inputs.SecondApproverRole",
            "inputs.SubmitterRole",
        ), name
    # Housekeeping (field updates, context keys, status reads) runs in quiet mode.
    for t in named.values():
        task = t["task"]
        if task.get("scriptName") in ("SetAndHandleEmpty", "DORAApplyToIncident") or task.get("script") in (
            "Builtin|||setIncident",
            "DORA Bridge|||dora-approval-status",
        ):
            assert t["quietmode"] == 1, task["name"]


def test_the_test_playbook_passes_on_the_runtime_double():
    """The test playbook XSOAR runs in CI (no person, no forms) reaches Done: it drafts, sees that a
    playbook task can neither approve nor mark a report submitted, and verifies the chain."""
    assert PLAYBOOK["tests"] == [TEST_PLAYBOOK["id"]]
    walk = Walk(
        TEST_PLAYBOOK,
        incident={"id": "4712", "created": now(), "CustomFields": {}},
        integrations={"DORA Bridge": Integration(DORABridge.main, dora_instance())},
        answers={},
    )
    for _ in walk.run():
        pass
    assert walk.trail[-1][1] == "Done", walk.trail[-1]
    refusals = [e["Contents"] for k in ("12", "13") for e in walk.entries[k] if e.get("Type") == 4]
    assert len(refusals) == 2 and all("Only a person can" in r for r in refusals), refusals
    assert "Submission" not in walk.context["DORA"] and "Approval" not in walk.context["DORA"]
