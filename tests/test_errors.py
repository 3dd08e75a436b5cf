"""The exception tree as a script outside XSOAR meets it: one rule per test. ``InputError`` names
the argument the caller passed, from Rust or from Python; a report's and the four-eyes gate's
refusals are ``ReportError`` and ``ApprovalError``; ``partial`` exactly where the stub says; no
chat command in any message of the core (the integrations add those)."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

import dora_bridge
from dora_bridge import (
    ApprovalError,
    ConnectorError,
    ContextConnectors,
    DoraBridgeError,
    InputError,
    ReportError,
    SocRadarClient,
    SocRadarError,
    TransportError,
)
from tests.anchor import at
from tests.fixtures import API_KEY, COMPANY_ID, client, make_client, server  # noqa: F401
from tests.test_python_api import Chain, card_outage, reporting_profile, signed_in, standing_clock  # noqa: F401

SRC = Path(__file__).resolve().parent.parent / "src"


def test_input_error_made_in_python_carries_its_argument_or_none():
    e = InputError("limit must be 1 to 100, got 0.", argument="limit")
    assert (str(e), e.argument, e.args) == (
        "limit must be 1 to 100, got 0.",
        "limit",
        ("limit must be 1 to 100, got 0.",),
    )
    assert InputError("no argument named").argument is None
    assert InputError.argument is None
    r = ApprovalError("second approval by the same person", argument="approver", needs="approve")
    assert isinstance(r, ReportError) and isinstance(r, DoraBridgeError) and not isinstance(r, InputError)
    assert (r.argument, r.needs) == ("approver", "approve")
    assert (ReportError("x").argument, ReportError("x").needs) == (None, None)
    assert ConnectorError("down", source="CMDB").source == "CMDB" and ConnectorError("down").source is None
    with pytest.raises(TypeError):
        InputError("x", arg="limit")  # type: ignore[call-arg]


def test_a_bad_time_names_the_argument_it_came_in(client):  # noqa: F811
    for argument in ("start", "end"):
        with pytest.raises(InputError) as e:
            client.search(**{argument: "garbage"})
        assert e.value.argument == argument and str(e.value).startswith(argument), str(e.value)


def test_a_bad_country_is_an_input_error_naming_the_python_argument():
    connectors = ContextConnectors.from_params({})
    with pytest.raises(InputError) as e:
        connectors.geo_scope(clients=["DE", "XX: 12 clients"])
    assert e.value.argument == "clients"
    assert str(e.value).startswith('"XX" is not an ISO 3166-1 alpha-2 country code (for 12 clients)')
    with pytest.raises(InputError) as e:
        connectors.geo_scope(market_infrastructures="QX")
    assert e.value.argument == "market_infrastructures"
    with pytest.raises(InputError) as e:
        connectors.geo_scope()
    assert e.value.argument == "clients"
    # What the caller typed stays recorded under the source the context has always carried.
    scope = connectors.geo_scope(clients="AT: 3 clients")
    assert scope["reasons"][0]["source"] == "argument client_countries"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_partial_is_set_by_a_fetch_and_none_on_every_other_socradar_error(server):  # noqa: F811
    assert SocRadarError.partial is None
    dead = SocRadarClient(
        f"http://127.0.0.1:{closed_port()}/api", API_KEY, COMPANY_ID, max_retries=0, timeout_seconds=2.0
    )
    with pytest.raises(TransportError) as e:
        dead.test_connection()
    assert e.value.partial is None
    with pytest.raises(TransportError) as e:
        dead.fetch_incidents(None, now=at())
    assert e.value.partial["incidents"] == [] and e.value.partial["failure"]["type"] == "TransportError"
    c = make_client(server, max_retries=0)
    server.inject("500", times=1)
    with pytest.raises(SocRadarError) as e:
        c.search()
    assert e.value.partial is None
    # A refused argument of a fetch is an InputError: it carries no partial result.
    with pytest.raises(InputError) as e:
        c.fetch_incidents(None, now="yesterday")
    assert not hasattr(e.value, "partial")


def draft_of_an_approved_major_incident(profile: dora_bridge.EntityProfile) -> Chain:
    chain = card_outage()
    incident, context = chain.incident, chain.context
    facts = {"affected_services": "Card payments", "clients_affected": "12430", "member_states": "DE,AT"}
    classification = profile.classify(facts, incident=incident, context=context)
    context["DORA"]["Classification"] = classification
    chain.seal(profile.record_classification(classification, **chain.args()))
    chain.seal(
        profile.approve("classification", "approve", role="CISO", **signed_in("ana.ruiz"), **chain.args())
    )
    chain.seal(profile.report_draft("initial", "json", **chain.args()))
    return chain


def test_the_four_eyes_gate_refuses_with_approval_error_and_a_missing_step_with_report_error(standing_clock):  # noqa: F811
    profile = reporting_profile()
    with pytest.raises(ReportError) as nothing_yet:
        profile.approve(
            "classification", "approve", role="CISO", **signed_in("ana.ruiz"), incident={"id": "1"}
        )
    assert type(nothing_yet.value) is ReportError and nothing_yet.value.needs == "classify"
    assert "classify the incident first" in str(nothing_yet.value)

    chain = draft_of_an_approved_major_incident(profile)
    with pytest.raises(ApprovalError) as early:
        profile.mark_submitted("initial", **signed_in("jonas.weber"), **chain.args())
    assert "before its 2 approvals" in str(early.value) and early.value.argument == "type"

    chain.seal(profile.approve("initial", "approve", role="CISO", **signed_in("ana.ruiz"), **chain.args()))
    with pytest.raises(ApprovalError) as twice:
        profile.approve("initial", "approve", **signed_in("a.ruiz-cro"), **chain.args())
    assert twice.value.argument == "approver" and "one person counts once" in str(twice.value)
    assert not isinstance(twice.value, InputError)

    with pytest.raises(ReportError) as no_draft:
        profile.approve("cyber-threat", "approve", role="CISO", **signed_in("ana.ruiz"), **chain.args())
    assert type(no_draft.value) is ReportError and no_draft.value.needs == "cyber_threat_draft"

    with pytest.raises(TypeError, match="unexpected keyword argument 'approverr'"):
        profile.approve("initial", "approve", approverr="x", **chain.args())  # type: ignore[call-arg]


def test_no_message_of_the_core_names_a_chat_command():
    command = re.compile(r'"[^"\n]*![a-z]+-[a-z]')
    found = [
        f"{path.relative_to(SRC)}:{n}"
        for path in sorted(SRC.rglob("*.rs"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if command.search(line)
    ]
    assert found == []


def test_the_self_test_is_no_part_of_the_api():
    assert "_selftest_panic" not in dora_bridge._core.__all__
    assert callable(dora_bridge._core._selftest_panic)


def test_the_integration_names_the_command_for_the_step_that_must_come_first():
    from dora_bridge.xsoar import needed_command

    needs = {
        "classify": "!dora-classify",
        "report_draft": "!dora-report-draft type=final",
        "cyber_threat_draft": "!dora-cyber-threat-draft",
        "approve": "!dora-approve subject=classification decision=approve",
        "audit_verify": "!dora-audit-verify",
    }
    for step, command in needs.items():
        assert needed_command(ReportError("x", needs=step), {"subject": "final"}) == command
    assert needed_command(ApprovalError("x", needs="report_draft"), {"type": "intermediate"}) == (
        "!dora-report-draft type=intermediate"
    )
    assert needed_command(ReportError("x"), {}) is None
    assert needed_command(InputError("x", argument="limit"), {}) is None
