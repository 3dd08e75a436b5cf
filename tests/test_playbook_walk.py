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
TEST_PLAYBOOK = yaml.safe_load(
    (ROOT / "Packs/DORABridge/TestPlaybooks/playbook-DORA_Major_Incident_Notification_Test.yml").read_text()
)
ASSET = "203.0.113.16"

# Form titles, where XSOAR puts the answers in context.
CONFIRM = "Confirm the classification"
DESCRIBE = "Describe the incident for the initial notification"
CISO = "CISO approval of the initial notification"
CRO = "Chief Risk Officer approval of the initial notification"
SUBMIT_INITIAL = "Submit the initial notification to the competent authority"
FACTS_INTERMEDIATE = "Update the incident facts for the intermediate report"
APPROVE_INTERMEDIATE = "Approval of the intermediate report"
SUBMIT_INTERMEDIATE = "Submit the intermediate report to the competent authority"
FACTS_FINAL = "Record the root cause and the resolution for the final report"
APPROVE_FINAL = "Approval of the final report"
SUBMIT_FINAL = "Submit the final report to the competent authority"


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


def analyst_completes_the_fields(walk: Walk) -> list:
    """First look at the classification: the analyst enters what no connector knows (the data
    lost, an estimate of the costs) in the incident's DORA fields and asks for a re-assessment."""
    walk.incident["CustomFields"].update(doradatalosses="availability", doraeconomicimpacteur="125000")
    return ["Re-assess", "Ana Ruiz", "CISO", "Data losses and cost estimate entered."]


def submission(reference: str) -> Callable[[Walk], list]:
    return lambda walk: [reference, now(), "Ana Ruiz"]


def answers(outage_end: str, cro_decision: str = "approve") -> dict[str, list]:
    return {
        CONFIRM: [
            analyst_completes_the_fields,
            ["Yes", "Ana Ruiz", "CISO", "Card payments disrupted in DE and AT; thresholds met."],
        ],
        DESCRIBE: [
            [
                "A botnet-infected host in the card-payment network disrupted authorisations: card payments"
                " failed for clients in Germany and Austria. The host was isolated and traffic moved to the"
                " standby gateway.",
                "it_security",
                "Yes",
            ]
        ],
        CISO: [["Ana Ruiz", "approve", "Checked against the War Room figures."]],
        CRO: [
            ["Jonas Weber", cro_decision, "Approved." if cro_decision == "approve" else "Impact understated."]
        ],
        SUBMIT_INITIAL: [submission("BaFin-DORA-2026-0042")],
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
        APPROVE_INTERMEDIATE: [["Jonas Weber", "Chief Risk Officer", "approve", ""]],
        SUBMIT_INTERMEDIATE: [submission("BaFin-DORA-2026-0042")],
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
        APPROVE_FINAL: [["Ana Ruiz", "CISO", "approve", ""]],
        SUBMIT_FINAL: [submission("BaFin-DORA-2026-0042")],
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
            assert report["Complete"] is True, report["Missing"]
            assert report["Validation"]["Valid"] is True, report["Validation"]["Errors"]
        elif name == "Record the CISO's decision":
            # The Chief Risk Officer has not decided yet: a submission now is refused.
            refused = walk.try_task("35", {SUBMIT_INITIAL: ["BaFin-DORA-2026-0042", now(), "Ana Ruiz"]})
            assert len(refused) == 1 and refused[0]["Type"] == 4, refused
            assert "before its two approvals" in refused[0]["Contents"], refused[0]["Contents"]
        elif name == "Record the submission of the initial notification":
            submitted = walk.context["DORA"]["Submission"]["InitialNotification"]
            assert submitted["AuthorityReference"] == "BaFin-DORA-2026-0042"
        elif name == "Run the clock from the submission":
            clock = newest(walk.context["DORA"]["Deadlines"])
            submitted_at = walk.context["DORA"]["Submission"]["InitialNotification"]["SubmittedAt"]
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
        "Record the CISO's decision",
        "Record the submission of the initial notification",
        "Run the clock from the submission",
        "Stop the initial timer and start the intermediate one",
    ]

    # Re-assessed once: two classifications, the second with the analyst's figures.
    assert [c["IsMajor"] for c in classifications] == [True, True]
    assert "data-losses" in {c["Key"] for c in classifications[1]["Criteria"] if c["Met"]}
    assert [k for k, _, kind, _ in initial_done if kind == "collection"].count("13") == 2

    # The approvals are in the evidence chain, bound to the draft the approvers reviewed.
    h = select(walk.context, split_path("DORA.Report(val.Type == 'initial').ContentHash"))
    assert [walk.args[k] for k in ("29", "31")] == [
        {"subject": "initial", "approver": "Ana Ruiz", "role": "CISO", "decision": "approve",
         "comment": "Checked against the War Room figures.", "content_hash": h},
        {"subject": "initial", "approver": "Jonas Weber", "role": "Chief Risk Officer", "decision": "approve",
         "comment": "Approved.", "content_hash": h},
    ]  # fmt: skip
    decisions = [e for e in audit(walk) if e["Kind"] == "approval" and e["Details"]["Subject"] == "initial"]
    assert [(e["Actor"], e["Details"]["Role"], e["Details"]["ContentHash"]) for e in decisions] == [
        ("Ana Ruiz", "CISO", h),
        ("Jonas Weber", "Chief Risk Officer", h),
    ]
    (submission_entry,) = [
        e for e in audit(walk) if e["Kind"] == "submission" and e["Details"]["Subject"] == "initial"
    ]
    assert submission_entry["Details"]["ContentHash"] == h

    # Walked to the end: intermediate and final reports submitted, the chain verifies, closed.
    assert walk.context["DORA"]["AuditVerification"]["Valid"] is True
    assert walk.context["DORA"]["AuditVerification"]["Entries"] == len(audit(walk))
    kinds = [e["Kind"] for e in audit(walk)]
    assert kinds.count("submission") == 3
    clock = newest(walk.context["DORA"]["Deadlines"])
    assert [clock[k]["Status"] for k in ("InitialNotification", "IntermediateReport", "FinalReport")] == [
        "submitted"
    ] * 3
    fields = walk.incident["CustomFields"]
    assert [fields[f]["runStatus"] for f in ("doraintermediatereportsla", "dorafinalreportsla")] == [
        "ended"
    ] * 2
    assert walk.incident["status"] == 2
    assert walk.context["DORA"]["AuditVerification"]["HeadHash"] in walk.incident["closeNotes"]
    # Every reference resolved, but the answers left empty on purpose.
    assert walk.unresolved == {
        ("57", "comment"),
        ("68", "value"),
        ("75", "value"),
        ("76", "value"),
        ("82", "comment"),
    }
    # No manual task and no branch for a rejection or a broken chain was needed.
    manual = {
        k
        for k, t in walk.tasks.items()
        if t["type"] == "regular" and not (t["task"].get("script") or t["task"].get("scriptName"))
    }
    assert len(manual) == 7
    ran = {k for k, _, _, _ in walk.trail}
    assert not (manual | {"90"}) & ran, sorted(manual & ran)


