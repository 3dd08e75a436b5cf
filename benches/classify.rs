//! Native classification throughput, for `make bench` (benches/run.py drives it and compares it
//! with the same classifications made through Python).
//!
//! Usage: `cargo bench --bench classify -- <cases.json>`, where the file holds
//! `{"profile": {instance parameters}, "cases": [{"args", "incident", "context", "now"}],
//! "iterations": 100000}`. The cases are classified in turn until `iterations` classifications
//! are made, the way `EntityProfile.classify` does it: facts resolved from the arguments, the
//! context and the incident, classified at `classified_at` (else `now`). Prints one JSON object.

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Utc};
use dora_bridge::dora::classify::classify;
use dora_bridge::dora::facts::{resolve, Lookup};
use dora_bridge::dora::profile::EntityProfile;
use dora_bridge::timeutil::parse_vendor_date;
use serde_json::{json, Value};

struct Case {
    args: Value,
    incident: Value,
    context: Value,
    at: DateTime<Utc>,
}

fn case(raw: &Value) -> Case {
    let part = |k: &str| raw.get(k).cloned().unwrap_or(Value::Null);
    let now = raw
        .get("now")
        .and_then(Value::as_str)
        .and_then(parse_vendor_date)
        .expect("every case has an RFC 3339 `now`");
    let args = part("args");
    let at = args
        .get("classified_at")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse_vendor_date(s).expect("classified_at is a date"))
        .unwrap_or(now);
    Case {
        args,
        incident: part("incident"),
        context: part("context"),
        at,
    }
}

/// One classification as the Python binding makes it; `serialize` adds the conversion of the
/// result to a JSON value, the native counterpart of handing it to Python.
fn classify_case(c: &Case, profile: &EntityProfile, serialize: bool) -> bool {
    let lookup = Lookup {
        args: &c.args,
        incident: &c.incident,
        context: &c.context,
    };
    let facts = resolve(&lookup).expect("the benchmark cases are valid");
    let result = classify(facts, profile, c.at).expect("the benchmark cases classify");
    if serialize {
        black_box(serde_json::to_value(&result).expect("a classification serialises"));
    }
    result.is_major
}

fn run(cases: &[Case], profile: &EntityProfile, iterations: usize, serialize: bool) -> Value {
    let started = Instant::now();
    let mut major = 0usize;
    for i in 0..iterations {
        if classify_case(black_box(&cases[i % cases.len()]), profile, serialize) {
            major += 1;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    json!({
        "iterations": iterations,
        "seconds": seconds,
        "per_second": iterations as f64 / seconds,
        "major": major,
    })
}

fn main() {
    // `cargo bench` appends its own flags (`--bench`); the first other argument is the input.
    let path = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .expect("usage: classify <cases.json>");
    let text = std::fs::read_to_string(&path).expect("the cases file is readable");
    let input: Value = serde_json::from_str(&text).expect("the cases file is JSON");
    let profile = EntityProfile::from_params(&input["profile"]).expect("the profile is valid");
    let cases: Vec<Case> = input["cases"]
        .as_array()
        .expect("cases is a list")
        .iter()
        .map(case)
        .collect();
    assert!(!cases.is_empty(), "no cases to classify");
    let iterations = input["iterations"].as_u64().unwrap_or(100_000) as usize;
    // Warm-up: caches, allocator, and the lazily built tables of the core.
    run(&cases, &profile, cases.len().max(1_000), true);
    let out = json!({
        "classify": run(&cases, &profile, iterations, false),
        "classify_and_serialize": run(&cases, &profile, iterations, true),
    });
    println!("{out}");
}
