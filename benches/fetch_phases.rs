//! Where the time and memory of one fetch go, natively, for `make bench` (benches/run.py drives
//! it to explain the Python-facing figures).
//!
//! Usage: `cargo bench --bench fetch_phases -- <mode> <pages.ndjson> <now> <page_concurrency>`,
//! with the raw search answers of one window, one per line, page 1 first (a capture), and the
//! fetch's clock. Prints one JSON object.
//!
//! - `fetch`: the core's fetch over the capture as `SocRadarClient.fetch_from_pages` runs it
//!   (Rust incidents instead of Python objects), phase by phase: reading and deduplicating
//!   alone, then the whole fetch with mapping; seconds of each phase, the kernel's CPU seconds
//!   in it, and the peak resident memory so far above the memory in use before the first phase
//!   (`VmHWM - VmRSS`). Peaks are cumulative, not reset between phases, so memory an allocator
//!   keeps for reuse cannot hide a phase's own.
//! - `reference`: parsing alone, each page dropped, then every page kept (one parsed copy of the
//!   window), each with its own peak.

use std::hint::black_box;
use std::time::Instant;

use dora_bridge::dedup::FetchState;
use dora_bridge::socradar::collect::{AlarmIds, RustIncidents};
use dora_bridge::socradar::fetch::{fetch, FetchConfig};
use dora_bridge::socradar::incident::IncidentOptions;
use dora_bridge::socradar::mapping::Mapper;
use dora_bridge::socradar::replay::Replay;
use dora_bridge::timeutil::parse_vendor_date;
use serde_json::{json, Map, Value};

/// `(VmRSS, VmHWM)` in KiB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU seconds the kernel has spent for the process, all threads (`stime` of /proc/self/stat,
/// in USER_HZ ticks of 10 ms): for computing work, mostly mapping in and zeroing fresh memory.
fn kernel_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: f64 = after_name
        .split_whitespace()
        .nth(12)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    ticks / 100.0
}

/// Resets the peak-RSS mark (VmHWM) to the current RSS (Linux 4.0 and later); returns the RSS.
fn reset_peak() -> u64 {
    std::fs::write("/proc/self/clear_refs", "5").expect("the peak-RSS mark can be reset");
    memory().0
}

/// Times phases and reads the peak memory above a fixed start.
struct Phases {
    start_kib: u64,
    out: Map<String, Value>,
}

impl Phases {
    fn new() -> Phases {
        Phases {
            start_kib: reset_peak(),
            out: Map::new(),
        }
    }

    fn run<T>(&mut self, name: &str, f: impl FnOnce() -> T) -> T {
        let kernel = kernel_seconds();
        let started = Instant::now();
        let value = f();
        let seconds = started.elapsed().as_secs_f64();
        let kernel = kernel_seconds() - kernel;
        let peak = memory().1.saturating_sub(self.start_kib);
        self.out.insert(
            name.into(),
            json!({"seconds": seconds, "kernel_seconds": kernel, "peak_kib_so_far": peak}),
        );
        value
    }
}

fn fetch_mode(
    pages: Vec<Vec<u8>>,
    now: chrono::DateTime<chrono::Utc>,
    concurrency: usize,
) -> Value {
    let cfg = FetchConfig {
        page_concurrency: concurrency,
        ..FetchConfig::new("3 days", 100_000, 15 * 60)
    };
    let opts = IncidentOptions {
        incident_type: Some("DORA ICT Incident".into()),
        include_content: true,
        include_entities: true,
        include_company_id: false,
        mirror: None,
        ..Default::default()
    };
    // A replay answers one window: one per run, both loaded before the measuring starts.
    let replay = Replay::new(pages.clone());
    let again = Replay::new(pages);
    let mut phases = Phases::new();
    // Reading, checking and deduplicating alone: the sink keeps only ids.
    let ids = phases.run("read_and_dedup", || {
        let mapper = Mapper::new(789, opts.clone());
        fetch(
            &replay,
            &cfg,
            &FetchState::default(),
            now,
            &mapper,
            &AlarmIds,
        )
    });
    assert!(ids.error.is_none(), "the capture reads whole");
    drop(ids);
    // The whole fetch as the binding runs it, with incidents built as Rust structs instead of
    // Python objects: pages read, mapped and handed over page by page.
    let outcome = phases.run("read_dedup_and_map", || {
        let mapper = Mapper::new(789, opts.clone());
        fetch(
            &again,
            &cfg,
            &FetchState::default(),
            now,
            &mapper,
            &RustIncidents(&opts),
        )
    });
    assert!(outcome.error.is_none(), "the capture reads whole");
    let delivered = outcome.incidents.len();
    let state_bytes = phases.run("state", || outcome.state.to_json().to_string().len());
    let json_bytes = phases.run("incidents_to_json", || {
        serde_json::to_vec(&outcome.incidents).map_or(0, |v| v.len())
    });
    phases.run("drop_incidents", || drop(outcome));
    let mut out = phases.out;
    out.insert("alarms".into(), json!(delivered));
    out.insert("state_bytes".into(), json!(state_bytes));
    out.insert("incidents_json_bytes".into(), json!(json_bytes));
    Value::Object(out)
}

fn reference_mode(pages: &[Vec<u8>]) -> Value {
    let mut out = Map::new();
    let mut phases = Phases::new();
    phases.run("parse_only", || {
        for p in pages {
            black_box(serde_json::from_slice::<Value>(p).expect("a page is JSON"));
        }
    });
    out.extend(phases.out);
    let mut phases = Phases::new();
    let held = phases.run("parse_and_hold", || {
        pages
            .iter()
            .map(|p| serde_json::from_slice::<Value>(p).expect("a page is JSON"))
            .collect::<Vec<_>>()
    });
    black_box(&held);
    out.extend(phases.out);
    Value::Object(out)
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let usage = "usage: fetch_phases <fetch|reference> <pages.ndjson> <now> <page_concurrency>";
    let mode = args.next().expect(usage);
    let path = args.next().expect(usage);
    let now = args
        .next()
        .and_then(|s| parse_vendor_date(&s))
        .expect("now is an RFC 3339 date-time");
    let concurrency: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(4);
    let text = std::fs::read(&path).expect("the capture is readable");
    let pages: Vec<Vec<u8>> = text
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    drop(text);
    let mut out = match mode.as_str() {
        "fetch" => fetch_mode(pages, now, concurrency),
        "reference" => reference_mode(&pages),
        other => panic!("unknown mode {other:?}; {usage}"),
    };
    out["mode"] = json!(mode);
    out["page_concurrency"] = json!(concurrency);
    println!("{out}");
}
