"""DORA Bridge: classifies ICT-related incidents under RTS 2024/1772 and runs the reporting clock of
RTS 2025/301 for the financial entity described by the instance parameters.

Glue only: the ``dora_bridge`` core reads the arguments, the connectors' context and the
incident's fields, judges every criterion and computes every deadline.
"""

import json
from collections.abc import Callable
from typing import Any

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

from dora_bridge import EntityProfile, assess_cyber_threat, command_args
from dora_bridge.xsoar import calling_user, context, load_head, needed_command, store_head

# The arguments declared isArray in the yml, and those taking JSON-shaped input.
ARRAY_ARGS = (
    "affected_services",
    "affected_counterparts",
    "member_states",
    "data_losses",
    "estimates",
    "intermediate_submitted_at",
    "combined_with",
)
STRUCTURED_ARGS = ("incidents",)

CRITERIA_HEADERS = ["Name", "Status", "Evidence"]
DEADLINE_HEADERS = ["Report", "Status", "Due", "DueLocal", "TimeLeft", "ReliefApplied", "Rule"]
VERDICT = {True: "MAJOR", False: "NOT MAJOR"}


AUDIT_HEADERS = ["Seq", "At", "Kind", "Actor", "Summary", "Hash"]
REPORT_KEYS = [
    "Type",
    "SubmissionType",
    "ContentHash",
    "Complete",
    "Missing",
    "Problems",
    "GeneratedAt",
    "MappingVersion",
    "Conversion",
]
PROBLEM_HEADERS = ["Field", "Name", "Key", "Why", "Check"]


def test_module(profile: EntityProfile) -> str:
    # Every decision is recorded in the keyed evidence chain: verifying an empty chain fails, naming
    # chain_key, when the instance has no chain key.
    profile.audit_verify(incident={"id": "test-module"}, context={})
    return "ok"


def chain() -> list:
    audit = (demisto.context().get("DORA") or {}).get("Audit") or []
    return audit if isinstance(audit, list) else [audit]


def incident_id() -> str:
    return str(demisto.incident().get("id") or "")


def incident_results(prefix: str, result: dict, readable: str) -> CommandResults:
    """A result about this incident, keyed by its id so that a rerun replaces it."""
    return CommandResults(
        outputs_prefix=prefix,
        outputs_key_field="IncidentId",
        outputs={**result, "IncidentId": incident_id()},
        readable_output=readable,
        raw_response=result,
    )


class Evidence:
    """The incident, its context and the chain's head recorded outside it, for the core; and the
    head the core hands back, recorded before any result reaches the incident."""

    def __init__(self) -> None:
        self.incident = demisto.incident()
        self.id = str(self.incident.get("id") or "")
        self.head = load_head(demisto, self.id) if self.id else None

    def args(self) -> dict:
        return {"incident": self.incident, "context": demisto.context(), "head": self.head}

    def record(self, head: dict | None) -> None:
        if self.id:
            store_head(demisto, self.id, self.head, head)


def summary(entry: dict) -> str:
    d = entry.get("Details") or {}
    return ", ".join(
        f"{k}={v}"
        for k, v in d.items()
        if k in ("Subject", "Decision", "Role", "IsMajor", "AuthorityReference") and v
    )


def audit_results(entries: list, what: str) -> CommandResults:
    rows = [{**e, "Summary": summary(e), "Hash": e["Hash"][:16] + "…"} for e in entries]
    return CommandResults(
        outputs_prefix="DORA.Audit",
        outputs_key_field="Hash",
        outputs=entries,
        readable_output=tableToMarkdown(f"Evidence chain: {what}", rows, headers=AUDIT_HEADERS),
    )


