"""Walks the "DORA Major Incident Notification" playbook task by task, as the XSOAR server would,
for one incident fetched from a SOCRadar alarm: every command and script task runs the real
integration or script code on the XSOAR runtime double, with its arguments resolved from the
playbook's `${...}` references; the data collection tasks get the answers people would give.

How each task type is walked:

- ``start`` and ``title``: passed through.
- ``regular`` with ``script: <Brand>|||<command>``: the integration's ``main()`` through
  ``harness.run_command`` with its instance parameters, the incident and the context so far; the
  double merges the entries' EntryContext into the context as the server does. A task with
  ``skipunavailable`` is skipped when its integration has no instance; with ``continueonerror``
  an error entry does not stop the walk. ``Builtin|||setIncident`` and
  ``Builtin|||closeInvestigation`` change the incident as the server does.
- ``regular`` with ``scriptName``: DORAApplyToIncident runs its ``main()``; SetAndHandleEmpty and
  Print, from the Common Scripts pack, are emulated (a context key, a War Room note).
- ``regular`` without a script: a manual task. The walk fails there unless the test says what
  the person does.
- ``collection``: the test gives the answers; they go to ``<form title>.Answers.<n>``, where
  XSOAR puts them.
- ``condition``: its conditions are evaluated against the context (isEmpty, isNotEmpty,
  isEqualString, isTrue) and the first branch that holds is taken, else ``#default#``.

A task runs when no task still waiting can reach it (so a task with two parents waits for both
branches), and loops back (rework, re-assess) are followed.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import demistomock as demisto
import DORAApplyToIncident
import DORABridge
import DORABridgeContext
import DORABridgeSOCRadar
import pytest
import yaml
from harness import run_command

from devtools.cmdb_server import CmdbServer
from devtools.socradar_server import SocRadarServer
from devtools.socradar_server.dates import format_alarm_date
from tests.fixtures import API_KEY, COMPANY_ID, SCHEMAS, dora_params, instance_params

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOK = yaml.safe_load(
    (ROOT / "Packs/DORABridge/Playbooks/playbook-DORA_Major_Incident_Notification.yml").read_text()
)
TEST_PLAYBOOK = yaml.safe_load(
    (ROOT / "Packs/DORABridge/TestPlaybooks/playbook-DORA_Major_Incident_Notification_Test.yml").read_text()
)
ASSET = "203.0.113.16"

# Form titles, where XSOAR puts the answers in context.
CONFIRM = "Confirm the classification"
DESCRIBE = "Describe the incident for the initial notification"
CISO = "CISO approval of the initial notification"
CRO = "Chief Risk Officer approval of the initial notification"
SUBMIT_INITIAL = "Submit the initial notification to the competent authority"
FACTS_INTERMEDIATE = "Update the incident facts for the intermediate report"
APPROVE_INTERMEDIATE = "Approval of the intermediate report"
SUBMIT_INTERMEDIATE = "Submit the intermediate report to the competent authority"
FACTS_FINAL = "Record the root cause and the resolution for the final report"
APPROVE_FINAL = "Approval of the final report"
SUBMIT_FINAL = "Submit the final report to the competent authority"


# ---------------------------------------------------------------------------------------------
# References: the forms of `${...}` and `complex` the playbook uses, and nothing else.

REF = re.compile(r"\$\{([^}]+)\}")
# `Key(val.Field == 'value')`, the DT filter the playbook selects a report draft with.
DT_FILTER = re.compile(r"^(?P<key>[^(]+)\(val\.(?P<field>\w+)\s*==\s*(?P<q>['\"])(?P<value>[^'\"]*)(?P=q)\)$")
EMPTY: tuple = (None, "", [], {})


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
    notes: list[str] = field(default_factory=list)
    trail: list[tuple[str, str, str, str]] = field(default_factory=list)
    strict: bool = True  # an error entry of a task without continueonerror fails the walk

    def __post_init__(self) -> None:
        self.tasks: dict[str, dict] = self.playbook["tasks"]
        defaults = {i["key"]: (i.get("value") or {}).get("simple") for i in self.playbook.get("inputs", [])}
        self.inputs = {**defaults, **self.inputs}
        self.asked: dict[str, int] = {}
        self.args: dict[str, dict] = {}
        self.unresolved: set[tuple[str, str]] = set()
        self.forward = self._forward_edges()

    # -- the graph ---------------------------------------------------------------------------

    def successors(self, key: str) -> list[str]:
        return [n for ids in (self.tasks[key].get("nexttasks") or {}).values() for n in ids or []]

    def _forward_edges(self) -> dict[str, list[str]]:
        """The edges without the loops back (depth-first from the start task)."""
        forward: dict[str, list[str]] = {k: [] for k in self.tasks}
        state: dict[str, int] = {}

        def dfs(k: str) -> None:
            state[k] = 1
            for n in self.successors(k):
                if state.get(n) == 1:
                    continue  # back to a task on the path: a loop
                forward[k].append(n)
                if n not in state:
                    dfs(n)
            state[k] = 2

        dfs(self.playbook["starttaskid"])
        return forward

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
            assert set(c) <= {"root", "accessor"}, f"the walker reads root and accessor only: {c}"
            return self.lookup(c["root"] + (f".{c['accessor']}" if c.get("accessor") else ""))
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
        self.unresolved |= {(task["id"], k) for k, v in args.items() if v in EMPTY}
        self.args[task["id"]] = {k: v for k, v in args.items() if v not in EMPTY}
        return self.args[task["id"]]

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
        raise NotImplementedError(f"condition operator {op}")

    # -- running tasks -------------------------------------------------------------------------

    def run(self) -> Iterator[tuple[str, dict]]:
        """Runs the playbook; yields each task after it ran."""
        queue = [self.playbook["starttaskid"]]
        while queue:
            key = next((k for k in queue if not any(o != k and self.reaches(o, k) for o in queue)), None)
            assert key is not None, f"no task can run: {queue}"
            queue.remove(key)
            for n in self.execute(key):
                if n not in queue:
                    queue.append(n)
            yield key, self.tasks[key]

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
            self.trail.append((key, task["name"], kind, outcome))
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
            self.manual[task["name"]](self)
            outcome = "done by hand"
        else:
            assert kind in ("start", "title"), kind
        self.trail.append((key, task["name"], kind, outcome))
        return list(nxt.get("#none#") or [])

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
            integration.main, command, integration.params, args, incident=self.incident, context=self.context
        )
        self.context, self.incident = demisto.context(), demisto.incident()
        self.entries[key] = out
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
            self.entries[key] = out
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


# ---------------------------------------------------------------------------------------------
# The world the playbook runs in


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(t: str) -> datetime:
    return datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def pg_dsn() -> str:
    dsn = os.environ.get("DORA_PG_DSN")
    assert dsn, (
        "DORA_PG_DSN is not set: run `scripts/postgres-server.sh start` and export its `env` (make test does)"
    )
    return dsn


def sample_outage() -> tuple[str, str, str]:
    """The window and countries of the outage in the sample payments data."""
    query = (
        "SELECT to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        " to_char(window_end AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), array_to_string(countries, ',')"
        " FROM payments.sample_outages LIMIT 1"
    )
    out = subprocess.run(["psql", pg_dsn(), "-Atc", query], capture_output=True, text=True, check=True)
    start, end, countries = out.stdout.strip().split("|")
    return start, end, countries


def dora_instance() -> dict:
    """The DORA Bridge instance: the entity's profile, its report contacts and the DORA_IR schema."""
    return dora_params(
        primary_contact_name="Ana Ruiz",
        primary_contact_email="ana.ruiz@zahlungsinstitut-beispiel.de",
        primary_contact_phone="+49 69 1234 5678",
        report_schema=(SCHEMAS / "dora_ir_v1.3.0.json").read_text(),
        report_schema_version="IR-1.3.0",
    )


