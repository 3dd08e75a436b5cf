"""`fetch-incidents` of 10 000 alarms from the local server, through the integrations' `main()` on
the XSOAR runtime double: DORA Bridge's integration (pages read concurrently) against the
baseline integration (pages one after another, benches/baseline.py), 50 ms of latency per page.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from benches import baseline
from benches.data import SEED, IndexedSocRadarServer, assert_same_answers
from benches.measure import ROOT, Timing
from devtools.socradar_server import SocRadarServer
from tests.fixtures import API_KEY, COMPANY_ID, instance_params

sys.path[:0] = [
    str(ROOT / "tests" / "xsoar_runtime"),
    str(ROOT / "Packs" / "DORABridge" / "Integrations" / "DORABridgeSOCRadar"),
]
import demistomock as demisto  # noqa: E402
import DORABridgeSOCRadar as integration  # noqa: E402, N813
from harness import run_command  # noqa: E402

ALARMS = 10_000
LATENCY = 0.05


@dataclass(frozen=True)
class Variant:
    label: str
    main: Callable[[], None]
    params: dict[str, str]


def variants() -> list[Variant]:
    return [
        Variant("baseline, sequential", baseline.main, {}),
        Variant("DORA Bridge, page_concurrency 4 (default)", integration.main, {"page_concurrency": "4"}),
        Variant("DORA Bridge, page_concurrency 8", integration.main, {"page_concurrency": "8"}),
    ]


@dataclass
class Run:
    seconds: float
    double_seconds: float  # spent in the runtime double's demisto.incidents / setLastRun
    delivered: list[str]
    requests: int
    connections: int
    state_bytes: int
    state: dict[str, Any]


@contextmanager
def double_timer() -> Iterator[list[float]]:
    """Adds up the time the runtime double spends storing incidents and the last run (a deep
    copy and three json.dumps of the incidents: test bookkeeping, the same for both sides)."""
    spent = [0.0]
    originals = demisto.incidents, demisto.setLastRun

    def wrap(fn: Callable[[Any], None]) -> Callable[[Any], None]:
        def timed(value: Any) -> None:
            started = time.perf_counter()
            try:
                fn(value)
            finally:
                spent[0] += time.perf_counter() - started

        return timed

    demisto.incidents, demisto.setLastRun = wrap(originals[0]), wrap(originals[1])
    try:
        yield spent
    finally:
        demisto.incidents, demisto.setLastRun = originals


def fetch_once(srv: SocRadarServer, v: Variant, *, keep_state: bool = False) -> Run:
    params = instance_params(srv, status=[], max_fetch=str(ALARMS), **v.params)
    requests, connections = len(srv.requests), srv.connections_opened
    demisto.forget_emitted()
    with double_timer() as spent:
        started = time.perf_counter()
        run_command(v.main, "fetch-incidents", params, keep_state=keep_state)
        seconds = time.perf_counter() - started
    assert not srv.errors, srv.errors
    state = demisto.getLastRun()
    return Run(
        seconds=seconds,
        double_seconds=spent[0],
        delivered=[i["dbotMirrorId"] for batch in demisto.recorded_incidents for i in batch],
        requests=len(srv.requests) - requests,
        connections=srv.connections_opened - connections,
        state_bytes=len(json.dumps(state)),
        state=state,
    )


def assert_exactly_once(srv: SocRadarServer, first: Run, label: str) -> None:
    expected = {str(a["alarm_id"]) for a in srv.alarms}
    counts = Counter(first.delivered)
    twice = [i for i, n in counts.items() if n > 1]
    assert not twice, f"{label}: {len(twice)} alarms delivered twice"
    assert set(counts) == expected, f"{label}: {len(expected - set(counts))} alarms missing"


def serve(indexed: bool) -> SocRadarServer:
    cls = IndexedSocRadarServer if indexed else SocRadarServer
    srv = cls(api_key=API_KEY, company_id=COMPANY_ID).start()
    # The integrations read the real clock, so the server keeps real time.
    now = datetime.now(timezone.utc)
    srv.generate(ALARMS, seed=SEED, start=now - timedelta(days=2), end=now - timedelta(minutes=1))
    if isinstance(srv, IndexedSocRadarServer):
        srv.freeze()
        assert_same_answers(srv, now - timedelta(days=3), now + timedelta(seconds=1))
    srv.latency = LATENCY
    return srv


def measure(repetitions: int, stock_repetitions: int) -> dict[str, Any]:
    """Every variant `repetitions` times, interleaved, against the indexed server; then each once
    more with the state of its first run (nothing new: nothing delivered); then each
    `stock_repetitions` times against the stock server."""
    out: dict[str, Any] = {"alarms": ALARMS, "latency_ms": LATENCY * 1000, "variants": {}, "stock": {}}
    srv = serve(indexed=True)
    try:
        runs: dict[str, list[Run]] = {v.label: [] for v in variants()}
        for _ in range(repetitions):
            for v in variants():
                run = fetch_once(srv, v)
                assert_exactly_once(srv, run, v.label)
                runs[v.label].append(run)
        for v in variants():
            demisto.setup(last_run=runs[v.label][0].state)
            again = fetch_once(srv, v, keep_state=True)
            assert not again.delivered, f"{v.label}: a second run delivered {len(again.delivered)} again"
            first = runs[v.label][0]
            out["variants"][v.label] = {
                "time": Timing(tuple(r.seconds for r in runs[v.label])).as_dict(),
                "double": Timing(tuple(r.double_seconds for r in runs[v.label])).as_dict(),
                "without_double": Timing(
                    tuple(r.seconds - r.double_seconds for r in runs[v.label])
                ).as_dict(),
                "delivered": len(first.delivered),
                "requests": first.requests,
                "connections": first.connections,
                "state_bytes": first.state_bytes,
                "second_run_delivered": len(again.delivered),
                "second_run_requests": again.requests,
            }
    finally:
        srv.stop()
    srv = serve(indexed=False)
    try:
        for v in variants():
            stock = [fetch_once(srv, v) for _ in range(stock_repetitions)]
            for run in stock:
                assert_exactly_once(srv, run, v.label)
            out["stock"][v.label] = {
                "time": Timing(tuple(r.seconds for r in stock)).as_dict(),
                "without_double": Timing(tuple(r.seconds - r.double_seconds for r in stock)).as_dict(),
            }
    finally:
        srv.stop()
    return out
