"""Test double of XSOAR's ``demistomock`` module.

The real module is injected by the XSOAR server at run time and is not published on PyPI. This
double keeps the functions the DORA Bridge integrations call, with the real signatures, and
records what the integration hands to the server so tests can assert on it. ``setup()`` and
the ``recorded`` attributes are test-only additions.
"""

from __future__ import annotations

import atexit
import base64
import copy
import json
import re
import shutil
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

_params: dict[str, Any] = {}
_args: dict[str, Any] = {}
_command: str = ""
_last_run: dict[str, Any] = {}
_integration_context: dict[str, Any] = {}
_incident: dict[str, Any] = {}
_context: dict[str, Any] = {}
#: Commands a script runs with ``executeCommand``, and the handlers that answer them.
recorded_commands: list[tuple[str, dict[str, Any]]] = []
command_handlers: dict[str, Any] = {}

#: Entries sent with ``results()`` (including those from ``return_results``/``return_error``).
recorded_results: list[Any] = []
#: Each list passed to ``incidents()``.
recorded_incidents: list[list[dict[str, Any]]] = []
#: Log lines as ``(level, message)``.
recorded_logs: list[tuple[str, str]] = []

#: Secrets handed to the integration in its parameters, and everything it sent out since the last
#: ``forget_emitted()``: a test checks that no secret reached a result, a log line, the context,
#: an incident or a file.
_secrets: set[str] = set()
_emitted: list[str] = []
_SECRET_KEYS = ("password", "secret", "token", "apikey", "api_key")
#: Parameters holding several secrets as `id: secret` lines (the retired chain keys).
_SECRET_LINES_KEYS = ("chain_retired_keys",)

#: What the server tells a command about where it runs and who ran it. ``context.ParentEntry`` is
#: the War Room entry that ran the command: ``user`` is the user name of the person who typed it
#: (read the same way by demisto/content's PerformActionOnCampaignIncidents); a command run by a
#: playbook task has the task in ``entryTask`` and no user (it runs as DBot).
callingContext: dict[str, Any] = {"context": {"IntegrationBrand": "DORA Bridge SOCRadar Incidents v4"}}  # noqa: N816 - the real name

#: The XSOAR users ``findUser`` knows, by user name: records shaped as the server's user objects
#: (``id``, ``username``, ``name``, ``email``, ``roles`` as ``{"demisto": [role names]}``).
users: dict[str, dict[str, Any]] = {}


def setup(
    *,
    params: dict[str, Any] | None = None,
    args: dict[str, Any] | None = None,
    command: str = "",
    last_run: dict[str, Any] | None = None,
    integration_context: dict[str, Any] | None = None,
    incident: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    keep_state: bool = False,
    user: str | None = None,
    playbook_task: dict[str, Any] | None = None,
) -> None:
    """Prepares one command run, as the server would before starting the integration.

    With ``keep_state`` the last run and integration context of the previous run are kept,
    as the server keeps them between fetches of one instance. ``user`` is the XSOAR user who
    typed the command in the War Room; ``playbook_task`` the task that ran it instead (then the
    command runs as DBot, with no user).
    """
    global _params, _args, _command, _last_run, _integration_context, _incident, _context
    callingContext["context"] = {
        **{k: v for k, v in callingContext.get("context", {}).items() if k != "ParentEntry"},
        "ParentEntry": {
            "user": "" if playbook_task else (user or ""),
            "entryTask": copy.deepcopy(playbook_task),
            "contents": f"!{command}",
        },
    }
    _collect_secrets(params or {})
    _params = copy.deepcopy(params or {})
    _args = copy.deepcopy(args or {})
    _command = command
    if not keep_state:
        _last_run = copy.deepcopy(last_run or {})
        _integration_context = copy.deepcopy(integration_context or {})
    elif last_run is not None:
        _last_run = copy.deepcopy(last_run)
    _incident = copy.deepcopy(incident or {})
    _context = copy.deepcopy(context or {})
    recorded_commands.clear()
    recorded_results.clear()
    recorded_incidents.clear()
    recorded_logs.clear()


