//! Arbitrary JSON as the arguments (and optionally the incident, context, profile parameters
//! and clock) of the classifier, the reporting clock, the cyber-threat test, the recurrence
//! check and the incident-field updates. Every path must answer or refuse with an input error,
//! never panic.
//!
//! Input: a JSON value. An object with an `args` key is read as `{"args", "incident",
//! "context", "params", "now", "incidents"}`; anything else is the arguments.
#![no_main]

use chrono::{DateTime, Utc};
use dora_bridge::dora::classify::classify;
use dora_bridge::dora::clock::{deadlines, ClockFacts, DueSoon};
use dora_bridge::dora::facts::{resolve, Lookup};
use dora_bridge::dora::fields::updates_with_reporting;
use dora_bridge::dora::profile::EntityProfile;
use dora_bridge::dora::{recurring, threat};
use dora_bridge::timeutil::parse_vendor_date;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The DORA Bridge instance parameters the tests and the demo use.
fn base_params() -> Value {
    serde_json::from_str(include_str!("../../devtools/entity_profile.json"))
        .expect("the sample profile is JSON")
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let structured = input.get("args").is_some();
    let part = |k: &str| {
        if structured {
            input.get(k).cloned().unwrap_or(Value::Null)
        } else {
            Value::Null
        }
    };
    let args = if structured {
        part("args")
    } else {
        input.clone()
    };
    let (incident, context) = (part("incident"), part("context"));
    let mut params = base_params();
    if let (Some(over), Some(p)) = (part("params").as_object(), params.as_object_mut()) {
        for (k, v) in over {
            p.insert(k.clone(), v.clone());
        }
    }
    let Ok(profile) = EntityProfile::from_params(&params) else {
        return;
    };
    let due_soon = DueSoon::from_params(&params).unwrap_or_default();
    let now: DateTime<Utc> = part("now")
        .as_str()
        .and_then(parse_vendor_date)
        .unwrap_or_else(|| {
            DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
                .expect("fixed")
                .with_timezone(&Utc)
        });
    let lookup = Lookup {
        args: &args,
        incident: &incident,
        context: &context,
    };

    // As EntityProfile.classify does: `classified_at` from the arguments, else now.
    let classified_at = args
        .get("classified_at")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(parse_vendor_date);
    let classification = match (classified_at, resolve(&lookup)) {
        (Some(None), _) | (_, Err(_)) => None,
        (Some(Some(at)), Ok(facts)) => classify(facts, &profile, at).ok(),
        (None, Ok(facts)) => classify(facts, &profile, now).ok(),
    };
    let classification = classification.map(|c| serde_json::to_value(&c).expect("serialises"));
    let clock = ClockFacts::resolve(&lookup)
        .ok()
        .and_then(|facts| deadlines(&facts, &profile, now, due_soon).ok())
        .map(|d| serde_json::to_value(&d).expect("serialises"));
    let _ = updates_with_reporting(classification.as_ref(), clock.as_ref(), None, None, now);
    let _ = threat::assess(&args, now);
    if let Some(items) = part("incidents").as_array() {
        let _ = recurring::assess(items, &profile, now);
    }
});
