//! What a fetch keeps of the pages it reads.
//!
//! Each answer is taken on the thread that read it ([`PageHandler`]): its alarms are read one by
//! one ([`AlarmView`]), checked against the window and the ledger, and the new ones kept. When
//! the first answer's total shows that the whole window fits the per-fetch maximum (the usual
//! case), the new alarms are mapped and handed to the [`IncidentSink`] right away, page by page,
//! and the page is dropped: the parsed window is never held. Otherwise only each new alarm's own
//! text is kept, and the oldest up to the maximum are mapped at the end.

use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

use chrono::{DateTime, Utc};

use super::alarm::{AlarmView, MalformedAlarm};
use super::incident::{Incident, IncidentOptions};
use super::mapping::{MappedIncident, Mapper};
use super::page::SearchPage;
use super::rawjson;
use super::search::SearchFilters;
use super::window::{Key, PageHandler, PageLabel};
use crate::dedup::Ledger;
use crate::timeutil;

/// Where delivered incidents go: Rust structs, or the Python objects the binding hands to XSOAR.
/// `build` is called from the threads that read pages, one page's new alarms at a time.
pub trait IncidentSink: Sync {
    type Item: Send;
    /// The delivered form of `incidents`, in the same order.
    fn build(&self, incidents: &[MappedIncident<'_>]) -> Vec<Self::Item>;
}

/// Incidents as [`Incident`] structs.
pub struct RustIncidents<'o>(pub &'o IncidentOptions);

impl IncidentSink for RustIncidents<'_> {
    type Item = Incident;
    fn build(&self, incidents: &[MappedIncident<'_>]) -> Vec<Incident> {
        incidents
            .iter()
            .map(|m| Incident::from_mapped(m, self.0))
            .collect()
    }
}

/// The alarm ids alone, for callers that only count what was delivered.
pub struct AlarmIds;

impl IncidentSink for AlarmIds {
    type Item = u64;
    fn build(&self, incidents: &[MappedIncident<'_>]) -> Vec<u64> {
        incidents.iter().map(|m| m.id).collect()
    }
}

enum Payload<I> {
    /// Mapped; `None` when the instance's tag or assignee filters leave it out (it is delivered
    /// as handled, with no incident).
    Built(Option<I>),
    Text(Box<str>),
    /// Not among the oldest a run can deliver: only its date is kept (it is deferred).
    Dropped,
}

struct Candidate<I> {
    date: DateTime<Utc>,
    /// Index of the answer it was first read in.
    answer: usize,
    payload: Payload<I>,
}

#[derive(Debug, Clone, Copy)]
struct Tally {
    label: PageLabel,
    duplicates: usize,
    malformed: usize,
}

struct Inner<I> {
    candidates: HashMap<u64, Candidate<I>>,
    /// The candidates whose text is kept (`(date, id)`, newest on top): at most the run's
    /// maximum, the oldest read so far.
    kept: BinaryHeap<(DateTime<Utc>, u64)>,
    /// New ids taken by an answer (whether or not they could be mapped).
    claimed: HashSet<u64>,
    /// Ids in the window the ledger holds: delivered by an earlier run.
    delivered_before: HashSet<u64>,
    newest: Option<DateTime<Utc>>,
    malformed: Vec<MalformedAlarm>,
    notes: Vec<String>,
    noted_future: HashSet<u64>,
    answers: Vec<Tally>,
}

pub struct Collector<'s, K: IncidentSink> {
    mapper: &'s Mapper,
    sink: &'s K,
    /// Applied to each alarm read: the filters the search cannot send (assignees), or that a
    /// server may ignore (tags).
    filters: &'s SearchFilters,
    ledger: &'s Ledger,
    /// The window's first second: alarms dated before it are not the run's.
    start: i64,
    /// Alarms dated after this second (now + look-back) are reported and left alone.
    future_after: i64,
    /// Map as the pages arrive when the window's total is at most this.
    eager_limit: u64,
    /// The most alarms the run delivers: texts beyond the oldest this many are not kept.
    max_fetch: usize,
    eager: OnceLock<bool>,
    inner: Mutex<Inner<K::Item>>,
}

/// What a run chose from what it read.
pub struct Selection<I> {
    /// Oldest first: id, date, incident (`None`: left out by the tag or assignee filters).
    pub delivered: Vec<(u64, DateTime<Utc>, Option<I>)>,
    /// Dates of the new alarms left for later runs, oldest first.
    pub deferred: Vec<DateTime<Utc>>,
    pub in_window: usize,
    pub already_delivered: usize,
    pub newest_in_window: Option<DateTime<Utc>>,
    pub malformed: Vec<MalformedAlarm>,
    /// Delivered alarms the tag or assignee filters left out (no incident).
    pub filtered: usize,
    pub notes: Vec<String>,
    /// One line per answer: what it brought.
    pub page_lines: Vec<String>,
}

fn add_malformed(list: &mut Vec<MalformedAlarm>, m: MalformedAlarm) {
    if !list.contains(&m) {
        list.push(m);
    }
}

/// What [`build`] made of some alarms: the mapped incidents with their delivered form (`None`
/// where the filters leave the alarm out), the alarms refused, and notes on what was cut.
type Built<'a, I> = (
    Vec<MappedIncident<'a>>,
    Vec<Option<I>>,
    Vec<MalformedAlarm>,
    Vec<String>,
);

