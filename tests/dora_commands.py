"""The DORABridge integration run through its main() on the XSOAR runtime double: one command
alone, or an incident whose context and chain head carry over from command to command as on the
server; and the context paths an entry writes against those its yml declares."""

from __future__ import annotations

import json
from pathlib import Path

import demistomock as demisto
import DORABridge as integration  # noqa: N813
import yaml
from harness import run_command

from tests.fixtures import SCHEMAS, dora_params

INTEGRATION = Path(__file__).resolve().parent.parent / "Packs" / "DORABridge" / "Integrations" / "DORABridge"
YML = yaml.safe_load((INTEGRATION / "DORABridge.yml").read_text())


def run(
    command: str, args: dict | None = None, *, params: dict | None = None, incident=None, context=None
) -> dict:
    """The first entry one command sent, run alone in an incident with this context."""
    out = run_command(
        integration.main, command, params or dora_params(), args, incident=incident, context=context
    )
    assert out, "the command sent no entry"
    return out[0]


def declared(command: str) -> set[str]:
    (c,) = [c for c in YML["script"]["commands"] if c["name"] == command]
    return {o["contextPath"] for o in c.get("outputs", [])}


def written(entry: dict) -> set[str]:
    """Context paths an entry writes, down to one level inside lists of objects."""
    paths = set()
    for key, value in entry["EntryContext"].items():
        prefix = key.split("(")[0]
        for k, v in value.items():
            if isinstance(v, list) and v and isinstance(v[0], dict):
                paths |= {f"{prefix}.{k}.{sub}" for row in v for sub in row}
            elif isinstance(v, dict) and k in (
                "InitialNotification",
                "IntermediateReport",
                "FinalReport",
                "CyberThreatNotification",
            ):
                paths |= {f"{prefix}.{k}.{sub}" for sub in v}
            else:
                paths.add(f"{prefix}.{k}")
    return paths


REPORT_FACTS = {
    "FinancialEntityCode": "ZBG-2026-0117",
    "IncidentDescription": "Card payments failed for clients in Germany and Austria after a gateway failure.",
    "DiscoveryMethod": "monitoring_systems",
    "BusinessContinuityActivated": True,
}


def flow_params(**extra) -> dict:
    settings = {
        "primary_contact_name": "Ana Ruiz",
        "primary_contact_email": "ana.ruiz@zahlungsinstitut-beispiel.de",
        "primary_contact_phone": "+49 69 1234 5678",
        "report_schema": (SCHEMAS / "dora_ir_v1.3.0.json").read_text(),
        "report_schema_version": "IR-1.3.0",
    }
    return dora_params(**{**settings, **extra})


class Incident:
    """One incident: each command sees the context the previous ones wrote, and the instance keeps
    its integration context (the chain's head) between commands, as on the server."""

    def __init__(self, params: dict) -> None:
        self.params = params
        self.incident = {"id": "117", "created": "2026-11-23T09:14:00Z", "occurred": "2026-11-23T08:52:00Z"}
        self.context: dict = {"DORA": {"IncidentReport": dict(REPORT_FACTS)}}
        self.state: dict = {}

    def run(
        self, command: str, args: dict | None = None, *, user: str | None = "ana.ruiz", task=None
    ) -> list:
        out = run_command(
            integration.main,
            command,
            self.params,
            args or {},
            incident=self.incident,
            context=self.context,
            user=user,
            playbook_task=task,
            integration_context=self.state,
        )
        self.context = demisto.context()
        self.state = demisto.getIntegrationContext()
        return out

    def ok(self, command: str, args: dict | None = None, **who) -> list:
        out = self.run(command, args, **who)
        errors = [e for e in out if isinstance(e, dict) and e.get("Type") == 4]
        assert not errors, errors
        return out

    def refused(self, command: str, args: dict, **who) -> str:
        before = (json.dumps(self.context, sort_keys=True), json.dumps(self.state, sort_keys=True))
        out = self.run(command, args, **who)
        assert len(out) == 1 and out[0]["Type"] == 4, out
        assert (json.dumps(self.context, sort_keys=True), json.dumps(self.state, sort_keys=True)) == before, (
            "a refusal recorded something"
        )
        return out[0]["Contents"]

    def audit(self) -> list:
        return self.context["DORA"]["Audit"]


def report_of(out: list) -> dict:
    return out[0]["EntryContext"]["DORA.Report(val.Type && val.Type == obj.Type)"]
