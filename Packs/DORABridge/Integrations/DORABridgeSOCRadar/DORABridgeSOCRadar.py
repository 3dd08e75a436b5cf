"""DORA Bridge — SOCRadar Incidents v4.

Fetches SOCRadar alarms as XSOAR incidents, exactly once, acts on them and mirrors them both
ways. This file is glue: arguments go to the ``dora_bridge`` core, which checks them, talks to
SOCRadar and builds the incidents and mirror updates; results come back here as XSOAR results.
"""

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

from dora_bridge import (
    RateLimitedError,
    SocRadarClient,
    SocRadarError,
    SocRadarMirror,
    command_args,
    markdown_rows,
    markdown_text,
)

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
    if params.get("mirror_direction") not in (None, "", "None"):
        SocRadarMirror(client)  # refuses wrong mirroring parameters, naming them
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
    remember_fetched(client, result["incidents"])
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


def tag_command(remove: bool):
    def command(client: SocRadarClient, args: dict) -> CommandResults:
        change = client.remove_tag if remove else client.add_tag
        result = change(
            args.get("alarm_id"),
            args.get("tag"),
            company_id=args.get("company_id"),
            mirror_state=mirror_state(),
        )
        outcome = result["outcome"].replace("-", " ")
        return alarm_results(result, f"SOCRadar alarm tag: {outcome}")

    return command


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
        summary += f"\n**Hint:** {markdown_text(result['Hint'])}\n"
    for skipped in result["Malformed"]:
        summary += (
            f"\nSkipped a malformed alarm {skipped.get('alarm_id') or '(no id)'}: "
            f"{markdown_text(skipped['reason'])}\n"
        )
    # Text from SOCRadar is escaped where it reaches markdown; the context keeps it as sent.
    rows = markdown_rows(result["Alarms"])
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
    "socradar-add-tag": tag_command(remove=False),
    "socradar-remove-tag": tag_command(remove=True),
    "socradar-change-severity": change_severity_command,
    "socradar-test-fetch": test_fetch_command,
}


# -- mirroring -------------------------------------------------------------------------------------
# The XSOAR server's mirroring job runs get-modified-remote-data once a minute per instance, then
# get-remote-data per changed alarm; update-remote-system runs when a mirrored incident changes.
# What the mirror remembers lives in the integration context under "mirror".

MIRROR_KEY = "mirror"
CONTEXT_RETRIES = 5
RECORD_HEADERS = ["ObservedAt", "Direction", "Field", "From", "To", "By", "Outcome"]


def mirror_state() -> dict | None:
    return get_integration_context().get(MIRROR_KEY)


def save_mirror(updates: dict) -> None:
    """Applies the core's updates to the newest mirror state. The integration context is
    versioned: when another run of this instance wrote in between, read again and re-apply."""
    if not updates:
        return
    for attempt in range(1, CONTEXT_RETRIES + 1):
        context, version = get_integration_context_with_version(sync=True)
        context = dict(context or {})
        context[MIRROR_KEY] = SocRadarMirror.apply(context.get(MIRROR_KEY), updates)
        try:
            set_integration_context(context, sync=True, version=version)
            return
        except ValueError as e:
            demisto.debug(f"[DORA Bridge SOCRadar] mirror state written meanwhile ({e}); attempt {attempt}")
    raise DemistoException(
        f"The mirror state could not be saved after {CONTEXT_RETRIES} attempts: other runs of this instance "
        "kept writing it. The changes are read again at the next sync."
    )


def remember_fetched(client: SocRadarClient, incidents: list) -> None:
    """With mirroring on, remembers each fetched alarm as delivered, so the first sync records
    every change made after the fetch. A failure here is logged, never fails the fetch."""
    if not incidents or not incidents[0].get("dbotMirrorDirection"):
        return
    try:
        save_mirror(SocRadarMirror(client).baselines(incidents))
    except Exception as e:
        demisto.error(
            f"[DORA Bridge SOCRadar] mirror baselines not saved ({e}); the first sync starts from then."
        )


