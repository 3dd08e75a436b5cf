"""Load: 50 consecutive fetch runs against a SOCRadar server holding 100 000 alarms, with alarms
arriving steadily (some visible only minutes after their date). The fetching side's memory and
its stored state stay flat, and every alarm is delivered exactly once."""

from __future__ import annotations

import gc
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from devtools.socradar_server import SocRadarServer
from tests.exactly_once import AlarmFeed
from tests.fixtures import API_KEY, COMPANY_ID

CYCLES = 50
ARRIVALS_PER_CYCLE = 40
CYCLE = timedelta(minutes=1)
LOOKBACK = timedelta(minutes=15)
# Allowed growth of the fetching process's resident memory from cycle 10 to the last: a leak of
# what one run handles (its alarms, pages and incidents, about 1 MB) would exceed it by far over
# 40 runs; allocator noise stays well under it.
RSS_SLACK = 8 * 2**20


def rss() -> int:
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_fifty_fetch_cycles_over_a_hundred_thousand_alarms_stay_flat_and_exact():
    start = datetime(2026, 11, 23, 9, 0, 0, tzinfo=timezone.utc)
    rng = random.Random(50)
    with SocRadarServer(api_key=API_KEY, company_id=COMPANY_ID) as srv:
        srv.set_now(start)
        srv.generate(100_000, seed=50, start=start - timedelta(days=60), end=start)
        feed = AlarmFeed(srv, first_id=90_000_000)
        # Every arrival of the run is put on the server now, each visible from its own time: the
        # server's memory is fixed before the fetching side is measured.
        for cycle in range(CYCLES):
            for _ in range(ARRIVALS_PER_CYCLE):
                visible = start + CYCLE * (cycle + rng.random())
                feed.add(visible - timedelta(seconds=rng.randint(0, 600)), visible)
        gc.freeze()  # the server's alarms: out of the collector's way while the fetch side is measured
        params = feed.params(max_fetch=500, page_concurrency=4, timeout=5) | {"first_fetch": "1 hour"}

        state_bytes, memory, delivered = [], [], []
        for _ in range(CYCLES):
            srv.advance(CYCLE)
            before = sum(feed.delivered.values())
            error, _, malformed = feed.fetch(params)
            assert not error and not malformed, error or malformed
            delivered.append(sum(feed.delivered.values()) - before)
            state_bytes.append(len(json.dumps(feed.state)))
            memory.append(rss())

        assert all(n > 0 for n in delivered[1:]), f"a run delivered nothing: {delivered}"
        # The seen ledger holds the ids of the last 15 minutes of alarm dates, not every id seen.
        steady = state_bytes[LOOKBACK // CYCLE + 1 :]
        assert max(steady) <= 1.5 * min(steady), f"state grows: {state_bytes}"
        assert max(steady) < 64 * 1024, f"state too large: {max(steady)} bytes"
        growth = memory[-1] - memory[9]
        assert growth < RSS_SLACK, (
            f"resident memory grew {growth / 2**20:.1f} MB over {CYCLES - 10} runs: {memory}"
        )

        gc.unfreeze()
        feed.catch_up(LOOKBACK)
        feed.assert_exactly_once()
        arrived = CYCLES * ARRIVALS_PER_CYCLE
        assert sum(feed.delivered[i] for i in range(90_000_001, 90_000_001 + arrived)) == arrived
