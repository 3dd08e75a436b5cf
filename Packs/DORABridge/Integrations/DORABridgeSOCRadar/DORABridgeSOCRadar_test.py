"""DORABridgeSOCRadar run through its main(), on the XSOAR runtime double, against the local
SOCRadar-compatible server over real HTTP."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import demistomock as demisto
import DORABridgeSOCRadar as integration  # noqa: N813
import pytest
import yaml
from harness import run_command

from devtools.socradar_server import SocRadarServer, parse_alarm_date
from tests.fixtures import API_KEY, instance_params

HERE = Path(__file__).parent
YML = yaml.safe_load((HERE / "DORABridgeSOCRadar.yml").read_text())
PACK_FIELDS = {
    json.loads(p.read_text())["cliName"] for p in (HERE.parent.parent / "IncidentFields").glob("*.json")
}


@pytest.fixture
def server():
    """The integration reads the real clock, so this server keeps real time too."""
    with SocRadarServer(api_key=API_KEY) as srv:
        yield srv


def run(command: str, params: dict, args: dict | None = None, *, keep_state: bool = False) -> list:
    return run_command(integration.main, command, params, args, keep_state=keep_state)


def declared_outputs(command: str) -> set[str]:
    for c in YML["script"]["commands"]:
        if c["name"] == command:
            return {o["contextPath"] for o in c.get("outputs", [])}
    raise AssertionError(f"{command} is not in the yml")


def context_paths(entry: dict) -> set[str]:
    """Every context path an entry writes, as the yml spells them (`Prefix.Key.SubKey`)."""
    paths = set()
    for key, value in entry["EntryContext"].items():
        prefix = key.split("(")[0]
        items = value if isinstance(value, list) else [value]
        for item in items:
            for k, v in item.items():
                if isinstance(v, list) and v and isinstance(v[0], dict):
                    paths |= {f"{prefix}.{k}.{sub}" for row in v for sub in row}
                else:
                    paths.add(f"{prefix}.{k}")
    return paths


def only_entry(results: list) -> dict:
    assert len(results) == 1, results
    return results[0]


def assert_no_secret() -> None:
    blob = json.dumps(demisto.recorded_results, default=str) + json.dumps(demisto.recorded_logs)
    assert API_KEY not in blob


def test_yml_declares_exactly_the_commands_main_answers():
    declared = {c["name"] for c in YML["script"]["commands"]}
    assert declared == set(integration.COMMANDS) | set(integration.MIRROR_COMMANDS)
    readme = (HERE / "README.md").read_text()
    examples = (HERE / "command_examples").read_text()
    for name in declared:
        assert f"### {name}" in readme, f"{name} is not documented in README.md"
    # The mirroring commands are the server's; the examples are the analyst's commands.
    for name in integration.COMMANDS:
        assert f"!{name}" in examples


def test_yml_parameters_are_the_ones_the_core_reads():
    names = {p["name"] for p in YML["configuration"]}
    assert names == {
        "url", "credentials", "company_id", "insecure", "proxy", "timeout", "isFetch", "incidentType",
        "max_fetch", "first_fetch", "incidentFetchInterval", "status", "severity", "alarm_type_ids",
        "excluded_alarm_type_ids", "alarm_main_types", "alarm_sub_types", "excluded_alarm_main_types",
        "excluded_alarm_sub_types", "include_content", "include_entities", "include_company_id",
        "lookback_minutes", "date_format", "page_concurrency", "max_response_mb", "tags", "assignees", "date_from",
        "date_to", "mirror_direction", "mirror_user_email", "comment_tag", "comment_tag_in", "close_incident",
        "close_alarm", "close_reason_map", "mirror_window_days", "max_alarms_read", "fetch_time_budget", "triage_rules",
    }  # fmt: skip


def test_test_module_answers_ok(server):
    assert run("test-module", instance_params(server)) == ["ok"]
    assert_no_secret()


def test_test_module_reports_a_wrong_key_without_it(server):
    params = instance_params(server, credentials={"identifier": "", "password": "wrong-key-1234"})
    entry = only_entry(run("test-module", params))
    assert entry["Type"] == 4
    assert "SOCRadar refused the API key (HTTP 401)" in entry["Contents"]
    assert "wrong-key-1234" not in json.dumps(demisto.recorded_results) + json.dumps(demisto.recorded_logs)


def test_test_module_checks_fetch_settings(server):
    entry = only_entry(run("test-module", instance_params(server, first_fetch="soon")))
    assert entry["Type"] == 4 and "first_fetch must be a time span" in entry["Contents"]
    assert server.requests == []


def test_fetch_across_runs_with_the_server_changing(server):
    server.generate(60, seed=11, start=server.now - timedelta(days=4))
    params = instance_params(server, status=[], max_fetch="25")
    delivered: list[str] = []
    run("fetch-incidents", params)
    for step in range(8):
        for batch in demisto.recorded_incidents:
            delivered += [i["dbotMirrorId"] for i in batch]
        if step < 3:
            # New alarms, dated within the look-back overlap (15 minutes) before they appear, and
            # an old one closed: it must neither come back nor hide another.
            server.generate(5, seed=300 + step, start=server.now - timedelta(minutes=14))
            server.remove_alarm(server.alarms[step]["alarm_id"])
        run("fetch-incidents", params, keep_state=True)
    for batch in demisto.recorded_incidents:
        delivered += [i["dbotMirrorId"] for i in batch]
    state = demisto.getLastRun()
    first_start = parse_alarm_date(state["first_window_start"])
    expected = {str(a["alarm_id"]) for a in server.alarms if parse_alarm_date(a["date"]) >= first_start}
    assert len(delivered) == len(set(delivered)), "no incident twice"
    assert expected <= set(delivered)
    assert len(delivered) >= 45
    assert state["version"] == 1 and state["high_water_mark"].endswith("Z")
    assert_no_secret()


def test_fetched_incidents_are_complete_and_use_pack_fields(server):
    server.generate(40, seed=12, start=server.now - timedelta(hours=3))
    run("fetch-incidents", instance_params(server, status=[], include_company_id=True))
    incidents = demisto.recorded_incidents[0]
    assert len(incidents) == 40
    for inc in incidents:
        assert {"name", "occurred", "severity", "rawJSON", "dbotMirrorId", "type", "CustomFields"} <= set(inc)
        assert inc["type"] == "DORA ICT Incident"
        assert inc["occurred"].endswith("Z") and len(inc["occurred"]) == 20
        raw = json.loads(inc["rawJSON"])
        assert str(raw["alarm_id"]) == inc["dbotMirrorId"]
        level = raw.get("alarm_risk_level")
        assert inc["severity"] == {"INFO": 0.5, "LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}.get(level, 0)
        unknown = set(inc["CustomFields"]) - PACK_FIELDS
        assert not unknown, f"CustomFields without an incident field in the pack: {unknown}"
        assert inc["CustomFields"]["dorasocradarcompanyid"] == "789"
    with_content = [
        i for i in incidents if any(k.startswith("dorasocradarcontent") for k in i["CustomFields"])
    ]
    assert len(with_content) == len(incidents)


def test_a_fetch_failing_part_way_stores_what_it_could_and_reports_it(server):
    server.generate(250, seed=13, start=server.now - timedelta(hours=3))
    calls = {"n": 0}

    def fail_after_first(srv, query) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            srv.inject("500")

    server.on_search = fail_after_first
    params = instance_params(server, status=[], page_concurrency="1")
    # The run returns normally: its incidents and its state are stored on any server, and the
    # failure shows in the instance's health and the log.
    run("fetch-incidents", params)
    assert len(demisto.recorded_incidents) == 1
    first = [i["dbotMirrorId"] for i in demisto.recorded_incidents[0]]
    assert len(first) == 100
    (health,) = demisto.recorded_health
    assert "SOCRadar API error (HTTP 500)" in health and "created 100 incidents" in health
    assert any(level == "error" and health in m for level, m in demisto.recorded_logs)
    assert demisto.getLastRun()["high_water_mark"] is None
    assert len(demisto.getLastRun()["seen"]) > 0
    server.on_search = None
    run("fetch-incidents", params, keep_state=True)
    rest = [i["dbotMirrorId"] for i in demisto.recorded_incidents[0]]
    assert len(rest) == 150 and not set(rest) & set(first)
    assert demisto.recorded_health == []


def test_a_rejected_key_fails_the_fetch_and_changes_nothing(server):
    params = instance_params(server, credentials={"identifier": "", "password": "revoked-key-1"})
    stored = {"version": 1, "high_water_mark": "2026-11-23T08:00:00Z", "seen": {"1795424400": [7]}}
    demisto.setup(last_run=stored)
    with pytest.raises(Exception, match="refused the API key"):
        run("fetch-incidents", params, keep_state=True)
    assert [i for batch in demisto.recorded_incidents for i in batch] == []
    assert demisto.getLastRun() == stored


def test_a_malformed_alarm_is_logged_and_the_rest_fetched(server):
    server.generate(3, seed=14, start=server.now - timedelta(hours=1))
    server.inject("malformed_alarm")
    run("fetch-incidents", instance_params(server, status=[]))
    assert len(demisto.recorded_incidents[0]) == 3
    errors = [m for level, m in demisto.recorded_logs if level == "error"]
    assert any("Skipped a malformed alarm" in m and "alarm_id" in m for m in errors)


ACTIONS = [
    ("socradar-change-alarm-status", {"status_reason": "INVESTIGATING", "comments": "Under review"}, "ids"),
    ("socradar-mark-false-positive", {"comments": "Not a real threat"}, "id"),
    ("socradar-mark-resolved", {"comments": "Issue fixed"}, "id"),
    ("socradar-add-comment", {"user_email": "analyst@bank.eu", "comment": "Investigating"}, "id"),
    ("socradar-ask-analyst", {"comment": "Need help analysing this leak"}, "id"),
    ("socradar-change-assignee", {"user_emails": "a1@bank.eu,a2@bank.eu"}, "id"),
    ("socradar-add-tag", {"tag": "reviewed"}, "id"),
    ("socradar-change-severity", {"severity": "HIGH"}, "id"),
]


@pytest.mark.parametrize(("command", "args", "id_arg"), ACTIONS)
def test_every_action_writes_its_declared_context(server, command, args, id_arg):
    alarm = server.generate(1, seed=15)[0]
    aid = str(alarm["alarm_id"])
    args = {**args, ("alarm_ids" if id_arg == "ids" else "alarm_id"): aid}
    entry = only_entry(run(command, instance_params(server), args))
    assert entry["Type"] == 1, entry
    key = "SOCRadar.Alarm(val.ID && val.ID == obj.ID)"
    assert entry["EntryContext"][key][0]["ID"] == str(alarm["alarm_id"])
    written = context_paths(entry)
    assert written <= declared_outputs(command), f"undeclared outputs: {written - declared_outputs(command)}"
    assert entry["HumanReadable"].startswith("### ")
    assert aid in entry["HumanReadable"]
    assert server.requests[-1].method == "POST"
    assert_no_secret()


def test_actions_change_the_alarm_on_the_server(server):
    alarm = server.generate(1, seed=16)[0]
    aid = alarm["alarm_id"]
    params = instance_params(server)
    run("socradar-mark-false-positive", params, {"alarm_id": str(aid)})
    assert server.get_alarm(aid)["status"] == "CLOSED"
    run("socradar-change-severity", params, {"alarm_id": str(aid), "severity": "low"})
    assert server.get_alarm(aid)["alarm_risk_level"] == "LOW"
    run("socradar-change-assignee", params, {"alarm_id": str(aid), "user_emails": "x@bank.eu"})
    assert server.get_alarm(aid)["alarm_assignees"] == ["x@bank.eu"]


def test_test_fetch_previews_without_storing(server):
    server.generate(30, seed=17, start=server.now - timedelta(hours=5))
    entry = only_entry(
        run(
            "socradar-test-fetch", instance_params(server, status=[]), {"first_fetch": "1 day", "limit": "10"}
        )
    )
    ctx = entry["EntryContext"]["SOCRadar.TestFetch(val.CompanyID && val.CompanyID == obj.CompanyID)"]
    # The page count is the window's at the fetch's page size, not at the sample's limit.
    assert ctx["Returned"] == 10 and ctx["TotalRecords"] == 30 and ctx["TotalPages"] == 1
    assert ctx["CompanyID"] == 789 and {a["CompanyID"] for a in ctx["Alarms"]} == {789}
    assert ctx["Hint"] is None
    assert context_paths(entry) <= declared_outputs("socradar-test-fetch")
    assert "Total available: 30 records across 1 pages of 100" in entry["HumanReadable"]
    assert (
        f"Time window (epoch seconds): {ctx['WindowStartEpoch']} to {ctx['WindowEndEpoch']}"
        in (entry["HumanReadable"])
    )
    assert demisto.getLastRun() == {}


def test_test_fetch_says_which_filter_emptied_the_window(server):
    server.generate(12, seed=18, start=server.now - timedelta(hours=5))
    for a in server.alarms:
        a["status"] = "OPEN"
    params = instance_params(server, status=["ON_HOLD"], severity="CRITICAL")
    entry = only_entry(run("socradar-test-fetch", params, {"first_fetch": "1 day"}))
    ctx = entry["EntryContext"]["SOCRadar.TestFetch(val.CompanyID && val.CompanyID == obj.CompanyID)"]
    assert ctx["TotalRecords"] == 0 and ctx["UnfilteredTotal"] == 12
    assert "status=ON\\_HOLD; severities=CRITICAL" in entry["HumanReadable"]
    assert "without them it holds 12 alarms" in ctx["Hint"]
    server.remove_alarm(server.alarms[0]["alarm_id"])
    entry = only_entry(run("socradar-test-fetch", params, {"first_fetch": "1 minute"}))
    ctx = entry["EntryContext"]["SOCRadar.TestFetch(val.CompanyID && val.CompanyID == obj.CompanyID)"]
    assert ctx["UnfilteredTotal"] == 0 and "widen First fetch time" in ctx["Hint"]


BAD_ARGS = [
    ("socradar-add-comment", {"alarm_id": "abc", "user_email": "a@bank.eu", "comment": "x"}, "alarm_id must be a positive integer"),
    ("socradar-add-comment", {"alarm_id": "1", "user_email": "a@", "comment": "x"}, "user_email must be an e-mail address"),
    ("socradar-add-comment", {"alarm_id": "1", "user_email": "a@bank.eu", "comment": " "}, "comment must not be empty"),
    ("socradar-change-alarm-status", {"alarm_ids": "1,-2", "status_reason": "RESOLVED"}, "alarm_ids must be comma-separated"),
    ("socradar-change-alarm-status", {"alarm_ids": "1", "status_reason": "DONE"}, "status_reason must be one of"),
    ("socradar-change-severity", {"alarm_id": "1", "severity": "URGENT"}, "severity must be one of LOW, MEDIUM, HIGH, CRITICAL"),
    ("socradar-change-assignee", {"alarm_id": "1", "user_emails": "nobody"}, "user_emails must be an e-mail address"),
    ("socradar-ask-analyst", {"alarm_id": "1", "comment": "x", "company_id": "x1"}, "company_id must be a positive integer"),
    ("socradar-add-tag", {"alarm_id": "0", "tag": "t"}, "alarm_id must be a positive integer, got '0'"),
    ("socradar-test-fetch", {"first_fetch": "whenever"}, "first_fetch must be a time span"),
    ("socradar-test-fetch", {"limit": "0"}, "limit must be a whole number from 1 to 100"),
]  # fmt: skip


@pytest.mark.parametrize(("command", "args", "message"), BAD_ARGS)
def test_bad_arguments_get_a_clear_error_and_no_request(server, command, args, message):
    entry = only_entry(run(command, instance_params(server), args))
    assert entry["Type"] == 4
    assert message in entry["Contents"]
    assert server.requests == []


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"company_id": "abc"}, "company_id must be a positive integer, got 'abc'"),
        ({"url": "platform.socradar.com/api"}, "url must be an http:// or https:// URL"),
    ],
)
def test_bad_instance_parameters_get_a_clear_error(server, override, message):
    entry = only_entry(
        run("socradar-add-tag", instance_params(server, **override), {"alarm_id": "1", "tag": "t"})
    )
    assert entry["Type"] == 4 and message in entry["Contents"]
    assert server.requests == []


def test_unknown_command_is_an_error(server):
    entry = only_entry(run("socradar-nope", instance_params(server)))
    assert entry["Type"] == 4 and "not implemented" in entry["Contents"]
