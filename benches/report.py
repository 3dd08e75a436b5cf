"""BENCHMARKS.md from the figures of one `make bench` run."""

from __future__ import annotations

from typing import Any

from benches.analysis import where_fetch, where_mapping
from benches.format import (
    BURST_TARGET,
    FETCH_BASE,
    FETCH_OURS,
    FETCH_TARGET,
    IMPORT_TARGET,
    SIZES,
    SPEED_TARGET,
    TARGET_SIZES,
    X,
    count,
    mib,
    secs,
    table,
    times,
    yes,
)

# Before this work (issue 15): `make bench` at commit 0e69742 on this machine, 2026-11-23
# (BENCHMARKS.md of that commit), and the issue's own measurements (peak memory after the fetch,
# requests of the burst).
BEFORE = {
    "mapping_time": {"1000": (0.0570, 0.0804), "10000": (0.4907, 0.8103), "100000": (5.63, 8.92)},
    "mapping_peak_mib": {"1000": (47, 6.9), "10000": (313, 61), "100000": (2198, 600)},
    "fetch": {4: (2.91, 7.55), 8: (2.22, 7.55)},
    "fetch_peak_mib": (190, 86),
    "burst_requests": 251,
}


def summary(r: dict[str, Any]) -> tuple[str, list[str]]:
    """The table of targets, and the names of the targets missed."""
    rows, missed = [], []
    for size in SIZES:
        row = r["mapping"]["sizes"][size]
        ours, base = row["ours"]["median"], row["baseline"]["median"]
        ok = base / ours >= SPEED_TARGET
        targeted = size in TARGET_SIZES
        rows.append(
            [
                f"parse + dedup + map, {count(int(size))} alarms: time",
                secs(ours),
                secs(base),
                f"{times(base / ours)} faster",
                f"≥ {SPEED_TARGET:.0f}{X} faster" if targeted else "—",
                yes(ok) if targeted else "—",
            ]
        )
        missed += [] if ok or not targeted else [f"mapping time ({count(int(size))})"]
    for size in SIZES:
        row = r["mapping"]["sizes"][size]
        ours, base = row["ours"]["peak_kib"], row["baseline"]["peak_kib"]
        ok = ours <= base
        targeted = size in TARGET_SIZES
        rows.append(
            [
                f"parse + dedup + map, {count(int(size))} alarms: peak memory",
                mib(ours),
                mib(base),
                f"{times(ours / base)} the memory",
                f"≤ 1{X} the memory" if targeted else "—",
                yes(ok) if targeted else "—",
            ]
        )
        missed += [] if ok or not targeted else [f"mapping memory ({count(int(size))})"]
    f = r["fetch"]["variants"]
    base = f[FETCH_BASE]["time"]["median"]
    for c, label in FETCH_OURS.items():
        ours = f[label]["time"]["median"]
        ok = base / ours >= FETCH_TARGET
        rows.append(
            [
                f"fetch-incidents, 10 000 alarms, 50 ms/page, page_concurrency {c}: wall time",
                secs(ours),
                secs(base) + " (sequential)",
                f"{times(base / ours)} faster",
                f"≥ {FETCH_TARGET:.0f}{X} faster",
                yes(ok),
            ]
        )
        missed += [] if ok else [f"fetch (page_concurrency {c})"]
    b = r["requests"]["burst"]
    ok = b["requests_to_deliver"] <= BURST_TARGET
    rows.append(
        [
            f"burst of {count(b['alarms'])} alarms at {b['max_fetch']} a fetch: requests to deliver them all",
            f"{b['requests_to_deliver']} in {b['runs_to_deliver']} runs",
            "—",
            f"before: {BEFORE['burst_requests']}",
            f"≤ {BURST_TARGET}",
            yes(ok),
        ]
    )
    missed += [] if ok else ["burst requests"]
    rss = r["rss"]
    rows.append(
        [
            "resident memory after a fetch of 10 000 alarms (fresh interpreter): incidents held; dropped",
            f"{mib(rss['ours']['held_kib'])}; {mib(rss['ours']['dropped_kib'])}",
            f"{mib(rss['baseline']['held_kib'])}; {mib(rss['baseline']['dropped_kib'])}",
            f"{times(rss['ours']['held_kib'] / rss['baseline']['held_kib'])} the memory held",
            "—",
            "—",
        ]
    )
    py, native = r["classify_python"], r["classify_native"]["classify"]
    rows.append(
        [
            "classification, 100 000 incidents",
            f"{count(py['per_second'])}/s through Python; {count(native['per_second'])}/s native",
            "—",
            f"native: {times(native['per_second'] / py['per_second'])} the rate through Python",
            "—",
            "—",
        ]
    )
    for fmt in ("json", "markdown"):
        d = r["drafts"][fmt]
        rows.append(
            [
                f"report draft ({fmt}), one incident",
                f"p50 {secs(d['p50'])}, p99 {secs(d['p99'])}",
                "—",
                "—",
                "—",
                "—",
            ]
        )
    imp = r["import"]
    ok = imp["import"] < IMPORT_TARGET
    rows.append(["`import dora_bridge`", secs(imp["import"]), "—", "—", f"< {secs(IMPORT_TARGET)}", yes(ok)])
    missed += [] if ok else ["import time"]
    rows.append(["wheel size (abi3)", f"{r['wheel']['bytes'] / 1e6:.2f} MB", "—", "—", "—", "—"])
    header = ["Measurement", "DORA Bridge", "Python baseline", "Ratio", "Target", "Met?"]
    return table(header, rows), missed


