"""Generation of realistic SOCRadar alarm objects, deterministic for a given random generator.

An alarm is the envelope the platform wraps around a finding (see content.py): id, status, risk
level, date, type details, workflow fields. The shapes follow shared/spec/socradar-api.md.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import NamedTuple

from .catalog import (
    ALARM_TYPES,
    RISK_LEVELS,
    STATUS_CODES,
    TYPE_DETAILS,
    UNKNOWN_CONTENT_KEYS,
    alarm_status_for,
    type_details,
)
from .content import BUILDERS, COMPANY_DOMAIN, unknown_content
from .dates import DATE_STYLES, format_alarm_date, parse_iso, to_utc

# Real alarm ids are global across tenants and in the eighty millions; starting there makes ids
# in demos and logs look like the ones analysts know.
ALARM_ID_BASE = 81_171_000

ANALYSTS = ("soc.l1@example-bank.com", "soc.l2@example-bank.com", "ciso.office@example-bank.com")
_RESPONSES = (
    "Verified by a SOCRadar analyst.",
    "Automatically verified by correlation with earlier findings.",
    "Takedown can be requested from the platform.",
    "",
)
# Mostly the plain ISO form, as observed; the others appear often enough to be exercised.
_STYLE_WEIGHTS = (("iso", 0.8), ("iso_micro", 0.1), ("space", 0.1))


class GeneratedAlarm(NamedTuple):
    alarm: dict[str, object]
    visible_at: datetime


def history_entry(date_text: str, action: str, user: str, details: str) -> dict[str, str]:
    """One item of an alarm's `history`; the action endpoints append entries of the same shape."""
    return {"date": date_text, "action": action, "user": user, "details": details}


def note_entry(note_id: int, user_email: str, comment: str, date_text: str) -> dict[str, object]:
    """One item of an alarm's `notes`; the add-comment endpoint appends entries of the same shape."""
    return {"note_id": note_id, "user_email": user_email, "comment": comment, "date": date_text}


def generate_alarms(
    count: int,
    *,
    rng: random.Random,
    start: datetime,
    end: datetime,
    first_id: int,
    date_style: str | None = None,
    visible_delay_max: timedelta = timedelta(0),
) -> list[GeneratedAlarm]:
    """Make `count` alarms dated between `start` and `end`, ids increasing with the date.

    Each alarm becomes visible at its date plus a random delay of at most `visible_delay_max`.
    `date_style` forces one of the DATE_STYLES; by default a realistic mix without "date" is used.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    start, end = to_utc(start), to_utc(end)
    if end < start:
        raise ValueError("end must not be before start")
    if date_style is not None and date_style not in DATE_STYLES:
        raise ValueError(f"unknown date style {date_style!r}; expected one of {sorted(DATE_STYLES)}")
    if visible_delay_max < timedelta(0):
        raise ValueError("visible_delay_max must not be negative")

    moments = sorted(start + (end - start) * rng.random() for _ in range(count))
    generated = []
    alarm_id = first_id
    for moment in moments:
        style = date_style or _pick_style(rng)
        date_text = format_alarm_date(moment, style)
        alarm = build_alarm(rng, alarm_id, moment, date_text)
        # Visibility counts from the instant the alarm claims, which the chosen style may have rounded.
        visible_at = parse_iso(date_text) + visible_delay_max * rng.random()
        generated.append(GeneratedAlarm(alarm, visible_at))
        alarm_id += rng.randint(1, 7)
    return generated


def build_alarm(rng: random.Random, alarm_id: int, when: datetime, date_text: str) -> dict[str, object]:
    """One alarm of a random type, dated `date_text` (which should render `when`)."""
    alarm_type = rng.choice(ALARM_TYPES)
    finding = BUILDERS[alarm_type.sub_type](rng, when)
    details = type_details(alarm_type)
    content = dict(finding.content)
    if rng.random() < 0.05:
        extra_key = rng.choice(UNKNOWN_CONTENT_KEYS)
        content[extra_key] = unknown_content(rng, extra_key)
    status, reason = _pick_status(rng)
    tags = list(finding.tags)
    if rng.random() < 0.15:
        tags.append("dora-relevant")
    history = [history_entry(date_text, "CREATED", "SOCRadar", "Alarm created")]
    if reason is not None:
        changed_at = format_alarm_date(when + timedelta(hours=rng.randint(1, 30)))
        history.append(
            history_entry(changed_at, "STATUS_CHANGE", rng.choice(ANALYSTS), f"Status changed to {reason}")
        )
    notes = []
    if rng.random() < 0.1:
        noted_at = format_alarm_date(when + timedelta(minutes=rng.randint(5, 600)))
        comment = f"Checked with the {COMPANY_DOMAIN} owners, follow-up pending."
        notes.append(note_entry(rng.randint(100_000, 999_999), rng.choice(ANALYSTS), comment, noted_at))

    alarm: dict[str, object] = {
        "alarm_id": alarm_id,
        "status": status,
        "alarm_risk_level": _pick_risk(rng, TYPE_DETAILS[alarm_type.sub_type].default_risk_level),
        "alarm_asset": finding.asset,
        "date": date_text,
        "alarm_text": finding.text,
        "alarm_response": rng.choice(_RESPONSES),
        "tags": tags,
        "alarm_related_entities": [{"key": key, "value": value} for key, value in finding.entities],
        "alarm_related_assets": [
            {"key": key, "value": list(values)} for key, values in finding.assets.items()
        ],
        "content": content,
        "alarm_type_details": details,
        "alarm_assignees": [rng.choice(ANALYSTS)] if rng.random() < 0.2 else [],
        "notes": notes,
        "history": history,
        "is_approved": True,
        "approved_by": "SOCRadar Analyst Team",
        "notification_id": alarm_id + rng.randint(4_000_000, 4_000_050),
        "last_notification_date": date_text,
    }
    if reason is not None:
        alarm["alarm_status_reason"] = reason
    return alarm


def _pick_style(rng: random.Random) -> str:
    roll = rng.random()
    for style, weight in _STYLE_WEIGHTS:
        if roll < weight:
            return style
        roll -= weight
    return _STYLE_WEIGHTS[0][0]


def _pick_risk(rng: random.Random, default: str) -> str | None:
    # The platform leaves the level empty now and then; clients must cope with null.
    if rng.random() < 0.03:
        return None
    index = RISK_LEVELS.index(default)
    if rng.random() < 0.7:
        return RISK_LEVELS[index]
    return RISK_LEVELS[max(0, min(len(RISK_LEVELS) - 1, index + rng.choice((-1, 1))))]


def _pick_status(rng: random.Random) -> tuple[str, str | None]:
    """The alarm's `status` and, when it is no longer open, the reason it was moved."""
    roll = rng.random()
    if roll < 0.85:
        return "OPEN", None
    reason = rng.choice(
        ("RESOLVED", "FALSE_POSITIVE", "MITIGATED") if roll < 0.93 else ("PENDING_INFO", "VENDOR_ASSESSMENT")
    )
    return alarm_status_for(STATUS_CODES[reason]), reason