def remote_entries(data: dict, settings: dict) -> list:
    """The war-room entries of one incoming sync: new SOCRadar comments (as notes), the mirrored
    changes (the records the evidence script seals), and closing or reopening the incident."""
    entries = []
    for note in data["comments"]:
        by = note.get("user") or "a SOCRadar user"
        when = f" at {note['date']}" if note.get("date") else ""
        entries.append(
            {
                "Type": EntryType.NOTE,
                "ContentsFormat": EntryFormat.MARKDOWN,
                "Contents": f"**SOCRadar comment** by {by}{when}:\n\n{note['comment']}",
                "Tags": [settings["comment_tag_in"]],
                "Note": True,
            }
        )
    if data["records"]:
        entries.append(
            {
                "Type": EntryType.NOTE,
                "ContentsFormat": EntryFormat.JSON,
                "Contents": data["records"],
                "HumanReadable": tableToMarkdown(
                    f"SOCRadar alarm {data['alarm_id']}: mirrored changes",
                    data["records"],
                    headers=RECORD_HEADERS,
                    removeNull=True,
                ),
                "ReadableContentsFormat": EntryFormat.MARKDOWN,
                "Tags": [settings["record_tag"]],
                "Note": False,
            }
        )
    if data["close"]:
        entries.append(
            {
                "Type": EntryType.NOTE,
                "ContentsFormat": EntryFormat.JSON,
                "Contents": {
                    "dbotIncidentClose": True,
                    "closeReason": data["close"]["close_reason"],
                    "closeNotes": data["close"]["close_notes"],
                },
            }
        )
    if data["reopen"]:
        entries.append(
            {
                "Type": EntryType.NOTE,
                "ContentsFormat": EntryFormat.JSON,
                "Contents": {"dbotIncidentReopen": True},
            }
        )
    return entries


def mirror_error(e: SocRadarError) -> DemistoException:
    """The server's mirroring job reads these words: "API rate limit" restarts the sync loop from
    the failed incident, "skip update" stops the run's get-remote-data calls."""
    prefix = "API rate limit" if isinstance(e, RateLimitedError) else "skip update"
    return DemistoException(f"{prefix}: {e}", e)


def mirror_args(args: dict, *, required: tuple = (), defaults: dict | None = None) -> dict:
    """XSOAR always passes its mirroring arguments; from the war room they may be missing."""
    args = {**(defaults or {}), **{k: v for k, v in args.items() if v is not None}}
    for name in required:
        if args.get(name) in (None, ""):
            raise DemistoException(
                f"{name} is required: the SOCRadar alarm ID (the incident's dbotMirrorId)."
            )
    return args


def as_text(value) -> str | None:
    return None if value in (None, "") else str(value)


def get_remote_data_command(client: SocRadarClient, args: dict) -> GetRemoteDataResponse:
    parsed = GetRemoteDataArgs(mirror_args(args, required=("id",), defaults={"lastUpdate": "0"}))
    mirror = SocRadarMirror(client)
    try:
        data = mirror.remote_data(parsed.remote_incident_id, mirror_state())
    except RateLimitedError as e:
        raise mirror_error(e) from e
    save_mirror(data["updates"])
    for r in data["records"]:
        demisto.debug(
            f"[DORA Bridge SOCRadar] mirror {r['Direction']} {r['AlarmId']} {r['Field']}: {r['Outcome']}"
        )
    # An alarm SOCRadar no longer has still gets its entries; its fields are left as they are.
    mirrored = data["mirrored"] or {"alarm_id": data["alarm_id"]}
    return GetRemoteDataResponse(mirrored, remote_entries(data, mirror.settings))


