"""What a SOC sees: the DORA dashboard's table of open incidents and threats (the
DORAOpenIncidentsWidget script over ``getIncidents`` on the runtime double), the dashboard and
widget files wired to the pack's script, types and fields, and the layout's facts section
(DORAFactsSection) filled from the context connectors' figures and the form answers.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import demistomock as demisto
import DORABridgeContext
import DORAFactsSection
import DORAOpenIncidentsWidget
import yaml
from harness import run_command

import dora_bridge
from devtools.cmdb_server import CmdbServer
from dora_bridge import EntityProfile
from dora_bridge.xsoar import context
from tests.fixtures import dora_params
from tests.test_playbook_walk import ASSET, connectors_instance, sample_outage

PACK = Path(__file__).resolve().parent.parent / "Packs" / "DORABridge"
DASHBOARD = json.loads((PACK / "Dashboards/dashboard-DORA_Bridge.json").read_text())
WIDGET = json.loads((PACK / "Widgets/widget-DORA_Open_Incidents_and_Deadlines.json").read_text())
LAYOUT = json.loads((PACK / "Layouts/layoutscontainer-DORA_ICT_Incident_Layout.json").read_text())


def now() -> datetime:
    return datetime.fromisoformat(dora_bridge.now().replace("Z", "+00:00"))


def iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def clock_for(classified: datetime) -> tuple[dict, dict]:
    """The DORA fields DORAApplyToIncident keeps on an incident classified major at `classified`
    (aware an hour earlier), and the initial notification's deadline, as the core computes them
    now (with the weekend and holiday relief of whatever day the anchor is)."""
    args = {
        "is_major": "true",
        "aware_at": iso(classified - timedelta(hours=1)),
        "classified_at": iso(classified),
    }
    # DORA.Deadlines as !dora-deadlines keeps it in context.
    deadlines = context(EntityProfile.from_params(dora_params()).deadlines(args, now=dora_bridge.now()))
    fields = dora_bridge.incident_field_updates(
        classification=None, deadlines=deadlines, reports=None, approvals=None
    )["fields"]
    return fields, deadlines["InitialNotification"]


def incident(n: int, kind: str, status: int = 1, **fields: object) -> dict:
    return {"id": str(n), "name": f"SOCRadar {n}", "type": kind, "status": status, "CustomFields": fields}


def widget_rows(search: str = "") -> list[dict]:
    out = run_command(DORAOpenIncidentsWidget.main, "DORAOpenIncidentsWidget", {}, {"searchQuery": search})
    (entry,) = out
    shown = json.loads(entry)
    assert shown["total"] == len(shown["data"])
    return shown["data"]


def test_the_widget_lists_open_dora_incidents_and_threats_overdue_first():
    t = now()
    # Ten days ago is overdue whatever relief applied; the others are as the core says now.
    overdue, late = clock_for(t - timedelta(days=10))
    soon, soon_clock = clock_for(t - timedelta(hours=3, minutes=30))
    later, later_clock = clock_for(t - timedelta(minutes=30))
    assert late["Status"] == "overdue" and overdue["doranextdue"] == late["Due"]
    demisto.incidents_db[:] = [
        incident(1, "DORA ICT Incident", **later, doratriageoutcome="candidate-ict-incident"),
        incident(2, "DORA Cyber Threat", doratriageoutcome="cyber-threat"),
        incident(3, "DORA ICT Incident", **overdue, doratriageoutcome="candidate-ict-incident"),
        incident(4, "DORA ICT Incident", **soon, doratriageoutcome="candidate-ict-incident"),
        incident(5, "DORA ICT Incident", status=2, **overdue),  # closed
        incident(6, "DORA Not Relevant Alarm", doratriageoutcome="not-dora-relevant"),
        incident(7, "Phishing", **overdue),  # not a DORA incident
    ]
    try:
        rows = widget_rows()
        by_id = {r["Incident"]: r for r in rows}
        # Open DORA incidents and threats only; overdue first, then by status and time left (the
        # incident id for the same due time: the weekend relief may give both the same).
        order = sorted(
            [(4, soon_clock), (1, later_clock)],
            key=lambda c: (["due-soon", "on-time"].index(c[1]["Status"]), c[1]["TimeLeftSeconds"], str(c[0])),
        )
        assert [r["Incident"] for r in rows] == [
            f"[{n}](#/Details/{n})" for n in (3, *(n for n, _ in order), 2)
        ]
        for n, clock in ((4, soon_clock), (1, later_clock)):
            row = by_id[f"[{n}](#/Details/{n})"]
            assert row["Status"] == clock["Status"] and row["Next report"] == "Initial notification"
            shown = re.fullmatch(r"(?:(\d+)d )?(\d+)h (\d+)m", row["Time left"])
            assert shown, row
            minutes = int(shown[1] or 0) * 1440 + int(shown[2]) * 60 + int(shown[3])
            assert abs(minutes * 60 - clock["TimeLeftSeconds"]) < 120, (row, clock)
        assert rows[0]["Status"] == "overdue" and rows[0]["Time left"].startswith("-")
        assert rows[0]["Due (UTC)"] == late["Due"][:16].replace("T", " ")
        assert rows[-1]["Status"] == "no DORA deadline" and rows[-1]["Due (UTC)"] == ""
        # The dashboard's search bar narrows the incidents.
        assert [r["Incident"] for r in widget_rows('doratriageoutcome:"cyber-threat"')] == [
            "[2](#/Details/2)"
        ]
        # The columns the widget declares are the rows' keys.
        assert [c["key"] for c in WIDGET["params"]["tableColumns"]] == list(rows[0])
    finally:
        demisto.incidents_db.clear()


def test_the_widget_pages_through_get_incidents():
    demisto.incidents_db[:] = [incident(n, "DORA Cyber Threat") for n in range(1, 1203)]
    try:
        assert len(widget_rows()) == 1202
    finally:
        demisto.incidents_db.clear()


def test_the_dashboard_and_widget_name_the_packs_script_types_and_fields():
    script = yaml.safe_load(
        (PACK / "Scripts/DORAOpenIncidentsWidget/DORAOpenIncidentsWidget.yml").read_text()
    )
    assert "widget" in script["tags"] and script["dockerimage"].startswith("demisto/python3:")
    assert (
        WIDGET["dataType"] == "scripts"
        and WIDGET["widgetType"] == "table"
        and WIDGET["query"] == script["name"]
    )
    widgets = [item["widget"] for item in DASHBOARD["layout"]]
    assert {w["query"] for w in widgets if w["dataType"] == "scripts"} == {script["name"]}
    types = {json.loads(p.read_text())["id"] for p in (PACK / "IncidentTypes").glob("*.json")}
    fields = {json.loads(p.read_text())["cliName"] for p in (PACK / "IncidentFields").glob("*.json")}
    for w in widgets:
        if w["dataType"] != "incidents":
            continue
        assert set(re.findall(r'type:"([^"]+)"', w["query"])) <= types, w["query"]
        for key in w["params"].get("groupBy", []):
            assert key in ("type", "status") or key.split(".")[0] in fields, key
    # The layout's dynamic sections run the pack's scripts.
    dynamic = [
        s
        for tab in LAYOUT["detailsV2"]["tabs"]
        for s in tab.get("sections", [])
        if s.get("type") == "dynamic"
    ]
    assert {s["query"] for s in dynamic} == {"DORAClockSection", "DORAFactsSection"}


def test_the_facts_section_shows_the_connectors_figures_and_the_form_answers_with_their_sources():
    start, end, countries = sample_outage()
    incident = {"id": "4711", "occurred": start, "created": end, "CustomFields": {"dorasocradarasset": ASSET}}
    context: dict = {}
    with CmdbServer() as cmdb:
        params = connectors_instance(cmdb)
        for command, args in (
            ("dora-ict-context", {}),
            ("dora-transaction-scope", {}),
            ("dora-geo-scope", {"client_countries": countries}),
        ):
            out = run_command(
                DORABridgeContext.main, command, params, args, incident=incident, context=context
            )
            assert not [e for e in out if e.get("Type") == 4], out
            context = demisto.context()
    context.setdefault("DORA", {})["IncidentReport"] = {
        "IncidentDescription": "Card authorisations failed at the gateway.",
        "DiscoveryMethod": "monitoring_systems",
    }
    incident["CustomFields"]["doraeconomicimpacteur"] = "125000"
    run_command(DORAFactsSection.main, "DORAFactsSection", {}, {}, incident=incident, context=context)
    (entry,) = demisto.recorded_results
    assert entry["ContentsFormat"] == "markdown"
    rows = {
        cells[0]: cells[1:]
        for line in entry["Contents"].splitlines()
        if line.startswith("| ") and not line.startswith("| Fact")
        for cells in [[c.strip() for c in line.strip("|").split(" | ")]]
    }
    clients = context["DORA"]["Context"]["Transactions"]["ClientsAffected"]
    assert rows["Clients affected"][0] == str(clients["Value"])
    assert rows["Clients affected"][1].startswith("DORA.Context.Transactions.ClientsAffected")
    states = context["DORA"]["Context"]["Geo"]["MemberStates"]["Value"]
    assert rows["Member States affected"][0] == ", ".join(states) and states
    assert rows["Critical services affected (Art. 6)"][0] == "yes"
    assert rows["Economic impact (EUR)"] == [
        "125000",
        "incident field doraeconomicimpacteur (set by a person)",
    ]
    assert rows["2.4 Description"] == [
        "Card authorisations failed at the gateway.",
        "DORA.IncidentReport.IncidentDescription (a form answer)",
    ]
    # Not known is said, never a zero.
    assert rows["4.6 Resolution"] == ["not known", ""]
    assert "fact(s) not known yet" in entry["Contents"]
