"""What fetching costs SOCRadar in requests, case by case: the integration's `main()` on the XSOAR
runtime double, against the local server on a simulated clock, one fetch a minute.

- burst: 2 500 alarms published at once, dated over the ten minutes before, Max incidents per
  fetch 250. Requests until all are delivered, the run after (which reads the window whole
  again for late alarms), then twenty quiet minutes.
- steady: 40 alarms a minute, some visible up to ten minutes after their date, 30 minutes.
- first: the first fetch of a window holding 10 000 alarms.

Every case checks that each alarm arrived exactly once.
"""

from __future__ import annotations

import random
import statistics
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

from benches.measure import ROOT
from devtools.socradar_server import SocRadarServer, format_alarm_date
from tests.fixtures import API_KEY, COMPANY_ID, instance_params

sys.path[:0] = [
    str(ROOT / "tests" / "xsoar_runtime"),
    str(ROOT / "Packs" / "DORABridge" / "Integrations" / "DORABridgeSOCRadar"),
]
import demistomock as demisto  # noqa: E402
import DORABridgeSOCRadar as integration  # noqa: E402, N813
from harness import run_fetch  # noqa: E402

from tests.exactly_once import core_clock  # noqa: E402

T0 = datetime(2026, 11, 23, 9, 0, 0, tzinfo=timezone.utc)


class Feed:
    """A server, the fetch runs made against it, and what they delivered."""

    def __init__(self, srv: SocRadarServer, params: dict[str, Any]) -> None:
        self.srv, self.params = srv, params
        self.delivered: Counter[str] = Counter()
        self.next_id = 80_000_000
        demisto.setup(last_run={})

    def add(self, date: datetime, visible: datetime) -> None:
        self.next_id += 1
        alarm = {"alarm_id": self.next_id, "date": format_alarm_date(date, "iso_micro"), "status": "OPEN"}
        self.srv.add_alarm(alarm, visible_at=visible)

    def run(self) -> tuple[int, int]:
        """One fetch run a minute after the last: (requests it sent, incidents it created)."""
        self.srv.advance(timedelta(minutes=1))
        before = len(self.srv.requests)
        with core_clock(self.srv.now):
            run = run_fetch(integration.main, self.params)
        assert run.error is None and not run.health, run.error or run.health
        self.delivered.update(i["dbotMirrorId"] for i in run.incidents)
        return len(self.srv.requests) - before, len(run.incidents)

    def check(self) -> None:
        twice = [i for i, n in self.delivered.items() if n > 1]
        assert not twice, f"{len(twice)} alarms delivered twice"
        assert set(self.delivered) == {str(a["alarm_id"]) for a in self.srv.alarms}, "alarms missing"


def burst() -> dict[str, Any]:
    with SocRadarServer(api_key=API_KEY, company_id=COMPANY_ID) as srv:
        srv.set_now(T0)
        feed = Feed(srv, instance_params(srv, status=[], max_fetch="250", first_fetch="1 hour"))
        rng = random.Random(2500)
        for _ in range(2500):
            feed.add(T0 - timedelta(seconds=rng.uniform(0, 600)), T0)
        runs, requests = 0, 0
        while sum(feed.delivered.values()) < 2500:
            n, _ = feed.run()
            runs, requests = runs + 1, requests + n
            assert runs < 40, "the burst did not drain"
        after, created_after = feed.run()
        assert created_after == 0
        quiet = [feed.run()[0] for _ in range(20)]
        feed.check()
        return {
            "alarms": 2500,
            "max_fetch": 250,
            "runs_to_deliver": runs,
            "requests_to_deliver": requests,
            "next_run_requests": after,
            "quiet_requests": quiet,
        }


def steady() -> dict[str, Any]:
    with SocRadarServer(api_key=API_KEY, company_id=COMPANY_ID) as srv:
        srv.set_now(T0)
        feed = Feed(srv, instance_params(srv, status=[], max_fetch="10000", first_fetch="1 hour"))
        rng = random.Random(40)
        for minute in range(31):
            for _ in range(40):
                visible = T0 + timedelta(minutes=minute + rng.random())
                feed.add(visible - timedelta(seconds=rng.randint(0, 600)), visible)
        per_run = [feed.run()[0] for _ in range(30)]
        srv.advance(timedelta(minutes=15))
        for _ in range(3):
            feed.run()
        feed.check()
        return {"arrivals_per_minute": 40, "runs": 30, "requests": per_run[1:]}


def first() -> dict[str, Any]:
    with SocRadarServer(api_key=API_KEY, company_id=COMPANY_ID) as srv:
        srv.set_now(T0)
        srv.generate(10_000, seed=10_000, start=T0 - timedelta(days=2), end=T0)
        feed = Feed(srv, instance_params(srv, status=[], max_fetch="10000"))
        requests, created = feed.run()
        assert created == 10_000
        feed.check()
        return {"alarms": 10_000, "requests": requests}


def measure() -> dict[str, Any]:
    out = {"burst": burst(), "steady": steady(), "first": first()}
    s = out["steady"]["requests"]
    out["steady"]["median"] = statistics.median(s)
    out["steady"]["max"] = max(s)
    return out
