"""`make bench`: every measurement in one run, then BENCHMARKS.md.

    python -m benches.run                       # measure, write BENCHMARKS.md
    python -m benches.run --save results.json   # ... and keep the raw figures
    python -m benches.run --render results.json # write BENCHMARKS.md from kept figures

Speed is reported as ratios against the Python baseline measured in the same run, on the same
data; nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benches import classification, data, fetch, mapping, report, requests, startup
from benches.measure import (
    ROOT,
    build_benches,
    cargo_bench,
    check_peak_method,
    load_average,
    machine,
    run_worker,
)

SIZES = (1_000, 10_000, 100_000)
REPETITIONS = {1_000: 7, 10_000: 5, 100_000: 3}
FETCH_REPETITIONS = 3
STOCK_FETCH_REPETITIONS = 1
CLASSIFICATIONS = 100_000
DRAFTS = 1_000
IMPORT_RUNS = 25


def say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def captures(tmp: Path) -> dict[int, Path]:
    """One capture per size: the newest `size` alarms of one seeded set, as one window's pages."""
    alarms = data.alarms(max(SIZES))
    index = data.WireIndex.of(alarms)
    out = {}
    for size in SIZES:
        subset = data.WireIndex(index.dates[-size:], index.texts[-size:])
        out[size] = tmp / f"capture-{size}.ndjson"
        mapping.write_capture(out[size], subset.pages())
    return out


def measure_mapping(files: dict[int, Path]) -> dict[str, Any]:
    sample = mapping.read_capture(files[1_000])
    checked = mapping.assert_same_incidents(sample)
    say(f"baseline checked against the core on {checked} alarms: same incidents, field for field")
    out: dict[str, Any] = {"checked": checked, "sizes": {}}
    warm_up = str(files[1_000])
    for size in SIZES:
        row: dict[str, Any] = {}
        for impl in ("ours", "baseline"):
            say(f"parse + dedup + map, {size} alarms, {impl}: time")
            row[impl] = run_worker(
                "benches.mapping", "time", impl, str(files[size]), str(REPETITIONS[size]), warm_up
            )
            say(f"parse + dedup + map, {size} alarms, {impl}: memory")
            mem = run_worker("benches.mapping", "memory", impl, str(files[size]))
            assert mem["incidents"] == size, f"{impl} delivered {mem['incidents']} of {size}"
            row[impl].update(peak_kib=mem["peak_kib"], cold=mem["cold"], cold_kernel=mem["cold_kernel"])
        out["sizes"][str(size)] = row
    for size in (10_000, 100_000):
        say(f"native phases of the core's fetch, {size} alarms")
        out.setdefault("phases", {})[str(size)] = {
            mode: cargo_bench("fetch_phases", mode, str(files[size]), data.rfc3339(data.NOW), "4")
            for mode in ("reference", "fetch")
        }
    return out


def measure() -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "memory_method": check_peak_method()}
    started = time.perf_counter()
    # Builds first, so that no compilation runs beside a measurement.
    say("building the native benches (cargo bench profile) and the wheel (maturin build --release)")
    build_benches("classify", "fetch_phases")
    results["wheel"] = startup.wheel_size()
    with tempfile.TemporaryDirectory() as tmp:
        say("generating the alarms and their captures (fixed seed)")
        files = captures(Path(tmp))
        results["capture_bytes"] = {str(s): files[s].stat().st_size for s in SIZES}
        results["mapping"] = measure_mapping(files)
    say("fetch-incidents of 10 000 alarms through the integrations, 50 ms per page")
    results["fetch"] = fetch.measure(FETCH_REPETITIONS, STOCK_FETCH_REPETITIONS)
    say("requests per case: a burst, steady arrivals, a first fetch")
    results["requests"] = requests.measure()
    say("resident memory around a fetch of 10 000 alarms, each side in a fresh interpreter")
    results["rss"] = {impl: run_worker("benches.rss", impl) for impl in ("ours", "baseline")}
    say(f"classification x {CLASSIFICATIONS}: through Python")
    results["classify_python"] = classification.classify_python(CLASSIFICATIONS)
    say(f"classification x {CLASSIFICATIONS}: native")
    results["classify_native"] = classification.classify_native(CLASSIFICATIONS)
    native_major = results["classify_native"]["classify"]["major"]
    assert native_major == results["classify_python"]["major"], "Python and native verdicts differ"
    say(f"report drafts x {DRAFTS} per format")
    results["drafts"] = classification.report_drafts(DRAFTS)
    say("import time")
    results["import"] = startup.import_time(IMPORT_RUNS)
    results["seconds"] = time.perf_counter() - started
    results["machine"]["load_end"] = load_average()
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benches.run", description=__doc__.splitlines()[0])
    parser.add_argument("--save", type=Path, help="also write the raw figures to this JSON file")
    parser.add_argument("--render", type=Path, help="write BENCHMARKS.md from a saved JSON file")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    ns = parser.parse_args(argv)
    if ns.render:
        results = json.loads(ns.render.read_text())
    else:
        results = measure()
        if ns.save:
            ns.save.write_text(json.dumps(results, indent=1))
    try:
        text = report.render(results)
    except Exception:
        kept = Path(tempfile.gettempdir()) / "dora-bridge-bench-results.json"
        kept.write_text(json.dumps(results, indent=1))
        say(f"BENCHMARKS.md could not be written; the figures are kept in {kept} (--render it)")
        raise
    ns.out.write_text(text)
    say(f"wrote {ns.out.relative_to(ROOT) if ns.out.is_relative_to(ROOT) else ns.out}")


if __name__ == "__main__":
    main()
