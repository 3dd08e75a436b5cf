"""The one instant every date in the tests derives from.

``DORA_TEST_ANCHOR`` (RFC 3339, with ``Z`` or an offset) sets it; unset, it is the anchor of the
test database's sample data (``DORA_PG_ANCHOR``, which ``scripts/postgres-server.sh env`` prints),
else the current time to the minute. ``conftest.py`` sets the core's clock to run on from it, and the XSOAR runtime
double and the local servers read that clock, so a whole run can be moved to another date:
``make test`` runs the time-sensitive suites a second time, a year ahead (``make test-anchors``).
A test that passes with one anchor and fails with another depends on the calendar: a defect.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone


def _parse(raw: str) -> datetime:
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise SystemExit(
            f"the test anchor (DORA_TEST_ANCHOR, else DORA_PG_ANCHOR) must be an RFC 3339 time such as 2027-12-04T06:30:00Z, got {raw!r}."
        ) from None
    if at.tzinfo is None:
        raise SystemExit(
            f"the test anchor (DORA_TEST_ANCHOR, else DORA_PG_ANCHOR) must carry Z or an offset, got {raw!r}."
        )
    return at.astimezone(timezone.utc)


def _anchor() -> datetime:
    raw = (os.environ.get("DORA_TEST_ANCHOR") or os.environ.get("DORA_PG_ANCHOR") or "").strip()
    if not raw:
        return datetime.now(timezone.utc).replace(second=0, microsecond=0)
    return _parse(raw)


ANCHOR: datetime = _anchor()


def database_mismatch() -> str | None:
    """Why the test database's sample data cannot serve this anchor (it ends after it), or None."""
    raw = (os.environ.get("DORA_PG_ANCHOR") or "").strip()
    if raw and _parse(raw) > ANCHOR:
        return (
            f"the test database's sample data ends at {raw}, after the test anchor {rfc3339(ANCHOR)}: "
            f"reload it with `DORA_PG_ANCHOR={rfc3339(ANCHOR)} scripts/postgres-server.sh start`, "
            "or unset DORA_TEST_ANCHOR to run at the data's anchor."
        )
    return None


def rfc3339(t: datetime) -> str:
    """``t`` as the core writes instants: UTC, ``Z``, whole seconds."""
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def at(**delta: float) -> str:
    """The anchor moved by ``timedelta(**delta)``, as RFC 3339: ``at(hours=-3)``."""
    return rfc3339(ANCHOR + timedelta(**delta))