def classify_command(profile: EntityProfile, args: dict) -> list[CommandResults]:
    result = context(profile.classify(args, incident=demisto.incident(), context=demisto.context()))
    verdict = VERDICT[result["IsMajor"]] + ("" if result["Determinate"] else " (on the facts known so far)")
    readable = f"### DORA classification: {verdict}\n{result['RuleText']} ({result['Rule']})\n"
    readable += tableToMarkdown("Criteria", result["Criteria"], headers=CRITERIA_HEADERS)
    if result["Missing"]:
        readable += f"\n**Missing data:** {', '.join(result['Missing'])}\n"
    if result["CouldBecomeMajorIf"]:
        readable += f"\n**Could become major if met:** {'; '.join(result['CouldBecomeMajorIf'])}\n"
    readable += f"\nClassified at {result['ClassifiedAt']}; inputs hash `{result['InputsHash']}`.\n"
    results = [
        CommandResults(
            outputs_prefix="DORA.Classification",
            outputs_key_field="InputsHash",
            outputs=result,
            readable_output=readable,
            raw_response=result,
        )
    ]
    evidence = Evidence()
    if not evidence.id:  # the playground: no incident, no evidence chain
        return results
    recorded = context(profile.record_classification(result, **evidence.args()))
    evidence.record(recorded["Head"])
    if recorded["Entries"]:
        results.append(audit_results(recorded["Entries"], "classification recorded"))
    return results


def deadlines_command(profile: EntityProfile, args: dict) -> CommandResults:
    result = context(
        profile.deadlines(
            args, incident=demisto.incident(), context=demisto.context(), now=args.get("now") or None
        )
    )
    rows = [result[k] for k in ("InitialNotification", "IntermediateReport", "FinalReport")]
    notes = [f"- {n}" for row in rows for n in row["Notes"]]
    readable = tableToMarkdown(
        f"DORA reporting clock ({result['MemberState']}, {result['TimeZone']}) at {result['ComputedAt']}",
        rows,
        headers=DEADLINE_HEADERS,
    )
    if notes:
        readable += "\n" + "\n".join(notes) + "\n"
    return incident_results("DORA.Deadlines", result, readable)


def recurring_check_command(profile: EntityProfile, args: dict) -> CommandResults:
    incidents = args.get("incidents") or demisto.context().get("DORA", {}).get("RecurringCandidates")
    if not incidents:
        raise DemistoException(
            "incidents is required: give the entity's incidents of the last 6 months as a JSON list, "
            "or put them in context at DORA.RecurringCandidates."
        )
    result = context(profile.recurring_check(incidents, now=args.get("now") or None))
    rows = [
        {k: g[k] for k in ("RootCause", "Occurrences", "Recurring", "IsMajor", "Rule")}
        for g in result["Groups"]
    ]
    readable = tableToMarkdown(
        f"Recurring incidents since {result['WindowStart']} (RTS 2024/1772 Art. 8(2))",
        rows,
        headers=["RootCause", "Occurrences", "Recurring", "IsMajor", "Rule"],
    )
    if result["Excluded"]:
        readable += "\n**Left out:** " + "; ".join(result["Excluded"]) + "\n"
    return incident_results("DORA.Recurring", result, readable)


def cyber_threat_command(args: dict) -> CommandResults:
    result = context(assess_cyber_threat(args))
    title = "Significant cyber threat" if result["Significant"] else "Not a significant cyber threat"
    if not result["Determinate"]:
        title += " (not assessable on the facts given)"
    readable = tableToMarkdown(
        f"{title} (RTS 2024/1772 Art. 10)",
        result["Conditions"],
        headers=["Article", "Status", "Justification"],
    )
    answers = [
        {"Article": c["Article"], **e, "Value": "unanswered" if e["Value"] is None else e["Value"]}
        for c in result["Conditions"]
        for e in c["Evidence"]
    ]
    readable += tableToMarkdown("Evidence", answers, headers=["Article", "Input", "About", "Value", "Source"])
    if result["PotentialCriteria"]:
        readable += "\n**Potential classification criteria (DORA_CYB field 15):** " + ", ".join(
            result["PotentialCriteria"]
        )
    return incident_results("DORA.CyberThreat", result, readable)


def report_draft_command(profile: EntityProfile, args: dict) -> list:
    evidence = Evidence()
    out = context(
        profile.report_draft(
            args.get("type") or "initial",
            args.get("format") or "markdown",
            exchange_rate=args.get("exchange_rate"),
            exchange_rate_source=args.get("exchange_rate_source"),
            **evidence.args(),
        )
    )
    evidence.record(out["Head"])
    return draft_results(out)


def cyber_threat_draft_command(profile: EntityProfile, args: dict) -> list:
    evidence = Evidence()
    out = context(profile.cyber_threat_draft(args.get("format") or "markdown", **evidence.args()))
    evidence.record(out["Head"])
    return draft_results(out)


