"""Parse + dedup + map over a capture of search answers: the core against the Python baseline.

Each measurement runs in a fresh interpreter (`python -m benches.mapping ...`), so one size's
garbage and allocator state do not weigh on the next, and peak memory is that of the work alone:

    python -m benches.mapping time <ours|baseline> <capture.ndjson> <repetitions> <warm-up.ndjson>
    python -m benches.mapping memory <ours|baseline> <capture.ndjson>

A capture is the raw answers of one window, one per line, page 1 first.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from benches import baseline
from benches.data import NOW, rfc3339
from benches.measure import Timing, peak_above_start, with_kernel_time
from dora_bridge import SocRadarClient
from tests.fixtures import COMPANY_ID, instance_params

# The instance of every offline measurement: no status filter (every alarm of the window is
# fetched), content and entities on, one fetch may deliver the whole window.
PARAMS = instance_params(SimpleNamespace(url="http://127.0.0.1:9/api"), status=[], max_fetch="100000")


def read_capture(path: Path) -> list[bytes]:
    return [line for line in path.read_bytes().split(b"\n") if line]


def write_capture(path: Path, pages: list[bytes]) -> None:
    assert all(b"\n" not in p for p in pages), "a search answer is one line of JSON"
    path.write_bytes(b"\n".join(pages))


_CLIENT: list[SocRadarClient] = []


def client() -> SocRadarClient:
    """The client, made once per process, as an integration run makes it once: its TLS setup
    (reading the engine's trust store) is neither parsing, deduplicating nor mapping."""
    if not _CLIENT:
        _CLIENT.append(SocRadarClient.from_params(PARAMS))
    return _CLIENT[0]


def ours(pages: list[bytes]) -> dict[str, Any]:
    return client().fetch_from_pages(pages, {}, now=rfc3339(NOW))


def python_baseline(pages: list[bytes]) -> dict[str, Any]:
    start = NOW - timedelta(days=3)  # first_fetch "3 days", as the core's first window
    return baseline.fetch_from_pages(
        baseline.parsed(pages), {}, now=NOW, start=start, company_id=COMPANY_ID, params=PARAMS
    )


IMPLEMENTATIONS = {"ours": ours, "baseline": python_baseline}


def assert_same_incidents(pages: list[bytes]) -> int:
    """The baseline must do the same work: same incidents, in the same order, field for field
    (rawJSON compared as JSON: the core writes it compact with sorted keys). Returns the count."""
    a, b = ours(pages)["incidents"], python_baseline(pages)["incidents"]
    assert len(a) == len(b), f"the core made {len(a)} incidents, the baseline {len(b)}"
    assert [i["dbotMirrorId"] for i in a] == [i["dbotMirrorId"] for i in b], "not the same alarms"
    for x, y in zip(a, b, strict=True):
        assert json.loads(x["rawJSON"]) == json.loads(y["rawJSON"]), x["dbotMirrorId"]
        strip = [{k: v for k, v in i.items() if k != "rawJSON"} for i in (x, y)]
        assert strip[0] == strip[1], f"incident {x['dbotMirrorId']} differs: {strip}"
    return len(a)


def main(argv: list[str]) -> None:
    mode, impl, capture = argv[0], IMPLEMENTATIONS[argv[1]], Path(argv[2])
    pages = read_capture(capture)
    if mode == "time":
        repetitions, warm_up = int(argv[3]), read_capture(Path(argv[4]))
        count = len(impl(warm_up)["incidents"])  # imports, lazy tables, allocator
        runs, kernel = [], []
        for _ in range(repetitions):
            out, seconds, kernel_seconds = with_kernel_time(lambda: impl(pages))
            del out
            gc.collect()
            runs.append(seconds)
            kernel.append(kernel_seconds)
        timing = Timing(tuple(runs))
        print(
            json.dumps({**timing.as_dict(), "kernel": statistics.median(kernel), "warm_up_incidents": count})
        )
    elif mode == "memory":
        # The first call in a fresh interpreter: its peak memory, and its time (memory not yet
        # touched by an earlier call must be mapped in). The client exists before, as it does
        # in an integration run.
        if argv[1] == "ours":
            client()
        (out, seconds, kernel), peak_kib = peak_above_start(lambda: with_kernel_time(lambda: impl(pages)))
        print(
            json.dumps(
                {
                    "peak_kib": peak_kib,
                    "incidents": len(out["incidents"]),
                    "cold": seconds,
                    "cold_kernel": kernel,
                }
            )
        )
    else:
        raise SystemExit(f"unknown mode {mode!r}: time or memory")


if __name__ == "__main__":
    main(sys.argv[1:])
