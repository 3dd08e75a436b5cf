"""Test double of XSOAR's ``demistomock`` module.

The real module is injected by the XSOAR server at run time and is not published on PyPI. This
double keeps the functions the DORA Bridge integrations call, with the real signatures, and
records what the integration hands to the server so tests can assert on it. ``setup()`` and
the ``recorded`` attributes are test-only additions.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlsplit

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
#: an incident or a file, in any spelling a server or a message could give it (see ``spellings``).
#: Each spelling to look for, and the secret it spells.
_spellings: dict[str, str] = {}
_emitted: list[str] = []
_SECRET_KEYS = ("password", "secret", "token", "apikey", "api_key")
#: Secrets this long are also looked for by their head, as a message cut before it was scrubbed
#: leaves it (``client_secret=OAUTHCLIENT…``).
_HEAD_FROM = 16
_HEAD = 10

callingContext: dict[str, Any] = {"context": {"IntegrationBrand": "DORA Bridge SOCRadar Incidents v4"}}  # noqa: N816 - the real name


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
) -> None:
    """Prepares one command run, as the server would before starting the integration.

    With ``keep_state`` the last run and integration context of the previous run are kept,
    as the server keeps them between fetches of one instance.
    """
    global _params, _args, _command, _last_run, _integration_context, _incident, _context
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


def spellings(secret: str, user: str | None = None) -> list[str]:
    """The secret as given, percent-encoded (RFC 3986 and form encoding, upper- and lower-case
    hex), JSON-escaped, its head when it is long, and with a user the base64 of ``user:secret``
    that basic authentication sends (standard and URL-safe). ``Bearer <token>`` holds the token
    as given."""
    out = {secret, json.dumps(secret)[1:-1]}
    for encoded in (quote(secret, safe=""), quote_plus(secret, safe="")):
        out.add(encoded)
        out.add(re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded))
    if len(secret) >= _HEAD_FROM:
        out.add(secret[:_HEAD])
    if user is not None:
        pair = base64.b64encode(f"{user}:{secret}".encode()).decode()
        out.update({pair, pair.rstrip("="), pair.replace("+", "-").replace("/", "_")})
    return sorted(out)


def _add_secret(secret: str, user: str | None = None) -> None:
    for spelling in spellings(secret, user):
        _spellings.setdefault(spelling, secret)


def _collect_secrets(node: Any, key: str = "") -> None:
    if isinstance(node, dict):
        user = node.get("identifier")
        for k, v in node.items():
            if k == "password" and isinstance(v, str) and len(v) >= 6 and isinstance(user, str) and user:
                _add_secret(v, user)
            _collect_secrets(v, k)
    elif isinstance(node, list):
        for v in node:
            _collect_secrets(v, key)
    elif isinstance(node, str) and len(node) >= 6 and any(s in key.lower() for s in _SECRET_KEYS):
        _add_secret(node)
    elif isinstance(node, str) and "://" in node and "@" in node:
        # Credentials inside a URL (a DSN, or a URL typed with user:password@host).
        try:
            parts = urlsplit(node.strip())
            password = parts.password
        except ValueError:
            password = None
        if password and len(password) >= 4:
            _add_secret(unquote(password), unquote(parts.username or ""))


def forget_emitted() -> None:
    _emitted.clear()
    _spellings.clear()


def leaked_secrets() -> list[str]:
    """Secrets found in anything sent out since ``forget_emitted()``, or in the state kept."""
    state = json.dumps([_context, _incident, _last_run, _integration_context], default=str)
    files = ""
    if FILES_DIR.exists():
        files = "".join(p.read_text(errors="replace") for p in FILES_DIR.iterdir() if p.is_file())
    haystack = "\n".join(_emitted) + state + files
    return sorted({secret for spelling, secret in _spellings.items() if spelling in haystack})


def params() -> dict[str, Any]:
    return copy.deepcopy(_params)


def args() -> dict[str, Any]:
    return copy.deepcopy(_args)


def command() -> str:
    return _command


def incident() -> dict[str, Any]:
    return copy.deepcopy(_incident)


def investigation() -> dict[str, Any]:
    return {"id": str(_incident.get("investigationId") or _incident.get("id") or "1")}


#: Files written with ``fileResult``, as the server would attach them to the war room.
FILES_DIR = Path(tempfile.gettempdir()) / "xsoar-runtime-double-files"


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