def get_modified_remote_data_command(client: SocRadarClient, args: dict) -> GetModifiedRemoteDataResponse:
    parsed = GetModifiedRemoteDataArgs(mirror_args(args, defaults={"lastUpdate": None}))
    mirror = SocRadarMirror(client)
    if not mirror.settings["incoming"]:
        return GetModifiedRemoteDataResponse([])
    try:
        result = mirror.modified(mirror_state(), last_update=as_text(parsed.last_update))
    except SocRadarError as e:
        raise mirror_error(e) from e
    save_mirror(result["updates"])
    demisto.debug(
        f"[DORA Bridge SOCRadar] mirror window read: {result['alarms_read']} alarms in {result['requests']} "
        f"requests; {len(result['ids'])} changed"
    )
    return GetModifiedRemoteDataResponse(result["ids"])


def outgoing_comments(entries: list | None, tag: str) -> list:
    comments = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        contents = entry.get("contents")
        if tag not in (entry.get("tags") or []) or not isinstance(contents, str) or not contents.strip():
            demisto.debug(
                f"[DORA Bridge SOCRadar] entry {entry.get('id')} not mirrored: not a text entry tagged {tag}"
            )
            continue
        comments.append(
            {"entry_id": str(entry.get("id") or ""), "user": entry.get("user") or "", "text": contents}
        )
    return comments


def update_remote_system_command(client: SocRadarClient, args: dict) -> str:
    parsed = UpdateRemoteSystemArgs(mirror_args(args, required=("remoteId",)))
    mirror = SocRadarMirror(client)
    remote_id = str(parsed.remote_incident_id)
    if not mirror.settings["outgoing"]:
        return remote_id
    for name, value in (("delta", parsed.delta), ("data", parsed.data)):
        if value is not None and not isinstance(value, dict):
            raise DemistoException(
                f"{name} must be a mapping of incident fields to values, as XSOAR passes it."
            )
    delta = (parsed.delta or {}) if parsed.incident_changed else {}
    data = parsed.data or {}
    closing = None
    closed = str(parsed.inc_status) == str(IncidentStatus.DONE)
    if closed and any(k in delta for k in ("closeReason", "closeNotes", "closingUserId")):
        closing = {
            "reason": delta.get("closeReason") or data.get("closeReason") or "",
            "notes": delta.get("closeNotes") or data.get("closeNotes") or "",
            "user": delta.get("closingUserId") or data.get("closingUserId") or "",
        }
    comments = outgoing_comments(parsed.entries, mirror.settings["comment_tag"])
    try:
        result = mirror.update_remote(
            remote_id, mirror_state(), delta=delta, closing=closing, comments=comments
        )
    except SocRadarError as e:
        partial = getattr(e, "partial", None)
        if partial is not None:
            save_mirror(partial["updates"])
        raise
    save_mirror(result["updates"])
    for r in result["records"]:
        demisto.debug(f"[DORA Bridge SOCRadar] mirror outgoing {remote_id} {r['Field']}: {r['Outcome']}")
    return remote_id


def get_mapping_fields_command(client: SocRadarClient, args: dict) -> GetMappingFieldsResponse:
    response = GetMappingFieldsResponse()
    for type_name, fields in SocRadarMirror.mapping_fields().items():
        scheme = SchemeTypeMapping(type_name=type_name)
        for name, description in fields.items():
            scheme.add_field(name=name, description=description)
        response.add_scheme_type(scheme)
    return response


MIRROR_COMMANDS = {
    "get-remote-data": get_remote_data_command,
    "get-modified-remote-data": get_modified_remote_data_command,
    "update-remote-system": update_remote_system_command,
    "get-mapping-fields": get_mapping_fields_command,
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
        client = SocRadarClient.from_params(params, instance=demisto.integrationInstance())
        if command == "test-module":
            return_results(test_module(client, params))
        elif command == "fetch-incidents":
            fetch_incidents(client)
        elif command in COMMANDS:
            return_results(COMMANDS[command](client, arguments()))
        elif command in MIRROR_COMMANDS:
            # XSOAR's own arguments (data, delta, entries): read as given, not as command text.
            return_results(MIRROR_COMMANDS[command](client, demisto.args()))
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
