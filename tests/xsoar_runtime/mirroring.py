"""The XSOAR server's side of mirroring, as far as the tests need it, from what XSOAR documents
(developer docs, "Mirroring Integration"; the mappers' JSON format of demisto/content):

- an incident created from a fetched one: its own fields, then the incoming mapper on rawJSON;
- the mirroring job: ``get-modified-remote-data``, then ``get-remote-data`` for each returned id
  that is a mirrored incident; the first item of the answer goes through the incoming mapper,
  the others are added to the war room, ``dbotIncidentClose``/``dbotIncidentReopen`` close or
  reopen the incident, and a field whose value changed runs its trigger script in the incident;
- ``update-remote-system`` with the outgoing mapper's delta, the tagged entries and the status.

What XSOAR does not document is kept out: an error stops the run (the real job retries later).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import demistomock as demisto
from harness import run_command

PACK = Path(__file__).resolve().parents[2] / "Packs" / "DORABridge"
INCOMING = PACK / "Classifiers" / "classifier-mapper-incoming-DORA_Bridge_SOCRadar_Mapper.json"
OUTGOING = PACK / "Classifiers" / "classifier-mapper-outgoing-DORA_Bridge_SOCRadar_Outgoing_Mapper.json"
TYPE = "DORA ICT Incident"


def pack_fields() -> dict[str, dict[str, Any]]:
    """The pack's incident fields by display name."""
    fields = {}
    for path in (PACK / "IncidentFields").glob("*.json"):
        f = json.loads(path.read_text())
        fields[f["name"]] = f
    return fields