def mapping_section(r: dict[str, Any]) -> str:
    rows = []
    for size in SIZES:
        row = r["mapping"]["sizes"][size]
        for impl, name in (("ours", "DORA Bridge"), ("baseline", "Python baseline")):
            m = row[impl]
            rows.append(
                [
                    count(int(size)),
                    name,
                    secs(m["median"]),
                    secs(m["best"]),
                    str(len(m["runs"])),
                    secs(m["cold"]),
                    mib(m["peak_kib"]),
                ]
            )
    out = "## Parse + dedup + map\n\n"
    out += (
        "The same capture of search answers (one window, 100 alarms a page, "
        f"{r['capture_bytes']['10000'] / 10000 / 1024:.1f} KiB of JSON per alarm) goes through "
        "`SocRadarClient.fetch_from_pages` (the core's parse, dedup and mapping, no HTTP) and through "
        "`benches/baseline.py` (`json.loads` per page, a set of seen ids, a dict per incident, "
        "`json.dumps` for rawJSON). Both start from an empty last run and deliver every alarm. Before "
        f"timing, the run checks on {count(r['mapping']['checked'])} alarms that both make the same "
        "incidents in the same order, field for field (rawJSON compared as JSON). Median and best "
        "are of repeated calls after a warm-up; the first call in a fresh interpreter is timed "
        "apart, with the peak memory.\n\n"
    )
    header = ["Alarms", "Implementation", "Median", "Best", "Runs", "First call", "Peak memory above start"]
    out += table(header, rows)
    return out


