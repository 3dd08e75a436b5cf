"""Arguments as a playbook passes them: numbers, booleans, None, lists, objects."""

from __future__ import annotations

from pathlib import Path

import DORABridge
import DORABridgeContext
import DORABridgeSOCRadar
import pytest
import yaml
from harness import run_command

from dora_bridge import InputError, command_args
from tests.fixtures import dora_params

PACK = Path(__file__).resolve().parent.parent / "Packs" / "DORABridge" / "Integrations"
MODULES = {
    "DORABridge": DORABridge,
    "DORABridgeContext": DORABridgeContext,
    "DORABridgeSOCRadar": DORABridgeSOCRadar,
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_each_integration_knows_its_array_arguments_as_the_yml_declares_them(name):
    yml = yaml.safe_load((PACK / name / f"{name}.yml").read_text())
    declared: dict[str, set[bool]] = {}
    for command in yml["script"]["commands"]:
        for arg in command.get("arguments", []):
            declared.setdefault(arg["name"], set()).add(bool(arg.get("isArray")))
    both = sorted(n for n, kinds in declared.items() if len(kinds) > 1)
    assert not both, f"{name}: arguments both array and single-valued across commands: {both}"
    arrays = {n for n, kinds in declared.items() if kinds == {True}}
    assert set(MODULES[name].ARRAY_ARGS) == arrays
    assert set(MODULES[name].STRUCTURED_ARGS) <= set(declared) - arrays


def test_scalars_become_the_text_the_war_room_sends():
    out = command_args(
        {"a": True, "b": False, "c": 12, "d": 3.0, "e": 2.5, "f": "x", "g": None, "h": float("nan")}
    )
    assert out == {"a": "true", "b": "false", "c": "12", "d": "3", "e": "2.5", "f": "x", "h": "nan"}


def test_lists_stay_lists_for_array_arguments_only():
    out = command_args(
        {"services": ["Card payments", None, 7], "one": ["AT"], "none": [], "countries": "DE, FR"},
        arrays=("services", "countries"),
    )
    assert out == {"services": ["Card payments", "7"], "one": "AT", "countries": ["DE, FR"]}


def test_structured_arguments_pass_as_they_are():
    incidents = [{"id": "1", "root_cause": "config"}]
    assert command_args({"incidents": incidents}, structured=("incidents",))["incidents"] is incidents


@pytest.mark.parametrize(
    ("args", "arrays", "message"),
    [
        (
            {"now": ["2026-11-23T09:00:00Z", "2026-11-24T09:00:00Z"]},
            (),
            "now takes one value, got a list of 2",
        ),
        ({"comment": {"text": "x"}}, (), 'comment takes text, got dict {"text": "x"}'),
        ({"services": [["Card payments"]]}, ("services",), "services takes text, got list"),
    ],
)
def test_what_has_no_text_form_is_refused_naming_the_argument(args, arrays, message):
    with pytest.raises(InputError, match=message.replace("[", r"\[")) as e:
        command_args(args, arrays=arrays)
    assert e.value.argument == next(iter(args))


def test_a_playbook_boolean_for_a_date_is_refused_by_the_command_as_not_a_date():
    entries = run_command(DORABridge.main, "dora-deadlines", dora_params(), {"now": True, "detected_at": 5})
    assert len(entries) == 1
    assert entries[0]["Type"] == 4
    assert "detected_at" in entries[0]["Contents"] or "now" in entries[0]["Contents"]
    assert "not an instance of" not in entries[0]["Contents"]
