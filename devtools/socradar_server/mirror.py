"""What a two-way mirror needs from the server: explicit tag actions, edits made by SOCRadar
users (as the platform's web UI would make them), and the search filters a mirror and the
guide's custom filters use (`notification_ids`, `tags`, `severity`/`severities`).

Tag endpoints (shared/spec/socradar-api.md, "More of the wire contract"): `POST /alarm/tag` adds
a tag, and on some servers toggles it (`SocRadarServer.tag_post_toggles`, on by default, the
stricter case); `DELETE /alarm/tag` with the same body removes it, and removing a tag the alarm
lacks changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .actions import ActionResult, _alarm, _alarm_id, _list, _object, _stamp, _text
from .alarms import history_entry, note_entry
from .catalog import RISK_LEVELS, STATUS_CODES, alarm_status_for
from .store import AlarmStore


def add_tag(store: AlarmStore, body: object, now: datetime, params: dict[str, str]) -> ActionResult:
    """`POST /alarm/tag` on a server where it only adds."""
    fields = _object(body)
    alarm_id = _alarm_id(fields)
    tag = _text(fields, "tag")
    with store.lock:
        tags = _list(_alarm(store, alarm_id), "tags")
        action = "unchanged" if tag in tags else "added"
        if action == "added":
            tags.append(tag)
        current = list(tags)
    return f"Tag {action}.", {"alarm_id": alarm_id, "tag": tag, "action": action, "tags": current}


def remove_tag(store: AlarmStore, body: object, now: datetime, params: dict[str, str]) -> ActionResult:
    """`DELETE /alarm/tag`: idempotent."""
    fields = _object(body)
    alarm_id = _alarm_id(fields)
    tag = _text(fields, "tag")
    with store.lock:
        tags = _list(_alarm(store, alarm_id), "tags")
        action = "removed" if tag in tags else "absent"
        while tag in tags:
            tags.remove(tag)
        current = list(tags)
    return (
        "Tag removed." if action == "removed" else "The alarm has no such tag.",
        {"alarm_id": alarm_id, "tag": tag, "action": action, "tags": current},
    )


def edit_alarm(
    store: AlarmStore,
    alarm_id: int,
    now: datetime,
    *,
    by: str,
    status_reason: str | None = None,
    severity: str | None = None,
    assignees: Iterable[str] | None = None,
    tags: Iterable[str] | None = None,
    comment: str | None = None,
) -> dict[str, object]:
    """A change made in SOCRadar by user `by`, recorded in the alarm's history (and notes) the way
    the action endpoints record theirs. Returns the stored alarm. KeyError for an unknown alarm,
    ValueError for a status reason or severity the platform does not have."""
    if status_reason is not None and status_reason not in STATUS_CODES:
        raise ValueError(f"unknown status reason {status_reason!r}")
    if severity is not None and severity not in RISK_LEVELS:
        raise ValueError(f"unknown severity {severity!r}")
    stamp = _stamp(now)
    with store.lock:
        alarm = store.get(alarm_id)
        history = _list(alarm, "history")
        if status_reason is not None:
            alarm["status"] = alarm_status_for(STATUS_CODES[status_reason])
            alarm["alarm_status_reason"] = status_reason
            history.append(history_entry(stamp, "STATUS_CHANGE", by, f"Status changed to {status_reason}"))
        if severity is not None:
            previous = alarm.get("alarm_risk_level")
            alarm["alarm_risk_level"] = severity
            history.append(
                history_entry(stamp, "SEVERITY_CHANGE", by, f"Severity changed from {previous} to {severity}")
            )
        if assignees is not None:
            alarm["alarm_assignees"] = list(assignees)
            history.append(
                history_entry(
                    stamp, "ASSIGNEE_CHANGE", by, "Assigned to " + ", ".join(alarm["alarm_assignees"])
                )
            )
        if tags is not None:
            alarm["tags"] = list(tags)
            history.append(history_entry(stamp, "TAG_CHANGE", by, "Tags set to " + ", ".join(alarm["tags"])))
        if comment is not None:
            _list(alarm, "notes").append(note_entry(store.next_note_id(), by, comment, stamp))
        return alarm