def fetch_section(r: dict[str, Any]) -> str:
    f = r["fetch"]
    v = f["variants"]
    base = v[FETCH_BASE]
    rows = []
    for label in (FETCH_BASE, *FETCH_OURS.values()):
        x = v[label]
        rows.append(
            [
                label,
                secs(x["time"]["median"]),
                secs(x["double"]["median"]),
                secs(x["without_double"]["median"]),
                times(base["without_double"]["median"] / x["without_double"]["median"]),
                str(x["requests"]),
                str(x["connections"]),
                f"{count(x['state_bytes'])} B",
                f"{x['second_run_delivered']} ({x['second_run_requests']} request)",
            ]
        )
    out = "## fetch-incidents of 10 000 alarms\n\n"
    out += (
        f"{count(f['alarms'])} alarms on the local SOCRadar-compatible server, which sleeps "
        f"{f['latency_ms']:.0f} ms before every answer (concurrent requests sleep side by side). Each "
        "variant runs its integration's `main()` with the command `fetch-incidents` on the XSOAR "
        "runtime double, from an empty last run, with Max incidents per fetch 10 000 so one run "
        "fetches everything. Every run is checked: each of the 10 000 ids delivered exactly once. A "
        "second run from the stored last run delivers nothing. Median of "
        f"{len(base['time']['runs'])} runs, interleaved.\n\n"
    )
    out += table(
        [
            "Variant",
            "Wall time",
            "of which runtime double",
            "Without the double",
            "Ratio without the double",
            "Requests",
            "Connections opened",
            "Last-run state",
            "Second run delivers",
        ],
        rows,
    )
    stock = f["stock"]
    srow = []
    for label in (FETCH_BASE, *FETCH_OURS.values()):
        x = stock[label]
        srow.append(
            [
                label,
                secs(x["time"]["median"]),
                times(stock[FETCH_BASE]["time"]["median"] / x["time"]["median"]),
            ]
        )
    out += (
        '\n"Runtime double" is the time `demisto.incidents` and `demisto.setLastRun` take in '
        "`tests/xsoar_runtime`: what the engine's runtime does with them, one `json.dumps` of the "
        "incidents and one of the entry that carries them (the double decodes them only when the "
        "run is checked, after the timing). The same work for both sides.\n\n"
        "The server answers unfiltered window searches from a date index built once "
        "(`benches/data.py`), and the run checks that every page is byte for byte the stock "
        "server's answer. The stock server walks and deep-copies its whole store for every page, in "
        "Python under one GIL, so its own work queues concurrent requests behind each other. Against "
        "the stock server, one run each:\n\n"
    )
    out += table(["Variant", "Wall time", "Ratio"], srow)
    return out


def requests_section(r: dict[str, Any]) -> str:
    q = r["requests"]
    b, st, fi = q["burst"], q["steady"], q["first"]
    out = "## What fetching costs SOCRadar in requests\n\n"
    out += (
        "The integration's `main()` on the XSOAR runtime double against the local server, on a "
        "simulated clock, one fetch a minute (`benches/requests.py`); every case checks that each "
        "alarm arrived exactly once. A page is one request of 100 alarms.\n\n"
    )
    rows = [
        [
            "first fetch of a window of 10 000 alarms",
            str(fi["requests"]),
            "every page once; pages 1..page_concurrency go out at once, then the rest",
        ],
        [
            f"burst: {count(b['alarms'])} alarms published at once, dated over ten minutes, "
            f"{b['max_fetch']} a fetch",
            f"{b['requests_to_deliver']} over {b['runs_to_deliver']} runs (before: {BEFORE['burst_requests']})",
            "the first run reads the window whole (25 pages) and keeps the date up to which each "
            "later run must read; each later run reads on from where delivery stopped up to that "
            "date (3 pages)",
        ],
        [
            "the run after the burst",
            str(b["next_run_requests"]),
            "reads again, whole, the part of the window alarms not yet visible may still appear in "
            "(the look-back overlap before the server's clock at the last whole read)",
        ],
        [
            "twenty quiet minutes after",
            ", ".join(str(n) for n in b["quiet_requests"]),
            "that part shrinks as the server's clock moves on, to one page",
        ],
        [
            f"steady: {st['arrivals_per_minute']} alarms a minute, some visible ten minutes after their date",
            f"median {st['median']:.0f}, at most {st['max']} a run",
            "the alarms dated within one overlap before the server's clock (some 600 here)",
        ],
    ]
    out += table(["Case", "Requests", "What is read"], rows)
    return out


