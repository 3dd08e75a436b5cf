//! The settings of a fetch run, as the instance parameters give them, and their checks.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::search::{SearchFilters, MAX_PAGE_SIZE};
use crate::input::InputError;
use crate::timeutil;

/// Default of the alarms one run may read before it stops (Maximum alarms read per fetch).
pub const DEFAULT_MAX_ALARMS_READ: usize = 200_000;
/// Default of the time one run may spend reading (Fetch time budget).
pub const DEFAULT_TIME_BUDGET: Duration = Duration::from_secs(180);

#[derive(Debug, Clone, PartialEq)]
pub struct FetchConfig {
    /// When the first window starts, e.g. `3 days` or an RFC 3339 date-time.
    pub first_fetch: String,
    pub max_fetch: usize,
    pub lookback_seconds: i64,
    pub page_size: u32,
    pub page_concurrency: usize,
    pub filters: SearchFilters,
    /// A run stops reading after this many alarms (what it read is still delivered).
    pub max_alarms_read: usize,
    /// A run stops reading after this long (what it read is still delivered).
    pub time_budget: Duration,
}

impl FetchConfig {
    /// The defaults of every setting but the ones given.
    pub fn new(first_fetch: &str, max_fetch: usize, lookback_seconds: i64) -> FetchConfig {
        FetchConfig {
            first_fetch: first_fetch.to_string(),
            max_fetch,
            lookback_seconds,
            page_size: MAX_PAGE_SIZE,
            page_concurrency: 4,
            filters: SearchFilters::default(),
            max_alarms_read: DEFAULT_MAX_ALARMS_READ,
            time_budget: DEFAULT_TIME_BUDGET,
        }
    }

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
