//! What a fetch remembers between runs: a high-water mark, where alarms not yet seen can still
//! appear, the alarms left for later runs, and a ledger of delivered alarm ids, bounded by time,
//! not by count.
//!
//! - The high-water mark is the date up to which every alarm seen has been delivered.
//! - `recheck_from` is the second from which alarms may still appear that no read has seen:
//!   the server's clock at the last complete read of the window, minus the look-back overlap
//!   (an alarm becomes visible at most one overlap after its date). A state written before it
//!   existed counts from `high_water_mark - look-back overlap`.
//! - `backlog` holds, when the per-fetch maximum left alarms for later, the date up to which
//!   each of the next runs reads: those runs go on from the mark instead of reading the whole
//!   window again. The run after them reads the window from `recheck_from` to now.
//!
//! The ledger keeps an id exactly as long as its alarm can still come back in a search window:
//! no window starts before `min(recheck_from, high_water_mark)`, and ids of alarms dated before
//! that are forgotten. Its size is therefore the number of alarms dated inside one look-back
//! overlap (plus any delivered above the mark by a run that failed part-way), whatever the
//! volume: 10 000 alarms in one window are all remembered, none is counted out.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use crate::input::InputError;
use crate::timeutil;

/// Format version of the stored state.
pub const STATE_VERSION: u64 = 1;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ledger {
    /// alarm id → alarm date (epoch seconds, floored).
    by_id: HashMap<u64, i64>,
}

impl Ledger {
    pub fn contains(&self, id: u64) -> bool {
        self.by_id.contains_key(&id)
    }

    pub fn insert(&mut self, id: u64, epoch: i64) {
        self.by_id.insert(id, epoch);
    }

    /// Forgets ids of alarms dated before `epoch`: no later window can return them.
    pub fn forget_before(&mut self, epoch: i64) {
        self.by_id.retain(|_, d| *d >= epoch);
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Ids of alarms dated in `[start, end)`.
    pub fn count_between(&self, start: i64, end: i64) -> usize {
        self.by_id
            .values()
            .filter(|d| (start..end).contains(*d))
            .count()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Ids grouped by second: `{"1705314600": [81171696, 81171697]}` keeps the state compact.
    fn to_json(&self) -> Value {
        let mut grouped: BTreeMap<i64, Vec<u64>> = BTreeMap::new();
        for (id, epoch) in &self.by_id {
            grouped.entry(*epoch).or_default().push(*id);
        }
        let mut out = Map::new();
        for (epoch, mut ids) in grouped {
            ids.sort_unstable();
            out.insert(epoch.to_string(), json!(ids));
        }
        Value::Object(out)
    }

    fn from_json(v: &Value) -> Option<Ledger> {
        let mut by_id = HashMap::new();
        for (epoch, ids) in v.as_object()? {
            let epoch: i64 = epoch.parse().ok()?;
            for id in ids.as_array()? {
                by_id.insert(id.as_u64()?, epoch);
            }
        }
        Some(Ledger { by_id })
    }
}

/// Rungs of the backlog kept: the runs after them read the window whole and set it again.
pub const BACKLOG_LIMIT: usize = 64;

/// The fetch's last-run state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FetchState {
    /// Latest alarm date (epoch seconds) up to which every visible alarm has been delivered.
    pub high_water_mark: Option<i64>,
    /// Start of the very first window, kept so an empty history does not drift forward.
    pub first_window_start: Option<i64>,
    /// Alarms no read has seen yet are dated at or after this second.
    pub recheck_from: Option<i64>,
    /// Alarms the per-fetch maximum left for later: the date (epoch seconds) up to which each of
    /// the next runs reads, oldest first, all after the mark.
    pub backlog: Vec<i64>,
    pub seen: Ledger,
}

/// What the next run reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextRead {
    pub start: i64,
    /// `Some(second)`: the run goes on from the mark up to the alarms it left for later, dated
    /// up to `second`. `None`: the whole window up to now.
    pub until: Option<i64>,
}

impl FetchState {
    /// The earliest second any later run reads from (epoch seconds), or `None` before the first
    /// fetch. Ids of alarms dated before it are forgotten.
    pub fn window_start(&self, lookback_seconds: i64) -> Option<i64> {
        let recheck = self
            .recheck_from
            .or(self.high_water_mark.map(|h| h - lookback_seconds));
        let start = match (recheck, self.high_water_mark) {
            (Some(r), Some(h)) => Some(r.min(h)),
            (r, h) => r.or(h),
        };
        match (start, self.first_window_start) {
            (Some(s), Some(f)) => Some(s.max(f)),
            (s, f) => s.or(f),
        }
    }

    /// The next run's read: from the mark up to the next rung of the backlog while alarms are
    /// left for later, else the whole window from [`FetchState::window_start`].
    pub fn next_read(&self, lookback_seconds: i64) -> Option<NextRead> {
        if let (Some(mark), Some(&until)) = (self.high_water_mark, self.backlog.first()) {
            return Some(NextRead {
                start: mark,
                until: Some(until),
            });
        }
        self.window_start(lookback_seconds)
            .map(|start| NextRead { start, until: None })
    }

    pub fn to_json(&self) -> Value {
        let when = |e: Option<i64>| e.and_then(timeutil::from_epoch).map(timeutil::to_rfc3339);
        json!({
            "version": STATE_VERSION,
            "high_water_mark": when(self.high_water_mark),
            "first_window_start": when(self.first_window_start),
            "recheck_from": when(self.recheck_from),
            "backlog": self.backlog.iter().map(|t| when(Some(*t))).collect::<Vec<_>>(),
            "seen": self.seen.to_json(),
        })
    }

