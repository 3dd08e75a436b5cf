"""Timer (SLA) fields of the runtime double (``demistomock``), with the properties XSOAR
documents for a timer field's value ("Create SLA scripts", Cortex XSOAR 8.7 administrator guide):
startDate, dueDate = startDate + sla minutes (+ time paused), endDate, runStatus (idle, running,
paused, ended), accumulatedPause and totalDuration in seconds, and breachTriggered once the due
date has passed while running or before the timer ended. Times are read from the tests' world
clock (the core's clock)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any


def world_now() -> datetime:
    from CommonServerPython import _now

    return _now()


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(t: str) -> datetime:
    return datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def timer_due(timer: dict[str, Any]) -> None:
    if timer.get("startDate") and timer.get("sla") is not None:
        paused = timedelta(seconds=timer.get("accumulatedPause", 0))
        timer["dueDate"] = _iso(_parse(timer["startDate"]) + timedelta(minutes=int(timer["sla"])) + paused)


def timer_command(command: str, timer: dict[str, Any]) -> None:
    now = world_now()
    status = timer.get("runStatus", "idle")
    if command == "startTimer":
        if status == "paused" and timer.get("lastPauseDate"):
            pause = (now - _parse(timer["lastPauseDate"])).total_seconds()
            timer["accumulatedPause"] = int(timer.get("accumulatedPause", 0) + pause)
        elif status != "running":
            timer.update(startDate=_iso(now), endDate=None, accumulatedPause=0, breachTriggered=False)
        timer["runStatus"] = "running"
        timer_due(timer)
    elif command == "pauseTimer" and status == "running":
        timer.update(runStatus="paused", lastPauseDate=_iso(now))
    elif command == "stopTimer" and status in ("running", "paused"):
        timer.update(runStatus="ended", endDate=_iso(now))
        timer["totalDuration"] = int((now - _parse(timer["startDate"])).total_seconds()) - timer.get(
            "accumulatedPause", 0
        )
    timer_breach(timer, now)


def timer_breach(timer: dict[str, Any], now: datetime) -> None:
    due = timer.get("dueDate")
    if not due:
        return
    end = _parse(timer["endDate"]) if timer.get("endDate") else now
    if timer.get("runStatus") in ("running", "ended") and end > _parse(due):
        timer["breachTriggered"] = True
