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
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlsplit

_params: dict[str, Any] = {}
_args: dict[str, Any] = {}
_command: str = ""
_last_run: dict[str, Any] = {}
_integration_context: dict[str, Any] = {}
#: Version of the integration context, as the server keeps it (``*Versioned`` calls).
_integration_context_version: int = 0
#: The integration instance's name (``integrationInstance()``).
_instance: str = "DORA Bridge SOCRadar Incidents v4_instance_1"
#: Entries of the incident's war room, as ``getEntries`` returns them.
war_room: list[dict[str, Any]] = []
_incident: dict[str, Any] = {}
_context: dict[str, Any] = {}
#: The incidents of the server, as ``getIncidents`` searches them (test-only: a test puts the
#: incidents the server would hold here).
incidents_db: list[dict[str, Any]] = []
#: Commands a script runs with ``executeCommand``, and the handlers that answer them.
recorded_commands: list[tuple[str, dict[str, Any]]] = []
command_handlers: dict[str, Any] = {}

#: Entries sent with ``results()`` (including those from ``return_results``/``return_error``).
recorded_results: list[Any] = []
#: Each list passed to ``incidents()``.
recorded_incidents: list[list[dict[str, Any]]] = []
#: Log lines as ``(level, message)``.
recorded_logs: list[tuple[str, str]] = []
#: Messages passed to ``updateModuleHealth`` in this run.
recorded_health: list[str] = []

#: What the double's server does with the incidents a fetch-incidents run sent before it failed:
#: ``"kept"`` (created anyway) or ``"dropped"``. XSOAR documents neither (see ``finish_run``);
#: the fetch tests run both.
failed_fetch_incidents: str = "kept"
#: The last run a fetch-incidents run set, applied when the run ends without an error.
_pending_last_run: dict[str, Any] | None = None
_fetch_run_open = False

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
    instance: str | None = None,
    entries: list[dict[str, Any]] | None = None,
    user: str | None = None,
    playbook_task: dict[str, Any] | None = None,
) -> None:
    """Prepares one command run, as the server would before starting the integration.

    With ``keep_state`` the last run and integration context of the previous run are kept,
    as the server keeps them between fetches of one instance. ``user`` is the XSOAR user who
    typed the command in the War Room; ``playbook_task`` the task that ran it instead (then the
    command runs as DBot, with no user).
    """
    global _params, _args, _command, _last_run, _integration_context, _incident, _context, _instance
    global _integration_context_version, _pending_last_run, _fetch_run_open
    callingContext["context"] = {
        **{k: v for k, v in callingContext.get("context", {}).items() if k != "ParentEntry"},
        "ParentEntry": {
            "user": "" if playbook_task else (user or ""),
            "entryTask": copy.deepcopy(playbook_task),
            "contents": f"!{command}",
        },
    }
    _collect_secrets(params or {})
    if instance is not None:
        _instance = instance
    war_room[:] = copy.deepcopy(entries or [])
    _params = copy.deepcopy(params or {})
    _args = copy.deepcopy(args or {})
    _command = command
    if not keep_state:
        _last_run = copy.deepcopy(last_run or {})
        _integration_context = copy.deepcopy(integration_context or {})
        _integration_context_version = 0
    elif last_run is not None:
        _last_run = copy.deepcopy(last_run)
    _incident = copy.deepcopy(incident or {})
    _context = copy.deepcopy(context or {})
    recorded_commands.clear()
    recorded_results.clear()
    recorded_incidents.clear()
    recorded_logs.clear()
    recorded_health.clear()
    _pending_last_run = None
    _fetch_run_open = command == "fetch-incidents"


def finish_run(*, failed: bool) -> None:
    """(Test-only) The server's side of the end of a run. For fetch-incidents, the documented
    rule: "When pulling incidents with fetch-incidents the setLastRun will not execute if there
    is an error with fetch-incidents" (XSOAR developer docs, Fetching Incidents, Setting Last
    Run; demisto/content-docs docs/integrations/fetching-incidents.md). The last run set by a run
    that failed is discarded. The incidents it sent are kept or dropped as
    ``failed_fetch_incidents`` says: undocumented, so the tests run both."""
    global _last_run, _pending_last_run, _fetch_run_open
    if not _fetch_run_open:
        return
    _fetch_run_open = False
    if not failed and _pending_last_run is not None:
        _last_run = _pending_last_run
    _pending_last_run = None
    if failed and failed_fetch_incidents == "dropped":
        recorded_incidents.clear()