/// Whether the alarm passes the filters checked on each alarm (`SearchFilters::admits`); only
/// its tags and assignees are read, and only when such a filter is set.
pub fn admitted(filters: &SearchFilters, v: &AlarmView<'_>) -> bool {
    if filters.tags.is_empty() && filters.assignees.is_empty() {
        return true;
    }
    let value = |raw: Option<&serde_json::value::RawValue>| {
        raw.and_then(|r| serde_json::from_str::<serde_json::Value>(r.get()).ok())
            .unwrap_or_default()
    };
    filters.admits(&serde_json::json!({
        "tags": value(v.fields.tags),
        "alarm_assignees": value(v.fields.alarm_assignees),
    }))
}

/// Maps `views` and hands the ones the filters admit to the sink; an alarm that cannot be
/// mapped is refused alone.
fn build<'a, K: IncidentSink>(
    mapper: &Mapper,
    sink: &K,
    filters: &SearchFilters,
    views: &[AlarmView<'a>],
) -> Built<'a, K::Item> {
    let mut mapped = Vec::with_capacity(views.len());
    let mut keep = Vec::with_capacity(views.len());
    let mut bad = Vec::new();
    let mut notes = Vec::new();
    for v in views {
        match mapper.map(v) {
            Ok(m) => {
                notes.extend(cut_note(&m));
                keep.push(admitted(filters, v));
                mapped.push(m);
            }
            Err(e) => bad.push(e),
        }
    }
    let items = if keep.iter().all(|k| *k) {
        sink.build(&mapped).into_iter().map(Some).collect()
    } else {
        let (admitted, left_out): (Vec<_>, Vec<_>) =
            mapped.into_iter().zip(keep.iter()).partition(|(_, k)| **k);
        let admitted: Vec<MappedIncident<'a>> = admitted.into_iter().map(|(m, _)| m).collect();
        let mut built = sink.build(&admitted).into_iter();
        let mut admitted = admitted.into_iter();
        let mut left_out = left_out.into_iter().map(|(m, _)| m);
        mapped = Vec::with_capacity(keep.len());
        let mut items = Vec::with_capacity(keep.len());
        for k in &keep {
            if *k {
                mapped.extend(admitted.next());
                items.push(built.next());
            } else {
                mapped.extend(left_out.next());
                items.push(None);
            }
        }
        items
    };
    (mapped, items, bad, notes)
}

fn cut_note(m: &MappedIncident<'_>) -> Option<String> {
    (!m.cut.is_empty()).then(|| {
        format!(
            "alarm {}: {} cut to size (the whole alarm is in SOCRadar)",
            m.id,
            m.cut.join(", ")
        )
    })
}

