"""The core used from plain Python, as a bank's engineer would script it outside XSOAR: no runtime
double, no demistomock. The script keeps the incident's context itself (the chain entries in
``DORA.Audit``) and the chain's head apart from it, as the integration does on the server."""

from __future__ import annotations

import copy

import pytest

import dora_bridge
from tests.anchor import at
from tests.fixtures import SCHEMAS, XSOAR_USERS, dora_params


def signed_in(username: str) -> dict:
    """What identifies the person running a step: XSOAR's calling context and user record."""
    return {
        "caller": {"context": {"ParentEntry": {"user": username, "entryTask": None}}},
        "user": XSOAR_USERS[username],
    }


class Chain:
    """The incident's evidence: entries in its context, the head kept outside it."""

    def __init__(self, incident: dict, context: dict) -> None:
        self.incident, self.context, self.head = incident, context, None

    def args(self) -> dict:
        return {"incident": self.incident, "context": self.context, "head": self.head}

    def seal(self, out: dict) -> dict:
        entries = out.get("Entries") or [e for e in (out.get("Entry"), out.get("AuditEntry")) if e]
        self.context.setdefault("DORA", {}).setdefault("Audit", []).extend(entries)
        self.head = out["Head"]
        return out


@pytest.fixture
def standing_clock():
    dora_bridge.set_clock(at(), running=False)
    yield
    dora_bridge.set_clock(at(), running=True)


def reporting_profile() -> dora_bridge.EntityProfile:
    """The entity's profile with a primary contact and the DORA_IR schema: enough to draft."""
    return dora_bridge.EntityProfile.from_params(
        dora_params(
            primary_contact_name="Ana Ruiz",
            primary_contact_email="ana.ruiz@zahlungsinstitut-beispiel.de",
            primary_contact_phone="+49 69 1234 5678",
            report_schema=(SCHEMAS / "dora_ir_v1.3.0.json").read_text(),
            report_schema_version="IR-1.3.0",
        )
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


def test_classify_deadlines_draft_approve_submit_verify_from_plain_python(standing_clock):
    profile = reporting_profile()
    chain = card_outage()
    incident, context = chain.incident, chain.context

    facts = {"affected_services": "Card payments", "clients_affected": "12430", "member_states": "DE,AT"}
    classification = profile.classify(facts, incident=incident, context=context)
    assert classification["IsMajor"] is True and classification["Rule"].startswith("RTS 2024/1772 Art. 8(1)")
    context["DORA"]["Classification"] = classification
    chain.seal(profile.record_classification(classification, **chain.args()))

    clock = profile.deadlines({}, incident=incident, context=context)
    initial = clock["InitialNotification"]
    assert initial["Status"] in ("on-time", "due-soon") and initial["BaseDue"] == at(hours=4)

    draft = chain.seal(profile.report_draft("initial", "json", **chain.args()))
    assert draft["Draft"]["Complete"] is True, draft["Draft"]["Problems"]

    for subject, who, role in [
        ("classification", "ana.ruiz", "CISO"),
        ("initial", "ana.ruiz", "CISO"),
        ("initial", "jonas.weber", "Chief Risk Officer"),
    ]:
        chain.seal(profile.approve(subject, "approve", role=role, **signed_in(who), **chain.args()))
    with pytest.raises(dora_bridge.InputError) as refused:
        profile.approve("initial", "approve", **signed_in("sam.doe"), **chain.args())
    assert "approver roles" in str(refused.value)

    submitted = chain.seal(
        profile.mark_submitted(
            "initial", authority_reference="BaFin-0042", **signed_in("jonas.weber"), **chain.args()
        )
    )
    assert submitted["Submission"]["InitialNotification"]["AuthorityReference"] == "BaFin-0042"
    context["DORA"]["Submission"] = submitted["Submission"]
    assert (
        profile.deadlines({}, incident=incident, context=context)["IntermediateReport"]["Status"] == "on-time"
    )

    verdict = profile.audit_verify(**chain.args())
    assert verdict["Valid"] is True and verdict["Entries"] == len(context["DORA"]["Audit"]) == 7
    # A changed entry is found, with the key and without it.
    tampered = copy.deepcopy(context)
    tampered["DORA"]["Audit"][3]["Actor"] = "someone.else"
    assert profile.audit_verify(incident=incident, context=tampered, head=chain.head)["Valid"] is False
    assert dora_bridge.audit_verify(tampered["DORA"]["Audit"], incident_id="4711")["Valid"] is False