def rss_section(r: dict[str, Any]) -> str:
    rss = r["rss"]
    rows = [
        [
            name,
            mib(rss[impl]["peak_kib"]),
            mib(rss[impl]["held_kib"]),
            mib(rss[impl]["dropped_kib"]),
        ]
        for impl, name in (("ours", "DORA Bridge `fetch_incidents`"), ("baseline", "Python baseline"))
    ]
    out = "## Resident memory around a fetch of 10 000 alarms\n\n"
    out += (
        "Each in a fresh interpreter (`benches/rss.py`), with the local server in the same process: "
        "the resident memory above the memory before the fetch, at its peak, with the incidents "
        "held, and after they are dropped (`del`, `gc.collect()`).\n\n"
    )
    out += table(["Fetch", "Peak", "Incidents held", "After they are dropped"], rows)
    return out


def before_after_section(r: dict[str, Any]) -> str:
    sizes = r["mapping"]["sizes"]
    rows = []
    for size in SIZES:
        b_ours, b_base = BEFORE["mapping_time"][size]
        ours, base = sizes[size]["ours"]["median"], sizes[size]["baseline"]["median"]
        rows.append(
            [
                f"parse + dedup + map, {count(int(size))} alarms: time",
                f"{secs(b_ours)} ({times(b_base / b_ours)} faster)",
                f"{secs(ours)} ({times(base / ours)} faster)",
            ]
        )
    for size in SIZES:
        b_ours, b_base = BEFORE["mapping_peak_mib"][size]
        ours, base = sizes[size]["ours"]["peak_kib"], sizes[size]["baseline"]["peak_kib"]
        rows.append(
            [
                f"parse + dedup + map, {count(int(size))} alarms: peak memory",
                f"{b_ours} MiB ({times(b_ours / b_base)} the baseline's)",
                f"{mib(ours)} ({times(ours / base)} the baseline's)",
            ]
        )
    v = r["fetch"]["variants"]
    for c, label in FETCH_OURS.items():
        b_ours, b_base = BEFORE["fetch"][c]
        ours, base = v[label]["time"]["median"], v[FETCH_BASE]["time"]["median"]
        rows.append(
            [
                f"fetch-incidents of 10 000 alarms at 50 ms a page, page_concurrency {c}",
                f"{secs(b_ours)} ({times(b_base / b_ours)} faster)",
                f"{secs(ours)} ({times(base / ours)} faster)",
            ]
        )
    b_ours, b_base = BEFORE["fetch_peak_mib"]
    rss = r["rss"]
    rows.append(
        [
            "memory after a fetch of 10 000 alarms",
            f"{b_ours} MiB (the public integration: {b_base} MiB)",
            f"{mib(rss['ours']['held_kib'])} held, {mib(rss['ours']['dropped_kib'])} after dropping "
            f"(the baseline: {mib(rss['baseline']['held_kib'])}, {mib(rss['baseline']['dropped_kib'])})",
        ]
    )
    b = r["requests"]["burst"]
    rows.append(
        [
            f"requests to deliver a burst of {count(b['alarms'])} alarms at {b['max_fetch']} a fetch",
            str(BEFORE["burst_requests"]),
            str(b["requests_to_deliver"]),
        ]
    )
    out = "## Before and after (issue 15)\n\n"
    out += (
        "Before: `make bench` at commit 0e69742 on this machine (BENCHMARKS.md of 2026-11-23), and "
        "the issue's own measurements for the memory after a fetch and the burst. Ratios are "
        "against the baseline measured in the same run as each figure.\n\n"
    )
    out += table(["Measurement", "Before", "After"], rows)
    return out


