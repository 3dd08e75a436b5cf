"""The exactly-once bookkeeping the fetch property, fault and load tests share: alarms put on a
local SOCRadar server with their visibility time, fetch runs made by the integration's `main()`
on the XSOAR runtime double (which applies XSOAR's rule for a failed fetch: its last run is
discarded; its incidents kept or dropped, as the test says), every incident the server created
counted, and the final check that each alarm in the fetched range arrived exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import demistomock as demisto
import DORABridgeSOCRadar as integration  # noqa: N813
from harness import run_fetch

import dora_bridge
from devtools.socradar_server import SocRadarServer, format_alarm_date, parse_alarm_date
from tests.fixtures import API_KEY, COMPANY_ID, instance_params, rfc3339


@contextmanager
def core_clock(at: datetime) -> Iterator[None]:
    """The core's clock stopped at `at` (the engine's clock for one run), then running again from
    where it was."""
    before = dora_bridge.now()
    dora_bridge.set_clock(rfc3339(at), running=False)
    try:
        yield
    finally:
        dora_bridge.set_clock(before, running=True)


class AlarmFeed:
    """A server's alarms as a test adds them, and what the fetch runs delivered from it."""

    def __init__(self, srv: SocRadarServer, first_id: int, failed_run_incidents: str = "kept") -> None:
        self.srv = srv
        self.next_id = first_id
        self.delivered: Counter[int] = Counter()
        self.runs = 0
        # What the server does with incidents of a fetch that raises: "kept" or "dropped".
        self.failed_run_incidents = failed_run_incidents
        self.raised = 0
        self.health: list[str] = []
        demisto.setup(last_run={})

    @property
    def state(self) -> dict:
        return demisto.getLastRun()

    def add(self, date: datetime, visible: datetime) -> int:
        """An alarm dated `date` that the API shows from `visible` on; its id."""
        self.next_id += 1
        self.srv.add_alarm(
            {"alarm_id": self.next_id, "date": format_alarm_date(date, "iso_micro"), "status": "OPEN"},
            visible_at=visible,
        )
        return self.next_id

    def backlog(self, count: int, start: datetime) -> None:
        """`count` alarms spread over the two hours before `start`, visible at once."""
        for i in range(count):
            d = start - timedelta(seconds=(i * 397) % 7200)
            self.add(d, d)

    def advance(self, seconds: int, arrivals: list[tuple[float, int]]) -> None:
        """The server's clock moves on `seconds`, and alarms became visible meanwhile, each
        (position in that span, seconds its date lies before its visibility)."""
        before = self.srv.now
        self.srv.advance(timedelta(seconds=seconds))
        for pos, delay in arrivals:
            visible = before + timedelta(seconds=seconds * pos)
            self.add(visible - timedelta(seconds=delay), visible)

    def params(self, max_fetch: int, page_concurrency: int, timeout: float) -> dict:
        """The instance parameters of a fetch run over the last hour, every status."""
        return instance_params(
            self.srv,
            status=[],
            first_fetch="1 hour",
            max_fetch=str(max_fetch),
            page_concurrency=str(page_concurrency),
            timeout=str(timeout),
        )

    def fetch(self, params: dict, skew: int = 0) -> tuple[str, list[str], list[str]]:
        """One fetch-incidents run of the integration, from the stored state, with the engine's
        clock `skew` seconds off the server's. Returns (the raised error's text, or the failure
        the run reported in the instance's health, or ""; the run's log lines; the log lines of
        the malformed alarms it skipped)."""
        before = self.state
        with core_clock(self.srv.now + timedelta(seconds=skew)):
            run = run_fetch(integration.main, params, failed_run_incidents=self.failed_run_incidents)
        self.runs += 1
        self.delivered.update(int(i["dbotMirrorId"]) for i in run.incidents)
        self.health += run.health
        if run.error is not None:
            self.raised += 1
            # A run raises only when it delivered nothing and changed nothing.
            assert not run.incidents, "a raising run delivered incidents"
            assert self.state == before, "a raising run's state was kept"
        error = str(run.error) if run.error is not None else "\n".join(run.health)
        logs = [m for _, m in run.logs]
        return error, logs, [m for m in logs if "Skipped a malformed alarm" in m]

    def catch_up(self, lookback: timedelta, max_runs: int = 100) -> None:
        """The faults over and the clock right again: fetch until a run brings nothing new."""
        self.srv.advance(lookback + timedelta(seconds=5))
        for _ in range(max_runs):
            before = sum(self.delivered.values())
            self.fetch(instance_params(self.srv, status=[], first_fetch="1 hour", max_fetch="500"))
            if sum(self.delivered.values()) == before:
                return

    def assert_exactly_once(self, unreadable: set[int] = frozenset()) -> None:  # type: ignore[assignment]
        """No alarm twice; every alarm dated from the first window's start on delivered, but the
        `unreadable` ones (skipped as malformed), never."""
        first_start = datetime.fromisoformat(self.state["first_window_start"].replace("Z", "+00:00"))
        for alarm_id, n in self.delivered.items():
            assert n == 1, f"alarm {alarm_id} delivered {n} times"
        for alarm_id in unreadable:
            assert self.delivered[alarm_id] == 0, f"unreadable alarm {alarm_id} delivered"
        for a in self.srv.alarms:
            if a["alarm_id"] in unreadable:
                continue
            if parse_alarm_date(a["date"]).replace(microsecond=0) >= first_start:
                assert self.delivered[a["alarm_id"]] == 1, (
                    f"alarm {a['alarm_id']} dated {a['date']} never delivered"
                )


@contextmanager
def fed_server(
    start: datetime, first_id: int, backlog: int, failed_run_incidents: str = "kept"
) -> Iterator[tuple[SocRadarServer, AlarmFeed]]:
    """A local SOCRadar server whose clock stands at `start`, holding `backlog` alarms of the two
    hours before it, and the feed of alarms from `first_id` on."""
    with SocRadarServer(api_key=API_KEY, company_id=COMPANY_ID) as srv:
        srv.set_now(start)
        feed = AlarmFeed(srv, first_id=first_id, failed_run_incidents=failed_run_incidents)
        feed.backlog(backlog, start)
        yield srv, feed
