"""Walks an XSOAR playbook task by task, as the XSOAR server would: every command and script task
runs the real integration or script code on the XSOAR runtime double, with its arguments resolved
from the playbook's `${...}` references; the data collection tasks get the answers the test gives,
as people would. tests/test_playbook_walk.py walks the "DORA Major Incident Notification" playbook
and its test playbook with it; tests/test_triage_routing.py the triage playbooks of the incident
types.

How each task type is walked:

- ``start`` and ``title``: passed through.
- ``regular`` with ``script: <Brand>|||<command>``: the integration's ``main()`` through
  ``harness.run_command`` with its instance parameters, the incident and the context so far; the
  double merges the entries' EntryContext into the context as the server does. A task with
  ``skipunavailable`` is skipped when its integration has no instance; with ``continueonerror``
  an error entry does not stop the walk. The command runs as the server runs a playbook task: as
  DBot, with the task in ``callingContext.context.ParentEntry.entryTask`` and no user. Each
  integration keeps its integration context from run to run, as an instance does. ``Builtin|||setIncident`` and
  ``Builtin|||closeInvestigation`` change the incident as the server does.
- ``regular`` with ``scriptName``: DORAApplyToIncident runs its ``main()``; SetAndHandleEmpty and
  Print, from the Common Scripts pack, are emulated (a context key, a War Room note).
- ``regular`` without a script: a manual task. The walk fails there unless the test says what
  the person does (``manual``: a function of the walk returning the XSOAR user who completed the
  task). A task with ``restrictedcompletion`` may be completed only by a user holding the role it
  is assigned to (``defaultassigneecomplex``, resolved from the playbook inputs) or by XSOAR's
  default administrator, as the server allows; any other user fails the walk. What the person
  does in the War Room meanwhile (``Walk.war_room``) runs the integration command as that user.
- ``collection``: the test gives the answers; they go to ``<form title>.Answers.<n>``, where
  XSOAR puts them.
- ``condition``: its conditions are evaluated against the context (isEmpty, isNotEmpty,
  isEqualString, isTrue, isFalse) and the first branch that holds is taken, else ``#default#``.
  A label holds when every group of its conditions holds, a group when any of its conditions
  does (XSOAR's AND of ORs). A ``complex`` value may end in the ``LastArrayElement`` transformer
  (the newest of a list XSOAR appended to).
- ``playbook``: the sub-playbook (found by name among the pack's playbooks) is walked in the same
  incident and context, as XSOAR runs a sub-playbook that shares the context
  (``separatecontext: false``: the evidence chain and the drafts live in the incident's context);
  its inputs are the task's arguments over the sub-playbook's defaults. Its tasks are keyed
  ``<sub-playbook name>/<task id>`` in the trail, ``entries``, ``completed_by`` and ``index``.

A task runs when no task still waiting can reach it (so a task with two parents waits for both
branches), and loops back (rework, re-assess, ask again) are followed.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import demistomock as demisto
import DORAApplyToIncident
import yaml
from harness import run_command

# ---------------------------------------------------------------------------------------------
# References: the forms of `${...}` and `complex` the playbook uses, and nothing else.

REF = re.compile(r"\$\{([^}]+)\}")
# `Key(val.Field == 'value')`, the DT filter the playbook selects a report draft with.
DT_FILTER = re.compile(r"^(?P<key>[^(]+)\(val\.(?P<field>\w+)\s*==\s*(?P<q>['\"])(?P<value>[^'\"]*)(?P=q)\)$")
EMPTY: tuple = (None, "", [], {})
PACK = Path(__file__).resolve().parent.parent / "Packs" / "DORABridge"


@cache
def _playbooks() -> dict[str, dict]:
    found = {}
    for path in sorted([*PACK.glob("Playbooks/*.yml"), *PACK.glob("TestPlaybooks/*.yml")]):
        doc = yaml.safe_load(path.read_text())
        found[doc["name"]] = found[doc["id"]] = doc
    return found


def playbook(name: str) -> dict:
    """The pack's playbook of that name (or id), as XSOAR finds a sub-playbook."""
    found = _playbooks()
    assert name in found, f"no playbook {name!r} in the pack"
    return copy.deepcopy(found[name])


