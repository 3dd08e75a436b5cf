//! An incident's `rawJSON`: the alarm as the pack's mapper reads it ([`shaped_raw`]), with the
//! triage as its last member, `dora_bridge`, and bounded to [`RAW_JSON_LIMIT`] bytes.

use std::borrow::Cow;

use serde_json::{json, Value};

use super::alarm::AlarmView;
use super::incident::IncidentOptions;
use super::incident_raw::shaped_raw;
use super::rawjson;

/// Bytes of `rawJSON`.
pub const RAW_JSON_LIMIT: usize = 1 << 20;
/// Characters kept of each string inside a `rawJSON` that had to be cut.
pub(super) const RAW_STRING_LIMIT: usize = 10_000;

/// The `rawJSON` of alarm `a` with `triage` (`{"triage": {...}}`) as its `dora_bridge` member,
/// and whether it had to be cut to [`RAW_JSON_LIMIT`].
pub(super) fn raw_json<'a>(
    a: &AlarmView<'a>,
    company_id: u64,
    opts: &IncidentOptions,
    triage: &str,
) -> Result<(Cow<'a, str>, bool), serde_json::Error> {
    // The alarm as the pack's mapper reads it (the Include settings, company id, mirroring):
    // its own text in the common case.
    let shaped = with_triage(&shaped_raw(a.text, company_id, opts)?, triage)?;
    Ok(if shaped.len() > RAW_JSON_LIMIT {
        (Cow::Owned(cut_raw_json(&shaped, a, triage)), true)
    } else {
        (Cow::Owned(shaped), false)
    })
}

/// A `rawJSON` within [`RAW_JSON_LIMIT`]: the alarm with every string shortened to
/// [`RAW_STRING_LIMIT`] characters, or, if that is still too large, its id and date; either way
/// with a `_dora_bridge_cut` member that says what happened.
fn cut_raw_json(text: &str, a: &AlarmView<'_>, triage: &str) -> String {
    fn shorten(v: &mut Value) {
        match v {
            Value::String(s) if s.chars().count() > RAW_STRING_LIMIT => {
                *s = s.chars().take(RAW_STRING_LIMIT).chain(['…']).collect();
            }
            Value::Array(items) => items.iter_mut().for_each(shorten),
            Value::Object(m) => m.values_mut().for_each(shorten),
            _ => {}
        }
    }
    let note = format!(
        "rawJSON cut by DORA Bridge: the alarm's JSON has {} bytes, more than {RAW_JSON_LIMIT}. The whole alarm is in SOCRadar.",
        a.text.len()
    );
    if let Ok(Value::Object(mut m)) = serde_json::from_str::<Value>(text) {
        m.values_mut().for_each(shorten);
        m.insert("_dora_bridge_cut".into(), Value::String(note.clone()));
        let s = Value::Object(m).to_string();
        if s.len() <= RAW_JSON_LIMIT {
            return s;
        }
    }
    let triage: Value = serde_json::from_str(triage).unwrap_or_default();
    json!({"alarm_id": a.id, "date": crate::timeutil::to_rfc3339(a.date), "_dora_bridge_cut": note,
           "dora_bridge": triage})
    .to_string()
}

/// The alarm's JSON object `text` with the member `"dora_bridge": <dora>` last (one copy of the
/// text; an alarm that already has a `dora_bridge` member loses it, the rest are kept as sent).
fn with_triage(text: &str, dora: &str) -> Result<String, serde_json::Error> {
    const KEY: &str = "\"dora_bridge\"";
    let body = text.trim_end();
    let Some(open) = body.strip_suffix('}') else {
        return Ok(text.to_string());
    };
    let mut out = String::with_capacity(text.len() + KEY.len() + dora.len() + 2);
    if text.contains(KEY) {
        // Rare (a server sending a member of that name): the members are rewritten without it.
        let members = rawjson::all_members(text)?;
        out.push('{');
        for (key, value) in members.iter().filter(|(k, _)| k != "dora_bridge") {
            out.push_str(&Value::String(key.to_string()).to_string());
            out.push(':');
            out.push_str(value.get());
            out.push(',');
        }
    } else {
        out.push_str(open.trim_end());
        if !out.trim_start().ends_with('{') {
            out.push(',');
        }
    }
    out.push_str(KEY);
    out.push(':');
    out.push_str(dora);
    out.push('}');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_triage_joins_the_alarm_text_last_and_replaces_a_member_of_its_name() {
        let dora = r#"{"triage":{"outcome":"cyber-threat"}}"#;
        let v = |s: String| serde_json::from_str::<Value>(&s).unwrap();
        let plain = with_triage(r#"{"b": 1, "a": [2]}  "#, dora).unwrap();
        assert!(
            plain.starts_with(r#"{"b": 1, "a": [2],"dora_bridge":"#),
            "{plain}"
        );
        assert_eq!(
            v(plain),
            json!({"b": 1, "a": [2], "dora_bridge": {"triage": {"outcome": "cyber-threat"}}})
        );
        assert_eq!(
            v(with_triage("{ }", dora).unwrap()),
            json!({"dora_bridge": {"triage": {"outcome": "cyber-threat"}}})
        );
        let theirs = with_triage(r#"{"dora_bridge": {"triage": "forged"}, "x": 1}"#, dora).unwrap();
        assert_eq!(
            v(theirs.clone()),
            json!({"x": 1, "dora_bridge": {"triage": {"outcome": "cyber-threat"}}})
        );
        assert_eq!(theirs.matches("dora_bridge").count(), 1);
    }
}
