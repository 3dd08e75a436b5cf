"""Targets, labels and the number formats of BENCHMARKS.md."""

from __future__ import annotations

SPEED_TARGET = 10.0  # mapping: at least 10x faster than the baseline (10 000 and 100 000 alarms)
TARGET_SIZES = ("10000", "100000")  # the sizes the mapping targets apply to
FETCH_TARGET = 6.0  # 10 000-alarm fetch: at least 6x faster in wall time
BURST_TARGET = 60  # requests to deliver a burst of 2 500 alarms at 250 a fetch
IMPORT_TARGET = 0.050  # seconds
SIZES = ("1000", "10000", "100000")
X = "\N{MULTIPLICATION SIGN}"  # in ratios, as in 2.45 times
# Rounds of 50 ms answers: pages 1..c at once, then the rest c at a time: ceil(100 / c).
FETCH_LATENCY_ROUNDS = {4: -(-100 // 4), 8: -(-100 // 8)}


def secs(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def mib(kib: float) -> str:
    return f"{count(kib / 1024)} MiB" if kib >= 10 * 1024 else f"{kib / 1024:.1f} MiB"


def times(x: float) -> str:
    return f"{x:.2f}{X}"


def yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def count(n: float) -> str:
    return f"{n:,.0f}".replace(",", " ")


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


FETCH_OURS = {4: "DORA Bridge, page_concurrency 4 (default)", 8: "DORA Bridge, page_concurrency 8"}
FETCH_BASE = "baseline, sequential"
