//! Reading named members of a JSON object as borrowed raw text, without building a
//! `serde_json::Value` tree: the alarm reader and the mapping take what they need and leave the
//! rest unparsed. A member given twice counts by its last occurrence, as `serde_json::Value`
//! reads it (serde's derive would refuse the object instead); a `null` member reads as absent
//! unless asked for.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

/// A member name, borrowed from the text when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

struct Members<F, const N: usize> {
    index_of: F,
    keep_null: bool,
}

impl<'de, F: Fn(&str) -> Option<usize>, const N: usize> Visitor<'de> for Members<F, N> {
    type Value = [Option<&'de RawValue>; N];

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = [None; N];
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match (self.index_of)(&key).filter(|i| *i < N) {
                Some(i) => {
                    let raw: &'de RawValue = map.next_value()?;
                    out[i] = (self.keep_null || raw.get() != "null").then_some(raw);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

impl<'de, F: Fn(&str) -> Option<usize>, const N: usize> DeserializeSeed<'de> for Members<F, N> {
    type Value = [Option<&'de RawValue>; N];
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

fn read<F: Fn(&str) -> Option<usize>, const N: usize>(
    text: &str,
    index_of: F,
    keep_null: bool,
) -> Result<[Option<&RawValue>; N], serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let out = Members::<F, N> {
        index_of,
        keep_null,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(out)
}

/// The members of the JSON object `text` that `index_of` places (at most `N`); `null` members
/// read as absent. For hot paths: `index_of` can be a `match`.
pub fn members_by<const N: usize>(
    text: &str,
    index_of: impl Fn(&str) -> Option<usize>,
) -> Result<[Option<&RawValue>; N], serde_json::Error> {
    read(text, index_of, false)
}

/// The members `names` of the JSON object `text`; `null` members read as absent.
pub fn members<'a, const N: usize>(
    text: &'a str,
    names: [&str; N],
) -> Result<[Option<&'a RawValue>; N], serde_json::Error> {
    read(text, |k| names.iter().position(|n| *n == k), false)
}

/// As [`members`], but a `null` member is present (its text is `null`).
pub fn members_with_null<'a, const N: usize>(
    text: &'a str,
    names: [&str; N],
) -> Result<[Option<&'a RawValue>; N], serde_json::Error> {
    read(text, |k| names.iter().position(|n| *n == k), true)
}

/// Every member of the JSON object `text`, each by its last occurrence, in name order (the order
/// a `serde_json::Map` iterates in).
pub fn all_members(text: &str) -> Result<Vec<(Cow<'_, str>, &RawValue)>, serde_json::Error> {
    let map: std::collections::BTreeMap<Cow<'_, str>, &RawValue> = {
        let pairs: Vec<(Key<'_>, &RawValue)> = {
            struct All;
            impl<'de> Visitor<'de> for All {
                type Value = Vec<(Key<'de>, &'de RawValue)>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a JSON object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                    let mut v = Vec::new();
                    while let Some(k) = m.next_key::<Key<'de>>()? {
                        v.push((k, m.next_value()?));
                    }
                    Ok(v)
                }
            }
            let mut de = serde_json::Deserializer::from_str(text);
            let v = de.deserialize_map(All)?;
            de.end()?;
            v
        };
        pairs.into_iter().map(|(Key(k), v)| (k, v)).collect()
    };
    Ok(map.into_iter().collect())
}

/// The text of a string member (escapes decoded; borrowed when it has none), `None` when the
/// member is absent or not a string; `Err` when the string cannot be decoded.
pub fn string(raw: Option<&RawValue>) -> Result<Option<Cow<'_, str>>, serde_json::Error> {
    match raw {
        Some(r) if r.get().starts_with('"') => {
            struct S;
            impl<'de> Visitor<'de> for S {
                type Value = Cow<'de, str>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a string")
                }
                fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
                    Ok(Cow::Borrowed(v))
                }
                fn visit_str<E>(self, v: &str) -> Result<Cow<'de, str>, E> {
                    Ok(Cow::Owned(v.to_string()))
                }
            }
            let mut de = serde_json::Deserializer::from_str(r.get());
            de.deserialize_str(S).map(Some)
        }
        _ => Ok(None),
    }
}

/// The elements of a JSON array `text`, or `None` when it is not an array.
pub fn elements(text: &str) -> Option<Vec<&RawValue>> {
    if !text.starts_with('[') {
        return None;
    }
    serde_json::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_read_like_a_value_would() {
        let [a, b, c, d] = members(
            r#"{"a": 1, "b": null, "x": {"deep": [1, 2]}, "a": "last", "c\u0020": 3, "d": [null]}"#,
            ["a", "b", "c ", "d"],
        )
        .unwrap();
        assert_eq!(a.map(RawValue::get), Some(r#""last""#));
        assert!(b.is_none());
        assert_eq!(c.map(RawValue::get), Some("3"));
        assert_eq!(d.map(RawValue::get), Some("[null]"));
        let [b] = members_with_null(r#"{"b": null}"#, ["b"]).unwrap();
        assert_eq!(b.map(RawValue::get), Some("null"));
        assert!(members(r#"[1]"#, ["a"]).is_err());
        assert!(members(r#"{"a": 1} x"#, ["a"]).is_err());
    }

    #[test]
    fn all_members_come_in_name_order_with_the_last_of_each() {
        let m = all_members(r#"{"b": 1, "a": 2, "b": 3}"#).unwrap();
        let got: Vec<(&str, &str)> = m.iter().map(|(k, v)| (k.as_ref(), v.get())).collect();
        assert_eq!(got, [("a", "2"), ("b", "3")]);
    }

    #[test]
    fn strings_are_borrowed_unless_escaped() {
        let raw: &RawValue = serde_json::from_str(r#""plain""#).unwrap();
        assert!(matches!(
            string(Some(raw)).unwrap(),
            Some(Cow::Borrowed("plain"))
        ));
        let raw: &RawValue = serde_json::from_str(r#""a\nb""#).unwrap();
        assert_eq!(string(Some(raw)).unwrap().as_deref(), Some("a\nb"));
        let raw: &RawValue = serde_json::from_str("12").unwrap();
        assert_eq!(string(Some(raw)).unwrap(), None);
    }
}
