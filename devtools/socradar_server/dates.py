"""Date parsing and formatting shared by the alarm store and the search endpoint.

SOCRadar writes alarm dates without a zone (they are UTC) in several shapes, and clients send
window bounds either as epoch seconds or as ISO-8601 strings. Everything here normalises to
timezone-aware UTC datetimes so that comparisons are exact to the microsecond.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

UTC = timezone.utc

# The shapes in which the platform has been seen to write `date`. "date" drops the time of day,
# so the generator only uses it when a caller asks for it explicitly.
DATE_STYLES: dict[str, str] = {
    "iso": "%Y-%m-%dT%H:%M:%S",
    "iso_micro": "%Y-%m-%dT%H:%M:%S.%f",
    "space": "%Y-%m-%d %H:%M:%S",
    "date": "%Y-%m-%d",
}

# Written out instead of relying on datetime.fromisoformat, whose accepted syntax differs between
# Python 3.10 and 3.11 (trailing "Z", short fractions).
_ISO_RE = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<frac>\d{1,6}))?)?"
    r"(?P<zone>Z|z|[+-]\d{2}:?\d{2})?)?",
    re.ASCII,
)
_EPOCH_RE = re.compile(r"-?\d+", re.ASCII)


def world_now() -> datetime:
    """The server's clock when none is fixed: the DORA Bridge core's clock when the core is
    installed (tests and the demo move it to their own dates), else the system clock."""
    try:
        from dora_bridge import now
    except ImportError:
        return datetime.now(UTC)
    return datetime.fromisoformat(now().replace("Z", "+00:00"))


def to_utc(dt: datetime) -> datetime:
    """Return `dt` as an aware UTC datetime; a naive value is taken to be UTC already."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def format_alarm_date(dt: datetime, style: str = "iso") -> str:
    """Format `dt` the way SOCRadar writes an alarm's `date` (UTC, no zone suffix).

    `style` is one of "iso" (2024-01-15T10:30:00), "iso_micro" (2024-01-15T10:30:00.123456),
    "space" (2024-01-15 10:30:00) or "date" (2024-01-15).
    """
    try:
        pattern = DATE_STYLES[style]
    except KeyError:
        raise ValueError(f"unknown date style {style!r}; expected one of {sorted(DATE_STYLES)}") from None
    return to_utc(dt).strftime(pattern)


def parse_iso(text: str) -> datetime:
    """Parse an ISO-8601 date or date-time; without a zone it is UTC. Raises ValueError."""
    match = _ISO_RE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not an ISO-8601 date: {text!r}")
    parts = match.groupdict()
    frac = parts["frac"] or ""
    value = datetime(
        int(parts["y"]),
        int(parts["mo"]),
        int(parts["d"]),
        int(parts["h"] or 0),
        int(parts["mi"] or 0),
        int(parts["s"] or 0),
        int(frac.ljust(6, "0")) if frac else 0,
    )
    zone = parts["zone"]
    if zone is None or zone in ("Z", "z"):
        return value.replace(tzinfo=UTC)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return value.replace(tzinfo=timezone(sign * offset)).astimezone(UTC)


def parse_alarm_date(value: object) -> datetime | None:
    """Parse an alarm's `date` field, or return None when it is missing or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None


def parse_query_date(text: str) -> datetime:
    """Parse a `start_date`/`end_date` query value: epoch seconds or ISO-8601. Raises ValueError."""
    text = text.strip()
    if _EPOCH_RE.fullmatch(text):
        try:
            return datetime.fromtimestamp(int(text), UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise ValueError(f"epoch seconds out of range: {text}") from exc
    return parse_iso(text)
