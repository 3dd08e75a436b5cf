"""The core used from plain Python, as a bank's engineer would script it outside XSOAR: no runtime
double, no demistomock. The profile is made from keyword arguments; every result has snake_case
keys (``dora_bridge.types``). The script keeps the incident's context itself (the chain entries
in ``DORA.Audit``) and the chain's head apart from it, as the integration does on the server.

And the exactness of the two spellings: every context path the pack's integrations declare, and
every result of that flow, comes back from snake_case to XSOAR's context spelling unchanged."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import dora_bridge
from dora_bridge import from_context, to_context
from tests.anchor import at
from tests.fixtures import CHAIN_KEY, SCHEMAS, XSOAR_USERS, dora_params
from tests.fuzzing import REGISTER

INTEGRATIONS = Path(__file__).resolve().parent.parent / "Packs" / "DORABridge" / "Integrations"
REGISTER_SAMPLES = {p.name: p.read_text(encoding="utf-8") for p in sorted(REGISTER.glob("b_*.csv"))}


def signed_in(username: str) -> dict:
    """What identifies the person running a step: XSOAR's calling context and user record."""
    return {
        "caller": {"context": {"ParentEntry": {"user": username, "entryTask": None}}},
        "user": XSOAR_USERS[username],
    }


class Chain:
    """The incident's evidence: entries in its context, the head kept outside it. Every result
    is kept, to check afterwards that each spells back to XSOAR's context exactly."""

    def __init__(self, incident: dict, context: dict) -> None:
        self.incident, self.context, self.head = incident, context, None
        self.results: list[Any] = []

    def args(self) -> dict:
        return {"incident": self.incident, "context": self.context, "head": self.head}

    def keep(self, result: Any) -> Any:
        self.results.append(copy.deepcopy(result))
        return result

    def seal(self, out: dict) -> dict:
        self.keep(out)
        entries = out.get("entries") or [e for e in (out.get("entry"), out.get("audit_entry")) if e]
        self.context.setdefault("DORA", {}).setdefault("Audit", []).extend(entries)
        self.head = out["head"]
        return out


@pytest.fixture
def standing_clock():
    dora_bridge.set_clock(at(), running=False)
    yield
    dora_bridge.set_clock(at(), running=True)


def reporting_profile() -> dora_bridge.EntityProfile:
    """A German payment institution with a primary contact and the DORA_IR schema (enough to
    draft), from keyword arguments typed as Python values."""
    return dora_bridge.EntityProfile(
        entity_name="Zahlungsinstitut Beispiel GmbH",
        entity_lei="529900T8BM49AURSDO55",
        entity_type="payment_institution",
        home_member_state="DE",
        critical_services=["Card payments", "Instant payments"],
        authorised_services=["Card payments", "Instant payments"],
        clients_per_service={"Card payments": 98000, "Instant payments": 40000},
        counterparts_per_service={"Card payments": 120},
        daily_transactions_per_service={"Card payments": 1200000},
        daily_value_per_service_eur={"Card payments": "48000000.00"},
        relevant_clients=["Acme Clearing AG"],
        primary_contact_name="Ana Ruiz",
        primary_contact_email="ana.ruiz@zahlungsinstitut-beispiel.de",
        primary_contact_phone="+49 69 1234 5678",
        report_schema=(SCHEMAS / "dora_ir_v1.3.0.json").read_text(),
        report_schema_version="IR-1.3.0",
        chain_key=dict(CHAIN_KEY),
    )


def card_outage() -> Chain:
    """An incident an hour old, with the facts a report needs beyond the classification."""
    incident = {"id": "4711", "created": at(hours=-2), "occurred": at(hours=-3)}
    context: dict = {
        "DORA": {
            "IncidentReport": {
                "IncidentDescription": "Card payments failed for clients in Germany and Austria.",
                "DiscoveryMethod": "monitoring_systems",
                "BusinessContinuityActivated": True,
            }
        }
    }
    return Chain(incident, context)


