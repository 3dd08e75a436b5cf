"""The DORA classifier, clock and checks through the Python API of the core."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dora_bridge import (
    EntityProfile,
    InputError,
    assess_cyber_threat,
    classification_inputs,
    incident_field_updates,
)
from dora_bridge.cli import EXAMPLE
from tests.fixtures import dora_params

ROOT = Path(__file__).parent.parent
PROFILE = EntityProfile.from_params(dora_params())
AT = "2026-11-23T12:00:00Z"


def classify(args: dict, **kw) -> dict:
    return PROFILE.classify(args, now=AT, **kw)


def test_a_classification_is_explained_criterion_by_criterion():
    c = classify(
        {"affected_services": "Card payments", "clients_affected": 12430, "member_states": ["de", "AT"]}
    )
    assert c["is_major"] is True and c["rule"] == "RTS 2024/1772 Art. 8(1)(b)"
    assert [x["name"] for x in c["criteria"]] == [
        "Clients, financial counterparts and transactions",
        "Reputational impact",
        "Duration and service downtime",
        "Geographical spread",
        "Data losses",
        "Critical services affected",
        "Economic impact",
    ]
    assert c["classified_at"] == AT
    assert c["facts"]["clients_affected"] == {
        "value": 12430,
        "source": "argument clients_affected",
        "estimate": False,
    }


def test_the_same_facts_give_the_same_record():
    a = classify({"member_states": "DE, AT", "economic_impact_eur": "100000.01"})
    b = classify({"economic_impact_eur": "100 000.01", "member_states": ["at", "de"]})
    assert a == b


def test_input_errors_carry_the_argument():
    with pytest.raises(InputError) as e:
        classify({"counterparts_affected": "-1"})
    assert e.value.argument == "counterparts_affected"


@given(
    affected=st.integers(min_value=0, max_value=98_000),
    states=st.lists(st.sampled_from(["de", "AT", "FR", "US"]), max_size=4),
    euros=st.integers(min_value=0, max_value=300_000),
)
def test_more_impact_never_makes_major_non_major(affected, states, euros):
    base = {
        "affected_services": "Card payments",
        "clients_affected": affected,
        "member_states": states,
        "economic_impact_eur": str(euros),
    }
    before = classify(base)["is_major"]
    worse = dict(
        base,
        clients_affected=min(affected + 1, 98_000),
        member_states=[*states, "NL"],
        economic_impact_eur=str(euros + 1),
    )
    assert not before or classify(worse)["is_major"]


def test_deadlines_and_field_updates():
    d = PROFILE.deadlines(
        {"detected_at": "2026-11-23T08:00:00Z", "classified_at": "2026-11-23T09:00:00Z", "is_major": "true"},
        now=AT,
    )
    assert d["initial_notification"]["due"] == "2026-11-23T13:00:00Z"
    assert d["initial_notification"]["status"] == "due-soon"
    u = incident_field_updates(deadlines=d, now=AT)
    assert u["fields"]["dorainitialnotificationdue"] == "2026-11-23T13:00:00Z"
    assert u["timers"][0] == {
        "field": "dorainitialnotificationsla",
        "action": "start",
        "due": "2026-11-23T13:00:00Z",
        "sla_minutes": 60,
        "status": "due-soon",
    }


def test_cyber_threat_and_inputs_table():
    t = assess_cyber_threat({"could_affect_clients_or_counterparts": True, "high_probability": True})
    assert t["significant"] is False and t["determinate"] is False
    assert "could_affect_critical_services" in t["missing"]
    names = {i["name"] for i in classification_inputs()}
    assert {
        "clients_affected",
        "member_states",
        "economic_impact_eur",
        "malicious_unauthorized_access",
    } <= names


def test_the_command_line_shows_a_runnable_example(tmp_path):
    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "dora_bridge.cli", *args], capture_output=True, text=True, cwd=tmp_path
        )

    help_text = cli("--help")
    assert help_text.returncode == 0 and "dora-bridge example > incident.json" in help_text.stdout
    example = cli("example")
    assert example.returncode == 0 and json.loads(example.stdout)["incident"]["affected_services"]
    (tmp_path / "incident.json").write_text(example.stdout)
    # The commands the help shows, run as shown.
    for line in help_text.stdout.splitlines():
        line = line.strip()
        if line.startswith("dora-bridge ") and not line.startswith("dora-bridge example"):
            run = cli(*line.split()[1:])
            assert run.returncode == 0 and run.stdout.strip(), (line, run.stderr)
    assert cli("classify").returncode == 2, "a missing file is a usage error"


def test_the_command_line_explains_a_classification(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "dora_bridge.cli", "classify", str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.startswith("MAJOR — RTS 2024/1772 Art. 8(1)(b)")
    assert "12 430 of 98 000 clients affected (12.68%) > 10% — RTS 2024/1772 Art. 9(1)(a)" in result.stdout
    as_json = subprocess.run(
        [
            sys.executable,
            "-m",
            "dora_bridge.cli",
            "deadlines",
            str(EXAMPLE),
            "--json",
            "--now",
            AT,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(as_json.stdout)["initial_notification"]["due"] == "2026-11-23T15:05:00Z"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"profile": dora_params(), "incident": {"member_states": "DE,QQ"}}))
    failed = subprocess.run(
        [sys.executable, "-m", "dora_bridge.cli", "classify", str(bad)], capture_output=True, text=True
    )
    assert failed.returncode == 2
    assert "member_states must list ISO 3166-1 alpha-2 country codes" in failed.stderr
