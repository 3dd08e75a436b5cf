//! Any text through the vendor-date and relative-time parsers, against ordinary and extreme
//! clocks. Nothing may panic, and every date accepted must print as RFC 3339 and read back as
//! the same instant (to the second), since the core hands it on in that form.
#![no_main]

use chrono::{DateTime, Utc};
use dora_bridge::socradar::fetch::first_window_start;
use dora_bridge::timeutil::{
    from_epoch, parse_relative, parse_time_ago, parse_vendor_date, to_rfc3339,
};
use libfuzzer_sys::fuzz_target;

fn round_trips(t: DateTime<Utc>, from: &str) {
    let printed = to_rfc3339(t);
    let back = parse_vendor_date(&printed);
    assert_eq!(
        back.map(|b| b.timestamp()),
        Some(t.timestamp()),
        "{from:?} was read as {printed}, which does not read back"
    );
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let ordinary = DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
        .expect("a fixed instant")
        .with_timezone(&Utc);
    if let Some(t) = parse_vendor_date(text) {
        round_trips(t, text);
    }
    let _ = parse_relative(text);
    for now in [ordinary, DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
        if let Some(t) = parse_time_ago(text, now) {
            assert!(
                t <= now || parse_relative(text).is_none(),
                "a relative time counts back"
            );
        }
        let _ = first_window_start(text, now);
    }
    if let Ok(n) = text.trim().parse::<i64>() {
        if let Some(t) = from_epoch(n) {
            let _ = to_rfc3339(t);
        }
    }
});
