"""The voluntary notification of a significant cyber threat in the DORA_CYB v1.2 form: a draft
for a leaked-credentials alarm, and the published sample, judged by DORA Bridge and,
independently, by Python's ``jsonschema`` with the schema's ``dependencies`` applied the way its
authors mean them; both verdicts agree. The sample round-trips field for field. Then the same
notification through the DORABridge integration on the XSOAR runtime double: assessed, drafted
from the SOCRadar alarm, approved by two people in two roles and marked submitted, in the
evidence chain.
"""

from __future__ import annotations

import json
from typing import Any

import demistomock as demisto
import pytest
from jsonschema import Draft202012Validator

from dora_bridge import EntityProfile, InputError, assess_cyber_threat, load_report, report_fields
from tests.dora_commands import Incident, declared, flow_params, report_of, run, written
from tests.fixtures import SCHEMAS, dora_params
from tests.test_report_schema import applied

CYB = "DORA_CYB_Schema_v1.2.json"

LEAKED_CREDENTIALS = {
    "id": "5120",
    "occurred": "2026-11-23T08:52:00Z",
    "CustomFields": {
        "dorasocradaralarmid": "81171696",
        "dorasocradartitle": "Employee credentials found in stealer logs",
        "dorasocradaralarmtype": "Cyber Threat Intelligence",
        "dorasocradaralarmsubtype": "Stolen Credentials",
        "dorasocradaralarmtext": "Credentials of 3 employees were found in logs of the RedLine stealer.",
        "dorasocradarasset": "vpn.zahlungsinstitut-beispiel.de",
        "dorasocradarstatus": "INVESTIGATING",
        "dorasocradarcontentcompromisedemails": "a.b@zahlungsinstitut-beispiel.de, c.d@zahlungsinstitut-beispiel.de",
        "dorasocradarcontentmalwarefamily": "RedLine",
        "dorasocradarcontentcredentialdetails": "user a.b password Sommer2026!",
    },
}


def python_valid(document: dict) -> bool:
    schema = applied(json.loads((SCHEMAS / CYB).read_text()))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return not list(validator.iter_errors(document))


def profile(**extra: Any) -> EntityProfile:
    return EntityProfile.from_params(
        dora_params(
            primary_contact_name="Ana Ruiz",
            primary_contact_email="ana.ruiz@zahlungsinstitut-beispiel.de",
            primary_contact_phone="+49 69 1234 5678",
            cyber_threat_schema=(SCHEMAS / CYB).read_text(),
            **extra,
        )
    )


def assessment() -> dict:
    return assess_cyber_threat(
        {
            "could_affect_critical_functions": "true",
            "could_affect_clients_or_counterparts": "true",
            "high_probability": "true",
            "exploitable_vulnerabilities": "true",
            "threat_actor_capability_and_intent": "true",
            "threat_persistence": "false",
            "could_meet_clients_threshold": "true",
        }
    )


