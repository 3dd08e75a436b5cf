"""DORABridge run through its main() on the XSOAR runtime double (the runs: tests/dora_commands.py;
the significant cyber threat notification: tests/test_cyber_threat_notice.py)."""

from __future__ import annotations

import json
from pathlib import Path

import demistomock as demisto
import DORABridge as integration  # noqa: N813
import pytest

import dora_bridge
from tests.anchor import ANCHOR, at, rfc3339
from tests.dora_commands import YML, Incident, declared, flow_params, report_of, run, written
from tests.fixtures import dora_params

HERE = Path(__file__).parent
ALL_COMMANDS = {
    "dora-classify", "dora-deadlines", "dora-recurring-check", "dora-cyber-threat-assess", "dora-report-draft",
    "dora-approve", "dora-approval-status", "dora-decide", "dora-triage", "dora-mark-submitted", "dora-audit-log", "dora-audit-verify",
    "dora-record-mirrored-changes", "dora-cyber-threat-draft",
}  # fmt: skip


def test_the_yml_declares_every_command_and_the_readme_documents_it():
    assert {c["name"] for c in YML["script"]["commands"]} == ALL_COMMANDS
    readme = (HERE / "README.md").read_text()
    for name in ALL_COMMANDS:
        assert f"### {name}" in readme


def test_every_parameter_of_the_yml_is_read_by_the_profile():
    names = {p["name"] for p in YML["configuration"]}
    profile = integration.EntityProfile.from_params(dora_params())
    read = set(profile.as_dict()) | {"entity_name", "entity_lei", "daily_value_per_service_eur", "due_soon_initial_minutes",
                                     "due_soon_intermediate_hours", "due_soon_final_days", "geographical_spread_reading",
            "parent_undertaking_name", "parent_undertaking_lei", "report_schema", "report_schema_version",
            "report_field_sources", "initial_notification_approver_roles", "approver_roles", "report_approver_roles",
            "cyber_threat_schema",
            "approver_users", "chain_key", "chain_retired_keys"}  # fmt: skip
    assert names <= read, names - read


def test_test_module():
    demisto.setup(params=dora_params(), command="test-module")
    integration.main()
    assert demisto.recorded_results == ["ok"]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"entity_lei": "529900T8BM49AURSDO56"},
            "entity_lei must be a 20-character LEI (ISO 17442) with valid check digits",
        ),
        ({"home_member_state": "CH"}, "home_member_state must be an EU/EEA Member State"),
        ({"entity_type": "bank"}, "entity_type must be one of credit_institution"),
        ({"clients_per_service": "Card payments: many"}, "clients_per_service must be a whole number"),
    ],
)
def test_a_bad_profile_fails_the_connection_test_with_its_name(override, message):
    entry = run("test-module", params=dora_params(**override))
    assert entry["Type"] == 4 and message in entry["Contents"], entry["Contents"]


def test_classify_writes_the_documented_context():
    entry = run(
        "dora-classify",
        {
            "affected_services": "Card payments",
            "clients_affected": "12430",
            "member_states": "DE,AT",
            "economic_impact_eur": "125000",
        },
    )
    ctx = entry["EntryContext"]["DORA.Classification(val.InputsHash && val.InputsHash == obj.InputsHash)"]
    assert ctx["IsMajor"] is True and ctx["Rule"] == "RTS 2024/1772 Art. 8(1)(b)"
    crit = {c["Name"]: c for c in ctx["Criteria"]}
    assert crit["Clients, financial counterparts and transactions"]["Met"] is True
    assert (
        "12 430 of 98 000 clients affected (12.68%) > 10%"
        in crit["Clients, financial counterparts and transactions"]["Evidence"]
    )
    assert crit["Reputational impact"]["Assessable"] is False
    assert "media_coverage" in ctx["Missing"]
    assert len(ctx["InputsHash"]) == 64 and ctx["ClassifiedAt"].endswith("Z")
    assert written(entry) <= declared("dora-classify"), written(entry) - declared("dora-classify")
    assert entry["HumanReadable"].startswith("### DORA classification: MAJOR")


