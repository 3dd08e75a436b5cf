"""The pack's mirroring pieces fit together: the integration's flags and mappers, the fields the
mappers name, the field trigger and its script, and the cliNames guide users are told about."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

import dora_bridge

PACK = Path(__file__).resolve().parent.parent / "Packs" / "DORABridge"
INTEGRATION = yaml.safe_load((PACK / "Integrations/DORABridgeSOCRadar/DORABridgeSOCRadar.yml").read_text())


def mapper(kind: str) -> dict:
    (path,) = [
        p
        for p in (PACK / "Classifiers").glob("classifier-mapper-*.json")
        if json.loads(p.read_text())["type"] == f"mapping-{kind}"
    ]
    return json.loads(path.read_text())


def fields_by(key: str) -> dict[str, dict]:
    out = {}
    for p in (PACK / "IncidentFields").glob("*.json"):
        f = json.loads(p.read_text())
        out[f[key]] = f
    return out


def test_the_integration_declares_mirroring_and_both_mappers():
    script = INTEGRATION["script"]
    assert (
        script["isfetch"] and script["ismappable"] and script["isremotesyncin"] and script["isremotesyncout"]
    )
    assert INTEGRATION["defaultmapperin"] == mapper("incoming")["id"]
    assert INTEGRATION["defaultmapperout"] == mapper("outgoing")["id"]
    direction = next(p for p in INTEGRATION["configuration"] if p["name"] == "mirror_direction")
    assert direction["options"] == ["None", "Incoming", "Outgoing", "Incoming And Outgoing"]
    assert direction["defaultvalue"] == "None"


def test_the_incoming_mapper_sets_what_xsoar_mirrors_by_and_names_only_pack_fields():
    internal = mapper("incoming")["mapping"]["DORA ICT Incident"]["internalMapping"]
    assert {"dbotMirrorId", "dbotMirrorDirection", "dbotMirrorInstance", "dbotMirrorTags"} <= set(internal)
    by_name = fields_by("name")
    system = {"dbotMirrorId", "dbotMirrorDirection", "dbotMirrorInstance", "dbotMirrorTags", "severity"}
    assert set(internal) - system <= set(by_name)


def test_the_outgoing_mapper_writes_the_fields_get_mapping_fields_lists():
    out = mapper("outgoing")["mapping"]["DORA ICT Incident"]["internalMapping"]
    assert set(out) == set(dora_bridge.SocRadarMirror.mapping_fields()["SOCRadar Alarm"])
    by_cli = fields_by("cliName")
    for rule in out.values():
        assert rule["simple"] == "severity" or rule["simple"] in by_cli


def test_field_triggers_run_pack_scripts_made_for_it():
    triggered = {f["cliName"]: f["script"] for f in fields_by("cliName").values() if f.get("script")}
    assert triggered == {"dorasocradarmirroredchanges": "DORARecordMirroredChanges"}
    script = yaml.safe_load(
        (PACK / "Scripts/DORARecordMirroredChanges/DORARecordMirroredChanges.yml").read_text()
    )
    assert "field-change-triggered" in script["tags"]


def test_the_pack_readme_gives_guide_users_every_content_field_cli_name():
    readme = (PACK / "README.md").read_text()
    content = [f for f in dora_bridge.socradar_incident_fields() if f["content_key"]]
    assert len(content) == 31
    for f in content:
        row = f"| `socradarcontent{f['content_key']}` | {f['name']} | `{f['cli_name']}` |"
        assert row in readme, f"the pack README does not list {f['cli_name']} for guide users"