def connectors_instance(cmdb: CmdbServer) -> dict:
    """The Context Connectors instance: the sample register, the local CMDB, the local PostgreSQL."""
    u = urlparse(pg_dsn())
    return {
        "register_path": str(ROOT / "devtools" / "register"),
        "cmdb_url": cmdb.url,
        "cmdb_credentials": {"identifier": "svc-dora", "password": "cmdb-password"},
        "cmdb_depth": "5",
        "transaction_source": "postgresql",
        "pg_host": u.hostname,
        "pg_port": str(u.port),
        "pg_database": u.path.lstrip("/"),
        "pg_credentials": {"identifier": u.username, "password": u.password},
        "pg_sslmode": "disable",
    }


def incident_from_socradar(occurred: str) -> dict:
    """A botnet alarm on 203.0.113.16 at `occurred`, fetched by the SOCRadar integration from the
    local SOCRadar-compatible server, as XSOAR makes an incident of it."""
    when = parse(occurred)
    with SocRadarServer(api_key=API_KEY, company_id=COMPANY_ID) as srv:
        alarms = srv.generate(40, seed=2026, start=when - timedelta(hours=6), end=when)
        botnet = next(a for a in alarms if a["alarm_type_details"]["alarm_sub_type"] == "Botnet Infection")
        for a in alarms:
            srv.remove_alarm(a["alarm_id"])
        # The infected host is the asset the sample register and CMDB know.
        alarm = json.loads(re.sub(re.escape(botnet["alarm_asset"]) + r"(?!\d)", ASSET, json.dumps(botnet)))
        alarm.update(status="OPEN", date=format_alarm_date(when))
        alarm.pop("alarm_status_reason", None)
        srv.add_alarm(alarm)
        days = (datetime.now(timezone.utc) - when).days + 2  # the sample data may have been loaded days ago
        out = run_command(
            DORABridgeSOCRadar.main, "fetch-incidents", instance_params(srv, first_fetch=f"{days} days")
        )
        assert not [e for e in out if e.get("Type") == 4], out
        (fetched,) = [i for batch in demisto.recorded_incidents for i in batch]
    assert fetched["CustomFields"]["socradarasset"] == ASSET and ASSET in fetched["name"]
    assert fetched["CustomFields"]["socradaralarmsubtype"] == "Botnet Infection"
    return {
        "id": "4711",
        "name": fetched["name"],
        "type": "DORA ICT Incident",
        "severity": fetched["severity"],
        "occurred": fetched["occurred"],
        "created": now(),
        "dbotMirrorId": fetched["dbotMirrorId"],
        "CustomFields": dict(fetched["CustomFields"]),
    }


