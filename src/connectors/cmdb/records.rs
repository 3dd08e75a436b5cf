//! Reading Table API records, whatever `sysparm_display_value` shaped them into: a field is a
//! plain string, or `{"value", "display_value", "link"}` (references and `all`).

use serde_json::{Map, Value};

use crate::dora::member_states::{country, Country, EEA};

pub(crate) type Record = Map<String, Value>;

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The stored value of a field (a sys_id for a reference).
pub(crate) fn value(rec: &Record, field: &str) -> Option<String> {
    match rec.get(field)? {
        Value::Object(o) => o.get("value").and_then(scalar).or_else(|| {
            o.get("link")
                .and_then(scalar)
                .and_then(|l| last_segment(&l))
        }),
        v => scalar(v),
    }
}

/// What the instance shows for a field: the display value when there is one, else the value.
pub(crate) fn display(rec: &Record, field: &str) -> Option<String> {
    match rec.get(field)? {
        Value::Object(o) => o
            .get("display_value")
            .and_then(scalar)
            .or_else(|| value(rec, field)),
        v => scalar(v),
    }
}

/// A reference field: the sys_id it points to, and the name shown for it when given.
pub(crate) fn reference(rec: &Record, field: &str) -> Option<(String, Option<String>)> {
    let id = value(rec, field)?;
    let name = match rec.get(field)? {
        Value::Object(o) => o.get("display_value").and_then(scalar),
        _ => None,
    };
    Some((id, name))
}

fn last_segment(link: &str) -> Option<String> {
    let seg = link.trim_end_matches('/').rsplit('/').next()?;
    let seg = seg.split(['?', '#']).next().unwrap_or(seg);
    (!seg.is_empty()).then(|| seg.to_string())
}

/// The record's sys_id; it goes back into queries, so it must not be able to change them.
pub(crate) fn sys_id(rec: &Record, table: &str, index: usize) -> Result<String, String> {
    match value(rec, "sys_id") {
        None => Err(format!(
            "record {} of table {table} has no sys_id, so it cannot be followed; check the CMDB user's read access to the sys_id field",
            index + 1
        )),
        Some(id) if id.contains([',', '^', '=']) || id.contains(char::is_whitespace) => Err(format!(
            "record {} of table {table} has the sys_id {}, which is not an identifier; check that the base URL points at a ServiceNow instance",
            index + 1,
            crate::input::quote(&id)
        )),
        Some(id) => Ok(id),
    }
}

/// A yes/no field as instances store it ("true", "1", "yes"); `None` when unset or unreadable.
pub(crate) fn flag(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" => Some(true),
        "false" | "0" | "no" | "n" => Some(false),
        _ => None,
    }
}

/// An ISO 3166-1 alpha-2 code for a location's country ("DE", "Germany"); other text unchanged.
pub(crate) fn country_code(raw: &str) -> String {
    let t = raw.trim();
    if t.len() == 2 {
        if let Ok(Country::MemberState(c) | Country::OutsideEea(c)) = country("country", t) {
            return c.to_string();
        }
    }
    let named = EEA.iter().find(|(_, name)| name.eq_ignore_ascii_case(t));
    match (named, t.to_lowercase().as_str()) {
        (Some((code, _)), _) => code.to_string(),
        (None, "deutschland") => "DE".into(),
        (None, "österreich" | "osterreich") => "AT".into(),
        (None, "czech republic") => "CZ".into(),
        (None, "united kingdom" | "great britain") => "GB".into(),
        (None, "united states" | "usa" | "united states of america") => "US".into(),
        (None, "switzerland") => "CH".into(),
        _ => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(v: Value) -> Record {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn fields_read_in_every_display_shape() {
        let r = rec(json!({
            "plain": "abc",
            "all": {"display_value": "Shown", "value": "stored"},
            "ref_false": {"link": "https://i/api/now/table/cmdb_ci/0123abcd", "value": "0123abcd"},
            "ref_true": {"display_value": "Card gateway", "link": "https://i/api/now/table/cmdb_ci/77ff"},
            "empty": "", "num": 3, "bool": true, "null": null
        }));
        assert_eq!(value(&r, "plain").as_deref(), Some("abc"));
        assert_eq!(value(&r, "all").as_deref(), Some("stored"));
        assert_eq!(display(&r, "all").as_deref(), Some("Shown"));
        assert_eq!(reference(&r, "ref_false"), Some(("0123abcd".into(), None)));
        assert_eq!(
            reference(&r, "ref_true"),
            Some(("77ff".into(), Some("Card gateway".into())))
        );
        assert_eq!(value(&r, "empty"), None);
        assert_eq!(value(&r, "num").as_deref(), Some("3"));
        assert_eq!(value(&r, "bool").as_deref(), Some("true"));
        assert_eq!(value(&r, "null"), None);
        assert_eq!(value(&r, "absent"), None);
    }

    #[test]
    fn sys_ids_are_required_and_cannot_smuggle_query_syntax() {
        assert_eq!(
            sys_id(&rec(json!({"sys_id": "a1"})), "t", 0),
            Ok("a1".into())
        );
        let e = sys_id(&rec(json!({"name": "x"})), "cmdb_ci", 2).unwrap_err();
        assert!(e.contains("record 3 of table cmdb_ci has no sys_id"), "{e}");
        assert!(sys_id(&rec(json!({"sys_id": "a,b"})), "t", 0).is_err());
        assert!(sys_id(&rec(json!({"sys_id": "a^ORname=x"})), "t", 0).is_err());
        assert!(sys_id(
            &rec(json!({"sys_id": {"value": "a1", "display_value": "a1"}})),
            "t",
            0
        )
        .is_ok());
    }

    #[test]
    fn flags_and_countries() {
        assert_eq!(flag("true"), Some(true));
        assert_eq!(flag("No"), Some(false));
        assert_eq!(flag(""), None);
        assert_eq!(flag("maybe"), None);
        assert_eq!(country_code("Germany"), "DE");
        assert_eq!(country_code("de"), "DE");
        assert_eq!(country_code("Österreich"), "AT");
        assert_eq!(country_code("US"), "US");
        assert_eq!(country_code("Atlantis"), "Atlantis");
    }
}
