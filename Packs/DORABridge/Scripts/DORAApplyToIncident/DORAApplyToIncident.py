"""Writes the newest DORA classification and deadlines in context to the incident's DORA fields
and sets the SLA of the DORA timer fields, so XSOAR itself alarms before each deadline.

Integration commands cannot change incident fields; a script can, through ``setIncident``.
"""

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

from dora_bridge import incident_field_updates


def run(command: str, args: dict) -> None:
    result = demisto.executeCommand(command, args)
    if is_error(result):
        raise DemistoException(f"{command} failed: {get_error(result)}")


def apply(what: str) -> CommandResults:
    if what not in ("classification", "deadlines", "all"):
        raise DemistoException(f"what must be classification, deadlines or all, got '{what}'.")
    dora = demisto.context().get("DORA") or {}
    updates = incident_field_updates(
        classification=dora.get("Classification") if what in ("classification", "all") else None,
        deadlines=dora.get("Deadlines") if what in ("deadlines", "all") else None,
        reports=dora.get("Report") if what == "all" else None,
        approvals=dora.get("Approval") if what == "all" else None,
    )
    if not updates["Fields"] and not updates["Timers"]:
        raise DemistoException(
            "No DORA classification or deadlines in context: run !dora-classify and !dora-deadlines first."
        )
    if updates["Fields"]:
        run("setIncident", updates["Fields"])
    for timer in updates["Timers"]:
        if timer["Action"] == "start":
            run("setIncident", {"sla": timer["SlaMinutes"], "slaField": timer["Field"]})
            run("startTimer", {"timerField": timer["Field"]})
        elif timer["Action"] == "stop":
            run("stopTimer", {"timerField": timer["Field"]})
    readable = tableToMarkdown(
        "DORA incident fields updated",
        [{"Field": k, "Value": v} for k, v in updates["Fields"].items() if k != "doraclassificationsummary"],
        headers=["Field", "Value"],
    )
    readable += tableToMarkdown(
        "DORA timers", updates["Timers"], headers=["Field", "Action", "Status", "Due", "SlaMinutes"]
    )
    return CommandResults(readable_output=readable, raw_response=updates)


def main() -> None:
    try:
        return_results(apply(demisto.args().get("what") or "all"))
    except Exception as e:
        return_error(f"Failed to execute DORAApplyToIncident. Error: {e}", error=e)


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
