//! Exactly-once delivery, checked against a simulated server that behaves like the real one at
//! its worst: alarms visible late, alarms arriving and leaving while pages are read, failing
//! requests, crowded seconds, both answer shapes and both readings of `end_date`.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::json;

use super::client::AlarmSource;
use super::collect::AlarmIds;
use super::error::SocRadarError;
use super::fetch::{fetch, FetchConfig, FetchOutcome};
use super::incident::IncidentOptions;
use super::mapping::Mapper;
use super::search::{SearchPage, SearchQuery};
use crate::dedup::FetchState;

const T0: f64 = 1_700_000_000.0;
const LOOKBACK: i64 = 900;

#[derive(Debug, Clone)]
struct SimAlarm {
    id: u64,
    date: f64,
    visible_at: f64,
    removed: bool,
}

/// Something that happens just before the server answers request number `at` of a run.
#[derive(Debug, Clone)]
enum MidRead {
    /// Alarms become visible now, dated up to `delay` seconds ago.
    Arrive {
        at: u32,
        delays: Vec<f64>,
    },
    /// An alarm leaves the filter (status changed).
    Remove {
        at: u32,
        pick: usize,
    },
    Fail {
        at: u32,
    },
}

#[derive(Default)]
struct SimState {
    now: f64,
    alarms: Vec<SimAlarm>,
    next_id: u64,
    request: u32,
    events: Vec<MidRead>,
}

struct Sim {
    state: Mutex<SimState>,
    bare_list: bool,
    end_exclusive: bool,
    whole_seconds: bool,
    /// The answers carry the server's clock (an HTTP `Date`).
    server_dates: bool,
}

impl Sim {
    /// A server at `T0` that already holds alarms dated `dates`, each visible from its date.
    fn new(
        bare_list: bool,
        end_exclusive: bool,
        whole_seconds: bool,
        server_dates: bool,
        dates: impl IntoIterator<Item = f64>,
    ) -> Sim {
        let mut st = SimState {
            now: T0,
            ..Default::default()
        };
        for date in dates {
            Sim::add(&mut st, date, date, whole_seconds);
        }
        Sim {
            state: Mutex::new(st),
            bare_list,
            end_exclusive,
            whole_seconds,
            server_dates,
        }
    }

    fn add(st: &mut SimState, date: f64, visible_at: f64, whole_seconds: bool) {
        st.next_id += 1;
        let date = if whole_seconds { date.floor() } else { date };
        st.alarms.push(SimAlarm {
            id: st.next_id,
            date,
            visible_at: visible_at.max(date),
            removed: false,
        });
    }
}

