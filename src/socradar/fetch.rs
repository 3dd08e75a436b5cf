//! Fetch with no duplicates and no misses.
//!
//! A run searches the window `[high-water mark − look-back overlap, now]` (the first run:
//! `[now − first fetch, now]`), reads every page of it, skips ids the ledger has delivered, and
//! delivers the rest oldest first, up to the per-fetch maximum. Alarms beyond the maximum are
//! deferred: not marked seen, and the mark stops at the last one delivered, so the next run
//! starts before them.
//!
//! Pages are read concurrently when the server reports how many there are. Offset pages shift
//! when alarms appear (late visibility) or leave the filter while we read, so the read is
//! checked: every answer must report the same total and the pages must add up to it with no id
//! twice. Otherwise the window is read again by date, newest first, each request ending at the
//! oldest second seen so far; such a read cannot skip an alarm that was there when it passed.
//! A second holding a full page or more can only be read by offset; its pages are read again
//! until two passes agree, so an alarm leaving mid-read cannot hide another.
//!
//! Why nothing is missed: an alarm becomes visible at most one overlap after its date (the
//! overlap parameter states that bound). Everything at or below the new mark was read by a
//! complete pass; an alarm not yet visible during this run is dated after `run start − overlap`,
//! and the mark never passes the run's start, so the next window still covers it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::alarm::{Alarm, MalformedAlarm};
use super::client::AlarmSource;
use super::error::SocRadarError;
use super::search::{SearchFilters, SearchPage, SearchQuery, MAX_PAGE_SIZE};
use crate::dedup::FetchState;
use crate::input::InputError;
use crate::timeutil;

/// Upper bound on requests of one run, so a misbehaving server cannot keep a fetch looping.
const MAX_REQUESTS_PER_RUN: u32 = 20_000;

#[derive(Debug, Clone, PartialEq)]
pub struct FetchConfig {
    /// When the first window starts, e.g. `3 days` or an RFC 3339 date-time.
    pub first_fetch: String,
    pub max_fetch: usize,
    pub lookback_seconds: i64,
    pub page_size: u32,
    pub page_concurrency: usize,
    pub filters: SearchFilters,
}

impl FetchConfig {
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), InputError> {
        first_window_start(&self.first_fetch, now)?;
        if self.max_fetch == 0 {
            return Err(InputError::new(
                "max_fetch",
                "max_fetch must be a whole number from 1 to 100000, got '0'.",
            ));
        }
        if !(1..=MAX_PAGE_SIZE).contains(&self.page_size) {
            return Err(InputError::new(
                "page_size",
                format!(
                    "page_size must be from 1 to {MAX_PAGE_SIZE}, got '{}'.",
                    self.page_size
                ),
            ));
        }
        Ok(())
    }
}

/// Start of the first window from the `first_fetch` parameter.
pub fn first_window_start(first_fetch: &str, now: DateTime<Utc>) -> Result<i64, InputError> {
    timeutil::parse_time_ago(first_fetch, now).map(|t| t.timestamp()).ok_or_else(|| {
        InputError::new(
            "first_fetch",
            format!(
                "first_fetch must be a time span like '3 days', '12 hours' or '30 minutes', or an RFC 3339 date-time, got {}.",
                crate::input::quote(first_fetch)
            ),
        )
    })
}

/// How the window was read, for the run's statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadMode {
    /// Offset pages, consistent with the totals.
    Pages,
    /// Offset pages shifted during the read; read again by date.
    PagesThenDates,
    /// The server gives no totals; read by date from the start.
    Dates,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FetchStats {
    pub window_start: String,
    pub window_end: String,
    pub read_mode: ReadMode,
    pub requests: u32,
    pub alarms_read: usize,
    pub alarms_in_window: usize,
    pub already_delivered: usize,
    pub delivered: usize,
    pub deferred: usize,
    pub malformed: usize,
    pub complete: bool,
    pub high_water_mark: Option<String>,
    pub state_ids: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FetchOutcome {
    /// Delivered alarms, oldest first.
    pub alarms: Vec<Alarm>,
    pub state: FetchState,
    pub malformed: Vec<MalformedAlarm>,
    pub stats: FetchStats,
    /// Set when the window could not be read whole: `alarms` and `state` are still consistent
    /// (store both), then report the error.
    pub error: Option<SocRadarError>,
}

struct WindowRead {
    items: Vec<Value>,
    requests: u32,
    mode: ReadMode,
    error: Option<SocRadarError>,
}

struct Reader<'a, S: AlarmSource> {
    source: &'a S,
    filters: &'a SearchFilters,
    limit: u32,
    concurrency: usize,
    start: i64,
    requests: AtomicU32,
}

