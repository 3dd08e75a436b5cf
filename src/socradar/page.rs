//! One page of the search endpoint as the server sent it: the answer's text, where each alarm's
//! own JSON sits in it, and the totals. Nothing is parsed into a `serde_json::Value` tree: the
//! envelope is read with borrowed [`RawValue`]s, and each alarm is read on its own by the caller
//! (`alarm::AlarmView`), so one bad alarm never spoils its page and the alarm's own text (in the
//! vendor's key order) becomes `rawJSON` without being written again.

use std::ops::Range;

use serde_json::value::RawValue;

use super::error::{sentence, SocRadarError};
use super::rawjson;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchPage {
    text: String,
    alarms: Vec<Range<usize>>,
    pub total_records: Option<u64>,
    pub total_pages: Option<u64>,
    /// The server's clock when it answered (its HTTP `Date` header), epoch seconds.
    pub server_time: Option<i64>,
    /// Indices of alarms whose text held an unpaired UTF-16 surrogate escape (`\ud800`), replaced
    /// by `\ufffd` (see [`repair_lone_surrogates`]).
    pub repaired: Vec<usize>,
}

fn shape_error(what: &str) -> SocRadarError {
    SocRadarError::Api {
        status: Some(200),
        message: sentence(&format!(
            "the search answer {what}, which is not the documented v4 shape"
        )),
    }
}

impl SearchPage {
    /// Reads a search answer: `{"data": {"alarms": [...], "total_pages", "total_records"}}` or
    /// `{"data": [...]}`. An answer with `is_success: false` is an error; so is one that is not
    /// JSON or not of either shape. Alarms are located, not read.
    pub fn parse(mut text: String) -> Result<SearchPage, SocRadarError> {
        let repairs = repair_lone_surrogates(&mut text);
        let (alarms, total_records, total_pages) = {
            let [is_success, data] = rawjson::members_with_null(&text, ["is_success", "data"])
                .map_err(|e| {
                    if e.is_data() {
                        shape_error("is not a JSON object")
                    } else {
                        SocRadarError::Api {
                            status: Some(200),
                            message: "the answer is not valid JSON.".into(),
                        }
                    }
                })?;
            if is_success.map(RawValue::get) == Some("false") {
                return Err(SocRadarError::Api {
                    status: Some(200),
                    message: "the answer says is_success: false.".into(),
                });
            }
            let base = text.as_ptr() as usize;
            let locate = |list: Vec<&RawValue>| -> Vec<Range<usize>> {
                list.into_iter()
                    .map(|raw| {
                        let start = raw.get().as_ptr() as usize - base;
                        start..start + raw.get().len()
                    })
                    .collect()
            };
            let list = |raw: &RawValue, what: &str| -> Result<Vec<Range<usize>>, SocRadarError> {
                serde_json::from_str::<Vec<&RawValue>>(raw.get())
                    .map(locate)
                    .map_err(|_| shape_error(what))
            };
            match data.map(|d| (d, d.get().as_bytes()[0])) {
                None => return Err(shape_error("has no data field")),
                Some((_, b'n')) => (Vec::new(), None, None),
                Some((d, b'[')) => (list(d, "has a data list that is not a list")?, None, None),
                Some((d, b'{')) => {
                    let [alarms, total_records, total_pages] =
                        rawjson::members(d.get(), ["alarms", "total_records", "total_pages"])
                            .map_err(|_| shape_error("has a data object that cannot be read"))?;
                    let alarms = match alarms {
                        None => Vec::new(),
                        Some(a) => list(a, "has a data.alarms that is not a list")?,
                    };
                    (
                        alarms,
                        total_records.and_then(as_count),
                        total_pages.and_then(as_count),
                    )
                }
                Some(_) => {
                    return Err(shape_error(
                        "has a data field that is neither a list nor an object",
                    ))
                }
            }
        };
        let repaired = alarms
            .iter()
            .enumerate()
            .filter(|(_, r)| repairs.iter().any(|p| r.contains(p)))
            .map(|(i, _)| i)
            .collect();
        Ok(SearchPage {
            text,
            alarms,
            total_records,
            total_pages,
            server_time: None,
            repaired,
        })
    }

    /// A page of these alarm texts, with the totals; for sources that build pages themselves.
    pub fn of_alarms<S: AsRef<str>>(
        alarms: &[S],
        total_records: Option<u64>,
        total_pages: Option<u64>,
    ) -> SearchPage {
        let mut text = String::from("[");
        let mut ranges = Vec::with_capacity(alarms.len());
        for (i, a) in alarms.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            let start = text.len();
            text.push_str(a.as_ref());
            ranges.push(start..text.len());
        }
        text.push(']');
        SearchPage {
            text,
            alarms: ranges,
            total_records,
            total_pages,
            server_time: None,
            repaired: Vec::new(),
        }
    }

    /// Each alarm's own JSON text, in page order.
    pub fn alarm_texts(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.alarms.iter().map(|r| &self.text[r.clone()])
    }

    pub fn len(&self) -> usize {
        self.alarms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.alarms.is_empty()
    }
}

/// A count as servers send it: a number, or a number in a string.
fn as_count(raw: &RawValue) -> Option<u64> {
    let t = raw.get();
    t.parse::<u64>()
        .ok()
        .or_else(|| serde_json::from_str::<&str>(t).ok()?.trim().parse().ok())
}

