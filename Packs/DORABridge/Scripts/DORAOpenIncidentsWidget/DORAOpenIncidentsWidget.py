"""Table widget of the DORA dashboard: the open DORA incidents and cyber threats, each with its
next DORA deadline, the time left and its status, overdue first.

It reads the incidents with ``getIncidents`` (as the widgets of demisto/content's CommonWidgets
pack do) and the fields DORAApplyToIncident keeps on each: DORA Next Due (the earliest due time
of a report still open, RTS 2025/301 Art. 5), DORA Deadline Status (each report's status) and
DORA Decision. The due times are the core's; this script computes no deadline, it counts the time
left to them when the dashboard is displayed. No network, no dependency beyond the XSOAR runtime
(demisto/python3).
"""

import re
from datetime import datetime, timezone

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

TYPES = ("DORA ICT Incident", "DORA Cyber Threat")
QUERY = "-status:closed and (" + " or ".join(f'type:"{t}"' for t in TYPES) + ")"
# getIncidents pages; the dashboard shows at most this many incidents (a bound, not a sample:
# overdue ones first would be cut last only if more than this many were open).
PAGE_SIZE = 500
MAX_INCIDENTS = 2000
# "Initial notification: due-soon, due 2026-03-04T12:30:10Z (0h 30m)", as DORAApplyToIncident
# writes each report's part of DORA Deadline Status.
REPORT_STATUS = re.compile(r"(?P<report>[A-Z][a-z ]+): (?P<status>[a-z-]+)(?:, due (?P<due>\S+Z))?")
ORDER = {"overdue": 0, "due-soon": 1, "on-time": 2, "pending": 3}


def parse_time(value):
    if not value or not isinstance(value, str) or value.startswith("0001-01-01"):
        return None
    try:
        t = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else None  # a time without an offset is not a due time


def time_left(seconds):
    sign, seconds = ("-" if seconds < 0 else ""), abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    return f"{sign}{days}d {hours}h {rest // 60}m" if days else f"{sign}{hours}h {rest // 60}m"


def next_deadline(fields, now):
    """(report, due, status) of the earliest open report, the status counted now."""
    due = parse_time(fields.get("doranextdue"))
    if due is None:
        return None, None, None
    report, status = "", "on-time"
    for m in REPORT_STATUS.finditer(fields.get("doradeadlinestatus") or ""):
        if parse_time(m["due"]) == due:
            report, status = m["report"], m["status"]
    if due <= now:
        status = "overdue"
    return report, due, status


def row(incident, now):
    fields = incident.get("CustomFields") or {}
    report, due, status = next_deadline(fields, now)
    kind = incident.get("type") or ""
    if due is None:
        status = "no DORA deadline" if kind == "DORA Cyber Threat" else "pending: not yet classified"
        if fields.get("doradecision"):
            status = fields["doradecision"].split(":")[0]
    return {
        "Incident": f"[{incident.get('id')}](#/Details/{incident.get('id')})",
        "Name": incident.get("name") or "",
        "Type": kind,
        "Triage": fields.get("doratriageoutcome") or "",
        "Next report": report,
        "Due (UTC)": due.strftime("%Y-%m-%d %H:%M") if due else "",
        "Time left": time_left((due - now).total_seconds()) if due else "",
        "Status": status,
        "_sort": (
            ORDER.get(status, 4) if due else 5,
            (due - now).total_seconds() if due else 0,
            str(incident.get("id")),
        ),
    }


def open_incidents(search_query=""):
    query = f"({search_query}) and {QUERY}" if search_query else QUERY
    found, page = [], 0
    while len(found) < MAX_INCIDENTS:
        res = demisto.executeCommand("getIncidents", {"query": query, "size": PAGE_SIZE, "page": page})
        if is_error(res):
            raise DemistoException(f"getIncidents failed for the query {query}: {get_error(res)}")
        data = ((res[0] or {}).get("Contents") or {}).get("data") or []
        found += data
        if len(data) < PAGE_SIZE:
            break
        page += 1
    return found[:MAX_INCIDENTS]


def table(incidents, now):
    rows = sorted((row(i, now) for i in incidents), key=lambda r: r["_sort"])
    widget = TableOrListWidget()
    for r in rows:
        r.pop("_sort")
        widget.add_row(r)
    return widget


def main() -> None:
    try:
        args = demisto.args()
        # The dashboard's time range (from, to) does not apply: an open incident's deadline runs
        # whenever it was created. Its search bar (searchQuery) narrows the incidents.
        now = arg_to_datetime("now", required=True)
        return_results(table(open_incidents(args.get("searchQuery") or ""), now.astimezone(timezone.utc)))
    except Exception as e:
        return_error(f"Failed to execute DORAOpenIncidentsWidget. Error: {e}", error=e)


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
