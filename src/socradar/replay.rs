//! Search answers already received, served again by page number: the fetch logic run offline
//! over a capture (a support bundle, a benchmark) with no request sent.

use std::sync::{Mutex, OnceLock};

use super::client::AlarmSource;
use super::error::SocRadarError;
use super::page::SearchPage;
use super::search::SearchQuery;

/// Raw search answers, page 1 first, as the server sent them (held by the caller's buffers: a
/// page is copied only while it is read).
pub struct Replay<P> {
    pages: Vec<P>,
    /// The window end of the first request: a capture answers one window read page by page.
    end: Mutex<Option<Option<i64>>>,
    /// The number of pages the capture's first answer reports.
    total_pages: OnceLock<Option<u64>>,
}

impl<P: AsRef<[u8]> + Sync> Replay<P> {
    pub fn new(pages: Vec<P>) -> Replay<P> {
        Replay {
            pages,
            end: Mutex::new(None),
            total_pages: OnceLock::new(),
        }
    }
}

fn capture_error(message: String) -> SocRadarError {
    SocRadarError::Api {
        status: None,
        message,
    }
}

impl<P: AsRef<[u8]> + Sync> AlarmSource for Replay<P> {
    fn search_page(&self, query: &SearchQuery<'_>) -> Result<SearchPage, SocRadarError> {
        {
            let mut end = self.end.lock().unwrap_or_else(|p| p.into_inner());
            match *end {
                None => *end = Some(query.end),
                Some(e) if e != query.end => {
                    return Err(capture_error(
                        "the capture cannot answer a read by date: its pages do not add up to \
                         one consistent window."
                            .into(),
                    ))
                }
                Some(_) => {}
            }
        }
        let Some(raw) = (query.page as usize)
            .checked_sub(1)
            .and_then(|i| self.pages.get(i))
        else {
            // A page past the window's last is empty, as the server answers it; one the
            // capture should hold but does not is an error.
            let total_pages = *self.total_pages.get_or_init(|| {
                self.pages.first().and_then(|p| {
                    SearchPage::parse(String::from_utf8_lossy(p.as_ref()).into_owned())
                        .ok()?
                        .total_pages
                })
            });
            if total_pages.is_some_and(|t| u64::from(query.page) > t) {
                let total_records = self.pages.first().and_then(|p| {
                    SearchPage::parse(String::from_utf8_lossy(p.as_ref()).into_owned())
                        .ok()?
                        .total_records
                });
                return Ok(SearchPage::of_alarms::<&str>(
                    &[],
                    total_records,
                    total_pages,
                ));
            }
            return Err(capture_error(format!(
                "the capture has {} pages; page {} was asked for.",
                self.pages.len(),
                query.page
            )));
        };
        // Checked as UTF-8 the fast way; repaired only when it is not.
        let text = match std::str::from_utf8(raw.as_ref()) {
            Ok(t) => t.to_owned(),
            Err(_) => String::from_utf8_lossy(raw.as_ref()).into_owned(),
        };
        SearchPage::parse(text).map_err(|e| {
            let why = match e {
                SocRadarError::Api { message, .. } => message,
                other => other.message(),
            };
            capture_error(format!("page {} of the capture: {why}", query.page))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::FetchState;
    use crate::socradar::collect::AlarmIds;
    use crate::socradar::fetch::{fetch, FetchConfig};
    use crate::socradar::incident::IncidentOptions;
    use crate::socradar::mapping::Mapper;
    use chrono::{TimeZone, Utc};
    use serde_json::{json, Value};

    fn page(ids: std::ops::Range<u64>, total: u64, pages: u64) -> Vec<u8> {
        let alarms: Vec<Value> = ids
            .map(|i| json!({"alarm_id": i, "date": format!("2026-11-23T08:{:02}:00Z", i % 60)}))
            .collect();
        serde_json::to_vec(&json!({"is_success": true, "data": {
            "alarms": alarms, "total_records": total, "total_pages": pages}}))
        .unwrap()
    }

    fn config() -> FetchConfig {
        FetchConfig::new("1 day", 10_000, 900)
    }

    fn run(pages: Vec<Vec<u8>>, state: &FetchState) -> crate::socradar::fetch::FetchOutcome<u64> {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        let mapper = Mapper::new(789, IncidentOptions::default());
        fetch(
            &Replay::new(pages),
            &config(),
            state,
            now,
            &mapper,
            &AlarmIds,
        )
    }

    #[test]
    fn a_capture_is_fetched_like_the_server_and_deduplicated_against_the_state() {
        let pages = vec![
            page(1..101, 250, 3),
            page(101..201, 250, 3),
            page(201..251, 250, 3),
        ];
        let first = run(pages.clone(), &FetchState::default());
        assert!(first.error.is_none());
        assert_eq!(first.incidents.len(), 250);
        let again = run(pages, &first.state);
        assert!(again.error.is_none());
        assert_eq!(again.incidents.len(), 0);
    }

    #[test]
    fn a_broken_capture_is_an_error_not_a_silent_gap() {
        let short = vec![page(1..101, 250, 3)];
        let out = run(short, &FetchState::default());
        assert!(out
            .error
            .unwrap()
            .message()
            .contains("page 2 was asked for"));
        let garbled = vec![
            page(1..101, 250, 3),
            b"{\"data\":".to_vec(),
            page(201..251, 250, 3),
        ];
        let out = run(garbled, &FetchState::default());
        assert!(out.error.unwrap().message().contains("not valid JSON"));
    }
}
