//! Fetch with no duplicates and no misses.
//!
//! A run reads either the whole window `[window start, now]` (the first run:
//! `[now − first fetch, now]`), or, while the per-fetch maximum has left alarms for later,
//! `[mark, the next rung of the backlog]`: it goes on from where delivery stopped. It skips ids
//! the ledger has delivered and delivers the rest oldest first, up to the per-fetch maximum.
//! Alarms beyond the maximum are deferred: not marked seen, the mark stops at the last one
//! delivered, and the dates up to which the next runs read are kept (the backlog).
//!
//! The whole window starts at `min(recheck_from, mark)`. `recheck_from` is the server's clock at
//! the last complete read of the window (its `Date` header; our clock if that is earlier, or the
//! newest alarm date where a server sends no `Date`), minus the look-back overlap: an alarm not
//! visible at that read is dated after it, because alarms become visible at most one overlap
//! after their date (the overlap parameter states that bound). In steady state a run therefore
//! reads again only the alarms of the last overlap, and in a quiet period less and less.
//!
//! How the window is read (offset pages several at once, checked, read again by date when pages
//! move) is `window::Reader`; what is kept of each answer is `collect::Collector`.
//!
//! Why nothing is missed: everything at or below the new mark was read by a complete pass and
//! delivered; everything deferred is after the mark; every alarm not yet visible is dated after
//! `recheck_from`; and no later run starts after the mark or after `recheck_from`.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::alarm::MalformedAlarm;
use super::client::AlarmSource;
use super::collect::{Collector, IncidentSink};
use super::error::SocRadarError;
use super::mapping::Mapper;
use super::search::MAX_PAGE_SIZE;
use super::window::{ReadBounds, Reader};
use crate::dedup::{FetchState, BACKLOG_LIMIT};
use crate::timeutil;

// The run's settings and `socradar-test-fetch`'s preview are modules of their own; they are
// reached here, where the fetch's callers look for them.
pub use super::fetch_config::{
    first_window_start, FetchConfig, DEFAULT_MAX_ALARMS_READ, DEFAULT_TIME_BUDGET,
};
pub use super::fetch_preview::{preview, Preview};
pub use super::window::ReadMode;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FetchStats {
    pub window_start: String,
    pub window_end: String,
    /// The window in epoch seconds, as the requests send it.
    pub window_start_epoch: i64,
    pub window_end_epoch: i64,
    /// The reads of the run: `whole_window`, or `backlog` (on from the mark up to alarms left by
    /// an earlier run), joined by `, then `.
    pub read: String,
    pub read_mode: ReadMode,
    /// Pages asked for (one request each, whatever its retries).
    pub requests: u32,
    /// HTTP requests sent, retries included, where the source counts them.
    pub http_attempts: Option<u64>,
    pub total_records: Option<u64>,
    pub total_pages: Option<u64>,
    pub alarms_read: usize,
    pub alarms_in_window: usize,
    pub already_delivered: usize,
    /// Alarms handled (and remembered) with no incident: the tag or assignee filters left them
    /// out.
    pub filtered_out: usize,
    /// Incidents created.
    pub delivered: usize,
    pub deferred: usize,
    pub malformed: usize,
    pub complete: bool,
    pub high_water_mark: Option<String>,
    pub recheck_from: Option<String>,
    pub backlog: usize,
    pub state_ids: usize,
}

#[derive(Debug)]
pub struct FetchOutcome<I> {
    /// Delivered incidents, oldest first.
    pub incidents: Vec<I>,
    /// Their alarm ids and dates, in the same order.
    pub delivered: Vec<(u64, DateTime<Utc>)>,
    pub state: FetchState,
    pub malformed: Vec<MalformedAlarm>,
    /// Alarms delivered with something replaced or cut, and alarms left alone (dated in the
    /// future): one sentence each.
    pub notes: Vec<String>,
    pub stats: FetchStats,
    /// Set when the window could not be read whole: `incidents` and `state` are still
    /// consistent (store both), then report the error.
    pub error: Option<SocRadarError>,
}

/// The mark, the point from which alarms may still appear unseen, and the backlog after a
/// complete read.
struct Progress {
    mark: Option<i64>,
    recheck_from: Option<i64>,
    backlog: Vec<i64>,
}

