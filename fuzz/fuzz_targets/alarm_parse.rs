//! A SOCRadar search answer (any bytes) through the search-response reader, the alarm parser,
//! the alarm-to-incident mapping and one fetch run over an in-memory source. Nothing may panic;
//! a delivered alarm must carry the id and date the parser read.
#![no_main]

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Utc};
use dora_bridge::dedup::FetchState;
use dora_bridge::socradar::alarm::Alarm;
use dora_bridge::socradar::fetch::{fetch, FetchConfig};
use dora_bridge::socradar::incident::{to_incident, IncidentOptions};
use dora_bridge::socradar::search::{
    parse_search_response, SearchFilters, SearchPage, SearchQuery,
};
use dora_bridge::socradar::{AlarmSource, SocRadarError};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Answers the first request with the fuzzed page and every later one with an empty page, so a
/// run that pages or re-reads by date ends quickly.
struct OnePage {
    page: SearchPage,
    calls: AtomicU32,
}

impl AlarmSource for OnePage {
    fn search_page(&self, _query: &SearchQuery<'_>) -> Result<SearchPage, SocRadarError> {
        if self.calls.fetch_add(1, Ordering::Relaxed) == 0 {
            Ok(self.page.clone())
        } else {
            Ok(SearchPage {
                total_records: self.page.total_records,
                total_pages: self.page.total_pages,
                ..SearchPage::default()
            })
        }
    }
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
        .expect("a fixed instant")
        .with_timezone(&Utc)
}

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    // The whole document as one alarm, too: the parser must refuse anything, never panic.
    let _ = Alarm::parse(body.clone());
    let Ok(page) = parse_search_response(body) else {
        return;
    };
    let options = [
        IncidentOptions::default(),
        IncidentOptions {
            incident_type: Some("DORA ICT Incident".into()),
            include_content: true,
            include_entities: true,
            include_company_id: true,
            mirror: None,
        },
    ];
    for raw in page.alarms.iter().take(64) {
        if let Ok(alarm) = Alarm::parse(raw.clone()) {
            for opts in &options {
                let incident = to_incident(&alarm, 789, opts);
                serde_json::to_string(&incident).expect("an incident serialises");
            }
        }
    }
    let cfg = FetchConfig {
        first_fetch: "3 days".into(),
        max_fetch: 5,
        lookback_seconds: 900,
        page_size: 100,
        page_concurrency: 1,
        filters: SearchFilters::default(),
    };
    let source = OnePage {
        page,
        calls: AtomicU32::new(0),
    };
    let out = fetch(&source, &cfg, &FetchState::default(), now());
    assert!(out.alarms.len() <= cfg.max_fetch);
    let state = out.state.to_json();
    FetchState::from_json(&state).expect("a state this version wrote reads back");
});