def _collect_secrets(node: Any, key: str = "") -> None:
    if isinstance(node, str) and key in _SECRET_LINES_KEYS:
        for line in node.splitlines():
            secret = line.partition(":")[2].strip()
            if len(secret) >= 6:
                _secrets.add(secret)
        return
    if isinstance(node, dict):
        for k, v in node.items():
            _collect_secrets(v, k)
    elif isinstance(node, list):
        for v in node:
            _collect_secrets(v, key)
    elif isinstance(node, str) and len(node) >= 6 and any(s in key.lower() for s in _SECRET_KEYS):
        _secrets.add(node)
    elif (
        isinstance(node, str)
        and key.lower() in ("dsn", "pg_dsn")
        and "@" in node
        and ":" in node.split("@")[0]
    ):
        _secrets.add(node.split("@")[0].rsplit(":", 1)[1])


def forget_emitted() -> None:
    _emitted.clear()
    _secrets.clear()


def encodings(secret: str) -> set[str]:
    """A secret as it could leave in an output: as is, hex, base64 (standard and URL-safe, with or
    without padding), percent-encoded, JSON-escaped."""
    raw = secret.encode()
    b64 = base64.b64encode(raw).decode()
    url = base64.urlsafe_b64encode(raw).decode()
    return {
        secret,
        raw.hex(),
        raw.hex().upper(),
        b64,
        b64.rstrip("="),
        url,
        url.rstrip("="),
        urllib.parse.quote(secret, safe=""),
        json.dumps(secret)[1:-1],
    }


def leaked_secrets() -> list[str]:
    """Secrets found, in any of their ``encodings``, in anything sent out since
    ``forget_emitted()``, or in the state kept."""
    state = json.dumps([_context, _incident, _last_run, _integration_context], default=str)
    files = ""
    if FILES_DIR.exists():
        files = "".join(p.read_text(errors="replace") for p in FILES_DIR.iterdir() if p.is_file())
    haystack = "\n".join(_emitted) + state + files
    return sorted(s for s in _secrets if any(form in haystack for form in encodings(s)))


def params() -> dict[str, Any]:
    return copy.deepcopy(_params)


def args() -> dict[str, Any]:
    return copy.deepcopy(_args)


def command() -> str:
    return _command


def incident() -> dict[str, Any]:
    return copy.deepcopy(_incident)


def findUser(username: str | None = None, email: str | None = None) -> dict[str, Any]:  # noqa: N802 - the real name
    """(Integration only, as in the real module.) The user with that user name or e-mail, as
    the server's user object; ``{}`` for a user the server does not know."""
    for record in users.values():
        if (username and record.get("username", "").lower() == username.lower()) or (
            email and (record.get("email") or "").lower() == email.lower()
        ):
            return copy.deepcopy(record)
    return {}


def investigation() -> dict[str, Any]:
    return {"id": str(_incident.get("investigationId") or _incident.get("id") or "1")}


#: Files written with ``fileResult``, as the server would attach them to the war room.
#: One folder per process: test runs of other checkouts on the same machine clear their own.
FILES_DIR = Path(tempfile.mkdtemp(prefix="xsoar-runtime-double-files-"))
atexit.register(shutil.rmtree, FILES_DIR, ignore_errors=True)


def context() -> dict[str, Any]:
    return copy.deepcopy(_context)