/// The backlog after a read that left `deferred` (their dates, oldest first) for later: the
/// date of every `max_fetch`-th and of the last, then the rungs of the old backlog beyond what
/// this read covered; at most [`BACKLOG_LIMIT`], all after `mark`.
fn backlog(deferred: &[i64], max_fetch: usize, old: &[i64], covered: i64, mark: i64) -> Vec<i64> {
    let mut rungs: Vec<i64> = deferred
        .chunks(max_fetch.max(1))
        .filter_map(|c| c.last().copied())
        .chain(old.iter().copied().filter(|r| *r > covered))
        .filter(|r| *r > mark)
        .collect();
    rungs.sort_unstable();
    rungs.dedup();
    rungs.truncate(BACKLOG_LIMIT);
    rungs
}

/// What one read of a run brought.
struct ReadOutcome<I> {
    incidents: Vec<I>,
    delivered: Vec<(u64, DateTime<Utc>)>,
    deferred: usize,
    error: Option<SocRadarError>,
}

/// The totals of a run, over its reads.
struct Totals {
    first_start: Option<i64>,
    last_end: i64,
    reads: Vec<&'static str>,
    read_mode: ReadMode,
    requests: u32,
    total_records: Option<u64>,
    total_pages: Option<u64>,
    alarms_read: usize,
    alarms_in_window: usize,
    already_delivered: usize,
    filtered: usize,
    malformed: Vec<MalformedAlarm>,
    notes: Vec<String>,
}

/// One fetch run. Never fails as a whole: a failed read still yields what can be delivered
/// safely and the state to store, with `error` set. When nothing could be delivered, the state
/// is the one given.
///
/// A run working off the backlog that delivers fewer than the maximum, with nothing left over,
/// goes on in the same run to the next rung and, past the last, to the whole window: a run that
/// delivers nothing therefore means nothing is waiting.
pub fn fetch<S: AlarmSource, K: IncidentSink>(
    source: &S,
    cfg: &FetchConfig,
    state: &FetchState,
    now: DateTime<Utc>,
    mapper: &Mapper,
    sink: &K,
) -> FetchOutcome<K::Item> {
    let first_start = state
        .first_window_start
        .or_else(|| first_window_start(&cfg.first_fetch, now).ok());
    let mut next = FetchState {
        first_window_start: first_start,
        ..state.clone()
    };
    let attempts_before = source.attempts();
    let mut totals = Totals {
        first_start: None,
        last_end: now.timestamp(),
        reads: Vec::new(),
        read_mode: ReadMode::Pages,
        requests: 0,
        total_records: None,
        total_pages: None,
        alarms_read: 0,
        alarms_in_window: 0,
        already_delivered: 0,
        filtered: 0,
        malformed: Vec::new(),
        notes: Vec::new(),
    };
    let mut incidents = Vec::new();
    let mut delivered = Vec::new();
    let (deferred, error) = loop {
        let budget = cfg.max_fetch - delivered.len();
        let out = read_once(
            source,
            cfg,
            &mut next,
            now,
            mapper,
            sink,
            budget,
            &mut totals,
        );
        let backlog_read = totals.reads.last() == Some(&"backlog");
        incidents.extend(out.incidents);
        delivered.extend(out.delivered);
        if out.error.is_some()
            || !backlog_read
            || out.deferred > 0
            || delivered.len() >= cfg.max_fetch
        {
            break (out.deferred, out.error);
        }
    };
    if error.is_some() && delivered.is_empty() {
        // Nothing to hand over: the run changes nothing, so a server that drops the state of
        // a failed run loses nothing either.
        next = state.clone();
    }

    let when = |e: i64| {
        timeutil::from_epoch(e)
            .map(timeutil::to_rfc3339)
            .unwrap_or_default()
    };
    let http_attempts = attempts_before
        .zip(source.attempts())
        .map(|(a, b)| b.saturating_sub(a));
    let start = totals.first_start.unwrap_or(totals.last_end);
    let end = totals.last_end;
    let stats = FetchStats {
        window_start: when(start),
        window_end: when(end),
        window_start_epoch: start,
        window_end_epoch: end,
        read: totals.reads.join(", then "),
        read_mode: totals.read_mode,
        requests: totals.requests,
        http_attempts,
        total_records: totals.total_records,
        total_pages: totals.total_pages,
        alarms_read: totals.alarms_read,
        alarms_in_window: totals.alarms_in_window,
        already_delivered: totals.already_delivered,
        filtered_out: totals.filtered,
        delivered: incidents.len(),
        deferred,
        malformed: totals.malformed.len(),
        complete: error.is_none(),
        high_water_mark: next.high_water_mark.map(when),
        recheck_from: next.recheck_from.map(when),
        backlog: next.backlog.len(),
        state_ids: next.seen.len(),
    };
    source.note(format!(
        "Fetch summary: {} HTTP attempts for {} pages ({:?}); {} alarms read; created {} NEW incidents, skipped {} duplicates, deferred {}, skipped {} malformed{}; time window (epoch seconds): {} to {}{}",
        http_attempts.map_or("?".to_string(), |n| n.to_string()),
        stats.requests,
        stats.read_mode,
        stats.alarms_read,
        stats.delivered,
        stats.already_delivered,
        stats.deferred,
        stats.malformed,
        if stats.filtered_out > 0 {
            format!(
                ", left out {} by the tag or assignee filters",
                stats.filtered_out
            )
        } else {
            String::new()
        },
        start,
        end,
        if error.is_none() { "" } else { "; the window was not read whole" }
    ));
    FetchOutcome {
        incidents,
        delivered,
        state: next,
        malformed: totals.malformed,
        notes: totals.notes,
        stats,
        error,
    }
}