def analyst_completes_the_fields(walk: Walk) -> list:
    """First look at the classification: the analyst enters what no connector knows (the data
    lost, an estimate of the costs) in the incident's DORA fields and asks for a re-assessment."""
    walk.incident["CustomFields"].update(doradatalosses="availability", doraeconomicimpacteur="125000")
    return ["Re-assess", "Ana Ruiz", "CISO", "Data losses and cost estimate entered."]


def submission(reference: str) -> Callable[[Walk], list]:
    return lambda walk: [reference, now(), "Ana Ruiz"]


def answers(outage_end: str, cro_decision: str = "approve") -> dict[str, list]:
    return {
        CONFIRM: [
            analyst_completes_the_fields,
            ["Yes", "Ana Ruiz", "CISO", "Card payments disrupted in DE and AT; thresholds met."],
        ],
        DESCRIBE: [
            [
                "A botnet-infected host in the card-payment network disrupted authorisations: card payments"
                " failed for clients in Germany and Austria. The host was isolated and traffic moved to the"
                " standby gateway.",
                "it_security",
                "Yes",
            ]
        ],
        CISO: [["Ana Ruiz", "approve", "Checked against the War Room figures."]],
        CRO: [
            ["Jonas Weber", cro_decision, "Approved." if cro_decision == "approve" else "Impact understated."]
        ],
        SUBMIT_INITIAL: [submission("BaFin-DORA-2026-0042")],
        FACTS_INTERMEDIATE: [
            [
                "00:02:48",
                ["cybersecurity-related"],
                ["resource_hijacking"],
                f"{ASSET} beaconing to a botnet command-and-control server",
                "Card payments: authorisation of card transactions",
                "yes",
                "Card authorisation gateway",
                "no",
                ["none"],
                "Yes",
                "Traffic moved to the standby gateway; the infected host isolated.",
                outage_end,
            ]
        ],
        APPROVE_INTERMEDIATE: [["Jonas Weber", "Chief Risk Officer", "approve", ""]],
        SUBMIT_INTERMEDIATE: [submission("BaFin-DORA-2026-0042")],
        FACTS_FINAL: [
            lambda walk: [
                ["malicious_actions"],
                ["malicious_actions_deliberate_internal_actions"],
                [],
                "Malware on a workstation of the card-payment network joined a botnet.",
                "Host rebuilt, credentials rotated, egress filtering tightened.",
                now(),
                now(),
                "125000",
                "0",
                "",
                "",
            ]
        ],
        APPROVE_FINAL: [["Ana Ruiz", "CISO", "approve", ""]],
        SUBMIT_FINAL: [submission("BaFin-DORA-2026-0042")],
    }