def dora_section(r: dict[str, Any]) -> str:
    py, n = r["classify_python"], r["classify_native"]
    rows = [
        [
            "`EntityProfile.classify` through Python",
            count(py["iterations"]),
            secs(py["seconds"]),
            f"{count(py['per_second'])}/s",
            secs(py["seconds"] / py["iterations"]),
        ],
        [
            "`facts::resolve` + `classify::classify`, native",
            count(n["classify"]["iterations"]),
            secs(n["classify"]["seconds"]),
            f"{count(n['classify']['per_second'])}/s",
            secs(n["classify"]["seconds"] / n["classify"]["iterations"]),
        ],
        [
            "the same + the result to a `serde_json::Value`, native",
            count(n["classify_and_serialize"]["iterations"]),
            secs(n["classify_and_serialize"]["seconds"]),
            f"{count(n['classify_and_serialize']['per_second'])}/s",
            secs(n["classify_and_serialize"]["seconds"] / n["classify_and_serialize"]["iterations"]),
        ],
    ]
    out = "## DORA classification and report drafts\n\n"
    out += (
        "64 fully described incidents (arguments, connector context `DORA.Context.*` and incident "
        "fields; 60% on critical services, the rest not) classified in turn, 100 000 times, against "
        f"the sample entity profile (`devtools/entity_profile.json`). {count(py['major'])} of the "
        "100 000 verdicts are major, the same count through Python and natively.\n\n"
    )
    out += table(["Path", "Classifications", "Time", "Rate", "Per classification"], rows)
    rows = []
    for fmt in ("json", "markdown"):
        d = r["drafts"][fmt]
        checked = f"validates against {d['validated']}" if d["validated"] else "—"
        rows.append(
            [fmt, count(d["count"]), secs(d["p50"]), secs(d["p99"]), f"{count(d['bytes'])} B", checked]
        )
    out += (
        "\nInitial notification drafts for one major incident classified through the DORA Bridge "
        "integration (complete: every mandatory field filled), with the IR-1.3.0 schema configured:\n\n"
    )
    out += table(["Format", "Drafts", "p50", "p99", "Rendered size", "Schema"], rows)
    return out


def startup_section(r: dict[str, Any]) -> str:
    imp, w = r["import"], r["wheel"]
    return "## Import and wheel\n\n" + table(
        ["Measurement", "Value"],
        [
            [
                f'`python -c "import dora_bridge"` minus `python -c "pass"` (medians of {imp["runs"]})',
                secs(imp["import"]),
            ],
            [
                "`-X importtime`, cumulative for `dora_bridge` (median of 5)",
                secs(imp["importtime_cumulative"]),
            ],
            ["interpreter start alone", secs(imp["median_bare"])],
            [
                f"wheel `{w['name']}` ({w['source']})",
                f"{count(w['bytes'])} bytes ({w['bytes'] / 1e6:.2f} MB)",
            ],
        ],
    )


