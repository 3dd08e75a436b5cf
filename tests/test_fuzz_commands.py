"""Fuzzing the integrations' command arguments through their ``main()``, as XSOAR calls them:
every command of every integration, with plausible and junk values for the arguments its YAML
declares. Each call sends an entry; an error is a ``DoraBridgeError``, the glue's own
``DemistoException`` or a refusal by XSOAR's argument helpers, never a panic or another
exception (the contract in tests/fuzzing.py).
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import CommonServerPython
import DORABridge
import DORABridgeContext
import DORABridgeSOCRadar
import pytest
import yaml
from harness import run_command
from hypothesis import given, settings
from hypothesis import strategies as st

from devtools.socradar_server import SocRadarServer
from dora_bridge import DoraBridgeError, InternalError
from tests.fixtures import API_KEY, COMPANY_ID, dora_params, instance_params
from tests.fuzzing import INTERNAL, NOW, REGISTER, ROOT, _short, date_texts, json_leaf

PACK = ROOT / "Packs" / "DORABridge" / "Integrations"
MODULES = {
    "DORABridge": DORABridge,
    "DORABridgeSOCRadar": DORABridgeSOCRadar,
    "DORABridgeContext": DORABridgeContext,
}
YMLS = {name: yaml.safe_load((PACK / name / f"{name}.yml").read_text()) for name in MODULES}
ARGUMENTS = {
    c["name"]: tuple(c.get("arguments", [])) for yml in YMLS.values() for c in yml["script"]["commands"]
}
COMMANDS = [(name, c["name"]) for name, yml in YMLS.items() for c in yml["script"]["commands"]]

junk_args = st.one_of(
    st.text(max_size=30),
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.lists(st.one_of(st.text(max_size=8), st.integers(), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=5), json_leaf, max_size=2),
    st.sampled_from(
        ["x" * 50_000, "[", "[1, 2", '["a", 1]', "{}", "  ", "é" * 100, "\u202e\u0000", "inf", "nan", "-0"]
    ),
)
PLAUSIBLE: dict[str, list[Any]] = {
    "alarm_id": [81_171_696, "81171696", "1"],
    "id": [81_171_696, "81171696"],
    "lastUpdate": ["0", "2026-11-23T00:00:00Z", 1_790_000_000],
    "alarm_ids": ["81171696, 81171697", [81_171_696], "81171696"],
    "company_id": [str(COMPANY_ID), COMPANY_ID, ""],
    "user_email": ["analyst@bank.eu"],
    "email": ["analyst@bank.eu"],
    "user_emails": ["analyst@bank.eu, soc@bank.eu", ["analyst@bank.eu"]],
    "comment": ["Checked."],
    "comments": ["Checked."],
    "tag": ["dora-relevant"],
    "first_fetch": ["3 days", "1 hour", "2026-11-20T00:00:00Z"],
    "limit": ["5", 3],
    "services": ["Card payments", ["Card payments", "Reporting"]],
    "asset": ["cardgw-01.zb.internal"],
    "incidents": [
        json.dumps([{"id": "1", "root_cause": "config", "occurred_at": "2026-10-01T08:00:00Z"}]),
        [{"id": "2", "root_cause": "config", "occurred_at": "2026-11-01T08:00:00Z"}],
    ],
    "affected_services": ["Card payments"],
    "member_states": ["DE, FR", ["AT"]],
    "client_countries": ["DE, FR"],
    "reference_days": ["30", 7],
    "approver": ["cro@bank.eu"],
    "role": ["CRO", "CISO"],
    "submitted_by": ["Operations"],
    "authority_reference": ["BaFin-2026-1"],
    "content_hash": ["0" * 64],
    "exchange_rate": ["4.265", "0", "1e3"],
    "exchange_rate_source": ["ECB euro reference rate of 2026-11-23"],
    "combined_with": [["initial"], "intermediate", ["initial", "final"]],
    "estimates": ["clients_affected"],
}


def arg_values(arg: dict) -> st.SearchStrategy:
    name = arg["name"]
    plausible = list(arg.get("predefined") or []) + PLAUSIBLE.get(name, [])
    if name.endswith(("_at", "_start", "_end")) or name == "now":
        return st.one_of(date_texts, junk_args)
    if name.endswith(("_affected", "_total", "_average", "_eur")):
        plausible += ["12", "12 430", 0, "48000000.00"]
    return st.one_of(st.sampled_from(plausible), junk_args) if plausible else junk_args


@st.composite
def command_args(draw: st.DrawFn, arguments: tuple) -> dict:
    args = {}
    for arg in arguments:
        if draw(st.integers(0, 2)):
            args[arg["name"]] = draw(arg_values(arg))
    if draw(st.integers(0, 9)) == 0:
        args[draw(st.text(max_size=8))] = draw(junk_args)
    return args


@pytest.fixture(scope="module")
def socradar_params() -> Iterator[dict]:
    """The SOCRadar instance against a local SOCRadar-compatible server that knows the alarms
    the plausible arguments name, so valid arguments just work."""
    with SocRadarServer(api_key=API_KEY, company_id=COMPANY_ID) as srv:
        srv.set_now(NOW)
        for i, alarm_id in enumerate((81_171_696, 81_171_697, 1)):
            srv.add_alarm({"alarm_id": alarm_id, "date": f"2026-11-23T0{i}:00:00", "status": "OPEN"})
        # Mirroring both ways, so the mirroring commands do their whole work on what they are given.
        yield instance_params(
            srv, timeout="2", mirror_direction="Incoming And Outgoing", mirror_user_email="soc@bank.eu"
        )


def params_for(integration: str, socradar: dict) -> dict:
    if integration == "DORABridgeSOCRadar":
        return socradar
    if integration == "DORABridgeContext":
        return {"register_path": str(REGISTER), "branches": "AT: Wien branch"}
    return dora_params()


@contextmanager
def errors_seen(module: Any) -> Iterator[list[BaseException]]:
    """Every exception the integration hands to return_error, kept with its traceback."""
    seen: list[BaseException] = []
    original = module.return_error

    def recording(message: Any, error: Any = "", outputs: Any = None) -> None:
        if isinstance(error, BaseException):
            seen.append(error)
        original(message, error=error, outputs=outputs)

    with mock.patch.object(module, "return_error", recording):
        yield seen


def refused_as_documented(error: BaseException) -> bool:
    """A DoraBridgeError other than InternalError, the glue's own DemistoException, or a
    ValueError raised by XSOAR's argument helpers (argToBoolean, arg_to_number, argToList)."""
    if isinstance(error, InternalError):
        return False
    if isinstance(error, (DoraBridgeError, CommonServerPython.DemistoException)):
        return True
    frames = traceback.extract_tb(error.__traceback__)
    return (
        isinstance(error, ValueError) and bool(frames) and frames[-1].filename == CommonServerPython.__file__
    )


@pytest.mark.parametrize(("integration", "command"), COMMANDS, ids=[f"{c[0]}:{c[1]}" for c in COMMANDS])
@settings(max_examples=20)
@given(data=st.data())
def test_command_arguments(socradar_params, integration, command, data):
    args = data.draw(command_args(ARGUMENTS[command]), label="args")
    module = MODULES[integration]
    with errors_seen(module) as errors:
        entries = run_command(module.main, command, params_for(integration, socradar_params), args)
    assert entries, f"{command} sent no entry for {args!r}"
    for e in errors:
        detail = "".join(traceback.format_exception(e))
        assert refused_as_documented(e), (
            f"{command} with {_short(args)} failed with {type(e).__name__}:\n{detail}"
        )
    for entry in entries:
        text = json.dumps(entry, default=str)
        assert INTERNAL not in text, f"{command} with {_short(args)} panicked: {text[:2000]}"
        if isinstance(entry, dict) and entry.get("Type") == CommonServerPython.EntryType.ERROR:
            assert errors, f"{command} returned an error entry without an exception: {entry}"
