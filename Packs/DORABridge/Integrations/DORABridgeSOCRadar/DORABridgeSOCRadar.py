"""DORA Bridge — SOCRadar Incidents v4.

Fetches SOCRadar alarms as XSOAR incidents, exactly once, and acts on them. This file is glue:
arguments go to the ``dora_bridge`` core, which checks them, talks to SOCRadar and builds the
incidents; results come back here as ``CommandResults``.
"""

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

from dora_bridge import SocRadarClient, command_args, markdown_escape

# The arguments declared isArray in the yml.
ARRAY_ARGS = ("alarm_ids", "user_emails")
STRUCTURED_ARGS = ()

ALARM_PREFIX = "SOCRadar.Alarm"
ALARM_HEADERS = [
    "ID",
    "Action",
    "Status",
    "Severity",
    "Assignees",
    "Tag",
    "TagAction",
    "Comment",
    "CompanyID",
    "Message",
    "ActionAt",
]
SAMPLE_HEADERS = ["ID", "Date", "RiskLevel", "Status", "Asset", "MainType", "SubType", "Title", "CompanyID"]


def flush_log(client: SocRadarClient) -> None:
    for line in client.drain_log():
        demisto.debug(f"[DORA Bridge SOCRadar] {line}")


def alarm_results(result: dict, title: str) -> CommandResults:
    return CommandResults(
        outputs_prefix=ALARM_PREFIX,
        outputs_key_field="ID",
        outputs=result["alarms"],
        readable_output=tableToMarkdown(title, result["alarms"], headers=ALARM_HEADERS, removeNull=True),
        raw_response=result["response"],
    )


def test_module(client: SocRadarClient, params: dict) -> str:
    client.test_connection(check_fetch=argToBoolean(params.get("isFetch") or False))
    return "ok"


def fetch_incidents(client: SocRadarClient) -> None:
    """One fetch run.

    XSOAR does not apply ``setLastRun`` when fetch-incidents ends in an error (XSOAR developer
    docs, "Fetching Incidents", Setting Last Run); what it does with incidents already sent in
    that run is not documented. So a run that read part of the window hands over what it could
    deliver with the state that matches it, returns normally, and reports the failure through
    ``demisto.updateModuleHealth`` and the log. The core raises (and this run fails) only when
    nothing was delivered and the state is unchanged: then neither server behaviour can lose or
    repeat an alarm.
    """
    result = client.fetch_incidents(demisto.getLastRun())
    for skipped in result["malformed"]:
        demisto.error(
            f"[DORA Bridge SOCRadar] Skipped a malformed alarm {skipped.get('alarm_id') or '(no id)'}: "
            f"{skipped['reason']}"
        )
    for note in result["notes"]:
        demisto.info(f"[DORA Bridge SOCRadar] {note}")
    demisto.incidents(result["incidents"])
    demisto.setLastRun(result["last_run"])
    failure = result["failure"]
    if failure:
        message = (
            f"DORA Bridge SOCRadar: the fetch stopped before reading the whole window: {failure['message']} "
            f"It created {len(result['incidents'])} incidents and stored where it stopped; "
            "the next fetch goes on from there."
        )
        demisto.updateModuleHealth(message)
        demisto.error(f"[DORA Bridge SOCRadar] {message}")


def change_status_command(client: SocRadarClient, args: dict) -> CommandResults:
    result = client.change_status(
        args.get("alarm_ids"),
        args.get("status_reason", ""),
        args.get("comments"),
        update_related_finding_status=args.get("update_related_finding_status"),
        email=args.get("email"),
        company_id=args.get("company_id"),
    )
    return alarm_results(result, "SOCRadar alarm status changed")


def mark_status_command(status_reason: str, title: str):
    def command(client: SocRadarClient, args: dict) -> CommandResults:
        result = client.change_status(
            args.get("alarm_id"), status_reason, args.get("comments"), company_id=args.get("company_id")
        )
        return alarm_results(result, title)

    return command


def add_comment_command(client: SocRadarClient, args: dict) -> CommandResults:
    result = client.add_comment(
        args.get("alarm_id"), args.get("user_email"), args.get("comment"), company_id=args.get("company_id")
    )
    return alarm_results(result, "Comment added to the SOCRadar alarm")