def spellings(secret: str, user: str | None = None) -> list[str]:
    """The secret as given, percent-encoded (RFC 3986 and form encoding, upper- and lower-case
    hex), JSON-escaped, hex, base64 (standard and URL-safe, with or without padding), its head when
    it is long, and with a user the base64 of ``user:secret``
    that basic authentication sends (standard and URL-safe). ``Bearer <token>`` holds the token
    as given."""
    out = {secret, json.dumps(secret)[1:-1]}
    for encoded in (quote(secret, safe=""), quote_plus(secret, safe="")):
        out.add(encoded)
        out.add(re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded))
    raw = secret.encode()
    b64, url_safe = base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()
    out.update({raw.hex(), raw.hex().upper(), b64, b64.rstrip("="), url_safe, url_safe.rstrip("=")})
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
    if isinstance(node, str) and key in _SECRET_LINES_KEYS:
        for line in node.splitlines():
            secret = line.partition(":")[2].strip()
            if len(secret) >= 6:
                _add_secret(secret)
        return
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
    global failed_fetch_incidents
    _emitted.clear()
    _spellings.clear()
    failed_fetch_incidents = "kept"


def leaked_secrets() -> list[str]:
    """Secrets found, in any of their ``spellings``, in anything sent out since
    ``forget_emitted()``, or in the state kept."""
    state = json.dumps([_context, _incident, _last_run, _pending_last_run, _integration_context], default=str)
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
    """The incident as the server holds it now: a running timer past its due date is breached."""
    now = _world_now()
    for value in (_incident.get("CustomFields") or {}).values():
        if isinstance(value, dict) and "runStatus" in value:
            _timer_breach(value, now)
    return copy.deepcopy(_incident)


def integrationInstance() -> str:  # noqa: N802 - the real name
    return _instance


def demistoVersion() -> dict[str, str]:  # noqa: N802
    """The oldest server the pack supports (its ``fromversion``)."""
    return {"version": "6.10.0", "buildNumber": "0"}


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


def setContext(contextPath: str, value: Any) -> dict[str, Any]:  # noqa: N802, N803 - the real names
    """(Script only.) Sets the value at a dotted context path, replacing what was there."""
    json.dumps(value)
    _emitted.append(json.dumps(value, default=str))
    node = _context
    parts = contextPath.split(".")
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[parts[-1]] = copy.deepcopy(value)
    return {}


def _entries_matching(flt: dict[str, Any]) -> list[dict[str, Any]]:
    """``getEntries``: the war room's entries, those with one of ``tags`` when given."""
    tags = set(flt.get("tags") or [])
    return [copy.deepcopy(e) for e in war_room if not tags or tags & set(e.get("Tags") or [])]


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
            _timer_due(timer)
        custom.update(args)
        return [{"Type": 1, "Contents": "done", "ContentsFormat": "text"}]
    if command in ("startTimer", "stopTimer", "pauseTimer"):
        _timer_command(command, custom.setdefault(args["timerField"], {}))
        return [{"Type": 1, "Contents": "done", "ContentsFormat": "text"}]
    if command == "getEntries":
        return _entries_matching((args or {}).get("filter") or {})
    if command == "getIncidents":
        return _get_incidents(args or {})
    if command in command_handlers:
        return command_handlers[command](args)
    return [{"Type": 4, "Contents": f"Unsupported Command : {command}", "ContentsFormat": "text"}]


