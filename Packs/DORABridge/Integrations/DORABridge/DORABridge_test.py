"""DORABridge run through its main() on the XSOAR runtime double."""

from __future__ import annotations

import json
from pathlib import Path

import demistomock as demisto
import DORABridge as integration  # noqa: N813
import pytest
import yaml

from tests.fixtures import dora_params

HERE = Path(__file__).parent
YML = yaml.safe_load((HERE / "DORABridge.yml").read_text())
ALL_COMMANDS = {"dora-classify", "dora-deadlines", "dora-recurring-check", "dora-cyber-threat-assess"}


def run(
    command: str, args: dict | None = None, *, params: dict | None = None, incident=None, context=None
) -> dict:
    demisto.setup(
        params=params or dora_params(), args=args or {}, command=command, incident=incident, context=context
    )
    try:
        integration.main()
    except SystemExit:
        pass
    assert len(demisto.recorded_results) == 1, demisto.recorded_results
    return demisto.recorded_results[0]


def declared(command: str) -> set[str]:
    (c,) = [c for c in YML["script"]["commands"] if c["name"] == command]
    return {o["contextPath"] for o in c.get("outputs", [])}


def written(entry: dict) -> set[str]:
    """Context paths an entry writes, down to one level inside lists of objects."""
    paths = set()
    for key, value in entry["EntryContext"].items():
        prefix = key.split("(")[0]
        for k, v in value.items():
            if isinstance(v, list) and v and isinstance(v[0], dict):
                paths |= {f"{prefix}.{k}.{sub}" for row in v for sub in row}
            elif isinstance(v, dict) and k in ("InitialNotification", "IntermediateReport", "FinalReport"):
                paths |= {f"{prefix}.{k}.{sub}" for sub in v}
            else:
                paths.add(f"{prefix}.{k}")
    return paths


def test_the_yml_declares_every_command_and_the_readme_documents_it():
    assert {c["name"] for c in YML["script"]["commands"]} == ALL_COMMANDS
    readme = (HERE / "README.md").read_text()
    for name in ALL_COMMANDS:
        assert f"### {name}" in readme


def test_every_parameter_of_the_yml_is_read_by_the_profile():
    names = {p["name"] for p in YML["configuration"]}
    profile = integration.EntityProfile.from_params(dora_params())
    read = set(profile.as_dict()) | {"entity_name", "entity_lei", "daily_value_per_service_eur", "due_soon_initial_minutes",
                                     "due_soon_intermediate_hours", "due_soon_final_days", "geographical_spread_reading"}  # fmt: skip
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
    ctx = entry["EntryContext"]["DORA.Deadlines"]
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
    ctx = entry["EntryContext"]["DORA.Recurring"]
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


def test_cyber_threat_assessment():
    entry = run(
        "dora-cyber-threat-assess",
        {"could_affect_critical_functions": "true", "high_probability": "true", "could_affect_critical_services": "true",
         "could_meet_clients_threshold": "true"},
    )  # fmt: skip
    ctx = entry["EntryContext"]["DORA.CyberThreat"]
    assert ctx["Significant"] is True and ctx["Determinate"] is True
    assert written(entry) <= declared("dora-cyber-threat-assess")
    low = run("dora-cyber-threat-assess", {"high_probability": "false"})["Contents"]
    assert low["Significant"] is False and low["Determinate"] is True
