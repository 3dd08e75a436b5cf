//! A SOCRadar search answer (any bytes) through the page reader, the alarm reader, the mapping
//! and one fetch run over an in-memory source. Nothing may panic; a delivered alarm must carry
//! the id and date the reader read, and every incident must serialise.
#![no_main]

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Utc};
use dora_bridge::dedup::FetchState;
use dora_bridge::socradar::alarm::AlarmView;
use dora_bridge::socradar::collect::RustIncidents;
use dora_bridge::socradar::fetch::{fetch, FetchConfig};
use dora_bridge::socradar::incident::{Incident, IncidentOptions};
use dora_bridge::socradar::mapping::Mapper;
use dora_bridge::socradar::search::{SearchPage, SearchQuery};
use dora_bridge::socradar::{AlarmSource, SocRadarError};
use libfuzzer_sys::fuzz_target;

/// Answers the first request with the fuzzed page and every later one with an empty page of the
/// same totals, so a run that pages or re-reads by date ends quickly.
struct OnePage {
    text: String,
    totals: (Option<u64>, Option<u64>),
    calls: AtomicU32,
}

impl AlarmSource for OnePage {
    fn search_page(&self, _query: &SearchQuery<'_>) -> Result<SearchPage, SocRadarError> {
        if self.calls.fetch_add(1, Ordering::Relaxed) == 0 {
            SearchPage::parse(self.text.clone())
        } else {
            Ok(SearchPage::of_alarms::<&str>(&[], self.totals.0, self.totals.1))
        }
    }
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
        .expect("a fixed instant")
        .with_timezone(&Utc)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    // The whole document as one alarm, too: the reader must refuse anything, never panic.
    let _ = AlarmView::parse(&text);
    let Ok(page) = SearchPage::parse(text.clone()) else {
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
            ..Default::default()
        },
    ];
    for raw in page.alarm_texts().take(64) {
        if let Ok(view) = AlarmView::parse(raw) {
            for opts in &options {
                if let Ok(m) = Mapper::new(789, opts.clone()).map(&view) {
                    assert_eq!((m.id, m.date), (view.id, view.date));
                    let incident = Incident::from_mapped(&m, opts);
                    serde_json::to_string(&incident).expect("an incident serialises");
                }
            }
        }
    }
    let cfg = FetchConfig {
        page_concurrency: 1,
        ..FetchConfig::new("3 days", 5, 900)
    };
    let source = OnePage {
        text,
        totals: (page.total_records, page.total_pages),
        calls: AtomicU32::new(0),
    };
    let opts = &options[1];
    let mapper = Mapper::new(789, opts.clone());
    let out = fetch(&source, &cfg, &FetchState::default(), now(), &mapper, &RustIncidents(opts));
    assert!(out.incidents.len() <= cfg.max_fetch);
    let state = out.state.to_json();
    FetchState::from_json(&state).expect("a state this version wrote reads back");
});
