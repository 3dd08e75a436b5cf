//! Reading and writing values at the mapping's paths in a DORA_IR JSON document.
//!
//! `a.b.c` is a plain path; `list[].x` is one value per element of `list` (the affected
//! entities); `classificationTypes[geographical_spread].x` is `x` of the element whose
//! `classificationCriterion` is `geographical_spread`.

use serde_json::{json, Map, Value};

/// The key that identifies an element of `incident.classificationTypes`.
const SELECTOR_KEY: &str = "classificationCriterion";

enum Segment<'a> {
    Key(&'a str),
    Each(&'a str),
    Select(&'a str, &'a str),
}

fn segments(path: &str) -> Vec<Segment<'_>> {
    path.split('.')
        .map(|s| match s.split_once('[') {
            Some((name, "]")) => Segment::Each(name),
            Some((name, rest)) => Segment::Select(name, rest.trim_end_matches(']')),
            None => Segment::Key(s),
        })
        .collect()
}

/// The value at `path`, if any.
pub fn get(doc: &Value, path: &str) -> Option<Value> {
    get_in(doc, &segments(path))
}

fn get_in(cur: &Value, segs: &[Segment<'_>]) -> Option<Value> {
    let Some((first, rest)) = segs.split_first() else {
        return Some(cur.clone());
    };
    match first {
        Segment::Key(k) => get_in(cur.get(*k)?, rest),
        Segment::Each(k) => {
            let items = cur.get(*k)?.as_array()?;
            let got: Vec<Value> = items
                .iter()
                .map(|i| get_in(i, rest).unwrap_or(Value::Null))
                .collect();
            got.iter()
                .any(|v| !v.is_null())
                .then_some(Value::Array(got))
        }
        Segment::Select(k, crit) => {
            let items = cur.get(*k)?.as_array()?;
            let el = items
                .iter()
                .find(|i| i.get(SELECTOR_KEY).and_then(Value::as_str) == Some(crit))?;
            get_in(el, rest)
        }
    }
}

/// Why a value could not be placed.
#[derive(Debug, Clone, PartialEq)]
pub enum PlaceError {
    /// The classification-type element for this criterion is not there: field 2.5 does not
    /// list the criterion, so its details have no place in the report.
    CriterionNotListed(String),
}

/// Writes `value` at `path`, creating objects on the way.
pub fn set(doc: &mut Value, path: &str, value: Value) -> Result<(), PlaceError> {
    set_in(doc, &segments(path), value)
}

fn obj(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    v.as_object_mut().expect("made an object")
}

fn set_in(cur: &mut Value, segs: &[Segment<'_>], value: Value) -> Result<(), PlaceError> {
    let Some((first, rest)) = segs.split_first() else {
        *cur = value;
        return Ok(());
    };
    match first {
        Segment::Key(k) => set_in(
            obj(cur).entry(k.to_string()).or_insert(Value::Null),
            rest,
            value,
        ),
        Segment::Each(k) => {
            let values = match value {
                Value::Array(a) => a,
                other => vec![other],
            };
            let list = obj(cur).entry(k.to_string()).or_insert_with(|| json!([]));
            if !list.is_array() {
                *list = json!([]);
            }
            let items = list.as_array_mut().expect("made an array");
            while items.len() < values.len() {
                items.push(json!({}));
            }
            for (item, v) in items.iter_mut().zip(values) {
                if !v.is_null() {
                    set_in(item, rest, v)?;
                }
            }
            Ok(())
        }
        Segment::Select(k, crit) => {
            let items = obj(cur).get_mut(*k).and_then(Value::as_array_mut);
            let el = items
                .and_then(|items| {
                    items
                        .iter_mut()
                        .find(|i| i.get(SELECTOR_KEY).and_then(Value::as_str) == Some(crit))
                })
                .ok_or_else(|| PlaceError::CriterionNotListed((*crit).to_string()))?;
            set_in(el, rest, value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_with_lists_and_selectors() {
        let mut d = json!({});
        set(
            &mut d,
            "incident.classificationTypes[].classificationCriterion",
            json!(["geographical_spread", "data_losses"]),
        )
        .unwrap();
        set(
            &mut d,
            "incident.classificationTypes[geographical_spread].countryCodeMaterialityThresholds",
            json!(["DE", "AT"]),
        )
        .unwrap();
        assert_eq!(
            set(
                &mut d,
                "incident.classificationTypes[economic_impact].economicImpactMaterialityThreshold",
                json!("x")
            ),
            Err(PlaceError::CriterionNotListed("economic_impact".into()))
        );
        set(&mut d, "affectedEntity[].name", json!(["A", "B"])).unwrap();
        set(&mut d, "affectedEntity[].LEI", json!(["L1"])).unwrap();
        assert_eq!(
            d["incident"]["classificationTypes"][0]["countryCodeMaterialityThresholds"],
            json!(["DE", "AT"])
        );
        assert_eq!(
            d["affectedEntity"],
            json!([{"name": "A", "LEI": "L1"}, {"name": "B"}])
        );
        assert_eq!(get(&d, "affectedEntity[].LEI"), Some(json!(["L1", null])));
        assert_eq!(
            get(
                &d,
                "incident.classificationTypes[data_losses].dataLossesDescription"
            ),
            None
        );
        assert_eq!(
            get(&d, "incident.classificationTypes[].classificationCriterion"),
            Some(json!(["geographical_spread", "data_losses"]))
        );
    }
}
