//! Reading one search window whole: offset pages, several at once, checked; read again by date
//! when the pages moved under the read; crowded seconds read by offset until two passes agree.
//!
//! The reader sees each answer only as the keys of its alarms (id and second): every answer goes
//! to a [`PageHandler`] as it arrives, which reads and keeps the alarms themselves. The reader
//! stops, with an error naming the bound, at the fetch's time budget, at its maximum of alarms
//! read, and at [`MAX_REQUESTS_PER_RUN`].

use std::sync::atomic::{AtomicI64, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::client::AlarmSource;
use super::error::SocRadarError;
use super::page::SearchPage;
use super::search::{SearchFilters, SearchQuery};
use crate::timeutil;

/// Upper bound on requests of one run, so a misbehaving server cannot keep a fetch looping.
pub const MAX_REQUESTS_PER_RUN: u32 = 20_000;

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

/// An alarm as the reader needs it: its id and the second it is dated, where readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub id: Option<u64>,
    pub second: Option<i64>,
}

/// Which request an answer came from, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLabel {
    /// The page number asked for.
    pub page: u32,
    /// The `end_date` of a read by date (epoch seconds); `None` for the window's offset pages.
    pub by_date: Option<i64>,
}

impl std::fmt::Display for PageLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.by_date {
            None => write!(f, "Page {}", self.page),
            Some(end) => write!(
                f,
                "Page {} of the read by date up to {}",
                self.page,
                timeutil::from_epoch(end)
                    .map(timeutil::to_rfc3339)
                    .unwrap_or_default()
            ),
        }
    }
}

/// Takes each answer as it arrives (on the thread that read it): keeps its alarms, returns their
/// keys in page order.
pub trait PageHandler: Sync {
    fn take(&self, label: PageLabel, page: &SearchPage) -> Vec<Key>;
}

/// What one answer told the reader.
struct Answer {
    keys: Vec<Key>,
    total_records: Option<u64>,
    total_pages: Option<u64>,
}

pub struct WindowRead {
    pub requests: u32,
    pub alarms_read: usize,
    pub mode: ReadMode,
    pub error: Option<SocRadarError>,
    /// The first answer's totals.
    pub total_records: Option<u64>,
    pub total_pages: Option<u64>,
    /// The earliest `Date` any answer gave (the server's clock), epoch seconds.
    pub server_time: Option<i64>,
}

/// The limits of one run's reading.
#[derive(Debug, Clone, Copy)]
pub struct ReadBounds {
    pub max_alarms: usize,
    pub budget: Duration,
}

pub struct Reader<'a, S: AlarmSource, H: PageHandler> {
    pub source: &'a S,
    pub handler: &'a H,
    pub filters: &'a SearchFilters,
    pub limit: u32,
    pub concurrency: usize,
    /// Pages asked for at once before the first answer tells how many there are.
    pub fanout: u32,
    pub start: i64,
    pub bounds: ReadBounds,
    pub started: Instant,
    pub requests: AtomicU32,
    pub alarms_read: AtomicUsize,
    pub server_time: AtomicI64,
}

