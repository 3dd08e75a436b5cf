"""Every context output of the DORA commands carries a key field: a command run again in the same
incident replaces its previous output instead of piling up a list beside it, and two incidents
never share an entry."""

from __future__ import annotations

import json

from DORABridge_test import Incident, flow_params

from tests.anchor import at

PAST = [
    {"id": "INC-1", "occurred_at": at(days=-60), "root_cause": "expired TLS certificate", "affected_services": "Card payments"},
    {"id": "INC-2", "occurred_at": at(days=-20), "root_cause": "expired TLS certificate", "affected_services": "Card payments"},
]  # fmt: skip


def test_a_second_run_replaces_the_first_in_the_incidents_context():
    inc = Incident(flow_params())
    inc.ok("dora-classify", {"affected_services": "Card payments", "malicious_unauthorized_access": "true"})
    for command, args in [
        ("dora-deadlines", {}),
        ("dora-cyber-threat-assess", {"high_probability": "false"}),
        ("dora-recurring-check", {"incidents": json.dumps(PAST)}),
    ]:
        inc.ok(command, args)
        inc.ok(command, args)
    dora = inc.context["DORA"]
    for key in ("Deadlines", "CyberThreat", "Recurring"):
        assert isinstance(dora[key], dict), f"DORA.{key} piled up: {type(dora[key]).__name__}"
        assert dora[key]["IncidentId"] == inc.incident["id"]