def method_section(r: dict[str, Any]) -> str:
    return (
        "## Method\n\n"
        "- One run of `make bench` (`python -m benches.run`) makes every measurement. Speed is a ratio "
        "of medians against the baseline measured in the same run, on the same data; no test asserts a "
        "time.\n"
        "- Data: alarms from the local server's generator (`devtools/socradar_server`), seed "
        "20261123, dated over two days. The captures for 1 000, 10 000 and 100 000 alarms are the newest "
        "alarms of one 100 000-alarm set, as the server pages them (100 a page, newest first).\n"
        "- Baseline: `benches/baseline.py`, the same work written the way a typical XSOAR integration "
        "writes it: `json.loads` per page, a loop over the alarms, a set of seen ids (seeded from, and "
        "kept in, the last run: the last 1 000, as the public SOCRadar integration keeps them), a dict "
        "per incident with the core's keys and CustomFields, `json.dumps` for rawJSON, and for the "
        "fetch `http.client` over one keep-alive connection, page 1 to total_pages.\n"
        "- Parse + dedup + map: each implementation and size in a fresh interpreter; a warm-up on the "
        "1 000-alarm capture, then 7, 5 and 3 timed runs for 1 000, 10 000 and 100 000 alarms (median "
        "and best reported). DORA Bridge's client is made once per interpreter, before the timing, as "
        "an integration run makes it once (its TLS setup reads the trust store).\n"
        "- Peak memory: in another fresh interpreter, after the capture is loaded and the modules "
        "imported, the peak-RSS mark is reset (`echo 5 > /proc/self/clear_refs`) and the result is "
        "the peak (`VmHWM`) minus the resident memory (`VmRSS`) at the start, read with the result "
        f"still alive. Checked at the start of the run: {r['memory_method']}.\n"
        "- Fetch: the server and both integrations in one process; the integrations read the real "
        "clock, so the server keeps real time. Requests and connections are the server's own counts; "
        "last-run state is `len(json.dumps(last_run))`.\n"
        "- Requests: `benches/requests.py`, the integration on the runtime double against the stock "
        "local server on a simulated clock (the core's clock set to the server's for each run).\n"
        "- Resident memory around a fetch: `benches/rss.py`, `VmRSS` and `VmHWM` of a fresh "
        "interpreter for each side.\n"
        "- Classification: through Python, `EntityProfile.classify(args, incident=, context=, now=)` in a "
        "loop; natively, `benches/classify.rs` (`cargo bench --bench classify`, release profile) "
        "resolves and classifies the same cases.\n"
        '- Report drafts: `EntityProfile.report_draft("initial", fmt, incident=, context=)`, 1 000 '
        "timed calls per format after one untimed; p50 and p99 by nearest rank.\n"
        "- Import: fresh interpreters started with and without `import dora_bridge`, interleaved, from "
        "a warm page cache; and `python -X importtime`.\n"
        "- Wheel: `maturin build --release` of this tree, the abi3 wheel as built on this machine.\n"
    )


# What the profile points at, in the order of the expected gain.
NEXT_STEPS = """
### What is left

1. The window's text is scanned twice per alarm: once to locate each alarm in its page, once to
   read its members. A reader that takes members while it locates the alarm would save one.
2. A capture's pages are copied once each (`Replay`); a page that borrowed the caller's buffer
   would not be.
3. The classifier's inputs hash goes facts → `Value` → text → SHA-256; hashing a compact encoding
   of the facts directly would halve the cost of a classification.
4. For the fetch over the network, the latency floor is ceil(pages / page_concurrency) round
   trips: page_concurrency 8 is the setting for large windows, within SOCRadar's rate limits.
"""


def render(r: dict[str, Any]) -> str:
    m = r["machine"]
    summary_table, missed = summary(r)
    out = "# Benchmarks\n\n"
    out += (
        f"Measured by `make bench` on {m['date']} (UTC), {secs(r['seconds'])} in all. Ratios compare "
        "DORA Bridge with the pure-Python baseline in `benches/baseline.py`, measured in the same run "
        "on the same data.\n\n"
    )
    out += table(
        ["Machine", ""],
        [
            ["CPU", m["cpu"]],
            ["Cores", m["cores"]],
            ["RAM", m["ram"]],
            ["OS", m["os"]],
            ["Python", m["python"]],
            ["Rust", m["rustc"]],
            ["Commit", m["commit"]],
            ["Date (UTC)", m["date"]],
            ["Load average (1 min), start and end", f"{m.get('load', '?')}, {m.get('load_end', '?')}"],
        ],
    )
    out += "\n## Results against the targets\n\n" + summary_table + "\n"
    if missed:
        out += "Missed: " + ", ".join(missed) + ". Where the time and memory go is below.\n\n"
    else:
        out += "Every target is met. Where the time and memory go is below.\n\n"
    out += before_after_section(r) + "\n" + mapping_section(r) + "\n" + fetch_section(r) + "\n"
    out += requests_section(r) + "\n" + rss_section(r) + "\n"
    out += dora_section(r) + "\n" + startup_section(r)
    out += "\n## Where the time and memory go\n\n" + where_mapping(r) + where_fetch(r) + NEXT_STEPS
    out += "\n" + method_section(r)
    return out
