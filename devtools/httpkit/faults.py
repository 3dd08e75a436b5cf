"""Injected faults: what can go wrong between a client and the API it calls, on demand.

Faults wait in a FIFO queue; each request takes the oldest fault that applies to it. Which kinds
exist and what each does is the server's business (devtools/socradar_server/faults.py,
devtools/cmdb_server/faults.py); the queue, its checks and the shared answers live here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass

from .response import Response


@dataclass(frozen=True)
class Fault:
    kind: str
    retry_after: float | None = None
    delay: float | None = None
    path_contains: str | None = None

    def applies_to(self, path: str) -> bool:
        return self.path_contains is None or self.path_contains in path


@dataclass
class _Pending:
    fault: Fault
    remaining: int


class FaultQueue:
    """Faults of `kinds`; those in `need_delay` must say how long they wait (seconds)."""

    def __init__(self, kinds: Collection[str], need_delay: Collection[str] = ("slow",)) -> None:
        self.kinds = frozenset(kinds)
        self.need_delay = frozenset(need_delay)
        self._lock = threading.Lock()
        self._queue: list[_Pending] = []

    def add(self, fault: Fault, times: int = 1) -> Fault:
        """Queue `fault` for the next `times` requests it applies to."""
        kind = fault.kind
        if kind not in self.kinds:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(self.kinds)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        if fault.retry_after is not None and kind != "429":
            raise ValueError("retry_after only applies to the '429' fault")
        if fault.retry_after is not None and fault.retry_after < 0:
            raise ValueError("retry_after must not be negative")
        if kind in self.need_delay and fault.delay is None:
            raise ValueError(f"the {kind!r} fault needs delay (seconds)")
        if fault.delay is not None and fault.delay < 0:
            raise ValueError("delay must not be negative")
        with self._lock:
            self._queue.append(_Pending(fault, times))
        return fault

    def take(self, path: str, fits: Callable[[Fault], bool] | None = None) -> Fault | None:
        """Consume one use of the oldest fault that applies to this request (and `fits` it)."""
        with self._lock:
            for index, pending in enumerate(self._queue):
                if pending.fault.applies_to(path) and (fits is None or fits(pending.fault)):
                    pending.remaining -= 1
                    if pending.remaining == 0:
                        del self._queue[index]
                    return pending.fault
        return None

    def pending(self) -> list[tuple[Fault, int]]:
        """Faults not yet used up, oldest first, with their remaining uses."""
        with self._lock:
            return [(pending.fault, pending.remaining) for pending in self._queue]

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()


class FaultInjection:
    """The fault controls a server offers its tests, over the server's `_faults` queue."""

    _faults: FaultQueue

    def inject(
        self,
        kind: str,
        times: int = 1,
        *,
        retry_after: float | None = None,
        delay: float | None = None,
        path_contains: str | None = None,
    ) -> Fault:
        """Queue a fault for the next `times` requests it applies to (see the server's FAULT_KINDS).

        `path_contains` limits it to request paths containing that text; `delay` sleeps before the
        fault acts (required for "slow"); `retry_after` sets the Retry-After header of a "429".
        """
        return self._faults.add(Fault(str(kind), retry_after, delay, path_contains), times)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def pending_faults(self) -> list[tuple[Fault, int]]:
        """Queued faults not yet used up, oldest first, with their remaining uses."""
        return self._faults.pending()


def retry_after_header(fault: Fault) -> dict[str, str]:
    """The Retry-After header a "429" fault carries, if it was given one."""
    if fault.retry_after is None:
        return {}
    seconds = fault.retry_after
    return {"Retry-After": str(int(seconds)) if float(seconds).is_integer() else str(seconds)}


def reset() -> Response:
    """No answer at all: the connection is torn down with a TCP RST."""
    return Response(0, reset=True)