def test_a_rejection_by_the_chief_risk_officer_stops_the_submission(world):
    walk, (_, outage_end) = world
    walk.answers = answers(outage_end, cro_decision="reject")
    with pytest.raises(ManualTaskReached, match="Rework the initial notification"):
        for _ in walk.run():
            pass
    h = select(walk.context, split_path("DORA.Report(val.Type == 'initial').ContentHash"))
    (rejection,) = [e for e in audit(walk) if e["Kind"] == "rejection"]
    assert rejection["Actor"] == "Jonas Weber" and rejection["Details"]["ContentHash"] == h
    refused = walk.try_task("35", {SUBMIT_INITIAL: ["BaFin-DORA-2026-0042", now(), "Ana Ruiz"]})
    assert refused[0]["Type"] == 4 and "reject" in refused[0]["Contents"], refused
    assert "Submission" not in walk.context["DORA"]


def test_not_major_ends_with_the_reason_and_no_clock(world):
    walk, _ = world
    walk.answers[CONFIRM] = [["No", "Ana Ruiz", "CISO", "The outage stayed within the standby capacity."]]
    for _ in walk.run():
        pass
    (rejection,) = [e for e in audit(walk) if e["Kind"] == "rejection"]
    assert rejection["Details"]["Subject"] == "classification"
    clock = newest(walk.context["DORA"]["Deadlines"])
    assert clock["InitialNotification"]["Status"] == "not-required"
    assert walk.incident["CustomFields"]["doraismajor"] is False
    assert walk.notes == [
        "Not a major ICT-related incident (RTS 2024/1772 Art. 8), decided by Ana Ruiz (CISO): "
        "The outage stayed within the standby capacity."
    ]
    assert walk.trail[-1][1] == "Record why it is not major"


def test_the_walker_reads_every_reference_the_playbook_makes():
    """Every `${...}` and `complex` reference in the playbook is one the walker resolves, and every
    form the playbook asks has its answers in the walk."""
    walk = Walk(PLAYBOOK, incident={}, integrations={}, answers={})
    forms = set()
    for t in PLAYBOOK["tasks"].values():
        for v in (t.get("scriptarguments") or {}).values():
            walk.value(v)
        for c in t.get("conditions", []):
            for group in c["condition"]:
                for o in group:
                    walk.holds(o)
        if t["type"] == "collection":
            forms.add(t["form"]["title"])
            assert t["form"]["title"] == t["task"]["name"]
    assert forms == set(answers(""))


def test_the_test_playbook_passes_on_the_runtime_double():
    """The test playbook XSOAR runs in CI (fixed answers, no forms) reaches Done."""
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
    assert walk.context["DORA"]["Submission"]["InitialNotification"]["AuthorityReference"] == "TEST-DORA-0001"