class _Received(list):  # type: ignore[type-arg]
    """The incidents of one ``incidents()`` call as the server received them: their JSON text,
    decoded into this list the first time a test reads it (decoding is the test's cost, not the
    integration's)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text: str | None = text

    def _load(self) -> None:
        if self._text is not None:
            text, self._text = self._text, None
            super().extend(json.loads(text))


def _reads(name: str) -> Any:
    method = getattr(list, name)

    def read(self: _Received, *args: Any) -> Any:
        self._load()
        return method(self, *args)

    return read


for _name in ("__iter__", "__len__", "__getitem__", "__eq__", "__ne__", "__contains__", "__repr__"):
    setattr(_Received, _name, _reads(_name))


# getIncidents: the server's incident search. Its answer (one entry, Contents.total and
# Contents.data with the incidents, their custom fields under CustomFields) is the shape the
# widgets of demisto/content's CommonWidgets pack read (demisto.get(res, 'Contents.data')). The
# query language is modelled for what the pack's scripts send: field:value and field:"value"
# terms (type, status, id, or a custom field by its cliName), a leading "-" negating a term, and,
# or, and parentheses. status takes the names the server gives the numbers (0 pending, 1 active,
# 2 closed, 3 archive). Any other syntax fails the test, not silently.

_STATUS = {"pending": 0, "active": 1, "closed": 2, "archive": 3}
_QUERY_TOKEN = re.compile(r'\s*(\(|\)|-?[A-Za-z_.]+:(?:"[^"]*"|[^\s()]+)|\S+)')


def _query_terms(query: str) -> list[str]:
    return [t for t in _QUERY_TOKEN.findall(query) if t]


def _term_holds(term: str, incident: dict[str, Any]) -> bool:
    negate = term.startswith("-")
    name, _, value = term.lstrip("-").partition(":")
    value = value.strip('"')
    if name == "status":
        have: Any = incident.get("status", 1)
        ok = have == _STATUS.get(value.lower(), value)
    else:
        have = incident.get(name, (incident.get("CustomFields") or {}).get(name))
        ok = str(have).lower() == value.lower()
    return ok != negate


def _query_holds(tokens: list[str], incident: dict[str, Any]) -> bool:
    pos = 0

    def expr() -> bool:
        nonlocal pos
        value = conj()
        while pos < len(tokens) and tokens[pos].lower() == "or":
            pos += 1
            value = conj() or value
        return value

    def conj() -> bool:
        nonlocal pos
        value = atom()
        while pos < len(tokens) and tokens[pos].lower() == "and":
            pos += 1
            value = atom() and value
        return value

    def atom() -> bool:
        nonlocal pos
        token = tokens[pos]
        pos += 1
        if token == "(":
            value = expr()
            assert tokens[pos] == ")", f"getIncidents query: ) expected at {tokens[pos:]}"
            pos += 1
            return value
        assert ":" in token, f"getIncidents query: the double knows field:value terms, not {token!r}"
        return _term_holds(token, incident)

    value = expr()
    assert pos == len(tokens), f"getIncidents query: cannot read {tokens[pos:]}"
    return value


def _get_incidents(args: dict[str, Any]) -> list[dict[str, Any]]:
    tokens = _query_terms(str(args.get("query") or ""))
    found = [copy.deepcopy(i) for i in incidents_db if not tokens or _query_holds(tokens, i)]
    size, page = int(args.get("size") or 100), int(args.get("page") or 0)
    data = found[page * size : (page + 1) * size]
    return [{"Type": 1, "ContentsFormat": "json", "Contents": {"total": len(found), "data": data or None}}]


# Timer (SLA) fields, with the properties XSOAR documents for a timer field's value ("Create SLA
# scripts", Cortex XSOAR 8.7 administrator guide): startDate, dueDate = startDate + sla minutes
# (+ time paused), endDate, runStatus (idle, running, paused, ended), accumulatedPause and
# totalDuration in seconds, and breachTriggered once the due date has passed while running or
# before the timer ended. Times are read from the tests' world clock (the core's clock).


def _world_now() -> datetime:
    from CommonServerPython import _now

    return _now()


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(t: str) -> datetime:
    return datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def _timer_due(timer: dict[str, Any]) -> None:
    if timer.get("startDate") and timer.get("sla") is not None:
        paused = timedelta(seconds=timer.get("accumulatedPause", 0))
        timer["dueDate"] = _iso(_parse(timer["startDate"]) + timedelta(minutes=int(timer["sla"])) + paused)


def _timer_command(command: str, timer: dict[str, Any]) -> None:
    now = _world_now()
    status = timer.get("runStatus", "idle")
    if command == "startTimer":
        if status == "paused" and timer.get("lastPauseDate"):
            pause = (now - _parse(timer["lastPauseDate"])).total_seconds()
            timer["accumulatedPause"] = int(timer.get("accumulatedPause", 0) + pause)
        elif status != "running":
            timer.update(startDate=_iso(now), endDate=None, accumulatedPause=0, breachTriggered=False)
        timer["runStatus"] = "running"
        _timer_due(timer)
    elif command == "pauseTimer" and status == "running":
        timer.update(runStatus="paused", lastPauseDate=_iso(now))
    elif command == "stopTimer" and status in ("running", "paused"):
        timer.update(runStatus="ended", endDate=_iso(now))
        timer["totalDuration"] = int((now - _parse(timer["startDate"])).total_seconds()) - timer.get(
            "accumulatedPause", 0
        )
    _timer_breach(timer, now)


def _timer_breach(timer: dict[str, Any], now: datetime) -> None:
    due = timer.get("dueDate")
    if not due:
        return
    end = _parse(timer["endDate"]) if timer.get("endDate") else now
    if timer.get("runStatus") in ("running", "ended") and end > _parse(due):
        timer["breachTriggered"] = True


def incidents(incidents: list[dict[str, Any]] | None = None) -> None:
    """Hands fetched incidents to the server, as the engine's runtime does: one ``json.dumps`` of
    the list as the entry's contents (it fails here where the server would fail), then the entry
    itself. What the server received is recorded as that text."""
    payload = incidents or []
    text = json.dumps(payload)
    recorded_incidents.append(_Received(text))
    _emitted.append(text)
    results({"Type": 1, "Contents": text, "ContentsFormat": "json"})


def setLastRun(obj: dict[str, Any]) -> None:  # noqa: N802 - the real name
    """In a fetch-incidents run the server applies it when the run ends without an error
    (``finish_run``); elsewhere at once."""
    global _last_run, _pending_last_run
    _emitted.append(json.dumps(obj))
    if _fetch_run_open:
        _pending_last_run = copy.deepcopy(obj)
    else:
        _last_run = copy.deepcopy(obj)


def getLastRun() -> dict[str, Any]:  # noqa: N802
    return copy.deepcopy(_last_run)


def updateModuleHealth(error: Any, is_error: bool = False) -> None:  # noqa: N802 - the real name
    """(Integration only) Shows ``error`` in the instance's health, as the server does."""
    _emitted.append(str(error))
    recorded_health.append(str(error))


