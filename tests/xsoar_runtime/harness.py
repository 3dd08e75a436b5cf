"""Runs an integration's ``main()`` the way the XSOAR server does, on the runtime double."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import demistomock as demisto


def run_command(
    main: Callable[[], None],
    command: str,
    params: dict[str, Any],
    args: dict[str, Any] | None = None,
    *,
    keep_state: bool = False,
    incident: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    user: str | None = None,
    playbook_task: dict[str, Any] | None = None,
    integration_context: dict[str, Any] | None = None,
) -> list[Any]:
    """One command run in an incident with this context; returns the entries it sent.
    ``user`` typed it in the War Room, or ``playbook_task`` ran it; ``integration_context`` is the
    instance's stored state (read back with ``demisto.getIntegrationContext()``).
    ``return_error`` ends a run with ``sys.exit``, as on the server; fetch errors propagate,
    as the server sees them, after the server has applied its rule for failed fetches
    (``demistomock.finish_run``)."""
    demisto.setup(
        params=params,
        args=args or {},
        command=command,
        keep_state=keep_state,
        incident=incident,
        context=context,
        user=user,
        playbook_task=playbook_task,
        integration_context=integration_context,
    )
    try:
        main()
    except SystemExit:
        pass
    except BaseException:
        demisto.finish_run(failed=True)
        raise
    demisto.finish_run(failed=False)
    return list(demisto.recorded_results)


@dataclass
class FetchRun:
    """One fetch-incidents run as the server saw it."""

    error: Exception | None
    #: Incidents the server created (after its rule for a failed run).
    incidents: list[dict[str, Any]]
    health: list[str]
    logs: list[tuple[str, str]]


def run_fetch(
    main: Callable[[], None], params: dict[str, Any], *, failed_run_incidents: str = "kept"
) -> FetchRun:
    """One fetch-incidents run from the stored last run, with the server keeping or dropping
    the incidents of a run that fails (``failed_run_incidents``)."""
    demisto.failed_fetch_incidents = failed_run_incidents
    error: Exception | None = None
    try:
        run_command(main, "fetch-incidents", params, keep_state=True)
    except Exception as e:  # the fetch failed, as the server sees it
        error = e
    return FetchRun(
        error=error,
        incidents=[i for batch in demisto.recorded_incidents for i in batch],
        health=list(demisto.recorded_health),
        logs=list(demisto.recorded_logs),
    )
