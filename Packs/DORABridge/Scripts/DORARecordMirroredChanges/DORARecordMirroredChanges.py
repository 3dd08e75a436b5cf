"""Seals the SOCRadar changes mirrored into this incident in its DORA evidence chain (DORA.Audit).

The mirroring commands run outside the incident and cannot read its chain, so they leave each
change in the war room (entries tagged ``dora-bridge-mirror``) and in the SOCRadar Mirrored
Changes field. This script runs in the incident: by itself when that field changes (a field
trigger), or from a playbook or the war room. It seals every change not sealed yet, so a change
is never lost even if a trigger did not run, and never sealed twice.
"""

import json

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

from dora_bridge import mirror_evidence

RECORD_TAG = "dora-bridge-mirror"


def mirrored_records() -> list:
    """Every mirrored-change record in the incident's war room."""
    result = demisto.executeCommand("getEntries", {"filter": {"tags": [RECORD_TAG]}})
    if is_error(result):
        raise DemistoException(f"The war room could not be read: {get_error(result)}")
    records = []
    for entry in result or []:
        contents = entry.get("Contents")
        if isinstance(contents, str):
            try:
                contents = json.loads(contents)
            except ValueError:
                continue
        for item in contents if isinstance(contents, list) else [contents]:
            if isinstance(item, dict) and item.get("Id") and item.get("AlarmId"):
                records.append(item)
    return records


def chain_list(context: dict) -> list:
    audit = (context.get("DORA") or {}).get("Audit") or []
    return audit if isinstance(audit, list) else [audit]


def record() -> CommandResults:
    context = demisto.context()
    chain = chain_list(context)
    if not chain:
        return CommandResults(
            readable_output="This incident has no DORA evidence chain yet (DORA.Audit): nothing was sealed."
        )
    records = mirrored_records()
    entries = mirror_evidence(records, context=context)
    if entries:
        # The whole chain, old entries first: the chain is one list, and setContext writes it as is.
        demisto.setContext("DORA.Audit", chain + entries)
    rows = [
        {"Seq": e["Seq"], "At": e["At"], "Summary": f"{e['Details']['Field']} {e['Details']['Outcome']}"}
        for e in entries
    ]
    return CommandResults(
        readable_output=tableToMarkdown(
            f"Mirrored SOCRadar changes sealed in the evidence chain: {len(entries)} new of {len(records)}",
            rows,
            headers=["Seq", "At", "Summary"],
        ),
        raw_response=entries,
    )


def main() -> None:
    try:
        return_results(record())
    except Exception as e:
        return_error(f"Failed to execute DORARecordMirroredChanges. Error: {e}", error=e)


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
