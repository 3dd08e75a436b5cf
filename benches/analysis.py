"""BENCHMARKS.md's "Where the time and memory go": written from the figures of the run."""

from __future__ import annotations

from typing import Any

from benches.format import (
    FETCH_BASE,
    FETCH_LATENCY_ROUNDS,
    FETCH_OURS,
    FETCH_TARGET,
    SPEED_TARGET,
    X,
    mib,
    secs,
    table,
    times,
)

# The core's fetch, phase by phase (benches/fetch_phases.rs), in the order it runs them.
PHASES = (
    (
        "read_and_dedup",
        "read, check, deduplicate and map every page, incidents not kept (the sink keeps ids)",
    ),
    (
        "read_dedup_and_map",
        "the same, incidents kept as Rust structs (what the binding builds as Python objects)",
    ),
    ("state", "last-run state"),
    ("drop_incidents", "free the incidents"),
)
REFERENCES = (
    ("parse_only", "reference: JSON parse of every page into `serde_json::Value`, one thread, each dropped"),
    ("parse_and_hold", "reference: the same, every page kept (one parsed copy of the window)"),
)


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
    sizes = r["mapping"]["sizes"]
    f100, ref100 = ph["100000"]["fetch"], ph["100000"]["reference"]
    ours, base = sizes["10000"]["ours"], sizes["10000"]["baseline"]
    alarms = f100["alarms"]
    held_kib = ref100["parse_and_hold"]["peak_kib_so_far"] / alarms
    json_kib = r["capture_bytes"]["100000"] / alarms / 1024
    parse10 = ph["10000"]["reference"]["parse_only"]["seconds"]
    read10 = ph["10000"]["fetch"]["read_and_dedup"]
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
        f"{secs(base['median'])} and {secs(base['cold'])}. The core's own reading, checking, "
        f"deduplication and mapping take {secs(read10['seconds'])} natively; parsing every page "
        f"into `Value` trees alone, on one thread, takes {secs(parse10)}.\n"
        "- Each page is read once into borrowed views: the answer is located in one pass "
        "(`RawValue`s), each alarm's members in a second, and only the members the mapping renders "
        "are decoded. The fields an alarm type shares (title, types, mitigation plan, compliance: "
        "most of an alarm's bytes) are rendered once per type and become one Python string per type. "
        "`rawJSON` is the alarm's own text. The rest of the call is building the Python objects "
        "(two dicts and some 20 strings per incident) under the GIL, page by page.\n"
        f"- A parsed `Value` copy of the window would take {held_kib:.1f} KiB per alarm against "
        f"{json_kib:.1f} KiB of JSON; the fetch never holds one. When the window fits the per-fetch "
        "maximum, each page's new alarms become incidents as the page arrives and the page is "
        "dropped; otherwise only each new alarm's own text is kept until the oldest are chosen.\n"
        "- The memory left above the Python objects is the allocator's: mimalloc keeps pages per "
        "reader thread. Committing its arenas on demand and giving freed pages back at once "
        "(`src/lib.rs`) took some 30 MiB off the peak at 10 000 alarms and page_concurrency 4.\n"
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
                times(base["without_double"]["median"] / floor),
            ]
        )
    out += table(
        [
            "page_concurrency",
            "Wall time",
            "Runtime double",
            "Latency floor (pages 1..c at once, then c at a time)",
            "Everything else",
            "Best ratio possible through the double",
            "Best ratio possible without the double",
        ],
        rows,
    )
    out += (
        f"\n- The baseline spends {secs(base['time']['median'])}: {secs(100 * latency)} asleep in the "
        f"server's latency (100 pages one after another), {secs(base['double']['median'])} in the runtime "
        f"double and {secs(base['without_double']['median'] - 100 * latency)} in parsing, mapping and "
        "HTTP.\n"
        "- The first pages go out at once (page_concurrency of them), the page count coming with "
        "whichever answers first; the rest follow page_concurrency at a time. The floor is "
        f"ceil(100 / page_concurrency) {X} 50 ms. With page_concurrency 4 the floor alone leaves "
        f"{times(base['time']['median'] / (FETCH_LATENCY_ROUNDS[4] * latency))} of the baseline's wall "
        f"time: {FETCH_TARGET:.0f}{X} needs the rest of the run near zero, including the runtime "
        "double's bookkeeping, which both sides pay. page_concurrency 8 is the setting for large "
        "windows.\n"
        '- "Everything else" is the core\'s read, dedup and mapping of the 10 000 alarms (the same work '
        "as `fetch_from_pages`, phases above), the Python objects, and the server building its "
        "answers under its GIL.\n\n"
    )
    return out
