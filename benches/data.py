"""The benchmark's data: realistic alarms from a fixed seed, and search answers byte for byte as
the local SOCRadar-compatible server sends them.

`IndexedSocRadarServer` is the local server (`devtools/socradar_server`) with one change: an
unfiltered window search is answered from a date index built once, instead of walking and
copying the whole store for every page. The stock search costs tens of milliseconds of Python per
page of a 10 000-alarm store, all of it under the server's one GIL, so concurrent requests queue
behind each other there; a real SOCRadar answers pages side by side. The answers are checked to
be the same bytes as the stock server's (`assert_same_answers`). Everything else (the latency,
the request log, the connection count, faults) is the stock server's own code.
"""

from __future__ import annotations

import bisect
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from devtools.socradar_server import SocRadarServer, parse_alarm_date
from devtools.socradar_server.alarms import ALARM_ID_BASE, generate_alarms
from devtools.socradar_server.faults import Fault
from devtools.socradar_server.responses import Response
from devtools.socradar_server.search import MAX_LIMIT, SearchQuery, parse_search_query

UTC = timezone.utc
# The clock of the offline measurements (mapping, memory): fixed, so every run sees the same data.
NOW = datetime(2026, 11, 23, 9, 14, 0, tzinfo=UTC)
SEED = 20261123
PAGE_SIZE = MAX_LIMIT


def rfc3339(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def alarms(count: int, *, end: datetime = NOW, seed: int = SEED) -> list[dict[str, object]]:
    """`count` realistic alarms dated over the two days before `end` (minus a minute), oldest first.

    The same generator as `SocRadarServer.generate`, visible at their dates.
    """
    generated = generate_alarms(
        count,
        rng=random.Random(seed),
        start=end - timedelta(days=2),
        end=end - timedelta(minutes=1),
        first_id=ALARM_ID_BASE,
    )
    return [g.alarm for g in generated]


def _unfiltered(q: SearchQuery) -> bool:
    """A window search without filters, totals included: the only kind the index answers."""
    filters = (
        q.statuses,
        q.severities,
        q.main_types,
        q.sub_types,
        q.excluded_main_types,
        q.excluded_sub_types,
        q.type_ids,
        q.excluded_type_ids,
    )
    return q.include_total_records and not q.include_company_id and not any(filters)


@dataclass
class WireIndex:
    """Alarms ordered as the server orders them, each serialised once as the server serialises it."""

    dates: list[datetime]  # ascending, full precision, aware UTC
    texts: list[str]  # json.dumps(alarm, ensure_ascii=False), same order

    @classmethod
    def of(cls, items: Sequence[Mapping[str, object]]) -> WireIndex:
        keyed = []
        for alarm in items:
            date = parse_alarm_date(alarm.get("date"))
            assert date is not None, f"alarm {alarm.get('alarm_id')} has no date"
            assert "company_id" not in alarm, "the server removes company_id; keep the data without it"
            keyed.append((date, alarm["alarm_id"], alarm))
        keyed.sort(key=lambda k: (k[0], k[1]))
        return cls([k[0] for k in keyed], [json.dumps(k[2], ensure_ascii=False) for k in keyed])

    def body(self, start: datetime | None, end: datetime | None, page: int, limit: int) -> bytes:
        """The answer to `page` of the window `[start, end]`, newest first, totals included."""
        lo = 0 if start is None else bisect.bisect_left(self.dates, start)
        hi = len(self.dates) if end is None else bisect.bisect_right(self.dates, end)
        total = max(0, hi - lo)
        first = hi - (page - 1) * limit  # newest first: page 1 ends at `hi`
        chosen = self.texts[max(lo, first - limit) : max(lo, first)][::-1]
        pages = -(-total // limit)
        return (
            '{"is_success": true, "message": "Success", "response_code": 200, "data": {"alarms": ['
            + ", ".join(chosen)
            + f'], "total_pages": {pages}, "total_records": {total}}}}}'
        ).encode("utf-8")

    def pages(self, limit: int = PAGE_SIZE) -> list[bytes]:
        """Every page of a window holding all the alarms: a capture of one fetch's reads."""
        count = max(1, -(-len(self.dates) // limit))
        return [self.body(None, None, p, limit) for p in range(1, count + 1)]


class IndexedSocRadarServer(SocRadarServer):
    """The local server, answering unfiltered window searches from an index (see the module doc)."""

    index: WireIndex | None = None

    def freeze(self) -> None:
        """Index the stored alarms. Call after the last alarm is added; every alarm must already
        be visible (generated without a visibility delay, dated before the server's time)."""
        stored = self.alarms
        assert all(parse_alarm_date(a["date"]) <= self.now for a in stored), "an alarm is not visible yet"
        self.index = WireIndex.of(stored)

    def _search(self, query_params: dict[str, list[str]], fault: Fault | None) -> Response:
        query = parse_search_query(query_params)
        if self.index is None or fault is not None or self.on_search is not None or not _unfiltered(query):
            return super()._search(query_params, fault)
        body = self.index.body(query.start, query.end, query.page, query.limit)
        return Response(200, body, {"Content-Type": "application/json"})


def assert_same_answers(srv: IndexedSocRadarServer, start: datetime, end: datetime) -> int:
    """Checks that the index answers every page of `[start, end]` with the stock server's bytes;
    returns the number of pages compared."""
    assert srv.index is not None
    window = {
        "limit": [str(PAGE_SIZE)],
        "start_date": [str(int(start.timestamp()))],
        "end_date": [str(int(end.timestamp()))],
        "include_total_records": ["true"],
    }
    first = json.loads(SocRadarServer._search(srv, {**window, "page": ["1"]}, None).body)
    total_pages = first["data"]["total_pages"]
    for page in range(1, total_pages + 2):  # one past the end: an empty page
        query = {**window, "page": [str(page)]}
        stock = SocRadarServer._search(srv, query, None)
        ours = srv._search(query, None)
        assert (stock.status, stock.body) == (ours.status, ours.body), f"page {page} differs"
    return total_pages + 1