def split_path(path: str) -> list[str]:
    """`DORA.Report(val.Type == 'initial').ContentHash` -> DORA, Report(...), ContentHash."""
    parts, depth, current = [], 0, ""
    for ch in path:
        if ch == "." and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(ch, 0)
        current += ch
    return [*parts, current]


def select(node: Any, segments: list[str]) -> Any:
    """XSOAR's reading of a context path: lists are searched item by item; one match is the
    value itself, several are a list, none is None."""
    found = [node]
    for segment in segments:
        m = DT_FILTER.match(segment)
        key = m.group("key") if m else segment
        nxt = []
        for item in found:
            if isinstance(item, dict) and key in item:
                value = item[key]
                items = value if isinstance(value, list) else [value]
                if m:
                    items = [i for i in items if isinstance(i, dict) and str(i.get(m["field"])) == m["value"]]
                nxt.extend(items)
        found = nxt
    return None if not found else found[0] if len(found) == 1 else found


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


# ---------------------------------------------------------------------------------------------
# The walker


class ManualTaskReached(Exception):  # noqa: N818 - it is a stop, not an error
    pass


@dataclass
class Integration:
    main: Callable[[], None]
    params: dict | None  # None: no instance enabled


@dataclass
class Walk:
    """One playbook run on one incident. `answers` maps a form title to the answers each time the
    form is asked, in order; an answer list may be a function of the walk (what the person sees)."""

    playbook: dict
    incident: dict
    integrations: dict[str, Integration]
    answers: dict[str, list]
    inputs: dict[str, Any] = field(default_factory=dict)
    manual: dict[str, Callable[[Walk], None]] = field(default_factory=dict)
    context: dict = field(default_factory=dict)
    entries: dict[str, list] = field(default_factory=dict)
    #: The integration context of each integration's instance, kept between runs.
    state: dict[str, dict] = field(default_factory=dict)
    #: Who completed each manual task, in order: (task key, user).
    completed_by: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: What people ran in the War Room: (user, command, entries).
    notes_by_hand: list[tuple[str, str, list]] = field(default_factory=list)
    trail: list[tuple[str, str, str, str]] = field(default_factory=list)
    strict: bool = True  # an error entry of a task without continueonerror fails the walk
    #: Where this playbook runs: "" for the playbook walked, "<name>/" for a sub-playbook.
    prefix: str = ""
    #: Every task walked or to walk, by its key in the trail (sub-playbooks' keys prefixed).
    index: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tasks: dict[str, dict] = self.playbook["tasks"]
        defaults = {i["key"]: (i.get("value") or {}).get("simple") for i in self.playbook.get("inputs", [])}
        self.inputs = {**defaults, **self.inputs}
        self.asked: dict[str, int] = {}
        self.args: dict[str, dict] = {}
        self.unresolved: set[tuple[str, str]] = set()
        self.forward = self._forward_edges()
        self.index.update({self.prefix + k: t for k, t in self.tasks.items()})

    # -- the graph ---------------------------------------------------------------------------

    def successors(self, key: str) -> list[str]:
        return [n for ids in (self.tasks[key].get("nexttasks") or {}).values() for n in ids or []]

    def _forward_edges(self) -> dict[str, list[str]]:
        """The edges without the loops back: an edge is forward when it leads further from the
        start (breadth-first distance) than the task it leaves. A rework or ask-again branch goes
        back to a task nearer the start; two tasks in parallel are equally far."""
        dist = {self.playbook["starttaskid"]: 0}
        todo = [self.playbook["starttaskid"]]
        while todo:
            k = todo.pop(0)
            for n in self.successors(k):
                if n not in dist:
                    dist[n] = dist[k] + 1
                    todo.append(n)
        return {
            k: [n for n in self.successors(k) if dist[n] > dist[k]] if k in dist else [] for k in self.tasks
        }

    def reaches(self, src: str, dst: str) -> bool:
        seen, todo = set(), [src]
        while todo:
            k = todo.pop()
            for n in self.forward[k]:
                if n == dst:
                    return True
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        return False

    # -- references ----------------------------------------------------------------------------

    def lookup(self, path: str) -> Any:
        root, _, rest = path.partition(".")
        if root == "incident":
            return self.incident.get(rest, (self.incident.get("CustomFields") or {}).get(rest))
        if root == "inputs":
            return self.inputs.get(rest)
        return select(self.context, split_path(path))

    def value(self, arg: dict | None) -> Any:
        if not arg:
            return None
        assert set(arg) <= {"simple", "complex"}, arg
        if "complex" in arg:
            c = arg["complex"]
            assert set(c) <= {"root", "accessor", "transformers"}, (
                f"the walker reads root and accessor only: {c}"
            )
            found = self.lookup(c["root"] + (f".{c['accessor']}" if c.get("accessor") else ""))
            for t in c.get("transformers") or []:
                assert t == {"operator": "LastArrayElement"}, f"the walker knows LastArrayElement only: {t}"
                found = found[-1] if isinstance(found, list) and found else found
            return found
        text = arg["simple"]
        if not isinstance(text, str):
            return text
        if m := REF.fullmatch(text):
            return self.lookup(m.group(1))
        return REF.sub(lambda m: as_text(self.lookup(m.group(1))), text)

    def arguments(self, task: dict) -> dict:
        """The task's arguments as the server hands them over: empty ones left out. Each empty one
        is noted in `unresolved`, and what was handed over in `args`, by task."""
        args = {k: self.value(v) for k, v in (task.get("scriptarguments") or {}).items()}
        key = self.prefix + task["id"]
        self.unresolved |= {(key, k) for k, v in args.items() if v in EMPTY}
        self.args[key] = {k: v for k, v in args.items() if v not in EMPTY}
        return self.args[key]

    def operand(self, side: dict | None) -> Any:
        if side is None:
            return None
        v = side["value"]
        if side.get("iscontext") and "simple" in v:
            return self.lookup(v["simple"])
        return self.value(v)

    def holds(self, c: dict) -> bool:
        left, right = self.operand(c.get("left")), self.operand(c.get("right"))
        values = left if isinstance(left, list) else [left]
        op = c["operator"]
        if op == "isEmpty":
            return left in EMPTY
        if op == "isNotEmpty":
            return left not in EMPTY
        if op == "isEqualString":
            return any(as_text(v) == as_text(right) for v in values)
        if op == "isTrue":
            return any(v is True or as_text(v) == "true" for v in values)
        if op == "isFalse":
            return any(v is False or as_text(v) == "false" for v in values)
        raise NotImplementedError(f"condition operator {op}")

    # -- running tasks -------------------------------------------------------------------------

    def run(self) -> Iterator[tuple[str, dict]]:
        """Runs the playbook; yields each task after it ran."""
        queue = [self.playbook["starttaskid"]]
        while queue:
            key = next((k for k in queue if not any(o != k and self.reaches(o, k) for o in queue)), None)
            assert key is not None, f"no task can run: {queue}"
            queue.remove(key)
            if self.tasks[key]["type"] == "playbook":
                nxt = yield from self.sub_playbook(key)
            else:
                nxt = self.execute(key)
            for n in nxt:
                if n not in queue:
                    queue.append(n)
            yield self.prefix + key, self.tasks[key]

    def sub_playbook(self, key: str) -> Iterator[tuple[str, dict]]:
        """Walks the task's sub-playbook in this incident and context; returns the next tasks."""
        t = self.tasks[key]
        name = t["task"].get("playbookName") or t["task"]["name"]
        assert t.get("separatecontext") is False, f"{name}: the walker shares the context with a sub-playbook"
        sub = Walk(
            playbook(name),
            incident=self.incident,
            integrations=self.integrations,
            answers=self.answers,
            inputs=self.arguments(t),
            manual=self.manual,
            context=self.context,
            entries=self.entries,
            state=self.state,
            completed_by=self.completed_by,
            notes=self.notes,
            notes_by_hand=self.notes_by_hand,
            trail=self.trail,
            strict=self.strict,
            prefix=f"{self.prefix}{name}/",
            index=self.index,
        )
        sub.asked, sub.args, sub.unresolved = self.asked, self.args, self.unresolved
        try:
            for item in sub.run():
                # The test between two tasks reads and may change the incident and its context.
                self.context, self.incident = sub.context, sub.incident
                yield item
                sub.context, sub.incident = self.context, self.incident
        finally:
            # What the sub-playbook changed is the incident's, even when a person stops it.
            self.context, self.incident = sub.context, sub.incident
        self.trail.append((self.prefix + key, t["task"]["name"], "playbook", f"{name} done"))
        return list((t.get("nexttasks") or {}).get("#none#") or [])

    def execute(self, key: str) -> list[str]:
        t = self.tasks[key]
        task, kind = t["task"], t["type"]
        nxt = t.get("nexttasks") or {}
        outcome = ""
        if kind == "condition":
            label = next(
                (
                    c["label"]
                    for c in t.get("conditions", [])
                    if all(any(self.holds(o) for o in group) for group in c["condition"])
                ),
                "#default#",
            )
            outcome = label
            branch = next((v for k, v in nxt.items() if k.lower() == label.lower()), None)
            self.trail.append((self.prefix + key, task["name"], kind, outcome))
            return list(branch or [])
        if kind == "collection":
            title = t["form"]["title"]
            n = self.asked.get(title, 0)
            assert title in self.answers and n < len(self.answers[title]), f"no answer for the form {title!r}"
            given = self.answers[title][n]
            given = given(self) if callable(given) else given
            assert len(given) == len(t["form"]["questions"]), f"{title}: {len(given)} answers"
            self.asked[title] = n + 1
            self.context[title] = {"Answers": {str(i): a for i, a in enumerate(given)}}
            outcome = "answered"
        elif kind == "regular" and task.get("script"):
            outcome = self.command(key, t, task["script"])
        elif kind == "regular" and task.get("scriptName"):
            outcome = self.script(key, t, task["scriptName"])
        elif kind == "regular":
            if task["name"] not in self.manual:
                raise ManualTaskReached(task["name"])
            user = self.manual[task["name"]](self)
            self.check_completion(t, user)
            self.completed_by.append((self.prefix + key, user))
            outcome = f"done by hand by {user}"
        else:
            assert kind in ("start", "title"), kind
        self.trail.append((self.prefix + key, task["name"], kind, outcome))
        return list(nxt.get("#none#") or [])

    def assigned_role(self, t: dict) -> str | None:
        return self.value(t.get("defaultassigneecomplex")) if t.get("defaultassigneecomplex") else None

    def check_completion(self, t: dict, user: str) -> None:
        """XSOAR lets only the assignee of a task with restricted completion complete it, and the
        default administrator; here the assignee is a role, held by the users with that XSOAR role."""
        assert isinstance(user, str) and user, f"{t['task']['name']}: say which user completed it"
        if not t.get("restrictedcompletion"):
            return
        role = self.assigned_role(t)
        record = demisto.users.get(user) or {}
        roles = [r for rs in (record.get("roles") or {}).values() for r in rs]
        assert role in roles or "Administrator" in roles, (
            f"{t['task']['name']} is assigned to {role} and restricted to it: {user} ({roles}) cannot complete it"
        )

    def war_room(self, user: str, command: str, args: dict | None = None, brand: str = "DORA Bridge") -> list:
        """``user`` runs ``command`` in the incident's War Room, signed in as themselves."""
        integration = self.integrations[brand]
        out = run_command(
            integration.main,
            command,
            integration.params,
            args or {},
            incident=self.incident,
            context=self.context,
            user=user,
            integration_context=self.state.get(brand, {}),
        )
        self.context, self.incident = demisto.context(), demisto.incident()
        self.state[brand] = demisto.getIntegrationContext()
        self.notes_by_hand.append((user, command, out))
        return out

    def command(self, key: str, t: dict, script: str) -> str:
        brand, _, command = script.partition("|||")
        args = self.arguments(t)
        if brand == "Builtin":
            if command == "setIncident":
                for k, v in args.items():
                    self.incident.setdefault("CustomFields", {})[k] = (
                        {"true": True, "false": False}.get(v, v) if isinstance(v, str) else v
                    )
            elif command == "closeInvestigation":
                self.incident.update(
                    status=2, closeReason=args.get("closeReason"), closeNotes=args.get("closeNotes")
                )
            else:
                raise NotImplementedError(command)
            return f"{command} {args}"
        integration = self.integrations.get(brand)
        if integration is None or integration.params is None:
            assert t.get("skipunavailable"), f"task {key}: no instance of {brand}"
            return "skipped: no instance"
        out = run_command(
            integration.main,
            command,
            integration.params,
            args,
            incident=self.incident,
            context=self.context,
            playbook_task={
                "taskId": self.prefix + key,
                "taskName": t["task"]["name"],
                "playbookName": self.playbook["name"],
            },
            integration_context=self.state.get(brand, {}),
        )
        self.context, self.incident = demisto.context(), demisto.incident()
        self.state[brand] = demisto.getIntegrationContext()
        self.entries[self.prefix + key] = out
        errors = [e["Contents"] for e in out if isinstance(e, dict) and e.get("Type") == 4]
        assert not errors or t.get("continueonerror") or not self.strict, (
            f"task {key} {t['task']['name']}: {errors}"
        )
        return f"error: {errors[0]}" if errors else "ok"

    def script(self, key: str, t: dict, name: str) -> str:
        args = self.arguments(t)
        if name == "DORAApplyToIncident":
            out = run_command(
                DORAApplyToIncident.main, name, {}, args, incident=self.incident, context=self.context
            )
            self.context, self.incident = demisto.context(), demisto.incident()
            self.entries[self.prefix + key] = out
            assert not [e for e in out if e.get("Type") == 4], out
            return "ok"
        if name == "SetAndHandleEmpty":  # with append=false and stringify=true, as the playbook uses it
            assert args.get("append") == "false" and args.get("stringify") == "true", args
            if args.get("value") in EMPTY:
                return "value is None"
            *parents, leaf = args["key"].split(".")
            node = self.context
            for p in parents:
                node = node.setdefault(p, {})
            node[leaf] = args["value"]
            return f"Key {args['key']} set"
        if name == "Print":
            self.notes.append(args["value"])
            return "note"
        if name == "Set":  # the test playbook's: a JSON value is parsed, as Set does
            try:
                value = json.loads(args["value"])
            except ValueError:
                value = args["value"]
            *parents, leaf = args["key"].split(".")
            node = self.context
            for p in parents:
                node = node.setdefault(p, {})
            node[leaf] = value
            return f"Key {args['key']} set"
        if name == "DeleteContext" and args == {"all": "yes"}:
            self.context = {}
            return "context cleared"
        if name == "PrintErrorEntry":
            raise AssertionError(args["message"])
        raise NotImplementedError(name)

    def fork(self) -> Walk:
        return copy.deepcopy(self)

    def try_task(self, key: str, answers: dict[str, list] | None = None) -> list:
        """Runs one task on a copy of the walk, with the answers of forms not asked yet."""
        other = self.fork()
        other.strict = False
        for title, given in (answers or {}).items():
            other.context[title] = {"Answers": {str(i): a for i, a in enumerate(given)}}
        other.execute(key)
        return other.entries.get(key, [])
