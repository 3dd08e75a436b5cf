"""The incident fields the core writes and the ones the pack defines are the same set."""

from __future__ import annotations

import json
from pathlib import Path

import dora_bridge

FIELDS_DIR = Path(__file__).parent.parent / "Packs" / "DORABridge" / "IncidentFields"


def pack_fields() -> dict[str, dict]:
    fields = {}
    for path in FIELDS_DIR.glob("*.json"):
        field = json.loads(path.read_text())
        fields[field["cliName"]] = field
    return fields


def test_every_catalogue_field_is_defined_in_the_pack_with_its_name_and_type():
    defined = pack_fields()
    catalogue = {f["cli_name"]: f for f in dora_bridge.socradar_incident_fields()}
    # The SOCRadar alarm's fields, under the pack's prefix (the SOCRadar pack owns the bare names).
    socradar_defined = {k for k in defined if k.startswith("dorasocradar")}
    assert set(catalogue) == socradar_defined
    for cli, f in catalogue.items():
        assert defined[cli]["name"] == f["name"], cli
        assert defined[cli]["type"] == f["type"], cli
        assert defined[cli]["id"] == f"incident_{cli}"


def test_every_generated_content_key_has_a_field():
    from devtools.socradar_server import CONTENT_KEYS

    catalogue = {f["content_key"] for f in dora_bridge.socradar_incident_fields() if f["content_key"]}
    assert set(CONTENT_KEYS) == catalogue