@pytest.fixture
def world():
    start, end, countries = sample_outage()
    with CmdbServer() as cmdb:
        walk = Walk(
            PLAYBOOK,
            incident=incident_from_socradar(start),
            integrations={
                "DORA Bridge": Integration(DORABridge.main, dora_instance()),
                "DORA Bridge Context Connectors": Integration(
                    DORABridgeContext.main, connectors_instance(cmdb)
                ),
            },
            answers=answers(end),
            inputs={"ClientCountries": countries},
        )
        yield walk, (start, end)


def newest(value: Any) -> Any:
    return value[-1] if isinstance(value, list) else value


def audit(walk: Walk) -> list[dict]:
    return walk.context["DORA"]["Audit"]


# ---------------------------------------------------------------------------------------------


def test_the_playbook_takes_a_socradar_alarm_to_the_authority(world):
    walk, (outage_start, _) = world
    assert "doradetectedat" not in walk.incident["CustomFields"] and walk.incident["occurred"] == outage_start

    classifications, checked = [], []
    for _, t in walk.run():
        name = t["task"]["name"]
        checked.append(name)
        if name == "Record the detection time":
            assert walk.incident["CustomFields"]["doradetectedat"] == walk.incident["created"]
        elif name == "Classify the incident under RTS 2024/1772":
            c = newest(walk.context["DORA"]["Classification"])
            classifications.append(c)
            assert c["IsMajor"] is True, c["RuleText"]
            sources = {crit["Key"]: " ".join(crit["Source"]) for crit in c["Criteria"]}
            assert "DORA.Context.ICT.AffectedServices (CMDB" in sources["critical-services"]
            assert "DORA.Context.Transactions." in sources["clients-counterparts-transactions"]
            assert "DORA.Context.Geo.MemberStates" in sources["geographical-spread"]
        elif name == "Start the DORA SLA timers":
            timer = walk.incident["CustomFields"]["dorainitialnotificationsla"]
            assert timer["runStatus"] == "running" and 0 < timer["sla"] <= 240
            assert walk.incident["CustomFields"]["doraismajor"] is True
        elif name == "Draft the initial notification (DORA_IR JSON)":
            report = select(walk.context, split_path("DORA.Report(val.Type == 'initial')"))
            assert report["Complete"] is True, report["Missing"]
            assert report["Validation"]["Valid"] is True, report["Validation"]["Errors"]
        elif name == "Record the CISO's decision":
            # The Chief Risk Officer has not decided yet: a submission now is refused.
            refused = walk.try_task("35", {SUBMIT_INITIAL: ["BaFin-DORA-2026-0042", now(), "Ana Ruiz"]})
            assert len(refused) == 1 and refused[0]["Type"] == 4, refused
            assert "before its two approvals" in refused[0]["Contents"], refused[0]["Contents"]
        elif name == "Record the submission of the initial notification":
            submitted = walk.context["DORA"]["Submission"]["InitialNotification"]
            assert submitted["AuthorityReference"] == "BaFin-DORA-2026-0042"
        elif name == "Run the clock from the submission":
            clock = newest(walk.context["DORA"]["Deadlines"])
            submitted_at = walk.context["DORA"]["Submission"]["InitialNotification"]["SubmittedAt"]
            assert clock["InitialNotification"]["Status"] == "submitted"
            assert clock["IntermediateReport"]["Due"] == (parse(submitted_at) + timedelta(hours=72)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
            assert clock["IntermediateReport"]["Status"] == "on-time"
        elif name == "Stop the initial timer and start the intermediate one":
            fields = walk.incident["CustomFields"]
            assert fields["dorainitialnotificationsla"]["runStatus"] == "ended"
            assert fields["doraintermediatereportsla"]["runStatus"] == "running"
            assert fields["doraintermediatereportsla"]["sla"] > 71 * 60
            initial_done = list(walk.trail)
        else:
            checked.pop()
    assert checked == [
        "Record the detection time",
        *["Classify the incident under RTS 2024/1772"] * 2,
        "Start the DORA SLA timers",
        "Draft the initial notification (DORA_IR JSON)",
        "Record the CISO's decision",
        "Record the submission of the initial notification",
        "Run the clock from the submission",
        "Stop the initial timer and start the intermediate one",
    ]

    # Re-assessed once: two classifications, the second with the analyst's figures.
    assert [c["IsMajor"] for c in classifications] == [True, True]
    assert "data-losses" in {c["Key"] for c in classifications[1]["Criteria"] if c["Met"]}
    assert [k for k, _, kind, _ in initial_done if kind == "collection"].count("13") == 2

    # The approvals are in the evidence chain, bound to the draft the approvers reviewed.
    h = select(walk.context, split_path("DORA.Report(val.Type == 'initial').ContentHash"))
    assert [walk.args[k] for k in ("29", "31")] == [
        {"subject": "initial", "approver": "Ana Ruiz", "role": "CISO", "decision": "approve",
         "comment": "Checked against the War Room figures.", "content_hash": h},
        {"subject": "initial", "approver": "Jonas Weber", "role": "Chief Risk Officer", "decision": "approve",
         "comment": "Approved.", "content_hash": h},
    ]  # fmt: skip
    decisions = [e for e in audit(walk) if e["Kind"] == "approval" and e["Details"]["Subject"] == "initial"]
    assert [(e["Actor"], e["Details"]["Role"], e["Details"]["ContentHash"]) for e in decisions] == [
        ("Ana Ruiz", "CISO", h),
        ("Jonas Weber", "Chief Risk Officer", h),
    ]
    (submission_entry,) = [
        e for e in audit(walk) if e["Kind"] == "submission" and e["Details"]["Subject"] == "initial"
    ]
    assert submission_entry["Details"]["ContentHash"] == h

    # Walked to the end: intermediate and final reports submitted, the chain verifies, closed.
    assert walk.context["DORA"]["AuditVerification"]["Valid"] is True
    assert walk.context["DORA"]["AuditVerification"]["Entries"] == len(audit(walk))
    kinds = [e["Kind"] for e in audit(walk)]
    assert kinds.count("submission") == 3
    clock = newest(walk.context["DORA"]["Deadlines"])
    assert [clock[k]["Status"] for k in ("InitialNotification", "IntermediateReport", "FinalReport")] == [
        "submitted"
    ] * 3
    fields = walk.incident["CustomFields"]
    assert [fields[f]["runStatus"] for f in ("doraintermediatereportsla", "dorafinalreportsla")] == [
        "ended"
    ] * 2
    assert walk.incident["status"] == 2
    assert walk.context["DORA"]["AuditVerification"]["HeadHash"] in walk.incident["closeNotes"]
    # Every reference resolved, but the answers left empty on purpose.
    assert walk.unresolved == {
        ("57", "comment"),
        ("68", "value"),
        ("75", "value"),
        ("76", "value"),
        ("82", "comment"),
    }
    # No manual task and no branch for a rejection or a broken chain was needed.
    manual = {
        k
        for k, t in walk.tasks.items()
        if t["type"] == "regular" and not (t["task"].get("script") or t["task"].get("scriptName"))
    }
    assert len(manual) == 7
    ran = {k for k, _, _, _ in walk.trail}
    assert not (manual | {"90"}) & ran, sorted(manual & ran)


def test_a_rejection_by_the_chief_risk_officer_stops_the_submission(world):
    walk, (_, outage_end) = world
    walk.answers = answers(outage_end, cro_decision="reject")
    with pytest.raises(ManualTaskReached, match="Rework the initial notification"):
        for _ in walk.run():
            pass
    h = select(walk.context, split_path("DORA.Report(val.Type == 'initial').ContentHash"))
    (rejection,) = [e for e in audit(walk) if e["Kind"] == "rejection"]
    assert rejection["Actor"] == "Jonas Weber" and rejection["Details"]["ContentHash"] == h
    refused = walk.try_task("35", {SUBMIT_INITIAL: ["BaFin-DORA-2026-0042", now(), "Ana Ruiz"]})
    assert refused[0]["Type"] == 4 and "reject" in refused[0]["Contents"], refused
    assert "Submission" not in walk.context["DORA"]


def test_not_major_ends_with_the_reason_and_no_clock(world):
    walk, _ = world
    walk.answers[CONFIRM] = [["No", "Ana Ruiz", "CISO", "The outage stayed within the standby capacity."]]
    for _ in walk.run():
        pass
    (rejection,) = [e for e in audit(walk) if e["Kind"] == "rejection"]
    assert rejection["Details"]["Subject"] == "classification"
    clock = newest(walk.context["DORA"]["Deadlines"])
    assert clock["InitialNotification"]["Status"] == "not-required"
    assert walk.incident["CustomFields"]["doraismajor"] is False
    assert walk.notes == [
        "Not a major ICT-related incident (RTS 2024/1772 Art. 8), decided by Ana Ruiz (CISO): "
        "The outage stayed within the standby capacity."
    ]
    assert walk.trail[-1][1] == "Record why it is not major"


def test_the_walker_reads_every_reference_the_playbook_makes():
    """Every `${...}` and `complex` reference in the playbook is one the walker resolves, and every
    form the playbook asks has its answers in the walk."""
    walk = Walk(PLAYBOOK, incident={}, integrations={}, answers={})
    forms = set()
    for t in PLAYBOOK["tasks"].values():
        for v in (t.get("scriptarguments") or {}).values():
            walk.value(v)
        for c in t.get("conditions", []):
            for group in c["condition"]:
                for o in group:
                    walk.holds(o)
        if t["type"] == "collection":
            forms.add(t["form"]["title"])
            assert t["form"]["title"] == t["task"]["name"]
    assert forms == set(answers(""))


def test_the_test_playbook_passes_on_the_runtime_double():
    """The test playbook XSOAR runs in CI (fixed answers, no forms) reaches Done."""
    assert PLAYBOOK["tests"] == [TEST_PLAYBOOK["id"]]
    walk = Walk(
        TEST_PLAYBOOK,
        incident={"id": "4712", "created": now(), "CustomFields": {}},
        integrations={"DORA Bridge": Integration(DORABridge.main, dora_instance())},
        answers={},
    )
    for _ in walk.run():
        pass
    assert walk.trail[-1][1] == "Done", walk.trail[-1]
    assert walk.context["DORA"]["Submission"]["InitialNotification"]["AuthorityReference"] == "TEST-DORA-0001"
