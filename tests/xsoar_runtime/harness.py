"""Runs an integration's ``main()`` the way the XSOAR server does, on the runtime double."""

from __future__ import annotations

from collections.abc import Callable
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
    as the server sees them."""
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
    return list(demisto.recorded_results)