def executeCommand(command: str, args: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
    """(Script only, as on the server.) Built-in commands the scripts use are answered here:
    ``setIncident`` updates the incident (fields by cliName, ``sla``/``slaField`` on timer
    fields), ``startTimer``/``stopTimer`` mark a timer field. Others go to ``command_handlers``."""
    recorded_commands.append((command, copy.deepcopy(args)))
    custom = _incident.setdefault("CustomFields", {})
    if command == "setIncident":
        args = dict(args)
        sla, sla_field = args.pop("sla", None), args.pop("slaField", None)
        if sla_field:
            timer = custom.setdefault(sla_field, {})
            timer["sla"] = sla
        custom.update(args)
        return [{"Type": 1, "Contents": "done", "ContentsFormat": "text"}]
    if command in ("startTimer", "stopTimer", "pauseTimer"):
        timer = custom.setdefault(args["timerField"], {})
        timer["runStatus"] = {"startTimer": "running", "stopTimer": "ended", "pauseTimer": "paused"}[command]
        return [{"Type": 1, "Contents": "done", "ContentsFormat": "text"}]
    if command in command_handlers:
        return command_handlers[command](args)
    return [{"Type": 4, "Contents": f"Unsupported Command : {command}", "ContentsFormat": "text"}]


def incidents(incidents: list[dict[str, Any]] | None = None) -> None:
    """Hands fetched incidents to the server. The server stores them as JSON, so they must be
    JSON-serialisable; ``json.dumps`` here fails the test where the server would fail."""
    payload = incidents or []
    json.dumps(payload)
    recorded_incidents.append(copy.deepcopy(payload))
    _emitted.append(json.dumps(payload, default=str))
    results({"Type": 1, "Contents": json.dumps(payload), "ContentsFormat": "json"})


def setLastRun(obj: dict[str, Any]) -> None:  # noqa: N802 - the real name
    global _last_run
    _emitted.append(json.dumps(obj))
    _last_run = copy.deepcopy(obj)


def getLastRun() -> dict[str, Any]:  # noqa: N802
    return copy.deepcopy(_last_run)


def getIntegrationContext() -> dict[str, Any]:  # noqa: N802
    return copy.deepcopy(_integration_context)


def setIntegrationContext(context: dict[str, Any]) -> None:  # noqa: N802
    global _integration_context
    json.dumps(context)
    _integration_context = copy.deepcopy(context)


def results(results: Any) -> None:
    if isinstance(results, dict):
        json.dumps(results, default=str)
        _merge_entry_context(results.get("EntryContext"))
    _emitted.append(json.dumps(results, default=str))
    recorded_results.append(copy.deepcopy(results))


_DT = re.compile(r"^(?P<path>[^(]+)(?:\((?P<dt>.*)\))?$")
_DT_KEY = re.compile(r"val\.([A-Za-z0-9_]+)\s*&&\s*val\.\1\s*==\s*obj\.\1")


def _merge_entry_context(entry_context: Any) -> None:
    """Writes an entry's outputs into the incident context the way the server does:
    ``Prefix(val.K && val.K == obj.K)`` replaces the item with the same ``K`` and appends the
    others; a key without a condition is set when new, and turns into a list it appends to when it
    already holds a value."""
    if not isinstance(entry_context, dict):
        return
    for key, value in entry_context.items():
        m = _DT.match(key)
        if not m:
            continue
        parts = m.group("path").split(".")
        node = _context
        for part in parts[:-1]:
            nxt = node.get(part)
            if isinstance(nxt, list):
                nxt = nxt[-1] if nxt and isinstance(nxt[-1], dict) else None
            if not isinstance(nxt, dict):
                nxt = {}
                node[part] = nxt
            node = nxt
        leaf = parts[-1]
        new_items = copy.deepcopy(value if isinstance(value, list) else [value])
        keys = _DT_KEY.findall(m.group("dt") or "")
        if leaf not in node:
            node[leaf] = new_items if isinstance(value, list) else new_items[0]
            continue
        existing = node[leaf] if isinstance(node[leaf], list) else [node[leaf]]
        for item in new_items:
            match = None
            if keys and isinstance(item, dict):
                match = next(
                    (
                        i
                        for i, old in enumerate(existing)
                        if isinstance(old, dict) and all(old.get(k) == item.get(k) for k in keys)
                    ),
                    None,
                )
            if match is None:
                existing.append(item)
            else:
                existing[match] = item
        node[leaf] = existing


def _log(level: str, msg: Any, *args: Any) -> None:
    text = str(msg) % args if args else str(msg)
    _emitted.append(text)
    recorded_logs.append((level, text))


def debug(msg: Any, *args: Any) -> None:
    _log("debug", msg, *args)


def info(msg: Any, *args: Any) -> None:
    _log("info", msg, *args)


def error(msg: Any, *args: Any) -> None:
    _log("error", msg, *args)


def log(msg: Any) -> None:
    _log("info", msg)
