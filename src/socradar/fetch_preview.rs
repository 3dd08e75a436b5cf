//! `socradar-test-fetch`: the first page of the window a first fetch would read, with no state
//! read or written.

use chrono::{DateTime, Utc};

use super::client::AlarmSource;
use super::error::SocRadarError;
use super::fetch_config::first_window_start;
use super::page::SearchPage;
use super::search::{SearchFilters, SearchQuery, MAX_PAGE_SIZE};

/// What `socradar-test-fetch` shows: the window, its first page at the fetch's own page size,
/// and, when it is empty and filters are set, how many alarms the window holds without them.
#[derive(Debug)]
pub struct Preview {
    pub start: i64,
    pub end: i64,
    pub page: SearchPage,
    pub unfiltered_total: Option<u64>,
}

/// The first page of a window, for `socradar-test-fetch`: no state is read or written.
pub fn preview<S: AlarmSource>(
    source: &S,
    filters: &SearchFilters,
    first_fetch: &str,
    now: DateTime<Utc>,
) -> Result<Preview, SocRadarError> {
    let start = first_window_start(first_fetch, now)?;
    let end = now.timestamp() + 1;
    let query = |filters| SearchQuery {
        filters,
        page: 1,
        limit: MAX_PAGE_SIZE,
        start: Some(start),
        end: Some(end),
        include_total_records: true,
    };
    let page = source.search_page(&query(filters))?;
    let empty = page.is_empty() && page.total_records.unwrap_or(0) == 0;
    let unfiltered_total = if empty && *filters != SearchFilters::default() {
        let none = SearchFilters {
            include_company_id: filters.include_company_id,
            ..SearchFilters::default()
        };
        let all = source.search_page(&query(&none))?;
        Some(all.total_records.unwrap_or(all.len() as u64))
    } else {
        None
    };
    Ok(Preview {
        start,
        end,
        page,
        unfiltered_total,
    })
}
