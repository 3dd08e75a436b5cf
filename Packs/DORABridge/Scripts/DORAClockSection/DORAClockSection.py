"""Dynamic section of the DORA ICT Incident layout: the three DORA report deadlines, with the
time left at the moment the section is displayed.

It reads the newest ``DORA.Deadlines`` (written by ``!dora-deadlines``) from the incident's
context and recomputes, against the current UTC time, the time left to each due time and the
status of each open report (RTS 2025/301 Art. 5). The due times themselves are the core's: this
script computes no deadline. No network, no dependency beyond the XSOAR runtime.
"""

import calendar
from datetime import datetime, timedelta, timezone

import demistomock as demisto
from CommonServerPython import *
from CommonServerUserPython import *

# (context key, label, due-soon margin when the deadline does not carry the instance's own:
# the defaults of the DORA Bridge instance parameters)
REPORTS = [
    ("InitialNotification", "Initial notification", timedelta(hours=1)),
    ("IntermediateReport", "Intermediate report", timedelta(hours=12)),
    ("FinalReport", "Final report", timedelta(days=3)),
]
OPEN = ("on-time", "due-soon", "overdue")
BAR_WIDTH = 20
HINT = "No DORA deadlines for this incident yet: run !dora-classify, then !dora-deadlines."


def latest(value):
    """XSOAR keeps repeated outputs as a list: the newest is the last."""
    if isinstance(value, list):
        return value[-1] if value else None
    return value


def parse_time(value):
    if not value or not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def utc_text(t):
    return t.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def local_text(due_local, zone):
    t = parse_time(due_local)
    if t is None:
        return ""
    return t.strftime("%Y-%m-%d %H:%M ") + (zone or t.strftime("UTC%z"))


def span(delta):
    """``2d 4h 10m``, ``3h 12m``, ``20m``; whole minutes, rounded down."""
    minutes = int(delta.total_seconds()) // 60
    if minutes < 1:
        return "under 1m"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {mins}m"
    if hours:
        return f"{hours}h {mins}m"
    return f"{mins}m"


def bar(used):
    """``[#####...............] 25% of the time used``; ``used`` from 0 to 1."""
    used = min(max(used, 0.0), 1.0)
    filled = round(used * BAR_WIDTH)
    return f"`[{'#' * filled}{'.' * (BAR_WIDTH - filled)}]` {round(used * 100)}% of the time used"


def month_before(t):
    year, month = (t.year, t.month - 1) if t.month > 1 else (t.year - 1, 12)
    return t.replace(year=year, month=month, day=min(t.day, calendar.monthrange(year, month)[1]))


def window_start(key, d, due):
    """When the report's time limit started, from its due time before any weekend or holiday
    relief (RTS 2025/301 Art. 5(1)): 4 hours from classification as major or 24 hours from
    awareness, 72 hours from the initial notification, one month from the latest intermediate
    report."""
    base = parse_time(d.get("BaseDue")) or due
    if key == "InitialNotification":
        from_classification = "4 hours from classification" in (d.get("Rule") or "")
        return base - timedelta(hours=4 if from_classification else 24)
    if key == "IntermediateReport":
        return base - timedelta(hours=72)
    return month_before(base)


def report_line(key, label, soon, d, zone, now):
    status = d.get("Status") or "pending"
    due = parse_time(d.get("Due"))
    when = ""
    if due is not None:
        local = local_text(d.get("DueLocal"), zone)
        when = f"due {utc_text(due)}" + (f" ({local})" if local else "")
    if status in ("submitted", "submitted-late"):
        at = parse_time(d.get("SubmittedAt"))
        state = "SUBMITTED LATE" if status == "submitted-late" else "SUBMITTED"
        text = f"**{label}: {state}**" + (f" at {utc_text(at)}" if at else "")
        return text + (f"; was {when}" if when else "")
    if status == "not-required":
        return f"**{label}: NOT REQUIRED** (not a major incident)"
    if status not in OPEN or due is None:
        notes = [n for n in d.get("Notes") or [] if isinstance(n, str)]
        return f"**{label}: PENDING**" + (f": {notes[0]}" if notes else "")
    margin = d.get("DueSoonSeconds")
    if isinstance(margin, (int, float)) and not isinstance(margin, bool) and margin >= 0:
        soon = timedelta(seconds=margin)
    left = due - now
    if left.total_seconds() < 0:
        state, left_text = "OVERDUE", f"overdue by {span(-left)}"
    elif status == "due-soon" or left <= soon:
        state, left_text = "DUE SOON", f"{span(left)} left"
    else:
        state, left_text = "ON TIME", f"{span(left)} left"
    start = window_start(key, d, due)
    total = (due - start).total_seconds()
    used = 1.0 if total <= 0 else (now - start).total_seconds() / total
    line = f"**{label}: {state}**, {when}; {left_text} {bar(used)}"
    if state == "DUE SOON":
        # An entity that cannot meet a time limit informs its authority before it expires.
        line += "; if it cannot be met, inform the authority before the due time"
    return line


def render(context, now):
    """The section's markdown for this incident context at ``now`` (UTC)."""
    dora = latest((context or {}).get("DORA")) or {}
    deadlines = latest(dora.get("Deadlines")) if isinstance(dora, dict) else None
    if not isinstance(deadlines, dict) or not any(deadlines.get(k) for k, *_ in REPORTS):
        return HINT
    zone = deadlines.get("TimeZone") or ""
    where = " ".join(x for x in (deadlines.get("MemberState"), f"({zone})" if zone else "") if x)
    head = f"DORA reporting clock at {utc_text(now)}" + (f", {where}" if where else "")
    computed = parse_time(deadlines.get("ComputedAt"))
    lines = [f"**{head}**", ""]
    for key, label, soon in REPORTS:
        lines.append("- " + report_line(key, label, soon, deadlines.get(key) or {}, zone, now))
    lines.append("")
    lines.append(
        "Time left is counted now; the due times are those of !dora-deadlines"
        + (f" at {utc_text(computed)}" if computed else "")
        + ": run it again after a submission or a reclassification."
    )
    return "\n".join(lines)


def main() -> None:
    try:
        markdown = render(demisto.context(), datetime.now(timezone.utc))
        return_results({"Type": EntryType.NOTE, "ContentsFormat": EntryFormat.MARKDOWN, "Contents": markdown})
    except Exception as e:
        return_error(f"Failed to execute DORAClockSection. Error: {e}", error=e)


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
