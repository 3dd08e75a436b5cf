"""DORA Bridge — SOCRadar Incidents v4.

Fetches SOCRadar alarms as XSOAR incidents, exactly once, and acts on them. This file is glue:
arguments go to the ``dora_bridge`` core, which checks them, talks to SOCRadar and builds the
incidents; results come back here as ``CommandResults``.
"""

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

from dora_bridge import SocRadarClient, SocRadarError, command_args

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


def deliver(result: dict) -> None:
    for skipped in result["malformed"]:
        demisto.error(
            f"[DORA Bridge SOCRadar] alarm {skipped.get('alarm_id') or '(no id)'} skipped: {skipped['reason']}"
        )
    demisto.incidents(result["incidents"])
    demisto.setLastRun(result["last_run"])


def fetch_incidents(client: SocRadarClient) -> None:
    """Stores what a failed run could safely deliver, with its state, then fails the fetch."""
    try:
        result = client.fetch_incidents(demisto.getLastRun())
    except SocRadarError as e:
        partial = getattr(e, "partial", None)
        if partial is not None:
            deliver(partial)
        raise
    deliver(result)


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
        f"Found {total if total is not None else result['Returned']} alarm(s) from {result['WindowStart']} "
        f"to {result['WindowEnd']}.\n"
        f"Total available: {total} records across {result['TotalPages']} pages; showing the newest "
        f"{result['Returned']}. Nothing was stored: the next fetch is unaffected.\n"
    )
    for skipped in result["Malformed"]:
        summary += (
            f"\nSkipped a malformed alarm {skipped.get('alarm_id') or '(no id)'}: {skipped['reason']}\n"
        )
    context = {k: v for k, v in result.items() if k != "Malformed"}
    return CommandResults(
        outputs_prefix="SOCRadar.TestFetch",
        outputs=context,
        readable_output=summary + tableToMarkdown("Sample alarms", result["Alarms"], headers=SAMPLE_HEADERS),
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