/// Replaces every `\uD800`–`\uDFFF` escape that is not half of a surrogate pair with `\ufffd`
/// (same length, so nothing moves) and returns where. Python's `json.dumps` writes such escapes
/// for strings holding a lone surrogate; they are valid JSON text, but no UTF-8 string can hold
/// them, so a reader that refuses them would lose the alarm, and with it its page. Escapes are
/// found by walking backslashes, so an escaped backslash followed by `ud800` is left alone.
/// Hand-written: serde_json has no lossy mode for string escapes.
pub fn repair_lone_surrogates(text: &mut String) -> Vec<usize> {
    fn surrogate(b: &[u8], at: usize) -> Option<u16> {
        let hex = b.get(at + 2..at + 6)?;
        if b.get(at + 1) != Some(&b'u') {
            return None;
        }
        let s = std::str::from_utf8(hex).ok()?;
        let v = u16::from_str_radix(s, 16).ok()?;
        (0xD800..=0xDFFF).contains(&v).then_some(v)
    }
    let mut fixes = Vec::new();
    {
        let b = text.as_bytes();
        let mut i = 0;
        while let Some(p) = b.get(i..).and_then(|rest| memchr::memchr(b'\\', rest)) {
            let at = i + p;
            match b.get(at + 1) {
                Some(b'u') => {
                    if let Some(v) = surrogate(b, at) {
                        let paired = v < 0xDC00
                            && b.get(at + 6) == Some(&b'\\')
                            && surrogate(b, at + 6).is_some_and(|low| low >= 0xDC00);
                        if paired {
                            i = at + 12;
                            continue;
                        }
                        fixes.push(at);
                    }
                    i = at + 6;
                }
                Some(_) => i = at + 2,
                None => break,
            }
        }
    }
    if !fixes.is_empty() {
        // SAFETY-free: the replaced bytes are ASCII (`\uXXXX` hex digits), replaced by ASCII.
        let mut bytes = std::mem::take(text).into_bytes();
        for &at in &fixes {
            bytes[at..at + 6].copy_from_slice(b"\\ufffd");
        }
        *text = String::from_utf8(bytes).expect("ASCII replaced by ASCII stays UTF-8");
    }
    fixes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(text: &str) -> Result<SearchPage, SocRadarError> {
        SearchPage::parse(text.to_string())
    }

    #[test]
    fn both_response_shapes_are_read() {
        let p = page(
            r#"{"data": {"alarms": [{"alarm_id": 1}], "total_pages": 3, "total_records": "250"}}"#,
        )
        .unwrap();
        assert_eq!(
            (p.len(), p.total_pages, p.total_records),
            (1, Some(3), Some(250))
        );
        assert_eq!(p.alarm_texts().next(), Some(r#"{"alarm_id": 1}"#));
        let p = page(r#"{"data": [{"alarm_id": 1}, {"alarm_id": 2}]}"#).unwrap();
        assert_eq!((p.len(), p.total_pages), (2, None));
        assert!(page(r#"{"data": null}"#).unwrap().is_empty());
        assert!(page(r#"{"data": {"alarms": null, "total_records": 0}}"#)
            .unwrap()
            .is_empty());
        assert!(page(r#"{"message": "x"}"#).is_err());
        assert!(page(r#"{"data": {"alarms": "nope"}}"#).is_err());
        assert!(page(r#"{"data": 5}"#).is_err());
        assert!(page(r#"[1]"#).is_err());
        assert!(page(r#"{"data": [{"alarm_id": 1}"#)
            .unwrap_err()
            .message()
            .contains("not valid JSON"));
        assert!(page(r#"{"is_success": false, "data": []}"#).is_err());
    }

    #[test]
    fn alarms_keep_their_own_text_whatever_they_hold() {
        let p = page(r#"{"data": [{"b": 2, "a": [1, {"x": "]"}]}, "text", 7, null]}"#).unwrap();
        let texts: Vec<&str> = p.alarm_texts().collect();
        assert_eq!(
            texts,
            [
                r#"{"b": 2, "a": [1, {"x": "]"}]}"#,
                r#""text""#,
                "7",
                "null"
            ]
        );
    }

    #[test]
    fn a_lone_surrogate_escape_is_replaced_and_its_alarm_named() {
        let p = page(
            r#"{"data": [{"alarm_id": 1, "alarm_text": "ok \ud83d\ude00"}, {"alarm_id": 2, "alarm_text": "bad \ud800 x \\ud800 \udc00"}]}"#,
        )
        .unwrap();
        assert_eq!(p.repaired, [1]);
        let texts: Vec<&str> = p.alarm_texts().collect();
        assert!(texts[0].contains(r"\ud83d\ude00"), "a real pair is kept");
        assert_eq!(
            texts[1],
            r#"{"alarm_id": 2, "alarm_text": "bad \ufffd x \\ud800 \ufffd"}"#
        );
        let mut s = r#""\ud800"#.to_string();
        assert_eq!(repair_lone_surrogates(&mut s), [1]);
        let mut s = r#""\ud8"#.to_string();
        assert!(repair_lone_surrogates(&mut s).is_empty());
    }
}
