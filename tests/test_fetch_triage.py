"""Triage at ingestion through the real fetch: alarms of every type from the local SOCRadar server,
fetched by the integration with an admin's rules, each incident carrying the outcome, rule and
reason the rules give (checked against an independent reading of the documented rules), in its
DORA Triage fields and in rawJSON under ``dora_bridge.triage``; wrong rules fail the connection
test and the fetch, naming ``triage_rules``, and create nothing."""

from __future__ import annotations

import ipaddress
import json
from collections import Counter
from datetime import timedelta

import demistomock as demisto
import DORABridgeSOCRadar as integration  # noqa: N813
from harness import run_command, run_fetch

from devtools.socradar_server import SocRadarServer
from devtools.socradar_server.content import COMPANY_DOMAIN
from tests.exactly_once import core_clock
from tests.fixtures import NOW, TRIAGE_DEFAULTS, instance_params

#: The defaults as the integration README documents them: (main type, sub type or None, outcome).
DEFAULTS = TRIAGE_DEFAULTS


def asset_matches(pattern: str, asset: str) -> bool:
    if "/" in pattern:
        # An exposed service is named address:port; its address is what the block matches.
        host, _, port = asset.rpartition(":") if asset.count(":") == 1 else (asset, "", "")
        if port and not port.isdigit():
            return False
        try:
            return ipaddress.ip_address(host) in ipaddress.ip_network(pattern, strict=False)
        except ValueError:
            return False
    if pattern.startswith("*."):
        domain = pattern[2:].lower()
        return asset.lower() == domain or asset.lower().endswith("." + domain)
    return asset.lower() == pattern.lower()


def expected(rules: list[dict], alarm: dict) -> tuple[str, str]:
    """(outcome, rule) for `alarm`: the admin's rules in order, then the defaults."""
    details = alarm.get("alarm_type_details") or {}
    main, sub, asset = details.get("alarm_main_type"), details.get("alarm_sub_type"), alarm.get("alarm_asset")
    for i, r in enumerate(rules):
        if (
            ("main_type" not in r or r["main_type"].lower() == (main or "").lower())
            and ("sub_type" not in r or r["sub_type"].lower() == (sub or "").lower())
            and ("asset" not in r or (asset and asset_matches(r["asset"], asset)))
        ):
            return r["outcome"], f"triage_rules[{i}]"
    for m, s, outcome in DEFAULTS:
        if m == main and s is not None and s == sub:
            return outcome, f"default: sub type {s}"
    for m, s, outcome in DEFAULTS:
        if m == main and s is None:
            return outcome, f"default: main type {m}"
    return "cyber-threat", "default"


def _is_ip(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def a_mix(server: SocRadarServer) -> list[dict]:
    server.generate(150, seed=15, start=NOW - timedelta(hours=20), end=NOW)
    by_sub = {a["alarm_type_details"]["alarm_sub_type"]: a for a in server.alarms}
    ip = next(a["alarm_asset"] for a in server.alarms if _is_ip(a["alarm_asset"]))
    assert len(by_sub) >= 12, sorted(by_sub)
    return [
        {"asset": f"{ip}/24", "outcome": "candidate-ict-incident", "reason": "the card gateway"},
        {"main_type": "brand protection", "outcome": "not-dora-relevant", "reason": "the brand team's"},
        {
            "asset": f"*.{COMPANY_DOMAIN}",
            "outcome": "candidate-ict-incident",
            "reason": "the company's domains",
        },
    ]


def test_each_fetched_incident_carries_the_triage_its_alarm_gets(server):
    rules = a_mix(server)
    params = instance_params(server, status=[], triage_rules=json.dumps(rules))
    demisto.setup(last_run={})
    with core_clock(server.now):
        run = run_fetch(integration.main, params)
    assert run.error is None, run.error
    alarms = {str(a["alarm_id"]): a for a in server.alarms}
    assert len(run.incidents) == len(alarms)
    outcomes: Counter[str] = Counter()
    rules_used: Counter[str] = Counter()
    for incident in run.incidents:
        alarm = alarms[incident["dbotMirrorId"]]
        want_outcome, want_rule = expected(rules, alarm)
        fields = incident["CustomFields"]
        got = (fields["doratriageoutcome"], fields["doratriagerule"])
        assert got == (want_outcome, want_rule), (alarm["alarm_type_details"], alarm["alarm_asset"], got)
        if want_rule.startswith("triage_rules["):
            assert fields["doratriagereason"] == rules[int(want_rule[13:-1])]["reason"]
        else:
            assert len(fields["doratriagereason"]) > 40
        raw = json.loads(incident["rawJSON"])
        assert raw["dora_bridge"]["triage"] == {
            "outcome": fields["doratriageoutcome"],
            "rule": fields["doratriagerule"],
            "reason": fields["doratriagereason"],
        }
        assert raw["alarm_id"] == alarm["alarm_id"], "the alarm itself is kept"
        outcomes[want_outcome] += 1
        rules_used[want_rule] += 1
    assert set(outcomes) == {"candidate-ict-incident", "cyber-threat", "not-dora-relevant"}, outcomes
    assert {f"triage_rules[{i}]" for i in range(len(rules))} <= set(rules_used), rules_used
    assert any(r.startswith("default: sub type") for r in rules_used), rules_used
    assert any(r.startswith("default: main type") for r in rules_used), rules_used


def test_wrong_rules_fail_the_connection_test_and_the_fetch_naming_the_parameter(server):
    server.generate(5, seed=16, start=NOW - timedelta(hours=2), end=NOW)
    for bad, needle in [
        ("[{", "it is not JSON"),
        ('[{"sub_type": "Data Leak", "outcome": "major", "reason": "x"}]', "triage_rules[0] is not a rule"),
    ]:
        for is_fetch in (True, False):
            params = instance_params(server, isFetch=is_fetch, triage_rules=bad)
            (entry,) = run_command(integration.main, "test-module", params)
            assert (
                entry["Type"] == 4 and "triage_rules" in entry["Contents"] and needle in entry["Contents"]
            ), entry
        params = instance_params(server, triage_rules=bad)
        demisto.setup(last_run={})
        with core_clock(server.now):
            run = run_fetch(integration.main, params)
        assert run.error is not None and "triage_rules" in str(run.error)
        assert run.incidents == [] and demisto.getLastRun() == {}
    good = instance_params(server, triage_rules="")
    with core_clock(server.now):
        run = run_fetch(integration.main, good)
    assert run.error is None and len(run.incidents) == 5
