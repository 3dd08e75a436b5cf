"""`make demo` end to end: the README's worked example still runs and reaches every step."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_demo_runs_from_alarm_to_the_submitted_initial_notification():
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
        "Initial report marked submitted at",
        "|intermediate-report|on-time|",
        "### Evidence chain intact",
        "the API key and the chain key appear in no result or log line: True",
    ]:
        assert step in text, f"the demo no longer shows {step!r}:\n{text[-4000:]}"
    if os.environ.get("DORA_PG_DSN"):
        assert "### Transaction scope" in text
