"""The server's alarms: insertion, removal, visibility and the ordered search over them.

Alarms are kept as the plain dicts that go over the wire, so tests can store odd shapes on
purpose. Only two fields are interpreted, once, when an alarm is added: `alarm_id` (identity)
and `date` (ordering and window filtering). Everything else is read at search time, so edits
made by the action endpoints are seen by the next search.
"""

from __future__ import annotations

import bisect
import copy
import threading
from dataclasses import dataclass
from datetime import datetime

from .dates import parse_alarm_date, to_utc
from .search import SearchQuery


@dataclass
class _Entry:
    alarm: dict[str, object]
    alarm_id: int
    date: datetime
    visible_at: datetime

    @property
    def order(self) -> tuple[datetime, int]:
        return (self.date, self.alarm_id)


class AlarmStore:
    """Thread-safe alarm storage ordered by (date, alarm_id).

    `lock` is re-entrant and exposed so that an action touching several alarms applies all of
    its changes or none.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._by_id: dict[int, _Entry] = {}
        self._ordered: list[_Entry] = []  # ascending; searches walk it backwards (newest first)
        self._note_ids = iter(range(1_000_000, 2**63))

    def __len__(self) -> int:
        with self.lock:
            return len(self._by_id)

    def add(self, alarm: dict[str, object], visible_at: datetime | None = None) -> None:
        """Store `alarm` (the dict itself, not a copy); it appears in searches from `visible_at` on.

        Raises ValueError when `alarm_id` is not an int, `date` cannot be parsed, or the id is
        already stored.
        """
        alarm_id = alarm.get("alarm_id")
        if not isinstance(alarm_id, int) or isinstance(alarm_id, bool):
            raise ValueError(f"alarm_id must be an int, got {alarm_id!r}")
        date = parse_alarm_date(alarm.get("date"))
        if date is None:
            raise ValueError(f"alarm {alarm_id}: unreadable date {alarm.get('date')!r}")
        entry = _Entry(alarm, alarm_id, date, date if visible_at is None else to_utc(visible_at))
        with self.lock:
            if alarm_id in self._by_id:
                raise ValueError(f"alarm {alarm_id} is already stored; remove it first")
            self._by_id[alarm_id] = entry
            bisect.insort(self._ordered, entry, key=lambda item: item.order)

    def remove(self, alarm_id: int) -> dict[str, object]:
        """Remove and return an alarm; KeyError when it is not stored."""
        with self.lock:
            entry = self._by_id.pop(alarm_id)
            index = bisect.bisect_left(self._ordered, entry.order, key=lambda item: item.order)
            del self._ordered[index]
            return entry.alarm

    def get(self, alarm_id: int) -> dict[str, object]:
        """The stored (live) alarm dict; KeyError when it is not stored."""
        with self.lock:
            return self._by_id[alarm_id].alarm

    def visible_at(self, alarm_id: int) -> datetime:
        with self.lock:
            return self._by_id[alarm_id].visible_at

    def clear(self) -> None:
        with self.lock:
            self._by_id.clear()
            self._ordered.clear()

    def alarms(self) -> list[dict[str, object]]:
        """Every stored alarm, visible or not, newest first."""
        with self.lock:
            return [entry.alarm for entry in reversed(self._ordered)]

    def max_id(self) -> int | None:
        with self.lock:
            return max(self._by_id, default=None)

    def next_note_id(self) -> int:
        with self.lock:
            return next(self._note_ids)

    def search(self, query: SearchQuery, now: datetime) -> tuple[list[dict[str, object]], int]:
        """One page of visible, matching alarms (deep copies, newest first) and the match count."""
        page: list[dict[str, object]] = []
        total = 0
        first, stop = query.offset, query.offset + query.limit
        with self.lock:
            for entry in reversed(self._ordered):
                if entry.visible_at > now or not query.matches(entry.alarm, entry.date):
                    continue
                if first <= total < stop:
                    page.append(copy.deepcopy(entry.alarm))
                total += 1
        return page, total
