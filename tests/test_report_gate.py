"""Each case of issue 13's list, tried as a new user would on the DORA Bridge integration (its
``main()`` on the XSOAR runtime double, one incident whose context and integration context carry
over): each is now refused, or detected and named.

The playbook's approval tasks (assigned to no one, roles from an input) are checked in
tests/test_playbook_walk.py; the eight kinds of tampering, entry by entry, in
src/audit/tamper_tests.rs.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import datetime, timedelta

import demistomock as demisto
import pytest
from DORABridge_test import Incident, flow_params, report_of

import dora_bridge
from dora_bridge.xsoar import context
from tests.fixtures import SCHEMAS


def minutes_ago(n: int) -> str:
    t = datetime.fromisoformat(dora_bridge.now().replace("Z", "+00:00")) - timedelta(minutes=n)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def sample_facts() -> dict:
    """The report facts of the published final-report sample, with LEIs whose check digits hold."""
    text = (SCHEMAS / "dora_ir_final_report_sample_v1.3.json").read_text()
    for fake, real in {
        "ABCDEFGHIJ1234567890": "5299009ZB1ACMBANK036",
        "BCDEFGHIJK2345678901": "5299001AFFECTED00170",
        "CDEFGHIJKL3456789012": "5299002AFFECTED00216",
        "DEFGHIJKLM4567890123": "5299003ACMHOLDING017",
    }.items():
        text = text.replace(fake, real)
    # As XSOAR's context keeps them (the DORA.IncidentReport spelling).
    facts = context(dora_bridge.load_report(json.loads(text)))
    # The classification gives these (detected after it occurred, classified after detection).
    for key in ("DetectionDateTime", "ClassificationDateTime", "OccurrenceDateTime", "ReportCurrency"):
        facts.pop(key, None)
    return facts


def major_incident(version: str = "IR-1.3.0", **params) -> Incident:
    """A major incident, classified and its classification approved by the CISO."""
    inc = Incident(
        flow_params(
            report_schema=(SCHEMAS / f"dora_ir_v{version[3:]}.json").read_text(),
            report_schema_version=version,
            **params,
        )
    )
    inc.context["DORA"]["IncidentReport"] = sample_facts()
    inc.ok(
        "dora-classify",
        {"affected_services": "Card payments", "clients_affected": "12430", "member_states": "DE,AT",
         "detected_at": minutes_ago(90), "classified_at": minutes_ago(80), "occurred_at": minutes_ago(95)},
    )  # fmt: skip
    inc.ok("dora-approve", {"subject": "classification", "decision": "approve"})
    return inc


def approved(inc: Incident, kind: str) -> str:
    """The newest draft of ``kind``, approved by the CISO and the Chief Risk Officer."""
    h = report_of(inc.ok("dora-report-draft", {"type": kind, "format": "json"}))["ContentHash"]
    inc.ok("dora-approve", {"subject": kind, "decision": "approve", "content_hash": h})
    inc.ok("dora-approve", {"subject": kind, "decision": "approve", "content_hash": h}, user="jonas.weber")
    return h


def test_two_spellings_of_one_person_do_not_make_a_dual_approval():
    """'Ana Ruiz' as CISO, then 'ana.ruiz@…' as Chief Risk Officer: the name is no longer typed;
    her second XSOAR account is refused, and a typed name for someone else is refused."""
    inc = major_incident()
    h = report_of(inc.ok("dora-report-draft", {"type": "initial", "format": "json"}))["ContentHash"]
    inc.ok("dora-approve", {"subject": "initial", "decision": "approve", "approver": "Ana Ruiz"})
    message = inc.refused("dora-approve", {"subject": "initial", "decision": "approve"}, user="a.ruiz-cro")
    assert "one person counts once" in message, message
    message = inc.refused(
        "dora-approve",
        {"subject": "initial", "decision": "approve", "approver": "ana.ruiz@zahlungsinstitut-beispiel.de"},
        user="jonas.weber",
    )
    assert "but this command was run by the XSOAR user 'jonas.weber'" in message, message
    assert "before its 2 approvals" in inc.refused("dora-mark-submitted", {"type": "initial"})
    assert [
        e["Actor"] for e in inc.audit() if e["Kind"] == "approval" and e["Details"]["ContentHash"] == h
    ] == ["ana.ruiz"]


def forge_approval(inc: Incident, subject: str, content_hash: str) -> None:
    """An approval appended to DORA.Audit by hand: the right PrevHash, the hash recomputed with the
    public algorithm, a MAC copied from a genuine entry."""
    last = inc.audit()[-1]
    details = {"Subject": subject, "ContentHash": content_hash, "Role": "Chief Risk Officer", "Decision": "approve",
               "Comment": "", "User": {"Username": "jonas.weber"}}  # fmt: skip
    body = {"v": 2, "seq": last["Seq"] + 1, "at": last["At"], "kind": "approval", "actor": "jonas.weber",
            "details": details, "prev_hash": last["Hash"], "key_id": last["KeyId"], "incident": "117"}  # fmt: skip
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    inc.context["DORA"]["Audit"].append(
        {"Seq": body["seq"], "At": body["at"], "Kind": "approval", "Actor": "jonas.weber", "Details": details,
         "PrevHash": last["Hash"], "KeyId": last["KeyId"], "Mac": last["Mac"],
         "Hash": hashlib.sha256(text.encode()).hexdigest()}
    )  # fmt: skip


def test_an_approval_appended_by_hand_verifies_no_more_and_unlocks_nothing():
    inc = major_incident()
    h = report_of(inc.ok("dora-report-draft", {"type": "initial", "format": "json"}))["ContentHash"]
    inc.ok("dora-approve", {"subject": "initial", "decision": "approve"})
    forge_approval(inc, "initial", h)
    verdict = inc.ok("dora-audit-verify")[0]["Contents"]
    assert (verdict["Valid"], verdict["Tampering"], verdict["FirstBadSeq"]) == (False, "appended", 5), verdict
    message = inc.refused("dora-mark-submitted", {"type": "initial"})
    assert "fails verification at entry 5: entry 5 was appended by someone without the chain key" in message


@pytest.mark.parametrize("tamper", ["cut", "insert-and-rehash", "rewrite"])
def test_a_cut_an_insertion_or_a_rewrite_is_found_without_anyone_keeping_the_head(tamper):
    inc = major_incident()
    approved(inc, "initial")
    chain = inc.context["DORA"]["Audit"]
    n = len(chain)

    def rehash(entries: list, start: int) -> None:
        for j in range(start, len(entries)):
            e = entries[j]
            e["Seq"], e["PrevHash"] = j, entries[j - 1]["Hash"] if j else "0" * 64
            body = {"v": 2, "seq": j, "at": e["At"], "kind": e["Kind"], "actor": e["Actor"], "details": e["Details"],
                    "prev_hash": e["PrevHash"], "key_id": e["KeyId"], "incident": "117"}  # fmt: skip
            text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            e["Hash"] = hashlib.sha256(text.encode()).hexdigest()

    if tamper == "cut":
        del chain[-2:]
        expected = (n - 2, "truncated")
    elif tamper == "insert-and-rehash":
        forged = copy.deepcopy(chain[2])
        forged["Details"]["Comment"] = "inserted"
        chain.insert(3, forged)
        rehash(chain, 3)
        expected = (3, "rewritten")
    else:
        chain[1]["Details"]["IsMajor"] = False
        rehash(chain, 1)
        expected = (1, "rewritten")
    verdict = inc.ok("dora-audit-verify")[0]["Contents"]
    assert (verdict["Valid"], verdict["FirstBadSeq"], verdict["Tampering"]) == (False, *expected), verdict
    # The head is in the instance's integration context, not in the incident anyone edits.
    assert inc.state["DoraAuditHeads"]["117"]["Seq"] == n - 1


def test_a_final_report_that_ir_1_2_1_rejects_is_incomplete_and_not_submitted():
    inc = major_incident("IR-1.2.1")
    del inc.context["DORA"]["IncidentReport"]["ResolutionVsPlanned"]
    approved(inc, "initial")
    inc.ok(
        "dora-mark-submitted",
        {"type": "initial", "authority_reference": "BaFin-0042", "submitted_at": minutes_ago(0)},
    )
    inc.context["DORA"]["IncidentReport"]["AuthorityReference"] = "BaFin-0042"
    approved(inc, "intermediate")
    inc.ok("dora-mark-submitted", {"type": "intermediate", "authority_reference": "BaFin-0042"})
    out = inc.ok("dora-report-draft", {"type": "final", "format": "json"})
    report = report_of(out)
    assert report["Complete"] is False
    assert [(p["Field"], p["Check"]) for p in report["Problems"]] == [("4.9", "schema")], report["Problems"]
    assert not [e for e in out if e.get("Type") == 3], "the JSON export is not offered"
    inc.ok("dora-approve", {"subject": "final", "decision": "approve"})
    inc.ok("dora-approve", {"subject": "final", "decision": "approve"}, user="jonas.weber")
    message = inc.refused("dora-mark-submitted", {"type": "final"})
    assert "is incomplete (1 problem(s): 4.9: IR-1.2.1 requires it in a final_report" in message, message


def test_an_invalid_code_in_2_7_is_named_and_the_draft_not_submitted():
    inc = major_incident()
    inc.context["DORA"]["IncidentReport"]["DiscoveryMethod"] = "a_guess"
    out = inc.ok("dora-report-draft", {"type": "initial", "format": "markdown"})
    report = report_of(out)
    (problem,) = report["Problems"]
    assert (problem["Field"], problem["Key"], problem["Check"]) == (
        "2.7",
        "DORA.IncidentReport.DiscoveryMethod",
        "schema",
    )
    assert "'a_guess' is not one of the codes IR-1.3.0 allows" in problem["Why"]
    inc.ok("dora-approve", {"subject": "initial", "decision": "approve"})
    inc.ok("dora-approve", {"subject": "initial", "decision": "approve"}, user="jonas.weber")
    assert "is incomplete" in inc.refused("dora-mark-submitted", {"type": "initial"})


def test_schema_errors_are_listed_one_by_one_at_their_fields_without_the_document():
    inc = major_incident("IR-1.2.1")
    facts = inc.context["DORA"]["IncidentReport"]
    facts["DiscoveryMethod"] = "a_guess"
    del facts["ResolutionVsPlanned"]
    report = report_of(inc.ok("dora-report-draft", {"type": "final", "format": "json"}))
    errors = report["Validation"]["Errors"]
    assert {e["Field"] for e in errors} == {"2.7", "4.9"}, errors
    assert all(e["Path"] for e in errors)
    document = json.dumps(report["Document"])
    for e in errors:
        assert (
            len(e["Message"]) < 400
            and document not in e["Message"]
            and "incidentDescription" not in e["Message"]
        )


def test_reports_go_in_order_and_at_true_times():
    inc = major_incident()
    approved(inc, "intermediate")
    message = inc.refused("dora-mark-submitted", {"type": "intermediate"})
    assert "follows the initial report, which has not been marked submitted" in message, message
    approved(inc, "reclassification")
    message = inc.refused("dora-mark-submitted", {"type": "reclassification"})
    assert 'needs the latest decision to be "not major"' in message, message
    approved(inc, "initial")
    message = inc.refused("dora-mark-submitted", {"type": "initial", "submitted_at": "2020-01-01T00:00:00Z"})
    assert "is before the" in message and "approval" in message, message
    message = inc.refused("dora-mark-submitted", {"type": "initial", "submitted_at": "2099-01-01T00:00:00Z"})
    assert "is in the future" in message, message
    message = inc.refused("dora-mark-submitted", {"type": "initial", "submitted_at": "2026-11-23T13:40:00"})
    assert "with its offset" in message, message
    inc.ok("dora-mark-submitted", {"type": "initial", "authority_reference": "BaFin-0042"})


def test_the_later_reports_need_two_approvals_too():
    inc = major_incident()
    approved(inc, "initial")
    inc.ok("dora-mark-submitted", {"type": "initial", "authority_reference": "BaFin-0042"})
    inc.context["DORA"]["IncidentReport"]["AuthorityReference"] = "BaFin-0042"
    inc.ok("dora-report-draft", {"type": "intermediate", "format": "json"})
    inc.ok("dora-approve", {"subject": "intermediate", "decision": "approve"}, user="jonas.weber")
    message = inc.refused("dora-mark-submitted", {"type": "intermediate"})
    assert "before its 2 approvals: still needed from CISO" in message, message
    status = inc.ok("dora-approval-status", {"subject": "intermediate"})[0]["Contents"]
    assert status["MissingRoles"] == ["CISO"] and status["Approved"] is False


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    inc = major_incident()
    inc.context["DORA"]["IncidentReport"]["IncidentDescription"] = '=HYPERLINK("http://evil.example","click")'
    inc.context["DORA"]["IncidentReport"]["FinancialEntityCode"] = "+cmd|' /C calc'!A0"
    out = inc.ok("dora-report-draft", {"type": "initial", "format": "csv"})
    text = (demisto.FILES_DIR / out[1]["FileID"]).read_text()
    assert ",'+cmd|' /C calc'!A0," in text
    assert ',"\'=HYPERLINK(""http://evil.example"",""click"")"' in text
    for line in text.splitlines():
        for cell in line.split(","):
            assert not cell.lstrip('"').startswith(("=", "+", "@")), line


def test_a_report_in_another_currency_needs_a_rate_with_its_source():
    inc = major_incident(report_currency="PLN")
    inc.context["DORA"]["IncidentReport"]["GrossCosts"] = "38707.29"
    message = inc.refused("dora-report-draft", {"type": "final", "format": "markdown"})
    assert "The report is in PLN" in message and "4.13" in message and "exchange_rate" in message
    out = inc.ok(
        "dora-report-draft",
        {
            "type": "final",
            "format": "markdown",
            "exchange_rate": "4.265",
            "exchange_rate_source": "ECB euro reference rate",
        },
    )
    report = report_of(out)
    assert report["Conversion"] == {
        "Currency": "PLN",
        "RatePerEur": "4.265",
        "Source": "ECB euro reference rate",
    }
    assert next(f for f in report["Fields"] if f["Id"] == "4.13")["Value"] == 165086.59
    assert inc.audit()[-1]["Details"]["Conversion"]["RatePerEur"] == "4.265"


def test_the_html_computes_the_clock_when_it_is_rendered():
    inc = major_incident()
    eleven_days = 11 * 24 * 60
    inc.ok(
        "dora-classify",
        {"affected_services": "Card payments", "clients_affected": "12430", "member_states": "DE,AT",
         "detected_at": minutes_ago(eleven_days + 10), "classified_at": minutes_ago(eleven_days)},
    )  # fmt: skip
    # What `!dora-deadlines` said when it ran then, and what the context still holds.
    inc.context["DORA"]["Deadlines"] = {
        "ComputedAt": minutes_ago(eleven_days),
        "InitialNotification": {
            "Status": "on-time",
            "Due": minutes_ago(eleven_days - 240),
            "TimeLeft": "3h 59m",
        },
    }
    out = inc.ok("dora-report-draft", {"type": "initial", "format": "html"})
    page = (demisto.FILES_DIR / out[1]["FileID"]).read_text()
    clock = page[
        page.index("<h2>Deadline clock</h2>") : page.index(
            "</section>", page.index("<h2>Deadline clock</h2>")
        )
    ]
    assert "3h 59m" not in clock and "On time" not in clock, clock
    assert "Overdue" in clock, clock
    assert f"as of {dora_bridge.now()[:16]}" in clock
    # The verdict is on the page, with the codes' labels.
    assert "Complete: every field ITS 2025/302 Annex II makes mandatory is filled" in page
    assert "monitoring_systems (Monitoring systems)" in page


def test_a_late_report_is_refused_without_its_reason_and_sealed_with_it():
    """Aware 30 hours ago, classified major 29 hours ago: the initial notification was due 6 hours
    ago (24 hours from awareness, RTS 2025/301 Art. 5(1)). Its submission says why it is late.
    An essential entity under NIS2 gets no weekend relief (Art. 5(5)), so the due time is the same
    on every weekday the anchor falls on."""
    inc = Incident(flow_params(nis2_essential_or_important="true"))
    inc.context["DORA"]["IncidentReport"] = sample_facts()
    inc.ok(
        "dora-classify",
        {"affected_services": "Card payments", "clients_affected": "12430", "member_states": "DE,AT",
         "detected_at": minutes_ago(30 * 60), "classified_at": minutes_ago(29 * 60),
         "occurred_at": minutes_ago(31 * 60)},
    )  # fmt: skip
    inc.ok("dora-approve", {"subject": "classification", "decision": "approve"})
    approved(inc, "initial")
    clock = inc.ok("dora-deadlines")[0]["Contents"]["InitialNotification"]
    assert clock["Status"] == "overdue", clock
    message = inc.refused("dora-mark-submitted", {"type": "initial", "authority_reference": "BaFin-0042"})
    assert "give late_reason" in message and "after its due time" in message, message
    reason = "The authority's reporting portal refused uploads until 14:05 UTC."
    out = inc.ok(
        "dora-mark-submitted",
        {"type": "initial", "authority_reference": "BaFin-0042", "late_reason": reason},
        user="jonas.weber",
    )
    assert "**Late** by" in out[0]["HumanReadable"]
    submission = inc.context["DORA"]["Submission"]
    submission = submission[-1] if isinstance(submission, list) else submission
    assert submission["InitialNotification"]["Late"] is True
    assert submission["InitialNotification"]["LateReason"] == reason
    sealed = inc.audit()[-1]
    assert sealed["Kind"] == "submission" and sealed["Actor"] == "jonas.weber"
    assert sealed["Details"]["LateReason"] == reason and sealed["Details"]["Due"] == clock["Due"]
    assert inc.ok("dora-audit-verify")[0]["Contents"]["Valid"] is True
