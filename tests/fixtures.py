"""Shared fixtures: a local SOCRadar-compatible server on a fixed clock, and clients for it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from devtools.socradar_server import SocRadarServer
from dora_bridge import SocRadarClient

API_KEY = "sr-test-9f8e7d6c5b4a39281706"
# The DORA_IR schemas and report sample of the workplace, read in place (never copied here):
# DORA_BRIDGE_SHARED names the folder, else `shared/` beside the checkout.
ENTITY_PROFILE = Path(__file__).resolve().parent.parent / "devtools" / "entity_profile.json"
# The keys of an alarm's `alarm_type_details` in the v4 answer.
ALARM_TYPE_DETAIL_KEYS = (
    "alarm_main_type",
    "alarm_sub_type",
    "alarm_type_id",
    "alarm_generic_title",
    "alarm_default_risk_level",
    "alarm_default_mitigation_plan",
    "alarm_detection_and_analysis",
    "alarm_post_incident_analysis",
    "alarm_compliance_list",
)
SHARED = Path(
    os.environ.get("DORA_BRIDGE_SHARED") or Path(__file__).resolve().parent.parent.parent / "shared"
)
SCHEMAS = SHARED / "spec" / "schemas"
assert SCHEMAS.is_dir(), f"the shared DORA_IR schemas are not at {SCHEMAS}: set DORA_BRIDGE_SHARED"
COMPANY_ID = 789
NOW = datetime(2026, 11, 23, 9, 14, 0, tzinfo=timezone.utc)


def rfc3339(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def server() -> Iterator[SocRadarServer]:
    with SocRadarServer(api_key=API_KEY, company_id=COMPANY_ID) as srv:
        srv.set_now(NOW)
        yield srv


def make_client(srv: SocRadarServer, **kwargs: object) -> SocRadarClient:
    """A client with short timeouts and backoff, so retry tests run in milliseconds."""
    options: dict[str, object] = {
        "timeout_seconds": 2.0,
        "max_retries": 3,
        "backoff_seconds": 0.01,
        "retry_budget_seconds": 10.0,
    }
    options.update(kwargs)
    return SocRadarClient(srv.url, API_KEY, COMPANY_ID, **options)  # type: ignore[arg-type]


@pytest.fixture
def client(server: SocRadarServer) -> SocRadarClient:
    return make_client(server)


def instance_params(srv: SocRadarServer, **overrides: object) -> dict[str, object]:
    """XSOAR instance parameters as `demisto.params()` gives them, pointed at the local server."""
    params: dict[str, object] = {
        "url": srv.url,
        "credentials": {"identifier": "", "password": API_KEY},
        "company_id": str(COMPANY_ID),
        "insecure": False,
        "proxy": False,
        "isFetch": True,
        "incidentType": "DORA ICT Incident",
        "max_fetch": "10000",
        "first_fetch": "3 days",
        "status": ["OPEN"],
        "include_content": True,
        "include_entities": True,
        "include_company_id": False,
        "lookback_minutes": "15",
        "timeout": "5",
    }
    params.update(overrides)
    return params


#: The chain key of the test instances (a test secret: the secret scan looks for it in every
#: output, in any encoding).
CHAIN_KEY = {"identifier": "2026-11", "password": "dora-chain-test-key-7Hq2xV9mR4kP0sW8"}

#: The XSOAR users of the test world, as ``demisto.findUser`` returns them.
XSOAR_USERS: dict[str, dict[str, object]] = {
    "ana.ruiz": {"id": "ana.ruiz", "username": "ana.ruiz", "name": "Ana Ruiz",
                 "email": "ana.ruiz@zahlungsinstitut-beispiel.de", "roles": {"demisto": ["CISO"]}},
    "jonas.weber": {"id": "jonas.weber", "username": "jonas.weber", "name": "Jonas Weber",
                    "email": "jonas.weber@zahlungsinstitut-beispiel.de", "roles": {"demisto": ["Chief Risk Officer"]}},
    # Ana Ruiz's second account, holding the other role: one person still.
    "a.ruiz-cro": {"id": "a.ruiz-cro", "username": "a.ruiz-cro", "name": "Ana Ruiz",
                   "email": "Ana.Ruiz@zahlungsinstitut-beispiel.de", "roles": {"demisto": ["Chief Risk Officer"]}},
    "sam.doe": {"id": "sam.doe", "username": "sam.doe", "name": "Sam Doe",
                "email": "sam.doe@zahlungsinstitut-beispiel.de", "roles": {"demisto": ["Analyst"]}},
    "admin": {"id": "admin", "username": "admin", "name": "Admin",
              "email": "admin@zahlungsinstitut-beispiel.de", "roles": {"demisto": ["Administrator"]}},
}  # fmt: skip


def dora_params(**overrides: object) -> dict[str, object]:
    """DORA Bridge instance parameters for a German payment institution, with its chain key."""
    params: dict[str, object] = json.loads(ENTITY_PROFILE.read_text())
    params["chain_key"] = dict(CHAIN_KEY)
    params.update(overrides)
    return params


#: The triage defaults as src/triage/mod.rs (DEFAULT_RULES) and the integration README document
#: them, most specific first: (main type, sub type or None for the whole main type, outcome).
TRIAGE_DEFAULTS = [
    ("Cyber Threat Intelligence", "Botnet Infection", "candidate-ict-incident"),
    ("Cyber Threat Intelligence", "Data Leak", "candidate-ict-incident"),
    ("Cyber Threat Intelligence", "Stolen Credentials", "cyber-threat"),
    ("Cyber Threat Intelligence", None, "cyber-threat"),
    ("Supply Chain Security", "Vendor Breach", "candidate-ict-incident"),
    ("Supply Chain Security", None, "cyber-threat"),
    ("Attack Surface Management", "SSL Certificate Expiry", "not-dora-relevant"),
    ("Attack Surface Management", None, "cyber-threat"),
    ("Brand Protection", None, "cyber-threat"),
    ("Dark Web Intelligence", None, "cyber-threat"),
]
