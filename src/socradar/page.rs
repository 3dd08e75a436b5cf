//! One page of the search endpoint as the server sent it: the answer's text, where each alarm's
//! own JSON sits in it, and the totals. Nothing is parsed into a `serde_json::Value` tree: the
//! envelope is read with borrowed [`RawValue`]s, and each alarm is read on its own by the caller
//! (`alarm::AlarmView`), so one bad alarm never spoils its page and the alarm's own text (in the
//! vendor's key order) becomes `rawJSON` without being written again.

use std::ops::Range;

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::error::{sentence, SocRadarError};

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

/// The members of an answer the page needs: `is_success: false`, and `data` with its alarms
/// located (a list of raw values) and its totals.
struct Envelope<'a> {
    refused: bool,
    data: Option<Data<'a>>,
}

struct Data<'a> {
    alarms: Vec<&'a RawValue>,
    total_records: Option<&'a RawValue>,
    total_pages: Option<&'a RawValue>,
}

fn not_shape<E: serde::de::Error>(what: &str) -> E {
    E::custom(format!("has {what}"))
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = Envelope<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a search answer")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope<'de>, A::Error> {
        let mut out = Envelope {
            refused: false,
            data: None,
        };
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "is_success" => out.refused = map.next_value::<&RawValue>()?.get() == "false",
                "data" => out.data = Some(map.next_value_seed(DataSeed)?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

struct DataSeed;

impl<'de> DeserializeSeed<'de> for DataSeed {
    type Value = Data<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Data<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DataSeed {
    type Value = Data<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list or an object")
    }
    fn visit_unit<E>(self) -> Result<Data<'de>, E> {
        Ok(Data {
            alarms: Vec::new(),
            total_records: None,
            total_pages: None,
        })
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Data<'de>, E> {
        self.visit_unit()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Data<'de>, A::Error> {
        Ok(Data {
            alarms: AlarmList.visit_seq(seq)?,
            total_records: None,
            total_pages: None,
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Data<'de>, A::Error> {
        let mut data = Data {
            alarms: Vec::new(),
            total_records: None,
            total_pages: None,
        };
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "alarms" => data.alarms = map.next_value_seed(AlarmList)?,
                "total_records" => data.total_records = Some(map.next_value()?),
                "total_pages" => data.total_pages = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(data)
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Data<'de>, E> {
        Err(not_shape(
            "a data field that is neither a list nor an object",
        ))
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Data<'de>, E> {
        Err(not_shape(
            "a data field that is neither a list nor an object",
        ))
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Data<'de>, E> {
        Err(not_shape(
            "a data field that is neither a list nor an object",
        ))
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Data<'de>, E> {
        Err(not_shape(
            "a data field that is neither a list nor an object",
        ))
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Data<'de>, E> {
        Err(not_shape(
            "a data field that is neither a list nor an object",
        ))
    }
}

/// `data.alarms`: each alarm as raw text, located; `null` is no alarm.
struct AlarmList;

impl<'de> DeserializeSeed<'de> for AlarmList {
    type Value = Vec<&'de RawValue>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AlarmList {
    type Value = Vec<&'de RawValue>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of alarms")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(100));
        while let Some(raw) = seq.next_element::<&RawValue>()? {
            out.push(raw);
        }
        Ok(out)
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(not_shape("a data.alarms that is not a list"))
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(not_shape("a data.alarms that is not a list"))
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(not_shape("a data.alarms that is not a list"))
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(not_shape("a data.alarms that is not a list"))
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(not_shape("a data.alarms that is not a list"))
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(not_shape("a data.alarms that is not a list"))
    }
}

impl SearchPage {
    /// Reads a search answer: `{"data": {"alarms": [...], "total_pages", "total_records"}}` or
    /// `{"data": [...]}`. An answer with `is_success: false` is an error; so is one that is not
    /// JSON or not of either shape. Alarms are located, not read.
    pub fn parse(mut text: String) -> Result<SearchPage, SocRadarError> {
        let repairs = repair_lone_surrogates(&mut text);
        let (alarms, total_records, total_pages) = {
            // One pass over the answer: the alarms are located, not read.
            let mut de = serde_json::Deserializer::from_str(&text);
            let envelope = de
                .deserialize_map(EnvelopeVisitor)
                .and_then(|e| de.end().map(|()| e))
                .map_err(|e| {
                    if e.is_data() {
                        let text = e.to_string();
                        let what = text.split(" at line ").next().unwrap_or_default();
                        shape_error(if what.starts_with("has ") {
                            what
                        } else {
                            "is not a JSON object"
                        })
                    } else {
                        SocRadarError::Api {
                            status: Some(200),
                            message: "the answer is not valid JSON.".into(),
                        }
                    }
                })?;
            if envelope.refused {
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
            match envelope.data {
                None => return Err(shape_error("has no data field")),
                Some(Data {
                    alarms,
                    total_records,
                    total_pages,
                }) => (
                    locate(alarms),
                    total_records.and_then(as_count),
                    total_pages.and_then(as_count),
                ),
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

    /// Each alarm as a `Value` tree, in page order, for readers of a few alarms (mirroring, one
    /// alarm by id); the fetch never builds these. An alarm that is not JSON is left out.
    pub fn alarm_values(&self) -> impl Iterator<Item = serde_json::Value> + '_ {
        self.alarm_texts()
            .filter_map(|t| serde_json::from_str(t).ok())
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
