#!/usr/bin/env python3
"""Check that Packs/DORABridge installs beside the official SOCRadar pack without a clash.

Usage: check-coexistence.py [--pack Packs/DORABridge] [--socradar scripts/coexistence/socradar-pack.json]

The SOCRadar pack's ids and types are kept as data (scripts/coexistence/socradar-pack.json, read
from demisto/content). XSOAR holds one definition per content id and one field per cliName, and
every integration writes into the same incident context, so this fails when:

- an incident field of ours has the id or the cliName of one of theirs, whatever its type: the
  pack installed last would redefine the other's field (their ``socradarcompliance`` is html, a
  longText of ours would turn it into another field under the same name);
- an incident field of ours has a cliName their SOCRadar Incidents v4 fetch writes into
  CustomFields without defining it (``socradaralarmid``, ``socradarcontent*``): defining it would
  make their incidents fill our field with their values;
- any other content item of ours (integration, script, incident type, layout, classifier, mapper,
  playbook) has the id of one of theirs;
- a context path of ours is one of theirs with another type, or one of the two is a scalar where
  the other has sub-keys (``SOCRadar.Alarm.ID`` a String there and a Number here would split
  one alarm into two context entries, their key field comparing "81171696" with 81171696).

Context paths shared with the same type are the intended reuse: our ``socradar-*`` commands write
``SOCRadar.Alarm`` exactly as theirs do, so a playbook reads the same keys whichever ran.
Command names shared with theirs are listed, not failed: they are the product's interface (the
README says to run them with ``using=`` when both integrations are configured).

Needs PyYAML (``make test`` runs it in .venv). Exit status: 0 no clash, 1 a clash, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PACK = ROOT / "Packs" / "DORABridge"
DEFAULT_DATA = ROOT / "scripts" / "coexistence" / "socradar-pack.json"
# A context value of one of these types has no sub-keys; Unknown and JSON may.
SCALAR_TYPES = frozenset({"String", "Number", "Boolean", "Date"})
# Content folders whose items carry a top-level "id".
ID_FOLDERS = ("IncidentTypes", "Layouts", "Classifiers", "Playbooks", "TestPlaybooks", "LayoutRules")


@dataclass
class Ours:
    fields: list[dict[str, Any]] = field(default_factory=list)  # id, cliName, type, file
    items: dict[str, str] = field(default_factory=dict)  # content id -> file
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)  # path -> {type: where}
    commands: dict[str, str] = field(default_factory=dict)  # command -> integration id


@dataclass
class Theirs:
    fields: dict[str, dict[str, Any]]  # lowercased id and cliName -> field
    written_keys: set[str]
    written_prefixes: tuple[str, ...]
    items: dict[str, str]  # content id -> what it is
    outputs: dict[str, dict[str, set[str]]]  # path -> {type: {integration.command}}
    commands: dict[str, set[str]]  # command -> integration ids


def _load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def _outputs(where: str, outputs: Any, into: dict[str, dict[str, str]]) -> None:
    for out in outputs or []:
        if isinstance(out, dict) and out.get("contextPath"):
            into.setdefault(str(out["contextPath"]), {}).setdefault(str(out.get("type") or "Unknown"), where)


def read_ours(pack: Path) -> Ours:
    ours = Ours()
    for path in sorted((pack / "IncidentFields").glob("*.json")):
        f = _load(path)
        ours.fields.append(
            {"id": f.get("id"), "cliName": f.get("cliName"), "type": f.get("type"), "file": path}
        )
        ours.items[str(f.get("id"))] = str(path)
    for folder in ("Integrations", "Scripts"):
        for path in sorted((pack / folder).glob("*/*.yml")):
            if path.stem != path.parent.name:
                continue
            data = _load(path)
            cid = str((data.get("commonfields") or {}).get("id"))
            ours.items[cid] = str(path)
            if folder == "Integrations":
                for cmd in (data.get("script") or {}).get("commands") or []:
                    ours.commands[cmd["name"]] = cid
                    _outputs(f"{path.name} {cmd['name']}", cmd.get("outputs"), ours.outputs)
            else:
                _outputs(path.name, data.get("outputs"), ours.outputs)
    for folder in ID_FOLDERS:
        for path in sorted((pack / folder).glob("*")):
            if path.suffix in (".json", ".yml") and not path.name.endswith("_README.md"):
                data = _load(path)
                if isinstance(data, dict):
                    cid = data.get("id", data.get("rule_id"))
                    if cid is not None:
                        ours.items[str(cid)] = str(path)
    return ours


def read_theirs(data_file: Path) -> Theirs:
    data = json.loads(data_file.read_text(encoding="utf-8"))
    fields: dict[str, dict[str, Any]] = {}
    items: dict[str, str] = {}
    for f in data["incident_fields"]:
        fields[f["id"].lower()] = f
        fields[f["cliName"].lower()] = f
        items[f["id"]] = "incident field"
    for kind, ids in data["content_items"].items():
        for cid in ids:
            items[cid] = kind
    outputs: dict[str, dict[str, set[str]]] = {}
    commands: dict[str, set[str]] = {}
    for integration in data["integrations"]:
        items[integration["id"]] = "integration"
        for name, paths in integration["commands"].items():
            commands.setdefault(name, set()).add(integration["id"])
            for path, typ in paths.items():
                outputs.setdefault(path, {}).setdefault(typ, set()).add(f"{integration['id']} {name}")
    written = data["custom_field_keys"]
    return Theirs(
        fields=fields,
        written_keys={k.lower() for k in written["keys"]},
        written_prefixes=tuple(p.lower() for p in written["prefixes"]),
        items=items,
        outputs=outputs,
        commands=commands,
    )


def _prefixes(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _is_scalar(types: Any) -> bool:
    return bool(set(types)) and set(types) <= SCALAR_TYPES


def check(ours: Ours, theirs: Theirs) -> tuple[list[str], list[str]]:
    """(clashes, notes)."""
    clashes: list[str] = []
    for f in ours.fields:
        where = Path(f["file"]).name
        for key in (str(f["id"]).lower(), str(f["cliName"]).lower()):
            if key in theirs.fields:
                t = theirs.fields[key]
                same = "the same type" if t["type"] == f["type"] else f"{f['type']} here, {t['type']} there"
                clashes.append(
                    f"{where}: incident field {f['cliName']} ({f['id']}) is the SOCRadar pack's "
                    f"{t['cliName']} ({same}); XSOAR keeps one field per id, so rename ours under the "
                    f"DORA prefix"
                )
                break
        else:
            cli = str(f["cliName"]).lower()
            if cli in theirs.written_keys or cli.startswith(theirs.written_prefixes):
                clashes.append(
                    f"{where}: incident field {f['cliName']} is a CustomFields key the SOCRadar "
                    f"Incidents v4 fetch writes; its incidents would fill our field, so rename ours "
                    f"under the DORA prefix"
                )
    for cid, where in sorted(ours.items.items()):
        what = theirs.items.get(cid)
        if what and not cid.lower().startswith("incident_"):
            clashes.append(f"{Path(where).name}: content id '{cid}' is the SOCRadar pack's {what}")
    for path, types in sorted(ours.outputs.items()):
        if len(types) > 1:
            clashes.append(
                f"context path {path} has two types in this pack: "
                + ", ".join(f"{t} ({w})" for t, w in sorted(types.items()))
            )
        mine = set(types)
        where = next(iter(types.values()))
        if path in theirs.outputs and set(theirs.outputs[path]) != mine:
            theirs_desc = "; ".join(
                f"{t} in {', '.join(sorted(w))}" for t, w in sorted(theirs.outputs[path].items())
            )
            clashes.append(f"{where}: context path {path} is {'/'.join(sorted(mine))} here, {theirs_desc}")
        for prefix in _prefixes(path):
            if prefix in theirs.outputs and _is_scalar(theirs.outputs[prefix]):
                clashes.append(
                    f"{where}: context path {path} puts keys under {prefix}, a "
                    f"{'/'.join(sorted(theirs.outputs[prefix]))} in the SOCRadar pack"
                )
        if _is_scalar(mine):
            below = sorted(p for p in theirs.outputs if p.startswith(path + "."))
            if below:
                clashes.append(
                    f"{where}: context path {path} is a {'/'.join(sorted(mine))} here; the SOCRadar "
                    f"pack has keys under it ({below[0]})"
                )
    shared_paths = sorted(p for p in ours.outputs if p in theirs.outputs)
    shared_commands = sorted(c for c in ours.commands if c in theirs.commands)
    notes = [
        f"{len(ours.fields)} incident fields, {len(ours.items)} content ids and {len(ours.outputs)} "
        f"context paths of ours against {len({f['id'] for f in theirs.fields.values()})} fields, "
        f"{len(theirs.items)} content ids and {len(theirs.outputs)} context paths of the SOCRadar pack",
        f"{len(shared_paths)} context paths reused with the SOCRadar pack's types: {', '.join(shared_paths) or '-'}",
        f"{len(shared_commands)} command names shared (run them with using= when both integrations "
        f"are configured): "
        + (
            ", ".join(f"{c} ({', '.join(sorted(theirs.commands[c]))})" for c in shared_commands)
            if shared_commands
            else "-"
        ),
    ]
    return clashes, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pack", type=Path, default=DEFAULT_PACK)
    parser.add_argument("--socradar", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    if not (args.pack / "pack_metadata.json").is_file():
        print(f"check-coexistence: {args.pack} is not a pack (no pack_metadata.json)", file=sys.stderr)
        return 2
    if not args.socradar.is_file():
        print(f"check-coexistence: {args.socradar} does not exist", file=sys.stderr)
        return 2
    clashes, notes = check(read_ours(args.pack), read_theirs(args.socradar))
    if clashes:
        for c in clashes:
            print(f"check-coexistence: CLASH {c}", file=sys.stderr)
        print(f"check-coexistence: {len(clashes)} clash(es) with the SOCRadar pack", file=sys.stderr)
        return 1
    print(f"check-coexistence: {args.pack} installs beside the SOCRadar pack without a clash")
    for note in notes:
        print(f"  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