def run_flow() -> Chain:
    """Classify, run the clock, draft, approve, submit and verify, from plain Python."""
    p = reporting_profile()
    chain = card_outage()
    incident, context = chain.incident, chain.context

    facts = {"affected_services": "Card payments", "clients_affected": "12430", "member_states": "DE,AT"}
    classification = chain.keep(p.classify(facts, incident=incident, context=context))
    assert classification["is_major"] is True and classification["rule"].startswith("RTS 2024/1772 Art. 8(1)")
    assert classification["facts"]["clients_affected"] == {
        "value": 12430,
        "source": "argument clients_affected",
        "estimate": False,
    }
    # The script keeps the snake_case result in its context; the core reads either spelling.
    context["DORA"]["Classification"] = classification
    chain.seal(p.record_classification(classification, **chain.args()))

    clock = chain.keep(p.deadlines({}, incident=incident, context=context))
    initial = clock["initial_notification"]
    assert initial["status"] in ("on-time", "due-soon") and initial["base_due"] == at(hours=4)

    draft = chain.seal(p.report_draft("initial", "json", **chain.args()))
    assert draft["draft"]["complete"] is True, draft["draft"]["problems"]
    # The DORA_IR document keeps the schema's own keys.
    assert draft["draft"]["document"]["incidentSubmission"] == "initial_notification"

    for subject, who, role in [
        ("classification", "ana.ruiz", "CISO"),
        ("initial", "ana.ruiz", "CISO"),
        ("initial", "jonas.weber", "Chief Risk Officer"),
    ]:
        chain.seal(p.approve(subject, "approve", role=role, **signed_in(who), **chain.args()))
    with pytest.raises(dora_bridge.InputError) as refused:
        p.approve("initial", "approve", **signed_in("sam.doe"), **chain.args())
    assert "approver roles" in str(refused.value)
    status = chain.keep(p.approval_status("initial", **chain.args()))
    assert status["approved"] is True and status["missing_roles"] == []

    submitted = chain.seal(
        p.mark_submitted(
            "initial", authority_reference="BaFin-0042", **signed_in("jonas.weber"), **chain.args()
        )
    )
    assert submitted["submission"]["initial_notification"]["authority_reference"] == "BaFin-0042"
    context["DORA"]["Submission"] = submitted["submission"]
    later = chain.keep(p.deadlines({}, incident=incident, context=context))
    assert later["intermediate_report"]["status"] == "on-time"

    verdict = chain.keep(p.audit_verify(**chain.args()))
    assert verdict["valid"] is True and verdict["entries"] == len(context["DORA"]["Audit"]) == 7
    return chain


def test_classify_deadlines_draft_approve_submit_verify_from_plain_python(standing_clock):
    chain = run_flow()
    # A changed entry is found, with the key and without it.
    tampered = copy.deepcopy(chain.context)
    tampered["DORA"]["Audit"][3]["actor"] = "someone.else"
    p = reporting_profile()
    assert p.audit_verify(incident=chain.incident, context=tampered, head=chain.head)["valid"] is False
    assert dora_bridge.audit_verify(tampered["DORA"]["Audit"], incident_id="4711")["valid"] is False
    # The chain kept in XSOAR's spelling verifies the same: the spelling is not what is sealed.
    in_context = {"DORA": to_context(chain.context["DORA"])}
    assert in_context["DORA"]["Audit"][0]["Hash"] == chain.context["DORA"]["Audit"][0]["hash"]
    assert p.audit_verify(incident=chain.incident, context=in_context, head=to_context(chain.head))["valid"]


def test_every_result_of_the_flow_spells_back_to_the_context_exactly(standing_clock):
    for result in run_flow().results:
        shaped = to_context(result)
        assert from_context(shaped) == result
        assert to_context(from_context(shaped)) == shaped


def declared_paths() -> list[str]:
    """Every contextPath the pack's DORA integrations declare (SOCRadar's records keep the
    vendor's keys and are not turned)."""
    paths = []
    for yml in INTEGRATIONS.glob("*/*.yml"):
        for command in yaml.safe_load(yml.read_text())["script"]["commands"]:
            paths += [
                o["contextPath"] for o in command.get("outputs") or [] if o["contextPath"].startswith("DORA.")
            ]
    return sorted(set(paths))


