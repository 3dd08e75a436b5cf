"""DORA Bridge: classifies ICT-related incidents under RTS 2024/1772 and runs the reporting clock of
RTS 2025/301 for the financial entity described by the instance parameters.

Glue only: the ``dora_bridge`` core reads the arguments, the connectors' context and the
incident's fields, judges every criterion and computes every deadline.
"""

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

from dora_bridge import EntityProfile, assess_cyber_threat

CRITERIA_HEADERS = ["Name", "Status", "Evidence"]
DEADLINE_HEADERS = ["Report", "Status", "Due", "DueLocal", "TimeLeft", "ReliefApplied", "Rule"]
VERDICT = {True: "MAJOR", False: "NOT MAJOR"}


def test_module(profile: EntityProfile) -> str:
    return "ok"


def classify_command(profile: EntityProfile, args: dict) -> CommandResults:
    result = profile.classify(args, incident=demisto.incident(), context=demisto.context())
    verdict = VERDICT[result["IsMajor"]] + ("" if result["Determinate"] else " (on the facts known so far)")
    readable = f"### DORA classification: {verdict}\n{result['RuleText']} ({result['Rule']})\n"
    readable += tableToMarkdown("Criteria", result["Criteria"], headers=CRITERIA_HEADERS)
    if result["Missing"]:
        readable += f"\n**Missing data:** {', '.join(result['Missing'])}\n"
    if result["CouldBecomeMajorIf"]:
        readable += f"\n**Could become major if met:** {'; '.join(result['CouldBecomeMajorIf'])}\n"
    readable += f"\nClassified at {result['ClassifiedAt']}; inputs hash `{result['InputsHash']}`.\n"
    return CommandResults(
        outputs_prefix="DORA.Classification",
        outputs_key_field="InputsHash",
        outputs=result,
        readable_output=readable,
        raw_response=result,
    )


def deadlines_command(profile: EntityProfile, args: dict) -> CommandResults:
    result = profile.deadlines(
        args, incident=demisto.incident(), context=demisto.context(), now=args.get("now") or None
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
    return CommandResults(
        outputs_prefix="DORA.Deadlines", outputs=result, readable_output=readable, raw_response=result
    )


def recurring_check_command(profile: EntityProfile, args: dict) -> CommandResults:
    incidents = args.get("incidents") or demisto.context().get("DORA", {}).get("RecurringCandidates")
    if not incidents:
        raise DemistoException(
            "incidents is required: give the entity's incidents of the last 6 months as a JSON list, "
            "or put them in context at DORA.RecurringCandidates."
        )
    result = profile.recurring_check(incidents, now=args.get("now") or None)
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
    return CommandResults(
        outputs_prefix="DORA.Recurring", outputs=result, readable_output=readable, raw_response=result
    )


def cyber_threat_command(args: dict) -> CommandResults:
    result = assess_cyber_threat(args)
    title = "Significant cyber threat" if result["Significant"] else "Not a significant cyber threat"
    if not result["Determinate"]:
        title += " (not assessable on the facts given)"
    readable = tableToMarkdown(
        f"{title} (RTS 2024/1772 Art. 10)",
        result["Conditions"],
        headers=["Article", "Status", "Justification"],
    )
    return CommandResults(
        outputs_prefix="DORA.CyberThreat", outputs=result, readable_output=readable, raw_response=result
    )


COMMANDS = {
    "dora-classify": classify_command,
    "dora-deadlines": deadlines_command,
    "dora-recurring-check": recurring_check_command,
}


def main() -> None:
    command = demisto.command()
    demisto.debug(f"[DORA Bridge] command {command}")
    try:
        profile = EntityProfile.from_params(demisto.params())
        if command == "test-module":
            return_results(test_module(profile))
        elif command in COMMANDS:
            return_results(COMMANDS[command](profile, demisto.args()))
        elif command == "dora-cyber-threat-assess":
            return_results(cyber_threat_command(demisto.args()))
        else:
            raise NotImplementedError(f"The command {command} is not implemented by this integration.")
    except Exception as e:
        return_error(f"Failed to execute {command} command. Error: {e}", error=e)


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