def draft_results(out: dict) -> list:
    """A report or notification draft as context (DORA.Report, keyed by Type), file and chain entry."""
    draft = out["Draft"]
    schema = "the DORA_CYB schema" if draft["Type"] == "cyber-threat" else "the DORA_IR schema"
    report = {k: draft[k] for k in REPORT_KEYS}
    report.update(
        Format=out["Format"], Validation=out["Validation"], Fields=draft["Fields"], Document=draft["Document"]
    )
    report["FileName"] = out["FileName"] if out["Rendered"] is not None else None
    readable = f"### DORA {draft['SubmissionType'].replace('_', ' ')} — draft ({out['Format']})\n"
    readable += f"Content hash `{draft['ContentHash']}` (approvals bind to it).\n\n"
    if draft["Conversion"]:
        c = draft["Conversion"]
        readable += f"Amounts in {c['Currency']}: euro amounts converted at {c['RatePerEur']} {c['Currency']} per euro ({c['Source']}).\n\n"
    if draft["Complete"]:
        readable += (
            "**Complete:** every mandatory field is filled, the document validates against "
            f"{(out['Validation'] or {}).get('Schema', schema)}, and the template's rules hold.\n"
        )
    else:
        readable += tableToMarkdown(
            f"Incomplete: {len(draft['Problems'])} problem(s) — fill the key named, or fix the value",
            draft["Problems"],
            headers=PROBLEM_HEADERS,
        )
    if out["Format"] == "json" and out["Rendered"] is None:
        readable += f"\nThe JSON export is not offered until it validates against {schema}.\n"
    results = [
        CommandResults(
            outputs_prefix="DORA.Report", outputs_key_field="Type", outputs=report, readable_output=readable
        )
    ]
    if out["Rendered"] is not None:
        results.append(fileResult(out["FileName"], out["Rendered"]))
    if out["AuditEntry"]:
        results.append(audit_results([out["AuditEntry"]], "draft recorded"))
    return results


def sealed_decision(decide: Callable[..., dict], *positional: str, **named: Any) -> tuple[dict, dict]:
    """A human decision (``profile.approve`` or ``profile.decide``) made as the calling XSOAR
    user and sealed in the chain, whose new head is recorded: its entry and the entry's details,
    in context spelling."""
    caller, user = calling_user(demisto)
    evidence = Evidence()
    out = context(decide(*positional, caller=caller, user=user, **named, **evidence.args()))
    evidence.record(out["Head"])
    return out["Entry"], out["Entry"]["Details"]


def decided_by(entry: dict, actor: str) -> dict:
    """Who made a recorded human decision: the authenticated user (under ``actor``), their e-mail
    and the role they decided in, as dora-approve and dora-decide both put it into context."""
    d = entry["Details"]
    return {
        actor: entry["Actor"],
        f"{actor}Email": d["User"]["Email"],
        "Role": d["Role"],
        "RoleSource": d["RoleSource"],
    }


def decision_results(prefix: str, row: dict, readable: str, entry: dict) -> list:
    """A human decision as context (keyed by its chain entry's hash) and as its chain entry."""
    return [
        CommandResults(
            outputs_prefix=prefix, outputs_key_field="Hash", outputs=row, readable_output=readable
        ),
        audit_results([entry], "decision recorded"),
    ]


def approve_command(profile: EntityProfile, args: dict) -> list:
    entry, d = sealed_decision(
        profile.approve,
        args.get("subject") or "",
        args.get("decision") or "",
        role=args.get("role"),
        approver=args.get("approver"),
        comment=args.get("comment"),
        content_hash=args.get("content_hash"),
    )
    approval = {
        "Subject": d["Subject"],
        **decided_by(entry, "Approver"),
        "Decision": d["Decision"],
        "ContentHash": d["ContentHash"],
        "Comment": d["Comment"],
        "At": entry["At"],
        "Hash": entry["Hash"],
    }
    readable = tableToMarkdown("DORA decision recorded", approval, headers=list(approval))
    return decision_results("DORA.Approval", approval, readable, entry)