fn render_date(t: f64) -> String {
    let micros = (t * 1e6).round() as i64;
    let dt: DateTime<Utc> = Utc.timestamp_micros(micros).unwrap();
    dt.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

impl AlarmSource for Sim {
    fn search_page(&self, q: &SearchQuery<'_>) -> Result<SearchPage, SocRadarError> {
        let mut st = self.state.lock().unwrap();
        st.request += 1;
        let req = st.request;
        let events: Vec<MidRead> = st.events.clone();
        for ev in events {
            match ev {
                MidRead::Arrive { at, delays } if at == req => {
                    let now = st.now;
                    for d in delays {
                        Sim::add(&mut st, now - d, now, self.whole_seconds);
                    }
                }
                MidRead::Remove { at, pick } if at == req => {
                    let now = st.now;
                    let live: Vec<usize> = (0..st.alarms.len())
                        .filter(|i| !st.alarms[*i].removed && st.alarms[*i].visible_at <= now)
                        .collect();
                    if !live.is_empty() {
                        let i = live[pick % live.len()];
                        st.alarms[i].removed = true;
                    }
                }
                MidRead::Fail { at } if at == req => {
                    return Err(SocRadarError::Transport {
                        message: "simulated connection reset.".into(),
                    });
                }
                _ => {}
            }
        }
        let start = q.start.unwrap() as f64;
        let end = q.end.unwrap() as f64;
        let mut hits: Vec<&SimAlarm> = st
            .alarms
            .iter()
            .filter(|a| !a.removed && a.visible_at <= st.now && a.date >= start)
            .filter(|a| {
                if self.end_exclusive {
                    a.date < end
                } else {
                    a.date <= end
                }
            })
            .collect();
        hits.sort_by(|a, b| b.date.partial_cmp(&a.date).unwrap().then(b.id.cmp(&a.id)));
        let total = hits.len() as u64;
        let limit = q.limit as usize;
        let from = (q.page as usize - 1) * limit;
        let alarms: Vec<String> = hits
            .iter()
            .skip(from)
            .take(limit)
            .map(|a| json!({"alarm_id": a.id, "date": render_date(a.date)}).to_string())
            .collect();
        let with_totals = q.include_total_records && !self.bare_list;
        let mut page = SearchPage::of_alarms(
            &alarms,
            with_totals.then_some(total),
            with_totals.then_some(total.div_ceil(limit as u64)),
        );
        page.server_time = self.server_dates.then_some(st.now.floor() as i64);
        Ok(page)
    }
}

#[derive(Debug, Clone)]
struct Step {
    advance: f64,
    /// Arrivals during the step: (position in the step 0..1, visibility delay 0..=LOOKBACK).
    arrivals: Vec<(f64, f64)>,
    mid_read: Vec<MidRead>,
    max_fetch: usize,
    clock_skew: f64,
}

fn step() -> impl Strategy<Value = Step> {
    let mid = prop_oneof![
        (
            1u32..12,
            prop::collection::vec(0.0..(LOOKBACK as f64), 1..6)
        )
            .prop_map(|(at, delays)| MidRead::Arrive { at, delays }),
        (1u32..12, any::<usize>()).prop_map(|(at, pick)| MidRead::Remove { at, pick }),
        (1u32..12).prop_map(|at| MidRead::Fail { at }),
    ];
    (
        1.0..1200.0f64,
        prop::collection::vec((0.0..1.0f64, 0.0..=(LOOKBACK as f64)), 0..25),
        prop::collection::vec(mid, 0..4),
        1usize..30,
        -60.0..60.0f64,
    )
        .prop_map(
            |(advance, arrivals, mid_read, max_fetch, clock_skew)| Step {
                advance,
                arrivals,
                mid_read,
                max_fetch,
                clock_skew,
            },
        )
}

/// One fetch run over `source`, counting nothing but ids.
fn run_once<S: AlarmSource>(
    source: &S,
    cfg: &FetchConfig,
    state: &FetchState,
    now: DateTime<Utc>,
) -> FetchOutcome<u64> {
    let mapper = Mapper::new(789, IncidentOptions::default());
    fetch(source, cfg, state, now, &mapper, &AlarmIds)
}

fn config(max_fetch: usize, page_size: u32, page_concurrency: usize) -> FetchConfig {
    FetchConfig {
        page_size,
        page_concurrency,
        ..FetchConfig::new("1 hour", max_fetch, LOOKBACK)
    }
}

#[allow(clippy::too_many_arguments)]
fn run_scenario(
    steps: Vec<Step>,
    page_size: u32,
    bare_list: bool,
    end_exclusive: bool,
    whole_seconds: bool,
    server_dates: bool,
    backlog: usize,
) {
    // Alarms already there before the first fetch, some older than the first window.
    let sim = Sim::new(
        bare_list,
        end_exclusive,
        whole_seconds,
        server_dates,
        (0..backlog).map(|i| T0 - 5400.0 + (i as f64 * 37.3) % 5400.0),
    );
    let mut cfg = config(10, page_size, 3);
    let mut state = FetchState::default();
    let mut delivered: HashMap<u64, u32> = HashMap::new();
    let mut run = |sim: &Sim,
                   cfg: &FetchConfig,
                   state: &mut FetchState,
                   skew: f64|
     -> (usize, bool) {
        let now = sim.state.lock().unwrap().now;
        let ours = Utc.timestamp_opt((now + skew).floor() as i64, 0).unwrap();
        sim.state.lock().unwrap().request = 0;
        let out = run_once(sim, cfg, state, ours);
        if std::env::var("FETCH_DEBUG").is_ok() {
            eprintln!("run now={now} ours={ours} max={} read={} [{}..{}] err={:?} delivered={:?} deferred={} inwin={} ->  mark={:?} recheck={:?} backlog={:?} seen={}",
                    cfg.max_fetch, out.stats.read, out.stats.window_start_epoch, out.stats.window_end_epoch, out.error.as_ref().map(|e| e.message()), out.incidents, out.stats.deferred, out.stats.alarms_in_window,
                    out.state.high_water_mark, out.state.recheck_from, out.state.backlog, out.state.seen.len());
        }
        for id in &out.incidents {
            *delivered.entry(*id).or_default() += 1;
        }
        *state = out.state;
        (out.incidents.len(), out.error.is_none())
    };
    for s in &steps {
        {
            let mut st = sim.state.lock().unwrap();
            let before = st.now;
            st.now += s.advance;
            for (pos, delay) in &s.arrivals {
                let visible = before + pos * s.advance;
                Sim::add(&mut st, visible - delay, visible, whole_seconds);
            }
            st.events = s.mid_read.clone();
        }
        cfg.max_fetch = s.max_fetch;
        run(&sim, &cfg, &mut state, s.clock_skew);
    }
    // Quiet period: everything visible, no more faults; fetch until nothing is left.
    {
        let mut st = sim.state.lock().unwrap();
        st.now += LOOKBACK as f64 + 5.0;
        st.events.clear();
    }
    cfg.max_fetch = 50;
    let mut drained = false;
    for _ in 0..200 {
        let (n, ok) = run(&sim, &cfg, &mut state, 0.0);
        if n == 0 && ok {
            drained = true;
            break;
        }
    }
    assert!(drained, "fetch did not settle");

    let first_start = state.first_window_start.expect("set by the first run") as f64;
    let st = sim.state.lock().unwrap();
    for a in &st.alarms {
        let n = delivered.get(&a.id).copied().unwrap_or(0);
        assert!(n <= 1, "alarm {} delivered {n} times", a.id);
        if a.date.floor() >= first_start && !a.removed {
            assert_eq!(
                n,
                1,
                "alarm {} dated {} (visible {}) never delivered",
                a.id,
                render_date(a.date),
                render_date(a.visible_at)
            );
        }
        if a.date.floor() < first_start {
            assert_eq!(n, 0, "alarm {} predates the first window", a.id);
        }
    }
    let next_start = state.window_start(LOOKBACK).unwrap();
    assert!(
        state.seen.len()
            <= st
                .alarms
                .iter()
                .filter(|a| a.date.floor() as i64 >= next_start)
                .count(),
        "the ledger outgrew its window"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256), ..ProptestConfig::default() })]

    #[test]
    fn every_alarm_is_delivered_exactly_once(
        steps in prop::collection::vec(step(), 1..10),
        page_size in 1u32..8,
        bare_list in any::<bool>(),
        end_exclusive in any::<bool>(),
        whole_seconds in any::<bool>(),
        server_dates in any::<bool>(),
        backlog in 0usize..60,
    ) {
        run_scenario(steps, page_size, bare_list, end_exclusive, whole_seconds, server_dates, backlog);
    }
}

