"""`make demo` end to end: the README's worked example still runs and reaches every step."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_demo_runs_from_alarm_to_the_late_initial_notification_on_its_clock():
    out = subprocess.run(
        [sys.executable, "-m", "devtools.demo"],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    text = out.stdout
    for step in [
        "incidents created",
        "new incidents, none repeated",
        "### DORA classification: MAJOR",
        "### DORA classification: NOT MAJOR",
        "the document validates against IR-1.3.0",
        "refused: Failed to execute dora-approve command. Error: Martina Weber (mweber-risk) has already decided",
        "DORA triage at ingestion:",
        "[playbook: Detection: the clock runs from here]",
        # Time passes on the demo's clock: due soon, overdue with the SLA breached, submitted late.
        "|initial-notification|on-time|",
        "|initial-notification|due-soon|",
        "**Initial notification: DUE SOON**",
        "|initial-notification|overdue|",
        "**Initial notification: OVERDUE**",
        "dorainitialnotificationsla: running",
        "** SLA BREACHED **",
        "give late_reason, why it is late",
        "Initial report marked submitted at",
        "**Late** by 0h 45m",
        "**Initial notification: SUBMITTED LATE**",
        "|intermediate-report|on-time|",
        "doraintermediatereportsla: running",
        # The evidence chain, an entry a line, with the late submission's reason sealed.
        "Evidence chain of incident",
        "detection       DORA Bridge   AwareAt=",
        "LateBy=0h 45m; LateReason=The Chief Risk Officer",
        "### Evidence chain intact",
        "the API key and the chain key appear in no result or log line: True",
    ]:
        assert step in text, f"the demo no longer shows {step!r}:\n{text[-4000:]}"
    # The not-major incident's timers never started, and the demo never says one ended.
    not_major = text.split("--- incident")[3]
    assert "ended" not in not_major and "SLA timer dorainitialnotificationsla: not started" in not_major
    if os.environ.get("DORA_PG_DSN"):
        assert "### Transaction scope" in text