impl<'a, S: AlarmSource, H: PageHandler> Reader<'a, S, H> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        source: &'a S,
        handler: &'a H,
        filters: &'a SearchFilters,
        limit: u32,
        concurrency: usize,
        fanout: u32,
        start: i64,
        bounds: ReadBounds,
    ) -> Self {
        Reader {
            source,
            handler,
            filters,
            limit,
            concurrency: concurrency.max(1),
            fanout: fanout.clamp(1, concurrency.max(1) as u32),
            start,
            bounds,
            started: Instant::now(),
            requests: AtomicU32::new(0),
            alarms_read: AtomicUsize::new(0),
            server_time: AtomicI64::new(i64::MAX),
        }
    }

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

    fn bound(message: String) -> SocRadarError {
        SocRadarError::Api {
            status: None,
            message,
        }
    }

    fn get(&self, label: PageLabel, end: i64, totals: bool) -> Result<Answer, SocRadarError> {
        if self.requests.fetch_add(1, Ordering::Relaxed) >= MAX_REQUESTS_PER_RUN {
            return Err(Self::bound(format!("the window needed more than {MAX_REQUESTS_PER_RUN} requests; the server's paging does not converge.")));
        }
        let read = self.alarms_read.load(Ordering::Relaxed);
        if read >= self.bounds.max_alarms {
            return Err(Self::bound(format!(
                "the fetch stopped after reading {read} alarms, its maximum (Maximum alarms read per fetch). What was read is delivered and the next fetch goes on; narrow the filters or the first fetch time, or raise the maximum."
            )));
        }
        let spent = self.started.elapsed();
        if spent >= self.bounds.budget {
            return Err(Self::bound(format!(
                "the fetch stopped after {:.0} s, its time budget (Fetch time budget), having read {read} alarms. What was read is delivered and the next fetch goes on; raise the budget if the engine allows longer fetches.",
                spent.as_secs_f64()
            )));
        }
        let page = self
            .source
            .search_page(&self.query(label.page, end, totals))?;
        if let Some(t) = page.server_time {
            self.server_time.fetch_min(t, Ordering::Relaxed);
        }
        self.alarms_read.fetch_add(page.len(), Ordering::Relaxed);
        Ok(Answer {
            keys: self.handler.take(label, &page),
            total_records: page.total_records,
            total_pages: page.total_pages,
        })
    }

    pub fn read(&self, end: i64) -> WindowRead {
        let mut keys: Vec<Key> = Vec::new();
        let answers = self.read_offset_pages(end);
        let (total_records, total_pages) = answers
            .first()
            .and_then(|(_, r)| r.as_ref().ok())
            .map_or((None, None), |a| (a.total_records, a.total_pages));
        let finish = |mode, error| WindowRead {
            requests: self.requests.load(Ordering::Relaxed),
            alarms_read: self.alarms_read.load(Ordering::Relaxed),
            mode,
            error,
            total_records,
            total_pages,
            server_time: Some(self.server_time.load(Ordering::Relaxed)).filter(|t| *t != i64::MAX),
        };
        let mut totals = Vec::new();
        let mut error = None;
        let mut with_alarms = Vec::new();
        let mut short = false;
        for (page, result) in answers {
            match result {
                Ok(a) => {
                    if page == 1 && a.keys.len() < self.limit as usize {
                        short = true;
                    }
                    if !a.keys.is_empty() {
                        with_alarms.push(page);
                    }
                    totals.push(a.total_records);
                    keys.extend(a.keys);
                }
                Err(e) => match error {
                    None => error = Some(e),
                    // Pages asked for at once can fail differently; every failure is told.
                    Some(_) => self.source.note(format!("Page {page} failed too: {e}")),
                },
            }
        }
        if error.is_some() {
            return finish(ReadMode::Pages, error);
        }
        if total_pages.is_none() {
            // No totals: offset pages cannot be checked; the window is read by date.
            if short && with_alarms.iter().all(|p| *p == 1) {
                return finish(ReadMode::Dates, None);
            }
            let error = self.read_by_date(end, &mut keys).err();
            return finish(ReadMode::Dates, error);
        }
        // One answer holding the whole window is one consistent snapshot of it.
        let one_answer = with_alarms.iter().all(|p| *p == 1) && (short || total_pages <= Some(1));
        if one_answer || consistent(&keys, &totals) {
            return finish(ReadMode::Pages, None);
        }
        self.source
            .note("search pages shifted while being read; reading the window again by date".into());
        let error = self.read_by_date(end, &mut keys).err();
        finish(ReadMode::PagesThenDates, error)
    }

    /// The window's offset pages: pages `1..=fanout` at once, then, once the first answer has
    /// told how many pages there are, the rest, at most `concurrency` requests in flight.
    /// Dispatch stops after the first failure and after a short page. Results come back in page
    /// order.
    fn read_offset_pages(&self, end: i64) -> Vec<(u32, Result<Answer, SocRadarError>)> {
        struct Plan {
            next: u32,
            last: u32,
            known: bool,
            failed: bool,
            in_flight: u32,
        }
        let plan = Mutex::new(Plan {
            next: 1,
            last: self.fanout,
            known: false,
            failed: false,
            in_flight: 0,
        });
        let changed = Condvar::new();
        let lock = || plan.lock().unwrap_or_else(|p| p.into_inner());
        let results: Mutex<Vec<(u32, Result<Answer, SocRadarError>)>> = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..self.concurrency.max(self.fanout as usize) {
                scope.spawn(|| loop {
                    let page = {
                        let mut g = lock();
                        loop {
                            if g.failed {
                                return;
                            }
                            if g.next <= g.last {
                                g.next += 1;
                                g.in_flight += 1;
                                break g.next - 1;
                            }
                            if g.known || g.in_flight == 0 {
                                return;
                            }
                            g = changed.wait(g).unwrap_or_else(|p| p.into_inner());
                        }
                    };
                    let label = PageLabel {
                        page,
                        by_date: None,
                    };
                    let r = self.get(label, end, true);
                    {
                        let mut g = lock();
                        g.in_flight -= 1;
                        match &r {
                            Err(_) => g.failed = true,
                            Ok(a) => {
                                if !g.known {
                                    // The total of whichever answer comes first.
                                    g.known = true;
                                    if let Some(pages) = a.total_pages {
                                        g.last = pages.min(u64::from(u32::MAX)) as u32;
                                    }
                                }
                                if a.keys.len() < self.limit as usize {
                                    g.last = g.last.min(page);
                                }
                            }
                        }
                        changed.notify_all();
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
        results
    }

    /// Reads `[start, end]` newest first by moving the end down to the oldest second seen.
    /// Where one second holds a full page or more, that second is read by offset pages (see
    /// [`Reader::read_crowded`]), then the read goes on strictly below it.
    fn read_by_date(&self, end: i64, keys: &mut Vec<Key>) -> Result<(), SocRadarError> {
        let limit = self.limit as usize;
        let mut cursor = end;
        // Learned from the answers: the server's `end_date` includes its own second.
        let mut inclusive = false;
        loop {
            let page = self.get(
                PageLabel {
                    page: 1,
                    by_date: Some(cursor),
                },
                cursor,
                false,
            )?;
            let n = page.keys.len();
            let oldest = oldest_second(&page.keys);
            if newest_second(&page.keys) == Some(cursor) {
                inclusive = true;
            }
            keys.extend(page.keys);
            if n < limit {
                return Ok(());
            }
            let Some(m) = oldest else {
                // No readable date on a full page: read the rest of the window by offset.
                return self.read_crowded(cursor, i64::MIN, keys);
            };
            if m + 1 < cursor {
                // `end` inclusive or exclusive, `m + 1` keeps every alarm of second `m`.
                cursor = m + 1;
                continue;
            }
            // A full page inside the newest one or two seconds: read them whole by offset,
            // then go on strictly below second `m`.
            self.read_crowded(cursor, m, keys)?;
            cursor = (if inclusive { m - 1 } else { m }).min(cursor - 1);
        }
    }

    /// Reads the alarms of the query ending at `cursor` that are dated second `m` or later, by
    /// offset pages. An alarm leaving the query while the pages are read shifts the later pages
    /// up and can hide one alarm from that pass, so the pass is repeated until two passes in a
    /// row read the same alarms; every pass's alarms are kept.
    fn read_crowded(&self, cursor: i64, m: i64, keys: &mut Vec<Key>) -> Result<(), SocRadarError> {
        const MAX_PASSES: usize = 6;
        let mut previous: Option<std::collections::BTreeSet<u64>> = None;
        for _ in 0..MAX_PASSES {
            let ids = self.crowded_pass(cursor, m, keys)?;
            if previous.as_ref() == Some(&ids) {
                return Ok(());
            }
            previous = Some(ids);
        }
        let second = timeutil::from_epoch(m)
            .map(timeutil::to_rfc3339)
            .unwrap_or_default();
        Err(Self::bound(format!("the alarms dated {second} kept changing in {MAX_PASSES} reads of their pages; the next fetch reads them again.")))
    }

    /// One pass of [`Reader::read_crowded`]: pages from the first until one reaches below
    /// second `m` or the window ends. The ids read dated `m` or later.
    fn crowded_pass(
        &self,
        cursor: i64,
        m: i64,
        keys: &mut Vec<Key>,
    ) -> Result<std::collections::BTreeSet<u64>, SocRadarError> {
        let limit = self.limit as usize;
        let mut ids = std::collections::BTreeSet::new();
        let mut p = 1;
        loop {
            let page = self.get(
                PageLabel {
                    page: p,
                    by_date: Some(cursor),
                },
                cursor,
                false,
            )?;
            let n = page.keys.len();
            let oldest = oldest_second(&page.keys);
            ids.extend(
                page.keys
                    .iter()
                    .filter(|k| k.second.is_none_or(|s| s >= m))
                    .filter_map(|k| k.id),
            );
            keys.extend(page.keys);
            if n < limit || oldest.is_some_and(|o| o < m) {
                return Ok(ids);
            }
            p += 1;
        }
    }
}

fn oldest_second(keys: &[Key]) -> Option<i64> {
    keys.iter().filter_map(|k| k.second).min()
}

fn newest_second(keys: &[Key]) -> Option<i64> {
    keys.iter().filter_map(|k| k.second).max()
}

/// Offset pages are consistent when every answer reported the same total, the alarms add up to
/// it, and no id came twice (an id twice means the pages moved under us).
fn consistent(keys: &[Key], totals: &[Option<u64>]) -> bool {
    let Some(Some(total)) = totals.first() else {
        return false;
    };
    if totals.iter().any(|t| *t != Some(*total)) || keys.len() as u64 != *total {
        return false;
    }
    let mut ids = std::collections::HashSet::new();
    keys.iter().all(|k| k.id.is_none_or(|id| ids.insert(id)))
}
