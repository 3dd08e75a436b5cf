//! Alarm values as the text of incident fields: rendered from the alarm's raw JSON (strings
//! borrowed where they hold no escapes), cut to a limit with a note, escaped for markdown.

use std::borrow::Cow;

use serde_json::value::RawValue;
use serde_json::Value;

use super::rawjson::{self, string};

/// The first `n` characters of `s`, borrowed from the page when `s` is.
pub(super) fn prefix<'a>(s: &Cow<'a, str>, n: usize) -> Cow<'a, str> {
    let end = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    match s {
        Cow::Borrowed(b) => Cow::Borrowed(&b[..end]),
        Cow::Owned(o) => Cow::Owned(o[..end].to_string()),
    }
}

/// `s` cut to `limit` characters with a note saying so, or `None` when it fits.
pub(super) fn cap_text(s: &str, limit: usize) -> Option<String> {
    if s.len() <= limit {
        return None;
    }
    let total = s.chars().count();
    if total <= limit {
        return None;
    }
    let (end, _) = s.char_indices().nth(limit)?;
    Some(format!(
        "{}\n\n[Cut by DORA Bridge: {total} characters, the first {limit} kept. The whole alarm is in SOCRadar.]",
        &s[..end]
    ))
}

/// `text` safe to put in markdown: characters that start emphasis, code, links, HTML or table
/// cells are backslash-escaped, and line breaks and other control characters become spaces.
/// Hand-written: the few characters that matter are known, and no crate escapes for XSOAR's
/// markdown.
pub fn markdown_escape(text: &str) -> Cow<'_, str> {
    const SPECIAL: &[char] = &['\\', '`', '*', '_', '~', '[', ']', '<', '>', '|', '#'];
    // Bytes first (names are mostly ASCII): a special character, a C0 control or DEL, or the
    // lead byte 0xC2 of a C1 control (U+0080..U+009F).
    let suspect = text.bytes().any(|b| {
        matches!(
            b,
            b'\\'
                | b'`'
                | b'*'
                | b'_'
                | b'~'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'|'
                | b'#'
                | 0x7f
                | 0xc2
        ) || b < 0x20
    });
    if !suspect || !text.chars().any(|c| SPECIAL.contains(&c) || c.is_control()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.push(' ');
        } else {
            if SPECIAL.contains(&c) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A field's raw value as text (see [`render_value`]); strings are decoded without a tree.
pub(super) fn render(raw: Option<&RawValue>) -> Result<Cow<'_, str>, serde_json::Error> {
    match raw {
        None => Ok(Cow::Borrowed("")),
        Some(r) if r.get() == "null" => Ok(Cow::Borrowed("")),
        Some(r) if r.get().starts_with('"') => string(Some(r)).map(Option::unwrap_or_default),
        Some(r) => Ok(render_value(&serde_json::from_str(r.get())?).into()),
    }
}

/// `[{key, value}]` lists (entities, related assets) as `key: value` lines (other items as
/// [`render_value`] renders them), read from the raw text.
pub(super) fn render_key_values(raw: Option<&RawValue>) -> Result<Cow<'_, str>, serde_json::Error> {
    let Some(items) = raw.and_then(|r| rawjson::elements(r.get())) else {
        return render(raw);
    };
    let mut lines = Vec::with_capacity(items.len());
    for item in items {
        let pair = if item.get().starts_with('{') {
            rawjson::members_with_null(item.get(), ["key", "value"])?
        } else {
            [None, None]
        };
        lines.push(match pair {
            [Some(k), Some(v)] => format!("{}: {}", render(Some(k))?, render(Some(v))?),
            _ => render(Some(item))?.into_owned(),
        });
    }
    Ok(Cow::Owned(lines.join("\n")))
}

/// A field value as text: scalars as they are, lists of scalars comma-joined, objects as JSON.
pub(crate) fn render_value(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(_) | Value::Number(_) => v.to_string(),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => items
            .iter()
            .map(render_value)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        _ => v.to_string(),
    }
}

pub(crate) fn render_compliance(v: &Value) -> String {
    match v.as_array() {
        Some(items) => items
            .iter()
            .map(|c| {
                let part = |k: &str| c.get(k).map(render_value).unwrap_or_default();
                let head = [part("name"), part("control_item")]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                let desc = part("description");
                if desc.is_empty() {
                    head
                } else {
                    format!("{head}: {desc}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n"),
        None => render_value(v),
    }
}