def test_a_leaked_credentials_draft_is_valid_for_both_validators():
    a = assessment()
    assert a["significant"] is True and a["potential_criteria"] == [
        "clients_financial_counterparts_and_transactions_affected"
    ]
    context = {"DORA": {"CyberThreat": a, "CyberThreatNotification": {"ActionsTaken": "Passwords reset."}}}
    # Outside an incident (no id) the draft is shown, not recorded.
    incident = {k: v for k, v in LEAKED_CREDENTIALS.items() if k != "id"}
    out = profile().cyber_threat_draft("json", incident=incident, context=context)
    draft = out["draft"]
    assert draft["complete"] is True, draft["problems"]
    assert out["validation"]["valid"] is True and out["validation"]["schema"] == "CYB-1.2.0"
    assert python_valid(draft["document"]) is True
    assert json.loads(out["rendered"]) == draft["document"]
    threat = draft["document"]["cyberThreat"]
    assert threat["status"] == "active" and threat["detectionDateTime"] == "2026-11-23T08:52:00Z"
    assert "Sommer2026" not in out["rendered"] and "a.b@" not in out["rendered"]
    sources = {f["id"]: f["source"] for f in draft["fields"]}
    assert sources == {
        "1": "profile.name", "2a": "profile.lei", "2b": None, "3": "derived.profile_entity_type_list",
        "4": None, "5": None, "6": "profile.primary_contact_name", "7": "profile.primary_contact_email",
        "8": "profile.primary_contact_phone", "9": None, "10": None, "11": None, "12": "derived.alarm_detected_at",
        "13": "derived.alarm_description", "14": "derived.threat_potential_impact",
        "15": "context.DORA.CyberThreat.PotentialCriteria", "16": "derived.alarm_threat_status",
        "17": "context.DORA.CyberThreatNotification.ActionsTaken", "18": None, "19": "derived.alarm_indicators",
        "20": "derived.alarm_other_information",
    }  # fmt: skip


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["cyberThreat"].update(status="dormant"),
        lambda d: d["submittingEntity"].pop("LEI"),  # neither LEI nor code: `dependencies` refuses it
        lambda d: d.update(secondaryContact={"name": "Jonas Weber"}),  # a contact without e-mail and phone
        lambda d: d["cyberThreat"].update(potentialClassificationCriteria=["media"]),
    ],
)
def test_a_broken_document_is_refused_by_both_validators(change):
    context = {"DORA": {"CyberThreat": assessment(), "CyberThreatNotification": {"ActionsTaken": "Reset."}}}
    facts = load_report(
        profile().cyber_threat_draft("json", incident={}, context=context)["draft"]["document"],
        kind="cyber-threat",
    )
    document = profile().cyber_threat_draft(
        "json", incident={}, context={"DORA": {"CyberThreatNotification": facts}}
    )["draft"]["document"]
    assert python_valid(document) is True
    change(document)
    broken = load_report(document, kind="cyber-threat")
    out = profile().cyber_threat_draft(
        "json", incident={}, context={"DORA": {"CyberThreatNotification": broken}}
    )
    if "submitting_entity_lei" not in broken:
        # The LEI is taken from the profile again: remove it there as well.
        out = profile(entity_lei="").cyber_threat_draft(
            "json", incident={}, context={"DORA": {"CyberThreatNotification": broken}}
        )
    ours = out["validation"]["valid"]
    theirs = python_valid(out["draft"]["document"])
    assert ours == theirs == False, out["validation"]["errors"]  # noqa: E712
    assert out["draft"]["complete"] is False and out["rendered"] is None


def test_a_strict_2020_12_validator_ignores_the_dependencies_keyword():
    document = {"submittingEntity": {"name": "Acm Bank S.A."}}
    strict = Draft202012Validator(json.loads((SCHEMAS / CYB).read_text()))
    assert strict.is_valid(document), "draft 2020-12 has no `dependencies`: neither LEI nor code is asked for"
    assert python_valid(document) is False


def test_the_published_sample_loads_validates_and_round_trips():
    from dora_bridge.xsoar import context  # the facts as DORA.CyberThreatNotification keeps them

    sample = json.loads((SCHEMAS / "dora_cyb_sample_v1.2.json").read_text())
    assert python_valid(sample) is True
    facts = load_report(sample, kind="cyber-threat")
    # The template names each fact by its context key (DORA.CyberThreatNotification.<key>).
    keys = {f["key"] for f in report_fields(kind="cyber-threat")}
    assert set(context(facts)) == keys, keys - set(context(facts))
    out = profile().cyber_threat_draft(
        "markdown", incident={}, context={"DORA": {"CyberThreatNotification": facts}}
    )
    draft = out["draft"]
    assert draft["document"] == sample
    assert out["validation"]["valid"] is True
    # Field for field: each value of the draft is the sample's, read from the notification's key.
    by_key = {f["key"]: f for f in draft["fields"]}
    for key, value in context(facts).items():
        assert by_key[key]["value"] == value, key
        assert by_key[key]["source"] == f"context.DORA.CyberThreatNotification.{key}"
    # The sample's LEIs have the schema's form but fail the ISO 17442 check digits.
    assert [p["field"] for p in draft["problems"]] == ["2a", "5"]


