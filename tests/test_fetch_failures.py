"""A fetch failing part-way, on a server that applies XSOAR's documented rule for failed fetches
(the last run set by a run that fails is discarded) and either keeps or drops the incidents
that run sent (undocumented; both are run). The integration returns normally with what it could
deliver and reports the failure in the instance's health, so neither server behaviour loses or
repeats an alarm; a fetch that raised after delivering would repeat them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import demistomock as demisto
import DORABridgeSOCRadar as integration  # noqa: N813
import pytest
from harness import run_fetch

from devtools.socradar_server import SocRadarServer
from dora_bridge import SocRadarClient
from tests.exactly_once import core_clock
from tests.fixtures import API_KEY, COMPANY_ID, NOW, instance_params

BEHAVIOURS = ["kept", "dropped"]


def revoked_after_first_page(srv: SocRadarServer) -> None:
    """The API key stops working after the first search of the run (every later one is 401)."""
    calls = {"n": 0}

    def hook(server: SocRadarServer, query: object) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            server.inject("401", times=1000)

    srv.on_search = hook


@contextmanager
def six_hours_of(alarms: int, seed: int) -> Iterator[tuple[SocRadarServer, dict]]:
    """A server at NOW holding `alarms` alarms of the last six hours, and the instance parameters
    of a fetch from it, one page at a time, with no last run yet."""
    with SocRadarServer(api_key=API_KEY, company_id=COMPANY_ID) as srv:
        srv.set_now(NOW)
        srv.generate(alarms, seed=seed, start=NOW - timedelta(hours=6), end=NOW)
        demisto.setup(last_run={})
        yield srv, instance_params(srv, status=[], page_concurrency="1")


def naive_main() -> None:
    """A fetch that delivers what it read, stores its state, then raises: what the integration
    did before, and what a server applying the documented rule punishes."""
    client = SocRadarClient.from_params(demisto.params())
    result = client.fetch_incidents(demisto.getLastRun())
    demisto.incidents(result["incidents"])
    demisto.setLastRun(result["last_run"])
    if result["failure"]:
        raise Exception(result["failure"]["message"])


def fetch_until_quiet(main, params: dict, behaviour: str, srv: SocRadarServer) -> tuple[Counter, list]:
    """Fetch runs until one brings nothing; the ids the server created, and every run."""
    created: Counter[str] = Counter()
    runs = []
    for _ in range(12):
        with core_clock(srv.now):
            run = run_fetch(main, params, failed_run_incidents=behaviour)
        runs.append(run)
        created.update(i["dbotMirrorId"] for i in run.incidents)
        if not run.incidents and run.error is None:
            break
    return created, runs


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_a_key_revoked_after_the_first_page_then_restored_delivers_every_alarm_once(behaviour):
    with six_hours_of(480, seed=15) as (srv, params):
        revoked_after_first_page(srv)
        with core_clock(srv.now):
            first = run_fetch(integration.main, params, failed_run_incidents=behaviour)
        # The run returns normally: the 100 alarms of page 1 and the state saying so are stored
        # on either server, and the revoked key shows in the instance's health.
        assert first.error is None
        assert len(first.incidents) == 100
        (health,) = first.health
        assert "refused the API key (HTTP 401)" in health and "created 100 incidents" in health
        assert len(demisto.getLastRun()["seen"]) > 0
        srv.on_search = None
        srv.clear_faults()
        srv.advance(timedelta(minutes=1))
        created, runs = fetch_until_quiet(integration.main, params, behaviour, srv)
        created.update(i["dbotMirrorId"] for i in first.incidents)
        assert max(created.values()) == 1, "an alarm was created twice"
        assert set(created) == {str(a["alarm_id"]) for a in srv.alarms}
        assert len(created) == 480 and all(r.health == [] for r in runs)


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_a_run_that_delivers_nothing_raises_and_changes_nothing(behaviour):
    with six_hours_of(150, seed=16) as (srv, params):
        with core_clock(srv.now):
            run_fetch(integration.main, params)
        before = demisto.getLastRun()
        srv.advance(timedelta(minutes=1))
        srv.generate(5, seed=17, start=srv.now - timedelta(minutes=1), end=srv.now)
        srv.inject("401", times=1000)
        with core_clock(srv.now):
            failed = run_fetch(integration.main, params, failed_run_incidents=behaviour)
        # Nothing delivered and nothing changed: the run fails, so XSOAR shows a failed fetch,
        # and keeping or dropping its (no) incidents and state is the same.
        assert failed.error is not None and "refused the API key" in str(failed.error)
        assert failed.incidents == [] and demisto.getLastRun() == before
        srv.clear_faults()
        with core_clock(srv.now):
            after = run_fetch(integration.main, params, failed_run_incidents=behaviour)
        assert len(after.incidents) == 5


def test_a_fetch_that_raised_after_delivering_would_repeat_them_where_the_server_keeps_them():
    """Why the integration does not raise after delivering: the server discards that run's last
    run (documented) but may keep its incidents; the next run then delivers them again."""
    with six_hours_of(480, seed=15) as (srv, params):
        revoked_after_first_page(srv)
        with core_clock(srv.now):
            first = run_fetch(naive_main, params, failed_run_incidents="kept")
        assert first.error is not None and len(first.incidents) == 100
        assert demisto.getLastRun() == {}, "the documented rule: a failed run's last run is discarded"
        srv.on_search = None
        srv.clear_faults()
        created, _ = fetch_until_quiet(naive_main, params, "kept", srv)
        created.update(i["dbotMirrorId"] for i in first.incidents)
        assert len(created) == 480
        assert sum(n - 1 for n in created.values()) == 100, "the first page's alarms came twice"