def ask_analyst_command(client: SocRadarClient, args: dict) -> CommandResults:
    result = client.ask_analyst(args.get("alarm_id"), args.get("comment"), company_id=args.get("company_id"))
    return alarm_results(result, "Request sent to the SOCRadar analysts")


def change_assignee_command(client: SocRadarClient, args: dict) -> CommandResults:
    result = client.change_assignee(
        args.get("alarm_id"), argToList(args.get("user_emails")), company_id=args.get("company_id")
    )
    return alarm_results(result, "SOCRadar alarm assignees changed")


def add_tag_command(client: SocRadarClient, args: dict) -> CommandResults:
    result = client.toggle_tag(args.get("alarm_id"), args.get("tag"), company_id=args.get("company_id"))
    return alarm_results(result, "SOCRadar alarm tag toggled")


def change_severity_command(client: SocRadarClient, args: dict) -> CommandResults:
    result = client.change_severity(
        args.get("alarm_id"), args.get("severity", ""), company_id=args.get("company_id")
    )
    return alarm_results(result, "SOCRadar alarm severity changed")


def test_fetch_command(client: SocRadarClient, args: dict) -> CommandResults:
    result = client.test_fetch(first_fetch=args.get("first_fetch") or "3 days", limit=args.get("limit"))
    total = result["TotalRecords"]
    summary = (
        f"Found {total if total is not None else result['Returned']} alarm(s) for company {result['CompanyID']} "
        f"from {result['WindowStart']} to {result['WindowEnd']}.\n"
        f"Time window (epoch seconds): {result['WindowStartEpoch']} to {result['WindowEndEpoch']}\n"
        f"Total available: {total} records across {result['TotalPages']} pages of {result['PageSize']}; "
        f"showing the newest {result['Returned']}. Nothing was stored: the next fetch is unaffected.\n"
    )
    if result["Hint"]:
        summary += f"\n**Hint:** {markdown_escape(result['Hint'])}\n"
    for skipped in result["Malformed"]:
        summary += (
            f"\nSkipped a malformed alarm {skipped.get('alarm_id') or '(no id)'}: "
            f"{markdown_escape(skipped['reason'])}\n"
        )
    # Text from SOCRadar is escaped where it reaches markdown; the context keeps it as sent.
    rows = [
        {k: markdown_escape(v) if isinstance(v, str) else v for k, v in alarm.items()}
        for alarm in result["Alarms"]
    ]
    context = {k: v for k, v in result.items() if k != "Malformed"}
    return CommandResults(
        outputs_prefix="SOCRadar.TestFetch",
        outputs_key_field="CompanyID",
        outputs=context,
        readable_output=summary + tableToMarkdown("Sample alarms", rows, headers=SAMPLE_HEADERS),
        raw_response=result,
    )


COMMANDS = {
    "socradar-change-alarm-status": change_status_command,
    "socradar-mark-false-positive": mark_status_command(
        "FALSE_POSITIVE", "SOCRadar alarm marked as false positive"
    ),
    "socradar-mark-resolved": mark_status_command("RESOLVED", "SOCRadar alarm marked as resolved"),
    "socradar-add-comment": add_comment_command,
    "socradar-ask-analyst": ask_analyst_command,
    "socradar-change-assignee": change_assignee_command,
    "socradar-add-tag": add_tag_command,
    "socradar-change-severity": change_severity_command,
    "socradar-test-fetch": test_fetch_command,
}


def arguments() -> dict:
    """The command's arguments as text (lists for the array arguments), whatever a playbook passed."""
    return command_args(demisto.args(), arrays=ARRAY_ARGS, structured=STRUCTURED_ARGS)


def main() -> None:
    params = demisto.params()
    command = demisto.command()
    demisto.debug(f"[DORA Bridge SOCRadar] command {command}")
    client = None
    try:
        client = SocRadarClient.from_params(params)
        if command == "test-module":
            return_results(test_module(client, params))
        elif command == "fetch-incidents":
            fetch_incidents(client)
        elif command in COMMANDS:
            return_results(COMMANDS[command](client, arguments()))
        else:
            raise NotImplementedError(f"The command {command} is not implemented by this integration.")
    except Exception as e:
        if client is not None:
            flush_log(client)
        return_error(f"Failed to execute {command} command. Error: {e}", error=e)
    else:
        flush_log(client)


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
