"""Seals the SOCRadar changes mirrored into this incident in its DORA evidence chain (DORA.Audit).

The mirroring commands run outside the incident and cannot read its chain, so they leave each
change in the war room (entries tagged ``dora-bridge-mirror``) and in the DORA SOCRadar Mirrored
Changes field. This script runs in the incident: by itself when that field changes (a field
trigger), or from a playbook or the war room. It hands every record to the DORA Bridge
integration's ``dora-record-mirrored-changes``, which holds the chain key and seals each change
not sealed yet: a change is never lost even if a trigger did not run, and never sealed twice.
Only reading the war room happens here, so the script needs no more than ``demisto/python3``.
"""

import json

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

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


def record() -> list:
    records = mirrored_records()
    result = demisto.executeCommand("dora-record-mirrored-changes", {"records": json.dumps(records)})
    if is_error(result):
        raise DemistoException(f"dora-record-mirrored-changes failed: {get_error(result)}")
    return result


def main() -> None:
    try:
        demisto.results(record())
    except Exception as e:
        return_error(f"Failed to execute DORARecordMirroredChanges. Error: {e}", error=e)


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