def test_classify_defaults_from_connectors_and_incident_fields_and_cites_them():
    incident = {
        "occurred": "2026-11-23T07:50:00Z",
        "created": "2026-11-23T08:14:00Z",
        "CustomFields": {"doraeconomicimpacteur": "180000", "doramemberstates": "DE,FR,NL"},
    }
    context = {
        "DORA": {
            "Context": {
                "ICT": {
                    "AffectedServices": {
                        "Value": ["Card payments"],
                        "Source": "Register of Information B_05.01",
                    }
                },
                "Transactions": {
                    "ClientsAffected": {"Value": 15000, "Source": "PostgreSQL payments", "Estimate": True}
                },
            }
        }
    }
    entry = run(
        "dora-classify", {"classified_at": "2026-11-23T10:00:00Z"}, incident=incident, context=context
    )
    ctx = entry["Contents"]
    assert ctx["IsMajor"] is True
    assert ctx["DetectedAt"] == "2026-11-23T08:14:00Z" and ctx["OccurredAt"] == "2026-11-23T07:50:00Z"
    sources = {c["Key"]: " ".join(c["Source"]) for c in ctx["Criteria"]}
    assert (
        "context DORA.Context.Transactions.ClientsAffected (PostgreSQL payments)"
        in sources["clients-counterparts-transactions"]
    )
    assert "incident doramemberstates" in sources["geographical-spread"]
    assert (
        "context DORA.Context.ICT.AffectedServices (Register of Information B_05.01)"
        in sources["critical-services"]
    )
    clients = next(c for c in ctx["Criteria"] if c["Key"] == "clients-counterparts-transactions")
    assert clients["Estimate"] is True and "(estimate)" in clients["Evidence"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"clients_affected": "-5"}, "clients_affected must be a whole number of 0 or more, got '-5'."),
        ({"affected_services": "Card payments", "clients_affected": "120000"}, "clients_affected (120 000) is more than clients_total (98 000"),
        ({"occurred_at": "2026-11-23T10:00:00Z", "resolved_at": "2026-11-23T09:00:00Z"}, "resolved_at (2026-11-23T09:00:00Z) is before occurred_at"),
        ({"member_states": "DE,ZZ"}, "member_states must list ISO 3166-1 alpha-2 country codes such as DE, FR or IE; 'ZZ' is not one."),
        ({"economic_impact_eur": "12,5"}, "economic_impact_eur must be an amount in euro"),
        ({"detected_at": "23/11/2026"}, "detected_at must be an RFC 3339 date-time"),
        ({"data_losses": "integrity,privacy"}, "data_losses must be one of availability, authenticity, integrity, confidentiality"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_and_nothing_is_written(args, message):
    entry = run("dora-classify", args)
    assert entry["Type"] == 4, entry
    assert message in entry["Contents"], entry["Contents"]
    assert not entry.get("EntryContext")


def test_deadlines_run_from_the_classification_in_context():
    classification = run(
        "dora-classify",
        {"affected_services": "Card payments", "malicious_unauthorized_access": "true", "detected_at": "2026-11-23T08:14:00Z",
         "classified_at": "2026-11-23T09:30:00Z"},
    )["Contents"]  # fmt: skip
    entry = run(
        "dora-deadlines",
        {"now": "2026-11-23T12:45:00Z"},
        context={"DORA": {"Classification": [classification]}},
    )
    ctx = entry["EntryContext"]["DORA.Deadlines(val.IncidentId && val.IncidentId == obj.IncidentId)"]
    initial = ctx["InitialNotification"]
    assert initial["Due"] == "2026-11-23T13:30:00Z" and initial["DueLocal"] == "2026-11-23T14:30:00+01:00"
    assert initial["Status"] == "due-soon" and initial["TimeLeft"] == "0h 45m"
    assert ctx["IntermediateReport"]["Status"] == "pending"
    assert written(entry) <= declared("dora-deadlines"), written(entry) - declared("dora-deadlines")


def test_deadlines_need_a_detection_time():
    entry = run("dora-deadlines", {})
    assert entry["Type"] == 4 and "detected_at (or aware_at) is needed" in entry["Contents"]


def test_recurring_check_from_arguments_and_context():
    incidents = [
        {"id": "INC-1", "occurred_at": "2026-07-10T10:00:00Z", "root_cause": "Expired TLS certificate", "affected_services": "Card payments",
         "economic_impact_eur": "60000", "clients_affected": 6000},
        {"id": "INC-2", "occurred_at": "2026-10-02T10:00:00Z", "root_cause": "expired TLS certificate", "affected_services": "Card payments",
         "economic_impact_eur": "60000", "clients_affected": 6000},
    ]  # fmt: skip
    entry = run("dora-recurring-check", {"incidents": json.dumps(incidents), "now": "2026-11-23T10:00:00Z"})
    ctx = entry["EntryContext"]["DORA.Recurring(val.IncidentId && val.IncidentId == obj.IncidentId)"]
    assert ctx["AnyMajor"] is True and ctx["Groups"][0]["Occurrences"] == 2
    assert written(entry) <= declared("dora-recurring-check"), written(entry) - declared(
        "dora-recurring-check"
    )
    from_context = run(
        "dora-recurring-check",
        {"now": "2026-11-23T10:00:00Z"},
        context={"DORA": {"RecurringCandidates": incidents}},
    )
    assert from_context["Contents"]["AnyMajor"] is True
    missing = run("dora-recurring-check", {})
    assert missing["Type"] == 4 and "incidents is required" in missing["Contents"]


# ---------------------------------------------------------------------------------------------
# Report drafts, approvals, submissions and the evidence chain, in one incident whose context
# carries over from command to command as on the server.


def test_from_classification_to_submitted_initial_notification():
    inc = Incident(flow_params())
    inc.ok("dora-classify", {"affected_services": "Card payments", "clients_affected": "12430", "member_states": "DE,AT",
                             "classified_at": "2026-11-23T11:05:00Z"})  # fmt: skip
    assert [e["Kind"] for e in inc.audit()] == ["detection", "classification"]
    assert inc.state["DoraAuditHeads"]["117"]["Hash"] == inc.audit()[-1]["Hash"]

    out = inc.ok("dora-report-draft", {"type": "initial", "format": "json"})
    report = report_of(out)
    assert report["Complete"] is True, report["Problems"]
    assert report["Validation"] == {"Schema": "IR-1.3.0", "Valid": True, "Errors": []}
    file_entry = out[1]
    assert file_entry["Type"] == 3 and file_entry["File"].startswith("DORA_initial_notification_117_")
    document = json.loads((demisto.FILES_DIR / file_entry["FileID"]).read_text())
    assert document["incident"]["classificationTypes"][1]["countryCodeMaterialityThresholds"] == ["AT", "DE"]
    h = report["ContentHash"]

    html = inc.ok("dora-report-draft", {"type": "initial", "format": "html"})
    page = (demisto.FILES_DIR / html[1]["FileID"]).read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and h in page

    assert "before its 2 approvals" in inc.refused("dora-mark-submitted", {"type": "initial"})
    inc.ok("dora-approve", {"subject": "classification", "decision": "approve"})
    inc.ok("dora-approve", {"subject": "initial", "decision": "approve", "content_hash": h, "role": "CISO"})
    # The same person, under the second account that holds the other role.
    assert "one person counts once" in inc.refused(
        "dora-approve", {"subject": "initial", "decision": "approve"}, user="a.ruiz-cro"
    )
    assert "holds none of the approver roles" in inc.refused(
        "dora-approve", {"subject": "initial", "decision": "approve"}, user="sam.doe"
    )
    # A typed approver that disagrees with the signed-in user.
    assert "approver is 'Ana Ruiz' but this command was run by the XSOAR user 'jonas.weber'" in inc.refused(
        "dora-approve",
        {"subject": "initial", "decision": "approve", "approver": "Ana Ruiz"},
        user="jonas.weber",
    )
    out = inc.ok(
        "dora-approve",
        {"subject": "initial", "decision": "approve", "approver": "Jonas Weber"},
        user="jonas.weber",
    )
    approval = out[0]["EntryContext"]["DORA.Approval(val.Hash && val.Hash == obj.Hash)"]
    assert (approval["Approver"], approval["ApproverEmail"], approval["Role"], approval["RoleSource"]) == (
        "jonas.weber", "jonas.weber@zahlungsinstitut-beispiel.de", "Chief Risk Officer", "XSOAR role"
    )  # fmt: skip
    status = inc.ok("dora-approval-status", {"subject": "initial"})[0]["Contents"]
    assert status["Approved"] is True and status["MissingRoles"] == []
    out = inc.ok(
        "dora-mark-submitted",
        {
            "type": "initial",
            "submitted_at": dora_bridge_now_minus(0),
            "authority_reference": "BaFin-DORA-0042",
            # The incident of 23 November reaches the authority at the test's anchor, late.
            "late_reason": "notified once the payments ledger confirmed the figures",
        },
        user="jonas.weber",
    )
    submitted = inc.context["DORA"]["Submission"]
    submitted = submitted[-1] if isinstance(submitted, list) else submitted
    assert submitted["InitialNotification"]["AuthorityReference"] == "BaFin-DORA-0042"
    assert inc.audit()[-1]["Actor"] == "jonas.weber"

    verdict = inc.ok("dora-audit-verify")[0]["Contents"]
    # detection, classification, the draft (the HTML rendering has the same content), three approvals, the submission
    assert verdict["Valid"] is True and verdict["Entries"] == len(inc.audit()) == 7
    assert verdict["KeyIds"] == ["2026-11"] and verdict["HeadChecked"] is True
    log = inc.ok("dora-audit-log")
    exported = json.loads((demisto.FILES_DIR / log[1]["FileID"]).read_text())
    assert [e["Kind"] for e in exported][-1] == "submission"
    assert written(out[0]) <= declared("dora-mark-submitted")


def dora_bridge_now_minus(minutes: int) -> str:
    from datetime import datetime, timedelta

    import dora_bridge

    t = datetime.fromisoformat(dora_bridge.now().replace("Z", "+00:00")) - timedelta(minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_playbook_task_or_dbot_cannot_decide():
    inc = Incident(flow_params())
    inc.ok("dora-classify", {"affected_services": "Card payments", "malicious_unauthorized_access": "true"})
    task = {
        "taskId": "29",
        "playbookName": "DORA Major Incident Notification",
        "taskName": "Record the decision",
    }
    message = inc.refused(
        "dora-approve", {"subject": "classification", "decision": "approve"}, user=None, task=task
    )
    assert message.startswith("Failed to execute dora-approve command. Error: Only a person can approve"), (
        message
    )
    assert "Only a person can mark a report submitted" in inc.refused(
        "dora-mark-submitted", {"type": "initial"}, user=None, task=task
    )
    assert "Only a person can approve" in inc.refused(
        "dora-approve", {"subject": "classification", "decision": "approve"}, user="DBot"
    )


def test_a_changed_draft_voids_its_approvals_and_a_tampered_chain_stops_everything():
    inc = Incident(flow_params())
    inc.ok("dora-classify", {"affected_services": "Card payments", "malicious_unauthorized_access": "true"})
    first = inc.ok("dora-report-draft", {"type": "initial", "format": "markdown"})
    h1 = report_of(first)["ContentHash"]
    inc.ok("dora-approve", {"subject": "initial", "decision": "approve", "content_hash": h1})
    inc.context["DORA"]["IncidentReport"]["IncidentDescription"] += " Root cause: expired certificate."
    inc.ok("dora-report-draft", {"type": "initial", "format": "csv"})
    message = inc.refused(
        "dora-approve", {"subject": "initial", "decision": "approve", "content_hash": h1}, user="jonas.weber"
    )
    assert "has changed since the version you reviewed" in message

    inc.context["DORA"]["Audit"][1]["Details"]["IsMajor"] = False
    verdict = inc.ok("dora-audit-verify")[0]["Contents"]
    assert verdict["Valid"] is False and verdict["FirstBadSeq"] == 1 and verdict["Tampering"] == "altered"
    assert "fails verification at entry 1" in inc.refused(
        "dora-approve", {"subject": "initial", "decision": "approve"}, user="jonas.weber"
    )
    assert len(inc.audit()) == 5


def test_a_json_export_needs_a_schema_and_only_a_valid_one_is_offered():
    inc = Incident(dora_params())
    inc.ok("dora-classify", {"affected_services": "Card payments", "malicious_unauthorized_access": "true"})
    assert "paste it into the instance parameter report_schema" in inc.refused(
        "dora-report-draft", {"type": "initial", "format": "json"}
    )
    sparse = Incident(flow_params())
    sparse.context = {}
    out = sparse.ok("dora-report-draft", {"type": "final", "format": "json"})
    assert len([e for e in out if e.get("Type") == 3]) == 0, "an invalid JSON export is not offered"
    assert "not offered until it validates" in out[0]["HumanReadable"]
    assert report_of(out)["Complete"] is False


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"report_schema": "{not json"}, "report_schema must be JSON"),
        (
            {"report_schema_version": "IR-1.2.1"},
            "report_schema is the schema 'IR-1.3.0', but report_schema_version selects IR-1.2.1",
        ),
        ({"initial_notification_approver_roles": "CISO"}, "must name at least two roles"),
        ({"chain_key": None}, "chain_key is required"),
        (
            {"chain_key": {"identifier": "k1", "password": "short"}},
            "use a random key of 22 to 1024 characters",
        ),
        ({"approver_users": "CISO ana.ruiz"}, "Line 1 of approver_users"),
        ({"report_field_sources": '{"9.9": "context.x"}'}, "no field of the template"),
        ({"primary_contact_email": "ana@"}, "primary_contact_email must be an e-mail address"),
        (
            {"cyber_threat_schema": '{"$id": "IR-1.3.0"}'},
            "cyber_threat_schema must be the DORA_CYB JSON Schema CYB-1.2.0",
        ),
        ({"cyber_threat_schema": "{not json"}, "cyber_threat_schema must be JSON"),
        ({"report_approver_roles": "threat: CISO"}, "intermediate, final, reclassification and cyber-threat"),
    ],
)
def test_bad_report_settings_are_named(override, message):
    entry = run("test-module", params=flow_params(**override))
    assert entry["Type"] == 4 and message in entry["Contents"], entry["Contents"]


