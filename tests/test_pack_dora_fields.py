"""Every incident field the DORA classifier reads is defined in the pack."""

from __future__ import annotations

import json
from pathlib import Path

from dora_bridge import classification_inputs

FIELDS_DIR = Path(__file__).parent.parent / "Packs" / "DORABridge" / "IncidentFields"
XSOAR_BUILTIN = {"occurred", "created"}


def test_each_incident_field_read_by_dora_classify_exists():
    defined = {json.loads(p.read_text())["cliName"] for p in FIELDS_DIR.glob("*.json")}
    read = {f for i in classification_inputs() for f in i["incident"]} - XSOAR_BUILTIN
    assert read <= defined, read - defined


def test_the_fields_the_script_writes_exist():
    from dora_bridge import incident_field_updates

    c = {"IsMajor": True, "Rule": "r", "RuleText": "t", "InputsHash": "h", "ClassifiedAt": "2026-01-01T00:00:00Z",
         "DetectedAt": "2026-01-01T00:00:00Z", "AwareAt": "2026-01-01T00:00:00Z", "ThresholdsMet": [], "Missing": [], "Criteria": []}  # fmt: skip
    d = {
        k: {"Status": "on-time", "Due": "2099-01-01T00:00:00Z", "TimerField": t}
        for k, t in [
            ("InitialNotification", "dorainitialnotificationsla"),
            ("IntermediateReport", "doraintermediatereportsla"),
            ("FinalReport", "dorafinalreportsla"),
        ]
    }
    u = incident_field_updates(classification=c, deadlines=d)
    defined = {
        json.loads(p.read_text())["cliName"]: json.loads(p.read_text())["type"]
        for p in FIELDS_DIR.glob("*.json")
    }
    for field in u["fields"]:
        assert field in defined, field
    for timer in u["timers"]:
        assert defined[timer["field"]] == "timer"


def test_each_incident_field_a_report_reads_exists():
    from dora_bridge import report_fields

    defined = {json.loads(p.read_text())["cliName"] for p in FIELDS_DIR.glob("*.json")}
    read = {
        s.split(".")[2]
        for f in report_fields()
        for s in f["sources"]
        if s.startswith("incident.CustomFields.")
    }
    assert read and read <= defined, read - defined
