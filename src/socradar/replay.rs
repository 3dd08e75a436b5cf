//! Search answers already received, served again by page number: the fetch logic run offline
//! over a capture (a support bundle, a benchmark) with no request sent.

use std::sync::Mutex;

use serde_json::Value;

use super::client::AlarmSource;
use super::error::SocRadarError;
use super::search::{parse_search_response, SearchPage, SearchQuery};

/// Raw search answers, page 1 first, as the server sent them.
pub struct Replay {
    pages: Vec<Vec<u8>>,
    /// The window end of the first request: a capture answers one window read page by page.
    end: Mutex<Option<Option<i64>>>,
}

impl Replay {
    pub fn new(pages: Vec<Vec<u8>>) -> Replay {
        Replay {
            pages,
            end: Mutex::new(None),
        }
    }
}

fn capture_error(message: String) -> SocRadarError {
    SocRadarError::Api {
        status: None,
        message,
    }
}

impl AlarmSource for Replay {
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
        let raw = (query.page as usize)
            .checked_sub(1)
            .and_then(|i| self.pages.get(i))
            .ok_or_else(|| {
                capture_error(format!(
                    "the capture has {} pages; page {} was asked for.",
                    self.pages.len(),
                    query.page
                ))
            })?;
        let body: Value = serde_json::from_slice(raw).map_err(|e| {
            capture_error(format!(
                "page {} of the capture is not valid JSON ({e}).",
                query.page
            ))
        })?;
        if body.get("is_success") == Some(&Value::Bool(false)) {
            return Err(capture_error(format!(
                "page {} of the capture is an error answer.",
                query.page
            )));
        }
        parse_search_response(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::FetchState;
    use crate::socradar::fetch::{fetch, FetchConfig};
    use crate::socradar::search::SearchFilters;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    fn page(ids: std::ops::Range<u64>, total: u64, pages: u64) -> Vec<u8> {
        let alarms: Vec<Value> = ids
            .map(|i| json!({"alarm_id": i, "date": format!("2026-11-23T08:{:02}:00Z", i % 60)}))
            .collect();
        serde_json::to_vec(&json!({"is_success": true, "data": {
            "alarms": alarms, "total_records": total, "total_pages": pages}}))
        .unwrap()
    }

    fn config() -> FetchConfig {
        FetchConfig {
            first_fetch: "1 day".into(),
            max_fetch: 10_000,
            lookback_seconds: 900,
            page_size: 100,
            page_concurrency: 4,
            filters: SearchFilters::default(),
        }
    }

    #[test]
    fn a_capture_is_fetched_like_the_server_and_deduplicated_against_the_state() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        let pages = vec![
            page(1..101, 250, 3),
            page(101..201, 250, 3),
            page(201..251, 250, 3),
        ];
        let first = fetch(
            &Replay::new(pages.clone()),
            &config(),
            &FetchState::default(),
            now,
        );
        assert!(first.error.is_none());
        assert_eq!(first.alarms.len(), 250);
        let again = fetch(&Replay::new(pages), &config(), &first.state, now);
        assert!(again.error.is_none());
        assert_eq!(again.alarms.len(), 0);
    }

    #[test]
    fn a_broken_capture_is_an_error_not_a_silent_gap() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        let short = vec![page(1..101, 250, 3)];
        let out = fetch(&Replay::new(short), &config(), &FetchState::default(), now);
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
        let out = fetch(
            &Replay::new(garbled),
            &config(),
            &FetchState::default(),
            now,
        );
        assert!(out.error.unwrap().message().contains("not valid JSON"));
    }
}