impl<'s, K: IncidentSink> Collector<'s, K> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        mapper: &'s Mapper,
        sink: &'s K,
        filters: &'s SearchFilters,
        ledger: &'s Ledger,
        start: i64,
        future_after: i64,
        eager_limit: u64,
        max_fetch: usize,
    ) -> Self {
        Collector {
            mapper,
            sink,
            filters,
            ledger,
            start,
            future_after,
            eager_limit,
            max_fetch: max_fetch.max(1),
            eager: OnceLock::new(),
            inner: Mutex::new(Inner {
                candidates: HashMap::new(),
                kept: BinaryHeap::new(),
                claimed: HashSet::new(),
                delivered_before: HashSet::new(),
                newest: None,
                malformed: Vec::new(),
                notes: Vec::new(),
                noted_future: HashSet::new(),
                answers: Vec::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K::Item>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The oldest new alarms up to `max_fetch`, delivered; the rest deferred.
    pub fn finish(self, max_fetch: usize) -> Selection<K::Item> {
        let Collector {
            mapper,
            sink,
            filters,
            inner,
            ..
        } = self;
        let mut inner = inner.into_inner().unwrap_or_else(|p| p.into_inner());
        let mut order: Vec<(DateTime<Utc>, u64)> = inner
            .candidates
            .iter()
            .map(|(id, c)| (c.date, *id))
            .collect();
        order.sort_unstable();
        let mut delivered = Vec::with_capacity(order.len().min(max_fetch));
        let mut created = vec![0usize; inner.answers.len()];
        let mut filtered = vec![0usize; inner.answers.len()];
        let mut next = 0;
        let mut blocked = false;
        // Alarms kept as text are mapped now, in order, a chunk at a time, until the maximum is
        // reached; one that cannot be mapped is refused and the next one taken.
        while !blocked && delivered.len() < max_fetch && next < order.len() {
            let chunk =
                &order[next..(next + (max_fetch - delivered.len()).min(512)).min(order.len())];
            next += chunk.len();
            let mut texts = Vec::new();
            for (date, id) in chunk {
                let Some(c) = inner.candidates.remove(id) else {
                    continue;
                };
                created[c.answer] += 1;
                match c.payload {
                    Payload::Built(item) => {
                        if item.is_none() {
                            filtered[c.answer] += 1;
                        }
                        delivered.push((*id, *date, item))
                    }
                    Payload::Text(text) => texts.push((c.answer, text)),
                    Payload::Dropped => {
                        // Only reached when older alarms could not be mapped: this one and the
                        // rest wait for the next run, in order.
                        created[c.answer] -= 1;
                        inner.candidates.insert(
                            *id,
                            Candidate {
                                date: *date,
                                answer: c.answer,
                                payload: Payload::Dropped,
                            },
                        );
                        next -= chunk.len() - chunk.iter().position(|(_, i)| i == id).unwrap_or(0);
                        blocked = true;
                        break;
                    }
                }
            }
            if texts.is_empty() {
                continue;
            }
            let views: Vec<AlarmView<'_>> = texts
                .iter()
                .filter_map(|(_, t)| AlarmView::parse(t).ok())
                .collect();
            let (mapped, items, bad, notes) = build(mapper, sink, filters, &views);
            for e in bad {
                if let Some(i) = texts
                    .iter()
                    .position(|(_, t)| AlarmView::id_of(t) == e.alarm_id)
                {
                    created[texts[i].0] -= 1;
                }
                add_malformed(&mut inner.malformed, e);
            }
            inner.notes.extend(notes);
            for (m, item) in mapped.iter().zip(items) {
                if item.is_none() {
                    if let Some(i) = texts
                        .iter()
                        .position(|(_, t)| AlarmView::id_of(t) == Some(m.id))
                    {
                        filtered[texts[i].0] += 1;
                    }
                }
                delivered.push((m.id, m.date, item));
            }
        }
        let mut deferred_per_answer = vec![0usize; inner.answers.len()];
        let deferred: Vec<DateTime<Utc>> = order[next..]
            .iter()
            .map(|(date, id)| {
                if let Some(c) = inner.candidates.get(id) {
                    deferred_per_answer[c.answer] += 1;
                }
                *date
            })
            .collect();
        let page_lines = inner
            .answers
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let left_out = filtered[i];
                let mut line = format!(
                    "{}: Created {} NEW incidents, skipped {} duplicates",
                    t.label,
                    created[i].saturating_sub(left_out),
                    t.duplicates
                );
                if left_out > 0 {
                    line += &format!(", left out {left_out} by the tag or assignee filters");
                }
                if deferred_per_answer[i] > 0 {
                    line += &format!(", deferred {} to the next runs", deferred_per_answer[i]);
                }
                if t.malformed > 0 {
                    line += &format!(", skipped {} malformed", t.malformed);
                }
                line
            })
            .collect();
        Selection {
            delivered,
            deferred,
            in_window: inner.claimed.len() + inner.delivered_before.len(),
            already_delivered: inner.delivered_before.len(),
            newest_in_window: inner.newest,
            malformed: inner.malformed,
            filtered: filtered.iter().sum(),
            notes: inner.notes,
            page_lines,
        }
    }
}

/// The second an unusable alarm is dated, where that can be read (the reader steps by dates).
fn second_of(text: &str) -> Option<i64> {
    let [date] = rawjson::members(text, ["date"]).ok()?;
    let d = rawjson::string(date).ok()??;
    timeutil::parse_vendor_date(&d).map(|t| t.timestamp())
}

impl<K: IncidentSink> PageHandler for Collector<'_, K> {
    fn take(&self, label: PageLabel, page: &SearchPage) -> Vec<Key> {
        let eager = *self
            .eager
            .get_or_init(|| page.total_records.is_some_and(|t| t <= self.eager_limit));
        let mut keys = Vec::with_capacity(page.len());
        let mut views = Vec::with_capacity(page.len());
        let mut malformed = Vec::new();
        let mut notes = Vec::new();
        for (i, text) in page.alarm_texts().enumerate() {
            match AlarmView::parse(text) {
                Ok(v) => {
                    keys.push(Key {
                        id: Some(v.id),
                        second: Some(v.date.timestamp()),
                    });
                    if page.repaired.contains(&i) {
                        notes.push(format!("alarm {}: an unpaired surrogate escape (such as \\ud800) in its text was replaced by U+FFFD", v.id));
                    }
                    views.push(v);
                }
                Err(m) => {
                    keys.push(Key {
                        id: m.alarm_id.or_else(|| AlarmView::id_of(text)),
                        second: second_of(text),
                    });
                    malformed.push(m);
                }
            }
        }
        let (answer, fresh) = {
            let mut g = self.lock();
            let answer = g.answers.len();
            let mut duplicates = 0;
            let mut fresh = Vec::with_capacity(views.len());
            for v in views {
                let second = v.date.timestamp();
                if second < self.start {
                    continue;
                }
                if second > self.future_after {
                    if g.noted_future.insert(v.id) {
                        let note = format!(
                            "alarm {} is dated {}, later than now + the look-back overlap: it is reported, not delivered, until a window reaches its date",
                            v.id,
                            timeutil::to_rfc3339(v.date)
                        );
                        g.notes.push(note);
                    }
                    continue;
                }
                g.newest = g.newest.max(Some(v.date));
                if self.ledger.contains(v.id) {
                    g.delivered_before.insert(v.id);
                    duplicates += 1;
                } else if !g.claimed.insert(v.id) {
                    duplicates += 1;
                } else {
                    fresh.push(v);
                }
            }
            g.answers.push(Tally {
                label,
                duplicates,
                malformed: malformed.len(),
            });
            for m in malformed {
                add_malformed(&mut g.malformed, m);
            }
            g.notes.append(&mut notes);
            (answer, fresh)
        };
        if eager {
            let (mapped, items, bad, notes) = build(self.mapper, self.sink, self.filters, &fresh);
            let mut g = self.lock();
            for (m, item) in mapped.iter().zip(items) {
                g.candidates.insert(
                    m.id,
                    Candidate {
                        date: m.date,
                        answer,
                        payload: Payload::Built(item),
                    },
                );
            }
            for e in bad {
                add_malformed(&mut g.malformed, e);
            }
            g.notes.extend(notes);
        } else {
            // The window is larger than a run delivers: the text of only the oldest alarms the
            // run can deliver is kept, the others' dates alone (they are deferred).
            let mut g = self.lock();
            for v in fresh {
                let key = (v.date, v.id);
                let oldest = g.kept.len() < self.max_fetch
                    || g.kept.peek().is_some_and(|newest| key < *newest);
                let payload = if oldest {
                    if g.kept.len() >= self.max_fetch {
                        if let Some((_, evicted)) = g.kept.pop() {
                            if let Some(c) = g.candidates.get_mut(&evicted) {
                                c.payload = Payload::Dropped;
                            }
                        }
                    }
                    g.kept.push(key);
                    Payload::Text(v.text.into())
                } else {
                    Payload::Dropped
                };
                g.candidates.insert(
                    v.id,
                    Candidate {
                        date: v.date,
                        answer,
                        payload,
                    },
                );
            }
        }
        keys
    }
}