/// One read of a run: the next read the state calls for, up to `budget` new alarms delivered;
/// `next` moves on when the read was complete.
#[allow(clippy::too_many_arguments)]
fn read_once<S: AlarmSource, K: IncidentSink>(
    source: &S,
    cfg: &FetchConfig,
    next: &mut FetchState,
    now: DateTime<Utc>,
    mapper: &Mapper,
    sink: &K,
    budget: usize,
    totals: &mut Totals,
) -> ReadOutcome<K::Item> {
    let lookback = cfg.lookback_seconds.max(0);
    let plan = next.next_read(lookback);
    let start = plan.map_or(now.timestamp(), |p| p.start);
    let until = plan.and_then(|p| p.until);
    // The end follows our clock, but never falls below the mark if the clock jumps back; a read
    // working off the backlog ends after its rung (`end_date` inclusive or not).
    let end = match until {
        Some(rung) => rung + 1,
        None => {
            now.timestamp()
                .max(next.high_water_mark.unwrap_or(i64::MIN))
                + 1
        }
    };
    let limit = cfg.page_size.clamp(1, MAX_PAGE_SIZE);
    let known = next.seen.count_between(start, end);
    // Pages asked for before the first answer: all at once on a first run; else as many as the
    // window likely holds (the ledger's alarms in it, plus the backlog's share or a few new).
    let fanout = if next.high_water_mark.is_none() && next.recheck_from.is_none() {
        cfg.page_concurrency
    } else {
        let expected = known + if until.is_some() { budget } else { 1 };
        expected.div_ceil(limit as usize)
    };
    let when = |e: i64| {
        timeutil::from_epoch(e)
            .map(timeutil::to_rfc3339)
            .unwrap_or_default()
    };
    source.note(format!(
        "Time window (epoch seconds): {start} to {end} ({} to {}), {}",
        when(start),
        when(end),
        match until {
            None => "the whole window up to now".to_string(),
            Some(rung) => format!(
                "on from where delivery stopped, up to the alarms left for later dated to {}",
                when(rung)
            ),
        }
    ));
    let (read, chosen) = {
        let collector = Collector::new(
            mapper,
            sink,
            &cfg.filters,
            &next.seen,
            start,
            now.timestamp() + lookback,
            (budget + known) as u64,
            budget,
        );
        let bounds = ReadBounds {
            max_alarms: cfg
                .max_alarms_read
                .max(1)
                .saturating_sub(totals.alarms_read)
                .max(1),
            budget: cfg.time_budget,
        };
        let reader = Reader::new(
            source,
            &collector,
            &cfg.filters,
            limit,
            cfg.page_concurrency.max(1),
            fanout.clamp(1, cfg.page_concurrency.max(1)) as u32,
            start,
            bounds,
        );
        let read = reader.read(end);
        (read, collector.finish(budget))
    };
    match (read.total_records, read.total_pages) {
        (Some(r), Some(p)) => source.note(format!("Total available: {r} records across {p} pages")),
        _ => source
            .note("Total available: not reported by the server; the window is read by date".into()),
    }
    for line in &chosen.page_lines {
        source.note(line.clone());
    }
    totals.first_start = totals.first_start.or(Some(start));
    totals.last_end = end;
    totals.reads.push(if until.is_some() {
        "backlog"
    } else {
        "whole_window"
    });
    if read.mode != ReadMode::Pages {
        totals.read_mode = read.mode;
    }
    totals.requests += read.requests;
    totals.total_records = totals.total_records.or(read.total_records);
    totals.total_pages = totals.total_pages.or(read.total_pages);
    totals.alarms_read += read.alarms_read;
    totals.alarms_in_window += chosen.in_window;
    totals.already_delivered += chosen.already_delivered;
    totals.notes.extend(chosen.notes.iter().cloned());
    for m in &chosen.malformed {
        if !totals.malformed.contains(m) {
            totals.malformed.push(m.clone());
        }
    }
    for (id, date, _) in &chosen.delivered {
        next.seen.insert(*id, date.timestamp());
    }
    if read.error.is_none() {
        let progress = progress(
            next,
            &chosen,
            until,
            end,
            now,
            lookback,
            read.server_time,
            cfg.max_fetch,
        );
        next.high_water_mark = progress.mark;
        next.recheck_from = progress.recheck_from;
        next.backlog = progress.backlog;
    }
    if let Some(s) = next.window_start(lookback) {
        next.seen.forget_before(s);
    }
    let deferred = chosen.deferred.len();
    totals.filtered += chosen.filtered;
    let mut incidents = Vec::with_capacity(chosen.delivered.len());
    let delivered = chosen
        .delivered
        .into_iter()
        .map(|(id, date, item)| {
            incidents.extend(item);
            (id, date)
        })
        .collect();
    ReadOutcome {
        incidents,
        delivered,
        deferred,
        error: read.error,
    }
}

