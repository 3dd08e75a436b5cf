"""Timing, peak memory, subprocess workers, the native bench binaries and the machine description."""

from __future__ import annotations

import gc
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


@dataclass(frozen=True)
class Timing:
    """Seconds of each repetition of one measurement."""

    runs: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def best(self) -> float:
        return min(self.runs)

    def as_dict(self) -> dict[str, Any]:
        return {"median": self.median, "best": self.best, "runs": list(self.runs)}


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - started


def with_kernel_time(fn: Callable[[], T]) -> tuple[T, float, float]:
    """`fn`'s value, its wall seconds, and the CPU seconds the kernel spent for the process (all
    threads) meanwhile: for computing work, mostly mapping in and zeroing fresh memory."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_stime
    out, seconds = timed(fn)
    return out, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_stime - before


def repeat(fn: Callable[[], object], times: int) -> Timing:
    runs = []
    for _ in range(times):
        out, seconds = timed(fn)
        del out
        gc.collect()
        runs.append(seconds)
    return Timing(tuple(runs))


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


# -- memory ------------------------------------------------------------------------------------


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} is not in /proc/self/status")


def reset_peak() -> bool:
    """Resets the peak-RSS mark (VmHWM) to the current RSS; False where the kernel cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return _status_kib("VmHWM") <= _status_kib("VmRSS") + 1024


def peak_above_start(fn: Callable[[], T]) -> tuple[T, int]:
    """Runs `fn` and returns its value with the peak resident memory (KiB) it added above the
    resident memory at its start. The value is kept alive until the peak is read."""
    gc.collect()
    if not reset_peak():
        raise RuntimeError("the peak-RSS mark cannot be reset here (/proc/self/clear_refs)")
    before = _status_kib("VmRSS")
    out = fn()
    return out, _status_kib("VmHWM") - before


def check_peak_method() -> str:
    """Allocates 64 MiB after a reset in this process and checks that the method sees it."""
    size = 64 * 1024 * 1024

    def allocate() -> int:
        block = bytearray(size)
        block[::4096] = b"\1" * len(block[::4096])  # touch every page
        return len(block)

    _, first = peak_above_start(allocate)
    _, idle = peak_above_start(lambda: None)
    if not (abs(first - size // 1024) <= 8 * 1024 and idle < 4 * 1024):
        raise RuntimeError(f"peak memory method is off: 64 MiB read as {first} KiB, nothing as {idle} KiB")
    return f"64 MiB allocated read as {first / 1024:.1f} MiB; nothing allocated read as {idle / 1024:.1f} MiB"


# -- subprocesses ------------------------------------------------------------------------------


def run_worker(module: str, *args: str, env: dict[str, str] | None = None) -> Any:
    """`python -m module args...` in a fresh interpreter; its last stdout line is JSON."""
    out = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


_EXECUTABLES: dict[str, str] = {}


def build_benches(*names: str) -> None:
    """Builds the native benches `benches/<name>.rs` with cargo's bench profile, in one cargo run."""
    flags = [flag for name in names for flag in ("--bench", name)]
    built = subprocess.run(
        ["cargo", "bench", *flags, "--no-run", "--message-format=json-render-diagnostics"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    for message in map(json.loads, built.stdout.splitlines()):
        if message.get("reason") == "compiler-artifact" and message.get("executable"):
            _EXECUTABLES[message["target"]["name"]] = message["executable"]
    missing = set(names) - set(_EXECUTABLES)
    if missing:
        raise RuntimeError(f"cargo built no executable for the bench(es) {sorted(missing)}")


def cargo_bench(name: str, *args: str) -> Any:
    """Runs the native bench `benches/<name>.rs` (built first if needed) with `args`; returns the
    JSON object it prints."""
    if name not in _EXECUTABLES:
        build_benches(name)
    out = subprocess.run([_EXECUTABLES[name], *args], cwd=ROOT, check=True, capture_output=True, text=True)
    lines = out.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"the bench {name} printed nothing; stderr:\n{out.stderr[-2000:]}")
    return json.loads(lines[-1])


# -- the machine -------------------------------------------------------------------------------


def _command(*argv: str) -> str:
    try:
        return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def load_average() -> str:
    """The 1-minute load average: other work on the machine while it measures."""
    return Path("/proc/loadavg").read_text().split()[0]


def machine() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text()
    total = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.M)
    os_release = Path("/etc/os-release").read_text() if Path("/etc/os-release").exists() else ""
    pretty = re.search(r'^PRETTY_NAME="?([^"\n]+)"?', os_release, re.M)
    return {
        "cpu": model.group(1).strip() if model else platform.processor() or "unknown",
        "cores": str(os.cpu_count()),
        "ram": f"{int(total.group(1)) / 1024 / 1024:.1f} GiB" if total else "unknown",
        "os": f"{pretty.group(1) if pretty else platform.system()}, Linux {platform.release()}",
        "python": f"CPython {platform.python_version()}",
        "rustc": _command("rustc", "--version"),
        "commit": _command("git", "describe", "--always", "--dirty"),
        "load": load_average(),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