def test_every_declared_context_path_round_trips():
    paths = declared_paths()
    assert len(paths) > 200
    for path in paths:
        value: Any = "x"
        for key in reversed(path.split(".")):
            value = {key: value}
        snake = from_context(value)
        assert to_context(snake) == value, path
        # Every key turned is snake_case (data keys below Value/Document/Facts are not declared).
        node = snake
        while isinstance(node, dict):
            (key,) = node
            assert key == key.lower() and " " not in key, (path, key)
            node = node[key]


def test_a_profile_from_keyword_arguments_is_the_one_from_instance_parameters():
    assert (
        reporting_profile().as_dict()
        == dora_bridge.EntityProfile.from_params(
            dora_params(
                primary_contact_name="Ana Ruiz",
                primary_contact_email="ana.ruiz@zahlungsinstitut-beispiel.de",
                primary_contact_phone="+49 69 1234 5678",
            )
        ).as_dict()
    )
    with pytest.raises(dora_bridge.InputError) as unknown:
        dora_bridge.EntityProfile(entity_name="Acme", entity_lie="529900T8BM49AURSDO55")
    assert unknown.value.argument == "entity_lie"
    with pytest.raises(dora_bridge.InputError) as bad:
        dora_bridge.EntityProfile(
            entity_name="Acme", entity_type="payment_institution", home_member_state="XX"
        )
    assert bad.value.argument == "home_member_state"


def test_the_keyword_arguments_are_the_instance_parameters():
    yml = yaml.safe_load((INTEGRATIONS / "DORABridge" / "DORABridge.yml").read_text())
    declared = [c["name"] for c in yml["configuration"]]
    stub = (Path(dora_bridge.__file__).parent / "_core.pyi").read_text()
    new = stub[stub.index("class EntityProfile:") :]
    new = new[new.index("def __new__(") : new.index(") -> EntityProfile:")]
    named = [line.strip().split(":")[0] for line in new.splitlines() if line.strip().endswith("= ...,")]
    assert named == declared
    # At runtime too: an instance parameter is taken, whatever its place in the list.
    for name in declared:
        with pytest.raises(dora_bridge.InputError) as e:
            dora_bridge.EntityProfile(**{name: None, "entity_name": ""})
        assert e.value.argument == "entity_name", name


def test_the_ict_context_s_countries_feed_the_geographical_scope_as_they_are():
    """``ict_context``'s snake_case ``countries`` go to ``geo_scope(providers=...)`` unchanged, as
    the XSOAR spelling kept in ``DORA.Context.ICT.Countries`` does."""
    connectors = dora_bridge.ContextConnectors.from_params({"register_files": json.dumps(REGISTER_SAMPLES)})
    ict = connectors.ict_context(services=["Card payments"])
    providers = [c for c in ict["countries"] if c["third_party"]]
    assert providers, ict["countries"]
    snake = connectors.geo_scope(clients=["DE"], providers=ict["countries"])
    assert snake == connectors.geo_scope(clients=["DE"], providers=to_context(ict["countries"]))
    assert {c["country"] for c in providers} <= set(snake["member_states"]["value"]) | {
        o["country"] for o in snake["outside_eea"]
    }


def test_context_at_takes_the_newest_entry_of_every_list_on_the_way():
    ctx = {
        "DORA": {
            "Context": [
                {"ICT": {"Countries": ["DE"]}},
                {"ICT": [{"Countries": ["FR"]}, {"Countries": ["AT", "IE"], "AffectedServices": None}]},
            ],
            "Classification": [],
        }
    }
    assert dora_bridge.context_at(ctx, "DORA.Context.ICT.Countries") == ["AT", "IE"]
    # The value at the end as it is: a list stays a list.
    assert dora_bridge.context_at(ctx, "DORA.Context.ICT") == ctx["DORA"]["Context"][1]["ICT"]
    assert dora_bridge.context_at(ctx, "DORA.Context.ICT.AffectedServices") is None
    assert dora_bridge.context_at(ctx, "DORA.Classification.OccurredAt") is None
    assert dora_bridge.context_at(ctx, "DORA.Missing") is None
    assert dora_bridge.context_at(None, "DORA") is None
    with pytest.raises(dora_bridge.InputError) as e:
        dora_bridge.context_at({"DORA": object()}, "DORA")
    assert e.value.argument == "context"