def triage_command(profile: EntityProfile, args: dict) -> list:
    outcome = args.get("outcome")
    caller, user = calling_user(demisto) if outcome else (None, None)
    evidence = Evidence()
    if not evidence.id:
        raise DemistoException(
            "dora-triage runs in an incident: it seals the incident's triage in its evidence chain."
        )
    out = context(
        profile.record_triage(
            outcome=outcome, reason=args.get("reason"), caller=caller, user=user, **evidence.args()
        )
    )
    evidence.record(out["Head"])
    triage = dict(out["Triage"] or {})
    triage.pop("User", None)
    readable = tableToMarkdown(
        "DORA triage", triage, headers=["Outcome", "Rule", "Reason", "By", "Previous", "At"], removeNull=True
    )
    results = [
        CommandResults(
            outputs_prefix="DORA.Triage", outputs_key_field="Hash", outputs=triage, readable_output=readable
        )
    ]
    if out["Entries"]:
        results.append(audit_results(out["Entries"], "triage recorded"))
    return results


def decide_command(profile: EntityProfile, args: dict) -> list:
    entry, d = sealed_decision(
        profile.decide,
        args.get("decision") or "",
        args.get("reason") or "",
        role=args.get("role"),
        decided_by=args.get("decided_by"),
    )
    system = d.get("SystemVerdict") or {}
    if system:
        verdict = "major" if system.get("IsMajor") else "not major"
        if not system.get("IsMajor") and not system.get("Determinate"):
            verdict += " on the facts known so far"
    else:
        verdict = "none yet"
    decision = {
        "Decision": d["Decision"],
        "Reason": d["Reason"],
        **decided_by(entry, "DecidedBy"),
        "DecidedAt": entry["At"],
        "SystemVerdict": verdict,
        "Hash": entry["Hash"],
    }
    readable = tableToMarkdown(
        f"DORA decision recorded: {'MAJOR' if d['Decision'] == 'major' else 'NOT MAJOR'}",
        decision,
        headers=["Decision", "DecidedBy", "Role", "DecidedAt", "SystemVerdict", "Reason"],
    )
    readable += "\nRun !dora-deadlines and DORAApplyToIncident: the clock follows the decision.\n"
    return decision_results("DORA.Decision", decision, readable, entry)


def approval_status_command(profile: EntityProfile, args: dict) -> CommandResults:
    status = context(profile.approval_status(args.get("subject") or "", **Evidence().args()))
    state = "approved" if status["Approved"] else "rejected" if status["Rejected"] else "awaiting approval"
    readable = f"### {status['Subject'].capitalize()}: {state}\n"
    if status["MissingRoles"]:
        readable += f"Still needed from: {', '.join(status['MissingRoles'])}.\n"
    readable += tableToMarkdown(
        "Decisions on the current version",
        status["Decisions"],
        headers=["Decision", "Role", "User", "At", "Comment"],
    )
    return CommandResults(
        outputs_prefix="DORA.ApprovalStatus",
        outputs_key_field="Subject",
        outputs=status,
        readable_output=readable,
    )


def mark_submitted_command(profile: EntityProfile, args: dict) -> list:
    caller, user = calling_user(demisto)
    evidence = Evidence()
    out = context(
        profile.mark_submitted(
            args.get("type") or "",
            caller=caller,
            user=user,
            submitted_at=args.get("submitted_at"),
            authority_reference=args.get("authority_reference"),
            combined_with=args.get("combined_with") or None,
            submitted_by=args.get("submitted_by"),
            late_reason=args.get("late_reason"),
            **evidence.args(),
        )
    )
    evidence.record(out["Head"])
    readable = ""
    for e in out["Entries"]:
        d = e["Details"]
        readable += (
            f"### {d['Subject'].capitalize()} report marked submitted at {d['SubmittedAt']} by {e['Actor']}\n"
        )
        readable += (
            f"Authority reference: {d['AuthorityReference'] or 'none given'}; draft `{d['ContentHash']}`"
        )
        readable += (
            f"; submitted together with {', '.join(d['CombinedWith'])}.\n" if d["CombinedWith"] else ".\n"
        )
        if d.get("Late"):
            readable += f"**Late** by {d['LateBy']} (due {d['Due']}): {d['LateReason']}\n"

        readable += tableToMarkdown("Approved by", d["ApprovedBy"], headers=["Approver", "Role"])
    submission = {k: v for k, v in out["Submission"].items() if v is not None}
    submission["IncidentId"] = incident_id()
    return [
        CommandResults(
            outputs_prefix="DORA.Submission",
            outputs_key_field="IncidentId",
            outputs=submission,
            readable_output=readable,
        ),
        audit_results(out["Entries"], "submission recorded"),
    ]