@pytest.fixture
def clock_at_anchor():
    """The core's clock standing at the test anchor: decisions are dated now."""
    dora_bridge.set_clock(rfc3339(ANCHOR), running=False)
    yield ANCHOR
    dora_bridge.set_clock(rfc3339(ANCHOR), running=True)


def aware_incident(hours_ago: int) -> Incident:
    inc = Incident(flow_params())
    inc.incident = {"id": "118", "created": at(hours=-hours_ago), "occurred": at(hours=-hours_ago - 1)}
    return inc


def test_inconclusive_is_pending_and_a_persons_major_runs_four_hours_from_the_decision(clock_at_anchor):
    inc = aware_incident(5)  # awareness at "08:00", the decision at "13:00"
    c = inc.ok("dora-classify", {"affected_services": "Customer portal"})[0]["Contents"]
    assert c["IsMajor"] is False and c["Determinate"] is False
    pending = inc.ok("dora-deadlines")[0]["Contents"]
    assert pending["Decision"]["State"] == "pending" and pending["Decision"]["MissingFacts"]
    initial = pending["InitialNotification"]
    assert initial["Status"] == "on-time" and initial["BaseDue"] == at(hours=19), "24 hours from awareness"
    out = inc.ok("dora-decide", {"decision": "major", "reason": "card payments down for a third of clients"})
    decision = out[0]["EntryContext"]["DORA.Decision(val.Hash && val.Hash == obj.Hash)"]
    assert decision["DecidedBy"] == "ana.ruiz" and decision["Role"] == "CISO"
    assert decision["SystemVerdict"] == "not major on the facts known so far"
    sealed = [e for e in inc.audit() if e["Kind"] == "decision"]
    assert len(sealed) == 1 and sealed[0]["Actor"] == "ana.ruiz" and sealed[0]["Mac"]
    major = inc.ok("dora-deadlines")[0]["Contents"]
    assert major["Decision"]["State"] == "major" and major["Decision"]["DecidedBy"] == "ana.ruiz"
    assert major["InitialNotification"]["BaseDue"] == at(hours=4), "4 hours from the person's decision"


