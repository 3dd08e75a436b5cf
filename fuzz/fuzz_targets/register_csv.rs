//! Register of Information texts through the CSV reader, the cross-checks, the alias table and
//! the service matching. Input: NUL-separated chunks, `services|aliases`, then template name and
//! CSV text in turns. A required template the input does not name is taken from the sample
//! register (devtools/register), so a single mutated file still reaches the cross-checks; a
//! control chunk starting with `!` turns that off.
#![no_main]

use std::collections::BTreeMap;

use dora_bridge::connectors::register::{parse_aliases, Register};
use libfuzzer_sys::fuzz_target;

const SAMPLES: &[(&str, &str)] = &[
    (
        "b_06.01.csv",
        include_str!("../../devtools/register/b_06.01.csv"),
    ),
    (
        "b_05.01.csv",
        include_str!("../../devtools/register/b_05.01.csv"),
    ),
    (
        "b_02.02.csv",
        include_str!("../../devtools/register/b_02.02.csv"),
    ),
];

fn template_key(name: &str) -> String {
    name.trim()
        .to_ascii_lowercase()
        .trim_end_matches(".csv")
        .trim_start_matches('t')
        .trim_start_matches("b_")
        .trim_start_matches('b')
        .replace(['_', '-'], ".")
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut chunks = text.split('\0');
    let control = chunks.next().unwrap_or_default();
    let (fill, control) = match control.strip_prefix('!') {
        Some(rest) => (false, rest),
        None => (true, control),
    };
    let (services, aliases) = control.split_once('|').unwrap_or((control, ""));
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    while let (Some(name), Some(csv)) = (chunks.next(), chunks.next()) {
        files.insert(name.to_string(), csv.to_string());
    }
    if fill {
        for (name, csv) in SAMPLES {
            let k = template_key(name);
            if !files.keys().any(|n| template_key(n) == k) {
                files.insert((*name).to_string(), (*csv).to_string());
            }
        }
    }
    let Ok(mut register) = Register::from_texts(&files) else {
        return;
    };
    if !aliases.trim().is_empty() {
        match parse_aliases(aliases).map(|a| register.clone().with_aliases(&a)) {
            Ok(Ok(r)) => register = r,
            Ok(Err(_)) | Err(_) => {}
        }
    }
    let mut asked: Vec<String> = services.split(';').map(str::to_string).collect();
    asked.extend(
        [
            "Card payments",
            "F01",
            "CA-2021-003",
            "  instant   PAYMENTS ",
        ]
        .map(String::from),
    );
    let ctx = register.services_context(&asked);
    serde_json::to_string(&ctx).expect("the services context serialises");
    let _ = register.entity();
});