def verdict_text(result: dict) -> str:
    if result["Valid"]:
        return f"Verified with the chain key against the head recorded outside the incident: intact ({result['Entries']} entries)."
    if result["Status"] == "unverifiable":
        return result["Problem"]
    return (
        f"**Tampering found at entry {result['FirstBadSeq']} ({result['Tampering']}):** {result['Problem']}"
    )


def record_mirrored_changes_command(profile: EntityProfile, args: dict) -> CommandResults:
    try:
        records = json.loads(args.get("records") or "[]")
    except ValueError as e:
        raise DemistoException(f"records must be a JSON list of mirrored-change records: {e}.") from None
    evidence = Evidence()
    if not evidence.id:
        raise DemistoException(
            "dora-record-mirrored-changes runs in an incident: its evidence chain is sealed."
        )
    out = context(profile.record_mirrored_changes(records, **evidence.args()))
    evidence.record(out["Head"])
    entries = out["Entries"]
    if not chain():
        return CommandResults(
            readable_output="This incident has no DORA evidence chain yet (DORA.Audit): nothing was sealed."
        )
    result = audit_results(entries, f"mirrored SOCRadar changes sealed: {len(entries)} new of {len(records)}")
    if not entries:
        result.outputs = None
    return result


def audit_log_command(profile: EntityProfile, args: dict) -> list:
    entries = chain()
    verdict = context(profile.audit_verify(**Evidence().args()))
    readable = audit_results(entries, f"{len(entries)} entries").readable_output
    readable += "\n" + verdict_text(verdict) + "\n"
    name = f"DORA_audit_{incident_id() or 'incident'}.json"
    return [
        CommandResults(readable_output=readable, raw_response=entries),
        fileResult(name, json.dumps(entries, indent=2)),
    ]


def audit_verify_command(profile: EntityProfile, args: dict) -> CommandResults:
    result = context(profile.audit_verify(**Evidence().args()))
    result["IncidentId"] = incident_id()
    title = (
        "Evidence chain intact"
        if result["Valid"]
        else (
            "Evidence chain cannot be verified"
            if result["Status"] == "unverifiable"
            else "Evidence chain tampered with"
        )
    )
    readable = f"### {title}\n{verdict_text(result)}\n"
    if result["Valid"]:
        readable += f"Head `{result['HeadHash']}`; keys {', '.join(result['KeyIds']) or 'none'}.\n"
    return CommandResults(
        outputs_prefix="DORA.AuditVerification",
        outputs_key_field="IncidentId",
        outputs=result,
        readable_output=readable,
    )


COMMANDS = {
    "dora-classify": classify_command,
    "dora-deadlines": deadlines_command,
    "dora-recurring-check": recurring_check_command,
    "dora-report-draft": report_draft_command,
    "dora-cyber-threat-draft": cyber_threat_draft_command,
    "dora-triage": triage_command,
    "dora-decide": decide_command,
    "dora-approve": approve_command,
    "dora-approval-status": approval_status_command,
    "dora-mark-submitted": mark_submitted_command,
    "dora-record-mirrored-changes": record_mirrored_changes_command,
    "dora-audit-log": audit_log_command,
    "dora-audit-verify": audit_verify_command,
}


def arguments() -> dict:
    """The command's arguments as text (lists for the array arguments), whatever a playbook passed."""
    return command_args(demisto.args(), arrays=ARRAY_ARGS, structured=STRUCTURED_ARGS)


def main() -> None:
    command = demisto.command()
    demisto.debug(f"[DORA Bridge] command {command}")
    try:
        profile = EntityProfile.from_params(demisto.params())
        if command == "test-module":
            return_results(test_module(profile))
        elif command in COMMANDS:
            return_results(COMMANDS[command](profile, arguments()))
        elif command == "dora-cyber-threat-assess":
            return_results(cyber_threat_command(arguments()))
        else:
            raise NotImplementedError(f"The command {command} is not implemented by this integration.")
    except Exception as e:
        first = needed_command(e, demisto.args() or {})
        hint = f" Run {first} first." if first else ""
        return_error(f"Failed to execute {command} command. Error: {e}{hint}", error=e)


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