def test_bad_input_names_the_argument():
    with pytest.raises(InputError) as e:
        profile().cyber_threat_draft("pdf", incident={}, context={})
    assert "format must be one of json, csv, markdown" in str(e.value)
    with pytest.raises(InputError) as e:
        load_report({}, kind="threat")
    assert "kind" in str(e.value)
    with pytest.raises(InputError) as e:
        assess_cyber_threat({"could_meet_economic_threshold": "perhaps"})
    assert "could_meet_economic_threshold" in str(e.value)
    with pytest.raises(InputError) as e:
        EntityProfile.from_params(dora_params(cyber_threat_schema='{"$id": "IR-1.3.0"}'))
    assert "cyber_threat_schema must be the DORA_CYB JSON Schema CYB-1.2.0" in str(e.value)
    with pytest.raises(InputError) as e:
        EntityProfile.from_params(dora_params()).cyber_threat_draft("json", incident={}, context={})
    assert "cyber_threat_schema" in str(e.value)


# ---------------------------------------------------------------------------------------------
# Through the DORABridge integration: its context, its refusals, the evidence chain.


def test_cyber_threat_assessment():
    entry = run(
        "dora-cyber-threat-assess",
        {"could_affect_critical_functions": "true", "high_probability": "true", "could_affect_critical_services": "true",
         "exploitable_vulnerabilities": "true", "threat_actor_capability_and_intent": "true", "threat_persistence": "false"},
    )  # fmt: skip
    ctx = entry["EntryContext"]["DORA.CyberThreat(val.IncidentId && val.IncidentId == obj.IncidentId)"]
    assert ctx["Significant"] is True and ctx["Determinate"] is True
    assert ctx["PotentialCriteria"] == ["critical_services_affected"]
    assert written(entry) <= declared("dora-cyber-threat-assess")
    assert "|RTS 2024/1772 Art. 10(b)|threat_persistence|" in entry["HumanReadable"]
    # (b) judged high without its elements (i) to (iii): not assessable, each element named.
    open_b = run("dora-cyber-threat-assess", {"high_probability": "true"})["Contents"]
    assert open_b["Conditions"][1]["Status"] == "not-assessable"
    assert "exploitable_vulnerabilities" in open_b["Conditions"][1]["Justification"]
    low = run("dora-cyber-threat-assess", {"high_probability": "false"})["Contents"]
    assert low["Significant"] is False and low["Determinate"] is True
    bad = run("dora-cyber-threat-assess", {"threat_persistence": "maybe"})
    assert bad["Type"] == 4 and "threat_persistence" in bad["Contents"]


