"""Writes the newest DORA classification and deadlines in context to the incident's DORA fields
and sets the SLA of the DORA timer fields, so XSOAR itself alarms before each deadline.

Integration commands cannot change incident fields; a script can, through ``setIncident``.
"""

from datetime import datetime

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

from dora_bridge import incident_field_updates
from dora_bridge.xsoar import context


def run(command: str, args: dict) -> None:
    result = demisto.executeCommand(command, args)
    if is_error(result):
        raise DemistoException(f"{command} failed: {get_error(result)}")


def minutes_between(start: str, end: str) -> int:
    """Whole minutes from ``start`` to ``end`` (RFC 3339), rounded up, never negative."""
    seconds = (
        datetime.fromisoformat(end.replace("Z", "+00:00"))
        - datetime.fromisoformat(start.replace("Z", "+00:00"))
    ).total_seconds()
    return max(0, -(-int(seconds) // 60))


def apply(what: str) -> CommandResults:
    if what not in ("classification", "deadlines", "all"):
        raise DemistoException(f"what must be classification, deadlines or all, got '{what}'.")
    dora = demisto.context().get("DORA") or {}
    updates = context(
        incident_field_updates(
            classification=dora.get("Classification") if what in ("classification", "all") else None,
            deadlines=dora.get("Deadlines") if what in ("deadlines", "all") else None,
            reports=dora.get("Report") if what == "all" else None,
            approvals=dora.get("Approval") if what == "all" else None,
        )
    )
    if not updates["Fields"] and not updates["Timers"]:
        raise DemistoException(
            "No DORA classification or deadlines in context: run !dora-classify and !dora-deadlines first."
        )
    if updates["Fields"]:
        run("setIncident", updates["Fields"])
    timers = demisto.incident().get("CustomFields") or {}
    for timer in updates["Timers"]:
        current = timers.get(timer["Field"]) or {}
        running = current.get("runStatus") in ("running", "paused")
        if timer["Action"] == "start":
            # XSOAR dates a timer's breach at its start + sla minutes: a running timer keeps its
            # start, so its SLA is counted from there.
            sla = (
                minutes_between(current["startDate"], timer["Due"])
                if running and current.get("startDate")
                else timer["SlaMinutes"]
            )
            run("setIncident", {"sla": sla, "slaField": timer["Field"]})
            if not running:
                run("startTimer", {"timerField": timer["Field"]})
            timer.update(SlaMinutes=sla, Action="start" if not running else "keep running")
        elif timer["Action"] == "stop":
            if running:
                run("stopTimer", {"timerField": timer["Field"]})
            else:
                timer["Action"] = "none (never started)"
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