def test_a_persons_not_major_with_a_reason_stops_the_clock(clock_at_anchor):
    inc = aware_incident(2)
    inc.ok("dora-classify", {"affected_services": "Card payments", "malicious_unauthorized_access": "true"})
    assert inc.ok("dora-deadlines")[0]["Contents"]["InitialNotification"]["Status"] == "on-time"
    inc.ok("dora-decide", {"decision": "not-major", "reason": "the host is a test system outside production"},
           user="jonas.weber")  # fmt: skip
    stopped = inc.ok("dora-deadlines")[0]["Contents"]
    assert stopped["InitialNotification"]["Status"] == "not-required"
    assert stopped["Decision"]["State"] == "not-major" and stopped["Decision"]["SystemVerdict"] == "major"
    (entry,) = [e for e in inc.audit() if e["Kind"] == "decision"]
    assert entry["Details"]["Reason"] == "the host is a test system outside production"
    assert entry["Details"]["SystemVerdict"]["IsMajor"] is True


def test_a_decision_needs_a_reason_an_approver_role_and_a_person():
    inc = aware_incident(2)
    inc.ok("dora-classify", {"affected_services": "Card payments"})
    assert "reason is required" in inc.refused("dora-decide", {"decision": "major", "reason": " "})
    assert "decision must be one of major, not-major, got 'yes'" in inc.refused(
        "dora-decide", {"decision": "yes", "reason": "r"}
    )
    assert "'sam.doe' holds none of the approver roles" in inc.refused(
        "dora-decide", {"decision": "major", "reason": "r"}, user="sam.doe"
    )
    task = {"taskId": "12", "playbookName": "DORA ICT Incident Triage", "taskName": "Decide"}
    assert "Only a person" in inc.refused(
        "dora-decide", {"decision": "major", "reason": "r"}, user=None, task=task
    )
    assert "decided_by" in inc.refused(
        "dora-decide", {"decision": "major", "reason": "r", "decided_by": "jonas.weber"}
    )