#[allow(clippy::too_many_arguments)]
fn progress<I>(
    state: &FetchState,
    chosen: &super::collect::Selection<I>,
    until: Option<i64>,
    end: i64,
    now: DateTime<Utc>,
    lookback: i64,
    server_time: Option<i64>,
    max_fetch: usize,
) -> Progress {
    let now = now.timestamp();
    // Everything up to the last alarm delivered (or the newest alarm of the window, when
    // nothing was deferred; or the rung, for a read of the backlog that left nothing) has been
    // delivered. Never past this run's start.
    let reached = if chosen.deferred.is_empty() {
        let newest = chosen.newest_in_window.map(|t| t.timestamp());
        match until {
            Some(rung) => Some(newest.map_or(rung, |n| n.max(rung))),
            None => newest,
        }
    } else {
        chosen.delivered.last().map(|(_, d, _)| d.timestamp())
    };
    let mark = match (state.high_water_mark, reached.map(|t| t.min(now))) {
        (Some(h), Some(m)) => Some(h.max(m)),
        (h, m) => h.or(m),
    };
    let recheck_from = match until {
        // A run working off the backlog read only part of the window.
        Some(_) => state.recheck_from,
        None => {
            // The server's clock at the read (never ahead of ours); without a `Date`, the newest
            // alarm seen, which the server's clock had passed.
            let seen_at = server_time
                .map(|t| t.min(now))
                .or(chosen.newest_in_window.map(|t| t.timestamp().min(now)));
            match (state.recheck_from, seen_at.map(|t| t - lookback)) {
                (Some(r), Some(s)) => Some(r.max(s)),
                (r, s) => s.or(r),
            }
        }
    };
    let deferred: Vec<i64> = chosen.deferred.iter().map(|d| d.timestamp()).collect();
    // Alarms left for later must stay in every later window, even those a window whole read
    // found below the mark (late arrivals beyond the maximum).
    let recheck_from = match (recheck_from, deferred.first()) {
        (Some(r), Some(&oldest)) => Some(r.min(oldest)),
        (r, d) => r.or(d.copied()),
    };
    let backlog = match mark {
        Some(m) => backlog(&deferred, max_fetch, &state.backlog, end - 1, m),
        None => Vec::new(),
    };
    Progress {
        mark,
        recheck_from,
        backlog,
    }
}