#[test]
fn ten_thousand_alarms_in_one_window_are_delivered_once() {
    let steps = vec![Step {
        advance: 1.0,
        arrivals: vec![],
        mid_read: vec![],
        max_fetch: 10_000,
        clock_skew: 0.0,
    }];
    // 10 000 alarms within the first window: the ledger must remember all of them.
    let sim_backlog = 10_000;
    let sim = Sim::new(
        false,
        false,
        true,
        true,
        (0..sim_backlog).map(|i| T0 - 600.0 + (i % 600) as f64),
    );
    let cfg = config(10_000, 100, 4);
    let now = Utc.timestamp_opt(T0 as i64, 0).unwrap();
    let first = run_once(&sim, &cfg, &FetchState::default(), now);
    assert!(first.error.is_none());
    assert_eq!(first.incidents.len(), sim_backlog);
    assert_eq!(first.state.seen.len(), sim_backlog);
    let again = run_once(&sim, &cfg, &first.state, now);
    assert_eq!(
        again.incidents.len(),
        0,
        "a second run over the same window repeats nothing"
    );
    drop(steps);
}

#[test]
fn a_failed_run_keeps_the_mark_and_the_next_run_completes() {
    let sim = Sim::new(
        false,
        false,
        false,
        false,
        (0..25).map(|i| T0 - 100.0 - i as f64),
    );
    sim.state.lock().unwrap().events = vec![MidRead::Fail { at: 2 }];
    let cfg = config(100, 10, 1);
    let now = Utc.timestamp_opt(T0 as i64, 0).unwrap();
    let out = run_once(&sim, &cfg, &FetchState::default(), now);
    assert!(out.error.is_some());
    assert_eq!(
        out.incidents.len(),
        10,
        "the page read before the failure is delivered"
    );
    assert_eq!(
        out.state.high_water_mark, None,
        "the mark does not move past unread pages"
    );
    sim.state.lock().unwrap().events.clear();
    sim.state.lock().unwrap().request = 0;
    let next = run_once(&sim, &cfg, &out.state, now);
    assert!(next.error.is_none());
    assert_eq!(next.incidents.len(), 15);
    assert_eq!(next.stats.already_delivered, 10);
}