impl<S: AlarmSource> Reader<'_, S> {
    fn query(&self, page: u32, end: i64, totals: bool) -> SearchQuery<'_> {
        SearchQuery {
            filters: self.filters,
            page,
            limit: self.limit,
            start: Some(self.start),
            end: Some(end),
            include_total_records: totals,
        }
    }

    fn get(&self, page: u32, end: i64, totals: bool) -> Result<SearchPage, SocRadarError> {
        if self.requests.fetch_add(1, Ordering::Relaxed) >= MAX_REQUESTS_PER_RUN {
            return Err(SocRadarError::Api {
                status: None,
                message: format!("the window needed more than {MAX_REQUESTS_PER_RUN} requests; the server's paging does not converge."),
            });
        }
        self.source.search_page(&self.query(page, end, totals))
    }

    fn read(&self, end: i64) -> WindowRead {
        let mut items = Vec::new();
        let finish = |items, mode, error| WindowRead {
            items,
            requests: self.requests.load(Ordering::Relaxed),
            mode,
            error,
        };
        let first = match self.get(1, end, true) {
            Ok(p) => p,
            Err(e) => return finish(items, ReadMode::Pages, Some(e)),
        };
        let short = first.alarms.len() < self.limit as usize;
        let (total_pages, total_records) = (first.total_pages, first.total_records);
        items.extend(first.alarms);
        let Some(total_pages) = total_pages else {
            if short {
                return finish(items, ReadMode::Dates, None);
            }
            let error = self.read_by_date(end, &mut items).err();
            return finish(items, ReadMode::Dates, error);
        };
        if short || total_pages <= 1 {
            // One answer is one consistent snapshot of the window.
            return finish(items, ReadMode::Pages, None);
        }
        let pages =
            self.read_pages_concurrently(2, total_pages.min(u64::from(u32::MAX)) as u32, end);
        let mut totals = vec![total_records];
        let mut error = None;
        for result in pages {
            match result {
                Ok(p) => {
                    totals.push(p.total_records);
                    items.extend(p.alarms);
                }
                Err(e) => error = error.or(Some(e)),
            }
        }
        if error.is_some() {
            return finish(items, ReadMode::Pages, error);
        }
        if consistent(&items, &totals) {
            return finish(items, ReadMode::Pages, None);
        }
        self.source
            .note("search pages shifted while being read; reading the window again by date".into());
        let error = self.read_by_date(end, &mut items).err();
        finish(items, ReadMode::PagesThenDates, error)
    }

    /// Pages `from..=to` with at most `concurrency` requests in flight; stops dispatching after
    /// the first failure. Results come back in page order.
    fn read_pages_concurrently(
        &self,
        from: u32,
        to: u32,
        end: i64,
    ) -> Vec<Result<SearchPage, SocRadarError>> {
        let next = AtomicU32::new(from);
        let failed = AtomicBool::new(false);
        let results: Mutex<Vec<(u32, Result<SearchPage, SocRadarError>)>> = Mutex::new(Vec::new());
        let workers = self.concurrency.clamp(1, (to - from + 1) as usize);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| loop {
                    let page = next.fetch_add(1, Ordering::Relaxed);
                    if page > to || failed.load(Ordering::Relaxed) {
                        break;
                    }
                    let r = self.get(page, end, true);
                    if r.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    results
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((page, r));
                });
            }
        });
        let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
        results.sort_by_key(|(p, _)| *p);
        results.into_iter().map(|(_, r)| r).collect()
    }

    /// Reads `[start, end]` newest first by moving the end down to the oldest second seen.
    /// Where one second holds a full page or more, that second is read by offset pages (see
    /// [`Reader::read_crowded`]), then the read goes on strictly below it.
    fn read_by_date(&self, end: i64, items: &mut Vec<Value>) -> Result<(), SocRadarError> {
        let limit = self.limit as usize;
        let mut cursor = end;
        // Learned from the answers: the server's `end_date` includes its own second.
        let mut inclusive = false;
        loop {
            let page = self.get(1, cursor, false)?;
            let n = page.alarms.len();
            let oldest = oldest_second(&page.alarms);
            if newest_second(&page.alarms) == Some(cursor) {
                inclusive = true;
            }
            items.extend(page.alarms);
            if n < limit {
                return Ok(());
            }
            let Some(m) = oldest else {
                // No readable date on a full page: read the rest of the window by offset.
                return self.read_crowded(cursor, i64::MIN, items);
            };
            if m + 1 < cursor {
                // `end` inclusive or exclusive, `m + 1` keeps every alarm of second `m`.
                cursor = m + 1;
                continue;
            }
            // A full page inside the newest one or two seconds: read them whole by offset,
            // then go on strictly below second `m`.
            self.read_crowded(cursor, m, items)?;
            cursor = (if inclusive { m - 1 } else { m }).min(cursor - 1);
        }
    }

    /// Reads the alarms of the query ending at `cursor` that are dated second `m` or later, by
    /// offset pages. An alarm leaving the query while the pages are read shifts the later pages
    /// up and can hide one alarm from that pass, so the pass is repeated until two passes in a
    /// row read the same alarms; every pass's alarms are kept.
    fn read_crowded(
        &self,
        cursor: i64,
        m: i64,
        items: &mut Vec<Value>,
    ) -> Result<(), SocRadarError> {
        const MAX_PASSES: usize = 6;
        let mut previous: Option<std::collections::BTreeSet<String>> = None;
        for _ in 0..MAX_PASSES {
            let ids = self.crowded_pass(cursor, m, items)?;
            if previous.as_ref() == Some(&ids) {
                return Ok(());
            }
            previous = Some(ids);
        }
        let second = timeutil::from_epoch(m)
            .map(timeutil::to_rfc3339)
            .unwrap_or_default();
        Err(SocRadarError::Api {
            status: None,
            message: format!("the alarms dated {second} kept changing in {MAX_PASSES} reads of their pages; the next fetch reads them again."),
        })
    }

    /// One pass of [`Reader::read_crowded`]: pages from the first until one reaches below
    /// second `m` or the window ends. The ids read dated `m` or later.
    fn crowded_pass(
        &self,
        cursor: i64,
        m: i64,
        items: &mut Vec<Value>,
    ) -> Result<std::collections::BTreeSet<String>, SocRadarError> {
        let limit = self.limit as usize;
        let mut ids = std::collections::BTreeSet::new();
        let mut p = 1;
        loop {
            let page = self.get(p, cursor, false)?;
            let n = page.alarms.len();
            let oldest = oldest_second(&page.alarms);
            ids.extend(
                page.alarms
                    .iter()
                    .filter(|a| second_of(a).is_none_or(|s| s >= m))
                    .filter_map(alarm_id_key),
            );
            items.extend(page.alarms);
            if n < limit || oldest.is_some_and(|o| o < m) {
                return Ok(ids);
            }
            p += 1;
        }
    }
}