def _path(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def _transform(value: Any, transformers: list[dict[str, Any]]) -> Any:
    for t in transformers:
        if t["operator"] == "join" and isinstance(value, list):
            sep = t["args"]["separator"]["value"]["simple"]
            value = sep.join(str(v) for v in value)
        elif t["operator"] != "join":
            raise NotImplementedError(f"transformer {t['operator']} is not simulated")
    return value


def apply_mapper(mapper_file: Path, obj: dict[str, Any]) -> dict[str, Any]:
    """The values a mapper takes from `obj`, by target: a custom field by its cliName, a system
    field (severity, dbotMirrorId...) by its name. A path the object lacks maps nothing."""
    fields = pack_fields()
    mapping = json.loads(mapper_file.read_text())["mapping"][TYPE]["internalMapping"]
    out: dict[str, Any] = {}
    for target, rule in mapping.items():
        if rule.get("simple"):
            value = _path(obj, rule["simple"])
        else:
            value = _transform(_path(obj, rule["complex"]["root"]), rule["complex"]["transformers"])
        if value is None:
            continue
        if target in fields:
            out[fields[target]["cliName"]] = _as_field(value, fields[target]["type"])
        else:
            out[target] = str(value) if target == "dbotMirrorId" else value
    return out


def _as_field(value: Any, field_type: str) -> Any:
    """A mapped value as a text field stores it: numbers and booleans as their text."""
    if field_type in ("shortText", "longText", "url") and isinstance(value, (int, float, bool)):
        return str(value)
    return value


@dataclass
class Incident:
    id: str
    system: dict[str, Any]
    fields: dict[str, Any]
    war_room: list[dict[str, Any]] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def mirror_id(self) -> str:
        return str(self.system["dbotMirrorId"])

    def add_entry(self, entry: dict[str, Any]) -> None:
        self.war_room.append({**entry, "ID": f"{len(self.war_room) + 1}@{self.id}"})


SYSTEM = ("dbotMirrorId", "dbotMirrorDirection", "dbotMirrorInstance", "dbotMirrorTags", "severity")


def create(fetched: dict[str, Any], number: int) -> Incident:
    """An incident as the server creates it from a fetched one."""
    system = {k: fetched[k] for k in SYSTEM if k in fetched}
    system["status"] = 1
    fields = dict(fetched.get("CustomFields") or {})
    for target, value in apply_mapper(INCOMING, json.loads(fetched["rawJSON"])).items():
        (system if target in SYSTEM else fields)[target] = value
    return Incident(str(number), system, fields)


@dataclass
class MirroringJob:
    """The mirroring job of one integration instance."""

    main: Callable[[], None]
    params: dict[str, Any]
    incidents: list[Incident]
    #: Trigger scripts by id: ``main`` of the script module.
    scripts: dict[str, Callable[[], None]] = field(default_factory=dict)
    last_update: str = "0"
    errors: list[str] = field(default_factory=list)

    def _run(self, command: str, args: dict[str, Any], incident: Incident | None = None) -> list[Any]:
        entries = run_command(self.main, command, self.params, args, keep_state=True)
        failed = [e for e in entries if isinstance(e, dict) and e.get("Type") == 4]
        if failed:
            self.errors.append(str(failed[0]["Contents"]))
        return entries

    def sync_in(self) -> list[str]:
        """One run of the incoming job; the ids `get-remote-data` ran for."""
        self.errors.clear()
        entries = self._run("get-modified-remote-data", {"lastUpdate": self.last_update})
        if self.errors:
            return []
        ids = entries[0]["Contents"]
        ran = []
        for incident in self.incidents:
            if incident.mirror_id not in ids or incident.system.get("dbotMirrorDirection") not in (
                "In",
                "Both",
            ):
                continue
            answer = self._run("get-remote-data", {"id": incident.mirror_id, "lastUpdate": self.last_update})
            if self.errors:
                break  # "API rate limit": the job starts again from this incident next time
            ran.append(incident.mirror_id)
            if answer and answer[0]:
                self.apply(incident, answer[0][0], answer[0][1:])
        return ran

    def apply(self, incident: Incident, mirrored: dict[str, Any], entries: list[dict[str, Any]]) -> None:
        before = dict(incident.fields)
        for target, value in apply_mapper(INCOMING, mirrored).items():
            (incident.system if target in SYSTEM else incident.fields)[target] = value
        for entry in entries:
            contents = entry.get("Contents")
            if isinstance(contents, dict) and contents.get("dbotIncidentClose"):
                incident.system.update(
                    status=2, closeReason=contents.get("closeReason"), closeNotes=contents.get("closeNotes")
                )
            elif isinstance(contents, dict) and contents.get("dbotIncidentReopen"):
                incident.system["status"] = 1
            incident.add_entry(entry)
        triggers = {f["cliName"]: f.get("script") for f in pack_fields().values() if f.get("script")}
        for cli, script in triggers.items():
            if incident.fields.get(cli) != before.get(cli) and script in self.scripts:
                self.run_script(
                    incident, self.scripts[script], {"old": before.get(cli), "new": incident.fields[cli]}
                )

    def run_script(self, incident: Incident, main: Callable[[], None], args: dict[str, Any]) -> list[Any]:
        """A script run in the incident: its context and war room, kept afterwards."""
        demisto.setup(
            args=args,
            incident={"id": incident.id, "CustomFields": incident.fields},
            context=incident.context,
            entries=incident.war_room,
            keep_state=True,
        )
        try:
            main()
        except SystemExit:
            pass
        incident.context = demisto.context()
        return list(demisto.recorded_results)

    def sync_out(
        self,
        incident: Incident,
        changed: dict[str, Any],
        *,
        closing: dict[str, Any] | None = None,
        entries: list[dict[str, Any]] | None = None,
    ) -> list[Any]:
        """`update-remote-system` after the incident changed: `changed` holds the new values of
        changed fields (by cliName or system name), `closing` the close fields of a closing."""
        incident.fields.update({k: v for k, v in changed.items() if k not in SYSTEM})
        incident.system.update({k: v for k, v in changed.items() if k in SYSTEM})
        mapping = json.loads(OUTGOING.read_text())["mapping"][TYPE]["internalMapping"]
        delta = {
            remote: changed[rule["simple"]] for remote, rule in mapping.items() if rule["simple"] in changed
        }
        if closing:
            incident.system.update(status=2, **closing)
            delta.update(closing)
        data = {**incident.system, **incident.fields}
        args = {
            "remoteId": incident.mirror_id,
            "data": data,
            "delta": delta,
            "incidentChanged": bool(delta),
            "status": incident.system.get("status", 1),
            "entries": entries or [],
        }
        self.errors.clear()
        return self._run("update-remote-system", args, incident)
