"""scripts/check-pack-zip.py, the check `make pack` runs on the uploadable pack zip.

The zip `make pack` builds is checked by `make pack` itself (and so by `make test`); these tests
show that the checker finds what it must find, on small packs and zips built here, and that its
standard-library YAML reader reads YAML as PyYAML does.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parent.parent


def _load_checker() -> Any:
    spec = importlib.util.spec_from_file_location("check_pack_zip", ROOT / "scripts" / "check-pack-zip.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


cpz = _load_checker()

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
PNG_URI = "data:image/png;base64," + base64.b64encode(PNG).decode()
DESCRIPTION = "Configure the instance with the API key."
GOOD_CODE = '''\
"""An integration."""

import json
from datetime import datetime

import demistomock as demisto
from CommonServerPython import *

from dora_bridge import EntityProfile
import dora_bridge._core


def helper(x):
    return json.dumps(x), datetime.now()


class Thing:
    pass


def main():
    demisto.results(helper(EntityProfile))


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
'''


def unify(code: str) -> str:
    """What demisto-sdk unify does to the runtime imports: the server provides them."""
    return "\n".join(
        line
        for line in code.splitlines()
        if line not in ("import demistomock as demisto", "from CommonServerPython import *")
    )


def make_pack(tmp_path: Path, code: str = GOOD_CODE) -> Path:
    pack = tmp_path / "Packs" / "P"
    integ = pack / "Integrations" / "X"
    integ.mkdir(parents=True)
    (pack / "pack_metadata.json").write_text(json.dumps({"name": "P", "currentVersion": "1.0.0"}))
    (integ / "X.yml").write_text(
        yaml.safe_dump(
            {
                "commonfields": {"id": "X Integration", "version": -1},
                "name": "X Integration",
                "script": {"script": "-", "type": "python", "subtype": "python3"},
            }
        )
    )
    (integ / "X.py").write_text(code)
    (integ / "X_image.png").write_bytes(PNG)
    (integ / "X_description.md").write_text(DESCRIPTION + "\n")
    (integ / "command_examples").write_text("!x-do\n")
    (pack / "IncidentFields").mkdir()
    (pack / "IncidentFields" / "incidentfield-A.json").write_text(
        json.dumps({"id": "incident_a", "name": "A"})
    )
    (pack / "Playbooks").mkdir()
    (pack / "Playbooks" / "playbook-B.yml").write_text(yaml.safe_dump({"id": "B", "name": "B", "tasks": {}}))
    (pack / "ReleaseNotes").mkdir()
    (pack / "ReleaseNotes" / "1_0_0.md").write_text("First.\n")
    return pack


def make_zip(
    tmp_path: Path,
    code: str | None = None,
    *,
    image: str | None = PNG_URI,
    description: str | None = "### Community Contributed Integration\n" + DESCRIPTION,
    leave_out: tuple[str, ...] = (),
    style: str | None = ">",
) -> Path:
    integration: dict[str, Any] = {
        "commonfields": {"id": "X Integration", "version": -1},
        "name": "X Integration",
        "script": {
            "script": unify(GOOD_CODE) if code is None else code,
            "type": "python",
            "subtype": "python3",
            "dockerimage": "dorabridge/xsoar-python3:0.1.0",
        },
    }
    if image is not None:
        integration["image"] = image
    if description is not None:
        integration["detaileddescription"] = description
    entries = {
        "pack_metadata.json": json.dumps({"name": "P"}),
        "README.md": "# P\n",
        "metadata.json": "{}",
        "Integrations/integration-X.yml": _dump_with_code_style(integration, style),
        "IncidentFields/incidentfield-A.json": json.dumps({"id": "incident_a", "name": "A"}),
        "Playbooks/playbook-B.yml": yaml.safe_dump({"id": "B", "name": "B", "tasks": {}}),
    }
    path = tmp_path / "P.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in entries.items():
            if name not in leave_out:
                zf.writestr(name, text)
    return path


def _dump_with_code_style(data: dict[str, Any], style: str | None) -> str:
    """YAML with multi-line strings in ``style`` (demisto-sdk writes the code folded, ``>``)."""

    class Dumper(yaml.SafeDumper):
        pass

    def represent_str(dumper: yaml.SafeDumper, s: str) -> yaml.Node:
        return dumper.represent_scalar("tag:yaml.org,2002:str", s, style=style if "\n" in s else None)

    Dumper.add_representer(str, represent_str)
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, width=80)


def problems(tmp_path: Path, **kw: Any) -> list[str]:
    pack = make_pack(tmp_path, kw.pop("source", GOOD_CODE))
    return cpz.check_zip(make_zip(tmp_path, **kw), pack).problems


# --- the checks -------------------------------------------------------------------------------


@pytest.mark.parametrize("style", [">", "|", None])
def test_a_unified_zip_with_allowed_imports_passes(tmp_path, style):
    assert problems(tmp_path, style=style) == []


def test_code_left_out_of_the_yml_is_not_unified(tmp_path):
    [p] = problems(tmp_path, code="-")
    assert "Integrations/integration-X.yml (X Integration): not unified" in p


def test_an_import_production_lacks_is_named_with_its_file(tmp_path):
    code = unify(GOOD_CODE).replace("import json\n", "import json\nimport requests\n")
    [p] = problems(tmp_path, code=code)
    assert "P.zip:Integrations/integration-X.yml (X Integration)" in p
    assert "import 'requests' (line 4 of the unified code) is missing in production" in p


@pytest.mark.parametrize(
    ("statement", "why"),
    [
        ("from .helpers import x", "a relative import"),
        ("import imp", "removed from the standard library in Python 3.12"),
        ("import telnetlib", "removed from the standard library in Python 3.13"),
        ("import importlib\nyaml = importlib.import_module('yaml')", "import 'yaml'"),
        ("mod = __import__('dateparser')", "import 'dateparser'"),
        ("def later():\n    import pandas", "import 'pandas'"),
        ("try:\n    import urllib3\nexcept ImportError:\n    pass", "import 'urllib3'"),
    ],
)
def test_imports_that_would_fail_in_production_are_found(tmp_path, statement, why):
    code = unify(GOOD_CODE).replace("import json\n", f"import json\n{statement}\n")
    found = problems(tmp_path, code=code)
    assert len(found) == 1 and why in found[0], found


def test_runtime_and_type_checking_imports_are_allowed(tmp_path):
    extra = (
        "import demistomock as demisto\nfrom CommonServerUserPython import *\n"
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import mypy_extensions\n"
    )
    code = unify(GOOD_CODE).replace("import json\n", f"import json\n{extra}")
    assert problems(tmp_path, code=code) == []


def test_a_function_lost_in_unifying_is_found(tmp_path):
    code = unify(GOOD_CODE).replace("class Thing:\n    pass\n", "")
    [p] = problems(tmp_path, code=code)
    assert "the unified code lacks Thing defined in" in p and p.endswith("X.py")


def test_code_without_main_is_found(tmp_path):
    code = unify(GOOD_CODE).replace("def main():", "def run():").replace("    main()", "    run()")
    found = problems(tmp_path, code=code)
    assert any("defines no main()" in p for p in found), found


def test_code_that_does_not_parse_is_found(tmp_path):
    [p] = problems(tmp_path, code="def main(:\n")
    assert "does not parse" in p


def test_the_image_and_description_must_be_embedded(tmp_path):
    found = problems(tmp_path, image=None, description=None)
    assert any("no image embedded" in p for p in found), found
    assert any("no detailed description embedded" in p for p in found), found
    (tmp_path / "P.zip").unlink()
    found = problems(tmp_path / "other", image="data:image/png;base64,aGVsbG8=", description="Other text.")
    assert any("not a base64 PNG" in p for p in found), found
    assert any("does not contain" in p and "X_description.md" in p for p in found), found


@pytest.mark.parametrize(
    ("entry", "what"),
    [
        ("IncidentFields/incidentfield-A.json", "IncidentFields item 'incident_a'"),
        ("Playbooks/playbook-B.yml", "Playbooks item 'B'"),
        ("Integrations/integration-X.yml", "Integrations item 'X Integration'"),
        ("pack_metadata.json", "pack_metadata.json is missing"),
    ],
)
def test_a_pack_item_missing_from_the_zip_is_named(tmp_path, entry, what):
    found = problems(tmp_path, leave_out=(entry,))
    assert any(what in p for p in found), found


def test_the_command_line_fails_with_one_line_per_problem(tmp_path, capsys):
    pack = make_pack(tmp_path)
    code = unify(GOOD_CODE).replace("import json\n", "import json\nimport requests\n")
    zip_path = make_zip(tmp_path, code=code)
    assert cpz.main([str(zip_path), "--pack", str(pack)]) == 1
    err = capsys.readouterr().err
    assert (
        "check-pack-zip: FAIL P.zip:Integrations/integration-X.yml (X Integration): import 'requests'" in err
    )
    assert cpz.main([str(tmp_path / "absent.zip")]) == 2


def test_the_command_line_passes_a_good_zip(tmp_path, capsys):
    pack = make_pack(tmp_path)
    assert cpz.main([str(make_zip(tmp_path)), "--pack", str(pack)]) == 0
    out = capsys.readouterr().out
    assert (
        "passed" in out and "custom image: dora_bridge" in out and "standard library: datetime, json" in out
    )


# --- the image of each integration and script (make pack DOCKER_IMAGE=...) ----------------------

CUSTOM = "dorabridge/xsoar-python3:0.1.0"
MARKETPLACE = "demisto/dora-bridge:1.0.0.1"


def _load_script(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


spi = _load_script("set-pack-image")


def test_code_that_imports_the_core_must_name_the_core_image(tmp_path):
    pack = make_pack(tmp_path)
    zip_path = make_zip(tmp_path)
    assert cpz.check_zip(zip_path, pack, CUSTOM).problems == []
    [p] = cpz.check_zip(zip_path, pack, MARKETPLACE).problems
    assert f"imports dora_bridge but runs in {CUSTOM}, not {MARKETPLACE}" in p


def test_code_without_the_core_must_run_on_demisto_python3(tmp_path):
    code = GOOD_CODE.replace("from dora_bridge import EntityProfile\nimport dora_bridge._core\n", "").replace(
        "helper(EntityProfile)", "helper(1)"
    )
    pack = make_pack(tmp_path, code)
    [p] = cpz.check_zip(make_zip(tmp_path, unify(code)), pack, CUSTOM).problems
    assert f"imports nothing of dora_bridge yet runs in {CUSTOM}, not a demisto/python3 tag" in p


def test_the_zip_is_switched_to_another_image_and_nothing_else_changes(tmp_path):
    pack = make_pack(tmp_path)
    zip_path = make_zip(tmp_path)
    with zipfile.ZipFile(zip_path) as zf:
        before = {n: zf.read(n) for n in zf.namelist()}
    assert spi.switch(zip_path, CUSTOM, MARKETPLACE) == ["Integrations/integration-X.yml"]
    with zipfile.ZipFile(zip_path) as zf:
        after = {n: zf.read(n) for n in zf.namelist()}
    changed = {n for n in before if before[n] != after[n]}
    assert changed == {"Integrations/integration-X.yml"} and set(after) == set(before)
    assert yaml.safe_load(after["Integrations/integration-X.yml"])["script"]["dockerimage"] == MARKETPLACE
    assert cpz.check_zip(zip_path, pack, MARKETPLACE).problems == []


def test_an_image_without_a_tag_is_refused(tmp_path, capsys):
    zip_path = make_zip(tmp_path)
    assert spi.main([str(zip_path), "--from", CUSTOM, "--to", "demisto/dora-bridge"]) == 2
    assert "--to must be an image with a tag" in capsys.readouterr().err
    assert spi.main([str(zip_path), "--from", "other/image:1", "--to", MARKETPLACE]) == 1