def test_triage_and_awareness_are_sealed_at_ingestion_and_a_person_escalates(clock_at_anchor):
    inc = aware_incident(0)
    inc.incident["CustomFields"] = {
        "doratriageoutcome": "cyber-threat",
        "doratriagerule": "default: sub type Stolen Credentials",
        "doratriagereason": "credentials found in stealer logs",
    }
    out = inc.ok("dora-triage", user=None, task={"taskId": "1", "taskName": "Record the triage"})
    triage = out[0]["EntryContext"]["DORA.Triage(val.Hash && val.Hash == obj.Hash)"]
    assert triage["Outcome"] == "cyber-threat" and triage["By"] == "DORA Bridge"
    detection, sealed = inc.audit()[0], inc.audit()[1]
    assert detection["Kind"] == "detection" and detection["Details"]["AwareAt"] == inc.incident["created"]
    assert sealed["Kind"] == "triage" and sealed["Mac"]
    # The awareness clock runs from ingestion before any classification.
    pending = inc.ok("dora-deadlines")[0]["Contents"]["InitialNotification"]
    assert pending["BaseDue"] == at(hours=24)
    assert "Only a person" in inc.refused(
        "dora-triage", {"outcome": "candidate-ict-incident", "reason": "r"}, user=None, task={"taskId": "2"}
    )
    assert "reason is required" in inc.refused(
        "dora-triage", {"outcome": "candidate-ict-incident"}, user="sam.doe"
    )
    escalated = inc.ok(
        "dora-triage",
        {"outcome": "candidate-ict-incident", "reason": "the leaked account administers the payment gateway"},
        user="sam.doe",
    )[0]["EntryContext"]["DORA.Triage(val.Hash && val.Hash == obj.Hash)"]
    assert escalated["By"] == "sam.doe" and escalated["Previous"] == "cyber-threat"
    again = inc.ok("dora-triage", user=None, task={"taskId": "1"})
    assert len(again) == 1, "the automatic triage does not undo a person's"
