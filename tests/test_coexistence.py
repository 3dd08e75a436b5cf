"""scripts/check-coexistence.py: the pack installs beside the official SOCRadar pack, and the
check fails as soon as a field, content id or context path of ours clashes with theirs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "Packs" / "DORABridge"
SCRIPT = ROOT / "scripts" / "check-coexistence.py"
SOCRADAR = ROOT / "scripts" / "coexistence" / "socradar-pack.json"
SOCRADAR_YML = Path("Integrations") / "DORABridgeSOCRadar" / "DORABridgeSOCRadar.yml"


def run(pack: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--pack", str(pack)], capture_output=True, text=True, check=False
    )


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    copy = tmp_path / "DORABridge"
    shutil.copytree(PACK, copy, ignore=shutil.ignore_patterns("*.png", "__pycache__"))
    return copy


def add_field(pack: Path, cli: str, typ: str, field_id: str | None = None) -> None:
    field = json.loads((PACK / "IncidentFields" / "incidentfield-DORA_Is_Major.json").read_text())
    field.update(cliName=cli, id=field_id or f"incident_{cli}", name=cli, type=typ)
    (pack / "IncidentFields" / f"incidentfield-{cli}.json").write_text(json.dumps(field, indent=4))


def test_the_pack_installs_beside_the_socradar_pack():
    result = run(PACK)
    assert result.returncode == 0, result.stderr
    assert "without a clash" in result.stdout
    # SOCRadar.Alarm is reused with the official types; the command names are the product's.
    reused = re.search(r"(\d+) context paths reused with the SOCRadar pack's types: (.*)", result.stdout)
    assert reused and int(reused.group(1)) >= 5 and "SOCRadar.Alarm.ID" in reused.group(2)
    shared = re.search(r"(\d+) command names shared", result.stdout)
    assert shared and int(shared.group(1)) >= 7
    assert "socradar-mark-resolved (SOCRadarIncidentsMultiTenant, SOCRadarIncidentsV4)" in result.stdout


def test_every_field_of_ours_is_under_the_dora_prefix():
    for path in (PACK / "IncidentFields").glob("*.json"):
        field = json.loads(path.read_text())
        assert field["cliName"].startswith("dora") and field["name"].startswith("DORA "), path.name


def test_a_field_with_their_id_and_another_type_fails(pack: Path):
    add_field(pack, "socradarcompliance", "longText")
    result = run(pack)
    assert result.returncode == 1
    assert "socradarcompliance (incident_socradarcompliance)" in result.stderr
    assert "longText here, html there" in result.stderr
    assert "1 clash(es)" in result.stderr


def test_a_field_with_their_id_and_their_type_fails_too(pack: Path):
    # XSOAR keeps one field per id: the pack installed last would redefine the other's field.
    add_field(pack, "socradarcompanyid", "shortText")
    result = run(pack)
    assert result.returncode == 1 and "(the same type)" in result.stderr


def test_a_field_named_as_their_fetch_writes_fails(pack: Path):
    add_field(pack, "socradarcontentdnsinformation", "longText")
    result = run(pack)
    assert result.returncode == 1
    assert "socradarcontentdnsinformation is a CustomFields key" in result.stderr


def test_a_context_path_with_another_type_fails(pack: Path):
    yml = pack / SOCRADAR_YML
    text = yml.read_text()
    clashing = re.sub(
        r"(- contextPath: SOCRadar\.Alarm\.ID\n\s+description: [^\n]*\n\s+type: )String", r"\1Number", text
    )
    assert clashing != text
    yml.write_text(clashing)
    result = run(pack)
    assert result.returncode == 1
    assert "context path SOCRadar.Alarm.ID is Number here, String in" in result.stderr


def test_a_scalar_where_they_have_keys_fails(pack: Path):
    yml = pack / SOCRADAR_YML
    text = yml.read_text()
    yml.write_text(
        text.replace(
            "    - contextPath: SOCRadar.Alarm.Message\n",
            "    - contextPath: SOCRadar.Alarm.ID.Value\n      description: x\n      type: String\n"
            "    - contextPath: SOCRadar.Alarm.Message\n",
            1,
        )
    )
    result = run(pack)
    assert result.returncode == 1
    assert "SOCRadar.Alarm.ID.Value puts keys under SOCRadar.Alarm.ID, a String" in result.stderr


def test_a_content_id_of_theirs_fails(pack: Path):
    kind = json.loads((PACK / "IncidentTypes" / "incidenttype-DORA_ICT_Incident.json").read_text())
    kind.update(id="SOCRadar Generic", name="SOCRadar Generic")
    (pack / "IncidentTypes" / "incidenttype-SOCRadar_Generic.json").write_text(json.dumps(kind))
    result = run(pack)
    assert result.returncode == 1
    assert "content id 'SOCRadar Generic' is the SOCRadar pack's IncidentTypes" in result.stderr


def test_the_socradar_data_names_its_sources():
    data = json.loads(SOCRADAR.read_text())
    assert data["pack"]["repository"] == "demisto/content"
    for entry in data["incident_fields"] + data["integrations"]:
        assert entry["source"].startswith("Packs/SOCRadar/") and re.fullmatch(
            r"[0-9a-f]{40}", entry["commit"]
        )
    types = {t for i in data["integrations"] for c in i["commands"].values() for t in c.values()}
    assert types <= {"String", "Number", "Boolean", "Date", "Unknown", "JSON"}
