"""BENCHMARKS.md's "Where the time goes": written from the figures of the run, for each target
missed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benches.format import (
    FETCH_BASE,
    FETCH_LATENCY_ROUNDS,
    FETCH_OURS,
    FETCH_TARGET,
    SPEED_TARGET,
    X,
    count,
    mib,
    secs,
    table,
    times,
)
from benches.measure import ROOT

# The core's fetch, phase by phase (benches/fetch_phases.rs), in the order it runs them.
PHASES = (
    ("read_and_dedup", "read: parse into `serde_json::Value` (reader threads), window, dedup, oldest first"),
    ("map", "map the delivered alarms to incidents (`incident::to_incident`)"),
    ("state", "last-run state"),
    ("drop_parsed_alarms", "free the parsed alarms"),
)
REFERENCES = (
    ("parse_only", "reference: JSON parse of every page, one thread, each page dropped"),
    ("parse_and_hold", "reference: the same, every page kept (one parsed copy of the window)"),
)


def _source_has(path: str, text: str) -> bool:
    file = ROOT / path
    return file.exists() and text in Path(file).read_text()


def _kernel(seconds: float, kernel: float) -> str:
    return f"{secs(kernel)} ({kernel / seconds:.0%})" if seconds > 0 else "—"


def phases_table(r: dict[str, Any]) -> str:
    """The phases natively at 10 000 and 100 000 alarms, next to the call as Python sees it."""
    ph = r["mapping"]["phases"]
    sizes = r["mapping"]["sizes"]

    def cells(item: dict[str, Any]) -> list[str]:
        return [secs(item["seconds"]), _kernel(item["seconds"], item["kernel_seconds"])]

    rows = []
    for key, text in REFERENCES:
        item = ph["100000"]["reference"][key]
        rows.append(
            [
                text,
                *cells(ph["10000"]["reference"][key]),
                *cells(item),
                mib(item["peak_kib_so_far"]) + " (its own)",
            ]
        )
    for key, text in PHASES:
        item = ph["100000"]["fetch"][key]
        rows.append([text, *cells(ph["10000"]["fetch"][key]), *cells(item), mib(item["peak_kib_so_far"])])
    total = {
        n: {
            "seconds": sum(ph[n]["fetch"][k]["seconds"] for k, _ in PHASES),
            "kernel_seconds": sum(ph[n]["fetch"][k]["kernel_seconds"] for k, _ in PHASES),
        }
        for n in ("10000", "100000")
    }
    rows.append(
        [
            "**the fetch natively, in all**",
            *cells(total["10000"]),
            *cells(total["100000"]),
            "—",
        ]
    )
    for label, key, kernel in (
        ("`fetch_from_pages` from Python, first call in a fresh interpreter", "cold", "cold_kernel"),
        ("`fetch_from_pages` from Python, later calls (median)", "median", "kernel"),
    ):
        rows.append(
            [label]
            + [
                c
                for n in ("10000", "100000")
                for c in cells({"seconds": sizes[n]["ours"][key], "kernel_seconds": sizes[n]["ours"][kernel]})
            ]
            + [mib(sizes["100000"]["ours"]["peak_kib"]) if key == "cold" else "—"]
        )
    header = [
        "Phase",
        "10 000: time",
        "10 000: kernel CPU",
        "100 000: time",
        "100 000: kernel CPU",
        "100 000: peak memory so far",
    ]
    return table(header, rows)


def where_mapping(r: dict[str, Any]) -> str:
    ph = r["mapping"]["phases"]
    f100, ref100 = ph["100000"]["fetch"], ph["100000"]["reference"]
    sizes = r["mapping"]["sizes"]
    ours, base = sizes["10000"]["ours"], sizes["10000"]["baseline"]
    alarms = f100["alarms"]
    held_kib = ref100["parse_and_hold"]["peak_kib_so_far"] / alarms
    read_kib = f100["read_and_dedup"]["peak_kib_so_far"] / alarms
    json_kib = r["capture_bytes"]["100000"] / alarms / 1024
    parse10 = ph["10000"]["reference"]["parse_only"]["seconds"]
    out = (
        "### Parse + dedup + map\n\n"
        "`benches/fetch_phases.rs` runs the core's fetch over the same captures natively, phase by "
        'phase, in a fresh process (page_concurrency 4, the default). "Kernel CPU" is the CPU time '
        "the kernel spent for the process (all threads) in the phase: for this work, mapping in and "
        "zeroing memory touched for the first time. Memory is the peak so far above the memory in use "
        "before the first phase, with the capture loaded.\n\n" + phases_table(r) + "\n"
        f"- At {SPEED_TARGET:.0f}{X} the baseline, the call for 10 000 alarms would have "
        f"{secs(base['median'] / SPEED_TARGET)}. It takes {secs(ours['median'])} when repeated and "
        f"{secs(ours['cold'])} as the first call of a fresh interpreter, against the baseline's "
        f"{secs(base['median'])} and {secs(base['cold'])}. Parsing every page alone, on one thread, "
        f"takes {secs(parse10)}.\n"
        "- Fresh memory costs time here. The first call spends "
        + "; ".join(
            f"{_kernel(sizes[n]['ours']['cold'], sizes[n]['ours']['cold_kernel'])} in the kernel at "
            f"{count(int(n))} alarms (baseline: {secs(sizes[n]['baseline']['cold_kernel'])}, {sizes[n]['baseline']['cold_kernel'] / sizes[n]['baseline']['cold']:.0%})"
            for n in ("10000", "100000")
        )
        + ", taking in memory it touches for the first time. Repeated calls reuse memory the "
        f"allocator kept: at 100 000 alarms they take {secs(sizes['100000']['ours']['median'])} against "
        f"{secs(sizes['100000']['ours']['cold'])} for the first.\n"
        f"- The core keeps every alarm of the window as a `serde_json::Value` tree (a map per object, a "
        f"`String` per key and value): one parsed copy of the window takes {held_kib:.1f} KiB per alarm "
        f"against {json_kib:.1f} KiB of JSON. The read phase peaks at {read_kib:.1f} KiB per alarm"
        + (
            f", {read_kib / held_kib:.1f} copies of the window: the delivered alarms are copied.\n"
            if read_kib / held_kib >= 1.5
            else ", and that copy stays until the incidents are built and converted.\n"
        )
    )
    if _source_has("src/socradar/incident.rs", "raw.to_string()"):
        out += (
            "- Mapping serialises each parsed alarm again for `rawJSON` (`alarm.raw.to_string()`) and "
            "builds some 25 `String`s and a map per incident, all of it fresh memory.\n"
        )
    base100, ours100 = sizes["100000"]["baseline"]["peak_kib"], sizes["100000"]["ours"]["peak_kib"]
    out += (
        f"- Memory at 100 000 alarms: {mib(ours100)} against the baseline's {mib(base100)}. The core "
        f"holds the parsed window ({mib(f100['read_and_dedup']['peak_kib_so_far'])} after the read) "
        f"while it builds the incidents ({mib(f100['map']['peak_kib_so_far'])} so far after mapping); "
        "from Python it also copies the pages in, and builds the Python objects while the Rust "
        "incidents are still alive. The baseline holds one page's parsed alarms at a time and keeps "
        "only the incident dicts.\n"
    )
    per = {n: sizes[n]["ours"]["median"] / int(n) for n in ("1000", "10000", "100000")}
    if per["100000"] > 1.3 * per["10000"]:
        out += (
            f"- Time grows faster than the alarm count: per alarm, the call takes {secs(per['1000'])} at "
            f"1 000, {secs(per['10000'])} at 10 000 and {secs(per['100000'])} at 100 000 alarms, while "
            "the memory it touches grows with the window.\n"
        )
    return out + "\n"


def where_fetch(r: dict[str, Any]) -> str:
    v = r["fetch"]["variants"]
    base = v[FETCH_BASE]
    latency = r["fetch"]["latency_ms"] / 1000
    out = "### fetch-incidents of 10 000 alarms\n\n"
    rows = []
    for c, label in FETCH_OURS.items():
        x = v[label]
        floor = FETCH_LATENCY_ROUNDS[c] * latency
        best_possible = base["time"]["median"] / (floor + x["double"]["median"])
        rest = x["without_double"]["median"] - floor
        rows.append(
            [
                str(c),
                secs(x["time"]["median"]),
                secs(x["double"]["median"]),
                f"{FETCH_LATENCY_ROUNDS[c]} {X} {latency * 1000:.0f} ms = {secs(floor)}",
                secs(rest),
                times(best_possible),
            ]
        )
    out += table(
        [
            "page_concurrency",
            "Wall time",
            "Runtime double",
            "Latency floor (page 1, then rounds of pages 2..100)",
            "Everything else",
            "Best ratio possible with nothing else",
        ],
        rows,
    )
    out += (
        f"\n- The baseline spends {secs(base['time']['median'])}: {secs(100 * latency)} asleep in the "
        f"server's latency (100 pages one after another), {secs(base['double']['median'])} in the runtime "
        f"double and {secs(base['without_double']['median'] - 100 * latency)} in parsing, mapping and "
        "HTTP.\n"
        "- Page 1 has to be read alone (it gives the number of pages); pages 2..100 then go in rounds "
        "of page_concurrency. "
    )
    floors = {c: FETCH_LATENCY_ROUNDS[c] * latency for c in FETCH_OURS}
    doubles = {c: v[label]["double"]["median"] for c, label in FETCH_OURS.items()}
    unreachable = [c for c in FETCH_OURS if base["time"]["median"] / (floors[c] + doubles[c]) < FETCH_TARGET]
    if unreachable:
        out += (
            "With page_concurrency "
            + " or ".join(str(c) for c in unreachable)
            + f", that floor plus the runtime double's bookkeeping already leave less than {FETCH_TARGET:.0f}{X}: "
            "through the double the target cannot be reached there even by a fetch that cost nothing "
            "else.\n"
        )
    else:
        out += "That floor alone leaves the target within reach.\n"
    reachable = [c for c in FETCH_OURS if base["without_double"]["median"] / floors[c] >= FETCH_TARGET]
    out += (
        '- "Everything else" is the core\'s read, dedup and mapping of the 10 000 alarms (the same work '
        "as `fetch_from_pages`, phases above), the conversion to Python, and the server building its "
        "answers under its GIL. It is what remains to win"
    )
    if reachable:
        out += (
            ": with it near zero, page_concurrency "
            + " and ".join(str(c) for c in reachable)
            + f" would be at least {FETCH_TARGET:.0f}{X} faster than the baseline without the double"
        )
    out += ".\n\n"
    return out
