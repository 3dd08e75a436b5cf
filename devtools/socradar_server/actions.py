"""The POST action endpoints: body validation and the state change each one makes.

Every handler takes the store, the decoded JSON body, the current (simulated) time and the
path parameters, and returns the success message and `data`. A bad body raises ApiError(400)
naming the field, an unknown alarm ApiError(404); nothing is changed in either case.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from .alarms import history_entry, note_entry
from .catalog import SETTABLE_SEVERITIES, STATUS_NAMES, alarm_status_for
from .dates import format_alarm_date
from .responses import ApiError
from .store import AlarmStore

ActionResult = tuple[str, dict[str, object]]
ActionHandler = Callable[[AlarmStore, object, datetime, dict[str, str]], ActionResult]

_ID_TEXT = re.compile(r"[0-9]+", re.ASCII)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_API_USER = "API"


def change_status(store: AlarmStore, body: object, now: datetime, params: dict[str, str]) -> ActionResult:
    fields = _object(body)
    raw_ids = fields.get("alarm_ids")
    # The spec sends ids as strings here (unlike every other endpoint); integers are refused so
    # that a client drifting from the contract fails its tests.
    if (
        not isinstance(raw_ids, list)
        or not raw_ids
        or not all(isinstance(item, str) and _ID_TEXT.fullmatch(item) for item in raw_ids)
    ):
        raise ApiError(
            400, "'alarm_ids' must be a non-empty list of alarm ids as strings, e.g. [\"81171000\"]."
        )
    code = fields.get("status")
    if not _is_int(code) or code not in STATUS_NAMES:
        raise ApiError(400, f"'status' must be one of the status codes {sorted(STATUS_NAMES)}.")
    comments = _optional_text(fields, "comments")
    update_related = fields.get("update_related_finding_status", False)
    if not isinstance(update_related, bool):
        raise ApiError(400, "'update_related_finding_status' must be true or false.")
    email = fields.get("email")
    if update_related or email is not None:
        email = _email(fields, "email", "required when 'update_related_finding_status' is true")

    reason = STATUS_NAMES[code]
    new_status = alarm_status_for(code)
    details = f"Status changed to {reason}" + (f": {comments}" if comments else "")
    if update_related:
        details += " (related findings updated)"
    with store.lock:
        alarms = [_alarm(store, int(text)) for text in raw_ids]
        for alarm in alarms:
            alarm["status"] = new_status
            alarm["alarm_status_reason"] = reason
            _list(alarm, "history").append(
                history_entry(_stamp(now), "STATUS_CHANGE", email or _API_USER, details)
            )
    return "Alarm status changed.", {
        "alarm_ids": list(raw_ids),
        "status": new_status,
        "status_reason": reason,
        "status_code": code,
    }


def add_comment(store: AlarmStore, body: object, now: datetime, params: dict[str, str]) -> ActionResult:
    fields = _object(body)
    alarm_id = _alarm_id(fields)
    user_email = _email(fields, "user_email", "required")
    comment = _text(fields, "comment")
    with store.lock:
        alarm = _alarm(store, alarm_id)
        note = note_entry(store.next_note_id(), user_email, comment, _stamp(now))
        _list(alarm, "notes").append(note)
    return "Comment added.", {"alarm_id": alarm_id, "note_id": note["note_id"], "comment": comment}


def change_assignee(store: AlarmStore, body: object, now: datetime, params: dict[str, str]) -> ActionResult:
    fields = _object(body)
    alarm_id = int(params["alarm_id"])
    emails = fields.get("user_emails")
    if (
        not isinstance(emails, list)
        or not emails
        or not all(isinstance(item, str) and _EMAIL.fullmatch(item) for item in emails)
    ):
        raise ApiError(400, "'user_emails' must be a non-empty list of e-mail addresses.")
    with store.lock:
        alarm = _alarm(store, alarm_id)
        alarm["alarm_assignees"] = list(emails)
        _list(alarm, "history").append(
            history_entry(_stamp(now), "ASSIGNEE_CHANGE", _API_USER, "Assigned to " + ", ".join(emails))
        )
    return "Alarm assignees updated.", {"alarm_id": alarm_id, "user_emails": list(emails)}


def toggle_tag(store: AlarmStore, body: object, now: datetime, params: dict[str, str]) -> ActionResult:
    fields = _object(body)
    alarm_id = _alarm_id(fields)
    tag = _text(fields, "tag")
    with store.lock:
        tags = _list(_alarm(store, alarm_id), "tags")
        if tag in tags:
            tags.remove(tag)
            action = "removed"
        else:
            tags.append(tag)
            action = "added"
        current = list(tags)
    return f"Tag {action}.", {"alarm_id": alarm_id, "tag": tag, "action": action, "tags": current}


def ask_analyst(store: AlarmStore, body: object, now: datetime, params: dict[str, str]) -> ActionResult:
    fields = _object(body)
    alarm_id = _alarm_id(fields)
    comment = _text(fields, "comment")
    with store.lock:
        _list(_alarm(store, alarm_id), "history").append(
            history_entry(_stamp(now), "ASK_ANALYST", _API_USER, comment)
        )
    return "Your question was sent to a SOCRadar analyst.", {"alarm_id": alarm_id, "comment": comment}


def change_severity(store: AlarmStore, body: object, now: datetime, params: dict[str, str]) -> ActionResult:
    fields = _object(body)
    alarm_id = _alarm_id(fields)
    severity = fields.get("severity")
    if severity not in SETTABLE_SEVERITIES:
        raise ApiError(400, f"'severity' must be one of {sorted(SETTABLE_SEVERITIES)}.")
    with store.lock:
        alarm = _alarm(store, alarm_id)
        previous = alarm.get("alarm_risk_level")
        alarm["alarm_risk_level"] = severity
        _list(alarm, "history").append(
            history_entry(
                _stamp(now), "SEVERITY_CHANGE", _API_USER, f"Severity changed from {previous} to {severity}"
            )
        )
    return "Alarm severity changed.", {
        "alarm_id": alarm_id,
        "severity": severity,
        "previous_severity": previous,
    }


def _stamp(now: datetime) -> str:
    return format_alarm_date(now, "iso")


def _is_int(value: object) -> bool:
    # JSON true/false decode to bool, which Python counts as int; the API does not.
    return isinstance(value, int) and not isinstance(value, bool)


def _object(body: object) -> dict[str, object]:
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object.")
    return body


def _alarm_id(fields: dict[str, object]) -> int:
    value = fields.get("alarm_id")
    if not _is_int(value) or value <= 0:
        raise ApiError(400, "'alarm_id' must be a positive integer.")
    return value


def _text(fields: dict[str, object], name: str) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"'{name}' must be a non-empty string.")
    return value


def _optional_text(fields: dict[str, object], name: str) -> str | None:
    value = fields.get(name)
    if value is not None and not isinstance(value, str):
        raise ApiError(400, f"'{name}' must be a string.")
    return value


def _email(fields: dict[str, object], name: str, when: str) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not _EMAIL.fullmatch(value):
        raise ApiError(400, f"'{name}' must be an e-mail address ({when}).")
    return value


def _alarm(store: AlarmStore, alarm_id: int) -> dict[str, object]:
    try:
        return store.get(alarm_id)
    except KeyError:
        raise ApiError(404, f"Alarm {alarm_id} not found.") from None


def _list(alarm: dict[str, object], key: str) -> list:
    # Stored alarms may lack the field or carry a wrong type; the action repairs it.
    value = alarm.get(key)
    if not isinstance(value, list):
        value = alarm[key] = []
    return value