def test_a_cyber_threat_is_assessed_drafted_approved_twice_and_marked_submitted():
    inc = Incident(flow_params(cyber_threat_schema=(SCHEMAS / "DORA_CYB_Schema_v1.2.json").read_text()))
    inc.incident["CustomFields"] = dict(LEAKED_CREDENTIALS["CustomFields"])
    inc.context = {
        "DORA": {"CyberThreatNotification": {"ActionsTaken": "Passwords reset and sessions revoked."}}
    }
    inc.ok("dora-cyber-threat-assess", {
        "could_affect_critical_functions": "true", "high_probability": "true", "exploitable_vulnerabilities": "true",
        "threat_actor_capability_and_intent": "true", "threat_persistence": "true",
        "could_affect_critical_services": "true"})  # fmt: skip
    out = inc.ok("dora-cyber-threat-draft", {"format": "json"})
    report = report_of(out)
    assert (
        report["Type"] == "cyber-threat"
        and report["SubmissionType"] == "significant_cyber_threat_notification"
    )
    assert report["Complete"] is True, report["Problems"]
    assert report["Validation"] == {"Schema": "CYB-1.2.0", "Valid": True, "Errors": []}
    # Lists of objects declared as a whole (Unknown): Fields, Problems, Missing.
    top = {p for p in written(out[0]) if p.count(".") == 2 and p != "DORA.Report.Validation"}
    assert top <= declared("dora-cyber-threat-draft"), top - declared("dora-cyber-threat-draft")
    document = json.loads((demisto.FILES_DIR / out[1]["FileID"]).read_text())
    assert out[1]["File"].startswith("DORA_significant_cyber_threat_notification_117_")
    assert document["cyberThreat"]["potentialClassificationCriteria"] == ["critical_services_affected"]
    assert "Sommer2026" not in json.dumps(document)
    sources = {f["Id"]: f["Source"] for f in report["Fields"]}
    assert sources["13"] == "derived.alarm_description" and sources["19"] == "derived.alarm_indicators"
    assert sources["17"] == "context.DORA.CyberThreatNotification.ActionsTaken"
    h = report["ContentHash"]
    assert (
        inc.audit()[-1]["Kind"] == "report-draft" and inc.audit()[-1]["Details"]["Subject"] == "cyber-threat"
    )

    assert "before its 2 approvals" in inc.refused("dora-mark-submitted", {"type": "cyber-threat"})
    inc.ok(
        "dora-approve", {"subject": "cyber-threat", "decision": "approve", "content_hash": h, "role": "CISO"}
    )
    assert "one person counts once" in inc.refused(
        "dora-approve", {"subject": "cyber-threat", "decision": "approve"}, user="a.ruiz-cro"
    )
    inc.ok("dora-approve", {"subject": "cyber-threat", "decision": "approve"}, user="jonas.weber")
    status = inc.ok("dora-approval-status", {"subject": "cyber-threat"})[0]["Contents"]
    assert status["Approved"] is True and status["Complete"] is True
    assert "submitted on its own" in inc.refused(
        "dora-mark-submitted", {"type": "cyber-threat", "combined_with": "initial"}, user="jonas.weber"
    )
    out = inc.ok(
        "dora-mark-submitted",
        {"type": "cyber-threat", "authority_reference": "BaFin-CYB-0007"},
        user="jonas.weber",
    )
    submitted = inc.context["DORA"]["Submission"]
    submitted = submitted[-1] if isinstance(submitted, list) else submitted
    assert submitted["CyberThreatNotification"]["AuthorityReference"] == "BaFin-CYB-0007"
    assert submitted["CyberThreatNotification"]["ContentHash"] == h
    assert written(out[0]) <= declared("dora-mark-submitted")
    assert [e["Kind"] for e in inc.audit()] == ["report-draft", "approval", "approval", "submission"]
    assert inc.ok("dora-audit-verify")[0]["Contents"]["Valid"] is True
    assert "already been marked submitted" in inc.refused(
        "dora-mark-submitted", {"type": "cyber-threat"}, user="jonas.weber"
    )


def test_a_cyber_threat_draft_names_what_is_missing_and_refuses_html():
    inc = Incident(flow_params())
    inc.incident["CustomFields"] = dict(LEAKED_CREDENTIALS["CustomFields"])
    inc.context = {}
    out = inc.ok("dora-cyber-threat-draft")
    report = report_of(out)
    assert report["Complete"] is False
    keys = {p["Field"]: p["Key"] for p in report["Problems"]}
    assert keys["17"] == "DORA.CyberThreatNotification.ActionsTaken"
    assert keys["15"] == "DORA.CyberThreatNotification.PotentialClassificationCriteria"
    assert keys["-"] == "cyber_threat_schema"
    assert "format must be one of json, csv, markdown" in inc.refused(
        "dora-cyber-threat-draft", {"format": "html"}
    )
    assert "cyber_threat_schema" in inc.refused("dora-cyber-threat-draft", {"format": "json"})
    assert "!dora-cyber-threat-draft" in Incident(flow_params()).refused(
        "dora-approve", {"subject": "cyber-threat", "decision": "approve", "role": "CISO"}
    )