def getIntegrationContext() -> dict[str, Any]:  # noqa: N802
    return copy.deepcopy(_integration_context)


def setIntegrationContext(context: dict[str, Any]) -> None:  # noqa: N802
    global _integration_context, _integration_context_version
    json.dumps(context)
    _emitted.append(json.dumps(context, default=str))
    _integration_context = copy.deepcopy(context)
    _integration_context_version += 1


def getIntegrationContextVersioned(refresh: bool = False) -> dict[str, Any]:  # noqa: N802
    return {"context": copy.deepcopy(_integration_context), "version": _integration_context_version}


def setIntegrationContextVersioned(context: dict[str, Any], version: int = -1, sync: bool = False) -> None:  # noqa: N802
    """Writes the context if ``version`` is still the stored one (or -1); else raises ValueError,
    as the server refuses a write based on an older version."""
    if version != -1 and version != _integration_context_version:
        raise ValueError(
            f"DB Version mismatch: the integration context is at version {_integration_context_version}, "
            f"the write was based on {version}"
        )
    setIntegrationContext(context)


def results(results: Any) -> None:
    """An entry, or a list of entries (as a script passes on what ``executeCommand`` returned),
    sent to the war room: each entry's outputs are written to the context."""
    for entry in results if isinstance(results, list) else [results]:
        if isinstance(entry, dict):
            json.dumps(entry, default=str)
            _merge_entry_context(entry.get("EntryContext"))
    _emitted.append(json.dumps(results, default=str))
    recorded_results.append(copy.deepcopy(results))


def integration_command(
    command: str, main: Any, params: dict[str, Any], integration_context: dict[str, Any] | None = None
) -> None:
    """(Test-only.) Lets a script's ``executeCommand(command, args)`` run an integration's
    ``main()`` as the server runs it: with that instance's parameters and that instance's own
    integration context (``integration_context``, kept up to date in place), in the same incident
    and context as the script. The entries the command sent are returned to the script (their
    outputs already written to the context, as on the server)."""
    store = integration_context if integration_context is not None else {}

    def handler(args: dict[str, Any]) -> list[dict[str, Any]]:
        global _params, _args, _command, _integration_context
        saved = (_params, _args, _command, _integration_context)
        mark = len(recorded_results)
        _collect_secrets(params)
        _params, _args, _command = copy.deepcopy(params), copy.deepcopy(args), command
        _integration_context = copy.deepcopy(store)
        try:
            main()
        except SystemExit:
            pass
        finally:
            store.clear()
            store.update(_integration_context)
            _params, _args, _command, _integration_context = saved
        sent = recorded_results[mark:]
        del recorded_results[mark:]
        return [e for e in sent if isinstance(e, dict)]

    command_handlers[command] = handler


_DT = re.compile(r"^(?P<path>[^(]+)(?:\((?P<dt>.*)\))?$")
_DT_KEY = re.compile(r"val\.([A-Za-z0-9_]+)\s*&&\s*val\.\1\s*==\s*obj\.\1")


def _merge_entry_context(entry_context: Any) -> None:
    """Writes an entry's outputs into the incident context the way the server does:
    ``Prefix(val.K && val.K == obj.K)`` replaces the item with the same ``K`` (one object stays
    one object) and appends the others; a key without a condition is set when new, and turns into a list it appends to when it
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
        was_list = isinstance(node[leaf], list)
        existing = node[leaf] if was_list else [node[leaf]]
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
        # One object replaced by its update stays one object, as the server keeps it.
        node[leaf] = existing[0] if len(existing) == 1 and not was_list else existing


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
