"""Test double of XSOAR's ``demistomock`` module.

The real module is injected by the XSOAR server at run time and is not published on PyPI. This
double keeps the functions the DORA Bridge integrations call, with the real signatures, and
records what the integration hands to the server so tests can assert on it. ``setup()`` and
the ``recorded`` attributes are test-only additions.
"""

from __future__ import annotations

import atexit
import copy
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

# The double's parts, a module each (the real module is one file), imported under private names
# so that this module offers no public name the real one lacks.
import demistomock_context as _store
import demistomock_query as _query
import demistomock_secrets as _secrets
import demistomock_timers as _timers

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

#: Everything sent out since ``forget_emitted()``, and the spellings of the secrets the secret scan
#: looks for in it (see ``leaked_secrets``; ``spellings`` is test-only, as ``setup``).
_emitted = _secrets.emitted
_spellings = _secrets.spelled
spellings = _secrets.spellings

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
    _secrets.collect_secrets(params or {})
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
    return _secrets.secrets_in(state + files)


def params() -> dict[str, Any]:
    return copy.deepcopy(_params)


def args() -> dict[str, Any]:
    return copy.deepcopy(_args)


def command() -> str:
    return _command


def incident() -> dict[str, Any]:
    """The incident as the server holds it now: a running timer past its due date is breached."""
    now = _timers.world_now()
    for value in (_incident.get("CustomFields") or {}).values():
        if isinstance(value, dict) and "runStatus" in value:
            _timers.timer_breach(value, now)
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
    _store.set_path(_context, contextPath, value)
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
            _timers.timer_due(timer)
        custom.update(args)
        return [{"Type": 1, "Contents": "done", "ContentsFormat": "text"}]
    if command in ("startTimer", "stopTimer", "pauseTimer"):
        _timers.timer_command(command, custom.setdefault(args["timerField"], {}))
        return [{"Type": 1, "Contents": "done", "ContentsFormat": "text"}]
    if command == "getEntries":
        return _entries_matching((args or {}).get("filter") or {})
    if command == "getIncidents":
        return _query.get_incidents(args or {}, incidents_db)
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
            _store.merge_entry_context(_context, entry.get("EntryContext"))
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
        _secrets.collect_secrets(params)
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