fn alarm_id_key(v: &Value) -> Option<String> {
    v.get("alarm_id")
        .map(|id| id.to_string().trim_matches('"').to_string())
}

fn second_of(alarm: &Value) -> Option<i64> {
    alarm
        .get("date")
        .and_then(Value::as_str)
        .and_then(timeutil::parse_vendor_date)
        .map(|d| d.timestamp())
}

fn oldest_second(alarms: &[Value]) -> Option<i64> {
    alarms.iter().filter_map(second_of).min()
}

fn newest_second(alarms: &[Value]) -> Option<i64> {
    alarms.iter().filter_map(second_of).max()
}

/// Offset pages are consistent when every answer reported the same total, the alarms add up to
/// it, and no id came twice (an id twice means the pages moved under us).
fn consistent(items: &[Value], totals: &[Option<u64>]) -> bool {
    let Some(Some(total)) = totals.first() else {
        return false;
    };
    if totals.iter().any(|t| *t != Some(*total)) || items.len() as u64 != *total {
        return false;
    }
    let mut ids = std::collections::HashSet::new();
    items
        .iter()
        .all(|a| alarm_id_key(a).is_none_or(|k| ids.insert(k)))
}

/// One fetch run. Never fails as a whole: a failed read still yields what can be delivered
/// safely and the state to store, with `error` set.
pub fn fetch<S: AlarmSource>(
    source: &S,
    cfg: &FetchConfig,
    state: &FetchState,
    now: DateTime<Utc>,
) -> FetchOutcome {
    let lookback = cfg.lookback_seconds.max(0);
    let first_start = state
        .first_window_start
        .or_else(|| first_window_start(&cfg.first_fetch, now).ok());
    let mut next = FetchState {
        first_window_start: first_start,
        ..state.clone()
    };
    let start = next.window_start(lookback).unwrap_or(now.timestamp());
    // The end follows our clock, but never falls below the mark if the clock jumps back.
    let end = now
        .timestamp()
        .max(state.high_water_mark.unwrap_or(i64::MIN))
        + 1;

    let reader = Reader {
        source,
        filters: &cfg.filters,
        limit: cfg.page_size.clamp(1, MAX_PAGE_SIZE),
        concurrency: cfg.page_concurrency.max(1),
        start,
        requests: AtomicU32::new(0),
    };
    let read = reader.read(end);
    let alarms_read = read.items.len();

    let mut in_window: HashMap<u64, Alarm> = HashMap::new();
    let mut malformed = Vec::new();
    for raw in read.items {
        match Alarm::parse(raw) {
            // The server should not return alarms dated before the window, and the ledger does
            // not cover them: leave them out rather than risk a duplicate.
            Ok(a) if a.date.timestamp() < start => {}
            Ok(a) => {
                in_window.entry(a.id).or_insert(a);
            }
            Err(m) => {
                if !malformed.contains(&m) {
                    malformed.push(m);
                }
            }
        }
    }
    let in_window_count = in_window.len();
    let newest_in_window = in_window.values().map(|a| a.date).max();
    let mut fresh: Vec<Alarm> = in_window
        .into_values()
        .filter(|a| !state.seen.contains(a.id))
        .collect();
    fresh.sort_by_key(|a| (a.date, a.id));
    let already_delivered = in_window_count - fresh.len();
    let deferred = fresh.len().saturating_sub(cfg.max_fetch);
    fresh.truncate(cfg.max_fetch);

    for a in &fresh {
        next.seen.insert(a.id, a.date.timestamp());
    }
    if read.error.is_none() {
        // Complete read: everything up to the last delivered alarm (or the newest alarm of the
        // window, when nothing was deferred) has been delivered. Never past this run's start.
        let reached = if deferred > 0 {
            fresh.last().map(|a| a.date)
        } else {
            newest_in_window
        };
        if let Some(t) = reached {
            let mark = t.timestamp().min(now.timestamp());
            next.high_water_mark = Some(next.high_water_mark.map_or(mark, |h| h.max(mark)));
        }
    }
    if let Some(s) = next.window_start(lookback) {
        next.seen.forget_before(s);
    }

    let when = |e: i64| {
        timeutil::from_epoch(e)
            .map(timeutil::to_rfc3339)
            .unwrap_or_default()
    };
    let stats = FetchStats {
        window_start: when(start),
        window_end: when(end),
        read_mode: read.mode,
        requests: read.requests,
        alarms_read,
        alarms_in_window: in_window_count,
        already_delivered,
        delivered: fresh.len(),
        deferred,
        malformed: malformed.len(),
        complete: read.error.is_none(),
        high_water_mark: next.high_water_mark.map(when),
        state_ids: next.seen.len(),
    };
    source.note(format!(
        "fetch window {}..{}: {} requests ({:?}), {} alarms read, {} in window, {} already delivered, {} delivered, {} deferred, {} malformed",
        stats.window_start, stats.window_end, stats.requests, stats.read_mode, stats.alarms_read, stats.alarms_in_window,
        stats.already_delivered, stats.delivered, stats.deferred, stats.malformed
    ));
    FetchOutcome {
        alarms: fresh,
        state: next,
        malformed,
        stats,
        error: read.error,
    }
}

/// The first page of a window, for `socradar-test-fetch`: no state is read or written.
pub fn preview<S: AlarmSource>(
    source: &S,
    filters: &SearchFilters,
    first_fetch: &str,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<(i64, i64, SearchPage), SocRadarError> {
    let start = first_window_start(first_fetch, now)?;
    let end = now.timestamp() + 1;
    let q = SearchQuery {
        filters,
        page: 1,
        limit: limit.clamp(1, MAX_PAGE_SIZE),
        start: Some(start),
        end: Some(end),
        include_total_records: true,
    };
    Ok((start, end, source.search_page(&q)?))
}