    /// Reads a stored state. `{}` (a new instance, or a reset) is a first fetch; anything else
    /// must be a state this version wrote, so a foreign or damaged state is never mistaken for
    /// an empty one (that would fetch the whole first window again).
    pub fn from_json(v: &Value) -> Result<FetchState, InputError> {
        let bad = |why: &str| {
            InputError::new(
                "last_run",
                format!("The stored fetch state cannot be read ({why}); reset the instance's last run in XSOAR to start again from the first fetch time."),
            )
        };
        let Some(obj) = v.as_object() else {
            return Err(bad("it is not a JSON object"));
        };
        if obj.is_empty() {
            return Ok(FetchState::default());
        }
        match obj.get("version").and_then(Value::as_u64) {
            Some(STATE_VERSION) => {}
            Some(other) => {
                return Err(bad(&format!(
                    "it has version {other}, this release reads version {STATE_VERSION}"
                )))
            }
            None => return Err(bad("it was not written by DORA Bridge")),
        }
        let when = |key: &str| -> Result<Option<i64>, InputError> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => timeutil::parse_vendor_date(s)
                    .map(|t| Some(t.timestamp()))
                    .ok_or_else(|| bad(&format!("{key} is not a date"))),
                Some(_) => Err(bad(&format!("{key} is not a date"))),
            }
        };
        let seen = match obj.get("seen") {
            None | Some(Value::Null) => Ledger::default(),
            Some(s) => Ledger::from_json(s)
                .ok_or_else(|| bad("seen is not a map of second to alarm ids"))?,
        };
        let backlog = match obj.get("backlog") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .and_then(timeutil::parse_vendor_date)
                        .map(|t| t.timestamp())
                        .ok_or_else(|| bad("backlog holds something that is not a date"))
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => return Err(bad("backlog is not a list of dates")),
        };
        Ok(FetchState {
            high_water_mark: when("high_water_mark")?,
            first_window_start: when("first_window_start")?,
            recheck_from: when("recheck_from")?,
            backlog,
            seen,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_through_json() {
        let mut s = FetchState {
            high_water_mark: Some(1_705_314_600),
            first_window_start: Some(1_705_000_000),
            ..Default::default()
        };
        s.seen.insert(81171696, 1_705_314_600);
        s.seen.insert(81171697, 1_705_314_600);
        s.seen.insert(5, 1_705_314_000);
        s.recheck_from = Some(1_705_314_000);
        s.backlog = vec![1_705_315_000, 1_705_316_000];
        let j = s.to_json();
        assert_eq!(j["high_water_mark"], "2024-01-15T10:30:00Z");
        assert_eq!(j["backlog"][1], "2024-01-15T10:53:20Z");
        assert_eq!(j["seen"]["1705314600"], json!([81171696, 81171697]));
        assert_eq!(FetchState::from_json(&j).unwrap(), s);
    }

    #[test]
    fn empty_state_is_a_first_fetch_and_foreign_state_is_refused() {
        assert_eq!(
            FetchState::from_json(&json!({})).unwrap(),
            FetchState::default()
        );
        let e = FetchState::from_json(&json!({"last_fetch": 1705314600, "fetched_ids": [1]}))
            .unwrap_err();
        assert!(e.message.contains("not written by DORA Bridge"));
        assert!(FetchState::from_json(&json!({"version": 1, "seen": {"x": [1]}})).is_err());
        assert!(FetchState::from_json(&json!({"version": 1, "high_water_mark": "soon"})).is_err());
        assert!(FetchState::from_json(&json!({"version": 9})).is_err());
        assert!(FetchState::from_json(&json!({"version": 1, "backlog": ["soon"]})).is_err());
        // A state written before recheck_from and backlog existed reads as it did.
        let old = FetchState::from_json(
            &json!({"version": 1, "high_water_mark": "2024-01-15T10:30:00Z", "seen": {}}),
        )
        .unwrap();
        assert_eq!(old.window_start(900), Some(1_705_314_600 - 900));
    }

    #[test]
    fn the_ledger_forgets_by_time_not_by_count() {
        let mut l = Ledger::default();
        for id in 0..10_000u64 {
            l.insert(id, 1_000 + (id as i64 % 10));
        }
        assert_eq!(l.len(), 10_000);
        l.forget_before(1_005);
        assert_eq!(l.len(), 5_000);
        assert!(l.contains(9_999) && !l.contains(0));
    }

    #[test]
    fn window_start_never_precedes_the_first_window() {
        let s = FetchState {
            high_water_mark: Some(1_000),
            first_window_start: Some(900),
            ..Default::default()
        };
        assert_eq!(s.window_start(900), Some(900));
        assert_eq!(s.window_start(60), Some(940));
        assert_eq!(FetchState::default().window_start(60), None);
    }

    #[test]
    fn a_backlog_reads_on_from_the_mark_and_the_window_rechecks_the_overlap() {
        let mut s = FetchState {
            high_water_mark: Some(1_000),
            first_window_start: Some(0),
            recheck_from: Some(1_500),
            backlog: vec![1_200, 1_400],
            ..Default::default()
        };
        assert_eq!(
            s.next_read(900),
            Some(NextRead {
                start: 1_000,
                until: Some(1_200)
            })
        );
        // Nothing the reads have not seen is dated before the mark: the window starts there.
        assert_eq!(s.window_start(900), Some(1_000));
        s.backlog.clear();
        s.high_water_mark = Some(2_000);
        assert_eq!(
            s.next_read(900),
            Some(NextRead {
                start: 1_500,
                until: None
            })
        );
    }
}
